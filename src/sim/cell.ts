/**
 * The virtual lithium metal cell: a symmetric Li‖Li cell cycled by a protocol of rest, constant-current
 * plating/stripping and constant-voltage holds. It answers, for any time since the protocol start, the
 * current, the charge passed, the cell voltage and the lithium inventory of the observed (working)
 * electrode by morphology. The spectrometer simulator turns that inventory into NMR line areas and the
 * cycler simulator samples current and voltage from the same object, so both describe one experiment.
 *
 * Conventions
 * - Time `timeS` is seconds since the start of the protocol (t = 0 is the start of the first step).
 * - Signed current `currentMA` > 0 plates lithium onto the working electrode, < 0 strips it.
 * - Voltage is working minus counter electrode; Li‖Li has OCV 0 V, so plating gives V < 0.
 * - Charge `chargeMAh` = ∫ current dt (net plated charge), exact for every step kind: CC steps are linear in
 *   time, holds decay exponentially and are integrated in closed form.
 * - Inventory is in mAh-equivalents of lithium (1 mAh ≙ 3.6 C ≙ 37.3 µmol Li).
 *
 * Model (simple but physically sensible; every constant is a named parameter below)
 * - Voltage: V = −(I·R + 2·(2RT/F)·asinh(j/(2 j0))) for two identical Li interfaces with a symmetric
 *   Butler–Volmer exchange current density j0 (α = 0.5), plus a nucleation overpotential that decays after
 *   plating begins (large on a surface without deposits, small when deposits exist), plus a depletion
 *   overpotential when the strippable deposit runs out (the voltage rise at the end of stripping), and an
 *   exponential relaxation towards 0 V at rest.
 * - Plating: a fraction `seiFraction` of the charge is consumed by interphase (SEI) formation; the rest is
 *   split into dense, mossy and dendritic deposits with fractions that grow towards mossy/dendritic with
 *   current density and cycle number (the trend reported for in situ ⁷Li NMR of Li metal).
 * - Stripping: removal from morphology m is proportional to w_m·A_m (high-surface-area deposits dissolve
 *   preferentially); a fraction d_m of what leaves a morphology is electrically disconnected and stays as
 *   dead lithium. Closed form: A_m(s) = A_m0·s^(w_m/(1−d_m)) with s from 1 to 0, the charge stripped is
 *   Σ(1−d_m)(A_m0 − A_m(s)). Once the deposits are exhausted, further stripping comes from the bulk of
 *   the electrode, which is invisible to NMR beyond the skin depth (`bulkStrippedMAh`).
 * - Pristine electrode: only the skin-depth layer is seen by NMR, so its signal is constant.
 *
 * Conservation (exact up to rounding): dense + mossy + dendritic + dead + sei − bulkStripped = chargeMAh.
 *
 * Use
 *   const cell = createCell(operandoProtocol(), { areaCm2: 1 });
 *   const s = cell.state(3600);           // s.currentMA, s.voltageV, s.chargeMAh, s.inventory, s.stepIndex …
 *   cell.steps                            // start/end of every step, for step/cycle columns of a cycler file
 * The cell of a simulated series is `planOperando(options).cell`; truth.json stores `cell.protocol` and
 * `cell.params`, so `createCell(truth.cell.protocol, truth.cell.params)` rebuilds the very same cell.
 */
import { FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K, SECONDS_PER_HOUR } from '../core/constants.js';
import { ParameterError } from '../core/errors.js';
import { createRng } from './random.js';

/** One step of a cycling protocol. Currents are magnitudes (mA); the step kind gives the direction. */
export type CellStep =
  | { readonly kind: 'rest'; readonly durationS: number }
  | { readonly kind: 'plate'; readonly currentMA: number; readonly durationS: number }
  | { readonly kind: 'strip'; readonly currentMA: number; readonly durationS: number }
  | { readonly kind: 'hold'; readonly voltageV: number; readonly durationS: number };

export type StepKind = CellStep['kind'];

