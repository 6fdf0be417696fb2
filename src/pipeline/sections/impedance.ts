/**
 * The manifest's impedance settings beyond the DRT: Lin-KK options (`eis.kk`, as `spincell eis kk`) and an
 * equivalent-circuit fit of every sweep (`eis.fit`, as `spincell eis fit`), on the sweeps the `eis`
 * stage read.
 */
import { fitCircuit, type EcmFitResult, type LinKKOptions } from '../../eis/index.js';
import { formatCsv } from '../../io/csv/index.js';
import type { TimedSpectrum } from '../../io/eis/index.js';
import { categorical, linePlotSvg, type ReportSection } from '../../report/index.js';
import type { ManifestCircuitFit, ManifestLinKK } from '../manifest.js';

/** The Lin-KK options of `eis.kk` (threshold in % of |Z|, as `--threshold`). */
export function linKKOptions(kk: ManifestLinKK | undefined): LinKKOptions | undefined {
  if (!kk) return undefined;
  return {
    ...(kk.c !== undefined ? { c: kk.c } : {}),
    ...(kk.thresholdPercent !== undefined ? { threshold: kk.thresholdPercent / 100 } : {}),
    ...(kk.capacitance !== undefined ? { addCapacitance: kk.capacitance } : {}),
    ...(kk.inductance !== undefined ? { addInductance: kk.inductance } : {}),
    ...(kk.fitType !== undefined ? { fitType: kk.fitType } : {}),
    ...(kk.m !== undefined ? { m: kk.m } : {}),
  };
}

export interface CircuitFitRun {
  readonly circuit: string;
  readonly fits: EcmFitResult[];
}

/** Fits the circuit to every sweep, each from the same start values. */
export function runCircuitFits(sweeps: readonly TimedSpectrum[], f: ManifestCircuitFit): CircuitFitRun {
  const fits = sweeps.map((t) =>
    fitCircuit(
      {
        freqHz: t.spectrum.freqHz,
        zReOhm: t.spectrum.zReOhm,
        zImOhm: t.spectrum.zImOhm,
        source: t.spectrum.source,
      },
      f.circuit,
      {
        ...(f.initialGuess ? { initialGuess: f.initialGuess } : {}),
        weighting: f.weighting ?? 'unit',
        ...(f.fixed ? { fixed: f.fixed } : {}),
      },
    ),
  );
  return { circuit: f.circuit, fits };
}

/** One row per sweep and parameter. */
export function circuitFitCsv(
  run: CircuitFitRun,
  sweeps: readonly TimedSpectrum[],
  timeS: ArrayLike<number>,
): string {
  const rows: unknown[][] = [];
  run.fits.forEach((r, k) => {
    const ms = sweeps[k].timeMs;
    for (const p of r.parameters)
      rows.push([
        k,
        timeS[k],
        ms !== undefined ? new Date(ms).toISOString() : '',
        p.name,
        p.unit,
        p.value,
        p.standardError,
        p.fixed,
        p.atBound,
        r.chi2,
        r.reducedChi2,
        r.converged,
      ]);
  });
  return formatCsv(
    [
      'sweep',
      'time_s',
      'time_iso',
      'parameter',
      'unit',
      'value',
      'std_err',
      'fixed',
      'at_bound',
      'chi2',
      'reduced_chi2',
      'converged',
    ],
    rows,
    [`equivalent circuit ${run.circuit} (impedance.py notation)`],
  );
}

export function circuitFitReport(run: CircuitFitRun, timeS: ArrayLike<number>): ReportSection {
  const names = run.fits[0]?.parameters.map((p) => p.name) ?? [];
  const hours = Array.from(timeS, (t) => t / 3600);
  const converged = run.fits.filter((f) => f.converged).length;
  return {
    heading: `Equivalent circuit ${run.circuit}`,
    text: `${converged} of ${run.fits.length} fits converged.`,
    figures:
      run.fits.length > 1
        ? names
            .filter((n) => /^R/.test(n))
            .slice(0, 1)
            .map(() => ({
              svg: linePlotSvg({
                title: 'Fitted resistances over time',
                xLabel: 'Time / h',
                yLabel: 'Resistance / Ω',
                grid: true,
                width: 820,
                height: 360,
                series: names
                  .map((n, i) => ({ n, i }))
                  .filter(({ n }) => /^R\d*$/.test(n))
                  .map(({ n, i }, k) => ({
                    label: n,
                    x: hours,
                    y: run.fits.map((f) => f.parameters[i].value),
                    style: 'line+points' as const,
                    color: categorical(k),
                  })),
              }),
            }))
        : [],
    tables: [
      {
        caption: `Parameters of the last sweep (${run.fits.length} sweeps in circuit-fit.csv)`,
        headers: ['parameter', 'value', '± 1σ', 'unit'],
        rows: (run.fits[run.fits.length - 1]?.parameters ?? []).map((p) => [
          p.name,
          p.value.toPrecision(5),
          p.standardError.toPrecision(2),
          p.unit,
        ]),
      },
    ],
  };
}
