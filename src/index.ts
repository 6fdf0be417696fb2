/**
 * spincell library entry. Core types, errors, constants and the nuclei table are exported at the top
 * level; every other module is exported as a namespace named after its folder, e.g.
 * `import { nmr, bruker } from 'spincell'; nmr.processFid(bruker.readExperiment(path), {...})`.
 */
export * from './core/errors.js';
export * from './core/constants.js';
export * from './core/nuclei.js';
export type * from './core/types.js';

export * as bruker from './io/bruker/index.js';
export * as jcamp from './io/jcamp/index.js';
export * as csv from './io/csv/index.js';
export * as biologic from './io/biologic/index.js';
export * as maccor from './io/maccor/index.js';
export * as cycler from './io/cycler/index.js';
export * as impedanceIo from './io/eis/index.js';
export * as mri from './io/mri/index.js';
export * as processedSpectra from './io/processed-spectra.js';
export * as nmr from './nmr/index.js';
export * as fit from './fit/index.js';
export * as echem from './echem/index.js';
export * as eis from './eis/index.js';
export * as transport from './transport/index.js';
export * as particle from './particle/index.js';
export * as relax from './relax/index.js';
export * as protocols from './protocols/index.js';
export * as report from './report/index.js';
export * as pipeline from './pipeline/index.js';
export * as store from './store/index.js';
