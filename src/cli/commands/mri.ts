/**
 * `spincell mri drift <profiles> --voltage V.csv --diffusion D.csv --temperature K --c0 MOL_M3 [--roi LO:HI]`:
 * anion drift velocities from operando 1D MRI profiles (Thienenkamp et al. 2024, eq 1–8).
 * `spincell mri profiles <bruker> --fov-um … | --read-gradient-g-cm …`: raw echoes → profile exchange CSV.
 *
 * <profiles> is the exchange CSV/JSON (README, "Mass transport") or raw Bruker data (a folder with
 * acqus + ser, or numbered experiments), reconstructed by magnitude Fourier transform.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { writeCsv } from '../../io/csv/index.js';
import { writeFileAtomic } from '../../io/fs.js';
import { formatProfilesCsv, type ProfileSeries } from '../../io/mri/index.js';
import type { DiffusionInterpolation, NormalisationReference } from '../../transport/index.js';
import {
  analyseDrift,
  DRIFT_COMMENT,
  DRIFT_HEADERS,
  driftRows,
  isBrukerInput,
  loadProfiles as loadSectionProfiles,
  type RawEncoding,
} from '../../pipeline/sections/mri.js';
import {
  action,
  fixed,
  type GlobalOptions,
  parseNumberOption,
  parseRange,
  printJson,
  printTable,
} from '../common.js';

interface RawFlags {
  fovUm?: string;
  readGradientGCm?: string;
  nucleus?: string;
  reverseX?: boolean;
}

interface DriftFlags extends RawFlags {
  voltage?: string;
  diffusion?: string;
  temperature?: string;
  c0?: string;
  roi?: string;
  smoothX: string;
  smoothT: string;
  normalise: string;
  interpolation: string;
  out?: string;
  bootstrap?: string;
}

/** Profiles from the exchange format or from raw Bruker echoes (the flags give the spatial encoding). */
function loadProfiles(path: string, flags: RawFlags): ProfileSeries {
  return loadSectionProfiles(path, rawEncoding(flags));
}

function rawEncoding(flags: RawFlags): RawEncoding {
  return {
    ...(flags.fovUm !== undefined ? { fovUm: parseNumberOption('--fov-um', flags.fovUm) } : {}),
    ...(flags.readGradientGCm !== undefined
      ? { readGradientGCm: parseNumberOption('--read-gradient-g-cm', flags.readGradientGCm) }
      : {}),
    ...(flags.nucleus !== undefined ? { nucleus: flags.nucleus } : {}),
    reverseX: Boolean(flags.reverseX),
  };
}

function addRawOptions(cmd: Command): Command {
  return cmd
    .option('--fov-um <um>', 'raw Bruker data: field of view, µm')
    .option('--read-gradient-g-cm <G_cm>', 'raw Bruker data: read gradient, G cm⁻¹ (FOV = SW/(γ̄·G))')
    .option('--nucleus <label>', 'raw Bruker data: imaged nucleus (default: NUC1)')
    .option('--reverse-x', 'raw Bruker data: the plating electrode is at the high-frequency edge');
}

function requireOption(value: string | undefined, option: string, expected: string): string {
  if (value === undefined) throw new UsageError('missing option', { field: option, expected });
  return value;
}

