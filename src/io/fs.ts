/**
 * File-system helpers at the edge of the library. Outputs are written through src/io/output.ts (atomic,
 * flushed, never over an input or a non-regular file). Inputs are only read.
 */
import { readFileSync, statSync } from 'node:fs';
import { CorruptFileError, MissingFileError } from '../core/errors.js';

export { writeFileAtomic } from './output.js';

/** Reads a whole file, turning "not found" and "is a directory" into typed errors. */
export function readFileChecked(path: string): Buffer {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new MissingFileError('file not found', { file: path });
  }
  if (isDir) throw new CorruptFileError('is a folder, not a file', { file: path });
  return readFileSync(path);
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
