/**
 * Mass transport from NMR: 1D MRI profiles → anion concentrations and drift velocities (Thienenkamp et al. 2024, eq 1–8),
 * Sand's time (eq 9), PFG Stejskal–Tanner diffusion fits and D(C) tables.
 */
export * from './concentration.js';
export * from './sand.js';
export * from './diffusion-table.js';
export * from './profiles.js';
export * from './drift.js';
export * from './pfg.js';
export * from './reconstruction.js';
export { cumulativeTrapezoid, gradient, interpolateLinear, polynomialSmooth, trapezoid } from './numerics.js';
