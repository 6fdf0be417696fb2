/**
 * Dense linear least squares min ‖A x − b‖ by Householder QR (Golub & Van Loan, Matrix Computations,
 * §5.3). QR instead of the normal equations keeps the accuracy of ill-conditioned Lin-KK designs, whose
 * RC columns overlap strongly when many time constants are used.
 */
import { NumericalError } from '../core/errors.js';

/** Solves for x given A (row-major m×n, m ≥ n). A and b are not modified. */
export function leastSquaresQr(a: Float64Array, m: number, n: number, b: Float64Array): Float64Array {
  const r = Float64Array.from(a);
  const y = Float64Array.from(b);
  const v = new Float64Array(m);
  let maxDiag = 0;
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm = Math.hypot(norm, r[i * n + k]);
    if (norm === 0) continue;
    const alpha = r[k * n + k] > 0 ? -norm : norm;
    for (let i = k; i < m; i++) v[i] = r[i * n + k];
    v[k] -= alpha;
    let vv = 0;
    for (let i = k; i < m; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i] * r[i * n + j];
      const f = (2 * dot) / vv;
      for (let i = k; i < m; i++) r[i * n + j] -= f * v[i];
    }
    let dot = 0;
    for (let i = k; i < m; i++) dot += v[i] * y[i];
    const f = (2 * dot) / vv;
    for (let i = k; i < m; i++) y[i] -= f * v[i];
    maxDiag = Math.max(maxDiag, Math.abs(r[k * n + k]));
  }
  const x = new Float64Array(n);
  for (let k = n - 1; k >= 0; k--) {
    const d = r[k * n + k];
    if (Math.abs(d) <= maxDiag * 1e-15) {
      throw new NumericalError('least-squares design matrix is rank deficient', {
        field: `column ${k}`,
        found: d,
        expected: 'linearly independent columns',
      });
    }
    let sum = y[k];
    for (let j = k + 1; j < n; j++) sum -= r[k * n + j] * x[j];
    x[k] = sum / d;
  }
  return x;
}
