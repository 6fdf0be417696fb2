import { describe, expect, it } from 'vitest';
import { fitSeries, fitSeriesParallel, seriesFitTable, seriesTimes } from '../../src/fit/batch.js';
import { lineProfile } from '../../src/fit/lineshapes.js';
import type { ModelSpec } from '../../src/fit/model.js';
import { windowedVoigt } from './specs.js';

const n = 600;
const axis = Float64Array.from({ length: n }, (_, i) => 290 - i * 0.1);
const spec: ModelSpec = {
  windowPpm: [232, 285],
  components: [windowedVoigt('dense', 244, 249), windowedVoigt('mossy', 254, 259)],
};
const t0 = Date.UTC(2026, 2, 1);
/** A growing mossy line: known areas per spectrum, 10 min apart, 8 min acquisitions. */
function series(count: number) {
  return Array.from({ length: count }, (_, s) => {
    const re = new Float64Array(n);
    lineProfile('voigt', axis, [246.6, 100, 2.2, 1.0]).forEach((v, i) => (re[i] += v));
    lineProfile('voigt', axis, [256.2, 5 + 2 * s, 3.0, 1.4]).forEach((v, i) => (re[i] += v));
    for (let i = 0; i < n; i++) re[i] += 0.02 * Math.sin(i * 12.9898 + s * 78.233);
    return {
      ppm: axis,
      re,
      meta: { startMs: t0 + s * 600_000, endMs: t0 + s * 600_000 + 480_000, experimentNumber: 10 + s },
    };
  });
}

describe('fitSeries', () => {
  it('fits every spectrum with warm starts and times from the metadata', () => {
    const spectra = series(12);
    const rows = fitSeries(spec, spectra);
    expect(rows).toHaveLength(12);
    expect(rows[0].warmStarted).toBe(false);
    expect(rows.slice(1).every((r) => r.warmStarted)).toBe(true);
    rows.forEach((r, s) => {
      expect(r.result!.converged).toBe(true);
      expect(r.result!.components[1].area).toBeCloseTo(5 + 2 * s, 1);
      expect(r.midHours).toBeCloseTo((s * 600_000 + 240_000) / 3.6e6, 12);
      expect(r.experimentNumber).toBe(10 + s);
    });
    const table = seriesFitTable(rows);
    expect(table.rows).toHaveLength(24);
    expect(table.headers.slice(0, 7)).toEqual([
      'index',
      'experiment',
      'start_iso',
      'mid_iso',
      'end_iso',
      'time_s',
      'component',
    ]);
    // A spectrum that could not be fitted keeps its identity and says why, in a row as wide as the others.
    const failed = seriesFitTable([
      { ...rows[0], result: null, error: { name: 'DataError', message: 'no signal' } },
    ]);
    expect(failed.rows).toHaveLength(1);
    expect(failed.rows[0]).toHaveLength(failed.headers.length);
    expect(failed.rows[0].slice(0, 2)).toEqual([rows[0].index, rows[0].experimentNumber]);
    expect(failed.rows[0].slice(-2)).toEqual(['false', 'error:no signal']);
    expect(failed.rows[0].slice(6, -2).every((c) => c === null)).toBe(true);
  });
  it('warm and cold starts reach the same optimum', () => {
    const spectra = series(6);
    const warm = fitSeries(spec, spectra);
    const cold = fitSeries(spec, spectra, { warmStart: false });
    warm.forEach((r, s) =>
      r.result!.parameters.forEach((v, j) =>
        expect(Math.abs(v - cold[s].result!.parameters[j])).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))),
      ),
    );
  });
  it('an unusable spectrum becomes an error row and the series goes on', () => {
    const spectra = series(3);
    spectra[1] = { ...spectra[1], ppm: Float64Array.from(axis, (v) => v + 500) };
    const rows = fitSeries(spec, spectra);
    expect(rows[1].result).toBeNull();
    expect(rows[1].error?.name).toBe('DataError');
    expect(rows[2].result!.converged).toBe(true);
  });
  it('spectra without times give null times, not NaN', () => {
    expect(seriesTimes([{ ppm: axis, re: axis }])).toEqual([
      { startMs: null, endMs: null, midHours: null, originMs: null },
    ]);
  });
});

describe('fitSeriesParallel', () => {
  it('gives the same results as the serial fit, in order, using worker threads', async () => {
    const spectra = series(16);
    const serial = fitSeries(spec, spectra);
    const parallel = await fitSeriesParallel(spec, spectra, { workers: 2 });
    expect(parallel).toHaveLength(16);
    parallel.forEach((r, s) => {
      expect(r.index).toBe(s);
      expect(r.midHours).toBeCloseTo(serial[s].midHours!, 12);
      r.result!.parameters.forEach((v, j) =>
        expect(Math.abs(v - serial[s].result!.parameters[j])).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))),
      );
    });
  });
});
