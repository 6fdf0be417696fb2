/**
 * Durability and concurrency of the project store with real processes: `spincell run --project` killed
 * with SIGKILL while inside its transaction leaves the store exactly as it was (same rows, integrity
 * check ok), and two processes storing runs into the same project at the same time both succeed. The
 * writers are held inside their transaction by the test-only SPINCELL_STORE_HOLD_MS hook.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareExperiment } from '../../src/demo/experiment.js';
import { exportTable, ProjectStore, RESULT_TABLES } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-durable-'));
const project = join(dir, 'proj');
const main = resolve(__dirname, '../../src/cli/main.ts');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const manifest = {
  version: 1,
  name: 'durability',
  nmr: { path: 'exp/series', processing: { phase: 'auto', baseline: 'auto' }, regionsPpm: [[230, 290]] },
  cycler: { path: 'exp/cycler.mpt' },
  output: { dir: 'out' },
};

interface Child {
  readonly proc: ChildProcess;
  /** Resolves when the child announces it is inside the store transaction. */
  readonly inside: Promise<void>;
  readonly exit: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
}

function spincell(args: string[], holdMs: number): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd: resolve(__dirname, '../..'),
    env: { ...process.env, SPINCELL_STORE_HOLD_MS: String(holdMs) },
  });
  children.push(proc);
  let stdout = '';
  let stderr = '';
  let announce: () => void = () => {};
  const inside = new Promise<void>((res) => (announce = res));
  proc.stdout?.on('data', (d: Buffer) => (stdout += String(d)));
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += String(d);
    if (stderr.includes('spincell-store: inside transaction')) announce();
  });
  const exit = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((res) => proc.on('exit', (code, signal) => res({ code, signal, stdout, stderr })));
  return { proc, inside, exit };
}

function snapshot(): Record<string, unknown> {
  const s = ProjectStore.open(project);
  try {
    const out: Record<string, unknown> = {
      integrity: s.db.pragma('integrity_check', { simple: true }),
    };
    for (const t of ['campaigns', 'cells', 'experiments', 'runs', ...RESULT_TABLES])
      out[t] = exportTable(s, t).rows.length;
    return out;
  } finally {
    s.close();
  }
}

describe('project store with real processes', () => {
  const m = join(dir, 'm.json');
  const m2 = join(dir, 'm2.json');
  beforeAll(() => {
    prepareExperiment(join(dir, 'exp'), { spectra: 4, sweeps: 2 });
    writeFileSync(m, JSON.stringify(manifest));
    // a second manifest with its own output folder: two runs into one folder are refused by its lock
    writeFileSync(m2, JSON.stringify({ ...manifest, output: { dir: 'out2' } }));
    const s = ProjectStore.init(project);
    s.addCell('c', 'A1');
    s.addCell('c', 'A2');
    s.close();
  }, 30_000);

  it('kill -9 inside the transaction leaves the store as it was before the run', async () => {
    // one run stored first, so "as before" is not simply "empty"
    const first = spincell(['run', m, '--project', project, '--campaign', 'c', '--cell', 'A1'], 0);
    expect((await first.exit).code).toBe(0);
    const before = snapshot();
    expect(before.runs).toBe(1);
    expect(before.spectra).toBe(4);
    const child = spincell(['run', m, '--project', project, '--campaign', 'c', '--cell', 'A2'], 60_000);
    await child.inside;
    child.proc.kill('SIGKILL');
    const r = await child.exit;
    expect(r.signal).toBe('SIGKILL');
    expect(snapshot()).toEqual(before);
    expect(before.integrity).toBe('ok');
    // and the store is usable afterwards: the same run now completes
    const again = spincell(['run', m, '--project', project, '--campaign', 'c', '--cell', 'A2'], 0);
    const done = await again.exit;
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(snapshot().runs).toBe(2);
  }, 90_000);

  it('two processes storing runs at the same time both succeed, nothing corrupted', async () => {
    const before = snapshot();
    const a = spincell(['run', m, '--project', project, '--campaign', 'c', '--cell', 'A1', '--force'], 1500);
    const b = spincell(['run', m2, '--project', project, '--campaign', 'c', '--cell', 'A2', '--force'], 1500);
    const entered: number[] = [];
    void a.inside.then(() => entered.push(performance.now()));
    void b.inside.then(() => entered.push(performance.now()));
    const [ra, rb] = await Promise.all([a.exit, b.exit]);
    expect(entered).toHaveLength(2);
    // the second writer waited for the first one's transaction (busy timeout), not interleaved with it
    expect(Math.abs(entered[1] - entered[0])).toBeGreaterThan(1400);
    expect(ra.code).toBe(0);
    expect(rb.code).toBe(0);
    const after = snapshot();
    expect(after.integrity).toBe('ok');
    expect(after.runs).toBe((before.runs as number) + 2);
    expect(after.spectra).toBe((before.spectra as number) + 8);
    const s = ProjectStore.open(project);
    try {
      const last = s.runs().slice(-2);
      expect(new Set(last.map((x) => x.cell))).toEqual(new Set(['A1', 'A2']));
      for (const x of last) expect(exportTable(s, 'integrals', { run: x.id }).rows).toHaveLength(4);
    } finally {
      s.close();
    }
  }, 90_000);
});
