/**
 * The manifest's `deadLithium` section: Wichmann et al.'s (2025) allocation of the initial charge capacity
 * into reversible, excess, dead metal and interphase from the metal integrals in three states per cycle,
 * with the capacities from a cycler file or a table — the same reading, analysis, table and figure as
 * `spincell dead-lithium` (which calls these functions).
 */
import { analyseCycles, segmentSteps, seriesFromRecords } from '../../echem/index.js';
import { formatCsv } from '../../io/csv/index.js';
import { parseCapacityTable, parseIntegralTable } from '../../io/csv/dead-lithium.js';
import { readCyclerFile } from '../../io/cycler/index.js';
import { readFileChecked } from '../../io/fs.js';
import {
  analyseDeadLithium,
  capacitiesFromCycles,
  integralsFromRows,
  type CycleCapacities,
  type DeadLithiumResult,
  type MeanSd,
  type MetalNucleus,
  type ReplicateSummary,
} from '../../protocols/dead-lithium.js';
import { capacityAllocationSvg, linePlotSvg, categorical, type ReportSection } from '../../report/index.js';
import type { ManifestDeadLithium } from '../manifest.js';
import { resolveDeadMetal, type ResolvedDeadMetal } from '../../protocols/method-presets.js';

/** Cycle capacities from a cycler record (a cycle starts with the charge that plates the copper). */
export function capacitiesFromCyclerFile(file: string): CycleCapacities[] {
  const steps = segmentSteps(seriesFromRecords(readCyclerFile(file)));
  return capacitiesFromCycles(steps, analyseCycles(steps, { firstDirection: 'charge' }));
}

/** Cycle capacities from a `cycle,charge_mAh,discharge_mAh[,cv_discharge_mAh]` table. */
export function capacitiesFromTable(file: string): CycleCapacities[] {
  return parseCapacityTable(readFileChecked(file).toString('utf8'), file);
}

export interface DeadLithiumInput {
  readonly integralsFile: string;
  readonly capacitiesFile: string;
  readonly capacities: readonly CycleCapacities[];
  /** Factor for the spectra at 0 % SOC (discharged and after CV); 1 = no correction. */
  readonly socFactor: number;
  readonly areaCm2?: number;
  readonly protonMHz?: number;
  /** Which metal the range check uses (default 7Li). */
  readonly nucleus?: MetalNucleus;
  readonly linearRangeMAhPerCm2?: number | null;
  /** Default: the charge of the lowest-numbered cycle of the capacity table. */
  readonly initialChargeMAh?: number;
}

/** Reads one integrals file and runs the protocol on it. */
export function analyseDeadLithiumFile(input: DeadLithiumInput): DeadLithiumResult {
  const integrals = integralsFromRows(
    parseIntegralTable(readFileChecked(input.integralsFile).toString('utf8'), input.integralsFile),
    input.integralsFile,
  );
  return analyseDeadLithium(integrals, input.capacities, {
    socFactors: { charged: 1, discharged: input.socFactor, afterCv: input.socFactor },
    areaCm2: input.areaCm2,
    protonMHz: input.protonMHz ?? 200,
    ...(input.nucleus !== undefined ? { nucleus: input.nucleus } : {}),
    ...(input.linearRangeMAhPerCm2 !== undefined ? { linearRangeMAhPerCm2: input.linearRangeMAhPerCm2 } : {}),
    ...(input.initialChargeMAh !== undefined ? { initialChargeMAh: input.initialChargeMAh } : {}),
    integralsFile: input.integralsFile,
    capacitiesFile: input.capacitiesFile,
  });
}

const CSV_HEADERS = [
  'cell',
  'cycle',
  'charged_integral',
  'discharged_integral',
  'after_cv_integral',
  'q_mAh_per_integral',
  'charge_mAh',
  'discharge_mAh',
  'cv_discharge_mAh',
  'reversible_mAh',
  'excess_mAh',
  'dead_mAh',
  'interphase_mAh',
  'reversible_pct',
  'excess_pct',
  'dead_pct',
  'interphase_pct',
  'reversible_mAh_cm2',
  'excess_mAh_cm2',
  'dead_mAh_cm2',
  'interphase_mAh_cm2',
];

