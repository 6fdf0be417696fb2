/**
 * Live mode latency: how long after a spectrum's files are complete it is in the project store. A
 * simulated spectrometer (bench/watch.child.ts, its own process) writes 32 Bruker experiments of 8k
 * complex points, one per second (acqus, audita.txt, fid last), and a growing EC-Lab export; in this
 * process `watchExperiment` follows them with the CLI's default poll interval (500 ms) and the simulation's
 * manifest (auto phase, auto baseline, metal reference, two integrals, constrained morphology fit with
 * the width cap measured on the first spectrum, the cycler record aligned). Latency of a spectrum =
 * time of its 'spectrum' event (emitted after the batch holding it was committed) − the moment the writer
 * closed its fid. The target: < 2 s. There is no reference implementation, so no ratio; the load
 * average is printed with the figures.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { watchExperiment } from '../src/live/index.js';
import { readManifest } from '../src/pipeline/index.js';
import { ProjectStore } from '../src/store/index.js';
import { CORES, LOAD_LIMIT, load1, median } from './harness.js';

const SPECTRA = 32;
const INTERVAL_MS = 1000;
const POINTS = 8192;
const POLL_MS = 500;

const here = dirname(fileURLToPath(import.meta.url));

export default async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'spincell-bench-watch-'));
  try {
    const sim = join(dir, 'sim');
    const project = join(dir, 'proj');
    ProjectStore.init(project).close();
    const loadBefore = load1();
    const tsx = resolve(here, '../node_modules/.bin/tsx');
    const child = spawn(
      tsx,
      [join(here, 'watch.child.ts'), sim, String(SPECTRA), String(INTERVAL_MS), String(POINTS)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const completeMs = new Map<number, number>();
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as { spectrum: number; completeMs: number };
      completeMs.set(m.spectrum, m.completeMs);
    });
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    while (!existsSync(join(sim, 'manifest.json'))) await new Promise((r) => setTimeout(r, 50));
    const storedMs = new Map<number, number>();
    const loads: number[] = [];
    const store = ProjectStore.open(project);
    const t0 = performance.now();
    const result = await watchExperiment({
      manifest: readManifest(join(sim, 'manifest.json')),
      manifestPath: join(sim, 'manifest.json'),
      store,
      pollMs: POLL_MS,
      untilIdleS: 5,
      onEvent: (e) => {
        if (e.event === 'spectrum') {
          storedMs.set(e.spectrum, Date.now());
          loads.push(load1());
        }
      },
    });
    const totalS = (performance.now() - t0) / 1000;
    store.close();
    await exited;
    if (result.status !== 'complete') throw new Error(`watch failed: ${String(result.error)}`);
    const latencies = [...storedMs.entries()]
      .filter(([i]) => completeMs.has(i))
      .map(([i, ms]) => (ms - (completeMs.get(i) as number)) / 1000);
    const underLoad = Math.max(loadBefore, ...loads) > LOAD_LIMIT;
    console.log(
      `watch latency, ${latencies.length} spectra of ${POINTS} complex points, one per ${INTERVAL_MS} ms, poll ${POLL_MS} ms:`,
    );
    console.log(
      `  median ${median(latencies).toFixed(3)} s, max ${Math.max(...latencies).toFixed(3)} s, min ${Math.min(...latencies).toFixed(3)} s (target < 2 s)`,
    );
    console.log(
      `  whole watch incl. idle wait and finalisation: ${totalS.toFixed(1)} s; load average ${loadBefore.toFixed(2)} before, max ${Math.max(...loads).toFixed(2)} during (${CORES} cores${underLoad ? ', UNDER LOAD' : ''})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
