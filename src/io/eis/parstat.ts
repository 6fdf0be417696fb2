/**
 * Princeton Applied Research Parstat (VersaStudio/PowerSuite "Export to text") with a tab-separated header
 * `Potential (V) Current (A) Elapsed Time (s) Frequency (Hz) Zre (ohms) Zim (ohms) …`. The same table
 * also logs the DC steps before the sweep with frequency 0; those rows are not impedance points.
 */
import { readFileChecked } from '../fs.js';
import { cell, decodeInstrumentText, findColumn, makeSpectrum, requireColumn, splitLines } from './shared.js';
import type { ImpedanceSpectrum } from './types.js';

export function parseParstatImpedance(text: string, source: string): ImpedanceSpectrum {
  const lines = splitLines(text);
  const headers = lines[0].split('\t');
  const iF = requireColumn(headers, [/^Frequency \(Hz\)$/i], source, 'Frequency (Hz)');
  const iRe = requireColumn(headers, [/^Zre \(ohms\)$/i], source, 'Zre (ohms)');
  const iIm = requireColumn(headers, [/^Zim \(ohms\)$/i], source, 'Zim (ohms)');
  const iT = findColumn(headers, [/^Elapsed Time \(s\)$/i]);
  const f: number[] = [];
  const re: number[] = [];
  const im: number[] = [];
  const t: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split('\t');
    const freq = cell(cells[iF], source, i, 'Frequency (Hz)');
    if (freq === 0) continue;
    f.push(freq);
    re.push(cell(cells[iRe], source, i, 'Zre (ohms)'));
    im.push(cell(cells[iIm], source, i, 'Zim (ohms)'));
    if (iT >= 0) t.push(cell(cells[iT], source, i, 'Elapsed Time (s)'));
  }
  return makeSpectrum(
    { freqHz: f, zReOhm: re, zImOhm: im, ...(iT >= 0 ? { timeS: t } : {}) },
    source,
    'parstat',
  );
}

export function readParstatImpedance(path: string): ImpedanceSpectrum {
  return parseParstatImpedance(decodeInstrumentText(readFileChecked(path)), path);
}