/** How plating charge is split among morphologies (fractions of the charge not consumed by SEI). */
export interface MorphologyModel {
  /** Mossy fraction at vanishing current density, first cycle. */
  readonly mossyBase: number;
  /** Extra mossy fraction reached at high current density (saturating as j/(j + scale)). */
  readonly mossyCurrentGain: number;
  /** Current density at which half of `mossyCurrentGain` is reached, mA cm⁻². */
  readonly mossyCurrentScaleMAPerCm2: number;
  /** Relative growth of the mossy fraction per additional cycle. */
  readonly mossyPerCycle: number;
  readonly mossyMax: number;
  readonly dendriticBase: number;
  readonly dendriticCurrentGain: number;
  readonly dendriticCurrentScaleMAPerCm2: number;
  readonly dendriticPerCycle: number;
  readonly dendriticMax: number;
}

export interface CellParameters {
  /** Electrode area, cm². */
  readonly areaCm2: number;
  readonly temperatureK: number;
  /** Ohmic resistance of electrolyte, separator and contacts, Ω. */
  readonly resistanceOhm: number;
  /** Exchange current density of the Li/electrolyte interface, mA cm⁻². */
  readonly exchangeCurrentDensityMAPerCm2: number;
  /** Extra overpotential at the start of plating onto a surface without deposits, V. */
  readonly nucleationOverpotentialV: number;
  /** Same, when deposits are already present (nucleation is easier on existing Li), V. */
  readonly renucleationOverpotentialV: number;
  /** Decay time of the nucleation overpotential, s. */
  readonly nucleationTimeS: number;
  /** Voltage rise when the strippable deposit is exhausted (stripping then pits the bulk), V. */
  readonly depletionOverpotentialV: number;
  /** Areal deposit below which the depletion overpotential sets in, mAh cm⁻². */
  readonly depletionScaleMAhPerCm2: number;
  /** Relaxation time of the voltage towards OCV at rest, s. */
  readonly relaxationTimeS: number;
  /** Decay time of the current during a plating hold, s (stripping holds decay by inventory). */
  readonly platingHoldTimeConstantS: number;
  /**
   * NMR-visible lithium of the pristine electrode(s), mAh-equivalents. Only the skin-depth layer counts:
   * ≈12 µm at 155 MHz for Li, and dense Li holds ≈1 mAh cm⁻² per 5 µm, hence ≈2.5 mAh per cm² of face.
   */
  readonly pristineMAh: number;
  /** Lithium in the electrolyte seen as the diamagnetic line, mAh-equivalents. */
  readonly electrolyteMAh: number;
  /** Fraction of plating charge consumed by interphase (SEI) formation. */
  readonly seiFraction: number;
  readonly morphology: MorphologyModel;
  /** Fraction of stripped deposit of each morphology that becomes dead (disconnected) lithium. */
  readonly deadFraction: { readonly dense: number; readonly mossy: number; readonly dendritic: number };
  /** Relative stripping rate per unit amount (high surface area dissolves first). */
  readonly stripWeight: { readonly dense: number; readonly mossy: number; readonly dendritic: number };
}

export const DEFAULT_MORPHOLOGY: MorphologyModel = {
  mossyBase: 0.12,
  mossyCurrentGain: 0.2,
  mossyCurrentScaleMAPerCm2: 1,
  mossyPerCycle: 0.25,
  mossyMax: 0.6,
  dendriticBase: 0.02,
  dendriticCurrentGain: 0.12,
  dendriticCurrentScaleMAPerCm2: 2,
  dendriticPerCycle: 0.35,
  dendriticMax: 0.3,
};

