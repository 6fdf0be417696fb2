/**
 * Relaxation and nutation models: every curve is an amplitude times a shape, y = A·g(x; θ), with x the
 * row variable in its physical unit (s for delays and echo times, µs for pulse lengths).
 *
 * T1 (recovery towards M0 = A):
 *   2p    inversion recovery  A·(1 − 2·e^{−x/T1});  saturation recovery  A·(1 − e^{−x/T1})
 *   3p    A·(1 − k·e^{−x/T1}), k free: an imperfect inversion (k < 2; M(0) = A·(1 − k)) or saturation (k < 1)
 *   stretched  A·(1 − k₀·e^{−(x/T1)^β}), k₀ = 2 (inversion) or 1 (saturation), 0 < β ≤ 1.5
 *   bi    A·(1 − k₀·(w·e^{−x/T1a} + (1 − w)·e^{−x/T1b}))
 * T2 (echo decay, x = echo time):
 *   mono  A·e^{−x/T2};  stretched A·e^{−(x/T2)^β} (β up to 2: a Gaussian decay of a rigid solid);
 *   bi    A·(w·e^{−x/T2a} + (1 − w)·e^{−x/T2b})
 * Nutation (x = pulse length, ν = nutation frequency):
 *   sine    A·sin(2πνx)                        ideal B1
 *   damped  A·e^{−λx}·sin(2πνx)                 B1 spread across the sample; a Lorentzian distribution of
 *           ν of half-width Γ averages sin(2πνx) to exactly e^{−2πΓx}·sin(2πν₀x), so λ = 2πΓ
 *   skin    A·(1 − cos 2πνx)/(2πνx)            a metal much thicker than the skin depth δ: B1 and the
 *           receive sensitivity both fall as e^{−z/δ} into the metal, so the signal is
 *           ∫ e^{−z/δ}·sin(2πνx·e^{−z/δ}) dz = δ·∫₀¹ sin(2πνx·u) du = δ·(1 − cos 2πνx)/(2πνx) (u = e^{−z/δ});
 *           ν is the nutation frequency at the surface, the curve never goes negative and peaks at
 *           2πνx = 2.3311 rad (tan(θ/2) = θ), not at π/2. The phase lag of the field inside the metal is not
 *           modelled (it rotates the line's phase, which the fixed phase of the series absorbs only in part).
 *
 * Parameters are listed with their units; the optimizer works on scaled copies (x / x_max, y / |y|_max).
 */

export type T1Sequence = 'inversion-recovery' | 'saturation-recovery';
export type T1Model = '2p' | '3p' | 'stretched' | 'bi';
export type T2Model = 'mono' | 'stretched' | 'bi';
export type NutationModel = 'sine' | 'damped' | 'skin';

export const T1_MODELS: readonly T1Model[] = ['2p', '3p', 'stretched', 'bi'];
export const T2_MODELS: readonly T2Model[] = ['mono', 'stretched', 'bi'];
export const NUTATION_MODELS: readonly NutationModel[] = ['sine', 'damped', 'skin'];

/** How a parameter scales when x and y are scaled: amplitude ∝ y, time ∝ x, rate/frequency ∝ 1/x. */
export type ParameterScaling = 'amplitude' | 'time' | 'rate' | 'none';

export interface ModelParameter {
  readonly name: string;
  /** Unit in the physical x unit of the series (s or µs), 'intensity' for the amplitude, '' for pure numbers. */
  readonly unit: string;
  readonly scaling: ParameterScaling;
  /** Bounds in scaled units (x / x_max). */
  readonly lower: number;
  readonly upper: number;
  /** Start values tried for this parameter (scaled units); the amplitude is solved linearly instead. */
  readonly grid: readonly number[];
}

/** A curve y = A·g(u; θ) on scaled x (u = x / x_max); p[0] is A, p[1…] is θ. */
export interface CurveModel {
  readonly name: string;
  readonly formula: string;
  readonly parameters: readonly ModelParameter[];
  /** The shape g at scaled x for θ = p[1…] (p[0] is ignored). */
  shape(u: number, p: ArrayLike<number>): number;
  /** Constraint between starts, e.g. T1a < T1b for bi-exponentials. */
  acceptStart?(p: ArrayLike<number>): boolean;
}

/** 24 log-spaced values from 10^lo to 10^hi. */
function logGrid(lo: number, hi: number, n = 24): number[] {
  return Array.from({ length: n }, (_, i) => 10 ** (lo + ((hi - lo) * i) / (n - 1)));
}

const TIME_GRID = logGrid(-2.5, 1);
const BI_GRID = logGrid(-2.5, 1, 12);

const amplitude = (unit = 'intensity'): ModelParameter => ({
  name: 'amplitude',
  unit,
  scaling: 'amplitude',
  lower: -Infinity,
  upper: Infinity,
  grid: [1],
});

const time = (name: string, unit: string, grid: readonly number[] = TIME_GRID): ModelParameter => ({
  name,
  unit,
  scaling: 'time',
  // Much beyond 10^3 × the longest delay the data cannot tell a time constant from infinity.
  lower: 1e-6,
  upper: 1e3,
  grid,
});

const weight: ModelParameter = {
  name: 'fraction',
  unit: '',
  scaling: 'none',
  lower: 0,
  upper: 1,
  grid: [0.25, 0.5, 0.75],
};

const exponent = (upper: number): ModelParameter => ({
  name: 'beta',
  unit: '',
  scaling: 'none',
  lower: 0.1,
  upper,
  grid: [0.5, 0.75, 1],
});

/** k₀ of the ideal experiment: 2 for an inversion, 1 for a saturation. */
export function idealRecoveryFactor(sequence: T1Sequence): number {
  return sequence === 'inversion-recovery' ? 2 : 1;
}

