/**
 * Time-domain steps before the Fourier transform: DC-offset removal and apodization (window functions).
 * All functions return new arrays; the input is never modified.
 */
import { ParameterError, DataError } from '../core/errors.js';
import type { ComplexSignal } from './types.js';

/** Window functions, named and parametrised as in TopSpin (WDW = 1 EM, 2 GM, 3 SINE, 4 QSINE). */
export type WindowFunction =
  | { readonly kind: 'none' }
  /** EM: exp(−π·LB·t). Positive LB broadens each line by LB Hz (Lorentzian FWHM). */
  | { readonly kind: 'exponential'; readonly lbHz: number }
  /** Pure Gaussian broadening: exp(−(π·GB·t)²/(4 ln 2)) turns a δ line into a Gaussian of FWHM GB Hz. */
  | { readonly kind: 'gaussian'; readonly gbHz: number }
  /**
   * GM (Lorentz-to-Gauss): exp(−a·t − b·t²), a = π·LB, b = −a/(2·GB·AQ); LB < 0 Hz, 0 < GB < 1 is where the
   * window peaks as a fraction of the acquisition time AQ (Bruker processing reference, command `gm`).
   */
  | { readonly kind: 'lorentz-gauss'; readonly lbHz: number; readonly gbFraction: number }
  /** SINE / QSINE: sin(φ + (π − φ)·t/AQ) (squared for QSINE), φ = π/SSB, SSB < 2 → φ = 0. */
  | { readonly kind: 'sine' | 'sine-squared'; readonly ssb: number };

function checkFinite(value: number, field: string): void {
  if (!Number.isFinite(value)) throw new ParameterError('must be a finite number', { field, found: value });
}

/** Window weights for n points sampled at SW_h (dwell 1/SW_h). */
export function windowWeights(window: WindowFunction, n: number, swHz: number): Float64Array {
  if (!Number.isInteger(n) || n < 1)
    throw new DataError('no points to apodize', { field: 'fid', found: n, expected: '≥ 1' });
  if (!Number.isFinite(swHz) || swHz <= 0)
    throw new ParameterError('spectral width must be positive', {
      field: 'SW_h',
      found: swHz,
      expected: '> 0',
    });
  const w = new Float64Array(n);
  const dt = 1 / swHz;
  const aqS = n * dt;
  switch (window.kind) {
    case 'none':
      w.fill(1);
      break;
    case 'exponential': {
      checkFinite(window.lbHz, 'LB');
      // exp(−π·LB·k·dt) as a running product: one multiplication per point.
      const step = Math.exp(-Math.PI * window.lbHz * dt);
      let v = 1;
      for (let k = 0; k < n; k++) {
        if ((k & 1023) === 0) v = Math.exp(-Math.PI * window.lbHz * k * dt); // resynchronise against drift
        w[k] = v;
        v *= step;
      }
      break;
    }
    case 'gaussian': {
      checkFinite(window.gbHz, 'GB');
      if (window.gbHz < 0)
        throw new ParameterError('Gaussian broadening must be ≥ 0 Hz', {
          field: 'GB',
          found: window.gbHz,
          expected: '≥ 0',
        });
      const c = (Math.PI * window.gbHz) ** 2 / (4 * Math.LN2);
      for (let k = 0; k < n; k++) {
        const t = k * dt;
        w[k] = Math.exp(-c * t * t);
      }
      break;
    }
    case 'lorentz-gauss': {
      checkFinite(window.lbHz, 'LB');
      checkFinite(window.gbFraction, 'GB');
      if (window.lbHz >= 0)
        throw new ParameterError('Lorentz-to-Gauss needs a negative LB', {
          field: 'LB',
          found: window.lbHz,
          expected: '< 0 Hz',
        });
      if (window.gbFraction <= 0 || window.gbFraction >= 1) {
        throw new ParameterError('Lorentz-to-Gauss needs 0 < GB < 1', {
          field: 'GB',
          found: window.gbFraction,
          expected: '0 < GB < 1',
        });
      }
      const a = Math.PI * window.lbHz;
      const b = -a / (2 * window.gbFraction * aqS);
      for (let k = 0; k < n; k++) {
        const t = k * dt;
        w[k] = Math.exp(-a * t - b * t * t);
      }
      break;
    }
    case 'sine':
    case 'sine-squared': {
      checkFinite(window.ssb, 'SSB');
      const phi = window.ssb >= 2 ? Math.PI / window.ssb : 0;
      const squared = window.kind === 'sine-squared';
      for (let k = 0; k < n; k++) {
        const s = Math.sin(phi + ((Math.PI - phi) * k) / n);
        w[k] = squared ? s * s : s;
      }
      break;
    }
  }
  return w;
}

/** Multiplies the FID by a window function; returns a new signal. */
export function apodize(
  fid: ComplexSignal,
  window: WindowFunction,
  swHz: number,
): { re: Float64Array; im: Float64Array } {
  const n = fid.re.length;
  const w = windowWeights(window, n, swHz);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    re[k] = fid.re[k] * w[k];
    im[k] = fid.im[k] * w[k];
  }
  return { re, im };
}

/**
 * Subtracts the receiver's DC offset, estimated as the mean of the last `tailFraction` of the FID where
 * the signal has decayed (a DC offset becomes a spike at the carrier frequency after the FFT; TopSpin's
 * BC_mod does the same job). Returns the corrected signal and the offset removed.
 */
export function removeDcOffset(
  fid: ComplexSignal,
  tailFraction = 0.25,
): { re: Float64Array; im: Float64Array; offsetRe: number; offsetIm: number } {
  const { offsetRe, offsetIm } = dcOffset(fid, tailFraction);
  const n = fid.re.length;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    re[k] = fid.re[k] - offsetRe;
    im[k] = fid.im[k] - offsetIm;
  }
  return { re, im, offsetRe, offsetIm };
}

/** The DC offset removeDcOffset subtracts (mean of the last `tailFraction` of the FID), without applying it. */
export function dcOffset(fid: ComplexSignal, tailFraction = 0.25): { offsetRe: number; offsetIm: number } {
  const n = fid.re.length;
  if (!(tailFraction > 0 && tailFraction <= 1)) {
    throw new ParameterError('DC tail fraction must be in (0, 1]', {
      field: 'tailFraction',
      found: tailFraction,
      expected: '0 < f ≤ 1',
    });
  }
  if (n === 0) throw new DataError('the FID holds no points', { field: 'fid', found: 0 });
  const start = Math.min(n - 1, Math.floor(n * (1 - tailFraction)));
  let sr = 0;
  let si = 0;
  for (let k = start; k < n; k++) {
    sr += fid.re[k];
    si += fid.im[k];
  }
  const count = n - start;
  return { offsetRe: sr / count, offsetIm: si / count };
}
