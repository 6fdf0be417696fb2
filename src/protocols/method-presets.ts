/**
 * Presets of the other published methods whose defaults change results: the dead-metal protocol and the
 * PFG (Stejskal–Tanner) fit. Each carries the paper's values with their sources; where spincell's own
 * default differs from the paper and the user did not choose, `resolve…` says so in a warning.
 *
 * - Wichmann et al., Nat. Commun. 2025: Methods "⁷Li NMR spectroscopy" (SOC factor 1.08, 4.7 T / 200 MHz)
 *   and Results "Quantification of dead lithium fractions in NMC-based cells" (linear up to 2.5 mAh cm⁻²).
 * - Thienenkamp et al., Cell Rep. Phys. Sci. 2024: Experimental procedures "PFG NMR" (stimulated echo,
 *   Δ = 60 ms, δ = 1 ms, ¹⁹F, Stejskal–Tanner for ideal isotropic diffusion).
 */
import { LINEAR_RANGE_MAH_PER_CM2, NMC622_ZERO_SOC_FACTOR, type MetalNucleus } from './dead-lithium.js';
import { findPreset, type ResolvedSetting, type Sourced } from './presets.js';

export interface DeadMetalPreset {
  readonly name: string;
  readonly citation: string;
  readonly socFactor: Sourced<number>;
  readonly protonMHz: Sourced<number>;
  readonly nucleus: Sourced<MetalNucleus>;
  readonly linearRangeMAhPerCm2: Sourced<number | null>;
  readonly initialCharge: Sourced<string>;
}

const WICHMANN = 'Wichmann et al., Nat. Commun. 2025';

export const DEAD_METAL_PRESETS: readonly DeadMetalPreset[] = [
  {
    name: 'wichmann2025',
    citation: WICHMANN,
    socFactor: {
      value: NMC622_ZERO_SOC_FACTOR,
      source: `${WICHMANN}, Methods "⁷Li NMR spectroscopy": spectra at 0 % SOC × 1.08 before comparison with the charged state`,
      open: 'the factor is the NMC622 pouch cell of the paper; another cell set-up needs its own calibration',
    },
    protonMHz: {
      value: 200,
      source: `${WICHMANN}, Methods "⁷Li NMR spectroscopy": 4.7 T (200 MHz) Avance III`,
    },
    nucleus: { value: '7Li', source: `${WICHMANN}, Methods "⁷Li NMR spectroscopy"` },
    linearRangeMAhPerCm2: {
      value: LINEAR_RANGE_MAH_PER_CM2,
      source: `${WICHMANN}, Results "Quantification of dead lithium fractions in NMC-based cells": in situ deposited Li up to 2.5 mAh cm⁻² not impaired by the skin depth`,
    },
    initialCharge: {
      value: 'charge capacity of cycle 1',
      source: `${WICHMANN}, Results "Differentiation of capacity losses": the initial charge capacity is allocated`,
    },
  },
];

export function getDeadMetalPreset(name: string): DeadMetalPreset {
  return findPreset(DEAD_METAL_PRESETS, name, 'dead-metal');
}

export interface DeadMetalRequest {
  preset?: string;
  socFactor?: number;
  protonMHz?: number;
  nucleus?: MetalNucleus;
}

export interface ResolvedDeadMetal {
  readonly preset: string | null;
  readonly socFactor: number;
  readonly protonMHz: number;
  readonly nucleus: MetalNucleus;
  readonly linearRangeMAhPerCm2: number | null | undefined;
  readonly settings: ResolvedSetting[];
  readonly warnings: string[];
}

