/**
 * Alignment of spectra to the cell state. Each spectrum is an acquisition window [start, end] in
 * absolute time; the cycler record is a piecewise-linear function of time from its absolute start.
 * Voltage, current and charge are averaged over the window as exact integrals of that interpolant
 * (not as the mean of the samples that happen to fall inside, which biases windows that hold few
 * samples), and the step, cycle, step type and state of charge are those at the window's mid-time.
 *
 * Clocks: spectrometer times are epoch ms; the record's start is epoch ms too (read with the time zone
 * of the cycler PC). `offsetS` is how far the cycler clock runs ahead of the spectrometer clock; it is
 * added to the spectrum times before they are looked up in the record.
 */
import { TIME_COLUMNS, timeCells } from '../core/time-columns.js';
import { DataError, ParameterError } from '../core/errors.js';
import type { CyclerSeries } from './series.js';
import {
  type Direction,
  type Step,
  type StepTechnique,
  type StepType,
  segmentSteps,
  stepAt,
} from './steps.js';
import { cycleNumbers } from './cycles.js';
import { findRecordGaps, gapOverlapS, type GapOptions, type RecordGap } from './gaps.js';

export interface SpectrumWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly label?: string;
}

export type WindowStatus = 'inside' | 'partial' | 'before' | 'after';

export interface AlignedSpectrum {
  readonly index: number;
  readonly label?: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Window on the record's clock (s since the record start, offset applied). */
  readonly startS: number;
  readonly endS: number;
  readonly midS: number;
  /** Where the window lies relative to the record; means are over the overlap when 'partial'. */
  readonly status: WindowStatus;
  /** The window spans a step change: the averages mix two cell states. */
  readonly straddlesStep: boolean;
  /**
   * The window overlaps a hole in the record (see gaps.ts): over the hole the means interpolate between
   * the rows on either side, which says nothing about what the cell did there.
   */
  readonly gap: boolean;
  /** Seconds of the window inside holes of the record. */
  readonly gapOverlapS: number;
  readonly meanVoltageV: number | null;
  readonly meanCurrentMA: number | null;
  /** Net charge passed since the record start at the window's start, mid-time and end, mAh. */
  readonly chargeStartMAh: number | null;
  readonly chargeMidMAh: number | null;
  readonly chargeEndMAh: number | null;
  /** Time average of the charge passed over the window, mAh. */
  readonly chargeMeanMAh: number | null;
  /** Step at the mid-time (index into the segmented steps) and what it was. */
  readonly stepIndex: number | null;
  readonly instrumentStep: number | null;
  readonly stepType: StepType | null;
  /** rest, charge, discharge, cv-sweep, impedance or hold (see steps.ts). */
  readonly stepTechnique: StepTechnique | null;
  readonly direction: Direction | null;
  readonly cycle: number | null;
  /** Charge passed in the current step up to the mid-time, mAh (≥ 0). */
  readonly stepCapacityMAh: number | null;
  /** State of charge at the mid-time, % of the declared capacity (null without a capacity). */
  readonly socPct: number | null;
}

export interface AlignOptions {
  /** How far the cycler clock runs ahead of the spectrometer clock, s (default 0). */
  offsetS?: number;
  /** Record start in epoch ms, overriding the one in the record (e.g. for files without a start date). */
  recordStartMs?: number;
  /** Declared capacity for the state of charge, mAh. */
  capacityMAh?: number;
  /** State of charge at the record start, % (default 0). */
  socStartPct?: number;
  /** Steps already segmented (default: segmentSteps(series)). */
  steps?: readonly Step[];
  /** Holes already found (default: findRecordGaps(series, gapOptions)). */
  gaps?: readonly RecordGap[];
  gapOptions?: GapOptions;
}

