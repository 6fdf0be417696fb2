/**
 * The validation scenario shared by the drift tests and the benchmark: the virtual MRI experiment of
 * src/sim/mri.ts (a polymer-electrolyte cell like Thienenkamp et al.'s (2024), profiles every 513 s across
 * a 1250 µm region, maximum drift velocity ≈380 µm h⁻¹), which `spincell simulate mri` writes to files.
 */
import { createDiffusionTable } from '../../src/transport/diffusion-table.js';
import { D_TABLE_CONCENTRATIONS, dLaw } from '../../src/sim/mri.js';

export {
  C0_MOL_M3,
  LENGTH_UM,
  PROFILE_INTERVAL_S,
  ROI_X_UM,
  TEMPERATURE_K,
  dLaw,
  fieldVPerM,
  runScenario,
  scenarioSpec,
} from '../../src/sim/mri.js';

/** A PFG-like table covering the concentrations found inside the ROI. */
export function dTable(concentrations: number[] = D_TABLE_CONCENTRATIONS) {
  return createDiffusionTable(concentrations, concentrations.map(dLaw), 'scenario');
}
