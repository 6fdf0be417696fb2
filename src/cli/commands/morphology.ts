/**
 * `spincell morphology <path> [--preset NAME] [--mode constrained|unconstrained] [--width-cap PPM|auto]
 * [--width-cap-from EXP]` and `spincell morphology --list-presets`:
 * dense/mossy/dendritic deconvolution of every spectrum of a Bruker experiment or series (Wichmann et al.'s (2025)
 * constrained windows or Thienenkamp et al.'s (2024) unconstrained fit), with area fractions, positions, widths, standard
 * errors and R² per spectrum.
 */
import type { Command } from 'commander';
import { DataError, UsageError } from '../../core/errors.js';
import { writeCsv } from '../../io/csv/index.js';
import {
  morphologyTable,
  PHASE_FIT_MODES,
  type PhaseFitMode,
  type MorphologySeriesRow,
  type MorphologyWindow,
} from '../../protocols/morphology.js';
import {
  describePresets,
  getMorphologyPreset,
  MORPHOLOGY_PRESETS,
  presetNames,
  presetSettings,
  type MorphologyRequest,
} from '../../protocols/presets.js';
import { morphologyComments, openMorphologyStep } from '../../pipeline/morphology.js';
import { basename, resolve } from 'node:path';
import { fractionsSvg } from '../../report/index.js';
import {
  action,
  checkOutputFile,
  type GlobalOptions,
  parseNumberOption,
  parsePositiveOrKeyword,
  parseRange,
  printJson,
  printTable,
  reportWritten,
  requireFileOut,
  spectrumBlocks,
  warnings,
  writeOutputFile,
  writtenOutputs,
} from '../common.js';
import {
  addNormaliseOption,
  addProcessingOptions,
  fitInput,
  midMs,
  openInput,
  withScalingColumns,
  type ProcessingFlags,
  seriesRowJson,
} from '../processing.js';

interface MorphologyFlags extends ProcessingFlags {
  preset?: string;
  listPresets?: boolean;
  widthCapFrom?: string;
  start?: string;
  mode?: string;
  cathodeOffset?: string;
  paramagneticCathode?: boolean;
  widthCap?: string;
  calibrationWindow?: string;
  window?: string[];
  sodium?: boolean;
  baselineDegree?: string;
  fitPhase?: string;
  out?: string;
  svg?: string;
}

/** "name:lo:hi" → a window. */
export function parseWindow(value: string): MorphologyWindow {
  const m = /^\s*([^:\s]+)\s*:\s*(-?[\d.eE+-]+)\s*:\s*(-?[\d.eE+-]+)\s*$/.exec(value);
  if (!m)
    throw new UsageError('not a window', {
      field: '--window',
      found: value,
      expected: 'NAME:LO:HI in ppm, e.g. metal:1130:1135',
    });
  const a = parseNumberOption('--window', m[2]);
  const b = parseNumberOption('--window', m[3]);
  if (a === b)
    throw new UsageError('empty window', {
      field: '--window',
      found: value,
      expected: 'LO different from HI',
    });
  return { name: m[1], minPpm: Math.min(a, b), maxPpm: Math.max(a, b) };
}

/** "245,250,265" → starting shifts of the unconstrained lines. */
function parseStarts(value: string): number[] {
  const parts = value.split(',').map((v) => v.trim());
  if (parts.length < 1 || parts.length > 6 || parts.some((v) => v === ''))
    throw new UsageError('not a list of starting shifts', {
      field: '--start',
      found: value,
      expected: '1 to 6 comma-separated ppm values, e.g. 245,250,265',
    });
  return parts.map((v) => parseNumberOption('--start', v));
}

