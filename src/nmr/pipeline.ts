/**
 * FID → processed spectrum, one call per spectrum, and a streaming series processor.
 *
 * Order of steps (as TopSpin's `ef`/`gm` + `ft` + `pk` + `abs`): truncate to TDeff → DC offset → window →
 * zero fill to SI (power of two) → FFT (Bruker order) → group-delay removal → [first-point scaling] →
 * phase (manual, automatic or magnitude) → ppm axis (acquisition or procs) → referencing → baseline. Referencing comes before the
 * baseline so that user baseline regions are read on the final axis.
 */
import { DataError, ParameterError } from '../core/errors.js';
import type { Fid, Spectrum } from '../core/types.js';
import type { ProcsParams } from '../io/bruker/processed.js';
import { autophase, type AutophaseOptions, type PhaseResult } from './autophase.js';
import { arplsBaseline, defaultArplsLambda, polynomialBaseline } from './baseline.js';
import {
  nextPowerOfTwo,
  ppmAxisFromAcquisition,
  ppmAxisFromOffset,
  scaleFirstPoint,
  transformPrepared,
} from './fft.js';
import { correctFidBaseline, fidBaselineFromBcMod, type FidBaselineOption } from './fidbaseline.js';
import { magnitude, phase, powerSpectrum, ppmToIndex, rotateLinear } from './phase.js';
import { referenceOffsetPpm, shiftAxis } from './reference.js';
import { dcOffset, windowWeights, type WindowFunction } from './timedomain.js';
import type { PpmRange } from './types.js';

export type PhaseOption =
  | 'auto'
  | 'magnitude'
  /** Power spectrum re² + im² (TopSpin `ps`, PH_mod 3). */
  | 'power'
  | 'none'
  | { readonly ph0Deg: number; readonly ph1Deg: number; readonly pivotPpm?: number };

export type BaselineOption =
  | 'none'
  | 'auto'
  /** arPLS Whittaker baseline with an explicit smoothness and/or block size (see ArplsOptions). */
  | { readonly kind: 'auto'; readonly lambda?: number; readonly blockPoints?: number }
  /** Polynomial fitted to signal-free regions. */
  | { readonly order: number; readonly regionsPpm: readonly PpmRange[] };

export type ReferenceOption =
  | 'none'
  /** Highest peak in the window (sub-point position) set to `valuePpm`, e.g. Li metal → 245 ppm. */
  | { readonly kind: 'internal'; readonly windowPpm: PpmRange; readonly valuePpm: number }
  /** A fixed offset added to the axis, e.g. measured on an external reference with referenceOffsetPpm. */
  | { readonly kind: 'offset'; readonly ppm: number };

/** TopSpin's processed axis: point i at OFFSET − i·SW_p/SF/SI. */
export interface ProcsAxis {
  readonly offsetPpm: number;
  readonly swpHz: number;
  readonly sfMHz: number;
}

