import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');
export const eisDataDir = join(repoRoot, '..', 'shared', 'reference', 'data', 'eis');
export const haveEisData = existsSync(join(eisDataDir, 'reference-impedance-py.json'));

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(here, 'fixtures', name), 'utf8')) as T;
}

export function readReference<T>(): T {
  return JSON.parse(readFileSync(join(eisDataDir, 'reference-impedance-py.json'), 'utf8')) as T;
}

export const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
