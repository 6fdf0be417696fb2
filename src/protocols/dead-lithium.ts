/**
 * Dead lithium and capacity allocation in anode-free cells from in situ ⁷Li NMR (Wichmann et al. 2025,
 * Cu‖NMC622 pouch cells; methods digest §3; the quantitative-range check follows Zheng et al. 2024, §1.2, eq 2).
 *
 * Per measured cycle n the cell is observed in three states:
 *   charged      — after the charge (all plated metal on the negative electrode),
 *   discharged   — after the constant-current discharge (excess and dead metal left),
 *   after_cv     — after a constant-voltage discharge that strips every reversible deposit (dead metal only).
 * The steps, each a function below:
 *   1. correctForCathodeSoc: each metal integral × a calibration factor for the cathode's state of charge
 *      at acquisition (the paper: ×1.08 for spectra at 0 % SOC, i.e. discharged and after-CV, against the
 *      charged state; the factor depends on the cell set-up, so it is an input);
 *   2. conversionValue: q = CC discharge capacity / (I_charged − I_discharged), mAh per integral unit;
 *   3. deadMetalCapacity = I_afterCV·q; excessMetalCapacity = (I_discharged − I_afterCV)·q;
 *   4. allocateCapacity: the initial charge capacity = reversible (the cycle's CC discharge) + excess + dead
 *      + interphase (SEI + CEI, the remainder), all cumulative up to cycle n;
 *   5. linearTrend: cumulative losses vs cycle number, slope ± standard error;
 *   6. replicateStatistics: nominally identical cells → mean ± sample standard deviation.
 */
import { DataError, ParameterError } from '../core/errors.js';
import { FARADAY_C_PER_MOL, COULOMB_PER_MAH, VACUUM_PERMEABILITY_N_PER_A2 } from '../core/constants.js';
import { getNucleus, larmorFromProtonMHz } from '../core/nuclei.js';
import type { Cycle, Step } from '../echem/index.js';

// ─── Named parameters ───────────────────────────────────────────────────────────────────────────────

/** Wichmann et al. 2025, Methods: spectra acquired at 0 % SOC are multiplied by 1.08 before comparison with charged-state spectra. */
export const NMC622_ZERO_SOC_FACTOR = 1.08;

/** Calibration factor per acquisition state (dimensionless multipliers of the raw integral). */
export interface SocFactors {
  readonly charged: number;
  readonly discharged: number;
  readonly afterCv: number;
}

/** No correction (a cathode whose state of charge does not change the metal signal). */
export const UNIT_SOC_FACTORS: SocFactors = { charged: 1, discharged: 1, afterCv: 1 };

/** Wichmann et al.'s (2025) correction: charged state is the reference, both 0 % SOC states × 1.08. */
export const NMC622_SOC_FACTORS: SocFactors = {
  charged: 1,
  discharged: NMC622_ZERO_SOC_FACTOR,
  afterCv: NMC622_ZERO_SOC_FACTOR,
};

/** Wichmann et al. 2025: ex situ and operando checks show the metal integral linear in plated capacity up to 2.5 mAh cm⁻². */
export const LINEAR_RANGE_MAH_PER_CM2 = 2.5;

/** Wichmann et al. 2025: ⁷Li at 4.7 T, a 200 MHz (¹H) spectrometer. */
export const SEED_004_PROTON_MHZ = 200;

/** Molar mass, g mol⁻¹ (IUPAC standard atomic weights, abridged) and density at 20 °C, g cm⁻³ (CRC Handbook). */
export const METAL_BULK = {
  Li: { molarMassGPerMol: 6.94, densityGPerCm3: 0.534 },
  Na: { molarMassGPerMol: 22.99, densityGPerCm3: 0.968 },
} as const;

export type Metal = keyof typeof METAL_BULK;

