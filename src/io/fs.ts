/**
 * File-system helpers at the edge of the library. Outputs are written atomically (temporary file in the
 * same folder, then rename) so that a failure never leaves a half-written result. Inputs are only read.
 */
import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { CorruptFileError, MissingFileError, OutputError } from '../core/errors.js';
import { checkLimit } from '../core/limits.js';

let counter = 0;

/** What the usual file-system failures mean for someone choosing an output path. */
const OUTPUT_FAILURES: Record<string, string> = {
  EEXIST: 'a parent of the path is a file, not a folder',
  ENOTDIR: 'a parent of the path is a file, not a folder',
  EISDIR: 'the path is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
};

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new OutputError(
      `cannot write the output: ${OUTPUT_FAILURES[code] ?? code ?? 'file-system error'}`,
      { file: path, cause: error },
    );
  }
}

/**
 * Reads a whole file, turning "not found", "is a directory", a device or pipe in place of a file, and a
 * file above the input limit (SPINCELL_MAX_INPUT_BYTES, checked on its size before reading) into typed errors.
 */
export function readFileChecked(path: string): Buffer {
  let stats;
  try {
    stats = statSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new MissingFileError('file not found', { file: path });
    throw new CorruptFileError('cannot read the file', { file: path, found: code, cause });
  }
  if (stats.isDirectory()) throw new CorruptFileError('is a folder, not a file', { file: path });
  if (!stats.isFile())
    throw new CorruptFileError('not a regular file', {
      file: path,
      found: 'a device, pipe or socket',
      expected: 'a file',
    });
  checkLimit('inputBytes', stats.size, path);
  try {
    return readFileSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CorruptFileError('cannot read the file', { file: path, found: code, cause });
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
