/**
 * Zahner (Thales / Analysis) text exports. They are tab- or semicolon-separated tables whose header names
 * the quantities with units — `Frequency/Hz`, `Impedance/Ohm`, `Phase/deg` (modulus and phase of Z, phase
 * negative for capacitive behaviour), sometimes `Z'/Ohm`, `Z''/Ohm`, `Time/s`, `Significance` — possibly
 * after free-text lines. The reader finds the header line and maps columns by name.
 */
import { CorruptFileError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { parseImpedanceTable } from './csv.js';
import { decodeInstrumentText, splitLines } from './shared.js';
import type { ImpedanceSpectrum } from './types.js';

export function parseZahnerImpedance(text: string, source: string): ImpedanceSpectrum {
  const lines = splitLines(text);
  const head = lines.findIndex(
    (l) => /frequency/i.test(l) && /impedance|\|z\||z'/i.test(l) && /[\t;]/.test(l),
  );
  if (head < 0) {
    throw new CorruptFileError('header line not found', {
      file: source,
      found: 'no line naming Frequency and Impedance',
      expected: 'a Zahner text export (Frequency/Hz, Impedance/Ohm, Phase/deg)',
    });
  }
  return parseImpedanceTable(lines.slice(head).join('\n'), source, {}, 'zahner');
}

export function readZahnerImpedance(path: string): ImpedanceSpectrum {
  return parseZahnerImpedance(decodeInstrumentText(readFileChecked(path)), path);
}
