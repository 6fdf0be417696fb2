/**
 * The particle's geometry from what the user knows: its radius (from the microscope image), and
 * optionally its volume or its mass and density (otherwise the volume of a sphere of that radius). The
 * electrochemically active surface is taken as the sphere's, 4πR² (the contact with the microelectrode
 * is assumed to block a negligible part of it). Every analysis prints which of these it used.
 */
import { ParameterError } from '../core/errors.js';

export interface ParticleGeometryInput {
  readonly radiusUm: number;
  readonly volumeUm3?: number;
  readonly massNg?: number;
  readonly densityGPerCm3?: number;
}

export interface ParticleGeometry {
  readonly radiusM: number;
  readonly surfaceAreaM2: number;
  readonly volumeM3: number;
  /** Mass, g, when given (or volume × density). */
  readonly massG: number | null;
  /** How the volume was obtained, in words. */
  readonly volumeSource: string;
}

function positive(field: string, value: number | undefined, unit: string): void {
  if (value !== undefined && !(value > 0 && Number.isFinite(value)))
    throw new ParameterError('must be a positive number', { field, found: value, expected: `> 0 ${unit}` });
}

export function particleGeometry(input: ParticleGeometryInput): ParticleGeometry {
  positive('--radius-um', input.radiusUm, 'µm');
  positive('--volume-um3', input.volumeUm3, 'µm³');
  positive('--mass-ng', input.massNg, 'ng');
  positive('--density-g-cm3', input.densityGPerCm3, 'g cm⁻³');
  const radiusM = input.radiusUm * 1e-6;
  const sphere = ((4 * Math.PI) / 3) * radiusM ** 3;
  let volumeM3 = sphere;
  let volumeSource = `sphere of radius ${input.radiusUm} µm`;
  let massG: number | null = input.massNg !== undefined ? input.massNg * 1e-9 : null;
  if (input.volumeUm3 !== undefined) {
    volumeM3 = input.volumeUm3 * 1e-18;
    volumeSource = `given, ${input.volumeUm3} µm³`;
  } else if (input.massNg !== undefined && input.densityGPerCm3 !== undefined) {
    volumeM3 = ((input.massNg * 1e-9) / input.densityGPerCm3) * 1e-6;
    volumeSource = `mass ${input.massNg} ng / density ${input.densityGPerCm3} g cm⁻³`;
  }
  if (massG === null && input.densityGPerCm3 !== undefined) massG = volumeM3 * 1e6 * input.densityGPerCm3;
  return { radiusM, surfaceAreaM2: 4 * Math.PI * radiusM * radiusM, volumeM3, massG, volumeSource };
}

/** Least-squares line y = a + b x with its coefficient of determination. */
export interface LineFit {
  readonly intercept: number;
  readonly slope: number;
  readonly r2: number;
  readonly points: number;
  /** Standard error of the slope. */
  readonly slopeError: number;
}

export function fitLine(x: ArrayLike<number>, y: ArrayLike<number>): LineFit {
  const n = x.length;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i];
    sy += y[i];
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const sse = Math.max(0, syy - slope * sxy);
  const r2 = syy > 0 ? 1 - sse / syy : 1;
  const slopeError = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : NaN;
  return { intercept, slope, r2, points: n, slopeError };
}

/** A checked assumption: its name, the value found, the limit and whether it holds. */
export interface AssumptionCheck {
  readonly name: string;
  readonly value: number | null;
  readonly limit: string;
  readonly ok: boolean;
}
