import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../src/core/errors.js';
import {
  drt,
  drtMatrices,
  drtPenalty,
  drtSetup,
  evaluateGamma,
  gaussianEpsilon,
  integrateGamma,
  logGrid,
  zarcGamma,
  zarcWindowResistance,
} from '../../src/eis/index.js';
import { logSweep, simulateSweep, type CellModel } from '../../src/sim/eis.js';
import { readFixture, rel } from './helpers.js';

const model: CellModel = {
  r0Ohm: 5,
  inductanceH: 2e-7,
  zarcs: [
    { rOhm: 10, tau0S: 1e-4, phi: 0.85 },
    { rOhm: 20, tau0S: 3e-2, phi: 0.75 },
  ],
};
const windows: [number, number][] = [
  [-6, -2.5],
  [-2.5, 1],
  [-4, 0],
];
const truth = windows.map(([a, b]) =>
  model.zarcs.reduce((s, z) => s + zarcWindowResistance(z.rOhm, z.tau0S, z.phi, 10 ** a, 10 ** b), 0),
);

describe('DRT on R0 + two ZARC elements (closed-form DRT)', () => {
  const f = logSweep(1e5, 1e-2, 10);
  const s = simulateSweep(model, f, { noise: 0.001, seed: 5 });

  for (const lambda of [1e-3, 'gcv'] as const) {
    it(`recovers peaks, window resistances and R0 (λ = ${lambda})`, () => {
      const r = drt(s, { lambda, nTau: 92, windows });
      expect(r.tauS.length).toBe(92);
      // the two largest peaks are the two arcs
      const main = [...r.peaks]
        .sort((a, b) => b.gammaOhm - a.gammaOhm)
        .slice(0, 2)
        .sort((a, b) => a.tauS - b.tauS);
      expect(Math.abs(main[0].log10TauS - Math.log10(1e-4))).toBeLessThan(0.15);
      expect(Math.abs(main[1].log10TauS - Math.log10(3e-2))).toBeLessThan(0.15);
      r.windows.forEach((w, k) => expect(rel(w.resistanceOhm, truth[k])).toBeLessThan(0.05));
      expect(rel(r.rInfOhm, 5)).toBeLessThan(0.02);
      expect(rel(r.polarizationOhm, 30)).toBeLessThan(0.05);
      expect(r.rmsRelativeResidual).toBeLessThan(0.003);
      for (const g of r.coefficients) expect(g).toBeGreaterThanOrEqual(0);
      // h(τ) integrates to 1 over ln τ
      let area = 0;
      for (let i = 1; i < r.tauFineS.length; i++)
        area += ((r.hNormalised[i] + r.hNormalised[i - 1]) / 2) * Math.log(r.tauFineS[i] / r.tauFineS[i - 1]);
      // (the fine grid ends at the τ grid, the edge Gaussians reach slightly beyond)
      expect(area).toBeCloseTo(1, 2);
      if (lambda === 'gcv') expect(r.lambdaRule).toBe('gcv');
    });
  }

  it('follows the closed-form γ(τ) of the noise-free spectrum', () => {
    const clean = simulateSweep(model, f);
    const r = drt(clean, { lambda: 1e-5 });
    const gMax = Math.max(...r.gammaOhm);
    let worst = 0;
    r.tauFineS.forEach((t, i) => {
      if (t < 1e-6 || t > 10) return;
      const exact = model.zarcs.reduce((a, z) => a + zarcGamma(t, z.rOhm, z.tau0S, z.phi), 0);
      worst = Math.max(worst, Math.abs(r.gammaOhm[i] - exact));
    });
    expect(worst / gMax).toBeLessThan(0.1);
  });

  it('gives the same answer with the L-curve rule, second-derivative penalty and piecewise-linear basis', () => {
    for (const opts of [
      { lambda: 'lcurve' as const },
      { derivative: 2 as const, lambda: 1e-5 },
      { basis: 'piecewise-linear' as const },
    ]) {
      const r = drt(s, { ...opts, windows });
      r.windows.forEach((w, k) => expect(rel(w.resistanceOhm, truth[k])).toBeLessThan(0.05));
      expect(rel(r.rInfOhm, 5)).toBeLessThan(0.02);
    }
  });

  it('fits the real or the imaginary part alone', () => {
    const re = drt(s, { data: 're', windows });
    expect(rel(re.windows[2].resistanceOhm, truth[2])).toBeLessThan(0.05);
    expect(rel(re.rInfOhm, 5)).toBeLessThan(0.02);
    const im = drt(s, { data: 'im', windows });
    expect(rel(im.windows[2].resistanceOhm, truth[2])).toBeLessThan(0.05);
    expect(im.rInfOhm).toBe(0);
  });
});

