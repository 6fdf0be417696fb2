/**
 * `spincell watch <manifest.json> --project DIR`: live mode (src/live/) from the command line — follows the
 * experiment while it is written, keeps one live run of the project current, and finalises it at the end
 * (`--until-idle`, Ctrl-C or SIGTERM). Progress events: one JSON line each on stdout with --json, a
 * human line each on stderr otherwise.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { type LiveEvent, watchExperiment } from '../../live/index.js';
import { readManifest } from '../../pipeline/index.js';
import { type CellRow, ProjectStore } from '../../store/index.js';
import { action, type GlobalOptions, parseNumberOption } from '../common.js';

interface WatchFlags {
  project?: string;
  campaign?: string;
  cell?: string;
  untilIdle?: string;
  pollMs?: string;
  force?: boolean;
}

function positive(flag: string, value: string, integer: boolean): number {
  const x = parseNumberOption(flag, value);
  // timers take at most 2³¹ − 1 ms (Node turns a longer delay into 1 ms)
  if (!(x > 0) || (integer && !Number.isInteger(x)) || x > 2_147_483_647)
    throw new UsageError(`${flag} must be a positive ${integer ? 'integer' : 'number'}`, {
      field: flag,
      found: value,
      expected: integer ? 'e.g. 500' : 'seconds, e.g. 30',
    });
  return x;
}

/** One line per event for a person watching a terminal. */
export function describeEvent(e: LiveEvent): string {
  const at = e.time.slice(11, 19);
  switch (e.event) {
    case 'started':
      return `${at} run ${e.run}: ${e.resumed ? `resumed (${e.stored} spectra stored before)` : 'started'}`;
    case 'spectrum':
      return `${at} spectrum ${e.spectrum} (experiment ${e.experiment ?? '?'}${e.row !== null ? ` row ${e.row}` : ''}) stored; ${e.spectra} in the run`;
    case 'reprocessed':
      return `${at} series processed again from the start: ${e.reason}`;
    case 'retimed':
      return `${at} acquisition times revised for ${e.spectra} spectra`;
    case 'cycler':
      return `${at} cycler: ${e.rows} rows (${e.added >= 0 ? '+' : ''}${e.added}), ${e.cycles} cycles`;
    case 'alignment':
      return `${at} alignment: ${e.spectra} spectra, ${e.updated} changed`;
    case 'dead-lithium':
      return `${at} dead lithium: ${e.cycles} cycles`;
    case 'impedance':
      return `${at} impedance: ${e.sweeps} sweeps in ${e.files} files`;
    case 'warning':
      return `${at} warning: ${e.message}`;
    case 'idle':
      return `${at} idle for ${e.idleS.toFixed(1)} s: finishing`;
    case 'finished':
      return e.status === 'complete'
        ? `${at} run ${e.run} complete: ${e.spectra} spectra, results in ${e.outputDir}`
        : `${at} run ${e.run} failed: ${e.error}`;
  }
}

export function registerWatch(program: Command): void {
  program
    .command('watch <manifest>')
    .description(
      'follow an experiment while it is written (new Bruker experiments, a growing ser, a growing cycler file) into one live run of a project; finalised as `run` stores it',
    )
    .requiredOption('--project <dir>', 'project to store the live run in (spincell project init)')
    .option('--campaign <name>', 'the campaign of the cell the run belongs to')
    .option('--cell <name>', 'the cell the run belongs to (spincell project add-cell)')
    .option('--until-idle <seconds>', 'finish after this long without new data (default: at Ctrl-C/SIGTERM)')
    .option('--poll-ms <ms>', 'interval between looks at the files, ms', '500')
    .option('--force', "replace spincell's earlier results in output.dir even if they were changed since")
    .action(
      action(async (manifestPath: string, flags: WatchFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        if ((flags.cell === undefined) !== (flags.campaign === undefined))
          throw new UsageError('a cell is named by its campaign and its name', {
            field: flags.cell === undefined ? '--cell' : '--campaign',
            expected: '--campaign NAME --cell NAME together',
          });
        const untilIdleS =
          flags.untilIdle !== undefined ? positive('--until-idle', flags.untilIdle, false) : undefined;
        const pollMs = positive('--poll-ms', flags.pollMs ?? '500', true);
        const manifest = readManifest(manifestPath);
        const store = ProjectStore.open(flags.project as string);
        const stop = new AbortController();
        let signals = 0;
        const onSignal = () => {
          // The first stops the watch (the batch in hand is stored, the run finalised); a second exits at
          // once — the store is still consistent, each batch being one transaction.
          if (++signals > 1) process.exit(130);
          stop.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        try {
          const cell: CellRow | null =
            flags.cell !== undefined ? store.requireCell(flags.campaign as string, flags.cell) : null;
          const result = await watchExperiment({
            manifest,
            manifestPath,
            store,
            cell,
            pollMs,
            signal: stop.signal,
            force: Boolean(flags.force),
            ...(untilIdleS !== undefined ? { untilIdleS } : {}),
            onEvent: (e) => {
              if (json) process.stdout.write(`${JSON.stringify(e)}\n`);
              else process.stderr.write(`${describeEvent(e)}\n`);
            },
          });
          if (result.status === 'failed') throw result.error;
          for (const w of result.result?.warnings ?? []) if (!json) process.stderr.write(`${w}\n`);
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          store.close();
        }
      }),
    );
}
