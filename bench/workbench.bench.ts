/**
 * The workbench in Chromium (playwright-core, Debian's /usr/bin/chromium) over a 500-spectrum operando
 * experiment processed at 16k points (simulated by src/demo/experiment.ts, run through the manifest into
 * a project; built once into bench/out/workbench-500 and reused). Three figures, targets from issue 14:
 *  - first meaningful paint of the operando view (cycler plot and map drawn): from navigation start, and
 *    from the view's start (after the page's script loaded) — target ≤ 1.5 s;
 *  - redraw of the map and the cycler and fraction panels after a zoom (setTime, one frame) — ≤ 100 ms;
 *  - stepping to the next spectrum with its fit drawn (one frame) — ≤ 50 ms.
 * No reference implementation to race: figures are printed plainly with the load average.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareExperiment } from '../src/demo/experiment.js';
import { readManifest, runManifest } from '../src/pipeline/index.js';
import { ProjectStore, runKey, storeRun } from '../src/store/index.js';
import { HAVE_CHROMIUM, launch, newPage, startWorkbench } from '../test/web/harness.js';
import { formatSeconds, load1, median } from './harness.js';

const SPECTRA = 500;
const POINTS = 16384;
const ROUNDS = 5;
const here = dirname(fileURLToPath(import.meta.url));

/** The project (built once): 500 spectra zero-filled to 16k points, morphology fits, cycler record. */
function project(): { dir: string; run: number } {
  const root = join(here, 'out', `workbench-${SPECTRA}`);
  const projectDir = join(root, 'project');
  if (existsSync(join(projectDir, 'spincell.db'))) {
    const store = ProjectStore.open(projectDir);
    const row = store.db.prepare("SELECT max(id) AS id FROM runs WHERE status = 'complete'").get() as {
      id: number | null;
    };
    store.close();
    if (row.id !== null) return { dir: projectDir, run: row.id };
  }
  mkdirSync(root, { recursive: true });
  const t0 = performance.now();
  prepareExperiment(join(root, 'data'), { spectra: SPECTRA, sweeps: 2 });
  const manifestPath = join(root, 'm.json');
  writeFileSync(
    manifestPath,
    JSON.stringify({
      version: 1,
      name: `workbench bench (${SPECTRA} spectra × ${POINTS})`,
      nmr: {
        path: 'data/series',
        processing: {
          lbHz: 5,
          sizePoints: POINTS,
          phase: 'auto',
          phaseMode: 'each',
          baseline: 'auto',
          reference: 'metal:245',
        },
        regionsPpm: [[230, 290]],
        morphology: { mode: 'constrained', widthCap: 3 },
      },
      cycler: { path: 'data/cycler.mpt', capacityMAh: 2 },
      output: { dir: 'out' },
    }),
  );
  const manifest = readManifest(manifestPath);
  const result = runManifest(manifest, { manifestPath, force: true });
  const store = ProjectStore.init(projectDir);
  const run = storeRun(store, {
    key: runKey(manifest, manifestPath),
    cell: store.addCell('bench', 'Li-Li'),
    provenance: result.provenance,
    results: result.results,
    outputDir: result.outputDir,
  });
  store.close();
  console.log(`built the ${SPECTRA}-spectrum project in ${formatSeconds((performance.now() - t0) / 1000)}`);
  return { dir: projectDir, run };
}

export default async function bench(): Promise<void> {
  if (!HAVE_CHROMIUM) {
    console.log('workbench: skipped, no Chromium at /usr/bin/chromium (apt-get install chromium)');
    return;
  }
  const { dir, run } = project();
  const running = await startWorkbench(dir);
  const browser = await launch();
  const paintNav: number[] = [];
  const paintView: number[] = [];
  const zoom: number[] = [];
  const step: number[] = [];
  const loads: number[] = [];
  try {
    for (let r = 0; r <= ROUNDS; r++) {
      loads.push(load1());
      const { page, errors } = await newPage(browser, 1400, 1300);
      await page.goto(`${running.url}#/run/${run}`);
      await page.waitForFunction(() => window.__wb?.ready === true, null, { timeout: 60_000 });
      const fp = await page.evaluate(() => [
        window.__wb.paintSinceNavigationMs as number,
        window.__wb.firstPaintMs as number,
      ]);
      await page.waitForFunction(() => window.__wb.spectrumShown !== undefined, null, { timeout: 60_000 });
      const full = await page.evaluate(() => (window.__wb.view as { fullTime: [number, number] }).fullTime);
      const zooms: number[] = [];
      for (let k = 1; k <= 6; k++) {
        const f = k % 2 ? 0.3 : 0.9;
        const a = full[0] + (full[1] - full[0]) * 0.05 * k;
        const b = a + (full[1] - full[0]) * f * 0.5;
        zooms.push(
          await page.evaluate(
            ([lo, hi]) =>
              new Promise<number>((done) => {
                const t0 = performance.now();
                (window.__wb.setTime as (x: number, y: number) => number)(lo, hi);
                requestAnimationFrame(() => done(performance.now() - t0));
              }),
            [a, b],
          ),
        );
      }
      const steps: number[] = [];
      for (let k = 0; k < 8; k++) {
        await page.waitForTimeout(60); // the neighbour's prefetch, as between key presses
        steps.push(
          await page.evaluate(
            () =>
              new Promise<number>((done) => {
                const t0 = performance.now();
                void (window.__wb.next as () => Promise<void>)().then(() =>
                  requestAnimationFrame(() => done(performance.now() - t0)),
                );
              }),
          ),
        );
      }
      if (errors.length) console.log(`console errors: ${errors.join('; ')}`);
      await page.close();
      if (r === 0) continue; // warm-up
      paintNav.push(fp[0]);
      paintView.push(fp[1]);
      zoom.push(median(zooms));
      step.push(median(steps));
    }
  } finally {
    await browser.close();
    await running.close();
  }
  const ms = (a: number[]) => `min ${Math.min(...a).toFixed(0)} ms, median ${median(a).toFixed(0)} ms`;
  console.log(
    `workbench, ${SPECTRA} spectra × ${POINTS} points, ${ROUNDS} rounds after a warm-up; load ${loads.map((l) => l.toFixed(2)).join(', ')}`,
  );
  console.log(`  first meaningful paint from navigation start: ${ms(paintNav)} (target ≤ 1500 ms)`);
  console.log(`  first meaningful paint from the view's start: ${ms(paintView)}`);
  console.log(
    `  map + cycler + fractions redraw after zoom:   ${ms(zoom)} (target ≤ 100 ms; median of 6 zooms per round)`,
  );
  console.log(
    `  next spectrum with its fit:                   ${ms(step)} (target ≤ 50 ms; median of 8 steps per round)`,
  );
}
