/**
 * The live run in the project store: ONE row of runs with status 'live' that `spincell watch` grows batch
 * by batch, each batch one immediate transaction (a process killed inside it leaves the store as it was
 * before the batch), each stamping runs.updated_at and runs.progress — the web workbench polls those. At
 * the end the row is finalised in one transaction: its result tables are written again from the finished
 * run's results with the same writers `spincell run --project` uses, the inputs and provenance recorded and
 * the status set to 'complete' (or 'failed' with the error).
 */
import { statSync } from 'node:fs';
import type { AlignedSpectrum } from '../echem/index.js';
import type { CyclerRun, EisRun, Manifest, NmrRun, RunResult } from '../pipeline/index.js';
import {
  type CellRow,
  canonicalJson,
  experimentId,
  inputsHash,
  manifestHash,
  type ProjectStore,
  type RunKey,
  writeAlignment,
  writeCycles,
  writeCyclerSeries,
  writeRunResults,
  writeSpectra,
  writeSpectrumData,
  type DeadLithiumRow,
} from '../store/index.js';

/** What one batch changes. */
export interface LiveBatch {
  /** NMR results so far (the step's result), or null without an NMR series. */
  readonly nmr: NmrRun | null;
  /** First spectrum not yet stored; 0 with `rewrite` (every spectrum's rows are replaced). */
  readonly from: number;
  /** Replace all spectrum rows (times revised, or the series processed again from the start). */
  readonly rewrite: boolean;
  /** The cycler record as far as it is written, when it changed (or the spectra did). */
  readonly cycler: CyclerRun | null;
  readonly aligned: readonly AlignedSpectrum[] | null;
  readonly deadLithium: readonly DeadLithiumRow[] | null;
  /** Lin-KK and DRT of the impedance files written so far, when that set changed. */
  readonly eis: EisRun | null;
  /** One line for runs.progress. */
  readonly progress: string;
}

/**
 * Test-only hook (as the store's SPINCELL_STORE_HOLD_MS): with SPINCELL_LIVE_HOLD_MS set, a batch
 * announces on stderr that it is inside its transaction and sleeps there, so a test can kill -9 it;
 * with SPINCELL_LIVE_HOLD_ABOVE=N only a batch that takes the run beyond N spectra (or the finalisation).
 */