export interface ProcessingOptions {
  /** Exponential line broadening, Hz (TopSpin EM). Combined with `gbHz` when both are given. */
  readonly lbHz?: number;
  /** Pure Gaussian broadening (FWHM), Hz. */
  readonly gbHz?: number;
  /** Any window function; replaces lbHz/gbHz when given. */
  readonly window?: WindowFunction;
  /** SI: complex points after zero filling/truncation, rounded up to a power of two (default: ≥ TD/2). */
  readonly sizePoints?: number;
  /** Use only the first N complex points (TopSpin TDeff/2); default all. */
  readonly truncatePoints?: number;
  /** Subtract the FID's DC offset (default true; ignored when fidBaseline is given). */
  readonly dcOffset?: boolean;
  /** FID baseline correction of TopSpin's BC_mod (DC, polynomial or centre filter); replaces dcOffset. */
  readonly fidBaseline?: FidBaselineOption;
  /**
   * Factor for the first time-domain point after group-delay removal (default 1, as TopSpin: a digital
   * receiver already samples the band-limited step at t = 0, ≈ f(0)/2). Use 0.5 for analogue data or
   * data whose first point is a full sample. See scaleFirstPoint.
   */
  readonly firstPointScale?: number;
  /** Group delay in points; default the FID's own `meta.groupDelayPoints`. */
  readonly groupDelayPoints?: number;
  /** Default 'auto'. */
  readonly phase?: PhaseOption;
  readonly autophase?: AutophaseOptions;
  /** Series only: one phase for all spectra (fitted on their sum) or one per spectrum (default). */
  readonly seriesPhase?: 'shared' | 'per-spectrum';
  /** Default 'none'. */
  readonly baseline?: BaselineOption;
  /** Default 'none'. */
  readonly reference?: ReferenceOption;
  /** Axis from procs (OFFSET/SW_p/SF) instead of the acquisition parameters. */
  readonly axis?: ProcsAxis;
  /** SF for an acquisition-based axis, MHz (default BF1). */
  readonly sfMHz?: number;
}

export type AppliedBaseline =
  | { readonly kind: 'none' }
  | { readonly kind: 'polynomial'; readonly order: number; readonly regionsPpm: readonly PpmRange[] }
  | {
      readonly kind: 'arpls';
      readonly lambda: number;
      readonly blockPoints: number;
      readonly iterations: number;
    };

export interface AppliedPhase {
  readonly mode: 'auto' | 'shared' | 'manual' | 'magnitude' | 'power' | 'none';
  readonly ph0Deg: number;
  readonly ph1Deg: number;
  readonly pivotPpm: number;
}

/** A processed spectrum and a record of everything that was done to it. */
export interface ProcessingResult {
  readonly spectrum: Spectrum;
  readonly applied: {
    readonly dcOffset: { readonly re: number; readonly im: number } | null;
    /** FID baseline correction applied (BC_mod), 'none' when only the DC offset (or nothing) was removed. */
    readonly fidBaseline: FidBaselineOption;
    readonly windows: readonly WindowFunction[];
    readonly sizePoints: number;
    readonly groupDelayPoints: number;
    readonly firstPointScale: number;
    readonly phase: AppliedPhase;
    readonly referenceOffsetPpm: number;
    readonly baseline: AppliedBaseline;
  };
}

function windowsOf(options: ProcessingOptions): WindowFunction[] {
  if (options.window !== undefined) return [options.window];
  const out: WindowFunction[] = [];
  if (options.lbHz !== undefined && options.lbHz !== 0) out.push({ kind: 'exponential', lbHz: options.lbHz });
  if (options.gbHz !== undefined && options.gbHz !== 0) out.push({ kind: 'gaussian', gbHz: options.gbHz });
  return out;
}

// The window weights of the last call: a series repeats the same window, TD and SW for every spectrum,
// so they are computed once. Read-only once cached (transformPrepared only reads them).
let lastWeights: { key: string; weights: Float64Array | undefined } | undefined;

function combinedWeights(
  windows: readonly WindowFunction[],
  n: number,
  swHz: number,
): Float64Array | undefined {
  const key = `${n}|${swHz}|${JSON.stringify(windows)}`;
  if (lastWeights !== undefined && lastWeights.key === key) return lastWeights.weights;
  let weights: Float64Array | undefined;
  for (const w of windows) {
    const wk = windowWeights(w, n, swHz);
    if (weights === undefined) weights = wk;
    else for (let k = 0; k < n; k++) weights[k] *= wk[k];
  }
  lastWeights = { key, weights };
  return weights;
}

/**
 * Steps up to and including group-delay removal: returns the complex spectrum on its ppm axis, not yet
 * phased. Exposed so a series can sum spectra for a shared phase.
 */
