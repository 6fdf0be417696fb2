/**
 * One-dimensional chemical-shift imaging (CSI): a phase-encoding gradient along the cell axis (x) and a
 * spectral dimension, as used to follow lithium microstructure across a cell: the ⁷Li CSI the reviews
 * describe (Zheng et al. 2024, J. Phys. Chem. C, MRI section; Liu et al. 2021, Adv. Mater., section 4;
 * Marbella et al. 2019, Chem. Mater.).
 *
 * Encoding. Row m of the experiment is acquired after a gradient pulse of area G_m·τ = m·ΔG·τ, so a spin
 * at x gains the phase 2π·m·x/FOV in the recorded FID, with FOV = 1/(γ̄·ΔG·τ) (γ̄ = γ/2π, Hz T⁻¹). The
 * rows are the steps m = −N/2 … N/2 − 1 in increasing order (linear encoding). Bruker's quadrature
 * convention conjugates the recorded signal on the way to a spectrum with ppm increasing to the left, so
 * after the spectral transform of each row S_m(δ) = Σ_x ρ(x, δ)·e^{−2πi·m·x/FOV}, and the image is
 * ρ(x_p, δ) = (1/FOV)·Σ_m S_m(δ)·e^{+2πi·m·p/M} (signal per mm: ∫ρ dx is the unencoded row's signal), x_p = p·FOV/M, p = −M/2 … M/2 − 1, with M ≥ N the
 * zero-filled size (interpolation only: the resolution stays FOV/N). The spectral phase is common to all
 * rows; it is taken from the unencoded row (m = 0, the whole cell's spectrum) and applied to all.
 * A gradient of the other polarity mirrors the image (`flip`).
 *
 * Everything here is pure (typed arrays in, typed arrays out); reading and writing are in the CLI.
 */
import { ParameterError } from '../core/errors.js';
import { autophase } from '../nmr/autophase.js';

/**
 * Zero-order phase of the unencoded row (the whole cell's spectrum) by the automatic phasing every
 * spectrum gets (entropy minimisation with a negative-intensity penalty, nmr/autophase.ts).
 */
function unencodedPhaseDeg(
  row: { re: Float64Array; im: Float64Array },
  ppm: Float64Array,
  sfMHz: number,
): number {
  return autophase({ re: row.re, im: row.im, ppm, sfMHz }, { firstOrder: false }).ph0Deg;
}

export interface CsiEncoding {
  /** Field of view along the encoded axis, mm. */
  readonly fovMm: number;
  /** Mirror the position axis (the gradient's polarity is the other way round). */
  readonly flip?: boolean;
}

/** FOV from the phase-encoding gradient step and pulse length: 1/(γ̄·ΔG·τ). */
export function fovFromGradientMm(gammaHzPerT: number, gradientStepTPerM: number, encodeS: number): number {
  const d = Math.abs(gammaHzPerT * gradientStepTPerM * encodeS);
  if (!(d > 0) || !Number.isFinite(d))
    throw new ParameterError('phase-encoding step gives no field of view', {
      field: 'gradient step × encoding time',
      found: [gradientStepTPerM, encodeS],
      expected: 'non-zero finite values',
    });
  return 1e3 / d;
}

export interface CsiMap {
  /** Position of each image row, mm (ascending), p·FOV/M. */
  readonly positionMm: Float64Array;
  /** Chemical shift of each column, ppm (the spectra's axis, restricted to the columns kept). */
  readonly ppm: Float64Array;
  /** Absorption-mode image, row-major: positions × ppm; signal per mm of cell. */
  readonly intensity: Float64Array;
  /** Nominal resolution FOV/N, mm. */
  readonly resolutionMm: number;
  /** The spectral phase applied to every row, degrees (from the unencoded row). */
  readonly ph0Deg: number;
}

export interface CsiReconstructOptions {
  /** Zero-filled size of the spatial transform as a multiple of the encoding steps (default 2). */
  readonly zeroFill?: number;
  /** Apodisation over the encoding steps: none (default; sharpest edges) or hann (less ringing). */
  readonly window?: 'none' | 'hann';
  /** Columns kept, ppm (default the whole axis). */
  readonly ppmRange?: readonly [number, number];
  /** Spectral zero-order phase, degrees (default: the unencoded row's own, by automatic phasing). */
  readonly ph0Deg?: number;
  /** Spectrometer frequency, MHz (only for the automatic phasing's axis). */
  readonly sfMHz?: number;
}

/**
 * The ppm × position image from rows of spectra (each already Fourier transformed on one ppm axis, in
 * encoding order m = −N/2 … N/2 − 1).
 */
