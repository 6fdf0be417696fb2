/**
 * The processing functions one by one, against analytic truth, plus the typed errors bad input must give.
 */
import fc from 'fast-check';
import { Matrix, solve } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { DataError, NumericalError, ParameterError, isSpincellError } from '../../src/core/errors.js';
import type { AcquisitionMeta, Fid, Spectrum } from '../../src/core/types.js';
import { parseBrukerParams, procsParams } from '../../src/io/bruker/index.js';
import {
  autophase,
  fitSharedPhase,
  fourierTransform,
  integrateRegion,
  magnitude,
  noiseRms,
  optionsFromProcs,
  phase,
  pickPeak,
  polynomialBaseline,
  processFid,
  processSeries,
  referenceOffsetPpm,
  removeDcOffset,
  shiftAxis,
  signalToNoise,
  whittakerSmooth,
  windowWeights,
} from '../../src/nmr/index.js';
import { normal, rng } from './synthetic.js';

/** Lorentzian absorption (height h, centre c, half width at half maximum w) on a descending ppm axis. */
function lorentzSpectrum(
  n: number,
  centrePpm: number,
  hwhmPpm: number,
  height: number,
  noise = 0,
  seed = 1,
): Spectrum {
  const ppm = new Float64Array(n);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const g = normal(rng(seed));
  for (let i = 0; i < n; i++) {
    ppm[i] = 400 - (i * 600) / n;
    const x = (ppm[i] - centrePpm) / hwhmPpm;
    re[i] = height / (1 + x * x) + noise * g();
    im[i] = (height * x) / (1 + x * x) + noise * g();
  }
  return { re, im, ppm, sfMHz: 155.5 };
}

const meta: AcquisitionMeta = {
  source: 'unit',
  nucleus: '7Li',
  sfo1MHz: 155.5,
  bf1MHz: 155.5,
  o1Hz: 0,
  swHz: 50_000,
  complexPoints: 64,
  groupDelayPoints: 0,
  scans: 1,
  dummyScans: 0,
  recycleDelayS: 1,
  acquisitionTimeS: 64 / 50_000,
  receiverGain: 1,
  pulseProgram: 'zg',
  startMs: 0,
  endMs: 1,
};

describe('measurements against analytic lines', () => {
  it('pickPeak finds a sub-point Lorentzian centre (narrow: 3-point vertex; broad: top fit)', () => {
    for (const [centre, hwhm] of [
      [245.123, 0.4],
      [251.37, 6],
      [-3.21, 0.25],
    ]) {
      const s = lorentzSpectrum(8192, centre, hwhm, 100);
      const step = 600 / 8192;
      const p = pickPeak(s, [centre - 20, centre + 20]);
      expect(Math.abs(p.ppm - centre)).toBeLessThan(0.05 * step);
      expect(p.height).toBeCloseTo(100, 0);
    }
  });

  it('integrateRegion gives the analytic Lorentzian area in intensity·ppm', () => {
    const h = 10;
    const w = 2;
    const s = lorentzSpectrum(8192, 250, w, h);
    // ∫ h/(1+((δ−c)/w)²) dδ over [c−a, c+a] = 2·h·w·atan(a/w).
    const a = 30;
    const expected = 2 * h * w * Math.atan(a / w);
    expect(integrateRegion(s, [250 + a, 250 - a]) / expected).toBeCloseTo(1, 4);
    expect(integrateRegion(s, [250 - a, 250 + a])).toBeCloseTo(integrateRegion(s, [250 + a, 250 - a]), 12);
  });

  it('noise RMS, and SNR as TopSpin’s sino (height / 2·noise)', () => {
    const s = lorentzSpectrum(16384, 250, 3, 500, 2.0, 7);
    const sigma = noiseRms(s, [-100, -190]);
    expect(sigma / 2.0).toBeGreaterThan(0.93);
    expect(sigma / 2.0).toBeLessThan(1.07);
    const r = signalToNoise(s, [230, 270], [-100, -190]);
    expect(r.snr).toBeCloseTo(r.peakHeight / (2 * sigma), 12);
    expect(r.snr).toBeGreaterThan(500 / (2 * 2.2));
    // A linear tilt of the noise region is not noise.
    const tilted = { ...s, re: s.re.map((v, i) => v + 0.01 * i) };
    expect(noiseRms(tilted, [-100, -190])).toBeCloseTo(sigma, 6);
  });

  it('internal referencing moves the peak to the requested shift; external offsets transfer', () => {
    const s = lorentzSpectrum(8192, 247.31, 4, 50);
    const offset = referenceOffsetPpm(s, [230, 270], 245);
    expect(offset).toBeCloseTo(245 - 247.31, 2);
    const shifted = shiftAxis(s, offset);
    expect(pickPeak(shifted, [230, 270]).ppm).toBeCloseTo(245, 2);
    const r = processFid(
      { re: new Float64Array(64).fill(1), im: new Float64Array(64), meta },
      { phase: 'none', reference: { kind: 'offset', ppm: 1.5 } },
    );
    expect(r.applied.referenceOffsetPpm).toBe(1.5);
  });
});

