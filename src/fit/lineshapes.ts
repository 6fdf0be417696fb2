/**
 * Lineshapes on a chemical-shift axis, parameterised the way spectroscopists read them: position (ppm),
 * area (intensity·ppm, so fractions are area ratios directly) and full widths at half maximum (ppm).
 * Each shape evaluates its profile and, on request, analytic partial derivatives for the Jacobian.
 *
 * Shapes live in a registry so new ones (Czjzek, quadrupolar powder patterns …) can be added without
 * touching the model or the optimizer: `registerLineshape({...})`.
 */
import { ParameterError } from '../core/errors.js';
import { faddeeva } from './faddeeva.js';

export interface LineshapeParameter {
  /** Name used in model specs, e.g. "fwhmG". */
  readonly name: string;
  readonly unit: string;
  /** Smallest physically meaningful value (used as the default lower bound). */
  readonly min: number;
  /** Largest meaningful value (default upper bound). */
  readonly max: number;
}

export interface Lineshape {
  readonly name: string;
  readonly description: string;
  /** Parameter list; the first two are always position (ppm) and area. */
  readonly parameters: readonly LineshapeParameter[];
  /**
   * Adds the profile at each shift of `xPpm` to `out`, reading this line's parameters from
   * p[offset … offset + parameters.length). When `grads` is given, grads[k][i] is overwritten with
   * ∂profile(x_i)/∂p_k.
   */
  evaluate(
    xPpm: Float64Array,
    p: Float64Array,
    offset: number,
    out: Float64Array,
    grads?: Float64Array[] | null,
  ): void;
  /** Full width at half maximum of the whole line, ppm. */
  fwhm(p: ArrayLike<number>, offset: number): number;
  /**
   * Complex form for fits with a free receiver phase: adds the absorption (the profile of `evaluate`) to
   * `outRe` and the dispersion (its Hilbert partner, positive above the line centre on a ppm axis, the sign
   * processed spectra carry) to `outIm`; with gradients, both parts' partial derivatives. Shapes without
   * it cannot be fitted with a phase.
   */
  evaluateComplex?(
    xPpm: Float64Array,
    p: Float64Array,
    offset: number,
    outRe: Float64Array,
    outIm: Float64Array,
    gradsRe?: Float64Array[] | null,
    gradsIm?: Float64Array[] | null,
  ): void;
}

const registry = new Map<string, Lineshape>();

export function registerLineshape(shape: Lineshape): void {
  if (
    shape.parameters.length < 2 ||
    shape.parameters[0].name !== 'position' ||
    shape.parameters[1].name !== 'area'
  ) {
    throw new ParameterError('a lineshape must start with position and area parameters', {
      field: shape.name,
    });
  }
  registry.set(shape.name, shape);
}

export function getLineshape(name: string): Lineshape {
  const s = registry.get(name);
  if (!s)
    throw new ParameterError('unknown lineshape', {
      field: 'shape',
      found: name,
      expected: [...registry.keys()],
    });
  return s;
}

export function lineshapeNames(): string[] {
  return [...registry.keys()];
}

/** Shapes that can be fitted with a free phase (they have a dispersive part). */
export function lineshapesWithDispersion(): string[] {
  return [...registry.values()].filter((s) => s.evaluateComplex).map((s) => s.name);
}

const LN2 = Math.LN2;
const SQRT_PI = Math.sqrt(Math.PI);
const POSITION: LineshapeParameter = { name: 'position', unit: 'ppm', min: -Infinity, max: Infinity };
const AREA: LineshapeParameter = { name: 'area', unit: 'intensity·ppm', min: 0, max: Infinity };
const width = (name: string): LineshapeParameter => ({ name, unit: 'ppm', min: 0, max: Infinity });