export function transformFid(
  fid: Fid,
  options: ProcessingOptions = {},
): {
  spectrum: Spectrum;
  applied: Omit<ProcessingResult['applied'], 'phase' | 'referenceOffsetPpm' | 'baseline'>;
} {
  const meta = fid.meta;
  if (fid.re.length !== fid.im.length) {
    throw new DataError('real and imaginary parts differ in length', {
      file: meta?.source,
      field: 'fid',
      found: [fid.re.length, fid.im.length],
    });
  }
  let n = fid.re.length;
  if (n < 2)
    throw new DataError('the FID holds too few points', {
      file: meta?.source,
      field: 'TD',
      found: n,
      expected: '≥ 2 complex points',
    });
  let signalPoints = 0;
  for (let i = 0; i < n; i++) if (fid.re[i] !== 0 || fid.im[i] !== 0) signalPoints++;
  if (signalPoints === 0)
    throw new DataError('the FID is all zero: there is no signal to process, reference or fit', {
      file: meta?.source,
      field: 'fid',
      found: `${n} zero points`,
      expected: 'a recorded FID',
    });
  if (options.truncatePoints !== undefined) {
    const t = options.truncatePoints;
    if (!Number.isInteger(t) || t < 2)
      throw new ParameterError('truncation must be an integer ≥ 2 points', {
        field: 'truncatePoints',
        found: t,
      });
    n = Math.min(n, t);
  }
  let signal = { re: fid.re.subarray(0, n), im: fid.im.subarray(0, n) };
  let dc: { re: number; im: number } | null = null;
  const fidBaseline: FidBaselineOption = options.fidBaseline ?? { kind: 'none' };
  if (options.fidBaseline !== undefined) {
    if (fidBaseline.kind !== 'none') signal = correctFidBaseline(signal, fidBaseline, meta.swHz);
  } else if (options.dcOffset ?? true) {
    const r = dcOffset(signal);
    dc = { re: r.offsetRe, im: r.offsetIm };
  }
  const windows = windowsOf(options);
  const weights = combinedWeights(windows, n, meta.swHz);
  if (options.sizePoints !== undefined && (!Number.isInteger(options.sizePoints) || options.sizePoints < 2)) {
    throw new ParameterError('spectrum size must be an integer ≥ 2', {
      field: 'SI',
      found: options.sizePoints,
    });
  }
  const size = nextPowerOfTwo(options.sizePoints ?? n);
  const gd = options.groupDelayPoints ?? meta.groupDelayPoints;
  if (!Number.isFinite(gd) || gd < 0) {
    throw new ParameterError('group delay must be a non-negative number of points', {
      file: meta.source,
      field: 'GRPDLY',
      found: gd,
      expected: '≥ 0',
    });
  }
  // DC offset, window, zero filling and the conjugate go into the FFT buffer in one pass; the group
  // delay — a first-order phase of 360·g degrees from the first point (see removeGroupDelay) — is applied
  // while the FFT output is copied out.
  let spec = transformPrepared(signal, size, dc?.re ?? 0, dc?.im ?? 0, weights, (2 * Math.PI * gd) / size);
  const firstPoint = options.firstPointScale ?? 1;
  if (firstPoint !== 1) spec = scaleFirstPoint(spec, firstPoint);
  const ppm =
    options.axis !== undefined
      ? ppmAxisFromOffset(options.axis.offsetPpm, options.axis.swpHz, options.axis.sfMHz, size)
      : ppmAxisFromAcquisition(meta, size, options.sfMHz ?? meta.bf1MHz);
  const sfMHz = options.axis?.sfMHz ?? options.sfMHz ?? meta.bf1MHz;
  return {
    spectrum: { re: spec.re, im: spec.im, ppm, sfMHz, meta },
    applied: {
      dcOffset: dc,
      fidBaseline,
      windows,
      sizePoints: size,
      groupDelayPoints: gd,
      firstPointScale: firstPoint,
    },
  };
}

