import type { ModelSpec } from '../../src/fit/model.js';

/** A Voigt component confined to a shift window, widths started at G 2 / L 1 ppm and capped at 4 ppm. */
export function windowedVoigt(name: string, minPpm: number, maxPpm: number): ModelSpec['components'][number] {
  return {
    name,
    shape: 'voigt',
    position: { min: minPpm, max: maxPpm },
    fwhmG: { value: 2, min: 0.05, max: 4 },
    fwhmL: { value: 1, min: 0, max: 4 },
  };
}
