/**
 * Chemical exchange between sites from NMR: 2D EXSY mixing-time series, ⁶Li/⁷Li isotope-exchange kinetics and
 * Arrhenius analysis of rates. (The reviews of NMR on metal batteries describe these as the ways to measure
 * Li exchange between metal, SEI and electrolyte; the formulas below are the standard ones of exchange NMR.)
 *
 * EXSY model (n sites). Site i holds equilibrium magnetization m0_i, relaxes with R1_i and exchanges to site
 * j with rate constant k_ij (s⁻¹). With the exchange/relaxation matrix
 *   L_ii = R1_i + Σ_{j≠i} k_ij,   L_ij = −k_ji  (i ≠ j),
 * the peak volumes after mixing time t are V(t) = exp(−L t) · diag(m0): V_ij is magnetization that started
 * on site j (F1) and is detected on site i (F2). Detailed balance, m0_i k_ij = m0_j k_ji, makes
 * Ŝ = P^(−1/2) L P^(1/2) (P = diag m0) symmetric, so exp(−L t) and log(V diag(m0)⁻¹) follow from a
 * symmetric eigen-decomposition.
 */
import { ParameterError, DataError } from '../core/errors.js';
import { symmetricEigenQl } from '../eis/eigen.js';
import { leastSquares } from '../fit/optimizer.js';
import { GAS_CONSTANT_J_PER_MOL_K } from '../core/constants.js';
import { getNucleus } from '../core/nuclei.js';

export type SquareMatrix = number[][];

function checkSquare(name: string, a: readonly (readonly number[])[], n: number): void {
  if (a.length !== n || a.some((row) => row.length !== n || row.some((v) => !Number.isFinite(v))))
    throw new ParameterError(`${name} must be a finite ${n}×${n} matrix`, { field: name });
}

/** f(Ŝ) for the symmetric n×n row-major Ŝ: V diag(f(λ)) Vᵀ. */
function symmetricFunction(s: Float64Array, n: number, f: (x: number) => number): Float64Array {
  const e = symmetricEigenQl(s, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const fk = f(e.values[k]);
    for (let i = 0; i < n; i++) {
      const vik = e.vectors[i * n + k] * fk;
      for (let j = 0; j < n; j++) out[i * n + j] += vik * e.vectors[j * n + k];
    }
  }
  return out;
}

/** The matrix L of the module comment from rates k (k[i][j]: i → j), R1 and m0 (detailed balance assumed). */
export function exchangeMatrix(k: SquareMatrix, r1: readonly number[], n = r1.length): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    l[i * n + i] = r1[i];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      l[i * n + i] += k[i][j];
      l[i * n + j] = -k[j][i];
    }
  }
  return l;
}

/** Peak volumes V(t) = exp(−L t) diag(m0) for rates obeying detailed balance with m0. */
export function exsyVolumes(
  k: SquareMatrix,
  r1: readonly number[],
  m0: readonly number[],
  tS: number,
): SquareMatrix {
  const n = m0.length;
  checkSquare('k', k, n);
  const l = exchangeMatrix(k, r1, n);
  const sq = m0.map(Math.sqrt);
  // Ŝ = P^(−1/2) L P^(1/2); symmetrise against rounding (exact under detailed balance).
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = (l[i * n + j] * sq[j]) / sq[i];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) s[i * n + j] = s[j * n + i] = 0.5 * (s[i * n + j] + s[j * n + i]);
  const e = symmetricFunction(s, n, (x) => Math.exp(-x * tS));
  // exp(−L t) = P^(1/2) exp(−Ŝ t) P^(−1/2); V = exp(−L t) P.
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => sq[i] * e[i * n + j] * sq[j]),
  );
}

export interface RateMatrix {
  /** k[i][j], rate constant from site i to site j, s⁻¹ (diagonal 0). */
  readonly k: SquareMatrix;
  /** R1 of each site (diagonal of L minus the exchange out of it), s⁻¹. */
  readonly r1: number[];
}

/**
 * Full-matrix solution at one mixing time: L = −log(V(t) diag(m0)⁻¹)/t, through the symmetrised form
 * (the measured matrix is averaged with its detailed-balance transpose first). Throws DataError when the
 * normalised mixing matrix has a non-positive eigenvalue (noise larger than the exchange, or t too long).
 */