// The spectrum handed to `finish` was created by transformFid for this call alone, so phase and baseline
// may update its arrays in place (saves three array allocations per spectrum in a long series); the
// public phase() and subtractBaseline() stay copying.
function phaseOwned(spectrum: Spectrum, ph0Deg: number, ph1Deg: number, pivotPpm: number): Spectrum {
  if (!Number.isFinite(ph0Deg) || !Number.isFinite(ph1Deg) || !Number.isFinite(pivotPpm))
    return phase(spectrum, ph0Deg, ph1Deg, pivotPpm); // throws the typed error
  const n = spectrum.re.length;
  const pivotIndex = ppmToIndex(spectrum.ppm, pivotPpm);
  const deg = Math.PI / 180;
  rotateLinear(
    spectrum.re,
    spectrum.im,
    (ph0Deg - (ph1Deg * pivotIndex) / n) * deg,
    (ph1Deg / n) * deg,
    spectrum.re,
    spectrum.im,
  );
  return spectrum;
}

function subtractOwned(re: Float64Array, baseline: Float64Array): void {
  for (let i = 0; i < re.length; i++) re[i] -= baseline[i];
}

/** Phase, reference and baseline of a transformed spectrum, given a phase fitted elsewhere (shared). */
function finish(
  spectrum: Spectrum,
  applied: Omit<ProcessingResult['applied'], 'phase' | 'referenceOffsetPpm' | 'baseline'>,
  options: ProcessingOptions,
  sharedPhase?: PhaseResult,
): ProcessingResult {
  const phaseOption = options.phase ?? 'auto';
  let phased: Spectrum;
  let appliedPhase: AppliedPhase;
  const firstPpm = spectrum.ppm[0];
  if (phaseOption === 'none') {
    phased = spectrum;
    appliedPhase = { mode: 'none', ph0Deg: 0, ph1Deg: 0, pivotPpm: firstPpm };
  } else if (phaseOption === 'magnitude') {
    phased = magnitude(spectrum);
    appliedPhase = { mode: 'magnitude', ph0Deg: 0, ph1Deg: 0, pivotPpm: firstPpm };
  } else if (phaseOption === 'power') {
    phased = powerSpectrum(spectrum);
    appliedPhase = { mode: 'power', ph0Deg: 0, ph1Deg: 0, pivotPpm: firstPpm };
  } else if (phaseOption === 'auto') {
    const p = sharedPhase ?? autophase(spectrum, options.autophase);
    phased = phaseOwned(spectrum, p.ph0Deg, p.ph1Deg, p.pivotPpm);
    appliedPhase = {
      mode: sharedPhase ? 'shared' : 'auto',
      ph0Deg: p.ph0Deg,
      ph1Deg: p.ph1Deg,
      pivotPpm: p.pivotPpm,
    };
  } else {
    const pivotPpm = phaseOption.pivotPpm ?? firstPpm;
    phased = phaseOwned(spectrum, phaseOption.ph0Deg, phaseOption.ph1Deg, pivotPpm);
    appliedPhase = { mode: 'manual', ph0Deg: phaseOption.ph0Deg, ph1Deg: phaseOption.ph1Deg, pivotPpm };
  }

  const ref = options.reference ?? 'none';
  let offset = 0;
  if (ref !== 'none') {
    if (ref.kind === 'internal') offset = referenceOffsetPpm(phased, ref.windowPpm, ref.valuePpm);
    else if (ref.kind === 'offset') offset = ref.ppm;
    else
      throw new ParameterError('unknown reference kind', {
        field: 'reference',
        found: (ref as { kind: unknown }).kind,
        expected: 'internal | offset',
      });
    phased = shiftAxis(phased, offset);
  }

  const bl = options.baseline ?? 'none';
  let appliedBaseline: AppliedBaseline = { kind: 'none' };
  if (bl === 'auto' || (typeof bl === 'object' && 'kind' in bl && bl.kind === 'auto')) {
    const n = phased.re.length;
    const lambda = (typeof bl === 'object' ? bl.lambda : undefined) ?? defaultArplsLambda(n);
    // Default: fit on block means so that ≈1024 values enter the solver (8-point blocks for 8k spectra;
    // on the arPLS fixture, 8-point blocks move the baseline by 0.08 σ of the noise).
    const blockPoints =
      (typeof bl === 'object' ? bl.blockPoints : undefined) ?? Math.max(1, Math.floor(n / 1024));
    const r = arplsBaseline(phased.re, { lambda, blockPoints });
    subtractOwned(phased.re, r.baseline);
    appliedBaseline = { kind: 'arpls', lambda, blockPoints, iterations: r.iterations };
  } else if (typeof bl === 'object' && 'order' in bl) {
    const r = polynomialBaseline(phased, bl.order, bl.regionsPpm);
    subtractOwned(phased.re, r.baseline);
    appliedBaseline = { kind: 'polynomial', order: bl.order, regionsPpm: bl.regionsPpm };
  } else if (bl !== 'none') {
    throw new ParameterError('unknown baseline option', {
      field: 'baseline',
      found: bl,
      expected: "'none' | 'auto' | {order, regionsPpm}",
    });
  }
  return {
    spectrum: phased,
    applied: { ...applied, phase: appliedPhase, referenceOffsetPpm: offset, baseline: appliedBaseline },
  };
}

