/** Published workflows composed from the library modules. */
export * from './morphology.js';
export * from './dead-lithium.js';
export * from './morphology-check.js';