export const DEFAULT_CELL: CellParameters = {
  areaCm2: 1,
  temperatureK: 298.15,
  resistanceOhm: 10,
  exchangeCurrentDensityMAPerCm2: 0.5,
  nucleationOverpotentialV: 0.06,
  renucleationOverpotentialV: 0.015,
  nucleationTimeS: 90,
  depletionOverpotentialV: 0.25,
  depletionScaleMAhPerCm2: 0.02,
  relaxationTimeS: 120,
  platingHoldTimeConstantS: 3600,
  pristineMAh: 2.5,
  electrolyteMAh: 0.8,
  seiFraction: 0.03,
  morphology: DEFAULT_MORPHOLOGY,
  deadFraction: { dense: 0.02, mossy: 0.15, dendritic: 0.3 },
  stripWeight: { dense: 1, mossy: 3, dendritic: 6 },
};

/** Lithium inventory of the observed electrode and electrolyte, mAh-equivalents. */
export interface Inventory {
  readonly pristine: number;
  readonly dense: number;
  readonly mossy: number;
  readonly dendritic: number;
  /** Electrically disconnected metal: still metallic, still NMR-visible, never stripped again. */
  readonly dead: number;
  /** Lithium bound in the interphase (diamagnetic). */
  readonly sei: number;
  /** Lithium in the electrolyte (diamagnetic, constant). */
  readonly electrolyte: number;
  /** Charge stripped from the bulk electrode once the deposits ran out (invisible to NMR). */
  readonly bulkStripped: number;
}

export interface CellState {
  readonly timeS: number;
  /** Index of the protocol step that contains timeS (the later one at a boundary). */
  readonly stepIndex: number;
  readonly stepKind: StepKind;
  /** Plating steps so far, counting the current one (0 before the first plating). */
  readonly cycle: number;
  /** Signed current: > 0 plating onto the working electrode, mA. */
  readonly currentMA: number;
  readonly voltageV: number;
  /** Net charge passed, ∫ current dt, mAh. */
  readonly chargeMAh: number;
  /** Total plated charge so far, mAh. */
  readonly platedMAh: number;
  /** Total stripped charge so far (magnitude), mAh. */
  readonly strippedMAh: number;
  readonly inventory: Inventory;
  /** All metal seen by NMR: pristine + dense + mossy + dendritic + dead, mAh-equivalents. */
  readonly metalMAh: number;
}

/** Time span of one protocol step. */
export interface StepSpan {
  readonly index: number;
  readonly kind: StepKind;
  readonly startS: number;
  readonly endS: number;
  readonly cycle: number;
  /** Signed current at the start of the step, mA. */
  readonly startCurrentMA: number;
}

export interface VirtualCell {
  readonly params: CellParameters;
  readonly protocol: readonly CellStep[];
  readonly steps: readonly StepSpan[];
  readonly durationS: number;
  /** The cell at `timeS` seconds after the protocol start (0 ≤ timeS ≤ durationS). */
  state(timeS: number): CellState;
}

interface Deposits {
  dense: number;
  mossy: number;
  dendritic: number;
  dead: number;
  sei: number;
  bulkStripped: number;
}

interface StepPlan {
  span: StepSpan;
  step: CellStep;
  /** Deposits at the start of the step. */
  start: Deposits;
  platedBefore: number;
  strippedBefore: number;
  chargeBefore: number;
  /** Voltage at the end of the previous step (rest relaxes from it). */
  previousVoltageV: number;
  /** Plating split (plate steps). */
  fractions: { dense: number; mossy: number; dendritic: number };
  /** Hold: signed initial current (mA) and decay time (s). */
  holdCurrentMA: number;
  holdTauS: number;
  /** Nucleation overpotential amplitude for this plating step, V. */
  nucleationV: number;
}

const MORPHS = ['dense', 'mossy', 'dendritic'] as const;

function checkPositive(name: string, value: number, allowZero = false): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ParameterError('must be a finite number ' + (allowZero ? '≥ 0' : '> 0'), {
      field: name,
      found: value,
    });
  }
}

function checkFraction(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    throw new ParameterError('must be a fraction in [0, 1)', { field: name, found: value });
  }
}

