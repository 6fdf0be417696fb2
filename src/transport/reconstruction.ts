/**
 * Frequency-encoded 1D MRI: echo → profile. Under a read gradient G every position resonates at
 * f = γ̄·G·x (γ̄ = γ/2π), so the magnitude of the echo's Fourier transform is the spin density along x and
 * the receiver bandwidth spans the field of view, FOV = SW/(γ̄·G) (Thienenkamp et al. 2024: 100 kHz at 62.4 G cm⁻¹ for
 * ¹⁹F gives 4.0 mm). Magnitude mode, as in the paper, makes the profile independent of the echo's phase
 * and of the digital filter's group delay (a circular time shift only changes the phase).
 *
 * The Fourier transform itself belongs to nmr/, which transport/ does not import: callers pass it in
 * (the CLI passes nmr's `fourierTransform`, whose output is in Bruker order, highest frequency first).
 */
import { DataError, ParameterError } from '../core/errors.js';
import type { ProfileSeries } from '../io/mri/types.js';

/** A Fourier transform returning the spectrum in Bruker order (index 0 = +SW/2, descending). */
export type EchoTransform = (echo: { readonly re: Float64Array; readonly im: Float64Array }) => {
  readonly re: Float64Array;
  readonly im: Float64Array;
};

export interface SpatialEncoding {
  /** Field of view, µm. Give this, or the read gradient with γ. */
  readonly fovUm?: number;
  /** Read gradient, T m⁻¹. */
  readonly readGradientTPerM?: number;
  /** Gyromagnetic ratio of the imaged nucleus, rad s⁻¹ T⁻¹ (needed with readGradientTPerM). */
  readonly gammaRadPerSPerT?: number;
  /** Flip the axis so that x runs from the +SW/2 edge (when the plating electrode sits there). */
  readonly reverse?: boolean;
}

/** FOV in µm from the encoding (given, or SW/(γ̄G)). */
export function fieldOfViewUm(encoding: SpatialEncoding, swHz: number): number {
  if (encoding.fovUm !== undefined) {
    if (!(encoding.fovUm > 0))
      throw new ParameterError('field of view must be positive', {
        field: 'fov',
        found: encoding.fovUm,
        expected: '> 0 µm',
      });
    return encoding.fovUm;
  }
  const g = encoding.readGradientTPerM;
  const gamma = encoding.gammaRadPerSPerT;
  if (g === undefined || gamma === undefined || !(Math.abs(g) > 0) || !(Math.abs(gamma) > 0)) {
    throw new ParameterError('spatial encoding needs the field of view or the read gradient and nucleus', {
      field: 'fov / read gradient',
      found: { fovUm: encoding.fovUm, readGradientTPerM: g, gammaRadPerSPerT: gamma },
      expected: 'fovUm > 0, or readGradientTPerM and gammaRadPerSPerT',
    });
  }
  if (!(swHz > 0))
    throw new ParameterError('bandwidth must be positive', {
      field: 'SW_h',
      found: swHz,
      expected: '> 0 Hz',
    });
  return (swHz / ((Math.abs(gamma) / (2 * Math.PI)) * Math.abs(g))) * 1e6;
}

export interface EchoSeriesLike {
  readonly echoes: readonly { readonly re: Float64Array; readonly im: Float64Array }[];
  readonly timeS: Float64Array;
  readonly swHz: number;
  readonly source?: string;
}

/**
 * Magnitude profiles on an ascending axis from 0 to FOV: sample j (after ordering by increasing
 * frequency) sits at x = FOV/2 + (j + 1 − N/2)·FOV/N, i.e. x = 0 at the −SW/2 edge.
 */
export function profilesFromEchoes(
  series: EchoSeriesLike,
  encoding: SpatialEncoding,
  transform: EchoTransform,
): ProfileSeries {
  const nt = series.echoes.length;
  if (nt === 0) throw new DataError('no echoes', { file: series.source, expected: '≥ 1 echo' });
  if (series.timeS.length !== nt)
    throw new DataError('one time per echo is needed', {
      file: series.source,
      found: series.timeS.length,
      expected: nt,
    });
  const fov = fieldOfViewUm(encoding, series.swHz);
  let values: Float64Array | undefined;
  let n = 0;
  series.echoes.forEach((echo, k) => {
    const spec = transform(echo);
    if (values === undefined) {
      n = spec.re.length;
      values = new Float64Array(nt * n);
    }
    if (spec.re.length !== n)
      throw new DataError('echoes transform to different sizes', {
        file: series.source,
        field: `echo ${k}`,
        found: spec.re.length,
        expected: n,
      });
    for (let j = 0; j < n; j++) {
      // Bruker order is descending frequency: index n−1−j has the j-th lowest frequency
      const src = encoding.reverse ? j : n - 1 - j;
      values[k * n + j] = Math.hypot(spec.re[src], spec.im[src]);
    }
  });
  const xUm = Float64Array.from({ length: n }, (_, j) => fov / 2 + ((j + 1 - n / 2) * fov) / n);
  return { xUm, timeS: Float64Array.from(series.timeS), values: values!, source: series.source };
}
