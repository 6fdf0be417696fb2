/**
 * `spincell shifts [--nucleus 7Li] [--near PPM [--tolerance PPM]] [--species TEXT] [--category …]`: the
 * reference shift table (src/relax/shifts.ts) — SEI species, metals and anode phases with their sources.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { diamagneticPreset, distancePpm, queryShifts, type ShiftEntry } from '../../relax/shifts.js';
import { action, type GlobalOptions, parseNumberOption, printJson, printTable, warnings } from '../common.js';

interface ShiftFlags {
  nucleus?: string;
  near?: string;
  tolerance?: string;
  species?: string;
  category?: string;
  preset?: string;
  widthPpm?: string;
}

const CATEGORIES: readonly ShiftEntry['category'][] = ['sei', 'metal', 'anode', 'electrolyte'];

export function registerShifts(program: Command): void {
  program
    .command('shifts')
    .description(
      'reference shifts of SEI species, metals and anode phases (7Li, 6Li, 23Na, 31P) with sources',
    )
    .option('--nucleus <label>', 'only this nucleus, e.g. 7Li, 23Na')
    .option('--near <ppm>', 'entries within --tolerance of this shift, nearest first')
    .option('--tolerance <ppm>', 'distance allowed by --near, ppm (default 2)')
    .option('--species <text>', 'species name contains this text (Li2CO3, NaF, metal …)')
    .option('--category <name>', CATEGORIES.join(' | '))
    .option(
      '--preset <species>',
      "print a fit model (for 'spincell fit --model') of these species, comma-separated (LiF,Li2CO3,Li2O): positions within --tolerance of the table, shared widths",
    )
    .option('--width-ppm <ppm>', '--preset: start and shared line width, ppm (default 1)')
    .action(
      action((flags: ShiftFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        if (flags.category !== undefined && !(CATEGORIES as readonly string[]).includes(flags.category))
          throw new UsageError('unknown category', {
            field: '--category',
            found: flags.category,
            expected: CATEGORIES.join(' | '),
          });
        if (flags.preset !== undefined) {
          const preset = diamagneticPreset(flags.preset.split(','), {
            nucleus: flags.nucleus,
            widthPpm:
              flags.widthPpm !== undefined ? parseNumberOption('--width-ppm', flags.widthPpm) : undefined,
            tolerancePpm:
              flags.tolerance !== undefined ? parseNumberOption('--tolerance', flags.tolerance) : undefined,
          });
          const warn = warnings(json);
          for (const u of preset.unresolved)
            warn.add(
              `${u.a} and ${u.b} can come within ${u.gapPpm.toFixed(2)} ppm, less than the line width: the fit cannot tell them apart by position, only their summed area is determined`,
            );
          if (json)
            printJson({
              model: preset.spec,
              unresolved: preset.unresolved,
              entries: preset.entries,
              warnings: warn.list,
            });
          else process.stdout.write(`${JSON.stringify(preset.spec, null, 2)}\n`);
          return;
        }
        const near = flags.near !== undefined ? parseNumberOption('--near', flags.near) : undefined;
        const entries = queryShifts({
          nucleus: flags.nucleus,
          nearPpm: near,
          tolerancePpm:
            flags.tolerance !== undefined ? parseNumberOption('--tolerance', flags.tolerance) : undefined,
          species: flags.species,
          category: flags.category as ShiftEntry['category'] | undefined,
        });
        if (json) {
          printJson({
            entries: entries.map((e) => ({
              ...e,
              ...(near !== undefined ? { distancePpm: distancePpm(e, near) } : {}),
            })),
          });
          return;
        }
        printTable(
          ['nucleus', 'species', 'category', 'shift / ppm', 'source'],
          entries.map((e) => [e.nucleus, e.species, e.category, e.reported, e.source]),
        );
      }),
    );
}
