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
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

export abstract class SpincellError extends Error {
  abstract readonly code: string;
  readonly exitCode: number = 3;
  readonly file?: string;
  readonly field?: string;
  readonly found?: unknown;
  readonly expected?: unknown;

  constructor(summary: string, details: ErrorDetails = {}) {
    const parts: string[] = [];
    if (details.file !== undefined) parts.push(details.file);
    if (details.field !== undefined) parts.push(details.field);
    const where = parts.length > 0 ? `${parts.join(': ')}: ` : '';
    let text = `${where}${summary}`;
    if (details.found !== undefined) text += `; found ${describe(details.found)}`;
    if (details.expected !== undefined) text += `; expected ${describe(details.expected)}`;
    super(text, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = new.target.name;
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
      file: this.file,
      field: this.field,
      found: this.found,
      expected: this.expected,
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
