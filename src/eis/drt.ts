/**
 * Distribution of relaxation times (DRT) by Tikhonov regularisation with non-negativity.
 *
 * Model (Wan, Saccoccio, Chen & Ciucci, Electrochim. Acta 184 (2015) 483, eqs. 1–3):
 *   Z(ω) = R∞ + jωL + ∫ γ(ln τ) / (1 + jωτ) d ln τ,
 * with γ expanded on basis functions of x = ln τ centred on a log-spaced grid: Gaussian radial basis
 * functions φ_m(x) = exp(−(ε(x − x_m))²) (their eq. 6) or piecewise-linear hats. The coefficients
 * solve
 *   min ‖A_re x − Z′‖² + ‖A_im x − Z″‖² + λ xᵀ M x   subject to x ≥ 0,
 * where M holds the inner products of the first or second derivatives of the basis functions (their
 * eqs. 16–17; closed forms for Gaussians). The quadratic programme is solved as NNLS on the Gram matrix
 * AᵀA + λM (fit/nnls.ts). λ is given, or chosen by generalised cross-validation (Saccoccio et al.,
 * Electrochim. Acta 147 (2014) 470) or at the corner of the L-curve (Hansen 1992), both evaluated on the
 * unconstrained ridge problem as DRTtools does.
 *
 * γ is in Ω per unit ln τ: ∫ γ d ln τ over a window is the resistance of the processes in it.
 */
import { NumericalError, ParameterError } from '../core/errors.js';
import { gramFactor, type GramFactor, nnlsGram } from '../fit/nnls.js';
import { symmetricEigenQl } from './eigen.js';
import { erf } from './special.js';
import { checkSpectrum, type CheckOptions, type SpectrumData } from './spectrum.js';

export type DrtBasis = 'gaussian' | 'piecewise-linear';
export type DrtData = 'combined' | 're' | 'im';

export interface DrtOptions extends CheckOptions {
  /** Regularisation parameter, or the rule that chooses it (default 1e-3). */
  lambda?: number | 'gcv' | 'lcurve';
  /** Number of time constants (default 92). */
  nTau?: number;
  /** τ grid limits, s (default 1/(2π f_max) and 1/(2π f_min)). */
  tauMinS?: number;
  tauMaxS?: number;
  /** Basis on ln τ (default 'gaussian'). */
  basis?: DrtBasis;
  /**
   * Gaussian shape: full width at half maximum equals the grid spacing divided by this coefficient
   * (DRTtools' "FWHM coefficient", default 0.5, i.e. FWHM = 2 grid steps).
   */
  shapeCoefficient?: number;
  /** Which parts of Z are fitted (default 'combined'). */
  data?: DrtData;
  /** Fit a series resistance R∞ (default true). */
  fitRInf?: boolean;
  /** Fit a series inductance (default true; kept ≥ 0). */
  fitInductance?: boolean;
  /** Order of the derivative penalised (default 1). */
  derivative?: 1 | 2;
  /** Integration windows in log10(τ/s) (default [[-4, 0]]). */
  windows?: readonly (readonly [number, number])[];
  /** Peaks below this fraction of the largest γ are ignored (default 0.01). */
  peakMinRelative?: number;
}

export interface DrtPeak {
  readonly tauS: number;
  readonly log10TauS: number;
  /** Peak frequency 1/(2πτ), Hz. */
  readonly freqHz: number;
  readonly gammaOhm: number;
  /** ∫γ d ln τ between the minima on either side of the peak, Ω. */
  readonly resistanceOhm: number;
}

export interface DrtWindow {
  readonly log10TauMin: number;
  readonly log10TauMax: number;
  readonly resistanceOhm: number;
}

export interface DrtResult {
  /** Collocation time constants, s. */
  readonly tauS: Float64Array;
  /** Basis coefficients (≥ 0), Ω. */
  readonly coefficients: Float64Array;
  /** γ at `tauFineS`, Ω per unit ln τ. */
  readonly tauFineS: Float64Array;
  readonly gammaOhm: Float64Array;
  /** γ normalised to unit area over ln τ (h(τ) = γ/R_pol). */
  readonly hNormalised: Float64Array;
  readonly rInfOhm: number;
  readonly inductanceH: number;
  /** ∫ γ d ln τ over all τ, Ω. */
  readonly polarizationOhm: number;
  readonly lambda: number;
  readonly lambdaRule: 'given' | 'gcv' | 'lcurve';
  readonly epsilon: number;
  readonly basis: DrtBasis;
  readonly peaks: DrtPeak[];
  readonly windows: DrtWindow[];
  readonly zFitReOhm: Float64Array;
  readonly zFitImOhm: Float64Array;
  /** (Z − Z_fit)/|Z|. */
  readonly residualRe: Float64Array;
  readonly residualIm: Float64Array;
  /** Root-mean-square relative residual over both parts. */
  readonly rmsRelativeResidual: number;
}

/** FWHM of exp(−u²) is 2√ln2, so ε = coeff·2√ln2/Δ gives FWHM = Δ/coeff (Wan et al. 2015, eq. 13). */
export function gaussianEpsilon(deltaLnTau: number, shapeCoefficient: number): number {
  return (shapeCoefficient * 2 * Math.sqrt(Math.LN2)) / deltaLnTau;
}

/** Log-spaced grid of n values from lo to hi. */
export function logGrid(lo: number, hi: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const a = Math.log(lo);
  const b = Math.log(hi);
  for (let i = 0; i < n; i++) out[i] = Math.exp(n === 1 ? a : a + ((b - a) * i) / (n - 1));
  return out;
}

