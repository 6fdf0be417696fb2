/**
 * Where `npm start` puts the demo: the simulated files, their manifests, the run folders with their
 * reports and the demo's project store. Light on purpose (no analysis imports), so the workbench
 * (`spincell serve`) and scripts can find the demo project without loading the demo.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the folder of spincell's package.json above src/demo/ (or dist/src/demo/). */
function repositoryRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const up of ['../..', '../../..']) {
    const dir = resolve(here, up);
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'spincell') return dir;
    } catch {
      // try the next level
    }
  }
  return resolve(here, '../..');
}

/** The demo's default output folder: `demo-output/` in the repository. */
export const DEMO_OUTPUT_DIR = join(repositoryRoot(), 'demo-output');

/** The demo's project store (a `spincell project` folder holding spincell.db) inside `outDir`. */
export function demoProjectDir(outDir: string = DEMO_OUTPUT_DIR): string {
  return join(outDir, 'project');
}

/** The demo's campaign in its project. */
export const DEMO_CAMPAIGN = 'demo';

/** Files and folders of the demo inside `outDir`. */
export function demoLayout(outDir: string) {
  return {
    outDir,
    project: demoProjectDir(outDir),
    manifests: {
      liLi: join(outDir, 'li-li.json'),
      anodeFree: join(outDir, 'anode-free.json'),
      transport: join(outDir, 'transport.json'),
    },
    runs: {
      liLi: join(outDir, 'runs', 'li-li'),
      anodeFree: join(outDir, 'runs', 'anode-free'),
      transport: join(outDir, 'runs', 'transport'),
    },
    mri: join(outDir, 'mri'),
    pfg: join(outDir, 'pfg'),
    summary: join(outDir, 'summary.csv'),
  };
}
