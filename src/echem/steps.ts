/**
 * Step segmentation: where the cell changed what it was doing (rest, constant current, constant voltage,
 * a potential sweep, an impedance measurement) and what each step did (duration, charge in and out,
 * voltage at start and end).
 *
 * The technique decides the rules. Cyclic voltammetry (EC-Lab CV, CVA, LSV) is cut into sweeps where the
 * programmed potential (control/V, else Ewe) reverses direction, and where the instrument's cycle counter
 * or step changes. Impedance (PEIS, GEIS, and the impedance sequences of a Modulo Bat: rows with a
 * frequency) is neither charge nor discharge. OCV and wait are rest. Galvanostatic and other techniques
 * follow the rules below.
 *
 * With the instrument's step column (EC-Lab Ns, MACCOR Step) or control-mode column, boundaries are where
 * either changes: that is what the instrument did, no guessing. Without them, rows are classed by
 * current (rest below a threshold, else by sign) and a constant-current run that turns into a
 * constant-voltage hold (voltage pinned while the current decays) is split where the voltage pins.
 */
import { SECONDS_PER_HOUR } from '../core/constants.js';
import type { CyclerSeries } from './series.js';

export type StepType = 'rest' | 'cc' | 'cv' | 'sweep' | 'impedance' | 'other';
export type Direction = 'charge' | 'discharge' | 'none';
/**
 * What the step was, in one word: rest; charge or discharge (net current > 0 or < 0 under galvanostatic
 * or potentiostatic control); cv-sweep (one sweep of a cyclic voltammogram); impedance; hold (a
 * controlled step with no net current).
 */
export type StepTechnique = 'rest' | 'charge' | 'discharge' | 'cv-sweep' | 'impedance' | 'hold';

export interface Step {
  /** 0-based position in the record. */
  readonly index: number;
  /** First and last row (inclusive). */
  readonly startRow: number;
  readonly endRow: number;
  readonly startS: number;
  readonly endS: number;
  readonly durationS: number;
  readonly type: StepType;
  /** charge: net current > 0 (anodic at the working electrode); discharge: < 0; none for rest and impedance. */
  readonly direction: Direction;
  readonly technique: StepTechnique;
  /** Potential sweep direction of a CV sweep (anodic: rising), else null. */
  readonly sweep: 'anodic' | 'cathodic' | null;
  /** The instrument's cycle counter at the step's first row, when the record has one. */
  readonly instrumentCycle: number | null;
  /**
   * ∫I dt over the rows with I > 0 and |∫I dt| over those with I < 0 (trapezoids split at zero), mAh;
   * for a CV sweep up to the next sweep's first row.
   */
  readonly anodicChargeMAh: number;
  readonly cathodicChargeMAh: number;
  /** Instrument step number when the record has one. */
  readonly instrumentStep: number | null;
  /** Time-weighted mean current, mA. */
  readonly meanCurrentMA: number;
  readonly startVoltageV: number;
  readonly endVoltageV: number;
  /** Net charge over the step, Q(end) − Q(start), mAh. */
  readonly netChargeMAh: number;
  /** |net charge|: the step's capacity, mAh. */
  readonly capacityMAh: number;
  /** How the boundaries were found: the instrument's step/mode columns, behaviour, or sweep reversals. */
  readonly source: 'instrument' | 'behaviour' | 'sweep';
}

export interface SegmentOptions {
  /** |current| at or below this is rest, mA. Default: 0.1 % of the largest |current| in the record (at least 1e-9 mA). */
  restCurrentMA?: number;
  /** Largest relative spread of current in a constant-current step (default 0.02). */
  ccTolerance?: number;
  /** Largest voltage spread of a constant-voltage step, V (default 0.002). */
  cvToleranceV?: number;
  /** Ignore the instrument's step/mode columns and segment by behaviour. */
  ignoreInstrumentSteps?: boolean;
  /**
   * Smallest move against the sweep direction that counts as a reversal in a CV, V (default: 1 % of the
   * potential range, at least 1 mV).
   */
  sweepReversalV?: number;
}

