import { describe, expect, it } from 'vitest';
import { analyseDeis, trackDrtPeaks } from '../../src/eis/index.js';
import { logSweep, simulateDeisSeries } from '../../src/sim/eis.js';

describe('DRT peak tracking across a dynamic-EIS series', () => {
  it('follows two processes: the growing interphase and the steady charge transfer', () => {
    const model = {
      r0Ohm: 5,
      zarcs: [
        { rOhm: 20, tau0S: 1e-4, phi: 0.9 },
        { rOhm: 40, tau0S: 1e-1, phi: 0.9 },
      ],
    };
    const sim = simulateDeisSeries(model, logSweep(1e5, 1e-2, 8), { count: 8, finalRatio: 3, noise: 0.001 });
    const r = analyseDeis(sim.series, { lambda: 1e-3, kk: false });
    const tracks = trackDrtPeaks(
      r.results.map((x) => x.peaks),
      { minResistanceOhm: 2 },
    );
    const main = tracks.filter((t) => t.points.length === 8).sort((a, b) => a.log10TauS - b.log10TauS);
    expect(main).toHaveLength(2);
    expect(main[0].log10TauS).toBeCloseTo(-4, 0);
    expect(main[1].log10TauS).toBeCloseTo(-1, 0);
    // The interphase track's resistance follows the simulated growth (20 → 60 Ω) within 10 %.
    main[0].points.forEach((p, k) => {
      const truth = sim.trueResistanceOhm[k][0];
      expect(Math.abs(p.resistanceOhm / truth - 1)).toBeLessThan(0.1);
    });
    main[1].points.forEach((p) => expect(Math.abs(p.resistanceOhm / 40 - 1)).toBeLessThan(0.1));
  });

  it('starts a new track for a process that appears, and does not link across a jump', () => {
    const peak = (log10TauS: number, resistanceOhm = 10) => ({
      tauS: 10 ** log10TauS,
      log10TauS,
      freqHz: 1 / (2 * Math.PI * 10 ** log10TauS),
      gammaOhm: 1,
      resistanceOhm,
    });
    const tracks = trackDrtPeaks([[peak(-3)], [peak(-3.1), peak(0)], [peak(-1.5)]]);
    expect(tracks.map((t) => t.points.map((p) => p.sweep))).toEqual([[0, 1], [1], [2]]);
  });
});

describe('spincell eis drt --fmin --peaks-out', () => {
  it('trims frequencies and writes the tracked peaks of a series', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { peisRecords } = await import('../../src/sim/eis.js');
    const { writeMpt } = await import('../../src/sim/cycler.js');
    const { cli } = await import('../cli/helpers.js');
    const dir = mkdtempSync(join(tmpdir(), 'spincell-track-'));
    try {
      const model = {
        r0Ohm: 5,
        zarcs: [
          { rOhm: 20, tau0S: 1e-4, phi: 0.9 },
          { rOhm: 40, tau0S: 1e-1, phi: 0.9 },
        ],
      };
      const sim = simulateDeisSeries(model, logSweep(1e5, 1e-2, 8), {
        count: 4,
        finalRatio: 2,
        noise: 0.001,
      });
      const file = join(dir, 'peis.mpt');
      writeMpt(
        file,
        peisRecords(
          sim.series.map((t) => t.spectrum),
          Date.UTC(2026, 0, 1),
          1,
        ),
        {
          techniqueTitle: 'Potentio Electrochemical Impedance Spectroscopy',
        },
      );
      const peaks = join(dir, 'peaks.csv');
      type Doc = { tracks: { points: unknown[]; log10TauS: number }[] };
      const r = await cli(['eis', 'drt', file, '--peaks-out', peaks, '--no-kk', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const all = (JSON.parse(r.stdout) as Doc).tracks.filter((t) => t.points.length === 4);
      expect(all.map((t) => Math.round(t.log10TauS)).sort()).toEqual([-1, -4]);
      const csv = readFileSync(peaks, 'utf8');
      expect(csv).toMatch(/track,sweep,time_s,log10_tau_s,freq_hz,resistance_ohm/);
      expect(csv.trim().split('\n').length).toBeGreaterThanOrEqual(2 + 8);
      // Above 100 Hz the 0.1 s process (1.6 Hz) is cut away: no track is left near log τ = −1.
      const trimmed = await cli(['eis', 'drt', file, '--fmin', '100', '--no-kk', '--json']);
      expect(trimmed.code, trimmed.stderr).toBe(0);
      const fast = (JSON.parse(trimmed.stdout) as Doc).tracks.filter((t) => t.points.length === 4);
      expect(fast.some((t) => Math.round(t.log10TauS) === -4)).toBe(true);
      expect(fast.some((t) => Math.abs(t.log10TauS + 1) < 0.5)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