export function t1Model(sequence: T1Sequence, model: T1Model, xUnit = 's'): CurveModel {
  const k0 = idealRecoveryFactor(sequence);
  const name = `T1 ${sequence} ${model}`;
  switch (model) {
    case '2p':
      return {
        name,
        formula: `M0·(1 − ${k0}·exp(−t/T1))`,
        parameters: [amplitude(), time('T1', xUnit)],
        shape: (u, p) => 1 - k0 * Math.exp(-u / p[1]),
      };
    case '3p':
      return {
        name,
        formula: 'M0·(1 − k·exp(−t/T1))',
        parameters: [
          amplitude(),
          time('T1', xUnit),
          {
            name: 'k',
            unit: '',
            scaling: 'none',
            lower: 0,
            upper: 3,
            grid: sequence === 'inversion-recovery' ? [1.6, 1.8, 2] : [0.8, 0.9, 1],
          },
        ],
        shape: (u, p) => 1 - p[2] * Math.exp(-u / p[1]),
      };
    case 'stretched':
      return {
        name,
        formula: `M0·(1 − ${k0}·exp(−(t/T1)^β))`,
        parameters: [amplitude(), time('T1', xUnit), exponent(1.5)],
        shape: (u, p) => 1 - k0 * Math.exp(-((u / p[1]) ** p[2])),
      };
    case 'bi':
      return {
        name,
        formula: `M0·(1 − ${k0}·(w·exp(−t/T1a) + (1 − w)·exp(−t/T1b)))`,
        parameters: [amplitude(), weight, time('T1a', xUnit, BI_GRID), time('T1b', xUnit, BI_GRID)],
        shape: (u, p) => 1 - k0 * (p[1] * Math.exp(-u / p[2]) + (1 - p[1]) * Math.exp(-u / p[3])),
        acceptStart: (p) => p[2] * 3 < p[3],
      };
  }
}

export function t2Model(model: T2Model, xUnit = 's'): CurveModel {
  const name = `T2 ${model}`;
  switch (model) {
    case 'mono':
      return {
        name,
        formula: 'M0·exp(−t/T2)',
        parameters: [amplitude(), time('T2', xUnit)],
        shape: (u, p) => Math.exp(-u / p[1]),
      };
    case 'stretched':
      return {
        name,
        formula: 'M0·exp(−(t/T2)^β)',
        parameters: [amplitude(), time('T2', xUnit), { ...exponent(2), grid: [0.5, 1, 1.5, 2] }],
        shape: (u, p) => Math.exp(-((u / p[1]) ** p[2])),
      };
    case 'bi':
      return {
        name,
        formula: 'M0·(w·exp(−t/T2a) + (1 − w)·exp(−t/T2b))',
        parameters: [amplitude(), weight, time('T2a', xUnit, BI_GRID), time('T2b', xUnit, BI_GRID)],
        shape: (u, p) => p[1] * Math.exp(-u / p[2]) + (1 - p[1]) * Math.exp(-u / p[3]),
        acceptStart: (p) => p[2] * 3 < p[3],
      };
  }
}

/** Threshold below which (1 − cos θ)/θ is evaluated by its series (cancellation near θ = 0). */
const SMALL_THETA = 1e-4;

/** (1 − cos θ)/θ, the skin-depth nutation curve of a thick metal (see the header). */
export function skinNutationShape(theta: number): number {
  if (Math.abs(theta) < SMALL_THETA) return theta / 2 - theta ** 3 / 24;
  return (1 - Math.cos(theta)) / theta;
}

/** θ at the maximum of (1 − cos θ)/θ: the root of tan(θ/2) = θ in (0, π), rad. */
export const SKIN_NUTATION_MAX_THETA = 2.331122370414423;

/** Nutation-frequency starts: from a quarter cycle to `maxCycles` cycles over the longest pulse. */
function frequencyGrid(maxCycles: number): number[] {
  const out: number[] = [];
  // Additive steps: at c cycles a relative step would move the last sample's phase by 2π·c·step.
  for (let c = 0.15; c <= maxCycles; c += 0.05) out.push(c);
  return out;
}

/**
 * Nutation models. `maxCycles` bounds the nutation frequency (cycles over the longest pulse): half the
 * number of distinct pulse lengths, beyond which the samples alias.
 */
export function nutationModel(model: NutationModel, maxCycles: number, xUnit = 'us'): CurveModel {
  const freqUnit = `1/${xUnit}`;
  const nu: ModelParameter = {
    name: 'nu',
    unit: freqUnit,
    scaling: 'rate',
    lower: 0.02,
    upper: Math.max(1, maxCycles),
    grid: frequencyGrid(Math.max(1, maxCycles)),
  };
  switch (model) {
    case 'sine':
      return {
        name: 'nutation sine',
        formula: 'A·sin(2πν·tp)',
        parameters: [amplitude(), nu],
        shape: (u, p) => Math.sin(2 * Math.PI * p[1] * u),
      };
    case 'damped':
      return {
        name: 'nutation damped',
        formula: 'A·exp(−λ·tp)·sin(2πν·tp)',
        parameters: [
          amplitude(),
          nu,
          { name: 'lambda', unit: freqUnit, scaling: 'rate', lower: 0, upper: 100, grid: [0, 0.5, 2] },
        ],
        shape: (u, p) => Math.exp(-p[2] * u) * Math.sin(2 * Math.PI * p[1] * u),
      };
    case 'skin':
      return {
        name: 'nutation skin depth',
        formula: 'A·(1 − cos 2πν·tp)/(2πν·tp)',
        parameters: [amplitude(), nu],
        shape: (u, p) => skinNutationShape(2 * Math.PI * p[1] * u),
      };
  }
}