function testHold(spectra: number | null): void {
  const ms = Number(process.env.SPINCELL_LIVE_HOLD_MS ?? 0);
  if (!(ms > 0)) return;
  const above = process.env.SPINCELL_LIVE_HOLD_ABOVE;
  if (above !== undefined && spectra !== null && !(spectra > Number(above))) return;
  process.stderr.write('spincell-live: inside transaction\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Key of a live run before its inputs are hashed (they are at the end). */
export function liveKey(manifest: Manifest, manifestPath: string, version: string): RunKey {
  return {
    manifestPath,
    manifest,
    manifestHash: manifestHash(manifest),
    inputs: [],
    inputsHash: 'live',
    spincellVersion: version,
  };
}

/**
 * The live run of this experiment to continue (a watch that was killed), or a new one. A live run of the
 * same experiment with other settings or another spincell version is marked failed: it cannot be continued.
 */
export function openLiveRun(
  store: ProjectStore,
  key: RunKey,
  cell: CellRow | null,
): { runId: number; resumed: boolean } {
  const { db } = store;
  return db
    .transaction(() => {
      const now = new Date().toISOString();
      const exp = experimentId(store, key, cell, now);
      const live = db
        .prepare(
          `SELECT id, manifest_hash, spincell_version FROM runs WHERE experiment_id = ? AND status = 'live' ORDER BY id`,
        )
        .all(exp) as { id: number; manifest_hash: string; spincell_version: string }[];
      let resumed: number | null = null;
      for (const r of live) {
        if (
          resumed === null &&
          r.manifest_hash === key.manifestHash &&
          r.spincell_version === key.spincellVersion
        )
          resumed = r.id;
        else
          db.prepare(
            `UPDATE runs SET status = 'failed', error = ?, updated_at = ?, finished_at = ? WHERE id = ?`,
          ).run('watch stopped before the run was finished; superseded by a new watch', now, now, r.id);
      }
      if (resumed !== null) {
        db.prepare(`UPDATE runs SET updated_at = ?, progress = ? WHERE id = ?`).run(now, 'resumed', resumed);
        return { runId: resumed, resumed: true };
      }
      const id = Number(
        db
          .prepare(
            `INSERT INTO runs (experiment_id, manifest_hash, inputs_hash, manifest_json, spincell_version, provenance_json,
               status, started_at, finished_at, stored_at, timings_json, output_dir, updated_at, progress)
             VALUES (?, ?, ?, ?, ?, '{}', 'live', ?, ?, ?, '{}', ?, ?, ?)`,
          )
          .run(
            exp,
            key.manifestHash,
            key.inputsHash,
            canonicalJson(key.manifest),
            key.spincellVersion,
            now,
            now,
            now,
            key.manifest.output.dir,
            now,
            'started',
          ).lastInsertRowid,
      );
      return { runId: id, resumed: false };
    })
    .immediate();
}

/** Spectra rows stored for a live run (a restarted watch reports how far the killed one got). */
export function storedSpectra(store: ProjectStore, runId: number): number {
  return (store.db.prepare('SELECT count(*) AS n FROM spectra WHERE run_id = ?').get(runId) as { n: number })
    .n;
}

/** Writes one batch in one transaction. */
export function writeBatch(store: ProjectStore, runId: number, batch: LiveBatch): void {
  const { db } = store;
  db.transaction(() => {
    testHold(batch.nmr?.rows.length ?? 0);
    const nmr = batch.nmr;
    if (nmr) {
      if (batch.rewrite) db.prepare('DELETE FROM spectra WHERE run_id = ?').run(runId);
      const from = batch.rewrite ? 0 : batch.from;
      writeSpectra(store, runId, nmr, from);
      writeSpectrumData(store, runId, nmr, from);
    }
    if (batch.cycler) {
      writeCyclerSeries(store, runId, batch.cycler.series);
      db.prepare('DELETE FROM cycles WHERE run_id = ?').run(runId);
      writeCycles(store, runId, batch.cycler.cycles);
    }
    if (batch.aligned) {
      db.prepare('DELETE FROM alignment WHERE run_id = ?').run(runId);
      writeAlignment(store, runId, batch.aligned);
    }
    if (batch.deadLithium) db.prepare('DELETE FROM dead_lithium WHERE run_id = ?').run(runId);
    if (batch.eis) db.prepare('DELETE FROM impedance WHERE run_id = ?').run(runId);
    if (batch.deadLithium || batch.eis)
      writeRunResults(
        store,
        runId,
        { nmr: null, cycler: null, aligned: null, eis: batch.eis },
        batch.deadLithium ?? undefined,
      );
    db.prepare('UPDATE runs SET updated_at = ?, progress = ? WHERE id = ?').run(
      new Date().toISOString(),
      batch.progress,
      runId,
    );
  }).immediate();
}

/** Every result table of a run, cleared before the finished results are written whole. */
const RESULT_TABLES = [
  'spectra',
  'alignment',
  'cycles',
  'impedance',
  'dead_lithium',
  'cycler_series',
  'inputs',
] as const;

/** Finalises the live run from the finished run's results (the run wrote its output folder already). */
export function finishLiveRun(
  store: ProjectStore,
  runId: number,
  key: RunKey,
  result: RunResult,
  timings: Record<string, number>,
): void {
  const { db } = store;
  const inputs = result.provenance.inputs;
  const mtimes = new Map(
    inputs.map((f) => {
      let mtime = -1;
      try {
        mtime = statSync(f.path).mtimeMs;
      } catch {
        // gone since hashed: unknown (-1), as storeRun records it
      }
      return [f.path, mtime];
    }),
  );
  db.transaction(() => {
    testHold(null);
    for (const table of RESULT_TABLES) db.prepare(`DELETE FROM ${table} WHERE run_id = ?`).run(runId);
    const now = new Date().toISOString();
    db.prepare(
      `UPDATE runs SET status = 'complete', error = NULL, inputs_hash = ?, manifest_hash = ?, manifest_json = ?,
         provenance_json = ?, finished_at = ?, stored_at = ?, timings_json = ?, output_dir = ?,
         updated_at = ?, progress = ? WHERE id = ?`,
    ).run(
      inputsHash(inputs),
      key.manifestHash,
      canonicalJson(key.manifest),
      JSON.stringify(result.provenance),
      result.provenance.finishedAt,
      now,
      JSON.stringify(timings),
      result.outputDir,
      now,
      'finished',
      runId,
    );
    const ins = db.prepare(
      'INSERT INTO inputs (run_id, path, bytes, mtime_ms, sha256) VALUES (?, ?, ?, ?, ?)',
    );
    for (const f of inputs) ins.run(runId, f.path, f.bytes, mtimes.get(f.path) ?? -1, f.sha256);
    writeRunResults(store, runId, result.results);
  }).immediate();
}

/** The live run failed at its end (the finished run was refused): status 'failed' with the error. */
export function failLiveRun(store: ProjectStore, runId: number, error: unknown): void {
  const now = new Date().toISOString();
  const message = error instanceof Error ? error.message : String(error);
  store.db
    .prepare(
      `UPDATE runs SET status = 'failed', error = ?, finished_at = ?, updated_at = ?, progress = ? WHERE id = ?`,
    )
    .run(message, now, now, 'failed', runId);
}
