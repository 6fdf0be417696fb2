/**
 * Bounded nonlinear least squares: minimise ½‖r(p)‖² subject to lower ≤ p ≤ upper.
 *
 * Method: a trust-region reflective Levenberg–Marquardt iteration with Coleman–Li scaling
 * (Coleman & Li, SIAM J. Optim. 6 (1996) 418; Branch, Coleman & Li, SIAM J. Sci. Comput. 21 (1999) 1),
 * the same family as scipy.optimize.least_squares(method='trf'), which is what the published numbers are
 * checked against. Iterates stay strictly inside the box; a step that would leave it is compared with its
 * reflection off the bound and with a scaled gradient step, and the best by the quadratic model wins.
 * The trust-region subproblem is solved on the n×n scaled normal matrix by Cholesky factorisations inside
 * Moré's safeguarded Newton iteration for the Levenberg–Marquardt parameter (Moré, Lecture Notes in
 * Mathematics 630 (1978) 105).
 *
 * Why not an npm package: ml-levenberg-marquardt clamps parameters after an unbounded step (so it stalls on
 * active bounds), has no covariance or convergence status, and only finite-difference gradients; the
 * other JS ports found are unbounded. Impedance and diffusion fits need all of these.
 *
 * Guarantees: the returned p is finite and inside the bounds; cost, residuals, covariance and standard
 * errors are never NaN (non-identifiable parameters get an infinite standard error and a null covariance);
 * `converged` is false and `status` names the reason when a tolerance was not met.
 */
import { NumericalError, ParameterError } from '../core/errors.js';
import { dot, dotRange, gramColumns, norm2, symmetricEigen } from './linalg.js';

export interface LeastSquaresProblem {
  readonly nParams: number;
  readonly nResiduals: number;
  /** residuals r(p) written into out (length nResiduals) */
  residuals(p: Float64Array, out: Float64Array): void;
  /** optional analytic Jacobian, row-major nResiduals × nParams: out[i*nParams+j] = ∂r_i/∂p_j; finite differences when absent */
  jacobian?(p: Float64Array, out: Float64Array): void;
  /**
   * Layout `jacobian` writes: 'row-major' (default, as above) or 'column-major', out[j*nResiduals+i] =
   * ∂r_i/∂p_j — the optimizer works on columns, so models that compute derivatives per parameter save a
   * transposition.
   */
  readonly jacobianLayout?: 'row-major' | 'column-major';
}

export interface LeastSquaresOptions {
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
  /** Relative change of the cost that ends the fit (scipy's ftol). Default 1e-8. */
  fTol?: number;
  /** Relative step size that ends the fit (scipy's xtol). Default 1e-8. */
  xTol?: number;
  /** Infinity norm of the Coleman–Li scaled gradient that ends the fit (scipy's gtol). Default 1e-8. */
  gTol?: number;
  /** Residual evaluations allowed (Jacobian evaluations not counted, as in scipy). Default 100·nParams. */
  maxEvaluations?: number;
  /** Characteristic scale of each parameter, or 'jac' for inverse Jacobian column norms. Default 1. */
  xScale?: ArrayLike<number> | 'jac';
  /** Finite-difference scheme when the problem has no analytic Jacobian. Default 'central'. */
  finiteDifference?: 'forward' | 'central';
}

export type LeastSquaresStatus = 'ftol' | 'xtol' | 'gtol' | 'max-evaluations' | 'failed';

export interface LeastSquaresResult {
  p: Float64Array;
  converged: boolean;
  status: LeastSquaresStatus;
  message: string;
  iterations: number;
  /** Residual evaluations (initial one included, finite-difference ones excluded). */
  evaluations: number;
  jacobianEvaluations: number;
  /** ½Σr² */
  cost: number;
  residuals: Float64Array;
  /** Row-major nResiduals × nParams at p (zero columns for parameters fixed by equal bounds). */
  jacobian: Float64Array;
  /** n×n, (JᵀJ)⁻¹·s², s² = 2·cost/(m−n); null when JᵀJ is singular or m ≤ n. */
  covariance: Float64Array | null;
  /**
   * s²(JᵀJ)⁺ over the directions the data determine (n×n, zero rows/columns for fixed parameters); finite
   * even when `covariance` is null, for propagating errors of the determined parameters.
   */
  pseudoCovariance: Float64Array;
  /** Parameters the data do not determine (infinite standard error). */
  undetermined: boolean[];
  /** √diag(covariance); Infinity for parameters the data do not determine; 0 for fixed ones. */
  standardErrors: Float64Array;
  /** 2·cost/(m−n); Infinity when m ≤ n and cost > 0. */
  reducedChi2: number;
  degreesOfFreedom: number;
  /** Parameter within xTol·max(1,|bound|) of a bound (or fixed by equal bounds). */
  atBound: boolean[];
  /** Initial value lay outside the bounds and was moved onto them before fitting. */
  initialClipped: boolean[];
  /** ‖v·g‖∞ at the solution (the first-order optimality measure gTol is applied to). */
  optimality: number;
}

const EPS = 2.220446049250313e-16;

/**
 * Fits `problem` from `p0`. Throws ParameterError for malformed input (wrong lengths, non-finite p0,
 * lower > upper, NaN bounds) and NumericalError when the residuals or Jacobian are not finite at the start
 * point. An initial guess outside the bounds is clipped onto them and flagged in `initialClipped`.
 * Parameters with lower === upper are held fixed.
 */
