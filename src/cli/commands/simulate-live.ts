/**
 * `spincell simulate live OUTDIR`: writes a simulated operando experiment over real time (src/sim/live.ts)
 * for `spincell watch` to follow — Bruker experiments file by file (fid last) or a ser growing row by
 * row, and an EC-Lab export growing line by line — with manifest.json beside them.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { simulateLive } from '../../sim/live.js';
import { action, type GlobalOptions, parseNumberOption, printJson } from '../common.js';
import { simulateGroup } from './simulate.js';

interface LiveFlags {
  spectra: string;
  intervalMs: string;
  layout: string;
  seed?: string;
  splitFidMs?: string;
  rewriteHeaderAt?: string;
  impedanceSweeps?: string;
}

function count(flag: string, value: string, min: number): number {
  const x = parseNumberOption(flag, value);
  if (!Number.isInteger(x) || x < min)
    throw new UsageError(`${flag} must be an integer ≥ ${min}`, {
      field: flag,
      found: value,
      expected: `≥ ${min}`,
    });
  return x;
}

export function registerSimulateLive(program: Command): void {
  simulateGroup(program)
    .command('live <outdir>')
    .description(
      'write a simulated operando experiment over time (Bruker experiments fid last, or a growing ser; a growing EC-Lab .mpt) with manifest.json, for spincell watch',
    )
    .option('--spectra <n>', 'number of spectra', '10')
    .option('--interval-ms <ms>', 'real time between spectra, ms', '1000')
    .option(
      '--layout <layout>',
      "'series' (one experiment per spectrum) or 'ser' (one pseudo-2D ser growing)",
      'series',
    )
    .option('--seed <n>', 'random seed (default 1)')
    .option('--split-fid-ms <ms>', 'write each fid in two halves with this pause between them')
    .option(
      '--impedance-sweeps <n>',
      'impedance sweeps spread over the series, one EC-Lab file each (eis-1.mpt …)',
    )
    .option('--rewrite-header-at <k>', 'rewrite the .mpt whole with one more header line after spectrum k')
    .action(
      action(async (outDir: string, flags: LiveFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        if (flags.layout !== 'series' && flags.layout !== 'ser')
          throw new UsageError('unknown layout', {
            field: '--layout',
            found: flags.layout,
            expected: 'series | ser',
          });
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        try {
          const r = await simulateLive(outDir, {
            spectra: count('--spectra', flags.spectra, 1),
            intervalMs: count('--interval-ms', flags.intervalMs, 0),
            layout: flags.layout,
            signal: stop.signal,
            ...(flags.seed !== undefined ? { seed: count('--seed', flags.seed, 0) } : {}),
            ...(flags.splitFidMs !== undefined
              ? { splitFidPauseMs: count('--split-fid-ms', flags.splitFidMs, 0) }
              : {}),
            ...(flags.impedanceSweeps !== undefined
              ? { impedanceSweeps: count('--impedance-sweeps', flags.impedanceSweeps, 0) }
              : {}),
            ...(flags.rewriteHeaderAt !== undefined
              ? { rewriteHeaderAt: count('--rewrite-header-at', flags.rewriteHeaderAt, 0) }
              : {}),
            onSpectrum: (i, path) => {
              if (!json) process.stderr.write(`spectrum ${i} complete: ${path}\n`);
            },
          });
          if (json) printJson(r);
          else
            process.stdout.write(
              `${r.spectra} spectra in ${r.series}, cycler ${r.cycler}; spincell watch ${r.manifest} --project DIR\n`,
            );
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      }),
    );
}
