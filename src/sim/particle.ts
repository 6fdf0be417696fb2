/**
 * The virtual single particle: one spherical particle of active material on a microelectrode, as in the
 * single-particle set-up of the SIMBA project report (Deliverable D3.2 "Operational in-situ NMR and SPM /
 * first tests demonstration", 2021: a microelectrode contacting one 10–25 µm particle, currents of nA).
 *
 * Model (every parameter is in ParticleParameters with its unit):
 * - Solid-state diffusion of the guest (Li) in a sphere, ∂c/∂t = D (1/r²) ∂/∂r (r² ∂c/∂r), constant D,
 *   symmetric centre, the surface flux set by the electrode reaction. Discretised by finite volumes on a
 *   vertex-centred grid (node i at r = i·R/N; node N is the surface, its half shell the outermost
 *   control volume), so the content Σ Vᵢ cᵢ changes by exactly the charge passed (mass is conserved to
 *   round-off). Time: θ-scheme; under a set current Crank–Nicolson (θ = ½) with two backward-Euler steps
 *   after every change (Rannacher start-up: a current step would otherwise ring); under a set potential
 *   backward Euler (the kinetic surface coupling is stiff), with steps growing from 1 ms.
 * - Open-circuit potential of a lattice gas with a slope factor k: U(x) = E⁰ + k·(RT/F)·ln((1−x)/x),
 *   x = c/c_max (k = 1 is the ideal Nernstian insertion electrode).
 * - Butler–Volmer surface kinetics: i = i₀(x)·[exp(α f η) − exp(−(1−α) f η)], η = E − U(x_s), f = F/RT,
 *   i₀(x) = i₀,½ · √(x(1−x)) / ½ (i₀,½ the exchange current density at x = ½), α the anodic transfer
 *   coefficient. Current > 0 is anodic (delithiation), EC-Lab's convention.
 * - Optional irreversible side reaction (SEI formation): a cathodic current that does not enter the
 *   particle, with rate constant k(E) = exp(−α_SEI f (E − E_SEI)) / τ_SEI acting on the charge still to
 *   form, dq/dt = k(E)·(Q_SEI − q) (passivation: the film stops growing once Q_SEI has passed).
 * - No double-layer charging and no ohmic drop (the record is the particle's own response).
 *
 * Protocols (galvanostatic steps with voltage limits, rests, potential holds, potential sweeps) are run
 * into an EC-Lab-style record (src/sim/cycler.ts writes it as .mpt or CSV) with optional Gaussian noise on
 * the logged current and voltage.
 */
import { FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K, SECONDS_PER_HOUR } from '../core/constants.js';
import { ParameterError, NumericalError } from '../core/errors.js';
import type { CyclerRecords, RecordColumn } from '../io/cycler/types.js';
import { formatWallClock, wallClockFromUtcMs } from '../io/cycler/time.js';
import { createRng, type Rng } from './random.js';

export interface SeiParameters {
  /** Charge the film takes to form completely, nAh. */
  readonly chargeNAh: number;
  /** Potential where the rate constant is 1/τ, V. */
  readonly potentialV: number;
  /** Time constant at that potential, s. */
  readonly timeConstantS: number;
  /** Cathodic transfer coefficient of the side reaction. */
  readonly alpha: number;
}

export interface ParticleParameters {
  readonly radiusM: number;
  readonly diffusionM2PerS: number;
  /** Site concentration (guest at x = 1), mol m⁻³. */
  readonly maxConcentrationMolPerM3: number;
  /** Initial uniform filling x = c/c_max (0 < x < 1). */
  readonly initialFraction: number;
  readonly standardPotentialV: number;
  /** k in U(x) = E⁰ + k(RT/F) ln((1−x)/x); 1 = ideal Nernstian. */
  readonly ocvSlopeFactor: number;
  /** Exchange current density at x = ½, A m⁻². */
  readonly exchangeCurrentAPerM2: number;
  /** Anodic transfer coefficient α (cathodic 1 − α). */
  readonly transferCoefficient: number;
  readonly temperatureK: number;
  /** Radial intervals of the grid. */
  readonly shells: number;
  /** Side reaction, or null for none. */
  readonly sei: SeiParameters | null;
}

