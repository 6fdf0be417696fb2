/**
 * A virtual operando ¹⁹F MRI experiment for the anion drift-velocity analysis (Thienenkamp et al. 2024,
 * eq 1–8): a polymer-electrolyte cell like theirs (1.8 mm between blocking walls, c0 = 9.94×10²³ L⁻¹ =
 * 1650.6 mol m⁻³, 40 °C, anion D ≈ 1.3×10⁻¹² m² s⁻¹ falling with salt content), a field that ramps during
 * a 90-min constant-current step and jumps at its end, profiles every 513 s sampled every 31.25 µm across
 * a 1250 µm region (41 points). The concentrations come from the Nernst–Planck model
 * (src/sim/nernst-planck.ts), so the drift velocity v = −μ(C)E at every sample is known.
 *
 * `writeDriftExperiment` writes the three files `spincell mri drift` reads — profiles.csv (intensity ∝
 * concentration, times an optional coil sensitivity and Gaussian noise), voltage.csv (the potential drop
 * across the profiled region), d-table.csv (D(C), as a PFG series would give it) — and truth.json.
 */
import { OutputFolder } from '../io/output.js';
import { formatCsv } from '../io/csv/index.js';
import { formatProfilesCsv } from '../io/mri/index.js';
import { createRng } from './random.js';
import { sampleProfiles, simulateNernstPlanck, type NernstPlanckSpec } from './nernst-planck.js';

/** 9.94×10²³ anions per litre (Thienenkamp et al. 2024), mol m⁻³. */
export const C0_MOL_M3 = (9.94e23 * 1000) / 6.02214076e23;
export const TEMPERATURE_K = 313.15;
export const LENGTH_UM = 1800;
export const PROFILE_INTERVAL_S = 513;

/** ln D linear in C: the table's log interpolation reproduces it exactly between rows. */
export function dLaw(cMolM3: number): number {
  return 1.3e-12 * Math.exp(-(cMolM3 - C0_MOL_M3) / 3000);
}

/** Concentrations of the D(C) table, mol m⁻³: they cover what the profiled region reaches. */
export const D_TABLE_CONCENTRATIONS = [300, 800, 1200, C0_MOL_M3, 2000, 2600, 3200];

export function fieldVPerM(xUm: number, timeS: number): number {
  const ccEndS = 90 * 60;
  const ramp = timeS < ccEndS ? 0.3 + 0.3 * (timeS / ccEndS) : 1.3;
  // stronger next to the plating electrode, as the paper's velocities are
  return -1000 * ramp * (1 + 0.4 * (1 - xUm / LENGTH_UM));
}

export function scenarioSpec(profiles = 14, cells = 576): NernstPlanckSpec {
  return {
    lengthUm: LENGTH_UM,
    cells,
    initialConcentrationMolM3: C0_MOL_M3,
    diffusion: dLaw,
    temperatureK: TEMPERATURE_K,
    fieldVPerM,
    maxTimeStepS: PROFILE_INTERVAL_S / 100,
    outputTimesS: Float64Array.from({ length: profiles }, (_, k) => k * PROFILE_INTERVAL_S),
  };
}

/** The 41 sample positions of the profiled region, µm from the plating electrode. */
export const ROI_X_UM = Float64Array.from({ length: 41 }, (_, i) => 275 + 31.25 * i);

export function runScenario(profiles = 14) {
  const spec = scenarioSpec(profiles);
  const result = simulateNernstPlanck(spec);
  return { spec, result, sampled: sampleProfiles(spec, result, ROI_X_UM) };
}

export interface DriftExperimentOptions {
  /** Number of profiles, 513 s apart (≥ 3; default 14, 1.9 h). */
  readonly profiles?: number;
  /** Relative Gaussian noise on every intensity (default 0). */
  readonly noise?: number;
  readonly seed?: number;
  /** Multiply the intensities by a smooth coil sensitivity across the region (pointwise normalisation removes it). */
  readonly coilSensitivity?: boolean;
}

export interface DriftExperimentFiles {
  readonly dir: string;
  readonly profiles: string;
  readonly voltage: string;
  readonly diffusion: string;
  readonly truth: string;
}

