/**
 * The Faddeeva function w(z) = exp(−z²)·erfc(−iz), whose real part is the Voigt profile.
 *
 * Three representations, each used where it keeps the real part (the Voigt profile) and |w| to about 1e-13
 * relative or better (checked against scipy.special.wofz in test/fit/lineshapes.test.ts; the imaginary
 * part likewise, except near x = 0 where it vanishes linearly and its error is ~1e-16 absolute):
 *
 * 1. Near the real axis (0 ≤ y < 0.1, |x| < 12): the trapezoidal rule applied to
 *    w(z) = (i/π)∫exp(−t²)/(z−t)dt with node spacing a, plus the residue correction for the pole at t = z
 *    (Chiarella & Reichel, Math. Comp. 22 (1968) 137; Matta & Reichel, Math. Comp. 25 (1971) 339).
 *    The neglected error is O(exp(−π²/a²)); a = π/√(−ln(ε/2)) puts it at ε/2. Written as
 *      w(z) = exp(−z²)·[1 − i·cot(πz/a)] + (ia/π)·Σₙ exp(−n²a²)/(z − na),
 *    the sum and the cotangent both have poles at the nodes that cancel; the nearest node n₀ is therefore
 *    combined analytically, (exp(−n₀²a²) − exp(−z²))/(z − n₀a) via a complex expm1, and the cotangent
 *    enters as cot δ − 1/δ (δ = π(z − n₀a)/a). On the real axis this gives Re w = exp(−x²) exactly, so
 *    the Gaussian limit of the Voigt profile keeps full relative accuracy in the far wings.
 * 2. Far from the origin (|z| ≥ 8): the asymptotic series w(z) ~ (i/(√π z))·Σ (2k−1)!!/(2z²)^k, whose
 *    smallest term there is below e^(−64) (Abramowitz & Stegun 7.1.23), truncated per band of |z|.
 * 3. Elsewhere (y ≥ 0.1, |z| < 8): Weideman's rational expansion with N = 40 terms
 *    (Weideman, SIAM J. Numer. Anal. 31 (1994) 1497), coefficients computed once at load; with y ≥ 0.1
 *    its real part stays within 1e-13 relative (N = 36 would give 3e-13, N = 32 1e-11).
 *
 * For y < 0 the reflection w(z) = 2·exp(−z²) − w(−z) is used (it overflows for large y²−x², as w does).
 */

const SQRT_PI = Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / SQRT_PI;

// ---- representation 1: trapezoidal rule with pole correction -------------------------------------------
const TRAP_A = Math.PI / Math.sqrt(-Math.log(2.220446049250313e-16 / 2));
const TRAP_N = 16; // exp(−(16a)²) ≈ 1e-30: further nodes cannot change a double
const TRAP_MAX_NODE = 26; // nodes reachable as nearest node for |x| < 12
const TRAP_EXP = Float64Array.from({ length: TRAP_MAX_NODE + 1 }, (_, n) =>
  Math.exp(-n * n * TRAP_A * TRAP_A),
);

// cot δ − 1/δ = −2 Σ_{k≥1} ζ(2k) δ^{2k−1} / π^{2k}  (|δ| < π); coefficients of δ^{2k−1}.
const COT_SERIES = (() => {
  const terms = 20;
  const c = new Float64Array(terms);
  for (let k = 1; k <= terms; k++) {
    let zeta: number;
    if (k === 1) zeta = (Math.PI * Math.PI) / 6;
    else if (k === 2) zeta = Math.PI ** 4 / 90;
    else {
      // Direct sum to J−1, then the Euler–Maclaurin tail from J; next correction ~1e-15 relative at k = 3.
      const J = 40;
      const s = 2 * k;
      zeta = 0;
      for (let j = J - 1; j >= 1; j--) zeta += j ** -s;
      zeta += 0.5 * J ** -s + J ** (1 - s) / (s - 1) + (s * J ** (-s - 1)) / 12;
    }
    c[k - 1] = (-2 * zeta) / Math.PI ** (2 * k);
  }
  return c;
})();

/** cot(δ) − 1/δ for complex δ = u + iv, into out[0..1]. */
function cotMinusInverse(u: number, v: number, out: Float64Array): void {
  const r2 = u * u + v * v;
  if (r2 < 1) {
    // Horner in δ²: Σ c_k δ^{2k−1} = δ · Σ c_k (δ²)^{k−1}
    const d2r = u * u - v * v;
    const d2i = 2 * u * v;
    let sr = COT_SERIES[COT_SERIES.length - 1];
    let si = 0;
    for (let k = COT_SERIES.length - 2; k >= 0; k--) {
      const tr = sr * d2r - si * d2i + COT_SERIES[k];
      si = sr * d2i + si * d2r;
      sr = tr;
    }
    out[0] = sr * u - si * v;
    out[1] = sr * v + si * u;
    return;
  }
  // cot(u+iv) = (sin 2u − i sinh 2v) / (cosh 2v − cos 2u), denominator as 2(sinh²v + sin²u) to avoid cancellation.
  const su = Math.sin(u);
  const shv = Math.sinh(v);
  const den = 2 * (shv * shv + su * su);
  const cr = Math.sin(2 * u) / den;
  const ci = -Math.sinh(2 * v) / den;
  out[0] = cr - u / r2;
  out[1] = ci + v / r2;
}

