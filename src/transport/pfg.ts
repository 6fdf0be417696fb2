/**
 * Pulsed-field-gradient (PFG) NMR diffusion: Stejskal–Tanner attenuation for rectangular and half-sine
 * gradient pulses, in spin-echo, stimulated-echo and bipolar stimulated-echo sequences, and one- or
 * two-component fits of measured attenuation (Thienenkamp et al. 2024, Experimental procedures: ¹⁹F stimulated echo,
 * 16 gradient steps, Δ = 60 ms, δ = 1 ms, g_max = 2,946 G cm⁻¹).
 *
 *   I(g) = I0 exp(−D b),   b = γ² g² δ² σ² Δ'
 *
 * σ is the shape factor (area of the pulse / (g·δ)): 1 for rectangles, 2/π for half-sines. Δ' is the
 * effective diffusion time, from b = γ² ∫ F(t)² dt with F(t) = ∫₀ᵗ g_eff:
 *   rect:  Δ − δ/3        sine: Δ − δ/4                      (one pulse of length δ each side)
 *   bipolar pairs (two lobes of δ/2 separated by τ, e.g. Bruker's ledbpgp2s):
 *   rect:  Δ − δ/3 − τ/2  (Wu, Chen & Johnson, J. Magn. Reson. A 115, 260 (1995))
 *   sine:  Δ − 5δ/16 − τ/2
 * Δ is measured between the starts of the two gradient pulses (pairs). A stimulated echo changes only
 * the relaxation weighting (T1 during the mixing time), which the fit absorbs into I0, not b.
 * `bValueFromWaveform` integrates an arbitrary effective waveform numerically; the tests use it to check
 * every closed form above.
 */
import { DataError, NumericalError, ParameterError } from '../core/errors.js';
import { leastSquares } from '../fit/optimizer.js';
import { createDiffusionTable } from './diffusion-table.js';
import type { DiffusionTable } from './diffusion-table.js';

export type GradientShape = 'rect' | 'sine';
export type PfgSequence = 'pgse' | 'ste' | 'ste-bipolar';
export const GRADIENT_SHAPES: readonly GradientShape[] = ['rect', 'sine'];
export const PFG_SEQUENCES: readonly PfgSequence[] = ['pgse', 'ste', 'ste-bipolar'];

export interface PfgTiming {
  /** Gradient pulse length δ, s (for bipolar pairs: both lobes together). */
  readonly deltaS: number;
  /** Diffusion time Δ between the starts of the two gradient pulses, s. */
  readonly bigDeltaS: number;
  readonly shape: GradientShape;
  /** Default 'ste' (stimulated echo, as in Thienenkamp et al. 2024). */
  readonly sequence?: PfgSequence;
  /** Gap τ between the two lobes of a bipolar pair, s (only for 'ste-bipolar'). */
  readonly lobeGapS?: number;
}

/** 1 G cm⁻¹ = 10⁻⁴ T / 10⁻² m = 0.01 T m⁻¹. */
export function gaussPerCmToTPerM(gradientGPerCm: number): number {
  return gradientGPerCm * 0.01;
}

/** σ: pulse area divided by (peak gradient × δ). */
export function shapeFactor(shape: GradientShape): number {
  return shape === 'rect' ? 1 : 2 / Math.PI;
}

