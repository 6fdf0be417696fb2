/**
 * Least-squares fit of a relaxation or nutation curve y = A·g(x; θ) (models.ts) with the shared bounded
 * trust-region optimizer (src/fit/optimizer.ts), and error propagation to derived quantities.
 *
 * Starts: every combination of the models' start grids for θ is screened with the amplitude solved
 * linearly (A = Σ y·g / Σ g²); the four best combinations start a full fit each and the lowest cost wins.
 * A grid search first is what makes nutation curves (many local minima in ν) and bi-exponentials fit
 * without a hand-given start.
 *
 * Uncertainties: the covariance s²·(JᵀJ)⁻¹ at the optimum, s² = RSS/(m − n) — the same convention as
 * scipy.optimize.curve_fit with absolute_sigma=False, against which the tests check values and errors.
 * Derived quantities (π/2 length, recycle delay …) get first-order (delta-method) errors from the full
 * covariance, so correlations between parameters count.
 */
import { DataError, NumericalError } from '../core/errors.js';
import { leastSquares, type LeastSquaresStatus } from '../fit/optimizer.js';
import type { CurveModel, ParameterScaling } from './models.js';

export interface ParameterValue {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  /** 1σ standard error; Infinity when the data do not determine the parameter. */
  readonly standardError: number;
  /** The optimum sits on a bound (e.g. a fraction at 0 or a time constant at its limit). */
  readonly atBound: boolean;
}

export interface CurveFit {
  readonly model: string;
  readonly formula: string;
  readonly parameters: readonly ParameterValue[];
  /** Covariance of the parameters in their units (row-major n×n); null when JᵀJ is singular. */
  readonly covariance: Float64Array | null;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly fitted: Float64Array;
  /** y − fitted. */
  readonly residuals: Float64Array;
  readonly rSquared: number;
  /** RSS/(m − n), intensity². */
  readonly reducedChi2: number;
  readonly degreesOfFreedom: number;
  readonly converged: boolean;
  readonly status: LeastSquaresStatus;
  /** The fitted curve at other x values (for plots). */
  predict(x: ArrayLike<number>): Float64Array;
}

export interface CurveFitOptions {
  /** File the data came from, for error messages. */
  readonly source?: string;
  /** Name of the data series in error messages (e.g. a region label). */
  readonly field?: string;
}

const STARTS = 4;

function factor(scaling: ParameterScaling, xMax: number, yMax: number): number {
  if (scaling === 'amplitude') return yMax;
  if (scaling === 'time') return xMax;
  if (scaling === 'rate') return 1 / xMax;
  return 1;
}

/** Every combination of the θ grids (parameters 1…n−1), the amplitude slot left at 1. */
function* combinations(model: CurveModel): Generator<Float64Array> {
  const grids = model.parameters.map((p, j) => (j === 0 ? [1] : p.grid));
  const n = grids.length;
  const idx = new Array<number>(n).fill(0);
  for (;;) {
    const p = Float64Array.from(idx, (k, j) => grids[j][k]);
    if (!model.acceptStart || model.acceptStart(p)) yield p;
    let j = n - 1;
    while (j >= 0 && ++idx[j] >= grids[j].length) idx[j--] = 0;
    if (j < 0) return;
  }
}

function checkData(model: CurveModel, x: ArrayLike<number>, y: ArrayLike<number>, o: CurveFitOptions): void {
  const file = o.source;
  const field = o.field ?? 'data';
  if (x.length !== y.length)
    throw new DataError('row variable and intensities differ in length', {
      file,
      field,
      found: `${x.length} vs ${y.length}`,
      expected: 'one intensity per row',
    });
  const n = model.parameters.length;
  if (x.length < n + 1)
    throw new DataError(`too few points for the ${model.name} model`, {
      file,
      field,
      found: `${x.length} rows`,
      expected: `≥ ${n + 1} (${n} parameters + 1)`,
    });
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || x[i] < 0)
      throw new DataError('row variable must be finite and ≥ 0', {
        file,
        field: `${field} row ${i}`,
        found: x[i],
        expected: '≥ 0',
      });
    if (!Number.isFinite(y[i]))
      throw new DataError('intensity is not finite', {
        file,
        field: `${field} row ${i}`,
        found: y[i],
        expected: 'a finite number',
      });
  }
  if (new Set(Array.from(x)).size < n)
    throw new DataError('too few distinct values of the row variable', {
      file,
      field,
      found: new Set(Array.from(x)).size,
      expected: `≥ ${n}`,
    });
}

