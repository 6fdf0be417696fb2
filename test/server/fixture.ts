/**
 * A project made the way users make one: a simulated operando experiment (src/demo/experiment.ts, known
 * truth), its manifest run by the pipeline and stored in a project (runManifest + storeRun), with a cell.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { join } from 'node:path';
import { prepareExperiment } from '../../src/demo/experiment.js';
import { readManifest, runManifest, type RunResult } from '../../src/pipeline/index.js';
import { buildServer, type Workbench } from '../../src/server/index.js';
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
  return runAndStore(dir, manifestPath, exp.paths.outDir, 'Li-Li');
}

/** Runs the manifest at `manifestPath` and stores the run in a new project `dir/project`, for one cell. */
export function runAndStore(dir: string, manifestPath: string, dataDir: string, cellName: string): Fixture {
  const manifest = readManifest(manifestPath);
  const result = runManifest(manifest, { manifestPath });
  const projectDir = join(dir, 'project');
  const store = ProjectStore.init(projectDir);
  try {
    const cell = store.addCell('bench', cellName, { chemistry: 'Li||Li' });
    const runId = storeRun(store, {
      key: runKey(manifest, manifestPath),
      cell,
      provenance: result.provenance,
      results: result.results,
      outputDir: result.outputDir,
    });
    return { dir, projectDir, manifestPath, runId, dataDir, result };
  } finally {
    store.close();
  }
}

/** The workbench over a fixture's project, opened before a test file's tests and closed after them. */
export interface Served {
  fx: Fixture;
  store: ProjectStore;
  wb: Workbench;
  /** GET `url` as a browser on the server's own host would; the JSON body. */
  get(url: string): Promise<{ status: number; body: Record<string, unknown> }>;
}

/** Registers beforeAll/afterAll that build the fixture with `make`, open its store and serve it. */
export function serveFixture(dir: string, make: (dir: string) => Fixture): Served {
  const served = {} as Served;
  beforeAll(() => {
    served.fx = make(dir);
    served.store = ProjectStore.open(served.fx.projectDir);
    served.wb = buildServer({ store: served.store, port: 80, webDir: join(dir, 'no-web'), pollMs: 100 });
  }, 120_000);
  afterAll(async () => {
    await served.wb.app.close();
    served.store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  served.get = async (url) => {
    const r = await served.wb.app.inject({ method: 'GET', url, headers: { host: '127.0.0.1:80' } });
    return { status: r.statusCode, body: r.json() as Record<string, unknown> };
  };
  return served;
}
