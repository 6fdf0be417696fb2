/**
 * `spincell sand`: Sand's time (Thienenkamp et al. 2024, eq 9) from the ambipolar diffusion coefficient (--d), or from
 * the anion's (--d-anion) converted with the anion transport number, optionally compared with a measured
 * onset of the voltage rise: given in minutes (--onset-min) or detected in a cycler file (--cycler) as the
 * steepest polarisation rise of its constant-current step (echem/onset).
 */
import type { Command } from 'commander';
import { DataError, UsageError } from '../../core/errors.js';
import { detectVoltageOnset, segmentSteps, seriesFromRecords } from '../../echem/index.js';
import { readCyclerFile } from '../../io/cycler/index.js';
import {
  ambipolarFromAnionDiffusion,
  CONCENTRATION_UNITS,
  compareWithOnset,
  mAPerCm2ToAPerM2,
  sandTimeS,
  toMolPerM3,
} from '../../transport/index.js';
import { action, type GlobalOptions, parseNumberOption, printJson, printTable, warnings } from '../common.js';

/** Salt concentrations below this (mol m⁻³) are flagged as a likely mol L⁻¹ value. */
const SAND_C0_MIN_MOL_M3 = 10;

interface SandFlags {
  d?: string;
  dAnion?: string;
  c0?: string;
  c0Unit: string;
  currentDensity?: string;
  ta?: string;
  onsetMin?: string;
  cycler?: string;
  ccStep?: string;
}

/** Onset of the voltage rise in the chosen (default: first) constant-current step of a cycler file, s from its start. */
function onsetFromCycler(
  path: string,
  stepOption: string | undefined,
): { onsetS: number; stepIndex: number } {
  const series = seriesFromRecords(readCyclerFile(path));
  const steps = segmentSteps(series);
  const cc = steps.filter((s) => s.type === 'cc');
  const step =
    stepOption !== undefined
      ? steps[parseNumberOption('--cc-step', stepOption)]
      : cc.find((s) => Math.abs(s.meanCurrentMA) > 0);
  if (!step || step.type !== 'cc') {
    throw new DataError('no constant-current step to look for the onset in', {
      file: path,
      field: '--cc-step',
      found: stepOption ?? `${cc.length} constant-current steps`,
      expected: `the index of a constant-current step (${cc.map((s) => s.index).join(', ') || 'none found'})`,
    });
  }
  const onset = detectVoltageOnset(series, step);
  if (!onset) {
    throw new DataError('no voltage onset in the constant-current step', {
      file: path,
      field: `step ${step.index}`,
      found: 'no polarisation rise ≥ 0.05 V',
      expected: 'a sudden voltage rise (mass-transport limitation)',
    });
  }
  return { onsetS: onset.stepTimeS, stepIndex: step.index };
}

function required(value: string | undefined, option: string, expected: string): string {
  if (value === undefined) throw new UsageError('missing option', { field: option, expected });
  return value;
}

