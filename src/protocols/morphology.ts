/**
 * Alkali-metal deposit morphology from the metal region of in situ ⁷Li (or ²³Na) spectra: deconvolution
 * into dense, mossy and dendritic components and their area fractions, spectrum by spectrum.
 *
 * Two published procedures:
 *
 * - constrained (Wichmann et al. 2025, Methods "NMR spectroscopy"): three Voigt functions restricted to shift windows
 *   dense 244–249, mossy 254–259 and dendritic 264–269 ppm. Those windows already contain ≈ +3.5 ppm from
 *   the paramagnetic NMC622 positive electrode at 100 % SOC (pristine Li on Cu: 242.9 ± 0.1 ppm alone,
 *   246.7 ± 0.3 ppm beside charged NMC622); without a paramagnetic cathode they sit 3.5 ppm lower, which
 *   is what the base windows below are. Each line's width is limited to the width of a pristine Li
 *   electrode measured beside the cathode. Fraction = component area / total metal area.
 * - unconstrained (Thienenkamp et al. 2024, "In situ ⁷Li NMR"): three components fitted by Levenberg–Marquardt without
 *   shift constraints (fit quality R² = 99.8 % reported), spectra internally referenced to Li metal at
 *   245 ppm, centres of gravity reported. Components are named by shift order: lowest dense (pristine-like,
 *   ≈245 ppm), then mossy (≈260) and dendritic (≈270), the assignment of Thienenkamp et al.'s (2024) Fig. 4.
 *
 * Sodium uses the same machinery with ²³Na windows (metal ≈1130–1135 ppm, microstructures ≈1141 ppm,
 * Zheng et al. 2024, §1.4.1), given as parameters.
 */
import { TIME_COLUMNS, timeCells } from '../core/time-columns.js';
import { DataError, isSpincellError, ParameterError } from '../core/errors.js';
import {
  COMPONENT_COLUMNS,
  componentCells,
  failedFitRow,
  createSeriesFitter,
  createSeriesRowHeaders,
  seriesTimes,
  type SeriesRowHeader,
  type SeriesSpectrum,
} from '../fit/batch.js';
import { voigtPartsFromFwhm } from '../fit/lineshapes.js';
import { fitModel, type ComponentSpec, type FitResult, type ModelSpec } from '../fit/model.js';

export interface MorphologyWindow {
  /** Morphology label reported for the component fitted in this window. */
  readonly name: string;
  readonly minPpm: number;
  readonly maxPpm: number;
}

/** ⁷Li windows without a paramagnetic cathode (Wichmann et al.'s (2025) windows minus its 3.5 ppm NMC622 offset). */
export const LITHIUM_WINDOWS_PPM: readonly MorphologyWindow[] = [
  { name: 'dense', minPpm: 240.5, maxPpm: 245.5 },
  { name: 'mossy', minPpm: 250.5, maxPpm: 255.5 },
  { name: 'dendritic', minPpm: 260.5, maxPpm: 265.5 },
];

/** Shift of all Li metal windows beside NMC622 at 100 % SOC (Wichmann et al. 2025: 242.9 → 246.7 ppm, rounded as there). */
export const NMC622_CATHODE_OFFSET_PPM = 3.5;

/** ²³Na windows: metal ≈1130–1135 ppm, microstructures around 1141 ppm. */
export const SODIUM_WINDOWS_PPM: readonly MorphologyWindow[] = [
  { name: 'metal', minPpm: 1130, maxPpm: 1135 },
  { name: 'microstructure', minPpm: 1138, maxPpm: 1144 },
];

/** Shift the unconstrained procedure references the pristine Li metal line to (Thienenkamp et al. 2024). */
export const LITHIUM_METAL_REFERENCE_PPM = 245;

/** Width cap used when the caller gives none: the width of one shift window. */
export const DEFAULT_WIDTH_CAP_PPM = 5;

export interface ConstrainedMorphologyOptions {
  /** Windows before the cathode offset (default ⁷Li: LITHIUM_WINDOWS_PPM). */
  windows?: readonly MorphologyWindow[];
  /** Shift applied to every window, ppm. Default 0, or NMC622_CATHODE_OFFSET_PPM when paramagneticCathode. */
  cathodeOffsetPpm?: number;
  /** The positive electrode is paramagnetic (e.g. charged NMC622): windows shift by +3.5 ppm unless cathodeOffsetPpm is given. */
  paramagneticCathode?: boolean;
  /**
   * Upper bound of each line's whole Voigt FWHM, ppm: the pristine-electrode width from a calibration
   * (Wichmann et al. 2025 cap the line, not its Gaussian and Lorentzian parts; see calibrateWidthCap).
   */
  widthCapPpm?: number;
  /** Fit window extends this far beyond the outermost shift windows, ppm (default 10). */
  marginPpm?: number;
  /** Polynomial baseline degree fitted jointly (default none: spectra arrive baseline-corrected). */
  baselineDegree?: number;
  /** Receiver phase fitted with the lines (default 'zero-order'); see PhaseFitMode. */
  fitPhase?: PhaseFitMode;
}

