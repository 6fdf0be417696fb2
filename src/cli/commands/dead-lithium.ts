/**
 * `spincell dead-lithium <integrals.csv…> (--cycler FILE | --capacities FILE)`: Wichmann et al.'s (2025) allocation of
 * the initial charge capacity into reversible, excess, dead metal and interphase from in situ ⁷Li metal
 * integrals in three states per cycle (src/protocols/dead-lithium.ts). Several integral files are
 * replicate cells: each is analysed on its own, then summarised as mean ± standard deviation.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import {
  allocationFigure,
  analyseDeadLithiumFile,
  capacitiesFromCyclerFile,
  capacitiesFromTable,
  deadLithiumCsv,
} from '../../pipeline/sections/dead-lithium.js';
import {
  replicateStatistics,
  type CycleCapacities,
  type DeadLithiumResult,
  type LinearTrend,
  type MeanSd,
  type MetalNucleus,
  type ReplicateSummary,
} from '../../protocols/dead-lithium.js';
import { DEAD_METAL_PRESETS, resolveDeadMetal } from '../../protocols/method-presets.js';
import {
  action,
  checkOutputFile,
  type GlobalOptions,
  parseNumberOption,
  printJson,
  printTable,
  warnings,
  writeOutputFile,
} from '../common.js';

interface Flags {
  preset?: string;
  nucleus?: string;
  initialChargeMah?: string;
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
  if (cyclers.length > 0)
    return cyclers.map((file) => ({ file, capacities: capacitiesFromCyclerFile(file) }));
  return tables.map((file) => ({ file, capacities: capacitiesFromTable(file) }));
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
      '--preset <name>',
      `the published settings (SOC factor, frequency, nucleus, linear range): ${DEAD_METAL_PRESETS.map((p) => p.name).join(', ')}`,
    )
    .option(
      '--soc-factor <F>',
      'calibration factor for spectra at 0 % SOC (discharged and after CV); default 1 with a warning; Wichmann et al. 2025 NMC622: 1.08',
    )
    .option('--area-cm2 <A>', 'electrode area, cm² (areal capacities, quantitative-range check)')
    .option('--proton-mhz <MHz>', 'spectrometer ¹H frequency for the skin-depth check (default 200)')
    .option('--nucleus <label>', 'observed nucleus: 7Li (default), 6Li or 23Na (Na density and skin depth)')
    .option(
      '--initial-charge-mah <mAh>',
      'initial charge capacity the losses are allocated from (default: the first cycle of the capacities)',
    )
    .option('--svg <file.svg>', 'draw the capacity allocation per cycle')
    .option('--out <file.csv>', 'write the per-cycle table')
    .action(
      action((files: string[], flags: Flags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        const given =
          flags.socFactor !== undefined ? parseNumberOption('--soc-factor', flags.socFactor) : undefined;
        if (flags.preset !== undefined && !DEAD_METAL_PRESETS.some((p) => p.name === flags.preset))
          throw new UsageError('unknown preset', {
            field: '--preset',
            found: flags.preset,
            expected: DEAD_METAL_PRESETS.map((p) => p.name).join(', '),
          });
        if (flags.nucleus !== undefined && !['7Li', '6Li', '23Na'].includes(flags.nucleus))
          throw new UsageError('the dead-metal protocol is for Li or Na metal', {
            field: '--nucleus',
            found: flags.nucleus,
            expected: '7Li, 6Li or 23Na',
          });
        const initialChargeMAh =
          flags.initialChargeMah !== undefined
            ? parseNumberOption('--initial-charge-mah', flags.initialChargeMah)
            : undefined;
        if (initialChargeMAh !== undefined && !(initialChargeMAh > 0))
          throw new UsageError('initial charge must be positive', {
            field: '--initial-charge-mah',
            found: initialChargeMAh,
            expected: '> 0 mAh',
          });
        const socFactor = given ?? 1;
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
        const protonGiven =
          flags.protonMhz !== undefined ? parseNumberOption('--proton-mhz', flags.protonMhz) : undefined;
        const settings = resolveDeadMetal({
          ...(flags.preset !== undefined ? { preset: flags.preset } : {}),
          ...(given !== undefined ? { socFactor: given } : {}),
          ...(protonGiven !== undefined ? { protonMHz: protonGiven } : {}),
          ...(flags.nucleus !== undefined ? { nucleus: flags.nucleus as MetalNucleus } : {}),
        });
        const protonMHz = settings.protonMHz;
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
          return analyseDeadLithiumFile({
            integralsFile: file,
            capacitiesFile: src.file,
            capacities: src.capacities,
            socFactor: settings.socFactor,
            areaCm2: area,
            protonMHz,
            nucleus: settings.nucleus,
            ...(settings.linearRangeMAhPerCm2 !== undefined
              ? { linearRangeMAhPerCm2: settings.linearRangeMAhPerCm2 }
              : {}),
            ...(initialChargeMAh !== undefined ? { initialChargeMAh } : {}),
          });
        });
        const summary = results.length > 1 ? replicateStatistics(results, files) : null;
        if (flags.out !== undefined)
          writeOutputFile('--out', flags.out, deadLithiumCsv(files, results, summary));
        if (flags.svg !== undefined)
          writeOutputFile('--svg', flags.svg, allocationFigure(results, summary, area));
        const warn = warnings(json);
        for (const w of settings.warnings) warn.add(w);
        if (json) {
          printJson({
            preset: settings.preset,
            settings: settings.settings,
            ...(warn.list.length > 0 ? { warnings: warn.list } : {}),
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