/** Resistivity (Ω m) and relative permeability of the metals in Zheng et al. 2024, Table 2 (its ref. 19), with the nucleus observed. */
export const SKIN_DEPTH_METALS = {
  '6Li': { resistivityOhmM: 9.28e-8, relativePermeability: 1.0000142 },
  '7Li': { resistivityOhmM: 9.28e-8, relativePermeability: 1.0000142 },
  '23Na': { resistivityOhmM: 4.77e-8, relativePermeability: 1.0000085 },
  '25Mg': { resistivityOhmM: 4.39e-8, relativePermeability: 1.0000131 },
  '27Al': { resistivityOhmM: 2.65e-8, relativePermeability: 1.0000165 },
  '39K': { resistivityOhmM: 7.2e-8, relativePermeability: 1.0000208 },
  '63Cu': { resistivityOhmM: 1.68e-8, relativePermeability: 0.9999945 },
  '67Zn': { resistivityOhmM: 5.9e-8, relativePermeability: 0.9999908 },
} as const;

export type SkinDepthNucleus = keyof typeof SKIN_DEPTH_METALS;

// ─── Inputs ─────────────────────────────────────────────────────────────────────────────────────────

export type MetalState = 'charged' | 'discharged' | 'after_cv';
export const METAL_STATES: readonly MetalState[] = ['charged', 'discharged', 'after_cv'];

/** Metal-region integrals of one cycle (any consistent unit), as measured (before SOC correction). */
export interface CycleIntegrals {
  readonly cycle: number;
  readonly charged: number;
  readonly discharged: number;
  readonly afterCv: number;
}

/** One row of an integral table: `cycle,state,integral`. */
export interface IntegralRow {
  readonly cycle: number;
  readonly state: MetalState;
  readonly integral: number;
}

/** Capacities of one cycle, mAh. */
export interface CycleCapacities {
  readonly cycle: number;
  readonly chargeMAh: number;
  /** Constant-current discharge: the charge passed between the charged and discharged spectra. */
  readonly dischargeMAh: number;
  /** Constant-voltage discharge (the excess metal it strips), when known. */
  readonly cvDischargeMAh?: number | null;
}

/** Groups `cycle,state,integral` rows into cycles; every cycle needs all three states exactly once. */
export function integralsFromRows(rows: readonly IntegralRow[], file?: string): CycleIntegrals[] {
  const byCycle = new Map<number, Partial<Record<MetalState, number>>>();
  for (const r of rows) {
    if (!Number.isInteger(r.cycle) || r.cycle < 1)
      throw new DataError('cycle must be a positive integer', {
        file,
        field: 'cycle',
        found: r.cycle,
        expected: '1, 2, 3 …',
      });
    if (!METAL_STATES.includes(r.state))
      throw new DataError('unknown state', {
        file,
        field: `cycle ${r.cycle}, state`,
        found: r.state,
        expected: METAL_STATES.join(' | '),
      });
    const entry = byCycle.get(r.cycle) ?? {};
    if (entry[r.state] !== undefined)
      throw new DataError('state given twice', {
        file,
        field: `cycle ${r.cycle}, ${r.state}`,
        found: [entry[r.state], r.integral],
        expected: 'one integral per cycle and state',
      });
    entry[r.state] = r.integral;
    byCycle.set(r.cycle, entry);
  }
  if (byCycle.size === 0)
    throw new DataError('no integrals', { file, expected: 'rows cycle,state,integral' });
  return [...byCycle.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([cycle, e]) => {
      const missing = METAL_STATES.filter((s) => e[s] === undefined);
      if (missing.length > 0)
        throw new DataError('missing state', {
          file,
          field: `cycle ${cycle}`,
          found: `no ${missing.join(', ')}`,
          expected: 'charged, discharged and after_cv',
        });
      return {
        cycle,
        charged: e.charged as number,
        discharged: e.discharged as number,
        afterCv: e.after_cv as number,
      };
    });
}

/**
 * Capacities per cycle from cycler steps (src/echem): the charge capacity of the cycle, the discharge split
 * into constant-current steps (q's numerator) and constant-voltage steps (the excess metal the CV strips).
 */
