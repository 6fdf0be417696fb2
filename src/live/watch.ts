/**
 * Live mode: follows an experiment while its files are being written and keeps ONE run of the project
 * store current (status 'live'), then finalises it as `spincell run` would have stored it.
 *
 * - NMR: the experiments of the manifest's series (src/live/files.ts decides when one is complete and
 *   stable, never half-read; a ser counts its complete rows) are listed and each new spectrum goes
 *   through the run's own per-spectrum step (createNmrStep: processing, integrals, drawing, morphology
 *   fit warm-started from the previous spectrum, model fit). When the listing revises what was already
 *   processed — times of a growing ser's rows, an audita.txt written after the fid — the times are
 *   re-derived and the spectra rows rewritten; when it changes the data themselves (an experiment
 *   replaced, spectra reordered, NS·RG normalisation switching) the series is processed again from
 *   the start, since each fit starts from the previous one.
 * - Cycler: the file is re-read up to its last complete line whenever it changed (an EC-Lab export that
 *   rewrites its header is simply read whole again; a read that does not parse — a header being
 *   rewritten — is skipped until the file changes), its cycles recomputed and every spectrum aligned
 *   again, so spectra acquired before the record caught up with them gain their cell state.
 * - Dead lithium: the manifest's deadLithium section is recomputed whenever its input files change;
 *   impedance (Lin-KK, DRT) whenever the set of impedance files present and stable changes.
 * - Each batch (new spectra, a grown record) is one transaction that also stamps runs.updated_at.
 * - At the end (`untilIdleS` without new data, or the signal) the run is finished by runManifest itself
 *   with the processed spectra handed over (RunOptions.live): cycler, alignment, impedance and the other
 *   sections are computed by the run's code on the files as they are then, the output folder is written
 *   all-or-nothing, and the store row is finalised in one transaction with the same writers as
 *   `spincell run --project`.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MissingFileError, SpincellError, UsageError } from '../core/errors.js';
import type { AlignedSpectrum } from '../echem/index.js';
import { parseCyclerFile } from '../io/cycler/index.js';
import { listSpectra, type SpectrumEntry } from '../io/spectra.js';
import {
  alignRun,
  analyseCyclerRecords,
  analyseEis,
  createNmrStep,
  cyclerReadOptions,
  type CyclerRun,
  type EisRun,
  type Manifest,
  type NmrRun,
  type NmrStep,
  processingFlags,
  resolvedManifest,
  runManifest,
  type RunResult,
  spincellVersion,
} from '../pipeline/index.js';
import { type OpenedInput, openListing } from '../pipeline/processing.js';
import { deadLithiumInputs, runDeadLithium } from '../pipeline/sections/index.js';
import type { CellRow, DeadLithiumRow, ProjectStore } from '../store/index.js';
import { ExperimentTracker, GrowingFile } from './files.js';
import { failLiveRun, finishLiveRun, liveKey, openLiveRun, storedSpectra, writeBatch } from './store.js';

/** One progress event (one JSON line with `spincell watch --json`). `time`: ISO 8601, UTC. */
export type LiveEvent =
  | { event: 'started'; time: string; run: number; resumed: boolean; stored: number }
  | {
      event: 'spectrum';
      time: string;
      run: number;
      spectrum: number;
      experiment: number | null;
      row: number | null;
      source: string;
      /** Spectra in the run after this one. */
      spectra: number;
    }
  | { event: 'reprocessed'; time: string; run: number; reason: string; spectra: number }
  | { event: 'retimed'; time: string; run: number; spectra: number }
  | { event: 'cycler'; time: string; run: number; rows: number; added: number; cycles: number }
  | { event: 'alignment'; time: string; run: number; spectra: number; updated: number }
  | { event: 'dead-lithium'; time: string; run: number; cycles: number }
  | { event: 'impedance'; time: string; run: number; files: number; sweeps: number }
  | { event: 'warning'; time: string; run: number; message: string }
  | { event: 'idle'; time: string; run: number; idleS: number }
  | {
      event: 'finished';
      time: string;
      run: number;
      status: 'complete' | 'failed';
      spectra: number;
      outputDir: string | null;
      error?: string;
    };

export interface WatchOptions {
  readonly manifest: Manifest;
  readonly manifestPath: string;
  readonly store: ProjectStore;
  readonly cell?: CellRow | null;
  /** Stop after this many seconds without new data (default: only on the signal). */
  readonly untilIdleS?: number;
  /** Interval between looks at the files, ms (default 500). */
  readonly pollMs?: number;
  /** Processing time after which the spectra done so far are stored as one batch, ms (default 1000). */
  readonly batchMs?: number;
  /** Stops the watch (Ctrl-C): the batch in hand is stored, then the run finalised. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: LiveEvent) => void;
  /** Passed to the run that finalises (replace spincell's earlier files in output.dir even if changed). */
  readonly force?: boolean;
}