/**
 * Defaults: a 12 µm particle (the SiOC particle of the SIMBA report's rate test) whose site
 * concentration gives ≈0.93 nAh, D = 1e-14 m² s⁻¹ (diffusion time R²/D = 1 h), i₀ = 10 A m⁻² (1 mA cm⁻²).
 */
export const DEFAULT_PARTICLE: ParticleParameters = {
  radiusM: 6e-6,
  diffusionM2PerS: 1e-14,
  maxConcentrationMolPerM3: 3.7e4,
  initialFraction: 0.001,
  standardPotentialV: 0.45,
  ocvSlopeFactor: 1,
  exchangeCurrentAPerM2: 10,
  transferCoefficient: 0.5,
  temperatureK: 298.15,
  shells: 400,
  sei: null,
};

const X_MIN = 1e-12;

/** f = F/RT, V⁻¹. */
export function thermalFactor(p: ParticleParameters): number {
  return FARADAY_C_PER_MOL / (GAS_CONSTANT_J_PER_MOL_K * p.temperatureK);
}

/** Open-circuit potential at filling x, V. */
export function openCircuitV(p: ParticleParameters, x: number): number {
  const xc = Math.min(1 - X_MIN, Math.max(X_MIN, x));
  return p.standardPotentialV + (p.ocvSlopeFactor / thermalFactor(p)) * Math.log((1 - xc) / xc);
}

/** Filling in equilibrium with potential E (inverse of openCircuitV). */
export function equilibriumFraction(p: ParticleParameters, potentialV: number): number {
  const z = (thermalFactor(p) * (potentialV - p.standardPotentialV)) / p.ocvSlopeFactor;
  return 1 / (1 + Math.exp(z));
}

/** Exchange current density at filling x, A m⁻². */
export function exchangeCurrent(p: ParticleParameters, x: number): number {
  const xc = Math.min(1 - X_MIN, Math.max(X_MIN, x));
  return (p.exchangeCurrentAPerM2 * Math.sqrt(xc * (1 - xc))) / 0.5;
}

const clampExp = (z: number) => Math.exp(Math.max(-700, Math.min(700, z)));

/** Butler–Volmer current density (A m⁻², anodic > 0) at potential E and surface filling x. */
export function butlerVolmer(p: ParticleParameters, potentialV: number, x: number): number {
  const f = thermalFactor(p);
  const eta = potentialV - openCircuitV(p, x);
  const a = p.transferCoefficient;
  return exchangeCurrent(p, x) * (clampExp(a * f * eta) - clampExp(-(1 - a) * f * eta));
}

/** ∂i_BV/∂x at potential E and surface filling x, A m⁻² (positive: more guest, more anodic current). */
export function butlerVolmerSlope(p: ParticleParameters, potentialV: number, x: number): number {
  const f = thermalFactor(p);
  const xc = Math.min(1 - X_MIN, Math.max(X_MIN, x));
  const eta = potentialV - openCircuitV(p, xc);
  const a = p.transferCoefficient;
  const ea = clampExp(a * f * eta);
  const ec = clampExp(-(1 - a) * f * eta);
  const i0 = exchangeCurrent(p, xc);
  const di0 = (p.exchangeCurrentAPerM2 * (1 - 2 * xc)) / (2 * Math.sqrt(xc * (1 - xc))) / 0.5;
  const detaDx = p.ocvSlopeFactor / f / (xc * (1 - xc));
  return di0 * (ea - ec) + i0 * f * (a * ea + (1 - a) * ec) * detaDx;
}

