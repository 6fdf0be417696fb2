/**
 * Domain types shared across modules. Arrays are Float64Array; units are in the names.
 * Times are absolute epoch milliseconds (UTC) unless a name says otherwise.
 */

/** Acquisition parameters of one 1D NMR acquisition (one experiment, or one row of a pseudo-2D `ser`). */
export interface AcquisitionMeta {
  /** Where it came from (experiment folder). */
  readonly source: string;
  /** Experiment number (folder name) when the series is a folder of numbered experiments. */
  readonly experimentNumber?: number;
  /** Row index (0-based) inside a `ser` file. */
  readonly rowIndex?: number;
  /** Nucleus label as in NUC1, e.g. "7Li". */
  readonly nucleus: string;
  /** Transmitter frequency SFO1, MHz. */
  readonly sfo1MHz: number;
  /** Basic frequency BF1, MHz. */
  readonly bf1MHz: number;
  /** Transmitter offset O1, Hz. */
  readonly o1Hz: number;
  /** Spectral width SW_h, Hz. */
  readonly swHz: number;
  /** Number of complex points acquired (TD/2). */
  readonly complexPoints: number;
  /** Digital-filter group delay in points (from GRPDLY or the DECIM/DSPFVS table); 0 for analogue data. */
  readonly groupDelayPoints: number;
  /** Number of scans NS. */
  readonly scans: number;
  /** Dummy scans DS. */
  readonly dummyScans: number;
  /** Recycle delay D1, s. */
  readonly recycleDelayS: number;
  /** Acquisition time per scan TD/(2·SW_h), s. */
  readonly acquisitionTimeS: number;
  /** Receiver gain RG. */
  readonly receiverGain: number;
  /** Pulse programme name. */
  readonly pulseProgram: string;
  /** Sample temperature TE, K, when acqus records one (absent or 0 means not recorded). */
  readonly temperatureK?: number;
  /** Acquisition start, epoch ms (UTC). */
  readonly startMs: number;
  /** Acquisition end, epoch ms (UTC). */
  readonly endMs: number;
}

/** Complex time-domain signal. */
export interface Fid {
  readonly re: Float64Array;
  readonly im: Float64Array;
  readonly meta: AcquisitionMeta;
}

/** Complex 1D spectrum on a ppm axis (descending ppm with index, as displayed). */
export interface Spectrum {
  readonly re: Float64Array;
  readonly im: Float64Array;
  /** Chemical shift of each point, ppm. */
  readonly ppm: Float64Array;
  /** Spectrometer reference frequency SF used for the ppm axis, MHz. */
  readonly sfMHz: number;
  readonly meta?: AcquisitionMeta;
}
