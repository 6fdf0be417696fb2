/**
 * Anion drift velocity v_a(x,t) from operando anion concentration profiles (Thienenkamp et al. 2024, eq 1–8).
 *
 * The anion flux is diffusive plus migrative (eq 1–3), J = −D ∂C/∂x + v C with v = −μE, and obeys mass
 * conservation (eq 4), ∂J/∂x = −∂C/∂t. Integrating eq 4 from the ROI's first sample x_lo gives
 *
 *   J(x,t) = J0(t) + K(x,t),   K(x,t) = −∫_{x_lo}^{x} ∂C/∂t dx'
 *
 * with one unknown per profile, the flux J0(t) through x_lo (the paper's "initial value problem" of eq 5).
 * With the mobility from Nernst–Einstein (eq 6), the field is E = −(J + D ∂C/∂x)/(μC). The voltage
 * condition (eq 8, ohmic terms of eq 7 neglected as in the paper) is linear in J0:
 *
 *   V(t) = φ(x_hi) − φ(x_lo) = −∫ E dx = J0 ∫ dx/(μC) + ∫ (K + D ∂C/∂x)/(μC) dx,
 *
 * so J0 follows in closed form, and then v = −μE = (J + D ∂C/∂x)/C.
 *
 * Sign convention: x runs from the plating electrode into the cell; V is the potential at the far end of
 * the ROI minus that at the plating end (positive while charging); v > 0 means anions drift away from the
 * plating electrode. The paper plots the same motion with a minus sign (anions move against the field).
 */
import { DataError, NumericalError, ParameterError } from '../core/errors.js';
import type { DiffusionLaw } from './diffusion-table.js';
import { mobilityM2PerVS, requireTemperatureK } from './diffusion-table.js';
import { interpolateLinear } from './numerics.js';
import type { ProfileSeries } from './profiles.js';

const UM_PER_M = 1e6;
const S_PER_H = 3600;
/** m s⁻¹ → µm h⁻¹. */
export const UM_PER_H_PER_M_PER_S = UM_PER_M * S_PER_H;

export interface DriftInput {
  /** Anion concentrations in the ROI, mol m⁻³ (from toConcentration/selectRoi). */
  readonly concentration: ProfileSeries;
  /** Potential drop across the ROI at each profile time, V (see resampleVoltage). */
  readonly voltageV: Float64Array;
  /** Anion diffusion coefficient as a function of concentration. */
  readonly diffusion: DiffusionLaw;
  readonly temperatureK: number;
}

export interface DriftTimeSummary {
  readonly timeS: number;
  readonly voltageV: number;
  /** Velocity at the ROI end next to the plating electrode (the paper's x₁ = 0), µm h⁻¹. */
  readonly velocityAtPlatingSideUmPerH: number;
  /** Velocity at the far ROI end (x₁ = 1), µm h⁻¹. */
  readonly velocityAtFarSideUmPerH: number;
  /** Largest |v| in this profile, signed, µm h⁻¹. */
  readonly peakVelocityUmPerH: number;
  /** max − min of v over the ROI, µm h⁻¹. */
  readonly spreadUmPerH: number;
  /**
   * The paper's spatial divergence: 100·(v(x₁=0) − v(x₁=1))/v(x₁=0), % (NaN when v(x₁=0) = 0).
   */
  readonly edgeDifferencePercent: number;
  /** Flux through the plating-side ROI edge fixed by the voltage condition, mol m⁻² s⁻¹. */
  readonly boundaryFluxMolPerM2S: number;
}

export interface DriftResult {
  readonly xUm: Float64Array;
  readonly timeS: Float64Array;
  /** v_a, row-major time × position, µm h⁻¹. */
  readonly velocityUmPerH: Float64Array;
  /** Electric field E, V m⁻¹, same layout. */
  readonly fieldVPerM: Float64Array;
  /** Total anion flux J, mol m⁻² s⁻¹, same layout. */
  readonly fluxMolPerM2S: Float64Array;
  readonly perTime: DriftTimeSummary[];
  /** Largest |v| over all positions and times, signed, with where and when. */
  readonly maximum: DriftExtreme;
  /**
   * Largest |v| excluding the first and last profiles, whose ∂C/∂t is one-sided and roughly twice as
   * noisy (the figure to quote from noisy data; equals `maximum` for fewer than 3 profiles).
   */
  readonly maximumInterior: DriftExtreme;
}

export interface DriftExtreme {
  readonly velocityUmPerH: number;
  readonly timeS: number;
  readonly xUm: number;
}

/**
 * Voltage record → one value per profile time by linear interpolation. Profile times outside the voltage
 * record mean the two files describe different experiments or clocks: DataError.
 */
