/**
 * Non-negative least squares, min ‖A x − b‖² subject to x_i ≥ 0 (for the constrained indices).
 *
 * Active-set method of Lawson & Hanson (Solving Least Squares Problems, 1974, ch. 23) in the
 * normal-equation form of Bro & De Jong (J. Chemometrics 11, 393, 1997): the iterations only need AᵀA and
 * Aᵀb, so a problem with many rows (an augmented Tikhonov system) costs the same as its n×n Gram matrix.
 * Because it is a convex quadratic programme, the same routine minimises ½xᵀHx − cᵀx with x ≥ 0 for any
 * symmetric positive-definite H (set ata = H, atb = c).
 *
 * Some indices may be left free (unconstrained), e.g. an inductance in a DRT fit: they start in the
 * passive set and are never moved to the bound.
 */
import { NumericalError, ParameterError } from '../core/errors.js';

export interface NnlsOptions {
  /** Indices that are not constrained to be ≥ 0. */
  free?: readonly number[];
  /** Maximum number of outer iterations (default 3n). */
  maxIterations?: number;
  /**
   * Starting passive set: 'all' (default) starts from the unconstrained solution and prunes it to a
   * feasible point, 'none' starts from x = 0 (classic Lawson–Hanson), or a list of indices (e.g. the
   * positive set of a neighbouring problem in a series).
   */
  warmStart?: 'all' | 'none' | readonly number[];
  /** Dual-feasibility tolerance on the column-normalised gradient (default 1e-12·√n·max_i |Aᵀb|_i/‖a_i‖). */
  tolerance?: number;
}

export interface NnlsResult {
  readonly x: Float64Array;
  /** Outer iterations (variables released from the bound). */
  readonly iterations: number;
  /** Indices at the bound x = 0. */
  readonly atBound: number[];
}

export interface NnlsMatrixResult extends NnlsResult {
  /** ‖A x − b‖. */
  readonly residualNorm: number;
}

/**
 * Cholesky factor of H[P,P] for the passive set P, kept row-major with stride n so that a variable
 * entering P appends one row in O(k²) (the common step of the active-set method); a variable leaving P
 * rebuilds the factor.
 */
class PassiveFactor {
  readonly l: Float64Array;
  k = 0;
  constructor(
    private readonly h: Float64Array,
    private readonly n: number,
  ) {
    this.l = new Float64Array(n * n);
  }

  /** Appends variable p (already the last element of `passive`). Returns false if not positive definite. */
  append(passive: readonly number[]): boolean {
    const { h, n, l } = this;
    const k = this.k;
    const p = passive[k];
    let d = h[p * n + p];
    for (let j = 0; j < k; j++) {
      let sum = h[p * n + passive[j]];
      for (let q = 0; q < j; q++) sum -= l[k * n + q] * l[j * n + q];
      const v = sum / l[j * n + j];
      l[k * n + j] = v;
      d -= v * v;
    }
    // Relative pivot test: a new column (nearly) in the span of the others is rejected.
    if (!(d > 1e-14 * h[p * n + p])) return false;
    l[k * n + k] = Math.sqrt(d);
    this.k = k + 1;
    return true;
  }

  /**
   * Refactors for a new passive list whose first `keep` entries are unchanged: rows of a Cholesky
   * factor depend only on the variables before them, so those rows stay valid.
   */
  rebuild(passive: readonly number[], keep = 0): boolean {
    this.k = Math.min(keep, this.k, passive.length);
    while (this.k < passive.length) if (!this.append(passive)) return false;
    return true;
  }

  /** Solves H[P,P] out = c[P]; `out` is indexed by position in P. */
  solve(c: Float64Array, passive: readonly number[], out: Float64Array): void {
    const { n, l, k } = this;
    for (let i = 0; i < k; i++) {
      let sum = c[passive[i]];
      for (let q = 0; q < i; q++) sum -= l[i * n + q] * out[q];
      out[i] = sum / l[i * n + i];
    }
    for (let i = k - 1; i >= 0; i--) {
      let sum = out[i];
      for (let q = i + 1; q < k; q++) sum -= l[q * n + i] * out[q];
      out[i] = sum / l[i * n + i];
    }
  }
}

