/**
 * File-system helpers at the edge of the library. Outputs are written atomically (temporary file in the
 * same folder, then rename) so that a failure never leaves a half-written result. Inputs are only read.
 */
import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { CorruptFileError, MissingFileError } from '../core/errors.js';

let counter = 0;

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to clean up
    }
    throw error;
  }
}

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