/** The flags as a morphology request (resolved against the series by src/pipeline/morphology.ts). */
export function morphologyRequestFromFlags(flags: MorphologyFlags): MorphologyRequest {
  const mode = flags.mode?.toLowerCase();
  if (mode !== undefined && mode !== 'constrained' && mode !== 'unconstrained')
    throw new UsageError('unknown mode', {
      field: '--mode',
      found: flags.mode,
      expected: 'constrained or unconstrained',
    });
  const baselineDegree =
    flags.baselineDegree !== undefined
      ? parseNumberOption('--baseline-degree', flags.baselineDegree)
      : undefined;
  if (
    baselineDegree !== undefined &&
    !(Number.isInteger(baselineDegree) && baselineDegree >= 0 && baselineDegree <= 8)
  ) {
    throw new UsageError('bad baseline degree', {
      field: '--baseline-degree',
      found: flags.baselineDegree,
      expected: 'an integer 0…8',
    });
  }
  let fitPhase: PhaseFitMode | undefined;
  if (flags.fitPhase !== undefined) {
    const v = flags.fitPhase.trim().toLowerCase() as PhaseFitMode;
    if (!PHASE_FIT_MODES.includes(v))
      throw new UsageError('unknown phase-fit mode', {
        field: '--fit-phase',
        found: flags.fitPhase,
        expected: PHASE_FIT_MODES.join(', '),
      });
    fitPhase = v;
  }
  const preset = flags.preset?.trim().toLowerCase();
  if (preset !== undefined && !presetNames().includes(preset))
    throw new UsageError('unknown morphology preset', {
      field: '--preset',
      found: flags.preset,
      expected: presetNames().join(', '),
    });
  const widthCap =
    flags.widthCap !== undefined
      ? parsePositiveOrKeyword('--width-cap', flags.widthCap, ['auto'] as const, 'ppm')
      : undefined;
  if (widthCap !== undefined && flags.widthCapFrom !== undefined)
    throw new UsageError('give --width-cap or --width-cap-from, not both', {
      field: '--width-cap-from',
      found: flags.widthCapFrom,
    });
  const autoLike = widthCap === 'auto' || flags.widthCapFrom !== undefined || preset !== undefined;
  if (flags.calibrationWindow !== undefined && !autoLike)
    throw new UsageError('option applies to --width-cap auto or --width-cap-from only', {
      field: '--calibration-window',
      found: flags.calibrationWindow,
    });
  // A preset brings its mode (today thienenkamp2024 is the unconstrained one).
  const unconstrained =
    mode === 'unconstrained' ||
    (preset !== undefined && getMorphologyPreset(preset).mode.value === 'unconstrained');
  if (unconstrained) {
    for (const [flag, given] of [
      ['--cathode-offset', flags.cathodeOffset !== undefined],
      ['--paramagnetic-cathode', Boolean(flags.paramagneticCathode)],
      ['--width-cap', flags.widthCap !== undefined],
      ['--width-cap-from', flags.widthCapFrom !== undefined],
      ['--window', Boolean(flags.window?.length)],
      ['--sodium', Boolean(flags.sodium)],
    ] as const) {
      if (given)
        throw new UsageError('option applies to the constrained mode only', {
          field: flag,
          found: preset ?? 'unconstrained',
        });
    }
  } else if (flags.start !== undefined) {
    throw new UsageError('option applies to the unconstrained mode only', {
      field: '--start',
      found: flags.start,
      expected: `--mode unconstrained or an unconstrained preset (${MORPHOLOGY_PRESETS.filter(
        (p) => p.mode.value === 'unconstrained',
      )
        .map((p) => p.name)
        .join(', ')})`,
    });
  }
  if (preset !== undefined && flags.sodium)
    throw new UsageError('a preset brings its windows', {
      field: '--sodium',
      found: preset,
      expected: '--preset gutmann2021 or zheng2024 for ²³Na',
    });
  return {
    ...(preset !== undefined ? { preset } : {}),
    ...(mode !== undefined ? { mode: mode as 'constrained' | 'unconstrained' } : {}),
    ...(flags.window && flags.window.length > 0
      ? { windows: flags.window.map(parseWindow) }
      : flags.sodium
        ? { windows: 'sodium' as const }
        : {}),
    ...(flags.cathodeOffset !== undefined
      ? { cathodeOffsetPpm: parseNumberOption('--cathode-offset', flags.cathodeOffset) }
      : {}),
    ...(flags.paramagneticCathode ? { paramagneticCathode: true } : {}),
    ...(widthCap !== undefined ? { widthCap } : {}),
    ...(flags.widthCapFrom !== undefined ? { widthCapFrom: flags.widthCapFrom } : {}),
    ...(flags.calibrationWindow !== undefined
      ? { calibrationWindowPpm: parseRange('--calibration-window', flags.calibrationWindow) }
      : {}),
    ...(fitPhase !== undefined ? { fitPhase } : {}),
    ...(baselineDegree !== undefined ? { baselineDegree } : {}),
    ...(flags.start !== undefined ? { startPpm: parseStarts(flags.start) } : {}),
  };
}

