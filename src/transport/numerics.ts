/**
 * Small numerical kernels for profile analysis on non-uniform grids: derivatives (second order, as
 * numpy.gradient with edge_order=2), trapezoid integrals, and local polynomial (Savitzky–Golay) smoothing.
 */

/**
 * Derivative of `y` with respect to `x` at every sample, second-order accurate on non-uniform grids
 * (three-point Lagrange formulas: centred inside, one-sided at both ends). Needs at least 3 points.
 * Reads y[offset + k·stride] for k = 0…n−1 and writes out[k].
 */
export function gradient(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  out: Float64Array = new Float64Array(x.length),
  offset = 0,
  stride = 1,
): Float64Array {
  const n = x.length;
  const at = (k: number) => y[offset + k * stride];
  if (n < 2) {
    out.fill(0);
    return out;
  }
  if (n === 2) {
    const s = (at(1) - at(0)) / (x[1] - x[0]);
    out[0] = s;
    out[1] = s;
    return out;
  }
  for (let i = 1; i < n - 1; i++) {
    const h1 = x[i] - x[i - 1];
    const h2 = x[i + 1] - x[i];
    out[i] =
      (-h2 / (h1 * (h1 + h2))) * at(i - 1) +
      ((h2 - h1) / (h1 * h2)) * at(i) +
      (h1 / (h2 * (h1 + h2))) * at(i + 1);
  }
  {
    const h1 = x[1] - x[0];
    const h2 = x[2] - x[1];
    out[0] =
      (-(2 * h1 + h2) / (h1 * (h1 + h2))) * at(0) +
      ((h1 + h2) / (h1 * h2)) * at(1) -
      (h1 / (h2 * (h1 + h2))) * at(2);
  }
  {
    const h1 = x[n - 2] - x[n - 3];
    const h2 = x[n - 1] - x[n - 2];
    out[n - 1] =
      (h2 / (h1 * (h1 + h2))) * at(n - 3) -
      ((h1 + h2) / (h1 * h2)) * at(n - 2) +
      ((2 * h2 + h1) / (h2 * (h1 + h2))) * at(n - 1);
  }
  return out;
}

/** Running trapezoid integral ∫_{x0}^{x_i} y dx (out[0] = 0). */
export function cumulativeTrapezoid(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  out: Float64Array = new Float64Array(x.length),
): Float64Array {
  out[0] = 0;
  for (let i = 1; i < x.length; i++) out[i] = out[i - 1] + 0.5 * (y[i] + y[i - 1]) * (x[i] - x[i - 1]);
  return out;
}

/** Trapezoid integral over the whole grid. */
export function trapezoid(y: ArrayLike<number>, x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += 0.5 * (y[i] + y[i - 1]) * (x[i] - x[i - 1]);
  return s;
}

/**
 * Local polynomial smoothing (Savitzky–Golay generalised to non-uniform sampling): each point is replaced
 * by the value at that point of a least-squares polynomial of `order` fitted to the `window` nearest
 * samples (the window slides inwards at the ends instead of shrinking). Unlike a moving average it keeps
 * slopes and curvature up to `order` intact, which matters because the drift analysis differentiates.
 */
export function polynomialSmooth(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  window: number,
  order: number,
  out: Float64Array = new Float64Array(x.length),
  offset = 0,
  stride = 1,
): Float64Array {
  const n = x.length;
  const w = Math.min(window, n);
  const p = Math.min(order, w - 1);
  const m = p + 1;
  const half = Math.floor(w / 2);
  const ata = new Float64Array(m * m);
  const atb = new Float64Array(m);
  const powers = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const start = Math.max(0, Math.min(n - w, i - half));
    // Scale local coordinates to [-1, 1] so the normal equations stay well conditioned.
    const scale = Math.max(Math.abs(x[start] - x[i]), Math.abs(x[start + w - 1] - x[i])) || 1;
    ata.fill(0);
    atb.fill(0);
    for (let k = start; k < start + w; k++) {
      const u = (x[k] - x[i]) / scale;
      powers[0] = 1;
      for (let j = 1; j < m; j++) powers[j] = powers[j - 1] * u;
      const yk = y[offset + k * stride];
      for (let a = 0; a < m; a++) {
        atb[a] += powers[a] * yk;
        for (let b = 0; b < m; b++) ata[a * m + b] += powers[a] * powers[b];
      }
    }
    // The polynomial's value at u = 0 is its constant coefficient.
    out[i] = solveSymmetric(ata, atb, m)[0];
  }
  return out;
}

/** Gaussian elimination with partial pivoting for the small normal-equation systems above. */
function solveSymmetric(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const A = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let col = 0; col < m; col++) {
    let piv = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(A[r * m + col]) > Math.abs(A[piv * m + col])) piv = r;
    if (piv !== col) {
      for (let c = 0; c < m; c++) {
        const t = A[col * m + c];
        A[col * m + c] = A[piv * m + c];
        A[piv * m + c] = t;
      }
      const t = x[col];
      x[col] = x[piv];
      x[piv] = t;
    }
    const d = A[col * m + col];
    for (let r = col + 1; r < m; r++) {
      const f = A[r * m + col] / d;
      if (f === 0) continue;
      for (let c = col; c < m; c++) A[r * m + c] -= f * A[col * m + c];
      x[r] -= f * x[col];
    }
  }
  for (let r = m - 1; r >= 0; r--) {
    let s = x[r];
    for (let c = r + 1; c < m; c++) s -= A[r * m + c] * x[c];
    x[r] = s / A[r * m + r];
  }
  return x;
}

/** Linear interpolation of (xs, ys) at `x`; xs ascending. Returns NaN outside [xs[0], xs[n−1]]. */
export function interpolateLinear(xs: ArrayLike<number>, ys: ArrayLike<number>, x: number): number {
  const n = xs.length;
  if (n === 0 || !(x >= xs[0] && x <= xs[n - 1])) return NaN;
  if (n === 1) return ys[0];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  const span = xs[hi] - xs[lo];
  const w = span === 0 ? 0 : (x - xs[lo]) / span;
  return ys[lo] + w * (ys[hi] - ys[lo]);
}
