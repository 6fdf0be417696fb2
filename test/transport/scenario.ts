/**
 * The validation scenario shared by the drift tests and the benchmark: a polymer-electrolyte cell like
 * Thienenkamp et al.'s (2024) (1.8 mm between blocking walls, c0 = 9.94×10²³ L⁻¹ = 1650.6 mol m⁻³, 40 °C, anion
 * D ≈ 1.3×10⁻¹² m² s⁻¹ falling with salt content), a field that ramps during a 90-min constant-current
 * step and jumps at its end, profiles every 513 s (8 min 33 s) sampled every 31.25 µm across a
 * 1250 µm ROI (41 points). The maximum drift velocity, ≈380 µm h⁻¹, is of the paper's Li‖Li size.
 */
import type { NernstPlanckSpec } from '../../src/sim/nernst-planck.js';
import { sampleProfiles, simulateNernstPlanck } from '../../src/sim/nernst-planck.js';
import { createDiffusionTable } from '../../src/transport/diffusion-table.js';

export const C0_MOL_M3 = (9.94e23 * 1000) / 6.02214076e23;
export const TEMPERATURE_K = 313.15;
export const LENGTH_UM = 1800;
export const PROFILE_INTERVAL_S = 513;

/** ln D linear in C: the table's log interpolation reproduces it exactly between rows. */
export function dLaw(cMolM3: number): number {
  return 1.3e-12 * Math.exp(-(cMolM3 - C0_MOL_M3) / 3000);
}

/** A PFG-like table covering the concentrations found inside the ROI. */
export function dTable(concentrations: number[] = [300, 800, 1200, C0_MOL_M3, 2000, 2600, 3200]) {
  return createDiffusionTable(concentrations, concentrations.map(dLaw), 'scenario');
}

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

export const ROI_X_UM = Float64Array.from({ length: 41 }, (_, i) => 275 + 31.25 * i);

export function runScenario(profiles = 14) {
  const spec = scenarioSpec(profiles);
  const result = simulateNernstPlanck(spec);
  return { spec, result, sampled: sampleProfiles(spec, result, ROI_X_UM) };
}
