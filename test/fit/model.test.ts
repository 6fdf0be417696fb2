import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileModel, fitModel, modelCurve, parseModelSpec, type ModelSpec } from '../../src/fit/model.js';
import { lineProfile } from '../../src/fit/lineshapes.js';
import { DataError, ParameterError } from '../../src/core/errors.js';
import { windowedVoigt } from './specs.js';

interface Case {
  name: string;
  spec: ModelSpec;
  start: (number | null)[];
  parameterNames: string[];
  parameters: number[];
  activeMask: number[];
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/fit/model_scipy.json', import.meta.url), 'utf8')) as {
  x: number[];
  spectra: Record<string, number[]>;
  cases: Case[];
};

describe('model fits against scipy least_squares on the same spectra and specs', () => {
  for (const c of fx.cases) {
    it(c.name, () => {
      const model = compileModel(c.spec);
      expect(model.parameterNames).toEqual(c.parameterNames);
      const r = fitModel(model, fx.x, fx.spectra[c.name], {
        start: c.start.map((v) => v ?? NaN),
        tolerance: 1e-15,
        maxEvaluations: 20000,
      });
      expect(r.converged).toBe(true);
      for (let j = 0; j < c.parameters.length; j++) {
        const ref = c.parameters[j];
        const rel = Math.abs(r.parameters[j] - ref) / Math.max(Math.abs(ref), 1e-9);
        expect(rel, c.parameterNames[j]).toBeLessThan(1e-6);
      }
      expect(r.parameters.every(Number.isFinite)).toBe(true);
      expect(r.rSquared).toBeGreaterThan(0.99);
    });
  }
});

const axis = Float64Array.from({ length: 600 }, (_, i) => 290 - i * 0.1);
function synth(lines: [number, number, number, number][], noise = 0, seed = 1): Float64Array {
  let s = seed;
  const rand = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const y = new Float64Array(axis.length);
  for (const l of lines) lineProfile('voigt', axis, l).forEach((v, i) => (y[i] += v));
  // Box–Muller
  for (let i = 0; i < y.length; i++)
    y[i] += noise * Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
  return y;
}
const constrained: ModelSpec = {
  windowPpm: [235, 280],
  components: [
    windowedVoigt('dense', 244, 249),
    windowedVoigt('mossy', 254, 259),
    windowedVoigt('dendritic', 264, 269),
  ],
};

describe('fitModel on synthetic spectra with known truth', () => {
  it('recovers noiseless parameters exactly from automatic starting values', () => {
    const truth: [number, number, number, number][] = [
      [246.5, 100, 2.1, 1.0],
      [256.2, 40, 3.0, 1.4],
      [266.8, 10, 2.5, 2.0],
    ];
    const r = fitModel(constrained, axis, synth(truth));
    expect(r.converged).toBe(true);
    truth.forEach((t, k) => {
      const c = r.components[k];
      expect(c.positionPpm).toBeCloseTo(t[0], 6);
      expect(c.area / t[1]).toBeCloseTo(1, 6);
      expect(c.parameters.fwhmG.value).toBeCloseTo(t[2], 5);
      expect(c.parameters.fwhmL.value).toBeCloseTo(t[3], 5);
    });
    const fsum = r.components.reduce((a, c) => a + c.fraction, 0);
    expect(fsum).toBeCloseTo(1, 12);
    expect(r.components[0].fraction).toBeCloseTo(100 / 150, 6);
    expect(r.rSquared).toBeGreaterThan(1 - 1e-12);
  });

  it('standard errors match the scatter of repeated noisy fits', () => {
    const truth: [number, number, number, number][] = [
      [246.5, 100, 2.1, 1.0],
      [256.2, 40, 3.0, 1.4],
      [266.8, 20, 2.5, 2.0],
    ];
    const areas: number[] = [];
    const ses: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const r = fitModel(constrained, axis, synth(truth, 0.3, seed * 7919));
      areas.push(r.components[1].area);
      ses.push(r.components[1].areaStdErr);
    }
    const mean = areas.reduce((a, b) => a + b, 0) / areas.length;
    const sd = Math.sqrt(areas.reduce((a, b) => a + (b - mean) ** 2, 0) / (areas.length - 1));
    const meanSe = ses.reduce((a, b) => a + b, 0) / ses.length;
    // 40 samples: the sample SD is within ±35 % of the true one with > 99 % probability.
    expect(meanSe / sd).toBeGreaterThan(0.65);
    expect(meanSe / sd).toBeLessThan(1.5);
    expect(Math.abs(mean - 40)).toBeLessThan((4 * sd) / Math.sqrt(areas.length) + 0.1);
  });

  it('modelCurve reproduces the fitted spectrum', () => {
    const y = synth([[247, 50, 2, 1]]);
    const spec: ModelSpec = {
      windowPpm: [230, 270],
      baseline: { degree: 1 },
      components: [{ name: 'x', shape: 'voigt', fwhmG: 2, fwhmL: 1 }],
    };
    const r = fitModel(spec, axis, y);
    const curve = modelCurve(spec, axis, r.parameters, r.baseline);
    for (let i = 0; i < axis.length; i++)
      if (axis[i] >= 230 && axis[i] <= 270) expect(curve[i]).toBeCloseTo(y[i], 6);
  });
});

