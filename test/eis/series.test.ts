import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { analyseDeis, zarcWindowResistance } from '../../src/eis/index.js';
import { readImpedanceSeries, splitSweeps, type ImpedanceSpectrum } from '../../src/io/eis/index.js';
import { logSweep, simulateDeisSeries, type CellModel } from '../../src/sim/eis.js';
import { rel } from './helpers.js';

const model: CellModel = {
  r0Ohm: 3,
  zarcs: [
    { rOhm: 8, tau0S: 1e-3, phi: 0.8 }, // interphase (SEI) arc, inside −4 < log10 τ < 0
    { rOhm: 15, tau0S: 10, phi: 0.9 }, // slow process outside the window
  ],
};

describe('dynamic EIS series', () => {
  const f = logSweep(1e5, 1e-3, 8);
  const sim = simulateDeisSeries(model, f, {
    count: 8,
    intervalS: 1800,
    finalRatio: 2.5,
    noise: 0.001,
    seed: 4,
    startMs: Date.UTC(2026, 0, 1),
  });

  it('tracks the growing interphase resistance in the −4..0 window', () => {
    const r = analyseDeis(sim.series, { lambda: 1e-3 });
    expect(r.timeS.length).toBe(8);
    expect(r.gammaMap.length).toBe(8 * r.tauS.length);
    const w = r.windows[0];
    expect([w.log10TauMin, w.log10TauMax]).toEqual([-4, 0]);
    sim.trueResistanceOhm.forEach((rs, k) => {
      const truth =
        zarcWindowResistance(rs[0], 1e-3, 0.8, 1e-4, 1) + zarcWindowResistance(rs[1], 10, 0.9, 1e-4, 1);
      expect(rel(w.resistanceOhm[k], truth)).toBeLessThan(0.05);
      expect(rel(r.rInfOhm[k], 3)).toBeLessThan(0.02);
    });
    for (let k = 1; k < 8; k++) expect(w.resistanceOhm[k]).toBeGreaterThan(w.resistanceOhm[k - 1]);
    expect(r.kkPass.every(Boolean)).toBe(true);
    expect(Math.max(...r.kkMaxResidual)).toBeLessThan(0.01);
    // absolute times for alignment with cycler/NMR data
    expect(r.timeMs?.[0]).toBeCloseTo(Date.UTC(2026, 0, 1) + r.timeS[0] * 1000, 3);
    expect(r.timeS[1] - r.timeS[0]).toBeCloseTo(1800, 6);
  });

  it('splits a file of repeated sweeps at frequency restarts', () => {
    const a = sim.series[0].spectrum;
    const b = sim.series[1].spectrum;
    const cat = (x: Float64Array, y: Float64Array) => Float64Array.from([...x, ...y]);
    const joined: ImpedanceSpectrum = {
      freqHz: cat(a.freqHz, b.freqHz),
      zReOhm: cat(a.zReOhm, b.zReOhm),
      zImOhm: cat(a.zImOhm, b.zImOhm),
      timeS: cat(a.timeS as Float64Array, b.timeS as Float64Array),
      startMs: 0,
      source: 'two.csv',
      format: 'csv',
    };
    const parts = splitSweeps(joined);
    expect(parts.length).toBe(2);
    expect(parts[1].spectrum.freqHz.length).toBe(f.length);
    expect(parts[1].timeS).toBeCloseTo(sim.series[1].timeS, 9);
    const cycles = splitSweeps({
      ...joined,
      cycle: Float64Array.from(joined.freqHz, (_, i) => (i < f.length ? 1 : 2)),
    });
    expect(cycles.map((p) => p.spectrum.freqHz.length)).toEqual([f.length, f.length]);
  });

  const dir = mkdtempSync(join(tmpdir(), 'spincell-deis-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads one file per sweep; files without dates need an interval', () => {
    const paths = sim.series.slice(0, 3).map((t, k) => {
      const p = join(dir, `s${k}.csv`);
      const rows = Array.from(
        t.spectrum.freqHz,
        (fr, i) => `${fr},${t.spectrum.zReOhm[i]},${t.spectrum.zImOhm[i]}`,
      );
      writeFileSync(p, `freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n${rows.join('\n')}\n`);
      return p;
    });
    expect(() => readImpedanceSeries(paths)).toThrow(DataError);
    const series = readImpedanceSeries(paths, { intervalS: 600 });
    expect(series.map((t) => t.timeS)).toEqual([0, 600, 1200]);
    expect(series[2].spectrum.zReOhm[5]).toBe(sim.series[2].spectrum.zReOhm[5]);
  });
});
