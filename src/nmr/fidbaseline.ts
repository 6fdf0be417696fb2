/**
 * FID baseline corrections before the Fourier transform, as TopSpin's BC_mod selects them for `ft`:
 *
 *   BC_mod 0 no     — nothing;
 *          1 single, 2 quad — subtract a constant: the mean of the last quarter of the FID;
 *          3 spol,   4 qpol — subtract a polynomial of degree 5 fitted to the whole FID;
 *          5 sfil,   6 qfil — remove the signal within BCFW ppm of the spectrum centre, shifted by COROFFS Hz
 *                             (TopSpin's handling of a strong signal at the carrier, e.g. a solvent).
 *
 * TopSpin's processing reference names the modes, the last-quarter DC estimate, the polynomial and the
 * filter width BCFW (ppm) with its centre offset COROFFS (Hz); it does not publish its filter kernel. The
 * filter here demodulates the FID to COROFFS, low-passes it with two passes of a centred moving average of
 * SW_h/(BCFW·SF) points (a triangular kernel: response sinc², first null at BCFW·SF Hz, half depth at about
 * BCFW/2 ppm, sidelobes falling as 1/f² so lines away from the centre are barely touched), and subtracts the
 * remodulated low-pass part: a notch of about BCFW ppm full width around the centre. The "single" variants are meant for single-channel detection (AQ_mod qf),
 * which spincell does not read; on the complex (DQD/qsim) data it reads, real and imaginary channels are
 * corrected separately for both variants, and the variant is kept in the record.
 *
 * All functions return new arrays; the input is never modified.
 */
import { ParameterError } from '../core/errors.js';
import type { ComplexSignal } from './types.js';

export type FidBaselineOption =
  | { readonly kind: 'none' }
  | { readonly kind: 'dc'; readonly channels: 'single' | 'quad' }
  | { readonly kind: 'polynomial'; readonly channels: 'single' | 'quad'; readonly degree: number }
  | {
      readonly kind: 'filter';
      readonly channels: 'single' | 'quad';
      /** Full width of the removed band, Hz (BCFW ppm × SF MHz). */
      readonly widthHz: number;
      /** Centre of the removed band relative to the spectrum centre, Hz (COROFFS). */
      readonly centreHz: number;
    };

/** Degree of the FID polynomial of TopSpin's spol/qpol. */
export const FID_POLYNOMIAL_DEGREE = 5;

/** BC_mod → correction. `bcfwPpm` and `coroffsHz` are read for the filter modes only. */
export function fidBaselineFromBcMod(
  bcMod: number,
  bcfwPpm: number,
  coroffsHz: number,
  sfMHz: number,
  file?: string,
): FidBaselineOption {
  switch (bcMod) {
    case 0:
      return { kind: 'none' };
    case 1:
    case 2:
      return { kind: 'dc', channels: bcMod === 1 ? 'single' : 'quad' };
    case 3:
    case 4:
      return {
        kind: 'polynomial',
        channels: bcMod === 3 ? 'single' : 'quad',
        degree: FID_POLYNOMIAL_DEGREE,
      };
    case 5:
    case 6:
      if (!(bcfwPpm > 0) || !Number.isFinite(bcfwPpm))
        throw new ParameterError('filter width of the FID baseline correction must be positive', {
          file,
          field: 'BCFW',
          found: bcfwPpm,
          expected: '> 0 ppm for BC_mod sfil/qfil',
        });
      return {
        kind: 'filter',
        channels: bcMod === 5 ? 'single' : 'quad',
        widthHz: bcfwPpm * sfMHz,
        centreHz: Number.isFinite(coroffsHz) ? coroffsHz : 0,
      };
    default:
      throw new ParameterError('FID baseline correction mode not known', {
        file,
        field: 'BC_mod',
        found: bcMod,
        expected: '0 (no), 1 (single), 2 (quad), 3 (spol), 4 (qpol), 5 (sfil) or 6 (qfil)',
      });
  }
}

function tailMean(x: Float64Array): number {
  const n = x.length;
  const start = Math.min(n - 1, Math.floor(0.75 * n));
  let s = 0;
  for (let k = start; k < n; k++) s += x[k];
  return s / (n - start);
}

