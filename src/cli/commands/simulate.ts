/**
 * `spincell simulate operando --out DIR`: writes the virtual operando ⁷Li series of a Li‖Li cell (numbered
 * Bruker experiments + truth.json). The output folder must be new, empty or a previous simulation.
 */
import type { Command } from 'commander';
import { fromSystemError, OutputError, UsageError } from '../../core/errors.js';
import { findNucleus } from '../../core/nuclei.js';
import { writeOperandoSeries, type OperandoOptions } from '../../sim/index.js';
import { sodiumOperandoOptions } from '../../sim/sodium.js';
import { action, type GlobalOptions, parseNumberOption, printJson, printTable, progress } from '../common.js';
import { registerSimulateParticle } from './simulate-particle.js';

interface OperandoFlags {
  out: string;
  seed?: string;
  spectra?: string;
  dtype?: string;
  snr?: string;
  points?: string;
  byteOrder?: string;
  phaseJitter?: string;
  randomPhase?: boolean;
  firstOrderPhase?: string;
  nucleus?: string;
}

function integerOption(name: string, value: string, min: number, max: number): number {
  const n = parseNumberOption(name, value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError('out of range', { field: name, found: value, expected: `an integer ${min}…${max}` });
  return n;
}

/** Turns the command-line flags into simulator options (unset flags keep the simulator defaults). */
export function operandoOptionsFromFlags(flags: Omit<OperandoFlags, 'out'>): Partial<OperandoOptions> {
  const o: { -readonly [K in keyof OperandoOptions]?: OperandoOptions[K] } = {};
  if (flags.seed !== undefined) o.seed = integerOption('--seed', flags.seed, 0, 2 ** 32 - 1);
  if (flags.spectra !== undefined) o.spectra = integerOption('--spectra', flags.spectra, 1, 100_000);
  if (flags.dtype !== undefined) {
    if (flags.dtype !== 'int32' && flags.dtype !== 'float64')
      throw new UsageError('unknown data type', {
        field: '--dtype',
        found: flags.dtype,
        expected: 'int32 or float64',
      });
    o.dataType = flags.dtype;
  }
  if (flags.byteOrder !== undefined) {
    if (flags.byteOrder !== 'little' && flags.byteOrder !== 'big')
      throw new UsageError('unknown byte order', {
        field: '--byte-order',
        found: flags.byteOrder,
        expected: 'little or big',
      });
    o.byteOrder = flags.byteOrder;
  }
  if (flags.snr !== undefined) {
    const snr = parseNumberOption('--snr', flags.snr);
    if (!(snr > 0))
      throw new UsageError('SNR must be positive', { field: '--snr', found: flags.snr, expected: '> 0' });
    o.snr = snr;
  }
  if (flags.points !== undefined) {
    const n = integerOption('--points', flags.points, 64, 2 ** 20);
    if ((n & (n - 1)) !== 0)
      throw new UsageError('complex points must be a power of two', {
        field: '--points',
        found: flags.points,
        expected: 'e.g. 4096 or 8192',
      });
    o.spectrometer = { complexPoints: n };
  }
  const phase: { jitterDeg?: number; independent?: boolean; firstOrderDeg?: number } = {};
  if (flags.firstOrderPhase !== undefined)
    phase.firstOrderDeg = parseNumberOption('--first-order-phase', flags.firstOrderPhase);
  if (flags.phaseJitter !== undefined) {
    const j = parseNumberOption('--phase-jitter', flags.phaseJitter);
    if (j < 0)
      throw new UsageError('phase jitter must be ≥ 0', {
        field: '--phase-jitter',
        found: flags.phaseJitter,
        expected: '≥ 0 degrees',
      });
    phase.jitterDeg = j;
  }
  if (flags.randomPhase) phase.independent = true;
  if (Object.keys(phase).length > 0) o.phase = phase;
  if (flags.nucleus !== undefined) {
    const label = findNucleus(flags.nucleus)?.label;
    if (label === '23Na') return sodiumOperandoOptions(o);
    if (label !== '7Li')
      throw new UsageError('no virtual operando series for this nucleus', {
        field: '--nucleus',
        found: flags.nucleus,
        expected: '7Li (Li||Li cell, default) or 23Na (Na||Na cell)',
      });
  }
  return o;
}

/**
 * The `simulate` command group, created on first use: other virtual instruments register their own
 * subcommands on it (`simulate <kind>`) without owning the group.
 */
export function simulateGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'simulate') ??
    program.command('simulate').description('virtual experiments with known truth')
  );
}

export function registerSimulate(program: Command): void {
  registerSimulateParticle(simulateGroup(program));
  simulateGroup(program)
    .command('operando')
    .description(
      'write a simulated operando 7Li series of a Li||Li cell (numbered Bruker experiments + truth.json)',
    )
    .requiredOption('--out <dir>', 'output folder (new, empty or a previous simulation)')
    .option('--seed <n>', 'random seed (default 1)')
    .option('--spectra <n>', 'number of spectra over the 8 h protocol (default 60)')
    .option('--dtype <type>', 'int32 (default) or float64')
    .option('--byte-order <order>', 'little (default) or big')
    .option('--snr <ratio>', 'first spectrum: metal peak height / rms noise (default 1000)')
    .option('--points <n>', 'complex points per FID, power of two (default 8192)')
    .option('--phase-jitter <deg>', 'spectrum-to-spectrum receiver phase spread, degrees (default 0.5)')
    .option('--random-phase', 'an unrelated random receiver phase for every spectrum')
    .option(
      '--first-order-phase <deg>',
      'receiver phase varying linearly across the spectral width, degrees (default 0)',
    )
    .option(
      '--nucleus <label>',
      '7Li (Li||Li cell, default) or 23Na (Na||Na cell, metal lines near 1132 ppm)',
    )
    .action(
      action(async (flags: OperandoFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        const options = operandoOptionsFromFlags(flags);
        let bar: ReturnType<typeof progress> | undefined;
        let result: ReturnType<typeof writeOperandoSeries>;
        try {
          result = writeOperandoSeries(flags.out, options, (done, total) => {
            bar ??= progress(total, 'simulate', json);
            bar.tick(String(done));
          });
        } catch (error) {
          // A folder that cannot be written (read-only, no permission, disk full) names --out.
          const system = fromSystemError(error);
          if (system === undefined) throw error;
          throw new OutputError(`cannot write the simulated series: ${system.summary}`, {
            file: flags.out,
            field: '--out',
            found: system.found,
            expected: 'a folder that can be written',
            cause: error,
          });
        } finally {
          bar?.stop();
        }
        const t = result.truth;
        const first = t.spectra[0];
        const last = t.spectra[t.spectra.length - 1];
        const summary = {
          dir: result.dir,
          truthFile: result.truthFile,
          spectra: result.spectra,
          seed: t.seed,
          nucleus: t.acquisition.nucleus,
          bf1MHz: t.acquisition.bf1MHz,
          dataType: t.acquisition.dataType,
          complexPoints: t.acquisition.complexPoints,
          scans: t.acquisition.scans,
          firstStartIso: first.startIso,
          lastEndIso: last.endIso,
          protocolDurationS: t.cell.durationS,
        };
        if (json) {
          printJson(summary);
          return;
        }
        printTable(
          ['quantity', 'value'],
          Object.entries(summary).map(([k, v]) => [
            k,
            typeof v === 'number' && !Number.isInteger(v) ? v : String(v),
          ]),
        );
      }),
    );
}