/** Fits `model` to (x, y); see the header for starts and uncertainties. */
export function fitCurve(
  model: CurveModel,
  xIn: ArrayLike<number>,
  yIn: ArrayLike<number>,
  options: CurveFitOptions = {},
): CurveFit {
  checkData(model, xIn, yIn, options);
  const x = Float64Array.from(xIn);
  const y = Float64Array.from(yIn);
  const m = x.length;
  const n = model.parameters.length;
  let xMax = 0;
  let yMax = 0;
  for (let i = 0; i < m; i++) {
    xMax = Math.max(xMax, x[i]);
    yMax = Math.max(yMax, Math.abs(y[i]));
  }
  if (!(xMax > 0) || !(yMax > 0))
    throw new DataError('nothing to fit: all intensities or all row values are zero', {
      file: options.source,
      field: options.field ?? 'data',
      found: `max |x| ${xMax}, max |y| ${yMax}`,
      expected: 'a signal that varies with the row variable',
    });
  const u = Float64Array.from(x, (v) => v / xMax);
  const v = Float64Array.from(y, (q) => q / yMax);

  // Screen the start grid with the amplitude solved linearly.
  const best: { rss: number; p: Float64Array }[] = [];
  const g = new Float64Array(m);
  for (const p of combinations(model)) {
    let sgg = 0;
    let sgy = 0;
    for (let i = 0; i < m; i++) {
      g[i] = model.shape(u[i], p);
      sgg += g[i] * g[i];
      sgy += g[i] * v[i];
    }
    if (!(sgg > 0)) continue;
    const a = sgy / sgg;
    let rss = 0;
    for (let i = 0; i < m; i++) rss += (a * g[i] - v[i]) ** 2;
    if (!Number.isFinite(rss)) continue;
    if (best.length < STARTS || rss < best[best.length - 1].rss) {
      const start = Float64Array.from(p);
      start[0] = a;
      best.push({ rss, p: start });
      best.sort((s, t) => s.rss - t.rss);
      if (best.length > STARTS) best.pop();
    }
  }
  if (best.length === 0)
    throw new NumericalError('no usable start for the fit', {
      file: options.source,
      field: options.field,
      expected: 'data the model can describe',
    });
  const lower = model.parameters.map((p) => p.lower);
  const upper = model.parameters.map((p) => p.upper);
  const problem = {
    nParams: n,
    nResiduals: m,
    residuals(p: Float64Array, out: Float64Array) {
      for (let i = 0; i < m; i++) out[i] = p[0] * model.shape(u[i], p) - v[i];
    },
  };
  let result: ReturnType<typeof leastSquares> | undefined;
  for (const start of best) {
    const r = leastSquares(problem, start.p, {
      lower,
      upper,
      xTol: 1e-12,
      fTol: 1e-14,
      gTol: 1e-12,
      maxEvaluations: 200 * n,
    });
    if (!result || r.cost < result.cost * (1 - 1e-12)) result = r;
  }
  if (!result || !result.p.every(Number.isFinite))
    throw new NumericalError(`${model.name} fit failed`, {
      file: options.source,
      field: options.field,
      found: result?.message,
      expected: 'finite parameters',
    });
  const f = model.parameters.map((p) => factor(p.scaling, xMax, yMax));
  const parameters = model.parameters.map((p, j) => ({
    name: p.name,
    unit: p.unit,
    value: result.p[j] * f[j],
    standardError: result.standardErrors[j] * f[j],
    atBound: result.atBound[j],
  }));
  const cov = result.covariance;
  const covariance = cov ? Float64Array.from(cov, (c, k) => c * f[Math.floor(k / n)] * f[k % n]) : null;
  const fitted = Float64Array.from(u, (ui) => result.p[0] * model.shape(ui, result.p) * yMax);
  const residuals = Float64Array.from(y, (yi, i) => yi - fitted[i]);
  let mean = 0;
  for (let i = 0; i < m; i++) mean += y[i] / m;
  let ssTot = 0;
  let ssRes = 0;
  for (let i = 0; i < m; i++) {
    ssTot += (y[i] - mean) ** 2;
    ssRes += residuals[i] ** 2;
  }
  return {
    model: model.name,
    formula: model.formula,
    parameters,
    covariance,
    x,
    y,
    fitted,
    residuals,
    rSquared: ssTot > 0 ? 1 - ssRes / ssTot : 1,
    reducedChi2: m > n ? ssRes / (m - n) : Infinity,
    degreesOfFreedom: m - n,
    converged: result.converged,
    status: result.status,
    predict: (xs) => Float64Array.from(xs, (xi) => result.p[0] * model.shape(xi / xMax, result.p) * yMax),
  };
}

/** The value of parameter `name` of a fit. */
export function parameter(fit: CurveFit, name: string): ParameterValue {
  const p = fit.parameters.find((q) => q.name === name);
  if (!p) throw new NumericalError('no such fit parameter', { field: name, expected: fit.model });
  return p;
}

/**
 * Value and first-order standard error of fn(p) for the fitted parameters (physical units), from the
 * full covariance with central-difference derivatives. Infinity when the covariance is unknown.
 */
export function propagate(
  fit: CurveFit,
  fn: (p: Float64Array) => number,
): { value: number; standardError: number } {
  const p = Float64Array.from(fit.parameters, (q) => q.value);
  const value = fn(p);
  const cov = fit.covariance;
  const n = p.length;
  if (!cov || !Number.isFinite(value)) return { value, standardError: Infinity };
  const grad = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const se = fit.parameters[j].standardError;
    const h = Math.abs(p[j]) > 0 ? 1e-6 * Math.abs(p[j]) : Number.isFinite(se) && se > 0 ? 1e-6 * se : 1e-12;
    const save = p[j];
    p[j] = save + h;
    const up = fn(p);
    p[j] = save - h;
    const down = fn(p);
    p[j] = save;
    grad[j] = (up - down) / (2 * h);
  }
  let variance = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) variance += grad[i] * cov[i * n + j] * grad[j];
  return {
    value,
    standardError: variance >= 0 && Number.isFinite(variance) ? Math.sqrt(variance) : Infinity,
  };
}
