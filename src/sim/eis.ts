/**
 * Virtual impedance measurements with known truth: R0 + L + series ZARC elements, optional noise
 * proportional to |Z|, optional drift of element resistances while the sweep runs (a non-stationary cell,
 * which Kramers–Kronig tests must reject), and dynamic EIS series in which an interphase resistance
 * grows between spectra (e.g. SEI growth during polarisation).
 */
import { ParameterError } from '../core/errors.js';
import { zarcImpedance } from '../eis/analytic.js';
import type { CyclerRecords, RecordColumn } from '../io/cycler/types.js';
import { formatWallClock, wallClockFromUtcMs } from '../io/cycler/time.js';
import type { ImpedanceSpectrum, TimedSpectrum } from '../io/eis/types.js';

export interface ZarcElement {
  readonly rOhm: number;
  readonly tau0S: number;
  /** CPE exponent, 0 < φ ≤ 1. */
  readonly phi: number;
}

export interface CellModel {
  readonly r0Ohm: number;
  readonly inductanceH?: number;
  readonly zarcs: readonly ZarcElement[];
}

export interface SweepOptions {
  /** Relative Gaussian noise on Z′ and Z″, fraction of |Z| (default 0). */
  noise?: number;
  /** Seed of the noise generator. */
  seed?: number;
  /** Time spent per point, s: sum of this and `cyclesPerPoint` periods (defaults 0.2 s and 2 periods). */
  settleS?: number;
  cyclesPerPoint?: number;
  /**
   * Relative change per second of each ZARC resistance during the sweep (same length as zarcs): the
   * cell is not stationary, so the spectrum is not Kramers–Kronig consistent.
   */
  driftPerS?: readonly number[];
  /** Start time of the sweep, s (for timeS). */
  startS?: number;
}

/** Log-spaced sweep from fStartHz to fEndHz with `perDecade` points per decade (both ends included). */
export function logSweep(fStartHz: number, fEndHz: number, perDecade: number): Float64Array {
  if (!(fStartHz > 0 && fEndHz > 0 && fStartHz !== fEndHz && perDecade > 0)) {
    throw new ParameterError('sweep needs two distinct positive frequencies and points per decade > 0', {
      field: 'sweep',
      found: [fStartHz, fEndHz, perDecade],
      expected: 'fStart ≠ fEnd > 0, perDecade > 0',
    });
  }
  const decades = Math.log10(fEndHz / fStartHz);
  const n = Math.round(Math.abs(decades) * perDecade) + 1;
  return Float64Array.from({ length: n }, (_, i) => fStartHz * Math.pow(10, (decades * i) / (n - 1)));
}