/**
 * Phase fitted together with the lines, starting from the phase the spectrum arrives with (automatic
 * or manual): 'zero-order', 'first-order' (zero- and first-order) or 'none'. An automatic phase a few
 * degrees off moves area between overlapping lines (on simulated three-line spectra 7° moved fractions by
 * up to 0.10) while the real-part-only fit reports errors of a few thousandths; fitting the phase with
 * both channels removes the bias and puts the phase uncertainty into the fractions' standard errors.
 * Spectra without an imaginary part (magnitude mode) are fitted on the real part and flagged.
 */
export type PhaseFitMode = 'none' | 'zero-order' | 'first-order';
export const PHASE_FIT_MODES: readonly PhaseFitMode[] = ['none', 'zero-order', 'first-order'];

export interface UnconstrainedMorphologyOptions {
  /** Receiver phase fitted with the lines (default 'zero-order'). */
  fitPhase?: PhaseFitMode;
  /** Shift the largest metal line is moved to before fitting (default 245 ppm); null keeps the axis. */
  referencePpm?: number | null;
  /** Region searched for the pristine metal line when referencing, ppm (default 230–260). */
  referenceSearchPpm?: [number, number];
  /** Starting shifts of the components after referencing (default 245, 250, 265 ppm). */
  startPpm?: readonly number[];
  /** Fit window after referencing, ppm (default 225–290). */
  windowPpm?: [number, number];
  /**
   * Shifts the publication assigns to each morphology: every fitted line takes the label of its assigned
   * shift, matched one to one by least total distance (default UNCONSTRAINED_ASSIGNMENT_PPM).
   */
  assignment?: readonly AssignedShift[];
  /**
   * Further starting sets tried after `startPpm` (deterministic multi-start); the fit with the lowest χ²
   * is reported, and the result is flagged when another start reaches a χ² within `ambiguityChi2Ratio`
   * with fractions differing by more than `ambiguityFraction`. Default UNCONSTRAINED_EXTRA_STARTS_PPM.
   */
  extraStartsPpm?: readonly (readonly number[])[];
  /** Relative χ² difference under which two fits count as equally good (default 0.02). */
  ambiguityChi2Ratio?: number;
  /** Largest fraction difference of one label between equally good fits before flagging (default 0.05). */
  ambiguityFraction?: number;
  baselineDegree?: number;
  /** Upper bound of each FWHM, ppm (default 30: effectively free, keeps the fit away from flat lines). */
  maxWidthPpm?: number;
}

/** A morphology label and the shift a publication assigns to it, ppm. */
export interface AssignedShift {
  readonly name: string;
  readonly ppm: number;
}

/**
 * Thienenkamp et al. 2024 ("Morphology of Li metal deposits"): bulk Li metal at 245 ppm, a line at 250 ppm
 * read as dense deposits, mossy deposits at ≈260 ppm and dendritic ones at ≈270 ppm (the paper's fits gave
 * 263 ppm in Li‖Li, called mossy, and 268 ppm in Li‖NMC622, called dendritic).
 */
export const UNCONSTRAINED_ASSIGNMENT_PPM: readonly AssignedShift[] = [
  { name: 'bulk', ppm: 245 },
  { name: 'dense', ppm: 250 },
  { name: 'mossy', ppm: 260 },
  { name: 'dendritic', ppm: 270 },
];

/** Default starts of the unconstrained fit: the paper's three lines (245, 250 and a deposit in between 260 and 270). */
export const UNCONSTRAINED_START_PPM: readonly number[] = [245, 250, 265];

/** Further deterministic starts: the deposit line at the mossy and the dendritic shift, and a spread set. */
export const UNCONSTRAINED_EXTRA_STARTS_PPM: readonly (readonly number[])[] = [
  [245, 250, 260],
  [245, 250, 270],
  [245, 255, 268],
  [243, 248, 258],
];