function checkTiming(t: PfgTiming): void {
  if (!GRADIENT_SHAPES.includes(t.shape))
    throw new ParameterError('unknown gradient shape', {
      field: 'shape',
      found: t.shape,
      expected: GRADIENT_SHAPES.join(' | '),
    });
  const seq = t.sequence ?? 'ste';
  if (!PFG_SEQUENCES.includes(seq))
    throw new ParameterError('unknown PFG sequence', {
      field: 'sequence',
      found: seq,
      expected: PFG_SEQUENCES.join(' | '),
    });
  if (!(t.deltaS > 0) || !Number.isFinite(t.deltaS))
    throw new ParameterError('gradient pulse length must be positive', {
      field: 'delta',
      found: t.deltaS,
      expected: '> 0 s',
    });
  const gap = seq === 'ste-bipolar' ? (t.lobeGapS ?? NaN) : 0;
  if (!(gap >= 0))
    throw new ParameterError('bipolar sequences need the lobe gap τ', {
      field: 'lobeGap',
      found: t.lobeGapS,
      expected: '≥ 0 s',
    });
  if (!(t.bigDeltaS >= t.deltaS + gap)) {
    throw new ParameterError('diffusion time shorter than the gradient pulse', {
      field: 'Delta',
      found: t.bigDeltaS,
      expected: `≥ δ${gap > 0 ? ' + τ' : ''} = ${t.deltaS + gap} s`,
    });
  }
}

/** Effective diffusion time Δ', s (see the table at the top of this file). */
export function effectiveDiffusionTimeS(t: PfgTiming): number {
  checkTiming(t);
  const seq = t.sequence ?? 'ste';
  if (seq === 'ste-bipolar') {
    const tau = t.lobeGapS ?? 0;
    return t.shape === 'rect'
      ? t.bigDeltaS - t.deltaS / 3 - tau / 2
      : t.bigDeltaS - (5 * t.deltaS) / 16 - tau / 2;
  }
  return t.shape === 'rect' ? t.bigDeltaS - t.deltaS / 3 : t.bigDeltaS - t.deltaS / 4;
}

/** b = γ² g² δ² σ² Δ', s m⁻², for peak gradients in T m⁻¹ and γ in rad s⁻¹ T⁻¹. */
export function bValuesSPerM2(
  gradientsTPerM: ArrayLike<number>,
  gammaRadPerSPerT: number,
  timing: PfgTiming,
): Float64Array {
  const sigma = shapeFactor(timing.shape);
  const factor = gammaRadPerSPerT ** 2 * timing.deltaS ** 2 * sigma ** 2 * effectiveDiffusionTimeS(timing);
  return Float64Array.from(gradientsTPerM, (g) => factor * g * g);
}

/**
 * b = γ² ∫ (∫₀ᵗ g_eff dt')² dt for an effective gradient waveform sampled on a uniform time grid (signs
 * already flipped by the refocusing/storage pulses). Midpoint rule on the running integral.
 */
export function bValueFromWaveform(
  dtS: number,
  effectiveGradientTPerM: ArrayLike<number>,
  gammaRadPerSPerT: number,
): number {
  let F = 0;
  let sum = 0;
  for (let i = 0; i < effectiveGradientTPerM.length; i++) {
    const before = F;
    F += effectiveGradientTPerM[i] * dtS;
    sum += 0.5 * (before * before + F * F) * dtS;
  }
  return gammaRadPerSPerT ** 2 * sum;
}

export interface StejskalTannerFit {
  /** Diffusion coefficients, m² s⁻¹, fastest first. */
  readonly dM2PerS: number[];
  /** 1σ standard errors of D, m² s⁻¹. */
  readonly dStandardErrorM2PerS: number[];
  /** Amplitude fraction of each component (sums to 1). */
  readonly fractions: number[];
  /** 1σ standard errors of the fractions (0 for a single component). */
  readonly fractionStandardErrors: number[];
  /**
   * Components the data do not determine: the standard error of D (or of the fraction) is not smaller
   * than the value itself (e.g. a second component with D → 0 or a fraction → 0).
   */
  readonly unidentifiable: boolean[];
  /** Points with intensity ≤ 0 (noise at high b); their log-attenuation is undefined. */
  readonly nonPositiveIntensities: number;
  /** Signal at b = 0. */
  readonly i0: number;
  readonly converged: boolean;
  readonly reducedChi2: number;
  /** Coefficient of determination of the fit on the intensities. */
  readonly rSquared: number;
  /** Model intensity at each b. */
  readonly fitted: Float64Array;
}

