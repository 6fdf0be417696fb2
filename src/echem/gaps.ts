/**
 * Holes in a cycler record: stretches of time with no rows (the channel was paused, the PC stopped
 * logging, or a linked technique ran and was saved to another file). Between two rows the analyses
 * interpolate linearly, which is harmless over one logging interval and wrong over a hole: the cell may
 * have done anything in it. Spectra whose acquisition window overlaps a hole are flagged.
 *
 * Rule. The interval Δtᵢ = t[i] − t[i−1] is a hole when
 *
 *     Δtᵢ > max(k · m, minGapS),
 *
 * with m the median of the neighbouring logging intervals (up to `neighbours` on each side of i, i
 * itself left out), k = `factor` (5) inside a step and k = `stepChangeFactor` (2) where the
 * instrument's step or control mode changes between the two rows (EC-Lab logs the first row of a new
 * step at once, so a time jump there is time the file does not cover), and the floor `minGapS` (10 s)
 * so that a short stall in a fast record is not flagged. A local median follows records whose logging
 * interval changes from step to step (5 s rests beside 0.4 s impedance points) or within a step
 * (EC-Lab's dE-triggered recording), which one median over the whole record would not.
 */
import type { CyclerSeries } from './series.js';

export interface RecordGap {
  /** The rows on either side of the hole. */
  readonly beforeRow: number;
  readonly afterRow: number;
  /** The hole on the record's clock, s. */
  readonly startS: number;
  readonly endS: number;
  readonly durationS: number;
  /** The neighbouring logging interval it was compared with (median), s. */
  readonly typicalIntervalS: number;
  /** The instrument's step or control mode changes across the hole. */
  readonly atStepChange: boolean;
}

export interface GapOptions {
  /** Multiple of the neighbouring logging interval inside a step (default 5). */
  factor?: number;
  /** Multiple at a change of the instrument's step or control mode (default 2). */
  stepChangeFactor?: number;
  /** No interval shorter than this is a hole, s (default 10). */
  minGapS?: number;
  /** Intervals on each side that give the neighbouring logging interval (default 10). */
  neighbours?: number;
}

export const GAP_DEFAULTS: Required<GapOptions> = {
  factor: 5,
  stepChangeFactor: 2,
  minGapS: 10,
  neighbours: 10,
};

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

/** The holes in a record, in time order (see the module comment for the rule). */
export function findRecordGaps(series: CyclerSeries, options: GapOptions = {}): RecordGap[] {
  const o = { ...GAP_DEFAULTS, ...options };
  const t = series.timeS;
  const n = t.length;
  const gaps: RecordGap[] = [];
  for (let i = 1; i < n; i++) {
    const dt = t[i] - t[i - 1];
    // Cheap test first: nothing shorter than the floor can be a hole.
    if (!(dt > o.minGapS)) continue;
    const around: number[] = [];
    for (let j = Math.max(1, i - o.neighbours); j <= Math.min(n - 1, i + o.neighbours); j++)
      if (j !== i) around.push(t[j] - t[j - 1]);
    if (around.length === 0) continue; // two rows: their interval is the logging interval
    const typical = median(around);
    const atStepChange =
      (series.step !== undefined && series.step[i] !== series.step[i - 1]) ||
      (series.mode !== undefined && series.mode[i] !== series.mode[i - 1]);
    const k = atStepChange ? o.stepChangeFactor : o.factor;
    if (dt > Math.max(k * typical, o.minGapS)) {
      gaps.push({
        beforeRow: i - 1,
        afterRow: i,
        startS: t[i - 1],
        endS: t[i],
        durationS: dt,
        typicalIntervalS: typical,
        atStepChange,
      });
    }
  }
  return gaps;
}

/** Seconds of the window [a, b] that lie in holes (a window of zero length inside a hole counts as in it). */
export function gapOverlapS(
  gaps: readonly RecordGap[],
  a: number,
  b: number,
): { overlapS: number; hit: boolean } {
  let overlap = 0;
  let hit = false;
  for (const g of gaps) {
    const lo = Math.max(a, g.startS);
    const hi = Math.min(b, g.endS);
    if (hi > lo) {
      overlap += hi - lo;
      hit = true;
    } else if (a === b && a > g.startS && a < g.endS) hit = true;
  }
  return { overlapS: overlap, hit };
}

/** Copies of `x` and `ys` with a NaN row inserted in every hole, so that plotted lines break there. */
export function breakAtGaps(
  x: ArrayLike<number>,
  ys: readonly ArrayLike<number>[],
  gaps: readonly RecordGap[],
): { x: Float64Array; ys: Float64Array[] } {
  const cut = new Set(gaps.map((g) => g.afterRow));
  const n = x.length + gaps.filter((g) => g.afterRow > 0 && g.afterRow < x.length).length;
  const ox = new Float64Array(n);
  const oys = ys.map(() => new Float64Array(n));
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    if (cut.has(i) && i > 0) {
      ox[k] = NaN;
      for (const o of oys) o[k] = NaN;
      k++;
    }
    ox[k] = x[i];
    ys.forEach((y, j) => (oys[j][k] = y[i]));
    k++;
  }
  return { x: ox, ys: oys };
}
