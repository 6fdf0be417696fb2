/**
 * Lin-KK validity test (Schönleber, Klotz & Ivers-Tiffée, Electrochim. Acta 131 (2014) 20–27).
 *
 * The spectrum is fitted by a Kramers–Kronig-compliant model — a series resistance, M RC elements with
 * fixed, log-spaced time constants between 1/ω_max and 1/ω_min, a series inductance and optionally a
 * series capacitance — which is linear in its parameters. Data the model cannot follow violate
 * causality, linearity or stationarity (e.g. a cell that drifts during the sweep). M is chosen by the μ
 * criterion (Schönleber eq. 21): μ = 1 − Σ|R_k<0| / Σ R_k≥0 falls as M grows and over-fitting sets in with
 * negative resistances; the first M with μ ≤ c (c = 0.85 recommended) is used. Residuals are relative to
 * |Z| (eq. 15), and the fit is weighted by 1/|Z| in the same way.
 */
import { ParameterError } from '../core/errors.js';
import { leastSquaresQr } from '../fit/lstsq.js';
import { checkSpectrum, type CheckOptions, type SpectrumData } from './spectrum.js';

export type KkFitType = 'complex' | 'real' | 'imag';

export interface LinKKOptions extends CheckOptions {
  /** μ cut-off (default 0.85, Schönleber 2014). */
  c?: number;
  /** Largest number of RC elements tried (default 100). */
  maxM?: number;
  /** Use exactly this M instead of the μ criterion. */
  m?: number;
  /** Which parts are fitted (default 'complex', eq. 14). */
  fitType?: KkFitType;
  /** Add a series capacitance, for spectra without a low-frequency intercept (default false, as impedance.py). */
  addCapacitance?: boolean;
  /** Add a series inductance for wiring and cell inductance at high frequency (default true, as impedance.py). */
  addInductance?: boolean;
  /** Pass/fail threshold on max |residual|, fraction of |Z| (default 0.03, i.e. 3 %). */
  threshold?: number;
}

export interface LinKKResult {
  /** Number of RC elements used. */
  readonly m: number;
  /** μ at that M. */
  readonly mu: number;
  /** Time constants of the RC elements, s. */
  readonly tauS: Float64Array;
  /** Series resistance R0, Ω. */
  readonly r0Ohm: number;
  /** RC resistances R_k, Ω. */
  readonly rkOhm: Float64Array;
  /** Series inductance, H. */
  readonly inductanceH: number;
  /** Series capacitance, F (Infinity when not used or when the fit makes 1/C vanish). */
  readonly capacitanceF: number;
  /** Fitted impedance. */
  readonly zFitReOhm: Float64Array;
  readonly zFitImOhm: Float64Array;
  /** (Z − Z_fit)/|Z|, real and imaginary parts (fractions, not %). */
  readonly residualRe: Float64Array;
  readonly residualIm: Float64Array;
  /** Largest |residual| over both parts, fraction of |Z|. */
  readonly maxAbsResidual: number;
  readonly threshold: number;
  /** maxAbsResidual ≤ threshold. */
  readonly pass: boolean;
  /**
   * The widest contiguous run of frequencies (in sweep order) whose residuals stay within the threshold:
   * the range to keep when one end of the sweep is not valid.
   */
  readonly validRange: {
    readonly firstIndex: number;
    readonly lastIndex: number;
    readonly fMinHz: number;
    readonly fMaxHz: number;
    readonly points: number;
  };
  /** μ for every M tried (index M−1). */
  readonly muHistory: Float64Array;
}

/** Log-spaced time constants between 1/(2π f_max) and 1/(2π f_min), as in Schönleber eq. 12. */
export function kkTimeConstants(freqHz: Float64Array, m: number): Float64Array {
  let fMin = Infinity;
  let fMax = 0;
  for (const f of freqHz) {
    fMin = Math.min(fMin, f);
    fMax = Math.max(fMax, f);
  }
  const tMin = 1 / (2 * Math.PI * fMax);
  const tMax = 1 / (2 * Math.PI * fMin);
  const tau = new Float64Array(m);
  if (m === 1) {
    tau[0] = tMax;
    return tau;
  }
  const l0 = Math.log10(tMin);
  const span = Math.log10(tMax / tMin);
  for (let k = 0; k < m; k++) tau[k] = Math.pow(10, l0 + (k / (m - 1)) * span);
  tau[0] = tMin;
  tau[m - 1] = tMax;
  return tau;
}

interface KkFit {
  params: Float64Array; // [R0, R_1..R_M, (1/C), L]
  mu: number;
}

function muOf(rk: ArrayLike<number>): number {
  let neg = 0;
  let pos = 0;
  for (let i = 0; i < rk.length; i++) {
    if (rk[i] < 0) neg -= rk[i];
    else pos += rk[i];
  }
  return pos === 0 ? -Infinity : 1 - neg / pos;
}