export function exsyFullMatrix(volumes: SquareMatrix, m0: readonly number[], tS: number): RateMatrix {
  const n = m0.length;
  checkSquare('volumes', volumes, n);
  if (!(tS > 0)) throw new ParameterError('mixing time must be positive', { field: 'tS', found: tS });
  const sq = m0.map(Math.sqrt);
  // P^(−1/2) V P^(−1/2) = exp(−Ŝ t), symmetric in exact data.
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      s[i * n + j] = 0.5 * (volumes[i][j] / (sq[i] * sq[j]) + volumes[j][i] / (sq[j] * sq[i]));
  const e = symmetricEigenQl(s, n);
  for (const v of e.values)
    if (!(v > 0))
      throw new DataError('the normalised mixing matrix is not positive definite', {
        field: 'volumes',
        found: `eigenvalue ${v.toPrecision(3)} at ${tS} s`,
        expected: 'a shorter mixing time or less noise (cross peaks well above the noise)',
      });
  const logS = symmetricFunction(s, n, (x) => -Math.log(x) / tS);
  const k: SquareMatrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const r1 = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (i !== j) k[j][i] = -(sq[i] * logS[i * n + j]) / sq[j];
  }
  for (let i = 0; i < n; i++) r1[i] = logS[i * n + i] - k[i].reduce((a, b) => a + b, 0);
  return { k, r1 };
}

export interface RateEstimate {
  readonly from: number;
  readonly to: number;
  readonly rateS: number;
  readonly errorS: number;
}

/**
 * Initial-rate estimate from the shortest mixing times: V_ij ≈ k_ji·t·m0_j for t ≪ 1/(k + R1), a line
 * through the origin per cross peak; the error is the slope's standard error from the scatter.
 */
export function exsyInitialRates(
  mixingS: readonly number[],
  volumes: readonly SquareMatrix[],
  m0: readonly number[],
): RateEstimate[] {
  const n = m0.length;
  const use = mixingS.map((t, i) => [t, i] as const).filter(([t]) => t > 0);
  if (use.length < 2)
    throw new ParameterError('initial rates need at least two mixing times above zero', { field: 'mixingS' });
  const out: RateEstimate[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      let stt = 0;
      let sty = 0;
      for (const [t, idx] of use) {
        stt += t * t;
        sty += t * volumes[idx][i][j];
      }
      const slope = sty / stt;
      let ss = 0;
      for (const [t, idx] of use) ss += (volumes[idx][i][j] - slope * t) ** 2;
      const se = Math.sqrt(ss / (use.length - 1) / stt);
      // Peak (i, j) grows with the flow from site j to site i.
      out.push({ from: j, to: i, rateS: slope / m0[j], errorS: se / m0[j] });
    }
  return out;
}

export interface ExsyFit {
  readonly k: SquareMatrix;
  readonly kError: SquareMatrix;
  readonly r1: number[];
  readonly r1Error: number[];
  readonly m0: number[];
  readonly m0Error: number[];
  readonly reducedChi2: number;
  readonly converged: boolean;
}

/**
 * Global fit of every peak volume at every mixing time: parameters k_ij (i < j; k_ji by detailed balance),
 * R1_i and m0_i, bounded non-negative; standard errors from the covariance of the fit. Starts from the
 * full-matrix solution at the mixing time given by `startAt` (default the median positive one).
 */
