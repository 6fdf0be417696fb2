/**
 * Writing results (issue 17): `spincell process --out DIR` of 1,000 spectra (8k complex points, the
 * series of bench/process.bench.ts) as CSV (one exp<N>.csv per spectrum, exact 17-digit numbers) and as
 * binary (spectra.bin + ppm.bin + spectra.json, float64 and float32), each against the same command
 * without --out in the same round: the reference here is spincell's own processing, and the ratio
 * (processing / processing + output) must be ≥ 0.5 for CSV (output ≤ 2× the processing time) and ≥ 1/1.2
 * for binary. Each side is a child process timing the command alone (bench/output.child.ts); the output
 * folder is in the system temp folder and removed after each run.
 */
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interleaved } from './harness.js';
import { benchSeries } from './process.bench.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Run {
  seconds: number;
  code: number;
  maxRssKiB: number;
}

export default async function bench(): Promise<void> {
  const dir = benchSeries();
  const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');
  const out = join(tmpdir(), `spincell-bench-output-${process.pid}`);
  const run = (mode: string) => (): Run => {
    const text = execFileSync(tsx, [join(here, 'output.child.ts'), dir, mode, out], { encoding: 'utf8' });
    const r = JSON.parse(text.trim().split('\n').pop() ?? '') as Run;
    if (r.code !== 0) throw new Error(`process ${mode} failed (exit ${r.code})`);
    return r;
  };
  const processing = { label: 'process, no --out', run: run('none') };
  const cases: [string, string, number][] = [
    ['csv', 'CSV (exp<N>.csv per spectrum)', 0.5],
    ['binary', 'binary float64', 1 / 1.2],
    ['binary32', 'binary float32', 1 / 1.2],
  ];
  for (const [mode, label, target] of cases) {
    const c = await interleaved(
      `process 1,000 × 8k --out, ${label}, vs processing alone`,
      { label: `process --out (${mode})`, run: run(mode) },
      processing,
      { target },
    );
    console.log(
      `  output costs ${((c.a.medianS / c.b.medianS - 1) * 100).toFixed(0)} % of the processing (medians; target ≤ ${mode === 'csv' ? 100 : 20} %); peak RSS ${(c.lastA.maxRssKiB / 1024).toFixed(0)} MiB`,
    );
  }
}
