/**
 * File-system helpers at the edge of the library. Outputs are written atomically (temporary file in the
 * same folder, then rename) so that a failure never leaves a half-written result. Inputs are only read.
 */
import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { CorruptFileError, MissingFileError, OutputError } from '../core/errors.js';

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