/** Techniques recorded as potential sweeps. */
const SWEEP_TECHNIQUES = new Set(['CV', 'CVA', 'LSV']);
const IMPEDANCE_TECHNIQUES = new Set(['PEIS', 'GEIS']);
const REST_TECHNIQUES = new Set(['OCV', 'WAIT']);

type Opts = Required<Omit<SegmentOptions, 'ignoreInstrumentSteps' | 'sweepReversalV'>>;

/** ∫I⁺ dt and ∫|I⁻| dt over rows a…b, trapezoids split where the current crosses zero, mAh. */
function signedCharges(t: Float64Array, cur: Float64Array, a: number, b: number): [number, number] {
  let pos = 0;
  let neg = 0;
  for (let i = a + 1; i <= b; i++) {
    const dt = t[i] - t[i - 1];
    const y0 = cur[i - 1];
    const y1 = cur[i];
    if (y0 >= 0 && y1 >= 0) pos += 0.5 * (y0 + y1) * dt;
    else if (y0 <= 0 && y1 <= 0) neg -= 0.5 * (y0 + y1) * dt;
    else {
      const tz = (dt * Math.abs(y0)) / (Math.abs(y0) + Math.abs(y1));
      const first = 0.5 * y0 * tz;
      const second = 0.5 * y1 * (dt - tz);
      if (y0 > 0) {
        pos += first;
        neg -= second;
      } else {
        neg -= first;
        pos += second;
      }
    }
  }
  return [pos / SECONDS_PER_HOUR, neg / SECONDS_PER_HOUR];
}

/**
 * Rows where a potential sweep turns: the extreme before each move of more than `threshold` against the
 * running direction (so noise smaller than the threshold never reverses a sweep).
 */
export function sweepReversals(potential: ArrayLike<number>, threshold: number): number[] {
  const out: number[] = [];
  const n = potential.length;
  if (n < 3) return out;
  let dir = 0;
  let lo = 0;
  let hi = 0;
  let ext = 0;
  for (let i = 1; i < n; i++) {
    const p = potential[i];
    if (!Number.isFinite(p)) continue;
    if (dir === 0) {
      if (p < potential[lo]) lo = i;
      if (p > potential[hi]) hi = i;
      if (p - potential[lo] > threshold) {
        if (lo > 0 && potential[0] - potential[lo] > threshold) out.push(lo);
        dir = 1;
        ext = i;
      } else if (potential[hi] - p > threshold) {
        if (hi > 0 && potential[hi] - potential[0] > threshold) out.push(hi);
        dir = -1;
        ext = i;
      }
      continue;
    }
    if (dir > 0) {
      if (p >= potential[ext]) ext = i;
      else if (potential[ext] - p > threshold) {
        out.push(ext);
        dir = -1;
        ext = i;
      }
    } else if (p <= potential[ext]) ext = i;
    else if (p - potential[ext] > threshold) {
      out.push(ext);
      dir = 1;
      ext = i;
    }
  }
  return out.filter((r) => r > 0 && r < n - 1);
}

function classOf(current: number, rest: number): number {
  return Math.abs(current) <= rest ? 0 : current > 0 ? 1 : -1;
}

