/**
 * Storing a manifest run: the experiment (one per cell and manifest), the run with its resolved manifest,
 * provenance and timings, its inputs, and every result table — all in ONE immediate transaction, so a
 * process killed half-way leaves the store as it was and a second writer waits (busy timeout) instead of
 * interleaving. The cache key of a run is the canonical hash of the resolved manifest, the hash of its
 * inputs' SHA-256 and the spincell version: a stored run with the same key is a cache hit.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ALIGNED_COLUMNS, ALIGNED_NAMES } from '../echem/index.js';
import type { Allocation } from '../protocols/dead-lithium.js';
import { regionLabel } from '../pipeline/processing.js';
import {
  manifestInputFiles,
  hashFile,
  type InputFile,
  type Manifest,
  type NmrRun,
  type Provenance,
  resolvedManifest,
  type RunResults,
  spincellVersion,
  sweepData,
  type EisRun,
} from '../pipeline/index.js';
import { canonicalJson, type CellRow, type ProjectStore, type RunSummary, sha256 } from './store.js';
import { type StoredFit, toBlob } from './spectrum-data.js';
import type { AlignedSpectrum, Cycle, CyclerSeries } from '../echem/index.js';

/** What decides whether a stored run can be reused. */
export interface RunKey {
  /** Absolute path of the manifest file. */
  readonly manifestPath: string;
  /** The manifest after defaults, with absolute paths. */
  readonly manifest: Manifest;
  readonly manifestHash: string;
  readonly inputs: InputFile[];
  readonly inputsHash: string;
  readonly spincellVersion: string;
}

export function manifestHash(resolved: Manifest): string {
  return sha256(canonicalJson(resolved));
}

export function inputsHash(inputs: readonly InputFile[]): string {
  const lines = [...inputs]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => `${f.path}\t${f.bytes}\t${f.sha256}`);
  return sha256(lines.join('\n'));
}

/** Resolves the manifest and hashes its inputs (the files `runManifest` reads), without computing anything. */
export function runKey(manifest: Manifest, manifestPath: string): RunKey {
  const m = resolvedManifest(manifest, manifestPath);
  const inputs = manifestInputFiles(m, manifestPath).map(hashFile);
  return {
    manifestPath: resolve(manifestPath),
    manifest: m,
    manifestHash: manifestHash(m),
    inputs,
    inputsHash: inputsHash(inputs),
    spincellVersion: spincellVersion(),
  };
}

/** The newest complete run of this manifest (for this cell) with the same key, or null. */
export function findCachedRun(store: ProjectStore, key: RunKey, cell: CellRow | null): RunSummary | null {
  const row = store.db
    .prepare(
      `SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id
       WHERE coalesce(e.cell_id, 0) = ? AND e.manifest_path = ? AND r.status = 'complete'
         AND r.manifest_hash = ? AND r.inputs_hash = ? AND r.spincell_version = ?
       ORDER BY r.id DESC LIMIT 1`,
    )
    .get(cell?.id ?? 0, key.manifestPath, key.manifestHash, key.inputsHash, key.spincellVersion) as
    { id: number } | undefined;
  return row ? store.run(row.id) : null;
}

/** One cycle's capacity allocation (dead-lithium protocol). */
export interface DeadLithiumRow extends Allocation {
  readonly cycle: number;
  readonly initialChargeMAh: number;
}

export interface StoreRunInput {
  readonly key: RunKey;
  readonly cell: CellRow | null;
  readonly provenance: Provenance;
  readonly results: RunResults;
  readonly outputDir?: string;
  /** Seconds per pipeline stage (and 'total'). */
  readonly timings?: Record<string, number>;
  readonly deadLithium?: readonly DeadLithiumRow[];
}

/**
 * Column of the alignment table for each field of an aligned spectrum: the names of aligned.csv, except
 * the spectrum index and the window, which the table keeps in epoch ms and on the record's clock.
 */
