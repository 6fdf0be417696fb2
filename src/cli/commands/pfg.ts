/**
 * `spincell pfg <file> --nucleus 19F --delta-ms 1 --Delta-ms 60 [--shape rect|sine]`: Stejskal–Tanner fit
 * of PFG attenuation. <file> is a CSV (`intensity` with `gradient_T_m`, `gradient_G_cm` or `b_s_m2`) or a
 * Bruker diffusion experiment (ser + difflist), whose rows are integrated as the sum of the magnitude
 * spectrum.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { readPfgPoints } from '../../pipeline/sections/pfg.js';
import { getPfgPreset, gradientShapeWarning, PFG_PRESETS } from '../../protocols/method-presets.js';
import {
  effectiveDiffusionTimeS,
  fitStejskalTanner,
  GRADIENT_SHAPES,
  PFG_SEQUENCES,
  type GradientShape,
  type PfgSequence,
  type PfgTiming,
} from '../../transport/index.js';
import {
  action,
  type GlobalOptions,
  parseNumberOption,
  printJson,
  printTable,
  roundToError,
  warnings,
} from '../common.js';

interface PfgFlags {
  preset?: string;
  nucleus?: string;
  deltaMs?: string;
  DeltaMs?: string;
  shape?: string;
  sequence?: string;
  lobeGapMs?: string;
  components: string;
  gradientList?: string;
}

export function registerPfg(program: Command): void {
  program
    .command('pfg <path>')
    .description(
      'Stejskal–Tanner fit of PFG NMR attenuation (one or two components): a CSV table, or Bruker ser + difflist',
    )
    .option('--nucleus <label>', "observed nucleus (sets γ); default: NUC1 of Bruker data, '19F' for a table")
    .option('--delta-ms <ms>', 'gradient pulse length δ, ms (bipolar: both lobes)')
    .option('--Delta-ms <ms>', 'diffusion time Δ between the gradient pulses, ms')
    .option(
      '--preset <name>',
      `the published settings (nucleus, δ, Δ, sequence, gradient shape): ${PFG_PRESETS.map((p) => p.name).join(', ')}`,
    )
    .option(
      '--shape <shape>',
      `gradient shape: ${GRADIENT_SHAPES.join(' | ')} (default rect, with a warning)`,
    )
    .option('--sequence <seq>', `${PFG_SEQUENCES.join(' | ')} (default ste)`)
    .option('--lobe-gap-ms <ms>', 'ste-bipolar: gap τ between the two lobes, ms')
    .option('--components <n>', '1 or 2 diffusing components', '1')
    .option('--gradient-list <file>', 'Bruker data: gradient list (default: difflist beside the ser)')
    .action(
      action((file: string, flags: PfgFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        const shapeWarning = gradientShapeWarning(flags.shape !== undefined, flags.preset);
        if (flags.preset !== undefined) {
          if (!PFG_PRESETS.some((p) => p.name === flags.preset))
            throw new UsageError('unknown preset', {
              field: '--preset',
              found: flags.preset,
              expected: PFG_PRESETS.map((p) => p.name).join(', '),
            });
          const p = getPfgPreset(flags.preset);
          flags = {
            ...flags,
            nucleus: flags.nucleus ?? p.nucleus.value,
            deltaMs: flags.deltaMs ?? String(p.deltaMs.value),
            DeltaMs: flags.DeltaMs ?? String(p.bigDeltaMs.value),
            sequence: flags.sequence ?? p.sequence.value,
            shape: flags.shape ?? p.shape.value,
          };
        }
        flags = { ...flags, shape: flags.shape ?? 'rect', sequence: flags.sequence ?? 'ste' };
        if (flags.deltaMs === undefined || flags.DeltaMs === undefined) {
          throw new UsageError('missing gradient timing', {
            field: '--delta-ms / --Delta-ms',
            expected: 'both δ and Δ in ms, e.g. --delta-ms 1 --Delta-ms 60',
          });
        }
        if (!(GRADIENT_SHAPES as readonly string[]).includes(flags.shape!))
          throw new UsageError('unknown gradient shape', {
            field: '--shape',
            found: flags.shape,
            expected: GRADIENT_SHAPES.join(' | '),
          });
        if (!(PFG_SEQUENCES as readonly string[]).includes(flags.sequence!))
          throw new UsageError('unknown sequence', {
            field: '--sequence',
            found: flags.sequence,
            expected: PFG_SEQUENCES.join(' | '),
          });
        if (flags.components !== '1' && flags.components !== '2')
          throw new UsageError('components must be 1 or 2', {
            field: '--components',
            found: flags.components,
            expected: '1 | 2',
          });
        const timing: PfgTiming = {
          deltaS: parseNumberOption('--delta-ms', flags.deltaMs) / 1000,
          bigDeltaS: parseNumberOption('--Delta-ms', flags.DeltaMs) / 1000,
          shape: flags.shape as GradientShape,
          sequence: flags.sequence as PfgSequence,
          lobeGapS:
            flags.lobeGapMs !== undefined
              ? parseNumberOption('--lobe-gap-ms', flags.lobeGapMs) / 1000
              : undefined,
        };
        const points = readPfgPoints(file, timing, flags.nucleus, flags.gradientList);
        const { nucleus, intensity, gradientsGPerCm } = points;
        const b = points.bSPerM2;
        const fit = fitStejskalTanner(b, intensity, {
          components: flags.components === '2' ? 2 : 1,
          source: file,
        });
        const warn = warnings(json);
        if (shapeWarning) warn.add(shapeWarning);
        if (fit.nonPositiveIntensities > 0)
          warn.add(
            `${file}: ${fit.nonPositiveIntensities} point(s) with intensity ≤ 0 (noise floor); their attenuation is undefined and they only pull the fit`,
          );
        fit.unidentifiable.forEach((u, k) => {
          if (u)
            warn.add(
              `${file}: component ${k + 1} is unidentifiable (standard error ≥ value: D = ${fit.dM2PerS[k].toExponential(2)} ± ${fit.dStandardErrorM2PerS[k].toExponential(2)} m² s⁻¹, fraction ${fit.fractions[k].toFixed(3)} ± ${fit.fractionStandardErrors[k].toFixed(3)}); fit one component`,
            );
        });
        const result = {
          source: file,
          nucleus: nucleus.label,
          gammaRadPerSPerT: nucleus.gammaRadPerSPerT,
          timing: { ...timing, effectiveDiffusionTimeS: effectiveDiffusionTimeS(timing) },
          dM2PerS: fit.dM2PerS,
          dStandardErrorM2PerS: fit.dStandardErrorM2PerS,
          fractions: fit.fractions,
          fractionStandardErrors: fit.fractionStandardErrors,
          unidentifiable: fit.unidentifiable,
          i0: fit.i0,
          rSquared: fit.rSquared,
          converged: fit.converged,
          warnings: warn.list,
          points: Array.from(b, (bi, i) => ({
            bSPerM2: bi,
            gradientGPerCm: gradientsGPerCm ? gradientsGPerCm[i] : null,
            intensity: intensity[i],
            fitted: fit.fitted[i],
          })),
        };
        if (json) printJson(result);
        else {
          printTable(
            ['component', 'D_m2_s', 'std_err_m2_s', 'fraction'],
            // printed to the digits the standard errors support
            fit.dM2PerS.map((d, k) => {
              const [dText, seText] = roundToError(d, fit.dStandardErrorM2PerS[k]);
              const fText =
                fit.fractionStandardErrors[k] > 0
                  ? roundToError(fit.fractions[k], fit.fractionStandardErrors[k])[0]
                  : fit.fractions[k].toFixed(4);
              return [String(k + 1), dText, seText, fText];
            }),
          );
          process.stdout.write(
            `I0 = ${fit.i0.toPrecision(6)}, R² = ${fit.rSquared.toFixed(6)}, Δ' = ${(effectiveDiffusionTimeS(timing) * 1000).toFixed(4)} ms, γ(${nucleus.label}) = ${nucleus.gammaRadPerSPerT.toExponential(6)} rad s⁻¹ T⁻¹\n`,
          );
        }
      }),
    );
}
