/**
 * Chemical-shift referencing. Both kinds return an offset in ppm to add to the axis: internal (a peak of
 * this spectrum, e.g. the Li metal line, set to a given shift) and external (a peak of a reference
 * spectrum, e.g. LiCl(aq) at 0 ppm, whose offset is then applied to the sample spectra).
 *
 * Shifting the axis by Δ is TopSpin's SR change to first order: the exact change of SF alters the scale by
 * Δ·10⁻⁶, i.e. < 0.002 ppm at 300 ppm for Δ ≤ 5 ppm, below the sub-point peak precision.
 */
import { DataError, ParameterError } from '../core/errors.js';
import type { Spectrum } from '../core/types.js';
import type { PpmRange } from './types.js';
import { pickPeak, regionIndices } from './measure.js';

/** Offset (ppm) that moves the highest peak in `windowPpm` to `valuePpm` (sub-point peak position). */
export function referenceOffsetPpm(spectrum: Spectrum, windowPpm: PpmRange, valuePpm: number): number {
  if (!Number.isFinite(valuePpm))
    throw new ParameterError('reference value must be a finite ppm value', {
      field: 'valuePpm',
      found: valuePpm,
    });
  const [first, last] = regionIndices(spectrum.ppm, windowPpm, 'windowPpm');
  let flat = true;
  for (let i = first + 1; i <= last && flat; i++) flat = spectrum.re[i] === spectrum.re[first];
  if (flat)
    throw new DataError('the reference window holds no peak (the spectrum is flat there)', {
      file: spectrum.meta?.source,
      field: 'reference window',
      found: `${windowPpm[0]}…${windowPpm[1]} ppm, every point ${spectrum.re[first]}`,
      expected: 'a peak to reference to',
    });
  return valuePpm - pickPeak(spectrum, windowPpm).ppm;
}

/** External referencing: the offset measured on a reference spectrum, to be applied to other spectra. */
export const externalReferenceOffsetPpm = referenceOffsetPpm;

/** Returns the spectrum with every ppm value shifted by `offsetPpm`. */
export function shiftAxis(spectrum: Spectrum, offsetPpm: number): Spectrum {
  if (!Number.isFinite(offsetPpm))
    throw new ParameterError('reference offset must be a finite ppm value', {
      field: 'offsetPpm',
      found: offsetPpm,
    });
  const ppm = new Float64Array(spectrum.ppm.length);
  for (let i = 0; i < ppm.length; i++) ppm[i] = spectrum.ppm[i] + offsetPpm;
  return { ...spectrum, ppm };
}
