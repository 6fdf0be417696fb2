/**
 * `spincell simulate relaxation --experiment KIND --out DIR`: a simulated T1, T2 or nutation experiment
 * with known truth (src/sim/relaxation.ts) as a pseudo-2D ser with its variable list (DIR/1) or as a series
 * of numbered experiments with the variable in acqus (DIR/1 … DIR/N), plus DIR/truth.json.
 */
import type { Command } from 'commander';
import { fromSystemError, OutputError, UsageError } from '../../core/errors.js';
import {
  DEFAULT_RELAXATION_LINES,
  RELAXATION_EXPERIMENTS,
  type RelaxationExperiment,
  type RelaxationLine,
  writeRelaxationExperiment,
} from '../../sim/index.js';
import { action, type GlobalOptions, parseNumberOption, printJson, printTable } from '../common.js';
import { simulateGroup } from './simulate.js';

interface RelaxationFlags {
  experiment: string;
  out: string;
  layout: string;
  seed?: string;
  snr?: string;
  values?: string;
  metalT1?: string;
  electrolyteT1?: string;
  metalT2?: string;
  electrolyteT2?: string;
  inversion?: string;
  nutationKhz?: string;
  damping?: string;
  dtype?: string;
  force?: boolean;
}

function positive(name: string, v: string): number {
  const n = parseNumberOption(name, v);
  if (!(n > 0)) throw new UsageError('must be positive', { field: name, found: v, expected: '> 0' });
  return n;
}

export function registerSimulateRelaxation(program: Command): void {
  simulateGroup(program)
    .command('relaxation')
    .description(
      'write a simulated T1, T2 or nutation experiment (Li metal + electrolyte lines) as a pseudo-2D ser with its list or an experiment series, + truth.json',
    )
    .requiredOption('--experiment <kind>', RELAXATION_EXPERIMENTS.join(' | '))
    .requiredOption('--out <dir>', 'output folder (new, empty or a previous simulation)')
    .option('--layout <layout>', "'ser' (pseudo-2D in DIR/1) or 'series' (DIR/1 … DIR/N)", 'ser')
    .option('--seed <n>', 'random seed (default 1)')
    .option(
      '--snr <ratio>',
      'FID first-point amplitude of the metal line at full M0 / noise rms (default 500)',
    )
    .option(
      '--values <list>',
      'row variable, comma-separated: delays s (vdlist), echo counts (vclist) or pulses µs',
    )
    .option('--metal-t1 <s>', `metal line T1, s (default ${DEFAULT_RELAXATION_LINES[0].t1S})`)
    .option('--electrolyte-t1 <s>', `electrolyte line T1, s (default ${DEFAULT_RELAXATION_LINES[1].t1S})`)
    .option('--metal-t2 <s>', `metal line T2, s (default ${DEFAULT_RELAXATION_LINES[0].t2S})`)
    .option('--electrolyte-t2 <s>', `electrolyte line T2, s (default ${DEFAULT_RELAXATION_LINES[1].t2S})`)
    .option('--inversion <k>', 'k of M0·(1 − k·e^(−τ/T1)) for both lines (default 2 inversion, 1 saturation)')
    .option('--nutation-khz <kHz>', 'nutation frequency ν1 (default 37 kHz)')
    .option('--damping <per-us>', 'nutation damping λ of the non-metal line, 1/µs (default 0.01)')
    .option('--dtype <type>', 'int32 (default) or float64')
    .option('--force', 'replace an earlier simulation even if its files were edited')
    .action(
      action(async (flags: RelaxationFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        if (!(RELAXATION_EXPERIMENTS as readonly string[]).includes(flags.experiment))
          throw new UsageError('unknown experiment', {
            field: '--experiment',
            found: flags.experiment,
            expected: RELAXATION_EXPERIMENTS.join(' | '),
          });
        if (flags.layout !== 'ser' && flags.layout !== 'series')
          throw new UsageError('unknown layout', {
            field: '--layout',
            found: flags.layout,
            expected: 'ser | series',
          });
        if (flags.dtype !== undefined && flags.dtype !== 'int32' && flags.dtype !== 'float64')
          throw new UsageError('unknown data type', {
            field: '--dtype',
            found: flags.dtype,
            expected: 'int32 | float64',
          });
        const [metal, electrolyte] = DEFAULT_RELAXATION_LINES;
        const k =
          flags.inversion !== undefined ? parseNumberOption('--inversion', flags.inversion) : undefined;
        const line = (
          l: RelaxationLine,
          t1?: string,
          t2?: string,
          t1Flag = '',
          t2Flag = '',
        ): RelaxationLine => ({
          ...l,
          ...(t1 !== undefined ? { t1S: positive(t1Flag, t1) } : {}),
          ...(t2 !== undefined ? { t2S: positive(t2Flag, t2) } : {}),
          ...(k !== undefined ? { inversionFactor: k } : {}),
        });
        let result: ReturnType<typeof writeRelaxationExperiment>;
        try {
          result = writeRelaxationExperiment(
            flags.out,
            {
              experiment: flags.experiment as RelaxationExperiment,
              layout: flags.layout,
              ...(flags.seed !== undefined ? { seed: parseNumberOption('--seed', flags.seed) } : {}),
              ...(flags.snr !== undefined ? { snr: positive('--snr', flags.snr) } : {}),
              ...(flags.values !== undefined
                ? { values: flags.values.split(',').map((v) => parseNumberOption('--values', v)) }
                : {}),
              ...(flags.nutationKhz !== undefined
                ? { nutationKHz: positive('--nutation-khz', flags.nutationKhz) }
                : {}),
              ...(flags.damping !== undefined
                ? { nutationDampingPerUs: parseNumberOption('--damping', flags.damping) }
                : {}),
              ...(flags.dtype !== undefined ? { dataType: flags.dtype as 'int32' | 'float64' } : {}),
              lines: [
                line(metal, flags.metalT1, flags.metalT2, '--metal-t1', '--metal-t2'),
                line(
                  electrolyte,
                  flags.electrolyteT1,
                  flags.electrolyteT2,
                  '--electrolyte-t1',
                  '--electrolyte-t2',
                ),
              ],
            },
            { force: flags.force },
          );
        } catch (error) {
          const system = fromSystemError(error);
          if (system === undefined) throw error;
          throw new OutputError(`cannot write the simulated experiment: ${system.summary}`, {
            file: flags.out,
            field: '--out',
            found: system.found,
            expected: 'a folder that can be written',
            cause: error,
          });
        }
        const t = result.truth;
        const summary = {
          dataPath: result.dataPath,
          truthFile: result.truthFile,
          experiment: t.experiment,
          layout: t.layout,
          rows: t.values.length,
          list: t.layout === 'ser' ? t.list : `acqus ${t.seriesParameter}`,
          pulseProgram: t.acquisition.pulseProgram,
          lines: t.lines.map((l) => `${l.name} ${l.shiftPpm} ppm: T1 ${l.t1S} s, T2 ${l.t2S} s`).join('; '),
          ...(t.list === 'vplist' ? { nutationKHz: t.nutationKHz } : {}),
        };
        if (json) {
          printJson(summary);
          return;
        }
        printTable(
          ['quantity', 'value'],
          Object.entries(summary).map(([name, v]) => [name, String(v)]),
        );
      }),
    );
}