describe('phase, magnitude, DC offset, windows', () => {
  const s = lorentzSpectrum(1024, 250, 5, 10);
  it('phase is undone by its inverse and equals PH0 at the pivot', () => {
    const p = phase(s, 37, -120, 180);
    const back = phase(p, -37, 120, 180);
    for (let i = 0; i < 1024; i += 37) {
      expect(back.re[i]).toBeCloseTo(s.re[i], 10);
      expect(back.im[i]).toBeCloseTo(s.im[i], 10);
    }
    // At the first point with the default pivot the rotation is exactly PH0.
    const q = phase(s, 90, 45);
    expect(q.re[0]).toBeCloseTo(-s.im[0], 12);
    expect(q.im[0]).toBeCloseTo(s.re[0], 12);
  });
  it('magnitude is |z|', () => {
    const m = magnitude(phase(s, 63, 0));
    for (let i = 0; i < 1024; i += 51) expect(m.re[i]).toBeCloseTo(Math.hypot(s.re[i], s.im[i]), 10);
    expect(m.im.every((v) => v === 0)).toBe(true);
  });
  it('DC offset: a constant added to a decayed FID is recovered exactly', () => {
    const n = 512;
    const re = new Float64Array(n).map((_, k) => Math.exp(-k / 20) * Math.cos(k / 3) + 3.5);
    const im = new Float64Array(n).map((_, k) => Math.exp(-k / 20) * Math.sin(k / 3) - 1.25);
    const r = removeDcOffset({ re, im });
    expect(r.offsetRe).toBeCloseTo(3.5, 7);
    expect(r.offsetIm).toBeCloseTo(-1.25, 7);
  });
  it('exponential broadening by LB Hz widens a line by LB Hz (FWHM)', () => {
    const n = 8192;
    const sw = 10_000;
    const t2Hz = 20; // natural FWHM
    const lb = 15;
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const env = Math.exp((-Math.PI * t2Hz * k) / sw);
      re[k] = env * Math.cos((2 * Math.PI * 1000 * k) / sw);
      im[k] = env * Math.sin((2 * Math.PI * 1000 * k) / sw);
    }
    re[0] *= 0.5;
    im[0] *= 0.5;
    const w = windowWeights({ kind: 'exponential', lbHz: lb }, n, sw);
    const spec = fourierTransform({ re: re.map((v, k) => v * w[k]), im: im.map((v, k) => v * w[k]) }, 4 * n);
    let peak = 0;
    for (let i = 0; i < spec.re.length; i++) if (spec.re[i] > spec.re[peak]) peak = i;
    const half = spec.re[peak] / 2;
    let lo = peak;
    let hi = peak;
    while (spec.re[lo] > half) lo--;
    while (spec.re[hi] > half) hi++;
    // Half-height crossings interpolated between points.
    const left = lo + (half - spec.re[lo]) / (spec.re[lo + 1] - spec.re[lo]);
    const right = hi - 1 + (spec.re[hi - 1] - half) / (spec.re[hi - 1] - spec.re[hi]);
    const fwhmHz = ((right - left) * sw) / (4 * n);
    expect(Math.abs(fwhmHz - (t2Hz + lb))).toBeLessThan(0.05);
  });
});

