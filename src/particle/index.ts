/**
 * Single-particle electrochemistry (a microelectrode on one particle, nA currents): rate capability,
 * cyclic voltammetry with Randles–Ševčík, and diffusion coefficients of a sphere from GITT and PITT.
 * Pure functions on the cycler series of src/echem; every result carries the assumptions it rests on.
 */
export {
  particleGeometry,
  fitLine,
  type AssumptionCheck,
  type LineFit,
  type ParticleGeometry,
  type ParticleGeometryInput,
} from './geometry.js';
export { analyseRate, type RateGroup, type RateResult, type RateStep } from './rate.js';
export {
  analyseCv,
  analyseCvFile,
  type CvCycle,
  type CvFile,
  type CvOptions,
  type CvResult,
  type CvSweep,
  type RandlesSevcik,
} from './cv.js';
export { analyseGitt, type GittOptions, type GittPulse, type GittResult } from './gitt.js';
export { analysePitt, firstEigenvalue, type PittOptions, type PittResult, type PittStep } from './pitt.js';