/** Overpotential that carries current density i at surface filling x (inverse Butler–Volmer), V. */
export function overpotential(p: ParticleParameters, currentAPerM2: number, x: number): number {
  const f = thermalFactor(p);
  const a = p.transferCoefficient;
  const i0 = exchangeCurrent(p, x);
  const g = (eta: number) => i0 * (clampExp(a * f * eta) - clampExp(-(1 - a) * f * eta)) - currentAPerM2;
  // Monotonic in η: Newton from the symmetric (α = ½) solution, guarded by a bracket.
  let eta = (2 / f) * Math.asinh(currentAPerM2 / (2 * i0));
  let lo = -50;
  let hi = 50;
  for (let k = 0; k < 200; k++) {
    const v = g(eta);
    if (Math.abs(v) <= 1e-13 * Math.max(Math.abs(currentAPerM2), i0)) return eta;
    if (v > 0) hi = eta;
    else lo = eta;
    const d = i0 * f * (a * clampExp(a * f * eta) + (1 - a) * clampExp(-(1 - a) * f * eta));
    let next = eta - v / d;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - eta) < 1e-13) return next;
    eta = next;
  }
  return eta;
}

/** Grid geometry of the finite-volume scheme. */
export interface ParticleGrid {
  /** Node radii, m. */
  readonly rM: Float64Array;
  /** Control volume of each node, m³. */
  readonly volumeM3: Float64Array;
  /** D·(face area)/h between node i and i+1, m³ s⁻¹. */
  readonly conductance: Float64Array;
  readonly surfaceAreaM2: number;
  readonly particleVolumeM3: number;
}

export function particleGrid(p: ParticleParameters): ParticleGrid {
  const n = p.shells;
  const R = p.radiusM;
  const h = R / n;
  const rM = Float64Array.from({ length: n + 1 }, (_, i) => i * h);
  const ball = (r: number) => ((4 * Math.PI) / 3) * r ** 3;
  const volumeM3 = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) {
    const outer = i === n ? R : (i + 0.5) * h;
    const inner = i === 0 ? 0 : (i - 0.5) * h;
    volumeM3[i] = ball(outer) - ball(inner);
  }
  const conductance = Float64Array.from(
    { length: n },
    (_, i) => (p.diffusionM2PerS * 4 * Math.PI * ((i + 0.5) * h) ** 2) / h,
  );
  return { rM, volumeM3, conductance, surfaceAreaM2: 4 * Math.PI * R * R, particleVolumeM3: ball(R) };
}

/** The particle's state: concentration at every node, time, SEI charge formed. */
export interface ParticleState {
  readonly concentration: Float64Array;
  timeS: number;
  /** Outward molar flux density at the surface at the current time, mol m⁻² s⁻¹ (anodic > 0). */
  fluxMolPerM2S: number;
  /** SEI charge formed so far, C. */
  seiChargeC: number;
}

export function initialState(p: ParticleParameters, x0 = p.initialFraction): ParticleState {
  return {
    concentration: new Float64Array(p.shells + 1).fill(x0 * p.maxConcentrationMolPerM3),
    timeS: 0,
    fluxMolPerM2S: 0,
    seiChargeC: 0,
  };
}

/** Guest content of the particle, mol. */
export function particleContentMol(grid: ParticleGrid, state: ParticleState): number {
  let s = 0;
  for (let i = 0; i < grid.volumeM3.length; i++) s += grid.volumeM3[i] * state.concentration[i];
  return s;
}

/** Control of one time step: a set surface flux, or a set electrode potential. */
export type StepControl =
  | { readonly kind: 'flux'; readonly fluxMolPerM2S: number }
  | { readonly kind: 'potential'; readonly potentialV: number };

/** Result of one step: new concentrations, end flux, charge passed into the electrode reaction (C). */
interface StepResult {
  readonly concentration: Float64Array;
  readonly fluxMolPerM2S: number;
  readonly insertionChargeC: number;
}

