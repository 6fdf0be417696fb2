import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { zSpectrum } from '../../src/relax/cest.js';
import { exsyVolumes, type SquareMatrix } from '../../src/relax/exchange.js';
import { createRng } from '../../src/sim/random.js';
import { cli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-exchange-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spincell exchange', () => {
  it('exsy: rates from a long-format table of simulated volumes cover the truth', async () => {
    const m0 = [0.7, 0.3];
    const k: SquareMatrix = [
      [0, 5],
      [(5 * 0.7) / 0.3, 0],
    ];
    const rng = createRng(4);
    const rows = ['mixing_s,from,to,volume'];
    for (const t of [0.002, 0.005, 0.02, 0.05, 0.1, 0.2, 0.4]) {
      const v = exsyVolumes(k, [1, 2], m0, t);
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++) rows.push(`${t},${j + 1},${i + 1},${v[i][j] + 0.002 * rng.normal()}`);
    }
    const path = join(dir, 'exsy.csv');
    writeFileSync(path, `${rows.join('\n')}\n`);
    const r = await cli(['exchange', 'exsy', path, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      rates: { from: number; to: number; rateS: number; errorS: number }[];
    };
    const k12 = doc.rates.find((x) => x.from === 1 && x.to === 2)!;
    expect(Math.abs(k12.rateS - 5)).toBeLessThan(3 * k12.errorS);
    const text = await cli(['exchange', 'exsy', path]);
    expect(text.stdout).toMatch(/global fit/);
  });

  it('isotope, arrhenius and cest run on their tables; a missing column is one line', async () => {
    const iso = join(dir, 'iso.csv');
    const lines = ['time_s,integral_6li,integral_7li'];
    for (let i = 0; i < 20; i++) {
      const f = 0.0759 + (0.3 - 0.0759) * Math.exp(-1e-3 * i * 300);
      // Integrals in the natural-abundance calibration's units (ratio 0.02 at 7.59 %).
      const r = (f / (1 - f) / (7.59 / 92.41)) * 0.02;
      lines.push(`${i * 300},${r},1`);
    }
    writeFileSync(iso, `${lines.join('\n')}\n`);
    const a = await cli(['exchange', 'isotope', iso, '--natural-ratio', '0.02', '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect((JSON.parse(a.stdout) as { fit: { rateS: number } }).fit.rateS).toBeCloseTo(1e-3, 8);

    const arr = join(dir, 'arr.csv');
    writeFileSync(
      arr,
      `temperature_K,rate\n${[280, 300, 320].map((t) => `${t},${1e8 * Math.exp(-40e3 / (8.314462618 * t))}`).join('\n')}\n`,
    );
    const b = await cli(['exchange', 'arrhenius', arr, '--json']);
    expect(b.code, b.stderr).toBe(0);
    expect((JSON.parse(b.stdout) as { activationKJPerMol: number }).activationKJPerMol).toBeCloseTo(40, 6);

    const pools = { kexS: 300, pb: 0.03, deltaBPpm: 3, r1a: 0.8, r2a: 20, r1b: 1, r2b: 200 };
    const offsets = Array.from({ length: 61 }, (_, i) => -6 + i * 0.2);
    const z = zSpectrum(offsets, pools, { larmorMHz: 155.5, b1Hz: 50 });
    const cestPath = join(dir, 'z.csv');
    writeFileSync(cestPath, `offset_ppm,z\n${offsets.map((o, i) => `${o},${z[i]}`).join('\n')}\n`);
    const c = await cli([
      'exchange',
      'cest',
      cestPath,
      '--json',
      ...['--larmor-mhz', '155.5', '--b1-hz', '50', '--r1a', '0.8', '--r1b', '1', '--delta-ppm', '2.7'],
    ]);
    expect(c.code, c.stderr).toBe(0);
    const fit = JSON.parse(c.stdout) as { pools: { kexS: number; pb: number } };
    expect(fit.pools.kexS).toBeCloseTo(300, 3);
    expect(fit.pools.pb).toBeCloseTo(0.03, 6);

    const bad = await cli(['exchange', 'arrhenius', iso]);
    expect(bad.code).toBe(3);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/iso\.csv.*temperature_k/);
  });
});
