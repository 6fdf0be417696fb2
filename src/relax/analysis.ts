/**
 * T1, T2 and nutation analyses of one series of intensities (a region integral or a fitted line's area
 * per row): the curve fit, the quantities an experimenter acts on, and their uncertainties.
 *
 * Recycle delay for quantitative spectra. After a 90° pulse the magnetization recovers from zero; with a
 * repetition time TR (D1 + AQ between pulses) the steady-state signal is the recovered fraction
 * R(TR) = 1 − G(TR) of M0, where G is the fitted relaxation function (e^{−TR/T1} for 2p and 3p models, whose
 * k describes the preparation, not the relaxation; e^{−(TR/T1)^β} stretched; w·e^{−TR/T1a} + (1 − w)·e^{−TR/T1b}
 * bi-exponential). The delay for an accuracy a solves R(TR) = a: TR = −T1·ln(1 − a) for one exponential
 * (a = 99.33 % at 5·T1, 99.995 % at 10·T1), T1·(−ln(1 − a))^{1/β} stretched, by bisection for two. The
 * accuracy the experiment's own D1 + AQ reaches is reported beside it.
 */
import { DataError } from '../core/errors.js';
import { type CurveFit, fitCurve, parameter, propagate } from './fit.js';
import {
  idealRecoveryFactor,
  nutationModel,
  type NutationModel,
  SKIN_NUTATION_MAX_THETA,
  t1Model,
  type T1Model,
  type T1Sequence,
  t2Model,
  type T2Model,
} from './models.js';

export interface Estimate {
  readonly value: number;
  readonly standardError: number;
  readonly unit: string;
}

/** A relaxation function G(t) (1 at t = 0, decaying) of fitted parameters p (physical units). */
type Relaxation = (tS: number, p: Float64Array) => number;

function relaxationOf(model: T1Model): Relaxation {
  // Parameter order as in models.ts: [M0, T1, k] / [M0, T1, β] / [M0, w, T1a, T1b].
  if (model === 'stretched') return (t, p) => Math.exp(-((t / p[1]) ** p[2]));
  if (model === 'bi') return (t, p) => p[1] * Math.exp(-t / p[2]) + (1 - p[1]) * Math.exp(-t / p[3]);
  return (t, p) => Math.exp(-t / p[1]);
}

