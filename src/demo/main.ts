/**
 * `npm start`: the demo. Simulates three virtual cells into files (an operando ⁷Li NMR series with its
 * cycler record and dynamic-EIS run; the in situ metal integrals and cycler record of an anode-free cell
 * under Wichmann et al.'s (2025) dead-lithium protocol; ¹⁹F MRI profiles and a PFG series of a polymer
 * electrolyte), writes a manifest for each, runs them as `spincell run MANIFEST --project DIR` does into
 * the demo project, and prints every result beside the simulated truth (src/demo/run.ts). Ends with where
 * the project and the reports are, and the `spincell serve` command that opens the project in the workbench.
 * A fourth cell is then written over time and followed live into the same project (src/demo/live.ts).
 *
 *   npm start                  full experiment (60 spectra, 16 impedance sweeps)
 *   npm start -- --small       12 spectra, 6 sweeps
 *   npm start -- --out DIR     another output folder
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { DEMO_OUTPUT_DIR } from './paths.js';
import { runDemo } from './run.js';
import { runLiveDemo } from './live.js';

async function main(argv: string[]): Promise<void> {
  let outDir = DEMO_OUTPUT_DIR;
  let small = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--small') small = true;
    else if (argv[i] === '--out' && argv[i + 1] !== undefined) outDir = resolve(argv[++i]);
    else {
      process.stderr.write(
        `unknown argument ${JSON.stringify(argv[i])}; usage: npm start -- [--small] [--out DIR]\n`,
      );
      process.exit(2);
    }
  }
  const t0 = performance.now();
  const result = runDemo({ outDir, small });
  process.stdout.write(`${result.lines.join('\n')}\n`);
  // A fourth cell followed while its files are written (spincell watch, sped up).
  process.stdout.write(`\n${(await runLiveDemo(outDir, result.projectDir, small ? 4 : 8)).join('\n')}\n`);
  process.stdout.write(`\ndone in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  // The workbench over the demo project: printed, not started (a script must not block here).
  const rel = relative(process.cwd(), result.projectDir);
  const project = rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? result.projectDir : rel;
  process.stdout.write(`\nlook at it in the workbench:  npx spincell serve ${project} --open\n`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