describe('DRT discretisation against an independent scipy computation', () => {
  const fx = readFixture<{
    freq: number[];
    zre: number[];
    zim: number[];
    tau_min: number;
    tau_max: number;
    n_tau: number;
    lambda: number;
    eps: number;
    a_re: number[];
    a_im: number[];
    r_inf: number;
    x: number[];
  }>('drt-scipy.json');
  const freq = Float64Array.from(fx.freq);
  const tau = logGrid(fx.tau_min, fx.tau_max, fx.n_tau);
  const eps = gaussianEpsilon(Math.log(tau[1] / tau[0]), 0.5);

  it('uses the same shape factor and matrices as scipy.integrate.quad', () => {
    expect(rel(eps, fx.eps)).toBeLessThan(1e-12);
    const { aRe, aIm } = drtMatrices(freq, tau, 'gaussian', eps);
    let worst = 0;
    for (let i = 0; i < aRe.length; i++)
      worst = Math.max(worst, Math.abs(aRe[i] - fx.a_re[i]), Math.abs(aIm[i] - fx.a_im[i]));
    expect(worst).toBeLessThan(1e-8);
  });

  it('reaches the scipy.optimize.nnls solution of the augmented Tikhonov system', () => {
    const r = drt(
      { freqHz: freq, zReOhm: Float64Array.from(fx.zre), zImOhm: Float64Array.from(fx.zim) },
      { lambda: fx.lambda, tauMinS: fx.tau_min, tauMaxS: fx.tau_max, nTau: fx.n_tau },
    );
    const xMax = Math.max(...fx.x);
    fx.x.forEach((v, i) => expect(Math.abs(r.coefficients[i] - v) / xMax).toBeLessThan(1e-5));
    expect(rel(r.rInfOhm, fx.r_inf)).toBeLessThan(1e-6);
  });

  it('has the closed-form Gaussian penalty equal to a numerical ∫ φ′_i φ′_j', () => {
    const m = drtPenalty(tau, 'gaussian', eps, 1);
    const n = tau.length;
    for (const [i, j] of [
      [3, 3],
      [3, 4],
      [10, 12],
    ]) {
      const xi = Math.log(tau[i]);
      const xj = Math.log(tau[j]);
      let sum = 0;
      const h = 1e-3;
      for (let x = xi - 10; x <= xi + 10; x += h) {
        const di = -2 * eps * eps * (x - xi) * Math.exp(-((eps * (x - xi)) ** 2));
        const dj = -2 * eps * eps * (x - xj) * Math.exp(-((eps * (x - xj)) ** 2));
        sum += di * dj * h;
      }
      expect(m[i * n + j]).toBeCloseTo(sum, 6);
    }
  });

  it('integrates the Gaussian expansion exactly over windows', () => {
    const coeffs = Float64Array.from({ length: tau.length }, (_, i) => (i % 3) + 1);
    const lo = tau[5] * 1.3;
    const hi = tau[20] / 1.7;
    let num = 0;
    const steps = 20000;
    const a = Math.log(lo);
    const b = Math.log(hi);
    for (let k = 0; k < steps; k++) {
      const x = a + ((k + 0.5) * (b - a)) / steps;
      let g = 0;
      for (let m = 0; m < tau.length; m++) g += coeffs[m] * Math.exp(-((eps * (x - Math.log(tau[m]))) ** 2));
      num += (g * (b - a)) / steps;
    }
    expect(rel(integrateGamma(tau, coeffs, 'gaussian', eps, lo, hi), num)).toBeLessThan(1e-8);
  });
});

describe('DRT input checks', () => {
  const s = simulateSweep(model, logSweep(1e5, 1e-1, 6));
  it('rejects bad options with typed errors', () => {
    expect(() => drt(s, { lambda: -1 })).toThrow(ParameterError);
    expect(() => drt(s, { nTau: 2 })).toThrow(ParameterError);
    expect(() => drt(s, { windows: [[0, -4]] })).toThrow(/LO < HI/);
    expect(() => drt(s, { derivative: 3 as 1 })).toThrow(ParameterError);
    const other = drtSetup(logSweep(1e5, 1, 6));
    expect(() => drt(s, {}, other)).toThrow(/setup was built for other frequencies/);
  });
});

describe('evaluateGamma', () => {
  it('equals the direct sum of Gaussians for wide and narrow basis functions', () => {
    const tau = logGrid(1e-6, 1e2, 92);
    const d = Math.log(tau[1] / tau[0]);
    const coeffs = Float64Array.from({ length: 92 }, (_, i) => (i % 7 === 0 ? 0 : Math.abs(Math.sin(i)) * 3));
    const at = logGrid(1e-7, 1e3, 700);
    for (const epsD of [0.05, 0.5, 1, 1.5, 20]) {
      const eps = epsD / d;
      const g = evaluateGamma(tau, coeffs, 'gaussian', eps, at);
      let scale = 0;
      const direct = Array.from(at, (t) => {
        let sum = 0;
        const x = Math.log(t) - Math.log(tau[0]);
        for (let m = 0; m < 92; m++) sum += coeffs[m] * Math.exp(-((eps * (x - m * d)) ** 2));
        scale = Math.max(scale, sum);
        return sum;
      });
      direct.forEach((v, k) => expect(Math.abs(g[k] - v)).toBeLessThan(1e-12 * scale));
    }
  });
});
