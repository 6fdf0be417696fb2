/**
 * The processing view's two server halves. Preview: one spectrum of a run processed with the run's own
 * settings but without phase correction, referencing or baseline (as TopSpin's phase mode shows it), so
 * the browser can rotate it while the user drags ph0/ph1. Apply: the run's resolved manifest with the new
 * phase goes down the same road as `spincell run --project` (runKey → runManifest → storeRun) into a new
 * run of the same experiment; the earlier runs stay in the store.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { ppmToIndex, processFid, processSpectrum, shiftAxis } from '../nmr/index.js';
import { openListing } from '../pipeline/processing.js';
import { parseManifest, processingFlags, runManifest, type Manifest } from '../pipeline/index.js';
import { listSpectra, readSpectrumData } from '../io/spectra.js';
import {
  findCachedRun,
  runKey,
  storedSpectrum,
  storeFailedRun,
  storeRun,
  type ProjectStore,
} from '../store/index.js';
import { guardedPath } from './security.js';

/** The run's resolved manifest as stored, parsed again (it is data from disk). */
export function storedManifest(store: ProjectStore, runId: number): Manifest {
  return parseManifest(store.runDetails(runId).manifest, `run ${runId} manifest_json`);
}

export interface PhasePreview {
  readonly spectrum: number;
  /** Full-resolution points (the phase ramp runs over these). */
  readonly n: number;
  readonly stride: number;
  readonly ppmFirst: number;
  readonly ppmLast: number;
  readonly re: number[];
  readonly im: number[];
  /** The run's phase in the manifest's convention (pivot at the first point). */
  readonly ph0Deg: number;
  readonly ph1Deg: number;
}

/** One spectrum without phase, reference or baseline, its reference offset re-applied, block-averaged. */
export function phasePreview(
  store: ProjectStore,
  runId: number,
  spectrum: number,
  roots: readonly string[],
  maxPoints = 4096,
): PhasePreview {
  const m = storedManifest(store, runId);
  if (!m.nmr)
    throw new UsageError('the run has no NMR series', {
      field: 'run',
      found: runId,
      expected: 'a run with nmr',
    });
  const path = guardedPath(m.nmr.path, roots);
  if (path === null)
    throw new UsageError('the run reads spectra outside the project’s registered data folders', {
      field: 'nmr.path',
      found: m.nmr.path,
      expected: 'a folder registered by one of the project’s experiments',
    });
  const row = store.db
    .prepare(
      `SELECT ph0_deg, ph1_deg, pivot_ppm, reference_offset_ppm, source, row_index, scale_factor
       FROM spectra WHERE run_id = ? AND spectrum = ?`,
    )
    .get(runId, spectrum) as
    | {
        ph0_deg: number | null;
        ph1_deg: number | null;
        pivot_ppm: number | null;
        reference_offset_ppm: number | null;
        source: string;
        row_index: number | null;
        scale_factor: number | null;
      }
    | undefined;
  if (!row)
    throw new UsageError('no such spectrum in the run', {
      field: 'spectrum',
      found: `run ${runId}, spectrum ${spectrum}`,
      expected: 'a spectrum the run stored',
    });
  const processing = {
    ...m.nmr.processing,
    phase: { ph0Deg: 0, ph1Deg: 0 },
    baseline: 'none' as const,
    reference: 'none',
  };
  delete (processing as { phaseMode?: string }).phaseMode;
  // Only this spectrum's experiment (or ser row) is listed and read, not the whole series; its NS·RG
  // factor is the one the run stored.
  const source = guardedPath(row.source, roots);
  const listing = source === null ? null : listSpectra(source);
  const entry = listing?.entries.find((e) => (e.meta.rowIndex ?? null) === row.row_index);
  if (!listing || !entry)
    throw new UsageError('the spectrum is no longer in the data folder', {
      file: row.source,
      field: 'spectrum',
      found: spectrum,
    });
  const input = openListing(
    { ...listing, entries: [entry] },
    { ...processingFlags(processing), normalise: false },
  );
  const data = readSpectrumData(entry);
  const options = { ...input.parsed.explicit, phase: { ph0Deg: 0, ph1Deg: 0 } };
  const result =
    data.kind === 'fid'
      ? processFid(data.fid, options)
      : processSpectrum(data.spectrum, options, { hasImaginary: data.hasImaginary });
  const k = row.scale_factor ?? 1;
  const raw = result.spectrum;
  const n = raw.re.length;
  const ph1 = row.ph1_deg ?? 0;
  const pivotIndex = row.pivot_ppm === null ? 0 : ppmToIndex(raw.ppm, row.pivot_ppm);
  const ph0 = (row.ph0_deg ?? 0) - (ph1 * pivotIndex) / n;
  const shifted = shiftAxis(raw, row.reference_offset_ppm ?? 0);
  const re = storedSpectrum(
    shifted.ppm,
    Float64Array.from(raw.re, (v) => v * k),
    maxPoints,
  );
  const im = storedSpectrum(
    shifted.ppm,
    Float64Array.from(raw.im, (v) => v * k),
    maxPoints,
  );
  return {
    spectrum,
    n,
    stride: re.stride,
    ppmFirst: re.ppmFirst,
    ppmLast: re.ppmLast,
    re: Array.from(re.intensity),
    im: Array.from(im.intensity),
    ph0Deg: ph0,
    ph1Deg: ph1,
  };
}

export interface Reprocessed {
  readonly run: number;
  readonly cached: boolean;
  readonly outputDir: string;
}

const tag = (x: number) => x.toFixed(2).replace('-', 'm').replace('.', 'p');

