/**
 * Anion drift velocity v_a(x,t) from operando anion concentration profiles (seed 003 eq 1–8).
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
import { cumulativeTrapezoid, gradient, interpolateLinear, trapezoid } from './numerics.js';
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

/** The inversion of seed 003 eq 1–8 described at the top of this file. */
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

  // D and μ at every sample; D(C) throws when the table does not cover a concentration.
  const dField = new Float64Array(nt * nx);
  for (let idx = 0; idx < C.length; idx++) {
    if (!(C[idx] > 0)) {
      throw new DataError('zero or negative concentration in the region of interest', {
        file: series.source,
        field: `time ${series.timeS[Math.floor(idx / nx)]} s, x ${series.xUm[idx % nx]} µm`,
        found: C[idx],
        expected: '> 0 mol m⁻³',
      });
    }
    dField[idx] = diffusion(C[idx]);
  }
  const mobilityPerD = mobilityM2PerVS(1, temperatureK);

  // ∂C/∂t along each position (second order on the possibly irregular profile times).
  const dCdt = new Float64Array(nt * nx);
  const col = new Float64Array(nt);
  for (let i = 0; i < nx; i++) {
    gradient(C, series.timeS, col, i, nx);
    for (let k = 0; k < nt; k++) dCdt[k * nx + i] = col[k];
  }

  const velocity = new Float64Array(nt * nx);
  const field = new Float64Array(nt * nx);
  const flux = new Float64Array(nt * nx);
  const perTime: DriftTimeSummary[] = [];
  const dCdx = new Float64Array(nx);
  const K = new Float64Array(nx);
  const invMuC = new Float64Array(nx);
  const rest = new Float64Array(nx);
  const negDcdt = new Float64Array(nx);
  let best: DriftExtreme = { velocityUmPerH: 0, timeS: series.timeS[0], xUm: series.xUm[0] };
  let bestInterior: DriftExtreme = best;

  for (let k = 0; k < nt; k++) {
    const row = C.subarray(k * nx, (k + 1) * nx);
    gradient(row, xM, dCdx);
    for (let i = 0; i < nx; i++) negDcdt[i] = -dCdt[k * nx + i];
    cumulativeTrapezoid(negDcdt, xM, K);
    for (let i = 0; i < nx; i++) {
      const D = dField[k * nx + i];
      const muC = mobilityPerD * D * row[i];
      invMuC[i] = 1 / muC;
      rest[i] = (K[i] + D * dCdx[i]) / muC;
    }
    const A = trapezoid(invMuC, xM);
    const B = trapezoid(rest, xM);
    const J0 = (voltageV[k] - B) / A;
    if (!Number.isFinite(J0)) {
      throw new NumericalError('boundary flux is not finite', {
        file: series.source,
        field: `time ${series.timeS[k]} s`,
        found: J0,
        expected: 'a finite flux',
      });
    }
    let vMin = Infinity;
    let vMax = -Infinity;
    let peak = 0;
    for (let i = 0; i < nx; i++) {
      const D = dField[k * nx + i];
      const J = J0 + K[i];
      const vMPerS = (J + D * dCdx[i]) / row[i];
      const v = vMPerS * UM_PER_H_PER_M_PER_S;
      velocity[k * nx + i] = v;
      flux[k * nx + i] = J;
      field[k * nx + i] = -vMPerS / (mobilityPerD * D);
      vMin = Math.min(vMin, v);
      vMax = Math.max(vMax, v);
      if (Math.abs(v) > Math.abs(peak)) peak = v;
      if (Math.abs(v) > Math.abs(best.velocityUmPerH))
        best = { velocityUmPerH: v, timeS: series.timeS[k], xUm: series.xUm[i] };
      if (k > 0 && k < nt - 1 && Math.abs(v) > Math.abs(bestInterior.velocityUmPerH)) {
        bestInterior = { velocityUmPerH: v, timeS: series.timeS[k], xUm: series.xUm[i] };
      }
    }
    const v0 = velocity[k * nx];
    const v1 = velocity[k * nx + nx - 1];
    perTime.push({
      timeS: series.timeS[k],
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
