/**
 * Virtual experiments with known truth: a seeded random generator, the virtual Li metal cell and the
 * virtual spectrometer that writes operando Bruker series. Used by tests, the demo, benchmarks and the
 * `spincell simulate` command; the library itself never imports it.
 */
export { createRng, deriveSeed, type Rng } from './random.js';
export {
  createCell,
  operandoProtocol,
  platingFractions,
  variantCell,
  DEFAULT_CELL,
  DEFAULT_MORPHOLOGY,
  type CellParameters,
  type CellState,
  type CellStep,
  type Inventory,
  type MorphologyModel,
  type StepKind,
  type StepSpan,
  type VirtualCell,
} from './cell.js';
export {
  applyReceiver,
  idealFid,
  offsetHz,
  planOperando,
  simulateSpectrum,
  COMPONENT_NAMES,
  METAL_COMPONENTS,
  DEFAULT_LINES,
  DEFAULT_OPERANDO,
  DEFAULT_PHASE,
  DEFAULT_SPECTROMETER,
  METAL_REFERENCE_PPM,
  MORPHOLOGY_WINDOW_COMPONENTS,
  type Component,
  type ComponentName,
  type LineShape,
  type MorphologyWindowName,
  type MorphologyWindowTruth,
  type OperandoOptions,
  type OperandoPlan,
  type PhaseSettings,
  type SeriesAcquisition,
  type SimulatedSpectrum,
  type SpectrometerSettings,
  type SpectrumTruth,
} from './spectrometer.js';
export {
  isSimulationFolder,
  readTruth,
  truthDocument,
  writeOperandoSeries,
  TRUTH_FILE,
  TRUTH_FORMAT,
  TRUTH_VERSION,
  type OperandoTruth,
  type WriteSeriesResult,
} from './operando.js';
export {
  simulatePhasedSpectrum,
  type PhasedLine,
  type PhasedSpectrum,
  type PhasedSpectrumOptions,
} from './phased-spectrum.js';
export {
  DEFAULT_RELAXATION_LINES,
  DEFAULT_RELAXATION_VALUES,
  metalNutationSignal,
  RELAXATION_EXPERIMENTS,
  RELAXATION_TRUTH_FORMAT,
  simulateRelaxation,
  writeRelaxationExperiment,
  type RelaxationExperiment,
  type RelaxationLine,
  type RelaxationSimOptions,
  type RelaxationTruth,
  type SimulatedRelaxation,
} from './relaxation.js';
