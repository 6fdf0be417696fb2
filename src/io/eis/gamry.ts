/**
 * Gamry Framework `.DTA` (EISPOT/EISGALV). The impedance sits in the `ZCURVE TABLE` block: a line of
 * column names (Pt Time Freq Zreal Zimag …), a line of units, then tab-indented rows until the block ends
 * or `EXPERIMENTABORTED` marks an interrupted sweep. Zimag is already Z″.
 */
import { CorruptFileError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import {
  cell,
  decodeInstrumentText,
  findColumn,
  makeSpectrum,
  parseUsDateTime,
  requireColumn,
  splitLines,
} from './shared.js';
import type { ImpedanceSpectrum } from './types.js';

export function parseGamryImpedance(text: string, source: string): ImpedanceSpectrum {
  const lines = splitLines(text);
  const start = lines.findIndex((l) => /^ZCURVE\s+TABLE/.test(l));
  if (start < 0) {
    throw new CorruptFileError('no impedance table', {
      file: source,
      field: 'ZCURVE',
      found: 'no ZCURVE TABLE line',
      expected: 'a Gamry EIS file with a ZCURVE TABLE block',
    });
  }
  const headers = (lines[start + 1] ?? '').split('\t').map((h) => h.trim());
  const iF = requireColumn(headers, [/^Freq$/], source, 'ZCURVE Freq');
  const iRe = requireColumn(headers, [/^Zreal$/], source, 'ZCURVE Zreal');
  const iIm = requireColumn(headers, [/^Zimag$/], source, 'ZCURVE Zimag');
  const iT = findColumn(headers, [/^Time$/]);
  let date = '';
  let time = '';
  for (let i = 0; i < start; i++) {
    const cells = lines[i].split('\t');
    if (cells[0] === 'DATE') date = cells[2] ?? '';
    if (cells[0] === 'TIME') time = cells[2] ?? '';
  }
  const f: number[] = [];
  const re: number[] = [];
  const im: number[] = [];
  const t: number[] = [];
  for (let i = start + 3; i < lines.length; i++) {
    const line = lines[i];
    if (/^EXPERIMENTABORTED/.test(line)) break;
    // Rows of a Gamry table start with a tab; the next block's tag starts at column 0.
    if (!line.startsWith('\t')) {
      if (line.trim() === '') continue;
      break;
    }
    // Some locales write decimal commas; Gamry never uses commas as separators inside tables.
    const cells = line.replace(/,/g, '.').split('\t');
    f.push(cell(cells[iF], source, i, 'Freq'));
    re.push(cell(cells[iRe], source, i, 'Zreal'));
    im.push(cell(cells[iIm], source, i, 'Zimag'));
    if (iT >= 0) t.push(cell(cells[iT], source, i, 'Time'));
  }
  return makeSpectrum(
    { freqHz: f, zReOhm: re, zImOhm: im, ...(iT >= 0 ? { timeS: t } : {}) },
    source,
    'gamry-dta',
    parseUsDateTime(date, time),
  );
}

export function readGamryImpedance(path: string): ImpedanceSpectrum {
  return parseGamryImpedance(decodeInstrumentText(readFileChecked(path)), path);
}
