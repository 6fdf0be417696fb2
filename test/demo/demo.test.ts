/**
 * The `npm start` demo end to end on the small virtual experiment: it simulates the three cells into files,
 * writes one manifest per cell and runs them through the pipeline into the demo project (the road a user
 * takes: `spincell run MANIFEST --project DIR`), and every number it prints is held to the simulated truth.
 * The reports are the runs' own; a second demo run reuses the files and finds every run in the project.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoProjectDir, DEMO_OUTPUT_DIR } from '../../src/demo/paths.js';
import { runDemo, type DemoResult } from '../../src/demo/run.js';
import { readManifest } from '../../src/pipeline/index.js';
import { isSimulationFolder } from '../../src/sim/index.js';
import { ProjectStore } from '../../src/store/index.js';
import { cli } from '../cli/helpers.js';
import { checkWellFormed } from '../report/xml.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start demo (small experiment)', () => {
  let first: DemoResult;

  it('simulates the cells into files, writes their manifests and runs them into the demo project', () => {
    first = runDemo({ outDir: dir, small: true });
    expect(first.experiment.simulated).toEqual({ series: true, cycler: true, eis: true });
    expect(first.anodeFree.simulated).toBe(true);
    // The cycler and impedance files lie beside the series, which stays a clean simulation folder.
    expect(isSimulationFolder(join(dir, 'series'))).toBe(true);
    for (const f of [
      'cycler.mpt',
      'eis.mpt',
      'anode-free/integrals.csv',
      'anode-free/cycler.mpt',
      'mri/profiles.csv',
      'pfg/bruker/ser',
      'li-li.json',
      'anode-free.json',
      'transport.json',
      'project/spincell.db',
      'summary.csv',
      'runs/li-li/integrals.csv',
      'runs/li-li/morphology.csv',
      'runs/li-li/steps.csv',
      'runs/li-li/impedance.csv',
      'runs/anode-free/dead-lithium.csv',
      'runs/transport/drift.csv',
      'runs/transport/pfg.csv',
    ])
      expect(existsSync(join(dir, f)), f).toBe(true);
    // The manifests are ordinary files a user can run (paths relative to them).
    expect(readManifest(join(dir, 'li-li.json')).nmr?.path).toBe('series');
    expect(readManifest(join(dir, 'anode-free.json')).deadLithium?.socFactor).toBe(1.08);
    expect(first.projectDir).toBe(demoProjectDir(dir));
    expect(demoProjectDir()).toBe(join(DEMO_OUTPUT_DIR, 'project'));
    const text = first.lines.join('\n');
    expect(text).toMatch(/interphase R, DRT/);
    expect(text).toMatch(/Cu\|\|NMC622 dead Li after cycle 30 /);
    expect(text).toMatch(/anion drift velocity/);
    // It ends saying where the project and the reports are.
    expect(text).toMatch(/^project\s+\S*project\b/m);
    expect(text).toMatch(/^reports\s+\S*runs\/li-li\/report\.html/m);
    expect(text).toMatch(/npx spincell run \S*li-li\.json --project /);
  });

  it('every result lies within its tolerance of the simulated truth', () => {
    const d = first.deviations;
    expect(d.spectra).toBe(12);
    // NMR: metal integral / first vs true metal inventory / first, and the metal left after the last strip.
    expect(d.metalSignalPct).toBeLessThan(1);
    expect(d.metalLeftPct).toBeLessThan(1.5);
    // Alignment of the spectra to the cycler record read back from the .mpt.
    expect(d.alignedInside).toBe(12);
    expect(d.alignedChargePct).toBeLessThan(0.05);
    // Cycler analysis: capacities, CE, nucleation overpotential, voltage onset (10 s logging interval).
    expect(d.capacityPct).toBeLessThan(0.05);
    expect(d.coulombicEfficiencyPts).toBeLessThan(0.05);
    expect(d.nucleationMV).toBeLessThan(0.5);
    expect(d.onsetS).toBeLessThan(30);
    // Impedance: stationary sweeps pass Lin-KK; DRT window resistance and R∞.
    expect(d.kkPassed).toBe(d.kkTotal);
    expect(d.kkTotal).toBe(6);
    expect(d.interphasePct).toBeLessThan(2);
    expect(d.rInfPct).toBeLessThan(1);
    // Morphology: three Voigt lines in Wichmann et al.'s (2025) windows, width cap from the first spectrum;
    // truth by window (pristine + dense, mossy + dead share windows).
    expect(d.morphologyFailed).toBe(0);
    expect(d.morphologyPts).toBeLessThan(1.5);
    // Anode-free cell, 0.5 % noise on every integral, SOC factor 1.08: q carries ≈0.8 % of noise, so dead Li
    // after cycle 30 (0.086 mAh) within 3 %, the excess within 2 µAh, the interphase share (a remainder)
    // within 0.2 pts, the dead-Li slope within 5 % and 3 standard errors.
    expect(d.deadLithiumPct).toBeLessThan(3);
    expect(d.excessLithiumMAh).toBeLessThan(0.002);
    expect(d.interphasePts).toBeLessThan(0.2);
    expect(d.deadSlopePct).toBeLessThan(5);
    expect(d.deadSlopeSigma).toBeLessThan(3);
    // MRI (0.2 % noise, coil sensitivity): interior maximum within 6.3 %, every point within 10 % of the
    // true maximum (README, Mass transport); PFG D within 1 %.
    expect(d.driftMaxPct).toBeLessThan(6.3);
    expect(d.driftWorstPct).toBeLessThan(10);
    expect(d.pfgDPct).toBeLessThan(1);
  });

  it('the project holds the three runs with the tables the store has', () => {
    const store = ProjectStore.open(first.projectDir);
    try {
      const count = (table: string, run: number) =>
        (store.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE run_id = ?`).get(run) as { n: number }).n;
      const { liLi, anodeFree, transport } = first.runs;
      expect(count('spectra', liLi.runId)).toBe(12);
      expect(count('morphology', liLi.runId)).toBe(12 * 3);
      expect(count('alignment', liLi.runId)).toBe(12);
      expect(count('impedance', liLi.runId)).toBe(6);
      expect(count('drt_windows', liLi.runId)).toBe(6);
      expect(count('dead_lithium', anodeFree.runId)).toBe(7);
      const dead = store.db
        .prepare('SELECT dead_mah FROM dead_lithium WHERE run_id = ? ORDER BY cycle DESC LIMIT 1')
        .get(anodeFree.runId) as { dead_mah: number };
      const dl = anodeFree.result.results.sections!.deadLithium!.result;
      expect(dead.dead_mah).toBe(dl.cycles[dl.cycles.length - 1].deadMAh);
      expect(store.run(transport.runId)?.status).toBe('complete');
    } finally {
      store.close();
    }
  });

  it('the reports are the pipeline runs’ report.html: self-contained, well-formed, every section there', () => {
    const headings = (file: string) =>
      [...readFileSync(file, 'utf8').matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
    expect(headings(first.runs.liLi.report)).toEqual([
      'NMR spectra and integrals',
      'Morphology',
      'Cell',
      'Impedance',
      'Cycler steps',
      'Inputs',
    ]);
    expect(headings(first.runs.anodeFree.report)).toEqual([
      'Dead lithium and capacity allocation (Wichmann et al. 2025)',
      'Inputs',
    ]);
    expect(headings(first.runs.transport.report)).toEqual([
      'Anion drift velocity (1D MRI, Thienenkamp et al. 2024)',
      'PFG diffusion (Stejskal–Tanner)',
      'Inputs',
    ]);
    for (const run of Object.values(first.runs)) {
      const html = readFileSync(run.report, 'utf8');
      for (const svg of html.match(/<svg[\s\S]*?<\/svg>/g) ?? [])
        expect(() => checkWellFormed(svg)).not.toThrow();
      expect(html).not.toMatch(/NaN|Infinity|undefined/);
      expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(
        /https?:|\bsrc=|<script|url\(/i,
      );
      expect(html.length).toBeLessThan(2e6);
    }
  });

  it('`spincell run` on the demo manifest gives the same tables (one road); a second demo run is a cache hit', async () => {
    const again = runDemo({ outDir: dir, small: true });
    expect(again.experiment.simulated).toEqual({ series: false, cycler: false, eis: false });
    expect(again.anodeFree.simulated).toBe(false);
    expect(again.deviations).toEqual(first.deviations);
    expect(Object.values(again.runs).every((r) => r.cacheHit)).toBe(true);
    expect(again.runs.liLi.runId).toBe(first.runs.liLi.runId);
    const before = readFileSync(join(dir, 'runs/li-li/integrals.csv'), 'utf8');
    const r = await cli(['run', join(dir, 'li-li.json'), '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'runs/li-li/integrals.csv'), 'utf8')).toBe(before);
  });
});