/** What the processing view changes in a run's manifest (absent: as the run had it). */
export interface ProcessingChange {
  readonly phase?: { readonly ph0Deg: number; readonly ph1Deg: number };
  /** 'none', 'auto' (arPLS) or a polynomial on signal-free regions, as `--baseline`. */
  readonly baseline?:
    'none' | 'auto' | { readonly polyOrder: number; readonly regionsPpm?: [number, number][] };
  /** As `--ref`: 'metal:245', '0@1.2', 'offset:-0.3', 'none'. */
  readonly reference?: string;
  /** Integral regions, ppm. */
  readonly regionsPpm?: [number, number][];
  /** A morphology method preset (`spincell morphology --list-presets`) replacing the run's fit settings. */
  readonly morphologyPreset?: string;
  /** Only this spectrum of the run (its own experiment folder as the manifest's nmr.path). */
  readonly spectrum?: number;
}

/**
 * The run's manifest with the change applied, validated as a manifest file is (one-line errors naming
 * the field), and the output folder of the new run inside the project (`workbench/run-<source>-…`).
 */
export function changedManifest(
  store: ProjectStore,
  runId: number,
  change: ProcessingChange,
  roots: readonly string[] = [],
): Manifest {
  const m = storedManifest(store, runId);
  if (!m.nmr)
    throw new UsageError('the run has no NMR series to process', {
      field: 'run',
      found: runId,
      expected: 'a run with nmr',
    });
  const processing: Record<string, unknown> = { ...m.nmr.processing };
  if (change.phase) {
    processing.phase = { ph0Deg: change.phase.ph0Deg, ph1Deg: change.phase.ph1Deg };
    delete processing.phaseMode; // 'shared' applies to automatic phasing only
  }
  if (change.baseline !== undefined) processing.baseline = change.baseline;
  if (change.reference !== undefined) processing.reference = change.reference;
  const nmr: Record<string, unknown> = { ...m.nmr, processing };
  if (change.regionsPpm !== undefined) nmr.regionsPpm = change.regionsPpm;
  if (change.morphologyPreset !== undefined) nmr.morphology = { preset: change.morphologyPreset };
  if (change.spectrum !== undefined) {
    const row = store.db
      .prepare('SELECT source, row_index FROM spectra WHERE run_id = ? AND spectrum = ?')
      .get(runId, change.spectrum) as { source: string; row_index: number | null } | undefined;
    if (!row)
      throw new UsageError('no such spectrum in the run', {
        field: 'spectrum',
        found: `run ${runId}, spectrum ${change.spectrum}`,
        expected: 'a spectrum the run stored',
      });
    if (row.row_index !== null)
      throw new UsageError('one row of a pseudo-2D ser cannot be run on its own', {
        field: 'spectrum',
        found: `${row.source} row ${row.row_index}`,
        expected: 'a series of experiment folders (or apply to the series)',
      });
    if (roots.length > 0 && guardedPath(row.source, roots) === null)
      throw new UsageError('the spectrum lies outside the project’s registered data folders', {
        field: 'spectrum',
        found: row.source,
        expected: 'a folder registered by one of the project’s experiments',
      });
    nmr.path = row.source;
  }
  const onlyPhase = Object.keys(change).every((k) => k === 'phase') && change.phase;
  const hash = createHash('sha256').update(JSON.stringify(change)).digest('hex').slice(0, 8);
  const outputDir = join(
    store.dir,
    'workbench',
    // the name rounds the phase; the hash of the exact change keeps nearby settings in folders of their own
    onlyPhase
      ? `run-${runId}-ph0_${tag(onlyPhase.ph0Deg)}-ph1_${tag(onlyPhase.ph1Deg)}-${createHash('sha256')
          .update(`${onlyPhase.ph0Deg}:${onlyPhase.ph1Deg}`)
          .digest('hex')
          .slice(0, 8)}`
      : `run-${runId}-${change.spectrum !== undefined ? `spectrum${change.spectrum}-` : ''}${hash}`,
  );
  return parseManifest(
    { ...m, nmr, output: { dir: outputDir } },
    `run ${runId} with the workbench's changes`,
  );
}

/**
 * A new run of the same experiment with the processing view's settings, through the road of
 * `spincell run --project` (runKey → runManifest → storeRun); the earlier runs stay.
 */
export function reprocess(
  store: ProjectStore,
  runId: number,
  change: ProcessingChange,
  roots: readonly string[] = [],
): Reprocessed {
  const source = store.requireRun(runId);
  const changed = changedManifest(store, runId, change, roots);
  const outputDir = changed.output.dir;
  const manifestPath = source.manifest_path;
  const cell =
    source.campaign !== null && source.cell !== null ? store.cell(source.campaign, source.cell) : null;
  const key = runKey(changed, manifestPath);
  const hit = findCachedRun(store, key, cell);
  if (hit) return { run: hit.id, cached: true, outputDir };
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  let result;
  try {
    result = runManifest(changed, { manifestPath, force: true, hashedInputs: key.inputs });
  } catch (e) {
    storeFailedRun(store, key, cell, e, startedAt, { total: (performance.now() - t0) / 1000 });
    throw e;
  }
  const id = storeRun(store, {
    key,
    cell,
    provenance: result.provenance,
    results: result.results,
    outputDir: result.outputDir,
    timings: { total: (performance.now() - t0) / 1000 },
  });
  return { run: id, cached: false, outputDir: result.outputDir };
}

/** A new run of the same experiment with the series phased by hand (ph0/ph1 in the manifest's convention). */
export function reprocessWithPhase(
  store: ProjectStore,
  runId: number,
  phase: { ph0Deg: number; ph1Deg: number },
): Reprocessed {
  return reprocess(store, runId, { phase });
}