/**
 * Quadrature for the integrals of the Debye kernel against a Gaussian centred at 0, for y = ln(ωτ_m):
 *   re(y) = ∫ e^{−(εu)²} / (1 + e^{2(y+u)}) du,  im(y) = −∫ e^{−(εu)²} e^{y+u} / (1 + e^{2(y+u)}) du.
 * The trapezoid rule on an analytic integrand converges geometrically (Trefethen & Weideman, SIAM Rev.
 * 56 (2014) 385): the kernel's poles lie π/2 off the real axis, giving an error ~e^{−π²/h}, and the
 * Gaussian's own aliasing error is ~e^{−(π/(hε))²}. h = min(0.3, 0.5/ε) keeps both below 1e-14 and
 * the nodes/weights are shared by every matrix element.
 */
interface GaussRule {
  u: Float64Array;
  w: Float64Array;
}

function gaussianRule(eps: number): GaussRule {
  const half = 6.5 / eps;
  const h = Math.min(0.3, 0.5 / eps);
  const n = Math.ceil(half / h);
  const u = new Float64Array(2 * n + 1);
  const w = new Float64Array(2 * n + 1);
  for (let i = -n; i <= n; i++) {
    u[i + n] = i * h;
    w[i + n] = h * Math.exp(-((eps * i * h) ** 2));
  }
  return { u, w };
}

function gaussianKernel(y: number, rule: GaussRule, out: { re: number; im: number }): void {
  let re = 0;
  let im = 0;
  const { u, w } = rule;
  for (let i = 0; i < u.length; i++) {
    // 1/(1+e^{2t}) and e^t/(1+e^{2t}) from one exponential of −|t| (no overflow)
    const t = y + u[i];
    const e = Math.exp(-Math.abs(t));
    const e2 = e * e;
    const d = 1 / (1 + e2);
    re += w[i] * (t > 0 ? e2 * d : d);
    im -= w[i] * e * d;
  }
  out.re = re;
  out.im = im;
}

/** 8-point Gauss–Legendre nodes/weights on [0, 1]. */
const GL_X = [
  0.0198550717512319, 0.1016667612931866, 0.2372337950418355, 0.4082826787521751, 0.5917173212478249,
  0.7627662049581645, 0.8983332387068134, 0.9801449282487681,
];
const GL_W = [
  0.0506142681451881, 0.1111905172266872, 0.1568533229389436, 0.181341891689181, 0.181341891689181,
  0.1568533229389436, 0.1111905172266872, 0.0506142681451881,
];

/** Same integrals for a hat of half-width Δ centred at 0 (piecewise-linear basis). */
function hatKernel(y: number, delta: number, out: { re: number; im: number }): void {
  let re = 0;
  let im = 0;
  // Split each side into pieces of ≤ 0.25 so the Gauss rule resolves the kernel.
  const pieces = Math.max(1, Math.ceil(delta / 0.25));
  const h = delta / pieces;
  for (let side = -1; side <= 1; side += 2) {
    for (let p = 0; p < pieces; p++) {
      for (let k = 0; k < 8; k++) {
        const s = (p + GL_X[k]) * h; // distance from the centre
        const u = side * s;
        const w = GL_W[k] * h * (1 - s / delta);
        const t = y + u;
        const kre = t > 0 ? Math.exp(-2 * t) / (1 + Math.exp(-2 * t)) : 1 / (1 + Math.exp(2 * t));
        re += w * kre;
        im -= w / (2 * Math.cosh(t));
      }
    }
  }
  out.re = re;
  out.im = im;
}

/** Discretisation matrices A_re, A_im (row-major nFreq × nTau) of the DRT integral. */
export function drtMatrices(
  freqHz: Float64Array,
  tauS: Float64Array,
  basis: DrtBasis,
  epsilon: number,
): { aRe: Float64Array; aIm: Float64Array } {
  const nf = freqHz.length;
  const nt = tauS.length;
  const aRe = new Float64Array(nf * nt);
  const aIm = new Float64Array(nf * nt);
  const tmp = { re: 0, im: 0 };
  const delta = nt > 1 ? Math.log(tauS[1] / tauS[0]) : 1;
  const rule = basis === 'gaussian' ? gaussianRule(epsilon) : undefined;
  for (let i = 0; i < nf; i++) {
    const lw = Math.log(2 * Math.PI * freqHz[i]);
    for (let m = 0; m < nt; m++) {
      const y = lw + Math.log(tauS[m]);
      if (rule) gaussianKernel(y, rule, tmp);
      else hatKernel(y, delta, tmp);
      aRe[i * nt + m] = tmp.re;
      aIm[i * nt + m] = tmp.im;
    }
  }
  return { aRe, aIm };
}

/** Penalty matrix M (nTau × nTau) of the derivative of order 1 or 2 of γ over ln τ. */
export function drtPenalty(
  tauS: Float64Array,
  basis: DrtBasis,
  epsilon: number,
  derivative: 1 | 2,
): Float64Array {
  const n = tauS.length;
  const m = new Float64Array(n * n);
  if (basis === 'gaussian') {
    // ∫ φ_i^(k) φ_j^(k) dx in closed form, a = ε(x_i − x_j) (Wan et al. 2015, appendix):
    //   k = 1: ε (1 − a²) e^{−a²/2} √(π/2);  k = 2: ε³ (3 − 6a² + a⁴) e^{−a²/2} √(π/2)
    const c = Math.sqrt(Math.PI / 2);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const a = epsilon * Math.log(tauS[i] / tauS[j]);
        const a2 = a * a;
        const e = Math.exp(-a2 / 2) * c;
        m[i * n + j] = derivative === 1 ? epsilon * (1 - a2) * e : epsilon ** 3 * (3 - 6 * a2 + a2 * a2) * e;
      }
    }
    return m;
  }
  // Hats: exact ∫(γ′)² for k = 1; for k = 2 the second difference (γ_{i−1} − 2γ_i + γ_{i+1})/Δ² summed
  // with weight Δ, the discrete analogue used by DRTtools for piecewise-linear discretisation.
  const d = n > 1 ? Math.log(tauS[1] / tauS[0]) : 1;
  if (derivative === 1) {
    for (let i = 0; i < n - 1; i++) {
      m[i * n + i] += 1 / d;
      m[(i + 1) * n + i + 1] += 1 / d;
      m[i * n + i + 1] -= 1 / d;
      m[(i + 1) * n + i] -= 1 / d;
    }
  } else {
    const w = 1 / d ** 3;
    for (let i = 1; i < n - 1; i++) {
      const idx = [i - 1, i, i + 1];
      const coef = [1, -2, 1];
      for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) m[idx[p] * n + idx[q]] += w * coef[p] * coef[q];
    }
  }
  return m;
}