/** Design matrices: columns R0, RC_1..RC_M, [1/C], L; rows scaled by 1/|Z|. */
interface Extras {
  cap: boolean;
  ind: boolean;
}

/** Number of columns besides the RC elements: R0, and the optional 1/C and L. */
const extraCols = (x: Extras): number => 1 + (x.cap ? 1 : 0) + (x.ind ? 1 : 0);

function design(
  s: SpectrumData,
  tau: Float64Array,
  x: Extras,
): {
  aRe: Float64Array;
  aIm: Float64Array;
  nCols: number;
  bRe: Float64Array;
  bIm: Float64Array;
  absZ: Float64Array;
} {
  const n = s.freqHz.length;
  const m = tau.length;
  const nCols = m + extraCols(x);
  const iC = x.cap ? m + 1 : -1;
  const iL = x.ind ? nCols - 1 : -1;
  const aRe = new Float64Array(n * nCols);
  const aIm = new Float64Array(n * nCols);
  const bRe = new Float64Array(n);
  const bIm = new Float64Array(n);
  const absZ = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const w = 2 * Math.PI * s.freqHz[i];
    const mod = Math.hypot(s.zReOhm[i], s.zImOhm[i]);
    absZ[i] = mod;
    bRe[i] = s.zReOhm[i] / mod;
    bIm[i] = s.zImOhm[i] / mod;
    const row = i * nCols;
    aRe[row] = 1 / mod;
    for (let k = 0; k < m; k++) {
      // 1/(1 + jωτ) = (1 − jωτ)/(1 + ω²τ²)
      const wt = w * tau[k];
      const d = 1 + wt * wt;
      aRe[row + 1 + k] = 1 / d / mod;
      aIm[row + 1 + k] = -wt / d / mod;
    }
    // series capacitance enters as its elastance 1/C: Z = −j(1/C)/ω, so the model stays linear
    if (iC >= 0) aIm[row + iC] = -1 / (w * mod);
    if (iL >= 0) aIm[row + iL] = w / mod;
  }
  return { aRe, aIm, nCols, bRe, bIm, absZ };
}

function fitOnce(s: SpectrumData, tau: Float64Array, x: Extras, fitType: KkFitType): KkFit {
  const n = s.freqHz.length;
  const m = tau.length;
  const { aRe, aIm, nCols, bRe, bIm } = design(s, tau, x);
  let params: Float64Array;
  if (fitType === 'complex') {
    // Stack real and imaginary equations (Schönleber eq. 14) and solve in one least-squares problem.
    const a = new Float64Array(2 * n * nCols);
    a.set(aRe, 0);
    a.set(aIm, n * nCols);
    const b = new Float64Array(2 * n);
    b.set(bRe, 0);
    b.set(bIm, n);
    params = leastSquaresQr(a, 2 * n, nCols, b);
  } else if (fitType === 'real') {
    // Real part fixes R0 and R_k; the imaginary remainder then fixes L (and 1/C).
    const cols = m + 1;
    const a = new Float64Array(n * cols);
    for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) a[i * cols + j] = aRe[i * nCols + j];
    const head = leastSquaresQr(a, n, cols, bRe);
    params = new Float64Array(nCols);
    params.set(head, 0);
    const tailCols = nCols - cols;
    const at = new Float64Array(n * tailCols);
    const bt = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let fitIm = 0;
      for (let j = 0; j < cols; j++) fitIm += aIm[i * nCols + j] * head[j];
      bt[i] = bIm[i] - fitIm;
      for (let j = 0; j < tailCols; j++) at[i * tailCols + j] = aIm[i * nCols + nCols - tailCols + j];
    }
    if (tailCols > 0) params.set(leastSquaresQr(at, n, tailCols, bt), nCols - tailCols);
  } else {
    // Imaginary part fixes R_k, L (and 1/C); R0 follows from the real part with weights 1/|Z|²
    // (Boukamp, J. Electrochem. Soc. 142 (1995) 1885, eq. 7).
    const cols = nCols - 1;
    const a = new Float64Array(n * cols);
    for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) a[i * cols + j] = aIm[i * nCols + j + 1];
    const tail = leastSquaresQr(a, n, cols, bIm);
    params = new Float64Array(nCols);
    params.set(tail, 1);
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      const mod2 = s.zReOhm[i] ** 2 + s.zImOhm[i] ** 2;
      let fitRe = 0;
      for (let k = 0; k < m; k++) fitRe += aRe[i * nCols + 1 + k] * Math.sqrt(mod2) * params[1 + k];
      num += (s.zReOhm[i] - fitRe) / mod2;
      den += 1 / mod2;
    }
    params[0] = num / den;
  }
  return { params, mu: muOf(params.subarray(1, 1 + m)) };
}