function validate(protocol: readonly CellStep[], p: CellParameters): void {
  if (protocol.length === 0)
    throw new ParameterError('protocol has no steps', { field: 'protocol', expected: 'at least one step' });
  checkPositive('areaCm2', p.areaCm2);
  checkPositive('temperatureK', p.temperatureK);
  checkPositive('resistanceOhm', p.resistanceOhm, true);
  checkPositive('exchangeCurrentDensityMAPerCm2', p.exchangeCurrentDensityMAPerCm2);
  checkPositive('nucleationTimeS', p.nucleationTimeS);
  checkPositive('relaxationTimeS', p.relaxationTimeS);
  checkPositive('platingHoldTimeConstantS', p.platingHoldTimeConstantS);
  checkPositive('depletionScaleMAhPerCm2', p.depletionScaleMAhPerCm2);
  checkPositive('pristineMAh', p.pristineMAh, true);
  checkPositive('electrolyteMAh', p.electrolyteMAh, true);
  checkFraction('seiFraction', p.seiFraction);
  for (const m of MORPHS) {
    checkFraction(`deadFraction.${m}`, p.deadFraction[m]);
    checkPositive(`stripWeight.${m}`, p.stripWeight[m]);
  }
  protocol.forEach((s, i) => {
    checkPositive(`protocol[${i}].durationS`, s.durationS);
    if (s.kind === 'plate' || s.kind === 'strip') checkPositive(`protocol[${i}].currentMA`, s.currentMA);
    else if (s.kind === 'hold' && !Number.isFinite(s.voltageV)) {
      throw new ParameterError('hold voltage must be finite', {
        field: `protocol[${i}].voltageV`,
        found: s.voltageV,
      });
    }
  });
}

/** Plating split for a current density (mA cm⁻²) in a given cycle (1-based). */
export function platingFractions(
  model: MorphologyModel,
  currentDensityMAPerCm2: number,
  cycle: number,
): { dense: number; mossy: number; dendritic: number } {
  const j = Math.abs(currentDensityMAPerCm2);
  const n = Math.max(1, cycle);
  const mossy = Math.min(
    model.mossyMax,
    (model.mossyBase + (model.mossyCurrentGain * j) / (j + model.mossyCurrentScaleMAPerCm2)) *
      (1 + model.mossyPerCycle * (n - 1)),
  );
  const dendritic = Math.min(
    model.dendriticMax,
    (model.dendriticBase + (model.dendriticCurrentGain * j) / (j + model.dendriticCurrentScaleMAPerCm2)) *
      (1 + model.dendriticPerCycle * (n - 1)),
  );
  const dense = Math.max(0, 1 - mossy - dendritic);
  const sum = dense + mossy + dendritic;
  return { dense: dense / sum, mossy: mossy / sum, dendritic: dendritic / sum };
}

/** Kinetic + ohmic overpotential magnitude for a signed current, V (odd and increasing in current). */
function polarizationV(p: CellParameters, currentMA: number): number {
  const thermalV = (GAS_CONSTANT_J_PER_MOL_K * p.temperatureK) / FARADAY_C_PER_MOL;
  const j = currentMA / p.areaCm2;
  // Two interfaces (working and counter), each η = (2RT/F)·asinh(j / 2j0) for α = 0.5.
  return (
    (currentMA / 1000) * p.resistanceOhm +
    2 * 2 * thermalV * Math.asinh(j / (2 * p.exchangeCurrentDensityMAPerCm2))
  );
}

/** Inverts polarizationV by bisection: the signed current (mA) that gives cell voltage `voltageV`. */
function currentForVoltage(p: CellParameters, voltageV: number): number {
  // V = −polarization(I); polarization is odd and monotone, so bracket and bisect.
  const target = -voltageV;
  let lo = -1;
  let hi = 1;
  while (polarizationV(p, lo) > target) lo *= 2;
  while (polarizationV(p, hi) < target) hi *= 2;
  for (let k = 0; k < 200; k++) {
    const mid = 0.5 * (lo + hi);
    if (polarizationV(p, mid) < target) lo = mid;
    else hi = mid;
    if (hi - lo <= 1e-15 * Math.max(1, Math.abs(mid))) break;
  }
  return 0.5 * (lo + hi);
}

