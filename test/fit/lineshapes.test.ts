import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { faddeeva } from '../../src/fit/faddeeva.js';
import { getLineshape, lineProfile, lineshapeNames, voigtFwhm } from '../../src/fit/lineshapes.js';
import { ParameterError } from '../../src/core/errors.js';

const fx = JSON.parse(
  readFileSync(new URL('../fixtures/fit/faddeeva_scipy.json', import.meta.url), 'utf8'),
) as {
  faddeeva: [number, number, number, number][];
  voigtProfile: [number, number, number, number][];
};

describe('Faddeeva function against scipy.special.wofz', () => {
  it(`matches ${fx.faddeeva.length} reference points: real part to 1e-13 relative, complex value to 1e-13 relative`, () => {
    const o = new Float64Array(2);
    let worstRe = 0;
    let worstComplex = 0;
    let worstIm = 0;
    for (const [x, y, re, im] of fx.faddeeva) {
      faddeeva(x, y, o);
      expect(Number.isFinite(o[0]) && Number.isFinite(o[1])).toBe(true);
      const mag = Math.hypot(re, im);
      worstComplex = Math.max(worstComplex, Math.hypot(o[0] - re, o[1] - im) / mag);
      worstRe = Math.max(worstRe, re === 0 ? Math.abs(o[0]) : Math.abs(o[0] - re) / Math.abs(re));
      // The imaginary part vanishes linearly at x = 0; judge it relatively where it is not itself tiny.
      if (Math.abs(im) > 1e-3 * mag) worstIm = Math.max(worstIm, Math.abs(o[1] - im) / Math.abs(im));
    }
    expect(worstRe).toBeLessThan(1e-13);
    expect(worstComplex).toBeLessThan(1e-13);
    expect(worstIm).toBeLessThan(1e-12);
  });

  it('reduces to exp(−x²) on the real axis and erfcx(y) on the imaginary axis', () => {
    const o = new Float64Array(2);
    faddeeva(3.3, 0, o);
    expect(Math.abs(o[0] - Math.exp(-3.3 * 3.3)) / Math.exp(-3.3 * 3.3)).toBeLessThan(1e-13);
    faddeeva(20, 0, o);
    expect(o[0]).toBe(Math.exp(-400));
    // erfcx(1) = e·erfc(1) = 0.42758357615580700442 (Abramowitz & Stegun Table 7.1)
    faddeeva(0, 1, o);
    expect(Math.abs(o[0] - 0.427583576155807) / 0.427583576155807).toBeLessThan(1e-14);
    expect(o[1]).toBe(0);
  });
});

describe('Voigt lineshape against scipy.special.voigt_profile', () => {
  it(`matches ${fx.voigtProfile.length} profile values to 1e-12 relative`, () => {
    const c = 2 * Math.sqrt(2 * Math.LN2);
    let worst = 0;
    for (const [x, sigma, gamma, ref] of fx.voigtProfile) {
      const v = lineProfile('voigt', [x], [0, 1, c * sigma, 2 * gamma])[0];
      worst = Math.max(worst, ref === 0 ? Math.abs(v) : Math.abs(v - ref) / ref);
    }
    expect(worst).toBeLessThan(1e-12);
  });
});

function numericalGradient(shape: string, x: Float64Array, p: number[], k: number): Float64Array {
  const h = 1e-6 * Math.max(1, Math.abs(p[k]));
  const up = p.slice();
  const dn = p.slice();
  up[k] += h;
  dn[k] -= h;
  const a = lineProfile(shape, x, up);
  const b = lineProfile(shape, x, dn);
  return a.map((v, i) => (v - b[i]) / (2 * h));
}

describe('lineshape registry and analytic derivatives', () => {
  const cases: Record<string, number[]> = {
    lorentzian: [247.2, 3.5, 2.1],
    gaussian: [247.2, 3.5, 2.1],
    voigt: [247.2, 3.5, 2.1, 1.3],
    'pseudo-voigt': [247.2, 3.5, 2.1, 0.35],
  };
  const x = Float64Array.from({ length: 121 }, (_, i) => 232 + i * 0.25);
  for (const [name, p] of Object.entries(cases)) {
    it(`${name}: analytic gradient equals central differences`, () => {
      const shape = getLineshape(name);
      const grads = shape.parameters.map(() => new Float64Array(x.length));
      const out = new Float64Array(x.length);
      shape.evaluate(x, Float64Array.from(p), 0, out, grads);
      for (let k = 0; k < p.length; k++) {
        const num = numericalGradient(name, x, p, k);
        const scale = Math.max(...num.map(Math.abs));
        for (let i = 0; i < x.length; i++)
          expect(Math.abs(grads[k][i] - num[i])).toBeLessThan(1e-7 * scale + 1e-12);
      }
    });
    it(`${name}: integrates to its area and peaks at its position`, () => {
      const xs = Float64Array.from({ length: 400001 }, (_, i) => 247.2 - 2000 + i * 0.01);
      const y = lineProfile(name, xs, p);
      let s = 0;
      for (let i = 0; i < y.length; i++) s += y[i] * 0.01;
      // Lorentzian wings beyond ±2000 ppm hold 2·(h/π)/2000 of the area.
      const lorentzFraction = name === 'gaussian' ? 0 : name === 'pseudo-voigt' ? p[3] : 1;
      const missing = (lorentzFraction * 2 * ((name === 'voigt' ? p[3] : p[2]) / 2 / Math.PI)) / 2000;
      expect(Math.abs(s / p[1] - (1 - missing))).toBeLessThan(1e-6);
      let iMax = 0;
      for (let i = 1; i < y.length; i++) if (y[i] > y[iMax]) iMax = i;
      expect(Math.abs(xs[iMax] - p[0])).toBeLessThan(0.011);
    });
  }
  it('voigt FWHM approximation agrees with the measured half-height width within 0.05 %', () => {
    const xs = Float64Array.from({ length: 200001 }, (_, i) => -50 + i * 0.0005);
    for (const [fG, fL] of [
      [2, 0.5],
      [1, 1],
      [0.3, 2],
    ]) {
      const y = lineProfile('voigt', xs, [0, 1, fG, fL]);
      const half = y.reduce((a, b) => Math.max(a, b), 0) / 2;
      const above = xs.filter((_, i) => y[i] >= half);
      const measured = above[above.length - 1] - above[0];
      expect(Math.abs(voigtFwhm(fG, fL) - measured) / measured).toBeLessThan(5e-4);
    }
  });
  it('lists the built-in shapes and rejects unknown ones with ParameterError', () => {
    expect(lineshapeNames()).toEqual(
      expect.arrayContaining(['lorentzian', 'gaussian', 'voigt', 'pseudo-voigt']),
    );
    expect(() => getLineshape('czjzek')).toThrow(ParameterError);
  });
  it('voigt with zero Gaussian width is the Lorentzian', () => {
    const xs = Float64Array.from({ length: 50 }, (_, i) => 240 + i * 0.3);
    const v = lineProfile('voigt', xs, [247, 2, 0, 1.5]);
    const l = lineProfile('lorentzian', xs, [247, 2, 1.5]);
    for (let i = 0; i < xs.length; i++) expect(v[i]).toBeCloseTo(l[i], 14);
  });
});
