/**
 * `spincell simulate mri --out DIR` and `spincell simulate pfg --out DIR`: virtual mass-transport
 * experiments with known truth — a series of 1D concentration profiles with the cell voltage and a D(C)
 * table for `spincell mri drift` (src/sim/mri.ts), and a PFG attenuation series as a table and a Bruker
 * ser + difflist for `spincell pfg` (src/sim/pfg.ts).
 */
import type { Command } from 'commander';
import { fromSystemError, OutputError, UsageError } from '../../core/errors.js';
import { writeDriftExperiment } from '../../sim/mri.js';
import { writePfgExperiment } from '../../sim/pfg.js';
import {
  GRADIENT_SHAPES,
  PFG_SEQUENCES,
  type GradientShape,
  type PfgSequence,
} from '../../transport/index.js';
import { action, type GlobalOptions, parseNumberOption, printJson, printTable } from '../common.js';
import { simulateGroup } from './simulate.js';

function integer(name: string, value: string, min: number, max: number): number {
  const n = parseNumberOption(name, value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError('out of range', { field: name, found: value, expected: `an integer ${min}…${max}` });
  return n;
}

function nonNegative(name: string, value: string): number {
  const n = parseNumberOption(name, value);
  if (!(n >= 0)) throw new UsageError('must be ≥ 0', { field: name, found: value, expected: '≥ 0' });
  return n;
}

function positiveList(name: string, value: string): number[] {
  return value.split(',').map((v) => {
    const n = parseNumberOption(name, v);
    if (!(n > 0)) throw new UsageError('must be positive', { field: name, found: v, expected: '> 0' });
    return n;
  });
}

/** A folder that cannot be written names --out (read-only, no permission, disk full). */
function writing<T>(out: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const system = fromSystemError(error);
    if (system === undefined) throw error;
    throw new OutputError(`cannot write the simulated ${what}: ${system.summary}`, {
      file: out,
      field: '--out',
      found: system.found,
      expected: 'a folder that can be written',
      cause: error,
    });
  }
}

function print(json: boolean, summary: Record<string, unknown>): void {
  if (json) printJson(summary);
  else
    printTable(
      ['quantity', 'value'],
      Object.entries(summary).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
    );
}

