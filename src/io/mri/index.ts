/**
 * Readers of 1D MRI profile series and PFG data: the CSV/JSON exchange formats and raw Bruker echoes.
 */
export type { ProfileSeries } from './types.js';
export * from './exchange.js';
export * from './bruker.js';
