/**
 * Domain type for one impedance spectrum as read from an instrument file.
 *
 * Sign convention: `zImOhm` is Im(Z) in the impedance convention Z = Z′ + jZ″, so a capacitive
 * response has zImOhm < 0. Readers of files that store −Z″ (EC-Lab's `-Im(Z)/Ohm`) flip the sign.
 * Points keep the order of the file (most instruments sweep from high to low frequency).
 */

export type ImpedanceFormat =
  | 'biologic-mpt'
  | 'biologic-mpr'
  | 'gamry-dta'
  | 'zplot'
  | 'autolab'
  | 'parstat'
  | 'chinstruments'
  | 'powersuite'
  | 'versastudio'
  | 'zahner'
  | 'csv'
  | 'simulated';

export interface ImpedanceSpectrum {
  /** Frequency of each point, Hz. */
  readonly freqHz: Float64Array;
  /** Real part Z′, Ω. */
  readonly zReOhm: Float64Array;
  /** Imaginary part Z″ (negative for capacitive behaviour), Ω. */
  readonly zImOhm: Float64Array;
  /** Time of each point from the start of the file's experiment, s (when the file records it). */
  readonly timeS?: Float64Array;
  /** Start of the experiment, epoch ms UTC (when the file records it; local time taken as UTC). */
  readonly startMs?: number;
  /** Where it came from (path as given). */
  readonly source: string;
  readonly format: ImpedanceFormat;
}

/** One spectrum of a dynamic EIS series with its time on the experiment's clock. */
export interface TimedSpectrum {
  readonly spectrum: ImpedanceSpectrum;
  /** Mid-sweep time, s from the start of the series. */
  readonly timeS: number;
  /** Mid-sweep time, epoch ms UTC, when the files carry an absolute start. */
  readonly timeMs?: number;
}