/** Piecewise-linear record with cumulative integrals for exact window means. */
class Interpolant {
  private readonly cum: Float64Array;
  constructor(
    private readonly t: Float64Array,
    private readonly f: Float64Array,
  ) {
    this.cum = new Float64Array(t.length);
    for (let i = 1; i < t.length; i++)
      this.cum[i] = this.cum[i - 1] + 0.5 * (f[i] + f[i - 1]) * (t[i] - t[i - 1]);
  }
  /** Last i with t[i] ≤ x (x within range). */
  private locate(x: number): number {
    let lo = 0;
    let hi = this.t.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.t[mid] <= x) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  value(x: number): number {
    const i = this.locate(x);
    if (i >= this.t.length - 1 || this.t[i + 1] === this.t[i]) return this.f[i];
    const w = (x - this.t[i]) / (this.t[i + 1] - this.t[i]);
    return this.f[i] + w * (this.f[i + 1] - this.f[i]);
  }
  /** ∫ from the first sample to x. */
  integral(x: number): number {
    const i = this.locate(x);
    return this.cum[i] + 0.5 * (this.f[i] + this.value(x)) * (x - this.t[i]);
  }
  mean(a: number, b: number): number {
    return b > a ? (this.integral(b) - this.integral(a)) / (b - a) : this.value(a);
  }
}

export function alignSpectra(
  spectra: readonly SpectrumWindow[],
  series: CyclerSeries,
  options: AlignOptions = {},
): AlignedSpectrum[] {
  const recordStart = options.recordStartMs ?? series.startMs;
  if (recordStart === null || recordStart === undefined || !Number.isFinite(recordStart)) {
    throw new DataError('cycler record has no absolute start time', {
      file: series.source,
      field: 'start time',
      expected: 'a record with its acquisition start, or recordStartMs',
    });
  }
  const offset = options.offsetS ?? 0;
  if (!Number.isFinite(offset))
    throw new ParameterError('clock offset must be finite', { field: 'offsetS', found: offset });
  if (options.capacityMAh !== undefined && !(options.capacityMAh > 0)) {
    throw new ParameterError('declared capacity must be positive', {
      field: 'capacityMAh',
      found: options.capacityMAh,
      expected: '> 0 mAh',
    });
  }
  const n = series.timeS.length;
  if (n === 0)
    throw new DataError('cycler record is empty', { file: series.source, expected: 'at least one row' });
  const t = series.timeS;
  const steps = options.steps ?? segmentSteps(series);
  const cycles = cycleNumbers(steps);
  const gaps = options.gaps ?? findRecordGaps(series, options.gapOptions);
  const volt = new Interpolant(t, series.voltageV);
  const curr = new Interpolant(t, series.currentMA);
  const charge = new Interpolant(t, series.chargeMAh);
  const first = t[0];
  const last = t[n - 1];
  return spectra.map((s, index) => {
    if (!(s.endMs >= s.startMs)) {
      throw new ParameterError('spectrum ends before it starts', {
        field: `spectrum ${index}`,
        found: { startMs: s.startMs, endMs: s.endMs },
      });
    }
    const startS = (s.startMs - recordStart) / 1000 + offset;
    const endS = (s.endMs - recordStart) / 1000 + offset;
    const midS = 0.5 * (startS + endS);
    const base = {
      index,
      ...(s.label !== undefined ? { label: s.label } : {}),
      startMs: s.startMs,
      endMs: s.endMs,
      startS,
      endS,
      midS,
    };
    const status: WindowStatus =
      endS < first
        ? 'before'
        : startS > last
          ? 'after'
          : startS < first || endS > last
            ? 'partial'
            : 'inside';
    if (status === 'before' || status === 'after') {
      return {
        ...base,
        status,
        straddlesStep: false,
        gap: false,
        gapOverlapS: 0,
        meanVoltageV: null,
        meanCurrentMA: null,
        chargeStartMAh: null,
        chargeMidMAh: null,
        chargeEndMAh: null,
        chargeMeanMAh: null,
        stepIndex: null,
        instrumentStep: null,
        stepType: null,
        stepTechnique: null,
        direction: null,
        cycle: null,
        stepCapacityMAh: null,
        socPct: null,
      };
    }
    const a = Math.max(startS, first);
    const b = Math.min(endS, last);
    const m = Math.min(Math.max(midS, first), last);
    const k = stepAt(steps, m);
    const step = steps[k];
    const qMid = charge.value(m);
    const startStep = stepAt(steps, a);
    const endStep = stepAt(steps, b);
    // A window ending exactly on a boundary belongs to the step it covered.
    const straddles = startStep !== endStep && !(endStep === startStep + 1 && steps[endStep].startS === b);
    const cap = options.capacityMAh;
    const hole = gapOverlapS(gaps, a, b);
    return {
      ...base,
      status,
      straddlesStep: straddles,
      gap: hole.hit,
      gapOverlapS: hole.overlapS,
      meanVoltageV: volt.mean(a, b),
      meanCurrentMA: curr.mean(a, b),
      chargeStartMAh: charge.value(a),
      chargeMidMAh: qMid,
      chargeEndMAh: charge.value(b),
      chargeMeanMAh: charge.mean(a, b),
      stepIndex: k,
      instrumentStep: step.instrumentStep,
      stepType: step.type,
      stepTechnique: step.technique,
      direction: step.direction,
      cycle: cycles[k],
      stepCapacityMAh: Math.abs(qMid - series.chargeMAh[step.startRow]),
      socPct: cap ? (options.socStartPct ?? 0) + (100 * qMid) / cap : null,
    };
  });
}

