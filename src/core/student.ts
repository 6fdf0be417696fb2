/**
 * Student's t distribution for comparing conditions (Welch's test of two means): its CDF through the
 * regularised incomplete beta function, I_x(a, b) by the Lentz continued fraction (the standard expansion,
 * e.g. Abramowitz & Stegun 26.5.8), ln Γ by the Lanczos approximation (g = 7, 9 terms), and quantiles by
 * bisection on the CDF. Written here because no maintained npm package of the field provides them without
 * pulling in a whole statistics library; checked against scipy.stats.t in test/core/student.test.ts.
 */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x), x > 0. */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of I_x(a, b) (modified Lentz), valid for x < (a + 1)/(a + b + 2). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(a, b, x)) / a
    : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df > 0, not necessarily whole). */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t with P(T ≤ t) = p (0 < p < 1). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return NaN;
  if (p === 0.5) return 0;
  let lo = -1;
  let hi = 1;
  while (studentTCdf(lo, df) > p) lo *= 2;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, Math.abs(hi)); i++) {
    const mid = 0.5 * (lo + hi);
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

export interface WelchResult {
  /** meanB − meanA. */
  readonly difference: number;
  readonly standardError: number;
  /** Welch–Satterthwaite degrees of freedom. */
  readonly df: number;
  /** Two-sided confidence interval of the difference at `level`. */
  readonly interval: [number, number];
  /** Two-sided p value of "no difference". */
  readonly p: number;
}

/**
 * Welch's comparison of two means from their sample sizes and standard deviations (unequal variances):
 * SE = √(sA²/nA + sB²/nB), ν = SE⁴ / ((sA²/nA)²/(nA − 1) + (sB²/nB)²/(nB − 1)). Null when either side has
 * fewer than two values (no standard deviation).
 */
export function welch(
  a: { mean: number; sd: number | null; n: number },
  b: { mean: number; sd: number | null; n: number },
  level = 0.95,
): WelchResult | null {
  if (a.sd === null || b.sd === null || a.n < 2 || b.n < 2) return null;
  const va = (a.sd * a.sd) / a.n;
  const vb = (b.sd * b.sd) / b.n;
  const se = Math.sqrt(va + vb);
  const difference = b.mean - a.mean;
  if (!(se > 0))
    return {
      difference,
      standardError: 0,
      df: a.n + b.n - 2,
      interval: [difference, difference],
      p: difference === 0 ? 1 : 0,
    };
  const df = (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const q = studentTQuantile(0.5 + level / 2, df);
  const t = difference / se;
  return {
    difference,
    standardError: se,
    df,
    interval: [difference - q * se, difference + q * se],
    p: 2 * studentTCdf(-Math.abs(t), df),
  };
}