const ALIGNMENT_COLUMN: Readonly<Record<string, string>> = {
  ...ALIGNED_NAMES,
  index: 'spectrum',
  startMs: 'start_ms',
  endMs: 'end_ms',
  startS: 'start_s',
  endS: 'end_s',
};

const b = (x: boolean | null | undefined) => (x === null || x === undefined ? null : x ? 1 : 0);
/** SQLite stores NaN as NULL; ±Infinity would be kept, but no result here is infinite by design. */
const n = (x: number | null | undefined) => (x === undefined || x === null || Number.isNaN(x) ? null : x);

/**
 * Test-only hook: with SPINCELL_STORE_HOLD_MS set, the writer announces on stderr that it is inside the
 * transaction and sleeps there, so tests can kill it (kill -9) or race a second writer against it.
 */
function testHold(): void {
  const ms = Number(process.env.SPINCELL_STORE_HOLD_MS ?? 0);
  if (!(ms > 0)) return;
  process.stderr.write('spincell-store: inside transaction\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The experiment of this manifest and cell, created (or its name and paths updated) inside the caller's transaction. */
export function experimentId(store: ProjectStore, key: RunKey, cell: CellRow | null, now: string): number {
  const { db } = store;
  const m = key.manifest;
  const cellId = cell?.id ?? null;
  const paths = {
    nmr: m.nmr?.path ?? null,
    cycler: m.cycler?.path ?? null,
    eis: m.eis?.paths ?? [],
  };
  const kind = [
    m.nmr ? 'nmr' : '',
    m.cycler ? 'cycler' : '',
    m.eis ? 'eis' : '',
    m.deadLithium ? 'dead-lithium' : '',
    m.mri ? 'mri' : '',
    m.pfg ? 'pfg' : '',
  ]
    .filter(Boolean)
    .join('+');
  db.prepare(
    `INSERT INTO experiments (cell_id, name, kind, manifest_path, paths_json, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
  ).run(cellId, m.name, kind || 'empty', key.manifestPath, JSON.stringify(paths), now);
  const exp = db
    .prepare('SELECT id FROM experiments WHERE coalesce(cell_id, 0) = ? AND manifest_path = ?')
    .get(cellId ?? 0, key.manifestPath) as { id: number };
  db.prepare('UPDATE experiments SET name = ?, kind = ?, paths_json = ? WHERE id = ?').run(
    m.name,
    kind || 'empty',
    JSON.stringify(paths),
    exp.id,
  );
  return exp.id;
}

/**
 * Records a run that failed (the pipeline threw): status 'failed' with the error's one-line message and no
 * results, so the project shows what was tried; failed runs are never cache hits nor compared.
 */
export function storeFailedRun(
  store: ProjectStore,
  key: RunKey,
  cell: CellRow | null,
  error: unknown,
  startedAt: string,
  timings: Record<string, number> = {},
): number {
  const now = new Date().toISOString();
  const message = error instanceof Error ? error.message : String(error);
  return store.db
    .transaction((): number => {
      const exp = experimentId(store, key, cell, now);
      return Number(
        store.db
          .prepare(
            `INSERT INTO runs (experiment_id, manifest_hash, inputs_hash, manifest_json, spincell_version, provenance_json,
               status, error, started_at, finished_at, stored_at, timings_json, output_dir)
             VALUES (?, ?, ?, ?, ?, '{}', 'failed', ?, ?, ?, ?, ?, NULL)`,
          )
          .run(
            exp,
            key.manifestHash,
            key.inputsHash,
            canonicalJson(key.manifest),
            key.spincellVersion,
            message,
            startedAt,
            now,
            now,
            JSON.stringify(timings),
          ).lastInsertRowid,
      );
    })
    .immediate();
}

/** Stores one run and returns its id. */
export function storeRun(store: ProjectStore, input: StoreRunInput): number {
  const { db } = store;
  const { key, results } = input;
  const now = new Date().toISOString();
  const mtimes = new Map(
    key.inputs.map((f) => {
      let mtime = NaN;
      try {
        mtime = statSync(f.path).mtimeMs;
      } catch {
        // gone since hashed: stored as -1 (unknown), so a later check re-hashes or reports it missing
      }
      return [f.path, mtime];
    }),
  );
  const write = db.transaction((): number => {
    const exp = { id: experimentId(store, key, input.cell, now) };
    const runId = Number(
      db
        .prepare(
          `INSERT INTO runs (experiment_id, manifest_hash, inputs_hash, manifest_json, spincell_version, provenance_json,
             status, started_at, finished_at, stored_at, timings_json, output_dir)
           VALUES (?, ?, ?, ?, ?, ?, 'complete', ?, ?, ?, ?, ?)`,
        )
        .run(
          exp.id,
          key.manifestHash,
          key.inputsHash,
          canonicalJson(key.manifest),
          key.spincellVersion,
          JSON.stringify(input.provenance),
          input.provenance.startedAt,
          input.provenance.finishedAt,
          now,
          JSON.stringify(input.timings ?? {}),
          input.outputDir ?? null,
        ).lastInsertRowid,
    );
    const ins = db.prepare(
      'INSERT INTO inputs (run_id, path, bytes, mtime_ms, sha256) VALUES (?, ?, ?, ?, ?)',
    );
    for (const f of key.inputs) ins.run(runId, f.path, f.bytes, n(mtimes.get(f.path)) ?? -1, f.sha256);
    testHold();
    writeRunResults(store, runId, results, input.deadLithium);
    return runId;
  });
  return write.immediate();
}

/**
 * Every result table of a run (its row in runs exists), inside the caller's transaction: what storeRun
 * writes, and what live mode writes again when it finalises its run.
 */
export function writeRunResults(
  store: ProjectStore,
  runId: number,
  results: RunResults,
  deadLithiumRows?: readonly DeadLithiumRow[],
): void {
  const { db } = store;
  const nmr = results.nmr;
  if (nmr) {
    writeSpectra(store, runId, nmr);
    writeSpectrumData(store, runId, nmr);
  }
  if (results.cycler) writeCyclerSeries(store, runId, results.cycler.series);
  if (results.aligned) writeAlignment(store, runId, results.aligned);
  if (results.cycler) writeCycles(store, runId, results.cycler.cycles);
  if (results.eis) {
    const { sweeps, deis } = results.eis;
    const im = db.prepare(
      `INSERT INTO impedance (run_id, sweep, time_s, time_iso, points, kk_max_residual, kk_pass, r_inf_ohm, polarization_ohm, lambda)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const dw = db.prepare(
      'INSERT INTO drt_windows (run_id, sweep, log10_tau_min, log10_tau_max, resistance_ohm) VALUES (?, ?, ?, ?, ?)',
    );
    sweeps.forEach((s, k) => {
      im.run(
        runId,
        k,
        deis.timeS[k],
        s.timeMs !== undefined ? new Date(s.timeMs).toISOString() : null,
        s.spectrum.freqHz.length,
        n(deis.kkMaxResidual[k]),
        b(deis.kkPass[k]),
        n(deis.rInfOhm[k]),
        n(deis.polarizationOhm[k]),
        n(deis.lambda[k]),
      );
      for (const w of deis.windows) dw.run(runId, k, w.log10TauMin, w.log10TauMax, n(w.resistanceOhm[k]));
    });
    writeImpedanceData(store, runId, results.eis);
  }
  // The manifest's deadLithium section, unless the caller gives the allocations itself.
  const af = results.sections?.deadLithium?.result;
  const deadLithium =
    deadLithiumRows ?? af?.cycles.map((c) => ({ ...c, initialChargeMAh: af.initialChargeMAh }));
  if (deadLithium) {
    const dl = db.prepare(
      `INSERT INTO dead_lithium (run_id, cycle, initial_charge_mah, reversible_mah, excess_mah, dead_mah, interphase_mah,
         reversible_percent, excess_percent, dead_percent, interphase_percent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const d of deadLithium)
      dl.run(
        runId,
        d.cycle,
        d.initialChargeMAh,
        d.reversibleMAh,
        d.excessMAh,
        d.deadMAh,
        d.interphaseMAh,
        d.reversiblePercent,
        d.excessPercent,
        d.deadPercent,
        d.interphasePercent,
      );
  }
}

/** Spectra, integrals and morphology rows of the spectra from `from` on (live mode adds them in batches). */
export function writeSpectra(store: ProjectStore, runId: number, nmr: NmrRun, from = 0): void {
  const { db } = store;

  const sp = db.prepare(
    `INSERT INTO spectra (run_id, spectrum, experiment_number, row_index, source, start_iso, mid_iso, end_iso, time_s,
       phase_mode, ph0_deg, ph1_deg, pivot_ppm, reference_offset_ppm, time_source, ns, rg, scale_factor)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const ig = db.prepare(
    'INSERT INTO integrals (run_id, spectrum, region, from_ppm, to_ppm, value) VALUES (?, ?, ?, ?, ?, ?)',
  );
  for (const r of nmr.rows.slice(from)) {
    const id = r.identity;
    sp.run(
      runId,
      id.index,
      id.experimentNumber,
      id.rowIndex,
      id.source,
      id.startIso,
      id.midIso,
      id.endIso,
      r.timeS,
      r.phase.mode,
      n(r.phase.ph0Deg),
      n(r.phase.ph1Deg),
      n(r.phase.pivotPpm),
      n(r.referenceOffsetPpm),
      id.timeSource,
      n(r.ns),
      n(r.rg),
      n(r.scaleFactor),
    );
    nmr.regionsPpm.forEach((region, k) =>
      ig.run(runId, id.index, regionLabel(region), region[0], region[1], n(r.integrals[k])),
    );
  }
  if (nmr.morphology) {
    const mo = db.prepare(
      `INSERT INTO morphology (run_id, spectrum, component_index, component, position_ppm, position_stderr_ppm, fwhm_ppm,
         area, area_stderr, fraction, fraction_stderr, r_squared, converged, error, fwhm_g_ppm, fwhm_l_ppm)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    nmr.morphology.forEach((row, i) => {
      if (i < from) return;
      const spectrum = nmr.rows[i].identity.index;
      if (!row.result) {
        mo.run(
          runId,
          spectrum,
          0,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          row.error?.message ?? 'no result',
          null,
          null,
        );
        return;
      }
      const res = row.result;
      res.components.forEach((c, k) =>
        mo.run(
          runId,
          spectrum,
          k,
          c.morphology,
          n(c.positionPpm),
          n(c.positionStdErrPpm),
          n(c.fwhmPpm),
          n(c.area),
          n(c.areaStdErr),
          n(c.fraction),
          n(c.fractionStdErr),
          n(res.rSquared),
          b(res.converged),
          null,
          n(c.fwhmGPpm),
          n(c.fwhmLPpm),
        ),
      );
    });
  }
}

/** The alignment rows of a run (live mode deletes and rewrites them as the cycler record grows). */
export function writeAlignment(
  store: ProjectStore,
  runId: number,
  aligned: readonly AlignedSpectrum[],
  table: 'alignment' | 'impedance_alignment' = 'alignment',
): void {
  const { db } = store;
  const cols = ALIGNED_COLUMNS.map((c) =>
    c === 'index' && table === 'impedance_alignment' ? 'sweep' : ALIGNMENT_COLUMN[c],
  );
  const al = db.prepare(
    `INSERT INTO ${table} (run_id, ${cols.join(', ')}) VALUES (?, ${cols.map(() => '?').join(', ')})`,
  );
  for (const a of aligned)
    al.run(
      runId,
      ...ALIGNED_COLUMNS.map((k) => {
        const v = a[k];
        return typeof v === 'boolean' ? b(v) : v === undefined ? null : typeof v === 'number' ? n(v) : v;
      }),
    );
}

/**
 * Each sweep's points, Lin-KK residuals and DRT (impedance_data; the numbers of impedance-points.csv and
 * drt.csv, from the same sweepData) and its cell state (impedance_alignment, as impedance-aligned.csv).
 */
export function writeImpedanceData(store: ProjectStore, runId: number, eis: EisRun): void {
  const ins = store.db.prepare(
    `INSERT INTO impedance_data (run_id, sweep, points, frequency_hz, z_real_ohm, z_imag_ohm, kk_residual_real_pct,
       kk_residual_imag_pct, kk_threshold_pct, drt_points, log10_tau_s, gamma_ohm) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  eis.sweeps.forEach((_, k) => {
    const d = sweepData(eis, k);
    ins.run(
      runId,
      k,
      d.freqHz.length,
      toBlob(d.freqHz),
      toBlob(d.zReOhm),
      toBlob(d.zImOhm),
      d.kkResidualRePct ? toBlob(d.kkResidualRePct) : null,
      d.kkResidualImPct ? toBlob(d.kkResidualImPct) : null,
      n(d.kkThresholdPct),
      d.log10TauS.length,
      toBlob(d.log10TauS),
      toBlob(d.gammaOhm),
    );
  });
  if (eis.aligned) writeAlignment(store, runId, eis.aligned, 'impedance_alignment');
}

/** The cycles of a run. */
export function writeCycles(store: ProjectStore, runId: number, cycles: readonly Cycle[]): void {
  const { db } = store;
  const cy = db.prepare(
    `INSERT INTO cycles (run_id, cycle, start_s, end_s, charge_mah, discharge_mah, charge_mah_cm2, discharge_mah_cm2,
           coulombic_efficiency, state_of_health, complete) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const c of cycles)
    cy.run(
      runId,
      c.number,
      c.startS,
      c.endS,
      c.chargeMAh,
      c.dischargeMAh,
      n(c.chargeMAhPerCm2),
      n(c.dischargeMAhPerCm2),
      n(c.coulombicEfficiency),
      n(c.stateOfHealth),
      b(c.complete),
    );
}

/**
 * The drawn form of each spectrum (spectrum_data), with the morphology fit's baseline and reference shift.
 * Exported for live mode, which adds spectra to a run one at a time (`from` = the first new one).
 */
export function writeSpectrumData(store: ProjectStore, runId: number, nmr: NmrRun, from = 0): void {
  const ins = store.db.prepare(
    `INSERT OR REPLACE INTO spectrum_data (run_id, spectrum, points, stride, ppm_first, ppm_last, intensity, fit_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (let i = from; i < nmr.rows.length; i++) {
    const sd = nmr.stored[i];
    if (!sd) continue;
    const res = nmr.morphology?.[i]?.result;
    const fit: StoredFit | null = res
      ? {
          referenceShiftPpm: res.referenceShiftPpm,
          windowPpm: res.fit.windowPpm,
          baseline: res.fit.baseline,
        }
      : null;
    ins.run(
      runId,
      nmr.rows[i].identity.index,
      sd.points,
      sd.stride,
      sd.ppmFirst,
      sd.ppmLast,
      toBlob(sd.intensity),
      fit ? JSON.stringify(fit) : null,
    );
  }
}

/** The cycler record of a run (cycler_series; replaced whole, as live mode grows it). */
export function writeCyclerSeries(store: ProjectStore, runId: number, series: CyclerSeries): void {
  store.db
    .prepare(
      `INSERT OR REPLACE INTO cycler_series (run_id, source, start_ms, points, time_s, voltage_v, current_ma, charge_mah)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      runId,
      series.source,
      series.startMs,
      series.timeS.length,
      toBlob(series.timeS),
      toBlob(series.voltageV),
      toBlob(series.currentMA),
      toBlob(series.chargeMAh),
    );
}