export interface WatchResult {
  readonly runId: number;
  readonly status: 'complete' | 'failed';
  readonly spectra: number;
  /** The finishing run (null when it failed). */
  readonly result: RunResult | null;
  readonly error: unknown;
}

const now = () => new Date().toISOString();

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) return done();
    const t = setTimeout(finish, ms);
    function finish() {
      clearTimeout(t);
      signal?.removeEventListener('abort', finish);
      done();
    }
    signal?.addEventListener('abort', finish, { once: true });
  });
}

/** Lets signal handlers run between batches. */
const yieldToEvents = () => new Promise<void>((done) => setImmediate(done));

/** The FID an entry reads and how (a change means the spectrum must be processed again). */
function dataKey(e: SpectrumEntry): string {
  const { startMs: _s, endMs: _e, ...meta } = e.meta;
  const b = e.bruker;
  return JSON.stringify([
    e.experimentPath,
    b ? [b.dataFile, b.offsetBytes, b.td, b.dataType, b.byteOrder, b.groupDelaySource] : null,
    e.pdataDir ?? null,
    e.jcampFile ?? null,
    meta,
    e.variable ?? null,
  ]);
}

const timeKey = (e: SpectrumEntry) => `${e.meta.startMs}:${e.meta.endMs}:${e.timeSource}`;

function fileSignature(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return '';
  }
}

