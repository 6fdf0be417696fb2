/**
 * Relaxation and nutation fits on simulated data with known truth: recovery of the parameters, 1σ
 * coverage of the covariance errors over many noisy realisations, the recycle-delay advice, the
 * skin-depth nutation curve against a depth integral, and refusals of data that cannot be fitted.
 */
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import {
  analyseNutation,
  analyseT1,
  analyseT2,
  fitCurve,
  fwhmPpm,
  recycleAdvice,
  seriesSign,
  SKIN_NUTATION_MAX_THETA,
  skinNutationShape,
  t1Model,
  t2StarFromWidthS,
} from '../../src/relax/index.js';
import { createRng } from '../../src/sim/random.js';
import { metalNutationSignal } from '../../src/sim/relaxation.js';

const DELAYS = [0.001, 0.003, 0.01, 0.03, 0.06, 0.1, 0.2, 0.4, 0.8, 1.5, 3, 6, 12];
const ECHOES = [0.1, 0.2, 0.4, 0.8, 1.2, 1.6, 2.4, 3.2, 4.8, 6.4, 9.6, 12.8].map((v) => v * 1e-3);
const PULSES = Array.from({ length: 31 }, (_, i) => i);

function noisy(f: (x: number) => number, x: number[], sigma: number, seed: number): number[] {
  const rng = createRng(seed);
  return x.map((xi) => f(xi) + sigma * rng.normal());
}

/** Fraction of realisations whose 1σ interval holds the truth. */
function coverage(n: number, run: (seed: number) => { value: number; se: number }, truth: number): number {
  let hit = 0;
  for (let s = 0; s < n; s++) {
    const r = run(1000 + s);
    if (Math.abs(r.value - truth) <= r.se) hit++;
  }
  return hit / n;
}

describe('truth recovery (noise-free)', () => {
  it('T1 inversion recovery 2p, 3p (k = 1.7), stretched and bi-exponential', () => {
    const ir = DELAYS.map((t) => 100 * (1 - 2 * Math.exp(-t / 0.35)));
    expect(analyseT1(DELAYS, ir, { sequence: 'inversion-recovery' }).t1S.value).toBeCloseTo(0.35, 8);
    const ir3 = DELAYS.map((t) => 100 * (1 - 1.7 * Math.exp(-t / 0.35)));
    const a3 = analyseT1(DELAYS, ir3, { sequence: 'inversion-recovery', model: '3p' });
    expect(a3.t1S.value).toBeCloseTo(0.35, 8);
    expect(a3.initialFraction.value).toBeCloseTo(-0.7, 8);
    const st = DELAYS.map((t) => 100 * (1 - 2 * Math.exp(-((t / 0.35) ** 0.6))));
    const as = analyseT1(DELAYS, st, { sequence: 'inversion-recovery', model: 'stretched' });
    expect(as.t1S.value).toBeCloseTo(0.35, 7);
    expect(as.fit.parameters[2].value).toBeCloseTo(0.6, 7);
    const bi = DELAYS.map((t) => 100 * (1 - 2 * (0.3 * Math.exp(-t / 0.02) + 0.7 * Math.exp(-t / 0.9))));
    const ab = analyseT1(DELAYS, bi, { sequence: 'inversion-recovery', model: 'bi' });
    expect(ab.t1S.value).toBeCloseTo(0.9, 6);
    const fast = ab.fit.parameters.find((p) => p.name === 'T1a')!;
    expect(fast.value).toBeCloseTo(0.02, 7);
  });

  it('T1 saturation recovery and T2 mono, stretched (β = 2, a Gaussian decay) and bi', () => {
    const sr = DELAYS.map((t) => 50 * (1 - Math.exp(-t / 1.3)));
    expect(analyseT1(DELAYS, sr, { sequence: 'saturation-recovery' }).t1S.value).toBeCloseTo(1.3, 8);
    const mono = ECHOES.map((t) => 10 * Math.exp(-t / 0.004));
    expect(analyseT2(ECHOES, mono).t2S.value).toBeCloseTo(0.004, 10);
    const gauss = ECHOES.map((t) => 10 * Math.exp(-((t / 0.004) ** 2)));
    const ag = analyseT2(ECHOES, gauss, { model: 'stretched' });
    expect(ag.t2S.value).toBeCloseTo(0.004, 9);
    expect(ag.fit.parameters[2].value).toBeCloseTo(2, 6);
    const bi = ECHOES.map((t) => 10 * (0.4 * Math.exp(-t / 0.0005) + 0.6 * Math.exp(-t / 0.008)));
    expect(analyseT2(ECHOES, bi, { model: 'bi' }).t2S.value).toBeCloseTo(0.008, 8);
  });

  it('nutation: ν1 and π/2 of a sine, a damped sine and the skin-depth curve', () => {
    const sine = PULSES.map((t) => 80 * Math.sin(2 * Math.PI * 0.0385 * t));
    const s = analyseNutation(PULSES, sine, { model: 'sine' });
    expect(s.nutationKHz.value).toBeCloseTo(38.5, 6);
    expect(s.pi2Us.value).toBeCloseTo(1 / (4 * 0.0385), 6);
    const damped = PULSES.map((t) => 80 * Math.exp(-0.03 * t) * Math.sin(2 * Math.PI * 0.0333 * t));
    const d = analyseNutation(PULSES, damped);
    expect(d.nutationKHz.value).toBeCloseTo(33.3, 6);
    expect(d.dampingTimeUs!.value).toBeCloseTo(1 / 0.03, 5);
    // the maximum of e^{−λt}·sin(ωt) is at tan(ωt) = ω/λ
    const w = 2 * Math.PI * 0.0333;
    expect(d.maxSignalUs.value).toBeCloseTo(Math.atan(w / 0.03) / w, 6);
    const skin = PULSES.map((t) => 80 * skinNutationShape(2 * Math.PI * 0.037 * t));
    const k = analyseNutation(PULSES, skin, { model: 'skin' });
    expect(k.nutationKHz.value).toBeCloseTo(37, 6);
    expect(k.maxSignalUs.value).toBeCloseTo(SKIN_NUTATION_MAX_THETA / (2 * Math.PI * 0.037), 6);
  });

  it('works on pulse lengths that alias a fine grid (high ν1: 3.6 cycles over the array)', () => {
    const y = PULSES.map((t) => 10 * Math.exp(-0.02 * t) * Math.sin(2 * Math.PI * 0.12 * t));
    expect(analyseNutation(PULSES, y).nutationKHz.value).toBeCloseTo(120, 5);
  });
});