export function reconstructCsi(
  rows: readonly { readonly re: Float64Array; readonly im: Float64Array }[],
  ppm: Float64Array,
  encoding: CsiEncoding,
  options: CsiReconstructOptions = {},
): CsiMap {
  const n = rows.length;
  if (n < 4 || n % 2 !== 0)
    throw new ParameterError('a CSI experiment needs an even number of encoding steps', {
      field: 'rows',
      found: n,
      expected: 'an even number ≥ 4 (TD1)',
    });
  if (!(encoding.fovMm > 0) || !Number.isFinite(encoding.fovMm))
    throw new ParameterError('field of view must be positive', {
      field: 'fovMm',
      found: encoding.fovMm,
      expected: 'mm > 0',
    });
  const zf = options.zeroFill ?? 2;
  if (!(zf >= 1) || !Number.isInteger(zf))
    throw new ParameterError('zero filling must be a whole multiple', {
      field: 'zeroFill',
      found: zf,
      expected: '1, 2, 4 …',
    });
  const points = ppm.length;
  for (const [i, r] of rows.entries())
    if (r.re.length !== points || r.im.length !== points)
      throw new ParameterError('rows differ in length', {
        field: `rows[${i}]`,
        found: r.re.length,
        expected: `${points} points, as the ppm axis`,
      });
  const [lo, hi] = options.ppmRange
    ? [Math.min(...options.ppmRange), Math.max(...options.ppmRange)]
    : [-Infinity, Infinity];
  const cols: number[] = [];
  for (let j = 0; j < points; j++) if (ppm[j] >= lo && ppm[j] <= hi) cols.push(j);
  if (cols.length === 0)
    throw new ParameterError('no spectral points in the range', {
      field: 'ppmRange',
      found: options.ppmRange,
      expected: `within ${Math.min(ppm[0], ppm[points - 1])}…${Math.max(ppm[0], ppm[points - 1])} ppm`,
    });

  const centre = n / 2; // row of m = 0
  const ph0Deg = options.ph0Deg ?? unencodedPhaseDeg(rows[centre], ppm, options.sfMHz ?? 1);
  const c0 = Math.cos((ph0Deg * Math.PI) / 180);
  const s0 = Math.sin((ph0Deg * Math.PI) / 180);

  const m = zf * n;
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++)
    w[k] = options.window === 'hann' ? 0.5 * (1 + Math.cos((2 * Math.PI * (k - centre)) / n)) : 1;
  // twiddles e^{+2πi·q/M} for q = 0 … M − 1 (the spectra carry the conjugate of the FID's encoding phase)
  const cosT = new Float64Array(m);
  const sinT = new Float64Array(m);
  for (let q = 0; q < m; q++) {
    cosT[q] = Math.cos((2 * Math.PI * q) / m);
    sinT[q] = Math.sin((2 * Math.PI * q) / m);
  }
  const positionMm = new Float64Array(m);
  for (let p = 0; p < m; p++) positionMm[p] = ((p - m / 2) * encoding.fovMm) / m;
  const width = cols.length;
  const intensity = new Float64Array(m * width);
  // phased rows, restricted to the columns kept
  const re = new Float64Array(n * width);
  const im = new Float64Array(n * width);
  for (let k = 0; k < n; k++) {
    const r = rows[k];
    for (let c = 0; c < width; c++) {
      const j = cols[c];
      re[k * width + c] = w[k] * (r.re[j] * c0 - r.im[j] * s0);
      im[k * width + c] = w[k] * (r.re[j] * s0 + r.im[j] * c0);
    }
  }
  for (let p = 0; p < m; p++) {
    const pp = p - m / 2;
    // flipping maps x_p to −x_p; on the grid p − M/2 the mirror of index p is M − p (mod M)
    const target = encoding.flip ? (m - p) % m : p;
    for (let k = 0; k < n; k++) {
      const mm = k - centre;
      const q = (((mm * pp) % m) + m) % m;
      const c = cosT[q];
      const s = sinT[q];
      const base = k * width;
      const out = target * width;
      for (let col = 0; col < width; col++) {
        // real part of (re + i·im)·(c + i·s)
        intensity[out + col] += re[base + col] * c - im[base + col] * s;
      }
    }
  }
  // (1/FOV)·Σ_m: the Fourier series of ρ over the field of view, so the image is signal per mm
  for (let i = 0; i < intensity.length; i++) intensity[i] /= encoding.fovMm;
  return {
    positionMm,
    ppm: Float64Array.from(cols, (j) => ppm[j]),
    intensity,
    resolutionMm: encoding.fovMm / n,
    ph0Deg,
  };
}

