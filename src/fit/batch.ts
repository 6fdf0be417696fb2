/**
 * Fitting a whole series with one model: every spectrum in acquisition order, each fit warm-started from
 * the previous converged result (morphology changes slowly between consecutive in situ spectra, so the
 * previous optimum is a far better start than a fresh estimate), with a fresh start as fallback.
 * A spectrum that cannot be fitted gets an error row; the series goes on.
 */
import { TIME_COLUMNS, timeCells } from '../core/time-columns.js';
import { availableParallelism } from 'node:os';
import { isSpincellError, NumericalError, ParameterError } from '../core/errors.js';
import { workerFactory } from '../core/worker.js';
import type { Spectrum } from '../core/types.js';
import {
  compileModel,
  fitModel,
  type CompiledModel,
  type ComponentResult,
  type FitOptions,
  type FitResult,
  type ModelSpec,
} from './model.js';

/** What batch fitting needs from a spectrum: the ppm axis, real intensities and (optionally) its times. */
export type SeriesSpectrum = Pick<Spectrum, 'ppm' | 're'> & {
  /** Imaginary part, used by models that fit the phase (ModelSpec.phase). */
  readonly im?: Float64Array;
  readonly meta?: Partial<
    Pick<NonNullable<Spectrum['meta']>, 'startMs' | 'endMs' | 'source' | 'experimentNumber'>
  >;
};

export interface SeriesFitOptions extends FitOptions {
  /** Start each fit from the previous converged one (default true). */
  warmStart?: boolean;
  /** Called after each spectrum. */
  onProgress?: (done: number, total: number) => void;
}

export interface SeriesTimes {
  /** Acquisition start and end, epoch ms (NaN-free: null when the spectrum carries no times). */
  startMs: number | null;
  endMs: number | null;
  /** Middle of the acquisition, hours after the first spectrum's start. */
  midHours: number | null;
  /** The first spectrum's acquisition start, epoch ms: the series' time zero (core/time-columns.ts). */
  originMs: number | null;
}

/** Which spectrum of a series a result row is about, and when it was acquired. */
export interface SeriesRowHeader extends SeriesTimes {
  index: number;
  source: string | null;
  experimentNumber: number | null;
}

export interface SeriesFitRow extends SeriesRowHeader {
  result: FitResult | null;
  /** Set when this spectrum could not be fitted. */
  error: { name: string; message: string } | null;
  /** The fit started from the previous spectrum's result. */
  warmStarted: boolean;
}

/** Times of each spectrum relative to the first start (the series' time origin). */
export function seriesTimes(spectra: readonly SeriesSpectrum[]): SeriesTimes[] {
  let origin = Infinity;
  for (const s of spectra) {
    const t = s.meta?.startMs;
    if (typeof t === 'number' && Number.isFinite(t)) origin = Math.min(origin, t);
  }
  return spectra.map((s) => {
    const a = s.meta?.startMs;
    const b = s.meta?.endMs;
    const start = typeof a === 'number' && Number.isFinite(a) ? a : null;
    const end = typeof b === 'number' && Number.isFinite(b) ? b : null;
    const mid = start !== null && end !== null ? 0.5 * (start + end) : (start ?? end);
    return {
      startMs: start,
      endMs: end,
      midHours: mid !== null && Number.isFinite(origin) ? (mid - origin) / 3.6e6 : null,
      originMs: Number.isFinite(origin) ? origin : null,
    };
  });
}

/**
 * Row headers for a series read one spectrum at a time: numbers the spectra in order and times them
 * from the start of the first spectrum that carries one.
 */