describe('the skin-depth nutation curve', () => {
  it('(1 − cos θ)/θ equals the depth integral over a slab 30 skin depths thick', () => {
    for (const tp of [0.5, 3, 6.76, 10, 17, 25, 40]) {
      const numeric = metalNutationSignal(tp, 37, 30);
      const closed = skinNutationShape(2 * Math.PI * 0.037 * tp);
      expect(Math.abs(numeric - closed)).toBeLessThan(2e-5);
    }
  });

  it('peaks at θ = 2.3311 rad, where tan(θ/2) = θ, and never goes negative', () => {
    const t = SKIN_NUTATION_MAX_THETA;
    expect(Math.tan(t / 2) - t).toBeCloseTo(0, 12);
    const h = 1e-4;
    expect(skinNutationShape(t)).toBeGreaterThan(skinNutationShape(t - h));
    expect(skinNutationShape(t)).toBeGreaterThan(skinNutationShape(t + h));
    for (let th = 0; th < 40; th += 0.1) expect(skinNutationShape(th)).toBeGreaterThanOrEqual(0);
    expect(skinNutationShape(1e-6)).toBeCloseTo(5e-7, 15);
  });
});

describe('1σ coverage over 300 noisy realisations (expected 68 %)', () => {
  const N = 300;
  it('T1 inversion recovery 2p', () => {
    const c = coverage(
      N,
      (seed) => {
        const y = noisy((t) => 100 * (1 - 2 * Math.exp(-t / 0.35)), DELAYS, 1.5, seed);
        const a = analyseT1(DELAYS, y, { sequence: 'inversion-recovery' });
        return { value: a.t1S.value, se: a.t1S.standardError };
      },
      0.35,
    );
    if (process.env.SPINCELL_PRINT_COVERAGE) console.log(expect.getState().currentTestName, c);
    expect(c).toBeGreaterThan(0.6);
    expect(c).toBeLessThan(0.76);
  });

  it('T1 inversion recovery 3p (k = 1.8)', () => {
    const c = coverage(
      N,
      (seed) => {
        const y = noisy((t) => 100 * (1 - 1.8 * Math.exp(-t / 0.35)), DELAYS, 1.5, seed);
        const a = analyseT1(DELAYS, y, { sequence: 'inversion-recovery', model: '3p' });
        return { value: a.t1S.value, se: a.t1S.standardError };
      },
      0.35,
    );
    if (process.env.SPINCELL_PRINT_COVERAGE) console.log(expect.getState().currentTestName, c);
    expect(c).toBeGreaterThan(0.6);
    expect(c).toBeLessThan(0.76);
  });

  it('T2 mono-exponential', () => {
    const c = coverage(
      N,
      (seed) => {
        const y = noisy((t) => 10 * Math.exp(-t / 0.004), ECHOES, 0.1, seed);
        const a = analyseT2(ECHOES, y);
        return { value: a.t2S.value, se: a.t2S.standardError };
      },
      0.004,
    );
    if (process.env.SPINCELL_PRINT_COVERAGE) console.log(expect.getState().currentTestName, c);
    expect(c).toBeGreaterThan(0.6);
    expect(c).toBeLessThan(0.76);
  });

  it('nutation π/2 length (damped model), a derived quantity', () => {
    const c = coverage(
      N,
      (seed) => {
        const y = noisy((t) => 80 * Math.exp(-0.02 * t) * Math.sin(2 * Math.PI * 0.037 * t), PULSES, 2, seed);
        const a = analyseNutation(PULSES, y);
        return { value: a.pi2Us.value, se: a.pi2Us.standardError };
      },
      1 / (4 * 0.037),
    );
    if (process.env.SPINCELL_PRINT_COVERAGE) console.log(expect.getState().currentTestName, c);
    expect(c).toBeGreaterThan(0.6);
    expect(c).toBeLessThan(0.76);
  });
});

