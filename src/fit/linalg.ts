/**
 * Small dense linear algebra for the fitting engine. Problems here have a handful to a few dozen
 * parameters, so an O(n³) cyclic Jacobi eigensolver on the n×n normal matrix is both accurate
 * (Jacobi is backward stable and gets small eigenvalues to high relative accuracy for well-scaled
 * matrices — Demmel & Veselić, SIAM J. Matrix Anal. Appl. 13 (1992) 1204) and allocation-free in the
 * inner loop, which matters when thousands of spectra are fitted.
 */

/** Eigen-decomposition A = V·diag(values)·Vᵀ of a symmetric matrix; V column k is eigenvector k. */
export interface SymmetricEigen {
  readonly n: number;
  /** Eigenvalues, unsorted. */
  readonly values: Float64Array;
  /** Row-major n×n: vectors[i*n+k] is component i of eigenvector k. */
  readonly vectors: Float64Array;
}

/** Workspace so repeated decompositions of the same size do not allocate. */
export function createEigenWorkspace(n: number): {
  a: Float64Array;
  values: Float64Array;
  vectors: Float64Array;
} {
  return { a: new Float64Array(n * n), values: new Float64Array(n), vectors: new Float64Array(n * n) };
}

/**
 * Cyclic Jacobi eigenvalue algorithm (Golub & Van Loan, Matrix Computations, 4th ed., §8.5). `matrix` is
 * row-major n×n and only its values are read (it is copied into the workspace). Sweeps stop when every
 * off-diagonal element is negligible next to the geometric mean of its diagonal pair.
 */
export function symmetricEigen(
  matrix: ArrayLike<number>,
  n: number,
  work = createEigenWorkspace(n),
): SymmetricEigen {
  const a = work.a;
  const v = work.vectors;
  for (let i = 0; i < n * n; i++) a[i] = matrix[i];
  v.fill(0);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        // Skip elements below rounding level relative to their diagonal pair.
        if (Math.abs(apq) <= 1e-18 * Math.sqrt(Math.abs(app * aqq)) || Math.abs(apq) < 1e-300) {
          a[p * n + q] = 0;
          a[q * n + p] = 0;
          continue;
        }
        rotated = true;
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = 0;
        a[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
    if (!rotated) break;
  }
  for (let i = 0; i < n; i++) work.values[i] = a[i * n + i];
  return { n, values: work.values, vectors: v };
}

/**
 * JᵀJ (n×n, row-major) of a row-major m×n matrix, into `out`. With few columns and many rows, a row-wise
 * update spends its time on loop overhead; copying J column-major first turns the work into n(n+1)/2 long
 * dot products (about twice as fast for 12 × 500).
 */
export function gramMatrix(
  jac: Float64Array,
  m: number,
  n: number,
  out: Float64Array,
  scratch?: Float64Array,
): Float64Array {
  const t = scratch && scratch.length >= m * n ? scratch : new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) t[j * m + i] = jac[row + j];
  }
  return gramColumns(t, m, n, out);
}

/**
 * JᵀJ (n×n, row-major) of J stored column by column (cols[j*m + i] = J_ij), into `out`. Four columns are
 * dotted with a fifth in one pass, so each element of that fifth column is loaded once for four products.
 */
export function gramColumns(cols: Float64Array, m: number, n: number, out: Float64Array): Float64Array {
  let j = 0;
  for (; j + 3 < n; j += 4) {
    const a0 = j * m;
    const a1 = a0 + m;
    const a2 = a1 + m;
    const a3 = a2 + m;
    for (let k = j; k < n; k++) {
      const b = k * m;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < m; i++) {
        const v = cols[b + i];
        s0 += cols[a0 + i] * v;
        s1 += cols[a1 + i] * v;
        s2 += cols[a2 + i] * v;
        s3 += cols[a3 + i] * v;
      }
      out[j * n + k] = s0;
      out[k * n + j] = s0;
      out[(j + 1) * n + k] = s1;
      out[k * n + j + 1] = s1;
      out[(j + 2) * n + k] = s2;
      out[k * n + j + 2] = s2;
      out[(j + 3) * n + k] = s3;
      out[k * n + j + 3] = s3;
    }
  }
  for (; j < n; j++) {
    for (let k = j; k < n; k++) {
      const v = dotRange(cols, j * m, cols, k * m, m);
      out[j * n + k] = v;
      out[k * n + j] = v;
    }
  }
  return out;
}

/** Σ a[ao+i]·b[bo+i] for i < len, four accumulators to shorten the dependency chain. */
export function dotRange(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < len; i += 4) {
    s0 += a[ao + i] * b[bo + i];
    s1 += a[ao + i + 1] * b[bo + i + 1];
    s2 += a[ao + i + 2] * b[bo + i + 2];
    s3 += a[ao + i + 3] * b[bo + i + 3];
  }
  for (; i < len; i++) s0 += a[ao + i] * b[bo + i];
  return s0 + s1 + s2 + s3;
}

/** Jᵀr of a row-major m×n matrix, into `out`. */
export function transposeTimes(
  jac: Float64Array,
  r: Float64Array,
  m: number,
  n: number,
  out: Float64Array,
): Float64Array {
  out.fill(0);
  for (let i = 0; i < m; i++) {
    const ri = r[i];
    if (ri === 0) continue;
    const row = i * n;
    for (let j = 0; j < n; j++) out[j] += jac[row + j] * ri;
  }
  return out;
}

export function norm2(x: ArrayLike<number>): number {
  // Scaled accumulation avoids overflow for huge residuals (areas of 1e9 are common in raw spectra).
  let scale = 0;
  let ssq = 1;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]);
    if (v === 0) continue;
    if (scale < v) {
      ssq = 1 + ssq * (scale / v) * (scale / v);
      scale = v;
    } else {
      ssq += (v / scale) * (v / scale);
    }
  }
  return scale * Math.sqrt(ssq);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
