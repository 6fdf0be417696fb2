/**
 * Shared set-up of the data-safety suite: a small simulated experiment (an NMR series and a cycler
 * record), manifests, the real CLI as a child process (for kill -9 and concurrency), and checks that a
 * folder of results is one complete set.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { readMarker, MARKER_FILE } from '../../src/io/output.js';
import { planOperando, writeOperandoSeries } from '../../src/sim/index.js';
import { simulateCycler, writeMpt } from '../../src/sim/cycler.js';

export const REPO = resolve(__dirname, '../..');
const MAIN = join(REPO, 'src', 'cli', 'main.ts');

export interface Experiment {
  readonly series: string;
  readonly cycler: string;
}

export function makeExperiment(dir: string): Experiment {
  const options = { spectra: 3, spectrometer: { complexPoints: 1024 } };
  const series = join(dir, 'series');
  const cycler = join(dir, 'cycler.mpt');
  writeOperandoSeries(series, options);
  const plan = planOperando(options);
  writeMpt(cycler, simulateCycler(plan.cell, { startMs: plan.options.startMs }));
  return { series, cycler };
}

/** Writes a manifest (paths relative to it) integrating `region`, aligning with the cycler. */
export function writeManifest(path: string, e: Experiment, outDir: string, region: [number, number]): string {
  const manifest = {
    version: 1,
    name: 'safety',
    nmr: { path: e.series, processing: { phase: 'auto', baseline: 'auto' }, regionsPpm: [region] },
    cycler: { path: e.cycler },
    output: { dir: outDir },
  };
  writeFileSync(path, JSON.stringify(manifest, null, 2));
  return path;
}

/** sha256 of every file below `dir` (relative paths), links and odd files named by kind. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile())
        out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
      else out[relative(dir, p)] = st.isSymbolicLink() ? 'symlink' : 'special';
    }
  };
  walk(dir);
  return out;
}

/**
 * True when `dir` holds exactly the files its marker lists, each with the recorded SHA-256: one
 * complete set, not a mixture.
 */
export function isCompleteSet(dir: string): boolean {
  const marker = readMarker(dir);
  if (marker === null) return false;
  const files = snapshot(dir);
  const expected: Record<string, string> = {};
  for (const f of marker.files) expected[f.path] = f.sha256;
  const actual = { ...files };
  delete actual[MARKER_FILE];
  return JSON.stringify(Object.entries(actual).sort()) === JSON.stringify(Object.entries(expected).sort());
}

export interface Spawned {
  readonly child: ChildProcess;
  stderr: string;
  stdout: string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the real CLI (`node --import tsx src/cli/main.ts …`) with extra environment variables. */
export function spawnCli(args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const s: Spawned = {
    child,
    stderr: '',
    stdout: '',
    exit: new Promise((done) => child.on('exit', (code, signal) => done({ code, signal }))),
  };
  child.stderr?.on('data', (b: Buffer) => (s.stderr += b.toString()));
  child.stdout?.on('data', (b: Buffer) => (s.stdout += b.toString()));
  return s;
}

/** Resolves once the child printed `text` on stderr (rejects if it exits first or after `ms`). */
export function waitForStderr(s: Spawned, text: string, ms = 60_000): Promise<void> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`timeout waiting for "${text}"; stderr: ${s.stderr}`)), ms);
    const check = () => {
      if (s.stderr.includes(text)) {
        clearTimeout(timer);
        done();
      }
    };
    s.child.stderr?.on('data', check);
    void s.exit.then(() => {
      clearTimeout(timer);
      if (s.stderr.includes(text)) done();
      else fail(new Error(`exited before "${text}"; stderr: ${s.stderr}`));
    });
    check();
  });
}

/** Kills with SIGKILL and waits until the process is reaped (no zombie holds its pid alive). */
export async function kill9(s: Spawned): Promise<void> {
  s.child.kill('SIGKILL');
  await s.exit;
}

/** The pid of a process that has exited (for hand-made left-overs of a "crashed" writer). */
export function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid;
}

export const PAUSED = 'spincell-test: paused before swap';
