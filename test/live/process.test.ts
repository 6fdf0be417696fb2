/**
 * `spincell watch` as a real process: its --json events (one JSON object per line) while the simulator
 * writes in this process, and durability — killed with SIGKILL inside a batch's transaction (held there by
 * the test-only SPINCELL_LIVE_HOLD_MS hook), the store is exactly as it was before that batch (same rows,
 * integrity ok, the run still 'live'); a restarted watch continues the same run and finishes it equal to
 * `spincell run` on the finished files.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simulateLive } from '../../src/sim/live.js';
import { ProjectStore } from '../../src/store/index.js';
import { hashRaw, LIVE_TABLES, referenceRun, runRow, runTables } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-live-proc-'));
const main = resolve(__dirname, '../../src/cli/main.ts');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

interface Child {
  readonly proc: ChildProcess;
  readonly lines: () => string[];
  /** Resolves when stderr or stdout contains `text`. */
  readonly waitFor: (text: string) => Promise<void>;
  readonly exit: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}

function spincell(args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd: resolve(__dirname, '../..'),
    env: { ...process.env, ...env },
  });
  children.push(proc);
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; done: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters])
      if (stdout.includes(w.text) || stderr.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done();
      }
  };
  proc.stdout?.on('data', (d: Buffer) => {
    stdout += String(d);
    check();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += String(d);
    check();
  });
  const exit = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((res) => proc.on('exit', (code, signal) => res({ code, signal, stdout, stderr })));
  return {
    proc,
    lines: () => stdout.split('\n').filter(Boolean),
    waitFor: (text) =>
      new Promise<void>((done) => {
        waiters.push({ text, done });
        check();
      }),
    exit,
  };
}