/** Follows the experiment until idle or stopped, then finalises its run. */
export async function watchExperiment(options: WatchOptions): Promise<WatchResult> {
  const manifestPath = resolve(options.manifestPath);
  const m = resolvedManifest(options.manifest, options.manifestPath);
  const store = options.store;
  if (m.nmr?.processing?.phaseMode === 'shared')
    throw new UsageError(
      'a shared phase needs the whole series; live mode processes each spectrum as it arrives',
      {
        file: options.manifestPath,
        field: 'nmr.processing.phaseMode',
        found: 'shared',
        expected: "'each' (or spincell run on the finished series)",
      },
    );
  const key = liveKey(m, manifestPath, spincellVersion());
  const { runId, resumed } = openLiveRun(store, key, options.cell ?? null);
  const emit = (e: LiveEvent) => options.onEvent?.(e);
  const warn = (message: string) => emit({ event: 'warning', time: now(), run: runId, message });
  // A resumed run keeps showing what the killed watch stored until this one has caught up with it.
  const holdUntil = resumed ? storedSpectra(store, runId) : 0;
  emit({ event: 'started', time: now(), run: runId, resumed, stored: holdUntil });
  const pollMs = options.pollMs ?? 500;
  const batchMs = options.batchMs ?? 1000;
  const signal = options.signal;
  const t0 = performance.now();

  const tracker = m.nmr ? new ExperimentTracker(m.nmr.path) : null;
  const flags = m.nmr ? { ...processingFlags(m.nmr.processing), normalise: m.nmr.normalise } : {};
  let opened: OpenedInput | null = null;
  let step: NmrStep | null = null;
  let processed: SpectrumEntry[] = [];
  let normalised: boolean | null = null;
  let queue: SpectrumEntry[] = [];
  // A resumed run's rows were written by a process now gone: the first batch replaces them all.
  let rewrite = resumed;
  let stored = 0;

  const cyclerFile = m.cycler ? new GrowingFile(m.cycler.path) : null;
  let cycler: CyclerRun | null = null;
  let cyclerChanged = false;
  let aligned: AlignedSpectrum[] | null = null;
  const deadInputs = m.deadLithium ? deadLithiumInputs(m.deadLithium).map((i) => i.path) : [];
  let deadSignature = '';
  let dead: DeadLithiumRow[] | null = null;
  const reported = new Set<string>();
  const eisSignatures = new Map<string, string>();
  let eisAnalysed = '';
  let eis: EisRun | null = null;

  /** Lists the complete experiments and decides what to (re)process. */
  function relist(): boolean {
    if (!tracker || !m.nmr || !tracker.any) return false;
    let next: OpenedInput;
    try {
      next = openListing(listSpectra(m.nmr.path, { include: tracker.include }), flags);
    } catch (e) {
      if (!(e instanceof SpincellError)) throw e;
      if (!reported.has(e.message)) {
        reported.add(e.message);
        warn(`${m.nmr.path}: not listed yet: ${e.message}`);
      }
      return false;
    }
    const entries = next.entries;
    if (entries.length === 0) return false;
    let restart: string | null = null;
    if (processed.length > entries.length) restart = 'spectra already processed are gone';
    else if (normalised !== null && normalised !== next.normalised) restart = 'NS·RG normalisation changed';
    else
      for (let k = 0; k < processed.length; k++)
        if (dataKey(processed[k]) !== dataKey(entries[k])) {
          restart = `spectrum ${k} (${entries[k].experimentPath}) changed`;
          break;
        }
    if (restart === null && processed.some((e, k) => timeKey(e) !== timeKey(entries[k]))) {
      rewrite = true;
      processed = entries.slice(0, processed.length);
      emit({ event: 'retimed', time: now(), run: runId, spectra: processed.length });
    }
    if (restart !== null || step === null) {
      if (restart !== null)
        emit({ event: 'reprocessed', time: now(), run: runId, reason: restart, spectra: 0 });
      step = createNmrStep(m.nmr, manifestPath, next);
      processed = [];
      rewrite = rewrite || restart !== null || stored > 0;
    }
    opened = next;
    normalised = next.normalised;
    queue = entries.slice(processed.length);
    return queue.length > 0 || rewrite;
  }

  function readCycler(): boolean {
    if (!cyclerFile || !m.cycler) return false;
    const bytes = cyclerFile.read();
    if (!bytes) return false;
    try {
      const records = parseCyclerFile(bytes, m.cycler.path, cyclerReadOptions(m.cycler));
      const before = cycler?.series.timeS.length ?? 0;
      cycler = analyseCyclerRecords(records, m.cycler);
      const rows = cycler.series.timeS.length;
      emit({
        event: 'cycler',
        time: now(),
        run: runId,
        rows,
        added: rows - before,
        cycles: cycler.cycles.length,
      });
      cyclerChanged = true;
      return true;
    } catch (e) {
      // A header being rewritten or a record not yet long enough to analyse: the next change is read again.
      if (!(e instanceof SpincellError)) throw e;
      return false;
    }
  }

  function readDeadLithium(): boolean {
    if (!m.deadLithium) return false;
    const sig = deadInputs.map(fileSignature).join('|');
    if (sig === deadSignature) return false;
    deadSignature = sig;
    try {
      const r = runDeadLithium(m.deadLithium).result;
      dead = r.cycles.map((c) => ({ ...c, initialChargeMAh: r.initialChargeMAh }));
      return true;
    } catch (e) {
      if (!(e instanceof SpincellError)) throw e;
      return false;
    }
  }

  /** Lin-KK and DRT of the impedance files present and unchanged since the last poll, when that set changed. */
  function readEis(): boolean {
    if (!m.eis) return false;
    const ready: string[] = [];
    for (const p of m.eis.paths) {
      const sig = fileSignature(p);
      if (sig !== '' && eisSignatures.get(p) === sig) ready.push(p);
      eisSignatures.set(p, sig);
    }
    const state = ready.map((p) => `${p}:${eisSignatures.get(p)}`).join('|');
    if (ready.length === 0 || state === eisAnalysed) return false;
    eisAnalysed = state;
    try {
      eis = analyseEis({ ...m.eis, paths: ready });
    } catch (e) {
      if (!(e instanceof SpincellError)) throw e;
      warn(`impedance not analysed yet: ${e.message}`);
      return false;
    }
    emit({ event: 'impedance', time: now(), run: runId, files: ready.length, sweeps: eis.sweeps.length });
    return true;
  }

  function nmrNow(): NmrRun | null {
    return step && opened && step.count > 0 ? step.result(opened) : null;
  }

  /** Stores what changed since the last batch, in one transaction, then tells the listeners. */
  function commit(fresh: SpectrumEntry[], deadChanged: boolean, eisChanged = false): void {
    const nmr = nmrNow();
    const spectraChanged = fresh.length > 0 || rewrite;
    let realigned: AlignedSpectrum[] | null = null;
    let updated = 0;
    if (cycler && m.cycler && nmr && (spectraChanged || cyclerChanged)) {
      try {
        realigned = alignRun(nmr, cycler, m.cycler);
        const before = aligned;
        updated = realigned.filter((a, k) => !before || before[k]?.status !== a.status).length;
      } catch (e) {
        if (!(e instanceof SpincellError)) throw e;
        warn(`alignment not updated: ${e.message}`);
      }
    }
    if (!spectraChanged && !cyclerChanged && !deadChanged && !eisChanged && !realigned) return;
    const spectra = nmr?.rows.length ?? 0;
    writeBatch(store, runId, {
      nmr: spectraChanged ? nmr : null,
      from: stored,
      rewrite,
      cycler: cyclerChanged ? cycler : null,
      aligned: realigned,
      deadLithium: deadChanged ? dead : null,
      eis: eisChanged ? eis : null,
      progress: `${spectra} spectra${cycler ? `, ${cycler.series.timeS.length} cycler rows, ${cycler.cycles.length} cycles` : ''}`,
    });
    if (realigned) aligned = realigned;
    const time = now();
    if (nmr && spectraChanged) {
      stored = spectra;
      rewrite = false;
    }
    cyclerChanged = false;
    if (nmr)
      for (const e of fresh) {
        const r = nmr.rows[e.index];
        emit({
          event: 'spectrum',
          time,
          run: runId,
          spectrum: e.index,
          experiment: r?.identity.experimentNumber ?? null,
          row: r?.identity.rowIndex ?? null,
          source: e.experimentPath,
          spectra,
        });
      }
    if (realigned) emit({ event: 'alignment', time, run: runId, spectra: realigned.length, updated });
    if (deadChanged && dead) emit({ event: 'dead-lithium', time, run: runId, cycles: dead.length });
  }

  /** One look at the files; true when there was new data. */
  async function pollOnce(): Promise<boolean> {
    let active = false;
    if (tracker) {
      const { changed, unreadable } = tracker.poll();
      for (const u of unreadable) warn(`${u.path}: not read: ${u.error}`);
      if (changed && relist()) active = true;
    }
    if (readCycler()) active = true;
    const deadChanged = readDeadLithium();
    if (deadChanged) active = true;
    const eisChanged = readEis();
    if (eisChanged) active = true;
    // Process the queue in batches of about batchMs each, stopping early when asked to.
    let fresh: SpectrumEntry[] = [];
    let started = performance.now();
    while (queue.length > 0 && step && opened) {
      const entry = queue[0];
      let item;
      try {
        item = opened.process(entry);
        step.add(item, opened.scaling(entry));
      } catch (e) {
        if (!(e instanceof SpincellError)) throw e;
        // The step's state is that of the spectra before this one; they are stored, the rest waits.
        warn(`${entry.experimentPath}: ${e.message}`);
        queue = [];
        break;
      }
      queue.shift();
      processed.push(entry);
      fresh.push(entry);
      if (performance.now() - started >= batchMs && processed.length >= holdUntil) {
        commit(fresh, false);
        fresh = [];
        await yieldToEvents();
        if (signal?.aborted) break;
        started = performance.now();
      }
    }
    commit(fresh, deadChanged, eisChanged);
    return active;
  }

  let lastActivity = performance.now();
  try {
    while (!signal?.aborted) {
      if (await pollOnce()) lastActivity = performance.now();
      else if (
        options.untilIdleS !== undefined &&
        performance.now() - lastActivity >= options.untilIdleS * 1000
      ) {
        emit({ event: 'idle', time: now(), run: runId, idleS: (performance.now() - lastActivity) / 1000 });
        break;
      }
      await sleep(pollMs, signal);
    }
  } catch (error) {
    // A setting the data refuse (morphology windows outside the axis, a calibration experiment missing …).
    if (!(error instanceof SpincellError)) throw error;
    return failed(error, nmrNow()?.rows.length ?? 0);
  }
  return finish();

  function failed(error: SpincellError, spectra: number): WatchResult {
    failLiveRun(store, runId, error);
    emit({
      event: 'finished',
      time: now(),
      run: runId,
      status: 'failed',
      spectra,
      outputDir: null,
      error: error.message,
    });
    return { runId, status: 'failed', spectra, result: null, error };
  }

  function finish(): WatchResult {
    const tFinish = performance.now();
    const nmr = nmrNow();
    const spectra = nmr?.rows.length ?? 0;
    try {
      if (m.nmr && !nmr)
        throw new MissingFileError('no complete spectrum was written while watching', {
          file: m.nmr.path,
          field: 'nmr.path',
          expected: 'at least one complete experiment (acqus and a fid or ser of TD values)',
        });
      const done = new Set(processed.map((e) => e.experimentPath));
      const left = tracker?.pending() ?? [];
      if (left.length > 0)
        warn(
          `${left.length} experiment(s) not complete when the watch ended, left out of the run: ${left.join(', ')}`,
        );
      const result = runManifest(options.manifest, {
        manifestPath: options.manifestPath,
        force: Boolean(options.force),
        ...(nmr ? { live: { nmr, include: (p: string) => done.has(p) } } : {}),
      });
      const timings = {
        watch: (tFinish - t0) / 1000,
        finish: (performance.now() - tFinish) / 1000,
        total: (performance.now() - t0) / 1000,
      };
      finishLiveRun(store, runId, { ...key, manifest: result.provenance.manifest }, result, timings);
      emit({
        event: 'finished',
        time: now(),
        run: runId,
        status: 'complete',
        spectra,
        outputDir: result.outputDir,
      });
      return { runId, status: 'complete', spectra, result, error: null };
    } catch (error) {
      if (!(error instanceof SpincellError)) throw error;
      return failed(error, spectra);
    }
  }
}
