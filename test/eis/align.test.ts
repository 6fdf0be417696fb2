import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { integrateCurrentMAh, type CyclerSeries } from '../../src/echem/series.js';
import { alignSweeps, sweepWindows } from '../../src/eis/align.js';
import { readImpedanceSeries } from '../../src/io/eis/series.js';
import { logSweep, peisRecords, simulateDeisSeries } from '../../src/sim/eis.js';
import { writeMpt } from '../../src/sim/cycler.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-eis-align-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const START_MS = Date.UTC(2026, 0, 15, 8, 0, 0);
const model = { r0Ohm: 5, zarcs: [{ rOhm: 20, tau0S: 1e-3, phi: 0.9 }] };
const freq = logSweep(1e5, 0.1, 8);

/** A record: rest for 600 s, then −2 mA (plating) for 3 h, one row every 10 s. */
function record(): CyclerSeries {
  const n = 1 + (600 + 3 * 3600) / 10;
  const t = Float64Array.from({ length: n }, (_, i) => 10 * i);
  const current = Float64Array.from(t, (x) => (x <= 600 ? 0 : -2));
  const voltage = Float64Array.from(t, (x) => (x <= 600 ? 0 : -0.05));
  const step = Float64Array.from(t, (x) => (x <= 600 ? 0 : 1));
  const mode = Float64Array.from(t, (x) => (x <= 600 ? 3 : 1));
  return {
    source: 'record',
    timeS: t,
    voltageV: voltage,
    currentMA: current,
    chargeMAh: integrateCurrentMAh(t, current),
    step,
    mode,
    startMs: START_MS,
    warnings: [],
  };
}

/**
 * Charge passed at record time s, mAh, from the protocol as sampled: the current ramps linearly from the
 * last rest row (600 s) to the first plating row (610 s), then stays at −2 mA.
 */
const trueCharge = (s: number) =>
  s <= 600 ? 0 : s < 610 ? -((s - 600) ** 2) / (10 * 3600) : (-2 * (s - 605)) / 3600;
/** Charge passed in the plating step, which starts at its first row (610 s). */
const stepCharge = (s: number) => (2 * (s - 610)) / 3600;

describe('dynamic EIS on the cycler record', () => {
  const deis = simulateDeisSeries(model, freq, { count: 5, intervalS: 2000, startMs: START_MS });

  it('places every sweep over its first..last point and reads the cell state at its mid-time', () => {
    const aligned = alignSweeps(deis.series, record());
    expect(aligned).toHaveLength(5);
    aligned.forEach((a, k) => {
      const times = deis.series[k].spectrum.timeS as Float64Array;
      expect(a.startS).toBeCloseTo(times[0], 6);
      expect(a.endS).toBeCloseTo(times[times.length - 1], 6);
      expect(a.status).toBe('inside');
      expect(a.chargeMidMAh as number).toBeCloseTo(trueCharge(a.midS), 9);
    });
    // Sweep 0 (the first few minutes) lies in the rest; the later ones in the plating step.
    expect(aligned[0].endS).toBeLessThan(600);
    expect(aligned[0].stepTechnique).toBe('rest');
    expect(aligned[0].straddlesStep).toBe(false);
    for (const a of aligned.slice(1)) {
      expect(a.stepTechnique).toBe('discharge');
      expect(a.stepCapacityMAh as number).toBeCloseTo(stepCharge(a.midS), 9);
      expect(a.meanCurrentMA as number).toBeCloseTo(-2, 12);
    }
  });

  it('applies the clock offset: a cycler 300 s ahead moves every sweep 300 s later on the record', () => {
    const base = alignSweeps(deis.series, record());
    const shifted = alignSweeps(deis.series, record(), { offsetS: 300 });
    shifted.forEach((a, k) => {
      expect(a.midS - base[k].midS).toBeCloseTo(300, 9);
      expect(a.chargeMidMAh as number).toBeCloseTo(trueCharge(a.midS), 9);
    });
  });

  it('reads the files in the instrument clock’s zone, as the cycler files are read', () => {
    const path = join(dir, 'peis.mpt');
    const sweeps = deis.series.map((t) => t.spectrum);
    writeMpt(path, peisRecords(sweeps, START_MS, 1), {
      techniqueTitle: 'Potentio Electrochemical Impedance Spectroscopy',
    });
    const utc = readImpedanceSeries([path]);
    const berlin = readImpedanceSeries([path], { timezone: 'Europe/Berlin' });
    expect(utc).toHaveLength(5);
    // 15 January: Berlin is UTC+1, so the same wall clock is one hour earlier.
    berlin.forEach((t, k) => expect((utc[k].timeMs as number) - (t.timeMs as number)).toBe(3_600_000));
    const w = sweepWindows(utc);
    w.forEach((x, k) =>
      expect(x.startMs).toBeCloseTo(START_MS + 1000 * (sweeps[k].timeS as Float64Array)[0], 0),
    );
  });

  it('refuses sweeps without absolute times, naming the file and what is missing', () => {
    const bare = deis.series.map((t) => {
      const { startMs: _unused, ...spectrum } = t.spectrum;
      return { spectrum, timeS: t.timeS };
    });
    expect(() => sweepWindows(bare)).toThrow(/simulated#0.*acquisition start/s);
  });
});