export function leastSquares(
  problem: LeastSquaresProblem,
  p0: ArrayLike<number>,
  options: LeastSquaresOptions = {},
): LeastSquaresResult {
  const n = problem.nParams;
  const m = problem.nResiduals;
  if (!Number.isInteger(n) || n < 1)
    throw new ParameterError('bad parameter count', { field: 'nParams', found: n, expected: 'integer ≥ 1' });
  if (!Number.isInteger(m) || m < 1)
    throw new ParameterError('bad residual count', {
      field: 'nResiduals',
      found: m,
      expected: 'integer ≥ 1',
    });
  if (p0.length !== n)
    throw new ParameterError('initial guess has the wrong length', {
      field: 'p0',
      found: p0.length,
      expected: n,
    });
  const lower = readBound(options.lower, n, -Infinity, 'lower');
  const upper = readBound(options.upper, n, Infinity, 'upper');
  const x0 = new Float64Array(n);
  const clipped: boolean[] = new Array<boolean>(n).fill(false);
  for (let j = 0; j < n; j++) {
    const v = p0[j];
    if (!Number.isFinite(v))
      throw new ParameterError('initial guess is not finite', {
        field: `p0[${j}]`,
        found: String(v),
        expected: 'a finite number',
      });
    if (lower[j] > upper[j])
      throw new ParameterError('lower bound above upper bound', {
        field: `bounds[${j}]`,
        found: [lower[j], upper[j]],
        expected: 'lower ≤ upper',
      });
    if (v < lower[j]) {
      x0[j] = lower[j];
      clipped[j] = true;
    } else if (v > upper[j]) {
      x0[j] = upper[j];
      clipped[j] = true;
    } else x0[j] = v;
  }
  const tol = {
    f: readTol(options.fTol, 'fTol'),
    x: readTol(options.xTol, 'xTol'),
    g: readTol(options.gTol, 'gTol'),
  };
  if (tol.f < EPS && tol.x < EPS && tol.g < EPS) {
    throw new ParameterError('all tolerances below machine epsilon', {
      field: 'fTol/xTol/gTol',
      found: [tol.f, tol.x, tol.g],
      expected: `at least one ≥ ${EPS}`,
    });
  }
  const maxEvaluations = options.maxEvaluations ?? 100 * n;
  if (!(maxEvaluations >= 1))
    throw new ParameterError('bad evaluation budget', {
      field: 'maxEvaluations',
      found: maxEvaluations,
      expected: '≥ 1',
    });
  let xScale: Float64Array | 'jac' = 'jac';
  if (options.xScale === undefined) xScale = new Float64Array(n).fill(1);
  else if (options.xScale !== 'jac') {
    if (options.xScale.length !== n)
      throw new ParameterError('xScale has the wrong length', {
        field: 'xScale',
        found: options.xScale.length,
        expected: n,
      });
    xScale = Float64Array.from(options.xScale);
    for (let j = 0; j < n; j++) {
      if (!(xScale[j] > 0 && Number.isFinite(xScale[j])))
        throw new ParameterError('xScale must be positive', {
          field: `xScale[${j}]`,
          found: xScale[j],
          expected: '> 0',
        });
    }
  }

  // Parameters pinned by equal bounds are removed from the iteration, then put back.
  const free: number[] = [];
  for (let j = 0; j < n; j++) if (lower[j] < upper[j]) free.push(j);
  const fd = options.finiteDifference ?? 'central';
  if (free.length === 0) return allFixedResult(problem, x0, clipped);

  const nf = free.length;
  const full = Float64Array.from(x0);
  let reduced: LeastSquaresProblem;
  if (nf === n) reduced = problem;
  else {
    const fullJac = new Float64Array(m * n);
    const analytic = problem.jacobian;
    const columnMajor = problem.jacobianLayout === 'column-major';
    reduced = {
      nParams: nf,
      nResiduals: m,
      jacobianLayout: problem.jacobianLayout,
      residuals(p, out) {
        for (let k = 0; k < nf; k++) full[free[k]] = p[k];
        problem.residuals(full, out);
      },
      jacobian: analytic
        ? (p, out) => {
            for (let k = 0; k < nf; k++) full[free[k]] = p[k];
            analytic.call(problem, full, fullJac);
            if (columnMajor)
              for (let k = 0; k < nf; k++) out.set(fullJac.subarray(free[k] * m, (free[k] + 1) * m), k * m);
            else
              for (let i = 0; i < m; i++)
                for (let k = 0; k < nf; k++) out[i * nf + k] = fullJac[i * n + free[k]];
          }
        : undefined,
    };
  }
  const pick = (a: Float64Array) => Float64Array.from(free, (j) => a[j]);
  const core = trustRegionReflective(
    reduced,
    pick(x0),
    pick(lower),
    pick(upper),
    tol,
    maxEvaluations,
    xScale === 'jac' ? 'jac' : pick(xScale),
    fd,
  );

  // Expand back to the full parameter vector.
  const p = Float64Array.from(x0);
  for (let k = 0; k < nf; k++) p[free[k]] = core.x[k];
  let jacobian = core.jac;
  let covariance = core.covariance;
  let pseudoCovariance = core.pseudoCovariance;
  const undetermined = new Array<boolean>(n).fill(false);
  for (let k = 0; k < nf; k++) undetermined[free[k]] = core.undetermined[k];
  const standardErrors = new Float64Array(n);
  if (nf !== n) {
    jacobian = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let k = 0; k < nf; k++) jacobian[i * n + free[k]] = core.jac[i * nf + k];
    const expand = (c: Float64Array) => {
      const e = new Float64Array(n * n);
      for (let a = 0; a < nf; a++) for (let b = 0; b < nf; b++) e[free[a] * n + free[b]] = c[a * nf + b];
      return e;
    };
    if (core.covariance) covariance = expand(core.covariance);
    pseudoCovariance = expand(core.pseudoCovariance);
  }
  for (let k = 0; k < nf; k++) standardErrors[free[k]] = core.standardErrors[k];
  const atBound = new Array<boolean>(n).fill(true);
  for (let k = 0; k < nf; k++) {
    const j = free[k];
    const x = p[j];
    atBound[j] =
      (Number.isFinite(lower[j]) && x - lower[j] <= tol.x * Math.max(1, Math.abs(lower[j]))) ||
      (Number.isFinite(upper[j]) && upper[j] - x <= tol.x * Math.max(1, Math.abs(upper[j])));
  }
  let message = core.message;
  if (clipped.some(Boolean))
    message += `; initial guess clipped into bounds for parameter(s) ${clipped.flatMap((c, j) => (c ? [j] : [])).join(', ')}`;
  return {
    p,
    converged: core.status === 'ftol' || core.status === 'xtol' || core.status === 'gtol',
    status: core.status,
    message,
    iterations: core.iterations,
    evaluations: core.nfev,
    jacobianEvaluations: core.njev,
    cost: core.cost,
    residuals: core.f,
    jacobian,
    covariance,
    pseudoCovariance,
    undetermined,
    standardErrors,
    reducedChi2: core.reducedChi2,
    degreesOfFreedom: m - nf,
    atBound,
    initialClipped: clipped,
    optimality: core.optimality,
  };
}

