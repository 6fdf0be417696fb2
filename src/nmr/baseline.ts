/**
 * Baseline correction of the real part of a spectrum.
 *
 * - Polynomial of order N fitted by least squares to user-chosen signal-free ppm regions.
 * - Automatic: a Whittaker smoother (Eilers, Anal. Chem. 75 (2003) 3631) with asymmetric reweighting.
 *   We use arPLS (Baek, Park, Ahn & Choo, Analyst 140 (2015) 250): points are weighted by a logistic
 *   function of their residual relative to the spread of the negative residuals, so the baseline runs
 *   through the middle of the noise (plain ALS sits under the noise and biases wide integrals upward)
 *   while peaks get weight ≈ 0. Each iteration solves (W + λ·DᵀD) z = W y, D the second difference:
 *   a symmetric pentadiagonal system, solved here in O(n) by banded LDLᵀ factorisation.
 */
import { leastSquaresQr } from '../fit/lstsq.js';
import { DataError, NumericalError, ParameterError } from '../core/errors.js';
import type { Spectrum } from '../core/types.js';
import type { PpmRange } from './types.js';

function requireLambda(lambda: number): void {
  if (!(lambda > 0 && Number.isFinite(lambda)))
    throw new ParameterError('smoothness λ must be positive', {
      field: 'lambda',
      found: lambda,
      expected: '> 0',
    });
}

/** A pivot that is not positive and finite: the system has too little weight to be solved. */
function singular(pivot: number): never {
  throw new NumericalError('Whittaker system is singular (too few points with weight)', {
    field: 'weights',
    found: pivot,
    expected: 'positive pivots',
  });
}

/**
 * Solves (diag(w) + λ·DᵀD) z = w ⊙ y for z, D the (n−2)×n second-difference matrix, in O(n).
 * DᵀD has diagonals [1, 5, 6, …, 6, 5, 1], [−2, −4, …, −4, −2] and [1, …, 1].
 */
export function whittakerSmooth(y: Float64Array, weights: Float64Array, lambda: number): Float64Array {
  const n = y.length;
  if (n < 3)
    throw new DataError('too few points for a Whittaker smoother', {
      field: 'spectrum',
      found: n,
      expected: '≥ 3',
    });
  if (weights.length !== n)
    throw new ParameterError('weights and data differ in length', {
      field: 'weights',
      found: weights.length,
      expected: n,
    });
  requireLambda(lambda);
  const z = new Float64Array(n);
  whittakerSolve(y, weights, lambda, z, new Float64Array(6 * n));
  return z;
}

/**
 * The banded LDLᵀ solve behind whittakerSmooth, writing into `z` with caller-owned scratch (6n values), so
 * that arPLS reuses its buffers over its iterations instead of allocating four arrays per solve.
 */
function whittakerSolve(
  y: Float64Array,
  weights: Float64Array,
  lambda: number,
  z: Float64Array,
  scratch: Float64Array,
): void {
  const n = y.length;
  if (n >= 8) {
    twistedSolve(y, weights, lambda, z, scratch);
    return;
  }
  // LDLᵀ of the band: d = D, e[i] = L[i][i−1], f[i] = L[i][i−2]; with A[i][i−2] = λ,
  //   f_i = λ/d_{i−2},  e_i = (A[i][i−1] − f_i·e_{i−1}·d_{i−2})/d_{i−1} = (A[i][i−1] − λ·e_{i−1})/d_{i−1},
  //   d_i = A[i][i] − e_i²·d_{i−1} − f_i²·d_{i−2}.
  // The forward substitution L·u = W·y runs in the same loop. With so few rows most are end rows of
  // DᵀD, so each row looks its entries up; twistedSolve runs the constant interior (6, −4) without tests.
  const inv = scratch.subarray(0, n); // 1/d_i: one division per point on the serial dependency chain
  const e = scratch.subarray(n, 2 * n);
  const f = scratch.subarray(2 * n, 3 * n);
  const small = n === 3;
  let dPrev = 0; // d_{i−1}
  let dPrev2 = 0; // d_{i−2}
  for (let i = 0; i < n; i++) {
    const dtd = small ? (i === 1 ? 4 : 1) : i === 0 || i === n - 1 ? 1 : i === 1 || i === n - 2 ? 5 : 6;
    const off = small || i === n - 1 ? -2 * lambda : -4 * lambda;
    let di = weights[i] + lambda * dtd;
    let u = weights[i] * y[i];
    if (i >= 2) {
      const fi = lambda * inv[i - 2];
      const ei = (off - lambda * e[i - 1]) * inv[i - 1];
      di -= ei * ei * dPrev + fi * fi * dPrev2;
      u -= ei * z[i - 1] + fi * z[i - 2];
      e[i] = ei;
      f[i] = fi;
    } else if (i === 1) {
      const ei = -2 * lambda * inv[0];
      di -= ei * ei * dPrev;
      u -= ei * z[0];
      e[1] = ei;
    }
    if (!(di > 0) || !Number.isFinite(di)) singular(di);
    inv[i] = 1 / di;
    dPrev2 = dPrev;
    dPrev = di;
    z[i] = u;
  }
  // Back substitution Lᵀ·x = D⁻¹·u.
  z[n - 1] *= inv[n - 1];
  z[n - 2] = z[n - 2] * inv[n - 2] - e[n - 1] * z[n - 1];
  for (let i = n - 3; i >= 0; i--) z[i] = z[i] * inv[i] - e[i + 1] * z[i + 1] - f[i + 2] * z[i + 2];
}

