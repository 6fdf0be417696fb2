/**
 * Fourier transform of an FID into a spectrum in Bruker's order, and the ppm axis.
 *
 * Bruker's quadrature data need the complex conjugate before a forward FFT: with that, and the zero
 * frequency moved to the centre (fftshift), point i sits at offset (SI/2 − i)·SW/SI from the carrier, so
 * ppm decreases with index exactly as in TopSpin's `1r`. This was established on TopSpin's own
 * processed data (coffee-1h/20: Pearson 0.99999 against `pdata/1/1r`, see test/nmr/topspin.test.ts);
 * reversing the plain FFT instead shifts every point by one and gives 0.9992.
 */
import FFT from 'fft.js';
import { ParameterError, DataError } from '../core/errors.js';
import type { ComplexSignal, AxisSource } from './types.js';

/** Smallest power of two ≥ n (n ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  if (!Number.isFinite(n) || n < 1)
    throw new ParameterError('size must be a positive number', { field: 'size', found: n, expected: '≥ 1' });
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

// fft.js builds a twiddle table per size; a processing run uses one or two sizes, so keep them.
// This memo never changes a result, only avoids rebuilding the same table.
// The interleaved input and output buffers (2·size values each) are scratch too: nothing outside
// transformPrepared sees them, and a series of thousands of spectra would otherwise allocate and zero two
// fresh 128 KiB arrays per 8k spectrum.
interface Plan {
  readonly fft: FFT;
  readonly input: Float64Array;
  readonly output: Float64Array;
}
const plans = new Map<number, Plan>();
function planFor(size: number): Plan {
  let plan = plans.get(size);
  if (plan === undefined) {
    plan = { fft: new FFT(size), input: new Float64Array(2 * size), output: new Float64Array(2 * size) };
    plans.set(size, plan);
  }
  return plan;
}

export interface FourierResult {
  readonly re: Float64Array;
  readonly im: Float64Array;
}

/**
 * Zero-fills (or truncates) the FID to `sizePoints` complex points — rounded up to a power of two — and
 * Fourier transforms it into Bruker's frequency order (high ppm first). The FID is not modified.
 */
export function fourierTransform(fid: ComplexSignal, sizePoints: number = fid.re.length): FourierResult {
  return transformPrepared(fid, sizePoints, 0, 0, undefined);
}

/**
 * fourierTransform with the DC offset subtraction and window multiplication folded into the copy that
 * fills the FFT buffer (one pass instead of three; the processing pipeline uses it). `weights`, when
 * given, must hold one weight per FID point. `linearPhaseRad` ≠ 0 multiplies output point i by
 * e^{i·i·linearPhaseRad} (group-delay removal) during the fftshift copy.
 */
export function transformPrepared(
  fid: ComplexSignal,
  sizePoints: number,
  offsetRe: number,
  offsetIm: number,
  weights: Float64Array | undefined,
  linearPhaseRad = 0,
): FourierResult {
  if (fid.re.length !== fid.im.length) {
    throw new DataError('real and imaginary parts differ in length', {
      field: 'fid',
      found: [fid.re.length, fid.im.length],
    });
  }
  if (fid.re.length === 0)
    throw new DataError('the FID holds no points', { field: 'fid', found: 0, expected: '≥ 1 point' });
  if (weights !== undefined && weights.length < fid.re.length) {
    throw new ParameterError('fewer window weights than FID points', {
      field: 'weights',
      found: weights.length,
      expected: fid.re.length,
    });
  }
  const size = nextPowerOfTwo(sizePoints);
  const plan = planFor(size);
  const input = plan.input;
  const m = Math.min(size, fid.re.length);
  let finite = 0;
  for (let t = 0; t < m; t++) {
    const w = weights === undefined ? 1 : weights[t];
    const a = (fid.re[t] - offsetRe) * w;
    const b = -(fid.im[t] - offsetIm) * w; // conjugate: Bruker's sense of rotation
    input[2 * t] = a;
    input[2 * t + 1] = b;
    finite += a - a + (b - b); // stays 0 unless a value is NaN or ±Infinity
  }
  if (finite !== 0) {
    throw new DataError('the FID holds a non-finite value (NaN or infinity)', {
      field: 'fid',
      expected: 'finite numbers',
    });
  }
  // Zero filling: the tail of the reused buffer may hold an earlier, longer FID.
  input.fill(0, 2 * m);
  const out = plan.output;
  plan.fft.transform(out, input);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  const half = size >> 1;
  // fftshift: output bin k (frequency k, or k − size above the Nyquist) goes to index (k + half) mod size.
  if (linearPhaseRad === 0) {
    for (let k = 0; k < half; k++) {
      re[k + half] = out[2 * k];
      im[k + half] = out[2 * k + 1];
      re[k] = out[2 * (k + half)];
      im[k] = out[2 * (k + half) + 1];
    }
    return { re, im };
  }
  // With a linear phase: point i (after the shift) times e^{i·i·linearPhaseRad}, in the same pass. The
  // rotation is the recurrence of rotateLinear (resynchronised every 256 points), so the result is the
  // same, to the last bit, as shifting first and calling rotateLinear(re, im, 0, linearPhaseRad, …).
  const cs = Math.cos(linearPhaseRad);
  const sn = Math.sin(linearPhaseRad);
  let c = 1;
  let s = 0;
  for (let i = 0; i < size; i++) {
    if ((i & 255) === 0) {
      const a = i * linearPhaseRad;
      c = Math.cos(a);
      s = Math.sin(a);
    }
    const src = i < half ? 2 * (i + half) : 2 * (i - half);
    const r = out[src];
    const q = out[src + 1];
    re[i] = r * c - q * s;
    im[i] = r * s + q * c;
    const c2 = c * cs - s * sn;
    s = c * sn + s * cs;
    c = c2;
  }
  return { re, im };
}