export function capacitiesFromCycles(steps: readonly Step[], cycles: readonly Cycle[]): CycleCapacities[] {
  const out: CycleCapacities[] = [];
  for (const c of cycles) {
    if (c.number < 1) continue;
    let cc = 0;
    let cv = 0;
    for (let k = c.firstStep; k <= c.lastStep; k++) {
      const s = steps[k];
      if (s.direction !== 'discharge') continue;
      if (s.type === 'cv') cv += s.capacityMAh;
      else cc += s.capacityMAh;
    }
    out.push({ cycle: c.number, chargeMAh: c.chargeMAh, dischargeMAh: cc, cvDischargeMAh: cv });
  }
  return out;
}

// ─── Steps 1–4 ──────────────────────────────────────────────────────────────────────────────────────

function checkFactors(f: SocFactors): void {
  for (const [k, v] of Object.entries(f)) {
    if (!(Number.isFinite(v) && v > 0))
      throw new ParameterError('SOC calibration factor must be a positive number', {
        field: `socFactors.${k}`,
        found: v,
        expected: '> 0, e.g. 1.08',
      });
  }
}

/** Step 1: integrals × the calibration factor of the cathode state each spectrum was taken in. */
export function correctForCathodeSoc(raw: CycleIntegrals, factors: SocFactors): CycleIntegrals {
  checkFactors(factors);
  return {
    cycle: raw.cycle,
    charged: raw.charged * factors.charged,
    discharged: raw.discharged * factors.discharged,
    afterCv: raw.afterCv * factors.afterCv,
  };
}

/** Step 2: q, the capacity per unit of (SOC-corrected) metal integral: discharge capacity / (I_charged − I_discharged). */
export function conversionValue(
  dischargeMAh: number,
  chargedIntegral: number,
  dischargedIntegral: number,
  cycle?: number,
): number {
  const field = cycle === undefined ? undefined : `cycle ${cycle}`;
  if (!(Number.isFinite(dischargeMAh) && dischargeMAh > 0))
    throw new DataError('discharge capacity must be positive', {
      field,
      found: dischargeMAh,
      expected: '> 0 mAh',
    });
  const stripped = chargedIntegral - dischargedIntegral;
  if (!(stripped > 0)) {
    throw new DataError('charged-state integral not above the discharged one', {
      field,
      found: `I_charged ${chargedIntegral} ≤ I_discharged ${dischargedIntegral} (after SOC correction)`,
      expected: 'I_charged > I_discharged',
    });
  }
  return dischargeMAh / stripped;
}

/** Step 3a: capacity held in dead (electronically isolated) metal, mAh: I_afterCV·q. */
export function deadMetalCapacity(afterCvIntegral: number, q: number): number {
  return afterCvIntegral * q;
}

/** Step 3b: capacity in excess metal — reversible, but left by the kinetically limited CC discharge, mAh. */
export function excessMetalCapacity(dischargedIntegral: number, afterCvIntegral: number, q: number): number {
  return (dischargedIntegral - afterCvIntegral) * q;
}

export interface Allocation {
  readonly reversibleMAh: number;
  readonly excessMAh: number;
  readonly deadMAh: number;
  /** SEI + CEI (the remainder), mAh. */
  readonly interphaseMAh: number;
  /** The same as % of the initial charge capacity. */
  readonly reversiblePercent: number;
  readonly excessPercent: number;
  readonly deadPercent: number;
  readonly interphasePercent: number;
}

/** Step 4: the initial charge capacity split into reversible, excess, dead and (remainder) interphase. */
export function allocateCapacity(
  initialChargeMAh: number,
  reversibleMAh: number,
  excessMAh: number,
  deadMAh: number,
): Allocation {
  if (!(Number.isFinite(initialChargeMAh) && initialChargeMAh > 0))
    throw new DataError('initial charge capacity must be positive', {
      field: 'initialChargeMAh',
      found: initialChargeMAh,
      expected: '> 0 mAh',
    });
  const interphaseMAh = initialChargeMAh - reversibleMAh - excessMAh - deadMAh;
  const pct = (x: number) => (100 * x) / initialChargeMAh;
  return {
    reversibleMAh,
    excessMAh,
    deadMAh,
    interphaseMAh,
    reversiblePercent: pct(reversibleMAh),
    excessPercent: pct(excessMAh),
    deadPercent: pct(deadMAh),
    interphasePercent: pct(interphaseMAh),
  };
}