describe('baselines', () => {
  it.each([
    {
      name: 'Whittaker solve equals a dense solve for the smallest sizes',
      sizes: [3, 4, 5, 7],
      y: (i: number) => Math.sin(i) + i,
      w: (i: number) => 0.3 + (i % 3) * 0.2,
      lambda: 2.5,
    },
    {
      name: 'Whittaker solve from both ends equals a dense solve (every split of the middle rows, zero weights)',
      sizes: [8, 9, 10, 11, 12, 13, 16, 31, 64],
      y: (i: number) => Math.cos(0.7 * i) * 3 + 0.1 * i,
      // Zero weights stand for peaks in arPLS: the system must stay solvable through them.
      w: (i: number) => (i % 4 === 2 ? 0 : 0.2 + (i % 5) * 0.3),
      lambda: 7.5,
    },
  ])('$name', ({ sizes, y: yAt, w: wAt, lambda }) => {
    for (const n of sizes) {
      const y = Float64Array.from({ length: n }, (_, i) => yAt(i));
      const w = Float64Array.from({ length: n }, (_, i) => wAt(i));
      const a = Matrix.zeros(n, n);
      for (let r = 0; r < n - 2; r++) {
        const d = [1, -2, 1];
        for (let p = 0; p < 3; p++)
          for (let q = 0; q < 3; q++) a.set(r + p, r + q, a.get(r + p, r + q) + lambda * d[p] * d[q]);
      }
      for (let i = 0; i < n; i++) a.set(i, i, a.get(i, i) + w[i]);
      const expected = solve(a, Matrix.columnVector(Array.from(y, (v, i) => v * w[i]))).getColumn(0);
      const z = whittakerSmooth(y, w, lambda);
      for (let i = 0; i < n; i++) expect(z[i]).toBeCloseTo(expected[i], 10);
    }
  });
  it('pipeline: polynomial baseline removes a known quadratic under a peak', () => {
    const s = lorentzSpectrum(4096, 250, 3, 100);
    const tilted: Spectrum = { ...s, re: s.re.map((v, i) => v + 5 + 1e-3 * s.ppm[i] + 2e-5 * s.ppm[i] ** 2) };
    const b = polynomialBaseline(tilted, 2, [
      [390, 300],
      [200, -190],
    ]);
    // Lorentzian tails inside the regions bias the fit slightly; the quadratic itself is removed.
    for (let i = 0; i < 4096; i += 97)
      expect(Math.abs(tilted.re[i] - b.baseline[i] - s.re[i])).toBeLessThan(0.3);
  });
});