export interface MorphologyComponent {
  morphology: string;
  positionPpm: number;
  positionStdErrPpm: number;
  /** Whole-line FWHM and its Gaussian and Lorentzian parts, ppm. */
  fwhmPpm: number;
  fwhmGPpm: number;
  fwhmLPpm: number;
  area: number;
  areaStdErr: number;
  fraction: number;
  fractionStdErr: number;
  centreOfGravityPpm: number;
  /** Window the position was restricted to (constrained mode), ppm. */
  windowPpm: [number, number] | null;
  /** Shift the label was assigned from (unconstrained mode), ppm. */
  assignedPpm?: number;
}

/** Another start of the unconstrained multi-start that fitted about as well with a different split. */
export interface AlternativeSplit {
  startPpm: number[];
  chi2: number;
  rSquared: number;
  components: { morphology: string; positionPpm: number; fraction: number }[];
}

export interface MorphologyResult {
  mode: 'constrained' | 'unconstrained';
  components: MorphologyComponent[];
  totalArea: number;
  /** Intensity-weighted mean shift of the fitted metal signal, ppm. */
  centreOfGravityPpm: number;
  rSquared: number;
  converged: boolean;
  /** Shift added to the axis before fitting (unconstrained referencing), ppm. */
  referenceShiftPpm: number;
  cathodeOffsetPpm: number;
  /** Constrained mode: the bound on each line's whole FWHM, ppm. Null when unconstrained. */
  widthCapPpm: number | null;
  /** Unconstrained multi-start: starts that reached a similar χ² with a different split (empty: none). */
  alternatives?: AlternativeSplit[];
  /** Phase correction fitted with the lines on top of the input's phase, degrees (null: not fitted). */
  phaseCorrectionDeg: number | null;
  phaseCorrectionStdErrDeg: number | null;
  flags: string[];
  fit: FitResult;
}

function checkWindows(windows: readonly MorphologyWindow[]): void {
  if (windows.length === 0)
    throw new ParameterError('no morphology windows', { field: 'windows', expected: 'at least one window' });
  const names = new Set<string>();
  for (const w of windows) {
    if (!(w.maxPpm > w.minPpm))
      throw new ParameterError('empty shift window', {
        field: `windows.${w.name}`,
        found: [w.minPpm, w.maxPpm],
        expected: 'minPpm < maxPpm',
      });
    if (names.has(w.name))
      throw new ParameterError('duplicate window name', { field: 'windows', found: w.name });
    names.add(w.name);
  }
}

/** The cathode offset actually applied: explicit value, else +3.5 ppm for a paramagnetic cathode, else 0. */
export function resolveCathodeOffsetPpm(
  options: Pick<ConstrainedMorphologyOptions, 'cathodeOffsetPpm' | 'paramagneticCathode'>,
): number {
  if (options.cathodeOffsetPpm !== undefined) {
    if (!Number.isFinite(options.cathodeOffsetPpm))
      throw new ParameterError('cathode offset must be finite', {
        field: 'cathodeOffsetPpm',
        found: options.cathodeOffsetPpm,
      });
    return options.cathodeOffsetPpm;
  }
  return options.paramagneticCathode ? NMC622_CATHODE_OFFSET_PPM : 0;
}

/** The bound on each line's whole FWHM (checked), ppm. */
function resolveWidthCap(options: ConstrainedMorphologyOptions): number {
  const cap = options.widthCapPpm ?? DEFAULT_WIDTH_CAP_PPM;
  if (!(cap > 0) || !Number.isFinite(cap))
    throw new ParameterError('width cap must be positive', {
      field: 'widthCapPpm',
      found: cap,
      expected: '> 0 ppm',
    });
  return cap;
}

/** Wichmann et al.'s (2025) model: one Voigt per window, positions confined, widths capped. */
export function constrainedMorphologyModel(options: ConstrainedMorphologyOptions = {}): ModelSpec {
  const windows = options.windows ?? LITHIUM_WINDOWS_PPM;
  checkWindows(windows);
  const offset = resolveCathodeOffsetPpm(options);
  const cap = resolveWidthCap(options);
  const margin = options.marginPpm ?? 10;
  const lo = Math.min(...windows.map((w) => w.minPpm)) + offset - margin;
  const hi = Math.max(...windows.map((w) => w.maxPpm)) + offset + margin;
  // The cap bounds the whole Voigt FWHM (shape voigt-fwhm). Floor: a tenth of the cap. A line much
  // narrower than the pristine electrode's is not a metal line of a static cell, and one narrower than the
  // point spacing could take any area from the noise.
  const components: ComponentSpec[] = windows.map((w) => ({
    name: w.name,
    shape: 'voigt-fwhm',
    position: { value: 0.5 * (w.minPpm + w.maxPpm) + offset, min: w.minPpm + offset, max: w.maxPpm + offset },
    area: { min: 0 },
    fwhm: { value: 0.5 * cap, min: 0.1 * cap, max: cap },
    lorentzShare: { value: 0.3, min: 0, max: 1 },
  }));
  return {
    windowPpm: [lo, hi],
    components,
    ...(options.baselineDegree !== undefined && options.baselineDegree >= 0
      ? { baseline: { degree: options.baselineDegree } }
      : {}),
    ...phaseSpec(options.fitPhase),
  };
}

