/**
 * The morphology step shared by `spincell morphology` and manifests (`nmr.morphology`): resolves the
 * preset and the user's settings against the series (nucleus, referencing, axis), obtains the width cap
 * (given, the first spectrum, or a calibration experiment processed like the series), and analyses one
 * spectrum at a time. Its provenance — preset, every resolved setting with its source, the calibration —
 * goes into every output (JSON, CSV header, provenance.json).
 */
import { DataError } from '../core/errors.js';
import { findNucleus } from '../core/nuclei.js';
import type { ReferenceOption } from '../nmr/index.js';
import { checkMorphologyNucleus, checkMorphologyWindows } from '../protocols/morphology-check.js';
import {
  calibrateWidthCap,
  createMorphologyAnalyser,
  type MorphologyAnalyser,
  type MorphologySeriesRow,
} from '../protocols/morphology.js';
import {
  formatSettingValue,
  resolveMorphology,
  withMeasuredCap,
  type DataReferencing,
  type MorphologyRequest,
  type ResolvedMorphology,
  type ResolvedSetting,
} from '../protocols/presets.js';
import { fitInput, metalWindowPpm, openInput, type OpenedInput, type ProcessingFlags } from './processing.js';

type SeriesSpectrum = ReturnType<typeof fitInput>;

export interface WidthCapCalibrationRecord {
  /** 'first-spectrum' or the calibration experiment's path. */
  readonly from: string;
  readonly experimentNumber: number | null;
  readonly widthCapPpm: number;
  readonly fwhmGPpm: number;
  readonly fwhmLPpm: number;
  readonly positionPpm: number;
}

export interface MorphologyProvenance {
  readonly preset: string | null;
  readonly settings: readonly ResolvedSetting[];
  readonly warnings: readonly string[];
  readonly widthCapCalibration: WidthCapCalibrationRecord | null;
}

export interface MorphologyStep {
  /** Analyses the next spectrum of the series (the first one may calibrate the width cap). */
  analyse(spectrum: SeriesSpectrum): MorphologySeriesRow;
  provenance(): MorphologyProvenance;
}

/** The referencing the processing applies: a reference line in the nucleus' metal region is internal. */
export function dataReferencing(reference: ReferenceOption | undefined, nucleus: string): DataReferencing {
  if (!reference || reference === 'none' || reference.kind !== 'internal') return { kind: 'external' };
  const metal = metalWindowPpm(nucleus);
  const [lo, hi] = reference.windowPpm;
  if (metal && Math.max(lo, hi) > metal[0] && Math.min(lo, hi) < metal[1])
    return { kind: 'internal-metal', metalPpm: reference.valuePpm };
  return { kind: 'external' };
}

/** The CSV header lines that record a morphology analysis' preset and settings. */
export function morphologyComments(p: MorphologyProvenance): string[] {
  const lines = [`morphology preset: ${p.preset ?? 'none'}`];
  for (const s of p.settings) lines.push(`${s.key}: ${formatSettingValue(s.value)} (${s.source})`);
  if (p.widthCapCalibration) {
    const c = p.widthCapCalibration;
    lines.push(`width cap calibration: ${c.widthCapPpm.toFixed(4)} ppm from ${c.from}`);
  }
  return lines.map((l) => l.replace(/[\r\n]+/g, ' '));
}

function calibrationRecord(
  spectrum: SeriesSpectrum,
  windowPpm: [number, number],
  from: string,
): WidthCapCalibrationRecord {
  const cal = calibrateWidthCap(spectrum, windowPpm);
  return {
    from,
    experimentNumber: spectrum.meta.experimentNumber ?? null,
    widthCapPpm: cal.fwhmPpm,
    fwhmGPpm: cal.fwhmGPpm,
    fwhmLPpm: cal.fwhmLPpm,
    positionPpm: cal.positionPpm,
  };
}

/**
 * Opens the morphology step of a series. `flags` are the series' processing flags: a calibration
 * experiment is processed with the same ones, so its width is measured on the same axis and lineshape.
 * `widthCapFrom` in the request must already be an absolute or cwd-relative path.
 */
export function openMorphologyStep(
  request: MorphologyRequest,
  input: Pick<OpenedInput, 'entries' | 'parsed'>,
  flags: ProcessingFlags,
): MorphologyStep {
  const first = input.entries[0];
  const nucleus = first.meta.nucleus;
  let resolved: ResolvedMorphology = resolveMorphology(request, {
    nucleus,
    referencing: dataReferencing(input.parsed.explicit.reference, nucleus),
    source: first.experimentPath,
  });
  // Without a preset the built-in windows are checked against the nucleus here (a preset checks its own).
  if (resolved.preset === null) checkMorphologyNucleus(resolved.options, nucleus, first.experimentPath);
  let calibration: WidthCapCalibrationRecord | null = null;
  const plan = resolved.widthCap;
  if (plan?.kind === 'from') {
    const cal = openInput(plan.experiment, flags);
    const calNucleus = findNucleus(cal.entries[0].meta.nucleus)?.label ?? cal.entries[0].meta.nucleus;
    const seriesNucleus = findNucleus(nucleus)?.label ?? nucleus;
    if (calNucleus !== seriesNucleus)
      throw new DataError('the calibration experiment is of another nucleus', {
        file: cal.entries[0].experimentPath,
        field: 'NUC1',
        found: calNucleus,
        expected: seriesNucleus,
      });
    const item = cal.run().next();
    if (item.done)
      throw new DataError('no spectrum in the calibration experiment', { file: plan.experiment });
    calibration = calibrationRecord(fitInput(item.value), plan.windowPpm, plan.experiment);
    resolved = withMeasuredCap(resolved, calibration.widthCapPpm, { experiment: plan.experiment });
  }
  let analyser: MorphologyAnalyser | null =
    plan?.kind === 'auto' ? null : createMorphologyAnalyser(resolved.options);
  let checked = false;
  return {
    analyse(spectrum) {
      if (!checked) {
        const n = spectrum.ppm.length;
        checkMorphologyWindows(
          resolved.options,
          [spectrum.ppm[0], spectrum.ppm[n - 1]],
          spectrum.meta.source ?? first.experimentPath,
        );
        checked = true;
      }
      if (!analyser) {
        // The first spectrum is the pristine electrode only in a cell that has one; without a metal line
        // (an anode-free cell before plating) calibrateWidthCap refuses.
        const windowPpm = plan?.kind === 'auto' ? plan.windowPpm : ([230, 260] as [number, number]);
        try {
          calibration = calibrationRecord(spectrum, windowPpm, 'first-spectrum');
        } catch (e) {
          if (e instanceof DataError)
            throw new DataError('--width-cap auto: the first spectrum holds no metal line', {
              file: spectrum.meta.source ?? first.experimentPath,
              field: 'widthCap',
              found: e.found,
              expected:
                'a first spectrum of the pristine electrode, or --width-cap-from EXP (a calibration cell) or --width-cap PPM',
            });
          throw e;
        }
        resolved = withMeasuredCap(resolved, calibration.widthCapPpm, {
          experiment:
            spectrum.meta.experimentNumber !== undefined ? String(spectrum.meta.experimentNumber) : null,
        });
        analyser = createMorphologyAnalyser(resolved.options);
      }
      return analyser.analyse(spectrum);
    },
    provenance() {
      return {
        preset: resolved.preset,
        settings: resolved.settings,
        warnings: resolved.warnings,
        widthCapCalibration: calibration,
      };
    },
  };
}