/**
 * One θ-step of the diffusion problem. (V/Δt + θK) cⁿ⁺¹ = (V/Δt − (1−θ)K) cⁿ − e_N S (θ jⁿ⁺¹ + (1−θ) jⁿ),
 * K the (positive semi-definite) conductance matrix. With a set potential the new flux is unknown: the
 * system is linear in it (c = a − θ S j b, two solves with one factorisation) and the surface condition
 * j = i_BV(E, c_N)/F is a monotonic scalar equation in c_N, solved by guarded Newton.
 */
function thetaStep(
  p: ParticleParameters,
  grid: ParticleGrid,
  state: ParticleState,
  dt: number,
  theta: number,
  control: StepControl,
): StepResult {
  const n = p.shells;
  const c = state.concentration;
  const G = grid.conductance;
  const V = grid.volumeM3;
  const S = grid.surfaceAreaM2;
  const diag = new Float64Array(n + 1);
  const rhs = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) {
    const gl = i > 0 ? G[i - 1] : 0;
    const gr = i < n ? G[i] : 0;
    diag[i] = V[i] / dt + theta * (gl + gr);
    let kc = (gl + gr) * c[i];
    if (i > 0) kc -= gl * c[i - 1];
    if (i < n) kc -= gr * c[i + 1];
    rhs[i] = (V[i] / dt) * c[i] - (1 - theta) * kc;
  }
  rhs[n] -= S * (1 - theta) * state.fluxMolPerM2S;
  // Thomas algorithm; off-diagonals −θG (symmetric).
  const cp = new Float64Array(n + 1);
  const dp = new Float64Array(n + 1);
  const solve = (b: Float64Array): Float64Array => {
    const out = new Float64Array(n + 1);
    let denom = diag[0];
    cp[0] = n > 0 ? (-theta * G[0]) / denom : 0;
    dp[0] = b[0] / denom;
    for (let i = 1; i <= n; i++) {
      const lower = -theta * G[i - 1];
      denom = diag[i] - lower * cp[i - 1];
      cp[i] = i < n ? (-theta * G[i]) / denom : 0;
      dp[i] = (b[i] - lower * dp[i - 1]) / denom;
    }
    out[n] = dp[n];
    for (let i = n - 1; i >= 0; i--) out[i] = dp[i] - cp[i] * out[i + 1];
    return out;
  };
  if (control.kind === 'flux') {
    rhs[n] -= S * theta * control.fluxMolPerM2S;
    const next = solve(rhs);
    const charge =
      FARADAY_C_PER_MOL * S * dt * (theta * control.fluxMolPerM2S + (1 - theta) * state.fluxMolPerM2S);
    return { concentration: next, fluxMolPerM2S: control.fluxMolPerM2S, insertionChargeC: charge };
  }
  const a = solve(rhs);
  const unit = new Float64Array(n + 1);
  unit[n] = 1;
  const b = solve(unit);
  const cmax = p.maxConcentrationMolPerM3;
  const k = theta * S * b[n];
  // h(s) = (a_N − s)/k − i_BV(E, s)/F: decreasing in the surface concentration s.
  const E = control.potentialV;
  const h = (s: number) => (a[n] - s) / k - butlerVolmer(p, E, s / cmax) / FARADAY_C_PER_MOL;
  let lo = X_MIN * cmax;
  let hi = (1 - X_MIN) * cmax;
  let s = Math.min(hi, Math.max(lo, c[n]));
  let converged = false;
  for (let it = 0; it < 200; it++) {
    const v = h(s);
    if (v > 0) lo = s;
    else hi = s;
    const deriv = -1 / k - butlerVolmerSlope(p, E, s / cmax) / (FARADAY_C_PER_MOL * cmax);
    let next = deriv < 0 ? s - v / deriv : 0.5 * (lo + hi);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - s) <= 1e-14 * cmax || hi - lo <= 1e-14 * cmax) {
      s = next;
      converged = true;
      break;
    }
    s = next;
  }
  if (!converged)
    throw new NumericalError('surface condition did not converge', {
      field: 'potential step',
      found: E,
      expected: 'a Butler–Volmer root',
    });
  const flux = (a[n] - s) / k;
  const next = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) next[i] = a[i] - theta * S * flux * b[i];
  next[n] = s;
  const charge = FARADAY_C_PER_MOL * S * dt * (theta * flux + (1 - theta) * state.fluxMolPerM2S);
  return { concentration: next, fluxMolPerM2S: flux, insertionChargeC: charge };
}

