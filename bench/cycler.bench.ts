/**
 * Parse a 1,000,000-row EC-Lab text export (.mpt). The file is generated here (GCPL-like: 12 columns in
 * EC-Lab's number formats, 1 s logging, CC charge/discharge with rests) into the system temp folder,
 * read by spincell's `readBiologic`, and by the numpy reference (bench/cycler_mpt_reference.py:
 * numpy.loadtxt, no pandas) on the same file in the same run. Column sums are compared so that both
 * readers are known to have parsed the same numbers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBiologic } from '../src/io/biologic/index.js';
import { formatEclabNumber } from '../src/sim/cycler.js';

const ROWS = 1_000_000;
const here = dirname(fileURLToPath(import.meta.url));

function generate(path: string): void {
  const names = [
    'mode',
    'ox/red',
    'error',
    'control changes',
    'Ns',
    'time/s',
    'Ewe/V',
    '<I>/mA',
    'dq/mA.h',
    '(Q-Qo)/mA.h',
    'half cycle',
    'cycle number',
  ];
  const header = [
    'EC-Lab ASCII FILE',
    'Nb header lines : 6',
    '',
    'Galvanostatic Cycling with Potential Limitation',
    'Acquisition started on : 01/10/2024 11:02:29.886',
    `${names.join('\t')}\t`,
  ];
  const chunks: string[] = [header.join('\r\n') + '\r\n'];
  let q = 0;
  let lines: string[] = [];
  for (let r = 0; r < ROWS; r++) {
    // 3 h period: 1 h charge at +1.5 mA, 0.5 h rest, 1 h discharge, 0.5 h rest.
    const t = r * 1.0;
    const phase = t % 10800;
    const ns = phase < 3600 ? 1 : phase < 5400 ? 2 : phase < 9000 ? 3 : 4;
    const current = ns === 1 ? 1.5 : ns === 3 ? -1.5 : 0;
    const dq = r === 0 ? 0 : current / 3600;
    q += dq;
    const v = 3.7 + 0.3 * Math.sin(phase / 1800) + 1e-4 * Math.cos(r);
    const cyc = Math.floor(t / 10800);
    lines.push(
      `${current === 0 ? 3 : 1}\t${current > 0 ? 1 : 0}\t0\t${phase === 0 ? 1 : 0}\t${ns}\t${formatEclabNumber(t, 15)}\t${formatEclabNumber(v, 7)}\t${formatEclabNumber(current, 15)}\t${formatEclabNumber(dq, 15)}\t${formatEclabNumber(q, 15)}\t${2 * cyc + (ns >= 3 ? 1 : 0)}\t${formatEclabNumber(cyc, 15)}`,
    );
    if (lines.length === 50_000) {
      chunks.push(lines.join('\r\n') + '\r\n');
      lines = [];
    }
  }
  if (lines.length) chunks.push(lines.join('\r\n') + '\r\n');
  writeFileSync(path, Buffer.from(chunks.join(''), 'latin1'));
}

export default async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'spincell-bench-cycler-'));
  try {
    const path = join(dir, 'big.mpt');
    const g0 = performance.now();
    generate(path);
    console.log(
      `generated ${ROWS.toLocaleString('en')} rows × 12 columns, ${(statSync(path).size / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - g0) / 1000).toFixed(1)} s`,
    );
    const times: number[] = [];
    let rec = readBiologic(path);
    for (let k = 0; k < 3; k++) {
      const t0 = performance.now();
      rec = readBiologic(path);
      times.push((performance.now() - t0) / 1000);
    }
    const best = Math.min(...times);
    const sums = rec.columns.map((c) => c.values.reduce((a, b) => a + b, 0));
    console.log(
      `spincell readBiologic: ${rec.rowCount.toLocaleString('en')} rows, best of 3 ${best.toFixed(3)} s (runs ${times.map((t) => t.toFixed(3)).join(', ')} s)`,
    );
    const py = spawnSync('python3', [join(here, 'cycler_mpt_reference.py'), path], { encoding: 'utf8' });
    if (py.status !== 0) {
      console.log(
        `reference (numpy.loadtxt) not available: ${py.stderr.trim().split('\n').pop() ?? 'python3 failed'}`,
      );
      return;
    }
    const ref = JSON.parse(py.stdout) as { rows: number; columns: number; sums: number[]; seconds: number };
    const worst = Math.max(...ref.sums.map((s, i) => Math.abs(s - sums[i]) / Math.max(1, Math.abs(s))));
    console.log(
      `numpy.loadtxt reference: ${ref.rows.toLocaleString('en')} rows, best of 3 ${ref.seconds.toFixed(3)} s`,
    );
    console.log(
      `ratio spincell / reference: ${(best / ref.seconds).toFixed(2)}; column sums agree to ${worst.toExponential(1)} (relative)`,
    );
    if (ref.rows !== rec.rowCount || worst > 1e-9) console.log('WARNING: the two readers disagree');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
