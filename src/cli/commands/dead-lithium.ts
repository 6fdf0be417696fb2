/**
 * `spincell dead-lithium <integrals.csv…> (--cycler FILE | --capacities FILE)`: Wichmann et al.'s (2025) allocation of
 * the initial charge capacity into reversible, excess, dead metal and interphase from in situ ⁷Li metal
 * integrals in three states per cycle (src/protocols/dead-lithium.ts). Several integral files are
 * replicate cells: each is analysed on its own, then summarised as mean ± standard deviation.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { analyseCycles, segmentSteps, seriesFromRecords } from '../../echem/index.js';
import { formatCsv } from '../../io/csv/index.js';
import { parseCapacityTable, parseIntegralTable } from '../../io/csv/dead-lithium.js';
import { readCyclerFile } from '../../io/cycler/index.js';
import { readFileChecked } from '../../io/fs.js';
import {
  analyseDeadLithium,
  capacitiesFromCycles,
  integralsFromRows,
  replicateStatistics,
  type CycleCapacities,
  type DeadLithiumResult,
  type LinearTrend,
  type MeanSd,
  type ReplicateSummary,
} from '../../protocols/dead-lithium.js';
import { capacityAllocationSvg } from '../../report/index.js';
import {
  action,
  checkOutputFile,
  type GlobalOptions,
  parseNumberOption,
  printJson,
  printTable,
  writeOutputFile,
} from '../common.js';

interface Flags {
  cycler?: string[];
  capacities?: string[];
  socFactor?: string;
  areaCm2?: string;
  protonMhz?: string;
  svg?: string;
  out?: string;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function readCapacities(flags: Flags): { file: string; capacities: CycleCapacities[] }[] {
  const cyclers = flags.cycler ?? [];
  const tables = flags.capacities ?? [];
  if (cyclers.length > 0 && tables.length > 0)
    throw new UsageError('give capacities either from cycler files or from tables', {
      field: '--cycler / --capacities',
      expected: 'one of the two',
    });
  if (cyclers.length === 0 && tables.length === 0)
    throw new UsageError('capacities are missing', {
      field: '--cycler / --capacities',
      expected: '--cycler FILE or --capacities FILE.csv',
    });
  if (cyclers.length > 0) {
    return cyclers.map((file) => {
      const steps = segmentSteps(seriesFromRecords(readCyclerFile(file)));
      return {
        file,
        capacities: capacitiesFromCycles(steps, analyseCycles(steps, { firstDirection: 'charge' })),
      };
    });
  }
  return tables.map((file) => ({
    file,
    capacities: parseCapacityTable(readFileChecked(file).toString('utf8'), file),
  }));
}

function trendText(t: LinearTrend | null, unit: string): string {
  if (!t) return '—';
  const se = t.slopeStdErr === null ? '' : ` ± ${t.slopeStdErr.toPrecision(2)}`;
  return `${t.slope.toPrecision(4)}${se} ${unit}/cycle (${t.points} cycles, R² ${t.rSquared === null ? '—' : t.rSquared.toFixed(4)})`;
}

const pm = (m: MeanSd) =>
  m.sd === null ? m.mean.toPrecision(4) : `${m.mean.toPrecision(4)} ± ${m.sd.toPrecision(2)}`;

function printCell(file: string, r: DeadLithiumResult): void {
  process.stdout.write(
    `${file}: initial charge ${r.initialChargeMAh.toPrecision(5)} mAh${r.initialChargeCycle !== null ? ` (cycle ${r.initialChargeCycle})` : ''}, SOC factors charged ${r.socFactors.charged}, discharged ${r.socFactors.discharged}, after CV ${r.socFactors.afterCv}\n`,
  );
  printTable(
    [
      'cycle',
      'q mAh/integral',
      'reversible mAh',
      'excess mAh',
      'dead mAh',
      'interphase mAh',
      'reversible %',
      'excess %',
      'dead %',
      'interphase %',
      'excess − CV mAh',
    ],
    r.cycles.map((c) => [
      String(c.cycle),
      c.conversionMAhPerIntegral.toPrecision(5),
      c.reversibleMAh,
      c.excessMAh,
      c.deadMAh,
      c.interphaseMAh,
      c.reversiblePercent,
      c.excessPercent,
      c.deadPercent,
      c.interphasePercent,
      c.excessMinusCvMAh,
    ]),
  );
  process.stdout.write(
    `dead metal:  ${trendText(r.trends.deadMAh, 'mAh')}; ${trendText(r.trends.deadPercent, '%')}\n`,
  );
  process.stdout.write(
    `interphase:  ${trendText(r.trends.interphaseMAh, 'mAh')}; ${trendText(r.trends.interphasePercent, '%')}\n`,
  );
  for (const w of r.warnings) process.stdout.write(`warning: ${w}\n`);
}

function printReplicates(s: ReplicateSummary): void {
  process.stdout.write(`\n${s.cells} replicate cells, mean ± standard deviation\n`);
  printTable(
    ['cycle', 'reversible %', 'excess %', 'dead %', 'interphase %', 'dead mAh', 'interphase mAh'],
    s.cycles.map((c) => [
      String(c.cycle),
      pm(c.values.reversiblePercent),
      pm(c.values.excessPercent),
      pm(c.values.deadPercent),
      pm(c.values.interphasePercent),
      pm(c.values.deadMAh),
      pm(c.values.interphaseMAh),
    ]),
  );
  const sl = s.slopes;
  process.stdout.write(
    `slopes: dead ${sl.deadPercent ? pm(sl.deadPercent) : '—'} %/cycle, interphase ${sl.interphasePercent ? pm(sl.interphasePercent) : '—'} %/cycle\n`,
  );
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

function csv(
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

function figure(
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

export function registerDeadLithium(program: Command): void {
  program
    .command('dead-lithium <integrals...>')
    .description(
      'dead metal, excess metal and interphase capacity per cycle from metal integrals in three states (Wichmann et al. 2025)',
    )
    .option(
      '--cycler <file>',
      'cycler file with the capacities (EC-Lab, MACCOR, CSV); repeat once per integral file for replicates',
      collect,
    )
    .option(
      '--capacities <file.csv>',
      'table cycle,charge_mAh,discharge_mAh[,cv_discharge_mAh]; repeat once per integral file for replicates',
      collect,
    )
    .option(
      '--soc-factor <F>',
      'calibration factor for spectra at 0 % SOC (discharged and after CV); Wichmann et al. 2025 NMC622: 1.08',
      '1',
    )
    .option('--area-cm2 <A>', 'electrode area, cm² (areal capacities, quantitative-range check)')
    .option('--proton-mhz <MHz>', 'spectrometer ¹H frequency for the skin-depth check', '200')
    .option('--svg <file.svg>', 'draw the capacity allocation per cycle')
    .option('--out <file.csv>', 'write the per-cycle table')
    .action(
      action((files: string[], flags: Flags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        const socFactor = parseNumberOption('--soc-factor', flags.socFactor ?? '1');
        if (!(socFactor > 0))
          throw new UsageError('SOC factor must be positive', {
            field: '--soc-factor',
            found: socFactor,
            expected: '> 0, e.g. 1.08',
          });
        const area = flags.areaCm2 !== undefined ? parseNumberOption('--area-cm2', flags.areaCm2) : undefined;
        if (area !== undefined && !(area > 0))
          throw new UsageError('area must be positive', {
            field: '--area-cm2',
            found: area,
            expected: '> 0',
          });
        const protonMHz = parseNumberOption('--proton-mhz', flags.protonMhz ?? '200');
        if (!(protonMHz > 0))
          throw new UsageError('frequency must be positive', {
            field: '--proton-mhz',
            found: protonMHz,
            expected: '> 0 MHz',
          });
        if (flags.out !== undefined) checkOutputFile('--out', flags.out, 'allocation.csv');
        if (flags.svg !== undefined) checkOutputFile('--svg', flags.svg, 'allocation.svg');
        const sources = readCapacities(flags);
        if (sources.length !== 1 && sources.length !== files.length) {
          throw new UsageError('one capacity source per integral file, or one for all', {
            field: '--cycler / --capacities',
            found: sources.length,
            expected: `1 or ${files.length}`,
          });
        }
        const results = files.map((file, i) => {
          const src = sources.length === 1 ? sources[0] : sources[i];
          const integrals = integralsFromRows(
            parseIntegralTable(readFileChecked(file).toString('utf8'), file),
            file,
          );
          return analyseDeadLithium(integrals, src.capacities, {
            socFactors: { charged: 1, discharged: socFactor, afterCv: socFactor },
            areaCm2: area,
            protonMHz,
            integralsFile: file,
            capacitiesFile: src.file,
          });
        });
        const summary = results.length > 1 ? replicateStatistics(results, files) : null;
        if (flags.out !== undefined) writeOutputFile('--out', flags.out, csv(files, results, summary));
        if (flags.svg !== undefined) writeOutputFile('--svg', flags.svg, figure(results, summary, area));
        if (json) {
          printJson({
            cells: results.map((r, i) => ({
              integrals: files[i],
              capacities: (sources.length === 1 ? sources[0] : sources[i]).file,
              ...r,
            })),
            replicates: summary,
            outputs: { out: flags.out ?? null, svg: flags.svg ?? null },
          });
          return;
        }
        results.forEach((r, i) => {
          if (i > 0) process.stdout.write('\n');
          printCell(files[i], r);
        });
        if (summary) printReplicates(summary);
        for (const [what, path] of [
          ['table', flags.out],
          ['figure', flags.svg],
        ] as const)
          if (path) process.stdout.write(`${what} written to ${path}\n`);
      }),
    );
}
