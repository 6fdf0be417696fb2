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
  /**
   * The Cholesky factor of the whole Gram matrix (gramFactor(ata)), for many right-hand sides on one
   * matrix (a DRT series): with warmStart 'all' and no free indices it replaces the O(n³) factorisation
   * each solve would start with.
   */
  factor?: GramFactor;
}

/** Lower Cholesky factor of an n×n symmetric positive-definite matrix, row-major (gramFactor). */
export interface GramFactor {
  readonly n: number;
  readonly l: Float64Array;
  /** The matrix it factors (checked by identity, not by value). */
  readonly of: Float64Array;
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
    const rowK = k * n;
    for (let j = 0; j < k; j++) {
      // Dot product of rows k and j in four interleaved sums: one running sum is a chain of dependent
      // additions, four keep the floating-point units busy (this loop is the O(k³) part of a rebuild).
      const rowJ = j * n;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let q = 0;
      for (; q + 3 < j; q += 4) {
        s0 += l[rowK + q] * l[rowJ + q];
        s1 += l[rowK + q + 1] * l[rowJ + q + 1];
        s2 += l[rowK + q + 2] * l[rowJ + q + 2];
        s3 += l[rowK + q + 3] * l[rowJ + q + 3];
      }
      for (; q < j; q++) s0 += l[rowK + q] * l[rowJ + q];
      const sum = h[p * n + passive[j]] - (s0 + s1 + (s2 + s3));
      const v = sum / l[rowJ + j];
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

  /**
   * Deletes the variable at position `pos` of P in O((k − pos)·k): its row is dropped, which leaves the
   * rows below with one entry right of the diagonal, and Givens rotations of neighbouring columns restore
   * the triangle (rotations from the right leave L·Lᵀ unchanged). Refactoring the rows below would cost
   * O((k − pos)·k²).
   */
  remove(pos: number): void {
    const { n, l } = this;
    const k = this.k;
    for (let i = pos; i < k - 1; i++) {
      const to = i * n;
      const from = to + n;
      for (let q = 0; q <= i + 1; q++) l[to + q] = l[from + q];
    }
    for (let p = pos; p < k - 1; p++) {
      const a = l[p * n + p];
      const b = l[p * n + p + 1];
      const r = Math.hypot(a, b);
      const c = a / r;
      const s = b / r;
      l[p * n + p] = r;
      l[p * n + p + 1] = 0;
      for (let i = p + 1; i < k - 1; i++) {
        const u = l[i * n + p];
        const v = l[i * n + p + 1];
        l[i * n + p] = c * u + s * v;
        l[i * n + p + 1] = c * v - s * u;
      }
    }
    this.k = k - 1;
  }

  /**
   * Solves H[P,P] out = rhs, both indexed by position in P; `rhs` may be `out` itself. With `from`, the
   * entries of rhs before that position are zero (a unit vector): the forward pass starts there.
   */
  solvePositions(rhs: Float64Array, out: Float64Array, from = 0): void {
    const { n, l, k } = this;
    for (let i = 0; i < from; i++) out[i] = 0;
    for (let i = from; i < k; i++) {
      let sum = rhs[i];
      for (let q = from; q < i; q++) sum -= l[i * n + q] * out[q];
      out[i] = sum / l[i * n + i];
    }
    for (let i = k - 1; i >= 0; i--) {
      let sum = out[i];
      for (let q = i + 1; q < k; q++) sum -= l[q * n + i] * out[q];
      out[i] = sum / l[i * n + i];
    }
  }

  /** Solves H[P,P] out = c[P]; `out` is indexed by position in P. */
  solve(c: Float64Array, passive: readonly number[], out: Float64Array): void {
    for (let i = 0; i < this.k; i++) out[i] = c[passive[i]];
    this.solvePositions(out, out);
  }
}

/** Cholesky factor of the whole Gram matrix `ata` (n×n), or null when it is not positive definite. */
export function gramFactor(ata: Float64Array, n: number): GramFactor | null {
  const f = new PassiveFactor(ata, n);
  const all = Array.from({ length: n }, (_, i) => i);
  return f.rebuild(all) ? { n, l: f.l, of: ata } : null;
}

/**
 * Warm start on a factored trial set T: the solution of the problem restricted to T with the variables in
 * D ⊂ T held at 0 is x = y + Z·μ, where y = H_TT⁻¹c_T, Z = H_TT⁻¹E_D (E_D: unit columns of D) and the
 * multipliers solve (EᵀZ)·μ = −y_D (EᵀZ is a principal block of H_TT⁻¹, positive definite). Dropping the
 * constrained variables that come out non-positive and solving again thus costs two triangular solves
 * per dropped variable and a |D|×|D| system, where refactoring H over T∖D would cost O(|T|³) per pass.
 * The passes and sets are those of refactoring; only the arithmetic differs. Returns the kept positions
 * of T and their values, or undefined when D grows past `maxDrop` or the small system loses definiteness
 * (the caller then refactors).
 */
function dropNonPositive(
  factor: PassiveFactor,
  atb: Float64Array,
  trial: readonly number[],
  isFree: Uint8Array,
  maxDrop: number,
): { keep: number[]; values: number[]; dropped: number[] } | undefined {
  const k = trial.length;
  const y = new Float64Array(k);
  factor.solve(atb, trial, y);
  const x = Float64Array.from(y);
  const dropped: number[] = [];
  const isDropped = new Uint8Array(k);
  const z: Float64Array[] = [];
  const unit = new Float64Array(k);
  while (true) {
    let added = false;
    for (let pos = 0; pos < k; pos++) {
      if (isDropped[pos] || isFree[trial[pos]] || x[pos] > 0) continue;
      if (dropped.length >= maxDrop) return undefined;
      isDropped[pos] = 1;
      dropped.push(pos);
      unit.fill(0);
      unit[pos] = 1;
      const col = new Float64Array(k);
      factor.solvePositions(unit, col, pos);
      z.push(col);
      added = true;
    }
    if (!added) break;
    // Cholesky of S = (Z_D)_{ab} = z_b[D_a], then S·μ = −y_D.
    const m = dropped.length;
    const c = new Float64Array(m * m);
    for (let a = 0; a < m; a++) {
      for (let b = 0; b <= a; b++) {
        let sum = z[b][dropped[a]];
        for (let q = 0; q < b; q++) sum -= c[a * m + q] * c[b * m + q];
        if (a === b) {
          if (!(sum > 1e-14 * z[a][dropped[a]])) return undefined;
          c[a * m + a] = Math.sqrt(sum);
        } else c[a * m + b] = sum / c[b * m + b];
      }
    }
    const mu = new Float64Array(m);
    for (let a = 0; a < m; a++) {
      let sum = -y[dropped[a]];
      for (let q = 0; q < a; q++) sum -= c[a * m + q] * mu[q];
      mu[a] = sum / c[a * m + a];
    }
    for (let a = m - 1; a >= 0; a--) {
      let sum = mu[a];
      for (let q = a + 1; q < m; q++) sum -= c[q * m + a] * mu[q];
      mu[a] = sum / c[a * m + a];
    }
    x.set(y);
    for (let b = 0; b < m; b++) {
      const col = z[b];
      const mb = mu[b];
      for (let i = 0; i < k; i++) x[i] += col[i] * mb;
    }
    for (const pos of dropped) x[pos] = 0; // on the bound exactly, whatever the rounding
  }
  const keep: number[] = [];
  const values: number[] = [];
  for (let pos = 0; pos < k; pos++) {
    if (isDropped[pos]) continue;
    keep.push(trial[pos]);
    values.push(x[pos]);
  }
  return { keep, values, dropped };
}

/**
 * NNLS from the Gram matrix: minimise xᵀ(AᵀA)x − 2(Aᵀb)ᵀx with x ≥ 0 on the constrained indices.
 * `ata` is n×n row-major and symmetric.
 */
export function nnlsGram(ata: Float64Array, atb: Float64Array, options: NnlsOptions = {}): NnlsResult {
  const n = atb.length;
  if (ata.length !== n * n) {
    throw new ParameterError('Gram matrix has the wrong size', {
      field: 'ata',
      found: ata.length,
      expected: `${n}×${n} = ${n * n}`,
    });
  }
  const isFree = new Uint8Array(n);
  for (const i of options.free ?? []) {
    if (!Number.isInteger(i) || i < 0 || i >= n)
      throw new ParameterError('free index out of range', {
        field: 'free',
        found: i,
        expected: `0..${n - 1}`,
      });
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
  // positions (in the factored trial set) that `factor` still holds but `passive` no longer does
  let stale: number[] = [];
  let passive: number[] = [];
  for (let i = 0; i < n; i++) if (isFree[i]) passive.push(i);

  const singular = (): NumericalError =>
    new NumericalError('NNLS sub-problem is singular', {
      field: 'passive set',
      found: passive.length,
      expected: 'a positive-definite Gram sub-matrix (regularise the problem)',
    });
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
      if (!Number.isInteger(i) || i < 0 || i >= n)
        throw new ParameterError('warm-start index out of range', {
          field: 'warmStart',
          found: i,
          expected: `0..${n - 1}`,
        });
      if (!isFree[i] && !trial.includes(i)) trial.push(i);
    }
    let ok = false;
    let done = false;
    let same = 0;
    // Usual case (a regularised problem, most variables positive): factor H over the trial set once and
    // drop variables through the multiplier system. The factor then belongs to the trial set, not to the
    // final passive set, and is rebuilt only if an outer iteration needs it.
    if (trial.length > passive.length) {
      const given = options.factor;
      const reuse =
        given !== undefined &&
        given.of === ata &&
        given.n === n &&
        trial.length === n &&
        trial.every((p, i) => p === i);
      if (reuse) {
        factor.l.set(given.l);
        factor.k = n;
      }
      if (reuse || factor.rebuild(trial, 0)) {
        const r = dropNonPositive(factor, atb, trial, isFree, Math.max(8, trial.length >> 2));
        if (r !== undefined) {
          passive = r.keep;
          inP.fill(0);
          x.fill(0);
          passive.forEach((p, k) => {
            inP[p] = 1;
            x[p] = r.values[k];
          });
          stale = r.dropped;
          done = true;
        } else same = trial.length; // many drops: refactor pass by pass, from the factor at hand
      } else trial = passive; // H over the trial set is not positive definite: no warm start
    }
    if (!done) {
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
      throw new NumericalError('NNLS did not converge', {
        field: 'iterations',
        found: iterations,
        expected: `optimality within ${maxIter} iterations`,
      });
    }
    iterations++;
    if (stale.length > 0) {
      // The factor still holds the dropped variables: delete them (last position first, so the others
      // stay valid) by Givens rotations, O(k²) each, instead of refactoring the passive set.
      for (const pos of stale.sort((a, b) => b - a)) factor.remove(pos);
      stale = [];
    }
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
      // Leaving variables are deleted from the factor from the last position backwards, so that the
      // positions still to delete stay valid.
      for (let pos = passive.length - 1; pos >= 0; pos--) {
        const p = passive[pos];
        if (!isFree[p] && x[p] <= 0) {
          x[p] = 0;
          inP[p] = 0;
          factor.remove(pos);
        }
      }
      passive = passive.filter((p) => inP[p] === 1);
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
export function normalEquations(
  a: Float64Array,
  m: number,
  n: number,
  b: Float64Array,
): { ata: Float64Array; atb: Float64Array } {
  if (a.length !== m * n)
    throw new ParameterError('matrix has the wrong size', {
      field: 'a',
      found: a.length,
      expected: `${m}×${n} = ${m * n}`,
    });
  if (b.length !== m)
    throw new ParameterError('right-hand side has the wrong length', {
      field: 'b',
      found: b.length,
      expected: m,
    });
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
export function nnls(
  a: Float64Array,
  m: number,
  n: number,
  b: Float64Array,
  options: NnlsOptions = {},
): NnlsMatrixResult {
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
