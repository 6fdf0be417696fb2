/**
 * Processing numerics against reference values computed independently with numpy/scipy
 * (test/fixtures/nmr/make_nmr_fixtures.py → nmr_reference.json).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Spectrum } from '../../src/core/types.js';
import {
  arplsBaseline,
  fourierTransform,
  integrateRegion,
  phase,
  polynomialBaseline,
  ppmAxisFromOffset,
  removeGroupDelay,
  whittakerSmooth,
  windowWeights,
  type WindowFunction,
} from '../../src/nmr/index.js';
import { lnPositive } from '../../src/nmr/autophase.js';

const here = dirname(fileURLToPath(import.meta.url));
const ref = JSON.parse(
  readFileSync(join(here, '..', 'fixtures', 'nmr', 'nmr_reference.json'), 'utf8'),
) as Record<string, Record<string, unknown>>;
const arr = (v: unknown): Float64Array => Float64Array.from(v as number[]);

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / scale;
}

/** Real and imaginary parts each within `tol` (relative to the reference's largest value) of the reference. */
function expectBothParts(
  out: { re: ArrayLike<number>; im: ArrayLike<number> },
  expected: Record<string, unknown>,
  tol: number,
): void {
  expect(maxRelDiff(out.re, expected.re as number[])).toBeLessThan(tol);
  expect(maxRelDiff(out.im, expected.im as number[])).toBeLessThan(tol);
}

const fid = { re: arr(ref.fid.re), im: arr(ref.fid.im) };
const sw = ref.fid.swHz as number;
const n = fid.re.length;

describe('window functions match the numpy reference', () => {
  it.each<{ name: string; key: string; window: WindowFunction }>([
    { name: 'exponential (EM)', key: 'em', window: { kind: 'exponential', lbHz: ref.em.lbHz as number } },
    {
      name: 'Gaussian (FWHM in Hz)',
      key: 'gauss',
      window: { kind: 'gaussian', gbHz: ref.gauss.gbHz as number },
    },
    {
      name: 'Lorentz-to-Gauss (TopSpin GM)',
      key: 'gm',
      window: { kind: 'lorentz-gauss', lbHz: ref.gm.lbHz as number, gbFraction: ref.gm.gb as number },
    },
    {
      name: 'squared sine bell (QSINE)',
      key: 'qsine',
      window: { kind: 'sine-squared', ssb: ref.qsine.ssb as number },
    },
  ])('$name', ({ key, window }) => {
    expect(maxRelDiff(windowWeights(window, n, sw), ref[key].w as number[])).toBeLessThan(1e-12);
  });
});

describe('Fourier transform, group delay and phase match numpy', () => {
  const si = ref.fft.si as number;
  const spec = fourierTransform(fid, si);
  it('FFT in Bruker order with zero filling', () => expectBothParts(spec, ref.fft, 1e-12));
  const gd = removeGroupDelay(spec, ref.groupDelay.points as number);
  it('group-delay linear phase', () => expectBothParts(gd, ref.groupDelay, 1e-11));
  it('zeroth/first-order phase about a ppm pivot', () => {
    const p = ref.phase;
    const ppm = ppmAxisFromOffset(p.offsetPpm as number, p.swpHz as number, p.sfMHz as number, si);
    const s: Spectrum = { re: gd.re, im: gd.im, ppm, sfMHz: p.sfMHz as number };
    expectBothParts(phase(s, p.ph0 as number, p.ph1 as number, p.pivotPpm as number), p, 1e-11);
  });
});

/** The reference spectrum behind the polynomial-baseline and integral checks (real part only). */
const polySpectrum: Spectrum = {
  re: arr(ref.polyBaseline.y),
  im: new Float64Array((ref.polyBaseline.y as number[]).length),
  ppm: arr(ref.polyBaseline.ppm),
  sfMHz: 155,
};

describe('baselines match scipy', () => {
  it('pentadiagonal Whittaker solve equals scipy.sparse spsolve', () => {
    const w = ref.whittaker;
    const z = whittakerSmooth(arr(w.y), arr(w.w), w.lambda as number);
    expect(maxRelDiff(z, w.z as number[])).toBeLessThan(1e-9);
  });
  it('arPLS follows the reference iteration and recovers the true baseline', () => {
    const a = ref.arpls;
    const r = arplsBaseline(arr(a.y), { lambda: a.lambda as number });
    expect(r.iterations).toBe(a.iterations);
    expect(maxRelDiff(r.baseline, a.z as number[])).toBeLessThan(1e-7);
    // Known truth: within half a noise σ (σ = 2) of the baseline that built the data.
    const truth = a.trueBaseline as number[];
    let rms = 0;
    for (let i = 0; i < truth.length; i++) rms += (r.baseline[i] - truth[i]) ** 2;
    expect(Math.sqrt(rms / truth.length)).toBeLessThan(1);
  });
  it('arPLS on 4-point block means stays within a fraction of the noise of the full fit', () => {
    const a = ref.arpls;
    const full = arplsBaseline(arr(a.y), { lambda: a.lambda as number });
    const blocked = arplsBaseline(arr(a.y), { lambda: a.lambda as number, blockPoints: 4 });
    let rms = 0;
    for (let i = 0; i < full.baseline.length; i++) rms += (full.baseline[i] - blocked.baseline[i]) ** 2;
    expect(Math.sqrt(rms / full.baseline.length)).toBeLessThan(0.5); // noise σ = 2
  });
  it('polynomial on signal-free regions equals numpy polyfit', () => {
    const p = ref.polyBaseline;
    const r = polynomialBaseline(polySpectrum, p.order as number, p.regions as [number, number][]);
    expect(maxRelDiff(r.baseline, p.baseline as number[])).toBeLessThan(1e-9);
  });
});

describe('integration matches numpy trapezoid', () => {
  it('region integral with interpolated ends (intensity·ppm)', () => {
    const v = integrateRegion(polySpectrum, [ref.integral.lo as number, ref.integral.hi as number]);
    expect(v).toBeCloseTo(ref.integral.value as number, 9);
  });
});

describe('logarithm of the phase objective', () => {
  // Within 3 units in the last place: the entropy sums see rounding-level differences only.
  it('lnPositive equals Math.log to rounding over the whole double range', () => {
    const xs = [
      1,
      2,
      0.5,
      Math.E,
      1 - 2 ** -53,
      1 + 2 ** -52,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      2 ** -1022,
      3e-310,
    ];
    for (let k = -300; k <= 300; k += 0.37) xs.push(10 ** k);
    for (let k = 0; k < 2000; k++) xs.push(1 + k / 1000);
    for (const x of xs) {
      const want = Math.log(x);
      expect(Math.abs(lnPositive(x) - want)).toBeLessThanOrEqual(
        3 * Number.EPSILON * Math.max(1, Math.abs(want)),
      );
    }
  });
});
