/**
 * spincell library entry: typed exports of every module.
 */
export * from './core/errors.js';
export * from './core/constants.js';
export * from './core/nuclei.js';
export type * from './core/types.js';
