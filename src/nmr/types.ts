/**
 * Shapes used by the processing functions. A spectrum is the core `Spectrum` (re, im, ppm, sfMHz, meta);
 * time-domain data is any pair of equal-length re/im arrays (a `Fid` fits).
 */
import type { AcquisitionMeta } from '../core/types.js';

/** Complex time-domain samples (re/im of equal length). */
export interface ComplexSignal {
  readonly re: Float64Array;
  readonly im: Float64Array;
}

/** The acquisition parameters the processing needs; `AcquisitionMeta` satisfies it. */
export type AxisSource = Pick<AcquisitionMeta, 'sfo1MHz' | 'bf1MHz' | 'swHz'>;

/** A ppm window given in either order, e.g. [240, 280]. */
export type PpmRange = readonly [number, number];
