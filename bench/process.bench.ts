/**
 * NMR series processing: 1,000 simulated ⁷Li spectra of 8k complex points (int32 Bruker experiments
 * written by the virtual spectrometer to a temp folder), each read, group delay removed, apodized,
 * FFT, auto-phased, arPLS baseline, two regions integrated — spincell against a numpy/scipy script doing
 * the same steps (bench/ref/process_numpy.py) on the same files in the same run. Both run as child
 * processes; each times its own loop (interpreter start excluded) and reports its peak RSS. The two
 * alternate three times and the best time of each is compared, so that load from other processes on a
 * shared machine hits both sides alike.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSimulationFolder, readTruth, writeOperandoSeries } from '../src/sim/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const SPECTRA = 1000;

interface RunResult {
  seconds: number;
  spectra: number;
  maxRssKiB: number;
  metal: number[];
  dia: number[];
  ph0: number[];
  peakPpm?: number[];
  numpy?: string;
}

function run(cmd: string, args: string[]): RunResult {
  const out = execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as RunResult;
}

function maxRelDiff(a: number[], b: number[]): number {
  let worst = 0;
  const scale = Math.max(...b.map(Math.abs));
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  return worst;
}

export default async function bench(): Promise<void> {
  const dir = join(tmpdir(), 'spincell-bench-nmr-series-1000');
  const ready = existsSync(dir) && isSimulationFolder(dir) && readdirSync(dir).length === SPECTRA + 1;
  if (!ready) {
    const t = performance.now();
    writeOperandoSeries(dir, {
      seed: 2026,
      spectra: SPECTRA,
      dataType: 'int32',
      phase: { independent: true },
    });
    console.log(
      `wrote ${SPECTRA} simulated experiments to ${dir} in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
  } else {
    console.log(`reusing ${SPECTRA} simulated experiments in ${dir}`);
  }
  const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');
  const spincellRuns: RunResult[] = [];
  const numpyRuns: RunResult[] = [];
  for (let k = 0; k < 3; k++) {
    spincellRuns.push(run(tsx, [join(here, 'process.child.ts'), dir]));
    numpyRuns.push(run('python3', [join(here, 'ref', 'process_numpy.py'), dir]));
  }
  const best = (runs: RunResult[]): RunResult => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const spincell = best(spincellRuns);
  const numpy = best(numpyRuns);
  const ratio = numpy.seconds / spincell.seconds;
  console.log(
    `runs (s): spincell ${spincellRuns.map((r) => r.seconds.toFixed(2)).join(', ')}; numpy ${numpyRuns.map((r) => r.seconds.toFixed(2)).join(', ')}`,
  );
  console.log(
    `peak RSS over all spincell runs: ${(Math.max(...spincellRuns.map((r) => r.maxRssKiB)) / 1024).toFixed(0)} MiB`,
  );
  const phaseDiff = Math.max(...spincell.ph0.map((p, i) => Math.abs(((p - numpy.ph0[i] + 540) % 360) - 180)));
  console.log(
    `spectra: ${spincell.spectra} (spincell) / ${numpy.spectra} (numpy ${numpy.numpy ?? '?'}), 8192 complex points each`,
  );
  console.log(
    `spincell (best): ${spincell.seconds.toFixed(2)} s (${((spincell.seconds / SPECTRA) * 1000).toFixed(2)} ms/spectrum), peak RSS ${(spincell.maxRssKiB / 1024).toFixed(0)} MiB`,
  );
  console.log(
    `numpy (best):    ${numpy.seconds.toFixed(2)} s (${((numpy.seconds / SPECTRA) * 1000).toFixed(2)} ms/spectrum), peak RSS ${(numpy.maxRssKiB / 1024).toFixed(0)} MiB`,
  );
  console.log(
    `speed-up spincell vs numpy: ${ratio.toFixed(2)}× (target ≥ 2×); RSS target < 300 MiB: ${spincell.maxRssKiB / 1024 < 300 ? 'met' : 'MISSED'}`,
  );
  // Against the simulation's truth: metal peak position and phase of every spectrum.
  const truth = readTruth(dir);
  const peaks = spincell.peakPpm ?? [];
  const peakErr = Math.max(...peaks.map((p, i) => Math.abs(p - truth.spectra[i].metalPeakPpm)));
  const phaseErr = Math.max(
    ...spincell.ph0.map((p, i) => Math.abs(((p - truth.spectra[i].phc0Deg + 540) % 360) - 180)),
  );
  console.log(
    `truth (all ${peaks.length} spectra): max |metal peak − true| ${peakErr.toFixed(3)} ppm, max |PH0 − true PHC0| ${phaseErr.toFixed(2)}°`,
  );
  console.log(
    `agreement: metal integrals max rel. diff ${maxRelDiff(spincell.metal, numpy.metal).toExponential(2)}, ` +
      `diamagnetic ${maxRelDiff(spincell.dia, numpy.dia).toExponential(2)}, PH0 max |Δ| ${phaseDiff.toFixed(3)}°`,
  );
}
