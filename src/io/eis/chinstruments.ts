/**
 * CH Instruments "A.C. Impedance" text export: a parameter header, then `Freq/Hz, Z'/ohm, Z"/ohm, Z/ohm,
 * Phase/deg`, a blank line and comma-separated rows.
 */
import { CorruptFileError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { cell, decodeInstrumentText, makeSpectrum, splitLines } from './shared.js';
import type { ImpedanceSpectrum } from './types.js';

export function parseCHInstrumentsImpedance(text: string, source: string): ImpedanceSpectrum {
  const lines = splitLines(text);
  const head = lines.findIndex((l) => l.startsWith('Freq/Hz'));
  if (head < 0) {
    throw new CorruptFileError('header line not found', { file: source, found: 'no line starting with "Freq/Hz"', expected: 'a CH Instruments A.C. Impedance export' });
  }
  const f: number[] = [];
  const re: number[] = [];
  const im: number[] = [];
  for (let i = head + 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split(',');
    f.push(cell(cells[0], source, i, 'Freq/Hz'));
    re.push(cell(cells[1], source, i, "Z'/ohm"));
    im.push(cell(cells[2], source, i, 'Z"/ohm'));
  }
  return makeSpectrum({ freqHz: f, zReOhm: re, zImOhm: im }, source, 'chinstruments');
}

export function readCHInstrumentsImpedance(path: string): ImpedanceSpectrum {
  return parseCHInstrumentsImpedance(decodeInstrumentText(readFileChecked(path)), path);
}