/** Lorentzian: A·(h/π)/((x−x₀)² + h²), h = FWHM/2. */
export const lorentzian: Lineshape = {
  name: 'lorentzian',
  description: 'Lorentzian (homogeneous, T2-limited) line',
  parameters: [POSITION, AREA, width('fwhm')],
  evaluate(x, p, o, out, grads) {
    const x0 = p[o];
    const A = p[o + 1];
    const h = 0.5 * Math.abs(p[o + 2]);
    const hp = h / Math.PI;
    for (let i = 0; i < x.length; i++) {
      const u = x[i] - x0;
      const D = u * u + h * h;
      const shape = D > 0 ? hp / D : 0;
      out[i] += A * shape;
      if (grads) {
        grads[0][i] = D > 0 ? (A * hp * 2 * u) / (D * D) : 0;
        grads[1][i] = shape;
        grads[2][i] = D > 0 ? (0.5 * A * (u * u - h * h)) / Math.PI / (D * D) : 0;
      }
    }
  },
  fwhm: (p, o) => Math.abs(p[o + 2]),
  evaluateComplex(x, p, o, outRe, outIm, gRe, gIm) {
    lorentzian.evaluate(x, p, o, outRe, gRe);
    const x0 = p[o];
    const A = p[o + 1];
    const h = 0.5 * Math.abs(p[o + 2]);
    for (let i = 0; i < x.length; i++) {
      const u = x[i] - x0;
      const D = u * u + h * h;
      const shape = D > 0 ? u / Math.PI / D : 0;
      outIm[i] += A * shape;
      if (gIm) {
        gIm[0][i] = D > 0 ? (A * (u * u - h * h)) / Math.PI / (D * D) : 0;
        gIm[1][i] = shape;
        gIm[2][i] = D > 0 ? (-A * h * u) / Math.PI / (D * D) : 0;
      }
    }
  },
};

/** Gaussian: A·(2√(ln2/π)/f)·exp(−4 ln2 (x−x₀)²/f²). */
export const gaussian: Lineshape = {
  name: 'gaussian',
  description: 'Gaussian (inhomogeneous distribution) line',
  parameters: [POSITION, AREA, width('fwhm')],
  evaluate(x, p, o, out, grads) {
    const x0 = p[o];
    const A = p[o + 1];
    const f = Math.abs(p[o + 2]);
    if (f === 0) {
      if (grads) for (const g of grads) g.fill(0, 0, x.length);
      return;
    }
    const norm = (2 * Math.sqrt(LN2 / Math.PI)) / f;
    const k = (4 * LN2) / (f * f);
    for (let i = 0; i < x.length; i++) {
      const u = x[i] - x0;
      const shape = norm * Math.exp(-k * u * u);
      out[i] += A * shape;
      if (grads) {
        grads[0][i] = A * shape * 2 * k * u;
        grads[1][i] = shape;
        grads[2][i] = A * shape * ((2 * k * u * u) / f - 1 / f);
      }
    }
  },
  fwhm: (p, o) => Math.abs(p[o + 2]),
};

/**
 * True Voigt profile: convolution of a Gaussian (FWHM fwhmG) and a Lorentzian (FWHM fwhmL), evaluated as
 * A·Re w(z)/(s√π) with z = (x − x₀ + iγ)/s, s = σ√2 = fwhmG/(2√ln2), γ = fwhmL/2. Derivatives use
 * w'(z) = −2z·w(z) + 2i/√π (Abramowitz & Stegun 7.1.20). fwhmG = 0 falls back to the Lorentzian limit.
 */
