/**
 * `spincell particle rate|cv|gitt|pitt FILE… --radius-um R`: single-particle electrochemistry from a
 * potentiostat record (EC-Lab .mpr/.mpt, MACCOR text, CSV) of a microelectrode on one particle. Every
 * result is printed with the assumptions it rests on and the checks of those that the data allow;
 * --out writes the per-step (per-pulse, per-sweep) table as CSV, --json the whole result.
 */
import type { Command } from 'commander';
import { ParameterError, relocated, isSpincellError } from '../../core/errors.js';
import { readCyclerFile } from '../../io/cycler/index.js';
import { formatCsv } from '../../io/csv/index.js';
import { seriesFromRecords, type CyclerSeries } from '../../echem/series.js';
import {
  analyseCv,
  analyseGitt,
  analysePitt,
  analyseRate,
  particleGeometry,
  type AssumptionCheck,
  type ParticleGeometry,
} from '../../particle/index.js';
import {
  action,
  checkOutputFile,
  type Cell,
  type GlobalOptions,
  parseNumberOption,
  printJson,
  printTable,
  significant,
  writeOutputFile,
} from '../common.js';

interface ParticleFlags {
  radiusUm: string;
  volumeUm3?: string;
  massNg?: string;
  densityGCm3?: string;
  capacityNah?: string;
  concMolM3?: string;
  n?: string;
  temperatureK?: string;
  timezone?: string;
  out?: string;
}

function num(flag: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseNumberOption(flag, value);
}

function positiveOption(flag: string, value: string | undefined): number | undefined {
  const v = num(flag, value);
  if (v !== undefined && !(v > 0))
    throw new ParameterError('must be positive', { field: flag, found: value, expected: '> 0' });
  return v;
}

function geometryOf(flags: ParticleFlags): ParticleGeometry {
  return particleGeometry({
    radiusUm: num('--radius-um', flags.radiusUm) as number,
    volumeUm3: num('--volume-um3', flags.volumeUm3),
    massNg: num('--mass-ng', flags.massNg),
    densityGPerCm3: num('--density-g-cm3', flags.densityGCm3),
  });
}

/** Reads a record into the analysis series; errors from the analysis keep naming the file. */
function seriesOf(file: string, flags: ParticleFlags): CyclerSeries {
  return seriesFromRecords(readCyclerFile(file, { timezone: flags.timezone }));
}

function inFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isSpincellError(error) && error.file === undefined) throw relocated(error, { file });
    throw error;
  }
}

function printAssumptions(assumptions: readonly string[], checks: readonly AssumptionCheck[] = []): void {
  process.stdout.write('\nassumptions\n');
  for (const a of assumptions) process.stdout.write(`  - ${a}\n`);
  if (checks.length > 0) {
    process.stdout.write('checks\n');
    for (const c of checks)
      process.stdout.write(
        `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.value === null ? '—' : significant(c.value, 3)} (${c.limit})\n`,
      );
  }
}

function writeTable(flags: ParticleFlags, headers: string[], rows: Cell[][], comments: string[]): void {
  if (flags.out === undefined) return;
  writeOutputFile('--out', flags.out, formatCsv(headers, rows, comments));
}

const sig = (v: number | null | undefined, d = 4) => significant(v ?? null, d);

function common(cmd: Command, files: string): Command {
  return cmd
    .argument(files)
    .requiredOption('--radius-um <R>', 'particle radius, µm')
    .option('--volume-um3 <V>', 'particle volume, µm³ (default: sphere of the radius)')
    .option('--mass-ng <m>', 'particle mass, ng (specific capacities)')
    .option('--density-g-cm3 <rho>', 'density, g cm⁻³ (volume from mass, or mass from volume)')
    .option('--timezone <zone>', 'time zone of the instrument clock', 'UTC')
    .option('--out <file.csv>', 'write the table (steps, pulses or sweeps) as CSV');
}

