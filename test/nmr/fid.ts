/** Small synthetic FIDs for input tests: damped lines at known offsets (truth known by construction). */
import type { ComplexData } from '../../src/io/bruker/index.js';

export interface Line {
  /** Offset from the carrier, Hz. */
  readonly offsetHz: number;
  readonly amplitude: number;
  /** Lorentzian FWHM, Hz. */
  readonly fwhmHz: number;
}

/** Sum of damped complex exponentials sampled at 1/swHz, plus optional white noise (seeded). */
export function dampedFid(
  points: number,
  swHz: number,
  lines: readonly Line[],
  noise = 0,
  seed = 1,
): ComplexData {
  const re = new Float64Array(points);
  const im = new Float64Array(points);
  let s = seed >>> 0;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  for (let k = 0; k < points; k++) {
    const t = k / swHz;
    for (const l of lines) {
      const decay = Math.exp(-Math.PI * l.fwhmHz * t);
      re[k] += l.amplitude * decay * Math.cos(2 * Math.PI * l.offsetHz * t);
      im[k] += l.amplitude * decay * Math.sin(2 * Math.PI * l.offsetHz * t);
    }
    if (noise > 0) {
      re[k] += noise * rand();
      im[k] += noise * rand();
    }
  }
  return { re, im };
}