function checkPhaseMode(mode: PhaseFitMode | undefined): PhaseFitMode {
  const m = mode ?? 'zero-order';
  if (!PHASE_FIT_MODES.includes(m))
    throw new ParameterError('unknown phase-fit mode', {
      field: 'fitPhase',
      found: m,
      expected: PHASE_FIT_MODES,
    });
  return m;
}

function phaseSpec(mode: PhaseFitMode | undefined): Pick<ModelSpec, 'phase'> {
  const m = checkPhaseMode(mode);
  return m === 'none' ? {} : { phase: { firstOrder: m === 'first-order' } };
}

/** The spectrum can carry a phase fit: it has an imaginary part that is not all zero (magnitude mode). */
export function hasImaginaryPart(spectrum: SeriesSpectrum): boolean {
  const im = spectrum.im;
  if (!im || im.length !== spectrum.re.length) return false;
  for (let i = 0; i < im.length; i++) if (im[i] !== 0 && Number.isFinite(im[i])) return true;
  return false;
}

/** The model without its phase, for spectra that have no imaginary part. */
function withoutPhase(spec: ModelSpec): ModelSpec {
  const { phase: _phase, ...rest } = spec;
  void _phase;
  return rest;
}

/** Thienenkamp et al.'s (2024) model: three Voigt lines free in shift within the fit window. */
export function unconstrainedMorphologyModel(options: UnconstrainedMorphologyOptions = {}): ModelSpec {
  const start = options.startPpm ?? UNCONSTRAINED_START_PPM;
  checkStarts(start, 'startPpm');
  const window = options.windowPpm ?? [225, 290];
  const maxW = options.maxWidthPpm ?? 30;
  return {
    windowPpm: window,
    components: start.map((ppm, k) => ({
      name: `line${k + 1}`,
      shape: 'voigt',
      position: { value: ppm, min: Math.min(...window), max: Math.max(...window) },
      area: { min: 0 },
      fwhmG: { value: 3, min: 0.05, max: maxW },
      fwhmL: { value: 1.5, min: 0, max: maxW },
    })),
    ...(options.baselineDegree !== undefined && options.baselineDegree >= 0
      ? { baseline: { degree: options.baselineDegree } }
      : {}),
    ...phaseSpec(options.fitPhase),
  };
}

/**
 * Shift (ppm) that moves the highest point of `searchPpm` to `targetPpm`, refined by a parabola through
 * the maximum and its neighbours (the internal referencing of Thienenkamp et al. 2024).
 */
export function metalReferenceShiftPpm(
  xPpm: ArrayLike<number>,
  y: ArrayLike<number>,
  targetPpm: number,
  searchPpm: [number, number],
): number {
  const lo = Math.min(...searchPpm);
  const hi = Math.max(...searchPpm);
  let best = -1;
  for (let i = 0; i < xPpm.length; i++) {
    if (xPpm[i] < lo || xPpm[i] > hi || !Number.isFinite(y[i])) continue;
    if (best < 0 || y[i] > y[best]) best = i;
  }
  if (best < 0)
    throw new DataError('no data in the metal reference search region', {
      field: 'referenceSearchPpm',
      found: searchPpm,
    });
  let peak = xPpm[best];
  if (best > 0 && best < xPpm.length - 1 && Number.isFinite(y[best - 1]) && Number.isFinite(y[best + 1])) {
    const a = y[best - 1];
    const b = y[best];
    const c = y[best + 1];
    const den = a - 2 * b + c;
    if (den < 0) {
      const delta = (0.5 * (a - c)) / den;
      if (Math.abs(delta) <= 1) peak = xPpm[best] + delta * (xPpm[best + 1] - xPpm[best - 1]) * 0.5;
    }
  }
  return targetPpm - peak;
}

