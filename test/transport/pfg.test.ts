import { describe, expect, it } from 'vitest';
import {
  bValueFromWaveform,
  bValuesSPerM2,
  diffusionTableFromSeries,
  effectiveDiffusionTimeS,
  fitStejskalTanner,
  gaussPerCmToTPerM,
} from '../../src/transport/pfg.js';
import type { GradientShape, PfgTiming } from '../../src/transport/pfg.js';
import { getNucleus } from '../../src/core/nuclei.js';
import { createRng } from '../../src/sim/random.js';
import { DataError, ParameterError } from '../../src/core/errors.js';
import { diffusionLaw } from '../../src/transport/diffusion-table.js';

const GAMMA_F = getNucleus('19F').gammaRadPerSPerT;
// Thienenkamp et al. 2024: 16 steps up to 2,946 G/cm, Δ = 60 ms, δ = 1 ms, stimulated echo
const GRADIENTS = Float64Array.from({ length: 16 }, (_, i) => gaussPerCmToTPerM((2946 * (i + 1)) / 16));
const SEED_TIMING: PfgTiming = { deltaS: 1e-3, bigDeltaS: 60e-3, shape: 'rect', sequence: 'ste' };

/** Effective waveform: a pulse (or bipolar pair) at t = 0 and its refocusing counterpart at Δ, negated. */
function waveform(
  shape: GradientShape,
  deltaS: number,
  bigDeltaS: number,
  dt: number,
  gapS?: number,
): Float64Array {
  const n = Math.ceil((bigDeltaS + deltaS + (gapS ?? 0) + 1e-4) / dt);
  const w = new Float64Array(n);
  const lobe = (t0: number, dur: number, sign: number) => {
    for (let i = 0; i < n; i++) {
      const t = (i + 0.5) * dt - t0;
      if (t >= 0 && t < dur) w[i] += sign * (shape === 'rect' ? 1 : Math.sin((Math.PI * t) / dur));
    }
  };
  if (gapS === undefined) {
    lobe(0, deltaS, 1);
    lobe(bigDeltaS, deltaS, -1);
  } else {
    // bipolar: +g, 180°, −g acts as +g, +g
    lobe(0, deltaS / 2, 1);
    lobe(deltaS / 2 + gapS, deltaS / 2, 1);
    lobe(bigDeltaS, deltaS / 2, -1);
    lobe(bigDeltaS + deltaS / 2 + gapS, deltaS / 2, -1);
  }
  return w;
}

describe('Stejskal–Tanner b values', () => {
  it('uses γ(¹⁹F) and the δ/Δ correction as a hand calculation does', () => {
    // γ(19F) = 25.18148e7 rad s⁻¹ T⁻¹ → γ² = 6.341069e16; g = 1 T/m (100 G/cm), δ = 1 ms, Δ = 60 ms:
    // b = 6.341069e16 × 1 × 1e-6 × (0.06 − 0.001/3) = 3.783505e9 s/m²
    expect(GAMMA_F).toBeCloseTo(2.518148e8, 0);
    expect(effectiveDiffusionTimeS(SEED_TIMING)).toBeCloseTo(0.06 - 0.001 / 3, 15);
    expect(bValuesSPerM2([1], GAMMA_F, SEED_TIMING)[0] / 3.783505e9).toBeCloseTo(1, 6);
    expect(gaussPerCmToTPerM(100)).toBe(1);
    // sine: (2/π)² × 6.341069e16 × 1e-6 × (0.06 − 0.001/4) = 1.535538e9 s/m²
    expect(bValuesSPerM2([1], GAMMA_F, { ...SEED_TIMING, shape: 'sine' })[0] / 1.535538e9).toBeCloseTo(1, 6);
  });

  for (const shape of ['rect', 'sine'] as const) {
    it(`closed forms agree with integrating the ${shape} waveform (monopolar and bipolar)`, () => {
      const dt = 2e-7;
      const mono = bValueFromWaveform(dt, waveform(shape, 2e-3, 30e-3, dt), GAMMA_F);
      expect(
        mono / bValuesSPerM2([1], GAMMA_F, { deltaS: 2e-3, bigDeltaS: 30e-3, shape, sequence: 'pgse' })[0],
      ).toBeCloseTo(1, 5);
      const bip = bValueFromWaveform(dt, waveform(shape, 2e-3, 30e-3, dt, 0.7e-3), GAMMA_F);
      const timing: PfgTiming = {
        deltaS: 2e-3,
        bigDeltaS: 30e-3,
        shape,
        sequence: 'ste-bipolar',
        lobeGapS: 0.7e-3,
      };
      expect(bip / bValuesSPerM2([1], GAMMA_F, timing)[0]).toBeCloseTo(1, 5);
    });
  }

  it('rejects impossible timings', () => {
    expect(() => effectiveDiffusionTimeS({ deltaS: 2e-3, bigDeltaS: 1e-3, shape: 'rect' })).toThrow(
      ParameterError,
    );
    expect(() =>
      effectiveDiffusionTimeS({ deltaS: 1e-3, bigDeltaS: 60e-3, shape: 'rect', sequence: 'ste-bipolar' }),
    ).toThrow(/lobe gap/);
  });
});

