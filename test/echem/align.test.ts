/**
 * Alignment on the virtual experiment: the spectrometer simulator plans a series of spectra of the
 * virtual cell, the virtual cycler logs the same cell; every spectrum's charge passed must match the
 * cell's truth at the spectrum's mid-time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planOperando } from '../../src/sim/spectrometer.js';
import { simulateCycler, writeMpt } from '../../src/sim/cycler.js';
import { readBiologic } from '../../src/io/biologic/index.js';
import { alignSpectra, seriesFromRecords } from '../../src/echem/index.js';
import { DataError } from '../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-align-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plan = planOperando({ spectra: 60 });
const path = join(dir, 'cycler.mpt');
// The cycler PC runs on Berlin time: the file holds local time, the reader is told the zone.
writeMpt(
  path,
  simulateCycler(plan.cell, {
    startMs: plan.options.startMs,
    sampleIntervalS: 30,
    timezone: 'Europe/Berlin',
  }),
);
const series = seriesFromRecords(readBiologic(path, { timezone: 'Europe/Berlin' }));

describe('alignment of spectra to the cell state', () => {
  it('charge passed within 0.1 % of truth for every spectrum', () => {
    const aligned = alignSpectra(plan.spectra, series);
    let worst = 0;
    aligned.forEach((a, i) => {
      const truth = -plan.spectra[i].cell.chargeMAh; // the cycler uses the instrument's sign convention
      expect(a.status).toBe('inside');
      const err = Math.abs(a.chargeMidMAh! - truth);
      if (truth === 0) expect(err).toBeLessThan(1e-9);
      else worst = Math.max(worst, err / Math.abs(truth));
      expect(a.cycle).toBe(plan.spectra[i].cell.cycle);
      expect(a.instrumentStep).toBe(plan.spectra[i].cell.stepIndex);
    });
    expect(worst).toBeLessThan(1e-3);
  });

  it('window means are exact integrals of the record', () => {
    const one = [
      { startMs: plan.options.startMs + 1800_000 + 60_000, endMs: plan.options.startMs + 1800_000 + 660_000 },
    ];
    const [a] = alignSpectra(one, series);
    // Constant-current plating at 1 mA: mean current −1 mA, mean charge = charge at the mid-time.
    expect(a.meanCurrentMA).toBeCloseTo(-1, 12);
    expect(a.chargeMeanMAh).toBeCloseTo(a.chargeMidMAh!, 12);
    expect(a.chargeMidMAh).toBeCloseTo(-(360 / 3600), 12);
    expect(a.stepType).toBe('cc');
    expect(a.stepCapacityMAh).toBeCloseTo(360 / 3600, 12);
    expect(a.straddlesStep).toBe(false);
  });

  it('flags windows outside the record and across step changes; applies the clock offset', () => {
    const t0 = plan.options.startMs;
    const windows = [
      { startMs: t0 - 600_000, endMs: t0 - 300_000 },
      { startMs: t0 - 60_000, endMs: t0 + 60_000 },
      { startMs: t0 + 1790_000, endMs: t0 + 1810_000 },
      { startMs: t0 + 1e9, endMs: t0 + 1e9 + 1 },
    ];
    const a = alignSpectra(windows, series);
    expect(a.map((x) => x.status)).toEqual(['before', 'partial', 'inside', 'after']);
    expect(a[0].chargeMidMAh).toBeNull();
    expect(a[2].straddlesStep).toBe(true);
    // Cycler clock 30 s ahead: a window 30 s before plating starts on the spectrometer clock is in plating.
    const shifted = alignSpectra([{ startMs: t0 + 1780_000, endMs: t0 + 1790_000 }], series, { offsetS: 30 });
    expect(shifted[0].stepType).toBe('cc');
    expect(shifted[0].chargeMidMAh).toBeCloseTo(-(15 / 3600), 12);
  });

  it('state of charge against a declared capacity', () => {
    const [a] = alignSpectra(
      [{ startMs: plan.options.startMs + 3 * 3600_000, endMs: plan.options.startMs + 3 * 3600_000 + 1000 }],
      series,
      {
        capacityMAh: 4,
        socStartPct: 100,
      },
    );
    expect(a.socPct).toBeCloseTo(100 + (100 * a.chargeMidMAh!) / 4, 12);
  });

  it('a record without a start date cannot be aligned', () => {
    expect(() => alignSpectra(plan.spectra, { ...series, startMs: null })).toThrow(DataError);
  });
});
