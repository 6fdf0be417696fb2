/**
 * `spincell simulate mri|pfg` and `simulate operando --nucleus 23Na` through the CLI: the files each
 * writes, read back by the command that analyses them, give the simulated truth.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTruth } from '../../src/sim/index.js';
import { cli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-simtransport-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spincell simulate mri | pfg | operando --nucleus 23Na', () => {
  it('mri: profiles, voltage and D(C) that mri drift inverts to the true velocities', async () => {
    const out = join(dir, 'mri');
    const s = await cli(['--json', 'simulate', 'mri', '--out', out, '--profiles', '8']);
    expect(s.code, s.stderr).toBe(0);
    const summary = JSON.parse(s.stdout) as { roiUm: number[]; c0MolM3: number; temperatureK: number };
    for (const f of ['profiles.csv', 'voltage.csv', 'd-table.csv', 'truth.json'])
      expect(existsSync(join(out, f))).toBe(true);
    const truth = JSON.parse(readFileSync(join(out, 'truth.json'), 'utf8')) as {
      velocityUmPerH: number[][];
      maximumVelocityUmPerH: number;
    };
    const d = await cli([
      '--json',
      ...['mri', 'drift', join(out, 'profiles.csv')],
      ...['--voltage', join(out, 'voltage.csv'), '--diffusion', join(out, 'd-table.csv')],
      ...['--temperature', String(summary.temperatureK), '--c0', String(summary.c0MolM3)],
      ...['--roi', `${summary.roiUm[0]}:${summary.roiUm[1]}`],
    ]);
    expect(d.code, d.stderr).toBe(0);
    const v = (JSON.parse(d.stdout) as { velocityUmPerH: number[][] }).velocityUmPerH;
    expect(v.length).toBe(8);
    const vMax = Math.abs(truth.maximumVelocityUmPerH);
    const worst = Math.max(
      ...v.flatMap((row, k) => row.map((x, i) => Math.abs(x - truth.velocityUmPerH[k][i]) / vMax)),
    );
    expect(worst).toBeLessThan(0.06);
  });

  it('pfg: the table and the Bruker ser give the simulated D', async () => {
    const out = join(dir, 'pfg');
    const s = await cli([
      'simulate',
      'pfg',
      '--out',
      out,
      '--d',
      '5e-11',
      '--Delta-ms',
      '30',
      '--max-gradient-g-cm',
      '300',
    ]);
    expect(s.code, s.stderr).toBe(0);
    for (const input of [join(out, 'pfg.csv'), join(out, 'bruker')]) {
      const r = await cli(['--json', 'pfg', input, '--delta-ms', '1', '--Delta-ms', '30']);
      expect(r.code, r.stderr).toBe(0);
      const d = (JSON.parse(r.stdout) as { dM2PerS: number[] }).dM2PerS[0];
      expect(Math.abs(d / 5e-11 - 1)).toBeLessThan(0.01);
    }
    expect((await cli(['simulate', 'pfg', '--out', join(dir, 'bad'), '--d', '-1'])).code).toBe(2);
  });

  it('operando --nucleus 23Na: a ²³Na series with the metal lines near 1132 ppm; other nuclei are refused', async () => {
    const out = join(dir, 'na');
    const s = await cli([
      'simulate',
      'operando',
      '--nucleus',
      '23Na',
      '--spectra',
      '3',
      '--points',
      '4096',
      '--out',
      out,
    ]);
    expect(s.code, s.stderr).toBe(0);
    const t = readTruth(out);
    expect(t.acquisition.nucleus).toBe('23Na');
    expect(t.spectra[0].metalPeakPpm).toBeGreaterThan(1130);
    const p = await cli(['--json', 'process', join(out, '10'), '--baseline', 'auto']);
    expect(p.code, p.stderr).toBe(0);
    const metal = (JSON.parse(p.stdout) as { spectra: { metalPeakPpm: number }[] }).spectra[0].metalPeakPpm;
    expect(Math.abs(metal - t.spectra[0].metalPeakPpm)).toBeLessThan(0.3);
    const bad = await cli(['simulate', 'operando', '--nucleus', '1H', '--out', join(dir, 'h')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--nucleus/);
  });
});
