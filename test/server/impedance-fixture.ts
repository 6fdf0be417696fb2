/**
 * A project with dynamic EIS, made the way users make one: the simulated operando experiment of the demo
 * (src/demo/experiment.ts: NMR series, cycler record and PEIS sweeps of one virtual cell), a manifest with
 * nmr, cycler and eis sections run by the pipeline (its output folder holds the impedance CSVs) and
 * stored in a project.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareExperiment } from '../../src/demo/experiment.js';
import { fixtureManifest, runAndStore, type Fixture } from './fixture.js';

export function makeImpedanceFixture(dir: string, spectra = 4, sweeps = 5): Fixture {
  mkdirSync(dir, { recursive: true });
  const exp = prepareExperiment(join(dir, 'data'), { spectra, sweeps });
  const manifestPath = join(dir, 'm.json');
  writeFileSync(
    manifestPath,
    JSON.stringify({
      ...fixtureManifest('data/series', 'data/cycler.mpt', 'out'),
      name: 'impedance fixture',
      eis: { paths: ['data/eis.mpt'], drt: { windows: [[-4, 0]] } },
    }),
  );
  return runAndStore(dir, manifestPath, exp.paths.outDir, 'Li-Li EIS');
}

/** A CSV the run wrote, as columns of cells (comment lines skipped; the impedance CSVs quote nothing). */
export function csvColumns(text: string): Map<string, string[]> {
  const [header, ...rows] = text
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.split(','));
  return new Map(header.map((h, i) => [h, rows.map((r) => r[i])]));
}

/** A CSV column as numbers (empty cells as NaN). */
export function numbers(cols: Map<string, string[]>, name: string): number[] {
  const c = cols.get(name);
  if (!c) throw new Error(`no column ${name}`);
  return c.map((v) => (v === '' ? NaN : Number(v)));
}