/** Charge that can still be stripped from the deposits (what does not turn dead), mAh. */
function strippable(p: CellParameters, d: Deposits): number {
  return MORPHS.reduce((acc, m) => acc + (1 - p.deadFraction[m]) * d[m], 0);
}

function plate(p: CellParameters, d: Deposits, chargeMAh: number, f: StepPlan['fractions']): Deposits {
  const sei = p.seiFraction * chargeMAh;
  const metal = chargeMAh - sei;
  return {
    dense: d.dense + f.dense * metal,
    mossy: d.mossy + f.mossy * metal,
    dendritic: d.dendritic + f.dendritic * metal,
    dead: d.dead,
    sei: d.sei + sei,
    bulkStripped: d.bulkStripped,
  };
}

/** Removes `chargeMAh` (> 0) by stripping; see the closed form in the file comment. */
function strip(p: CellParameters, d: Deposits, chargeMAh: number): Deposits {
  if (chargeMAh <= 0) return { ...d };
  const available = strippable(p, d);
  if (chargeMAh >= available) {
    // Deposits exhausted: the dead part of what was left stays, the rest of the charge comes from the bulk.
    const deadAdded = MORPHS.reduce((acc, m) => acc + p.deadFraction[m] * d[m], 0);
    return {
      dense: 0,
      mossy: 0,
      dendritic: 0,
      dead: d.dead + deadAdded,
      sei: d.sei,
      bulkStripped: d.bulkStripped + (chargeMAh - available),
    };
  }
  const exponent = (m: (typeof MORPHS)[number]) => p.stripWeight[m] / (1 - p.deadFraction[m]);
  const removedCharge = (s: number) =>
    MORPHS.reduce((acc, m) => acc + (1 - p.deadFraction[m]) * d[m] * (1 - Math.pow(s, exponent(m))), 0);
  // removedCharge decreases monotonically from `available` at s = 0 to 0 at s = 1.
  let lo = 0;
  let hi = 1;
  for (let k = 0; k < 200 && hi - lo > 1e-16; k++) {
    const mid = 0.5 * (lo + hi);
    if (removedCharge(mid) > chargeMAh) lo = mid;
    else hi = mid;
  }
  const s = 0.5 * (lo + hi);
  const next = { dense: 0, mossy: 0, dendritic: 0 };
  let removedTotal = 0;
  for (const m of MORPHS) {
    next[m] = d[m] * Math.pow(s, exponent(m));
    removedTotal += d[m] - next[m];
  }
  // Dead lithium takes whatever was removed but not passed as charge: keeps the charge balance exact.
  return { ...next, dead: d.dead + (removedTotal - chargeMAh), sei: d.sei, bulkStripped: d.bulkStripped };
}

function activeMAh(d: Deposits): number {
  return d.dense + d.mossy + d.dendritic;
}

/** Signed current and charge passed `tau` seconds into a step. */
function stepCurrentAndCharge(plan: StepPlan, tau: number): { currentMA: number; chargeMAh: number } {
  const s = plan.step;
  switch (s.kind) {
    case 'rest':
      return { currentMA: 0, chargeMAh: 0 };
    case 'plate':
      return { currentMA: s.currentMA, chargeMAh: (s.currentMA * tau) / SECONDS_PER_HOUR };
    case 'strip':
      return { currentMA: -s.currentMA, chargeMAh: (-s.currentMA * tau) / SECONDS_PER_HOUR };
    case 'hold': {
      const i0 = plan.holdCurrentMA;
      if (i0 === 0) return { currentMA: 0, chargeMAh: 0 };
      const decay = Math.exp(-tau / plan.holdTauS);
      // ∫0^τ i0·e^(−t/T) dt = i0·T·(1 − e^(−τ/T)); −expm1 keeps precision for small τ.
      return {
        currentMA: i0 * decay,
        chargeMAh: (i0 * plan.holdTauS * -Math.expm1(-tau / plan.holdTauS)) / SECONDS_PER_HOUR,
      };
    }
  }
}