/** Rows [a, b] as a Step (type and direction from behaviour or mode). */
function describe(
  series: CyclerSeries,
  a: number,
  b: number,
  index: number,
  source: Step['source'],
  opts: Opts,
  kind: 'sweep' | 'impedance' | 'rest' | null = null,
): Step {
  const { timeS: t, voltageV: v, currentMA: cur, chargeMAh: q } = series;
  const duration = t[b] - t[a];
  let integral = 0;
  for (let i = a + 1; i <= b; i++) integral += 0.5 * (cur[i] + cur[i - 1]) * (t[i] - t[i - 1]);
  let mean = duration > 0 ? integral / duration : 0;
  if (duration === 0) {
    for (let i = a; i <= b; i++) mean += cur[i] / (b - a + 1);
  }
  let iMin = Infinity;
  let iMax = -Infinity;
  let vMin = Infinity;
  let vMax = -Infinity;
  for (let i = a; i <= b; i++) {
    iMin = Math.min(iMin, cur[i]);
    iMax = Math.max(iMax, cur[i]);
    vMin = Math.min(vMin, v[i]);
    vMax = Math.max(vMax, v[i]);
  }
  let type: StepType;
  const modeValue = series.mode ? majority(series.mode, a, b) : null;
  if (modeValue === 1) type = 'cc';
  else if (modeValue === 2) type = 'cv';
  else if (modeValue === 3) type = 'rest';
  else if (Math.max(Math.abs(iMin), Math.abs(iMax)) <= opts.restCurrentMA) type = 'rest';
  else if (iMax - iMin <= opts.ccTolerance * Math.abs(mean)) type = 'cc';
  else if (vMax - vMin <= opts.cvToleranceV) type = 'cv';
  else type = 'other';
  if (kind !== null) type = kind;
  const net = q[b] - q[a];
  const direction: Direction =
    type === 'rest' || type === 'impedance' || Math.abs(mean) <= opts.restCurrentMA
      ? 'none'
      : mean > 0
        ? 'charge'
        : 'discharge';
  const p = series.controlV ?? v;
  // A sweep runs on into the next one without a pause: it owns the interval up to the next sweep's
  // first row, so that the sweeps of a cycle add up to the cycle's whole charge.
  const [anodic, cathodic] = signedCharges(t, cur, a, type === 'sweep' ? Math.min(b + 1, t.length - 1) : b);
  const technique: StepTechnique =
    type === 'impedance'
      ? 'impedance'
      : type === 'sweep'
        ? 'cv-sweep'
        : type === 'rest'
          ? 'rest'
          : direction === 'none'
            ? 'hold'
            : direction;
  return {
    index,
    startRow: a,
    endRow: b,
    startS: t[a],
    endS: t[b],
    durationS: duration,
    type,
    direction,
    technique,
    sweep: type === 'sweep' ? (p[b] >= p[a] ? 'anodic' : 'cathodic') : null,
    instrumentCycle: series.cycle ? series.cycle[a] : null,
    anodicChargeMAh: anodic,
    cathodicChargeMAh: cathodic,
    instrumentStep: series.step ? series.step[a] : null,
    meanCurrentMA: mean,
    startVoltageV: v[a],
    endVoltageV: v[b],
    netChargeMAh: net,
    capacityMAh: Math.abs(net),
    source,
  };
}

function majority(values: Float64Array, a: number, b: number): number {
  const counts = new Map<number, number>();
  for (let i = a; i <= b; i++) counts.set(values[i], (counts.get(values[i]) ?? 0) + 1);
  let best = values[a];
  let bestCount = -1;
  for (const [k, c] of counts) if (c > bestCount) [best, bestCount] = [k, c];
  return best;
}

/** Splits a same-sign run into CC then CV where the voltage pins and the current starts to decay. */
function splitCcCv(series: CyclerSeries, a: number, b: number, opts: Opts): number[] {
  const { voltageV: v, currentMA: cur } = series;
  if (b - a < 4) return [a];
  const vEnd = v[b];
  let pin = b;
  while (pin > a && Math.abs(v[pin - 1] - vEnd) <= opts.cvToleranceV) pin--;
  if (pin <= a + 1 || pin >= b - 1) return [a];
  // Before the pin the current must be constant, after it decaying.
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = a; i < pin; i++) {
    lo = Math.min(lo, cur[i]);
    hi = Math.max(hi, cur[i]);
  }
  const ccMean = 0.5 * (lo + hi);
  const constantBefore = hi - lo <= opts.ccTolerance * Math.abs(ccMean);
  const decays = Math.abs(cur[b]) < (1 - opts.ccTolerance) * Math.abs(ccMean);
  return constantBefore && decays ? [a, pin] : [a];
}

