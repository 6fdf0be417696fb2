/**
 * Concentration-dependent diffusion coefficients D(C), as measured by PFG NMR on a concentration series
 * (Thienenkamp et al. 2024, Note S2), and the mobility that follows from them by Nernst–Einstein (Thienenkamp et al. 2024, eq 6).
 */
import { FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K } from '../core/constants.js';
import { DataError, ParameterError } from '../core/errors.js';

export interface DiffusionTable {
  /** Strictly increasing concentrations, mol m⁻³. */
  readonly concentrationMolM3: Float64Array;
  /** Diffusion coefficient at each concentration, m² s⁻¹ (> 0). */
  readonly dM2PerS: Float64Array;
  /** Where the table came from (file), for error messages. */
  readonly source?: string;
}

/**
 * How to interpolate between table rows. 'log' interpolates ln D linearly in C: it keeps D positive and
 * follows the roughly exponential slow-down of polymer electrolytes with salt content; 'linear'
 * interpolates D itself.
 */
export type DiffusionInterpolation = 'linear' | 'log';

/** D as a function of concentration (mol m⁻³ → m² s⁻¹). Throws DataError outside its range. */
export interface DiffusionLaw {
  (concentrationMolM3: number): number;
  /**
   * Optional: D at many concentrations in one call, out[i] = law(concentrationMolM3[i]) to the bit,
   * throwing the error of the first concentration (in index order) that the law rejects. A drift
   * inversion evaluates D at every sample of every profile, where one closure call per sample was most
   * of the cost.
   */
  readonly many?: (concentrationMolM3: Float64Array, out: Float64Array) => void;
}

/** Builds a validated table; rows are sorted by concentration. */
export function createDiffusionTable(
  concentrationMolM3: ArrayLike<number>,
  dM2PerS: ArrayLike<number>,
  source?: string,
): DiffusionTable {
  if (concentrationMolM3.length !== dM2PerS.length) {
    throw new DataError('diffusion table columns differ in length', {
      file: source,
      found: `${concentrationMolM3.length} concentrations, ${dM2PerS.length} D values`,
      expected: 'equal lengths',
    });
  }
  if (concentrationMolM3.length < 2) {
    throw new DataError('diffusion table needs at least two concentrations', {
      file: source,
      field: 'concentration_mol_m3',
      found: concentrationMolM3.length,
      expected: '≥ 2 rows (use a constant D otherwise)',
    });
  }
  const order = Array.from({ length: concentrationMolM3.length }, (_, i) => i).sort(
    (a, b) => concentrationMolM3[a] - concentrationMolM3[b],
  );
  const c = new Float64Array(order.length);
  const d = new Float64Array(order.length);
  order.forEach((src, k) => {
    c[k] = concentrationMolM3[src];
    d[k] = dM2PerS[src];
    if (!Number.isFinite(c[k]) || c[k] < 0) {
      throw new DataError('concentration must be finite and non-negative', {
        file: source,
        field: 'concentration_mol_m3',
        found: c[k],
        expected: '≥ 0 mol m⁻³',
      });
    }
    if (!Number.isFinite(d[k]) || d[k] <= 0) {
      throw new DataError('diffusion coefficient must be positive', {
        file: source,
        field: 'D_m2_s',
        found: d[k],
        expected: '> 0 m² s⁻¹',
      });
    }
    if (k > 0 && c[k] === c[k - 1]) {
      throw new DataError('concentration appears twice in the diffusion table', {
        file: source,
        field: 'concentration_mol_m3',
        found: c[k],
        expected: 'distinct concentrations',
      });
    }
  });
  return { concentrationMolM3: c, dM2PerS: d, source };
}

/**
 * D(C) by interpolation in the table. Concentrations outside the table are an error: extrapolating a
 * PFG series silently is how drift velocities go wrong near a depleted electrode.
 */
