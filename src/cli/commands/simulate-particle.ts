/**
 * `spincell simulate particle --out DIR`: the virtual single particle's records — GITT, PITT, rate
 * capability and CV at several scan rates — as EC-Lab-style .mpt (or CSV) files plus truth.json with
 * the parameters behind them (src/sim/particle.ts, src/sim/particle-experiments.ts).
 */
import type { Command } from 'commander';
import { fromSystemError, OutputError, UsageError } from '../../core/errors.js';
import {
  DEFAULT_PARTICLE_EXPERIMENTS,
  writeParticleSet,
  type ParticleExperimentOptions,
} from '../../sim/particle-experiments.js';
import { action, type GlobalOptions, parseNumberOption, printJson, printTable } from '../common.js';

interface SimulateParticleFlags {
  out: string;
  format?: string;
  kinds?: string;
  seed?: string;
  radiusUm?: string;
  diffusionM2S?: string;
  exchangeCurrentAM2?: string;
  sei?: boolean;
}

const KINDS = ['gitt', 'pitt', 'rate', 'cv'] as const;

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = parseNumberOption(flag, value);
  if (!(v > 0)) throw new UsageError('must be positive', { field: flag, found: value, expected: '> 0' });
  return v;
}

export function registerSimulateParticle(simulate: Command): void {
  simulate
    .command('particle')
    .description(
      'write simulated single-particle records (GITT, PITT, rate capability, CV at several scan rates) + truth.json',
    )
    .requiredOption('--out <dir>', 'output folder (new, empty or a previous simulation)')
    .option('--format <format>', 'mpt (EC-Lab text, default) or csv')
    .option('--kinds <list>', 'comma-separated subset of gitt,pitt,rate,cv (default: all)')
    .option('--seed <n>', 'random seed of the logged noise (default 1)')
    .option('--radius-um <R>', 'particle radius, µm (default 6)')
    .option('--diffusion-m2-s <D>', 'diffusion coefficient, m² s⁻¹ (default 1e-14)')
    .option('--exchange-current-a-m2 <i0>', 'exchange current density at half filling, A m⁻² (default 10)')
    .option('--no-sei', 'no side reaction in the first CV cycle')
    .action(
      action((flags: SimulateParticleFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        const format = flags.format ?? 'mpt';
        if (format !== 'mpt' && format !== 'csv')
          throw new UsageError('unknown format', {
            field: '--format',
            found: format,
            expected: 'mpt or csv',
          });
        const kinds = (flags.kinds ?? KINDS.join(',')).split(',').map((k) => k.trim());
        for (const k of kinds)
          if (!(KINDS as readonly string[]).includes(k))
            throw new UsageError('unknown record kind', {
              field: '--kinds',
              found: k,
              expected: KINDS.join(', '),
            });
        const d = DEFAULT_PARTICLE_EXPERIMENTS;
        const seed = flags.seed === undefined ? d.seed : parseNumberOption('--seed', flags.seed);
        if (!Number.isInteger(seed) || seed < 0)
          throw new UsageError('not a seed', {
            field: '--seed',
            found: flags.seed,
            expected: 'an integer ≥ 0',
          });
        const radiusUm = positive('--radius-um', flags.radiusUm);
        const diffusion = positive('--diffusion-m2-s', flags.diffusionM2S);
        const i0 = positive('--exchange-current-a-m2', flags.exchangeCurrentAM2);
        const options: ParticleExperimentOptions = {
          ...d,
          seed,
          particle: {
            ...d.particle,
            ...(radiusUm !== undefined ? { radiusM: radiusUm * 1e-6 } : {}),
            ...(diffusion !== undefined ? { diffusionM2PerS: diffusion } : {}),
            ...(i0 !== undefined ? { exchangeCurrentAPerM2: i0 } : {}),
            ...(flags.sei === false ? { sei: null } : {}),
          },
        };
        let result: ReturnType<typeof writeParticleSet>;
        try {
          result = writeParticleSet(flags.out, options, format, kinds as (typeof KINDS)[number][]);
        } catch (error) {
          const system = fromSystemError(error);
          if (system === undefined) throw error;
          throw new OutputError(`cannot write the simulated records: ${system.summary}`, {
            file: flags.out,
            field: '--out',
            found: system.found,
            expected: 'a folder that can be written',
            cause: error,
          });
        }
        const p = result.truth.particle;
        const summary = {
          dir: result.dir,
          files: result.files,
          radiusUm: p.radiusUm,
          diffusionM2PerS: p.diffusionM2PerS,
          capacityNAh: p.capacityNAh,
          exchangeCurrentAPerM2: p.exchangeCurrentAPerM2,
          seiChargeNAh: p.sei?.chargeNAh ?? 0,
        };
        if (json) {
          printJson(summary);
          return;
        }
        printTable(
          ['quantity', 'value'],
          Object.entries(summary).map(([k, v]) => [
            k,
            Array.isArray(v) ? v.join(', ') : typeof v === 'number' ? v : String(v),
          ]),
        );
      }),
    );
}
