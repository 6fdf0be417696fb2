/**
 * VersaStudio `.par`: an INI-like file of `<Tag>…</Tag>` blocks. Measurements are in `<SegmentN>` blocks
 * whose `Definition=` line names the comma-separated columns (`Frequency(Hz)`, `Z Real`, `Z Imag`,
 * `Elapsed Time(s)` …). Every segment that carries impedance columns is read, in file order.
 */
import { CorruptFileError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { cell, decodeInstrumentText, findColumn, makeSpectrum, splitLines } from './shared.js';
import type { ImpedanceSpectrum } from './types.js';

export function parseVersaStudioImpedance(text: string, source: string): ImpedanceSpectrum {
  const lines = splitLines(text);
  const f: number[] = [];
  const re: number[] = [];
  const im: number[] = [];
  const t: number[] = [];
  let segments = 0;
  for (let i = 0; i < lines.length; i++) {
    const open = /^<Segment(\d+)>$/.exec(lines[i].trim());
    if (!open) continue;
    const close = `</Segment${open[1]}>`;
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith('Definition=')) {
      if (lines[j].trim() === close) break;
      j++;
    }
    if (j >= lines.length || !lines[j].startsWith('Definition=')) continue;
    const headers = lines[j]
      .slice('Definition='.length)
      .split(',')
      .map((h) => h.trim());
    const iF = findColumn(headers, [/^Frequency\(Hz\)$/]);
    const iRe = findColumn(headers, [/^Z Real$/]);
    const iIm = findColumn(headers, [/^Z Imag$/]);
    const iT = findColumn(headers, [/^Elapsed Time\(s\)$/]);
    if (iF < 0 || iRe < 0 || iIm < 0) continue;
    segments++;
    for (j = j + 1; j < lines.length && lines[j].trim() !== close; j++) {
      if (lines[j].trim() === '') continue;
      const cells = lines[j].split(',');
      f.push(cell(cells[iF], source, j, 'Frequency(Hz)'));
      re.push(cell(cells[iRe], source, j, 'Z Real'));
      im.push(cell(cells[iIm], source, j, 'Z Imag'));
      if (iT >= 0) t.push(cell(cells[iT], source, j, 'Elapsed Time(s)'));
    }
    if (j >= lines.length) {
      throw new CorruptFileError('segment is not closed', {
        file: source,
        field: `Segment${open[1]}`,
        found: 'end of file',
        expected: close,
      });
    }
    i = j;
  }
  if (segments === 0) {
    throw new CorruptFileError('no impedance segment', {
      file: source,
      found: 'no <SegmentN> with Frequency(Hz), Z Real, Z Imag',
      expected: 'a VersaStudio EIS .par file',
    });
  }
  return makeSpectrum(
    { freqHz: f, zReOhm: re, zImOhm: im, ...(t.length === f.length ? { timeS: t } : {}) },
    source,
    'versastudio',
  );
}

export function readVersaStudioImpedance(path: string): ImpedanceSpectrum {
  return parseVersaStudioImpedance(decodeInstrumentText(readFileChecked(path)), path);
}
