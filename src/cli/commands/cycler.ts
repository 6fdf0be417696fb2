/**
 * `spincell cycler <file>`: what a cycler file says — per cycle (charge, discharge, Coulombic efficiency,
 * state of health, areal capacities) and per step (type, direction, duration, capacity, voltage onset) —
 * or, with --records, the full record table with spincell's column names and units and the absolute
 * start time.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { readCyclerFile, type CyclerRecords, type MappedColumn } from '../../io/cycler/index.js';
import { formatCsvColumns } from '../../io/csv/index.js';
import { writeFileAtomic } from '../../io/fs.js';
import { stepSummaries, type StepSummary } from '../../pipeline/sections/cycler-steps.js';
import {
  analyseCycles,
  isSweepRecord,
  segmentSteps,
  seriesFromRecords,
  type Cycle,
  type Step,
} from '../../echem/index.js';
import { action, fixed, type GlobalOptions, parseNumberOption, printJson, printTable } from '../common.js';

interface CyclerFlags {
  areaCm2?: string;
  records?: boolean;
  out?: string;
  timezone?: string;
  first?: string;
  map?: string[];
  onsetMinRiseV?: string;
}

/** Commander collector: every `--map` adds one entry (the option is repeatable). */
export function collectMappings(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * "--map time_s=Test Time:h" → { time_s: { column: 'Test Time', unit: 'h' } }. The unit is what follows
 * the last colon; the table reader falls back to the whole text when a header itself holds colons.
 */
export function parseMappings(
  specs: readonly string[] | undefined,
): Record<string, MappedColumn> | undefined {
  if (!specs || specs.length === 0) return undefined;
  const out: Record<string, MappedColumn> = {};
  for (const spec of specs) {
    const m = /^([A-Za-z_][\w]*)=(.+?)(?::([^:]+))?$/.exec(spec);
    if (!m)
      throw new UsageError('not a column mapping', {
        field: '--map',
        found: spec,
        expected: 'KEY=COLUMN[:UNIT], e.g. time_s=Test Time:h',
      });
    if (m[1] in out)
      throw new UsageError('quantity mapped twice', {
        field: '--map',
        found: spec,
        expected: `one --map for ${m[1]}`,
      });
    out[m[1]] = m[3] !== undefined ? { column: m[2], unit: m[3] } : { column: m[2] };
  }
  return out;
}

function startIso(rec: CyclerRecords): string | null {
  return rec.startMs === null ? null : new Date(rec.startMs).toISOString();
}

export type { StepSummary };

/** How the steps and cycles were found, in words (the technique decides the rules). */
export interface AnalysisMethod {
  readonly technique: string | null;
  readonly steps: string;
  readonly cycles: string;
}

export function analysisMethod(
  technique: string | null,
  steps: readonly Step[],
  hasCycleColumn: boolean,
  hasControlV: boolean,
  first: string,
): AnalysisMethod {
  const source = steps[0]?.source;
  const kinds = [...new Set(steps.map((s) => s.technique))].join(', ');
  const stepText =
    source === 'sweep'
      ? `by technique CV: potential sweeps, cut where ${hasControlV ? 'control/V' : 'Ewe'} reverses${hasCycleColumn ? " and where EC-Lab's cycle number changes" : ''}`
      : source === 'instrument'
        ? "the instrument's step (Ns) and control-mode columns"
        : 'the current (rest below 0.1 % of the largest |I|, else its sign) and CC→CV voltage pinning';
  const active = steps.some((s) => s.direction !== 'none');
  const cycleText = isSweepRecord(steps)
    ? hasCycleColumn
      ? "EC-Lab's cycle number; charge = anodic, discharge = cathodic charge of its sweeps"
      : 'two sweeps per cycle; charge = anodic, discharge = cathodic charge of its sweeps'
    : active
      ? `a ${first} step starts a cycle, the other direction completes it; impedance and rest steps count for neither`
      : 'no charge or discharge steps (only rest, holds or impedance): no cycles';
  if (steps.length === 0) return { technique, steps: 'none (the record has no rows)', cycles: 'none' };
  return { technique, steps: `${stepText} (${kinds})`, cycles: cycleText };
}

export interface CyclerSummary {
  readonly file: string;
  readonly format: string;
  readonly technique: string | null;
  readonly startLocal: string | null;
  readonly start: string | null;
  readonly timezone: string;
  readonly rows: number;
  readonly durationS: number;
  readonly warnings: string[];
  readonly analysis: AnalysisMethod;
  readonly cycles: Cycle[];
  readonly steps: StepSummary[];
}

export function summariseCycler(
  rec: CyclerRecords,
  options: { areaCm2?: number; first?: 'charge' | 'discharge'; onsetMinRiseV?: number },
): CyclerSummary {
  const series = seriesFromRecords(rec);
  const steps = segmentSteps(series);
  const cycles = analyseCycles(steps, { areaCm2: options.areaCm2, firstDirection: options.first });
  const stepSummaryRows = stepSummaries(series, steps, cycles, options.onsetMinRiseV);
  const t = series.timeS;
  return {
    file: rec.source,
    format: rec.format,
    technique: rec.technique,
    startLocal: rec.startLocal,
    start: startIso(rec),
    timezone: rec.timezone,
    rows: rec.rowCount,
    durationS: t.length > 0 ? t[t.length - 1] - t[0] : 0,
    warnings: series.warnings,
    analysis: analysisMethod(
      rec.technique,
      steps,
      series.cycle !== undefined,
      series.controlV !== undefined && series.controlV.some((x) => x !== series.controlV![0]),
      options.first ??
        (isSweepRecord(steps)
          ? steps[0].sweep === 'cathodic'
            ? 'discharge'
            : 'charge'
          : (steps.find((x) => x.direction !== 'none')?.direction ?? 'charge')),
    ),
    cycles,
    steps: stepSummaryRows,
  };
}

function printSummary(s: CyclerSummary, areal: boolean): void {
  process.stdout.write(
    `${s.file}: ${s.format}${s.technique ? ` (${s.technique})` : ''}, ${s.rows} rows, ${(s.durationS / 3600).toFixed(3)} h, start ${s.startLocal ?? '—'} (${s.timezone})\n`,
  );
  for (const w of s.warnings) process.stdout.write(`warning: ${w}\n`);
  process.stdout.write(`steps:  ${s.analysis.steps}\ncycles: ${s.analysis.cycles}\n`);
  process.stdout.write('\ncycles\n');
  printTable(
    [
      'cycle',
      'charge mAh',
      'discharge mAh',
      ...(areal ? ['charge mAh/cm²', 'discharge mAh/cm²'] : []),
      'CE %',
      'SOH %',
    ],
    s.cycles.map((c) => [
      String(c.number),
      c.chargeMAh,
      c.dischargeMAh,
      ...(areal ? [c.chargeMAhPerCm2, c.dischargeMAhPerCm2] : []),
      fixed(c.coulombicEfficiency === null ? null : 100 * c.coulombicEfficiency, 2),
      fixed(c.stateOfHealth === null ? null : 100 * c.stateOfHealth, 2),
    ]),
  );
  process.stdout.write('\nsteps\n');
  printTable(
    [
      'step',
      'Ns',
      'cycle',
      'technique',
      'type',
      'direction',
      'start s',
      'duration s',
      'mean mA',
      'capacity mAh',
      'V start',
      'V end',
      'onset s',
      'nucleation V',
    ],
    s.steps.map((x) => [
      String(x.index),
      x.instrumentStep === null ? null : String(x.instrumentStep),
      String(x.cycle),
      x.technique,
      x.type,
      x.sweep ?? x.direction,
      fixed(x.startS, 1),
      fixed(x.durationS, 1),
      x.meanCurrentMA,
      x.capacityMAh,
      fixed(x.startVoltageV, 4),
      fixed(x.endVoltageV, 4),
      fixed(x.onsetStepTimeS, 1),
      fixed(x.nucleationOverpotentialV, 4),
    ]),
  );
}

export function registerCycler(program: Command): void {
  program
    .command('cycler <file>')
    .description(
      'cycles and steps of a cycler file (EC-Lab .mpr/.mpt, MACCOR text, CSV); --records for the record table',
    )
    .option('--area-cm2 <A>', 'electrode area for areal capacities, cm²')
    .option('--records', 'the full record table instead of the summary')
    .option('--out <file.csv>', 'with --records: write the table as CSV to this file')
    .option('--timezone <zone>', 'time zone of the cycler clock (UTC, +01:00, Europe/Berlin)', 'UTC')
    .option(
      '--first <direction>',
      'direction that starts a cycle: charge | discharge (default: the first active step)',
    )
    .option(
      '--map <KEY=COLUMN[:UNIT]>',
      'column mapping for generic tables, repeatable: --map "time_s=Test Time:h" --map "current_mA=Current(A):A"',
      collectMappings,
      [],
    )
    .option('--onset-min-rise-v <V>', 'smallest voltage rise reported as an onset, V', '0.05')
    .action(
      action((file: string, flags: CyclerFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        if (flags.first !== undefined && flags.first !== 'charge' && flags.first !== 'discharge') {
          throw new UsageError('unknown direction', {
            field: '--first',
            found: flags.first,
            expected: 'charge or discharge',
          });
        }
        if (flags.out && !flags.records)
          throw new UsageError('--out needs --records', {
            field: '--out',
            expected: '--records --out FILE.csv',
          });
        const rec = readCyclerFile(file, { timezone: flags.timezone, mapping: parseMappings(flags.map) });
        if (flags.records) {
          const comments = [
            `file: ${rec.source}`,
            `format: ${rec.format}`,
            `start_local: ${rec.startLocal ?? ''}`,
            `start: ${startIso(rec) ?? ''}`,
            `start_ms: ${rec.startMs ?? ''}`,
            `timezone: ${rec.timezone}`,
          ];
          const keys = rec.columns.map((c) => c.key);
          if (flags.out) {
            writeFileAtomic(
              flags.out,
              formatCsvColumns(
                keys,
                rec.columns.map((c) => c.values),
                comments,
              ),
            );
            if (json) printJson({ file: rec.source, out: flags.out, rows: rec.rowCount, columns: keys });
            else
              process.stdout.write(`${rec.rowCount} rows × ${keys.length} columns written to ${flags.out}\n`);
          } else if (json) {
            printJson({
              file: rec.source,
              format: rec.format,
              technique: rec.technique,
              startLocal: rec.startLocal,
              start: startIso(rec),
              startMs: rec.startMs,
              timezone: rec.timezone,
              rows: rec.rowCount,
              warnings: rec.warnings,
              columns: rec.columns.map((c) => ({
                key: c.key,
                original: c.original,
                unit: c.unit,
                ...(c.derived ? { derived: true } : {}),
              })),
              data: Object.fromEntries(rec.columns.map((c) => [c.key, c.values])),
            });
          } else
            process.stdout.write(
              formatCsvColumns(
                keys,
                rec.columns.map((c) => c.values),
                comments,
              ),
            );
          return;
        }
        const areaCm2 =
          flags.areaCm2 !== undefined ? parseNumberOption('--area-cm2', flags.areaCm2) : undefined;
        if (areaCm2 !== undefined && !(areaCm2 > 0))
          throw new UsageError('area must be positive', {
            field: '--area-cm2',
            found: areaCm2,
            expected: '> 0',
          });
        const summary = summariseCycler(rec, {
          areaCm2,
          first: flags.first as 'charge' | 'discharge' | undefined,
          onsetMinRiseV: parseNumberOption('--onset-min-rise-v', flags.onsetMinRiseV ?? '0.05'),
        });
        if (json) printJson(summary);
        else printSummary(summary, areaCm2 !== undefined);
      }),
    );
}
