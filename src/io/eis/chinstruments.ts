/**
 * CH Instruments "A.C. Impedance" text export: a parameter header, then `Freq/Hz, Z'/ohm, Z"/ohm, Z/ohm,
 * Phase/deg`, a blank line and comma-separated rows.
 */
import { CorruptFileError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { decodeInstrumentText, makeSpectrum, readFixedColumns, splitLines } from './shared.js';
import type { ImpedanceSpectrum } from './types.js';

export function parseCHInstrumentsImpedance(text: string, source: string): ImpedanceSpectrum {
  const lines = splitLines(text);
  const head = lines.findIndex((l) => l.startsWith('Freq/Hz'));
  if (head < 0) {
    throw new CorruptFileError('header line not found', {
      file: source,
      found: 'no line starting with "Freq/Hz"',
      expected: 'a CH Instruments A.C. Impedance export',
    });
  }
  const columns = {
    freqHz: { index: 0, name: 'Freq/Hz' },
    zReOhm: { index: 1, name: "Z'/ohm" },
    zImOhm: { index: 2, name: 'Z"/ohm' },
  };
  return makeSpectrum(readFixedColumns(lines, head + 1, ',', columns, source), source, 'chinstruments');
}

export function readCHInstrumentsImpedance(path: string): ImpedanceSpectrum {
  return parseCHInstrumentsImpedance(decodeInstrumentText(readFileChecked(path)), path);
}
