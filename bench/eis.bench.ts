/**
 * DRT benchmark: one spectrum (61 frequencies × 92 time constants) and a 100-spectrum dynamic EIS
 * series, spincell against a numpy/scipy reference run on the same data in the same run.
 *
 * pyDRTtools cannot be installed here (it is not on PyPI), so the reference is our script
 * bench/eis_drt_reference.py, which follows pyDRTtools' simple_run: RBF matrices by scipy.integrate.quad
 * (as pyDRTtools does), closed-form penalty, and the non-negative Tikhonov problem solved by
 * scipy.optimize.nnls on the augmented system (pyDRTtools uses cvxopt on the same objective).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyseDeis, drt, drtSetup } from '../src/eis/index.js';
import { logSweep, simulateDeisSeries, simulateSweep, type CellModel } from '../src/sim/eis.js';

const here = dirname(fileURLToPath(import.meta.url));

const model: CellModel = {
  r0Ohm: 3,
  inductanceH: 1e-7,
  zarcs: [
    { rOhm: 8, tau0S: 1e-4, phi: 0.8 },
    { rOhm: 15, tau0S: 3e-2, phi: 0.85 },
  ],
};

function timeIt(fn: () => void, runs: number): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  // best of the runs on both sides: the machine is shared, and the minimum is the least disturbed
  return Math.min(...t);
}

export default async function run(): Promise<void> {
  // 100 kHz … 0.1 Hz at 10 points per decade = 61 frequencies (the seed-003 sweep is 1 Hz–100 kHz, 6/decade)
  const freq = logSweep(1e5, 0.1, 10);
  const nTau = 92;
  const lambda = 1e-3;
  const one = simulateSweep(model, freq, { noise: 0.002, seed: 1 });
  const sim = simulateDeisSeries(model, freq, { count: 100, finalRatio: 2, noise: 0.002, seed: 2 });
  const opts = { lambda, nTau };

  const full = timeIt(() => drt(one, opts), 20);
  const setup = drtSetup(freq, opts);
  const solveOnly = timeIt(() => drt(one, opts, setup), 50);
  const series = timeIt(() => analyseDeis(sim.series, { ...opts, kk: false }), 3);
  const seriesKk = timeIt(() => analyseDeis(sim.series, opts), 2);

  const st = setup;
  const request = {
    freq: Array.from(freq),
    tau: Array.from(st.tauS),
    coeff: 0.5,
    lambda,
    repeats: 5,
    zre: sim.series.map((t, k) => Array.from(k === 0 ? one.zReOhm : t.spectrum.zReOhm)),
    zim: sim.series.map((t, k) => Array.from(k === 0 ? one.zImOhm : t.spectrum.zImOhm)),
  };
  const py = spawnSync('python3', [join(here, 'eis_drt_reference.py'), 'bench'], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  console.log(
    `DRT ${freq.length} frequencies × ${nTau} τ, λ = ${lambda}, Gaussian RBF, combined re+im, R∞ + L`,
  );
  console.log(
    `spincell: one spectrum incl. matrices ${full.toFixed(2)} ms; solve on prepared matrices ${solveOnly.toFixed(2)} ms`,
  );
  console.log(
    `spincell: 100-spectrum series ${series.toFixed(0)} ms (with Lin-KK on every spectrum ${seriesKk.toFixed(0)} ms)`,
  );
  if (py.status !== 0) {
    console.log(`reference could not run: ${py.stderr.trim().split('\n').pop() ?? py.error?.message}`);
    return;
  }
  const ref = JSON.parse(py.stdout) as {
    matrix_s: number;
    solve_s: number;
    series_solve_s: number;
    x0: number[];
    scipy: string;
    numpy: string;
  };
  const refFull = (ref.matrix_s + ref.solve_s) * 1000;
  const refSeries = (ref.matrix_s + ref.series_solve_s) * 1000;
  console.log(
    `reference (numpy ${ref.numpy}, scipy ${ref.scipy}): matrices by quad ${(ref.matrix_s * 1000).toFixed(0)} ms, nnls solve ${(ref.solve_s * 1000).toFixed(2)} ms, 100 solves ${(ref.series_solve_s * 1000).toFixed(0)} ms`,
  );
  console.log(
    `ratio reference/spincell: one spectrum ${(refFull / full).toFixed(1)}×, solve only ${((ref.solve_s * 1000) / solveOnly).toFixed(2)}×, series ${(refSeries / series).toFixed(1)}×`,
  );
  // same answer: compare the first spectrum's coefficients
  const mine = drt(one, opts, setup);
  const xRef = ref.x0.slice(2);
  const xMax = Math.max(...xRef);
  let worst = 0;
  xRef.forEach((v, i) => (worst = Math.max(worst, Math.abs(mine.coefficients[i] - v) / xMax)));
  console.log(
    `agreement: max |Δx|/max x = ${worst.toExponential(2)}, R∞ ${mine.rInfOhm.toFixed(6)} vs ${ref.x0[0].toFixed(6)} Ω`,
  );
}
