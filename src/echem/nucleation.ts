/**
 * Nucleation overpotential at the start of plating (Wichmann et al. 2025): the polarisation first overshoots —
 * forming new nuclei costs more than growing existing ones — then relaxes to the growth plateau. The
 * overpotential is the overshoot: peak polarisation in the early part of the step minus the plateau
 * polarisation (the median over the middle half of the step, away from both the transient and any
 * end-of-step rise).
 */
import { ParameterError } from '../core/errors.js';
import type { CyclerSeries } from './series.js';
import type { Step } from './steps.js';

export interface NucleationResult {
  /** Overshoot of the polarisation above the plateau, V (≥ 0). */
  readonly overpotentialV: number;
  /** Voltage at the overshoot, V (the dip of a plating curve). */
  readonly peakVoltageV: number;
  /** Plateau voltage, V. */
  readonly plateauVoltageV: number;
  /** Time of the overshoot since the step start, s. */
  readonly peakStepTimeS: number;
}

export interface NucleationOptions {
  /** Fraction of the step searched for the overshoot (default 0.25). */
  searchFraction?: number;
}

export function nucleationOverpotential(
  series: CyclerSeries,
  step: Step,
  options: NucleationOptions = {},
): NucleationResult {
  const frac = options.searchFraction ?? 0.25;
  if (!(frac > 0 && frac < 1))
    throw new ParameterError('search fraction must be in (0, 1)', { field: 'searchFraction', found: frac });
  if (step.endRow - step.startRow < 4) {
    throw new ParameterError('step too short for a nucleation analysis', {
      field: `step ${step.index}`,
      found: `${step.endRow - step.startRow + 1} rows`,
      expected: 'at least 5 rows',
    });
  }
  const { timeS: t, voltageV: v } = series;
  const sign = step.meanCurrentMA >= 0 ? 1 : -1;
  const d = step.durationS;
  let peak = -Infinity;
  let peakRow = step.startRow;
  const plateau: number[] = [];
  for (let i = step.startRow; i <= step.endRow; i++) {
    const tau = t[i] - step.startS;
    const u = sign * v[i];
    if (tau <= frac * d && u > peak) {
      peak = u;
      peakRow = i;
    }
    if (tau >= 0.25 * d && tau <= 0.75 * d) plateau.push(u);
  }
  plateau.sort((a, b) => a - b);
  const m = plateau.length >> 1;
  const plateauU = plateau.length % 2 ? plateau[m] : 0.5 * (plateau[m - 1] + plateau[m]);
  return {
    overpotentialV: Math.max(0, peak - plateauU),
    peakVoltageV: v[peakRow],
    plateauVoltageV: sign * plateauU,
    peakStepTimeS: t[peakRow] - step.startS,
  };
}