describe('recycle-delay advice', () => {
  it('5·T1 recovers 99.33 % of M0; the advice for that accuracy is 5·T1 and scales its error', () => {
    const y = noisy((t) => 100 * (1 - 2 * Math.exp(-t / 0.35)), DELAYS, 1, 7);
    const a = analyseT1(DELAYS, y, { sequence: 'inversion-recovery' });
    const accuracy = 1 - Math.exp(-5);
    expect(accuracy).toBeCloseTo(0.99326, 5);
    const r = recycleAdvice(a.fit, '2p', accuracy, 0.5, 0.05);
    expect(r.repetitionTimeS.value / a.t1S.value).toBeCloseTo(5, 10);
    expect(r.repetitionTimeS.standardError / a.t1S.standardError).toBeCloseTo(5, 5);
    expect(r.recycleDelayS).toBeCloseTo(5 * a.t1S.value - 0.05, 10);
    expect(r.currentRecovery).toBeCloseTo(1 - Math.exp(-0.55 / a.t1S.value), 12);
    // default accuracy 0.99: TR = ln(100)·T1
    expect(a.recycle.multipleOfT1).toBeCloseTo(Math.log(100), 10);
  });

  it('bi-exponential: the delay where w·e^{−TR/T1a} + (1 − w)·e^{−TR/T1b} = 1 − accuracy', () => {
    const bi = DELAYS.map((t) => 100 * (1 - 2 * (0.3 * Math.exp(-t / 0.02) + 0.7 * Math.exp(-t / 0.9))));
    const a = analyseT1(DELAYS, bi, { sequence: 'inversion-recovery', model: 'bi', accuracy: 0.995 });
    const tr = a.recycle.repetitionTimeS.value;
    expect(0.3 * Math.exp(-tr / 0.02) + 0.7 * Math.exp(-tr / 0.9)).toBeCloseTo(0.005, 8);
  });

  it('stretched: TR = T1·(−ln(1 − a))^{1/β}', () => {
    const st = DELAYS.map((t) => 100 * (1 - 2 * Math.exp(-((t / 0.35) ** 0.6))));
    const a = analyseT1(DELAYS, st, { sequence: 'inversion-recovery', model: 'stretched' });
    expect(a.recycle.repetitionTimeS.value).toBeCloseTo(0.35 * Math.log(100) ** (1 / 0.6), 6);
  });
});

describe('helpers', () => {
  it('series sign: relaxed row (t1), first echo (t2), shortest clear pulse (nutation)', () => {
    expect(seriesSign('t1', [0.01, 1, 10], [5, -3, -9])).toBe(-1);
    expect(seriesSign('t1', [0.01, 1, 10], [-9, 3, 9])).toBe(1);
    expect(seriesSign('t2', [1, 2, 3], [-9, -5, -2])).toBe(-1);
    expect(seriesSign('nutation', [0, 1, 2, 3, 8], [0.01, -0.5, -1, -1.2, 1.3])).toBe(-1);
  });

  it('FWHM of a sampled Lorentzian and T2* = 1/(π·(FWHM − LB))', () => {
    const ppm = Float64Array.from({ length: 4001 }, (_, i) => 20 - i * 0.01);
    const re = Float64Array.from(ppm, (p) => 1 / (1 + ((p - 3) / 0.5) ** 2));
    const w = fwhmPpm({ ppm, re }, [-5, 10])!;
    expect(w.fwhmPpm).toBeCloseTo(1, 3);
    expect(w.peakPpm).toBeCloseTo(3, 6);
    expect(fwhmPpm({ ppm, re }, [2.9, 3.1])).toBeNull();
    expect(t2StarFromWidthS(110, 10)).toBeCloseTo(1 / (Math.PI * 100), 12);
    expect(t2StarFromWidthS(10, 10)).toBeNull();
  });
});

describe('refusals', () => {
  it('too few points, mismatched lengths, non-finite or negative x, no signal, bad accuracy', () => {
    const m = t1Model('inversion-recovery', '3p');
    expect(() => fitCurve(m, [1, 2, 3], [1, 2, 3])).toThrow(DataError);
    expect(() => fitCurve(m, [1, 2, 3, 4], [1, 2, 3])).toThrow(/differ in length/);
    expect(() => fitCurve(m, [1, 2, NaN, 4], [1, 2, 3, 4])).toThrow(/finite/);
    expect(() => fitCurve(m, [1, -2, 3, 4], [1, 2, 3, 4])).toThrow(/≥ 0/);
    expect(() => fitCurve(m, [1, 2, 3, 4], [0, 0, 0, 0])).toThrow(/nothing to fit/);
    expect(() => fitCurve(m, [1, 1, 1, 2], [1, 2, 3, 4])).toThrow(/distinct/);
    const y = DELAYS.map((t) => 1 - 2 * Math.exp(-t));
    expect(() => analyseT1(DELAYS, y, { sequence: 'inversion-recovery', accuracy: 1 })).toThrow(/accuracy/);
  });
});
