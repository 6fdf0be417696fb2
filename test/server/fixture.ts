/**
 * A project made the way users make one: a simulated operando experiment (src/demo/experiment.ts, known
 * truth), its manifest run by the pipeline and stored in a project (runManifest + storeRun), with a cell.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareExperiment } from '../../src/demo/experiment.js';
import { readManifest, runManifest, type RunResult } from '../../src/pipeline/index.js';
import { ProjectStore, runKey, storeRun } from '../../src/store/index.js';

export interface Fixture {
  readonly dir: string;
  readonly projectDir: string;
  readonly manifestPath: string;
  readonly runId: number;
  readonly dataDir: string;
  readonly result: RunResult;
}

export function fixtureManifest(spectraPath: string, cyclerPath: string, outDir: string) {
  return {
    version: 1,
    name: 'workbench fixture',
    nmr: {
      path: spectraPath,
      processing: { lbHz: 5, phase: 'auto', phaseMode: 'each', baseline: 'auto', reference: 'metal:245' },
      regionsPpm: [[230, 290]],
      morphology: { mode: 'constrained', widthCap: 3 },
    },
    cycler: { path: cyclerPath, capacityMAh: 2 },
    output: { dir: outDir },
  };
}

/** Builds the fixture project in `dir` (spectra: number of simulated spectra). */
export function makeFixture(dir: string, spectra = 6): Fixture {
  mkdirSync(dir, { recursive: true });
  const exp = prepareExperiment(join(dir, 'data'), { spectra, sweeps: 2 });
  const manifestPath = join(dir, 'm.json');
  writeFileSync(manifestPath, JSON.stringify(fixtureManifest('data/series', 'data/cycler.mpt', 'out')));
  const manifest = readManifest(manifestPath);
  const result = runManifest(manifest, { manifestPath });
  const projectDir = join(dir, 'project');
  const store = ProjectStore.init(projectDir);
  try {
    const cell = store.addCell('bench', 'Li-Li', { chemistry: 'Li||Li' });
    const runId = storeRun(store, {
      key: runKey(manifest, manifestPath),
      cell,
      provenance: result.provenance,
      results: result.results,
      outputDir: result.outputDir,
    });
    return { dir, projectDir, manifestPath, runId, dataDir: exp.paths.outDir, result };
  } finally {
    store.close();
  }
}
