/**
 * Impedance analysis: spectrum checks, Lin-KK validation, DRT, equivalent circuits, dynamic EIS series.
 */
export * from './spectrum.js';
export * from './kk.js';
export * from './drt.js';
export * from './circuit.js';
export * from './ecm.js';
export * from './series.js';
export * from './analytic.js';
export type { Complex } from './complex.js';
export * from './tracking.js';
export * from './three-electrode.js';
export * from './align.js';