function depositsAfter(p: CellParameters, plan: StepPlan, chargeMAh: number): Deposits {
  if (chargeMAh > 0) return plate(p, plan.start, chargeMAh, plan.fractions);
  if (chargeMAh < 0) return strip(p, plan.start, -chargeMAh);
  return { ...plan.start };
}

function voltageAt(
  p: CellParameters,
  plan: StepPlan,
  tau: number,
  currentMA: number,
  deposits: Deposits,
): number {
  const s = plan.step;
  switch (s.kind) {
    case 'rest':
      return plan.previousVoltageV * Math.exp(-tau / p.relaxationTimeS);
    case 'hold':
      return s.voltageV;
    case 'plate':
      return -polarizationV(p, currentMA) - plan.nucleationV * Math.exp(-tau / p.nucleationTimeS);
    case 'strip': {
      const areal = activeMAh(deposits) / p.areaCm2;
      const scale = p.depletionScaleMAhPerCm2;
      return -polarizationV(p, currentMA) + (p.depletionOverpotentialV * scale) / (areal + scale);
    }
  }
}

/**
 * Builds a virtual cell for a protocol. Parameters not given take DEFAULT_CELL values. Throws
 * ParameterError for an empty protocol, non-positive durations or currents, or fractions outside [0, 1).
 */
export function createCell(protocol: readonly CellStep[], params: Partial<CellParameters> = {}): VirtualCell {
  const p: CellParameters = { ...DEFAULT_CELL, ...params };
  validate(protocol, p);
  const plans: StepPlan[] = [];
  let deposits: Deposits = { dense: 0, mossy: 0, dendritic: 0, dead: 0, sei: 0, bulkStripped: 0 };
  let t = 0;
  let cycle = 0;
  let plated = 0;
  let stripped = 0;
  let charge = 0;
  let lastVoltage = 0;
  protocol.forEach((step, index) => {
    if (step.kind === 'plate') cycle += 1;
    const plan: StepPlan = {
      span: { index, kind: step.kind, startS: t, endS: t + step.durationS, cycle, startCurrentMA: 0 },
      step,
      start: { ...deposits },
      platedBefore: plated,
      strippedBefore: stripped,
      chargeBefore: charge,
      previousVoltageV: lastVoltage,
      fractions: platingFractions(
        p.morphology,
        step.kind === 'plate' ? step.currentMA / p.areaCm2 : 0,
        Math.max(cycle, 1),
      ),
      holdCurrentMA: 0,
      holdTauS: 1,
      nucleationV: activeMAh(deposits) > 0 ? p.renucleationOverpotentialV : p.nucleationOverpotentialV,
    };
    if (step.kind === 'hold') {
      const i0 = currentForVoltage(p, step.voltageV);
      if (i0 < 0) {
        // A stripping hold removes the strippable deposit and no more: τ = Q/|i0| makes ∫0^∞ i dt = Q.
        const q = strippable(p, deposits);
        plan.holdCurrentMA = q > 0 ? i0 : 0;
        plan.holdTauS = q > 0 ? (q * SECONDS_PER_HOUR) / -i0 : 1;
      } else {
        plan.holdCurrentMA = i0;
        plan.holdTauS = p.platingHoldTimeConstantS;
      }
    }
    const startIc = stepCurrentAndCharge(plan, 0);
    plan.span = { ...plan.span, startCurrentMA: startIc.currentMA };
    const end = stepCurrentAndCharge(plan, step.durationS);
    const endDeposits = depositsAfter(p, plan, end.chargeMAh);
    lastVoltage = voltageAt(p, plan, step.durationS, end.currentMA, endDeposits);
    if (end.chargeMAh > 0) plated += end.chargeMAh;
    else stripped -= end.chargeMAh;
    charge += end.chargeMAh;
    deposits = endDeposits;
    t += step.durationS;
    plans.push(plan);
  });
  const durationS = t;

  function state(timeS: number): CellState {
    if (!Number.isFinite(timeS) || timeS < 0 || timeS > durationS) {
      throw new ParameterError('time outside the protocol', {
        field: 'timeS',
        found: timeS,
        expected: `0…${durationS} s`,
      });
    }
    // Binary search for the step that contains timeS (the later one at a boundary, except at the very end).
    let lo = 0;
    let hi = plans.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (plans[mid].span.startS <= timeS) lo = mid;
      else hi = mid - 1;
    }
    const plan = plans[lo];
    const tau = Math.min(timeS - plan.span.startS, plan.step.durationS);
    const { currentMA, chargeMAh } = stepCurrentAndCharge(plan, tau);
    const d = depositsAfter(p, plan, chargeMAh);
    const inventory: Inventory = {
      pristine: p.pristineMAh,
      dense: d.dense,
      mossy: d.mossy,
      dendritic: d.dendritic,
      dead: d.dead,
      sei: d.sei,
      electrolyte: p.electrolyteMAh,
      bulkStripped: d.bulkStripped,
    };
    return {
      timeS,
      stepIndex: plan.span.index,
      stepKind: plan.step.kind,
      cycle: plan.span.cycle,
      currentMA,
      voltageV: voltageAt(p, plan, tau, currentMA, d),
      chargeMAh: plan.chargeBefore + chargeMAh,
      platedMAh: plan.platedBefore + Math.max(0, chargeMAh),
      strippedMAh: plan.strippedBefore + Math.max(0, -chargeMAh),
      inventory,
      metalMAh: inventory.pristine + d.dense + d.mossy + d.dendritic + d.dead,
    };
  }

  return { params: p, protocol, steps: plans.map((x) => x.span), durationS, state };
}