export const voigt: Lineshape = {
  name: 'voigt',
  description: 'Voigt (Gaussian ⊗ Lorentzian) line via the Faddeeva function',
  parameters: [POSITION, AREA, width('fwhmG'), width('fwhmL')],
  evaluate(x, p, o, out, grads) {
    const x0 = p[o];
    const A = p[o + 1];
    const fG = Math.abs(p[o + 2]);
    const fL = Math.abs(p[o + 3]);
    if (fG === 0) {
      // Pure Lorentzian limit; no Gaussian sensitivity is reported.
      const tmp = grads ? [grads[0], grads[1], grads[3]] : null;
      lorentzian.evaluate(x, Float64Array.of(x0, A, fL), 0, out, tmp);
      if (grads) grads[2].fill(0, 0, x.length);
      return;
    }
    const s = fG / (2 * Math.sqrt(LN2));
    const invS = 1 / s;
    const N = invS / SQRT_PI;
    const yz = 0.5 * fL * invS;
    const w = wBuffer;
    const AN = A * N;
    if (!grads) {
      for (let i = 0; i < x.length; i++) {
        faddeeva((x[i] - x0) * invS, yz, w);
        out[i] += AN * w[0];
      }
      return;
    }
    const [gPos, gArea, gG, gL] = grads;
    const kG = -AN * invS * HALF_INV_SQRT_LN2;
    const kL = -0.5 * AN * invS;
    for (let i = 0; i < x.length; i++) {
      const xz = (x[i] - x0) * invS;
      faddeeva(xz, yz, w);
      const wr = w[0];
      const wi = w[1];
      out[i] += AN * wr;
      const dr = -2 * (xz * wr - yz * wi);
      const di = -2 * (xz * wi + yz * wr) + TWO_INV_SQRT_PI;
      gPos[i] = -AN * dr * invS;
      gArea[i] = N * wr;
      gG[i] = kG * (wr + xz * dr - yz * di);
      gL[i] = kL * di;
    }
  },
  fwhm: (p, o) => voigtFwhm(Math.abs(p[o + 2]), Math.abs(p[o + 3])),
  evaluateComplex(x, p, o, outRe, outIm, gRe, gIm) {
    const x0 = p[o];
    const A = p[o + 1];
    const fG = Math.abs(p[o + 2]);
    const fL = Math.abs(p[o + 3]);
    if (fG === 0) {
      const q = Float64Array.of(x0, A, fL);
      lorentzian.evaluateComplex!(
        x,
        q,
        0,
        outRe,
        outIm,
        gRe ? [gRe[0], gRe[1], gRe[3]] : null,
        gIm ? [gIm[0], gIm[1], gIm[3]] : null,
      );
      if (gRe) gRe[2].fill(0, 0, x.length);
      if (gIm) gIm[2].fill(0, 0, x.length);
      return;
    }
    const s = fG / (2 * Math.sqrt(LN2));
    const invS = 1 / s;
    const N = invS / SQRT_PI;
    const yz = 0.5 * fL * invS;
    const w = wBuffer;
    const AN = A * N;
    // V = A·w(z)/(s√π): ∂/∂x0 = −A N w'/s, ∂/∂s = −(A N/s)(w + z w'), ∂/∂fL = A N w'·i/(2s).
    const kG = -AN * invS * HALF_INV_SQRT_LN2;
    const kL = 0.5 * AN * invS;
    for (let i = 0; i < x.length; i++) {
      const xz = (x[i] - x0) * invS;
      faddeeva(xz, yz, w);
      const wr = w[0];
      const wi = w[1];
      outRe[i] += AN * wr;
      outIm[i] += AN * wi;
      if (!gRe || !gIm) continue;
      const dr = -2 * (xz * wr - yz * wi);
      const di = -2 * (xz * wi + yz * wr) + TWO_INV_SQRT_PI;
      gRe[0][i] = -AN * dr * invS;
      gIm[0][i] = -AN * di * invS;
      gRe[1][i] = N * wr;
      gIm[1][i] = N * wi;
      gRe[2][i] = kG * (wr + xz * dr - yz * di);
      gIm[2][i] = kG * (wi + xz * di + yz * dr);
      gRe[3][i] = -kL * di;
      gIm[3][i] = kL * dr;
    }
  },
};
const wBuffer = new Float64Array(2);
const HALF_INV_SQRT_LN2 = 1 / (2 * Math.sqrt(LN2));
const TWO_INV_SQRT_PI = 2 / SQRT_PI;