/** Problem assembled for one spectrum: Gram matrix pieces with R∞/L columns prepended. */
interface Assembled extends Design {
  /** The cached design the spectrum was assembled on. */
  design: Design;
  /** Aᵀb and ‖b‖² of this spectrum. */
  atb: Float64Array;
  b2: number;
}

/** The data-independent part of the problem: design with R∞/L columns, its Gram matrix and the penalty. */
interface Design {
  nVar: number;
  /** Index of the first basis coefficient; R∞ and L (when fitted) come first. */
  offset: number;
  iR: number;
  iL: number;
  ata: Float64Array;
  pen: Float64Array;
  aRe: Float64Array;
  aIm: Float64Array;
  lScale: number;
  /** Simultaneous diagonalisation of AᵀA and M, built on first use by λ selection. */
  spectral?: Spectral | null;
}

/** Designs per setup and fit mode: a DEIS series on one frequency grid builds AᵀA once. */
const designCache = new WeakMap<DrtSetup, Map<string, Design>>();

function design(st: DrtSetup, opts: { fitRInf: boolean; fitL: boolean; data: DrtData }): Design {
  const key = `${opts.data}|${opts.fitRInf}|${opts.fitL}`;
  let perSetup = designCache.get(st);
  if (!perSetup) {
    perSetup = new Map();
    designCache.set(st, perSetup);
  }
  const hit = perSetup.get(key);
  if (hit) return hit;
  const nf = st.freqHz.length;
  const nt = st.tauS.length;
  const iR = opts.fitRInf && opts.data !== 'im' ? 0 : -1;
  const iL = opts.fitL && opts.data !== 're' ? (iR >= 0 ? 1 : 0) : -1;
  const offset = (iR >= 0 ? 1 : 0) + (iL >= 0 ? 1 : 0);
  const nVar = offset + nt;
  let fMax = 0;
  for (const f of st.freqHz) fMax = Math.max(fMax, f);
  const aRe = new Float64Array(nf * nVar);
  const aIm = new Float64Array(nf * nVar);
  for (let i = 0; i < nf; i++) {
    if (iR >= 0) aRe[i * nVar + iR] = 1;
    // L is solved as ω_max·L (Ω) so that its column is on the scale of the others.
    if (iL >= 0) aIm[i * nVar + iL] = st.freqHz[i] / fMax;
    aRe.set(st.aRe.subarray(i * nt, (i + 1) * nt), i * nVar + offset);
    aIm.set(st.aIm.subarray(i * nt, (i + 1) * nt), i * nVar + offset);
  }
  const ata = new Float64Array(nVar * nVar);
  const accumulate = (a: Float64Array) => {
    for (let r = 0; r < nf; r++) {
      const off = r * nVar;
      for (let i = 0; i < nVar; i++) {
        const ai = a[off + i];
        if (ai === 0) continue;
        for (let j = i; j < nVar; j++) ata[i * nVar + j] += ai * a[off + j];
      }
    }
  };
  if (opts.data !== 'im') accumulate(aRe);
  if (opts.data !== 're') accumulate(aIm);
  for (let i = 0; i < nVar; i++) for (let j = 0; j < i; j++) ata[i * nVar + j] = ata[j * nVar + i];
  const pen = new Float64Array(nVar * nVar);
  for (let i = 0; i < nt; i++)
    for (let j = 0; j < nt; j++) pen[(offset + i) * nVar + offset + j] = st.penalty[i * nt + j];
  const d: Design = { nVar, offset, iR, iL, ata, pen, aRe, aIm, lScale: 1 / (2 * Math.PI * fMax) };
  perSetup.set(key, d);
  return d;
}

/** Adds the spectrum's right-hand side Aᵀb and ‖b‖² to the design. */
function assemble(
  s: SpectrumData,
  st: DrtSetup,
  opts: { fitRInf: boolean; fitL: boolean; data: DrtData },
): Assembled {
  const d = design(st, opts);
  const nf = s.freqHz.length;
  const nVar = d.nVar;
  const atb = new Float64Array(nVar);
  let b2 = 0;
  const accumulate = (a: Float64Array, b: Float64Array) => {
    for (let r = 0; r < nf; r++) {
      const off = r * nVar;
      const br = b[r];
      b2 += br * br;
      for (let i = 0; i < nVar; i++) atb[i] += a[off + i] * br;
    }
  };
  if (opts.data !== 'im') accumulate(d.aRe, s.zReOhm);
  if (opts.data !== 're') accumulate(d.aIm, s.zImOhm);
  return { ...d, design: d, atb, b2 };
}

/** In-place Cholesky (lower, row-major). Returns false when not positive definite. */
function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
  }
  return true;
}

