/**
 * Each impedance sweep as a run keeps it for drawing: its points, its Lin-KK residuals (% of |Z|) and its
 * DRT γ on the run's common τ grid. One function gives them, so the run's impedance-points.csv and drt.csv
 * and the project store's impedance_data rows (src/store/runs.ts) are the same numbers.
 */
import { formatCsv } from '../io/csv/index.js';
import type { EisRun } from './run.js';

export interface SweepData {
  readonly sweep: number;
  readonly freqHz: Float64Array;
  readonly zReOhm: Float64Array;
  readonly zImOhm: Float64Array;
  /** Lin-KK residuals (Z − Z_fit)/|Z| in %, real and imaginary; null when Lin-KK was skipped. */
  readonly kkResidualRePct: Float64Array | null;
  readonly kkResidualImPct: Float64Array | null;
  /** The |residual| bound of the Lin-KK verdict, %. */
  readonly kkThresholdPct: number | null;
  /** log10 of the DRT grid's τ/s (the run's common grid). */
  readonly log10TauS: Float64Array;
  /** γ at each τ, Ω per unit ln τ. */
  readonly gammaOhm: Float64Array;
}

const pct = (a: Float64Array) => Float64Array.from(a, (x) => x * 100);

/** The drawn data of sweep k of a run's impedance analysis. */
export function sweepData(eis: EisRun, k: number): SweepData {
  const s = eis.sweeps[k].spectrum;
  const kk = eis.deis.kk[k];
  const drt = eis.deis.results[k];
  return {
    sweep: k,
    freqHz: s.freqHz,
    zReOhm: s.zReOhm,
    zImOhm: s.zImOhm,
    kkResidualRePct: kk ? pct(kk.residualRe) : null,
    kkResidualImPct: kk ? pct(kk.residualIm) : null,
    kkThresholdPct: kk ? kk.threshold * 100 : null,
    log10TauS: Float64Array.from(drt.tauFineS, Math.log10),
    gammaOhm: drt.gammaOhm,
  };
}

/** impedance-points.csv: one row per sweep and frequency, with the Lin-KK residuals. */
export function impedancePointsCsv(eis: EisRun): string {
  const rows: unknown[][] = [];
  eis.sweeps.forEach((_, k) => {
    const d = sweepData(eis, k);
    for (let i = 0; i < d.freqHz.length; i++)
      rows.push([
        k,
        d.freqHz[i],
        d.zReOhm[i],
        d.zImOhm[i],
        d.kkResidualRePct?.[i] ?? '',
        d.kkResidualImPct?.[i] ?? '',
      ]);
  });
  return formatCsv(
    ['sweep', 'frequency_hz', 'z_real_ohm', 'z_imag_ohm', 'kk_residual_real_pct', 'kk_residual_imag_pct'],
    rows,
    ['Lin-KK residuals (Z - Z_fit)/|Z| in % (Schönleber et al. 2014)'],
  );
}

/** drt.csv: γ(τ) of every sweep on the run's common τ grid (the DRT map over time, long form). */
export function drtCsv(eis: EisRun): string {
  const rows: unknown[][] = [];
  eis.sweeps.forEach((_, k) => {
    const d = sweepData(eis, k);
    const t = eis.deis.timeS[k];
    for (let j = 0; j < d.log10TauS.length; j++) rows.push([k, t, d.log10TauS[j], d.gammaOhm[j]]);
  });
  return formatCsv(['sweep', 'time_s', 'log10_tau_s', 'gamma_ohm'], rows);
}
