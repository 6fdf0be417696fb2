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

const fid = { re: arr(ref.fid.re), im: arr(ref.fid.im) };
const sw = ref.fid.swHz as number;
const n = fid.re.length;

describe('window functions match the numpy reference', () => {
  it('exponential (EM)', () => {
    expect(
      maxRelDiff(
        windowWeights({ kind: 'exponential', lbHz: ref.em.lbHz as number }, n, sw),
        ref.em.w as number[],
      ),
    ).toBeLessThan(1e-12);
  });
  it('Gaussian (FWHM in Hz)', () => {
    expect(
      maxRelDiff(
        windowWeights({ kind: 'gaussian', gbHz: ref.gauss.gbHz as number }, n, sw),
        ref.gauss.w as number[],
      ),
    ).toBeLessThan(1e-12);
  });
  it('Lorentz-to-Gauss (TopSpin GM)', () => {
    const w = windowWeights(
      { kind: 'lorentz-gauss', lbHz: ref.gm.lbHz as number, gbFraction: ref.gm.gb as number },
      n,
      sw,
    );
    expect(maxRelDiff(w, ref.gm.w as number[])).toBeLessThan(1e-12);
  });
  it('squared sine bell (QSINE)', () => {
    expect(
      maxRelDiff(
        windowWeights({ kind: 'sine-squared', ssb: ref.qsine.ssb as number }, n, sw),
        ref.qsine.w as number[],
      ),
    ).toBeLessThan(1e-12);
  });
});

describe('Fourier transform, group delay and phase match numpy', () => {
  const si = ref.fft.si as number;
  const spec = fourierTransform(fid, si);
  it('FFT in Bruker order with zero filling', () => {
    expect(maxRelDiff(spec.re, ref.fft.re as number[])).toBeLessThan(1e-12);
    expect(maxRelDiff(spec.im, ref.fft.im as number[])).toBeLessThan(1e-12);
  });
  const gd = removeGroupDelay(spec, ref.groupDelay.points as number);
  it('group-delay linear phase', () => {
    expect(maxRelDiff(gd.re, ref.groupDelay.re as number[])).toBeLessThan(1e-11);
    expect(maxRelDiff(gd.im, ref.groupDelay.im as number[])).toBeLessThan(1e-11);
  });
  it('zeroth/first-order phase about a ppm pivot', () => {
    const p = ref.phase;
    const ppm = ppmAxisFromOffset(p.offsetPpm as number, p.swpHz as number, p.sfMHz as number, si);
    const s: Spectrum = { re: gd.re, im: gd.im, ppm, sfMHz: p.sfMHz as number };
    const out = phase(s, p.ph0 as number, p.ph1 as number, p.pivotPpm as number);
    expect(maxRelDiff(out.re, p.re as number[])).toBeLessThan(1e-11);
    expect(maxRelDiff(out.im, p.im as number[])).toBeLessThan(1e-11);
  });
});

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
    const s: Spectrum = {
      re: arr(p.y),
      im: new Float64Array((p.y as number[]).length),
      ppm: arr(p.ppm),
      sfMHz: 155,
    };
    const r = polynomialBaseline(s, p.order as number, p.regions as [number, number][]);
    expect(maxRelDiff(r.baseline, p.baseline as number[])).toBeLessThan(1e-9);
  });
});

describe('integration matches numpy trapezoid', () => {
  it('region integral with interpolated ends (intensity·ppm)', () => {
    const p = ref.polyBaseline;
    const s: Spectrum = {
      re: arr(p.y),
      im: new Float64Array((p.y as number[]).length),
      ppm: arr(p.ppm),
      sfMHz: 155,
    };
    const v = integrateRegion(s, [ref.integral.lo as number, ref.integral.hi as number]);
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
