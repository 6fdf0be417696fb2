/**
 * `npm start`: the demo. Simulates one virtual Li‖Li cell as an operando ⁷Li NMR series, its cycler
 * record and a dynamic-EIS run, and an anode-free Cu‖NMC622 cell as the in situ metal integrals and
 * cycler record of Wichmann et al.'s (2025) dead-lithium protocol, into demo-output/ (unless they are there already),
 * analyses them with spincell and prints every result beside the simulated truth (src/demo/run.ts).
 *
 *   npm start                  full experiment (60 spectra, 16 impedance sweeps)
 *   npm start -- --small       12 spectra, 6 sweeps
 *   npm start -- --out DIR     another output folder
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDemo } from './run.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function main(argv: string[]): void {
  let outDir = resolve(ROOT, 'demo-output');
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
  process.stdout.write(`\ndone in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

main(process.argv.slice(2));
