/**
 * The series of 1D MRI profiles that the readers in this folder produce and transport/ analyses.
 */

/** Profiles on a common spatial axis at increasing times; `values` is row-major (time × position). */
export interface ProfileSeries {
  /** Position of each sample, µm, ascending, measured from the plating electrode. */
  readonly xUm: Float64Array;
  /** Time of each profile, s, strictly increasing (middle of its acquisition). */
  readonly timeS: Float64Array;
  /** Row-major nt × nx: intensity (arbitrary units) or concentration (mol m⁻³). */
  readonly values: Float64Array;
  /** File the series came from, for error messages. */
  readonly source?: string;
}