/** Processes one FID with the given options (defaults: DC offset, no window, SI ≥ TD/2, auto phase). */
export function processFid(fid: Fid, options: ProcessingOptions = {}): ProcessingResult {
  const t = transformFid(fid, options);
  return finish(t.spectrum, t.applied, options);
}

/** Processes an already transformed spectrum with a given phase (used by the shared-phase series mode). */
function processWithPhase(fid: Fid, options: ProcessingOptions, shared: PhaseResult): ProcessingResult {
  const t = transformFid(fid, options);
  return finish(t.spectrum, t.applied, options, shared);
}

/** Options that act on the time-domain signal: meaningless for a spectrum that has no FID. */
const FID_OPTIONS = [
  'lbHz',
  'gbHz',
  'window',
  'sizePoints',
  'truncatePoints',
  'fidBaseline',
  'groupDelayPoints',
  'firstPointScale',
  'axis',
  'sfMHz',
] as const;

/**
 * Phase, reference and baseline of a spectrum that was processed elsewhere (TopSpin's 1r/1i, a JCAMP-DX
 * file). FID-level options (window, zero filling, group delay, FID baseline, axis) are refused: there is no
 * FID. The phase defaults to 'none' (the stored phase is kept); a manual phase is applied on top of it;
 * automatic, magnitude and power modes need the imaginary part. The input arrays are not modified.
 */
export function processSpectrum(
  spectrum: Spectrum,
  options: ProcessingOptions = {},
  info: { readonly hasImaginary?: boolean } = {},
  sharedPhase?: PhaseResult,
): ProcessingResult {
  for (const key of FID_OPTIONS) {
    if (options[key] !== undefined) {
      throw new ParameterError('option acts on the FID, but the input is a processed spectrum without one', {
        file: spectrum.meta?.source,
        field: key,
        found: JSON.stringify(options[key]),
        expected: 'phase, baseline and reference options only',
      });
    }
  }
  const phase = options.phase ?? 'none';
  if (phase !== 'none' && info.hasImaginary === false) {
    throw new ParameterError('re-phasing needs the imaginary part, which the processed input lacks', {
      file: spectrum.meta?.source,
      field: 'phase',
      found: typeof phase === 'string' ? phase : `${phase.ph0Deg},${phase.ph1Deg}`,
      expected: "'none' (keep the stored phase), or an input with an imaginary part (1i)",
    });
  }
  if (
    spectrum.re.length < 2 ||
    spectrum.re.length !== spectrum.im.length ||
    spectrum.ppm.length !== spectrum.re.length
  ) {
    throw new DataError('processed spectrum holds too few points or parts of different lengths', {
      file: spectrum.meta?.source,
      field: 'points',
      found: [spectrum.re.length, spectrum.im.length, spectrum.ppm.length],
      expected: '≥ 2 points, the same in real, imaginary and ppm',
    });
  }
  const own: Spectrum = {
    ...spectrum,
    re: new Float64Array(spectrum.re),
    im: new Float64Array(spectrum.im),
  };
  const applied = {
    dcOffset: null,
    fidBaseline: { kind: 'none' } as FidBaselineOption,
    windows: [],
    sizePoints: spectrum.re.length,
    groupDelayPoints: 0,
    firstPointScale: 1,
  };
  return finish(own, applied, { ...options, phase }, sharedPhase);
}