function cholSolve(l: Float64Array, n: number, b: Float64Array, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * out[k];
    out[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = out[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * out[k];
    out[i] = s / l[i * n + i];
  }
}

/**
 * Unconstrained ridge solution at λ with its residual ‖Ax−b‖², seminorm xᵀMx and the trace of the
 * influence matrix tr(A H⁻¹ Aᵀ) = tr(H⁻¹ AᵀA).
 */
function ridge(
  p: Assembled,
  lambda: number,
  withTrace: boolean,
): { res2: number; semi: number; trace: number } | undefined {
  const n = p.nVar;
  const h = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) h[i] = p.ata[i] + lambda * p.pen[i];
  if (!cholesky(h, n)) return undefined;
  const x = new Float64Array(n);
  cholSolve(h, n, p.atb, x);
  // ‖Ax − b‖² = xᵀAᵀAx − 2xᵀAᵀb + bᵀb
  let xAx = 0;
  let xb = 0;
  let semi = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    let q = 0;
    for (let j = 0; j < n; j++) {
      r += p.ata[i * n + j] * x[j];
      q += p.pen[i * n + j] * x[j];
    }
    xAx += x[i] * r;
    semi += x[i] * q;
    xb += x[i] * p.atb[i];
  }
  const res2 = Math.max(xAx - 2 * xb + p.b2, 0);
  let trace = 0;
  if (withTrace) {
    const col = new Float64Array(n);
    const sol = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) col[i] = p.ata[i * n + j];
      cholSolve(h, n, col, sol);
      trace += sol[j];
    }
  }
  return { res2, semi, trace };
}

/** Number of equations of the fit (rows of the stacked system). */
function nEquations(nf: number, data: DrtData): number {
  return data === 'combined' ? 2 * nf : nf;
}

/**
 * Simultaneous diagonalisation of G = AᵀA and the penalty P for fast λ scans. With K = G + sP = LLᵀ
 * (s balances the two scales) and the eigen-decomposition L⁻¹(sP)L⁻ᵀ = V diag(σ) Vᵀ, σ ∈ [0, 1], the
 * columns of W = L⁻ᵀV satisfy WᵀGW = diag(1 − σ) and Wᵀ(sP)W = diag(σ), so for every λ
 *   H(λ) = G + λP = W⁻ᵀ diag(1 + (λ/s − 1)σ) W⁻¹
 * and the ridge solution, residual, seminorm and influence trace cost O(n) each (the generalised SVD
 * route of Hansen, Rank-Deficient and Discrete Ill-Posed Problems, SIAM 1998, §2.1). The decomposition
 * depends only on the design, so a series on one frequency grid pays for it once.
 */
interface Spectral {
  w: Float64Array; // n×n row-major, column k = w_k
  sigma: Float64Array;
  scale: number;
}

function spectralOf(p: Assembled): Spectral | null {
  if (p.design.spectral !== undefined) return p.design.spectral;
  const n = p.nVar;
  let trG = 0;
  let trP = 0;
  for (let i = 0; i < n; i++) {
    trG += p.ata[i * n + i];
    trP += p.pen[i * n + i];
  }
  const scale = trP > 0 ? trG / trP : 1;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) l[i] = p.ata[i] + scale * p.pen[i];
  let result: Spectral | null = null;
  if (cholesky(l, n)) {
    // S = L⁻¹ (sP) L⁻ᵀ: solve L Y = sP, then L Sᵀ = Yᵀ (S is symmetric)
    const y = new Float64Array(n * n);
    for (let col = 0; col < n; col++) {
      for (let i = 0; i < n; i++) {
        let sum = scale * p.pen[i * n + col];
        for (let k = 0; k < i; k++) sum -= l[i * n + k] * y[k * n + col];
        y[i * n + col] = sum / l[i * n + i];
      }
    }
    const sm = new Float64Array(n * n);
    for (let row = 0; row < n; row++) {
      for (let i = 0; i < n; i++) {
        let sum = y[row * n + i];
        for (let k = 0; k < i; k++) sum -= l[i * n + k] * sm[row * n + k];
        sm[row * n + i] = sum / l[i * n + i];
      }
    }
    for (let i = 0; i < n; i++)
      for (let j = 0; j < i; j++) sm[i * n + j] = sm[j * n + i] = 0.5 * (sm[i * n + j] + sm[j * n + i]);
    const eig = symmetricEigenQl(sm, n);
    // W = L⁻ᵀ V by back substitution, column by column
    const w = new Float64Array(n * n);
    for (let col = 0; col < n; col++) {
      for (let i = n - 1; i >= 0; i--) {
        let sum = eig.vectors[i * n + col];
        for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * w[k * n + col];
        w[i * n + col] = sum / l[i * n + i];
      }
    }
    const sigma = Float64Array.from(eig.values, (v) => Math.min(1, Math.max(0, v)));
    result = { w, sigma, scale };
  }
  p.design.spectral = result;
  return result;
}

/** Ridge statistics from the simultaneous diagonalisation (see spectralOf). */
function ridgeSpectral(
  sp: Spectral,
  p: Assembled,
  lambda: number,
): { res2: number; semi: number; trace: number } {
  const n = p.nVar;
  const lp = lambda / sp.scale;
  let xGx = 0;
  let xb = 0;
  let semi = 0;
  let trace = 0;
  for (let k = 0; k < n; k++) {
    let beta = 0;
    for (let i = 0; i < n; i++) beta += sp.w[i * n + k] * p.atb[i];
    const sg = sp.sigma[k];
    const d = 1 + (lp - 1) * sg;
    const g = beta / d;
    xGx += (1 - sg) * g * g;
    semi += sg * g * g;
    xb += g * beta;
    trace += (1 - sg) / d;
  }
  return { res2: Math.max(xGx - 2 * xb + p.b2, 0), semi: semi / sp.scale, trace };
}

/** Ridge statistics at λ: fast path when the design diagonalises, Cholesky otherwise. */
function ridgeStats(
  p: Assembled,
  lambda: number,
  withTrace: boolean,
): { res2: number; semi: number; trace: number } | undefined {
  const sp = spectralOf(p);
  return sp ? ridgeSpectral(sp, p, lambda) : ridge(p, lambda, withTrace);
}