function readBound(b: ArrayLike<number> | undefined, n: number, fill: number, name: string): Float64Array {
  if (b === undefined) return new Float64Array(n).fill(fill);
  if (b.length !== n)
    throw new ParameterError('bounds have the wrong length', { field: name, found: b.length, expected: n });
  const out = Float64Array.from(b);
  for (let j = 0; j < n; j++) {
    if (Number.isNaN(out[j]))
      throw new ParameterError('bound is NaN', {
        field: `${name}[${j}]`,
        found: 'NaN',
        expected: 'a number or ±Infinity',
      });
  }
  return out;
}

function readTol(v: number | undefined, name: string): number {
  if (v === undefined) return 1e-8;
  if (!(v >= 0) || !Number.isFinite(v))
    throw new ParameterError('bad tolerance', { field: name, found: v, expected: 'finite ≥ 0' });
  return v;
}

function allFixedResult(
  problem: LeastSquaresProblem,
  x: Float64Array,
  clipped: boolean[],
): LeastSquaresResult {
  const m = problem.nResiduals;
  const n = problem.nParams;
  const f = new Float64Array(m);
  problem.residuals(Float64Array.from(x), f);
  if (!allFinite(f))
    throw new NumericalError('residuals are not finite at the fixed parameters', { field: 'residuals' });
  const cost = 0.5 * dot(f, f);
  return {
    p: Float64Array.from(x),
    converged: true,
    status: 'xtol',
    message: 'all parameters fixed by equal bounds; nothing to fit',
    iterations: 0,
    evaluations: 1,
    jacobianEvaluations: 0,
    cost,
    residuals: f,
    jacobian: new Float64Array(m * n),
    covariance: null,
    pseudoCovariance: new Float64Array(n * n),
    undetermined: new Array<boolean>(n).fill(false),
    standardErrors: new Float64Array(n),
    reducedChi2: m > 0 ? (2 * cost) / m : 0,
    degreesOfFreedom: m,
    atBound: new Array<boolean>(n).fill(true),
    initialClipped: clipped,
    optimality: 0,
  };
}

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

interface CoreResult {
  x: Float64Array;
  f: Float64Array;
  jac: Float64Array;
  cost: number;
  status: LeastSquaresStatus;
  message: string;
  iterations: number;
  nfev: number;
  njev: number;
  covariance: Float64Array | null;
  pseudoCovariance: Float64Array;
  undetermined: boolean[];
  standardErrors: Float64Array;
  reducedChi2: number;
  optimality: number;
}

function rowMajorOf(cols: Float64Array, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) out[i * n + j] = cols[j * m + i];
  return out;
}

/** Moves points on (or outside) a bound just inside it: the Coleman–Li scaling needs strict interiority. */
function makeStrictlyFeasible(x: Float64Array, lb: Float64Array, ub: Float64Array, relStep: number): void {
  for (let j = 0; j < x.length; j++) {
    const lo = lb[j];
    const hi = ub[j];
    if (x[j] <= lo) x[j] = relStep === 0 ? nextUp(lo) : lo + relStep * Math.max(1, Math.abs(lo));
    else if (x[j] >= hi) x[j] = relStep === 0 ? nextDown(hi) : hi - relStep * Math.max(1, Math.abs(hi));
    // A box narrower than the nudge: take its middle.
    if (!(x[j] > lo && x[j] < hi)) x[j] = lo + 0.5 * (hi - lo);
  }
}

function nextUp(v: number): number {
  if (v === 0) return Number.MIN_VALUE;
  const r = v + Math.abs(v) * EPS;
  return r > v ? r : v + Math.abs(v) * 2 * EPS;
}

function nextDown(v: number): number {
  return -nextUp(-v);
}

/**
 * Coleman–Li scaling vector: distance to the bound the negative gradient points at (1 where that bound is
 * infinite). dv is its derivative sign, used for the diagonal term of the scaled Hessian.
 */
