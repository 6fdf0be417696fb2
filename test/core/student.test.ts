/**
 * Student's t and Welch's test against scipy (test/fixtures/student-scipy.json: scipy.stats.t.ppf and
 * t.cdf on a grid of degrees of freedom, and scipy.stats.ttest_ind(b, a, equal_var=False) with its 95 %
 * confidence interval on two small replicate sets), and the interval's coverage on simulated replicates.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lnGamma, studentTCdf, studentTQuantile, welch } from '../../src/core/student.js';
import { meanSd } from '../../src/store/index.js';
import { createRng } from '../../src/sim/random.js';

const ref = JSON.parse(readFileSync(new URL('../fixtures/student-scipy.json', import.meta.url), 'utf8')) as {
  quantiles: { df: number; p: number; t: number }[];
  cdf: { df: number; t: number; cdf: number }[];
  welch: { a: number[]; b: number[]; t: number; p: number; df: number; ci: [number, number] };
};

describe('Student t', () => {
  it('ln Γ at known values', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 13);
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(lnGamma(10)).toBeCloseTo(Math.log(362880), 11);
  });
  it('quantiles and CDF equal scipy', () => {
    for (const q of ref.quantiles)
      expect(Math.abs(studentTQuantile(q.p, q.df) - q.t)).toBeLessThan(1e-8 * Math.max(1, Math.abs(q.t)));
    for (const c of ref.cdf) expect(Math.abs(studentTCdf(c.t, c.df) - c.cdf)).toBeLessThan(1e-12);
  });
  it('Welch’s test equals scipy’s ttest_ind(equal_var=False)', () => {
    const a = { ...meanSd(ref.welch.a), n: ref.welch.a.length };
    const b = { ...meanSd(ref.welch.b), n: ref.welch.b.length };
    const w = welch(a, b);
    expect(w).not.toBeNull();
    if (!w) return;
    expect(w.difference / w.standardError).toBeCloseTo(ref.welch.t, 10);
    expect(w.df).toBeCloseTo(ref.welch.df, 10);
    expect(w.p).toBeCloseTo(ref.welch.p, 10);
    expect(w.interval[0]).toBeCloseTo(ref.welch.ci[0], 10);
    expect(w.interval[1]).toBeCloseTo(ref.welch.ci[1], 10);
    expect(welch({ mean: 1, sd: null, n: 1 }, b)).toBeNull();
  });
  it('the 95 % interval covers the true difference about 95 % of the time (3 vs 4 replicates)', () => {
    const rng = createRng(11);
    let hit = 0;
    const trials = 2000;
    for (let k = 0; k < trials; k++) {
      const xa = Array.from({ length: 3 }, () => 0.6 + 0.03 * rng.normal());
      const xb = Array.from({ length: 4 }, () => 0.55 + 0.05 * rng.normal());
      const w = welch({ ...meanSd(xa), n: 3 }, { ...meanSd(xb), n: 4 });
      if (w && w.interval[0] <= -0.05 && -0.05 <= w.interval[1]) hit++;
    }
    // Welch's interval is approximate: slightly conservative for small samples
    expect(hit / trials).toBeGreaterThan(0.93);
    expect(hit / trials).toBeLessThan(0.985);
  });
});
