/**
 * Three-electrode data: simulated positive and negative electrode spectra (their own ZARC models,
 * measured on a denser sweep than the full cell, so the check must interpolate) sum to the full cell of
 * the same models within the noise; a full cell of another state (its interphase arc 30 % larger) or a
 * swapped lead (the negative electrode's sign reversed) fails, and disjoint ranges are refused in one line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/helpers.js';
import { logSweep, simulateSweep, type CellModel } from '../../src/sim/eis.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-3e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pos: CellModel = { r0Ohm: 1.2, zarcs: [{ rOhm: 6, tau0S: 2e-3, phi: 0.85 }] };
const neg: CellModel = {
  r0Ohm: 0.8,
  zarcs: [
    { rOhm: 10, tau0S: 1e-4, phi: 0.9 },
    { rOhm: 4, tau0S: 5, phi: 0.8 },
  ],
};
const sum = (a: CellModel, b: CellModel): CellModel => ({
  r0Ohm: a.r0Ohm + b.r0Ohm,
  zarcs: [...a.zarcs, ...b.zarcs],
});

function write(
  name: string,
  model: CellModel,
  perDecade: number,
  seed: number,
  sign = 1,
  fMin = 1e-2,
): string {
  const s = simulateSweep(model, logSweep(1e5, fMin, perDecade), { noise: 0.001, seed });
  const rows = Array.from(s.freqHz, (f, i) => `${f},${sign * s.zReOhm[i]},${sign * s.zImOhm[i]}`);
  const path = join(dir, name);
  writeFileSync(path, `freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n${rows.join('\n')}\n`);
  return path;
}

describe('eis three-electrode', () => {
  const p = write('pos.csv', pos, 20, 1);
  const n = write('neg.csv', neg, 20, 2);
  const run = async (full: string, negative = n) =>
    cli(['--json', 'eis', 'three-electrode', '--positive', p, '--negative', negative, '--full', full]);

  it('the sum of the electrodes equals the full cell within the noise', async () => {
    const r = await run(write('full.csv', sum(pos, neg), 7, 3));
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      pass: boolean;
      maxRelativeResidual: number;
      freqHz: number[];
      pointsOutside: number;
    };
    expect(j.pass).toBe(true);
    // 0.1 % noise on each spectrum, plus interpolation between points 1/20 decade apart
    expect(j.maxRelativeResidual).toBeLessThan(0.01);
    expect(j.pointsOutside).toBe(0);
    expect(j.freqHz.length).toBe(50);
  });

  it('fails for a full cell of another state and for a reversed lead', async () => {
    const other = sum(pos, { ...neg, zarcs: [{ ...neg.zarcs[0], rOhm: 13 }, neg.zarcs[1]] });
    const a = JSON.parse((await run(write('full-other.csv', other, 7, 4))).stdout) as {
      pass: boolean;
      maxRelativeResidual: number;
    };
    expect(a.pass).toBe(false);
    expect(a.maxRelativeResidual).toBeGreaterThan(0.1);
    const b = JSON.parse(
      (await run(write('full2.csv', sum(pos, neg), 7, 5), write('neg-rev.csv', neg, 20, 6, -1))).stdout,
    ) as { pass: boolean };
    expect(b.pass).toBe(false);
    const text = await cli([
      'eis',
      'three-electrode',
      '--positive',
      p,
      '--negative',
      n,
      '--full',
      join(dir, 'full-other.csv'),
    ]);
    expect(text.stdout).toMatch(/INCONSISTENT/);
  });

  it('refuses spectra that share no frequencies, in one line', async () => {
    const high = write('pos-high.csv', pos, 10, 7, 1, 1e4);
    const low = simulateSweep(sum(pos, neg), logSweep(1, 1e-2, 7), { noise: 0.001, seed: 9 });
    const lowPath = join(dir, 'full-below.csv');
    writeFileSync(
      lowPath,
      `freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n${Array.from(low.freqHz, (f, i) => `${f},${low.zReOhm[i]},${low.zImOhm[i]}`).join('\n')}\n`,
    );
    const bad = await cli(['eis', 'three-electrode', '--positive', high, '--negative', n, '--full', lowPath]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/share fewer than three frequencies/);
  });
});
