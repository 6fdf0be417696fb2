/**
 * Sand's time (Thienenkamp et al. 2024, eq 9): the time after which galvanostatic plating has emptied the electrolyte at
 * the electrode surface of salt, so that mass transport (not kinetics) limits the reaction.
 *
 *   τ_s = π D (C0 e / (2 i t_a))²
 *
 * with D the ambipolar (salt) diffusion coefficient, C0 the particle density, e the elementary charge,
 * i the current density and t_a the anion transport number. With C0 in mol m⁻³, C0·e·N_A = C0·F.
 *
 * Only diffusion toward the electrode is counted (no migration term), which is why the paper finds the
 * measured voltage rise of the high-voltage Li‖NMC622 cell later than τ_s.
 */
import { FARADAY_C_PER_MOL } from '../core/constants.js';
import { ParameterError } from '../core/errors.js';

export interface SandInput {
  /** Ambipolar (salt) diffusion coefficient, m² s⁻¹. */
  readonly dAmbipolarM2PerS: number;
  /** Bulk salt concentration, mol m⁻³. */
  readonly c0MolM3: number;
  /** Current density, A m⁻² (1 mA cm⁻² = 10 A m⁻²). */
  readonly currentDensityAPerM2: number;
  /** Anion transport number t_a (0 < t_a < 1). */
  readonly anionTransportNumber: number;
}

function requirePositive(value: number, field: string): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ParameterError('must be a positive finite number', { field, found: value, expected: '> 0' });
  }
}

function requireTransportNumber(ta: number, field = 'anionTransportNumber'): void {
  if (!Number.isFinite(ta) || ta <= 0 || ta >= 1) {
    throw new ParameterError('transport number out of range', { field, found: ta, expected: '0 < t_a < 1' });
  }
}

/** mA cm⁻² → A m⁻². */
export function mAPerCm2ToAPerM2(currentDensityMAPerCm2: number): number {
  return currentDensityMAPerCm2 * 10;
}

/** Sand's time in seconds (Thienenkamp et al. 2024, eq 9). */
export function sandTimeS(input: SandInput): number {
  requirePositive(input.dAmbipolarM2PerS, 'dAmbipolarM2PerS');
  requirePositive(input.c0MolM3, 'c0MolM3');
  requirePositive(Math.abs(input.currentDensityAPerM2), 'currentDensityAPerM2');
  requireTransportNumber(input.anionTransportNumber);
  const chargeDensityCPerM3 = input.c0MolM3 * FARADAY_C_PER_MOL;
  const ratio = chargeDensityCPerM3 / (2 * Math.abs(input.currentDensityAPerM2) * input.anionTransportNumber);
  return Math.PI * input.dAmbipolarM2PerS * ratio * ratio;
}

/**
 * Ambipolar diffusion coefficient of a 1:1 salt from the anion's self-diffusion coefficient and the anion
 * transport number, the route Thienenkamp et al. 2024 describes for its 2.53×10⁻¹³ m² s⁻¹:
 *  1. Nernst–Einstein makes transport numbers proportional to diffusion coefficients for monovalent ions,
 *     t_a = D_a/(D_a + D_c), hence D_c = D_a (1 − t_a)/t_a;
 *  2. D_amb = 2 D_a D_c/(D_a + D_c), which simplifies to 2 D_a (1 − t_a).
 * The paper's rounded D_a = 1.3×10⁻¹² with t_a = 0.9 gives 2.6×10⁻¹³ (its 2.53×10⁻¹³ corresponds to
 * D_a = 1.265×10⁻¹², which rounds to the quoted 1.3×10⁻¹²).
 */
export function ambipolarFromAnionDiffusion(dAnionM2PerS: number, anionTransportNumber: number): number {
  requirePositive(dAnionM2PerS, 'dAnionM2PerS');
  requireTransportNumber(anionTransportNumber);
  const dCationM2PerS = (dAnionM2PerS * (1 - anionTransportNumber)) / anionTransportNumber;
  return (2 * dAnionM2PerS * dCationM2PerS) / (dAnionM2PerS + dCationM2PerS);
}

export interface SandOnsetComparison {
  readonly sandTimeS: number;
  readonly onsetTimeS: number;
  /** onset − τ_s, s: positive when the voltage rose after Sand's time. */
  readonly differenceS: number;
  /** onset / τ_s. */
  readonly ratio: number;
}

/**
 * Compares τ_s with a measured onset of mass-transport limitation (the sudden voltage rise during the
 * constant-current step; Thienenkamp et al. 2024 reports 90 min for Li‖Li and 135 min for Li‖NMC622).
 */
export function compareWithOnset(sandS: number, onsetTimeS: number): SandOnsetComparison {
  requirePositive(sandS, 'sandTimeS');
  if (!Number.isFinite(onsetTimeS) || onsetTimeS < 0) {
    throw new ParameterError('onset time must be a non-negative number', {
      field: 'onsetTimeS',
      found: onsetTimeS,
      expected: '≥ 0 s',
    });
  }
  return { sandTimeS: sandS, onsetTimeS, differenceS: onsetTimeS - sandS, ratio: onsetTimeS / sandS };
}