export function createSeriesRowHeaders(): (spectrum: SeriesSpectrum) => SeriesRowHeader {
  let origin: number | null = null;
  let index = 0;
  return (s) => {
    const [t] = seriesTimes([s]);
    if (origin === null && t.startMs !== null) origin = t.startMs;
    const mid = t.startMs !== null && t.endMs !== null ? 0.5 * (t.startMs + t.endMs) : (t.startMs ?? t.endMs);
    return {
      index: index++,
      source: s.meta?.source ?? null,
      experimentNumber: s.meta?.experimentNumber ?? null,
      startMs: t.startMs,
      endMs: t.endMs,
      midHours: mid !== null && origin !== null ? (mid - origin) / 3.6e6 : null,
      originMs: origin,
    };
  };
}

function better(a: FitResult, b: FitResult): FitResult {
  if (a.converged !== b.converged) return a.converged ? a : b;
  return a.rss <= b.rss ? a : b;
}

/**
 * Streaming form of fitSeries for long series read one spectrum at a time: keeps the warm-start state
 * and the time origin (the first spectrum's start) between calls.
 */
export interface SeriesFitter {
  fit(spectrum: SeriesSpectrum): SeriesFitRow;
}

export function createSeriesFitter(
  modelInput: CompiledModel | ModelSpec,
  options: SeriesFitOptions = {},
): SeriesFitter {
  const model = 'roles' in (modelInput as object) ? (modelInput as CompiledModel) : compileModel(modelInput);
  const warm = options.warmStart ?? true;
  let previous: FitResult | null = null;
  const header = createSeriesRowHeaders();
  return {
    fit(s: SeriesSpectrum): SeriesFitRow {
      const row: SeriesFitRow = {
        ...header(s),
        result: null,
        error: null,
        warmStarted: false,
      };
      try {
        const fitOptions: FitOptions = {
          im: s.im,
          tolerance: options.tolerance,
          maxEvaluations: options.maxEvaluations,
          start: options.start,
        };
        if (warm && previous && previous.converged && !previous.flags.includes('no-signal')) {
          const warmFit = fitModel(model, s.ppm, s.re, { ...fitOptions, start: previous.parameters });
          row.warmStarted = true;
          row.result = warmFit;
          if (!warmFit.converged || warmFit.rSquared < previous.rSquared - 0.05) {
            // A jump in the series (new morphology, re-shimming): compare with a fresh start.
            const fresh = fitModel(model, s.ppm, s.re, fitOptions);
            row.result = better(warmFit, fresh);
            row.warmStarted = row.result === warmFit;
          }
        } else {
          row.result = fitModel(model, s.ppm, s.re, fitOptions);
        }
        previous = row.result;
      } catch (e) {
        if (!isSpincellError(e)) throw e;
        row.error = { name: e.name, message: e.message };
      }
      return row;
    },
  };
}

/** Fits one model to every spectrum of a series, in order (times relative to the earliest start). */
export function fitSeries(
  modelInput: CompiledModel | ModelSpec,
  spectra: readonly SeriesSpectrum[],
  options: SeriesFitOptions = {},
): SeriesFitRow[] {
  const fitter = createSeriesFitter(modelInput, options);
  const times = seriesTimes(spectra);
  return spectra.map((s, i) => {
    const row = { ...fitter.fit(s), ...times[i] };
    options.onProgress?.(i + 1, spectra.length);
    return row;
  });
}

export interface ParallelSeriesFitOptions extends Omit<SeriesFitOptions, 'onProgress' | 'start'> {
  /** Worker threads (default: available cores, at most one per 20 spectra). */
  workers?: number;
}

/**
 * fitSeries across worker threads: the series is cut into contiguous chunks, one per worker, each fitted
 * in order with warm starts inside the chunk (so results can differ from fitSeries only where a chunk
 * begins). Times are relative to the series' earliest start, as in fitSeries. The model must be a spec
 * (JSON-able) using shapes the workers know (the built-in ones).
 */