describe('model spec validation', () => {
  it('rejects malformed specs with ParameterError naming the field', () => {
    expect(() => parseModelSpec('{not json')).toThrow(ParameterError);
    expect(() => parseModelSpec({ components: [] })).toThrow(/components/);
    expect(() => compileModel({ components: [{ name: 'a', shape: 'voigt', width: 3 }] })).toThrow(
      /unknown parameter/,
    );
    expect(() => compileModel({ components: [{ name: 'a', shape: 'czjzek' }] })).toThrow(/unknown lineshape/);
    expect(() =>
      compileModel({ components: [{ name: 'a', shape: 'voigt', fwhmL: { link: { to: 'b.fwhmG' } } }] }),
    ).toThrow(/unknown parameter/);
    expect(() =>
      compileModel({
        components: [
          { name: 'a', shape: 'lorentzian', fwhm: { link: { to: 'b.fwhm' } } },
          { name: 'b', shape: 'lorentzian', fwhm: { link: { to: 'a.fwhm' } } },
        ],
      }),
    ).toThrow(/cycle/);
    expect(() =>
      compileModel({ components: [{ name: 'a', shape: 'lorentzian', fwhm: { fixed: true } }] }),
    ).toThrow(/needs a value/);
    expect(() =>
      compileModel({ components: [{ name: 'a', shape: 'lorentzian', fwhm: { min: 3, max: 1 } }] }),
    ).toThrow(/min above max/);
  });
  it('resolves links to fixed parameters and chains of ratios', () => {
    const m = compileModel({
      components: [
        { name: 'a', shape: 'lorentzian', fwhm: { value: 2, fixed: true } },
        {
          name: 'b',
          shape: 'lorentzian',
          fwhm: { link: { to: 'a.fwhm', ratio: 2 } },
          area: { link: { to: 'c.area', ratio: 3 } },
        },
        { name: 'c', shape: 'lorentzian', area: { link: { to: 'a.area', ratio: 0.5 } } },
      ],
    });
    expect(m.roles[5]).toEqual({ kind: 'fixed', value: 4 });
    expect(m.roles[4]).toEqual({ kind: 'linked', root: 1, ratio: 1.5 });
  });
});

describe('degenerate input gives flags or typed errors, never NaN', () => {
  const finite = (r: ReturnType<typeof fitModel>) =>
    r.parameters.every(Number.isFinite) &&
    r.components.every((c) => Number.isFinite(c.fraction) && !Number.isNaN(c.areaStdErr)) &&
    Number.isFinite(r.rSquared);
  it('flat spectrum', () => {
    const r = fitModel(constrained, axis, new Float64Array(axis.length).fill(3));
    expect(finite(r)).toBe(true);
    expect(r.flags).toContain('flat-spectrum');
  });
  it('all-zero spectrum', () => {
    const r = fitModel(constrained, axis, new Float64Array(axis.length));
    expect(finite(r)).toBe(true);
    expect(r.flags.some((f) => f === 'no-signal' || f === 'flat-spectrum')).toBe(true);
  });
  it('all noise: components flagged not significant', () => {
    const r = fitModel(constrained, axis, synth([], 1, 99));
    expect(finite(r)).toBe(true);
    expect(r.flags.filter((f) => f.startsWith('not-significant')).length).toBeGreaterThanOrEqual(2);
  });
  it('a window with no signal: that component flagged, the others recovered', () => {
    const r = fitModel(
      constrained,
      axis,
      synth(
        [
          [246.5, 100, 2, 1],
          [256.5, 30, 2.5, 1],
        ],
        0.05,
        5,
      ),
    );
    expect(finite(r)).toBe(true);
    expect(r.flags).toContain('not-significant:dendritic');
    expect(r.components[0].area).toBeCloseTo(100, 0);
    expect(r.components[2].fraction).toBeLessThan(0.01);
  });
  it('initial guess outside bounds: clipped and flagged', () => {
    const spec: ModelSpec = {
      ...constrained,
      components: constrained.components.map((c, k) =>
        k === 0 ? { ...c, position: { value: 230, min: 244, max: 249 } } : c,
      ),
    };
    const r = fitModel(spec, axis, synth([[246.5, 100, 2, 1]]));
    expect(r.flags).toContain('initial-clipped:dense.position');
    expect(r.components[0].positionPpm).toBeCloseTo(246.5, 4);
  });
  it('NaN points are dropped and counted', () => {
    const y = synth([[246.5, 100, 2, 1]], 0.01, 3);
    for (let i = 100; i < 110; i++) y[i] = NaN;
    const r = fitModel(constrained, axis, y);
    expect(finite(r)).toBe(true);
    expect(r.droppedPoints).toBe(10);
    expect(r.flags).toContain('nan-points-dropped:10');
    expect(r.components[0].area).toBeCloseTo(100, 0);
  });
  it('window outside the axis or too few points: DataError', () => {
    expect(() => fitModel({ ...constrained, windowPpm: [500, 600] }, axis, synth([]))).toThrow(DataError);
    expect(() => fitModel({ ...constrained, windowPpm: [246, 246.5] }, axis, synth([]))).toThrow(DataError);
  });
});
