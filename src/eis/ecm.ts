/**
 * Equivalent-circuit fitting: bounded nonlinear least squares (fit/optimizer.ts) of a circuit string to a
 * spectrum, minimising Σ (Z′_fit − Z′)² + (Z″_fit − Z″)² as impedance.py does (optionally weighted by
 * 1/|Z|, the usual choice without measured variances — Orazem & Tribollet, Electrochemical Impedance
 * Spectroscopy, 2nd ed., §19.5). Standard errors are √diag((JᵀJ)⁻¹ s²) with s² = χ²/(2N − n), the same
 * estimate scipy's curve_fit reports.
 */
import { ParameterError } from '../core/errors.js';
import { leastSquares, type LeastSquaresStatus } from '../fit/optimizer.js';
import { circuitImpedance, parseCircuit, type Circuit } from './circuit.js';
import { checkSpectrum, type CheckOptions, type SpectrumData } from './spectrum.js';

export type EcmWeighting = 'unit' | 'modulus';

export interface EcmFitOptions extends CheckOptions {
  /** Initial values; default: a guess from the spectrum's scale for each element. */
  initialGuess?: ArrayLike<number>;
  /** Bounds; default: impedance.py's (0…∞, CPE exponent ≤ 1). */
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
  /** Residual weighting (default 'unit'). */
  weighting?: EcmWeighting;
  /** Parameters held at their initial value, by name (e.g. ['R0']). */
  fixed?: readonly string[];
  maxEvaluations?: number;
  /**
   * Stopping tolerances (relative cost change, relative step, scaled gradient). The defaults 1e-13,
   * 1e-8, 1e-8 are those impedance.py passes to scipy (ftol = 1e-13, the rest scipy's defaults), so
   * fits reproduce its numbers. On flat cost surfaces (finite Warburg time constants beyond the lowest
   * frequency) the gradient test can stop before the minimum; set all three to ~1e-14 to converge fully.
   */
  fTol?: number;
  xTol?: number;
  gTol?: number;
}

export interface EcmParameter {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  /** 1σ standard error (Infinity when the data do not determine it, 0 when fixed). */
  readonly standardError: number;
  readonly atBound: boolean;
  readonly fixed: boolean;
}

export interface EcmFitResult {
  readonly circuit: string;
  readonly parameters: EcmParameter[];
  readonly values: Float64Array;
  readonly standardErrors: Float64Array;
  /** Covariance (n×n row-major) or null when singular. */
  readonly covariance: Float64Array | null;
  /** Σ weighted squared residuals. */
  readonly chi2: number;
  /** χ²/(2N − n). */
  readonly reducedChi2: number;
  /**
   * True when the optimizer met a tolerance and a further pass in scaled parameters (each parameter
   * divided by its own size) found no real improvement from the reported point.
   */
  readonly converged: boolean;
  /** Deterministic restarts tried because the first fit was poor (0 when it was not). */
  readonly restarts: number;
  readonly status: LeastSquaresStatus;
  readonly message: string;
  readonly zFitReOhm: Float64Array;
  readonly zFitImOhm: Float64Array;
  /** Root-mean-square of (Z − Z_fit)/|Z| over both parts. */
  readonly rmsRelativeResidual: number;
}

interface FitPass {
  p: Float64Array;
  cost: number;
  standardErrors: Float64Array;
  covariance: Float64Array | null;
  atBound: boolean[];
  converged: boolean;
  status: LeastSquaresStatus;
  message: string;
  reducedChi2: number;
}

/**
 * A fit whose residuals are above this fraction of |Z| (root mean square over both parts) gets restarts:
 * equivalent-circuit fits of good spectra reach 0.1–2 %, while fits stuck in a wrong valley sit at 5–100 %.
 */
const POOR_RMS = 0.03;

/** Root-mean-square of (Z − Z_fit)/|Z| over both parts. */
function rmsRelative(circuit: Circuit, p: Float64Array, s: SpectrumData): number {
  const z = circuitImpedance(circuit, p, s.freqHz);
  const n = s.freqHz.length;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const mod = Math.hypot(s.zReOhm[i], s.zImOhm[i]);
    ss += ((z.zReOhm[i] - s.zReOhm[i]) / mod) ** 2 + ((z.zImOhm[i] - s.zImOhm[i]) / mod) ** 2;
  }
  return Math.sqrt(ss / (2 * n));
}

