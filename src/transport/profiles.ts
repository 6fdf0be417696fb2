/**
 * Series of 1D MRI profiles and the steps that turn intensities into anion concentrations inside a region
 * of interest (ROI): choose the ROI (given, or from the edges of the electrolyte plateau), normalise by the
 * initial homogeneous profile and a declared initial concentration, and optionally smooth.
 */
import { DataError, ParameterError } from '../core/errors.js';
import type { ProfileSeries } from '../io/mri/types.js';
import { polynomialSmooth } from './numerics.js';

export type { ProfileSeries };

/** The k-th profile (a view, not a copy). */
export function profileAt(series: ProfileSeries, k: number): Float64Array {
  const nx = series.xUm.length;
  return series.values.subarray(k * nx, (k + 1) * nx);
}

/** Checks shape, finiteness and monotonic axes; returns the series unchanged. */
export function validateProfileSeries(series: ProfileSeries): ProfileSeries {
  const file = series.source;
  const nx = series.xUm.length;
  const nt = series.timeS.length;
  if (nx < 3)
    throw new DataError('a profile needs at least 3 positions', {
      file,
      field: 'x_um',
      found: nx,
      expected: '≥ 3',
    });
  if (nt < 1)
    throw new DataError('no profiles', { file, field: 'time_s', found: 0, expected: '≥ 1 profile' });
  if (series.values.length !== nx * nt) {
    throw new DataError('profile values do not fill the time × position grid', {
      file,
      field: 'intensity',
      found: series.values.length,
      expected: `${nt} × ${nx} = ${nt * nx}`,
    });
  }
  for (let i = 1; i < nx; i++) {
    if (!(series.xUm[i] > series.xUm[i - 1])) {
      throw new DataError('positions must increase strictly', {
        file,
        field: 'x_um',
        found: `${series.xUm[i - 1]} then ${series.xUm[i]}`,
        expected: 'ascending',
      });
    }
  }
  for (let k = 1; k < nt; k++) {
    if (!(series.timeS[k] > series.timeS[k - 1])) {
      throw new DataError('profile times must increase strictly', {
        file,
        field: 'time_s',
        found: `${series.timeS[k - 1]} then ${series.timeS[k]}`,
        expected: 'ascending',
      });
    }
  }
  for (let i = 0; i < series.values.length; i++) {
    if (!Number.isFinite(series.values[i])) {
      const k = Math.floor(i / nx);
      throw new DataError('profile value is not finite', {
        file,
        field: `time ${series.timeS[k]} s, x ${series.xUm[i % nx]} µm`,
        found: series.values[i],
        expected: 'a finite number',
      });
    }
  }
  return series;
}

/** Restricts the series to loUm ≤ x ≤ hiUm. Throws ParameterError when the ROI leaves the field of view. */
export function selectRoi(series: ProfileSeries, roiUm: readonly [number, number]): ProfileSeries {
  const [lo, hi] = roiUm[0] <= roiUm[1] ? roiUm : [roiUm[1], roiUm[0]];
  const x = series.xUm;
  const nx = x.length;
  const pitch = (x[nx - 1] - x[0]) / (nx - 1);
  const tol = 1e-6 * pitch;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo < x[0] - tol || hi > x[nx - 1] + tol) {
    throw new ParameterError('region of interest outside the field of view', {
      file: series.source,
      field: 'roi',
      found: `${lo}:${hi} µm`,
      expected: `within ${x[0]}:${x[nx - 1]} µm`,
    });
  }
  let first = -1;
  let last = -1;
  for (let i = 0; i < nx; i++) {
    if (x[i] >= lo - tol && x[i] <= hi + tol) {
      if (first < 0) first = i;
      last = i;
    }
  }
  const count = first < 0 ? 0 : last - first + 1;
  if (count < 5) {
    throw new ParameterError('region of interest holds too few samples', {
      file: series.source,
      field: 'roi',
      found: `${count} samples in ${lo}:${hi} µm`,
      expected: '≥ 5 samples',
    });
  }
  const nt = series.timeS.length;
  const values = new Float64Array(nt * count);
  for (let k = 0; k < nt; k++)
    values.set(series.values.subarray(k * nx + first, k * nx + last + 1), k * count);
  return { xUm: x.slice(first, last + 1), timeS: series.timeS.slice(), values, source: series.source };
}