// ─── Step 5: linear trends ──────────────────────────────────────────────────────────────────────────

export interface LinearTrend {
  /** Per cycle, in the unit of y. */
  readonly slope: number;
  /** Standard error of the slope (s·√(1/Sxx) unweighted; from the given σ when weighted); null with < 3 points. */
  readonly slopeStdErr: number | null;
  readonly intercept: number;
  readonly interceptStdErr: number | null;
  readonly rSquared: number | null;
  readonly points: number;
}

/**
 * Straight line y = a + b·x by (weighted) least squares in closed form (normal equations of a linear model;
 * no iteration needed). With `sigma`, weights 1/σ² and standard errors from σ (absolute); without,
 * standard errors from the residual scatter with n − 2 degrees of freedom.
 */
export function linearTrend(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  sigma?: ArrayLike<number>,
): LinearTrend {
  const n = x.length;
  if (y.length !== n || (sigma && sigma.length !== n))
    throw new ParameterError('x, y and σ differ in length', {
      field: 'linearTrend',
      found: [n, y.length, sigma?.length],
      expected: 'equal lengths',
    });
  if (n < 2)
    throw new DataError('a line needs at least two points', {
      field: 'linearTrend',
      found: n,
      expected: '≥ 2 cycles',
    });
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    const s = sigma ? sigma[i] : 1;
    if (!(s > 0))
      throw new ParameterError('σ must be positive', { field: `sigma[${i}]`, found: s, expected: '> 0' });
    const w = 1 / (s * s);
    sw += w;
    sx += w * x[i];
    sy += w * y[i];
  }
  const mx = sx / sw;
  const my = sy / sw;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const s = sigma ? sigma[i] : 1;
    const w = 1 / (s * s);
    sxx += w * (x[i] - mx) ** 2;
    sxy += w * (x[i] - mx) * (y[i] - my);
    syy += w * (y[i] - my) ** 2;
  }
  if (!(sxx > 0))
    throw new DataError('all points at the same cycle', {
      field: 'linearTrend',
      found: x[0],
      expected: 'at least two different cycles',
    });
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let rss = 0;
  for (let i = 0; i < n; i++) {
    const s = sigma ? sigma[i] : 1;
    rss += ((y[i] - intercept - slope * x[i]) / s) ** 2;
  }
  const dof = n - 2;
  const scale = sigma ? 1 : dof > 0 ? rss / dof : NaN;
  const ok = sigma !== undefined || dof > 0;
  return {
    slope,
    slopeStdErr: ok ? Math.sqrt(scale / sxx) : null,
    intercept,
    interceptStdErr: ok ? Math.sqrt(scale * (1 / sw + (mx * mx) / sxx)) : null,
    rSquared: syy > 0 ? 1 - rss / syy : null,
    points: n,
  };
}

// ─── Quantitative range ─────────────────────────────────────────────────────────────────────────────

/** Zheng et al. 2024, eq 2: skin depth d = √(ρ / (π μ0 μr f)), m. */
export function skinDepthM(resistivityOhmM: number, frequencyHz: number, relativePermeability = 1): number {
  if (!(resistivityOhmM > 0) || !(frequencyHz > 0) || !(relativePermeability > 0)) {
    throw new ParameterError('skin depth needs positive resistivity, frequency and permeability', {
      field: 'skinDepthM',
      found: [resistivityOhmM, frequencyHz, relativePermeability],
      expected: '> 0',
    });
  }
  return Math.sqrt(
    resistivityOhmM / (Math.PI * VACUUM_PERMEABILITY_N_PER_A2 * relativePermeability * frequencyHz),
  );
}

/** Skin depth (µm) of a metal (Zheng et al. 2024, Table 2 properties) at its nucleus' frequency on a spectrometer of `protonMHz`. */
export function metalSkinDepthUm(nucleus: SkinDepthNucleus, protonMHz: number): number {
  const m = SKIN_DEPTH_METALS[nucleus];
  const fHz = larmorFromProtonMHz(getNucleus(nucleus), protonMHz) * 1e6;
  return skinDepthM(m.resistivityOhmM, fHz, m.relativePermeability) * 1e6;
}

