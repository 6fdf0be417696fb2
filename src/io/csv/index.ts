/**
 * Delimited text: a tolerant reader (comma, semicolon or tab; quoted fields; comment lines) and an atomic
 * CSV writer. Readers of instrument exports build on `splitDelimited` and `parseNumberStrict` so that every
 * format reports bad cells the same way.
 */
import { CorruptFileError } from '../../core/errors.js';
import { writeFileAtomic } from '../fs.js';
import { MAX_DECIMAL_BYTES, writeDecimalAt } from './decimal.js';

export type Delimiter = ',' | ';' | '\t';

/** Guesses the delimiter of a header or data line. */
export function detectDelimiter(line: string): Delimiter {
  const counts: [Delimiter, number][] = [
    ['\t', line.split('\t').length - 1],
    [';', line.split(';').length - 1],
    [',', line.split(',').length - 1],
  ];
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0][1] > 0 ? counts[0][0] : ',';
}

/** Splits one line into fields, honouring double quotes ("a,b" stays one field; "" is a quote). */
export function splitDelimited(line: string, delimiter: Delimiter): string[] {
  if (!line.includes('"')) return line.split(delimiter).map((s) => s.trim());
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/**
 * Parses a number cell. Accepts a decimal comma when `decimalComma` is set. Throws CorruptFileError
 * naming file, line and column when the cell is not a number.
 */
export function parseNumberStrict(
  cell: string,
  where: { file?: string; line: number; column: string },
  decimalComma = false,
): number {
  const text = decimalComma ? cell.replace(',', '.') : cell;
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value) && !/^[+-]?(nan|inf(inity)?)$/i.test(text.trim())) {
    throw new CorruptFileError('not a number', {
      file: where.file,
      field: `line ${where.line}, column ${where.column}`,
      found: cell,
      expected: 'a number',
    });
  }
  return value;
}

export interface Table {
  readonly headers: string[];
  /** One Float64Array per column. */
  readonly columns: Float64Array[];
  readonly rowCount: number;
}

/**
 * Reads a numeric table with one header line. Lines starting with '#' and blank lines are skipped.
 * Throws CorruptFileError for ragged rows or non-numeric cells.
 */
export function parseNumericTable(text: string, file?: string): Table {
  const lines = text.split(/\r?\n/);
  let headerIndex = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (headerIndex < 0)
    throw new CorruptFileError('empty table', { file, expected: 'a header line and data rows' });
  const delimiter = detectDelimiter(lines[headerIndex]);
  const headers = splitDelimited(lines[headerIndex], delimiter);
  const cols: number[][] = headers.map(() => []);
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const cells = splitDelimited(line, delimiter);
    if (cells.length !== headers.length) {
      throw new CorruptFileError('row has the wrong number of columns', {
        file,
        field: `line ${i + 1}`,
        found: cells.length,
        expected: headers.length,
      });
    }
    for (let c = 0; c < cells.length; c++) {
      cols[c].push(parseNumberStrict(cells[c], { file, line: i + 1, column: headers[c] }));
    }
  }
  headerIndex = cols[0]?.length ?? 0;
  if (headerIndex === 0)
    throw new CorruptFileError('table has no data rows', { file, expected: 'at least one row' });
  return { headers, columns: cols.map((c) => Float64Array.from(c)), rowCount: headerIndex };
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Formats rows as CSV text. `comments` become leading '# ' lines (provenance, absolute start time…). */
export function formatCsv(headers: string[], rows: ArrayLike<unknown>[], comments: string[] = []): string {
  const out: string[] = comments.map((c) => `# ${c}`);
  out.push(headers.map(csvCell).join(','));
  for (const row of rows) {
    const cells: string[] = [];
    for (let i = 0; i < row.length; i++) cells.push(csvCell(row[i]));
    out.push(cells.join(','));
  }
  return `${out.join('\n')}\n`;
}

/** Formats column arrays as CSV text. */
export function formatCsvColumns(
  headers: string[],
  columns: ArrayLike<unknown>[],
  comments: string[] = [],
): string {
  const n = columns.length > 0 ? columns[0].length : 0;
  const rows: unknown[][] = [];
  for (let i = 0; i < n; i++) rows.push(columns.map((c) => c[i]));
  return formatCsv(headers, rows, comments);
}

/**
 * Encodes numeric columns (bulk data such as processed spectra) as CSV bytes: a header line, then one
 * line per row. Each value is written with its 17 significant digits correctly rounded, trailing zeros
 * dropped (`writeDecimalAt`), which reads back as the same double: nothing is lost. Zero is written `0`,
 * non-finite values as empty cells. The bytes are built in one buffer, with no string per value.
 */
export function encodeNumericColumns(headers: string[], columns: readonly ArrayLike<number>[]): Uint8Array {
  const n = columns.length > 0 ? columns[0].length : 0;
  const head = Buffer.from(`${headers.map(csvCell).join(',')}\n`, 'utf8');
  const out = new Uint8Array(head.length + n * Math.max(1, columns.length) * (MAX_DECIMAL_BYTES + 1));
  out.set(head, 0);
  let pos = head.length;
  const m = columns.length;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < m; c++) {
      pos = writeDecimalAt(out, pos, columns[c], i);
      out[pos++] = c === m - 1 ? 10 : 44; // newline or comma
    }
  }
  return out.subarray(0, pos);
}

/** The CSV text of `encodeNumericColumns`. */
export function formatNumericColumns(headers: string[], columns: readonly ArrayLike<number>[]): string {
  return Buffer.from(encodeNumericColumns(headers, columns)).toString('utf8');
}

/** Writes CSV atomically. */
export function writeCsv(
  path: string,
  headers: string[],
  rows: ArrayLike<unknown>[],
  comments: string[] = [],
): void {
  writeFileAtomic(path, formatCsv(headers, rows, comments));
}

/** Writes column arrays as CSV atomically. */
export function writeCsvColumns(
  path: string,
  headers: string[],
  columns: ArrayLike<unknown>[],
  comments: string[] = [],
): void {
  writeFileAtomic(path, formatCsvColumns(headers, columns, comments));
}
