import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  exsyFullMatrix,
  exsyInitialRates,
  exsyVolumes,
  fitArrhenius,
  fitExsy,
  fitFirstOrder,
  lithium6Fraction,
  type SquareMatrix,
} from '../../src/relax/exchange.js';
import { fitZSpectrum, zSpectrum, type CestPools } from '../../src/relax/cest.js';
import { createRng } from '../../src/sim/random.js';

const scipy = JSON.parse(
  readFileSync(new URL('../fixtures/exchange/exsy-3site-scipy.json', import.meta.url), 'utf8'),
) as { m0: number[]; r1: number[]; k: SquareMatrix; series: { tS: number; volumes: SquareMatrix }[] };

const noisy = (v: SquareMatrix, sigma: number, rng: ReturnType<typeof createRng>) =>
  v.map((row) => row.map((x) => x + sigma * rng.normal()));

describe('EXSY', () => {
  it('forward model equals scipy.linalg.expm for a 3-site system', () => {
    for (const { tS, volumes } of scipy.series) {
      const v = exsyVolumes(scipy.k, scipy.r1, scipy.m0, tS);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(v[i][j]).toBeCloseTo(volumes[i][j], 12);
    }
  });

  it('full-matrix solution returns every rate and R1 from exact volumes at any mixing time', () => {
    for (const { tS, volumes } of scipy.series.filter((s) => s.tS > 0)) {
      const r = exsyFullMatrix(volumes, scipy.m0, tS);
      for (let i = 0; i < 3; i++) {
        expect(r.r1[i]).toBeCloseTo(scipy.r1[i], 8);
        for (let j = 0; j < 3; j++) if (i !== j) expect(r.k[i][j]).toBeCloseTo(scipy.k[i][j], 8);
      }
    }
  });

  it('initial rates approach the truth at short mixing times (bias of order (k + R1)·t)', () => {
    // Volumes from the forward model checked against scipy above; the fastest site has k + R1 ≈ 15 s⁻¹.
    const short = [0.001, 0.002];
    const rates = exsyInitialRates(
      short,
      short.map((t) => exsyVolumes(scipy.k, scipy.r1, scipy.m0, t)),
      scipy.m0,
    );
    expect(rates).toHaveLength(6);
    for (const r of rates) expect(Math.abs(r.rateS / scipy.k[r.from][r.to] - 1)).toBeLessThan(0.03);
  });

  it('global fit: rates within errors that cover the truth ≈68 % of the time (200 noisy series)', () => {
    const m0 = [0.7, 0.3];
    const r1 = [1, 2];
    const k: SquareMatrix = [
      [0, 5],
      [(5 * 0.7) / 0.3, 0],
    ];
    const mixing = [0.005, 0.02, 0.05, 0.1, 0.2, 0.4, 0.8];
    const exact = mixing.map((t) => exsyVolumes(k, r1, m0, t));
    const rng = createRng(5);
    let covered = 0;
    const trials = 200;
    for (let trial = 0; trial < trials; trial++) {
      const data = exact.map((v) => noisy(v, 0.004, rng));
      const f = fitExsy(mixing, data);
      expect(f.converged).toBe(true);
      if (Math.abs(f.k[0][1] - 5) <= f.kError[0][1]) covered++;
    }
    const coverage = covered / trials;
    expect(coverage).toBeGreaterThan(0.6);
    expect(coverage).toBeLessThan(0.76);
  });

  it('refuses a mixing matrix that noise made non-positive', () => {
    const v: SquareMatrix = [
      [0.5, 0.6],
      [0.6, 0.5],
    ];
    expect(() => exsyFullMatrix(v, [0.5, 0.5], 0.1)).toThrow(/not positive definite/);
  });
});