/**
 * The same system solved from both ends at once (a twisted factorisation): LDLᵀ elimination runs down
 * from row 0 and, on the reversed system, up from row n−1; they meet at rows m, m+1, which are solved as a
 * 2×2 system, and the back substitutions run outwards from there. Both halves are the recurrence of
 * whittakerSolve, but each step of an elimination waits on a division from the step before; two
 * independent chains keep the processor busy during each other's divisions, which nearly halves the
 * time of a solve. Schur complements of a positive definite matrix stay positive definite, so this is
 * as stable as the one-ended elimination; results agree with it to rounding (see the tests).
 * Needs n ≥ 8 (two rows eliminated from each end at least).
 */
function twistedSolve(
  y: Float64Array,
  w: Float64Array,
  lambda: number,
  z: Float64Array,
  scratch: Float64Array,
): void {
  const n = y.length;
  // Top: inv[i] = 1/d_i, e[i] = L[i][i−1], f[i] = L[i][i−2]. Bottom (index = original row):
  // invB[i] = 1/d_i, eB[i] = U[i][i+1], fB[i] = U[i][i+2]. z holds the forward-substituted right-hand side.
  const inv = scratch.subarray(0, n);
  const e = scratch.subarray(n, 2 * n);
  const f = scratch.subarray(2 * n, 3 * n);
  const invB = scratch.subarray(3 * n, 4 * n);
  const eB = scratch.subarray(4 * n, 5 * n);
  const fB = scratch.subarray(5 * n, 6 * n);
  const m = (n >> 1) - 1; // rows 0…m−1 from the top, m+2…n−1 from the bottom, m and m+1 last
  const six = 6 * lambda;
  const off = -4 * lambda; // DᵀD's first off-diagonal away from the ends (−2 in the end rows)
  // Rows 0, 1 and n−1, n−2 (DᵀD diagonal 1, 5; off-diagonal −2 next to the ends).
  let d0 = w[0] + lambda;
  if (!(d0 > 0) || d0 === Infinity) singular(d0);
  inv[0] = 1 / d0;
  z[0] = w[0] * y[0];
  let e1 = -2 * lambda * inv[0];
  let d1 = w[1] + 5 * lambda - e1 * e1 * d0;
  if (!(d1 > 0) || d1 === Infinity) singular(d1);
  inv[1] = 1 / d1;
  e[1] = e1;
  z[1] = w[1] * y[1] - e1 * z[0];
  let b0 = w[n - 1] + lambda;
  if (!(b0 > 0) || b0 === Infinity) singular(b0);
  invB[n - 1] = 1 / b0;
  z[n - 1] = w[n - 1] * y[n - 1];
  let g1 = -2 * lambda * invB[n - 1];
  let b1 = w[n - 2] + 5 * lambda - g1 * g1 * b0;
  if (!(b1 > 0) || b1 === Infinity) singular(b1);
  invB[n - 2] = 1 / b1;
  eB[n - 2] = g1;
  z[n - 2] = w[n - 2] * y[n - 2] - g1 * z[n - 1];
  // Interior rows, one from each end per step. d0/d1 (b0/b1) are the last two pivots of each chain,
  // e1 (g1) the last coupling.
  let u0 = z[0];
  let u1 = z[1];
  let v0 = z[n - 1];
  let v1 = z[n - 2];
  const bottomRows = n - m - 2;
  for (let k = 2; k < bottomRows; k++) {
    const i = n - 1 - k;
    const gi = (off - lambda * g1) * invB[i + 1];
    const hi = lambda * invB[i + 2];
    const wb = w[i];
    const bi = wb + six - (gi * gi * b1 + hi * hi * b0);
    const vi = wb * y[i] - (gi * v1 + hi * v0);
    if (k < m) {
      const ek = (off - lambda * e1) * inv[k - 1];
      const fk = lambda * inv[k - 2];
      const wk = w[k];
      const dk = wk + six - (ek * ek * d1 + fk * fk * d0);
      const uk = wk * y[k] - (ek * u1 + fk * u0);
      if (!(dk > 0) || dk === Infinity) singular(dk);
      e[k] = ek;
      f[k] = fk;
      inv[k] = 1 / dk;
      z[k] = uk;
      d0 = d1;
      d1 = dk;
      e1 = ek;
      u0 = u1;
      u1 = uk;
    }
    if (!(bi > 0) || bi === Infinity) singular(bi);
    eB[i] = gi;
    fB[i] = hi;
    invB[i] = 1 / bi;
    z[i] = vi;
    b0 = b1;
    b1 = bi;
    g1 = gi;
    v0 = v1;
    v1 = vi;
  }
  // Rows m and m+1: what is left of them after both eliminations (Schur complement), a 2×2 system.
  const eT = (off - lambda * e1) * inv[m - 1]; // L[m][m−1]
  const fT = lambda * inv[m - 2]; // L[m][m−2]
  const fT1 = lambda * inv[m - 1]; // L[m+1][m−1]
  const gB = (off - lambda * g1) * invB[m + 2]; // U[m+1][m+2]
  const hB = lambda * invB[m + 3]; // U[m+1][m+3]
  const hB0 = lambda * invB[m + 2]; // U[m][m+2]
  const a11 = w[m] + six - (eT * eT * d1 + fT * fT * d0) - hB0 * hB0 * b1;
  const a22 = w[m + 1] + six - fT1 * fT1 * d1 - (gB * gB * b1 + hB * hB * b0);
  const a12 = off - fT1 * eT * d1 - hB0 * gB * b1;
  const r1 = w[m] * y[m] - (eT * u1 + fT * u0) - hB0 * v1;
  const r2 = w[m + 1] * y[m + 1] - fT1 * u1 - (gB * v1 + hB * v0);
  const det = a11 * a22 - a12 * a12;
  if (!(a11 > 0) || a11 === Infinity) singular(a11);
  if (!(det > 0) || !Number.isFinite(det)) singular(det / a11);
  z[m] = (r1 * a22 - a12 * r2) / det;
  z[m + 1] = (a11 * r2 - a12 * r1) / det;
  e[m] = eT;
  f[m] = fT;
  f[m + 1] = fT1;
  eB[m + 1] = gB;
  fB[m + 1] = hB;
  fB[m] = hB0;
  // Back substitution outwards from the middle, both halves in the same loop.
  for (let k = 1; k <= bottomRows; k++) {
    const i = m + 1 + k;
    z[i] = z[i] * invB[i] - eB[i - 1] * z[i - 1] - fB[i - 2] * z[i - 2];
    const t = m - k;
    if (t >= 0) z[t] = z[t] * inv[t] - e[t + 1] * z[t + 1] - f[t + 2] * z[t + 2];
  }
}