/** One protocol segment. Currents in A (anodic > 0), potentials in V. */
export type ParticleSegment =
  | {
      readonly kind: 'cc';
      readonly currentA: number;
      readonly durationS: number;
      /** Stop when the potential reaches this limit (below for cathodic, above for anodic current). */
      readonly limitV?: number;
      readonly sampleS: number;
    }
  | { readonly kind: 'rest'; readonly durationS: number; readonly sampleS: number }
  | {
      readonly kind: 'hold';
      readonly potentialV: number;
      readonly durationS: number;
      readonly sampleS: number;
    }
  | {
      readonly kind: 'sweep';
      readonly fromV: number;
      readonly toV: number;
      readonly rateVPerS: number;
      readonly sampleS: number;
      /** Cycle number written for the sweep's rows (CV). */
      readonly cycle: number;
    };

/** One logged row. */
interface Row {
  t: number;
  e: number;
  i: number;
  q: number;
  ns: number;
  mode: number;
  control: number;
  cycle: number;
  xs: number;
}

export interface RunOptions {
  /** Standard deviation of the logged current noise, A (default 0). */
  readonly currentNoiseA?: number;
  /** Standard deviation of the logged voltage noise, V (default 0). */
  readonly voltageNoiseV?: number;
  readonly seed?: number;
  /** First step size after a change of control, s (default 1e-3). */
  readonly firstStepS?: number;
  /** Growth factor of the step size within a segment (default 1.15). */
  readonly growth?: number;
  /** Largest potential change per step in a sweep, V (default 0.5 mV). */
  readonly sweepStepV?: number;
}

/** What a protocol run produced: the rows and the truth behind them. */
export interface ParticleRun {
  readonly timeS: Float64Array;
  readonly voltageV: Float64Array;
  /** Logged current (with noise), A. */
  readonly currentA: Float64Array;
  /** Charge passed since the start, exact (no noise), C. */
  readonly chargeC: Float64Array;
  readonly step: Float64Array;
  readonly mode: Float64Array;
  readonly controlV: Float64Array;
  readonly cycle: Float64Array;
  /** Surface filling x_s at every row (truth, not logged by an instrument). */
  readonly surfaceFraction: Float64Array;
  /** Charge that went into the side reaction per segment, C (cathodic > 0). */
  readonly seiChargeBySegmentC: Float64Array;
  /** Charge passed per segment (electrode reaction + side reaction, anodic > 0), C. */
  readonly chargeBySegmentC: Float64Array;
  /** Particle content at the end, mol; at the start, mol. */
  readonly contentStartMol: number;
  readonly contentEndMol: number;
  /** State at the end (to continue a protocol). */
  readonly state: ParticleState;
}

