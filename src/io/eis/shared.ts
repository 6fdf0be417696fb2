/**
 * Helpers shared by the impedance readers: text decoding, strict number cells, column lookup by
 * header name, and assembly of the spectrum with its own consistency checks.
 */
import { CorruptFileError } from '../../core/errors.js';
import { parseNumberStrict } from '../csv/index.js';
import type { ImpedanceFormat, ImpedanceSpectrum } from './types.js';

/**
 * Decodes instrument text. Windows-era exports are Latin-1 (`µ` as byte 0xB5); files that start with a
 * UTF-8 byte-order mark or decode cleanly as UTF-8 are taken as UTF-8.
 */
export function decodeInstrumentText(bytes: Uint8Array): string {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return new TextDecoder('utf-8').decode(bytes.subarray(3));
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

/** Splits text into lines, accepting \n, \r\n and the doubled \r\r\n some exporters write. */
export function splitLines(text: string): string[] {
  return text.split(/\r*\n|\r/);
}

/** Parses one numeric cell, naming file, line and column on failure. */
export function cell(
  text: string | undefined,
  file: string,
  lineIndex: number,
  column: string,
  decimalComma = false,
): number {
  if (text === undefined) {
    throw new CorruptFileError('row is too short', {
      file,
      field: `line ${lineIndex + 1}, column ${column}`,
      found: 'no cell',
      expected: 'a number',
    });
  }
  return parseNumberStrict(text, { file, line: lineIndex + 1, column }, decimalComma);
}

/** Index of the first header matching one of the patterns, or -1. */
export function findColumn(headers: readonly string[], patterns: readonly RegExp[]): number {
  for (const pattern of patterns) {
    const i = headers.findIndex((h) => pattern.test(h.trim()));
    if (i >= 0) return i;
  }
  return -1;
}

/** Like findColumn but throws CorruptFileError naming the missing column. */
export function requireColumn(
  headers: readonly string[],
  patterns: readonly RegExp[],
  file: string,
  name: string,
): number {
  const i = findColumn(headers, patterns);
  if (i < 0) {
    throw new CorruptFileError('column not found', {
      file,
      field: name,
      found: headers.filter((h) => h.trim() !== '').join(' | '),
      expected: `a column named like ${patterns.map((p) => p.source).join(' or ')}`,
    });
  }
  return i;
}

export interface SpectrumColumns {
  freqHz: number[];
  zReOhm: number[];
  zImOhm: number[];
  timeS?: number[];
}

/** A column of a fixed-layout table: its position in a row and the name errors give it. */
export interface FixedColumn {
  readonly index: number;
  readonly name: string;
}

/**
 * Reads the data rows of a table whose columns sit at fixed positions, from line `start` to the end:
 * blank lines are skipped, each row is split at `separator`, and every cell must be a number.
 */
export function readFixedColumns(
  lines: readonly string[],
  start: number,
  separator: string | RegExp,
  columns: { freqHz: FixedColumn; zReOhm: FixedColumn; zImOhm: FixedColumn; timeS?: FixedColumn },
  source: string,
): SpectrumColumns {
  const f: number[] = [];
  const re: number[] = [];
  const im: number[] = [];
  const t: number[] = [];
  const time = columns.timeS;
  for (let i = start; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split(separator);
    const at = (c: FixedColumn): number => cell(cells[c.index], source, i, c.name);
    f.push(at(columns.freqHz));
    if (time) t.push(at(time));
    re.push(at(columns.zReOhm));
    im.push(at(columns.zImOhm));
  }
  return { freqHz: f, zReOhm: re, zImOhm: im, ...(time ? { timeS: t } : {}) };
}

/** Assembles the typed spectrum; an empty data block is a corrupt file, not an empty result. */
export function makeSpectrum(
  cols: SpectrumColumns,
  source: string,
  format: ImpedanceFormat,
  startMs?: number,
): ImpedanceSpectrum {
  if (cols.freqHz.length === 0) {
    throw new CorruptFileError('no impedance data rows', {
      file: source,
      expected: 'at least one frequency point',
    });
  }
  const hasTime = cols.timeS !== undefined && cols.timeS.length === cols.freqHz.length;
  return {
    freqHz: Float64Array.from(cols.freqHz),
    zReOhm: Float64Array.from(cols.zReOhm),
    zImOhm: Float64Array.from(cols.zImOhm),
    ...(hasTime ? { timeS: Float64Array.from(cols.timeS as number[]) } : {}),
    ...(startMs !== undefined && Number.isFinite(startMs) ? { startMs } : {}),
    source,
    format,
  };
}

/**
 * Parses "M/D/YYYY" (or "MM/DD/YYYY") plus "HH:MM:SS[.fff]" as UTC epoch ms. US-style month-first dates
 * are what EC-Lab (English) and Gamry Framework write; the files carry no time zone.
 */
export function parseUsDateTime(date: string, time: string): number | undefined {
  const d = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(date.trim());
  const t = /^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(time.trim());
  if (!d || !t) return undefined;
  const seconds = Number(t[3]);
  const ms = Date.UTC(
    Number(d[3]),
    Number(d[1]) - 1,
    Number(d[2]),
    Number(t[1]),
    Number(t[2]),
    Math.floor(seconds),
  );
  return ms + Math.round((seconds - Math.floor(seconds)) * 1000);
}
