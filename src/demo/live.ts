/**
 * The demo's live cell: the virtual spectrometer writes an operando series (and its cycler record) over
 * time into demo-output/live, and `spincell watch`'s engine (src/live/watch.ts) follows it into the demo
 * project while it is written, as a user's `spincell watch manifest.json --project DIR` would, sped up
 * (a spectrum every 250 ms). An earlier demo's live folder is replaced only when it holds nothing but what
 * this demo writes.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from '../pipeline/index.js';
import { watchExperiment, type LiveEvent } from '../live/watch.js';
import { simulateLive } from '../sim/live.js';
import { ProjectStore } from '../store/index.js';
import { DEMO_CAMPAIGN } from './paths.js';

/** What the live simulation and the run that follows it write (and nothing else). */
const OWN = new Set(['series', 'cycler.mpt', 'manifest.json', 'truth.json', 'results']);

export async function runLiveDemo(outDir: string, projectDir: string, spectra = 8): Promise<string[]> {
  const dir = join(outDir, 'live');
  if (existsSync(dir)) {
    const names = readdirSync(dir);
    const foreign = names.filter((n) => !OWN.has(n));
    if (foreign.length > 0)
      return [
        `live cell skipped: ${dir} holds files this demo did not write (${foreign.join(', ')}); left as it is`,
      ];
    rmSync(dir, { recursive: true, force: true });
  }
  const writing = simulateLive(dir, { spectra, intervalMs: 250, complexPoints: 4096, seed: 7 });
  const manifestPath = join(dir, 'manifest.json');
  for (let i = 0; i < 200 && !existsSync(manifestPath); i++) await new Promise((r) => setTimeout(r, 10));
  const store = ProjectStore.open(projectDir);
  let written = 0;
  try {
    const cellName = 'Li-Li live';
    const cell =
      store.cell(DEMO_CAMPAIGN, cellName) ?? store.addCell(DEMO_CAMPAIGN, cellName, { chemistry: 'Li||Li' });
    const events: LiveEvent[] = [];
    const [result] = await Promise.all([
      watchExperiment({
        manifest: readManifest(manifestPath),
        manifestPath,
        store,
        cell,
        pollMs: 100,
        untilIdleS: 1.5,
        onEvent: (e) => events.push(e),
      }),
      writing.then((w) => {
        written = w.spectra;
      }),
    ]);
    const stored = events.filter((e) => e.event === 'spectrum').length;
    return [
      `live cell: ${written} spectra written over ${((spectra * 250) / 1000).toFixed(1)} s, ${stored} stored while being written ` +
        `(run ${result.runId} ${result.status}; ${events.filter((e) => e.event === 'cycler').length} cycler updates)`,
      `  the same as: spincell simulate live ${dir} --spectra ${spectra} --interval-ms 250 & spincell watch ${manifestPath} --project ${projectDir} --until-idle 1.5`,
    ];
  } finally {
    store.close();
  }
}