function checkParameters(p: ParticleParameters): void {
  const positive: [string, number][] = [
    ['radiusM', p.radiusM],
    ['diffusionM2PerS', p.diffusionM2PerS],
    ['maxConcentrationMolPerM3', p.maxConcentrationMolPerM3],
    ['ocvSlopeFactor', p.ocvSlopeFactor],
    ['exchangeCurrentAPerM2', p.exchangeCurrentAPerM2],
    ['temperatureK', p.temperatureK],
  ];
  for (const [field, v] of positive)
    if (!(v > 0) || !Number.isFinite(v))
      throw new ParameterError('particle parameter must be positive', { field, found: v, expected: '> 0' });
  if (!(p.initialFraction > 0 && p.initialFraction < 1))
    throw new ParameterError('initial filling out of range', {
      field: 'initialFraction',
      found: p.initialFraction,
      expected: '0 < x < 1',
    });
  if (!(p.transferCoefficient > 0 && p.transferCoefficient < 1))
    throw new ParameterError('transfer coefficient out of range', {
      field: 'transferCoefficient',
      found: p.transferCoefficient,
      expected: '0 < α < 1',
    });
  if (!Number.isInteger(p.shells) || p.shells < 10)
    throw new ParameterError('too few shells', {
      field: 'shells',
      found: p.shells,
      expected: 'an integer ≥ 10',
    });
}

/**
 * Runs a protocol from `start` (default: uniform at the initial filling). Rows are logged at the start of
 * every segment, every `sampleS`, and at its end (a segment cut by a voltage limit ends exactly there).
 */
