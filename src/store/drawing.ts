/**
 * Reading what the store keeps for drawing (spectrum_data, cycler_series): one spectrum with its
 * morphology fit redrawn, the ppm × time map of a run resampled onto one axis, and the cycler record
 * thinned for a plot. The web server of the workbench reads these; so can any script.
 */
import { UsageError } from '../core/errors.js';
import type { ProjectStore } from './store.js';
import {
  fitCurves,
  float32FromBlob,
  float64FromBlob,
  storedAxisPpm,
  type StoredFit,
  type StoredLine,
} from './spectrum-data.js';

interface SpectrumDataRow {
  spectrum: number;
  points: number;
  stride: number;
  ppm_first: number;
  ppm_last: number;
  intensity: Uint8Array;
  fit_json: string | null;
}

export interface DrawnLine extends StoredLine {
  readonly fraction: number | null;
  readonly fractionStdErr: number | null;
  readonly positionStdErrPpm: number | null;
  readonly fwhmPpm: number | null;
}

export interface DrawnSpectrum {
  readonly spectrum: number;
  readonly ppm: Float64Array;
  readonly intensity: Float32Array;
  /** Raw points averaged into each drawn one. */
  readonly stride: number;
  readonly fit: {
    readonly ppm: Float64Array;
    readonly sum: Float64Array;
    readonly baseline: Float64Array;
    readonly lines: { name: string; y: Float64Array }[];
    readonly rSquared: number | null;
    readonly parameters: DrawnLine[];
  } | null;
}

/** The spectra of a run that have drawing data, in order. */
export function drawnSpectra(store: ProjectStore, runId: number): number[] {
  return (
    store.db.prepare('SELECT spectrum FROM spectrum_data WHERE run_id = ? ORDER BY spectrum').all(runId) as {
      spectrum: number;
    }[]
  ).map((r) => r.spectrum);
}

/** One spectrum of a run with its morphology fit (lines, baseline, sum) on the stored axis. */
export function readSpectrum(store: ProjectStore, runId: number, spectrum: number): DrawnSpectrum {
  const row = store.db
    .prepare('SELECT * FROM spectrum_data WHERE run_id = ? AND spectrum = ?')
    .get(runId, spectrum) as SpectrumDataRow | undefined;
  if (!row)
    throw new UsageError('no such spectrum in the run', {
      field: 'spectrum',
      found: `run ${runId}, spectrum ${spectrum}`,
      expected: 'a spectrum the run stored',
    });
  const ppm = storedAxisPpm({ points: row.points, ppmFirst: row.ppm_first, ppmLast: row.ppm_last });
  const intensity = float32FromBlob(row.intensity);
  let fit: DrawnSpectrum['fit'] = null;
  if (row.fit_json) {
    const stored = JSON.parse(row.fit_json) as StoredFit;
    const comps = store.db
      .prepare(
        `SELECT component, position_ppm, position_stderr_ppm, area, fwhm_ppm, fwhm_g_ppm, fwhm_l_ppm, fraction,
           fraction_stderr, r_squared FROM morphology WHERE run_id = ? AND spectrum = ? ORDER BY component_index`,
      )
      .all(runId, spectrum) as {
      component: string | null;
      position_ppm: number | null;
      position_stderr_ppm: number | null;
      area: number | null;
      fwhm_ppm: number | null;
      fwhm_g_ppm: number | null;
      fwhm_l_ppm: number | null;
      fraction: number | null;
      fraction_stderr: number | null;
      r_squared: number | null;
    }[];
    const parameters: DrawnLine[] = comps
      .filter((c) => c.component !== null && c.position_ppm !== null)
      .map((c) => ({
        name: c.component as string,
        positionPpm: c.position_ppm as number,
        // a line fitted at zero area comes back as NULL (NaN is not stored): it draws as nothing
        area: c.area ?? 0,
        fwhmGPpm: c.fwhm_g_ppm ?? 0,
        fwhmLPpm: c.fwhm_l_ppm ?? 0,
        fraction: c.fraction,
        fractionStdErr: c.fraction_stderr,
        positionStdErrPpm: c.position_stderr_ppm,
        fwhmPpm: c.fwhm_ppm,
      }));
    const curves = fitCurves(ppm, stored, parameters);
    fit = { ...curves, rSquared: comps[0]?.r_squared ?? null, parameters };
  }
  return { spectrum, ppm, intensity, stride: row.stride, fit };
}

/** The ppm span every stored spectrum covers, [low, high] (±Infinity for none). */
export function sharedSpanPpm(rows: readonly { ppm_first: number; ppm_last: number }[]): [number, number] {
  let lo = -Infinity;
  let hi = Infinity;
  for (const r of rows) {
    lo = Math.max(lo, Math.min(r.ppm_first, r.ppm_last));
    hi = Math.min(hi, Math.max(r.ppm_first, r.ppm_last));
  }
  return [lo, hi];
}

export interface DrawnCyclerSeries {
  readonly source: string;
  readonly startMs: number | null;
  /** Rows in the record (before thinning). */
  readonly points: number;
  readonly timeS: Float64Array;
  readonly voltageV: Float64Array;
  readonly currentMA: Float64Array;
  readonly chargeMAh: Float64Array;
}

/**
 * The run's cycler record, thinned to at most `maxPoints` rows by keeping each bucket's first, minimum and
 * maximum voltage rows (so steps and spikes survive), or null when the run has no cycler record.
 */
export function readCyclerSeries(
  store: ProjectStore,
  runId: number,
  maxPoints = 20_000,
): DrawnCyclerSeries | null {
  const r = store.db.prepare('SELECT * FROM cycler_series WHERE run_id = ?').get(runId) as
    | {
        source: string;
        start_ms: number | null;
        points: number;
        time_s: Uint8Array;
        voltage_v: Uint8Array;
        current_ma: Uint8Array;
        charge_mah: Uint8Array;
      }
    | undefined;
  if (!r) return null;
  const t = float64FromBlob(r.time_s);
  const v = float64FromBlob(r.voltage_v);
  const i = float64FromBlob(r.current_ma);
  const q = float64FromBlob(r.charge_mah);
  const keep = thinMinMax(v, maxPoints);
  const pick = (a: Float64Array) => Float64Array.from(keep, (k) => a[k]);
  return {
    source: r.source,
    startMs: r.start_ms,
    points: r.points,
    timeS: pick(t),
    voltageV: pick(v),
    currentMA: pick(i),
    chargeMAh: pick(q),
  };
}

/** Row indices keeping, per bucket, the first row and the rows of minimum and maximum y, in order. */
export function thinMinMax(y: ArrayLike<number>, maxPoints: number): number[] {
  const n = y.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, k) => k);
  const buckets = Math.max(1, Math.floor(maxPoints / 3));
  const size = Math.ceil(n / buckets);
  const out: number[] = [];
  for (let s = 0; s < n; s += size) {
    const e = Math.min(n, s + size);
    let lo = s;
    let hi = s;
    for (let k = s; k < e; k++) {
      if (y[k] < y[lo]) lo = k;
      if (y[k] > y[hi]) hi = k;
    }
    for (const k of [...new Set([s, lo, hi])].sort((a, b) => a - b)) out.push(k);
  }
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}