export interface ArplsOptions {
  /**
   * Smoothness λ. Default 1e6·(n/1024)⁴: the smoother's length scale grows as λ^¼ points, so this keeps
   * the baseline's stiffness the same fraction of the spectrum whatever the number of points.
   */
  readonly lambda?: number;
  /** Stop when ‖Δw‖/‖w‖ falls below this (default 1e-3). */
  readonly tolerance?: number;
  /** Iteration cap (default 50). */
  readonly maxIterations?: number;
  /**
   * Fit on means of this many consecutive points, then interpolate linearly back (default 1: no
   * blocking). λ keeps its full-resolution meaning (it is divided by blockPoints⁴ internally). The baseline
   * is smooth over ≈λ^¼ points, so blocks of a few points change it far less than the noise, while the
   * cost falls by the block size.
   */
  readonly blockPoints?: number;
}

export interface BaselineResult {
  /** The baseline, one value per point of the real spectrum. */
  readonly baseline: Float64Array;
  /** Iterations used (1 for a polynomial). */
  readonly iterations: number;
}

export function defaultArplsLambda(n: number): number {
  return 1e6 * (n / 1024) ** 4;
}

/** arPLS baseline of a real vector (Baek et al. 2015, Algorithm 1), optionally on block means. */
export function arplsBaseline(y: Float64Array, options: ArplsOptions = {}): BaselineResult {
  const n = y.length;
  const block = options.blockPoints ?? 1;
  if (!Number.isInteger(block) || block < 1)
    throw new ParameterError('block size must be a positive integer', { field: 'blockPoints', found: block });
  const lambda = options.lambda ?? defaultArplsLambda(n);
  if (block === 1 || n < 8 * block) return arplsFull(y, { ...options, lambda });
  const m = Math.ceil(n / block);
  const means = new Float64Array(m);
  const centres = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const start = j * block;
    const end = Math.min(n, start + block);
    let sum = 0;
    for (let i = start; i < end; i++) sum += y[i];
    means[j] = sum / (end - start);
    centres[j] = (start + end - 1) / 2;
  }
  const coarse = arplsFull(means, { ...options, lambda: lambda / block ** 4 });
  const z = coarse.baseline;
  const baseline = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < n; i++) {
    while (j < m - 2 && i > centres[j + 1]) j++;
    // Linear between neighbouring block centres; linear extrapolation past the first and last centre.
    const t = (i - centres[j]) / (centres[j + 1] - centres[j]);
    baseline[i] = z[j] + t * (z[j + 1] - z[j]);
  }
  return { baseline, iterations: coarse.iterations };
}