/** Thickness of a fully dense metal film holding `mAhPerCm2` (Faraday's law, bulk density), µm. */
export function denseMetalThicknessUm(mAhPerCm2: number, metal: Metal = 'Li'): number {
  const b = METAL_BULK[metal];
  const molPerCm2 = (mAhPerCm2 * COULOMB_PER_MAH) / FARADAY_C_PER_MOL;
  return ((molPerCm2 * b.molarMassGPerMol) / b.densityGPerCm3) * 1e4;
}

export interface QuantitativeRangeCheck {
  readonly metalMAhPerCm2: number;
  readonly denseThicknessUm: number;
  readonly skinDepthUm: number;
  /** Calibrated linear range, mAh cm⁻² (null: none published for this metal, only the skin depth is checked). */
  readonly linearRangeMAhPerCm2: number | null;
  readonly nucleus: '7Li' | '6Li' | '23Na';
  readonly warnings: string[];
}

/** Nuclei the dead-metal protocol can check (the metal follows: Li or Na). */
export type MetalNucleus = '7Li' | '6Li' | '23Na';

/**
 * Whether the largest metal load is inside the range where the integral is proportional to the metal:
 * within the calibrated linear range (Wichmann et al. 2025: 2.5 mAh cm⁻² for Li; none is published for Na, so
 * a Na cell is checked against the skin depth only, unless a range is given) and thinner, as a dense film of
 * the nucleus' metal (density and molar mass of Li or Na), than that metal's skin depth at the nucleus'
 * frequency (a porous deposit is penetrated further, so this is the conservative bound).
 */
export function checkQuantitativeRange(
  metalMAhPerCm2: number,
  options: { protonMHz?: number; linearRangeMAhPerCm2?: number | null; nucleus?: MetalNucleus } = {},
): QuantitativeRangeCheck {
  const nucleus = options.nucleus ?? '7Li';
  if (!['7Li', '6Li', '23Na'].includes(nucleus))
    throw new ParameterError('the dead-metal protocol is for Li or Na metal', {
      field: 'nucleus',
      found: nucleus,
      expected: '7Li, 6Li or 23Na',
    });
  const metal: Metal = nucleus === '23Na' ? 'Na' : 'Li';
  const limit =
    options.linearRangeMAhPerCm2 !== undefined
      ? options.linearRangeMAhPerCm2
      : metal === 'Li'
        ? LINEAR_RANGE_MAH_PER_CM2
        : null;
  const protonMHz = options.protonMHz ?? SEED_004_PROTON_MHZ;
  const thickness = denseMetalThicknessUm(metalMAhPerCm2, metal);
  const skin = metalSkinDepthUm(nucleus, protonMHz);
  const warnings: string[] = [];
  if (limit !== null && metalMAhPerCm2 > limit)
    warnings.push(
      `metal load ${metalMAhPerCm2.toFixed(3)} mAh cm⁻² exceeds the calibrated linear range (${limit} mAh cm⁻²)`,
    );
  if (thickness > skin)
    warnings.push(
      `a dense film of ${metalMAhPerCm2.toFixed(3)} mAh cm⁻² (${thickness.toFixed(1)} µm) is thicker than the ${nucleus} skin depth at ${protonMHz} MHz (${skin.toFixed(1)} µm)`,
    );
  return {
    metalMAhPerCm2,
    denseThicknessUm: thickness,
    skinDepthUm: skin,
    linearRangeMAhPerCm2: limit,
    nucleus,
    warnings,
  };
}

/** The calibration factor that restores an integral that lost `lossFraction` of its intensity: 1/(1 − loss). */
export function socFactorFromIntensityLoss(lossFraction: number): number {
  if (!(lossFraction >= 0 && lossFraction < 1))
    throw new ParameterError('intensity loss must be a fraction in [0, 1)', {
      field: 'lossFraction',
      found: lossFraction,
      expected: '0 ≤ loss < 1',
    });
  return 1 / (1 - lossFraction);
}

