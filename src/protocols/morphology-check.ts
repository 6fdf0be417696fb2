/**
 * Up-front checks of a morphology analysis against the data it is asked to analyse: the nucleus must be the
 * one the windows were written for, and every shift window must lie on the spectrum's axis. Without them a
 * ¹H spectrum (or a ⁷Li spectrum with a narrow spectral width) fails on every spectrum, one row at a time,
 * and the command still succeeds.
 */
import { DataError, ParameterError } from '../core/errors.js';
import { findNucleus } from '../core/nuclei.js';
import {
  LITHIUM_WINDOWS_PPM,
  resolveCathodeOffsetPpm,
  SODIUM_WINDOWS_PPM,
  type MorphologySeriesOptions,
} from './morphology.js';

/** Nuclei each built-in set of windows is meant for. */
const LITHIUM = ['7Li', '6Li'];
const SODIUM = ['23Na'];

/** Default search region and fit window of the unconstrained procedure (ppm, before referencing). */
const UNCONSTRAINED_SEARCH_PPM: [number, number] = [230, 260];

/** The nuclei the options can analyse, or undefined when any nucleus is acceptable (user windows). */
export function morphologyNuclei(options: MorphologySeriesOptions): readonly string[] | undefined {
  if (options.mode === 'unconstrained') return LITHIUM;
  const windows = options.windows ?? LITHIUM_WINDOWS_PPM;
  if (windows === LITHIUM_WINDOWS_PPM) return LITHIUM;
  if (windows === SODIUM_WINDOWS_PPM) return SODIUM;
  return undefined;
}

/**
 * Refuses a nucleus the windows are not meant for (ParameterError naming NUC1, the nucleus found and the
 * ones expected). `source` names the experiment or file in the error.
 */
export function checkMorphologyNucleus(
  options: MorphologySeriesOptions,
  nucleus: string,
  source: string,
): void {
  const allowed = morphologyNuclei(options);
  if (allowed === undefined) return;
  const label = findNucleus(nucleus)?.label ?? nucleus;
  if (allowed.includes(label)) return;
  const what =
    options.mode === 'unconstrained'
      ? 'the unconstrained procedure references Li metal at 245 ppm'
      : allowed === SODIUM
        ? 'the --sodium windows are ²³Na metal shifts'
        : 'the default windows are ⁷Li metal shifts';
  throw new ParameterError(`morphology cannot analyse ${label} spectra: ${what}`, {
    file: source,
    field: 'NUC1',
    found: label,
    expected: `${allowed.join(' or ')} (or give your own windows with --window NAME:LO:HI)`,
  });
}

/**
 * Refuses shift windows that fall outside the spectrum's ppm axis (DataError naming the window, its range
 * and the axis range). `axisPpm` is [lowest, highest] ppm of the processed spectrum.
 */
export function checkMorphologyWindows(
  options: MorphologySeriesOptions,
  axisPpm: readonly [number, number],
  source: string,
): void {
  const lo = Math.min(axisPpm[0], axisPpm[1]);
  const hi = Math.max(axisPpm[0], axisPpm[1]);
  const fmt = (x: number) => (Math.round(x * 100) / 100).toString();
  const outside = (name: string, a: number, b: number) => {
    if (a >= lo && b <= hi) return;
    throw new DataError(`shift window ${name} lies outside the spectrum`, {
      file: source,
      field: 'window',
      found: `${name} ${fmt(a)}…${fmt(b)} ppm on an axis covering ${fmt(lo)}…${fmt(hi)} ppm`,
      expected: 'windows inside the spectral width (check the nucleus, SW and O1, or --window)',
    });
  };
  if (options.mode === 'unconstrained') {
    const search = options.referenceSearchPpm ?? UNCONSTRAINED_SEARCH_PPM;
    outside('metal reference search', Math.min(...search), Math.max(...search));
    return;
  }
  const offset = resolveCathodeOffsetPpm(options);
  for (const w of options.windows ?? LITHIUM_WINDOWS_PPM)
    outside(w.name, w.minPpm + offset, w.maxPpm + offset);
}