/** The dead-metal settings: the user's values, else the preset's, else spincell's (with a warning for the SOC factor). */
export function resolveDeadMetal(r: DeadMetalRequest): ResolvedDeadMetal {
  const p = r.preset !== undefined ? getDeadMetalPreset(r.preset) : null;
  const warnings: string[] = [];
  const settings: ResolvedSetting[] = [];
  const pick = <T>(
    key: string,
    given: T | undefined,
    preset: Sourced<T> | undefined,
    fallback: T,
    why: string,
  ) => {
    if (given !== undefined) {
      settings.push({ key, value: given, source: 'user' });
      return given;
    }
    if (preset) {
      settings.push({
        key,
        value: preset.value,
        source: preset.source,
        ...(preset.open ? { open: preset.open } : {}),
      });
      return preset.value;
    }
    settings.push({ key, value: fallback, source: why });
    return fallback;
  };
  const socFactor = pick('socFactor', r.socFactor, p?.socFactor, 1, 'spincell default: no correction');
  if (r.socFactor === undefined && !p)
    warnings.push(
      `no SOC factor given (--soc-factor, socFactor): spectra at 0 % SOC are not corrected (factor 1); Wichmann et al. 2025 multiplied them by ${NMC622_ZERO_SOC_FACTOR} for NMC622 (--preset wichmann2025), and a paramagnetic cathode changes the dead-metal capacity by about as much`,
    );
  const protonMHz = pick('protonMHz', r.protonMHz, p?.protonMHz, 200, 'spincell default');
  const nucleus = pick<MetalNucleus>('nucleus', r.nucleus, p?.nucleus, '7Li', 'spincell default');
  const linear = p && nucleus === p.nucleus.value ? p.linearRangeMAhPerCm2 : undefined;
  if (linear) settings.push({ key: 'linearRangeMAhPerCm2', value: linear.value, source: linear.source });
  else
    settings.push({
      key: 'linearRangeMAhPerCm2',
      value: nucleus === '23Na' ? null : LINEAR_RANGE_MAH_PER_CM2,
      source:
        nucleus === '23Na'
          ? 'none published for Na: only the skin depth is checked'
          : `${WICHMANN}, Results "Quantification of dead lithium fractions in NMC-based cells"`,
    });
  if (p)
    settings.push({ key: 'initialCharge', value: p.initialCharge.value, source: p.initialCharge.source });
  return {
    preset: p?.name ?? null,
    socFactor,
    protonMHz,
    nucleus,
    linearRangeMAhPerCm2: linear?.value,
    settings,
    warnings,
  };
}

export interface PfgPreset {
  readonly name: string;
  readonly citation: string;
  readonly nucleus: Sourced<string>;
  readonly deltaMs: Sourced<number>;
  readonly bigDeltaMs: Sourced<number>;
  readonly sequence: Sourced<'pgse' | 'ste' | 'ste-bipolar'>;
  readonly shape: Sourced<'rect' | 'sine'>;
}

const THIENENKAMP_PFG = 'Thienenkamp et al., Cell Rep. Phys. Sci. 2024, Experimental procedures "PFG NMR"';

export const PFG_PRESETS: readonly PfgPreset[] = [
  {
    name: 'thienenkamp2024',
    citation: THIENENKAMP_PFG,
    nucleus: { value: '19F', source: `${THIENENKAMP_PFG}: ¹⁹F self-diffusion of the anions` },
    deltaMs: { value: 1, source: `${THIENENKAMP_PFG}: gradient pulse length δ = 1 ms` },
    bigDeltaMs: { value: 60, source: `${THIENENKAMP_PFG}: diffusion time Δ = 60 ms` },
    sequence: { value: 'ste', source: `${THIENENKAMP_PFG}: stimulated echo (Bruker diffSte)` },
    shape: {
      value: 'rect',
      source: `${THIENENKAMP_PFG}: fitted to the Stejskal–Tanner equation for ideal isotropic diffusion`,
      open: 'the gradient shape is not stated; the Stejskal–Tanner equation is that of rectangular pulses (sine pulses would make D 2.46× larger)',
    },
  },
];

export function getPfgPreset(name: string): PfgPreset {
  return findPreset(PFG_PRESETS, name, 'PFG');
}

/** Warning when the gradient shape was left to spincell's default (rectangular). */
export function gradientShapeWarning(shapeGiven: boolean, preset: string | undefined): string | null {
  if (shapeGiven || preset !== undefined) return null;
  return 'no gradient shape given (--shape, shape): rectangular pulses assumed; with sine-shaped pulses D is 2.46× larger (give --shape rect|sine, or --preset thienenkamp2024)';
}