/** Olivero & Longbothum's coefficients (see voigtFwhm). */
const OL_A = 0.5346;
const OL_B = 0.2166;

/**
 * FWHM of a Voigt line from its Gaussian and Lorentzian FWHMs (Olivero & Longbothum, J. Quant. Spectrosc.
 * Radiat. Transfer 17 (1977) 233; 0.02 % accuracy) — for reporting only, never inside a fit.
 */
export function voigtFwhm(fG: number, fL: number): number {
  return OL_A * fL + Math.sqrt(OL_B * fL * fL + fG * fG);
}

/** Pseudo-Voigt: η·Lorentzian + (1−η)·Gaussian with a common FWHM (as dmfit's "Gaus/Lor" shape). */
export const pseudoVoigt: Lineshape = {
  name: 'pseudo-voigt',
  description: 'pseudo-Voigt: η·Lorentzian + (1−η)·Gaussian, common FWHM',
  parameters: [POSITION, AREA, width('fwhm'), { name: 'eta', unit: '1', min: 0, max: 1 }],
  evaluate(x, p, o, out, grads) {
    const x0 = p[o];
    const A = p[o + 1];
    const f = Math.abs(p[o + 2]);
    const eta = p[o + 3];
    const h = 0.5 * f;
    const hp = h / Math.PI;
    const norm = f > 0 ? (2 * Math.sqrt(LN2 / Math.PI)) / f : 0;
    const k = f > 0 ? (4 * LN2) / (f * f) : 0;
    for (let i = 0; i < x.length; i++) {
      const u = x[i] - x0;
      const D = u * u + h * h;
      const Ls = D > 0 ? hp / D : 0;
      const Gs = norm * Math.exp(-k * u * u);
      out[i] += A * (eta * Ls + (1 - eta) * Gs);
      if (grads) {
        const dLdx0 = D > 0 ? (hp * 2 * u) / (D * D) : 0;
        const dGdx0 = Gs * 2 * k * u;
        const dLdf = D > 0 ? (0.5 * (u * u - h * h)) / Math.PI / (D * D) : 0;
        const dGdf = f > 0 ? Gs * ((2 * k * u * u) / f - 1 / f) : 0;
        grads[0][i] = A * (eta * dLdx0 + (1 - eta) * dGdx0);
        grads[1][i] = eta * Ls + (1 - eta) * Gs;
        grads[2][i] = A * (eta * dLdf + (1 - eta) * dGdf);
        grads[3][i] = A * (Ls - Gs);
      }
    }
  },
  fwhm: (p, o) => Math.abs(p[o + 2]),
};

/**
 * Gaussian and Lorentzian FWHM of a Voigt whose whole FWHM is `fwhm` and whose Lorentzian part is the share
 * `lorentzShare` (0…1) of it: fL = ρ·f, fG = f·√((1 − aρ)² − bρ²), the inverse of voigtFwhm.
 */
export function voigtPartsFromFwhm(fwhm: number, lorentzShare: number): { fwhmG: number; fwhmL: number } {
  const f = Math.abs(fwhm);
  const r = Math.min(1, Math.max(0, lorentzShare));
  const q = (1 - OL_A * r) ** 2 - OL_B * r * r;
  return { fwhmG: f * Math.sqrt(Math.max(0, q)), fwhmL: r * f };
}

const vfParams = new Float64Array(4);
let vfGrads: Float64Array[] = [];

/**
 * Voigt line parameterised by its whole FWHM and the Lorentzian share of it, so that a bound on `fwhm`
 * bounds the width of the whole line (as a width cap measured on a pristine electrode means), not the
 * Gaussian and Lorentzian parts separately: parts of 5 ppm each make an 8.1 ppm line.
 */
