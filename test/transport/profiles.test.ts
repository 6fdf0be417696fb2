import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  detectRoi,
  selectRoi,
  smoothProfiles,
  toConcentration,
  validateProfileSeries,
} from '../../src/transport/profiles.js';
import { cumulativeTrapezoid, gradient, polynomialSmooth, trapezoid } from '../../src/transport/numerics.js';
import { DataError, ParameterError } from '../../src/core/errors.js';

describe('numerical kernels', () => {
  it('differentiates quadratics exactly on irregular grids (second order)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.1, max: 2, noNaN: true }), { minLength: 3, maxLength: 20 }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (steps, a) => {
          const x = new Float64Array(steps.length);
          for (let i = 1; i < x.length; i++) x[i] = x[i - 1] + steps[i];
          const y = x.map((v) => a * v * v + 2 * v - 1);
          const d = gradient(y, x);
          for (let i = 0; i < x.length; i++) expect(d[i]).toBeCloseTo(2 * a * x[i] + 2, 6);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('integrates by trapezoids', () => {
    const x = Float64Array.from([0, 1, 3]);
    const y = Float64Array.from([0, 2, 6]); // y = 2x: exact
    expect(trapezoid(y, x)).toBe(9);
    expect(Array.from(cumulativeTrapezoid(y, x))).toEqual([0, 1, 9]);
  });

  it('local polynomial smoothing keeps polynomials up to its order', () => {
    const x = Float64Array.from({ length: 15 }, (_, i) => i + 0.3 * Math.sin(i));
    const y = x.map((v) => 0.5 * v * v - v + 4);
    const s = polynomialSmooth(y, x, 5, 2);
    for (let i = 0; i < x.length; i++) expect(s[i]).toBeCloseTo(y[i], 9);
    // and averages noise: alternating ±1 on a constant shrinks
    const z = x.map((_, i) => (i % 2 === 0 ? 1 : -1));
    const sz = polynomialSmooth(
      z,
      Float64Array.from({ length: 15 }, (_, i) => i),
      7,
      2,
    );
    expect(Math.max(...Array.from(sz.subarray(3, 12)).map(Math.abs))).toBeLessThan(0.5);
  });
});

describe('profiles → concentrations', () => {
  // a plateau of 1.0 between 400 and 1600 µm on a 50 µm grid, edges one sample wide
  const x = Float64Array.from({ length: 41 }, (_, i) => 50 * i);
  const shape = (v: number) => (v < 375 || v > 1625 ? 0 : v < 425 || v > 1575 ? 0.5 : 1);
  const initial = x.map(shape);
  const later = x.map((v, i) => initial[i] * (1 + (v - 1000) / 4000));
  const values = new Float64Array(82);
  values.set(initial, 0);
  values.set(later, 41);
  const series = { xUm: x, timeS: Float64Array.of(0, 513), values, source: 'p.csv' };

  it('detects the plateau edges at half height and keeps a margin', () => {
    const [lo, hi] = detectRoi(series, { marginUm: 100 });
    expect(lo).toBeCloseTo(400 + 100, 6);
    expect(hi).toBeCloseTo(1600 - 100, 6);
    // default margin: three samples
    expect(detectRoi(series)[0]).toBeCloseTo(550, 6);
  });

  it('normalises point by point to the declared c0', () => {
    const roi = selectRoi(series, [500, 1500]);
    expect(roi.xUm.length).toBe(21);
    const c = toConcentration(roi, 1650);
    for (let i = 0; i < 21; i++) {
      expect(c.values[i]).toBeCloseTo(1650, 9);
      expect(c.values[21 + i]).toBeCloseTo(1650 * (1 + (roi.xUm[i] - 1000) / 4000), 9);
    }
    const m = toConcentration(roi, 1650, { reference: 'mean' });
    expect(m.values[10]).toBeCloseTo(1650, 9);
  });

  it('bad input → typed errors', () => {
    expect(() => selectRoi(series, [-100, 500])).toThrow(ParameterError);
    expect(() => selectRoi(series, [500, 2100])).toThrow(/outside the field of view/);
    expect(() => selectRoi(series, [500, 560])).toThrow(/too few samples/);
    expect(() => toConcentration(series, 1650)).toThrow(DataError);
    expect(() => toConcentration(selectRoi(series, [500, 1500]), -1)).toThrow(ParameterError);
    expect(() => validateProfileSeries({ ...series, timeS: Float64Array.of(5, 5) })).toThrow(
      /times must increase/,
    );
    expect(() => detectRoi({ ...series, values: new Float64Array(82).fill(1) })).toThrow(
      /edge of the field of view/,
    );
    expect(() => smoothProfiles(series, { xWindow: 2 })).toThrow(ParameterError);
  });
});