export function runParticle(
  p: ParticleParameters,
  segments: readonly ParticleSegment[],
  options: RunOptions = {},
  start?: ParticleState,
): ParticleRun {
  checkParameters(p);
  const grid = particleGrid(p);
  const rng: Rng = createRng(options.seed ?? 1);
  const sigI = options.currentNoiseA ?? 0;
  const sigE = options.voltageNoiseV ?? 0;
  const dt0 = options.firstStepS ?? 1e-3;
  const growth = options.growth ?? 1.15;
  const sweepStep = options.sweepStepV ?? 5e-4;
  const cmax = p.maxConcentrationMolPerM3;
  const S = grid.surfaceAreaM2;
  let state: ParticleState = start
    ? { ...start, concentration: Float64Array.from(start.concentration) }
    : initialState(p);
  const contentStart = particleContentMol(grid, state);
  const rows: Row[] = [];
  let charge = 0;
  const seiBySegment = new Float64Array(segments.length);
  const chargeBySegment = new Float64Array(segments.length);
  const sei = p.sei;
  const seiMaxC = sei ? sei.chargeNAh * 1e-9 * SECONDS_PER_HOUR : 0;
  const f = thermalFactor(p);
  // SEI over one step at potential E (exact for the linear passivation law at fixed E): charge formed, C.
  const seiStep = (E: number, dt: number): number => {
    if (!sei || seiMaxC <= 0) return 0;
    const k = clampExp(-sei.alpha * f * (E - sei.potentialV)) / sei.timeConstantS;
    const left = seiMaxC - state.seiChargeC;
    return left * (1 - Math.exp(-k * dt));
  };
  const potentialOf = (s: ParticleState, control: StepControl): number => {
    const x = s.concentration[p.shells] / cmax;
    if (control.kind === 'potential') return control.potentialV;
    return openCircuitV(p, x) + overpotential(p, control.fluxMolPerM2S * FARADAY_C_PER_MOL, x);
  };
  const log = (
    ns: number,
    mode: number,
    control: StepControl,
    controlV: number,
    cycle: number,
    seiA: number,
  ) => {
    const E = potentialOf(state, control);
    const i = FARADAY_C_PER_MOL * S * state.fluxMolPerM2S - seiA;
    rows.push({
      t: state.timeS,
      e: E + (sigE > 0 ? sigE * rng.normal() : 0),
      i: i + (sigI > 0 ? sigI * rng.normal() : 0),
      q: charge,
      ns,
      mode,
      control: controlV,
      cycle,
      xs: state.concentration[p.shells] / cmax,
    });
  };
  segments.forEach((seg, ns) => {
    if (!(seg.sampleS > 0))
      throw new ParameterError('sample interval must be positive', {
        field: `segment ${ns} sampleS`,
        found: seg.sampleS,
        expected: '> 0 s',
      });
    const t0 = state.timeS;
    const duration = seg.kind === 'sweep' ? Math.abs(seg.toV - seg.fromV) / seg.rateVPerS : seg.durationS;
    if (!(duration > 0) || !Number.isFinite(duration))
      throw new ParameterError('segment duration must be positive', {
        field: `segment ${ns}`,
        found: duration,
        expected: '> 0 s',
      });
    const controlAt = (t: number): StepControl => {
      if (seg.kind === 'cc') return { kind: 'flux', fluxMolPerM2S: seg.currentA / (FARADAY_C_PER_MOL * S) };
      if (seg.kind === 'rest') return { kind: 'flux', fluxMolPerM2S: 0 };
      if (seg.kind === 'hold') return { kind: 'potential', potentialV: seg.potentialV };
      const sign = Math.sign(seg.toV - seg.fromV);
      return { kind: 'potential', potentialV: seg.fromV + sign * seg.rateVPerS * Math.min(t - t0, duration) };
    };
    const mode = seg.kind === 'cc' ? 1 : seg.kind === 'rest' ? 3 : 2;
    const cycle = seg.kind === 'sweep' ? seg.cycle : 0;
    const controlValue = (t: number) => {
      const c = controlAt(t);
      return c.kind === 'potential' ? c.potentialV : seg.kind === 'cc' ? seg.currentA * 1e3 : 0;
    };
    // The first row of a segment: the new control applies at once (the flux jumps, the concentrations do not).
    const c0 = controlAt(t0);
    if (c0.kind === 'flux') state = { ...state, fluxMolPerM2S: c0.fluxMolPerM2S };
    else {
      // Instantaneous flux at the new potential with the present surface concentration.
      const x = state.concentration[p.shells] / cmax;
      state = { ...state, fluxMolPerM2S: butlerVolmer(p, c0.potentialV, x) / FARADAY_C_PER_MOL };
    }
    log(ns, mode, c0, controlValue(t0), cycle, 0);
    let dt = dt0;
    let steps = 0;
    let nextSample = t0 + seg.sampleS;
    const tEnd = t0 + duration;
    const dtCap = seg.kind === 'sweep' ? Math.min(seg.sampleS, sweepStep / seg.rateVPerS) : seg.sampleS;
    while (state.timeS < tEnd - 1e-9 * duration) {
      let h = Math.min(dt, dtCap, nextSample - state.timeS, tEnd - state.timeS);
      // Crank–Nicolson is A- but not L-stable: with a set potential and fast kinetics the surface
      // coupling is stiff and CN's flux would ring from step to step, so set potentials use backward
      // Euler (first order; the steps are kept small against the decay times).
      const theta = steps < 2 || seg.kind === 'hold' || seg.kind === 'sweep' ? 1 : 0.5;
      const attempt = (hh: number) => {
        const t1 = state.timeS + hh;
        const control = controlAt(t1);
        const r = thetaStep(p, grid, state, hh, theta, control);
        const E = potentialOf(
          { ...state, concentration: r.concentration, fluxMolPerM2S: r.fluxMolPerM2S },
          control,
        );
        return { r, control, t1, E };
      };
      let res = attempt(h);
      let hitLimit = false;
      if (seg.kind === 'cc' && seg.limitV !== undefined) {
        const crossed = (E: number) => (seg.currentA < 0 ? E <= seg.limitV! : E >= seg.limitV!);
        if (crossed(res.E)) {
          // Bisect the step length to end the segment where the potential reaches the limit.
          let a = 0;
          let b = h;
          for (let k = 0; k < 60 && b - a > 1e-9 * Math.max(1, h); k++) {
            const m = 0.5 * (a + b);
            const trial = attempt(m);
            if (crossed(trial.E)) b = m;
            else a = m;
          }
          h = b;
          res = attempt(h);
          hitLimit = true;
        }
      }
      const seiC = seiStep(res.control.kind === 'potential' ? res.control.potentialV : res.E, h);
      const seiA = seiC / h;
      state = {
        concentration: res.r.concentration,
        timeS: res.t1,
        fluxMolPerM2S: res.r.fluxMolPerM2S,
        seiChargeC: state.seiChargeC + seiC,
      };
      charge += res.r.insertionChargeC - seiC;
      chargeBySegment[ns] += res.r.insertionChargeC - seiC;
      seiBySegment[ns] += seiC;
      steps++;
      dt = Math.min(dt * growth, dtCap);
      const atSample = Math.abs(state.timeS - nextSample) <= 1e-9 * Math.max(1, nextSample);
      if (atSample) nextSample += seg.sampleS;
      if (hitLimit || atSample || state.timeS >= tEnd - 1e-9 * duration) {
        log(ns, mode, res.control, controlValue(state.timeS), cycle, seiA);
      }
      if (hitLimit) break;
    }
  });
  const col = (pick: (r: Row) => number) => Float64Array.from(rows, pick);
  return {
    timeS: col((r) => r.t),
    voltageV: col((r) => r.e),
    currentA: col((r) => r.i),
    chargeC: col((r) => r.q),
    step: col((r) => r.ns),
    mode: col((r) => r.mode),
    controlV: col((r) => r.control),
    cycle: col((r) => r.cycle),
    surfaceFraction: col((r) => r.xs),
    seiChargeBySegmentC: seiBySegment,
    chargeBySegmentC: chargeBySegment,
    contentStartMol: contentStart,
    contentEndMol: particleContentMol(grid, state),
    state,
  };
}

