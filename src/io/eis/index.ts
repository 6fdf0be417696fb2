/**
 * Impedance readers: one per instrument format, a detecting entry point and series assembly.
 */
export type * from './types.js';
export * from './biologic-mpt.js';
export * from './biologic-mpr.js';
export * from './gamry.js';
export * from './zplot.js';
export * from './autolab.js';
export * from './parstat.js';
export * from './chinstruments.js';
export * from './powersuite.js';
export * from './versastudio.js';
export * from './zahner.js';
export * from './csv.js';
export * from './detect.js';
export { decodeInstrumentText } from './shared.js';
export * from './series.js';
