/**
 * `spincell morphology <path> --mode constrained|unconstrained [--cathode-offset PPM] [--width-cap PPM]`:
 * dense/mossy/dendritic deconvolution of every spectrum of a Bruker experiment or series (Wichmann et al.'s (2025)
 * constrained windows or Thienenkamp et al.'s (2024) unconstrained fit), with area fractions, positions, widths, standard
 * errors and R² per spectrum.
 */
import type { Command } from 'commander';
import { DataError, UsageError } from '../../core/errors.js';
import { writeCsv } from '../../io/csv/index.js';
import {
  calibrateWidthCap,
  createMorphologyAnalyser,
  LITHIUM_WINDOWS_PPM,
  morphologyTable,
  PHASE_FIT_MODES,
  type PhaseFitMode,
  SODIUM_WINDOWS_PPM,
  type MorphologySeriesOptions,
  type MorphologySeriesRow,
  type MorphologyWindow,
} from '../../protocols/morphology.js';
import { basename, resolve } from 'node:path';
import { fractionsSvg } from '../../report/index.js';
import { checkMorphologyNucleus, checkMorphologyWindows } from '../../protocols/morphology-check.js';
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

export function morphologyOptionsFromFlags(flags: MorphologyFlags): MorphologySeriesOptions {
  const mode = (flags.mode ?? 'constrained').toLowerCase();
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
  if (mode === 'constrained') {
    const widthCap =
      flags.widthCap !== undefined
        ? parsePositiveOrKeyword('--width-cap', flags.widthCap, ['auto'] as const, 'ppm')
        : undefined;
    let windows: readonly MorphologyWindow[] = LITHIUM_WINDOWS_PPM;
    if (flags.sodium) windows = SODIUM_WINDOWS_PPM;
    if (flags.window && flags.window.length > 0) windows = flags.window.map(parseWindow);
    return {
      mode: 'constrained',
      windows,
      cathodeOffsetPpm:
        flags.cathodeOffset !== undefined
          ? parseNumberOption('--cathode-offset', flags.cathodeOffset)
          : undefined,
      paramagneticCathode: Boolean(flags.paramagneticCathode),
      widthCapPpm: widthCap === undefined || widthCap === 'auto' ? undefined : widthCap,
      baselineDegree,
      fitPhase,
    };
  }
  if (mode === 'unconstrained') {
    for (const [flag, given] of [
      ['--cathode-offset', flags.cathodeOffset !== undefined],
      ['--width-cap', flags.widthCap !== undefined],
      ['--window', Boolean(flags.window?.length)],
      ['--sodium', Boolean(flags.sodium)],
    ] as const) {
      if (given)
        throw new UsageError('option applies to --mode constrained only', {
          field: flag,
          found: 'unconstrained',
        });
    }
    return { mode: 'unconstrained', baselineDegree, fitPhase };
  }
  throw new UsageError('unknown mode', {
    field: '--mode',
    found: flags.mode,
    expected: 'constrained or unconstrained',
  });
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

/** [lowest, highest] ppm of an axis. */
function axisRange(ppm: Float64Array): [number, number] {
  return [Math.min(ppm[0], ppm[ppm.length - 1]), Math.max(ppm[0], ppm[ppm.length - 1])];
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
    .command('morphology <path>')
    .description(
      'dense/mossy/dendritic metal fractions of every spectrum (Wichmann et al. 2025 constrained or Thienenkamp et al. 2024 unconstrained deconvolution)',
    )
    .option(
      '--mode <mode>',
      "'constrained' (three Voigt lines in shift windows, default) or 'unconstrained' (free lines, metal referenced to 245 ppm)",
    )
    .option(
      '--cathode-offset <ppm>',
      'shift of all windows from a paramagnetic cathode, ppm (default 0, or 3.5 with --paramagnetic-cathode)',
    )
    .option(
      '--paramagnetic-cathode',
      'the positive electrode is paramagnetic (charged NMC622): windows +3.5 ppm',
    )
    .option(
      '--width-cap <ppm|auto>',
      "largest Gaussian and Lorentzian FWHM of each line: the pristine-electrode width, ppm (default 5); 'auto' measures it by a Voigt fit of the first spectrum (the pristine electrode before plating)",
    )
    .option(
      '--calibration-window <lo:hi>',
      "with --width-cap auto: ppm range of the pristine line's fit (default 230:260)",
    )
    .option(
      '--window <name:lo:hi>',
      'shift window of one component before the cathode offset (repeatable; replaces the ⁷Li windows)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option('--sodium', '²³Na windows: metal 1130–1135, microstructure 1138–1144 ppm')
    .option('--baseline-degree <n>', 'fit a polynomial baseline of this degree together with the lines')
    .option(
      '--fit-phase <mode>',
      "receiver phase fitted together with the lines, from the processed spectrum's phase: 'zero-order' (default), 'first-order' or 'none'",
    )
    .option('--out <file>', 'write the per-spectrum, per-component table as CSV')
    .option('--svg <file.svg>', 'draw the fractions of every component vs time');
  addProcessingOptions(addNormaliseOption(cmd)).action(
    action(async (path: string, flags: MorphologyFlags, command: Command) => {
      const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
      const options = morphologyOptionsFromFlags(flags);
      requireFileOut(flags.out, 'the table is written to a file, not a folder', 'morphology.csv');
      if (flags.svg !== undefined) checkOutputFile('--svg', flags.svg, 'fractions.svg');
      const autoCap = flags.widthCap?.trim().toLowerCase() === 'auto';
      if (flags.calibrationWindow !== undefined && !autoCap) {
        throw new UsageError('option applies to --width-cap auto only', {
          field: '--calibration-window',
          found: flags.calibrationWindow,
        });
      }
      const calibrationWindow =
        flags.calibrationWindow !== undefined
          ? parseRange('--calibration-window', flags.calibrationWindow)
          : ([230, 260] as [number, number]);
      let analyser = autoCap ? null : createMorphologyAnalyser(options);
      let calibration: {
        widthCapGaussPpm: number;
        widthCapLorentzPpm: number;
        fromExperiment: number | null;
      } | null = null;
      const input = openInput(path, flags, json, 'morphology');
      checkMorphologyNucleus(options, input.entries[0].meta.nucleus, input.entries[0].experimentPath);
      const rows: MorphologySeriesRow[] = [];
      const mids: number[] = [];
      for (const item of input.run()) {
        const { entry } = item;
        mids.push(midMs(entry.meta));
        const spectrum = fitInput(item);
        if (rows.length === 0) checkMorphologyWindows(options, axisRange(spectrum.ppm), entry.experimentPath);
        if (!analyser) {
          // Wichmann et al. 2025: no deposit line broader than the pristine electrode, measured on the first spectrum.
          const cap = calibrateWidthCap(spectrum, calibrationWindow).cap;
          calibration = { ...cap, fromExperiment: entry.meta.experimentNumber ?? null };
          analyser = createMorphologyAnalyser({ ...options, ...cap });
        }
        rows.push(analyser.analyse(spectrum));
      }
      refuseAllFailed(rows, path);
      const table = morphologyTable(rows);
      if (flags.out !== undefined) {
        const out = withScalingColumns(table, input);
        writeCsv(flags.out, out.headers, out.rows);
      }
      if (flags.svg !== undefined)
        writeOutputFile('--svg', flags.svg, morphologySvg(path, options.mode, rows, mids));
      if (json) {
        printJson({
          path,
          format: input.format,
          mode: options.mode,
          ...(calibration ? { widthCapCalibration: calibration } : {}),
          normalised: input.normalised,
          spectra: rows.map((r, i) => ({ ...morphologyRowJson(r), ...input.scaling(input.entries[i]) })),
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
      if (calibration) {
        process.stdout.write(
          `width cap from the first spectrum (exp ${calibration.fromExperiment ?? '—'}): Gaussian ${calibration.widthCapGaussPpm.toFixed(3)} ppm, Lorentzian ${calibration.widthCapLorentzPpm.toFixed(3)} ppm\n`,
        );
      }
      reportWritten([
        ['morphology', flags.out],
        ['figure', flags.svg],
      ]);
    }),
  );
}