function colemanLi(
  x: Float64Array,
  g: Float64Array,
  lb: Float64Array,
  ub: Float64Array,
  v: Float64Array,
  dv: Float64Array,
): void {
  for (let j = 0; j < x.length; j++) {
    v[j] = 1;
    dv[j] = 0;
    if (g[j] < 0 && Number.isFinite(ub[j])) {
      v[j] = ub[j] - x[j];
      dv[j] = -1;
    } else if (g[j] > 0 && Number.isFinite(lb[j])) {
      v[j] = x[j] - lb[j];
      dv[j] = 1;
    }
  }
}

/** Largest t ≥ 0 with x + t·s inside the box; `hits` marks the components that reach a bound at t. */
function stepToBound(
  x: Float64Array,
  s: Float64Array,
  lb: Float64Array,
  ub: Float64Array,
  hits: Int8Array | null,
): number {
  let t = Infinity;
  for (let j = 0; j < x.length; j++) {
    if (s[j] === 0) continue;
    const tj = Math.max((lb[j] - x[j]) / s[j], (ub[j] - x[j]) / s[j]);
    if (tj < t) t = tj;
  }
  if (hits) {
    for (let j = 0; j < x.length; j++) {
      hits[j] = 0;
      if (s[j] === 0) continue;
      const tj = Math.max((lb[j] - x[j]) / s[j], (ub[j] - x[j]) / s[j]);
      if (tj === t) hits[j] = 1;
    }
  }
  return Math.max(0, t);
}

/** Positive t with ‖p + t·r‖ = Δ (p inside the region). */
function toTrustBoundary(p: Float64Array, r: Float64Array, delta: number): number {
  const a = dot(r, r);
  if (a === 0) return Infinity;
  const b = dot(p, r);
  const c = dot(p, p) - delta * delta;
  const disc = Math.sqrt(Math.max(0, b * b - a * c));
  // Stable root formula (avoids cancellation when b ≫ 0).
  return b >= 0 ? -c / (b + disc) : (disc - b) / a;
}

/** ½ sᵀAs + gᵀs with A row-major n×n. */
function quadraticValue(A: Float64Array, g: Float64Array, s: Float64Array, n: number): number {
  let q = 0;
  for (let i = 0; i < n; i++) {
    let ai = 0;
    for (let k = 0; k < n; k++) ai += A[i * n + k] * s[k];
    q += s[i] * (0.5 * ai + g[i]);
  }
  return q;
}

/** Minimum of φ(t) = ½ t² dᵀAd + t (s0ᵀAd + gᵀd) + φ(0) over [lo, hi], returning [t, model value at s0+t·d]. */
function minimiseAlong(
  A: Float64Array,
  g: Float64Array,
  s0: Float64Array | null,
  d: Float64Array,
  lo: number,
  hi: number,
  n: number,
): [number, number] {
  let dAd = 0;
  let s0Ad = 0;
  for (let i = 0; i < n; i++) {
    let ai = 0;
    for (let k = 0; k < n; k++) ai += A[i * n + k] * d[k];
    dAd += d[i] * ai;
    if (s0) s0Ad += s0[i] * ai;
  }
  const a = 0.5 * dAd;
  const b = s0Ad + dot(g, d);
  const c = s0 ? quadraticValue(A, g, s0, n) : 0;
  const val = (t: number) => t * (a * t + b) + c;
  let bestT = lo;
  let best = val(lo);
  const vHi = val(hi);
  if (vHi < best) {
    best = vHi;
    bestT = hi;
  }
  if (a > 0) {
    const t = -b / (2 * a);
    if (t > lo && t < hi) {
      const vt = val(t);
      if (vt < best) {
        best = vt;
        bestT = t;
      }
    }
  }
  return [bestT, best];
}

interface TrustRegionWork {
  L: Float64Array;
  p: Float64Array;
  q: Float64Array;
  best: Float64Array;
}

/**
 * Cholesky factor of A + αI (lower triangle of L, row-major). False when a pivot is not clearly positive,
 * i.e. the matrix is singular to working precision at this α.
 */
function cholesky(A: Float64Array, n: number, alpha: number, L: Float64Array): boolean {
  let maxDiag = 0;
  for (let j = 0; j < n; j++) maxDiag = Math.max(maxDiag, A[j * n + j] + alpha);
  const tiny = n * EPS * maxDiag;
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j] + alpha;
    for (let k = 0; k < j; k++) s -= L[j * n + k] * L[j * n + k];
    if (!(s > tiny)) return false;
    const ljj = Math.sqrt(s);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let t = A[i * n + j];
      for (let k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = t / ljj;
    }
  }
  return true;
}

/** Solves L y = b (forward) in place. */
function forwardSolve(L: Float64Array, n: number, y: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let t = y[i];
    for (let k = 0; k < i; k++) t -= L[i * n + k] * y[k];
    y[i] = t / L[i * n + i];
  }
}

/** Solves Lᵀ x = y (backward) in place. */
function backSolve(L: Float64Array, n: number, x: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    let t = x[i];
    for (let k = i + 1; k < n; k++) t -= L[k * n + i] * x[k];
    x[i] = t / L[i * n + i];
  }
}

