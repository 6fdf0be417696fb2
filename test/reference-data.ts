/**
 * Where the tests find real instrument files nobody here wrote (Bruker, EC-Lab, impedance examples): the
 * folder named by SPINCELL_REFERENCE_DATA, or ../shared/reference/data beside the repository. Tests that
 * need a part of it skip when it is absent; test/reference-summary.ts prints one line saying so.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REFERENCE_DATA_VARIABLE = 'SPINCELL_REFERENCE_DATA';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The reference-data folder: $SPINCELL_REFERENCE_DATA (relative to the working folder), else ../shared/reference/data beside the repository. */
export function referenceDataRoot(env: NodeJS.ProcessEnv = process.env): string {
  const set = env[REFERENCE_DATA_VARIABLE];
  return set !== undefined && set !== '' ? resolve(set) : join(repoRoot, '..', 'shared', 'reference', 'data');
}

export const REFERENCE_DATA = referenceDataRoot();

/** The parts of the reference data the tests use, each with a file whose presence says it is there. */
export const REFERENCE_PARTS = {
  bruker: 'coffee-1h/20/acqus',
  biologic: 'ocv.mpr',
  eis: 'reference-impedance-py.json',
} as const;

export type ReferencePart = keyof typeof REFERENCE_PARTS;

/** A path inside the reference data. */
export function referencePath(part: ReferencePart, ...rest: string[]): string {
  return join(REFERENCE_DATA, part, ...rest);
}

/** Whether a part of the reference data is present (under root, default REFERENCE_DATA). */
export function haveReference(part: ReferencePart, root: string = REFERENCE_DATA): boolean {
  return existsSync(join(root, part, REFERENCE_PARTS[part]));
}

/** The one line the test run prints about the reference data. */
export function referenceSummary(root: string, skipped: number, missing: readonly ReferencePart[]): string {
  const tests = `${skipped} real-data test${skipped === 1 ? '' : 's'} skipped`;
  if (missing.length === 0) return `reference data: ${root}; ${tests}`;
  const where =
    missing.length === Object.keys(REFERENCE_PARTS).length
      ? `not found at ${root}`
      : `${root} lacks ${missing.map((m) => `${m}/`).join(', ')}`;
  return `reference data: ${where} (set ${REFERENCE_DATA_VARIABLE} to the folder holding bruker/, biologic/, eis/); ${tests}`;
}