/**
 * NNLS from the Gram matrix: minimise xᵀ(AᵀA)x − 2(Aᵀb)ᵀx with x ≥ 0 on the constrained indices.
 * `ata` is n×n row-major and symmetric.
 */
export function nnlsGram(ata: Float64Array, atb: Float64Array, options: NnlsOptions = {}): NnlsResult {
  const n = atb.length;
  if (ata.length !== n * n) {
    throw new ParameterError('Gram matrix has the wrong size', { field: 'ata', found: ata.length, expected: `${n}×${n} = ${n * n}` });
  }
  const isFree = new Uint8Array(n);
  for (const i of options.free ?? []) {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new ParameterError('free index out of range', { field: 'free', found: i, expected: `0..${n - 1}` });
    isFree[i] = 1;
  }
  // Optimality is tested on the gradient of each column scaled to unit norm, so the test does not depend
  // on the units of the variables (an inductance column in rad/s next to resistances in Ω).
  const colScale = new Float64Array(n);
  let gMax = 0;
  for (let i = 0; i < n; i++) {
    const d = ata[i * n + i];
    colScale[i] = d > 0 ? 1 / Math.sqrt(d) : 0;
    gMax = Math.max(gMax, Math.abs(atb[i]) * colScale[i]);
  }
  const tol = options.tolerance ?? 1e-12 * Math.max(gMax, 1e-300) * Math.sqrt(n);
  const maxIter = options.maxIterations ?? 3 * n + 10;

  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const sub = new Float64Array(n);
  const s = new Float64Array(n);
  const inP = new Uint8Array(n);
  const factor = new PassiveFactor(ata, n);
  let passive: number[] = [];
  for (let i = 0; i < n; i++) if (isFree[i]) passive.push(i);

  const singular = (): NumericalError =>
    new NumericalError('NNLS sub-problem is singular', { field: 'passive set', found: passive.length, expected: 'a positive-definite Gram sub-matrix (regularise the problem)' });
  const solve = (): void => {
    factor.solve(atb, passive, sub);
    s.fill(0);
    passive.forEach((p, i) => (s[p] = sub[i]));
  };

  const gradient = (): void => {
    for (let i = 0; i < n; i++) {
      let sum = atb[i];
      for (let j = 0; j < n; j++) sum -= ata[i * n + j] * x[j];
      w[i] = sum;
    }
  };

  if (passive.length > 0) {
    passive.forEach((p) => (inP[p] = 1));
    if (!factor.rebuild(passive)) throw singular();
    solve();
    x.set(s);
  }
  // Warm start: begin from a larger passive set and drop the variables that come out non-positive until
  // the restricted least-squares solution is feasible. That point is a valid start for the active-set
  // iterations (x_P > 0 solves the problem restricted to P), and when most variables end up positive —
  // as in a regularised DRT — only a few iterations remain instead of one per variable.
  const warm = options.warmStart ?? 'all';
  if (warm !== 'none') {
    const candidates = warm === 'all' ? Array.from({ length: n }, (_, i) => i) : warm;
    let trial = passive.slice();
    for (const i of candidates) {
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new ParameterError('warm-start index out of range', { field: 'warmStart', found: i, expected: `0..${n - 1}` });
      if (!isFree[i] && !trial.includes(i)) trial.push(i);
    }
    let ok = false;
    let same = 0;
    while (trial.length > passive.length) {
      if (!factor.rebuild(trial, same)) break;
      factor.solve(atb, trial, sub);
      const keep = trial.filter((p, k) => isFree[p] || sub[k] > 0);
      if (keep.length === trial.length) {
        ok = true;
        break;
      }
      same = 0;
      while (same < keep.length && keep[same] === trial[same]) same++;
      trial = keep;
    }
    if (ok) {
      passive = trial;
      inP.fill(0);
      x.fill(0);
      passive.forEach((p, k) => {
        inP[p] = 1;
        x[p] = sub[k];
      });
    } else if (!factor.rebuild(passive)) {
      throw singular();
    }
  }
  gradient();
  let iterations = 0;
  while (true) {
    let best = -1;
    let bestW = tol;
    for (let i = 0; i < n; i++) {
      if (!inP[i] && w[i] * colScale[i] > bestW) {
        bestW = w[i] * colScale[i];
        best = i;
      }
    }
    if (best < 0) break;
    if (iterations >= maxIter) {
      throw new NumericalError('NNLS did not converge', { field: 'iterations', found: iterations, expected: `optimality within ${maxIter} iterations` });
    }
    iterations++;
    inP[best] = 1;
    passive.push(best);
    if (!factor.append(passive)) {
      // The entering column is dependent on the passive ones: it cannot lower the objective further.
      inP[best] = 0;
      passive.pop();
      if (factor.k === 0) throw singular();
      break;
    }
    solve();
    // A variable that entered with a non-positive value means round-off made w look positive: stop there.
    if (s[best] <= 0) {
      inP[best] = 0;
      passive = passive.filter((p) => p !== best);
      break;
    }
    // Inner loop: step back towards the feasible region until every constrained passive value is > 0.
    while (true) {
      let alpha = Infinity;
      let blocking = -1;
      for (const p of passive) {
        if (!isFree[p] && s[p] <= 0) {
          const a = x[p] / (x[p] - s[p]);
          if (a < alpha) {
            alpha = a;
            blocking = p;
          }
        }
      }
      if (blocking < 0) break;
      for (let i = 0; i < n; i++) x[i] += alpha * (s[i] - x[i]);
      // the blocking variable lands on the bound exactly, whatever the rounding of the step
      x[blocking] = 0;
      const before = passive;
      passive = passive.filter((p) => {
        if (!isFree[p] && x[p] <= 0) {
          x[p] = 0;
          inP[p] = 0;
          return false;
        }
        return true;
      });
      let same = 0;
      while (same < passive.length && passive[same] === before[same]) same++;
      if (!factor.rebuild(passive, same)) throw singular();
      solve();
    }
    x.set(s);
    gradient();
  }
  const atBound: number[] = [];
  for (let i = 0; i < n; i++) if (!inP[i]) atBound.push(i);
  return { x, iterations, atBound };
}