/**
 * Solves min ½pᵀAp + gᵀp subject to ‖p‖ ≤ Δ for symmetric positive semi-definite A, returning the
 * Levenberg–Marquardt parameter α (0 for the Gauss–Newton step) with p = −(A + αI)⁻¹g written to `out`.
 * Moré (1978) §5–7: Newton's method on 1/‖p(α)‖ − 1/Δ using ‖p‖ and ‖L⁻¹p‖ from the Cholesky factor,
 * safeguarded inside [αlo, αhi]; 1 % accuracy on ‖p‖ = Δ is plenty for a trust-region method. Each trial
 * costs one n³/6 factorisation, far cheaper than an eigen-decomposition per iteration.
 */
function solveSubproblem(
  A: Float64Array,
  g: Float64Array,
  n: number,
  delta: number,
  alphaStart: number,
  out: Float64Array,
  work: TrustRegionWork,
): number {
  const { L, p, q, best } = work;
  const gNorm = norm2(g);
  if (gNorm === 0 || !(delta > 0)) {
    out.fill(0);
    return alphaStart;
  }
  const trial = (alpha: number): number => {
    if (!cholesky(A, n, alpha, L)) return -1;
    for (let i = 0; i < n; i++) p[i] = -g[i];
    forwardSolve(L, n, p);
    backSolve(L, n, p);
    return norm2(p);
  };
  let lo = 0;
  let hi = gNorm / delta;
  let haveBest = false;
  const n0 = trial(0);
  if (n0 >= 0 && Number.isFinite(n0)) {
    if (n0 <= delta) {
      out.set(p);
      return 0;
    }
    best.set(p);
    haveBest = true;
    q.set(p);
    forwardSolve(L, n, q);
    const qn = norm2(q);
    if (qn > 0) lo = Math.max(0, ((n0 / qn) ** 2 * (n0 - delta)) / delta);
  }
  let alpha = alphaStart;
  for (let it = 0; it < 40; it++) {
    if (!(alpha > lo && alpha < hi)) alpha = Math.max(1e-3 * hi, Math.sqrt(lo * hi));
    const pn = trial(alpha);
    if (pn < 0 || !Number.isFinite(pn)) {
      lo = alpha;
      alpha = Math.max(Math.sqrt(lo * hi), lo + 1e-3 * (hi - lo));
      continue;
    }
    best.set(p);
    haveBest = true;
    const phi = pn - delta;
    if (Math.abs(phi) <= 0.01 * delta) break;
    q.set(p);
    forwardSolve(L, n, q);
    const qn = norm2(q);
    if (phi < 0) hi = alpha;
    else lo = alpha;
    if (!(qn > 0)) break;
    const next = alpha + (pn / qn) ** 2 * (phi / delta);
    if (phi < 0) lo = Math.max(lo, next);
    alpha = next;
    if (hi - lo <= 1e-14 * hi) break;
  }
  if (haveBest) out.set(best);
  else for (let i = 0; i < n; i++) out[i] = (-g[i] * delta) / gNorm;
  return alpha;
}

/** Finite-difference Jacobian (column-major) that never evaluates outside the box. */
function finiteDifferenceJacobian(
  problem: LeastSquaresProblem,
  x: Float64Array,
  f: Float64Array,
  lb: Float64Array,
  ub: Float64Array,
  scheme: 'forward' | 'central',
  out: Float64Array,
  xt: Float64Array,
  f1: Float64Array,
  f2: Float64Array,
): void {
  const n = x.length;
  const m = f.length;
  xt.set(x);
  for (let j = 0; j < n; j++) {
    const xj = x[j];
    const mag = Math.max(1, Math.abs(xj));
    // Step sizes balancing truncation and rounding error: eps^(1/3) for central, eps^(1/2) for one-sided.
    let h = (scheme === 'central' ? 6.055454452393343e-6 : 1.4901161193847656e-8) * mag;
    const roomUp = ub[j] - xj;
    const roomDown = xj - lb[j];
    if (scheme === 'central' && roomUp >= h && roomDown >= h) {
      xt[j] = xj + h;
      const hp = xt[j] - xj;
      problem.residuals(xt, f1);
      xt[j] = xj - hp;
      problem.residuals(xt, f2);
      for (let i = 0; i < m; i++) out[j * m + i] = (f1[i] - f2[i]) / (2 * hp);
    } else {
      if (scheme === 'central') h = 1.4901161193847656e-8 * mag;
      let sign = 1;
      if (roomUp < h) {
        if (roomDown >= h || roomDown > roomUp) sign = -1;
        h = Math.min(h, Math.max(roomUp, roomDown));
      }
      xt[j] = xj + sign * h;
      const hs = xt[j] - xj;
      problem.residuals(xt, f1);
      for (let i = 0; i < m; i++) out[j * m + i] = hs === 0 ? 0 : (f1[i] - f[i]) / hs;
    }
    xt[j] = xj;
  }
}

