/**
 * One static spectrum of a few metal lines with a known receiver phase and known noise, made the way the
 * virtual spectrometer makes its FIDs (sampled Voigt FIDs, first point halved, discrete Fourier transform)
 * but returned directly as a complex spectrum on a ppm axis — fast enough for coverage tests over hundreds
 * of noisy realisations. The phase is applied to the whole spectrum (zeroth order, optionally a linear
 * term in ppm), and complex white noise is added after the transform (white noise in the FID stays white).
 */
import FFT from 'fft.js';
import { ParameterError } from '../core/errors.js';
import { getNucleus, larmorFromFieldMHz } from '../core/nuclei.js';
import type { Spectrum } from '../core/types.js';
import { createRng } from './random.js';
import { idealFid, type Component } from './spectrometer.js';

export interface PhasedLine {
  readonly shiftPpm: number;
  /** Relative area (fractions are area ratios). */
  readonly area: number;
  readonly gaussFwhmPpm: number;
  readonly lorentzFwhmPpm: number;
}

export interface PhasedSpectrumOptions {
  readonly lines: readonly PhasedLine[];
  /** Receiver phase added to pure absorption, degrees. */
  readonly phaseDeg: number;
  /** Linear phase, degrees per ppm about `pivotPpm` (default 0). */
  readonly phase1DegPerPpm?: number;
  readonly pivotPpm?: number;
  /** rms noise per channel relative to the tallest point of the noiseless absorption spectrum in `noiseReferencePpm`. */
  readonly noiseRelative: number;
  /** Range whose tallest point sets the noise level (default the whole spectrum), ppm. */
  readonly noiseReferencePpm?: readonly [number, number];
  readonly seed: number;
  readonly nucleus?: string;
  readonly fieldT?: number;
  readonly carrierPpm?: number;
  readonly swHz?: number;
  readonly complexPoints?: number;
}

export interface PhasedSpectrum extends Spectrum {
  /** rms noise per channel, spectrum units. */
  readonly noiseRms: number;
  /** Tallest point of the noiseless absorption spectrum (in the noise reference range). */
  readonly peakHeight: number;
}

/** The spectrum of `lines` as an operator sees it before phasing (high ppm first, as Bruker stores it). */
export function simulatePhasedSpectrum(o: PhasedSpectrumOptions): PhasedSpectrum {
  const n = o.complexPoints ?? 8192;
  if (!(Number.isInteger(n) && n >= 16 && (n & (n - 1)) === 0))
    throw new ParameterError('points must be a power of two', { field: 'complexPoints', found: n });
  if (!(o.noiseRelative >= 0))
    throw new ParameterError('noise must not be negative', {
      field: 'noiseRelative',
      found: o.noiseRelative,
    });
  const nucleus = getNucleus(o.nucleus ?? '7Li');
  const bf1MHz = (nucleus.xiPercent / 100) * larmorFromFieldMHz(getNucleus('1H'), o.fieldT ?? 9.4);
  const carrier = o.carrierPpm ?? 125;
  const sfo1MHz = bf1MHz + (carrier * bf1MHz) / 1e6;
  const swHz = o.swHz ?? 200_000;
  const acq = { swHz, complexPoints: n, bf1MHz, sfo1MHz };
  const components: Component[] = o.lines.map((l) => ({ name: 'dense', ...l }));
  const fid = idealFid(components, acq);
  const fft = new FFT(n);
  const input = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    input[2 * k] = fid.re[k];
    input[2 * k + 1] = -fid.im[k]; // Bruker's sense of rotation: high ppm at low index
  }
  const out = new Float64Array(2 * n);
  fft.transform(out, input);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const ppm = new Float64Array(n);
  const half = n >> 1;
  for (let k = 0; k < n; k++) {
    const i = k < half ? k + half : k - half;
    re[i] = out[2 * k];
    // As processed Bruker spectra: dispersion positive above each line on the ppm axis.
    im[i] = out[2 * k + 1];
  }
  for (let i = 0; i < n; i++) ppm[i] = ((sfo1MHz - bf1MHz) * 1e6 + swHz / 2 - (i * swHz) / n) / bf1MHz;
  const [lo, hi] = o.noiseReferencePpm
    ? [Math.min(...o.noiseReferencePpm), Math.max(...o.noiseReferencePpm)]
    : [-Infinity, Infinity];
  let peak = 0;
  for (let i = 0; i < n; i++) if (ppm[i] >= lo && ppm[i] <= hi) peak = Math.max(peak, re[i]);
  const sigma = o.noiseRelative * peak;
  const rng = createRng(o.seed);
  const pivot = o.pivotPpm ?? 0;
  const ph1 = o.phase1DegPerPpm ?? 0;
  for (let i = 0; i < n; i++) {
    const phi = ((o.phaseDeg + ph1 * (ppm[i] - pivot)) * Math.PI) / 180;
    const c = Math.cos(phi);
    const s = Math.sin(phi);
    const a = re[i];
    const b = im[i];
    re[i] = c * a - s * b + sigma * rng.normal();
    im[i] = s * a + c * b + sigma * rng.normal();
  }
  return { re, im, ppm, sfMHz: bf1MHz, noiseRms: sigma, peakHeight: peak };
}
