/**
 * Uncertainty of the drift velocity field (Thienenkamp et al. 2024, eq 1–8 inverted by driftVelocity) by a
 * parametric bootstrap over the measurement noise.
 *
 * Noise of each profile: estimated from the data themselves, σ_k = 1.4826·MAD(Δ²C)/√6 over the ROI (second
 * differences of a smooth profile are noise only; 6 = 1 + 4 + 1 is their variance in units of σ²; the
 * median makes it indifferent to a few edges). Each realisation adds fresh noise of that size to every
 * profile, optionally voltage noise of σ_V and a common relative error of D(C) (one factor per
 * realisation: a table error is systematic), and inverts again. Since the inversion is close to linear in
 * the noise, the spread of the realisations about the measured field is the spread of the measured field
 * about the truth: the per-point standard error is their standard deviation.
 *
 * The maximum velocity is a biased statistic (noise raises a maximum), so its interval is the basic
 * bootstrap interval [2θ̂ − q_{1−α/2}, 2θ̂ − q_{α/2}], which corrects that bias, and a bias-corrected value
 * 2θ̂ − mean(θ*) is reported beside it. The robust maximum is the largest |v| of the field after a
 * three-point median along x, on the interior profiles (the end profiles' one-sided ∂C/∂t roughly
 * doubles their noise), so one noisy pixel cannot set it.
 */
import { ParameterError } from '../core/errors.js';
import { createRng } from '../sim/random.js';
import type { DiffusionLaw } from './diffusion-table.js';
import { driftVelocity, type DriftExtreme, type DriftInput, type DriftResult } from './drift.js';

export interface DriftUncertaintyOptions {
  /** Bootstrap realisations (default 200). */
  readonly realisations?: number;
  readonly seed?: number;
  /** Confidence level of the intervals (default 0.95). */
  readonly level?: number;
  /** Noise of the voltage record, V (default 0). */
  readonly voltageNoiseV?: number;
  /** Relative standard uncertainty of D(C) (default 0). */
  readonly diffusionRelativeError?: number;
  /** Noise of each profile, mol m⁻³ (default: estimated from the profiles). */
  readonly profileNoiseMolM3?: ArrayLike<number>;
}

export interface BootstrapMaximum {
  readonly estimate: DriftExtreme;
  /** 2θ̂ − mean(θ*), µm h⁻¹ (same sign as the estimate). */
  readonly biasCorrectedUmPerH: number;
  readonly standardErrorUmPerH: number;
  /** Basic bootstrap interval of the signed maximum, µm h⁻¹. */
  readonly intervalUmPerH: [number, number];
}

export interface DriftUncertainty {
  readonly drift: DriftResult;
  /** Per-point standard error of v, µm h⁻¹, row-major time × position as the field. */
  readonly velocityStdErrUmPerH: Float64Array;
  readonly profileNoiseMolM3: Float64Array;
  readonly realisations: number;
  readonly level: number;
  /** Largest |v| anywhere. */
  readonly maximum: BootstrapMaximum;
  /** Largest |v| of the 3-point-median field over the interior profiles. */
  readonly robustMaximum: BootstrapMaximum;
}

/** σ of the noise on one profile from its second differences (robust, see the header). */
export function profileNoise(values: ArrayLike<number>, offset: number, n: number): number {
  if (n < 4) return 0;
  const d = new Float64Array(n - 2);
  for (let i = 1; i < n - 1; i++)
    d[i - 1] = values[offset + i - 1] - 2 * values[offset + i] + values[offset + i + 1];
  const med = median(d);
  const dev = Float64Array.from(d, (x) => Math.abs(x - med));
  return (1.4826 * median(dev)) / Math.sqrt(6);
}