/** Column order of an aligned-spectra table (CSV of `spincell align --out` and of manifest runs). */
export const ALIGNED_COLUMNS: readonly (keyof AlignedSpectrum)[] = [
  'index',
  'label',
  'startMs',
  'endMs',
  'startS',
  'endS',
  'status',
  'straddlesStep',
  'gap',
  'gapOverlapS',
  'meanVoltageV',
  'meanCurrentMA',
  'chargeStartMAh',
  'chargeMidMAh',
  'chargeEndMAh',
  'chargeMeanMAh',
  'stepIndex',
  'instrumentStep',
  'stepType',
  'stepTechnique',
  'direction',
  'cycle',
  'stepCapacityMAh',
  'socPct',
];

/** Column name of each aligned field in result tables (snake_case with units; core/time-columns.ts). */
export const ALIGNED_NAMES: Readonly<Record<string, string>> = {
  index: 'index',
  label: 'label',
  startS: 'record_start_s',
  endS: 'record_end_s',
  status: 'status',
  straddlesStep: 'straddles_step',
  gap: 'gap',
  gapOverlapS: 'gap_overlap_s',
  meanVoltageV: 'mean_voltage_v',
  meanCurrentMA: 'mean_current_ma',
  chargeStartMAh: 'charge_start_mah',
  chargeMidMAh: 'charge_mid_mah',
  chargeEndMAh: 'charge_end_mah',
  chargeMeanMAh: 'charge_mean_mah',
  stepIndex: 'step_index',
  instrumentStep: 'instrument_step',
  stepType: 'step_type',
  stepTechnique: 'step_technique',
  direction: 'direction',
  cycle: 'cycle',
  stepCapacityMAh: 'step_capacity_mah',
  socPct: 'soc_pct',
};

/**
 * The aligned-spectra table of `spincell align --out` and of manifest runs: which spectrum, its window in
 * the common time convention (TIME_COLUMNS: ISO times and time_s after the first acquisition's start),
 * the window on the record's clock, then the cell state.
 */
export function alignedTable(aligned: readonly AlignedSpectrum[]): {
  headers: string[];
  rows: (string | number | boolean | null)[][];
} {
  const origin = aligned.length > 0 ? Math.min(...aligned.map((a) => a.startMs)) : null;
  const fields = ALIGNED_COLUMNS.filter((k) => k !== 'startMs' && k !== 'endMs');
  const [idx, label, ...rest] = fields;
  return {
    headers: [
      ALIGNED_NAMES[idx],
      ALIGNED_NAMES[label],
      ...TIME_COLUMNS,
      ...rest.map((k) => ALIGNED_NAMES[k]),
    ],
    rows: aligned.map((a) => [
      a.index,
      a.label ?? null,
      ...timeCells(a.startMs, a.endMs, origin),
      ...rest.map((k) => (a[k] ?? null) as string | number | boolean | null),
    ]),
  };
}

