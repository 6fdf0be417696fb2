/**
 * The virtual operando series of a Na‖Na cell: the same cell, protocol and receiver as the ⁷Li series
 * (src/sim/cell.ts, spectrometer.ts), observed on ²³Na. Sodium metal's Knight shift puts its lines near
 * 1130 ppm (Zheng et al. 2024); the simulated electrode and dense deposits sit in the ²³Na metal window
 * (1130–1135 ppm) and the mossy, dendritic and dead metal in the microstructure window (1138–1144 ppm) of
 * the morphology protocol (`spincell morphology --sodium`), with a diamagnetic electrolyte line at 0 ppm.
 * The carrier sits between both, so one 200 kHz window (≈1890 ppm at 9.4 T) holds them.
 */
import type { ComponentName, LineShape, OperandoOptions } from './spectrometer.js';

const WIDTH = { lorentzFwhmPpm: 1, gaussFwhmPpm: 2.5 } as const;

export const SODIUM_LINES: Readonly<Record<ComponentName, LineShape>> = {
  pristine: { shiftPpm: 1132.5, ...WIDTH },
  dense: { shiftPpm: 1132.3, ...WIDTH },
  mossy: { shiftPpm: 1140.5, ...WIDTH },
  dendritic: { shiftPpm: 1141.5, ...WIDTH },
  dead: { shiftPpm: 1141, ...WIDTH },
  diamagnetic: { shiftPpm: 0, lorentzFwhmPpm: 1.5, gaussFwhmPpm: 2 },
};

/** Which morphology window of the ²³Na protocol each simulated metal component lies in. */
export const SODIUM_WINDOW_COMPONENTS: Readonly<
  Record<'metal' | 'microstructure', readonly ComponentName[]>
> = {
  metal: ['pristine', 'dense'],
  microstructure: ['mossy', 'dendritic', 'dead'],
};

/** Options of a ²³Na series (merged under the caller's own). */
export function sodiumOperandoOptions(options: Partial<OperandoOptions> = {}): Partial<OperandoOptions> {
  return {
    ...options,
    spectrometer: { nucleus: '23Na', carrierPpm: 565, ...options.spectrometer },
    lines: { ...SODIUM_LINES, ...options.lines },
  };
}