export function fitExsy(
  mixingS: readonly number[],
  volumes: readonly SquareMatrix[],
  startAt?: number,
): ExsyFit {
  const n = volumes[0]?.length ?? 0;
  if (n < 2 || mixingS.length !== volumes.length || mixingS.length < 2)
    throw new ParameterError('EXSY needs matching mixing times and n×n volume matrices (n ≥ 2)', {
      field: 'volumes',
    });
  for (const v of volumes) checkSquare('volumes', v, n);
  const pairs: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
  // Start: m0 from the shortest mixing time's diagonal + column sums, rates from a full-matrix solution.
  const shortest = mixingS.indexOf(Math.min(...mixingS));
  const m0Start = volumes[shortest].map((_, j) => volumes[shortest].reduce((a, row) => a + row[j], 0));
  const positive = mixingS.filter((t) => t > 0).sort((a, b) => a - b);
  const t0 = startAt ?? positive[Math.floor(positive.length / 2)];
  let start: RateMatrix;
  try {
    start = exsyFullMatrix(volumes[mixingS.indexOf(t0)], m0Start, t0);
  } catch {
    start = { k: m0Start.map(() => m0Start.map(() => 1 / t0)), r1: m0Start.map(() => 1) };
  }
  const np = pairs.length + 2 * n;
  const p0 = new Float64Array(np);
  pairs.forEach(([i, j], q) => (p0[q] = Math.max(1e-6, start.k[i][j])));
  for (let i = 0; i < n; i++) {
    p0[pairs.length + i] = Math.max(1e-6, start.r1[i]);
    p0[pairs.length + n + i] = Math.max(1e-12, m0Start[i]);
  }
  const unpack = (p: Float64Array) => {
    const m0 = Array.from({ length: n }, (_, i) => p[pairs.length + n + i]);
    const r1 = Array.from({ length: n }, (_, i) => p[pairs.length + i]);
    const k: SquareMatrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    pairs.forEach(([i, j], q) => {
      k[i][j] = p[q];
      k[j][i] = (p[q] * m0[i]) / m0[j];
    });
    return { k, r1, m0 };
  };
  const m = mixingS.length * n * n;
  const result = leastSquares(
    {
      nParams: np,
      nResiduals: m,
      residuals(p, out) {
        const { k, r1, m0 } = unpack(p);
        let r = 0;
        mixingS.forEach((t, idx) => {
          const v = exsyVolumes(k, r1, m0, t);
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[r++] = v[i][j] - volumes[idx][i][j];
        });
      },
    },
    p0,
    { lower: new Float64Array(np), xScale: 'jac', maxEvaluations: 2000 },
  );
  const best = unpack(result.p);
  const se = result.standardErrors;
  const kError: SquareMatrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  pairs.forEach(([i, j], q) => {
    kError[i][j] = se[q];
    // k_ji = k_ij m0_i / m0_j: first-order propagation with the covariance of (k_ij, m0_i, m0_j).
    const cov = result.covariance;
    const a = pairs.length + n + i;
    const b = pairs.length + n + j;
    const g = [
      best.m0[i] / best.m0[j],
      result.p[q] / best.m0[j],
      -(result.p[q] * best.m0[i]) / best.m0[j] ** 2,
    ];
    const idx = [q, a, b];
    let varJi = 0;
    if (cov)
      for (let x = 0; x < 3; x++)
        for (let y = 0; y < 3; y++) varJi += g[x] * g[y] * cov[idx[x] * np + idx[y]];
    kError[j][i] = cov ? Math.sqrt(Math.max(0, varJi)) : Infinity;
  });
  return {
    k: best.k,
    kError,
    r1: best.r1,
    r1Error: Array.from({ length: n }, (_, i) => se[pairs.length + i]),
    m0: best.m0,
    m0Error: Array.from({ length: n }, (_, i) => se[pairs.length + n + i]),
    reducedChi2: result.reducedChi2,
    converged: result.converged,
  };
}

// ——— ⁶Li/⁷Li isotope exchange ———

/**
 * ⁶Li atom fraction from ⁶Li and ⁷Li integrals. The integrals' ratio is turned into an amount ratio with a
 * calibration: the ratio r_nat measured the same way on lithium of natural isotopic composition (⁶Li
 * 7.59 %, from the nucleus table), so probe, receptivity and acquisition differences cancel:
 * n6/n7 = (r / r_nat) · a6/a7.
 */
export function lithium6Fraction(integral6: number, integral7: number, naturalRatio: number): number {
  if (!(integral7 > 0) || !(naturalRatio > 0) || !(integral6 >= 0))
    throw new ParameterError('isotope fraction needs a positive ⁷Li integral and natural-abundance ratio', {
      field: 'integrals',
      found: [integral6, integral7, naturalRatio],
    });
  const a6 = getNucleus('6Li').naturalAbundancePercent;
  const a7 = getNucleus('7Li').naturalAbundancePercent;
  const amountRatio = (integral6 / integral7 / naturalRatio) * (a6 / a7);
  return amountRatio / (1 + amountRatio);
}

export interface ExponentialFit {
  /** Rate constant, s⁻¹, and its standard error. */
  readonly rateS: number;
  readonly rateError: number;
  readonly initial: number;
  readonly initialError: number;
  readonly final: number;
  readonly finalError: number;
  /** ln 2 / k, s. */
  readonly halfLifeS: number;
  readonly residuals: Float64Array;
  readonly reducedChi2: number;
}

