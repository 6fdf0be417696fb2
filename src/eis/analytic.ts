/**
 * Closed-form impedances and DRTs used as ground truth (simulation, tests, teaching).
 */

/**
 * ZARC (R ‖ CPE written with its characteristic time): Z = R / (1 + (jωτ0)^φ), 0 < φ ≤ 1.
 * Returns [Z′, Z″].
 */
export function zarcImpedance(freqHz: number, rOhm: number, tau0S: number, phi: number): [number, number] {
  const x = Math.pow(2 * Math.PI * freqHz * tau0S, phi);
  const a = x * Math.cos((phi * Math.PI) / 2);
  const b = x * Math.sin((phi * Math.PI) / 2);
  const d = (1 + a) * (1 + a) + b * b;
  return [(rOhm * (1 + a)) / d, (-rOhm * b) / d];
}

/**
 * DRT of a ZARC per unit ln τ (Cole–Cole distribution; e.g. Boukamp, Electrochim. Acta 154 (2015) 35,
 * eq. 14):  γ(τ) = R/(2π) · sin((1−φ)π) / (cosh(φ ln(τ/τ0)) − cos((1−φ)π)).  Its integral over ln τ is R.
 */
export function zarcGamma(tauS: number, rOhm: number, tau0S: number, phi: number): number {
  const s = Math.sin((1 - phi) * Math.PI);
  return (
    ((rOhm / (2 * Math.PI)) * s) / (Math.cosh(phi * Math.log(tauS / tau0S)) - Math.cos((1 - phi) * Math.PI))
  );
}

/**
 * ∫_{τa}^{τb} γ_ZARC d ln τ in closed form. With u = φ ln(τ/τ0), the antiderivative of
 * sin θ / (cosh u − cos θ) (θ = (1−φ)π) is 2 atan( tanh(u/2) / tan(θ/2) ), so
 * R_window = R/(πφ) · [atan(tanh(u/2)/tan(θ/2))]_{ua}^{ub}.
 */
export function zarcWindowResistance(
  rOhm: number,
  tau0S: number,
  phi: number,
  tauLoS: number,
  tauHiS: number,
): number {
  const theta = (1 - phi) * Math.PI;
  const t = Math.tan(theta / 2);
  const f = (tau: number) => Math.atan(Math.tanh((phi * Math.log(tau / tau0S)) / 2) / t);
  return (rOhm / (Math.PI * phi)) * (f(tauHiS) - f(tauLoS));
}