/**
 * Search range of the automatic rules, log10 λ: 1e-7 … 1, the range DRTtools searches. Below it the
 * fit follows the noise; above it every spectrum is smoothed into one broad peak.
 */
const LOG_LAMBDA_MIN = -7;
const LOG_LAMBDA_MAX = 0;

/** GCV(λ) = m‖(I − K)b‖² / tr(I − K)² (Golub, Heath & Wahba 1979), minimised over log λ. */
function chooseLambdaGcv(p: Assembled, mEq: number): number {
  const gcv = (logL: number): number => {
    const r = ridgeStats(p, Math.pow(10, logL), true);
    if (!r) return Infinity;
    const denom = (mEq - r.trace) ** 2;
    return denom > 0 ? (mEq * r.res2) / denom : Infinity;
  };
  return Math.pow(10, minimiseOnGrid(gcv, LOG_LAMBDA_MIN, LOG_LAMBDA_MAX, 17));
}

/** Corner of the L-curve: maximum curvature of (log‖Ax−b‖, log xᵀMx) over log λ (Hansen, SIAM Rev. 34 (1992) 561). */
function chooseLambdaLCurve(p: Assembled): number {
  const logs: number[] = [];
  const rho: number[] = [];
  const eta: number[] = [];
  for (let k = 0; k <= 48; k++) {
    const l = LOG_LAMBDA_MIN + ((LOG_LAMBDA_MAX - LOG_LAMBDA_MIN) * k) / 48;
    const r = ridgeStats(p, Math.pow(10, l), false);
    if (!r || r.res2 <= 0 || r.semi <= 0) continue;
    logs.push(l);
    rho.push(0.5 * Math.log(r.res2));
    eta.push(0.5 * Math.log(r.semi));
  }
  if (logs.length < 5)
    throw new NumericalError('L-curve could not be traced', {
      field: 'lambda',
      found: logs.length,
      expected: 'at least 5 solvable λ values',
    });
  let best = 2;
  let bestK = -Infinity;
  for (let i = 2; i < logs.length - 2; i++) {
    const h = logs[i + 1] - logs[i - 1];
    const dr = (rho[i + 1] - rho[i - 1]) / h;
    const de = (eta[i + 1] - eta[i - 1]) / h;
    const ddr = (rho[i + 1] - 2 * rho[i] + rho[i - 1]) / (h / 2) ** 2;
    const dde = (eta[i + 1] - 2 * eta[i] + eta[i - 1]) / (h / 2) ** 2;
    const kappa = (dr * dde - ddr * de) / Math.pow(dr * dr + de * de, 1.5);
    if (kappa > bestK) {
      bestK = kappa;
      best = i;
    }
  }
  return Math.pow(10, logs[best]);
}

/** Grid search then golden-section refinement of a 1-D function on [lo, hi]. */
function minimiseOnGrid(f: (x: number) => number, lo: number, hi: number, n: number): number {
  let bestI = 0;
  let bestV = Infinity;
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = lo + ((hi - lo) * i) / (n - 1);
    xs.push(x);
    const v = f(x);
    if (v < bestV) {
      bestV = v;
      bestI = i;
    }
  }
  if (!Number.isFinite(bestV))
    throw new NumericalError('GCV could not be evaluated', {
      field: 'lambda',
      found: 'no finite GCV value',
      expected: 'a solvable ridge problem',
    });
  let a = xs[Math.max(0, bestI - 1)];
  let b = xs[Math.min(n - 1, bestI + 1)];
  const g = (Math.sqrt(5) - 1) / 2;
  let c1 = b - g * (b - a);
  let c2 = a + g * (b - a);
  let f1 = f(c1);
  let f2 = f(c2);
  for (let it = 0; it < 30 && b - a > 1e-3; it++) {
    if (f1 < f2) {
      b = c2;
      c2 = c1;
      f2 = f1;
      c1 = b - g * (b - a);
      f1 = f(c1);
    } else {
      a = c1;
      c1 = c2;
      f1 = f2;
      c2 = a + g * (b - a);
      f2 = f(c2);
    }
  }
  return (a + b) / 2;
}

/** Reusable discretisation for spectra measured on the same frequencies (a DEIS series). */
export interface DrtSetup {
  readonly freqHz: Float64Array;
  readonly tauS: Float64Array;
  readonly basis: DrtBasis;
  readonly epsilon: number;
  readonly aRe: Float64Array;
  readonly aIm: Float64Array;
  readonly penalty: Float64Array;
  readonly derivative: 1 | 2;
}

function resolveGrid(
  freqHz: Float64Array,
  o: DrtOptions,
): { tauS: Float64Array; basis: DrtBasis; epsilon: number; derivative: 1 | 2 } {
  const nTau = o.nTau ?? 92;
  if (!Number.isInteger(nTau) || nTau < 3 || nTau > 2000)
    throw new ParameterError('number of time constants out of range', {
      field: 'nTau',
      found: nTau,
      expected: 'an integer 3..2000',
    });
  let fMin = Infinity;
  let fMax = 0;
  for (const f of freqHz) {
    fMin = Math.min(fMin, f);
    fMax = Math.max(fMax, f);
  }
  // Default grid spans exactly the measured time scales: basis functions beyond 1/ω_max cannot be told
  // apart from R∞ by the data (nor those beyond 1/ω_min from a capacitance), so extending the grid only
  // lets the regulariser trade R∞ for spurious edge mass.
  const tauMin = o.tauMinS ?? 1 / (2 * Math.PI * fMax);
  const tauMax = o.tauMaxS ?? 1 / (2 * Math.PI * fMin);
  if (!(tauMin > 0 && tauMax > tauMin))
    throw new ParameterError('τ range is empty or not positive', {
      field: 'tauMinS/tauMaxS',
      found: [tauMin, tauMax],
      expected: '0 < tauMin < tauMax',
    });
  const basis = o.basis ?? 'gaussian';
  if (basis !== 'gaussian' && basis !== 'piecewise-linear')
    throw new ParameterError('unknown basis', {
      field: 'basis',
      found: basis,
      expected: 'gaussian or piecewise-linear',
    });
  const coeff = o.shapeCoefficient ?? 0.5;
  if (!(coeff > 0))
    throw new ParameterError('shape coefficient must be positive', {
      field: 'shapeCoefficient',
      found: coeff,
      expected: '> 0',
    });
  const derivative = o.derivative ?? 1;
  if (derivative !== 1 && derivative !== 2)
    throw new ParameterError('derivative order must be 1 or 2', {
      field: 'derivative',
      found: derivative,
      expected: '1 or 2',
    });
  const tauS = logGrid(tauMin, tauMax, nTau);
  const epsilon = basis === 'gaussian' ? gaussianEpsilon(Math.log(tauS[1] / tauS[0]), coeff) : 0;
  return { tauS, basis, epsilon, derivative };
}