const MINUTE = 60;
const HOUR = 3600;

/**
 * The standard operando protocol of the demo and `spincell simulate operando` (8 h): OCV, plating at
 * 1 mA cm⁻², rest, stripping past the reversible inventory (voltage rise), rest, plating at 2 mA cm⁻²,
 * rest, a stripping hold at +0.3 V that removes all reversible lithium, and a final rest. Currents scale
 * with `areaCm2`.
 */
export function operandoProtocol(areaCm2 = 1): CellStep[] {
  return [
    { kind: 'rest', durationS: 30 * MINUTE },
    { kind: 'plate', currentMA: 1 * areaCm2, durationS: 2 * HOUR },
    { kind: 'rest', durationS: 15 * MINUTE },
    { kind: 'strip', currentMA: 1 * areaCm2, durationS: 2 * HOUR },
    { kind: 'rest', durationS: 15 * MINUTE },
    { kind: 'plate', currentMA: 2 * areaCm2, durationS: 1 * HOUR },
    { kind: 'rest', durationS: 15 * MINUTE },
    { kind: 'hold', voltageV: 0.3, durationS: 1.5 * HOUR },
    { kind: 'rest', durationS: 15 * MINUTE },
  ];
}

/**
 * Cell-to-cell variation: a copy of `base` with resistance, exchange current density and the mossy and
 * dendritic tendencies jittered by a relative standard deviation `spread` (default 10 %), reproducibly
 * from `seed`. Use it to make replicate cells.
 */
export function variantCell(
  base: Partial<CellParameters>,
  seed: number,
  spread = 0.1,
): Partial<CellParameters> {
  const rng = createRng(seed);
  const full: CellParameters = { ...DEFAULT_CELL, ...base };
  // Log-normal factors keep every parameter positive.
  const factor = () => Math.exp(spread * rng.normal());
  return {
    ...base,
    resistanceOhm: full.resistanceOhm * factor(),
    exchangeCurrentDensityMAPerCm2: full.exchangeCurrentDensityMAPerCm2 * factor(),
    morphology: {
      ...full.morphology,
      mossyBase: full.morphology.mossyBase * factor(),
      dendriticBase: full.morphology.dendriticBase * factor(),
    },
  };
}