function median(a: Float64Array): number {
  const s = Float64Array.from(a).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/**
 * Signed largest |v| of the field after a 3-point median along x (the ROI ends replicated), over the
 * interior profiles: a single noisy pixel cannot set it, while a maximum at a monotone edge is kept.
 */
export function robustMaximum(drift: Pick<DriftResult, 'xUm' | 'timeS' | 'velocityUmPerH'>): DriftExtreme {
  const nx = drift.xUm.length;
  const nt = drift.timeS.length;
  const v = drift.velocityUmPerH;
  const [k0, k1] = nt >= 3 ? [1, nt - 2] : [0, nt - 1];
  let best: DriftExtreme = { velocityUmPerH: 0, timeS: drift.timeS[k0], xUm: drift.xUm[0] };
  for (let k = k0; k <= k1; k++)
    for (let i = 0; i < nx; i++) {
      const a = v[k * nx + Math.max(0, i - 1)];
      const b = v[k * nx + i];
      const c = v[k * nx + Math.min(nx - 1, i + 1)];
      const m = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
      if (Math.abs(m) > Math.abs(best.velocityUmPerH))
        best = { velocityUmPerH: m, timeS: drift.timeS[k], xUm: drift.xUm[i] };
    }
  return best;
}

function quantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const i = Math.floor(h);
  return i + 1 < sorted.length ? sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

function summarise(estimate: DriftExtreme, draws: Float64Array, level: number): BootstrapMaximum {
  const theta = estimate.velocityUmPerH;
  const sorted = Float64Array.from(draws).sort();
  let mean = 0;
  for (const x of draws) mean += x / draws.length;
  let ss = 0;
  for (const x of draws) ss += (x - mean) ** 2;
  const a = (1 - level) / 2;
  return {
    estimate,
    biasCorrectedUmPerH: 2 * theta - mean,
    standardErrorUmPerH: Math.sqrt(ss / Math.max(1, draws.length - 1)),
    intervalUmPerH: [2 * theta - quantile(sorted, 1 - a), 2 * theta - quantile(sorted, a)],
  };
}

/** The drift field with per-point standard errors and bootstrap intervals of its maxima. */
export function driftUncertainty(input: DriftInput, options: DriftUncertaintyOptions = {}): DriftUncertainty {
  const b = options.realisations ?? 200;
  const level = options.level ?? 0.95;
  if (!(Number.isInteger(b) && b >= 20))
    throw new ParameterError('too few bootstrap realisations', {
      field: 'realisations',
      found: b,
      expected: '≥ 20',
    });
  if (!(level > 0 && level < 1))
    throw new ParameterError('confidence level must lie between 0 and 1', { field: 'level', found: level });
  const drift = driftVelocity(input);
  const c = input.concentration;
  const nx = c.xUm.length;
  const nt = c.timeS.length;
  const sigma =
    options.profileNoiseMolM3 !== undefined
      ? Float64Array.from(options.profileNoiseMolM3)
      : Float64Array.from({ length: nt }, (_, k) => profileNoise(c.values, k * nx, nx));
  if (sigma.length !== nt)
    throw new ParameterError('one noise level per profile', {
      field: 'profileNoiseMolM3',
      found: sigma.length,
      expected: nt,
    });
  const rng = createRng(options.seed ?? 1);
  const sum = new Float64Array(nt * nx);
  const sumSq = new Float64Array(nt * nx);
  const maxima = new Float64Array(b);
  const robust = new Float64Array(b);
  const sv = options.voltageNoiseV ?? 0;
  const sd = options.diffusionRelativeError ?? 0;
  const values = new Float64Array(c.values.length);
  // each statistic keeps the sign of the measured one
  const measuredRobust = robustMaximum(drift);
  const signMax = Math.sign(drift.maximum.velocityUmPerH) || 1;
  const signRobust = Math.sign(measuredRobust.velocityUmPerH) || 1;
  for (let r = 0; r < b; r++) {
    for (let k = 0; k < nt; k++)
      for (let i = 0; i < nx; i++) {
        // concentrations stay positive (the inversion divides by C)
        const v = c.values[k * nx + i] + sigma[k] * rng.normal();
        values[k * nx + i] = Math.max(v, 1e-6 * Math.abs(c.values[k * nx + i]) + 1e-12);
      }
    const factor = 1 + sd * rng.normal();
    const base = input.diffusion;
    const diffusion: DiffusionLaw =
      sd > 0
        ? Object.assign((x: number) => factor * base(x), {
            many: (x: Float64Array, out: Float64Array) => {
              if (base.many) base.many(x, out);
              else for (let i = 0; i < x.length; i++) out[i] = base(x[i]);
              for (let i = 0; i < out.length; i++) out[i] *= factor;
            },
          })
        : base;
    const d = driftVelocity({
      ...input,
      concentration: { ...c, values },
      voltageV: sv > 0 ? Float64Array.from(input.voltageV, (u) => u + sv * rng.normal()) : input.voltageV,
      diffusion,
    });
    for (let j = 0; j < nt * nx; j++) {
      const e = d.velocityUmPerH[j] - drift.velocityUmPerH[j];
      sum[j] += e;
      sumSq[j] += e * e;
    }
    maxima[r] = signMax * Math.abs(d.maximum.velocityUmPerH);
    robust[r] = signRobust * Math.abs(robustMaximum(d).velocityUmPerH);
  }
  const velocityStdErrUmPerH = Float64Array.from(sum, (s, j) =>
    Math.sqrt(Math.max(0, sumSq[j] / b - (s / b) ** 2) * (b / (b - 1))),
  );
  return {
    drift,
    velocityStdErrUmPerH,
    profileNoiseMolM3: sigma,
    realisations: b,
    level,
    maximum: summarise(drift.maximum, maxima, level),
    robustMaximum: summarise(measuredRobust, robust, level),
  };
}
