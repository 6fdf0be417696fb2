import { describe, expect, it } from 'vitest';
import {
  potentialDropV,
  sampleProfiles,
  simulateNernstPlanck,
  trueVelocityUmPerH,
} from '../../src/sim/nernst-planck.js';
import { constantDiffusion, mobilityM2PerVS } from '../../src/transport/diffusion-table.js';
import { ParameterError } from '../../src/core/errors.js';
import { FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K } from '../../src/core/constants.js';
import { runScenario } from '../transport/scenario.js';

describe('Nernst–Planck forward model', () => {
  it('relaxes a cosine mode at the diffusion rate exp(−Dπ²t/L²)', () => {
    const L = 1000;
    const D = 1e-12;
    const tS = (0.05 * (L * 1e-6) ** 2) / D; // 0.05 L²/D: the mode decays to exp(−0.05π²) = 0.61
    const result = simulateNernstPlanck({
      lengthUm: L,
      cells: 200,
      initialConcentrationMolM3: (x) => 1000 + 200 * Math.cos((Math.PI * x) / L),
      diffusion: constantDiffusion(D),
      temperatureK: 300,
      fieldVPerM: () => 0,
      maxTimeStepS: tS / 2000,
      outputTimesS: [0, tS],
    });
    const n = result.xUm.length;
    const last = result.concentrationMolM3.subarray(n, 2 * n);
    const expected = 200 * Math.exp((-D * Math.PI ** 2 * tS) / (L * 1e-6) ** 2);
    // amplitude from the projection on the cosine (exact for the initial state up to discretisation)
    let amp = 0;
    for (let i = 0; i < n; i++) amp += (last[i] - 1000) * Math.cos((Math.PI * result.xUm[i]) / L);
    amp *= 2 / n;
    expect(Math.abs(amp - expected) / expected).toBeLessThan(0.002);
  });

  it('reaches the Boltzmann steady state C ∝ exp(−F E x/RT) between blocking walls', () => {
    const L = 1000;
    const E = -20; // V/m → F·|E|·L/(RT) = 0.80 across the cell at 300 K
    const result = simulateNernstPlanck({
      lengthUm: L,
      cells: 100,
      initialConcentrationMolM3: 1000,
      diffusion: constantDiffusion(1e-12),
      temperatureK: 300,
      fieldVPerM: () => E,
      maxTimeStepS: 2e5,
      outputTimesS: [5e7],
    });
    const k = (FARADAY_C_PER_MOL * -E) / (GAS_CONSTANT_J_PER_MOL_K * 300) / 1e6; // per µm
    // normalise the analytic profile to the conserved amount (1000 mol/m³ × L)
    const norm = (1000 * L * k) / Math.expm1(k * L);
    for (let i = 0; i < 100; i += 9) {
      const x = result.xUm[i];
      expect(result.concentrationMolM3[i] / (norm * Math.exp(k * x))).toBeCloseTo(1, 3);
    }
  });

  it('conserves the anion amount between blocking walls', () => {
    const { result } = runScenario(6);
    const n = result.xUm.length;
    const total = (k: number) =>
      result.concentrationMolM3.subarray(k * n, (k + 1) * n).reduce((a, b) => a + b, 0);
    expect(Math.abs(total(5) / total(0) - 1)).toBeLessThan(1e-12);
  });

  it('reports truth: v = −μE and the potential drop −∫E dx', () => {
    const { spec, sampled } = runScenario(3);
    const c = sampled.profiles.values[5];
    const x = sampled.profiles.xUm[5];
    const t = sampled.profiles.timeS[2];
    expect(trueVelocityUmPerH(spec, c, x, t)).toBeCloseTo(
      -mobilityM2PerVS(spec.diffusion(c), spec.temperatureK) * spec.fieldVPerM(x, t) * 3.6e9,
      6,
    );
    // linear field: −∫E = −(E(lo)+E(hi))/2 · (hi − lo)
    const lo = 275;
    const hi = 1525;
    const exact = (-(spec.fieldVPerM(lo, t) + spec.fieldVPerM(hi, t)) / 2) * (hi - lo) * 1e-6;
    expect(potentialDropV(spec.fieldVPerM, lo, hi, t)).toBeCloseTo(exact, 12);
    expect(sampled.voltageV[2]).toBeCloseTo(exact, 12);
  });

  it('rejects bad specifications', () => {
    const base = {
      lengthUm: 100,
      cells: 10,
      initialConcentrationMolM3: 1,
      diffusion: constantDiffusion(1e-12),
      temperatureK: 300,
      fieldVPerM: () => 0,
      maxTimeStepS: 1,
      outputTimesS: [0, 1],
    };
    expect(() => simulateNernstPlanck({ ...base, cells: 2 })).toThrow(ParameterError);
    expect(() => simulateNernstPlanck({ ...base, outputTimesS: [2, 1] })).toThrow(ParameterError);
    expect(() => simulateNernstPlanck({ ...base, initialConcentrationMolM3: 0 })).toThrow(ParameterError);
    const result = simulateNernstPlanck(base);
    expect(() => sampleProfiles(base, result, [0, 50])).toThrow(/outside the simulated cell/);
  });
});