export function diffusionLaw(
  table: DiffusionTable,
  interpolation: DiffusionInterpolation = 'log',
): DiffusionLaw {
  const c = table.concentrationMolM3;
  const d = table.dM2PerS;
  const lnD = d.map(Math.log);
  const n = c.length;
  const lo = c[0];
  const hi = c[n - 1];
  // Accept round-off at the ends (concentrations computed from intensities can land 1 ulp outside).
  const tolerance = 1e-9 * Math.max(Math.abs(hi), 1);
  const outside = (conc: number): DataError =>
    new DataError('concentration outside the diffusion table', {
      file: table.source,
      field: 'concentration_mol_m3',
      found: conc,
      expected: `${lo} … ${hi} mol m⁻³`,
    });
  const isLog = interpolation === 'log';
  // Neighbouring samples of a profile have nearly the same concentration, so the interval of the last
  // sample is the first one tried: a step or two from it instead of a binary search. The interval is
  // defined as in the single-value law (largest k ≤ n − 2 with c[k] ≤ C, else 0), so the values agree
  // to the bit.
  // Per interval: the value at its start (ln D or D), its rise and its width — the same differences the
  // single-value law forms, so nothing changes in the rounding.
  const startValue = isLog ? lnD : d;
  const rise = new Float64Array(n - 1);
  const width = new Float64Array(n - 1);
  for (let k = 0; k < n - 1; k++) {
    rise[k] = startValue[k + 1] - startValue[k];
    width[k] = c[k + 1] - c[k];
  }
  const lower = lo - tolerance;
  const upper = hi + tolerance;
  const many = (conc: Float64Array, out: Float64Array): void => {
    let k = 0;
    let ck = c[0];
    let ck1 = c[1];
    let v0 = startValue[0];
    let dv = rise[0];
    let h = width[0];
    for (let i = 0; i < conc.length; i++) {
      const x = conc[i];
      if (!(x >= lower && x <= upper)) throw outside(x);
      if ((k > 0 && x < ck) || (k < n - 2 && x >= ck1)) {
        while (k > 0 && c[k] > x) k--;
        while (k < n - 2 && c[k + 1] <= x) k++;
        ck = c[k];
        ck1 = c[k + 1];
        v0 = startValue[k];
        dv = rise[k];
        h = width[k];
      }
      const w = Math.min(1, Math.max(0, (x - ck) / h));
      out[i] = isLog ? Math.exp(v0 + w * dv) : v0 + w * dv;
    }
  };
  const law = (conc: number): number => {
    if (!(conc >= lo - tolerance && conc <= hi + tolerance)) throw outside(conc);
    let k = 0;
    let upper = n - 1;
    // binary search for the interval [c[k], c[k+1]] containing conc
    while (upper - k > 1) {
      const mid = (k + upper) >> 1;
      if (c[mid] <= conc) k = mid;
      else upper = mid;
    }
    const w = Math.min(1, Math.max(0, (conc - c[k]) / (c[k + 1] - c[k])));
    return interpolation === 'log'
      ? Math.exp(lnD[k] + w * (lnD[k + 1] - lnD[k]))
      : d[k] + w * (d[k + 1] - d[k]);
  };
  return Object.assign(law, { many });
}

/** A concentration-independent D. */
export function constantDiffusion(dM2PerS: number): DiffusionLaw {
  if (!Number.isFinite(dM2PerS) || dM2PerS <= 0) {
    throw new ParameterError('diffusion coefficient must be positive', {
      field: 'dM2PerS',
      found: dM2PerS,
      expected: '> 0 m² s⁻¹',
    });
  }
  return () => dM2PerS;
}

/** Nernst–Einstein (Thienenkamp et al. 2024, eq 6): μ = D F/(R T), m² V⁻¹ s⁻¹ for a monovalent ion. */
export function mobilityM2PerVS(dM2PerS: number, temperatureK: number): number {
  return (dM2PerS * FARADAY_C_PER_MOL) / (GAS_CONSTANT_J_PER_MOL_K * temperatureK);
}

/** Checks a temperature given in kelvin (catches °C typed by mistake). */
export function requireTemperatureK(temperatureK: number, field = 'temperatureK'): void {
  if (!Number.isFinite(temperatureK) || temperatureK < 150 || temperatureK > 600) {
    throw new ParameterError('temperature must be in kelvin', {
      field,
      found: temperatureK,
      expected: '150 … 600 K',
    });
  }
}
