/**
 * Bruker JCAMP-DX parameter files (acqus, acqu2s, procs, proc2s).
 *
 * Syntax handled (JCAMP-DX 5 labelled data records as TopSpin and XWIN-NMR write them):
 *   ##NAME= value          core header record (TITLE, JCAMPDX, ORIGIN, OWNER …)
 *   ##$NAME= value         Bruker parameter; the value is a number, `yes`/`no`, or a `<string>`
 *   ##$NAME= (0..63)       array; its values follow on the next lines (numbers or `<strings>`)
 *   <string over           strings may continue over several lines until the closing `>`
 *   lines>
 *   $$ text                comment line (TopSpin puts the write date and the file path there)
 *   value $$ text          trailing comment after a scalar
 *   ##END=                 end of the file
 *
 * Parsing is lenient and lookup is strict: a damaged value in a parameter nobody asks for does not stop
 * the reader, but asking for a missing or malformed parameter throws a ParameterError naming the file,
 * the parameter, what was found and what was expected.
 */
import { CorruptFileError, ParameterError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';

export type ParamValue =
  | { readonly kind: 'scalar'; readonly text: string; readonly line: number }
  | { readonly kind: 'string'; readonly text: string; readonly line: number; readonly closed: boolean }
  | {
      readonly kind: 'array';
      readonly items: readonly string[];
      readonly declaredLength: number;
      readonly line: number;
    };

// A strict decimal number: Number() alone would accept '', '0x1f' and 'Infinity'.
const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function toNumber(text: string): number | undefined {
  const t = text.trim();
  if (!NUMBER_RE.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

function stripAngles(token: string): string {
  return token.startsWith('<') && token.endsWith('>') && token.length >= 2 ? token.slice(1, -1) : token;
}

/** Parsed parameter file with typed getters. */
export class BrukerParams {
  constructor(
    /** The file the parameters came from, as given by the caller (used in error messages). */
    readonly file: string,
    readonly values: ReadonlyMap<string, ParamValue>,
    /** Core header records without the `$` prefix: TITLE, JCAMPDX, ORIGIN, OWNER … */
    readonly header: ReadonlyMap<string, string>,
    /** `$$` comment lines, text after the `$$` and trimmed, in file order. */
    readonly comments: readonly string[],
  ) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  names(): string[] {
    return [...this.values.keys()];
  }

  private missing(name: string, expected: string): ParameterError {
    return new ParameterError('parameter missing', {
      file: this.file,
      field: name,
      found: 'nothing',
      expected,
    });
  }

  private scalarText(name: string, expected: string): string {
    const v = this.values.get(name);
    if (v === undefined) throw this.missing(name, expected);
    if (v.kind === 'array') {
      throw new ParameterError('is an array, not a single value', {
        file: this.file,
        field: name,
        found: `array of ${v.items.length}`,
        expected,
      });
    }
    return v.text;
  }

  /** A finite number. Throws ParameterError when missing (and no fallback) or not a number. */
  number(name: string, fallback?: number): number {
    if (fallback !== undefined && !this.values.has(name)) return fallback;
    const text = this.scalarText(name, 'a number');
    const v = this.values.get(name);
    const value = v?.kind === 'scalar' ? toNumber(text) : undefined;
    if (value === undefined) {
      throw new ParameterError('not a number', {
        file: this.file,
        field: name,
        found: text,
        expected: 'a number',
      });
    }
    return value;
  }

  /** An integer (written as an integer or as a float with no fractional part). */
  /** A number that must be > 0 (frequencies, widths); `what` and `unit` word the error. */
  positive(name: string, what: string, unit: string): number {
    const value = this.number(name);
    if (!(value > 0)) {
      throw new ParameterError(`${what} must be positive`, {
        file: this.file,
        field: name,
        found: value,
        expected: `> 0 ${unit}`,
      });
    }
    return value;
  }

  integer(name: string, fallback?: number): number {
    if (fallback !== undefined && !this.values.has(name)) return fallback;
    const value = this.number(name);
    if (!Number.isInteger(value)) {
      throw new ParameterError('not an integer', {
        file: this.file,
        field: name,
        found: value,
        expected: 'an integer',
      });
    }
    return value;
  }

  /** A string value: the text between `<` and `>`, or the bare text of a scalar (e.g. `yes`). */
  string(name: string, fallback?: string): string {
    if (fallback !== undefined && !this.values.has(name)) return fallback;
    const v = this.values.get(name);
    const text = this.scalarText(name, 'a <string>');
    if (v?.kind === 'string' && !v.closed) {
      throw new ParameterError('string not closed by ">"', {
        file: this.file,
        field: name,
        found: text,
        expected: '<text>',
      });
    }
    return text;
  }

  /** Raw tokens of an array (strings without their angle brackets). */
  array(name: string): string[] {
    const v = this.values.get(name);
    if (v === undefined) throw this.missing(name, 'an array (0..N)');
    if (v.kind !== 'array') {
      throw new ParameterError('not an array', {
        file: this.file,
        field: name,
        found: v.text,
        expected: 'an array (0..N)',
      });
    }
    if (v.items.length !== v.declaredLength) {
      throw new ParameterError('array has the wrong number of values', {
        file: this.file,
        field: name,
        found: v.items.length,
        expected: v.declaredLength,
      });
    }
    return v.items.map(stripAngles);
  }

  /** An array of numbers, e.g. D, P, PL. */
  numberArray(name: string): number[] {
    return this.array(name).map((t, i) => {
      const value = toNumber(t);
      if (value === undefined) {
        throw new ParameterError('not a number', {
          file: this.file,
          field: `${name}[${i}]`,
          found: t,
          expected: 'a number',
        });
      }
      return value;
    });
  }

  /** One element of a numeric array, e.g. arrayNumber('D', 1) for the recycle delay D1. */
  arrayNumber(name: string, index: number, fallback?: number): number {
    if (fallback !== undefined && !this.values.has(name)) return fallback;
    const items = this.numberArray(name);
    if (index < 0 || index >= items.length) {
      throw new ParameterError('array too short', {
        file: this.file,
        field: `${name}[${index}]`,
        found: `${items.length} values`,
        expected: `at least ${index + 1}`,
      });
    }
    return items[index];
  }

  /** Plain-object view (numbers where a value parses as one), for JSON output and debugging. */
  toRecord(): Record<string, number | string | (number | string)[]> {
    const out: Record<string, number | string | (number | string)[]> = {};
    for (const [k, v] of this.values) {
      if (v.kind === 'array') out[k] = v.items.map((t) => toNumber(t) ?? stripAngles(t));
      else if (v.kind === 'string') out[k] = v.text;
      else out[k] = toNumber(v.text) ?? v.text;
    }
    return out;
  }
}

/** Splits an array body into tokens; `<strings>` may contain spaces. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === ' ' || ch === '\t') {
      i++;
    } else if (ch === '<') {
      const end = text.indexOf('>', i + 1);
      const stop = end < 0 ? text.length : end + 1;
      tokens.push(text.slice(i, stop));
      i = stop;
    } else {
      let j = i;
      while (j < text.length && text[j] !== ' ' && text[j] !== '\t') j++;
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

function stripTrailingComment(text: string): string {
  const at = text.indexOf('$$');
  return at < 0 ? text : text.slice(0, at);
}

const ARRAY_RE = /^\((\d+)\.\.(\d+)\)\s*(.*)$/;

/**
 * Parses the text of a parameter file. `file` only names the source in errors.
 * Throws CorruptFileError when the text has no JCAMP-DX record at all.
 */
export function parseBrukerParams(text: string, file: string): BrukerParams {
  const lines = text.split(/\r\n|\r|\n/);
  const values = new Map<string, ParamValue>();
  const header = new Map<string, string>();
  const comments: string[] = [];
  let records = 0;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const lineNo = i + 1;
    i++;
    if (line.startsWith('$$')) {
      comments.push(line.slice(2).trim());
      continue;
    }
    if (!line.startsWith('##')) continue; // stray text between records carries no parameter
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const isBruker = line[2] === '$';
    const name = line.slice(isBruker ? 3 : 2, eq).trim();
    if (name === '') continue;
    const rest = line.slice(eq + 1).trim();
    records++;
    if (!isBruker) {
      if (name.toUpperCase() === 'END') break;
      header.set(name, stripTrailingComment(rest).trim());
      continue;
    }
    if (rest.startsWith('<')) {
      // A string may run over several lines; it ends at the first line that ends with '>'.
      let body = rest;
      let closed = body.length >= 2 && body.endsWith('>');
      while (!closed && i < lines.length && !lines[i].startsWith('##')) {
        body += `\n${lines[i]}`;
        closed = lines[i].trimEnd().endsWith('>');
        i++;
      }
      const inner = closed ? body.slice(1, body.lastIndexOf('>')) : body.slice(1);
      values.set(name, { kind: 'string', text: inner, line: lineNo, closed });
      continue;
    }
    const arr = ARRAY_RE.exec(rest);
    if (arr) {
      const lo = Number(arr[1]);
      const hi = Number(arr[2]);
      const declared = hi - lo + 1;
      const items = tokenize(arr[3]);
      // Values follow on the next lines until the declared count is reached or the next record starts.
      while (
        items.length < declared &&
        i < lines.length &&
        !lines[i].startsWith('##') &&
        !lines[i].startsWith('$$')
      ) {
        items.push(...tokenize(lines[i]));
        i++;
      }
      values.set(name, { kind: 'array', items, declaredLength: Math.max(declared, 0), line: lineNo });
      continue;
    }
    values.set(name, { kind: 'scalar', text: stripTrailingComment(rest).trim(), line: lineNo });
  }
  if (records === 0) {
    throw new CorruptFileError('not a JCAMP-DX parameter file', {
      file,
      found: text.length === 0 ? 'an empty file' : 'no ##NAME= records',
      expected: 'lines such as ##$TD= 65536',
    });
  }
  return new BrukerParams(file, values, header, comments);
}

/** Reads and parses a parameter file (Latin-1, as TopSpin on Windows writes it; ASCII is a subset). */
export function readBrukerParams(path: string): BrukerParams {
  return parseBrukerParams(readFileChecked(path).toString('latin1'), path);
}