export function morphologyRowJson(r: MorphologySeriesRow): Record<string, unknown> {
  const m = r.result;
  return {
    ...seriesRowJson(r),
    ...(m
      ? {
          mode: m.mode,
          converged: m.converged,
          rSquared: m.rSquared,
          totalArea: m.totalArea,
          centreOfGravityPpm: m.centreOfGravityPpm,
          referenceShiftPpm: m.referenceShiftPpm,
          cathodeOffsetPpm: m.cathodeOffsetPpm,
          widthCapPpm: m.widthCapPpm,
          phaseCorrectionDeg: m.phaseCorrectionDeg,
          phaseCorrectionStdErrDeg: m.phaseCorrectionStdErrDeg,
          flags: m.flags,
          components: m.components,
          ...(m.alternatives && m.alternatives.length > 0 ? { alternatives: m.alternatives } : {}),
        }
      : {}),
  };
}

/** Fraction of every component vs acquisition mid-time (seconds after the first); failed fits are gaps. */
export function morphologySvg(
  path: string,
  mode: string,
  rows: readonly MorphologySeriesRow[],
  midMs: readonly number[],
): string {
  const names: string[] = [];
  for (const r of rows)
    for (const c of r.result?.components ?? []) if (!names.includes(c.morphology)) names.push(c.morphology);
  return fractionsSvg({
    title: `Morphology of ${basename(resolve(path))} (${mode})`,
    mode: 'lines',
    timeS: midMs.map((m) => (m - midMs[0]) / 1000),
    series: names.map((name) => ({
      label: name,
      values: rows.map((r) => r.result?.components.find((c) => c.morphology === name)?.fraction ?? NaN),
      style: 'line+points' as const,
    })),
    yLabel: 'Fraction of the metal signal',
  });
}

/** A run where no spectrum could be analysed is an error, not a table of failures (exit 0). */
function refuseAllFailed(rows: readonly MorphologySeriesRow[], path: string): void {
  if (rows.length === 0 || rows.some((r) => r.result !== null)) return;
  const first = rows[0].error;
  throw new DataError('no spectrum could be analysed', {
    file: path,
    field: 'morphology',
    found: `${rows.length} of ${rows.length} failed; first: ${first ? first.message : 'no result'}`,
    expected: 'at least one spectrum with a metal signal in the windows',
  });
}