function snapshot(project: string): Record<string, unknown> {
  const s = ProjectStore.open(project);
  try {
    const out: Record<string, unknown> = { integrity: s.db.pragma('integrity_check', { simple: true }) };
    out.runs = s.db.prepare('SELECT id, status, progress, updated_at FROM runs ORDER BY id').all();
    for (const t of LIVE_TABLES)
      out[t] = (s.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return out;
  } finally {
    s.close();
  }
}

describe('spincell watch as a process', () => {
  it('--json: one event per line while the simulator writes; the finished run equals run', async () => {
    const sim = join(root, 'json', 'sim');
    const project = join(root, 'json', 'proj');
    mkdirSync(join(root, 'json'));
    ProjectStore.init(project).close();
    const writing = simulateLive(sim, { spectra: 5, intervalMs: 700, seed: 11 });
    await new Promise((r) => setTimeout(r, 50));
    const child = spincell([
      '--json',
      'watch',
      join(sim, 'manifest.json'),
      '--project',
      project,
      '--until-idle',
      '3',
      '--poll-ms',
      '150',
    ]);
    await writing;
    const r = await child.exit;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = child.lines().map((l) => JSON.parse(l) as { event: string; run: number; status?: string });
    expect(events[0].event).toBe('started');
    expect(events.filter((e) => e.event === 'spectrum')).toHaveLength(5);
    expect(events.some((e) => e.event === 'cycler')).toBe(true);
    expect(events.some((e) => e.event === 'alignment')).toBe(true);
    expect(events.at(-2)?.event).toBe('idle');
    expect(events.at(-1)).toMatchObject({ event: 'finished', status: 'complete' });
    const refProject = join(root, 'json', 'ref');
    ProjectStore.init(refProject).close();
    const refId = await referenceRun(sim, refProject);
    expect(runTables(project, events[0].run)).toEqual(runTables(refProject, refId));
  }, 120_000);

  it('SIGTERM (as Ctrl-C) mid-experiment: the run is finalised with the spectra complete so far', async () => {
    const sim = join(root, 'term', 'sim');
    const project = join(root, 'term', 'proj');
    mkdirSync(join(root, 'term'));
    ProjectStore.init(project).close();
    const stop = new AbortController();
    const writing = simulateLive(sim, { spectra: 30, intervalMs: 600, seed: 13, signal: stop.signal });
    await new Promise((r) => setTimeout(r, 50));
    const child = spincell([
      '--json',
      'watch',
      join(sim, 'manifest.json'),
      '--project',
      project,
      '--poll-ms',
      '100',
    ]);
    await child.waitFor('"spectrum":2,');
    child.proc.kill('SIGTERM');
    const r = await child.exit;
    stop.abort();
    await writing;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const events = child
      .lines()
      .map((l) => JSON.parse(l) as { event: string; run: number; spectra?: number; status?: string });
    const finished = events.at(-1)!;
    expect(finished).toMatchObject({ event: 'finished', status: 'complete' });
    const stored = runTables(project, finished.run);
    // every spectrum announced is in the finished run, each exactly once, in order
    const announced = events.filter((e) => e.event === 'spectrum').length;
    expect(announced).toBeGreaterThanOrEqual(3);
    expect(stored.spectra).toHaveLength(finished.spectra!);
    expect(finished.spectra).toBeGreaterThanOrEqual(announced);
    expect(runRow(project, finished.run).status).toBe('complete');
    const s = ProjectStore.open(project);
    try {
      expect(s.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      s.close();
    }
  }, 120_000);

  it('kill -9 inside a batch leaves the store as before it; a restarted watch continues the run', async () => {
    // A finished simulation, handed to the watched folder in two parts.
    const full = join(root, 'kill', 'full');
    const sim = join(root, 'kill', 'sim');
    const project = join(root, 'kill', 'proj');
    mkdirSync(join(root, 'kill'));
    await simulateLive(full, { spectra: 5, intervalMs: 0, seed: 5 });
    const raw = hashRaw(full);
    mkdirSync(join(sim, 'series'), { recursive: true });
    for (const f of ['manifest.json', 'cycler.mpt']) cpSync(join(full, f), join(sim, f));
    for (const e of ['10', '11', '12'])
      cpSync(join(full, 'series', e), join(sim, 'series', e), { recursive: true });
    ProjectStore.init(project).close();
    const args = ['--json', 'watch', join(sim, 'manifest.json'), '--project', project, '--poll-ms', '100'];
    // held inside the batch that goes beyond the three spectra stored first (10–12, with the record)
    const child = spincell(args, { SPINCELL_LIVE_HOLD_MS: '60000', SPINCELL_LIVE_HOLD_ABOVE: '3' });
    await child.waitFor('"spectrum":2,');
    const before = snapshot(project);
    expect(before.spectra).toBe(3);
    expect((before.runs as { status: string }[])[0].status).toBe('live');
    for (const e of ['13', '14'])
      cpSync(join(full, 'series', e), join(sim, 'series', e), { recursive: true });
    await child.waitFor('spincell-live: inside transaction');
    child.proc.kill('SIGKILL');
    expect((await child.exit).signal).toBe('SIGKILL');
    expect(snapshot(project)).toEqual(before);
    expect(before.integrity).toBe('ok');

    const again = spincell([...args, '--until-idle', '1.5']);
    const done = await again.exit;
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    const events = again
      .lines()
      .map((l) => JSON.parse(l) as { event: string; run: number; resumed?: boolean });
    const runId = (before.runs as { id: number }[])[0].id;
    expect(events[0]).toMatchObject({ event: 'started', run: runId, resumed: true, stored: 3 });
    expect(events.at(-1)).toMatchObject({ event: 'finished', run: runId, status: 'complete' });
    const after = snapshot(project);
    expect(after.runs).toHaveLength(1);
    expect(runRow(project, runId).status).toBe('complete');
    const refProject = join(root, 'kill', 'ref');
    ProjectStore.init(refProject).close();
    const refId = await referenceRun(sim, refProject);
    expect(runTables(project, runId)).toEqual(runTables(refProject, refId));
    expect(runTables(project, runId).spectra).toHaveLength(5);
    expect(hashRaw(sim)).toEqual(raw);
    expect(readFileSync(join(sim, 'manifest.json'), 'utf8')).toBe(
      readFileSync(join(full, 'manifest.json'), 'utf8'),
    );
  }, 180_000);
});
