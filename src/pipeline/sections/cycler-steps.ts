/**
 * Per-step summary of a cycler record (the `steps` table of `spincell cycler`, the manifest's
 * `cycler.steps`): every step with its cycle, the voltage onset under constant current (Thienenkamp et al.
 * 2024) and the nucleation overpotential at the start of plating (Wichmann et al. 2025).
 */
import {
  detectVoltageOnset,
  nucleationOverpotential,
  segmentSteps,
  type Cycle,
  type CyclerSeries,
  type Step,
} from '../../echem/index.js';
import { formatCsv } from '../../io/csv/index.js';

export interface StepSummary extends Step {
  readonly cycle: number;
  readonly onsetStepTimeS: number | null;
  readonly onsetRiseV: number | null;
  readonly nucleationOverpotentialV: number | null;
}

/** Smallest voltage rise reported as an onset by default, V (`spincell cycler --onset-min-rise-v`). */
export const DEFAULT_ONSET_MIN_RISE_V = 0.05;

export function stepSummaries(
  series: CyclerSeries,
  steps: readonly Step[],
  cycles: readonly Cycle[],
  onsetMinRiseV: number = DEFAULT_ONSET_MIN_RISE_V,
): StepSummary[] {
  const cycleOf = new Map<number, number>();
  for (const c of cycles) for (let k = c.firstStep; k <= c.lastStep; k++) cycleOf.set(k, c.number);
  // Plating is the discharge of the working electrode in the instrument's convention.
  return steps.map((s) => {
    const cc = s.type === 'cc' && s.endRow - s.startRow >= 4;
    const onset = cc ? detectVoltageOnset(series, s, { minRiseV: onsetMinRiseV }) : null;
    const nucleation =
      cc && s.direction === 'discharge' ? nucleationOverpotential(series, s).overpotentialV : null;
    return {
      ...s,
      cycle: cycleOf.get(s.index) ?? 0,
      onsetStepTimeS: onset ? onset.stepTimeS : null,
      onsetRiseV: onset ? onset.riseV : null,
      nucleationOverpotentialV: nucleation,
    };
  });
}

/** The steps of the pipeline's cycler record (segmented as the `cycler` stage does). */
export function runCyclerSteps(
  series: CyclerSeries,
  cycles: readonly Cycle[],
  onsetMinRiseV?: number,
): StepSummary[] {
  return stepSummaries(series, segmentSteps(series), cycles, onsetMinRiseV);
}

export function stepsCsv(steps: readonly StepSummary[]): string {
  return formatCsv(
    [
      'step',
      'instrument_step',
      'cycle',
      'technique',
      'type',
      'direction',
      'start_s',
      'end_s',
      'duration_s',
      'mean_current_ma',
      'capacity_mah',
      'start_voltage_v',
      'end_voltage_v',
      'onset_step_time_s',
      'onset_rise_v',
      'nucleation_overpotential_v',
    ],
    steps.map((x) => [
      x.index,
      x.instrumentStep,
      x.cycle,
      x.technique,
      x.type,
      x.sweep ?? x.direction,
      x.startS,
      x.endS,
      x.durationS,
      x.meanCurrentMA,
      x.capacityMAh,
      x.startVoltageV,
      x.endVoltageV,
      x.onsetStepTimeS,
      x.onsetRiseV,
      x.nucleationOverpotentialV,
    ]),
    ['times in s on the cycler clock (record start = 0)'],
  );
}
