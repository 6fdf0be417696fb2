/** The experiment manifest and its runner: `spincell run experiment.json` as a library call. */
export * from './manifest.js';
export {
  runManifest,
  hashFile,
  processingFlags,
  spincellVersion,
  OUTPUT_NAMES,
  type RunOptions,
  type RunResult,
  type RunResults,
  type NmrRun,
  type CyclerRun,
  type EisRun,
  resolvedManifest,
  manifestInputFiles,
  type RunStage,
  type ProgressEvent,
  type Provenance,
  type InputFile,
  type OutputFile,
} from './run.js';