/** Runs the Lin-KK test on one spectrum. */
export function linKK(spectrum: SpectrumData, options: LinKKOptions = {}): LinKKResult {
  const s = checkSpectrum(spectrum, options);
  const c = options.c ?? 0.85;
  const maxM = options.maxM ?? 100;
  const extras: Extras = { cap: options.addCapacitance ?? false, ind: options.addInductance ?? true };
  const fitType = options.fitType ?? 'complex';
  const threshold = options.threshold ?? 0.03;
  if (!(c > 0 && c <= 1))
    throw new ParameterError('μ cut-off out of range', { field: 'c', found: c, expected: '0 < c ≤ 1' });
  if (!Number.isInteger(maxM) || maxM < 1)
    throw new ParameterError('maximum number of RC elements must be a positive integer', {
      field: 'maxM',
      found: maxM,
      expected: '≥ 1',
    });
  if (!(threshold > 0))
    throw new ParameterError('threshold must be positive', {
      field: 'threshold',
      found: threshold,
      expected: '> 0 (fraction of |Z|)',
    });
  if (!['complex', 'real', 'imag'].includes(fitType))
    throw new ParameterError('unknown fit type', {
      field: 'fitType',
      found: fitType,
      expected: 'complex, real or imag',
    });
  const nPts = s.freqHz.length;
  // More parameters than equations makes the fit meaningless; cap M accordingly.
  const nEq = fitType === 'complex' ? 2 * nPts : nPts;
  const mMax = nEq - extraCols(extras);
  const mCap = Math.min(maxM, mMax);
  if (options.m !== undefined && (!Number.isInteger(options.m) || options.m < 1 || options.m > mMax)) {
    throw new ParameterError('number of RC elements out of range', {
      field: 'm',
      found: options.m,
      expected: `1..${mMax} for ${nPts} frequencies`,
    });
  }
  const history: number[] = [];
  let m = 0;
  let tau: Float64Array = new Float64Array(0);
  let fit: KkFit | undefined;
  if (options.m !== undefined) {
    m = options.m;
    tau = kkTimeConstants(s.freqHz, m);
    fit = fitOnce(s, tau, extras, fitType);
    history.push(fit.mu);
  } else {
    let mu = 1;
    while (mu > c && m < mCap) {
      m++;
      tau = kkTimeConstants(s.freqHz, m);
      fit = fitOnce(s, tau, extras, fitType);
      mu = fit.mu;
      history.push(mu);
    }
  }
  const p = (fit as KkFit).params;
  const nCols = p.length;
  const zFitRe = new Float64Array(nPts);
  const zFitIm = new Float64Array(nPts);
  const resRe = new Float64Array(nPts);
  const resIm = new Float64Array(nPts);
  let maxAbs = 0;
  const elastance = extras.cap ? p[m + 1] : 0;
  const ind = extras.ind ? p[nCols - 1] : 0;
  for (let i = 0; i < nPts; i++) {
    const w = 2 * Math.PI * s.freqHz[i];
    let re = p[0];
    let im = w * ind - elastance / w;
    for (let k = 0; k < m; k++) {
      const wt = w * tau[k];
      const d = 1 + wt * wt;
      re += p[1 + k] / d;
      im -= (p[1 + k] * wt) / d;
    }
    zFitRe[i] = re;
    zFitIm[i] = im;
    const mod = Math.hypot(s.zReOhm[i], s.zImOhm[i]);
    resRe[i] = (s.zReOhm[i] - re) / mod;
    resIm[i] = (s.zImOhm[i] - im) / mod;
    maxAbs = Math.max(maxAbs, Math.abs(resRe[i]), Math.abs(resIm[i]));
  }
  // Widest contiguous run of points within the threshold.
  let bestStart = 0;
  let bestLen = 0;
  let start = 0;
  for (let i = 0; i <= nPts; i++) {
    const ok = i < nPts && Math.abs(resRe[i]) <= threshold && Math.abs(resIm[i]) <= threshold;
    if (!ok) {
      if (i - start > bestLen) {
        bestLen = i - start;
        bestStart = start;
      }
      start = i + 1;
    }
  }
  const first = bestStart;
  const last = bestStart + bestLen - 1;
  const validRange =
    bestLen > 0
      ? {
          firstIndex: first,
          lastIndex: last,
          fMinHz: Math.min(s.freqHz[first], s.freqHz[last]),
          fMaxHz: Math.max(s.freqHz[first], s.freqHz[last]),
          points: bestLen,
        }
      : { firstIndex: -1, lastIndex: -1, fMinHz: NaN, fMaxHz: NaN, points: 0 };
  return {
    m,
    mu: history[history.length - 1],
    tauS: tau,
    r0Ohm: p[0],
    rkOhm: p.slice(1, 1 + m),
    inductanceH: ind,
    capacitanceF: extras.cap && elastance !== 0 ? 1 / elastance : Infinity,
    zFitReOhm: zFitRe,
    zFitImOhm: zFitIm,
    residualRe: resRe,
    residualIm: resIm,
    maxAbsResidual: maxAbs,
    threshold,
    pass: maxAbs <= threshold,
    validRange,
    muHistory: Float64Array.from(history),
  };
}
