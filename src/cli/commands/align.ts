/**
 * `spincell align <spectra-path> <cycler-file>`: one row per spectrum with the cell state over its
 * acquisition window — mean voltage and current, charge passed, capacity in the current step, cycle,
 * step type, state of charge — and flags for windows outside the cycler record or across a step change.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { listSeries } from '../../io/bruker/index.js';
import { readCyclerFile } from '../../io/cycler/index.js';
import { writeCsv } from '../../io/csv/index.js';
import {
  alignedTable,
  alignSpectra,
  checkAlignment,
  findRecordGaps,
  requireOverlap,
  seriesFromRecords,
} from '../../echem/index.js';
import { action, type GlobalOptions, parseNumberOption, printJson, printTable } from '../common.js';
import { collectMappings, parseMappings } from './cycler.js';
import { spectrumWindow } from '../../pipeline/processing.js';
import { sweepWindows } from '../../eis/align.js';
import { readImpedanceSeries } from '../../io/eis/index.js';

interface AlignFlags {
  offsetS?: string;
  timezone?: string;
  capacityMah?: string;
  socStartPct?: string;
  out?: string;
  map?: string[];
  impedance?: boolean;
}

export function registerAlign(program: Command): void {
  program
    .command('align <spectra-path> <cycler-file>')
    .description(
      'cell state (voltage, current, charge, step, cycle, SOC) over every spectrum’s acquisition window',
    )
    .option('--offset-s <S>', 'how far the cycler clock runs ahead of the spectrometer clock, s', '0')
    .option('--timezone <zone>', 'time zone of the cycler clock (UTC, +01:00, Europe/Berlin)', 'UTC')
    .option('--capacity-mah <C>', 'declared capacity for the state of charge, mAh')
    .option('--soc-start-pct <P>', 'state of charge at the start of the cycler record, %', '0')
    .option('--out <file.csv>', 'also write the table as CSV')
    .option(
      '--impedance',
      'the first path is an impedance file (dynamic EIS): one row per sweep, its window from its first to its last point, read in --timezone as the cycler file',
    )
    .option(
      '--map <KEY=COLUMN[:UNIT]>',
      'column mapping for generic cycler tables, repeatable (as for `spincell cycler`)',
      collectMappings,
      [],
    )
    .action(
      action((spectraPath: string, cyclerFile: string, flags: AlignFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        const offsetS = parseNumberOption('--offset-s', flags.offsetS ?? '0');
        const capacityMAh =
          flags.capacityMah !== undefined
            ? parseNumberOption('--capacity-mah', flags.capacityMah)
            : undefined;
        if (capacityMAh !== undefined && !(capacityMAh > 0))
          throw new UsageError('capacity must be positive', { field: '--capacity-mah', found: capacityMAh });
        // Sweeps of an impedance file (the cycler PC's clock: the same zone), or the spectra of a series.
        const windows = flags.impedance
          ? sweepWindows(readImpedanceSeries([spectraPath], { timezone: flags.timezone ?? 'UTC' }))
          : listSeries(spectraPath).map(spectrumWindow);
        const records = readCyclerFile(cyclerFile, {
          timezone: flags.timezone,
          mapping: parseMappings(flags.map),
        });
        const series = seriesFromRecords(records);
        const gaps = findRecordGaps(series);
        const aligned = alignSpectra(windows, series, {
          offsetS,
          capacityMAh,
          socStartPct: parseNumberOption('--soc-start-pct', flags.socStartPct ?? '0'),
          gaps,
        });
        const hint = '--offset-s, --timezone';
        requireOverlap(aligned, series, hint);
        const check = checkAlignment(aligned, series, gaps, hint);
        for (const w of check.warnings) process.stderr.write(`warning: ${w}\n`);
        const table = alignedTable(aligned);
        if (flags.out)
          writeCsv(flags.out, table.headers, table.rows, [
            `spectra: ${spectraPath}`,
            `cycler: ${cyclerFile}`,
            `offset_s: ${offsetS}`,
            `timezone: ${records.timezone}`,
          ]);
        const flagged = aligned.filter((a) => a.status !== 'inside' || a.straddlesStep || a.gap).length;
        if (json) {
          printJson({
            spectra: spectraPath,
            cycler: cyclerFile,
            offsetS,
            timezone: records.timezone,
            cyclerStart: records.startMs === null ? null : new Date(records.startMs).toISOString(),
            warnings: [...series.warnings, ...check.warnings],
            gaps,
            flagged,
            rows: aligned,
          });
          return;
        }
        for (const w of series.warnings) process.stdout.write(`warning: ${w}\n`);
        printTable(
          [
            'spectrum',
            'start (UTC)',
            'status',
            'straddles',
            'gap s',
            'mean V',
            'mean mA',
            'Q mid mAh',
            'step Q mAh',
            'cycle',
            'step',
            'type',
            'SOC %',
          ],
          aligned.map((a) => [
            a.label ?? String(a.index),
            new Date(a.startMs).toISOString().replace('.000Z', 'Z'),
            a.status,
            a.straddlesStep ? 'yes' : '',
            a.gap ? a.gapOverlapS.toFixed(1) : '',
            a.meanVoltageV,
            a.meanCurrentMA,
            a.chargeMidMAh,
            a.stepCapacityMAh,
            a.cycle === null ? null : String(a.cycle),
            a.instrumentStep !== null
              ? String(a.instrumentStep)
              : a.stepIndex !== null
                ? String(a.stepIndex)
                : null,
            a.stepType,
            a.socPct,
          ]),
        );
        if (flagged > 0)
          process.stdout.write(
            `${flagged} of ${aligned.length} spectra outside the cycler record, across a step change or over a hole in it\n`,
          );
      }),
    );
}