export function registerSimulateTransport(program: Command): void {
  const group = simulateGroup(program);
  group
    .command('mri')
    .description(
      'write simulated operando 1D MRI concentration profiles, cell voltage and D(C) for mri drift (+ truth.json)',
    )
    .requiredOption('--out <dir>', 'output folder (new, empty or a previous simulation)')
    .option('--profiles <n>', 'number of profiles, 513 s apart (default 14)')
    .option('--noise <r>', 'relative Gaussian noise on every intensity (default 0)')
    .option('--coil-sensitivity', 'multiply the intensities by a coil sensitivity profile')
    .option('--seed <n>', 'random seed (default 1)')
    .action(
      action(
        (
          flags: { out: string; profiles?: string; noise?: string; coilSensitivity?: boolean; seed?: string },
          command: Command,
        ) => {
          const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
          const r = writing(flags.out, 'MRI experiment', () =>
            writeDriftExperiment(flags.out, {
              ...(flags.profiles !== undefined
                ? { profiles: integer('--profiles', flags.profiles, 3, 1000) }
                : {}),
              ...(flags.noise !== undefined ? { noise: nonNegative('--noise', flags.noise) } : {}),
              ...(flags.seed !== undefined ? { seed: integer('--seed', flags.seed, 0, 2 ** 32 - 1) } : {}),
              coilSensitivity: Boolean(flags.coilSensitivity),
            }),
          );
          const t = r.truth;
          print(json, {
            dir: r.files.dir,
            profiles: r.files.profiles,
            voltage: r.files.voltage,
            diffusion: r.files.diffusion,
            truthFile: r.files.truth,
            profileCount: t.timeS.length,
            points: t.xUm.length,
            roiUm: t.roiUm,
            c0MolM3: t.c0MolM3,
            temperatureK: t.temperatureK,
            maximumVelocityUmPerH: t.maximumVelocityUmPerH,
            next: `spincell mri drift ${r.files.profiles} --voltage ${r.files.voltage} --diffusion ${r.files.diffusion} --temperature ${t.temperatureK} --c0 ${t.c0MolM3} --roi ${t.roiUm[0]}:${t.roiUm[1]}`,
          });
        },
      ),
    );

  group
    .command('pfg')
    .description(
      'write a simulated PFG attenuation series: pfg.csv and a Bruker ser + difflist (+ truth.json)',
    )
    .requiredOption('--out <dir>', 'output folder (new, empty or a previous simulation)')
    .option('--nucleus <label>', 'observed nucleus (default 19F)')
    .option('--d <m2_s>', 'diffusion coefficient(s), m² s⁻¹, comma-separated (default 1.3e-12)')
    .option('--fractions <f>', 'fraction of each component, comma-separated (default equal)')
    .option('--delta-ms <ms>', 'gradient pulse length δ, ms (default 1)')
    .option('--Delta-ms <ms>', 'diffusion time Δ, ms (default 60)')
    .option('--shape <shape>', `gradient shape: ${GRADIENT_SHAPES.join(' | ')} (default rect)`)
    .option('--sequence <seq>', `${PFG_SEQUENCES.join(' | ')} (default ste)`)
    .option('--max-gradient-g-cm <G>', 'largest gradient, G cm⁻¹ (default 2500)')
    .option('--steps <n>', 'gradient steps, equal in g² (default 16)')
    .option('--noise <r>', 'relative noise (default 0.002)')
    .option('--seed <n>', 'random seed (default 1)')
    .action(
      action(
        (
          flags: {
            out: string;
            nucleus?: string;
            d?: string;
            fractions?: string;
            deltaMs?: string;
            DeltaMs?: string;
            shape?: string;
            sequence?: string;
            maxGradientGCm?: string;
            steps?: string;
            noise?: string;
            seed?: string;
          },
          command: Command,
        ) => {
          const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
          if (flags.shape !== undefined && !(GRADIENT_SHAPES as readonly string[]).includes(flags.shape))
            throw new UsageError('unknown gradient shape', {
              field: '--shape',
              found: flags.shape,
              expected: GRADIENT_SHAPES.join(' | '),
            });
          if (flags.sequence !== undefined && !(PFG_SEQUENCES as readonly string[]).includes(flags.sequence))
            throw new UsageError('unknown sequence', {
              field: '--sequence',
              found: flags.sequence,
              expected: PFG_SEQUENCES.join(' | '),
            });
          const steps = flags.steps !== undefined ? integer('--steps', flags.steps, 3, 1000) : 16;
          const gMax =
            flags.maxGradientGCm !== undefined
              ? positiveList('--max-gradient-g-cm', flags.maxGradientGCm)[0]
              : 2500;
          const r = writing(flags.out, 'PFG experiment', () =>
            writePfgExperiment(flags.out, {
              ...(flags.nucleus !== undefined ? { nucleus: flags.nucleus } : {}),
              ...(flags.d !== undefined ? { dM2PerS: positiveList('--d', flags.d) } : {}),
              ...(flags.fractions !== undefined
                ? { fractions: positiveList('--fractions', flags.fractions) }
                : {}),
              timing: {
                ...(flags.deltaMs !== undefined
                  ? { deltaS: positiveList('--delta-ms', flags.deltaMs)[0] / 1000 }
                  : {}),
                ...(flags.DeltaMs !== undefined
                  ? { bigDeltaS: positiveList('--Delta-ms', flags.DeltaMs)[0] / 1000 }
                  : {}),
                ...(flags.shape !== undefined ? { shape: flags.shape as GradientShape } : {}),
                ...(flags.sequence !== undefined ? { sequence: flags.sequence as PfgSequence } : {}),
              },
              gradientsGPerCm: Array.from({ length: steps }, (_, i) => gMax * Math.sqrt((i + 1) / steps)),
              ...(flags.noise !== undefined ? { noise: nonNegative('--noise', flags.noise) } : {}),
              ...(flags.seed !== undefined ? { seed: integer('--seed', flags.seed, 0, 2 ** 32 - 1) } : {}),
            }),
          );
          const t = r.truth;
          print(json, {
            dir: r.dir,
            table: r.table,
            bruker: r.bruker,
            nucleus: t.nucleus,
            dM2PerS: t.dM2PerS,
            fractions: t.fractions,
            deltaMs: t.timing.deltaS * 1000,
            DeltaMs: t.timing.bigDeltaS * 1000,
            steps: t.gradientsGPerCm.length,
            lastAttenuation: t.attenuation[t.attenuation.length - 1],
            next: `spincell pfg ${r.bruker} --delta-ms ${t.timing.deltaS * 1000} --Delta-ms ${t.timing.bigDeltaS * 1000}`,
          });
        },
      ),
    );
}
