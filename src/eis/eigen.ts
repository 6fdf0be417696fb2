/**
 * Symmetric eigen-decomposition by Householder tridiagonalisation followed by the implicit QL iteration
 * with Wilkinson-type shifts (Golub & Van Loan, Matrix Computations, 4th ed., §8.3; Wilkinson & Reinsch,
 * Handbook for Automatic Computation II, contributions II/2–II/3). O(n³) with a small constant: about
 * 10× faster than cyclic Jacobi for the ~100×100 matrices of a DRT λ scan.
 */
import { NumericalError } from '../core/errors.js';

export interface Eigen {
  /** Eigenvalues, unsorted. */
  readonly values: Float64Array;
  /** Row-major n×n; column k is the eigenvector of values[k]. */
  readonly vectors: Float64Array;
}

/** Decomposes the symmetric row-major n×n matrix `a` (only read) as V diag(values) Vᵀ. */
export function symmetricEigenQl(a: ArrayLike<number>, n: number): Eigen {
  const t = Float64Array.from({ length: n * n }, (_, i) => a[i]);
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const v = new Float64Array(n);
  const p = new Float64Array(n);

  // 1. Householder reduction to tridiagonal form, T = Qᵀ A Q.
  for (let k = 0; k < n - 2; k++) {
    let alpha = 0;
    for (let i = k + 1; i < n; i++) alpha = Math.hypot(alpha, t[i * n + k]);
    if (alpha === 0) continue;
    const sign = t[(k + 1) * n + k] >= 0 ? 1 : -1;
    v.fill(0);
    for (let i = k + 1; i < n; i++) v[i] = t[i * n + k];
    v[k + 1] += sign * alpha;
    let vv = 0;
    for (let i = k + 1; i < n; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    const beta = 2 / vv;
    // Symmetric rank-2 update of the trailing block: A ← A − v wᵀ − w vᵀ with w = p − (β pᵀv/2) v, p = βAv.
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      let sum = 0;
      for (let j = k + 1; j < n; j++) sum += t[i * n + j] * v[j];
      p[i] = beta * sum;
      pv += p[i] * v[i];
    }
    const kk = (beta * pv) / 2;
    for (let i = k + 1; i < n; i++) p[i] -= kk * v[i];
    for (let i = k + 1; i < n; i++) {
      for (let j = k + 1; j < n; j++) t[i * n + j] -= v[i] * p[j] + p[i] * v[j];
    }
    t[(k + 1) * n + k] = t[k * n + k + 1] = -sign * alpha;
    for (let i = k + 2; i < n; i++) t[i * n + k] = t[k * n + i] = 0;
    // Q ← Q (I − β v vᵀ)
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let j = k + 1; j < n; j++) sum += q[r * n + j] * v[j];
      const f = beta * sum;
      for (let j = k + 1; j < n; j++) q[r * n + j] -= f * v[j];
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n); // e[i] couples i and i+1; e[n−1] = 0
  for (let i = 0; i < n; i++) d[i] = t[i * n + i];
  for (let i = 0; i < n - 1; i++) e[i] = t[(i + 1) * n + i];

  // 2. Implicit QL sweeps on the tridiagonal matrix, rotations accumulated into Q.
  for (let l = 0; l < n; l++) {
    for (let iter = 0; ; iter++) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (iter >= 60)
        throw new NumericalError('eigenvalue iteration did not converge', {
          field: `eigenvalue ${l}`,
          found: iter,
          expected: 'convergence within 60 QL sweeps',
        });
      // shift from the leading 2×2 block (eigenvalue of it closer to d[l])
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let shift = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= shift;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - shift;
        r = (d[i] - g) * s + 2 * c * b;
        shift = s * r;
        d[i + 1] = g + shift;
        g = c * r - b;
        for (let k = 0; k < n; k++) {
          const z1 = q[k * n + i + 1];
          const z0 = q[k * n + i];
          q[k * n + i + 1] = s * z0 + c * z1;
          q[k * n + i] = c * z0 - s * z1;
        }
      }
      if (underflow) continue;
      d[l] -= shift;
      e[l] = g;
      e[m] = 0;
    }
  }
  return { values: d, vectors: q };
}
