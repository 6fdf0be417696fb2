/**
 * Synthetic Bruker-like ⁷Li FIDs with known truth for the processing tests: Voigt lines (exact in the time
 * domain, first point halved as a digital filter's output at the signal's onset), a fractional
 * digital-filter group delay applied as a band-limited delay (as a linear-phase FIR filter does), a random receiver phase, Gaussian noise, and optional rounding to int32.
 */
import FFT from 'fft.js';
import type { AcquisitionMeta, Fid } from '../../src/core/types.js';
import { createRng } from '../../src/sim/random.js';

export interface Line {
  readonly shiftPpm: number;
  /** Area in arbitrary units (integral of the absorption line over Hz, up to a constant). */
  readonly amplitude: number;
  /** Lorentzian FWHM, ppm. */
  readonly lorentzPpm: number;
  /** Gaussian FWHM, ppm. */
  readonly gaussPpm: number;
}

export interface SynthSpec {
  readonly lines: readonly Line[];
  readonly points: number;
  readonly swHz: number;
  readonly bf1MHz: number;
  /** Carrier position, ppm. */
  readonly carrierPpm: number;
  readonly groupDelayPoints: number;
  readonly phaseDeg: number;
  /** Noise standard deviation per real/imaginary channel, as a fraction of |FID(0)|. */
  readonly noiseFraction: number;
  readonly seed: number;
  readonly int32?: boolean;
}

/** Uniform deviates on [0, 1) from the simulator's seeded generator (mulberry32). */
export function rng(seed: number): () => number {
  return createRng(seed).uniform;
}

/** Box–Muller normal deviates, one per pair of uniforms. */
export function normal(u: () => number): () => number {
  return () => {
    const r = Math.sqrt(-2 * Math.log(u() + 1e-300));
    return r * Math.cos(2 * Math.PI * u());
  };
}

export function synthFid(spec: SynthSpec): Fid {
  const n = spec.points;
  const dt = 1 / spec.swHz;
  const sfo1MHz = spec.bf1MHz * (1 + spec.carrierPpm * 1e-6);
  const big = 4 * n; // room so the delayed band-limited signal does not wrap
  const buf = new Float64Array(2 * big);
  for (const line of spec.lines) {
    // Offset from the carrier in Hz (positive = higher ppm); Bruker data rotate as e^{+2πiνt}.
    const nuHz = (line.shiftPpm * 1e-6 * spec.bf1MHz + spec.bf1MHz - sfo1MHz) * 1e6;
    const lwL = line.lorentzPpm * spec.bf1MHz; // Hz
    const lwG = line.gaussPpm * spec.bf1MHz;
    for (let k = 0; k < n; k++) {
      const t = k * dt;
      const env = line.amplitude * Math.exp(-Math.PI * lwL * t - (Math.PI * lwG * t) ** 2 / (4 * Math.LN2));
      const a = 2 * Math.PI * nuHz * t;
      buf[2 * k] += env * Math.cos(a);
      buf[2 * k + 1] += env * Math.sin(a);
    }
  }
  // A digital receiver samples the band-limited step at t = 0, i.e. half the first point.
  buf[0] *= 0.5;
  buf[1] *= 0.5;
  // Band-limited fractional delay: multiply the spectrum by e^{−2πi f τ}, f in cycles per point.
  const fft = new FFT(big);
  const spectrum = fft.createComplexArray() as number[];
  fft.transform(spectrum, buf);
  for (let k = 0; k < big; k++) {
    const f = (k < big / 2 ? k : k - big) / big;
    const ang = -2 * Math.PI * f * spec.groupDelayPoints + (spec.phaseDeg * Math.PI) / 180;
    const c = Math.cos(ang);
    const s = Math.sin(ang);
    const re = spectrum[2 * k];
    const im = spectrum[2 * k + 1];
    spectrum[2 * k] = re * c - im * s;
    spectrum[2 * k + 1] = re * s + im * c;
  }
  const delayed = fft.createComplexArray() as number[];
  fft.inverseTransform(delayed, spectrum);
  let peak = 0;
  for (let k = 0; k < n; k++) peak = Math.max(peak, Math.hypot(delayed[2 * k], delayed[2 * k + 1]));
  const gauss = normal(rng(spec.seed));
  const sigma = spec.noiseFraction * peak;
  const scale = spec.int32 ? 2 ** 24 / peak : 1;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let x = (delayed[2 * k] + sigma * gauss()) * scale;
    let y = (delayed[2 * k + 1] + sigma * gauss()) * scale;
    if (spec.int32) {
      x = Math.round(x);
      y = Math.round(y);
    }
    re[k] = x;
    im[k] = y;
  }
  const meta: AcquisitionMeta = {
    source: `synthetic seed ${spec.seed}`,
    nucleus: '7Li',
    sfo1MHz,
    bf1MHz: spec.bf1MHz,
    o1Hz: (sfo1MHz - spec.bf1MHz) * 1e6,
    swHz: spec.swHz,
    complexPoints: n,
    groupDelayPoints: spec.groupDelayPoints,
    scans: 1,
    dummyScans: 0,
    recycleDelayS: 1,
    acquisitionTimeS: n * dt,
    receiverGain: 1,
    pulseProgram: 'zg',
    startMs: 0,
    endMs: 1000,
  };
  return { re, im, meta };
}