export function registerSand(program: Command): void {
  program
    .command('sand')
    .description("Sand's time τ = πD(C0·e/(2·i·t_a))² (Thienenkamp et al. 2024, eq 9)")
    .option('--d <m2_s>', 'ambipolar (salt) diffusion coefficient, m² s⁻¹')
    .option(
      '--d-anion <m2_s>',
      'anion diffusion coefficient, m² s⁻¹ (converted to ambipolar: 2·D_a·(1 − t_a))',
    )
    .option('--c0 <value>', 'salt concentration')
    .option('--c0-unit <unit>', `unit of --c0: ${CONCENTRATION_UNITS.join(' | ')}`, 'mol-m3')
    .option('--current-density <mA_cm2>', 'current density, mA cm⁻²')
    .option('--ta <t>', 'anion transport number')
    .option('--onset-min <min>', 'measured onset of the voltage rise, min, to compare with')
    .option('--cycler <file>', 'cycler file whose constant-current step gives the measured onset')
    .option('--cc-step <index>', 'with --cycler: step index (default: the first constant-current step)')
    .action(
      action((flags: SandFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        if ((flags.d === undefined) === (flags.dAnion === undefined)) {
          throw new UsageError('give exactly one diffusion coefficient', {
            field: '--d / --d-anion',
            expected: '--d (ambipolar) or --d-anion with --ta',
          });
        }
        const ta = parseNumberOption(
          '--ta',
          required(flags.ta, '--ta', 'the anion transport number, e.g. 0.9'),
        );
        const c0Value = parseNumberOption('--c0', required(flags.c0, '--c0', 'the salt concentration'));
        const c0MolM3 = toMolPerM3(c0Value, flags.c0Unit, '--c0');
        const warn = warnings(json);
        // Battery electrolytes hold 0.1–5 mol L⁻¹ = 100–5000 mol m⁻³; below 10 mol m⁻³ the number was
        // almost certainly meant in mol L⁻¹.
        if (c0MolM3 < SAND_C0_MIN_MOL_M3)
          warn.add(
            `--c0 ${c0Value} ${flags.c0Unit} is ${c0MolM3} mol m⁻³, below ${SAND_C0_MIN_MOL_M3} mol m⁻³ (0.01 mol L⁻¹) where battery electrolytes are 100–5000 mol m⁻³; did you mean --c0 ${c0Value} --c0-unit mol-L?`,
          );
        const iMA = parseNumberOption(
          '--current-density',
          required(flags.currentDensity, '--current-density', 'mA cm⁻², e.g. 0.1'),
        );
        const dAnion = flags.dAnion !== undefined ? parseNumberOption('--d-anion', flags.dAnion) : null;
        const dAmb =
          dAnion !== null ? ambipolarFromAnionDiffusion(dAnion, ta) : parseNumberOption('--d', flags.d!);
        const tau = sandTimeS({
          dAmbipolarM2PerS: dAmb,
          c0MolM3,
          currentDensityAPerM2: mAPerCm2ToAPerM2(iMA),
          anionTransportNumber: ta,
        });
        if (flags.onsetMin !== undefined && flags.cycler !== undefined) {
          throw new UsageError('give the onset once', {
            field: '--onset-min / --cycler',
            expected: 'one of them',
          });
        }
        const fromCycler = flags.cycler !== undefined ? onsetFromCycler(flags.cycler, flags.ccStep) : null;
        const onsetS = fromCycler
          ? fromCycler.onsetS
          : flags.onsetMin !== undefined
            ? 60 * parseNumberOption('--onset-min', flags.onsetMin)
            : null;
        const onset = onsetS !== null ? compareWithOnset(tau, onsetS) : null;
        const result = {
          sandTimeS: tau,
          sandTimeMin: tau / 60,
          sandTimeH: tau / 3600,
          dAmbipolarM2PerS: dAmb,
          dAnionM2PerS: dAnion,
          dSource:
            dAnion !== null ? 'anion D converted with t_a: D_amb = 2·D_a·(1 − t_a)' : 'ambipolar D given',
          c0MolM3,
          currentDensityMAPerCm2: iMA,
          anionTransportNumber: ta,
          onset: onset && {
            onsetMin: onset.onsetTimeS / 60,
            differenceMin: onset.differenceS / 60,
            ratio: onset.ratio,
            source: fromCycler ? `${flags.cycler}, step ${fromCycler.stepIndex}` : '--onset-min',
          },
          warnings: warn.list,
        };
        if (json) printJson(result);
        else {
          const rows: (string | number | null)[][] = [
            ["Sand's time", tau / 60, 'min'],
            ['ambipolar D', dAmb, 'm² s⁻¹'],
            ['c0', c0MolM3, 'mol m⁻³'],
            ['current density', iMA, 'mA cm⁻²'],
            ['t_a', ta, ''],
          ];
          if (onset)
            rows.push(
              ['measured onset', onset.onsetTimeS / 60, 'min'],
              ['onset − τ', onset.differenceS / 60, 'min'],
            );
          printTable(['quantity', 'value', 'unit'], rows);
        }
      }),
    );
}