function trustRegionReflective(
  problem: LeastSquaresProblem,
  x0: Float64Array,
  lb: Float64Array,
  ub: Float64Array,
  tol: { f: number; x: number; g: number },
  maxNfev: number,
  xScaleOpt: Float64Array | 'jac',
  fdScheme: 'forward' | 'central',
): CoreResult {
  const n = x0.length;
  const m = problem.nResiduals;
  let x = Float64Array.from(x0);
  makeStrictlyFeasible(x, lb, ub, 1e-10);

  let f = new Float64Array(m);
  problem.residuals(x, f);
  let nfev = 1;
  if (!allFinite(f))
    throw new NumericalError('residuals are not finite at the initial parameters', {
      field: 'residuals',
      found: Array.from(x),
    });

  // Jacobians are held column by column (J[j*m + i] = ∂r_i/∂p_j): every product below is then a long
  // contiguous dot product.
  let J = new Float64Array(m * n);
  const fdX = new Float64Array(n);
  const fd1 = new Float64Array(m);
  const fd2 = new Float64Array(m);
  const rowMajor =
    problem.jacobian && problem.jacobianLayout !== 'column-major' ? new Float64Array(m * n) : null;
  const evalJac = (xe: Float64Array, fe: Float64Array, out: Float64Array): void => {
    if (problem.jacobian) {
      if (rowMajor) {
        problem.jacobian(xe, rowMajor);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = rowMajor[i * n + j];
      } else problem.jacobian(xe, out);
    } else finiteDifferenceJacobian(problem, xe, fe, lb, ub, fdScheme, out, fdX, fd1, fd2);
  };
  // A NaN or infinity anywhere in J shows up on the diagonal of JᵀJ (a sum of squares), so checking those
  // n numbers replaces a scan of all m·n entries.
  const gramFinite = (G: Float64Array) => {
    for (let j = 0; j < n; j++) if (!Number.isFinite(G[j * n + j])) return false;
    return true;
  };
  const gradient = (Jc: Float64Array, fv: Float64Array, out: Float64Array) => {
    for (let j = 0; j < n; j++) out[j] = dotRange(Jc, j * m, fv, 0, m);
  };
  evalJac(x, f, J);
  let njev = 1;

  let cost = 0.5 * dot(f, f);
  const g = new Float64Array(n);
  gradient(J, f, g);
  let JtJ = new Float64Array(n * n);
  let JtJNew = new Float64Array(n * n);
  gramColumns(J, m, n, JtJ);
  if (!gramFinite(JtJ))
    throw new NumericalError('Jacobian is not finite at the initial parameters', {
      field: 'jacobian',
      found: Array.from(x),
    });

  const scale = new Float64Array(n);
  const scaleInv = new Float64Array(n);
  const jacScale = xScaleOpt === 'jac';
  const updateJacScale = (first: boolean) => {
    for (let j = 0; j < n; j++) {
      let cn = Math.sqrt(JtJ[j * n + j]);
      if (!first) cn = Math.max(cn, scaleInv[j]);
      scaleInv[j] = cn === 0 ? 1 : cn;
      scale[j] = 1 / scaleInv[j];
    }
  };
  if (jacScale) updateJacScale(true);
  else
    for (let j = 0; j < n; j++) {
      scale[j] = (xScaleOpt as Float64Array)[j];
      scaleInv[j] = 1 / scale[j];
    }

  const v = new Float64Array(n);
  const dv = new Float64Array(n);
  colemanLi(x, g, lb, ub, v, dv);
  let delta = 0;
  for (let j = 0; j < n; j++) {
    const vj = dv[j] !== 0 ? v[j] * scaleInv[j] : v[j];
    delta += ((x[j] * scaleInv[j]) / Math.sqrt(vj)) ** 2;
  }
  delta = Math.sqrt(delta);
  if (!(delta > 0) || !Number.isFinite(delta)) delta = 1;

  const d = new Float64Array(n);
  const diagH = new Float64Array(n);
  const gH = new Float64Array(n);
  const A = new Float64Array(n * n);
  const tr: TrustRegionWork = {
    L: new Float64Array(n * n),
    p: new Float64Array(n),
    q: new Float64Array(n),
    best: new Float64Array(n),
  };
  const pH = new Float64Array(n);
  const p = new Float64Array(n);
  const rH = new Float64Array(n);
  const r = new Float64Array(n);
  const agH = new Float64Array(n);
  const ag = new Float64Array(n);
  const xOnBound = new Float64Array(n);
  const hits = new Int8Array(n);
  const stepH = new Float64Array(n);
  const step = new Float64Array(n);
  let xNew = new Float64Array(n);
  let fNew = new Float64Array(m);
  let JNew = new Float64Array(m * n);

  let alpha = 0;
  let theta = 0.995;
  let iterations = 0;
  let status: LeastSquaresStatus | null = null;
  let message = '';
  let gNorm = 0;

  while (true) {
    colemanLi(x, g, lb, ub, v, dv);
    gNorm = 0;
    for (let j = 0; j < n; j++) gNorm = Math.max(gNorm, Math.abs(g[j] * v[j]));
    if (gNorm < tol.g) {
      status = 'gtol';
      message = `scaled gradient ${gNorm.toExponential(2)} below gTol`;
    }
    if (status !== null) break;
    if (nfev >= maxNfev) {
      status = 'max-evaluations';
      message = `stopped after ${nfev} evaluations without meeting a tolerance`;
      break;
    }

    // Work in "hat" variables: first the user/Jacobian scaling, then Coleman–Li's affine scaling.
    for (let j = 0; j < n; j++) {
      if (dv[j] !== 0) v[j] *= scaleInv[j];
      d[j] = Math.sqrt(v[j]) * scale[j];
      diagH[j] = g[j] * dv[j] * scale[j];
      gH[j] = d[j] * g[j];
    }
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) A[i * n + k] = d[i] * d[k] * JtJ[i * n + k];
      A[i * n + i] += diagH[i];
    }
    // Fraction of the way to the bound a step may go; tends to 1 near convergence (Coleman & Li 1996).
    theta = Math.max(0.995, 1 - gNorm);

    let actualReduction = -1;
    let costNew = cost;
    let accepted = false;
    while (actualReduction <= 0 && nfev < maxNfev) {
      alpha = solveSubproblem(A, gH, n, delta, alpha, pH, tr);
      for (let j = 0; j < n; j++) p[j] = d[j] * pH[j];
      const predicted = selectStep();
      for (let j = 0; j < n; j++) xNew[j] = x[j] + step[j];
      makeStrictlyFeasible(xNew, lb, ub, 0);
      problem.residuals(xNew, fNew);
      nfev++;
      const stepHNorm = norm2(stepH);
      if (!allFinite(fNew)) {
        // Outside the region where the model is defined: shrink and retry.
        delta = 0.25 * stepHNorm;
        if (!(delta > 0)) {
          status = 'failed';
          message = 'residuals not finite at every trial point near the current parameters';
          break;
        }
        continue;
      }
      costNew = 0.5 * dot(fNew, fNew);
      actualReduction = cost - costNew;
      // Trust-radius update (Moré 1978 §4 thresholds 0.25 / 0.75).
      let ratio: number;
      if (predicted > 0) ratio = actualReduction / predicted;
      else if (predicted === 0 && actualReduction === 0) ratio = 1;
      else ratio = 0;
      let deltaNew = delta;
      if (ratio < 0.25) deltaNew = 0.25 * stepHNorm;
      else if (ratio > 0.75 && stepHNorm > 0.95 * delta) deltaNew = 2 * delta;
      let stepNorm = 0;
      for (let j = 0; j < n; j++) stepNorm += (xNew[j] - x[j]) ** 2;
      stepNorm = Math.sqrt(stepNorm);
      const fOk = Math.abs(actualReduction) < tol.f * cost && ratio > 0.25;
      const xOk = stepNorm < tol.x * (tol.x + norm2(x));
      if (fOk || xOk) {
        status = fOk ? 'ftol' : 'xtol';
        message = fOk ? 'relative cost change below fTol' : 'relative step below xTol';
        if (fOk && xOk) message = 'relative cost change below fTol and step below xTol';
      }
      if (status !== null) break;
      if (deltaNew > 0) alpha *= delta / deltaNew;
      delta = deltaNew;
    }

    if (actualReduction > 0) {
      evalJac(xNew, fNew, JNew);
      gramColumns(JNew, m, n, JtJNew);
      if (!gramFinite(JtJNew)) {
        status = 'failed';
        message = 'Jacobian not finite at the new parameters';
        // Keep the last point whose Jacobian is known.
        break;
      }
      njev++;
      [x, xNew] = [xNew, x];
      [f, fNew] = [fNew, f];
      [J, JNew] = [JNew, J];
      [JtJ, JtJNew] = [JtJNew, JtJ];
      cost = costNew;
      accepted = true;
      gradient(J, f, g);
      if (jacScale) updateJacScale(false);
    }
    iterations++;
    if (status !== null) {
      if (accepted) colemanLiNorm();
      break;
    }
    if (!accepted && nfev >= maxNfev) {
      status = 'max-evaluations';
      message = `stopped after ${nfev} evaluations without meeting a tolerance`;
      break;
    }
  }

  function colemanLiNorm(): void {
    colemanLi(x, g, lb, ub, v, dv);
    gNorm = 0;
    for (let j = 0; j < n; j++) gNorm = Math.max(gNorm, Math.abs(g[j] * v[j]));
  }

  /**
   * Chooses among the trust-region step (pulled back inside the box), its reflection off the first bound
   * it hits, and the scaled steepest-descent step; writes the winner into step/stepH and returns its
   * predicted cost reduction (Branch, Coleman & Li 1999, §2).
   */
  function selectStep(): number {
    let inside = true;
    for (let j = 0; j < n; j++) {
      const y = x[j] + p[j];
      if (!(y >= lb[j] && y <= ub[j])) {
        inside = false;
        break;
      }
    }
    if (inside) {
      step.set(p);
      stepH.set(pH);
      return -quadraticValue(A, gH, pH, n);
    }
    const pStride = stepToBound(x, p, lb, ub, hits);
    for (let j = 0; j < n; j++) {
      rH[j] = hits[j] ? -pH[j] : pH[j];
      r[j] = d[j] * rH[j];
      p[j] *= pStride;
      pH[j] *= pStride;
      xOnBound[j] = x[j] + p[j];
    }
    const toTr = toTrustBoundary(pH, rH, delta);
    const toBound = stepToBound(xOnBound, r, lb, ub, null);
    const rStride = Math.min(toBound, toTr);
    let rLo = 0;
    let rHi = -1;
    if (rStride > 0) {
      rLo = ((1 - theta) * pStride) / rStride;
      rHi = rStride === toBound ? theta * toBound : toTr;
    }
    let rValue = Infinity;
    if (rLo <= rHi) {
      const [t, val] = minimiseAlong(A, gH, pH, rH, rLo, rHi, n);
      rValue = val;
      for (let j = 0; j < n; j++) {
        rH[j] = pH[j] + t * rH[j];
        r[j] = d[j] * rH[j];
      }
    }
    // Pull the truncated step strictly inside.
    for (let j = 0; j < n; j++) {
      p[j] *= theta;
      pH[j] *= theta;
    }
    const pValue = quadraticValue(A, gH, pH, n);
    for (let j = 0; j < n; j++) {
      agH[j] = -gH[j];
      ag[j] = d[j] * agH[j];
    }
    const agNorm = norm2(agH);
    const agToTr = agNorm > 0 ? delta / agNorm : 0;
    const agToBound = stepToBound(x, ag, lb, ub, null);
    const agMax = agToBound < agToTr ? theta * agToBound : agToTr;
    const [tAg, agValue] = minimiseAlong(A, gH, null, agH, 0, agMax, n);
    if (pValue < rValue && pValue < agValue) {
      step.set(p);
      stepH.set(pH);
      return -pValue;
    }
    if (rValue < pValue && rValue < agValue) {
      step.set(r);
      stepH.set(rH);
      return -rValue;
    }
    for (let j = 0; j < n; j++) {
      stepH[j] = tAg * agH[j];
      step[j] = tAg * ag[j];
    }
    return -agValue;
  }

  if (status === null) {
    status = 'failed';
    message = 'no progress possible';
  }
  const { covariance, pseudoCovariance, undetermined, standardErrors, reducedChi2 } = covarianceFromJacobian(
    JtJ,
    n,
    m,
    cost,
  );
  return {
    x,
    pseudoCovariance,
    undetermined,
    f,
    jac: rowMajorOf(J, m, n),
    cost,
    status,
    message,
    iterations,
    nfev,
    njev,
    covariance,
    standardErrors,
    reducedChi2,
    optimality: gNorm,
  };
}