/** Builds the matrices once for a frequency grid; pass the setup to `drt` for every spectrum on it. */
export function drtSetup(freqHz: Float64Array, options: DrtOptions = {}): DrtSetup {
  const { tauS, basis, epsilon, derivative } = resolveGrid(freqHz, options);
  const { aRe, aIm } = drtMatrices(freqHz, tauS, basis, epsilon);
  return {
    freqHz: Float64Array.from(freqHz),
    tauS,
    basis,
    epsilon,
    aRe,
    aIm,
    penalty: drtPenalty(tauS, basis, epsilon, derivative),
    derivative,
  };
}

function sameGrid(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-9 * Math.abs(b[i])) return false;
  return true;
}

/** γ at the given τ from basis coefficients on a log-uniform grid `tauS` (as built by logGrid / drtSetup). */
export function evaluateGamma(
  tauS: Float64Array,
  coeffs: Float64Array,
  basis: DrtBasis,
  epsilon: number,
  atTauS: Float64Array,
): Float64Array {
  const out = new Float64Array(atTauS.length);
  const n = tauS.length;
  const x0 = Math.log(tauS[0]);
  const d = n > 1 ? Math.log(tauS[1] / tauS[0]) : 1;
  for (let k = 0; k < atTauS.length; k++) {
    const x = Math.log(atTauS[k]);
    let g = 0;
    if (basis === 'gaussian') {
      // Only basis functions within |ε(x − x_m)| < 8 contribute (e^{−64} is below double precision).
      const centre = (x - x0) / d;
      const reach = 8 / (epsilon * d);
      const lo = Math.max(0, Math.floor(centre - reach));
      const hi = Math.min(n - 1, Math.ceil(centre + reach));
      // Along m the exponent −u_m² (u_m = ε(x − x0 − m·d), step δ = ε·d) changes by 2u_m·δ − δ², and that
      // change by −2δ² per step: two exponentials per point and products after, instead of one
      // exponential per basis function (the products drift by a few ulp over the ≤ 2·reach terms).
      // Narrow functions (δ > 1: fewer than 8 within reach, and e^{2u·δ} could overflow) are summed directly.
      const delta = epsilon * d;
      if (delta > 1) {
        for (let m = lo; m <= hi; m++) {
          if (coeffs[m] === 0) continue;
          const u = epsilon * (x - x0 - m * d);
          g += coeffs[m] * Math.exp(-u * u);
        }
      } else {
        const u0 = epsilon * (x - x0 - lo * d);
        let value = Math.exp(-u0 * u0);
        let ratio = Math.exp(2 * u0 * delta - delta * delta);
        const ratioStep = Math.exp(-2 * delta * delta);
        for (let m = lo; m <= hi; m++) {
          if (coeffs[m] !== 0) g += coeffs[m] * value;
          value *= ratio;
          ratio *= ratioStep;
        }
      }
    } else {
      const pos = (x - x0) / d;
      const i = Math.floor(pos);
      const t = pos - i;
      if (i >= 0 && i < n) g += coeffs[i] * (1 - t);
      if (i + 1 >= 0 && i + 1 < n) g += coeffs[i + 1] * t;
    }
    out[k] = g;
  }
  return out;
}

/** ∫_{ln a}^{ln b} γ d ln τ, exact for both bases (log-uniform `tauS`). */
export function integrateGamma(
  tauS: Float64Array,
  coeffs: Float64Array,
  basis: DrtBasis,
  epsilon: number,
  tauLoS: number,
  tauHiS: number,
): number {
  const a = Math.log(tauLoS);
  const b = Math.log(tauHiS);
  const n = tauS.length;
  let sum = 0;
  if (basis === 'gaussian') {
    // ∫ e^{−ε²(x−x_m)²} dx = √π/(2ε) [erf(ε(b−x_m)) − erf(ε(a−x_m))]
    const k = Math.sqrt(Math.PI) / (2 * epsilon);
    for (let m = 0; m < n; m++) {
      if (coeffs[m] === 0) continue;
      const xm = Math.log(tauS[m]);
      sum += coeffs[m] * k * (erf(epsilon * (b - xm)) - erf(epsilon * (a - xm)));
    }
    return sum;
  }
  const d = n > 1 ? Math.log(tauS[1] / tauS[0]) : 1;
  // Hat m covers [x_m − d, x_m + d]; integrate the clipped triangle piecewise.
  const tri = (lo: number, hi: number, xm: number): number => {
    const seg = (l: number, h: number, f: (x: number) => number): number =>
      h > l ? ((f(l) + f(h)) / 2) * (h - l) : 0;
    const left = seg(Math.max(lo, xm - d), Math.min(hi, xm), (x) => 1 - (xm - x) / d);
    const right = seg(Math.max(lo, xm), Math.min(hi, xm + d), (x) => 1 - (x - xm) / d);
    return left + right;
  };
  for (let m = 0; m < n; m++) if (coeffs[m] !== 0) sum += coeffs[m] * tri(a, b, Math.log(tauS[m]));
  return sum;
}

