/**
 * Step segmentation: where the cell changed what it was doing (rest, constant current, constant voltage)
 * and what each step did (duration, charge in and out, voltage at start and end).
 *
 * With the instrument's step column (EC-Lab Ns, MACCOR Step) or control-mode column, boundaries are where
 * either changes: that is what the instrument did, no guessing. Without them, rows are classed by
 * current (rest below a threshold, else by sign) and a constant-current run that turns into a
 * constant-voltage hold (voltage pinned while the current decays) is split where the voltage pins.
 */
import type { CyclerSeries } from './series.js';

export type StepType = 'rest' | 'cc' | 'cv' | 'other';
export type Direction = 'charge' | 'discharge' | 'none';

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
  /** charge: net current > 0 (anodic at the working electrode); discharge: < 0. */
  readonly direction: Direction;
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
  /** How the boundaries were found. */
  readonly source: 'instrument' | 'behaviour';
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
  opts: Required<Omit<SegmentOptions, 'ignoreInstrumentSteps'>>,
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
  const net = q[b] - q[a];
  const direction: Direction =
    type === 'rest' || Math.abs(mean) <= opts.restCurrentMA ? 'none' : mean > 0 ? 'charge' : 'discharge';
  return {
    index,
    startRow: a,
    endRow: b,
    startS: t[a],
    endS: t[b],
    durationS: duration,
    type,
    direction,
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
function splitCcCv(
  series: CyclerSeries,
  a: number,
  b: number,
  opts: Required<Omit<SegmentOptions, 'ignoreInstrumentSteps'>>,
): number[] {
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
  for (let k = 0; k < starts.length; k++) {
    const a = starts[k];
    const b = (starts[k + 1] ?? n) - 1;
    steps.push(describe(series, a, b, k, useInstrument ? 'instrument' : 'behaviour', opts));
  }
  return steps;
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