/** Signal of each image row integrated over a ppm range (trapezoid over the kept columns), intensity·ppm. */
export function csiProfile(map: CsiMap, rangePpm: readonly [number, number]): Float64Array {
  const lo = Math.min(...rangePpm);
  const hi = Math.max(...rangePpm);
  const width = map.ppm.length;
  const cols: number[] = [];
  for (let j = 0; j < width; j++) if (map.ppm[j] >= lo && map.ppm[j] <= hi) cols.push(j);
  if (cols.length < 2)
    throw new ParameterError('fewer than two spectral points in the range', {
      field: 'range',
      found: rangePpm,
      expected: 'a range inside the map’s ppm axis',
    });
  const out = new Float64Array(map.positionMm.length);
  for (let p = 0; p < out.length; p++) {
    let s = 0;
    for (let c = 1; c < cols.length; c++) {
      const a = cols[c - 1];
      const b = cols[c];
      s +=
        0.5 *
        (map.intensity[p * width + a] + map.intensity[p * width + b]) *
        Math.abs(map.ppm[b] - map.ppm[a]);
    }
    out[p] = s;
  }
  return out;
}

/** Intensity-weighted mean shift of each image row inside a ppm range (NaN where the row holds no signal). */
export function csiShiftProfile(
  map: CsiMap,
  rangePpm: readonly [number, number],
  minFraction = 0.1,
): Float64Array {
  const lo = Math.min(...rangePpm);
  const hi = Math.max(...rangePpm);
  const width = map.ppm.length;
  const totals = csiProfile(map, rangePpm);
  let max = 0;
  for (const t of totals) max = Math.max(max, t);
  const out = new Float64Array(totals.length).fill(NaN);
  for (let p = 0; p < out.length; p++) {
    if (!(totals[p] > minFraction * max)) continue;
    let sw = 0;
    let sx = 0;
    for (let j = 0; j < width; j++) {
      const x = map.ppm[j];
      if (x < lo || x > hi) continue;
      const y = Math.max(0, map.intensity[p * width + j]);
      sw += y;
      sx += y * x;
    }
    if (sw > 0) out[p] = sx / sw;
  }
  return out;
}

/**
 * Noise of a profile from its first differences, 1.4826·MAD(Δ)/√2 (the few large steps at edges do not
 * move the median): a profile whose peak is not well above it holds no segment.
 */
export function profileNoiseLevel(profile: Float64Array): number {
  if (profile.length < 4) return 0;
  const d = Float64Array.from({ length: profile.length - 1 }, (_, i) => profile[i + 1] - profile[i]);
  const med = (a: Float64Array) => {
    const s = Float64Array.from(a).sort();
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
  };
  const m = med(d);
  return (1.4826 * med(Float64Array.from(d, (x) => Math.abs(x - m)))) / Math.SQRT2;
}

export interface SignalSegment {
  /** Edges at the half-height crossings (interpolated), mm. */
  readonly fromMm: number;
  readonly toMm: number;
  readonly centreMm: number;
  readonly widthMm: number;
  /** Profile summed over the segment's rows, times the row spacing (intensity·ppm·mm). */
  readonly signal: number;
}

/**
 * Contiguous regions where a profile exceeds `threshold` × its maximum (default one half: edges at half
 * height, the usual definition of an edge in an image whose resolution blurs it), in order of position.
 * Segments narrower than `minWidthMm` (ringing, noise) are dropped, and a profile whose maximum is below
 * `minPeak` (e.g. 10× its noise level) has none.
 */
export function findSegments(
  positionMm: Float64Array,
  profile: Float64Array,
  options: { threshold?: number; minWidthMm?: number; minPeak?: number } = {},
): SignalSegment[] {
  const threshold = options.threshold ?? 0.5;
  let max = 0;
  for (const v of profile) max = Math.max(max, v);
  if (!(max > 0) || max < (options.minPeak ?? 0)) return [];
  const level = threshold * max;
  const dx = positionMm.length > 1 ? positionMm[1] - positionMm[0] : 0;
  const cross = (i: number, j: number) => {
    const t = (level - profile[i]) / (profile[j] - profile[i]);
    return positionMm[i] + t * (positionMm[j] - positionMm[i]);
  };
  const out: SignalSegment[] = [];
  let i = 0;
  while (i < profile.length) {
    if (!(profile[i] > level)) {
      i++;
      continue;
    }
    const start = i;
    while (i + 1 < profile.length && profile[i + 1] > level) i++;
    const end = i;
    const fromMm = start > 0 ? cross(start - 1, start) : positionMm[start];
    const toMm = end + 1 < profile.length ? cross(end, end + 1) : positionMm[end];
    let signal = 0;
    for (let k = start; k <= end; k++) signal += profile[k] * dx;
    if (toMm - fromMm >= (options.minWidthMm ?? 0))
      out.push({ fromMm, toMm, centreMm: 0.5 * (fromMm + toMm), widthMm: toMm - fromMm, signal });
    i = end + 1;
  }
  return out;
}
