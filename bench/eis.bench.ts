/**
 * DRT benchmark: one spectrum (61 frequencies × 92 time constants) and a 100-spectrum dynamic EIS
 * series, spincell against a numpy/scipy reference on the same data, interleaved (bench/harness.ts).
 *
 * pyDRTtools cannot be installed here (it is not on PyPI), so the reference is our script
 * bench/eis_drt_reference.py, which follows pyDRTtools' simple_run: RBF matrices by scipy.integrate.quad
 * (as pyDRTtools does), closed-form penalty, and the non-negative Tikhonov problem solved by
 * scipy.optimize.nnls on the augmented system (pyDRTtools uses cvxopt on the same objective).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyseDeis, drt, drtSetup } from '../src/eis/index.js';
import { ReferenceSession, interleaved } from './harness.js';
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

export default async function run(): Promise<void> {
  // 100 kHz … 0.1 Hz at 10 points per decade = 61 frequencies (the paper's sweep is 1 Hz–100 kHz, 6/decade)
  const freq = logSweep(1e5, 0.1, 10);
  const nTau = 92;
  const lambda = 1e-3;
  const one = simulateSweep(model, freq, { noise: 0.002, seed: 1 });
  const sim = simulateDeisSeries(model, freq, { count: 100, finalRatio: 2, noise: 0.002, seed: 2 });
  const opts = { lambda, nTau };
  const setup = drtSetup(freq, opts);
  // the first spectrum of the series is the single one, so that both comparisons check one answer
  const series = sim.series.map((t, k) => (k === 0 ? { ...t, spectrum: one } : t));
  const spectra = series.map((t) => t.spectrum);
  console.log(
    `DRT ${freq.length} frequencies × ${nTau} τ, λ = ${lambda}, Gaussian RBF, combined re+im, R∞ + L; series of ${spectra.length}`,
  );

  const session = new ReferenceSession(join(here, 'eis_drt_reference.py'), ['serve']);
  try {
    const ready = await session.request<{ matrix_s: number; scipy: string; numpy: string }>({
      freq: Array.from(freq),
      tau: Array.from(setup.tauS),
      coeff: 0.5,
      lambda,
      zre: spectra.map((s) => Array.from(s.zReOhm)),
      zim: spectra.map((s) => Array.from(s.zImOhm)),
    });
    let t0 = performance.now();
    drt(one, opts);
    const fullS = (performance.now() - t0) / 1000;
    console.log(
      `matrices: spincell (closed-form series) with one solve ${(fullS * 1000).toFixed(1)} ms; reference (numpy ${ready.numpy}, scipy ${ready.scipy}) by scipy quad ${ready.matrix_s.toFixed(1)} s — built once per grid on both sides, not compared below`,
    );
    const repeats = 50;
    const single = await interleaved(
      `one DRT on prepared matrices (mean of ${repeats})`,
      {
        label: 'spincell drt',
        run: () => {
          t0 = performance.now();
          let r = drt(one, opts, setup);
          for (let k = 1; k < repeats; k++) r = drt(one, opts, setup);
          return { seconds: (performance.now() - t0) / 1000 / repeats, r };
        },
      },
      {
        label: 'scipy nnls',
        run: () => session.request<{ seconds: number; x0: number[] }>({ mode: 'one', repeats }),
      },
      { target: 1, rounds: 7 },
    );
    await interleaved(
      `DRT series of ${spectra.length} (shared matrices)`,
      {
        label: 'spincell analyseDeis (incl. matrices)',
        run: () => {
          t0 = performance.now();
          analyseDeis(series, { ...opts, kk: false });
          return { seconds: (performance.now() - t0) / 1000 };
        },
      },
      {
        label: 'scipy nnls loop',
        run: () => session.request<{ seconds: number; x0: number[] }>({ mode: 'series' }),
      },
      { target: 2, rounds: 7 },
    );
    // same answer: the first spectrum's coefficients
    const mine = single.lastA.r;
    const x0 = single.lastB.x0;
    const xRef = x0.slice(2);
    const xMax = Math.max(...xRef);
    let worst = 0;
    xRef.forEach((v, i) => (worst = Math.max(worst, Math.abs(mine.coefficients[i] - v) / xMax)));
    console.log(
      `  agreement: max |Δx|/max x = ${worst.toExponential(2)}, R∞ ${mine.rInfOhm.toFixed(6)} vs ${x0[0].toFixed(6)} Ω`,
    );
  } finally {
    session.close();
  }
}