export function resampleVoltage(
  voltageTimeS: ArrayLike<number>,
  voltageV: ArrayLike<number>,
  profileTimeS: ArrayLike<number>,
  file?: string,
): Float64Array {
  const n = voltageTimeS.length;
  if (n === 0 || n !== voltageV.length) {
    throw new DataError('voltage record is empty or ragged', {
      file,
      field: 'time_s,voltage_V',
      found: `${n} times, ${voltageV.length} voltages`,
      expected: 'equal, non-zero lengths',
    });
  }
  for (let i = 1; i < n; i++) {
    if (!(voltageTimeS[i] > voltageTimeS[i - 1])) {
      throw new DataError('voltage times must increase strictly', {
        file,
        field: 'time_s',
        found: `${voltageTimeS[i - 1]} then ${voltageTimeS[i]}`,
        expected: 'ascending',
      });
    }
  }
  const out = new Float64Array(profileTimeS.length);
  const t0 = voltageTimeS[0];
  const t1 = voltageTimeS[n - 1];
  const tol = 1e-9 * Math.max(1, Math.abs(t1));
  for (let k = 0; k < profileTimeS.length; k++) {
    const t = Math.min(Math.max(profileTimeS[k], t0), t1);
    if (profileTimeS[k] < t0 - tol || profileTimeS[k] > t1 + tol) {
      throw new DataError('profile time outside the voltage record (mismatched time axes)', {
        file,
        field: 'time_s',
        found: `profile at ${profileTimeS[k]} s, voltage from ${t0} to ${t1} s`,
        expected: 'a voltage record covering every profile time',
      });
    }
    out[k] = n === 1 ? voltageV[0] : interpolateLinear(voltageTimeS, voltageV, t);
  }
  return out;
}

/** The inversion of Thienenkamp et al. 2024, eq 1–8 described at the top of this file. */
export function driftVelocity(input: DriftInput): DriftResult {
  const { concentration: series, voltageV, diffusion, temperatureK } = input;
  requireTemperatureK(temperatureK);
  const nx = series.xUm.length;
  const nt = series.timeS.length;
  if (voltageV.length !== nt) {
    throw new DataError('one voltage per profile is needed (mismatched time axes)', {
      file: series.source,
      field: 'voltage',
      found: voltageV.length,
      expected: nt,
    });
  }
  if (nt < 3)
    throw new DataError('drift analysis needs at least 3 profiles', {
      file: series.source,
      field: 'time_s',
      found: nt,
      expected: '≥ 3',
    });
  if (nx < 3)
    throw new DataError('drift analysis needs at least 3 positions', {
      file: series.source,
      field: 'x_um',
      found: nx,
      expected: '≥ 3',
    });
  const xM = series.xUm.map((x) => x / UM_PER_M);
  const C = series.values;
  const timeS = series.timeS;

  // D at every sample; D(C) throws when the table does not cover a concentration. Errors come in sample
  // order and before any numerical failure, as from a first pass testing C > 0 and calling D(C) sample by
  // sample. D is evaluated one profile at a time (a row of scratch instead of a field as large as the
  // data); only a series that will fail anyway is evaluated in full up front.
  const evaluateD = (from: number, to: number, out: Float64Array): void => {
    if (diffusion.many !== undefined) diffusion.many(C.subarray(from, to), out);
    else for (let idx = from; idx < to; idx++) out[idx - from] = diffusion(C[idx]);
  };
  let firstNonPositive = -1;
  for (let idx = 0; idx < C.length; idx++) {
    if (!(C[idx] > 0)) {
      firstNonPositive = idx;
      break;
    }
  }
  if (firstNonPositive >= 0) {
    const idx = firstNonPositive;
    evaluateD(0, idx, new Float64Array(idx));
    throw new DataError('zero or negative concentration in the region of interest', {
      file: series.source,
      field: `time ${timeS[Math.floor(idx / nx)]} s, x ${series.xUm[idx % nx]} µm`,
      found: C[idx],
      expected: '> 0 mol m⁻³',
    });
  }
  const dRow = new Float64Array(nx);
  const mobilityPerD = mobilityM2PerVS(1, temperatureK);

  const velocity = new Float64Array(nt * nx);
  const field = new Float64Array(nt * nx);
  const flux = new Float64Array(nt * nx);
  const perTime: DriftTimeSummary[] = [];
  const row = new ProfileWork(C, nx, nt, xM, timeS, mobilityPerD);
  let best: DriftExtreme = { velocityUmPerH: 0, timeS: timeS[0], xUm: series.xUm[0] };
  let bestInterior: DriftExtreme = best;

  for (let k = 0; k < nt; k++) {
    const base = k * nx;
    evaluateD(base, base + nx, dRow);
    row.integrals(k, dRow);
    const J0 = (voltageV[k] - row.b) / row.a;
    if (!Number.isFinite(J0)) {
      // A concentration outside the D table later in the series is reported first.
      evaluateD((k + 1) * nx, nt * nx, new Float64Array((nt - k - 1) * nx));
      throw new NumericalError('boundary flux is not finite', {
        file: series.source,
        field: `time ${timeS[k]} s`,
        found: J0,
        expected: 'a finite flux',
      });
    }
    row.velocities(k, J0, dRow, velocity, flux, field);
    const { peak, peakAt, vMin, vMax } = row;
    // The series' extremes are the largest of the per-profile peaks (first occurrence wins on ties, as
    // in a sample-by-sample scan).
    if (Math.abs(peak) > Math.abs(best.velocityUmPerH))
      best = { velocityUmPerH: peak, timeS: timeS[k], xUm: series.xUm[peakAt] };
    if (k > 0 && k < nt - 1 && Math.abs(peak) > Math.abs(bestInterior.velocityUmPerH)) {
      bestInterior = { velocityUmPerH: peak, timeS: timeS[k], xUm: series.xUm[peakAt] };
    }
    const v0 = velocity[base];
    const v1 = velocity[base + nx - 1];
    perTime.push({
      timeS: timeS[k],
      voltageV: voltageV[k],
      velocityAtPlatingSideUmPerH: v0,
      velocityAtFarSideUmPerH: v1,
      peakVelocityUmPerH: peak,
      spreadUmPerH: vMax - vMin,
      edgeDifferencePercent: v0 === 0 ? NaN : (100 * (v0 - v1)) / v0,
      boundaryFluxMolPerM2S: J0,
    });
  }
  return {
    xUm: series.xUm,
    timeS: series.timeS,
    velocityUmPerH: velocity,
    fieldVPerM: field,
    fluxMolPerM2S: flux,
    perTime,
    maximum: best,
    maximumInterior: bestInterior,
  };
}