export async function fitSeriesParallel(
  spec: ModelSpec,
  spectra: readonly SeriesSpectrum[],
  options: ParallelSeriesFitOptions = {},
): Promise<SeriesFitRow[]> {
  compileModel(spec); // fail fast in the caller's thread with a typed error
  const requested = options.workers ?? Math.min(availableParallelism(), Math.ceil(spectra.length / 20));
  if (!(Number.isInteger(requested) && requested >= 1))
    throw new ParameterError('bad worker count', {
      field: 'workers',
      found: options.workers,
      expected: 'integer ≥ 1',
    });
  const workers = Math.min(requested, Math.max(1, spectra.length));
  const times = seriesTimes(spectra);
  if (workers === 1) return fitSeries(spec, spectra, options);
  const size = Math.ceil(spectra.length / workers);
  const chunks: (typeof spectra)[] = [];
  for (let i = 0; i < spectra.length; i += size) chunks.push(spectra.slice(i, i + size));
  const spawn = workerFactory(import.meta.url, 'batch-worker');
  const parts = await Promise.all(
    chunks.map(
      (chunk) =>
        new Promise<SeriesFitRow[]>((resolve, reject) => {
          const data = {
            spec,
            options: {
              warmStart: options.warmStart,
              tolerance: options.tolerance,
              maxEvaluations: options.maxEvaluations,
            },
            spectra: chunk.map((s) => ({
              ppm: Float64Array.from(s.ppm),
              re: Float64Array.from(s.re),
              meta: s.meta ? { ...s.meta } : undefined,
            })),
          };
          const w = spawn(data);
          w.once('message', (reply: { rows?: SeriesFitRow[]; error?: string }) => {
            void w.terminate();
            if (reply.rows) resolve(reply.rows);
            else reject(new NumericalError('a fitting worker failed', { found: reply.error }));
          });
          w.once('error', (e) =>
            reject(new NumericalError('a fitting worker failed', { found: e.message, cause: e })),
          );
        }),
    ),
  );
  return parts.flat().map((row, i) => ({ ...row, index: i, ...times[i] }));
}

/** Columns every long table of fitted lines gives each line: position, width, area and fraction, with standard errors. */
export const COMPONENT_COLUMNS = [
  'position_ppm',
  'position_se_ppm',
  'fwhm_ppm',
  'area',
  'area_se',
  'fraction',
  'fraction_se',
] as const;

/** The cells under COMPONENT_COLUMNS for one fitted line. */
export function componentCells(
  c: Pick<
    ComponentResult,
    'positionPpm' | 'positionStdErrPpm' | 'fwhmPpm' | 'area' | 'areaStdErr' | 'fraction' | 'fractionStdErr'
  >,
): number[] {
  return [c.positionPpm, c.positionStdErrPpm, c.fwhmPpm, c.area, c.areaStdErr, c.fraction, c.fractionStdErr];
}

/** A table row for a spectrum whose fit failed: its identity, empty cells, then `tail` (e.g. the error). */
export function failedFitRow(
  identity: readonly (string | number | null)[],
  width: number,
  ...tail: string[]
): (string | number | null)[] {
  return [...identity, ...new Array<null>(width - identity.length - tail.length).fill(null), ...tail];
}

/**
 * Per-spectrum, per-component long table (one row per spectrum and component) for CSV/JSON export and
 * terminal display.
 */
export function seriesFitTable(rows: readonly SeriesFitRow[]): {
  headers: string[];
  rows: (string | number | null)[][];
} {
  const headers = [
    'index',
    'experiment',
    ...TIME_COLUMNS,
    'component',
    ...COMPONENT_COLUMNS,
    'r_squared',
    'converged',
    'flags',
  ];
  const out: (string | number | null)[][] = [];
  for (const r of rows) {
    const base = [r.index, r.experimentNumber, ...timeCells(r.startMs, r.endMs, r.originMs)];
    if (!r.result) {
      out.push(failedFitRow(base, headers.length, 'false', `error:${r.error?.message ?? ''}`));
      continue;
    }
    for (const c of r.result.components) {
      out.push([
        ...base,
        c.name,
        ...componentCells(c),
        r.result.rSquared,
        String(r.result.converged),
        r.result.flags.join(' '),
      ]);
    }
  }
  return { headers, rows: out };
}