/** y(t) = y∞ + (y0 − y∞)·exp(−k t): the first-order approach of an isotope fraction to its new equilibrium. */
export function fitFirstOrder(timeS: readonly number[], y: readonly number[]): ExponentialFit {
  const n = timeS.length;
  if (n !== y.length || n < 4)
    throw new ParameterError('a first-order fit needs at least 4 (time, value) pairs', {
      field: 'timeS',
      found: n,
    });
  const span = Math.max(...timeS) - Math.min(...timeS);
  const t0 = Math.min(...timeS);
  const last = y[timeS.indexOf(Math.max(...timeS))];
  const first = y[timeS.indexOf(t0)];
  // Rate start: ln 2 over the first time by which half of the change has happened.
  const order = timeS.map((t, i) => [t, y[i]] as const).sort((a, b) => a[0] - b[0]);
  const halfDone = order.find(([, v]) => Math.abs(v - first) >= 0.5 * Math.abs(last - first));
  const k0 = Math.LN2 / Math.max(halfDone ? halfDone[0] - t0 : span / 3, span / 100);
  const r = leastSquares(
    {
      nParams: 3,
      nResiduals: n,
      residuals(p, out) {
        for (let i = 0; i < n; i++) out[i] = p[1] + (p[0] - p[1]) * Math.exp(-p[2] * (timeS[i] - t0)) - y[i];
      },
    },
    [first, last, k0],
    { lower: [-Infinity, -Infinity, 0], xScale: 'jac' },
  );
  return {
    initial: r.p[0],
    initialError: r.standardErrors[0],
    final: r.p[1],
    finalError: r.standardErrors[1],
    rateS: r.p[2],
    rateError: r.standardErrors[2],
    halfLifeS: Math.LN2 / r.p[2],
    residuals: r.residuals,
    reducedChi2: r.reducedChi2,
  };
}

// ——— Arrhenius ———

export interface ArrheniusFit {
  /** Activation energy, kJ mol⁻¹, and its standard error. */
  readonly activationKJPerMol: number;
  readonly activationError: number;
  /** Pre-exponential factor (unit of the rates) and ln A with its error. */
  readonly prefactor: number;
  readonly lnPrefactor: number;
  readonly lnPrefactorError: number;
  /** Correlation of ln A and −Ea/R (strong: report both together). */
  readonly correlation: number;
  readonly residuals: Float64Array;
}

/**
 * ln k = ln A − Ea/(R T): weighted straight line in 1/T. With rate errors, weights 1/σ²(ln k) = (k/σ_k)²
 * and standard errors from the weights; without, unweighted with errors from the scatter.
 */
export function fitArrhenius(
  temperatureK: readonly number[],
  rate: readonly number[],
  rateError?: readonly number[],
): ArrheniusFit {
  const n = temperatureK.length;
  if (n < 2 || rate.length !== n || temperatureK.some((t) => !(t > 0)) || rate.some((k) => !(k > 0)))
    throw new ParameterError('Arrhenius needs ≥ 2 positive temperatures (K) and rates', { field: 'rates' });
  const x = temperatureK.map((t) => 1 / t);
  const y = rate.map(Math.log);
  const w = rateError ? rate.map((k, i) => (k / rateError[i]) ** 2) : new Array<number>(n).fill(1);
  let sw = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i];
    sx += w[i] * x[i];
    sy += w[i] * y[i];
    sxx += w[i] * x[i] * x[i];
    sxy += w[i] * x[i] * y[i];
  }
  const d = sw * sxx - sx * sx;
  const slope = (sw * sxy - sx * sy) / d;
  const intercept = (sxx * sy - sx * sxy) / d;
  const residuals = Float64Array.from(y, (yi, i) => yi - (intercept + slope * x[i]));
  // Known weights give absolute errors; unit weights take the scale from the scatter (n − 2 dof).
  let scale = 1;
  if (!rateError) {
    if (n < 3) scale = Infinity;
    else scale = residuals.reduce((a, r) => a + r * r, 0) / (n - 2);
  }
  const varSlope = (sw / d) * scale;
  const varIntercept = (sxx / d) * scale;
  const cov = (-sx / d) * scale;
  return {
    activationKJPerMol: (-slope * GAS_CONSTANT_J_PER_MOL_K) / 1000,
    activationError: (Math.sqrt(varSlope) * GAS_CONSTANT_J_PER_MOL_K) / 1000,
    prefactor: Math.exp(intercept),
    lnPrefactor: intercept,
    lnPrefactorError: Math.sqrt(varIntercept),
    correlation: cov / Math.sqrt(varSlope * varIntercept),
    residuals,
  };
}