function parseWindow(option: string, value: string): number {
  const n = parseNumberOption(option, value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError('not a window size', {
      field: option,
      found: value,
      expected: '0 (off) or an integer ≥ 3',
    });
  return n;
}

export function registerMri(program: Command): void {
  const mri = program
    .command('mri')
    .description('1D MRI profiles: anion drift velocities (Thienenkamp et al. 2024)');

  addRawOptions(
    mri
      .command('drift <profiles>')
      .description('anion drift velocity v(x,t) from operando profiles, cell voltage and D(C)')
      .option('--voltage <csv>', 'time_s,voltage_V: potential drop across the profiled region')
      .option('--diffusion <csv>', 'concentration_mol_m3,D_m2_s: anion D(C) from PFG NMR')
      .option('--temperature <K>', 'temperature, K')
      .option('--c0 <mol_m3>', 'salt concentration of the initial (homogeneous) profile, mol m⁻³')
      .option(
        '--roi <lo:hi>',
        'region of interest, µm from the plating electrode (default: detected plateau less 3 samples each side)',
      )
      .option('--smooth-x <n>', 'local quadratic smoothing window along x, samples (0 = off)', '0')
      .option('--smooth-t <n>', 'local quadratic smoothing window along time, profiles (0 = off)', '0')
      .option(
        '--normalise <mode>',
        'pointwise | mean: divide by the initial profile point by point, or by its mean',
        'pointwise',
      )
      .option('--interpolation <mode>', 'log | linear interpolation of the D table', 'log')
      .option(
        '--bootstrap <n>',
        'standard errors of v and 95 % intervals of the maximum and the robust maximum from n noise realisations',
      )
      .option('--out <csv>', 'write time_s,x_um,concentration_mol_m3,velocity_um_h,field_V_m,flux_mol_m2_s'),
  ).action(
    action((path: string, flags: DriftFlags, command: Command) => {
      const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
      const voltagePath = requireOption(flags.voltage, '--voltage', 'a CSV with time_s,voltage_V');
      const diffusionPath = requireOption(
        flags.diffusion,
        '--diffusion',
        'a CSV with concentration_mol_m3,D_m2_s',
      );
      const temperatureK = parseNumberOption(
        '--temperature',
        requireOption(flags.temperature, '--temperature', 'kelvin, e.g. 313.15'),
      );
      const c0 = parseNumberOption('--c0', requireOption(flags.c0, '--c0', 'mol m⁻³, e.g. 1650'));
      if (!['pointwise', 'mean'].includes(flags.normalise))
        throw new UsageError('unknown normalisation', {
          field: '--normalise',
          found: flags.normalise,
          expected: 'pointwise | mean',
        });
      if (!['log', 'linear'].includes(flags.interpolation))
        throw new UsageError('unknown interpolation', {
          field: '--interpolation',
          found: flags.interpolation,
          expected: 'log | linear',
        });

      const run = analyseDrift({
        ...rawEncoding(flags),
        profiles: path,
        voltage: voltagePath,
        diffusion: diffusionPath,
        temperatureK,
        c0MolM3: c0,
        ...(flags.roi !== undefined ? { roiUm: parseRange('--roi', flags.roi) } : {}),
        smoothX: parseWindow('--smooth-x', flags.smoothX),
        smoothT: parseWindow('--smooth-t', flags.smoothT),
        normalise: flags.normalise as NormalisationReference,
        interpolation: flags.interpolation as DiffusionInterpolation,
        ...(flags.bootstrap !== undefined
          ? { bootstrap: parseNumberOption('--bootstrap', flags.bootstrap) }
          : {}),
      });
      const u = run.uncertainty;
      const { drift, concentration, roiUm } = run;
      const nx = drift.xUm.length;
      if (flags.out !== undefined) writeCsv(flags.out, DRIFT_HEADERS, driftRows(run), [DRIFT_COMMENT(path)]);
      if (json) {
        printJson({
          source: path,
          roiUm,
          temperatureK,
          c0MolM3: c0,
          signConvention: 'x from the plating electrode; v > 0 = anions drifting away from it',
          maximum: drift.maximum,
          maximumInterior: drift.maximumInterior,
          ...(u
            ? {
                uncertainty: {
                  realisations: u.realisations,
                  level: u.level,
                  maximum: u.maximum,
                  robustMaximum: u.robustMaximum,
                  profileNoiseMolM3: Array.from(u.profileNoiseMolM3),
                  velocityStdErrUmPerH: Array.from({ length: drift.timeS.length }, (_, k) =>
                    Array.from(u.velocityStdErrUmPerH.subarray(k * nx, (k + 1) * nx)),
                  ),
                },
              }
            : {}),
          perTime: drift.perTime,
          xUm: drift.xUm,
          timeS: drift.timeS,
          velocityUmPerH: Array.from({ length: drift.timeS.length }, (_, k) =>
            Array.from(drift.velocityUmPerH.subarray(k * nx, (k + 1) * nx)),
          ),
          concentrationMolM3: Array.from({ length: drift.timeS.length }, (_, k) =>
            Array.from(concentration.values.subarray(k * nx, (k + 1) * nx)),
          ),
        });
      } else {
        process.stdout.write(
          `ROI ${roiUm[0].toFixed(1)}–${roiUm[1].toFixed(1)} µm (${nx} samples), max |v| = ${drift.maximum.velocityUmPerH.toFixed(1)} µm/h at ${(drift.maximum.timeS / 60).toFixed(1)} min, x = ${drift.maximum.xUm.toFixed(1)} µm\n`,
        );
        if (u) {
          const iv = (b: typeof u.maximum) =>
            `${b.estimate.velocityUmPerH.toFixed(1)} µm/h, ${100 * u.level} % interval ${b.intervalUmPerH[0].toFixed(1)} … ${b.intervalUmPerH[1].toFixed(1)} (bias-corrected ${b.biasCorrectedUmPerH.toFixed(1)}, ± ${b.standardErrorUmPerH.toFixed(1)})`;
          process.stdout.write(
            `bootstrap of ${u.realisations} noise realisations: max ${iv(u.maximum)}\nrobust max (3-point median, interior profiles) ${iv(u.robustMaximum)}\n`,
          );
        }
        printTable(
          [
            'time_min',
            'voltage_V',
            'v_plating_um_h',
            'v_far_um_h',
            'peak_um_h',
            'spread_um_h',
            'edge_diff_%',
          ],
          drift.perTime.map((p) => [
            fixed(p.timeS / 60, 2),
            fixed(p.voltageV, 4),
            fixed(p.velocityAtPlatingSideUmPerH, 1),
            fixed(p.velocityAtFarSideUmPerH, 1),
            fixed(p.peakVelocityUmPerH, 1),
            fixed(p.spreadUmPerH, 1),
            fixed(p.edgeDifferencePercent, 1),
          ]),
        );
      }
    }),
  );

  addRawOptions(
    mri
      .command('profiles <bruker>')
      .description('reconstruct magnitude profiles from raw Bruker echoes and write the exchange CSV')
      .option('--out <csv>', 'output file (default: stdout)'),
  ).action(
    action((path: string, flags: RawFlags & { out?: string }, command: Command) => {
      const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
      if (!isBrukerInput(path))
        throw new UsageError('not raw Bruker data', {
          field: '<bruker>',
          found: path,
          expected: 'a folder with acqus and ser, or numbered experiments',
        });
      const series = loadProfiles(path, flags);
      const text = formatProfilesCsv(series, [
        `reconstructed by spincell from ${path}; x = 0 at the ${flags.reverseX ? '+' : '−'}SW/2 edge`,
      ]);
      if (flags.out !== undefined) writeFileAtomic(flags.out, text);
      if (json)
        printJson({
          source: path,
          profiles: series.timeS.length,
          points: series.xUm.length,
          xUm: series.xUm,
          timeS: series.timeS,
          out: flags.out ?? null,
        });
      else if (flags.out === undefined) process.stdout.write(text);
      else
        printTable(
          ['profiles', 'points', 'fov_um', 'out'],
          [[series.timeS.length, series.xUm.length, series.xUm[series.xUm.length - 1], flags.out]],
        );
    }),
  );
}
