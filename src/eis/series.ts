/**
 * Dynamic EIS series: the DRT of every spectrum on one τ grid (a map log τ × time), the resistances of
 * the integration windows and R∞ against time, and the Kramers–Kronig verdict of each spectrum, so that
 * interphase growth can be followed alongside the cycler and NMR data (method: Thienenkamp et al. 2024 — DRT over
 * −4 < log10 τ < 0 tracked during polarisation).
 */
import type { TimedSpectrum } from '../io/eis/types.js';
import { drt, drtSetup, type DrtOptions, type DrtResult, type DrtSetup } from './drt.js';
import { linKK, type LinKKOptions, type LinKKResult } from './kk.js';
import { checkSpectrum } from './spectrum.js';

export interface DeisOptions extends DrtOptions {
  /** Run Lin-KK on each spectrum (default true); options, or false to skip. */
  kk?: LinKKOptions | false;
  /** Called after each spectrum (progress bars). */
  onProgress?: (done: number, total: number) => void;
}

export interface DeisResult {
  /** Mid-sweep time of each spectrum, s. */
  readonly timeS: Float64Array;
  /** Absolute times, epoch ms, when known for every spectrum. */
  readonly timeMs?: Float64Array;
  /** τ of the map columns, s. */
  readonly tauS: Float64Array;
  /** γ map, row-major (spectrum × τ), Ω per unit ln τ. */
  readonly gammaMap: Float64Array;
  /** Resistance of each window vs time. */
  readonly windows: {
    readonly log10TauMin: number;
    readonly log10TauMax: number;
    readonly resistanceOhm: Float64Array;
  }[];
  readonly rInfOhm: Float64Array;
  readonly polarizationOhm: Float64Array;
  readonly lambda: Float64Array;
  /** Lin-KK max |residual| per spectrum (NaN when skipped) and verdict. */
  readonly kkMaxResidual: Float64Array;
  readonly kkPass: boolean[];
  /** Full Lin-KK result per spectrum (residuals per frequency), null when skipped. */
  readonly kk: (LinKKResult | null)[];
  /** Full DRT result per spectrum. */
  readonly results: DrtResult[];
}

function freqKey(f: Float64Array): string {
  return Array.from(f, (v) => v.toPrecision(10)).join(',');
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Setups (discretisation matrices; with them drt's cached Gram matrix, factor and γ operator) of recent
 * analyses by frequencies and grid options: analysing a growing series again (live mode) or another series
 * of the same instrument programme reuses them. drtSetup is a pure function of these keys.
 */
const recentSetups = new Map<string, DrtSetup>();
const RECENT_SETUPS = 8;

function setupFor(freqHz: Float64Array, o: DrtOptions): DrtSetup {
  const key = [freqKey(freqHz), o.nTau, o.tauMinS, o.tauMaxS, o.basis, o.shapeCoefficient, o.derivative].join(
    '|',
  );
  let st = recentSetups.get(key);
  if (st) {
    recentSetups.delete(key); // most recently used last
  } else {
    st = drtSetup(freqHz, o);
    if (recentSetups.size >= RECENT_SETUPS) recentSetups.delete(recentSetups.keys().next().value as string);
  }
  recentSetups.set(key, st);
  return st;
}

/** Runs DRT (and Lin-KK) over a time-ordered series of spectra. */
export function analyseDeis(series: readonly TimedSpectrum[], options: DeisOptions = {}): DeisResult {
  // The checks `drt` and `linKK` make on each sweep (frequencies positive, distinct, sorted; Z finite),
  // made on every sweep before the common τ grid is built from their frequencies.
  for (const t of series) checkSpectrum(t.spectrum, { allowPositiveImag: true });
  // One common τ grid for the map: from the first spectrum unless given.
  const first = series[0]?.spectrum.freqHz;
  const common: DrtOptions = { ...options };
  if (first && (options.tauMinS === undefined || options.tauMaxS === undefined)) {
    let fMin = Infinity;
    let fMax = 0;
    for (const t of series) {
      for (const f of t.spectrum.freqHz) {
        fMin = Math.min(fMin, f);
        fMax = Math.max(fMax, f);
      }
    }
    common.tauMinS ??= 1 / (2 * Math.PI * fMax);
    common.tauMaxS ??= 1 / (2 * Math.PI * fMin);
  }
  const results: DrtResult[] = [];
  const kkMax = new Float64Array(series.length).fill(NaN);
  const kkPass: boolean[] = [];
  const kkResults: (LinKKResult | null)[] = [];
  let last: { freqHz: Float64Array; setup: DrtSetup } | null = null;
  series.forEach((t, i) => {
    // Sweeps of a series mostly repeat the frequencies of the one before: then its setup, without a key.
    let st = last !== null && sameValues(last.freqHz, t.spectrum.freqHz) ? last.setup : undefined;
    st ??= setupFor(t.spectrum.freqHz, common);
    last = { freqHz: t.spectrum.freqHz, setup: st };
    // Sweeps on one setup share H = AᵀA + λM and its factor (drt caches them).
    const result = drt(t.spectrum, common, st);
    results.push(result);
    if (options.kk !== false) {
      const kk = linKK(t.spectrum, {
        ...(options.kk ?? {}),
        ...(options.allowPositiveImag !== undefined ? { allowPositiveImag: options.allowPositiveImag } : {}),
      });
      kkMax[i] = kk.maxAbsResidual;
      kkPass.push(kk.pass);
      kkResults.push(kk);
    } else {
      kkPass.push(true);
      kkResults.push(null);
    }
    options.onProgress?.(i + 1, series.length);
  });
  const nT = results[0]?.tauFineS.length ?? 0;
  const map = new Float64Array(series.length * nT);
  results.forEach((r, i) => map.set(r.gammaOhm, i * nT));
  const windows = (results[0]?.windows ?? []).map((w, k) => ({
    log10TauMin: w.log10TauMin,
    log10TauMax: w.log10TauMax,
    resistanceOhm: Float64Array.from(results, (r) => r.windows[k].resistanceOhm),
  }));
  const allAbsolute = series.length > 0 && series.every((t) => t.timeMs !== undefined);
  return {
    timeS: Float64Array.from(series, (t) => t.timeS),
    ...(allAbsolute ? { timeMs: Float64Array.from(series, (t) => t.timeMs as number) } : {}),
    tauS: results[0]?.tauFineS ?? new Float64Array(0),
    gammaMap: map,
    windows,
    rInfOhm: Float64Array.from(results, (r) => r.rInfOhm),
    polarizationOhm: Float64Array.from(results, (r) => r.polarizationOhm),
    lambda: Float64Array.from(results, (r) => r.lambda),
    kkMaxResidual: kkMax,
    kkPass,
    kk: kkResults,
    results,
  };
}
