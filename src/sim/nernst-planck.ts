/**
 * 1D finite-volume Nernst–Planck model of the anion in a cell with ion-blocking walls, driven by a
 * prescribed electric field E(x,t) and a concentration-dependent diffusion coefficient. It makes anion
 * profiles whose drift velocity v = −μ(C)E is known exactly, to validate the inversion of Thienenkamp et al. 2024
 * eq 1–8 (transport/drift) and to feed the demo.
 *
 * Discretisation: cell-centred finite volumes; face fluxes by Scharfetter–Gummel, which is exact for a
 * constant flux between two centres with constant v and D, so steep drift–diffusion layers (cell Péclet
 * numbers ≫ 1 near the walls) stay stable and positive; backward Euler in time with D and μ lagged by one
 * Picard iteration, solved by the Thomas algorithm. Zero flux through both walls conserves the anion
 * amount to round-off.
 */
import { DataError, ParameterError } from '../core/errors.js';
import type { DiffusionLaw } from '../transport/diffusion-table.js';
import { mobilityM2PerVS, requireTemperatureK } from '../transport/diffusion-table.js';
import { UM_PER_H_PER_M_PER_S } from '../transport/drift.js';
import { interpolateLinear } from '../transport/numerics.js';
import type { ProfileSeries } from '../transport/profiles.js';

export interface NernstPlanckSpec {
  /** Distance between the two walls, µm (x = 0 at the plating electrode). */
  readonly lengthUm: number;
  /** Number of finite volumes. */
  readonly cells: number;
  /** Initial anion concentration, mol m⁻³ (a number for a homogeneous cell, or a function of x in µm). */
  readonly initialConcentrationMolM3: number | ((xUm: number) => number);
  readonly diffusion: DiffusionLaw;
  readonly temperatureK: number;
  /** Prescribed field E(x,t), V m⁻¹ (x in µm, t in s). E < 0 pushes anions towards +x. */
  readonly fieldVPerM: (xUm: number, timeS: number) => number;
  /** Largest time step, s (steps are shortened to land on output times). */
  readonly maxTimeStepS: number;
  /** Times at which to store the concentration, s, ascending, ≥ 0. */
  readonly outputTimesS: ArrayLike<number>;
  /** Picard iterations per step for the concentration dependence of D and μ (default 2). */
  readonly picardIterations?: number;
}

export interface NernstPlanckResult {
  /** Cell centres, µm. */
  readonly xUm: Float64Array;
  readonly timeS: Float64Array;
  /** Row-major time × cell, mol m⁻³. */
  readonly concentrationMolM3: Float64Array;
}

/** Bernoulli function B(z) = z/(eᶻ − 1), with its limit 1 at z = 0. */
function bernoulli(z: number): number {
  if (Math.abs(z) < 1e-8) return 1 - z / 2;
  return z / Math.expm1(z);
}

function validate(spec: NernstPlanckSpec): void {
  const positive: [string, number][] = [
    ['lengthUm', spec.lengthUm],
    ['maxTimeStepS', spec.maxTimeStepS],
  ];
  for (const [field, value] of positive) {
    if (!Number.isFinite(value) || value <= 0)
      throw new ParameterError('must be positive', { field, found: value, expected: '> 0' });
  }
  if (!Number.isInteger(spec.cells) || spec.cells < 3)
    throw new ParameterError('need at least 3 cells', {
      field: 'cells',
      found: spec.cells,
      expected: 'integer ≥ 3',
    });
  requireTemperatureK(spec.temperatureK);
  const t = spec.outputTimesS;
  for (let k = 0; k < t.length; k++) {
    if (!(t[k] >= 0) || (k > 0 && !(t[k] > t[k - 1]))) {
      throw new ParameterError('output times must be non-negative and increasing', {
        field: 'outputTimesS',
        found: t[k],
        expected: 'ascending, ≥ 0',
      });
    }
  }
}

