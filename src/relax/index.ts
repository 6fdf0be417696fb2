/**
 * Relaxation and nutation: T1 (inversion and saturation recovery), T2 (Hahn echo, CPMG), nutation (π/2
 * calibration, including the skin-depth-limited metal case), recycle-delay advice and T2* from linewidths.
 * Pure functions on typed arrays; the CLI (`spincell relax`) feeds them region integrals or fitted areas.
 */
export * from './models.js';
export * from './fit.js';
export * from './analysis.js';
export * from './series.js';
export * from './shifts.js';
