/**
 * Electrochemistry of cycler records: steps, cycles, capacities, Coulombic efficiency, state of health,
 * the voltage onset, nucleation overpotential, dQ/dV, and alignment of spectra to the cell state.
 */
export { seriesFromRecords, integrateCurrentMAh, type CyclerSeries, type SeriesOptions } from './series.js';
export {
  segmentSteps,
  stepAt,
  sweepReversals,
  type Step,
  type StepTechnique,
  type StepType,
  type Direction,
  type SegmentOptions,
} from './steps.js';
export { analyseCycles, cycleNumbers, isSweepRecord, type Cycle, type CycleOptions } from './cycles.js';
export { detectVoltageOnset, type VoltageOnset, type OnsetOptions } from './onset.js';
export { nucleationOverpotential, type NucleationResult, type NucleationOptions } from './nucleation.js';
export { differentialCapacity, type DqDv } from './dqdv.js';
export {
  ALIGNED_COLUMNS,
  alignedTable,
  ALIGNED_NAMES,
  alignSpectra,
  type AlignedSpectrum,
  type AlignOptions,
  type SpectrumWindow,
  type WindowStatus,
} from './align.js';
export { checkAlignment, requireOverlap, type AlignmentCheck } from './align.js';
export {
  breakAtGaps,
  findRecordGaps,
  gapOverlapS,
  GAP_DEFAULTS,
  type GapOptions,
  type RecordGap,
} from './gaps.js';