/** The per-cycle table of `dead-lithium --out` (one block per cell, then mean and sd of replicates). */
export function deadLithiumCsv(
  files: readonly string[],
  results: readonly DeadLithiumResult[],
  summary: ReplicateSummary | null,
): string {
  const rows: unknown[][] = [];
  results.forEach((r, i) => {
    for (const c of r.cycles) {
      rows.push([
        files[i],
        c.cycle,
        c.integrals.charged,
        c.integrals.discharged,
        c.integrals.afterCv,
        c.conversionMAhPerIntegral,
        c.chargeMAh,
        c.dischargeMAh,
        c.cvDischargeMAh,
        c.reversibleMAh,
        c.excessMAh,
        c.deadMAh,
        c.interphaseMAh,
        c.reversiblePercent,
        c.excessPercent,
        c.deadPercent,
        c.interphasePercent,
        c.reversibleMAhPerCm2,
        c.excessMAhPerCm2,
        c.deadMAhPerCm2,
        c.interphaseMAhPerCm2,
      ]);
    }
  });
  if (summary) {
    for (const stat of ['mean', 'sd'] as const) {
      for (const c of summary.cycles) {
        const v = c.values;
        const g = (m: MeanSd) => (stat === 'mean' ? m.mean : m.sd);
        rows.push([
          stat,
          c.cycle,
          null,
          null,
          null,
          g(v.conversionMAhPerIntegral),
          null,
          null,
          null,
          g(v.reversibleMAh),
          g(v.excessMAh),
          g(v.deadMAh),
          g(v.interphaseMAh),
          g(v.reversiblePercent),
          g(v.excessPercent),
          g(v.deadPercent),
          g(v.interphasePercent),
          null,
          null,
          null,
          null,
        ]);
      }
    }
  }
  return formatCsv(CSV_HEADERS, rows, [
    'spincell dead-lithium (Wichmann et al. 2025 protocol); capacities cumulative, % of the initial charge capacity',
  ]);
}

/** The allocation bars per cycle (the mean of the replicates when there are several). */
export function allocationFigure(
  results: readonly DeadLithiumResult[],
  summary: ReplicateSummary | null,
  area: number | undefined,
): string {
  const scale = area ?? 1;
  const cycles = summary
    ? summary.cycles.map((c) => ({
        cycle: c.cycle,
        reversible: c.values.reversibleMAh.mean / scale,
        excessMetal: c.values.excessMAh.mean / scale,
        deadMetal: c.values.deadMAh.mean / scale,
        interphase: c.values.interphaseMAh.mean / scale,
      }))
    : results[0].cycles.map((c) => ({
        cycle: c.cycle,
        reversible: c.reversibleMAh / scale,
        excessMetal: c.excessMAh / scale,
        deadMetal: c.deadMAh / scale,
        interphase: c.interphaseMAh / scale,
      }));
  return capacityAllocationSvg({
    cycles,
    unit: area ? 'mAh cm^-2' : 'mAh',
    title: `Allocation of the initial charge capacity${summary ? ` (mean of ${summary.cells} cells)` : ''}`,
  });
}

export interface DeadLithiumRun {
  readonly integralsFile: string;
  readonly capacitiesFile: string;
  readonly result: DeadLithiumResult;
  /** The resolved SOC factor, frequency, nucleus and linear range with their sources. */
  readonly settings?: ResolvedDeadMetal;
}

/** The section's input files (absolute after `resolvedManifest`), with the JSON path naming each. */
export function deadLithiumInputs(d: ManifestDeadLithium): { field: string; path: string }[] {
  return [
    { field: 'deadLithium.integrals', path: d.integrals },
    ...(d.cycler !== undefined ? [{ field: 'deadLithium.cycler', path: d.cycler }] : []),
    ...(d.capacities !== undefined ? [{ field: 'deadLithium.capacities', path: d.capacities }] : []),
  ];
}

export function resolveDeadLithium(d: ManifestDeadLithium, at: (p: string) => string): ManifestDeadLithium {
  return {
    ...d,
    integrals: at(d.integrals),
    ...(d.cycler !== undefined ? { cycler: at(d.cycler) } : {}),
    ...(d.capacities !== undefined ? { capacities: at(d.capacities) } : {}),
  };
}