/**
 * The automatic phase of the sum of spectra that are already on one axis (processed inputs; see
 * fitSharedPhase for FIDs). One spectrum in memory at a time plus the running sum.
 */
export function fitSharedPhaseSpectra(
  spectra: Iterable<Spectrum>,
  options: ProcessingOptions = {},
): PhaseResult {
  let sumRe: Float64Array | undefined;
  let sumIm: Float64Array | undefined;
  let axis: Spectrum | undefined;
  for (const spectrum of spectra) {
    if (sumRe === undefined || sumIm === undefined) {
      sumRe = new Float64Array(spectrum.re);
      sumIm = new Float64Array(spectrum.im);
      axis = spectrum;
      continue;
    }
    if (spectrum.re.length !== sumRe.length) {
      throw new DataError('spectra of one series differ in size', {
        file: spectrum.meta?.source,
        field: 'SI',
        found: spectrum.re.length,
        expected: sumRe.length,
      });
    }
    for (let i = 0; i < sumRe.length; i++) {
      sumRe[i] += spectrum.re[i];
      sumIm[i] += spectrum.im[i];
    }
  }
  if (sumRe === undefined || sumIm === undefined || axis === undefined) {
    throw new DataError('the series holds no spectra', {
      field: 'series',
      found: 0,
      expected: '≥ 1 spectrum',
    });
  }
  return autophase({ ...axis, re: sumRe, im: sumIm }, options.autophase);
}

/** Window code WDW → window function; TopSpin's codes (0 none, 1 EM, 2 GM, 3 SINE, 4 QSINE). */
function windowFromProcs(
  procs: Pick<ProcsParams, 'windowCode' | 'lineBroadeningHz' | 'gaussianFraction' | 'sineBellShift' | 'file'>,
): WindowFunction {
  switch (procs.windowCode) {
    case 0:
      return { kind: 'none' };
    case 1:
      return { kind: 'exponential', lbHz: procs.lineBroadeningHz };
    case 2:
      return { kind: 'lorentz-gauss', lbHz: procs.lineBroadeningHz, gbFraction: procs.gaussianFraction };
    case 3:
      return { kind: 'sine', ssb: procs.sineBellShift };
    case 4:
      return { kind: 'sine-squared', ssb: procs.sineBellShift };
    default:
      throw new ParameterError('window function not supported', {
        file: procs.file,
        field: 'WDW',
        found: procs.windowCode,
        expected: '0 (none), 1 (EM), 2 (GM), 3 (SINE) or 4 (QSINE)',
      });
  }
}

/** PH_mod → phase option: 0 no phase correction, 1 PHC0/PHC1 (`pk`), 2 magnitude (`mc`), 3 power (`ps`). */
function phaseFromProcs(procs: ProcsParams): PhaseOption {
  const mode = procs.params.has('PH_mod') ? procs.params.integer('PH_mod') : 1;
  switch (mode) {
    case 0:
      return 'none';
    case 1:
      return { ph0Deg: procs.phc0Deg, ph1Deg: procs.phc1Deg };
    case 2:
      return 'magnitude';
    case 3:
      return 'power';
    default:
      throw new ParameterError('phase correction mode not known', {
        file: procs.file,
        field: 'PH_mod',
        found: mode,
        expected: '0 (no), 1 (pk), 2 (mc: magnitude) or 3 (ps: power)',
      });
  }
}