describe('isotope exchange and Arrhenius', () => {
  it('a natural-abundance sample gives 7.59 % ⁶Li whatever the receptivity ratio', () => {
    expect(lithium6Fraction(0.0123, 1, 0.0123)).toBeCloseTo(0.0759, 10);
    // A ⁶Li-enriched electrode: ten times the natural ratio of integrals.
    const f = lithium6Fraction(0.123, 1, 0.0123);
    expect(f).toBeCloseTo((10 * 7.59) / 92.41 / (1 + (10 * 7.59) / 92.41), 10);
  });

  it('first-order exchange: rate recovered with errors that cover the truth', () => {
    const rng = createRng(9);
    const k = 2.5e-4;
    const t = Array.from({ length: 30 }, (_, i) => i * 600);
    let covered = 0;
    for (let trial = 0; trial < 200; trial++) {
      const y = t.map((ti) => 0.0759 + (0.5 - 0.0759) * Math.exp(-k * ti) + 0.004 * rng.normal());
      const f = fitFirstOrder(t, y);
      if (Math.abs(f.rateS - k) <= f.rateError) covered++;
    }
    expect(covered / 200).toBeGreaterThan(0.6);
    expect(covered / 200).toBeLessThan(0.76);
  });

  it('Arrhenius: activation energy of rates generated with 45 kJ/mol, weighted and unweighted', () => {
    const ea = 45e3;
    const a = 1e9;
    const temps = [273, 283, 293, 303, 313, 323];
    const rates = temps.map((t) => a * Math.exp(-ea / (8.314462618 * t)));
    const exact = fitArrhenius(temps, rates);
    expect(exact.activationKJPerMol).toBeCloseTo(45, 8);
    expect(Math.log(exact.prefactor)).toBeCloseTo(Math.log(a), 6);
    const rng = createRng(3);
    let covered = 0;
    for (let trial = 0; trial < 300; trial++) {
      const k = rates.map((r) => r * (1 + 0.05 * rng.normal()));
      const f = fitArrhenius(
        temps,
        k,
        k.map((v) => 0.05 * v),
      );
      if (Math.abs(f.activationKJPerMol - 45) <= f.activationError) covered++;
    }
    expect(covered / 300).toBeGreaterThan(0.6);
    expect(covered / 300).toBeLessThan(0.76);
  });
});

describe('CEST (two-pool Bloch–McConnell)', () => {
  const ref = JSON.parse(
    readFileSync(new URL('../fixtures/exchange/cest-two-pool-scipy.json', import.meta.url), 'utf8'),
  ) as { larmorMHz: number; b1Hz: number; pools: CestPools; offsetsPpm: number[]; z: number[] };
  const conditions = { larmorMHz: ref.larmorMHz, b1Hz: ref.b1Hz };

  it('steady state equals scipy’s time integration of the same equations after 20 s of saturation', () => {
    const z = zSpectrum(ref.offsetsPpm, ref.pools, conditions);
    for (let i = 0; i < z.length; i++) expect(z[i]).toBeCloseTo(ref.z[i], 4);
  });

  it('without exchange, the Bloch steady state of one pool: R1(R2² + Δ²) / (R1(R2² + Δ²) + ω1² R2)', () => {
    const p = { ...ref.pools, kexS: 0 };
    const offsets = [-3, -1, 0.2, 1, 4];
    const z = zSpectrum(offsets, p, conditions);
    const w1 = 2 * Math.PI * ref.b1Hz;
    offsets.forEach((o, i) => {
      const d = o * 2 * Math.PI * ref.larmorMHz;
      const n = p.r1a * (p.r2a ** 2 + d * d);
      expect(z[i]).toBeCloseTo(n / (n + w1 * w1 * p.r2a), 10);
    });
  });

  it('fit recovers kex and pb from noisy Z-spectra, errors covering the truth ≈68 % of the time', () => {
    const offsets = Array.from({ length: 61 }, (_, i) => -6 + i * 0.2);
    const exact = zSpectrum(offsets, ref.pools, conditions);
    const rng = createRng(12);
    let coveredK = 0;
    let coveredP = 0;
    const trials = 100;
    for (let t = 0; t < trials; t++) {
      const z = Array.from(exact, (v) => v + 0.003 * rng.normal());
      const f = fitZSpectrum(offsets, z, conditions, {
        ...ref.pools,
        kexS: 150,
        pb: 0.015,
        deltaBPpm: 2.7,
        r2a: 15,
        r2b: 100,
      });
      if (Math.abs(f.pools.kexS - ref.pools.kexS) <= f.errors.kexS) coveredK++;
      if (Math.abs(f.pools.pb - ref.pools.pb) <= f.errors.pb) coveredP++;
    }
    expect(coveredK / trials).toBeGreaterThan(0.55);
    expect(coveredK / trials).toBeLessThan(0.8);
    expect(coveredP / trials).toBeGreaterThan(0.55);
    expect(coveredP / trials).toBeLessThan(0.8);
  });
});