function summarise(
  fit: FitResult,
  mode: MorphologyResult['mode'],
  windows: ([number, number] | null)[],
  extra: Pick<MorphologyResult, 'referenceShiftPpm' | 'cathodeOffsetPpm' | 'widthCapPpm'>,
): MorphologyResult {
  const components: MorphologyComponent[] = fit.components.map((c, k) => ({
    morphology: c.name,
    positionPpm: c.positionPpm,
    positionStdErrPpm: c.positionStdErrPpm,
    fwhmPpm: c.fwhmPpm,
    ...fwhmParts(c),
    area: c.area,
    areaStdErr: c.areaStdErr,
    fraction: c.fraction,
    fractionStdErr: c.fractionStdErr,
    centreOfGravityPpm: c.centreOfGravityPpm,
    windowPpm: windows[k],
  }));
  const total = components.reduce((a, c) => a + c.area, 0);
  const cog = total > 0 ? components.reduce((a, c) => a + c.area * c.centreOfGravityPpm, 0) / total : NaN;
  return {
    mode,
    components,
    totalArea: total,
    centreOfGravityPpm: Number.isFinite(cog) ? cog : (components[0]?.positionPpm ?? 0),
    rSquared: fit.rSquared,
    converged: fit.converged,
    phaseCorrectionDeg: fit.phase ? fit.phase.ph0Deg : null,
    phaseCorrectionStdErrDeg: fit.phase ? fit.phase.ph0StdErrDeg : null,
    flags: fit.flags,
    fit,
    ...extra,
  };
}

/** Constrained (Wichmann et al. 2025) deconvolution of one spectrum. */
export function constrainedMorphology(
  spectrum: SeriesSpectrum,
  options: ConstrainedMorphologyOptions = {},
  start?: ArrayLike<number>,
): MorphologyResult {
  const spec = constrainedMorphologyModel(options);
  return constrainedSummary(fitWithPhase(spec, spectrum, start), options);
}

/** Fits with the model's phase when the spectrum has an imaginary part, else on the real part (flagged). */
function fitWithPhase(spec: ModelSpec, spectrum: SeriesSpectrum, start?: ArrayLike<number>): FitResult {
  if (!spec.phase) return fitModel(spec, spectrum.ppm, spectrum.re, { start });
  if (!hasImaginaryPart(spectrum)) {
    const fit = fitModel(withoutPhase(spec), spectrum.ppm, spectrum.re);
    fit.flags.push('phase-not-fitted:no-imaginary-part');
    return fit;
  }
  return fitModel(spec, spectrum.ppm, spectrum.re, { start, im: spectrum.im });
}

function constrainedSummary(fit: FitResult, options: ConstrainedMorphologyOptions): MorphologyResult {
  const windows = options.windows ?? LITHIUM_WINDOWS_PPM;
  const offset = resolveCathodeOffsetPpm(options);
  return summarise(
    fit,
    'constrained',
    windows.map((w) => [w.minPpm + offset, w.maxPpm + offset] as [number, number]),
    {
      referenceShiftPpm: 0,
      cathodeOffsetPpm: offset,
      widthCapPpm: resolveWidthCap(options),
    },
  );
}

/** Gaussian and Lorentzian FWHM of a fitted line, whichever way its shape is parameterised. */
function fwhmParts(c: FitResult['components'][number]): { fwhmGPpm: number; fwhmLPpm: number } {
  const p = c.parameters;
  if (p.lorentzShare) {
    const parts = voigtPartsFromFwhm(p.fwhm.value, p.lorentzShare.value);
    return { fwhmGPpm: parts.fwhmG, fwhmLPpm: parts.fwhmL };
  }
  return { fwhmGPpm: p.fwhmG?.value ?? c.fwhmPpm, fwhmLPpm: p.fwhmL?.value ?? 0 };
}

function checkStarts(start: readonly number[], field: string): void {
  if (start.length < 1 || start.length > 6 || !start.every((v) => Number.isFinite(v)))
    throw new ParameterError('starting shifts must be 1 to 6 finite ppm values', {
      field,
      found: [...start],
      expected: 'e.g. 245,250,265',
    });
}

/**
 * Labels of fitted lines from a publication's assignment: the one-to-one matching of lines to assigned
 * shifts with the least total distance (ties: the earlier assignment). With more lines than assigned
 * shifts the lines nearest to them are labelled and the others keep `line<k>`.
 */
