/**
 * The voltage onset under constant current: the sudden rise in polarisation when the interface runs out
 * of what it was consuming — Li⁺ at the plating surface when the electrolyte depletes (Sand's time, seed
 * 003: ≈90 min Li‖Li, ≈135 min Li‖NMC622) or strippable lithium at the end of stripping.
 *
 * The onset is placed at the steepest rise of the polarisation u = sign(I)·V (so that a rise means more
 * overpotential whichever the current direction). On sampled data that is the interval with the largest
 * Δu/Δt, and the sample closing it is reported: the steepest point lies in that interval for a smooth
 * (sigmoid) rise, and in it or the next one for a rise that ends in a corner (depletion: the slope is
 * largest just before the plateau), so either way the reported time is within one sample. A rise smaller than `minRiseV` (from the plateau before it to the highest point after it) is
 * no onset: null is returned rather than the noise maximum.
 */
import { ParameterError } from '../core/errors.js';
import type { CyclerSeries } from './series.js';
import type { Step } from './steps.js';

export interface VoltageOnset {
  /** Onset time on the record's clock, s. */
  readonly timeS: number;
  /** Time since the start of the step, s. */
  readonly stepTimeS: number;
  /** Row closing the steepest interval (the reported onset sample). */
  readonly row: number;
  /** Polarisation rise from the plateau before the onset to the maximum after it, V. */
  readonly riseV: number;
  /** Steepest slope of the polarisation, V s⁻¹. */
  readonly slopeVPerS: number;
  /** Median polarisation before the onset (the plateau), V. */
  readonly plateauV: number;
}

export interface OnsetOptions {
  /** Smallest rise that counts as an onset, V (default 0.05). */
  minRiseV?: number;
  /** Skip this long after the step start (nucleation transients), s (default 0). */
  skipStartS?: number;
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** Finds the voltage onset within one (constant-current) step; null when there is none. */
export function detectVoltageOnset(
  series: CyclerSeries,
  step: Step,
  options: OnsetOptions = {},
): VoltageOnset | null {
  const minRise = options.minRiseV ?? 0.05;
  if (!(minRise > 0))
    throw new ParameterError('minimum rise must be positive', {
      field: 'minRiseV',
      found: minRise,
      expected: '> 0 V',
    });
  const skip = options.skipStartS ?? 0;
  const { timeS: t, voltageV: v } = series;
  const sign = step.meanCurrentMA >= 0 ? 1 : -1;
  let best = -1;
  let bestSlope = -Infinity;
  for (let i = step.startRow; i < step.endRow; i++) {
    const dt = t[i + 1] - t[i];
    if (dt <= 0 || t[i] - step.startS < skip) continue;
    const slope = (sign * (v[i + 1] - v[i])) / dt;
    if (slope > bestSlope) {
      bestSlope = slope;
      best = i;
    }
  }
  if (best < 0 || !(bestSlope > 0)) return null;
  const before: number[] = [];
  for (let i = step.startRow; i <= best; i++) if (t[i] - step.startS >= skip) before.push(sign * v[i]);
  const plateau = median(before);
  let peak = -Infinity;
  for (let i = best + 1; i <= step.endRow; i++) peak = Math.max(peak, sign * v[i]);
  const rise = peak - plateau;
  if (!(rise >= minRise)) return null;
  const timeS = t[best + 1];
  return {
    timeS,
    stepTimeS: timeS - step.startS,
    row: best + 1,
    riseV: rise,
    slopeVPerS: bestSlope,
    plateauV: plateau,
  };
}
