/**
 * Phase correction: manual zeroth/first order with a pivot, group-delay removal as a linear phase, and
 * magnitude mode. Conventions follow TopSpin so that PHC0/PHC1 from `procs` reproduce its `1r`:
 *
 *   φ(i) = PH0 + PH1 · (i − i_pivot) / SI,   spectrum ← spectrum · e^{+iφ(i)}
 *
 * with i counted from the high-ppm end. TopSpin stores PHC0/PHC1 for a pivot at the first point
 * (i_pivot = 0), which is the default here. Written in ppm: φ(δ) = PH0 + PH1·(δ_pivot − δ)/SW_ppm.
 * The sign and pivot were settled against TopSpin data: coffee-1h/20 and /21 (PHC0 only) reproduce
 * `1r`, and aspirin-1h/1 (PHC1 = 9.2°) is cleanly absorptive only with this sign and origin.
 */
import { ParameterError } from '../core/errors.js';
import type { Spectrum } from '../core/types.js';
import type { ComplexSignal } from './types.js';

const DEG = Math.PI / 180;

/**
 * Writes (re + i·im)·e^{i(phi0 + k·dphi)} for k = 0…n−1 into outRe/outIm (may alias the inputs).
 * The per-point rotation uses a complex recurrence, resynchronised every 256 points so rounding does
 * not accumulate (error stays ≈1e-14 relative).
 */
export function rotateLinear(
  re: Float64Array,
  im: Float64Array,
  phi0Rad: number,
  dphiRad: number,
  outRe: Float64Array,
  outIm: Float64Array,
): void {
  const n = re.length;
  const cs = Math.cos(dphiRad);
  const sn = Math.sin(dphiRad);
  let c = 1;
  let s = 0;
  for (let k = 0; k < n; k++) {
    if ((k & 255) === 0) {
      const a = phi0Rad + k * dphiRad;
      c = Math.cos(a);
      s = Math.sin(a);
    }
    const r = re[k];
    const q = im[k];
    outRe[k] = r * c - q * s;
    outIm[k] = r * s + q * c;
    const c2 = c * cs - s * sn;
    s = c * sn + s * cs;
    c = c2;
  }
}

/** Fractional index of a ppm value on a uniform descending (or ascending) axis. */
export function ppmToIndex(ppm: Float64Array, valuePpm: number): number {
  const n = ppm.length;
  if (n < 2) return 0;
  const step = (ppm[n - 1] - ppm[0]) / (n - 1);
  return (valuePpm - ppm[0]) / step;
}

/**
 * Zeroth/first-order phase correction (degrees) about a pivot (ppm; default the first point, TopSpin's
 * PHC0/PHC1 convention). Returns a new spectrum.
 */
export function phase(spectrum: Spectrum, ph0Deg: number, ph1Deg: number, pivotPpm?: number): Spectrum {
  if (!Number.isFinite(ph0Deg))
    throw new ParameterError('phase must be a finite number of degrees', { field: 'ph0', found: ph0Deg });
  if (!Number.isFinite(ph1Deg))
    throw new ParameterError('phase must be a finite number of degrees', { field: 'ph1', found: ph1Deg });
  if (pivotPpm !== undefined && !Number.isFinite(pivotPpm)) {
    throw new ParameterError('pivot must be a finite ppm value', { field: 'pivotPpm', found: pivotPpm });
  }
  const n = spectrum.re.length;
  const pivotIndex = pivotPpm === undefined ? 0 : ppmToIndex(spectrum.ppm, pivotPpm);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  rotateLinear(
    spectrum.re,
    spectrum.im,
    (ph0Deg - (ph1Deg * pivotIndex) / n) * DEG,
    (ph1Deg / n) * DEG,
    re,
    im,
  );
  return { ...spectrum, re, im };
}

/**
 * Removes the digital filter's group delay (in points, fractional allowed) from a transformed spectrum.
 * A delay of g points is a circular time shift, i.e. a first-order phase of 360·g degrees across the
 * spectrum; with the origin at the first (high-ppm) point this is the convention TopSpin's PHC0 assumes
 * (aspirin-1h/1, GRPDLY 61.02 from DECIM 24 / DSPFVS 10, phases cleanly with its own PHC0 only so).
 */
export function removeGroupDelay<T extends ComplexSignal>(spectrum: T, groupDelayPoints: number): T {
  if (!Number.isFinite(groupDelayPoints) || groupDelayPoints < 0) {
    throw new ParameterError('group delay must be a non-negative number of points', {
      field: 'GRPDLY',
      found: groupDelayPoints,
      expected: '≥ 0',
    });
  }
  const n = spectrum.re.length;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  rotateLinear(spectrum.re, spectrum.im, 0, (2 * Math.PI * groupDelayPoints) / n, re, im);
  return { ...spectrum, re, im };
}

/** Power spectrum re² + im² (TopSpin `ps`); the imaginary part becomes zero. */
export function powerSpectrum(spectrum: Spectrum): Spectrum {
  const n = spectrum.re.length;
  const re = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = spectrum.re[i] * spectrum.re[i] + spectrum.im[i] * spectrum.im[i];
  return { ...spectrum, re, im: new Float64Array(n) };
}

/** Magnitude mode: real part ← |z|, imaginary part ← 0. Phase-free, lines broaden (dispersion tails). */
export function magnitude(spectrum: Spectrum): Spectrum {
  const n = spectrum.re.length;
  const re = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = Math.hypot(spectrum.re[i], spectrum.im[i]);
  return { ...spectrum, re, im: new Float64Array(n) };
}
