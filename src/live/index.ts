/** Live mode: `spincell watch` as a library call (follow an experiment into one live run of the store). */
export { watchExperiment, type LiveEvent, type WatchOptions, type WatchResult } from './watch.js';
export { ExperimentTracker, GrowingFile } from './files.js';