export interface StejskalTannerOptions {
  /** 1 (default) or 2 exponentials. */
  readonly components?: 1 | 2;
  /** Source file for error messages. */
  readonly source?: string;
}

/**
 * Least-squares fit of I(b) = I0 Σ f_k exp(−D_k b) with the shared bounded Levenberg–Marquardt
 * optimizer. Parameters are scaled internally (D·b_max, I0/I_max) so all are of order one.
 */
export function fitStejskalTanner(
  bSPerM2: ArrayLike<number>,
  intensity: ArrayLike<number>,
  options: StejskalTannerOptions = {},
): StejskalTannerFit {
  const components = options.components ?? 1;
  const file = options.source;
  const m = bSPerM2.length;
  if (m !== intensity.length)
    throw new DataError('b values and intensities differ in length', {
      file,
      found: `${m} vs ${intensity.length}`,
      expected: 'equal lengths',
    });
  const nParams = components === 1 ? 2 : 4;
  if (m < nParams + 1)
    throw new DataError('too few gradient steps for the fit', {
      file,
      field: 'gradient',
      found: m,
      expected: `≥ ${nParams + 1}`,
    });
  let bMax = 0;
  let iMax = 0;
  for (let i = 0; i < m; i++) {
    if (!Number.isFinite(bSPerM2[i]) || bSPerM2[i] < 0)
      throw new DataError('b value must be finite and non-negative', {
        file,
        field: `row ${i + 1}`,
        found: bSPerM2[i],
        expected: '≥ 0',
      });
    if (!Number.isFinite(intensity[i]))
      throw new DataError('intensity is not finite', {
        file,
        field: `row ${i + 1}`,
        found: intensity[i],
        expected: 'a number',
      });
    bMax = Math.max(bMax, bSPerM2[i]);
    iMax = Math.max(iMax, Math.abs(intensity[i]));
  }
  // Attenuation is I(b)/I(0) > 0: a non-positive signal at the smallest b, or many non-positive points,
  // means inverted or baseline-dominated data, not diffusion.
  let iLowB = 0;
  let nonPositive = 0;
  for (let i = 0; i < m; i++) {
    if (bSPerM2[i] < bSPerM2[iLowB]) iLowB = i;
    if (!(intensity[i] > 0)) nonPositive++;
  }
  if (!(intensity[iLowB] > 0))
    throw new DataError('intensity at the smallest b is not positive', {
      file,
      field: `row ${iLowB + 1}`,
      found: intensity[iLowB],
      expected: 'a positive echo intensity (phase or sign inverted?)',
    });
  if (nonPositive > m / 4)
    throw new DataError('too many non-positive intensities for an attenuation fit', {
      file,
      field: 'intensity',
      found: `${nonPositive} of ${m} points ≤ 0`,
      expected: 'positive echo intensities (at most a quarter at the noise floor)',
    });
  if (!(bMax > 0) || !(iMax > 0))
    throw new DataError('no attenuation to fit', {
      file,
      found: `b_max ${bMax}, I_max ${iMax}`,
      expected: 'positive b values and intensities',
    });
  const u = Float64Array.from(bSPerM2, (b) => b / bMax);
  const y = Float64Array.from(intensity, (v) => v / iMax);

  // Start from a log-linear regression on the points with clearly positive signal.
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let count = 0;
  for (let i = 0; i < m; i++) {
    if (y[i] > 1e-3) {
      const ly = Math.log(y[i]);
      sx += u[i];
      sy += ly;
      sxx += u[i] * u[i];
      sxy += u[i] * ly;
      count++;
    }
  }
  const denom = count * sxx - sx * sx;
  const slope = count >= 2 && denom > 0 ? (count * sxy - sx * sy) / denom : -1;
  const a0 = Math.min(Math.max(-slope, 1e-3), 50);
  const i00 = count >= 2 && denom > 0 ? Math.exp((sy - slope * sx) / count) : 1;

  const model = (p: Float64Array, i: number): number =>
    components === 1
      ? p[0] * Math.exp(-p[1] * u[i])
      : p[0] * (p[1] * Math.exp(-p[2] * u[i]) + (1 - p[1]) * Math.exp(-p[3] * u[i]));
  const result = leastSquares(
    {
      nParams,
      nResiduals: m,
      residuals(p, out) {
        for (let i = 0; i < m; i++) out[i] = model(p, i) - y[i];
      },
      jacobian(p, out) {
        for (let i = 0; i < m; i++) {
          if (components === 1) {
            const e = Math.exp(-p[1] * u[i]);
            out[i * 2] = e;
            out[i * 2 + 1] = -p[0] * u[i] * e;
          } else {
            const e1 = Math.exp(-p[2] * u[i]);
            const e2 = Math.exp(-p[3] * u[i]);
            out[i * 4] = p[1] * e1 + (1 - p[1]) * e2;
            out[i * 4 + 1] = p[0] * (e1 - e2);
            out[i * 4 + 2] = -p[0] * p[1] * u[i] * e1;
            out[i * 4 + 3] = -p[0] * (1 - p[1]) * u[i] * e2;
          }
        }
      },
    },
    components === 1 ? [i00, a0] : [i00, 0.5, 3 * a0, a0 / 3],
    {
      lower: components === 1 ? [0, 0] : [0, 0, 0, 0],
      upper: components === 1 ? [10, 1e4] : [10, 1, 1e4, 1e4],
      xTol: 1e-12,
      fTol: 1e-14,
      gTol: 1e-12,
      maxEvaluations: 2000,
    },
  );
  const p = result.p;
  const se = result.standardErrors;
  let comps: { d: number; dSe: number; f: number; fSe: number }[];
  if (components === 1) comps = [{ d: p[1] / bMax, dSe: se[1] / bMax, f: 1, fSe: 0 }];
  else {
    comps = [
      { d: p[2] / bMax, dSe: se[2] / bMax, f: p[1], fSe: se[1] },
      { d: p[3] / bMax, dSe: se[3] / bMax, f: 1 - p[1], fSe: se[1] },
    ].sort((a, b) => b.d - a.d);
  }
  if (comps.some((c) => !Number.isFinite(c.d))) {
    throw new NumericalError('Stejskal–Tanner fit failed', {
      file,
      found: result.message,
      expected: 'finite diffusion coefficients',
    });
  }
  const fitted = new Float64Array(m);
  let ssRes = 0;
  let mean = 0;
  for (let i = 0; i < m; i++) mean += y[i] / m;
  let ssTot = 0;
  for (let i = 0; i < m; i++) {
    fitted[i] = model(p, i) * iMax;
    ssRes += (model(p, i) - y[i]) ** 2;
    ssTot += (y[i] - mean) ** 2;
  }
  return {
    dM2PerS: comps.map((c) => c.d),
    dStandardErrorM2PerS: comps.map((c) => c.dSe),
    fractions: comps.map((c) => c.f),
    fractionStandardErrors: comps.map((c) => c.fSe),
    unidentifiable: comps.map((c) => !(c.dSe < c.d) || (components === 2 && !(c.fSe < c.f))),
    nonPositiveIntensities: nonPositive,
    i0: p[0] * iMax,
    converged: result.converged,
    reducedChi2: result.reducedChi2 * iMax * iMax,
    rSquared: ssTot > 0 ? 1 - ssRes / ssTot : 1,
    fitted,
  };
}

/** A concentration series of one-component fits → a D(C) table (Thienenkamp et al. 2024, Note S2). */
export function diffusionTableFromSeries(
  points: readonly { concentrationMolM3: number; dM2PerS: number }[],
  source?: string,
): DiffusionTable {
  return createDiffusionTable(
    points.map((q) => q.concentrationMolM3),
    points.map((q) => q.dM2PerS),
    source,
  );
}