/** A starting point for each element from the scale of the data: enough for simple circuits. */
export function defaultGuess(circuit: Circuit, s: SpectrumData): Float64Array {
  let reMin = Infinity;
  let reMax = -Infinity;
  let fMid = 1;
  const fs = Array.from(s.freqHz).sort((a, b) => a - b);
  fMid = fs[Math.floor(fs.length / 2)];
  for (const v of s.zReOhm) {
    reMin = Math.min(reMin, v);
    reMax = Math.max(reMax, v);
  }
  const span = Math.max(reMax - reMin, 1e-6 * Math.max(Math.abs(reMax), 1e-12));
  const nR = Math.max(
    1,
    circuit.elements.filter((e) => e.type !== 'C' && e.type !== 'L' && e.type !== 'CPE').length - 1,
  );
  const tau = 1 / (2 * Math.PI * fMid);
  const out = new Float64Array(circuit.nParams);
  circuit.elements.forEach((e, k) => {
    const o = e.offset;
    switch (e.type) {
      case 'R':
        out[o] = k === 0 ? Math.max(reMin, span * 1e-3) : span / nR;
        break;
      case 'C':
        out[o] = tau / (span / nR);
        break;
      case 'L':
        out[o] = 1e-7;
        break;
      case 'CPE':
        out[o] = tau / (span / nR);
        out[o + 1] = 0.9;
        break;
      case 'W':
        out[o] = (span / nR) * Math.sqrt(2 * Math.PI * fMid);
        break;
      default:
        // two-parameter elements: a resistance and a time constant
        out[o] = span / nR;
        out[o + 1] = tau;
    }
  });
  return out;
}