/**
 * ppm of each point of a `size`-point spectrum from the acquisition parameters:
 * δ_i = ((SFO1 − SF)·10⁶ + SW/2 − i·SW/SI) / SF, with SF = BF1 unless given (TopSpin's SF after SR).
 * For TopSpin data this equals OFFSET − i·SW_p/SF/SI.
 */
export function ppmAxisFromAcquisition(
  acq: AxisSource,
  size: number,
  sfMHz: number = acq.bf1MHz,
): Float64Array {
  checkPositive(acq.swHz, 'SW_h');
  checkPositive(sfMHz, 'SF');
  checkPositive(acq.sfo1MHz, 'SFO1');
  const offsetPpm = ((acq.sfo1MHz - sfMHz) * 1e6 + acq.swHz / 2) / sfMHz;
  return ppmAxisFromOffset(offsetPpm, acq.swHz, sfMHz, size);
}

/** TopSpin's processed axis: point i at OFFSET − i·SW_p/SF/SI (ppm). */
export function ppmAxisFromOffset(
  offsetPpm: number,
  swpHz: number,
  sfMHz: number,
  size: number,
): Float64Array {
  if (!Number.isFinite(offsetPpm))
    throw new ParameterError('axis offset is not a finite number', { field: 'OFFSET', found: offsetPpm });
  checkPositive(swpHz, 'SW_p');
  checkPositive(sfMHz, 'SF');
  if (!Number.isInteger(size) || size < 1)
    throw new ParameterError('spectrum size must be a positive integer', { field: 'SI', found: size });
  const ppm = new Float64Array(size);
  const step = swpHz / sfMHz / size;
  for (let i = 0; i < size; i++) ppm[i] = offsetPpm - i * step;
  return ppm;
}

function checkPositive(value: number, field: string): void {
  if (!Number.isFinite(value) || value <= 0)
    throw new ParameterError('must be a positive number', { field, found: value, expected: '> 0' });
}

/**
 * First-point scaling done in the frequency domain: scaling the FID's t = 0 sample by `factor` subtracts
 * (1 − factor)·f(0) from every point, f(0) = mean of the complex spectrum (inverse DFT at t = 0). With
 * factor 0.5 the DFT becomes the trapezoid rule for the Fourier integral and the constant offset of
 * f(0)/2 disappears (Otting et al., J. Magn. Reson. 66 (1986) 187). It matters for broad lines, whose
 * peak height is only a few times f(0): the offset then biases phasing and integrals. Digitally filtered
 * data need no scaling (the filter's output at the step is already ≈ f(0)/2); analogue data do. Apply
 * after group-delay removal, when point 0 of the time signal is the t = 0 sample.
 */
export function scaleFirstPoint<T extends { readonly re: Float64Array; readonly im: Float64Array }>(
  spectrum: T,
  factor: number,
): T {
  if (!Number.isFinite(factor))
    throw new ParameterError('first-point factor must be a finite number', {
      field: 'firstPointScale',
      found: factor,
    });
  const n = spectrum.re.length;
  let sr = 0;
  let si = 0;
  for (let i = 0; i < n; i++) {
    sr += spectrum.re[i];
    si += spectrum.im[i];
  }
  const dr = ((1 - factor) * sr) / n;
  const di = ((1 - factor) * si) / n;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = spectrum.re[i] - dr;
    im[i] = spectrum.im[i] - di;
  }
  return { ...spectrum, re, im };
}