/** Checks a voltage array for finiteness (a blank cell in a cycler export becomes NaN). */
export function requireFiniteVoltage(voltageV: ArrayLike<number>, file?: string): void {
  for (let i = 0; i < voltageV.length; i++) {
    if (!Number.isFinite(voltageV[i]))
      throw new ParameterError('voltage is not finite', {
        file,
        field: `voltage_V row ${i + 1}`,
        found: voltageV[i],
        expected: 'a finite number',
      });
  }
}

/**
 * Weights of numerics.gradient on grid x (n ≥ 3): derivative_j = a_j·y_{j−1} + b_j·y_j + c_j·y_{j+1} for
 * 0 < j < n − 1; at j = 0 the weights apply to y_0, y_1, y_2 and at j = n − 1 to y_{n−3}, y_{n−2}, y_{n−1}.
 * The expressions are gradient's own, so the derivatives agree with it to the bit.
 */
function derivativeWeights(x: ArrayLike<number>): { a: Float64Array; b: Float64Array; c: Float64Array } {
  const n = x.length;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) {
    const h1 = x[i] - x[i - 1];
    const h2 = x[i + 1] - x[i];
    a[i] = -h2 / (h1 * (h1 + h2));
    b[i] = (h2 - h1) / (h1 * h2);
    c[i] = h1 / (h2 * (h1 + h2));
  }
  {
    const h1 = x[1] - x[0];
    const h2 = x[2] - x[1];
    a[0] = -(2 * h1 + h2) / (h1 * (h1 + h2));
    b[0] = (h1 + h2) / (h1 * h2);
    c[0] = -(h1 / (h2 * (h1 + h2)));
  }
  {
    const h1 = x[n - 2] - x[n - 3];
    const h2 = x[n - 1] - x[n - 2];
    a[n - 1] = h2 / (h1 * (h1 + h2));
    b[n - 1] = -((h1 + h2) / (h1 * h2));
    c[n - 1] = (2 * h2 + h1) / (h2 * (h1 + h2));
  }
  return { a, b, c };
}

/**
 * The per-profile steps of driftVelocity, with their scratch rows. Kept apart from the series loop so that
 * the JIT compiles them after a few profiles of the first call (as one long function they were
 * recompiled several times during the first calls, which then took 3–4 times as long).
 */
class ProfileWork {
  private readonly dCdx: Float64Array;
  private readonly negDcdt: Float64Array;
  private readonly k: Float64Array;
  private readonly invMuC: Float64Array;
  private readonly xw: { a: Float64Array; b: Float64Array; c: Float64Array };
  private readonly tw: { a: Float64Array; b: Float64Array; c: Float64Array };
  private readonly dx: Float64Array;
  /** ∫ dx/(μC) and ∫ (K + D ∂C/∂x)/(μC) dx of the last `integrals` call. */
  a = 0;
  b = 0;
  /** Extremes of the last `velocities` call. */
  peak = 0;
  peakAt = 0;
  vMin = 0;
  vMax = 0;