// ─── The whole protocol for one cell ────────────────────────────────────────────────────────────────

export interface CycleResult extends Allocation {
  readonly cycle: number;
  /** SOC-corrected integrals. */
  readonly integrals: CycleIntegrals;
  readonly chargeMAh: number;
  readonly dischargeMAh: number;
  /** q, mAh per integral unit. */
  readonly conversionMAhPerIntegral: number;
  /** Metal on the negative electrode in the charged state, mAh (I_charged·q). */
  readonly chargedMetalMAh: number;
  readonly cvDischargeMAh: number | null;
  /** NMR excess − CV capacity, mAh: ≈0 when the CV stripped exactly the excess the spectra show. */
  readonly excessMinusCvMAh: number | null;
  /** Per electrode area (null without an area). */
  readonly deadMAhPerCm2: number | null;
  readonly excessMAhPerCm2: number | null;
  readonly interphaseMAhPerCm2: number | null;
  readonly reversibleMAhPerCm2: number | null;
}

export interface DeadLithiumOptions {
  /** Default: no correction. Wichmann et al. 2025 with NMC622: NMC622_SOC_FACTORS. */
  socFactors?: SocFactors;
  /** Electrode area, cm² (areal capacities and the quantitative-range check). */
  areaCm2?: number;
  /** Default: the charge capacity of the lowest-numbered cycle in the capacity table (cycle 1). */
  initialChargeMAh?: number;
  /** Spectrometer ¹H frequency for the skin-depth check, MHz (default 200, Wichmann et al. 2025). */
  protonMHz?: number;
  /** Observed nucleus: which metal's density and skin depth the range check uses (default 7Li). */
  nucleus?: MetalNucleus;
  /** Calibrated linear range, mAh cm⁻² (default: 2.5 for Li, none for Na). */
  linearRangeMAhPerCm2?: number | null;
  /** Names used in error messages. */
  integralsFile?: string;
  capacitiesFile?: string;
}

export interface DeadLithiumTrends {
  /** Cumulative dead-metal capacity vs cycle. */
  readonly deadMAh: LinearTrend | null;
  /** Cumulative interphase capacity vs cycle. */
  readonly interphaseMAh: LinearTrend | null;
  readonly deadPercent: LinearTrend | null;
  readonly interphasePercent: LinearTrend | null;
}

export interface DeadLithiumResult {
  readonly initialChargeMAh: number;
  readonly initialChargeCycle: number | null;
  readonly socFactors: SocFactors;
  readonly areaCm2: number | null;
  readonly cycles: CycleResult[];
  /** Null entries when fewer than two cycles were measured. */
  readonly trends: DeadLithiumTrends;
  readonly quantitativeRange: QuantitativeRangeCheck | null;
  readonly warnings: string[];
}

function checkIntegrals(raw: CycleIntegrals, file?: string): void {
  for (const [state, v] of [
    ['charged', raw.charged],
    ['discharged', raw.discharged],
    ['after_cv', raw.afterCv],
  ] as const) {
    if (!Number.isFinite(v))
      throw new DataError('integral is not a finite number', {
        file,
        field: `cycle ${raw.cycle}, ${state}`,
        found: String(v),
        expected: 'a finite number',
      });
    if (v < 0)
      throw new DataError('negative metal integral', {
        file,
        field: `cycle ${raw.cycle}, ${state}`,
        found: v,
        expected: '≥ 0 (check phase and baseline)',
      });
  }
}

