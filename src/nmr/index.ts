/**
 * NMR processing: FID → phased, referenced, baseline-corrected spectrum, plus measurements.
 */
export type { ComplexSignal, AxisSource, PpmRange } from './types.js';
export {
  fourierTransform,
  nextPowerOfTwo,
  ppmAxisFromAcquisition,
  ppmAxisFromOffset,
  scaleFirstPoint,
  type FourierResult,
} from './fft.js';
export { apodize, dcOffset, removeDcOffset, windowWeights, type WindowFunction } from './timedomain.js';
export { phase, magnitude, powerSpectrum, removeGroupDelay, rotateLinear, ppmToIndex } from './phase.js';
export {
  correctFidBaseline,
  fidBaselineFromBcMod,
  FID_POLYNOMIAL_DEGREE,
  type FidBaselineOption,
} from './fidbaseline.js';
export {
  autophase,
  acmeObjective,
  wrapDegrees,
  type AutophaseOptions,
  type PhaseResult,
} from './autophase.js';
export {
  arplsBaseline,
  defaultArplsLambda,
  indicesInRegions,
  polynomialBaseline,
  subtractBaseline,
  whittakerSmooth,
  type ArplsOptions,
  type BaselineResult,
} from './baseline.js';
export {
  integrateRegion,
  noiseRms,
  pickPeak,
  regionIndices,
  signalToNoise,
  type Peak,
  type SignalToNoise,
} from './measure.js';
export { externalReferenceOffsetPpm, referenceOffsetPpm, shiftAxis } from './reference.js';
export {
  fitSharedPhase,
  fitSharedPhaseSpectra,
  optionsFromProcs,
  processFid,
  processSpectrum,
  processSeries,
  transformFid,
  type AppliedBaseline,
  type AppliedPhase,
  type BaselineOption,
  type FidSource,
  type PhaseOption,
  type ProcessingOptions,
  type ProcessingResult,
  type ProcsAxis,
  type ReferenceOption,
} from './pipeline.js';