export function assignMorphologyLabels(
  positionsPpm: readonly number[],
  assignment: readonly AssignedShift[],
): { name: string; assignedPpm: number | undefined }[] {
  const n = positionsPpm.length;
  const m = assignment.length;
  const want = Math.min(n, m);
  let best: number[] | null = null;
  let bestCost = Infinity;
  // Lines ≤ 6 and assignments ≤ a handful: exhaustive search over injective maps is cheap and exact.
  // Each line takes an unused assignment or none (−1); exactly min(n, m) lines are labelled, so with more
  // lines than assignments the search picks WHICH lines get them.
  const pick: number[] = [];
  const used = new Array<boolean>(m).fill(false);
  const visit = (k: number, labelled: number, cost: number) => {
    if (cost >= bestCost) return;
    if (k === n) {
      if (labelled === want) {
        bestCost = cost;
        best = [...pick];
      }
      return;
    }
    for (let a = 0; a < m; a++) {
      if (used[a]) continue;
      used[a] = true;
      pick.push(a);
      visit(k + 1, labelled + 1, cost + Math.abs(positionsPpm[k] - assignment[a].ppm));
      pick.pop();
      used[a] = false;
    }
    // leave this line unlabelled only if enough lines remain to label `want`
    if (labelled + (n - k - 1) >= want) {
      pick.push(-1);
      visit(k + 1, labelled, cost);
      pick.pop();
    }
  };
  visit(0, 0, 0);
  const chosen: number[] = best ?? [];
  return positionsPpm.map((_, k) =>
    chosen[k] !== undefined && chosen[k] >= 0
      ? { name: assignment[chosen[k]].name, assignedPpm: assignment[chosen[k]].ppm }
      : { name: `line${k + 1}`, assignedPpm: undefined },
  );
}

/**
 * Unconstrained (Thienenkamp et al. 2024) deconvolution of one spectrum, after internal referencing: free
 * Voigt lines from several deterministic starts; the lowest χ² wins, its lines are labelled by the paper's
 * assignment (not by shift order), and starts that fit about as well with another split are reported
 * (flag `ambiguous-split`), since the R² criterion of the paper cannot tell them apart.
 */
export function unconstrainedMorphology(
  spectrum: SeriesSpectrum,
  options: UnconstrainedMorphologyOptions = {},
): MorphologyResult {
  const target = options.referencePpm === undefined ? LITHIUM_METAL_REFERENCE_PPM : options.referencePpm;
  const shift =
    target === null
      ? 0
      : metalReferenceShiftPpm(spectrum.ppm, spectrum.re, target, options.referenceSearchPpm ?? [230, 260]);
  const x = shift === 0 ? spectrum.ppm : Float64Array.from(spectrum.ppm, (v) => v + shift);
  const assignment = options.assignment ?? UNCONSTRAINED_ASSIGNMENT_PPM;
  const first = options.startPpm ?? UNCONSTRAINED_START_PPM;
  const extra = options.extraStartsPpm ?? UNCONSTRAINED_EXTRA_STARTS_PPM;
  const starts = [first, ...extra.filter((e) => e.length === first.length)];
  const fits = starts.map((start) => {
    const fit = fitWithPhase(unconstrainedMorphologyModel({ ...options, startPpm: start }), {
      ...spectrum,
      ppm: x,
    });
    const labels = assignMorphologyLabels(
      fit.components.map((c) => c.positionPpm),
      assignment,
    );
    const order = fit.components.map((c, k) => [c.positionPpm, k] as const).sort((a, b) => a[0] - b[0]);
    const labelled: FitResult = {
      ...fit,
      components: order.map(([, k]) => ({ ...fit.components[k], name: labels[k].name })),
    };
    return { start, fit: labelled, assigned: order.map(([, k]) => labels[k].assignedPpm) };
  });
  const ok = fits.filter((f) => f.fit.converged && Number.isFinite(f.fit.rss));
  const pool = ok.length > 0 ? ok : fits;
  const best = pool.reduce((a, b) => (b.fit.rss < a.fit.rss ? b : a));
  const chi2Ratio = options.ambiguityChi2Ratio ?? 0.02;
  const fractionTol = options.ambiguityFraction ?? 0.05;
  const fractionOf = (f: FitResult, name: string) =>
    f.components.filter((c) => c.name === name).reduce((a, c) => a + c.fraction, 0);
  const names = [
    ...new Set([...best.fit.components, ...pool.flatMap((f) => f.fit.components)].map((c) => c.name)),
  ];
  const alternatives: AlternativeSplit[] = [];
  for (const f of pool) {
    if (f === best || f.fit.rss > best.fit.rss * (1 + chi2Ratio)) continue;
    const differs = names.some((n) => Math.abs(fractionOf(f.fit, n) - fractionOf(best.fit, n)) > fractionTol);
    if (!differs) continue;
    alternatives.push({
      startPpm: [...f.start],
      chi2: f.fit.rss,
      rSquared: f.fit.rSquared,
      components: f.fit.components.map((c) => ({
        morphology: c.name,
        positionPpm: c.positionPpm,
        fraction: c.fraction,
      })),
    });
  }
  const fit = best.fit;
  if (alternatives.length > 0) fit.flags.push(`ambiguous-split:${alternatives.length}`);
  const result = summarise(
    fit,
    'unconstrained',
    fit.components.map(() => null),
    { referenceShiftPpm: shift, cathodeOffsetPpm: 0, widthCapPpm: null },
  );
  result.components.forEach((c, k) => {
    if (best.assigned[k] !== undefined) c.assignedPpm = best.assigned[k];
  });
  result.alternatives = alternatives;
  return result;
}

