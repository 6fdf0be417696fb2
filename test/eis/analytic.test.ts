import { describe, expect, it } from 'vitest';
import { zarcGamma, zarcImpedance, zarcWindowResistance } from '../../src/eis/analytic.js';
import { erf } from '../../src/eis/special.js';
import { gaussianNoise, logSweep, simulateSweep } from '../../src/sim/eis.js';
import { rel } from './helpers.js';

/** Midpoint rule over ln τ. */
function integrateLn(f: (tau: number) => number, lo: number, hi: number, n = 200000): number {
  const a = Math.log(lo);
  const h = (Math.log(hi) - a) / n;
  let s = 0;
  for (let i = 0; i < n; i++) s += f(Math.exp(a + (i + 0.5) * h));
  return s * h;
}

describe('closed forms used as ground truth', () => {
  it('the ZARC DRT reproduces the ZARC impedance through ∫ γ/(1 + jωτ) d ln τ', () => {
    const [r, t0, phi] = [10, 1e-3, 0.8];
    for (const f of [0.1, 10, 159.15, 1e4]) {
      const w = 2 * Math.PI * f;
      const re = integrateLn((t) => zarcGamma(t, r, t0, phi) / (1 + (w * t) ** 2), 1e-15, 1e9);
      const im = integrateLn((t) => (-zarcGamma(t, r, t0, phi) * w * t) / (1 + (w * t) ** 2), 1e-15, 1e9);
      const [zr, zi] = zarcImpedance(f, r, t0, phi);
      expect(Math.abs(re - zr) / r).toBeLessThan(1e-5);
      expect(Math.abs(im - zi) / r).toBeLessThan(1e-5);
    }
  });

  it('window resistance in closed form equals the numerical integral; the total is R', () => {
    const [r, t0, phi] = [7, 3e-2, 0.7];
    expect(
      rel(
        zarcWindowResistance(r, t0, phi, 1e-4, 1),
        integrateLn((t) => zarcGamma(t, r, t0, phi), 1e-4, 1),
      ),
    ).toBeLessThan(1e-8);
    expect(rel(zarcWindowResistance(r, t0, phi, 1e-30, 1e30), r)).toBeLessThan(1e-9);
  });

  it('ZARC at φ = 1 is R‖C with RC = τ0', () => {
    const [zr, zi] = zarcImpedance(100, 5, 1e-3, 1);
    const w = 2 * Math.PI * 100;
    const d = 1 + (w * 1e-3) ** 2;
    expect(zr).toBeCloseTo(5 / d, 12);
    expect(zi).toBeCloseTo((-5 * w * 1e-3) / d, 12);
  });

  it('erf matches scipy.special.erf', () => {
    const ref: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497148],
      [2, 0.9953222650189527],
      [2.9, 0.9999589021219005],
      [3, 0.9999779095030014],
      [3.5, 0.9999992569016276],
      [5, 0.9999999999984626],
      [-1.3, -0.9340079449406524],
    ];
    for (const [x, v] of ref) expect(Math.abs(erf(x) - v)).toBeLessThan(5e-14);
  });
});

describe('impedance simulator', () => {
  it('makes log sweeps with both ends and the stated density', () => {
    const f = logSweep(1e5, 1, 6);
    expect(f.length).toBe(31);
    expect(f[0]).toBe(1e5);
    expect(f[30]).toBeCloseTo(1, 12);
  });

  it('adds reproducible noise of the requested size', () => {
    const a = gaussianNoise(9);
    const xs = Array.from({ length: 20000 }, () => a());
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
    const cell = { r0Ohm: 1, zarcs: [{ rOhm: 2, tau0S: 1e-3, phi: 0.9 }] };
    const s1 = simulateSweep(cell, logSweep(1e4, 1, 5), { noise: 0.01, seed: 3 });
    const s2 = simulateSweep(cell, logSweep(1e4, 1, 5), { noise: 0.01, seed: 3 });
    expect(Array.from(s1.zReOhm)).toEqual(Array.from(s2.zReOhm));
    // sweep time: settle + 2 periods per point, times increasing
    const t = s1.timeS as Float64Array;
    for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThan(t[i - 1]);
  });
});
