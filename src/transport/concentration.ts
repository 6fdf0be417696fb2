/**
 * Concentration units. Transport formulas work in mol m⁻³; Thienenkamp et al. 2024 quotes the salt concentration as a
 * particle density (9.94×10²³ L⁻¹), polymer-electrolyte papers often in mol L⁻¹.
 */
import { AVOGADRO_PER_MOL } from '../core/constants.js';
import { ParameterError } from '../core/errors.js';

export type ConcentrationUnit = 'mol-m3' | 'mol-L' | 'per-L' | 'per-m3';

export const CONCENTRATION_UNITS: readonly ConcentrationUnit[] = ['mol-m3', 'mol-L', 'per-L', 'per-m3'];

/** Factor that turns a value in `unit` into mol m⁻³. */
function factorToMolM3(unit: ConcentrationUnit): number {
  switch (unit) {
    case 'mol-m3':
      return 1;
    case 'mol-L':
      return 1000;
    case 'per-L':
      // particles per litre → mol per litre (÷N_A) → mol per m³ (×1000)
      return 1000 / AVOGADRO_PER_MOL;
    case 'per-m3':
      return 1 / AVOGADRO_PER_MOL;
  }
}

export function isConcentrationUnit(unit: string): unit is ConcentrationUnit {
  return (CONCENTRATION_UNITS as readonly string[]).includes(unit);
}

/** Converts a concentration to mol m⁻³. Throws ParameterError for an unknown unit or a non-positive value. */
export function toMolPerM3(value: number, unit: string, field = 'concentration'): number {
  if (!isConcentrationUnit(unit)) {
    throw new ParameterError('unknown concentration unit', {
      field,
      found: unit,
      expected: CONCENTRATION_UNITS.join(' | '),
    });
  }
  if (!Number.isFinite(value) || value <= 0) {
    throw new ParameterError('concentration must be a positive number', {
      field,
      found: value,
      expected: '> 0',
    });
  }
  return value * factorToMolM3(unit);
}

/** Converts mol m⁻³ to `unit`. */
export function fromMolPerM3(valueMolM3: number, unit: ConcentrationUnit): number {
  return valueMolM3 / factorToMolM3(unit);
}