const scratch = new Float64Array(2);

function wTrapezoid(x: number, y: number, out: Float64Array, k: number): void {
  const a = TRAP_A;
  const n0 = Math.round(x / a);
  // Σ_{n≠n0} exp(−n²a²)/(z − na)
  let sr = 0;
  let si = 0;
  const y2 = y * y;
  if (n0 !== 0) {
    const dr = x;
    const den = dr * dr + y2;
    sr += (TRAP_EXP[0] * dr) / den;
    si -= (TRAP_EXP[0] * y) / den;
  }
  // Nodes ±n paired: 1/(z − na) + 1/(z + na) = 2z/(z² − n²a²), one complex division per pair.
  const zr2 = x * x - y2;
  const zi2 = 2 * x * y;
  for (let n = 1; n <= TRAP_N; n++) {
    const e = TRAP_EXP[n];
    if (n === n0 || n === -n0) {
      const nn = n === n0 ? -n : n;
      const dr = x - nn * a;
      const den = dr * dr + y2;
      sr += (e * dr) / den;
      si -= (e * y) / den;
      continue;
    }
    const qr = zr2 - n * n * a * a;
    const den = qr * qr + zi2 * zi2;
    const c = (2 * e) / den;
    // 2z·conj(q)/|q|²
    sr += c * (x * qr + y * zi2);
    si += c * (y * qr - x * zi2);
  }
  // Nearest node: (exp(−n0²a²) − exp(−z²))/(z − n0a) = −exp(−n0²a²)·expm1(−(z−n0a)(z+n0a))/(z−n0a)
  const dzr = x - n0 * a;
  const dzi = y;
  const e0 = TRAP_EXP[n0 < 0 ? -n0 : n0];
  if (dzr === 0 && dzi === 0) {
    sr += e0 * 2 * n0 * a;
  } else {
    const pr = x + n0 * a;
    const pi = y;
    const ur = -(dzr * pr - dzi * pi);
    const ui = -(dzr * pi + dzi * pr);
    const sh = Math.sin(0.5 * ui);
    const emr = Math.expm1(ur) * Math.cos(ui) - 2 * sh * sh;
    const emi = Math.exp(ur) * Math.sin(ui);
    const den = dzr * dzr + dzi * dzi;
    // −e0 · em / dz
    sr += (-e0 * (emr * dzr + emi * dzi)) / den;
    si += (-e0 * (emi * dzr - emr * dzi)) / den;
  }
  // exp(−z²) = exp(y² − x²)·(cos 2xy − i sin 2xy)
  const mag = Math.exp(y * y - x * x);
  const ezr = mag * Math.cos(2 * x * y);
  const ezi = -mag * Math.sin(2 * x * y);
  cotMinusInverse((Math.PI * dzr) / a, (Math.PI * dzi) / a, scratch);
  // 1 − i·C
  const fr = 1 + scratch[1];
  const fi = -scratch[0];
  const c = a / Math.PI;
  // (i c)(sr + i si) = −c si + i c sr
  out[k] = -c * si + (ezr * fr - ezi * fi);
  out[k + 1] = c * sr + (ezr * fi + ezi * fr);
}

// ---- representation 2: asymptotic series -----------------------------------------------------------------
/**
 * w(z) ~ (i/(√π z))·Σ_k (2k−1)!!/(2z²)^k for |z| → ∞ in the upper half plane (Abramowitz & Stegun 7.1.23).
 * The terms shrink until k ≈ |z|², so for |z| ≥ 8 a handful reach double precision; the count below keeps
 * the first neglected term under 2e-16 in each band. Coefficients (2k−1)!!/2^k, real, so the sum in
 * u = 1/z² is evaluated with the real-quadratic Horner scheme used for Weideman's polynomial.
 */
const ASYMPTOTIC_COEF = Float64Array.from({ length: 16 }, (_, k) => {
  let c = 1;
  for (let j = 1; j <= k; j++) c *= (2 * j - 1) / 2;
  return c;
});