export interface RoiDetectionOptions {
  /** Edge threshold as a fraction of the plateau level (default 0.5: the half-height points). */
  readonly edgeFraction?: number;
  /**
   * Distance kept from each detected edge, µm. Edges of frequency-encoded profiles are blurred by B0
   * inhomogeneity and eddy currents near the metal electrodes (Thienenkamp et al. 2024), so the ROI stays inside the
   * bulk. Default: three sample spacings.
   */
  readonly marginUm?: number;
}

/**
 * Finds the electrolyte plateau in the first (homogeneous) profile: the plateau level is the median of
 * samples above half the maximum; edges are where the intensity crosses `edgeFraction` of that level
 * (linear interpolation between samples); the ROI is the span between the edges less `marginUm` on
 * each side.
 */
export function detectRoi(series: ProfileSeries, options: RoiDetectionOptions = {}): [number, number] {
  const x = series.xUm;
  const nx = x.length;
  const p = profileAt(series, 0);
  const fraction = options.edgeFraction ?? 0.5;
  if (!(fraction > 0 && fraction < 1)) {
    throw new ParameterError('edge fraction must lie between 0 and 1', {
      field: 'edgeFraction',
      found: fraction,
      expected: '0 < f < 1',
    });
  }
  let max = -Infinity;
  let argmax = 0;
  for (let i = 0; i < nx; i++) if (p[i] > max) [max, argmax] = [p[i], i];
  if (!(max > 0))
    throw new DataError('initial profile has no positive intensity', {
      file: series.source,
      field: 'intensity',
      found: max,
      expected: '> 0',
    });
  const above = Array.from(p)
    .filter((v) => v >= 0.5 * max)
    .sort((a, b) => a - b);
  const plateau = above[Math.floor(above.length / 2)];
  const level = fraction * plateau;
  // walk outwards from the maximum to the first samples below the level
  let i = argmax;
  while (i > 0 && p[i - 1] >= level) i--;
  let j = argmax;
  while (j < nx - 1 && p[j + 1] >= level) j++;
  if (i === 0 || j === nx - 1) {
    throw new DataError('electrolyte plateau reaches the edge of the field of view', {
      file: series.source,
      field: 'intensity',
      found: `plateau from ${x[i]} to ${x[j]} µm`,
      expected: 'intensity falling below the edge level on both sides; give the ROI explicitly',
    });
  }
  const cross = (a: number, b: number) => x[a] + ((level - p[a]) / (p[b] - p[a])) * (x[b] - x[a]);
  const leftEdge = cross(i - 1, i);
  const rightEdge = cross(j, j + 1);
  const margin = options.marginUm ?? 3 * ((x[nx - 1] - x[0]) / (nx - 1));
  const lo = leftEdge + margin;
  const hi = rightEdge - margin;
  if (!(hi > lo)) {
    throw new DataError('electrolyte plateau narrower than the edge margins', {
      file: series.source,
      field: 'intensity',
      found: `edges at ${leftEdge.toFixed(1)} and ${rightEdge.toFixed(1)} µm, margin ${margin} µm`,
      expected: 'a plateau wider than twice the margin',
    });
  }
  return [lo, hi];
}

export type NormalisationReference = 'pointwise' | 'mean';

export interface ConcentrationOptions {
  /**
   * 'pointwise' (default) divides every profile by the initial profile sample by sample, which also
   * removes the coil's receive-sensitivity shading along x; 'mean' divides by the initial profile's mean
   * over the ROI, which adds no noise from the first profile but keeps any shading.
   */
  readonly reference?: NormalisationReference;
}

