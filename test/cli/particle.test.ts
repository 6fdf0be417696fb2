/** `spincell simulate particle` and `spincell particle …` through runCli: JSON, --out, one-line bad input (exit 3). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'spincell-particle-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const dir = join(tmp, 'sim');

beforeAll(async () => {
  const r = await cli(['simulate', 'particle', '--out', dir, '--kinds', 'gitt,rate', '--json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).files).toEqual(['gitt.mpt', 'rate.mpt']);
}, 60_000);

describe('spincell particle', () => {
  it('gitt --json gives D per pulse with its checks and assumptions; --out writes the table', async () => {
    const out = join(tmp, 'gitt.csv');
    const r = await cli([
      'particle',
      'gitt',
      join(dir, 'gitt.mpt'),
      '--radius-um',
      '6',
      '--json',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Math.abs(doc.medianDiffusionM2PerS / 1e-14 - 1)).toBeLessThan(0.03);
    expect(doc.pulses[0].checks.map((c: { name: string }) => c.name)).toContain('short pulse τD/R²');
    expect(doc.assumptions.length).toBeGreaterThan(3);
    const csv = readFileSync(out, 'utf8');
    expect(csv).toContain('d_m2_s');
    expect(csv.split('\n').filter((l) => /^\d/.test(l))).toHaveLength(doc.pulses.length);
  });

  it('simulate --format csv --no-sei: CV tables without a technique are read as CV; no irreversible charge', async () => {
    const csvDir = join(tmp, 'csv');
    const sim = await cli([
      'simulate',
      'particle',
      '--out',
      csvDir,
      '--kinds',
      'cv',
      '--format',
      'csv',
      '--no-sei',
      '--json',
    ]);
    expect(sim.code).toBe(0);
    const files: string[] = JSON.parse(sim.stdout).files;
    const r = await cli([
      'particle',
      'cv',
      ...files.map((f) => join(csvDir, f)),
      '--radius-um',
      '6',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.files).toHaveLength(5);
    expect(Math.abs(doc.files[0].irreversibleFirstCycleNAh)).toBeLessThan(1e-3);
    expect(doc.randlesSevcik.diffusionM2PerS).toBeGreaterThan(0);
    expect(doc.randlesSevcik.concentrationSource).toContain('largest sweep charge');
  }, 60_000);

  it('rate prints capacities per current with the assumptions', async () => {
    const r = await cli(['particle', 'rate', join(dir, 'rate.mpt'), '--radius-um', '6']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('delithiation');
    expect(r.stdout).toContain('assumptions');
  });

  it('bad input: one line naming file, field, found and expected; exit 3', async () => {
    const missing = await cli(['particle', 'gitt', join(tmp, 'nope.mpt'), '--radius-um', '6']);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('nope.mpt');

    const radius = await cli(['particle', 'gitt', join(dir, 'gitt.mpt'), '--radius-um', '-2']);
    expect(radius.code).toBe(3);
    expect(radius.stderr.trim().split('\n')).toHaveLength(1);
    expect(radius.stderr).toMatch(/--radius-um.*found -2.*expected > 0 µm/);

    const table = join(tmp, 'flat.csv');
    writeFileSync(table, 'time_s,voltage_V,current_mA\n0,0.5,0\n1,0.5,0\n2,0.5,0\n');
    const noPulse = await cli(['particle', 'pitt', table, '--radius-um', '6']);
    expect(noPulse.code).toBe(3);
    expect(noPulse.stderr.trim().split('\n')).toHaveLength(1);
    expect(noPulse.stderr).toContain('flat.csv');
    expect(noPulse.stderr).toMatch(/steps.*found.*expected potentiostatic steps/);

    const cv = await cli(['particle', 'cv', table, '--radius-um', '6']);
    expect(cv.code).toBe(3);
    expect(cv.stderr.trim().split('\n')).toHaveLength(1);
    expect(cv.stderr).toMatch(/flat.csv: voltage_V: no potential sweep.*found a potential range of 0.00 mV/);
  });
});