export interface DriftTruth {
  readonly format: 'spincell-mri-truth';
  readonly version: 1;
  readonly description: string;
  readonly c0MolM3: number;
  readonly temperatureK: number;
  /** The profiled region, µm: give it as `--roi` (`mri.roiUm`); the voltage is the drop across it. */
  readonly roiUm: [number, number];
  readonly noise: number;
  readonly seed: number;
  readonly timeS: number[];
  readonly xUm: number[];
  /** True concentration, mol m⁻³, one array per profile. */
  readonly concentrationMolM3: number[][];
  /** True drift velocity v = −μ(C)E, µm h⁻¹, one array per profile. */
  readonly velocityUmPerH: number[][];
  /** Largest |v| (signed), µm h⁻¹. */
  readonly maximumVelocityUmPerH: number;
}

export const DRIFT_FILES = {
  profiles: 'profiles.csv',
  voltage: 'voltage.csv',
  diffusion: 'd-table.csv',
  truth: 'truth.json',
} as const;

/** Simulates the experiment and writes its files into `dir` as one set (new, empty or an earlier simulation). */
export function writeDriftExperiment(
  dir: string,
  options: DriftExperimentOptions = {},
): {
  readonly files: DriftExperimentFiles;
  readonly truth: DriftTruth;
} {
  const profiles = options.profiles ?? 14;
  const noise = options.noise ?? 0;
  const seed = options.seed ?? 1;
  const set = OutputFolder.open(dir, { command: 'simulate mri', field: '--out', errors: 'output' });
  try {
    const { sampled } = runScenario(profiles);
    const p = sampled.profiles;
    const nx = p.xUm.length;
    const rng = createRng(seed);
    const intensity = Float64Array.from(p.values, (c, j) => {
      const x = p.xUm[j % nx];
      const coil = options.coilSensitivity ? 1 - 0.3 * ((x - 900) / 900) ** 2 : 1;
      return 1000 * (c / C0_MOL_M3) * coil * (1 + noise * rng.normal());
    });
    set.writeFile(
      DRIFT_FILES.profiles,
      formatProfilesCsv({ xUm: p.xUm, timeS: p.timeS, values: intensity }, [
        'virtual operando 19F MRI (spincell simulate mri): x from the plating electrode; time = middle of the profile acquisition',
      ]),
    );
    set.writeFile(
      DRIFT_FILES.voltage,
      formatCsv(
        ['time_s', 'voltage_V'],
        Array.from(p.timeS, (t, k) => [t, sampled.voltageV[k]]),
        ['potential drop across the profiled region (far end minus plating end)'],
      ),
    );
    set.writeFile(
      DRIFT_FILES.diffusion,
      formatCsv(
        ['concentration_mol_m3', 'D_m2_s'],
        D_TABLE_CONCENTRATIONS.map((c) => [c, dLaw(c)]),
        ['anion diffusion coefficient vs concentration'],
      ),
    );
    const rows = (a: Float64Array) =>
      Array.from({ length: p.timeS.length }, (_, k) => Array.from(a.subarray(k * nx, (k + 1) * nx)));
    let max = 0;
    for (const v of sampled.trueVelocityUmPerH) if (Math.abs(v) > Math.abs(max)) max = v;
    const truth: DriftTruth = {
      format: 'spincell-mri-truth',
      version: 1,
      description:
        'Nernst–Planck cell with a prescribed field: true concentrations and drift velocities v = −μ(C)E at every sample',
      c0MolM3: C0_MOL_M3,
      temperatureK: TEMPERATURE_K,
      roiUm: [p.xUm[0], p.xUm[nx - 1]],
      noise,
      seed,
      timeS: Array.from(p.timeS),
      xUm: Array.from(p.xUm),
      concentrationMolM3: rows(p.values),
      velocityUmPerH: rows(sampled.trueVelocityUmPerH),
      maximumVelocityUmPerH: max,
    };
    set.writeFile(DRIFT_FILES.truth, `${JSON.stringify(truth, null, 1)}\n`);
    set.commit();
    const at = (name: string) => set.finalPath(name);
    return {
      files: {
        dir: set.target,
        profiles: at(DRIFT_FILES.profiles),
        voltage: at(DRIFT_FILES.voltage),
        diffusion: at(DRIFT_FILES.diffusion),
        truth: at(DRIFT_FILES.truth),
      },
      truth,
    };
  } catch (error) {
    set.abort();
    throw error;
  }
}
