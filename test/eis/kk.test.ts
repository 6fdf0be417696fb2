import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, ParameterError } from '../../src/core/errors.js';
import { capacitiveOnly, checkSpectrum, kkTimeConstants, linKK } from '../../src/eis/index.js';
import { readImpedance } from '../../src/io/eis/index.js';
import { logSweep, simulateSweep } from '../../src/sim/eis.js';
import { eisDataDir, haveEisData, readReference, rel } from './helpers.js';

if (!haveEisData) console.log(`skipping Lin-KK reference test: ${eisDataDir} not found`);

const cell = {
  r0Ohm: 2,
  inductanceH: 1e-7,
  zarcs: [
    { rOhm: 5, tau0S: 2e-5, phi: 0.9 },
    { rOhm: 12, tau0S: 5e-2, phi: 0.7 },
  ],
};

describe('Lin-KK', () => {
  it.skipIf(!haveEisData)(
    'matches impedance.py on exampleData.csv (c = 0.85, complex, with C): M = 24, μ = 0.771',
    () => {
      const ref = readReference<{
        exampleData_linKK: { M: number; mu: number; max_abs_res_real: number; max_abs_res_imag: number };
      }>().exampleData_linKK;
      const s = capacitiveOnly(readImpedance(join(eisDataDir, 'exampleData.csv')));
      expect(s.freqHz.length).toBe(57);
      const r = linKK(s, { c: 0.85, maxM: 100, fitType: 'complex', addCapacitance: true });
      expect(r.m).toBe(ref.M);
      expect(rel(r.mu, ref.mu)).toBeLessThan(1e-3);
      const maxRe = Math.max(...Array.from(r.residualRe, Math.abs));
      const maxIm = Math.max(...Array.from(r.residualIm, Math.abs));
      expect(rel(maxRe, ref.max_abs_res_real)).toBeLessThan(1e-3);
      expect(rel(maxIm, ref.max_abs_res_imag)).toBeLessThan(1e-3);
      // μ history: the criterion stops at the first M with μ ≤ c
      expect(r.muHistory.length).toBe(24);
      expect(r.muHistory[22]).toBeGreaterThan(0.85);
      expect(r.pass).toBe(true);
    },
  );

  it('passes a stationary synthetic spectrum with residuals < 1 %', () => {
    const f = logSweep(1e5, 1e-2, 10);
    const s = simulateSweep(cell, f, { noise: 0.001, seed: 11 });
    for (const fitType of ['complex', 'real', 'imag'] as const) {
      const r = linKK(s, { fitType });
      expect(r.maxAbsResidual).toBeLessThan(0.01);
      expect(r.pass).toBe(true);
    }
    const r = linKK(s);
    expect(r.validRange.points).toBe(f.length);
    // R0 + Σ R_k approximates the DC resistance of the model
    let rk = 0;
    for (const v of r.rkOhm) rk += v;
    expect(rel(r.r0Ohm + rk, 2 + 5 + 12)).toBeLessThan(0.03);
  });

  it('needs the series inductance to follow an inductive high-frequency tail', () => {
    const s = simulateSweep({ ...cell, inductanceH: 5e-7 }, logSweep(1e5, 1e-2, 10));
    const withL = linKK(s);
    const withoutL = linKK(s, { addInductance: false });
    expect(rel(withL.inductanceH, 5e-7)).toBeLessThan(0.02);
    expect(withoutL.inductanceH).toBe(0);
    expect(withoutL.maxAbsResidual).toBeGreaterThan(10 * withL.maxAbsResidual);
  });

  it('fails a spectrum whose resistance drifts during the sweep', () => {
    const f = logSweep(1e5, 1e-2, 10);
    const stationary = linKK(simulateSweep(cell, f, { noise: 0.001, seed: 11 }));
    // the low-frequency arc grows by 0.05 %/s while the ~10-minute sweep runs
    const drifting = simulateSweep(cell, f, { noise: 0.001, seed: 11, driftPerS: [0, 5e-4] });
    const totalS = (drifting.timeS as Float64Array)[f.length - 1];
    expect(totalS).toBeGreaterThan(300);
    const r = linKK(drifting);
    expect(r.pass).toBe(false);
    expect(r.maxAbsResidual).toBeGreaterThan(0.03);
    expect(r.maxAbsResidual).toBeGreaterThan(5 * stationary.maxAbsResidual);
    // the points that stay valid are the early, high-frequency part of the sweep
    expect(r.validRange.fMaxHz).toBe(1e5);
    expect(r.validRange.points).toBeLessThan(f.length);
  });

  it('puts the time constants at 1/(2π f_max) … 1/(2π f_min), log-spaced', () => {
    const f = Float64Array.from([1e4, 1e3, 1e2, 10, 1]);
    const t = kkTimeConstants(f, 5);
    expect(t[0]).toBeCloseTo(1 / (2 * Math.PI * 1e4), 15);
    expect(t[4]).toBeCloseTo(1 / (2 * Math.PI), 15);
    expect(t[2] / t[1]).toBeCloseTo(10, 10);
    expect(kkTimeConstants(f, 1)[0]).toBeCloseTo(1 / (2 * Math.PI), 15);
  });

  it('rejects bad settings with typed errors', () => {
    const s = simulateSweep(cell, logSweep(1e4, 1, 5));
    expect(() => linKK(s, { c: 1.5 })).toThrow(ParameterError);
    expect(() => linKK(s, { m: 1000 })).toThrow(ParameterError);
    expect(() => linKK(s, { threshold: 0 })).toThrow(ParameterError);
  });
});

