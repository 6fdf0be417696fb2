/**
 * Live mode against a simulated experiment written over real time (src/sim/live.ts) in a temporary folder:
 * `watchExperiment` follows it in this process while the simulator writes; afterwards every stored result
 * table of the live run equals — to the bit: same code, same inputs, so no tolerance — what
 * `spincell run --project` stores for the finished files, and the CSV tables of both output folders are
 * identical. The raw files hash the same before and after. Each fid is written in two halves with a
 * pause (longer than two polls), and every spectrum must reach the store only after its second half was
 * written; the EC-Lab export is rewritten once with one more header line while it grows; two impedance
 * files appear on the way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LiveEvent, watchExperiment } from '../../src/live/index.js';
import { readManifest } from '../../src/pipeline/index.js';
import { simulateLive } from '../../src/sim/live.js';
import { ProjectStore } from '../../src/store/index.js';
import { hashRaw, outputTables, referenceRun, runRow, runTables } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-live-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Observed {
  readonly events: LiveEvent[];
  /** For each spectrum event: run status, spectra rows and updated_at read from a second connection. */
  readonly seen: { status: string; rows: number; updatedAt: string; spectra: number }[];
  readonly completeMs: Map<number, number>;
  readonly runId: number;
}

async function followSimulation(
  name: string,
  sim: Parameters<typeof simulateLive>[1],
): Promise<Observed & { simDir: string; project: string; hashesAtEnd: Record<string, string> }> {
  const simDir = join(root, name, 'sim');
  const project = join(root, name, 'proj');
  ProjectStore.init(project).close();
  const completeMs = new Map<number, number>();
  const events: LiveEvent[] = [];
  const seen: Observed['seen'] = [];
  const writing = simulateLive(simDir, { ...sim, onSpectrum: (i, _p, ms) => completeMs.set(i, ms) });
  let hashesAtEnd: Record<string, string> = {};
  const finished = writing.then(() => {
    hashesAtEnd = hashRaw(simDir);
  });
  // the manifest is the simulator's first file
  await new Promise((r) => setTimeout(r, 50));
  const store = ProjectStore.open(project);
  const reader = ProjectStore.open(project);
  try {
    const result = await watchExperiment({
      manifest: readManifest(join(simDir, 'manifest.json')),
      manifestPath: join(simDir, 'manifest.json'),
      store,
      pollMs: 100,
      untilIdleS: 2.5,
      onEvent: (e) => {
        events.push({ ...e, time: new Date().toISOString() });
        if (e.event === 'spectrum') {
          const r = reader.db.prepare('SELECT status, updated_at FROM runs WHERE id = ?').get(e.run) as {
            status: string;
            updated_at: string;
          };
          const n = reader.db.prepare('SELECT count(*) AS n FROM spectra WHERE run_id = ?').get(e.run) as {
            n: number;
          };
          seen.push({ status: r.status, rows: n.n, updatedAt: r.updated_at, spectra: e.spectra });
        }
      },
    });
    await finished;
    expect(result.status).toBe('complete');
    return { events, seen, completeMs, runId: result.runId, simDir, project, hashesAtEnd };
  } finally {
    store.close();
    reader.close();
  }
}

