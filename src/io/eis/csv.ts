/**
 * Generic delimited impedance tables (comma, semicolon, tab, or runs of spaces as several tools export
 * and published DRT examples use) and the column-mapping shared with the Zahner reader.
 *
 * Without a header the columns are frequency, Z′, Z″ (the layout impedance.py and DRTtools use) and the
 * caller declares whether the third column is Z″ or −Z″. With a header the columns are found by name;
 * a name starting with "-" (`-Z''`, `-Im(Z)`, `-Zimag`) declares −Z″, and |Z| with phase is accepted when
 * Z′/Z″ are absent. A declared convention that contradicts the header is an error rather than a guess.
 */
import { CorruptFileError, ParameterError } from '../../core/errors.js';
import { detectDelimiter, splitDelimited } from '../csv/index.js';
import { readFileChecked } from '../fs.js';
import { cell, decodeInstrumentText, findColumn, makeSpectrum, splitLines } from './shared.js';
import type { ImpedanceFormat, ImpedanceSpectrum } from './types.js';

/** How the imaginary column is stored: Z″ itself, or −Z″ (positive for capacitive arcs). */
export type ImagConvention = 'z' | 'minus-z';

export interface CsvImpedanceOptions {
  /** Convention of the imaginary column. Default: from the header when it says, else 'z'. */
  imag?: ImagConvention;
}

const FREQ = [/^freq/i, /^f\s*[/(]\s*hz/i, /^f$/i, /frequency/i];
const RE = [/^re\s*\(z\)/i, /^z'(?!')/i, /^z_?re(al)?\b/i, /^zre/i, /^z\s*real/i, /^real\b/i, /^re\b/i];
const IM = [
  /^[-−]?\s*im\s*\(z\)/i,
  /^[-−]?\s*z''/i,
  /^[-−]?\s*z"/i,
  /^[-−]?\s*z_?im(ag)?\b/i,
  /^[-−]?\s*zim/i,
  /^[-−]?\s*z\s*imag/i,
  /^[-−]?\s*imag/i,
  /^[-−]?\s*im\b/i,
];
const MOD = [/^\|z\|/i, /^impedance\b/i, /^modulus/i, /^zmod/i, /^z\s*\/\s*ohm/i];
const PHASE = [/^phase/i, /^zphz/i];
const TIME = [/^time\b/i, /^elapsed time/i];

function isMinus(header: string): boolean {
  return /^\s*[-−]/.test(header);
}

/** Parses a delimited impedance table; `format` labels the result (csv or zahner). */
export function parseImpedanceTable(
  text: string,
  source: string,
  options: CsvImpedanceOptions = {},
  format: ImpedanceFormat = 'csv',
): ImpedanceSpectrum {
  const lines = splitLines(text);
  const first = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (first < 0)
    throw new CorruptFileError('empty file', { file: source, expected: 'frequency, Z′, Z″ rows' });
  // A first line with no tab, semicolon or comma but several space-separated fields: a whitespace table.
  const spaces = !/[\t;,]/.test(lines[first]) && /\S\s+\S/.test(lines[first].trim());
  const delimiter = detectDelimiter(lines[first]);
  const split = (line: string): string[] =>
    spaces ? line.trim().split(/\s+/) : splitDelimited(line, delimiter);
  const firstCells = split(lines[first]);
  const hasHeader = firstCells.some((c) => c !== '' && !Number.isFinite(Number(c)));
  let iF = 0;
  let iRe = 1;
  let iIm = 2;
  let iMod = -1;
  let iPh = -1;
  let iT = -1;
  let imag: ImagConvention = options.imag ?? 'z';
  if (hasHeader) {
    const h = firstCells;
    iF = findColumn(h, FREQ);
    iRe = findColumn(h, RE);
    iIm = findColumn(h, IM);
    iT = findColumn(h, TIME);
    if (iF < 0) {
      throw new CorruptFileError('frequency column not found', {
        file: source,
        field: 'header',
        found: h.join(' | '),
        expected: 'a column named freq…, f/Hz or Frequency',
      });
    }
    if (iRe < 0 || iIm < 0 || iRe === iIm) {
      iRe = -1;
      iIm = -1;
      iMod = findColumn(h, MOD);
      iPh = findColumn(h, PHASE);
      if (iMod < 0 || iPh < 0) {
        throw new CorruptFileError('impedance columns not found', {
          file: source,
          field: 'header',
          found: h.join(' | '),
          expected: "Z' and Z'' (or -Z''), or |Z| and phase",
        });
      }
    } else {
      const declared: ImagConvention = isMinus(h[iIm]) ? 'minus-z' : 'z';
      if (options.imag !== undefined && options.imag !== declared) {
        throw new ParameterError('declared sign convention contradicts the header', {
          file: source,
          field: h[iIm],
          found: options.imag,
          expected: declared,
        });
      }
      imag = declared;
    }
  }
  const names = hasHeader ? firstCells : ['frequency', "Z'", imag === 'z' ? "Z''" : "-Z''"];
  if (!hasHeader && firstCells.length < 3)
    throw new CorruptFileError(`${names[firstCells.length]} column missing`, {
      file: source,
      field: `line ${first + 1}`,
      found: `${firstCells.length} column(s): ${firstCells.join(' | ')}`,
      expected: `columns ${names.join(', ')} (or a header naming them)`,
    });
  const f: number[] = [];
  const re: number[] = [];
  const im: number[] = [];
  const t: number[] = [];
  const decimalComma = !spaces && delimiter !== ',' && /\d,\d/.test(lines[first + (hasHeader ? 1 : 0)] ?? '');
  for (let i = first + (hasHeader ? 1 : 0); i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const cells = split(line);
    f.push(cell(cells[iF], source, i, names[iF], decimalComma));
    if (iMod >= 0) {
      const mod = cell(cells[iMod], source, i, names[iMod], decimalComma);
      const phDeg = cell(cells[iPh], source, i, names[iPh], decimalComma);
      const ph = (phDeg * Math.PI) / 180;
      re.push(mod * Math.cos(ph));
      im.push(mod * Math.sin(ph));
    } else {
      re.push(cell(cells[iRe], source, i, names[iRe], decimalComma));
      const v = cell(cells[iIm], source, i, names[iIm], decimalComma);
      im.push(imag === 'minus-z' ? -v : v);
    }
    if (iT >= 0) t.push(cell(cells[iT], source, i, names[iT], decimalComma));
  }
  return makeSpectrum(
    { freqHz: f, zReOhm: re, zImOhm: im, ...(iT >= 0 ? { timeS: t } : {}) },
    source,
    format,
  );
}

export function readCsvImpedance(path: string, options: CsvImpedanceOptions = {}): ImpedanceSpectrum {
  return parseImpedanceTable(decodeInstrumentText(readFileChecked(path)), path, options, 'csv');
}