describe('spectrum checks', () => {
  const base = () => simulateSweep(cell, logSweep(1e4, 1, 2));
  it('rejects too few frequencies', () => {
    const s = simulateSweep(cell, Float64Array.from([1e3, 1e2, 10, 1]));
    expect(() => checkSpectrum(s)).toThrow(/too few frequencies; found 4; expected at least 5/);
  });
  it('rejects duplicate and unsorted frequencies', () => {
    const s = base();
    const dup = { ...s, freqHz: Float64Array.from(s.freqHz, (f, i) => (i === 3 ? s.freqHz[2] : f)) };
    expect(() => checkSpectrum(dup)).toThrow(/duplicate frequency/);
    const uns = { ...s, freqHz: Float64Array.from(s.freqHz, (f, i) => (i === 3 ? s.freqHz[1] * 2 : f)) };
    expect(() => checkSpectrum(uns)).toThrow(/not sorted/);
  });
  it('rejects NaN, zero impedance and non-positive frequency', () => {
    const s = base();
    expect(() =>
      checkSpectrum({ ...s, zReOhm: Float64Array.from(s.zReOhm, (v, i) => (i === 2 ? NaN : v)) }),
    ).toThrow(DataError);
    expect(() =>
      checkSpectrum({
        ...s,
        zReOhm: Float64Array.from(s.zReOhm, (v, i) => (i === 2 ? 0 : v)),
        zImOhm: Float64Array.from(s.zImOhm, (v, i) => (i === 2 ? 0 : v)),
      }),
    ).toThrow(/impedance is zero/);
    expect(() =>
      checkSpectrum({ ...s, freqHz: Float64Array.from(s.freqHz, (v, i) => (i === 0 ? -v : v)) }),
    ).toThrow(/positive finite/);
  });
  it('detects a flipped sign convention and says so', () => {
    const s = base();
    const flipped = { ...s, zImOhm: Float64Array.from(s.zImOhm, (v) => -v), source: 'cell.csv' };
    expect(() => checkSpectrum(flipped)).toThrow(/cell\.csv: zImOhm: .*−Z″ read as Z″/);
    expect(() => linKK(flipped)).toThrow(DataError);
    expect(checkSpectrum(flipped, { allowPositiveImag: true }).freqHz.length).toBe(s.freqHz.length);
  });
});