describe('spincell watch (library) follows a live simulation into the store', () => {
  it('numbered experiments, fids written in two halves, .mpt header rewritten: equal to run', async () => {
    const spectra = 8;
    const o = await followSimulation('series', {
      spectra,
      intervalMs: 450,
      splitFidPauseMs: 350,
      rewriteHeaderAt: 3,
      impedanceSweeps: 2,
      seed: 7,
    });
    const spectrumEvents = o.events.filter(
      (e): e is Extract<LiveEvent, { event: 'spectrum' }> => e.event === 'spectrum',
    );
    expect(spectrumEvents.map((e) => e.spectrum)).toEqual([...Array(spectra).keys()]);
    // never half-read: each spectrum reached the store after its fid's second half was written
    for (const e of spectrumEvents)
      expect(Date.parse(e.time)).toBeGreaterThanOrEqual(o.completeMs.get(e.spectrum)!);
    expect(o.events.filter((e) => e.event === 'warning')).toEqual([]);
    expect(o.events.filter((e) => e.event === 'reprocessed')).toEqual([]);
    // the store was the interface while it ran: a live row, rows as announced, updated_at moving on
    expect(o.seen.every((s) => s.status === 'live' && s.rows === s.spectra)).toBe(true);
    const stamps = o.seen.map((s) => s.updatedAt);
    expect([...stamps].sort()).toEqual(stamps);
    // spectra came in more than one batch, and the cycler record grew (and was re-read after the rewrite)
    expect(new Set(o.seen.map((s) => s.spectra)).size).toBeGreaterThan(1);
    const cyclerEvents = o.events.filter((e) => e.event === 'cycler');
    expect(cyclerEvents.length).toBeGreaterThan(2);
    const alignments = o.events.filter(
      (e): e is Extract<LiveEvent, { event: 'alignment' }> => e.event === 'alignment',
    );
    expect(alignments.length).toBeGreaterThan(1);
    // the record lags one spectrum behind: later reads change the state of spectra aligned before
    expect(alignments.slice(1).some((e) => e.updated > 0)).toBe(true);
    expect(o.events.at(-1)?.event).toBe('finished');

    const live = runRow(o.project, o.runId);
    expect(live.status).toBe('complete');
    expect(typeof live.updated_at).toBe('string');
    const refProject = join(root, 'series', 'ref');
    ProjectStore.init(refProject).close();
    const refId = await referenceRun(o.simDir, refProject);
    const ours = runTables(o.project, o.runId);
    const ref = runTables(refProject, refId);
    expect(ours.spectra).toHaveLength(spectra);
    expect(ours.alignment).toHaveLength(spectra);
    expect(ours.cycles.length).toBeGreaterThan(0);
    expect(ours.impedance).toHaveLength(2);
    expect(o.events.filter((e) => e.event === 'impedance').length).toBeGreaterThan(0);
    expect(ours).toEqual(ref);
    expect(outputTables(join(o.simDir, 'results'))).toEqual(outputTables(join(o.simDir, 'results-run')));
    expect(runRow(refProject, refId).inputs_hash).toBe(live.inputs_hash);
    // raw files untouched by the watch's tail and finalisation, and by the reference run
    expect(hashRaw(o.simDir)).toEqual(o.hashesAtEnd);
    expect(Object.keys(o.hashesAtEnd).length).toBe(3 * spectra + 3);
  }, 120_000);

  it('a pseudo-2D ser growing row by row: rows stored as they complete, times revised, equal to run', async () => {
    const spectra = 6;
    const o = await followSimulation('ser', { spectra, intervalMs: 500, layout: 'ser', seed: 3 });
    const spectrumEvents = o.events.filter((e) => e.event === 'spectrum');
    expect(spectrumEvents).toHaveLength(spectra);
    // the rows' times follow from the rows complete until audita.txt arrives with the last: revised
    expect(o.events.some((e) => e.event === 'retimed')).toBe(true);
    expect(o.events.filter((e) => e.event === 'warning')).toEqual([]);
    const refProject = join(root, 'ser', 'ref');
    ProjectStore.init(refProject).close();
    const refId = await referenceRun(o.simDir, refProject);
    const ours = runTables(o.project, o.runId);
    expect(ours.spectra).toHaveLength(spectra);
    expect(ours).toEqual(runTables(refProject, refId));
    expect(outputTables(join(o.simDir, 'results'))).toEqual(outputTables(join(o.simDir, 'results-run')));
  }, 120_000);
});

describe('spincell watch refusals', () => {
  it('a shared phase is refused before a run is opened; an input missing at the end fails the run', async () => {
    const simDir = join(root, 'refuse', 'sim');
    const project = join(root, 'refuse', 'proj');
    ProjectStore.init(project).close();
    await simulateLive(simDir, { spectra: 2, intervalMs: 0, seed: 4 });
    const manifestPath = join(simDir, 'manifest.json');
    const manifest = readManifest(manifestPath);
    const store = ProjectStore.open(project);
    try {
      const shared = {
        ...manifest,
        nmr: { ...manifest.nmr!, processing: { ...manifest.nmr!.processing, phaseMode: 'shared' as const } },
      };
      await expect(
        watchExperiment({ manifest: shared, manifestPath, store, untilIdleS: 0.2 }),
      ).rejects.toThrow(/nmr\.processing\.phaseMode.*shared/);
      expect(store.db.prepare('SELECT count(*) AS n FROM runs').get()).toEqual({ n: 0 });
      const events: LiveEvent[] = [];
      const missing = { ...manifest, cycler: { ...manifest.cycler!, path: 'not-yet.mpt' } };
      const r = await watchExperiment({
        manifest: missing,
        manifestPath,
        store,
        pollMs: 50,
        untilIdleS: 0.5,
        onEvent: (e) => events.push(e),
      });
      expect(r.status).toBe('failed');
      expect(events.filter((e) => e.event === 'spectrum')).toHaveLength(2);
      expect(events.at(-1)).toMatchObject({ event: 'finished', status: 'failed' });
      const row = runRow(project, r.runId);
      expect(row.status).toBe('failed');
      expect(String(row.error)).toMatch(/cycler\.path/);
    } finally {
      store.close();
    }
  }, 60_000);
});
