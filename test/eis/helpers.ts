import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveReference, referencePath } from '../reference-data.js';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');
export const eisDataDir = referencePath('eis');
export const haveEisData = haveReference('eis');

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(here, 'fixtures', name), 'utf8')) as T;
}

export function readReference<T>(): T {
  return JSON.parse(readFileSync(join(eisDataDir, 'reference-impedance-py.json'), 'utf8')) as T;
}

export const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
