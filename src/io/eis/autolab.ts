/**
 * Metrohm Autolab (FRA, "Z60W Data File") exports: a quoted, space-aligned header line containing
 * `Freq (Hz) … Z'(a) Z''(b)`, then comma-separated rows: frequency, amplitude, bias, time, Z′, Z″, ….
 */
import { CorruptFileError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { decodeInstrumentText, makeSpectrum, readFixedColumns, splitLines } from './shared.js';
import type { ImpedanceSpectrum } from './types.js';

export function parseAutolabImpedance(text: string, source: string): ImpedanceSpectrum {
  const lines = splitLines(text);
  let head = -1;
  lines.forEach((l, i) => {
    if (l.includes('Freq')) head = i;
  });
  if (head < 0 || !/Z'/.test(lines[head])) {
    throw new CorruptFileError('header line not found', {
      file: source,
      found: head < 0 ? 'no line with "Freq"' : lines[head].trim(),
      expected: `a header like "Freq (Hz) … Z'(a) Z''(b)"`,
    });
  }
  const columns = {
    freqHz: { index: 0, name: 'Freq (Hz)' },
    timeS: { index: 3, name: 'Time(Sec)' },
    zReOhm: { index: 4, name: "Z'(a)" },
    zImOhm: { index: 5, name: "Z''(b)" },
  };
  return makeSpectrum(readFixedColumns(lines, head + 1, ',', columns, source), source, 'autolab');
}

export function readAutolabImpedance(path: string): ImpedanceSpectrum {
  return parseAutolabImpedance(decodeInstrumentText(readFileChecked(path)), path);
}
