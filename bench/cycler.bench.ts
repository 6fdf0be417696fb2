/**
 * Parse a 1,000,000-row EC-Lab text export (.mpt). The file is generated here (GCPL-like: 12 columns in
 * EC-Lab's number formats, 1 s logging, CC charge/discharge with rests) into the system temp folder,
 * read by spincell's `readBiologic`, and by the numpy reference (bench/cycler_mpt_reference.py:
 * numpy.loadtxt, no pandas) on the same file, interleaved (bench/harness.ts). Column sums are compared so that both
 * readers are known to have parsed the same numbers.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBiologic } from '../src/io/biologic/index.js';
import { formatEclabNumber } from '../src/sim/cycler.js';
import { ReferenceSession, interleaved } from './harness.js';

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
    const session = new ReferenceSession(join(here, 'cycler_mpt_reference.py'), ['--serve', path]);
    type Ref = { rows: number; columns: number; sums: number[]; seconds: number };
    try {
      const c = await interleaved(
        `read ${ROWS.toLocaleString('en')}-row .mpt`,
        {
          label: 'spincell readBiologic',
          run: () => {
            const t0 = performance.now();
            const rec = readBiologic(path);
            return { seconds: (performance.now() - t0) / 1000, rec };
          },
        },
        { label: 'numpy.loadtxt', run: () => session.request<Ref>({}) },
        { target: 2 },
      );
      const rec = c.lastA.rec;
      const ref = c.lastB;
      const sums = rec.columns.map((col) => col.values.reduce((a, b) => a + b, 0));
      const worst = Math.max(...ref.sums.map((s, i) => Math.abs(s - sums[i]) / Math.max(1, Math.abs(s))));
      console.log(
        `  rows ${rec.rowCount.toLocaleString('en')} / ${ref.rows.toLocaleString('en')}; column sums agree to ${worst.toExponential(1)} (relative)`,
      );
      if (ref.rows !== rec.rowCount || worst > 1e-9) console.log('WARNING: the two readers disagree');
    } finally {
      session.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
