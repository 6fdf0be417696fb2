/**
 * PAR PowerSuite text export: header `Frequency  Zre  Zimg`, tab-separated rows (lines often end in
 * \r\r\n). Zimg is Z″.
 */
import { CorruptFileError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { cell, decodeInstrumentText, makeSpectrum, splitLines } from './shared.js';
import type { ImpedanceSpectrum } from './types.js';

export function parsePowerSuiteImpedance(text: string, source: string): ImpedanceSpectrum {
  const lines = splitLines(text);
  const headers = lines[0].split('\t').map((h) => h.trim());
  if (headers[0] !== 'Frequency' || headers[1] !== 'Zre' || headers[2] !== 'Zimg') {
    throw new CorruptFileError('unexpected header', { file: source, field: 'line 1', found: headers.join(' | '), expected: 'Frequency | Zre | Zimg' });
  }
  const f: number[] = [];
  const re: number[] = [];
  const im: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split('\t');
    f.push(cell(cells[0], source, i, 'Frequency'));
    re.push(cell(cells[1], source, i, 'Zre'));
    im.push(cell(cells[2], source, i, 'Zimg'));
  }
  return makeSpectrum({ freqHz: f, zReOhm: re, zImOhm: im }, source, 'powersuite');
}

export function readPowerSuiteImpedance(path: string): ImpedanceSpectrum {
  return parsePowerSuiteImpedance(decodeInstrumentText(readFileChecked(path)), path);
}
