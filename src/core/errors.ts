/**
 * Typed errors. Every error a user can trigger with bad input is a SpincellError carrying what they need
 * to act on it: the file, the field, what was found and what was expected. The CLI prints `message` on one
 * line and exits with `exitCode` (2 usage, 3 bad input, 4 numerical failure).
 */

export interface ErrorDetails {
  /** File the problem was found in (path as the user gave it). */
  file?: string;
  /** Parameter, column, block or field name inside the file. */
  field?: string;
  /** What was found (value, size, token). */
  found?: unknown;
  /** What was expected. */
  expected?: unknown;
  /** Underlying error, if any. */
  cause?: unknown;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Longest quoted content (found values, field names taken from a file) in a message, in characters. */
export const MAX_QUOTED_CHARS = 80;
/** Longest summary or expected value in a message, in characters. */
const MAX_TEXT_CHARS = 500;
/** Longest file path in a message, in characters. */
const MAX_PATH_CHARS = 1000;

/**
 * `text` made safe for one line of a terminal: control characters (C0, DEL, C1 — terminal escape
 * sequences start with ESC or CSI), line and paragraph separators, bidirectional overrides, byte-order
 * marks and lone surrogates are written as visible escapes (`\n`, `\x1b`, `\u{202e}`), and the result is
 * cut at `max` characters with an ellipsis. Every message of a SpincellError goes through here, so bytes
 * read from a file can neither move the cursor nor retitle the window nor start a second line.
 */
export function safeText(text: string, max = MAX_TEXT_CHARS): string {
  let out = '';
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.codePointAt(i) ?? 0;
    const ch = c > 0xffff ? text.slice(i, ++i + 1) : text[i];
    let piece: string;
    if (c === 0x0a) piece = '\\n';
    else if (c === 0x0d) piece = '\\r';
    else if (c === 0x09) piece = '\\t';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) piece = `\\x${c.toString(16).padStart(2, '0')}`;
    else if (
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0xfeff ||
      (c >= 0x200e && c <= 0x200f) ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069) ||
      (c >= 0xd800 && c <= 0xdfff)
    )
      piece = `\\u{${c.toString(16)}}`;
    else piece = ch;
    if (count + piece.length > max) return `${out}…`;
    out += piece;
    count += piece.length;
  }
  return out;
}

/** A found/expected value for the JSON form of an error: numbers and booleans as they are, text made safe. */
function safeValue(value: unknown, max: number): unknown {
  if (value === undefined || value === null || typeof value === 'number' || typeof value === 'boolean')
    return value;
  if (typeof value === 'string') return safeText(value, max);
  if (Array.isArray(value) && value.length <= 16 && value.every((v) => typeof v !== 'object'))
    return value.map((v) => safeValue(v, max));
  return safeText(describe(value), max);
}

export abstract class SpincellError extends Error {
  abstract readonly code: string;
  readonly exitCode: number = 3;
  readonly file?: string;
  readonly field?: string;
  readonly found?: unknown;
  readonly expected?: unknown;
  /** The message without file, field, found and expected. */
  readonly summary: string;

  constructor(summary: string, details: ErrorDetails = {}) {
    const parts: string[] = [];
    if (details.file !== undefined) parts.push(safeText(details.file, MAX_PATH_CHARS));
    if (details.field !== undefined) parts.push(safeText(details.field, MAX_QUOTED_CHARS));
    const where = parts.length > 0 ? `${parts.join(': ')}: ` : '';
    let text = `${where}${safeText(summary)}`;
    if (details.found !== undefined) text += `; found ${safeText(describe(details.found), MAX_QUOTED_CHARS)}`;
    if (details.expected !== undefined) text += `; expected ${safeText(describe(details.expected))}`;
    super(text, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = new.target.name;
    this.summary = summary;
    this.file = details.file;
    this.field = details.field;
    this.found = details.found;
    this.expected = details.expected;
  }

  toJSON(): Record<string, unknown> {
    return {
      error: this.name,
      code: this.code,
      message: this.message,
      file: this.file === undefined ? undefined : safeText(this.file, MAX_PATH_CHARS),
      field: this.field === undefined ? undefined : safeText(this.field, MAX_QUOTED_CHARS),
      found: safeValue(this.found, MAX_QUOTED_CHARS),
      expected: safeValue(this.expected, MAX_TEXT_CHARS),
    };
  }
}

/** A file or folder that should exist does not. */
export class MissingFileError extends SpincellError {
  readonly code = 'MISSING_FILE';
}

/** A file exists but its content is damaged, truncated or inconsistent with its own header. */
export class CorruptFileError extends SpincellError {
  readonly code = 'CORRUPT_FILE';
}

/** A file is valid but uses a variant spincell does not read (unknown data type, format version…). */
export class UnsupportedFormatError extends SpincellError {
  readonly code = 'UNSUPPORTED_FORMAT';
}

/** A parameter in a file, manifest or command line has a value that cannot be used. */
export class ParameterError extends SpincellError {
  readonly code = 'BAD_PARAMETER';
}

/** Input data that is well-formed but cannot be analysed (too few points, no signal, mixed nuclei…). */
export class DataError extends SpincellError {
  readonly code = 'BAD_DATA';
}

/** An output file or folder cannot be written (a parent is a file, no permission, disk full…). */
export class OutputError extends SpincellError {
  readonly code = 'OUTPUT';
}

/**
 * An input is larger than a documented limit (src/core/limits.ts): a file, or the size its header claims.
 * The message names the environment variable that raises the limit.
 */
export class LimitError extends SpincellError {
  readonly code = 'LIMIT';
}

/** Command-line usage error (unknown option value, missing argument). */
export class UsageError extends SpincellError {
  readonly code = 'USAGE';
  override readonly exitCode: number = 2;
}

/** A numerical method failed in a way the caller must know about (singular system, no convergence). */
export class NumericalError extends SpincellError {
  readonly code = 'NUMERICAL';
  override readonly exitCode: number = 4;
}

export function isSpincellError(error: unknown): error is SpincellError {
  return error instanceof SpincellError;
}

/** What the usual file-system failures mean for the person who named the file. */
const SYSTEM_FAILURES: Record<string, string> = {
  ENOENT: 'file or folder not found',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many levels of symbolic links',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
  ERR_FS_FILE_TOO_LARGE: 'file is too large to read',
};

/**
 * A Node file-system error (errno code and path) as the typed error a user can act on — the last line
 * of defence for a failure no reader anticipated; undefined for anything else (a genuine internal error).
 */
export function fromSystemError(error: unknown): SpincellError | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as NodeJS.ErrnoException;
  const reason = e.code !== undefined ? SYSTEM_FAILURES[e.code] : undefined;
  if (reason === undefined) return undefined;
  const file = typeof e.path === 'string' ? e.path : undefined;
  const details = { ...(file !== undefined ? { file } : {}), found: e.code, cause: error };
  if (e.code === 'ENOENT') return new MissingFileError(reason, details);
  if (['EROFS', 'ENOSPC'].includes(e.code ?? '')) return new OutputError(reason, details);
  return new CorruptFileError(reason, details);
}

/**
 * The same error (class, summary, found, expected) placed where the user can fix it: another file and
 * field, e.g. the manifest and the JSON path of the option that led to it. The original is the cause.
 */
export function relocated(error: SpincellError, where: { file?: string; field?: string }): SpincellError {
  const Kind = error.constructor as new (summary: string, details: ErrorDetails) => SpincellError;
  return new Kind(error.summary, {
    file: where.file ?? error.file,
    field: where.field ?? error.field,
    found: error.found,
    expected: error.expected,
    cause: error,
  });
}