  constructor(
    private readonly c: Float64Array,
    private readonly nx: number,
    private readonly nt: number,
    xM: ArrayLike<number>,
    timeS: ArrayLike<number>,
    private readonly mobilityPerD: number,
  ) {
    this.dCdx = new Float64Array(nx);
    this.negDcdt = new Float64Array(nx);
    this.k = new Float64Array(nx);
    this.invMuC = new Float64Array(nx);
    // Three-point derivative weights (numerics.gradient's formulas, second order on irregular grids),
    // computed once per grid so that each derivative is three multiply-adds over contiguous rows.
    this.xw = derivativeWeights(xM);
    this.tw = derivativeWeights(timeS);
    this.dx = new Float64Array(nx); // trapezoid: 0.5·(y_i + y_{i−1})·(x_i − x_{i−1})
    for (let i = 1; i < nx; i++) this.dx[i] = xM[i] - xM[i - 1];
  }

  /** K = −∫∂C/∂t dx and the two integrals of the voltage condition for profile t. */
  integrals(t: number, dRow: Float64Array): void {
    const { c: C, nx, nt, negDcdt, dCdx, k: K, invMuC, dx, mobilityPerD } = this;
    const { a: xa, b: xb, c: xc } = this.xw;
    const base = t * nx;
    // −∂C/∂t at time t for every position, from rows t−1, t, t+1 (t, t+1, t+2 and t−2, t−1, t at the ends).
    const tc = t === 0 ? 1 : t === nt - 1 ? nt - 2 : t;
    const wa = this.tw.a[t];
    const wb = this.tw.b[t];
    const wc = this.tw.c[t];
    const r0 = (tc - 1) * nx;
    const r1 = tc * nx;
    const r2 = (tc + 1) * nx;
    for (let i = 0; i < nx; i++) negDcdt[i] = -(wa * C[r0 + i] + wb * C[r1 + i] + wc * C[r2 + i]);
    // ∂C/∂x along the profile.
    for (let i = 1; i < nx - 1; i++)
      dCdx[i] = xa[i] * C[base + i - 1] + xb[i] * C[base + i] + xc[i] * C[base + i + 1];
    dCdx[0] = xa[0] * C[base] + xb[0] * C[base + 1] + xc[0] * C[base + 2];
    dCdx[nx - 1] =
      xa[nx - 1] * C[base + nx - 3] + xb[nx - 1] * C[base + nx - 2] + xc[nx - 1] * C[base + nx - 1];
    // K (running trapezoid of −∂C/∂t) and the two integrals, in one pass.
    K[0] = 0;
    let prevInv = 0;
    let prevRest = 0;
    let A = 0;
    let B = 0;
    for (let i = 0; i < nx; i++) {
      if (i > 0) K[i] = K[i - 1] + 0.5 * (negDcdt[i] + negDcdt[i - 1]) * dx[i];
      const D = dRow[i];
      // One division per sample here and one in `velocities`: (K + D ∂C/∂x)/(μC) and
      // E = −(J + D ∂C/∂x)/(μC) use the reciprocal (agreement with dividing: a few units in the last place).
      const inv = 1 / (mobilityPerD * D * C[base + i]);
      invMuC[i] = inv;
      const rest = (K[i] + D * dCdx[i]) * inv;
      if (i > 0) {
        A += 0.5 * (inv + prevInv) * dx[i];
        B += 0.5 * (rest + prevRest) * dx[i];
      }
      prevInv = inv;
      prevRest = rest;
    }
    this.a = A;
    this.b = B;
  }

  /** v, J and E of profile t for the boundary flux J0 (after `integrals(t)`). */
  velocities(
    t: number,
    j0: number,
    dRow: Float64Array,
    velocity: Float64Array,
    flux: Float64Array,
    field: Float64Array,
  ): void {
    const { c: C, nx, dCdx, k: K, invMuC } = this;
    const base = t * nx;
    let vMin = Infinity;
    let vMax = -Infinity;
    let peak = 0;
    let peakAt = 0;
    for (let i = 0; i < nx; i++) {
      const J = j0 + K[i];
      const total = J + dRow[i] * dCdx[i]; // J + D ∂C/∂x = v·C
      const v = (total / C[base + i]) * UM_PER_H_PER_M_PER_S;
      velocity[base + i] = v;
      flux[base + i] = J;
      field[base + i] = -total * invMuC[i];
      vMin = Math.min(vMin, v);
      vMax = Math.max(vMax, v);
      if (Math.abs(v) > Math.abs(peak)) {
        peak = v;
        peakAt = i;
      }
    }
    this.peak = peak;
    this.peakAt = peakAt;
    this.vMin = vMin;
    this.vMax = vMax;
  }
}