export function registerMorphology(program: Command): void {
  const cmd = program
    .command('morphology [path]')
    .description(
      'dense/mossy/dendritic metal fractions of every spectrum by a published method preset (--list-presets): Wichmann et al. 2025 constrained or Thienenkamp et al. 2024 unconstrained deconvolution',
    )
    .option(
      '--preset <name>',
      `a published method with every setting and its source: ${presetNames().join(', ')}`,
    )
    .option('--list-presets', 'print every preset: source, each setting, what the paper leaves open')
    .option(
      '--mode <mode>',
      "without a preset: 'constrained' (three Voigt lines in shift windows, default) or 'unconstrained' (free lines, metal referenced to 245 ppm)",
    )
    .option(
      '--cathode-offset <ppm>',
      'shift of all windows from a paramagnetic cathode, ppm (default 0, or 3.5 with --paramagnetic-cathode)',
    )
    .option(
      '--paramagnetic-cathode',
      'the positive electrode is paramagnetic (charged NMC622): windows +3.5 ppm (the wichmann2025 preset has it built in)',
    )
    .option(
      '--width-cap <ppm|auto>',
      "largest whole FWHM of each line: the pristine-electrode width, ppm; 'auto' measures it on the first spectrum (refused when it holds no metal line, and by wichmann2025)",
    )
    .option(
      '--width-cap-from <exp>',
      'measure the width cap on a calibration experiment (a pristine electrode; processed like the series)',
    )
    .option(
      '--calibration-window <lo:hi>',
      "ppm range of the pristine line's fit for the width cap (default 230:260; ²³Na 1120:1150)",
    )
    .option(
      '--window <name:lo:hi>',
      'shift window of one component before the cathode offset (repeatable; replaces the windows)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option(
      '--sodium',
      'without a preset: the earlier ²³Na windows (metal 1130–1135, microstructure 1138–1144 ppm)',
    )
    .option('--start <ppm,…>', 'unconstrained: starting shifts of the lines (default 245,250,265)')
    .option('--baseline-degree <n>', 'fit a polynomial baseline of this degree together with the lines')
    .option(
      '--fit-phase <mode>',
      "receiver phase fitted together with the lines, from the processed spectrum's phase: 'zero-order' (default), 'first-order' or 'none'",
    )
    .option('--out <file>', 'write the per-spectrum, per-component table as CSV (settings in its header)')
    .option('--svg <file.svg>', 'draw the fractions of every component vs time');
  addProcessingOptions(addNormaliseOption(cmd)).action(
    action(async (path: string | undefined, flags: MorphologyFlags, command: Command) => {
      const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
      if (flags.listPresets) {
        if (json) {
          printJson({
            presets: MORPHOLOGY_PRESETS.map((p) => ({
              name: p.name,
              title: p.title,
              citation: p.citation,
              nuclei: p.nuclei,
              settings: presetSettings(p),
            })),
          });
        } else process.stdout.write(describePresets());
        return;
      }
      if (path === undefined)
        throw new UsageError('no input given', {
          field: 'path',
          expected: 'a Bruker experiment or series (or --list-presets)',
        });
      const request = morphologyRequestFromFlags(flags);
      requireFileOut(flags.out, 'the table is written to a file, not a folder', 'morphology.csv');
      if (flags.svg !== undefined) checkOutputFile('--svg', flags.svg, 'fractions.svg');
      const input = openInput(path, flags, json, 'morphology');
      const step = openMorphologyStep(request, input, flags);
      const warn = warnings(json);
      const rows: MorphologySeriesRow[] = [];
      const mids: number[] = [];
      for (const item of input.run()) {
        mids.push(midMs(item.entry.meta));
        rows.push(step.analyse(fitInput(item)));
      }
      refuseAllFailed(rows, path);
      const prov = step.provenance();
      for (const w of prov.warnings) warn.add(w);
      const table = morphologyTable(rows);
      if (flags.out !== undefined) {
        const out = withScalingColumns(table, input);
        writeCsv(flags.out, out.headers, out.rows, morphologyComments(prov));
      }
      const mode = rows.find((r) => r.result)?.result?.mode ?? request.mode ?? 'constrained';
      if (flags.svg !== undefined)
        writeOutputFile('--svg', flags.svg, morphologySvg(path, prov.preset ?? mode, rows, mids));
      if (json) {
        printJson({
          path,
          format: input.format,
          mode,
          preset: prov.preset,
          settings: prov.settings,
          ...(prov.widthCapCalibration ? { widthCapCalibration: prov.widthCapCalibration } : {}),
          normalised: input.normalised,
          spectra: rows.map((r, i) => ({ ...morphologyRowJson(r), ...input.scaling(input.entries[i]) })),
          ...(warn.list.length > 0 ? { warnings: warn.list } : {}),
          ...writtenOutputs(flags),
        });
        return;
      }
      // One block per spectrum: identity, time, R² and flags on its first line only.
      printTable(
        ['#', 'exp', 't / s', 'morphology', 'δ / ppm', 'FWHM / ppm', 'area', 'fraction', '±', 'R²', 'flags'],
        spectrumBlocks(table.rows, [
          { col: 0, once: 'id' },
          { col: 1, once: 'id' },
          { col: 5, once: 'value' },
          6,
          7,
          9,
          10,
          12,
          13,
          { col: 15, once: 'r2' },
          { col: 16, once: 'value' },
        ]),
      );
      process.stdout.write(`preset: ${prov.preset ?? 'none (spincell defaults; see --list-presets)'}\n`);
      const cal = prov.widthCapCalibration;
      if (cal) {
        process.stdout.write(
          `width cap from ${cal.from === 'first-spectrum' ? `the first spectrum (exp ${cal.experimentNumber ?? '—'})` : cal.from}: whole FWHM ${cal.widthCapPpm.toFixed(3)} ppm (Gaussian ${cal.fwhmGPpm.toFixed(3)}, Lorentzian ${cal.fwhmLPpm.toFixed(3)} ppm)\n`,
        );
      }
      reportWritten([
        ['morphology', flags.out],
        ['figure', flags.svg],
      ]);
    }),
  );
}
