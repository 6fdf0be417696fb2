/**
 * Error function for exact window integrals of Gaussian radial basis functions. Maclaurin series for
 * |x| < 3 (W. Gautschi in Abramowitz & Stegun 7.1.5) and Lentz's continued fraction for erfc beyond
 * (A&S 7.1.14); absolute accuracy ~1e-14 (cancellation in the series near its switch point).
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  // erfc(6) ≈ 2.2e-17 is below half an ulp of 1: from here on erf is ±1 in double precision (as the
  // continued fraction gives it), and most calls of a DRT window integral land here.
  if (ax >= 6) return x < 0 ? -1 : 1;
  if (ax < 3) {
    // erf x = 2/√π · Σ (−1)^n x^{2n+1} / (n! (2n+1))
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const v = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -v : v;
  }
  const v = 1 - erfcLarge(ax);
  return x < 0 ? -v : v;
}

/** erfc for x ≥ 3 by the continued fraction erfc x = e^{−x²}/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))). */
function erfcLarge(x: number): number {
  // Modified Lentz evaluation of K = x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))
  const tiny = 1e-300;
  let f = x;
  let cc = f;
  let d = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    d = x + an * d;
    d = d === 0 ? tiny : d;
    cc = x + an / cc;
    cc = cc === 0 ? tiny : cc;
    d = 1 / d;
    const delta = cc * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}
