/**
 * EC-Lab `.mpt` text export of a PEIS/GEIS run. Line 2 states the header length ("Nb header lines : N");
 * the last header line names the columns. EC-Lab stores −Im(Z), so the sign is flipped to Z″. German
 * locale exports write decimal commas; the column names then stay the same.
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

export interface BiologicMptImpedance extends ImpedanceSpectrum {
  /** EC-Lab's `cycle number` per point when present (one value per sweep in a repeated PEIS). */
  readonly cycle?: Float64Array;
}

export function parseBiologicMptImpedance(text: string, source: string): BiologicMptImpedance {
  const lines = splitLines(text);
  if (!/^EC-Lab ASCII FILE/i.test(lines[0]?.trim() ?? '')) {
    throw new CorruptFileError('not an EC-Lab text export', {
      file: source,
      field: 'line 1',
      found: lines[0]?.slice(0, 40),
      expected: 'EC-Lab ASCII FILE',
    });
  }
  const m = /Nb header lines\s*:\s*(\d+)/i.exec(lines[1] ?? '');
  if (!m) {
    throw new CorruptFileError('header length missing', {
      file: source,
      field: 'line 2',
      found: lines[1],
      expected: 'Nb header lines : N',
    });
  }
  const nHeader = Number(m[1]);
  if (nHeader < 2 || nHeader > lines.length) {
    throw new CorruptFileError('header length beyond the end of the file', {
      file: source,
      field: 'Nb header lines',
      found: nHeader,
      expected: `2..${lines.length}`,
    });
  }
  const headers = lines[nHeader - 1].split('\t');
  const iF = requireColumn(headers, [/^freq\/Hz$/], source, 'freq/Hz');
  const iRe = requireColumn(headers, [/^Re\(Z\)\/Ohm$/], source, 'Re(Z)/Ohm');
  const iIm = requireColumn(headers, [/^-Im\(Z\)\/Ohm$/], source, '-Im(Z)/Ohm');
  const iT = findColumn(headers, [/^time\/s$/]);
  const iC = findColumn(headers, [/^cycle number$/]);
  let startMs: number | undefined;
  for (let i = 0; i < nHeader; i++) {
    const s = /^Acquisition started on\s*:\s*(\S+)\s+(\S+)/.exec(lines[i]);
    if (s) startMs = parseUsDateTime(s[1], s[2]);
  }
  const f: number[] = [];
  const re: number[] = [];
  const im: number[] = [];
  const t: number[] = [];
  const cyc: number[] = [];
  let decimalComma: boolean | undefined;
  for (let i = nHeader; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split('\t');
    // Decide the locale once from the first data cell: "1,0003201E+003" has a comma and no dot.
    if (decimalComma === undefined) decimalComma = /,/.test(cells[iF] ?? '') && !/\./.test(cells[iF] ?? '');
    f.push(cell(cells[iF], source, i, 'freq/Hz', decimalComma));
    re.push(cell(cells[iRe], source, i, 'Re(Z)/Ohm', decimalComma));
    im.push(-cell(cells[iIm], source, i, '-Im(Z)/Ohm', decimalComma));
    if (iT >= 0) t.push(cell(cells[iT], source, i, 'time/s', decimalComma));
    if (iC >= 0) cyc.push(cell(cells[iC], source, i, 'cycle number', decimalComma));
  }
  const spectrum = makeSpectrum(
    { freqHz: f, zReOhm: re, zImOhm: im, ...(iT >= 0 ? { timeS: t } : {}) },
    source,
    'biologic-mpt',
    startMs,
  );
  return iC >= 0 ? { ...spectrum, cycle: Float64Array.from(cyc) } : spectrum;
}

export function readBiologicMptImpedance(path: string): BiologicMptImpedance {
  return parseBiologicMptImpedance(decodeInstrumentText(readFileChecked(path)), path);
}