/** Width-cap calibration: the pristine electrode's line and the caps the constrained preset takes from it. */
export interface WidthCapCalibration {
  /** Spread into ConstrainedMorphologyOptions: each deposit line's whole FWHM ≤ the pristine line's. */
  cap: { widthCapPpm: number };
  /** Whole-line FWHM of the pristine line, ppm (the width Wichmann et al. 2025 compares against). */
  fwhmPpm: number;
  fwhmGPpm: number;
  fwhmLPpm: number;
  fwhmGStdErrPpm: number;
  fwhmLStdErrPpm: number;
  positionPpm: number;
  area: number;
  rSquared: number;
  converged: boolean;
  flags: string[];
  fit: FitResult;
}

/** Smallest height of the pristine line over the fit's residual RMS for a width-cap calibration. */
export const MIN_CALIBRATION_HEIGHT_TO_NOISE = 8;

export interface WidthCapCalibrationOptions {
  /** Polynomial baseline degree fitted jointly (default none). */
  baselineDegree?: number;
}

/**
 * Measures the width cap of the constrained procedure (Wichmann et al. 2025: no deposit line broader than a pristine
 * Li electrode) on a spectrum of the pristine electrode — in an operando series, the first spectrum,
 * recorded before any plating, beside the same cathode as the series; in an anode-free cell, a separate
 * calibration cell with a pristine electrode. One Voigt is fitted in `windowPpm` (default 230–260 ppm,
 * which holds pristine Li metal with or without a paramagnetic cathode) and its whole FWHM becomes the cap
 * of every deposit line's whole FWHM. Throws DataError when the window holds no line (flat, no significant
 * line, no convergence, or a line no taller than five times the noise: a first spectrum of an anode-free
 * cell holds no metal).
 */
export function calibrateWidthCap(
  spectrum: SeriesSpectrum,
  windowPpm: [number, number] = [230, 260],
  options: WidthCapCalibrationOptions = {},
): WidthCapCalibration {
  const lo = Math.min(...windowPpm);
  const hi = Math.max(...windowPpm);
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new ParameterError('calibration window must be a finite, non-empty ppm range', {
      field: 'windowPpm',
      found: windowPpm,
    });
  }
  const span = hi - lo;
  const start = metalReferenceShiftPpm(spectrum.ppm, spectrum.re, 0, [lo, hi]);
  const spec: ModelSpec = {
    windowPpm: [lo, hi],
    components: [
      {
        name: 'pristine',
        shape: 'voigt',
        position: { value: Math.min(hi, Math.max(lo, -start)), min: lo, max: hi },
        area: { min: 0 },
        fwhmG: { value: 0.1 * span, min: 0.01, max: span },
        fwhmL: { value: 0.05 * span, min: 0, max: span },
      },
    ],
    ...(options.baselineDegree !== undefined && options.baselineDegree >= 0
      ? { baseline: { degree: options.baselineDegree } }
      : {}),
  };
  const fit = fitModel(spec, spectrum.ppm, spectrum.re);
  const c = fit.components[0];
  const noLine = fit.flags.some(
    (f) => f === 'no-signal' || f === 'flat-spectrum' || f.startsWith('not-significant'),
  );
  // A Voigt fitted to noise alone reaches the largest noise excursion (≈3σ on a few hundred points).
  const residualRms = Math.sqrt(fit.rss / Math.max(1, fit.points));
  let peak = -Infinity;
  for (let i = 0; i < spectrum.ppm.length; i++)
    if (spectrum.ppm[i] >= lo && spectrum.ppm[i] <= hi && spectrum.re[i] > peak) peak = spectrum.re[i];
  const heightToNoise = residualRms > 0 ? peak / residualRms : Infinity;
  if (noLine || !fit.converged || !(c.area > 0) || !(heightToNoise >= MIN_CALIBRATION_HEIGHT_TO_NOISE)) {
    const why = fit.flags.join(' ') || `line height ${heightToNoise.toFixed(1)}× the residual noise`;
    throw new DataError('no pristine metal line to calibrate the width cap on', {
      field: 'windowPpm',
      found: `${why} in ${lo}–${hi} ppm`,
      expected: 'a spectrum of the pristine electrode with its metal line inside the window',
    });
  }
  const g = c.parameters.fwhmG;
  const l = c.parameters.fwhmL;
  return {
    cap: { widthCapPpm: c.fwhmPpm },
    fwhmPpm: c.fwhmPpm,
    fwhmGPpm: g.value,
    fwhmLPpm: l.value,
    fwhmGStdErrPpm: g.standardError,
    fwhmLStdErrPpm: l.standardError,
    positionPpm: c.positionPpm,
    area: c.area,
    rSquared: fit.rSquared,
    converged: fit.converged,
    flags: fit.flags,
    fit,
  };
}

