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
  readonly converged: boolean;
  readonly status: LeastSquaresStatus;
  readonly message: string;
  readonly zFitReOhm: Float64Array;
  readonly zFitImOhm: Float64Array;
  /** Root-mean-square of (Z − Z_fit)/|Z| over both parts. */
  readonly rmsRelativeResidual: number;
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
  const s = checkSpectrum(spectrum, options);
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
  const result = leastSquares(
    {
      nParams: nP,
      nResiduals: 2 * n,
      residuals(p, out) {
        const z = circuitImpedance(circuit, p, s.freqHz);
        for (let i = 0; i < n; i++) {
          out[i] = (z.zReOhm[i] - s.zReOhm[i]) * weights[i];
          out[n + i] = (z.zImOhm[i] - s.zImOhm[i]) * weights[i];
        }
      },
    },
    p0,
    {
      lower,
      upper,
      fTol: options.fTol ?? 1e-13,
      xTol: options.xTol ?? 1e-8,
      gTol: options.gTol ?? 1e-8,
      maxEvaluations: options.maxEvaluations ?? 20000,
    },
  );
  const z = circuitImpedance(circuit, result.p, s.freqHz);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const mod = Math.hypot(s.zReOhm[i], s.zImOhm[i]);
    ss += ((z.zReOhm[i] - s.zReOhm[i]) / mod) ** 2 + ((z.zImOhm[i] - s.zImOhm[i]) / mod) ** 2;
  }
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
    reducedChi2: result.reducedChi2,
    converged: result.converged,
    status: result.status,
    message: result.message,
    zFitReOhm: z.zReOhm,
    zFitImOhm: z.zImOhm,
    rmsRelativeResidual: Math.sqrt(ss / (2 * n)),
  };
}
