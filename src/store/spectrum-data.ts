/**
 * Spectra as the store keeps them for drawing (the workbench's map and spectrum views): the real part,
 * block-averaged to at most MAX_STORED_POINTS points, as little-endian float32 on a uniform axis. Block
 * means keep areas (an integral over the stored points times the stored spacing equals the full one to
 * the width of one block at the edges); a trailing partial block is dropped so the axis stays uniform.
 * The full-resolution spectra stay reproducible from the raw data and the run's manifest.
 */
import { lineProfile } from '../fit/lineshapes.js';

export const MAX_STORED_POINTS = 4096;

export interface StoredSpectrum {
  readonly points: number;
  /** Raw points averaged into each stored point. */
  readonly stride: number;
  readonly ppmFirst: number;
  readonly ppmLast: number;
  readonly intensity: Float32Array;
}

/** Block-averages a processed spectrum (any axis direction) to at most `maxPoints` points. */
export function storedSpectrum(
  ppm: ArrayLike<number>,
  re: ArrayLike<number>,
  maxPoints = MAX_STORED_POINTS,
): StoredSpectrum {
  const n = Math.min(ppm.length, re.length);
  const stride = Math.max(1, Math.ceil(n / maxPoints));
  const m = Math.max(1, Math.floor(n / stride));
  const intensity = new Float32Array(m);
  let first = NaN;
  let last = NaN;
  for (let j = 0; j < m; j++) {
    let sy = 0;
    let sx = 0;
    const lo = j * stride;
    const hi = Math.min(n, lo + stride);
    for (let i = lo; i < hi; i++) {
      sy += re[i];
      sx += ppm[i];
    }
    intensity[j] = sy / (hi - lo);
    if (j === 0) first = sx / (hi - lo);
    if (j === m - 1) last = sx / (hi - lo);
  }
  return { points: m, stride, ppmFirst: first, ppmLast: last, intensity };
}

/** The stored axis, ppm (uniform from ppmFirst to ppmLast). */
export function storedAxisPpm(s: Pick<StoredSpectrum, 'points' | 'ppmFirst' | 'ppmLast'>): Float64Array {
  const x = new Float64Array(s.points);
  const step = s.points > 1 ? (s.ppmLast - s.ppmFirst) / (s.points - 1) : 0;
  for (let i = 0; i < s.points; i++) x[i] = s.ppmFirst + i * step;
  return x;
}

/** Typed array → SQLite BLOB (a copy; the store's byte order is little-endian, as every supported host). */
export function toBlob(a: Float32Array | Float64Array): Buffer {
  return Buffer.from(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

export function float32FromBlob(b: Uint8Array): Float32Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

export function float64FromBlob(b: Uint8Array): Float64Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float64Array(copy.buffer);
}

/** What the store keeps of a morphology fit beyond its lines, to redraw the model (spectrum_data.fit_json). */
export interface StoredFit {
  /** Shift added to the axis before fitting, ppm (lines sit at x + shift). */
  readonly referenceShiftPpm: number;
  readonly windowPpm: readonly [number, number];
  /** Polynomial in t = (ppm − centre)/halfWidth on the fitted (shifted) axis, intensity units. */
  readonly baseline: { coefficients: number[]; centrePpm: number; halfWidthPpm: number } | null;
}

export interface StoredLine {
  readonly name: string;
  readonly positionPpm: number;
  readonly area: number;
  readonly fwhmGPpm: number;
  readonly fwhmLPpm: number;
}

/**
 * The morphology model on the stored axis, restricted to the fit window: each Voigt line, the baseline
 * and their sum (what the fit says the spectrum is there).
 */
export function fitCurves(
  axisPpm: Float64Array,
  fit: StoredFit,
  lines: readonly StoredLine[],
): {
  ppm: Float64Array;
  lines: { name: string; y: Float64Array }[];
  baseline: Float64Array;
  sum: Float64Array;
} {
  const [w0, w1] = [Math.min(...fit.windowPpm), Math.max(...fit.windowPpm)];
  const idx: number[] = [];
  for (let i = 0; i < axisPpm.length; i++) {
    const xs = axisPpm[i] + fit.referenceShiftPpm;
    if (xs >= w0 && xs <= w1) idx.push(i);
  }
  const ppm = Float64Array.from(idx, (i) => axisPpm[i]);
  const shifted = Float64Array.from(ppm, (x) => x + fit.referenceShiftPpm);
  const baseline = new Float64Array(ppm.length);
  if (fit.baseline) {
    const { coefficients, centrePpm, halfWidthPpm } = fit.baseline;
    for (let i = 0; i < ppm.length; i++) {
      const t = (shifted[i] - centrePpm) / halfWidthPpm;
      let v = 0;
      for (let k = coefficients.length - 1; k >= 0; k--) v = v * t + coefficients[k];
      baseline[i] = v;
    }
  }
  const sum = Float64Array.from(baseline);
  const out = lines.map((l) => {
    const y = lineProfile('voigt', shifted, [l.positionPpm, l.area, l.fwhmGPpm, l.fwhmLPpm]);
    for (let i = 0; i < y.length; i++) sum[i] += y[i];
    return { name: l.name, y };
  });
  return { ppm, lines: out, baseline, sum };
}
