/**
 * Metrohm Autolab (FRA, "Z60W Data File") exports: a quoted, space-aligned header line containing
 * `Freq (Hz) … Z'(a) Z''(b)`, then comma-separated rows: frequency, amplitude, bias, time, Z′, Z″, ….
 */
import { CorruptFileError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { cell, decodeInstrumentText, makeSpectrum, splitLines } from './shared.js';
import type { ImpedanceSpectrum } from './types.js';

export function parseAutolabImpedance(text: string, source: string): ImpedanceSpectrum {
  const lines = splitLines(text);
  let head = -1;
  lines.forEach((l, i) => {
    if (l.includes('Freq')) head = i;
  });
  if (head < 0 || !/Z'/.test(lines[head])) {
    throw new CorruptFileError('header line not found', { file: source, found: head < 0 ? 'no line with "Freq"' : lines[head].trim(), expected: `a header like "Freq (Hz) … Z'(a) Z''(b)"` });
  }
  const f: number[] = [];
  const re: number[] = [];
  const im: number[] = [];
  const t: number[] = [];
  for (let i = head + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split(',');
    f.push(cell(cells[0], source, i, 'Freq (Hz)'));
    t.push(cell(cells[3], source, i, 'Time(Sec)'));
    re.push(cell(cells[4], source, i, "Z'(a)"));
    im.push(cell(cells[5], source, i, "Z''(b)"));
  }
  return makeSpectrum({ freqHz: f, zReOhm: re, zImOhm: im, timeS: t }, source, 'autolab');
}

export function readAutolabImpedance(path: string): ImpedanceSpectrum {
  return parseAutolabImpedance(decodeInstrumentText(readFileChecked(path)), path);
}
