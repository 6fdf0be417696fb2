/**
 * Fast reading of delimited numeric text straight from bytes. Cycler exports run to millions of rows,
 * so cells are parsed without building strings: the digits are accumulated into an exact integer
 * mantissa and scaled by one exact power of ten, which IEEE arithmetic rounds correctly as long as the
 * mantissa stays below 2^53 and the power below 10^22 (Clinger's fast path). Anything else — longer
 * mantissas, large exponents, NaN/Inf spellings — goes through Number() on the cell text, so every
 * value is the correctly rounded double of what the file printed.
 */
import { CorruptFileError } from '../../core/errors.js';

const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const TWO53 = 2 ** 53;

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const COMMA = 44;
const ZERO = 48;
const NINE = 57;

export interface NumericBlockOptions {
  /** Delimiter byte (default tab). */
  delimiter?: number;
  /** Decimal separator byte: 46 '.' (default) or 44 ','. */
  decimal?: number;
  /** Number of columns every row must have. */
  columns: number;
  /** Column names, for error messages. */
  names: readonly string[];
  /** File, for error messages. */
  file?: string;
  /** 1-based line number of the first byte at `start`, for error messages. */
  firstLine: number;
}

export interface NumericBlock {
  readonly columns: Float64Array[];
  readonly rowCount: number;
  readonly warnings: string[];
}

/** Counts line starts in bytes[start..] that are not empty (upper bound for the rows to allocate). */
function countLines(bytes: Uint8Array, start: number): number {
  let n = 0;
  let pos = start;
  while (pos < bytes.length) {
    const nl = bytes.indexOf(LF, pos);
    const end = nl < 0 ? bytes.length : nl;
    if (end > pos && !(end === pos + 1 && bytes[pos] === CR)) n++;
    pos = end + 1;
  }
  return n;
}

function cellText(bytes: Uint8Array, from: number, to: number, decimal: number): string {
  let s = '';
  for (let i = from; i < to; i++) {
    const b = bytes[i];
    s += String.fromCharCode(b === decimal ? DOT : b);
  }
  return s.trim();
}

/**
 * Parses rows of numbers from `bytes[start..]`: one row per line, `columns` cells per row. Blank lines
 * are skipped; a trailing delimiter at the end of a line is allowed (EC-Lab writes one after headers).
 * Throws CorruptFileError naming line and column for a non-numeric cell, a ragged row or a decimal
 * separator of the other locale. An incomplete last line (file cut while being written) is dropped
 * with a warning.
 */