/** The record's extent on its own clock and the spectra against it, for messages. */
export interface AlignmentCheck {
  readonly spectra: number;
  readonly before: number;
  readonly after: number;
  readonly partial: number;
  readonly overlapping: number;
  readonly inGaps: number;
  /** Warnings, one sentence each (empty when every window lies inside the record, clear of holes). */
  readonly warnings: string[];
}

const secondsText = (x: number) => {
  const a = Math.abs(x);
  const t = a >= 1e5 ? x.toExponential(2) : x.toFixed(1);
  return t.replace(/^-/, '−');
};

/**
 * What went wrong in an alignment, as warnings: spectra before or after the record (how many, where the
 * first and the last lie against it, and the usual causes: a clock offset or the cycler PC's time zone),
 * and spectra over holes in the record. `hint` names the settings for the user's interface
 * (e.g. "--offset-s or --timezone").
 */
export function checkAlignment(
  aligned: readonly AlignedSpectrum[],
  series: CyclerSeries,
  gaps: readonly RecordGap[],
  hint: string,
): AlignmentCheck {
  const t = series.timeS;
  const first = t.length > 0 ? t[0] : 0;
  const last = t.length > 0 ? t[t.length - 1] : 0;
  const count = (s: WindowStatus) => aligned.filter((a) => a.status === s).length;
  const before = count('before');
  const after = count('after');
  const partial = count('partial');
  const overlapping = aligned.length - before - after;
  const inGaps = aligned.filter((a) => a.gap).length;
  const warnings: string[] = [];
  const outside = aligned.filter((a) => a.status !== 'inside');
  if (outside.length > 0) {
    const lo = Math.min(...outside.map((a) => a.startS));
    const hi = Math.max(...outside.map((a) => a.endS));
    warnings.push(
      `${outside.length} of ${aligned.length} spectra lie outside the cycler record or only partly in it ` +
        `(${before} before, ${after} after, ${partial} partly): their windows span ${secondsText(lo)} … ${secondsText(hi)} s ` +
        `on the record's clock, which runs from ${secondsText(first)} to ${secondsText(last)} s; ` +
        `check the clock offset and the cycler's time zone (${hint})`,
    );
  }
  if (inGaps > 0) {
    const longest = Math.max(...gaps.map((g) => g.durationS));
    warnings.push(
      `${inGaps} of ${aligned.length} spectra overlap holes in the cycler record (${gaps.length} hole${gaps.length === 1 ? '' : 's'}, ` +
        `the longest ${secondsText(longest)} s): their cell state is interpolated across the hole (column gap)`,
    );
  }
  return { spectra: aligned.length, before, after, partial, overlapping, inGaps, warnings };
}

/**
 * Throws DataError when no acquisition window overlaps the record: then every cell-state column would be
 * empty and a time axis would join clocks hours or years apart.
 */
export function requireOverlap(
  aligned: readonly AlignedSpectrum[],
  series: CyclerSeries,
  hint: string,
): void {
  if (aligned.length === 0 || aligned.some((a) => a.status === 'inside' || a.status === 'partial')) return;
  const t = series.timeS;
  const lo = Math.min(...aligned.map((a) => a.startS));
  const hi = Math.max(...aligned.map((a) => a.endS));
  throw new DataError('no spectrum overlaps the cycler record', {
    file: series.source,
    field: 'acquisition times',
    found: `${aligned.length} spectra from ${secondsText(lo)} to ${secondsText(hi)} s on the record's clock`,
    expected: `windows within ${secondsText(t[0])} … ${secondsText(t[t.length - 1])} s (check the clock offset and the cycler's time zone: ${hint})`,
  });
}