/**
 * Asymptotic covariance s²(JᵀJ)⁻¹ (Bates & Watts, Nonlinear Regression Analysis, 1988, §2.3). JᵀJ is first
 * equilibrated by its diagonal so that parameters of very different magnitude (areas ~1e6, positions ~250
 * ppm) do not fake a rank deficiency. Directions with eigenvalue below n·ε·λmax are not determined by the
 * data: parameters with a component on them get an infinite standard error and the covariance is null.
 */
export interface CovarianceEstimate {
  /** s²(JᵀJ)⁻¹, or null when JᵀJ is singular or there are no degrees of freedom. */
  covariance: Float64Array | null;
  /** s²(JᵀJ)⁺ restricted to the directions the data determine; always finite (zeros when m ≤ n). */
  pseudoCovariance: Float64Array;
  /** Parameters with a component along an undetermined direction. */
  undetermined: boolean[];
  standardErrors: Float64Array;
  reducedChi2: number;
}

export function covarianceFromJacobian(
  JtJ: Float64Array,
  n: number,
  m: number,
  cost: number,
): CovarianceEstimate {
  const dof = m - n;
  const reducedChi2 = dof > 0 ? (2 * cost) / dof : cost > 0 ? Infinity : 0;
  const se = new Float64Array(n);
  if (dof <= 0) {
    se.fill(Infinity);
    return {
      covariance: null,
      pseudoCovariance: new Float64Array(n * n),
      undetermined: new Array<boolean>(n).fill(true),
      standardErrors: se,
      reducedChi2,
    };
  }
  const s = new Float64Array(n);
  const B = new Float64Array(n * n);
  for (let j = 0; j < n; j++) s[j] = JtJ[j * n + j] > 0 ? 1 / Math.sqrt(JtJ[j * n + j]) : 0;
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) B[i * n + k] = s[i] * s[k] * JtJ[i * n + k];
  // Well-conditioned case (the usual one): invert through the Cholesky factor, B⁻¹ = L⁻ᵀL⁻¹.
  const L = new Float64Array(n * n);
  if (cholesky(B, n, 0, L)) {
    const inv = new Float64Array(n * n);
    const col = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      col.fill(0);
      col[k] = 1;
      forwardSolve(L, n, col);
      backSolve(L, n, col);
      for (let i = 0; i < n; i++) inv[i * n + k] = col[i];
    }
    const cov = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const val = 0.5 * (inv[i * n + j] + inv[j * n + i]) * s[i] * s[j] * reducedChi2;
        cov[i * n + j] = val;
        cov[j * n + i] = val;
      }
    }
    let ok = allFinite(cov);
    for (let j = 0; j < n && ok; j++) {
      if (s[j] === 0) ok = false;
      else se[j] = Math.sqrt(Math.max(0, cov[j * n + j]));
    }
    if (ok)
      return {
        covariance: cov,
        pseudoCovariance: cov,
        undetermined: new Array<boolean>(n).fill(false),
        standardErrors: se,
        reducedChi2,
      };
  }
  const eig = symmetricEigen(B, n);
  let wMax = 0;
  for (let k = 0; k < n; k++) wMax = Math.max(wMax, eig.values[k]);
  const cut = Math.max(n * EPS * wMax, Number.MIN_VALUE);
  const undetermined = new Array<boolean>(n).fill(false);
  for (let j = 0; j < n; j++) if (s[j] === 0) undetermined[j] = true;
  let singular = false;
  for (let k = 0; k < n; k++) {
    if (eig.values[k] > cut) continue;
    singular = true;
    for (let i = 0; i < n; i++) if (Math.abs(eig.vectors[i * n + k]) > 1e-8) undetermined[i] = true;
  }
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) {
        if (eig.values[k] <= cut) continue;
        acc += (eig.vectors[i * n + k] * eig.vectors[j * n + k]) / eig.values[k];
      }
      const val = acc * s[i] * s[j] * reducedChi2;
      cov[i * n + j] = val;
      cov[j * n + i] = val;
    }
  }
  for (let j = 0; j < n; j++) se[j] = undetermined[j] ? Infinity : Math.sqrt(Math.max(0, cov[j * n + j]));
  if (!allFinite(cov)) {
    cov.fill(0);
    undetermined.fill(true);
    se.fill(Infinity);
    return { covariance: null, pseudoCovariance: cov, undetermined, standardErrors: se, reducedChi2 };
  }
  return {
    covariance: singular ? null : cov,
    pseudoCovariance: cov,
    undetermined,
    standardErrors: se,
    reducedChi2,
  };
}