/** Runs the model and returns the stored concentration profiles. */
export function simulateNernstPlanck(spec: NernstPlanckSpec): NernstPlanckResult {
  validate(spec);
  const n = spec.cells;
  const hM = (spec.lengthUm / n) * 1e-6;
  const xUm = Float64Array.from({ length: n }, (_, i) => (i + 0.5) * (spec.lengthUm / n));
  const faceUm = Float64Array.from({ length: n - 1 }, (_, f) => (f + 1) * (spec.lengthUm / n));
  const muPerD = mobilityM2PerVS(1, spec.temperatureK);
  const picard = spec.picardIterations ?? 2;

  let c = Float64Array.from(xUm, (x) =>
    typeof spec.initialConcentrationMolM3 === 'number'
      ? spec.initialConcentrationMolM3
      : spec.initialConcentrationMolM3(x),
  );
  for (let i = 0; i < n; i++) {
    if (!(c[i] > 0))
      throw new ParameterError('initial concentration must be positive', {
        field: 'initialConcentrationMolM3',
        found: c[i],
        expected: '> 0',
      });
  }
  const times = Float64Array.from(spec.outputTimesS);
  const out = new Float64Array(times.length * n);
  const a = new Float64Array(n - 1);
  const b = new Float64Array(n - 1);
  const lower = new Float64Array(n);
  const diag = new Float64Array(n);
  const upper = new Float64Array(n);
  const rhs = new Float64Array(n);
  const cp = new Float64Array(n);
  const dp = new Float64Array(n);

  let t = 0;
  const step = (dt: number) => {
    const tNew = t + dt;
    let guess = c;
    for (let it = 0; it < Math.max(1, picard); it++) {
      for (let f = 0; f < n - 1; f++) {
        const D = spec.diffusion(0.5 * (guess[f] + guess[f + 1]));
        const v = -muPerD * D * spec.fieldVPerM(faceUm[f], tNew);
        const pe = (v * hM) / D;
        a[f] = (D / hM) * bernoulli(-pe);
        b[f] = (D / hM) * bernoulli(pe);
      }
      // h(Cᵢⁿ⁺¹ − Cᵢⁿ)/dt = J_{i−½} − J_{i+½}, J_f = a_f C_f − b_f C_{f+1}, walls: J = 0
      for (let i = 0; i < n; i++) {
        lower[i] = i > 0 ? -a[i - 1] : 0;
        upper[i] = i < n - 1 ? -b[i] : 0;
        diag[i] = hM / dt + (i < n - 1 ? a[i] : 0) + (i > 0 ? b[i - 1] : 0);
        rhs[i] = (hM / dt) * c[i];
      }
      // Thomas algorithm (the matrix is an M-matrix: diagonally dominant, no pivoting needed)
      cp[0] = upper[0] / diag[0];
      dp[0] = rhs[0] / diag[0];
      for (let i = 1; i < n; i++) {
        const m = diag[i] - lower[i] * cp[i - 1];
        cp[i] = upper[i] / m;
        dp[i] = (rhs[i] - lower[i] * dp[i - 1]) / m;
      }
      const next = new Float64Array(n);
      next[n - 1] = dp[n - 1];
      for (let i = n - 2; i >= 0; i--) next[i] = dp[i] - cp[i] * next[i + 1];
      guess = next;
    }
    c = guess;
    t = tNew;
  };

  for (let k = 0; k < times.length; k++) {
    while (times[k] - t > 1e-9 * Math.max(1, times[k])) {
      const remaining = times[k] - t;
      const nSteps = Math.ceil(remaining / spec.maxTimeStepS - 1e-9);
      step(remaining / nSteps);
    }
    out.set(c, k * n);
  }
  return { xUm, timeS: times, concentrationMolM3: out };
}

/** True drift velocity v = −μ(C)E at a position and time, µm h⁻¹. */
export function trueVelocityUmPerH(
  spec: NernstPlanckSpec,
  concentrationMolM3: number,
  xUm: number,
  timeS: number,
): number {
  const mu = mobilityM2PerVS(spec.diffusion(concentrationMolM3), spec.temperatureK);
  return -mu * spec.fieldVPerM(xUm, timeS) * UM_PER_H_PER_M_PER_S;
}

/** Potential drop φ(hi) − φ(lo) = −∫ E dx across [loUm, hiUm] at time t (composite Simpson, 2000 panels). */
export function potentialDropV(
  field: (xUm: number, timeS: number) => number,
  loUm: number,
  hiUm: number,
  timeS: number,
): number {
  const panels = 2000;
  const h = (hiUm - loUm) / panels;
  let s = field(loUm, timeS) + field(hiUm, timeS);
  for (let i = 1; i < panels; i++) s += (i % 2 === 1 ? 4 : 2) * field(loUm + i * h, timeS);
  return (-s * h) / 3 / 1e6;
}

export interface SampledProfiles {
  /** Concentration profiles at the sample positions (mol m⁻³). */
  readonly profiles: ProfileSeries;
  /** The model's v = −μ(C)E at every sample, row-major, µm h⁻¹. */
  readonly trueVelocityUmPerH: Float64Array;
  /** Potential drop across [xUm[0], xUm[last]] at each time, V. */
  readonly voltageV: Float64Array;
}

/**
 * Samples the simulated profiles at MRI-like positions (linear interpolation between cell centres) and
 * returns the known truth beside them.
 */
export function sampleProfiles(
  spec: NernstPlanckSpec,
  result: NernstPlanckResult,
  xUm: ArrayLike<number>,
): SampledProfiles {
  const n = result.xUm.length;
  const nt = result.timeS.length;
  const nx = xUm.length;
  const values = new Float64Array(nt * nx);
  const truth = new Float64Array(nt * nx);
  const voltage = new Float64Array(nt);
  for (let k = 0; k < nt; k++) {
    const row = result.concentrationMolM3.subarray(k * n, (k + 1) * n);
    for (let i = 0; i < nx; i++) {
      const c = interpolateLinear(result.xUm, row, xUm[i]);
      if (!Number.isFinite(c)) {
        throw new DataError('sample position outside the simulated cell centres', {
          field: 'xUm',
          found: xUm[i],
          expected: `${result.xUm[0]} … ${result.xUm[n - 1]} µm`,
        });
      }
      values[k * nx + i] = c;
      truth[k * nx + i] = trueVelocityUmPerH(spec, c, xUm[i], result.timeS[k]);
    }
    voltage[k] = potentialDropV(spec.fieldVPerM, xUm[0], xUm[nx - 1], result.timeS[k]);
  }
  return {
    profiles: { xUm: Float64Array.from(xUm), timeS: result.timeS.slice(), values },
    trueVelocityUmPerH: truth,
    voltageV: voltage,
  };
}