/** TR with 1 − G(TR) = accuracy, s (bisection on a monotone G; closed forms where they exist). */
function delayFor(model: T1Model, accuracy: number, p: Float64Array): number {
  const c = -Math.log(1 - accuracy);
  if (model === '2p' || model === '3p') return p[1] * c;
  if (model === 'stretched') return p[1] * c ** (1 / p[2]);
  const g = relaxationOf(model);
  let lo = 0;
  let hi = Math.max(p[2], p[3], 1e-12);
  while (1 - g(hi, p) < accuracy && hi < 1e12) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (1 - g(mid, p) < accuracy) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

export interface RecycleAdvice {
  /** Fraction of M0 recovered that was asked for, 0–1. */
  readonly accuracy: number;
  /** Repetition time TR = D1 + AQ that reaches it, s. */
  readonly repetitionTimeS: Estimate;
  /** The same as a multiple of T1 (of the slower component for bi-exponentials). */
  readonly multipleOfT1: number;
  /** D1 to set: TR minus the acquisition time (≥ 0), s; null when AQ is unknown. */
  readonly recycleDelayS: number | null;
  /** Recovered fraction at the experiment's own D1 + AQ (null when unknown). */
  readonly currentRecovery: number | null;
  readonly currentRepetitionTimeS: number | null;
}

export interface T1Analysis {
  readonly kind: 't1';
  readonly sequence: T1Sequence;
  readonly model: T1Model;
  readonly fit: CurveFit;
  /** T1 (2p, 3p, stretched), or the slow component T1b of a bi-exponential, s. */
  readonly t1S: Estimate;
  readonly m0: Estimate;
  /** M(0)/M0 = 1 − k: −1 for a perfect inversion, 0 for a perfect saturation (3p; ideal value otherwise). */
  readonly initialFraction: Estimate;
  readonly recycle: RecycleAdvice;
}

export interface T1Options {
  readonly sequence: T1Sequence;
  readonly model?: T1Model;
  /** Quantitative accuracy for the recycle-delay advice, 0–1 (default 0.99). */
  readonly accuracy?: number;
  /** The experiment's D1 and AQ, s, for the advice (optional). */
  readonly recycleDelayS?: number;
  readonly acquisitionTimeS?: number;
  readonly source?: string;
  readonly field?: string;
}

function est(v: { value: number; standardError: number }, unit: string): Estimate {
  return { value: v.value, standardError: v.standardError, unit };
}

function checkAccuracy(accuracy: number): void {
  if (!(accuracy > 0 && accuracy < 1))
    throw new DataError('quantitative accuracy must lie between 0 and 1', {
      field: 'accuracy',
      found: accuracy,
      expected: 'e.g. 0.99 (99 % of M0)',
    });
}

/** Recycle-delay advice from a T1 fit (see the header). */
export function recycleAdvice(
  fit: CurveFit,
  model: T1Model,
  accuracy: number,
  recycleDelayS?: number,
  acquisitionTimeS?: number,
): RecycleAdvice {
  checkAccuracy(accuracy);
  const tr = propagate(fit, (p) => delayFor(model, accuracy, p));
  const p = Float64Array.from(fit.parameters, (q) => q.value);
  const slowT1 = model === 'bi' ? Math.max(p[2], p[3]) : p[1];
  const current =
    recycleDelayS !== undefined && acquisitionTimeS !== undefined ? recycleDelayS + acquisitionTimeS : null;
  return {
    accuracy,
    repetitionTimeS: est(tr, 's'),
    multipleOfT1: tr.value / slowT1,
    recycleDelayS: acquisitionTimeS !== undefined ? Math.max(0, tr.value - acquisitionTimeS) : null,
    currentRecovery: current !== null ? 1 - relaxationOf(model)(current, p) : null,
    currentRepetitionTimeS: current,
  };
}

export function analyseT1(
  delaysS: ArrayLike<number>,
  intensity: ArrayLike<number>,
  o: T1Options,
): T1Analysis {
  const model = o.model ?? '2p';
  const accuracy = o.accuracy ?? 0.99;
  checkAccuracy(accuracy);
  const fit = fitCurve(t1Model(o.sequence, model), delaysS, intensity, o);
  const k0 = idealRecoveryFactor(o.sequence);
  const t1 =
    model === 'bi'
      ? parameter(fit, parameter(fit, 'T1a').value > parameter(fit, 'T1b').value ? 'T1a' : 'T1b')
      : parameter(fit, 'T1');
  const initial = model === '3p' ? propagate(fit, (p) => 1 - p[2]) : { value: 1 - k0, standardError: 0 };
  return {
    kind: 't1',
    sequence: o.sequence,
    model,
    fit,
    t1S: est(t1, 's'),
    m0: est(parameter(fit, 'amplitude'), 'intensity'),
    initialFraction: est(initial, ''),
    recycle: recycleAdvice(fit, model, accuracy, o.recycleDelayS, o.acquisitionTimeS),
  };
}

export interface T2Analysis {
  readonly kind: 't2';
  readonly model: T2Model;
  readonly fit: CurveFit;
  /** T2 (mono, stretched), or the slow component of a bi-exponential, s. */
  readonly t2S: Estimate;
  readonly m0: Estimate;
}

export function analyseT2(
  echoTimesS: ArrayLike<number>,
  intensity: ArrayLike<number>,
  o: { model?: T2Model; source?: string; field?: string } = {},
): T2Analysis {
  const model = o.model ?? 'mono';
  const fit = fitCurve(t2Model(model), echoTimesS, intensity, o);
  const t2 =
    model === 'bi'
      ? parameter(fit, parameter(fit, 'T2a').value > parameter(fit, 'T2b').value ? 'T2a' : 'T2b')
      : parameter(fit, 'T2');
  return { kind: 't2', model, fit, t2S: est(t2, 's'), m0: est(parameter(fit, 'amplitude'), 'intensity') };
}

export interface NutationAnalysis {
  readonly kind: 'nutation';
  readonly model: NutationModel;
  readonly fit: CurveFit;
  /** Nutation frequency ν1 = γB1/2π (at the surface for the skin-depth model), kHz. */
  readonly nutationKHz: Estimate;
  /** π/2 pulse length 1/(4ν1), µs (at the surface for the skin-depth model). */
  readonly pi2Us: Estimate;
  /** Pulse length giving the largest signal, µs: π/2 for a sine, earlier when damped, 2.33 rad for skin. */
  readonly maxSignalUs: Estimate;
  /** Damped model: decay rate λ (1/µs) and time 1/λ (µs); null otherwise. */
  readonly dampingRatePerUs: Estimate | null;
  readonly dampingTimeUs: Estimate | null;
  /** Damped model: amplitude left after one nutation cycle, e^{−λ/ν}. */
  readonly amplitudePerCycle: number | null;
}

export function analyseNutation(
  pulsesUs: ArrayLike<number>,
  intensity: ArrayLike<number>,
  o: { model?: NutationModel; source?: string; field?: string } = {},
): NutationAnalysis {
  const model = o.model ?? 'damped';
  const distinct = new Set(Array.from(pulsesUs)).size;
  const fit = fitCurve(nutationModel(model, Math.max(1, distinct / 2)), pulsesUs, intensity, o);
  const nu = (p: Float64Array) => p[1]; // 1/µs = MHz
  const maxSignal =
    model === 'skin'
      ? propagate(fit, (p) => SKIN_NUTATION_MAX_THETA / (2 * Math.PI * nu(p)))
      : model === 'damped'
        ? propagate(fit, (p) =>
            p[2] > 0 ? Math.atan((2 * Math.PI * nu(p)) / p[2]) / (2 * Math.PI * nu(p)) : 1 / (4 * nu(p)),
          )
        : propagate(fit, (p) => 1 / (4 * nu(p)));
  const lambda = model === 'damped' ? parameter(fit, 'lambda') : null;
  return {
    kind: 'nutation',
    model,
    fit,
    nutationKHz: est(
      propagate(fit, (p) => nu(p) * 1000),
      'kHz',
    ),
    pi2Us: est(
      propagate(fit, (p) => 1 / (4 * nu(p))),
      'us',
    ),
    maxSignalUs: est(maxSignal, 'us'),
    dampingRatePerUs: lambda ? est(lambda, '1/us') : null,
    dampingTimeUs: lambda
      ? est(
          propagate(fit, (p) => 1 / p[2]),
          'us',
        )
      : null,
    amplitudePerCycle: lambda ? Math.exp(-lambda.value / parameter(fit, 'nu').value) : null,
  };
}

/**
 * T2* = 1/(π·FWHM) of a Lorentzian line, s, after removing exponential line broadening (LB adds LB Hz to
 * a Lorentzian FWHM). Null when the corrected width is not positive.
 */
export function t2StarFromWidthS(fwhmHz: number, lineBroadeningHz = 0): number | null {
  const w = fwhmHz - lineBroadeningHz;
  return w > 0 && Number.isFinite(w) ? 1 / (Math.PI * w) : null;
}