export function registerParticle(program: Command): void {
  const group = program
    .command('particle')
    .description(
      'single-particle electrochemistry: rate capability, CV (Randles–Ševčík), GITT and PITT diffusion coefficients of a sphere',
    );

  common(
    group.command('rate').description('capacity per current (nA, nAh) and retention vs C-rate'),
    '<file>',
  )
    .option(
      '--capacity-nah <Q>',
      'reference capacity for C-rate and retention, nAh (default: the smallest current)',
    )
    .action(
      action((file: string, flags: ParticleFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        if (flags.out) checkOutputFile('--out', flags.out, 'rate.csv');
        const geometry = geometryOf(flags);
        const capacityNAh = positiveOption('--capacity-nah', flags.capacityNah);
        const series = seriesOf(file, flags);
        const r = inFile(file, () => analyseRate(series, geometry, { capacityNAh }));
        const headers = [
          'direction',
          'current_na',
          'steps',
          'capacity_nah',
          'c_rate_per_h',
          'retention',
          'mah_per_cm3',
          'mah_per_g',
        ];
        const rows: Cell[][] = r.groups.map((g) => [
          g.direction,
          g.currentNA,
          g.steps,
          g.capacityNAh,
          g.cRatePerH,
          g.retention,
          g.volumetricMAhPerCm3,
          g.specificMAhPerG,
        ]);
        writeTable(flags, headers, rows, [`file: ${file}`, ...r.assumptions.map((a) => `assumption: ${a}`)]);
        if (json) {
          printJson({ file, geometry, ...r, ...(flags.out ? { out: flags.out } : {}) });
          return;
        }
        process.stdout.write(`${file}: ${r.steps.length} constant-current steps\n`);
        printTable(
          [
            'direction',
            'current nA',
            'steps',
            'capacity nAh',
            'C-rate 1/h',
            'retention %',
            'mAh/cm³',
            'mAh/g',
          ],
          r.groups.map((g) => [
            g.direction,
            sig(g.currentNA),
            String(g.steps),
            sig(g.capacityNAh),
            sig(g.cRatePerH, 3),
            sig(100 * g.retention, 4),
            sig(g.volumetricMAhPerCm3),
            sig(g.specificMAhPerG),
          ]),
        );
        printAssumptions(r.assumptions);
        if (flags.out) process.stdout.write(`table written to ${flags.out}\n`);
      }),
    );

  common(
    group.command('cv').description('CV per cycle and Randles–Ševčík D over files at several scan rates'),
    '<files...>',
  )
    .option('--capacity-nah <Q>', 'particle capacity, nAh: concentration C = Q/(F·V) for Randles–Ševčík')
    .option('--conc-mol-m3 <C>', 'guest concentration swept, mol m⁻³ (instead of --capacity-nah)')
    .option('--n <n>', 'electrons per guest', '1')
    .option('--temperature-k <T>', 'temperature, K', '298.15')
    .action(
      action((files: string[], flags: ParticleFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        if (flags.out) checkOutputFile('--out', flags.out, 'cv.csv');
        const geometry = geometryOf(flags);
        const seriesList = files.map((f) => seriesOf(f, flags));
        const r = inFile(files[0], () =>
          analyseCv(seriesList, geometry, {
            capacityNAh: positiveOption('--capacity-nah', flags.capacityNah),
            concentrationMolPerM3: positiveOption('--conc-mol-m3', flags.concMolM3),
            n: positiveOption('--n', flags.n),
            temperatureK: positiveOption('--temperature-k', flags.temperatureK),
          }),
        );
        const headers = [
          'file',
          'sweep',
          'cycle',
          'direction',
          'scan_rate_mv_s',
          'peak_v',
          'peak_na',
          'anodic_nah',
          'cathodic_nah',
        ];
        const rows: Cell[][] = r.files.flatMap((f) =>
          f.sweeps.map((s) => [
            f.file,
            s.sweep,
            s.cycle,
            s.direction,
            s.scanRateVPerS * 1e3,
            s.peakPotentialV,
            s.peakCurrentNA,
            s.anodicChargeNAh,
            s.cathodicChargeNAh,
          ]),
        );
        writeTable(
          flags,
          headers,
          rows,
          r.assumptions.map((a) => `assumption: ${a}`),
        );
        if (json) {
          printJson({ geometry, ...r, ...(flags.out ? { out: flags.out } : {}) });
          return;
        }
        for (const f of r.files) {
          process.stdout.write(
            `\n${f.file}: ${sig(f.scanRateVPerS * 1e3, 4)} mV/s, ${f.cycles.length} cycles; irreversible first-cycle charge ${sig(f.irreversibleFirstCycleNAh)} nAh (excess over later cycles ${sig(f.irreversibleExcessNAh)} nAh)\n`,
          );
          printTable(
            ['cycle', 'anodic nAh', 'cathodic nAh', 'Ep(a) V', 'ip(a) nA', 'Ep(c) V', 'ip(c) nA', 'ΔEp V'],
            f.cycles.map((c) => {
              const a = f.sweeps.find((s) => s.cycle === c.cycle && s.direction === 'anodic');
              const k = f.sweeps.find((s) => s.cycle === c.cycle && s.direction === 'cathodic');
              return [
                String(c.cycle),
                sig(c.anodicChargeNAh),
                sig(c.cathodicChargeNAh),
                sig(a?.peakPotentialV),
                sig(a?.peakCurrentNA),
                sig(k?.peakPotentialV),
                sig(k?.peakCurrentNA),
                sig(c.peakSeparationV, 3),
              ];
            }),
          );
        }
        const rs = r.randlesSevcik;
        if (rs) {
          process.stdout.write(
            `\nRandles–Ševčík (${rs.direction} first sweeps, ${rs.used.length} scan rates): D = ${sig(rs.diffusionM2PerS, 3)} m²/s (${sig(rs.diffusionCm2PerS, 3)} cm²/s); through the origin ${sig(rs.diffusionThroughOriginM2PerS, 3)} m²/s; C = ${sig(rs.concentrationMolPerM3)} mol/m³ (${rs.concentrationSource})\n`,
          );
          for (const x of rs.excluded)
            process.stdout.write(`  left out ${x.file} (${sig(x.scanRateVPerS * 1e3)} mV/s): ${x.reason}\n`);
          printAssumptions(r.assumptions, rs.checks);
        } else {
          process.stdout.write(
            '\nRandles–Ševčík needs first sweeps at two or more scan rates (one file each)\n',
          );
          printAssumptions(r.assumptions);
        }
        if (flags.out) process.stdout.write(`table written to ${flags.out}\n`);
      }),
    );

  common(
    group.command('gitt').description('GITT: D of a sphere per pulse (Weppner–Huggins short-time solution)'),
    '<file>',
  ).action(
    action((file: string, flags: ParticleFlags, command: Command) => {
      const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
      if (flags.out) checkOutputFile('--out', flags.out, 'gitt.csv');
      const geometry = geometryOf(flags);
      const series = seriesOf(file, flags);
      const r = inFile(file, () => analyseGitt(series, geometry));
      const headers = [
        'pulse',
        'start_s',
        'duration_s',
        'current_na',
        'charge_nah',
        'relaxed_before_v',
        'relaxed_after_v',
        'delta_es_v',
        'slope_v_per_sqrt_s',
        'd_m2_s',
        'd_planar_m2_s',
        'tau_d_over_r2',
        'drift',
        'curvature_error',
        'valid',
      ];
      const rows: Cell[][] = r.pulses.map((p) => [
        p.pulse,
        p.startS,
        p.durationS,
        p.currentNA,
        p.chargeNAh,
        p.relaxedBeforeV,
        p.relaxedAfterV,
        p.deltaEsV,
        p.slopeVPerSqrtS,
        p.diffusionM2PerS,
        p.planarDiffusionM2PerS,
        p.pulseDimensionless,
        p.relaxationDrift,
        p.curvatureError,
        p.valid,
      ]);
      writeTable(flags, headers, rows, [`file: ${file}`, ...r.assumptions.map((a) => `assumption: ${a}`)]);
      if (json) {
        printJson({ file, geometry, ...r, ...(flags.out ? { out: flags.out } : {}) });
        return;
      }
      const valid = r.pulses.filter((p) => p.valid).length;
      process.stdout.write(
        `${file}: ${r.pulses.length} pulses, ${valid} pass every check; median D (valid pulses) = ${sig(r.medianDiffusionM2PerS, 3)} m²/s (${sig(r.medianDiffusionM2PerS === null ? null : r.medianDiffusionM2PerS * 1e4, 3)} cm²/s)\n`,
      );
      printTable(
        [
          'pulse',
          'I nA',
          'Q nAh',
          'ΔEs mV',
          'dE/d√t mV/√s',
          'D m²/s',
          'D planar',
          'τD/R²',
          'drift',
          'ε',
          'valid',
        ],
        r.pulses.map((p) => [
          String(p.pulse),
          sig(p.currentNA),
          sig(p.chargeNAh),
          sig(p.deltaEsV * 1e3),
          sig(p.slopeVPerSqrtS * 1e3),
          sig(p.diffusionM2PerS, 3),
          sig(p.planarDiffusionM2PerS, 3),
          sig(p.pulseDimensionless, 2),
          sig(p.relaxationDrift, 2),
          sig(p.curvatureError, 2),
          p.valid
            ? 'yes'
            : `no: ${p.checks
                .filter((c) => !c.ok)
                .map((c) => c.name)
                .join('; ')}`,
        ]),
      );
      printAssumptions(r.assumptions);
      if (flags.out) process.stdout.write(`table written to ${flags.out}\n`);
    }),
  );

  common(
    group
      .command('pitt')
      .description('PITT: D of a sphere per potential step from the long-time current decay'),
    '<file>',
  ).action(
    action((file: string, flags: ParticleFlags, command: Command) => {
      const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
      if (flags.out) checkOutputFile('--out', flags.out, 'pitt.csv');
      const geometry = geometryOf(flags);
      const series = seriesOf(file, flags);
      const r = inFile(file, () => analysePitt(series, geometry));
      const headers = [
        'step',
        'start_s',
        'potential_v',
        'step_v',
        'charge_nah',
        'window_start_s',
        'window_end_s',
        'slope_per_s',
        'r2',
        'd_m2_s',
        'd_fast_kinetics_m2_s',
        'beta1',
        'l',
        'intercept_ratio',
        'window_start_td_over_r2',
        'valid',
      ];
      const rows: Cell[][] = r.steps.map((s) => [
        s.step,
        s.startS,
        s.potentialV,
        s.stepV,
        s.chargeNAh,
        s.windowStartS,
        s.windowEndS,
        s.slopePerS,
        s.fitR2,
        s.diffusionM2PerS,
        s.diffusionFastM2PerS,
        s.beta1,
        s.kineticL,
        s.interceptRatio,
        s.windowStartDimensionless,
        s.valid,
      ]);
      writeTable(flags, headers, rows, [`file: ${file}`, ...r.assumptions.map((a) => `assumption: ${a}`)]);
      if (json) {
        printJson({ file, geometry, ...r, ...(flags.out ? { out: flags.out } : {}) });
        return;
      }
      const valid = r.steps.filter((s) => s.valid).length;
      process.stdout.write(
        `${file}: ${r.steps.length} potential steps, ${valid} pass every check; median D (valid steps) = ${sig(r.medianDiffusionM2PerS, 3)} m²/s; with fast kinetics assumed ${sig(r.medianDiffusionFastM2PerS, 3)} m²/s\n`,
      );
      printTable(
        ['step', 'E V', 'ΔE mV', 'Q nAh', 'window s', 'D m²/s', 'D fast', 'β1', 'L', 'valid'],
        r.steps.map((s) => [
          String(s.step),
          sig(s.potentialV),
          sig(s.stepV * 1e3, 3),
          sig(s.chargeNAh),
          `${sig(s.windowStartS, 3)}–${sig(s.windowEndS, 3)}`,
          sig(s.diffusionM2PerS, 3),
          sig(s.diffusionFastM2PerS, 3),
          sig(s.beta1, 4),
          s.kineticL === Infinity ? '∞' : sig(s.kineticL, 3),
          s.valid
            ? 'yes'
            : `no: ${s.checks
                .filter((c) => !c.ok)
                .map((c) => c.name)
                .join('; ')}`,
        ]),
      );
      printAssumptions(r.assumptions);
      if (flags.out) process.stdout.write(`table written to ${flags.out}\n`);
    }),
  );
}