export function runDeadLithium(d: ManifestDeadLithium): DeadLithiumRun {
  const capacitiesFile = (d.cycler ?? d.capacities) as string;
  const capacities =
    d.cycler !== undefined ? capacitiesFromCyclerFile(d.cycler) : capacitiesFromTable(capacitiesFile);
  const settings = resolveDeadMetal({
    ...(d.preset !== undefined ? { preset: d.preset } : {}),
    ...(d.socFactor !== undefined ? { socFactor: d.socFactor } : {}),
    ...(d.protonMHz !== undefined ? { protonMHz: d.protonMHz } : {}),
    ...(d.nucleus !== undefined ? { nucleus: d.nucleus } : {}),
  });
  const result = analyseDeadLithiumFile({
    integralsFile: d.integrals,
    capacitiesFile,
    capacities,
    socFactor: settings.socFactor,
    areaCm2: d.areaCm2,
    protonMHz: settings.protonMHz,
    nucleus: settings.nucleus,
    ...(settings.linearRangeMAhPerCm2 !== undefined
      ? { linearRangeMAhPerCm2: settings.linearRangeMAhPerCm2 }
      : {}),
    ...(d.initialChargeMAh !== undefined ? { initialChargeMAh: d.initialChargeMAh } : {}),
  });
  result.warnings.unshift(...settings.warnings);
  return { integralsFile: d.integrals, capacitiesFile, result, settings };
}

const W = 820;

export function deadLithiumReport(run: DeadLithiumRun): ReportSection {
  const r = run.result;
  const cycles = r.cycles.map((c) => c.cycle);
  const t = r.trends.deadMAh;
  const last = r.cycles[r.cycles.length - 1];
  const fmt = (x: number | null, d: number) => (x === null || !Number.isFinite(x) ? '' : x.toFixed(d));
  return {
    heading: 'Dead lithium and capacity allocation (Wichmann et al. 2025)',
    text:
      `Initial charge capacity ${r.initialChargeMAh.toPrecision(4)} mAh; SOC factor ${r.socFactors.discharged} at 0 % SOC. ` +
      (last
        ? `After cycle ${last.cycle}: dead Li ${last.deadMAh.toPrecision(3)} mAh (${last.deadPercent.toFixed(2)} %), interphase ${last.interphasePercent.toFixed(2)} %. `
        : '') +
      (t
        ? `Cumulative dead Li grows by ${(1000 * t.slope).toPrecision(4)}${t.slopeStdErr !== null ? ` ± ${(1000 * t.slopeStdErr).toPrecision(2)}` : ''} µAh per cycle (linear fit).`
        : ''),
    figures: [
      { svg: allocationFigure([r], null, r.areaCm2 ?? undefined) },
      {
        svg: linePlotSvg({
          title: 'Cumulative dead lithium, with its linear fit',
          xLabel: 'Cycle',
          yLabel: 'Dead Li / mAh',
          grid: true,
          width: W,
          height: 360,
          series: [
            {
              label: 'dead Li',
              x: cycles,
              y: r.cycles.map((c) => c.deadMAh),
              style: 'points',
              color: categorical(0),
            },
            ...(t
              ? [
                  {
                    label: 'linear fit',
                    x: cycles,
                    y: cycles.map((n) => t.intercept + t.slope * n),
                    color: categorical(1),
                  },
                ]
              : []),
          ],
        }),
      },
    ],
    tables: [
      {
        caption: 'Allocation per measured cycle, cumulative',
        headers: [
          'cycle',
          'q / mAh per integral',
          'reversible / mAh',
          'excess / mAh',
          'dead / mAh',
          'interphase / %',
        ],
        rows: r.cycles.map((c) => [
          c.cycle,
          fmt(c.conversionMAhPerIntegral, 6),
          fmt(c.reversibleMAh, 4),
          fmt(c.excessMAh, 4),
          fmt(c.deadMAh, 4),
          fmt(c.interphasePercent, 2),
        ]),
      },
    ],
  };
}