/** Local maxima of γ on the fine grid, refined by a parabola in log τ. */
function findPeaks(
  tauFine: Float64Array,
  gamma: Float64Array,
  minRel: number,
  integrate: (lo: number, hi: number) => number,
): DrtPeak[] {
  const n = gamma.length;
  let gMax = 0;
  for (const g of gamma) gMax = Math.max(gMax, g);
  if (gMax <= 0) return [];
  const maxima: number[] = [];
  for (let i = 1; i < n - 1; i++) {
    if (gamma[i] > gamma[i - 1] && gamma[i] >= gamma[i + 1] && gamma[i] >= minRel * gMax) maxima.push(i);
  }
  const peaks: DrtPeak[] = [];
  for (let p = 0; p < maxima.length; p++) {
    const i = maxima[p];
    const x0 = Math.log(tauFine[i]);
    const h = Math.log(tauFine[i + 1] / tauFine[i]);
    const y0 = gamma[i - 1];
    const y1 = gamma[i];
    const y2 = gamma[i + 1];
    const den = y0 - 2 * y1 + y2;
    const shift = den !== 0 ? (0.5 * (y0 - y2)) / den : 0;
    const x = x0 + Math.max(-1, Math.min(1, shift)) * h;
    // Bounds: the lowest point of γ between neighbouring maxima (or the grid ends).
    const lowBetween = (from: number, to: number): number => {
      let k = from;
      for (let j = from; j <= to; j++) if (gamma[j] < gamma[k]) k = j;
      return k;
    };
    const lo = p === 0 ? 0 : lowBetween(maxima[p - 1], i);
    const hi = p === maxima.length - 1 ? n - 1 : lowBetween(i, maxima[p + 1]);
    const tau = Math.exp(x);
    peaks.push({
      tauS: tau,
      log10TauS: x / Math.LN10,
      freqHz: 1 / (2 * Math.PI * tau),
      gammaOhm: y1 - 0.25 * (y0 - y2) * Math.max(-1, Math.min(1, shift)),
      resistanceOhm: integrate(
        p === 0 ? tauFine[0] / 1e3 : tauFine[lo],
        p === maxima.length - 1 ? tauFine[n - 1] * 1e3 : tauFine[hi],
      ),
    });
  }
  return peaks;
}

/** The 10×-denser τ grid γ is reported on, per setup (shared by the results of a series; do not modify). */
const fineGrids = new WeakMap<DrtSetup, Float64Array>();
function fineGrid(st: DrtSetup): Float64Array {
  let grid = fineGrids.get(st);
  if (!grid) {
    const nt = st.tauS.length;
    grid = logGrid(st.tauS[0], st.tauS[nt - 1], 10 * nt);
    fineGrids.set(st, grid);
  }
  return grid;
}

/**
 * γ on the fine grid as a banded matrix-vector product: the Gaussians' values at every fine-grid point
 * within reach (|ε(x − x_m)| < 8, as evaluateGamma sums them), computed once per setup, so that each sweep
 * of a series costs multiply-adds only instead of logarithms and exponentials.
 */
class GammaOperator {
  constructor(
    private readonly lo: Int32Array,
    private readonly width: number,
    private readonly values: Float64Array,
  ) {}

  static of(st: DrtSetup, tauFine: Float64Array): GammaOperator {
    const n = st.tauS.length;
    const x0 = Math.log(st.tauS[0]);
    const d = n > 1 ? Math.log(st.tauS[1] / st.tauS[0]) : 1;
    const eps = st.epsilon;
    const reach = 8 / (eps * d);
    const width = Math.min(n, 2 * Math.ceil(reach) + 2);
    const lo = new Int32Array(tauFine.length);
    const values = new Float64Array(tauFine.length * width);
    for (let k = 0; k < tauFine.length; k++) {
      const x = Math.log(tauFine[k]);
      const centre = (x - x0) / d;
      const first = Math.max(0, Math.min(n - width, Math.floor(centre - reach)));
      lo[k] = first;
      for (let j = 0; j < width; j++) {
        const u = eps * (x - x0 - (first + j) * d);
        values[k * width + j] = Math.abs(u) < 8 ? Math.exp(-u * u) : 0;
      }
    }
    return new GammaOperator(lo, width, values);
  }

  apply(coeffs: Float64Array): Float64Array {
    const { lo, width, values } = this;
    const out = new Float64Array(lo.length);
    for (let k = 0; k < lo.length; k++) {
      const base = k * width;
      const first = lo[k];
      let g = 0;
      for (let j = 0; j < width; j++) g += values[base + j] * coeffs[first + j];
      out[k] = g;
    }
    return out;
  }
}

const gammaOperators = new WeakMap<DrtSetup, GammaOperator>();
function gammaOperator(st: DrtSetup): GammaOperator {
  let op = gammaOperators.get(st);
  if (!op) {
    op = GammaOperator.of(st, fineGrid(st));
    gammaOperators.set(st, op);
  }
  return op;
}

/**
 * H = AᵀA + λM and its Cholesky factor, per design and λ: a series on one frequency and τ grid at one λ
 * forms and factors H once, and each sweep only solves with its own right-hand side. A few λ are kept
 * (a rule that picks λ per sweep would otherwise fill the cache).
 */
const penalisedCache = new WeakMap<Design, Map<number, { h: Float64Array; factor: GramFactor | null }>>();
const PENALISED_KEPT = 4;