/** Uniform particle in equilibrium with potential E (the state after a long potential hold). */
export function equilibratedState(p: ParticleParameters, potentialV: number): ParticleState {
  return initialState(p, equilibriumFraction(p, potentialV));
}

/** Capacity of the particle between x = 0 and 1, nAh. */
export function particleCapacityNAh(p: ParticleParameters): number {
  const v = ((4 * Math.PI) / 3) * p.radiusM ** 3;
  return (v * p.maxConcentrationMolPerM3 * FARADAY_C_PER_MOL) / SECONDS_PER_HOUR / 1e-9;
}

export interface RecordOptions {
  readonly source: string;
  /** Technique as the instrument names it (CV, GCPL, MB …). */
  readonly technique: string;
  readonly startMs?: number;
  readonly radiusM: number;
}

/** A run as an EC-Lab-style record (current in mA, charge in mAh, EC-Lab column names). */
export function particleRecords(run: ParticleRun, options: RecordOptions): CyclerRecords {
  const startMs = options.startMs ?? Date.UTC(2026, 0, 15, 8, 0, 0);
  const col = (key: string, original: string, unit: string | null, values: Float64Array): RecordColumn => ({
    key,
    original,
    unit,
    values,
  });
  const sweep = options.technique === 'CV';
  return {
    source: options.source,
    format: 'simulated',
    technique: options.technique,
    startLocal: formatWallClock(wallClockFromUtcMs(startMs)),
    startMs,
    timezone: 'UTC',
    rowCount: run.timeS.length,
    columns: [
      col('mode', 'mode', null, run.mode),
      col('step', 'Ns', null, run.step),
      col('time_s', 'time/s', 's', run.timeS),
      ...(sweep ? [col('control_V', 'control/V', 'V', run.controlV)] : []),
      col('voltage_V', 'Ewe/V', 'V', run.voltageV),
      col(
        'current_mA',
        '<I>/mA',
        'mA',
        run.currentA.map((i) => i * 1e3),
      ),
      col(
        'charge_mAh',
        '(Q-Qo)/mA.h',
        'mA.h',
        run.chargeC.map((q) => q / 3.6),
      ),
      ...(sweep ? [col('cycle', 'cycle number', null, run.cycle)] : []),
    ],
    warnings: [],
    meta: {
      electrodeArea: `${(4 * Math.PI * (options.radiusM * 100) ** 2).toExponential(6)} cm²`,
    },
  };
}