function wAsymptotic(x: number, y: number, out: Float64Array, k: number): void {
  const r2 = x * x + y * y;
  // First neglected term (2K−1)!!/(2|z|²)^K at the band's lower edge: ≤ 1.5e-16 in every band.
  const terms =
    r2 < 81
      ? 15
      : r2 < 100
        ? 13
        : r2 < 144
          ? 12
          : r2 < 400
            ? 10
            : r2 < 1600
              ? 8
              : r2 < 1e4
                ? 6
                : r2 < 1e6
                  ? 5
                  : r2 < 1e12
                    ? 3
                    : 2;
  // 1/z and u = 1/z²
  const izr = x / r2;
  const izi = -y / r2;
  const ur = izr * izr - izi * izi;
  const ui = 2 * izr * izi;
  // S(u) = E(u²) + u·O(u²): two independent real-quadratic Horner chains in v = u² (as in wWeideman).
  const vr = ur * ur - ui * ui;
  const vi = 2 * ur * ui;
  const rho = 2 * vr;
  const q = vr * vr + vi * vi;
  const ne = (terms + 1) >> 1; // even-index coefficients c_0, c_2, …
  const no = terms >> 1; // odd-index coefficients c_1, c_3, …
  let e1 = ASYMPTOTIC_COEF[2 * (ne - 1)];
  let e2 = 0;
  for (let j = ne - 2; j >= 1; j--) {
    const e0 = ASYMPTOTIC_COEF[2 * j] + rho * e1 - q * e2;
    e2 = e1;
    e1 = e0;
  }
  let o1 = ASYMPTOTIC_COEF[2 * (no - 1) + 1];
  let o2 = 0;
  for (let j = no - 2; j >= 1; j--) {
    const o0 = ASYMPTOTIC_COEF[2 * j + 1] + rho * o1 - q * o2;
    o2 = o1;
    o1 = o0;
  }
  // Each part P(v) = c_0 + v·s1 − q·s2 (a single coefficient when the chain has length 1)
  const Er = ne > 1 ? ASYMPTOTIC_COEF[0] + vr * e1 - q * e2 : ASYMPTOTIC_COEF[0];
  const Ei = ne > 1 ? vi * e1 : 0;
  const Or = no > 1 ? ASYMPTOTIC_COEF[1] + vr * o1 - q * o2 : ASYMPTOTIC_COEF[1];
  const Oi = no > 1 ? vi * o1 : 0;
  const sr = Er + ur * Or - ui * Oi;
  const si = Ei + ur * Oi + ui * Or;
  // (i/√π)·(1/z)·S
  const tr = izr * sr - izi * si;
  const ti = izr * si + izi * sr;
  out[k] = -INV_SQRT_PI * ti;
  out[k + 1] = INV_SQRT_PI * tr;
}

// ---- representation 3: Weideman rational expansion ------------------------------------------------------
const WEIDEMAN_N = 40;
const WEIDEMAN_L = Math.sqrt(WEIDEMAN_N / Math.SQRT2);
/**
 * a_n: Fourier cosine coefficients of F(θ) = (L² + t²)exp(−t²), t = L·tan(θ/2), by the trapezoidal rule
 * on 2M points (M = 2N); stored highest order first for Horner evaluation.
 */
const WEIDEMAN_COEF = (() => {
  const N = WEIDEMAN_N;
  const M = 2 * N;
  const L = WEIDEMAN_L;
  const F = new Float64Array(2 * M - 1);
  for (let k = -M + 1; k <= M - 1; k++) {
    const t = L * Math.tan((k * Math.PI) / M / 2);
    F[k + M - 1] = Math.exp(-t * t) * (L * L + t * t);
  }
  const coef = new Float64Array(N);
  for (let n = 1; n <= N; n++) {
    let s = 0;
    for (let k = -M + 1; k <= M - 1; k++) s += F[k + M - 1] * Math.cos((n * k * Math.PI) / M);
    coef[N - n] = s / (2 * M);
  }
  return coef;
})();

/** W_r[k]: coefficient of Z^(4k+r) in p(Z). */
const weidemanChain = (r: number) =>
  Float64Array.from({ length: WEIDEMAN_N / 4 }, (_, k) => WEIDEMAN_COEF[WEIDEMAN_N - 1 - (4 * k + r)]);
const W0 = weidemanChain(0);
const W1 = weidemanChain(1);
const W2 = weidemanChain(2);
const W3 = weidemanChain(3);

