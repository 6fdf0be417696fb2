import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed } from '../../src/sim/random.js';

describe('seeded random numbers', () => {
  it('repeats a stream for the same seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xa = Array.from({ length: 20 }, () => a.uniform());
    const xb = Array.from({ length: 20 }, () => b.uniform());
    const xc = Array.from({ length: 20 }, () => c.uniform());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
    expect(deriveSeed(1, 0)).not.toBe(deriveSeed(1, 1));
    expect(deriveSeed(1, 5)).toBe(deriveSeed(1, 5));
  });

  it('uniform deviates have mean 1/2 and variance 1/12 and stay in [0, 1)', () => {
    const rng = createRng(7);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      s += u;
      s2 += u * u;
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    // Standard error of the mean is sqrt(1/12/n) ≈ 6.5e-4; allow 5 of them.
    expect(Math.abs(mean - 0.5)).toBeLessThan(3.3e-3);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(1e-3);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
  });

  it('normal deviates match N(0,1): mean, variance and the 68.27 % / 95.45 % coverage', () => {
    const rng = createRng(11);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let within1 = 0;
    let within2 = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
      if (Math.abs(z) < 1) within1++;
      if (Math.abs(z) < 2) within2++;
    }
    expect(Number.isFinite(s2)).toBe(true);
    expect(Math.abs(s / n)).toBeLessThan(0.012);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.015);
    // erf(1/√2) = 0.682689, erf(2/√2) = 0.954500 (tables of the normal distribution).
    expect(Math.abs(within1 / n - 0.682689)).toBeLessThan(0.005);
    expect(Math.abs(within2 / n - 0.9545)).toBeLessThan(0.003);
  });
});
