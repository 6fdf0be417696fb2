import { describe, expect, it } from 'vitest';
import {
  ambipolarFromAnionDiffusion,
  compareWithOnset,
  mAPerCm2ToAPerM2,
  sandTimeS,
} from '../../src/transport/sand.js';
import { toMolPerM3 } from '../../src/transport/concentration.js';
import { ParameterError } from '../../src/core/errors.js';

describe("Sand's time (Thienenkamp et al. 2024, eq 9)", () => {
  const c0 = toMolPerM3(9.94e23, 'per-L');

  it('gives the paper’s 103 min from its inputs (±1 %)', () => {
    const tau = sandTimeS({
      dAmbipolarM2PerS: 2.53e-13,
      c0MolM3: c0,
      currentDensityAPerM2: mAPerCm2ToAPerM2(0.1),
      anionTransportNumber: 0.9,
    });
    expect(Math.abs(tau / 60 - 103) / 103).toBeLessThan(0.01);
  });

  it('matches a hand calculation in particle units', () => {
    // C0·e = 9.94e26 m⁻³ × 1.602176634e-19 C = 1.5925636e8 C m⁻³; /(2 × 1 A m⁻² × 0.9) = 8.847576e7;
    // squared 7.827962e15; × π × 2.53e-13 = 6221.8 s
    const tau = sandTimeS({
      dAmbipolarM2PerS: 2.53e-13,
      c0MolM3: c0,
      currentDensityAPerM2: 1,
      anionTransportNumber: 0.9,
    });
    expect(tau).toBeCloseTo(6221.8, 0);
  });

  it('scales as D, C0² and 1/i²', () => {
    const base = {
      dAmbipolarM2PerS: 1e-12,
      c0MolM3: 1000,
      currentDensityAPerM2: 2,
      anionTransportNumber: 0.5,
    };
    const t = sandTimeS(base);
    expect(sandTimeS({ ...base, dAmbipolarM2PerS: 3e-12 }) / t).toBeCloseTo(3, 12);
    expect(sandTimeS({ ...base, c0MolM3: 2000 }) / t).toBeCloseTo(4, 12);
    expect(sandTimeS({ ...base, currentDensityAPerM2: 4 }) / t).toBeCloseTo(0.25, 12);
  });

  it('converts an anion D and t_a into the ambipolar D as the paper describes', () => {
    // D_c = 1.3e-12 × 0.1/0.9 = 1.4444e-13; 2·D_a·D_c/(D_a + D_c) = 2.6e-13
    expect(ambipolarFromAnionDiffusion(1.3e-12, 0.9)).toBeCloseTo(2.6e-13, 25);
    // the unrounded anion D behind the paper's 2.53e-13
    expect(ambipolarFromAnionDiffusion(1.265e-12, 0.9)).toBeCloseTo(2.53e-13, 25);
  });

  it('compares with measured voltage onsets', () => {
    const cmp = compareWithOnset(6180, 90 * 60);
    expect(cmp.differenceS).toBe(-780);
    expect(cmp.ratio).toBeCloseTo(5400 / 6180, 12);
  });

  it('rejects impossible inputs with typed errors', () => {
    const base = {
      dAmbipolarM2PerS: 1e-12,
      c0MolM3: 1000,
      currentDensityAPerM2: 2,
      anionTransportNumber: 0.5,
    };
    expect(() => sandTimeS({ ...base, anionTransportNumber: 1.2 })).toThrow(ParameterError);
    expect(() => sandTimeS({ ...base, dAmbipolarM2PerS: -1 })).toThrow(ParameterError);
    expect(() => toMolPerM3(1, 'mmol')).toThrow(ParameterError);
  });

  it('converts concentration units', () => {
    expect(toMolPerM3(1.5, 'mol-L')).toBe(1500);
    expect(toMolPerM3(6.02214076e23, 'per-L')).toBeCloseTo(1000, 9);
  });
});