export interface MorphologySeriesRow extends SeriesRowHeader {
  result: MorphologyResult | null;
  error: { name: string; message: string } | null;
}

export type MorphologySeriesOptions =
  | ({ mode: 'constrained' } & ConstrainedMorphologyOptions)
  | ({ mode: 'unconstrained' } & UnconstrainedMorphologyOptions);

/** Streaming analyser: one spectrum at a time, warm start and time origin kept between calls. */
export interface MorphologyAnalyser {
  analyse(spectrum: SeriesSpectrum): MorphologySeriesRow;
}

export function createMorphologyAnalyser(options: MorphologySeriesOptions): MorphologyAnalyser {
  if (options.mode === 'constrained') {
    const spec = constrainedMorphologyModel(options);
    const fitter = createSeriesFitter(spec);
    const realOnly = spec.phase ? createSeriesFitter(withoutPhase(spec)) : fitter;
    return {
      analyse(s) {
        const phased = Boolean(spec.phase) && hasImaginaryPart(s);
        const r = (phased ? fitter : realOnly).fit(s);
        if (spec.phase && !phased) r.result?.flags.push('phase-not-fitted:no-imaginary-part');
        return {
          index: r.index,
          source: r.source,
          experimentNumber: r.experimentNumber,
          startMs: r.startMs,
          endMs: r.endMs,
          midHours: r.midHours,
          originMs: r.originMs,
          result: r.result ? constrainedSummary(r.result, options) : null,
          error: r.error,
        };
      },
    };
  }
  if (options.mode !== 'unconstrained') {
    throw new ParameterError('unknown morphology mode', {
      field: 'mode',
      found: (options as { mode: unknown }).mode,
      expected: ['constrained', 'unconstrained'],
    });
  }
  // Unconstrained: each spectrum is referenced on its own, so each fit starts fresh.
  const header = createSeriesRowHeaders();
  return {
    analyse(s) {
      const row: MorphologySeriesRow = {
        ...header(s),
        result: null,
        error: null,
      };
      try {
        row.result = unconstrainedMorphology(s, options);
      } catch (e) {
        if (!isSpincellError(e)) throw e;
        row.error = { name: e.name, message: e.message };
      }
      return row;
    },
  };
}

/** Morphology of every spectrum of a series (constrained fits warm-start from the previous spectrum). */
export function morphologySeries(
  spectra: readonly SeriesSpectrum[],
  options: MorphologySeriesOptions,
  onProgress?: (done: number, total: number) => void,
): MorphologySeriesRow[] {
  const analyser = createMorphologyAnalyser(options);
  const times = seriesTimes(spectra);
  return spectra.map((s, i) => {
    const row = { ...analyser.analyse(s), ...times[i] };
    onProgress?.(i + 1, spectra.length);
    return row;
  });
}

/** Long table: one row per spectrum and morphology component. */
export function morphologyTable(rows: readonly MorphologySeriesRow[]): {
  headers: string[];
  rows: (string | number | null)[][];
} {
  const headers = [
    'index',
    'experiment',
    ...TIME_COLUMNS,
    'morphology',
    ...COMPONENT_COLUMNS,
    'cog_ppm',
    'r_squared',
    'flags',
  ];
  const out: (string | number | null)[][] = [];
  for (const r of rows) {
    if (!r.result) {
      out.push(
        failedFitRow(
          [r.index, r.experimentNumber, ...timeCells(r.startMs, r.endMs, r.originMs)],
          headers.length,
          `error:${r.error?.message ?? ''}`,
        ),
      );
      continue;
    }
    for (const c of r.result.components) {
      out.push([
        r.index,
        r.experimentNumber,
        ...timeCells(r.startMs, r.endMs, r.originMs),
        c.morphology,
        ...componentCells(c),
        c.centreOfGravityPpm,
        r.result.rSquared,
        r.result.flags.join(' '),
      ]);
    }
  }
  return { headers, rows: out };
}