/** Park–Miller generator with Box–Muller normals: reproducible noise without global state. */
export function gaussianNoise(seed: number): () => number {
  let state = Math.max(1, Math.floor(Math.abs(seed)) % 2147483647);
  const uniform = () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    const u = Math.max(uniform(), 1e-300);
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** Exact impedance of the model at one frequency. */
export function cellImpedance(
  model: CellModel,
  freqHz: number,
  zarcScale?: readonly number[],
): [number, number] {
  let re = model.r0Ohm;
  let im = 2 * Math.PI * freqHz * (model.inductanceH ?? 0);
  model.zarcs.forEach((z, k) => {
    const [a, b] = zarcImpedance(freqHz, z.rOhm * (zarcScale?.[k] ?? 1), z.tau0S, z.phi);
    re += a;
    im += b;
  });
  return [re, im];
}

/** Simulates one sweep of the model over `freqHz` (in the given order). */
export function simulateSweep(
  model: CellModel,
  freqHz: Float64Array,
  options: SweepOptions = {},
): ImpedanceSpectrum {
  for (const z of model.zarcs) {
    if (!(z.rOhm >= 0 && z.tau0S > 0 && z.phi > 0 && z.phi <= 1)) {
      throw new ParameterError('ZARC parameters out of range', {
        field: 'zarcs',
        found: z,
        expected: 'rOhm ≥ 0, tau0S > 0, 0 < phi ≤ 1',
      });
    }
  }
  const n = freqHz.length;
  const rand = gaussianNoise(options.seed ?? 1);
  const noise = options.noise ?? 0;
  const settle = options.settleS ?? 0.2;
  const cycles = options.cyclesPerPoint ?? 2;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const timeS = new Float64Array(n);
  let t = options.startS ?? 0;
  for (let i = 0; i < n; i++) {
    const dwell = settle + cycles / freqHz[i];
    const mid = t + dwell / 2;
    const elapsed = mid - (options.startS ?? 0);
    const scale = options.driftPerS ? options.driftPerS.map((d) => 1 + d * elapsed) : undefined;
    const [a, b] = cellImpedance(model, freqHz[i], scale);
    const mod = Math.hypot(a, b);
    re[i] = a + noise * mod * rand();
    im[i] = b + noise * mod * rand();
    timeS[i] = mid;
    t += dwell;
  }
  return {
    freqHz: Float64Array.from(freqHz),
    zReOhm: re,
    zImOhm: im,
    timeS,
    source: 'simulated',
    format: 'simulated',
  };
}

export interface DeisSeriesOptions extends SweepOptions {
  /** Number of spectra (default 20). */
  count?: number;
  /** Time between sweep starts, s (default 600). */
  intervalS?: number;
  /** Index of the ZARC whose resistance changes with time (default 0). */
  driftingElement?: number;
  /** Its resistance at the end relative to the start (default 2: doubles linearly over the series). */
  finalRatio?: number;
  /** Absolute start, epoch ms (optional). */
  startMs?: number;
}

export interface SimulatedDeis {
  readonly series: TimedSpectrum[];
  /** True resistance of every ZARC at each spectrum's mid time, Ω (series × zarcs). */
  readonly trueResistanceOhm: number[][];
}

/**
 * A dynamic EIS series: each spectrum is stationary (no drift inside a sweep) but the chosen element's
 * resistance grows linearly from one spectrum to the next.
 */
export function simulateDeisSeries(
  model: CellModel,
  freqHz: Float64Array,
  options: DeisSeriesOptions = {},
): SimulatedDeis {
  const count = options.count ?? 20;
  const interval = options.intervalS ?? 600;
  const k = options.driftingElement ?? 0;
  const ratio = options.finalRatio ?? 2;
  if (!Number.isInteger(count) || count < 1)
    throw new ParameterError('series needs at least one spectrum', {
      field: 'count',
      found: count,
      expected: 'integer ≥ 1',
    });
  if (k < 0 || k >= model.zarcs.length)
    throw new ParameterError('drifting element out of range', {
      field: 'driftingElement',
      found: k,
      expected: `0..${model.zarcs.length - 1}`,
    });
  const series: TimedSpectrum[] = [];
  const truth: number[][] = [];
  for (let s = 0; s < count; s++) {
    const frac = count === 1 ? 0 : s / (count - 1);
    const zarcs = model.zarcs.map((z, i) =>
      i === k ? { ...z, rOhm: z.rOhm * (1 + (ratio - 1) * frac) } : z,
    );
    const start = s * interval;
    const spectrum = simulateSweep({ ...model, zarcs }, freqHz, {
      ...options,
      driftPerS: undefined,
      startS: start,
      seed: (options.seed ?? 1) + 7919 * s,
    });
    const times = spectrum.timeS as Float64Array;
    const mid = (times[0] + times[times.length - 1]) / 2;
    series.push({
      spectrum: {
        ...spectrum,
        source: `simulated#${s}`,
        ...(options.startMs !== undefined ? { startMs: options.startMs } : {}),
      },
      timeS: mid,
      ...(options.startMs !== undefined ? { timeMs: options.startMs + mid * 1000 } : {}),
    });
    truth.push(zarcs.map((z) => z.rOhm));
  }
  return { series, trueResistanceOhm: truth };
}

/**
 * Simulated sweeps as the record an EC-Lab PEIS export holds (freq/Hz, Re(Z)/Ohm, −Im(Z)/Ohm, |Z|, phase,
 * time/s after `startMs`, cycle number = sweep), for writeMpt with the PEIS technique title.
 */
export function peisRecords(
  sweeps: readonly ImpedanceSpectrum[],
  startMs: number,
  areaCm2: number,
  source = 'virtual potentiostat (PEIS)',
): CyclerRecords {
  const cols = {
    f: [] as number[],
    re: [] as number[],
    mim: [] as number[],
    mod: [] as number[],
    ph: [] as number[],
    t: [] as number[],
    k: [] as number[],
  };
  sweeps.forEach((s, k) => {
    for (let i = 0; i < s.freqHz.length; i++) {
      const re = s.zReOhm[i];
      const im = s.zImOhm[i];
      cols.f.push(s.freqHz[i]);
      cols.re.push(re);
      cols.mim.push(-im);
      cols.mod.push(Math.hypot(re, im));
      cols.ph.push((Math.atan2(im, re) * 180) / Math.PI);
      cols.t.push(s.timeS?.[i] ?? 0);
      cols.k.push(k + 1);
    }
  });
  const column = (key: string, original: string, unit: string | null, values: number[]): RecordColumn => ({
    key,
    original,
    unit,
    values: Float64Array.from(values),
  });
  return {
    source,
    format: 'simulated',
    technique: 'PEIS',
    startLocal: formatWallClock(wallClockFromUtcMs(startMs)),
    startMs,
    timezone: 'UTC',
    rowCount: cols.f.length,
    columns: [
      column('freq_Hz', 'freq/Hz', 'Hz', cols.f),
      column('re_z_ohm', 'Re(Z)/Ohm', 'Ohm', cols.re),
      column('minus_im_z_ohm', '-Im(Z)/Ohm', 'Ohm', cols.mim),
      column('abs_z_ohm', '|Z|/Ohm', 'Ohm', cols.mod),
      column('phase_z_deg', 'Phase(Z)/deg', 'deg', cols.ph),
      column('time_s', 'time/s', 's', cols.t),
      column('cycle', 'cycle number', null, cols.k),
    ],
    warnings: [],
    meta: { electrodeArea: `${areaCm2} cm²` },
  };
}