/**
 * Intensities → concentrations, C(x,t) = c0 · I(x,t) / I_ref(x). The first profile must be the
 * homogeneous initial state at the declared concentration c0 (no current has flowed yet).
 * Throws DataError where a concentration is zero or negative: the drift analysis divides by C.
 */
export function toConcentration(
  series: ProfileSeries,
  c0MolM3: number,
  options: ConcentrationOptions = {},
): ProfileSeries {
  if (!Number.isFinite(c0MolM3) || c0MolM3 <= 0) {
    throw new ParameterError('initial concentration must be positive', {
      field: 'c0',
      found: c0MolM3,
      expected: '> 0 mol m⁻³',
    });
  }
  const nx = series.xUm.length;
  const nt = series.timeS.length;
  const initial = profileAt(series, 0);
  const reference = new Float64Array(nx);
  if ((options.reference ?? 'pointwise') === 'mean') {
    let s = 0;
    for (let i = 0; i < nx; i++) s += initial[i];
    reference.fill(s / nx);
  } else reference.set(initial);
  const values = new Float64Array(nt * nx);
  for (let k = 0; k < nt; k++) {
    for (let i = 0; i < nx; i++) {
      const c = (c0MolM3 * series.values[k * nx + i]) / reference[i];
      if (!(reference[i] > 0) || !(c > 0)) {
        throw new DataError('zero or negative concentration in the region of interest', {
          file: series.source,
          field: `time ${series.timeS[k]} s, x ${series.xUm[i]} µm`,
          found: reference[i] > 0 ? c : `initial intensity ${reference[i]}`,
          expected: 'positive intensity throughout the ROI (narrow the ROI away from the electrodes)',
        });
      }
      values[k * nx + i] = c;
    }
  }
  return { xUm: series.xUm, timeS: series.timeS, values, source: series.source };
}

export interface SmoothingOptions {
  /** Window (samples) of the local quadratic fit along x; 0 or 1 = no smoothing. */
  readonly xWindow?: number;
  /** Window (profiles) of the local fit along time; 0 or 1 = no smoothing. */
  readonly tWindow?: number;
  /** Polynomial order (default 2). */
  readonly order?: number;
}

/**
 * Savitzky–Golay-type smoothing along x, then along t. Why: the drift velocity needs ∂C/∂x and ∂C/∂t and
 * differentiation amplifies white noise in proportion to frequency; a local polynomial fit suppresses
 * the noise while leaving gradients and curvature (up to the polynomial order) unbiased. The first
 * profile is excluded from time smoothing: it is the reference state and the current starts after it.
 */
export function smoothProfiles(series: ProfileSeries, options: SmoothingOptions): ProfileSeries {
  const nx = series.xUm.length;
  const nt = series.timeS.length;
  const order = options.order ?? 2;
  const xw = options.xWindow ?? 0;
  const tw = options.tWindow ?? 0;
  for (const [name, w] of [
    ['xWindow', xw],
    ['tWindow', tw],
  ] as const) {
    if (!Number.isInteger(w) || w < 0)
      throw new ParameterError('smoothing window must be a non-negative integer', {
        field: name,
        found: w,
        expected: '0, 1, 2, …',
      });
    if (w > 1 && w <= order)
      throw new ParameterError('smoothing window must exceed the polynomial order', {
        field: name,
        found: w,
        expected: `> ${order}`,
      });
  }
  const values = Float64Array.from(series.values);
  if (xw > 1) {
    const row = new Float64Array(nx);
    for (let k = 0; k < nt; k++) {
      polynomialSmooth(values, series.xUm, xw, order, row, k * nx, 1);
      values.set(row, k * nx);
    }
  }
  if (tw > 1 && nt - 1 > order) {
    const times = series.timeS.subarray(1);
    const col = new Float64Array(nt - 1);
    for (let i = 0; i < nx; i++) {
      polynomialSmooth(values, times, tw, order, col, nx + i, nx);
      for (let k = 1; k < nt; k++) values[k * nx + i] = col[k - 1];
    }
  }
  return { xUm: series.xUm, timeS: series.timeS, values, source: series.source };
}
