/**
 * Benchmark runner: `npm run bench [-- NAME…]` runs every bench/*.bench.ts (or those whose file name
 * contains one of the NAMEs). Each bench module default-exports an async function that compares spincell
 * with a reference implementation through `interleaved` (bench/harness.ts): A B A B A B on the same data,
 * min and median of each side, the ratio of each round, the load average and a flag for runs under load.
 * At the end the runner prints every comparison as one markdown table, ready for bench/RESULTS.md.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cpus, loadavg, totalmem } from 'node:os';
import { CORES, LOAD_LIMIT, comparisons, summaryTable } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

const loads = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown'} × ${CORES}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}; ${new Date().toISOString()}`,
);
console.log(`load average (1, 5, 15 min) at start: ${loads()}; runs flagged above ${LOAD_LIMIT.toFixed(1)}`);
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { default: () => Promise<void> };
  await mod.default();
}
console.log(`\nload average (1, 5, 15 min) at end: ${loads()}`);
if (comparisons.length > 0) {
  console.log(`\n${summaryTable()}`);
  const flagged = comparisons.filter((c) => c.underLoad).length;
  if (flagged > 0)
    console.log(
      `\n${flagged} of ${comparisons.length} comparisons ran under load: their ratios are less certain.`,
    );
}
