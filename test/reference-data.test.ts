/**
 * The reference-data locator: SPINCELL_REFERENCE_DATA or ../shared/reference/data, every real-data test
 * goes through it, and a run prints one line saying where it looked and how many tests it skipped.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  haveReference,
  REFERENCE_DATA_VARIABLE,
  referenceDataRoot,
  referenceSummary,
} from './reference-data.js';

const repo = resolve(__dirname, '..');

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' ? [] : testFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Source without its comment lines (which may name the default folder). */
const uncommented = (text: string) => text.replace(/^\s*(\/\*\*|\*|\/\/).*$/gm, '');

/** Runs vitest on one file with the given reference-data variable; returns stdout. */
function vitest(file: string, value: string | undefined): string {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== REFERENCE_DATA_VARIABLE),
  );
  if (value !== undefined) env[REFERENCE_DATA_VARIABLE] = value;
  const p = spawnSync(process.execPath, [join(repo, 'node_modules/vitest/vitest.mjs'), 'run', file], {
    cwd: repo,
    env: { ...env, NO_COLOR: '1' },
    encoding: 'utf8',
  });
  expect(p.status, p.stderr).toBe(0);
  return p.stdout;
}

describe('reference data', () => {
  it('comes from SPINCELL_REFERENCE_DATA, else ../shared/reference/data beside the repository', () => {
    expect(referenceDataRoot({ [REFERENCE_DATA_VARIABLE]: '/data/ref' })).toBe('/data/ref');
    expect(referenceDataRoot({ [REFERENCE_DATA_VARIABLE]: 'ref' })).toBe(resolve('ref'));
    expect(referenceDataRoot({})).toBe(resolve(repo, '..', 'shared', 'reference', 'data'));
    expect(referenceDataRoot({ [REFERENCE_DATA_VARIABLE]: '' })).toBe(referenceDataRoot({}));
  });

  it('no test finds it on its own', () => {
    const own = [join(repo, 'test/reference-data.ts'), join(repo, 'test/reference-data.test.ts')];
    const offenders = testFiles(join(repo, 'test'))
      .filter((f) => !own.includes(f))
      .filter((f) => /shared\/reference|'shared',\s*'reference'/.test(uncommented(readFileSync(f, 'utf8'))))
      .map((f) => relative(repo, f));
    expect(offenders).toEqual([]);
  });

  it('the summary line names the folder, the missing parts and the skipped count', () => {
    expect(referenceSummary('/x', 3, ['bruker', 'biologic', 'eis'])).toBe(
      'reference data: not found at /x (set SPINCELL_REFERENCE_DATA to the folder holding bruker/, biologic/, eis/); 3 real-data tests skipped',
    );
    expect(referenceSummary('/x', 1, ['eis'])).toMatch(
      /^reference data: \/x lacks eis\/ .*; 1 real-data test skipped$/,
    );
    expect(referenceSummary('/x', 0, [])).toBe('reference data: /x; 0 real-data tests skipped');
  });

  it('a run without it prints one line and skips the real-data tests; with it, runs them', () => {
    const absent = vitest('test/cli/info.test.ts', join(repo, 'no-such-folder'));
    const lines = absent.split('\n').filter((l) => l.startsWith('reference data:'));
    expect(lines).toEqual([
      `reference data: not found at ${join(repo, 'no-such-folder')} (set SPINCELL_REFERENCE_DATA to the folder holding bruker/, biologic/, eis/); 1 real-data test skipped`,
    ]);
    expect(absent).toMatch(/1 skipped/);
    if (haveReference('bruker', referenceDataRoot({}))) {
      const present = vitest('test/cli/info.test.ts', referenceDataRoot({}));
      expect(present).toContain(`reference data: ${referenceDataRoot({})}; 0 real-data tests skipped`);
      expect(present).not.toMatch(/skipped \(/);
    }
  });
});