/** Least-squares polynomial of `degree` in t ∈ [−1, 1] (Legendre basis, well conditioned), evaluated. */
function polynomialFit(y: Float64Array, degree: number): Float64Array {
  const n = y.length;
  const m = Math.min(degree + 1, n);
  const basis = (t: number, out: Float64Array) => {
    out[0] = 1;
    if (m > 1) out[1] = t;
    for (let j = 2; j < m; j++) out[j] = ((2 * j - 1) * t * out[j - 1] - (j - 1) * out[j - 2]) / j;
  };
  const a = new Float64Array(m * m);
  const b = new Float64Array(m);
  const p = new Float64Array(m);
  const tOf = (k: number) => (n === 1 ? 0 : (2 * k) / (n - 1) - 1);
  for (let k = 0; k < n; k++) {
    basis(tOf(k), p);
    for (let i = 0; i < m; i++) {
      b[i] += p[i] * y[k];
      for (let j = 0; j < m; j++) a[i * m + j] += p[i] * p[j];
    }
  }
  // Gaussian elimination with partial pivoting on the small normal equations.
  for (let c = 0; c < m; c++) {
    let piv = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(a[r * m + c]) > Math.abs(a[piv * m + c])) piv = r;
    if (piv !== c) {
      for (let j = 0; j < m; j++) [a[c * m + j], a[piv * m + j]] = [a[piv * m + j], a[c * m + j]];
      [b[c], b[piv]] = [b[piv], b[c]];
    }
    const d = a[c * m + c];
    if (d === 0) continue;
    for (let r = c + 1; r < m; r++) {
      const f = a[r * m + c] / d;
      if (f === 0) continue;
      for (let j = c; j < m; j++) a[r * m + j] -= f * a[c * m + j];
      b[r] -= f * b[c];
    }
  }
  const coef = new Float64Array(m);
  for (let r = m - 1; r >= 0; r--) {
    let s = b[r];
    for (let j = r + 1; j < m; j++) s -= a[r * m + j] * coef[j];
    coef[r] = a[r * m + r] === 0 ? 0 : s / a[r * m + r];
  }
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    basis(tOf(k), p);
    let s = 0;
    for (let j = 0; j < m; j++) s += coef[j] * p[j];
    out[k] = s;
  }
  return out;
}

/** Centred moving average of odd length `width` (shrinking at the ends), via running sums. */
function movingAverage(x: Float64Array, width: number): Float64Array {
  const n = x.length;
  const half = Math.floor(width / 2);
  const prefix = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) prefix[k + 1] = prefix[k] + x[k];
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const lo = Math.max(0, k - half);
    const hi = Math.min(n, k + half + 1);
    out[k] = (prefix[hi] - prefix[lo]) / (hi - lo);
  }
  return out;
}

/**
 * Applies an FID baseline correction; returns the corrected copy and the number of boxcar points used by a
 * filter (0 otherwise).
 */
export function correctFidBaseline(
  fid: ComplexSignal,
  option: FidBaselineOption,
  swHz: number,
): { re: Float64Array; im: Float64Array; filterPoints: number } {
  const n = fid.re.length;
  const re = new Float64Array(fid.re);
  const im = new Float64Array(fid.im);
  if (option.kind === 'none' || n === 0) return { re, im, filterPoints: 0 };
  if (option.kind === 'dc') {
    const or = tailMean(re);
    const oi = tailMean(im);
    for (let k = 0; k < n; k++) {
      re[k] -= or;
      im[k] -= oi;
    }
    return { re, im, filterPoints: 0 };
  }
  if (option.kind === 'polynomial') {
    const pr = polynomialFit(re, option.degree);
    const pi = polynomialFit(im, option.degree);
    for (let k = 0; k < n; k++) {
      re[k] -= pr[k];
      im[k] -= pi[k];
    }
    return { re, im, filterPoints: 0 };
  }
  if (!(option.widthHz > 0) || !(swHz > 0))
    throw new ParameterError('filter width must be positive', {
      field: 'BCFW',
      found: option.widthHz,
      expected: '> 0 Hz',
    });
  // Demodulate to the filter centre: a line at +f Hz is exp(+2πi f t) in the stored FID.
  const w = -2 * Math.PI * (option.centreHz / swHz);
  const dr = new Float64Array(n);
  const di = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const c = Math.cos(w * k);
    const s = Math.sin(w * k);
    dr[k] = re[k] * c - im[k] * s;
    di[k] = re[k] * s + im[k] * c;
  }
  let width = Math.max(1, Math.round(swHz / option.widthHz));
  if (width % 2 === 0) width += 1;
  const lr = movingAverage(movingAverage(dr, width), width);
  const li = movingAverage(movingAverage(di, width), width);
  for (let k = 0; k < n; k++) {
    // Remodulate the low-pass part and subtract it.
    const c = Math.cos(-w * k);
    const s = Math.sin(-w * k);
    re[k] -= lr[k] * c - li[k] * s;
    im[k] -= lr[k] * s + li[k] * c;
  }
  return { re, im, filterPoints: width };
}