describe('automatic phase', () => {
  it('recovers a known zeroth-order phase of a broad line with noise', () => {
    // The line sits off-centre, so its dispersion tails are longer on one side; with noise at the level
    // of the far absorption tail the negative-intensity term then leans by ≈2° (measured 2.0° here).
    const s = lorentzSpectrum(8192, 250, 6, 100, 0.1, 3);
    for (const ph of [-170, -45, 10, 95, 160]) {
      const p = autophase(phase(s, ph, 0));
      const err = ((p.ph0Deg + ph + 540) % 360) - 180;
      expect(Math.abs(err)).toBeLessThan(2.5);
    }
  });
  it('with a first-order term enabled, recovers PH0 and PH1 of two separated lines', () => {
    const a = lorentzSpectrum(8192, 250, 3, 100, 0.05, 4);
    const b = lorentzSpectrum(8192, 0, 1, 60, 0.05, 5);
    const s: Spectrum = { ...a, re: a.re.map((v, i) => v + b.re[i]), im: a.im.map((v, i) => v + b.im[i]) };
    const distorted = phase(s, 30, 20, 250);
    const p = autophase(distorted, { firstOrder: true, pivotPpm: 250 });
    // The phase that matters is the one at each line: PH0 at the pivot (250 ppm) and PH0 + PH1·250/600
    // at the 0 ppm line. Lorentzian lines only turn negative beyond cot(error) half-widths, so a few
    // degrees of error cost little negative intensity and the estimate is looser than for PH0 alone
    // (measured: 0.0° at the pivot, 4.6° at the 0 ppm line).
    const atSecond = p.ph0Deg + (p.ph1Deg * 250) / 600;
    console.log(
      `first-order fit: PH0 ${p.ph0Deg.toFixed(2)} (−30), PH1 ${p.ph1Deg.toFixed(2)} (−20), phase at 0 ppm ${atSecond.toFixed(2)} (${(-30 - (20 * 250) / 600).toFixed(2)})`,
    );
    expect(Math.abs(p.ph0Deg + 30)).toBeLessThan(2);
    expect(Math.abs(atSecond - (-30 - (20 * 250) / 600))).toBeLessThan(6);
  });
});

describe('pipeline and series', () => {
  const fids: Fid[] = Array.from({ length: 3 }, (_, j) => {
    const re = new Float64Array(256);
    const im = new Float64Array(256);
    for (let k = 0; k < 256; k++) {
      const env = Math.exp(-k / 30);
      re[k] = env * Math.cos(k / 4 + 0.3 * j);
      im[k] = env * Math.sin(k / 4 + 0.3 * j);
    }
    return { re, im, meta: { ...meta, complexPoints: 256 } };
  });
  it('streams a generator one FID at a time, in order, with meta', () => {
    let pulled = 0;
    function* gen(): Generator<Fid> {
      for (const f of fids) {
        pulled++;
        yield f;
      }
    }
    const it = processSeries(gen(), { sizePoints: 512 });
    const first = it.next();
    expect(pulled).toBe(1);
    expect(first.done).toBe(false);
    expect(first.value?.spectrum.re.length).toBe(512);
    expect(first.value?.spectrum.meta).toBe(fids[0].meta);
    expect([...it].length).toBe(2);
  });
  it('shared phase: fitted once on the sum, needs a re-readable source', () => {
    function* gen(): Generator<Fid> {
      yield* fids;
    }
    expect(() => [...processSeries(gen(), { seriesPhase: 'shared' })]).toThrow(ParameterError);
    const out = [...processSeries(() => gen(), { seriesPhase: 'shared' })];
    expect(new Set(out.map((r) => r.applied.phase.ph0Deg)).size).toBe(1);
    expect(out[0].applied.phase.ph0Deg).toBeCloseTo(fitSharedPhase(fids).ph0Deg, 12);
    expect(() => fitSharedPhase([])).toThrow(DataError);
  });
  it('optionsFromProcs maps TopSpin parameters', () => {
    const text = [
      '##$WDW= 2',
      '##$LB= -1.5',
      '##$GB= 0.2',
      '##$SI= 16384',
      '##$PHC0= 12.5',
      '##$PHC1= -3',
      '##$SF= 155.5',
      '##$OFFSET= 600.1',
      '##$SW_p= 200000',
      '##$BYTORDP= 0',
      '##$BC_mod= 2',
      '##$TDeff= 0',
      '##END=',
    ].join('\n');
    const o = optionsFromProcs(procsParams(parseBrukerParams(text, 'procs')));
    expect(o.window).toEqual({ kind: 'lorentz-gauss', lbHz: -1.5, gbFraction: 0.2 });
    expect(o.sizePoints).toBe(16384);
    expect(o.phase).toEqual({ ph0Deg: 12.5, ph1Deg: -3 });
    expect(o.axis).toEqual({ offsetPpm: 600.1, swpHz: 200000, sfMHz: 155.5 });
    expect(o.fidBaseline).toEqual({ kind: 'dc', channels: 'quad' }); // BC_mod 2: DC per channel
    expect(o.firstPointScale).toBe(1);
    const bad = text.replace('##$WDW= 2', '##$WDW= 7');
    expect(() => optionsFromProcs(procsParams(parseBrukerParams(bad, 'procs')))).toThrow(ParameterError);
  });
});