/** Forms AᵀA and Aᵀb for a row-major m×n matrix. */
export function normalEquations(a: Float64Array, m: number, n: number, b: Float64Array): { ata: Float64Array; atb: Float64Array } {
  if (a.length !== m * n) throw new ParameterError('matrix has the wrong size', { field: 'a', found: a.length, expected: `${m}×${n} = ${m * n}` });
  if (b.length !== m) throw new ParameterError('right-hand side has the wrong length', { field: 'b', found: b.length, expected: m });
  const ata = new Float64Array(n * n);
  const atb = new Float64Array(n);
  for (let r = 0; r < m; r++) {
    const off = r * n;
    const br = b[r];
    for (let i = 0; i < n; i++) {
      const ai = a[off + i];
      if (ai === 0) continue;
      atb[i] += ai * br;
      for (let j = i; j < n; j++) ata[i * n + j] += ai * a[off + j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) ata[i * n + j] = ata[j * n + i];
  return { ata, atb };
}

/** NNLS on a row-major m×n matrix A: min ‖A x − b‖ with x ≥ 0 (except `free` indices). */
export function nnls(a: Float64Array, m: number, n: number, b: Float64Array, options: NnlsOptions = {}): NnlsMatrixResult {
  const { ata, atb } = normalEquations(a, m, n, b);
  const result = nnlsGram(ata, atb, options);
  let ss = 0;
  for (let r = 0; r < m; r++) {
    let sum = -b[r];
    for (let j = 0; j < n; j++) sum += a[r * n + j] * result.x[j];
    ss += sum * sum;
  }
  return { ...result, residualNorm: Math.sqrt(ss) };
}
