/** Shared fitting numerics: bounded least squares, lineshapes, model specs, batch fitting. */
export * from './optimizer.js';
export * from './linalg.js';
export * from './faddeeva.js';
export * from './lineshapes.js';
export * from './model.js';
export * from './batch.js';
export * from './nnls.js';