export const voigtFwhmShape: Lineshape = {
  name: 'voigt-fwhm',
  description: 'Voigt line with its whole FWHM and Lorentzian share (fL/FWHM) as parameters',
  parameters: [POSITION, AREA, width('fwhm'), { name: 'lorentzShare', unit: '1', min: 0, max: 1 }],
  evaluate(x, p, o, out, grads) {
    const f = Math.abs(p[o + 2]);
    const r = Math.min(1, Math.max(0, p[o + 3]));
    const { fwhmG, fwhmL } = voigtPartsFromFwhm(f, r);
    vfParams[0] = p[o];
    vfParams[1] = p[o + 1];
    vfParams[2] = fwhmG;
    vfParams[3] = fwhmL;
    if (!grads) return voigt.evaluate(x, vfParams, 0, out);
    if (vfGrads.length === 0 || vfGrads[0].length < x.length)
      vfGrads = [0, 1, 2, 3].map(() => new Float64Array(x.length));
    voigt.evaluate(x, vfParams, 0, out, vfGrads);
    const [, , gG, gL] = vfGrads;
    // fG = f·g(ρ), fL = ρ·f: ∂/∂f = g·∂G + ρ·∂L, ∂/∂ρ = f·g'(ρ)·∂G + f·∂L.
    const g = f > 0 ? fwhmG / f : 0;
    const dg = g > 1e-9 ? (-OL_A * (1 - OL_A * r) - OL_B * r) / g : 0;
    for (let i = 0; i < x.length; i++) {
      grads[0][i] = vfGrads[0][i];
      grads[1][i] = vfGrads[1][i];
      grads[2][i] = g * gG[i] + r * gL[i];
      grads[3][i] = f * (dg * gG[i] + gL[i]);
    }
  },
  fwhm: (p, o) => Math.abs(p[o + 2]),
  evaluateComplex(x, p, o, outRe, outIm, gRe, gIm) {
    const f = Math.abs(p[o + 2]);
    const r = Math.min(1, Math.max(0, p[o + 3]));
    const { fwhmG, fwhmL } = voigtPartsFromFwhm(f, r);
    const q = Float64Array.of(p[o], p[o + 1], fwhmG, fwhmL);
    if (!gRe || !gIm) return voigt.evaluateComplex!(x, q, 0, outRe, outIm);
    const n = x.length;
    const re = [0, 1, 2, 3].map(() => new Float64Array(n));
    const im = [0, 1, 2, 3].map(() => new Float64Array(n));
    voigt.evaluateComplex!(x, q, 0, outRe, outIm, re, im);
    const g = f > 0 ? fwhmG / f : 0;
    const dg = g > 1e-9 ? (-OL_A * (1 - OL_A * r) - OL_B * r) / g : 0;
    for (const [src, dst] of [
      [re, gRe],
      [im, gIm],
    ] as const) {
      for (let i = 0; i < n; i++) {
        dst[0][i] = src[0][i];
        dst[1][i] = src[1][i];
        dst[2][i] = g * src[2][i] + r * src[3][i];
        dst[3][i] = f * (dg * src[2][i] + src[3][i]);
      }
    }
  },
};

for (const s of [lorentzian, gaussian, voigt, pseudoVoigt, voigtFwhmShape]) registerLineshape(s);

/** Evaluates one line on an axis (area-normalised shapes times area); a convenience for callers and tests. */
export function lineProfile(
  shape: string | Lineshape,
  xPpm: ArrayLike<number>,
  params: ArrayLike<number>,
): Float64Array {
  const s = typeof shape === 'string' ? getLineshape(shape) : shape;
  if (params.length !== s.parameters.length) {
    throw new ParameterError('wrong number of lineshape parameters', {
      field: s.name,
      found: params.length,
      expected: s.parameters.map((q) => q.name),
    });
  }
  const x = Float64Array.from(xPpm);
  const out = new Float64Array(x.length);
  s.evaluate(x, Float64Array.from(params), 0, out);
  return out;
}