describe('Stejskal–Tanner fits', () => {
  const b = bValuesSPerM2(GRADIENTS, GAMMA_F, SEED_TIMING);

  it('recovers D within 0.5 % from attenuation with 0.3 % noise (Thienenkamp et al. 2024 acquisition)', () => {
    const dTrue = 1.3e-12;
    for (const seed of [1, 2, 3, 4, 5]) {
      const rng = createRng(seed);
      const y = b.map((bi) => 5e6 * Math.exp(-dTrue * bi) + 0.003 * 5e6 * rng.normal());
      const fit = fitStejskalTanner(b, y);
      expect(fit.converged).toBe(true);
      expect(Math.abs(fit.dM2PerS[0] / dTrue - 1)).toBeLessThan(0.005);
      expect(fit.i0 / 5e6).toBeCloseTo(1, 1);
      expect(fit.rSquared).toBeGreaterThan(0.999);
    }
  });

  it('is exact on noise-free data, for both shapes', () => {
    for (const shape of ['rect', 'sine'] as const) {
      const bs = bValuesSPerM2(GRADIENTS, GAMMA_F, { ...SEED_TIMING, shape });
      const fit = fitStejskalTanner(
        bs,
        bs.map((bi) => 7 * Math.exp(-2.2e-12 * bi)),
      );
      expect(fit.dM2PerS[0] / 2.2e-12).toBeCloseTo(1, 8);
    }
  });

  it('separates two components', () => {
    const y = b.map((bi) => 100 * (0.3 * Math.exp(-4e-12 * bi) + 0.7 * Math.exp(-0.5e-12 * bi)));
    const fit = fitStejskalTanner(b, y, { components: 2 });
    expect(fit.dM2PerS[0] / 4e-12).toBeCloseTo(1, 5);
    expect(fit.dM2PerS[1] / 0.5e-12).toBeCloseTo(1, 5);
    expect(fit.fractions[0]).toBeCloseTo(0.3, 5);
    expect(fit.i0).toBeCloseTo(100, 4);
  });

  it('builds and interpolates a D(C) table from a concentration series', () => {
    const table = diffusionTableFromSeries([
      { concentrationMolM3: 2000, dM2PerS: 1e-12 },
      { concentrationMolM3: 1000, dM2PerS: 2e-12 },
    ]);
    expect(diffusionLaw(table, 'linear')(1500)).toBeCloseTo(1.5e-12, 25);
  });

  it('bad input → typed errors', () => {
    expect(() => fitStejskalTanner([0, 1, 2], [1, 0.5])).toThrow(DataError);
    expect(() => fitStejskalTanner([0, 1e9], [1, 0.5])).toThrow(/too few gradient steps/);
    expect(() => fitStejskalTanner([0, 1e9, 2e9], [0, 0, 0])).toThrow(DataError);
  });
});

describe('Stejskal–Tanner fits against scipy', () => {
  it('matches scipy curve_fit on the same noisy attenuation (one and two components)', async () => {
    const { readFileSync } = await import('node:fs');
    const fx = JSON.parse(readFileSync(new URL('./fixtures/pfg-scipy.json', import.meta.url), 'utf8')) as {
      b_s_m2: number[];
      one_component: { intensity: number[]; i0: number; d_m2_s: number };
      two_component: {
        intensity: number[];
        i0: number;
        fraction_fast: number;
        d_fast_m2_s: number;
        d_slow_m2_s: number;
      };
    };
    // the fixture's b values are the hand formula with γ(19F) from the nuclei table
    const b = bValuesSPerM2(GRADIENTS, GAMMA_F, SEED_TIMING);
    fx.b_s_m2.forEach((v, i) => expect(b[i] / v).toBeCloseTo(1, 12));
    const one = fitStejskalTanner(fx.b_s_m2, fx.one_component.intensity);
    expect(one.dM2PerS[0] / fx.one_component.d_m2_s).toBeCloseTo(1, 6);
    expect(one.i0 / fx.one_component.i0).toBeCloseTo(1, 6);
    const two = fitStejskalTanner(fx.b_s_m2, fx.two_component.intensity, { components: 2 });
    expect(two.dM2PerS[0] / fx.two_component.d_fast_m2_s).toBeCloseTo(1, 4);
    expect(two.dM2PerS[1] / fx.two_component.d_slow_m2_s).toBeCloseTo(1, 4);
    expect(two.fractions[0]).toBeCloseTo(fx.two_component.fraction_fast, 4);
  });
});