function arplsFull(y: Float64Array, options: ArplsOptions): BaselineResult {
  const n = y.length;
  const lambda = options.lambda ?? defaultArplsLambda(n);
  const tol = options.tolerance ?? 1e-3;
  const maxIter = options.maxIterations ?? 50;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i]))
      throw new DataError('spectrum holds a non-finite value', {
        field: 'spectrum',
        found: y[i],
        expected: 'finite numbers',
      });
  }
  if (n < 3) return { baseline: whittakerSmooth(y, new Float64Array(n).fill(1), lambda), iterations: 1 };
  requireLambda(lambda);
  const w = new Float64Array(n).fill(1);
  const scratch = new Float64Array(6 * n);
  const z = new Float64Array(n);
  whittakerSolve(y, w, lambda, z, scratch);
  let iterations = 1;
  const residual = new Float64Array(n);
  for (; iterations < maxIter; iterations++) {
    // Mean and standard deviation of the negative residuals = the noise below the baseline.
    let count = 0;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const r = y[i] - z[i];
      residual[i] = r;
      // min(r, 0) without a branch (in the noise the sign of r is a coin toss, which branch prediction
      // loses); adding the zeros of non-negative residuals leaves both sums unchanged, to the bit.
      const neg = 0.5 * (r - Math.abs(r));
      count += neg < 0 ? 1 : 0;
      sum += neg;
      sumSq += neg * neg;
    }
    if (count < 2) break;
    const mean = sum / count;
    const sd = Math.sqrt(Math.max(0, (sumSq - (sum * sum) / count) / (count - 1)));
    if (!(sd > 0)) break;
    let change = 0;
    let norm = 0;
    const shift = 2 * sd - mean;
    const scale = 2 / sd;
    for (let i = 0; i < n; i++) {
      // Logistic weight: ≈1 within the noise band, → 0 for points well above it (peaks).
      const arg = (residual[i] - shift) * scale;
      const wt = arg > 700 ? 0 : 1 / (1 + Math.exp(arg));
      const dw = w[i] - wt;
      change += dw * dw;
      norm += w[i] * w[i];
      w[i] = wt;
    }
    whittakerSolve(y, w, lambda, z, scratch);
    if (Math.sqrt(change / norm) < tol) {
      iterations++;
      break;
    }
  }
  return { baseline: z, iterations };
}