describe('bad input gives typed errors, never NaN', () => {
  const s = lorentzSpectrum(256, 250, 5, 10);
  it('named failures', () => {
    expect(() => phase(s, Number.NaN, 0)).toThrow(ParameterError);
    expect(() => integrateRegion(s, [1000, 2000])).toThrow(ParameterError);
    expect(() => pickPeak(s, [1000, 2000])).toThrow(ParameterError);
    expect(() => fourierTransform({ re: new Float64Array(4), im: new Float64Array(3) })).toThrow(DataError);
    expect(() => fourierTransform({ re: new Float64Array(0), im: new Float64Array(0) })).toThrow(DataError);
    expect(() => polynomialBaseline(s, 3, [[399, 398.5]])).toThrow(DataError);
    expect(() => autophase({ ...s, re: new Float64Array(256), im: new Float64Array(256) })).toThrow(
      DataError,
    );
    expect(() => whittakerSmooth(new Float64Array(10), new Float64Array(10), 1)).toThrow(NumericalError);
    expect(() => windowWeights({ kind: 'lorentz-gauss', lbHz: 1, gbFraction: 0.3 }, 10, 100)).toThrow(
      ParameterError,
    );
    expect(() => processFid({ re: new Float64Array(1), im: new Float64Array(1), meta })).toThrow(DataError);
    expect(() => processFid(fidOf(64), { sizePoints: -5 })).toThrow(ParameterError);
    const withNaN = fidOf(64);
    withNaN.re[10] = Number.NaN;
    expect(() => processFid(withNaN, { phase: 'none' })).toThrow(DataError);
    expect(() => processFid({ ...fidOf(64), meta: { ...meta, swHz: 0 } }, { phase: 'none' })).toThrow(
      ParameterError,
    );
  });

  function fidOf(n: number): Fid {
    return {
      re: Float64Array.from({ length: n }, (_, k) => Math.exp(-k / 10)),
      im: new Float64Array(n),
      meta: { ...meta, complexPoints: n },
    };
  }

  it('property: any finite FID and options give finite output or a typed error', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 0, maxLength: 96 }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.constantFrom<'auto' | 'magnitude' | 'none'>('auto', 'magnitude', 'none'),
        fc.constantFrom<'none' | 'auto'>('none', 'auto'),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (values, lb, ph, bl, gd) => {
          const n = values.length >> 1;
          const fid: Fid = {
            re: Float64Array.from(values.slice(0, n)),
            im: Float64Array.from(values.slice(n, 2 * n)),
            meta: { ...meta, complexPoints: n, groupDelayPoints: gd },
          };
          try {
            const r = processFid(fid, { lbHz: lb, phase: ph, baseline: bl });
            for (let i = 0; i < r.spectrum.re.length; i++) {
              if (
                !Number.isFinite(r.spectrum.re[i]) ||
                !Number.isFinite(r.spectrum.im[i]) ||
                !Number.isFinite(r.spectrum.ppm[i])
              )
                return false;
            }
            return true;
          } catch (error) {
            return isSpincellError(error);
          }
        },
      ),
      { numRuns: 150, seed: 42 },
    );
  });
});