function wWeideman(x: number, y: number, out: Float64Array, k: number): void {
  const L = WEIDEMAN_L;
  // iz = −y + ix; Z = (L + iz)/(L − iz)
  const ar = L - y;
  const ai = x;
  const br = L + y;
  const bi = -x;
  const bden = br * br + bi * bi;
  const Zr = (ar * br + ai * bi) / bden;
  const Zi = (ai * br - ar * bi) / bden;
  // p(Z) = Σ_{r<4} Z^r·P_r(Z⁴) with real coefficients; each P_r by the real-quadratic Horner scheme
  // (divide by t² − ρt + q, whose roots are W = Z⁴ and its conjugate; Knuth, TAOCP vol. 2, §4.6.4). Four
  // independent recurrences of ten steps run side by side instead of one latency-bound chain of forty.
  const Z2r = Zr * Zr - Zi * Zi;
  const Z2i = 2 * Zr * Zi;
  const Z3r = Z2r * Zr - Z2i * Zi;
  const Z3i = Z2r * Zi + Z2i * Zr;
  const Wr = Z2r * Z2r - Z2i * Z2i;
  const Wi = 2 * Z2r * Z2i;
  const rho = 2 * Wr;
  const q = Wr * Wr + Wi * Wi;
  const last = WEIDEMAN_N / 4 - 1;
  let a1 = W0[last];
  let b1 = W1[last];
  let c1 = W2[last];
  let d1 = W3[last];
  let a2 = 0;
  let b2 = 0;
  let c2 = 0;
  let d2 = 0;
  for (let j = last - 1; j >= 1; j--) {
    const a0 = W0[j] + rho * a1 - q * a2;
    const b0 = W1[j] + rho * b1 - q * b2;
    const c0 = W2[j] + rho * c1 - q * c2;
    const d0 = W3[j] + rho * d1 - q * d2;
    a2 = a1;
    a1 = a0;
    b2 = b1;
    b1 = b0;
    c2 = c1;
    c1 = c0;
    d2 = d1;
    d1 = d0;
  }
  // P_r(W) = c_r0 + W·s1 − q·s2
  const p0r = W0[0] + Wr * a1 - q * a2;
  const p0i = Wi * a1;
  const p1r = W1[0] + Wr * b1 - q * b2;
  const p1i = Wi * b1;
  const p2r = W2[0] + Wr * c1 - q * c2;
  const p2i = Wi * c1;
  const p3r = W3[0] + Wr * d1 - q * d2;
  const p3i = Wi * d1;
  const pr = p0r + (Zr * p1r - Zi * p1i) + (Z2r * p2r - Z2i * p2i) + (Z3r * p3r - Z3i * p3i);
  const pi = p0i + (Zr * p1i + Zi * p1r) + (Z2r * p2i + Z2i * p2r) + (Z3r * p3i + Z3i * p3r);
  // 1/(L − iz) and its square
  const ir = br / bden;
  const ii = -bi / bden;
  const i2r = ir * ir - ii * ii;
  const i2i = 2 * ir * ii;
  out[k] = 2 * (pr * i2r - pi * i2i) + INV_SQRT_PI * ir;
  out[k + 1] = 2 * (pr * i2i + pi * i2r) + INV_SQRT_PI * ii;
}

function wUpper(x: number, y: number, out: Float64Array, k: number): void {
  // Weideman's expansion keeps Re w to ~1e-13 relative down to y ≈ 0.1 and is several times cheaper than
  // the trapezoidal sum, which takes over closer to the real axis where Re w can be exponentially small.
  if (y < 0.1 && x < 12 && x > -12) wTrapezoid(x, y, out, k);
  else if (x * x + y * y >= 64) {
    wAsymptotic(x, y, out, k);
    // The series misses the exponentially small exp(−z²) part that carries Re w on and near the real
    // axis (Re w(x) = exp(−x²) exactly); restore it where it is not negligible: for y ≥ 1e-3 and
    // x² − y² ≥ 50 it is below 1e-16 of Re w ≈ y/(√π|z|²).
    const d = x * x - y * y;
    if (y < 1 && d < 745 && (y < 1e-3 || d < 50)) out[k] += Math.exp(-d) * Math.cos(2 * x * y);
  } else wWeideman(x, y, out, k);
}

/**
 * w(x + iy) written to out[k] (real) and out[k+1] (imaginary); see the module comment for accuracy (y ≥ 0;
 * for y < 0 through the reflection formula).
 */
export function faddeeva(x: number, y: number, out: Float64Array, k = 0): void {
  if (y >= 0) {
    wUpper(x, y, out, k);
    return;
  }
  // w(z) = 2 exp(−z²) − w(−z)
  wUpper(-x, -y, out, k);
  const mag = 2 * Math.exp(y * y - x * x);
  out[k] = mag * Math.cos(2 * x * y) - out[k];
  out[k + 1] = -mag * Math.sin(2 * x * y) - out[k + 1];
}

/** Convenience: w(z) as a [re, im] pair. */
export function faddeevaPair(x: number, y: number): [number, number] {
  const o = new Float64Array(2);
  faddeeva(x, y, o);
  return [o[0], o[1]];
}