/** Runs steps 1–5 for one cell. */
export function analyseDeadLithium(
  integrals: readonly CycleIntegrals[],
  capacities: readonly CycleCapacities[],
  options: DeadLithiumOptions = {},
): DeadLithiumResult {
  const factors = options.socFactors ?? UNIT_SOC_FACTORS;
  checkFactors(factors);
  const area = options.areaCm2;
  if (area !== undefined && !(Number.isFinite(area) && area > 0))
    throw new ParameterError('electrode area must be positive', {
      field: 'areaCm2',
      found: area,
      expected: '> 0 cm²',
    });
  if (integrals.length === 0)
    throw new DataError('no measured cycles', {
      file: options.integralsFile,
      expected: 'integrals for at least one cycle',
    });
  const capByCycle = new Map<number, CycleCapacities>();
  for (const c of capacities) {
    if (capByCycle.has(c.cycle))
      throw new DataError('cycle given twice', {
        file: options.capacitiesFile,
        field: `cycle ${c.cycle}`,
        expected: 'one row per cycle',
      });
    capByCycle.set(c.cycle, c);
  }
  const seen = new Set<number>();
  for (const r of integrals) {
    if (seen.has(r.cycle))
      throw new DataError('cycle given twice', {
        file: options.integralsFile,
        field: `cycle ${r.cycle}`,
        expected: 'one set of integrals per cycle',
      });
    seen.add(r.cycle);
  }
  let initialCycle: number | null = null;
  let initial = options.initialChargeMAh;
  if (initial === undefined) {
    const first = [...capByCycle.values()].sort((a, b) => a.cycle - b.cycle)[0];
    if (!first)
      throw new DataError('no capacities', {
        file: options.capacitiesFile,
        expected: 'charge and discharge capacity per cycle',
      });
    initial = first.chargeMAh;
    initialCycle = first.cycle;
  }
  const sorted = [...integrals].sort((a, b) => a.cycle - b.cycle);
  const warnings: string[] = [];
  // The allocation is of the initial (first) charge; a table that starts later shifts every percentage.
  if (initialCycle !== null && initialCycle !== 1)
    warnings.push(
      `the capacity table has no cycle 1: cycle ${initialCycle}'s charge (${initial.toPrecision(5)} mAh) is taken as the initial charge capacity; give the initial charge if it differs`,
    );
  const perArea = (x: number) => (area ? x / area : null);
  const cycles: CycleResult[] = sorted.map((raw) => {
    checkIntegrals(raw, options.integralsFile);
    const cap = capByCycle.get(raw.cycle);
    if (!cap) {
      throw new DataError('no capacities for a measured cycle', {
        file: options.capacitiesFile,
        field: `cycle ${raw.cycle}`,
        found: [...capByCycle.keys()].sort((a, b) => a - b).join(',') || 'none',
        expected: `a row for cycle ${raw.cycle}`,
      });
    }
    const corr = correctForCathodeSoc(raw, factors);
    const q = conversionValue(cap.dischargeMAh, corr.charged, corr.discharged, raw.cycle);
    const dead = deadMetalCapacity(corr.afterCv, q);
    const excess = excessMetalCapacity(corr.discharged, corr.afterCv, q);
    if (excess < 0)
      warnings.push(
        `cycle ${raw.cycle}: after-CV integral above the discharged one (excess ${excess.toFixed(4)} mAh < 0)`,
      );
    const alloc = allocateCapacity(initial, cap.dischargeMAh, excess, dead);
    if (alloc.interphaseMAh < 0)
      warnings.push(
        `cycle ${raw.cycle}: reversible + excess + dead exceed the initial charge (interphase ${alloc.interphaseMAh.toFixed(4)} mAh < 0)`,
      );
    const cv = cap.cvDischargeMAh ?? null;
    return {
      cycle: raw.cycle,
      integrals: corr,
      chargeMAh: cap.chargeMAh,
      dischargeMAh: cap.dischargeMAh,
      conversionMAhPerIntegral: q,
      chargedMetalMAh: corr.charged * q,
      cvDischargeMAh: cv,
      excessMinusCvMAh: cv === null ? null : excess - cv,
      ...alloc,
      deadMAhPerCm2: perArea(dead),
      excessMAhPerCm2: perArea(excess),
      interphaseMAhPerCm2: perArea(alloc.interphaseMAh),
      reversibleMAhPerCm2: perArea(cap.dischargeMAh),
    };
  });
  const x = cycles.map((c) => c.cycle);
  const trend = (f: (c: CycleResult) => number) =>
    cycles.length >= 2 ? linearTrend(x, cycles.map(f)) : null;
  let range: QuantitativeRangeCheck | null = null;
  if (area) {
    const maxMetal = Math.max(...cycles.map((c) => c.chargedMetalMAh));
    range = checkQuantitativeRange(maxMetal / area, {
      protonMHz: options.protonMHz,
      ...(options.nucleus !== undefined ? { nucleus: options.nucleus } : {}),
      ...(options.linearRangeMAhPerCm2 !== undefined
        ? { linearRangeMAhPerCm2: options.linearRangeMAhPerCm2 }
        : {}),
    });
    warnings.push(...range.warnings);
  }
  return {
    initialChargeMAh: initial,
    initialChargeCycle: initialCycle,
    socFactors: factors,
    areaCm2: area ?? null,
    cycles,
    trends: {
      deadMAh: trend((c) => c.deadMAh),
      interphaseMAh: trend((c) => c.interphaseMAh),
      deadPercent: trend((c) => c.deadPercent),
      interphasePercent: trend((c) => c.interphasePercent),
    },
    quantitativeRange: range,
    warnings,
  };
}

