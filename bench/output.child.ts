/**
 * The measured side of bench/output.bench.ts: runs `spincell process SERIES [--out DIR ...]` in this
 * process through the CLI's own entry (runCli), output discarded, and prints one JSON line with the
 * seconds of the command alone (imports and start-up excluded) and the peak RSS.
 * Usage: tsx bench/output.child.ts SERIES_DIR [none|csv|binary|binary32] OUT_DIR
 */
import { rmSync } from 'node:fs';
import { runCli } from '../src/cli/program.js';

const [dir, mode = 'none', out] = process.argv.slice(2);
const args = ['process', dir, '--lb', '20'];
if (mode !== 'none') {
  rmSync(out, { recursive: true, force: true });
  args.push('--out', out, '--force');
  if (mode.startsWith('binary')) args.push('--format', 'binary');
  if (mode === 'binary32') args.push('--dtype', 'float32');
}
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (() => true) as typeof process.stdout.write;
const t0 = performance.now();
const code = await runCli(args);
const seconds = (performance.now() - t0) / 1000;
process.stdout.write = write;
if (mode !== 'none') rmSync(out, { recursive: true, force: true });
console.log(JSON.stringify({ seconds, code, maxRssKiB: process.resourceUsage().maxRSS }));
