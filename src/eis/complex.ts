/**
 * Minimal complex arithmetic on {re, im} pairs for impedance models. Elements are evaluated point by
 * point, so a tiny immutable value type keeps the formulas readable without an external dependency.
 */

export interface Complex {
  readonly re: number;
  readonly im: number;
}

export const c = (re: number, im = 0): Complex => ({ re, im });
export const add = (a: Complex, b: Complex): Complex => ({ re: a.re + b.re, im: a.im + b.im });
export const sub = (a: Complex, b: Complex): Complex => ({ re: a.re - b.re, im: a.im - b.im });
export const mul = (a: Complex, b: Complex): Complex => ({
  re: a.re * b.re - a.im * b.im,
  im: a.re * b.im + a.im * b.re,
});
export const scale = (a: Complex, k: number): Complex => ({ re: a.re * k, im: a.im * k });

export function div(a: Complex, b: Complex): Complex {
  // Smith's algorithm avoids overflow when |b| is large or small.
  if (Math.abs(b.re) >= Math.abs(b.im)) {
    const r = b.im / b.re;
    const d = b.re + b.im * r;
    return { re: (a.re + a.im * r) / d, im: (a.im - a.re * r) / d };
  }
  const r = b.re / b.im;
  const d = b.re * r + b.im;
  return { re: (a.re * r + a.im) / d, im: (a.im * r - a.re) / d };
}

export const inv = (a: Complex): Complex => div({ re: 1, im: 0 }, a);
export const abs = (a: Complex): number => Math.hypot(a.re, a.im);

/** Principal square root. */
export function sqrt(a: Complex): Complex {
  const r = abs(a);
  if (r === 0) return { re: 0, im: 0 };
  const re = Math.sqrt((r + Math.abs(a.re)) / 2);
  if (a.re >= 0) return { re, im: a.im / (2 * re) };
  return { re: Math.abs(a.im) / (2 * re), im: a.im >= 0 ? re : -re };
}

/** Principal power a^p for real p (used for CPE: (jω)^α). */
export function powReal(a: Complex, p: number): Complex {
  const r = abs(a);
  if (r === 0) return { re: 0, im: 0 };
  const theta = Math.atan2(a.im, a.re);
  const m = Math.pow(r, p);
  return { re: m * Math.cos(p * theta), im: m * Math.sin(p * theta) };
}

/** (jx)^p for real x ≥ 0: the common CPE factor, exact phase pπ/2. */
export function jPow(x: number, p: number): Complex {
  const m = Math.pow(x, p);
  return { re: m * Math.cos((p * Math.PI) / 2), im: m * Math.sin((p * Math.PI) / 2) };
}

/**
 * tanh(z) = sinh(2x)/(cosh 2x + cos 2y) + j sin(2y)/(cosh 2x + cos 2y), switched to its ±1 limit for large
 * |x| where cosh overflows; finite-length Warburg elements reach |x| ≫ 1 at high frequency.
 */
export function tanh(z: Complex): Complex {
  const x = z.re;
  const y = z.im;
  if (Math.abs(x) > 20) {
    const e = Math.exp(-2 * Math.abs(x));
    // tanh → sign(x)(1 − 2e^{−2|x|}e^{∓2jy}) to first order
    return { re: Math.sign(x) * (1 - 2 * e * Math.cos(2 * y)), im: 2 * e * Math.sin(2 * y) };
  }
  const d = Math.cosh(2 * x) + Math.cos(2 * y);
  return { re: Math.sinh(2 * x) / d, im: Math.sin(2 * y) / d };
}