/**
 * Options that redo TopSpin's processing from a `procs`: WDW/LB/GB/SSB, SI, TDeff, the FID baseline
 * correction of BC_mod (DC, polynomial or centre filter with BCFW/COROFFS, see fidbaseline.ts), the phase
 * mode PH_mod (none, PHC0/PHC1 with the pivot at the first point as TopSpin, magnitude or power), the axis
 * from OFFSET/SW_p/SF and the first point unscaled (as TopSpin: its `1i` is reproduced to 1e-14
 * correlation so). No baseline, no referencing beyond the stored axis.
 */
export function optionsFromProcs(procs: ProcsParams): ProcessingOptions {
  const p = procs.params;
  const bcMod = p.has('BC_mod') ? p.integer('BC_mod') : 0;
  const fidBaseline = fidBaselineFromBcMod(
    bcMod,
    p.has('BCFW') ? p.number('BCFW') : 0,
    p.has('COROFFS') ? p.number('COROFFS') : 0,
    procs.sfMHz,
    procs.file,
  );
  return {
    window: windowFromProcs(procs),
    sizePoints: procs.sizePoints,
    ...(procs.tdEffective > 0 ? { truncatePoints: Math.max(2, Math.floor(procs.tdEffective / 2)) } : {}),
    dcOffset: false,
    fidBaseline,
    firstPointScale: 1,
    phase: phaseFromProcs(procs),
    axis: { offsetPpm: procs.offsetPpm, swpHz: procs.swHz, sfMHz: procs.sfMHz },
    baseline: 'none',
    reference: 'none',
  };
}

/** A series source: FIDs in order, or a function returning a fresh iteration (needed for a shared phase). */
export type FidSource = Iterable<Fid> | (() => Iterable<Fid>);

function iterate(source: FidSource): Iterable<Fid> {
  return typeof source === 'function' ? source() : source;
}

/**
 * The shared phase of a series: automatic phase of the sum of all transformed spectra (first pass over
 * the source; one spectrum in memory at a time plus the running sum).
 */
export function fitSharedPhase(source: FidSource, options: ProcessingOptions = {}): PhaseResult {
  function* transformed(): Generator<Spectrum> {
    for (const fid of iterate(source)) {
      const { spectrum } = transformFid(fid, options);
      // the FID names the file when a size differs
      yield { ...spectrum, meta: spectrum.meta ?? fid.meta };
    }
  }
  return fitSharedPhaseSpectra(transformed(), options);
}

function isOneShot(source: FidSource): boolean {
  if (typeof source === 'function') return false;
  const it = source[Symbol.iterator]();
  return (it as unknown) === source;
}

/**
 * Processes a series one spectrum at a time (streaming: nothing is kept between spectra). With
 * `phase: 'auto'` and `seriesPhase: 'shared'` the source is read twice (first to fit the phase on the
 * sum), so it must be re-iterable: an array or a function returning a fresh iterable.
 */
export function* processSeries(
  source: FidSource,
  options: ProcessingOptions = {},
): Generator<ProcessingResult> {
  const shared = (options.phase ?? 'auto') === 'auto' && options.seriesPhase === 'shared';
  if (shared) {
    if (isOneShot(source)) {
      throw new ParameterError('a shared series phase needs a source that can be read twice', {
        field: 'seriesPhase',
        found: 'a one-shot iterator',
        expected: 'an array or a function returning a fresh iterable',
      });
    }
    const p = fitSharedPhase(source, options);
    for (const fid of iterate(source)) yield processWithPhase(fid, options, p);
    return;
  }
  for (const fid of iterate(source)) yield processFid(fid, options);
}
