/**
 * File-system helpers at the edge of the library. Outputs are written through src/io/output.ts (atomic,
 * flushed, never over an input or a non-regular file). Inputs are only read.
 */
import { readFileSync, statSync } from 'node:fs';
import { CorruptFileError, MissingFileError } from '../core/errors.js';
import { checkLimit } from '../core/limits.js';

export { writeFileAtomic } from './output.js';

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