function penalisedGram(p: Assembled, lambda: number): { h: Float64Array; factor: GramFactor | null } {
  let perDesign = penalisedCache.get(p.design);
  if (!perDesign) {
    perDesign = new Map();
    penalisedCache.set(p.design, perDesign);
  }
  const hit = perDesign.get(lambda);
  if (hit) return hit;
  const n = p.nVar;
  const h = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) h[i] = p.ata[i] + lambda * p.pen[i];
  // Unpenalised columns (R∞, L) with no data rows would make H singular: tiny ridge on them only.
  for (const k of [p.iR, p.iL]) if (k >= 0 && h[k * n + k] === 0) h[k * n + k] = 1e-12;
  const entry = { h, factor: gramFactor(h, n) };
  if (perDesign.size >= PENALISED_KEPT) perDesign.delete(perDesign.keys().next().value as number);
  perDesign.set(lambda, entry);
  return entry;
}

/** Computes the DRT of one spectrum. Pass `setup` (from drtSetup) to reuse matrices across a series. */
export function drt(spectrum: SpectrumData, options: DrtOptions = {}, setup?: DrtSetup): DrtResult {
  const s = checkSpectrum(spectrum, options);
  const data = options.data ?? 'combined';
  if (data !== 'combined' && data !== 're' && data !== 'im')
    throw new ParameterError('unknown data selection', {
      field: 'data',
      found: data,
      expected: 'combined, re or im',
    });
  let st = setup;
  if (st && !sameGrid(st.freqHz, s.freqHz)) {
    throw new ParameterError('DRT setup was built for other frequencies', {
      file: s.source,
      field: 'freqHz',
      found: s.freqHz.length,
      expected: `the ${st.freqHz.length} frequencies of the setup`,
    });
  }
  st ??= drtSetup(s.freqHz, options);
  const nt = st.tauS.length;
  const p = assemble(s, st, { fitRInf: options.fitRInf ?? true, fitL: options.fitInductance ?? true, data });
  const nf = s.freqHz.length;
  let lambda: number;
  let rule: 'given' | 'gcv' | 'lcurve';
  const opt = options.lambda ?? 1e-3;
  if (opt === 'gcv') {
    lambda = chooseLambdaGcv(p, nEquations(nf, data));
    rule = 'gcv';
  } else if (opt === 'lcurve') {
    lambda = chooseLambdaLCurve(p);
    rule = 'lcurve';
  } else {
    if (!(typeof opt === 'number' && opt > 0 && Number.isFinite(opt)))
      throw new ParameterError('regularisation parameter must be a positive number', {
        field: 'lambda',
        found: opt,
        expected: "a number > 0, 'gcv' or 'lcurve'",
      });
    lambda = opt;
    rule = 'given';
  }
  const { h, factor } = penalisedGram(p, lambda);
  const { x } = nnlsGram(h, p.atb, factor ? { factor } : {});
  const coeffs = x.slice(p.offset);
  const rInf = p.iR >= 0 ? x[p.iR] : 0;
  const ind = p.iL >= 0 ? x[p.iL] * p.lScale : 0;

  const zFitRe = new Float64Array(nf);
  const zFitIm = new Float64Array(nf);
  const resRe = new Float64Array(nf);
  const resIm = new Float64Array(nf);
  let ss = 0;
  for (let i = 0; i < nf; i++) {
    let re = rInf;
    let im = 2 * Math.PI * s.freqHz[i] * ind;
    for (let m = 0; m < nt; m++) {
      re += st.aRe[i * nt + m] * coeffs[m];
      im += st.aIm[i * nt + m] * coeffs[m];
    }
    zFitRe[i] = re;
    zFitIm[i] = im;
    const mod = Math.hypot(s.zReOhm[i], s.zImOhm[i]);
    resRe[i] = (s.zReOhm[i] - re) / mod;
    resIm[i] = (s.zImOhm[i] - im) / mod;
    ss += resRe[i] ** 2 + resIm[i] ** 2;
  }
  const tauFine = fineGrid(st);
  const gamma =
    st.basis === 'gaussian'
      ? gammaOperator(st).apply(coeffs)
      : evaluateGamma(st.tauS, coeffs, st.basis, st.epsilon, tauFine);
  const integrate = (lo: number, hi: number) => integrateGamma(st.tauS, coeffs, st.basis, st.epsilon, lo, hi);
  const total = integrate(st.tauS[0] / 1e6, st.tauS[nt - 1] * 1e6);
  const hNorm = new Float64Array(gamma.length);
  if (total > 0) for (let i = 0; i < gamma.length; i++) hNorm[i] = gamma[i] / total;
  const windows = (options.windows ?? [[-4, 0]]).map(([a, b]) => {
    if (!(Number.isFinite(a) && Number.isFinite(b) && a < b))
      throw new ParameterError('integration window must be LO < HI in log10(τ/s)', {
        field: 'windows',
        found: [a, b],
        expected: 'LO < HI',
      });
    return { log10TauMin: a, log10TauMax: b, resistanceOhm: integrate(Math.pow(10, a), Math.pow(10, b)) };
  });
  return {
    tauS: st.tauS,
    coefficients: coeffs,
    tauFineS: tauFine,
    gammaOhm: gamma,
    hNormalised: hNorm,
    rInfOhm: rInf,
    inductanceH: ind,
    polarizationOhm: total,
    lambda,
    lambdaRule: rule,
    epsilon: st.epsilon,
    basis: st.basis,
    peaks: findPeaks(tauFine, gamma, options.peakMinRelative ?? 0.01, integrate),
    windows,
    zFitReOhm: zFitRe,
    zFitImOhm: zFitIm,
    residualRe: resRe,
    residualIm: resIm,
    rmsRelativeResidual: Math.sqrt(ss / (2 * nf)),
  };
}