/** Indices of the points whose ppm lies inside any of the regions. */
export function indicesInRegions(ppm: Float64Array, regionsPpm: readonly PpmRange[]): number[] {
  const out: number[] = [];
  for (const [a, b] of regionsPpm) {
    if (!Number.isFinite(a) || !Number.isFinite(b))
      throw new ParameterError('region bounds must be finite ppm values', {
        field: 'regionsPpm',
        found: [a, b],
      });
  }
  for (let i = 0; i < ppm.length; i++) {
    const x = ppm[i];
    for (const [a, b] of regionsPpm) {
      if (x >= Math.min(a, b) && x <= Math.max(a, b)) {
        out.push(i);
        break;
      }
    }
  }
  return out;
}

/**
 * Polynomial baseline of order `order` fitted (least squares, QR) to the real part in the signal-free
 * `regionsPpm`, evaluated over the whole axis. The abscissa is mapped to [−1, 1] to keep the fit well
 * conditioned.
 */
export function polynomialBaseline(
  spectrum: Spectrum,
  order: number,
  regionsPpm: readonly PpmRange[],
): BaselineResult {
  if (!Number.isInteger(order) || order < 0 || order > 15) {
    throw new ParameterError('polynomial order must be an integer 0…15', {
      field: 'order',
      found: order,
      expected: '0…15',
    });
  }
  if (regionsPpm.length === 0)
    throw new ParameterError('no signal-free regions given', {
      field: 'regionsPpm',
      found: [],
      expected: 'at least one [lo, hi] ppm range',
    });
  const { ppm, re } = spectrum;
  const n = ppm.length;
  const idx = indicesInRegions(ppm, regionsPpm);
  if (idx.length < order + 1) {
    throw new DataError('too few points in the baseline regions for this polynomial order', {
      field: 'regionsPpm',
      found: idx.length,
      expected: `≥ ${order + 1} points`,
    });
  }
  const lo = Math.min(ppm[0], ppm[n - 1]);
  const hi = Math.max(ppm[0], ppm[n - 1]);
  const mid = (lo + hi) / 2;
  const half = (hi - lo) / 2 || 1;
  // Row-major design on typed arrays: the system is tiny (order + 1 columns), so the cost is one pass over
  // the region points; an ml-matrix row per point spent most of its time allocating.
  const cols = order + 1;
  const a = new Float64Array(idx.length * cols);
  const b = new Float64Array(idx.length);
  for (let row = 0; row < idx.length; row++) {
    const i = idx[row];
    const x = (ppm[i] - mid) / half;
    let p = 1;
    for (let k = 0; k < cols; k++) {
      a[row * cols + k] = p;
      p *= x;
    }
    b[row] = re[i];
  }
  let coef: Float64Array;
  try {
    coef = leastSquaresQr(a, idx.length, cols, b);
  } catch (err) {
    if (!(err instanceof NumericalError)) throw err;
    throw new NumericalError('baseline regions do not determine the polynomial', {
      field: 'regionsPpm',
      found: regionsPpm,
    });
  }
  const baseline = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = (ppm[i] - mid) / half;
    let v = 0;
    for (let k = order; k >= 0; k--) v = v * x + coef[k];
    baseline[i] = v;
  }
  return { baseline, iterations: 1 };
}

/** Subtracts a baseline from the real part; returns a new spectrum (imaginary part unchanged). */
export function subtractBaseline(spectrum: Spectrum, baseline: Float64Array): Spectrum {
  const n = spectrum.re.length;
  if (baseline.length !== n)
    throw new ParameterError('baseline and spectrum differ in length', {
      field: 'baseline',
      found: baseline.length,
      expected: n,
    });
  const re = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = spectrum.re[i] - baseline[i];
  return { ...spectrum, re };
}
