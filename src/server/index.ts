/** The workbench's local HTTP server over the project store (`spincell serve`). */
export {
  buildServer,
  defaultWebDir,
  packageRoot,
  TOKEN_HEADER,
  BODY_LIMIT,
  type ServerOptions,
  type Workbench,
} from './app.js';
export * from './security.js';
export { LiveHub, runStates, changedRuns, type RunState } from './live.js';
export { changedManifest, phasePreview, reprocess, reprocessWithPhase } from './processing.js';
