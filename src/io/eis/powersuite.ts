/**
 * PAR PowerSuite text export: header `Frequency  Zre  Zimg`, tab-separated rows (lines often end in
 * \r\r\n). Zimg is Z″.
 */
import { CorruptFileError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { decodeInstrumentText, makeSpectrum, readFixedColumns, splitLines } from './shared.js';
import type { ImpedanceSpectrum } from './types.js';

export function parsePowerSuiteImpedance(text: string, source: string): ImpedanceSpectrum {
  const lines = splitLines(text);
  const headers = lines[0].split('\t').map((h) => h.trim());
  if (headers[0] !== 'Frequency' || headers[1] !== 'Zre' || headers[2] !== 'Zimg') {
    throw new CorruptFileError('unexpected header', {
      file: source,
      field: 'line 1',
      found: headers.join(' | '),
      expected: 'Frequency | Zre | Zimg',
    });
  }
  const columns = {
    freqHz: { index: 0, name: 'Frequency' },
    zReOhm: { index: 1, name: 'Zre' },
    zImOhm: { index: 2, name: 'Zimg' },
  };
  return makeSpectrum(readFixedColumns(lines, 1, '\t', columns, source), source, 'powersuite');
}

export function readPowerSuiteImpedance(path: string): ImpedanceSpectrum {
  return parsePowerSuiteImpedance(decodeInstrumentText(readFileChecked(path)), path);
}