/** Segments a record into steps. */
export function segmentSteps(series: CyclerSeries, options: SegmentOptions = {}): Step[] {
  const n = series.timeS.length;
  if (n === 0) return [];
  let maxAbs = 0;
  for (let i = 0; i < n; i++) maxAbs = Math.max(maxAbs, Math.abs(series.currentMA[i]));
  const opts = {
    restCurrentMA: options.restCurrentMA ?? Math.max(1e-9, 1e-3 * maxAbs),
    ccTolerance: options.ccTolerance ?? 0.02,
    cvToleranceV: options.cvToleranceV ?? 0.002,
  };
  const technique = (series.technique ?? '').toUpperCase();
  if (SWEEP_TECHNIQUES.has(technique)) return segmentSweeps(series, options, opts);
  const useInstrument =
    !options.ignoreInstrumentSteps && (series.step !== undefined || series.mode !== undefined);
  const starts: number[] = [0];
  if (useInstrument) {
    const { step, mode } = series;
    for (let i = 1; i < n; i++) {
      if ((step && step[i] !== step[i - 1]) || (mode && mode[i] !== mode[i - 1])) starts.push(i);
    }
  } else {
    for (let i = 1; i < n; i++) {
      if (
        classOf(series.currentMA[i], opts.restCurrentMA) !==
        classOf(series.currentMA[i - 1], opts.restCurrentMA)
      )
        starts.push(i);
    }
    // CC→CV inside a same-sign run.
    const refined: number[] = [];
    for (let k = 0; k < starts.length; k++) {
      const a = starts[k];
      const b = (starts[k + 1] ?? n) - 1;
      if (classOf(series.currentMA[a], opts.restCurrentMA) === 0) refined.push(a);
      else refined.push(...splitCcCv(series, a, b, opts));
    }
    starts.splice(0, starts.length, ...refined);
  }
  const steps: Step[] = [];
  const wholeRecord = IMPEDANCE_TECHNIQUES.has(technique)
    ? 'impedance'
    : REST_TECHNIQUES.has(technique)
      ? 'rest'
      : null;
  for (let k = 0; k < starts.length; k++) {
    const a = starts[k];
    const b = (starts[k + 1] ?? n) - 1;
    // In a Modulo Bat, the impedance sequences are the rows with a frequency.
    let allFreq = series.freqHz !== undefined;
    for (let i = a; allFreq && i <= b; i++) if (!(series.freqHz![i] > 0)) allFreq = false;
    const kind = wholeRecord ?? (allFreq ? 'impedance' : null);
    steps.push(describe(series, a, b, k, useInstrument ? 'instrument' : 'behaviour', opts, kind));
  }
  return steps;
}

/** CV: sweeps between reversals of the programmed potential, also cut where the cycle counter or step changes. */
function segmentSweeps(series: CyclerSeries, options: SegmentOptions, opts: Opts): Step[] {
  const n = series.timeS.length;
  const controlMoves =
    series.controlV !== undefined && series.controlV.some((x) => x !== series.controlV![0]);
  const p = controlMoves ? series.controlV! : series.voltageV;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++)
    if (Number.isFinite(p[i])) {
      lo = Math.min(lo, p[i]);
      hi = Math.max(hi, p[i]);
    }
  const threshold = options.sweepReversalV ?? Math.max(1e-3, 0.01 * (hi - lo));
  const cuts = new Set<number>(sweepReversals(p, threshold));
  for (let i = 1; i < n; i++) {
    if (series.cycle && series.cycle[i] !== series.cycle[i - 1]) cuts.add(i);
    if (!options.ignoreInstrumentSteps && series.step && series.step[i] !== series.step[i - 1]) cuts.add(i);
  }
  const starts = [0, ...[...cuts].sort((a, b) => a - b)];
  return starts.map((a, k) => describe(series, a, (starts[k + 1] ?? n) - 1, k, 'sweep', opts, 'sweep'));
}

/** The step containing time `timeS` (the later one at a shared boundary), or -1 outside the record. */
export function stepAt(steps: readonly Step[], timeS: number): number {
  if (steps.length === 0 || timeS < steps[0].startS || timeS > steps[steps.length - 1].endS) return -1;
  let lo = 0;
  let hi = steps.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (steps[mid].startS <= timeS) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