/** Fits a circuit string to a spectrum. */
export function fitCircuit(
  spectrum: SpectrumData,
  circuitText: string | Circuit,
  options: EcmFitOptions = {},
): EcmFitResult {
  const s = checkSpectrum(spectrum, { minPoints: 1, ...options });
  const circuit = typeof circuitText === 'string' ? parseCircuit(circuitText) : circuitText;
  const nP = circuit.nParams;
  const n = s.freqHz.length;
  if (2 * n <= nP) {
    throw new ParameterError('more parameters than data', {
      file: s.source,
      field: circuit.text,
      found: `${nP} parameters for ${n} frequencies`,
      expected: `fewer than ${2 * n} parameters`,
    });
  }
  const p0 =
    options.initialGuess !== undefined ? Float64Array.from(options.initialGuess) : defaultGuess(circuit, s);
  if (p0.length !== nP) {
    throw new ParameterError('initial guess has the wrong length', {
      field: 'initialGuess',
      found: p0.length,
      expected: `${nP} values for ${circuit.paramNames.join(', ')}`,
    });
  }
  p0.forEach((v, i) => {
    if (!Number.isFinite(v))
      throw new ParameterError('initial guess is not finite', {
        field: circuit.paramNames[i],
        found: v,
        expected: 'a finite number',
      });
  });
  const lower = Float64Array.from(options.lower ?? circuit.lower);
  const upper = Float64Array.from(options.upper ?? circuit.upper);
  if (lower.length !== nP || upper.length !== nP) {
    throw new ParameterError('bounds have the wrong length', {
      field: 'lower/upper',
      found: [lower.length, upper.length],
      expected: nP,
    });
  }
  const fixed = new Set(options.fixed ?? []);
  for (const name of fixed) {
    const i = circuit.paramNames.indexOf(name);
    if (i < 0)
      throw new ParameterError('unknown parameter to fix', {
        field: 'fixed',
        found: name,
        expected: circuit.paramNames.join(', '),
      });
    // equal bounds hold a parameter fixed in the optimizer
    lower[i] = p0[i];
    upper[i] = p0[i];
  }
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++)
    weights[i] = options.weighting === 'modulus' ? 1 / Math.hypot(s.zReOhm[i], s.zImOhm[i]) : 1;
  const tolerances = {
    fTol: options.fTol ?? 1e-13,
    xTol: options.xTol ?? 1e-8,
    gTol: options.gTol ?? 1e-8,
    maxEvaluations: options.maxEvaluations ?? 20000,
  };
  const pFull = new Float64Array(nP);
  /**
   * One bounded least-squares run from `start`. With `scale`, the optimizer works on u = p/scale, so that
   * every parameter is of order one: its finite-difference steps are relative to the parameter (a step of
   * 6e-6 on a 1e-9 F capacitance otherwise swamps it), and its trust region and step test weigh all
   * parameters alike instead of letting the largest (a kΩ resistance) decide when the fit has stopped.
   */
  const solve = (start: Float64Array, scale: Float64Array | null): FitPass => {
    const k = scale ?? new Float64Array(nP).fill(1);
    const r = leastSquares(
      {
        nParams: nP,
        nResiduals: 2 * n,
        residuals(u, out) {
          for (let j = 0; j < nP; j++) pFull[j] = u[j] * k[j];
          const z = circuitImpedance(circuit, pFull, s.freqHz);
          for (let i = 0; i < n; i++) {
            out[i] = (z.zReOhm[i] - s.zReOhm[i]) * weights[i];
            out[n + i] = (z.zImOhm[i] - s.zImOhm[i]) * weights[i];
          }
        },
      },
      start.map((v, j) => v / k[j]),
      {
        ...tolerances,
        lower: lower.map((v, j) => v / k[j]),
        upper: upper.map((v, j) => v / k[j]),
      },
    );
    const p = r.p.map((u, j) => u * k[j]);
    // fixed parameters keep their value exactly (u·k can differ from it in the last bit)
    for (let j = 0; j < nP; j++) if (lower[j] === upper[j]) p[j] = lower[j];
    return {
      p,
      cost: r.cost,
      standardErrors: r.standardErrors.map((e, j) => e * k[j]),
      covariance: r.covariance ? r.covariance.map((c, ij) => c * k[Math.floor(ij / nP)] * k[ij % nP]) : null,
      atBound: r.atBound,
      converged: r.converged,
      status: r.status,
      message: r.message,
      reducedChi2: r.reducedChi2,
    };
  };
  const freeCount = circuit.paramNames.filter((nm, j) => lower[j] < upper[j]).length;
  const dof = Math.max(1, 2 * n - freeCount);
  /**
   * b is a real improvement on a when the sums of squares differ by more than 1 % of the residual variance
   * s² = SSR/(2N − n): below that the two points lie within 0.1σ of each other in the joint confidence
   * region, and the first (impedance.py's path) is kept so its published numbers are reproduced.
   */
  const better = (b: FitPass, a: FitPass) =>
    a.cost - b.cost > Math.max((0.01 * 2 * a.cost) / dof, 1e-12 * a.cost);
  /** Scale for a pass from p: each parameter's own size, its starting size where p sits on zero. */
  const scaleAt = (p: Float64Array, atBound: boolean[]) =>
    p.map((v, j) => {
      const a = Math.abs(v) > 0 && !atBound[j] ? Math.abs(v) : Math.abs(p0[j]);
      return a > 0 && Number.isFinite(a) ? a : 1;
    });

  // 1. impedance.py's path (its published numbers), 2. a scaled pass from there to test that it is a minimum.
  const first = solve(p0, null);
  let best = first;
  let restarts = 0;
  const polish = solve(first.p, scaleAt(first.p, first.atBound));
  let poor = !first.converged;
  if (better(polish, first)) {
    best = polish;
    poor = true;
  }
  if (!poor) poor = rmsRelative(circuit, best.p, s) > POOR_RMS;
  if (poor) {
    // 3. deterministic restarts: the guess and a guess from the data's scale, both in scaled variables
    const data = defaultGuess(circuit, s);
    for (let j = 0; j < nP; j++) if (fixed.has(circuit.paramNames[j])) data[j] = p0[j];
    for (const start of [p0, data]) {
      restarts++;
      const r = solve(start, scaleAt(start, new Array<boolean>(nP).fill(false)));
      if (better(r, best)) best = r;
    }
  }
  // Honest convergence: the reported point must survive one more scaled pass without a real improvement.
  let converged = best.converged;
  let message = best.message;
  if (best !== first) {
    const check = solve(best.p, scaleAt(best.p, best.atBound));
    if (better(check, best)) {
      converged = false;
      message = `still improving after ${restarts} restart(s) (sum of squares ${(2 * best.cost).toExponential(4)} → ${(2 * check.cost).toExponential(4)})`;
      best = check;
    }
  }
  if (best !== first && converged)
    message += first.converged
      ? `; the unscaled fit had stopped short (sum of squares ${(2 * first.cost).toExponential(4)}), refitted in scaled parameters`
      : '; refitted in scaled parameters';
  if (restarts > 0) message += `; ${restarts} restart(s)`;
  const result = { ...best, converged, message };
  const z = circuitImpedance(circuit, result.p, s.freqHz);
  const parameters: EcmParameter[] = circuit.paramNames.map((name, i) => ({
    name,
    unit: circuit.paramUnits[i],
    value: result.p[i],
    standardError: result.standardErrors[i],
    atBound: result.atBound[i] && !fixed.has(name),
    fixed: fixed.has(name),
  }));
  return {
    circuit: circuit.text,
    parameters,
    values: result.p,
    standardErrors: result.standardErrors,
    covariance: result.covariance,
    chi2: 2 * result.cost,
    restarts,
    reducedChi2: result.reducedChi2,
    converged: result.converged,
    status: result.status,
    message: result.message,
    zFitReOhm: z.zReOhm,
    zFitImOhm: z.zImOhm,
    rmsRelativeResidual: rmsRelative(circuit, result.p, s),
  };
}