// ─── Step 6: replicate cells ────────────────────────────────────────────────────────────────────────

export interface MeanSd {
  readonly mean: number;
  /** Sample standard deviation (n − 1); null for a single cell. */
  readonly sd: number | null;
  readonly n: number;
}

export function meanSd(values: readonly number[]): MeanSd {
  const n = values.length;
  if (n === 0) throw new DataError('no values to average', { expected: 'at least one cell' });
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : null;
  return { mean, sd, n };
}

const REPLICATE_FIELDS = [
  'reversibleMAh',
  'excessMAh',
  'deadMAh',
  'interphaseMAh',
  'reversiblePercent',
  'excessPercent',
  'deadPercent',
  'interphasePercent',
  'conversionMAhPerIntegral',
] as const;
export type ReplicateField = (typeof REPLICATE_FIELDS)[number];

export interface ReplicateCycle {
  readonly cycle: number;
  readonly values: Record<ReplicateField, MeanSd>;
}

export interface ReplicateSummary {
  readonly cells: number;
  readonly cycles: ReplicateCycle[];
  /** Slopes across cells (mean ± sd of each cell's slope). */
  readonly slopes: {
    deadMAh: MeanSd | null;
    interphaseMAh: MeanSd | null;
    deadPercent: MeanSd | null;
    interphasePercent: MeanSd | null;
  };
}

/** Step 6: mean ± standard deviation over nominally identical cells, cycle by cycle; cycle numbers must match. */
export function replicateStatistics(
  results: readonly DeadLithiumResult[],
  names?: readonly string[],
): ReplicateSummary {
  if (results.length === 0) throw new DataError('no cells', { expected: 'at least one result' });
  const ref = results[0].cycles.map((c) => c.cycle);
  results.forEach((r, i) => {
    const mine = r.cycles.map((c) => c.cycle);
    if (mine.length !== ref.length || mine.some((c, k) => c !== ref[k])) {
      throw new DataError('replicate cells were measured at different cycles', {
        file: names?.[i],
        field: 'cycle',
        found: mine.join(','),
        expected: ref.join(','),
      });
    }
  });
  const cycles = ref.map((cycle, k) => ({
    cycle,
    values: Object.fromEntries(
      REPLICATE_FIELDS.map((f) => [f, meanSd(results.map((r) => r.cycles[k][f]))]),
    ) as Record<ReplicateField, MeanSd>,
  }));
  const slope = (key: keyof DeadLithiumTrends) => {
    const s = results.map((r) => r.trends[key]?.slope);
    return s.every((v): v is number => v !== undefined) ? meanSd(s) : null;
  };
  return {
    cells: results.length,
    cycles,
    slopes: {
      deadMAh: slope('deadMAh'),
      interphaseMAh: slope('interphaseMAh'),
      deadPercent: slope('deadPercent'),
      interphasePercent: slope('interphasePercent'),
    },
  };
}