export function parseNumericBlock(bytes: Uint8Array, start: number, opts: NumericBlockOptions): NumericBlock {
  const delimiter = opts.delimiter ?? TAB;
  const decimal = opts.decimal ?? DOT;
  const otherDecimal = decimal === DOT ? COMMA : DOT;
  const ncol = opts.columns;
  const capacity = countLines(bytes, start);
  const cols = Array.from({ length: ncol }, () => new Float64Array(capacity));
  const warnings: string[] = [];
  let row = 0;
  let line = opts.firstLine;
  let pos = start;
  const n = bytes.length;

  const fail = (summary: string, col: number, found: unknown, expected: unknown): never => {
    throw new CorruptFileError(summary, {
      file: opts.file,
      field: `line ${line}${col >= 0 && col < ncol ? `, column ${opts.names[col]}` : ''}`,
      found,
      expected,
    });
  };

  while (pos < n) {
    // Blank line (or a lone CR) — skip.
    if (bytes[pos] === LF) {
      pos++;
      line++;
      continue;
    }
    if (bytes[pos] === CR && (pos + 1 >= n || bytes[pos + 1] === LF)) {
      pos += 2;
      line++;
      continue;
    }
    let col = 0;
    let lineDone = false;
    while (!lineDone) {
      // One cell from pos up to delimiter / end of line.
      const cellStart = pos;
      while (pos < n && bytes[pos] === SPACE) pos++;
      let neg = false;
      let b = bytes[pos];
      if (b === MINUS) {
        neg = true;
        b = bytes[++pos];
      } else if (b === PLUS) b = bytes[++pos];
      let mant = 0;
      let exact = true;
      let digits = 0;
      let exp10 = 0;
      while (b >= ZERO && b <= NINE) {
        if (mant < 9e14) mant = mant * 10 + (b - ZERO);
        else {
          const next = mant * 10 + (b - ZERO);
          if (next >= TWO53) exact = false;
          mant = next;
        }
        digits++;
        b = bytes[++pos];
      }
      if (b === decimal) {
        b = bytes[++pos];
        while (b >= ZERO && b <= NINE) {
          if (mant < 9e14) mant = mant * 10 + (b - ZERO);
          else {
            const next = mant * 10 + (b - ZERO);
            if (next >= TWO53) exact = false;
            mant = next;
          }
          exp10--;
          digits++;
          b = bytes[++pos];
        }
      } else if (b === otherDecimal && delimiter !== otherDecimal && digits > 0) {
        fail(
          'mixed decimal separators',
          col,
          String.fromCharCode(otherDecimal),
          `only '${String.fromCharCode(decimal)}' as in the rest of the file`,
        );
      }
      let ok = digits > 0;
      if (ok && (b === 69 || b === 101)) {
        b = bytes[++pos];
        let eneg = false;
        if (b === MINUS) {
          eneg = true;
          b = bytes[++pos];
        } else if (b === PLUS) b = bytes[++pos];
        let e = 0;
        let edigits = 0;
        while (b >= ZERO && b <= NINE) {
          e = e * 10 + (b - ZERO);
          edigits++;
          b = bytes[++pos];
        }
        if (edigits === 0) ok = false;
        exp10 += eneg ? -e : e;
      }
      while (b === SPACE) b = bytes[++pos];
      let value: number;
      const atEnd = pos >= n || b === delimiter || b === LF || b === CR;
      if (ok && atEnd && exact && exp10 >= -22 && exp10 <= 22) {
        value = exp10 >= 0 ? mant * POW10[exp10] : mant / POW10[-exp10];
        if (neg) value = -value;
      } else {
        // Slow path: find the cell end, parse its text.
        while (pos < n && bytes[pos] !== delimiter && bytes[pos] !== LF && bytes[pos] !== CR) pos++;
        const text = cellText(bytes, cellStart, pos, decimal);
        if (text === '' && col === ncol && (pos >= n || bytes[pos] === LF || bytes[pos] === CR)) {
          // Trailing delimiter at end of line.
          break;
        }
        if (
          delimiter !== otherDecimal &&
          bytes.subarray(cellStart, pos).includes(otherDecimal) &&
          /^[+-]?\d/.test(text)
        ) {
          fail(
            'mixed decimal separators',
            col,
            text,
            `only '${String.fromCharCode(decimal)}' as in the rest of the file`,
          );
        }
        value = text === '' ? NaN : Number(text);
        if (Number.isNaN(value) && !/^[+-]?nan$/i.test(text)) {
          if (text === '' || !/^[+-]?inf(inity)?$/i.test(text)) fail('not a number', col, text, 'a number');
          value = Infinity;
        }
        // An infinite cell (written as Inf, or a number beyond the double range) would make every
        // capacity of its record infinite; NaN stays, as a missing value the analysis skips.
        if (value === Infinity || value === -Infinity)
          fail('non-finite number', col, text, 'a finite number (NaN marks a missing value)');
      }
      if (col < ncol) cols[col][row] = value;
      col++;
      if (pos >= n || bytes[pos] === LF || bytes[pos] === CR) lineDone = true;
      else {
        pos++; // delimiter
        if (col === ncol && (pos >= n || bytes[pos] === LF || bytes[pos] === CR)) lineDone = true; // trailing delimiter
      }
    }
    if (col !== ncol) {
      const lastLine = pos >= n || bytes.indexOf(LF, pos + 1) < 0 || countLines(bytes, pos + 1) === 0;
      if (col < ncol && lastLine) {
        warnings.push(`line ${line}: incomplete last row (${col} of ${ncol} cells) dropped`);
        break;
      }
      fail('row has the wrong number of cells', -1, col, ncol);
    }
    row++;
    if (pos < n && bytes[pos] === CR) pos++;
    if (pos < n && bytes[pos] === LF) pos++;
    line++;
  }
  const out = row === capacity ? cols : cols.map((c) => c.subarray(0, row));
  return { columns: out, rowCount: row, warnings };
}
