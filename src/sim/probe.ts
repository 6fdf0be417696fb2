/**
 * The virtual NMR probe: an RF tank circuit loaded by the battery, two capacitors on stepper motors with
 * backlash, and a noisy wobble (reflection) measurement. It is what the automatic tuning/matching of
 * src/acquisition/atm.ts is tested against, and what makes a detuned probe visible in simulated spectra.
 *
 * Circuit (the usual single-resonance probe head): the coil, an inductance L in series with its loss
 * resistance R, sits in parallel with the tune capacitor Ct; the match capacitor Cm is in series between
 * this tank and the 50 Ω line. Z_in = 1 / (1/(R + jωL) + jωCt) + 1/(jωCm), Γ = (Z_in − Z0)/(Z_in + Z0).
 *
 * The cell as a load (our model, not a published one): plated metal is a conductor inside the coil, so it
 * excludes RF field from part of the coil's volume (the inductance drops) and dissipates eddy currents (the
 * loss resistance rises). Both are taken linear in the plated charge:
 *   L = L0 · (1 − inductanceDropPerMAh · q),  R = R0 + resistanceRisePerMAh · q.
 * The default coefficients shift the resonance of a 50 nH, Q ≈ 60 coil at 155.5 MHz (⁷Li at 9.4 T) by about
 * 0.3 MHz per plated mAh, enough to leave the probe at about −10 dB after 2 mAh without retuning.
 *
 * Steppers: a commanded (drive) position g in steps and a shaft position s that lags it by up to the
 * backlash b (s stays within [g − b, g]). The capacitance follows the shaft through a smooth, non-linear
 * map (a rotating-plate capacitor's half-cosine), which the tuning controller does not know.
 */
import { add, div, inv, sub, type Complex } from '../eis/complex.js';
import { createRng, type Rng } from './random.js';

/** Characteristic impedance of the line, Ω. */
export const LINE_IMPEDANCE_OHM = 50;

export interface ProbeCircuit {
  /** Coil inductance of the empty (unplated) cell, H. */
  readonly inductanceH: number;
  /** Coil loss resistance with the unplated cell, Ω. */
  readonly resistanceOhm: number;
  /** Fractional inductance drop per plated mAh (our load model). */
  readonly inductanceDropPerMAh: number;
  /** Loss resistance rise per plated mAh, Ω (our load model). */
  readonly resistanceRisePerMAh: number;
}

export const DEFAULT_PROBE_CIRCUIT: ProbeCircuit = {
  inductanceH: 50e-9,
  resistanceOhm: 0.8,
  inductanceDropPerMAh: 0.004,
  resistanceRisePerMAh: 0.15,
};

export interface CapacitorMotor {
  /** Capacitance at step 0 and at the last step, F. */
  readonly minF: number;
  readonly maxF: number;
  /** Number of steps over the full travel. */
  readonly steps: number;
  /** Mechanical play, steps: the shaft lags the drive by up to this much after a reversal. */
  readonly backlashSteps: number;
}

export const DEFAULT_TUNE_MOTOR: CapacitorMotor = {
  minF: 5e-12,
  maxF: 30e-12,
  steps: 20000,
  backlashSteps: 40,
};
export const DEFAULT_MATCH_MOTOR: CapacitorMotor = {
  minF: 1e-12,
  maxF: 10e-12,
  steps: 20000,
  backlashSteps: 40,
};

/** Coil inductance and resistance with q mAh of metal plated in the cell. */
export function loadedCoil(
  circuit: ProbeCircuit,
  platedMAh: number,
): { inductanceH: number; resistanceOhm: number } {
  return {
    inductanceH: circuit.inductanceH * (1 - circuit.inductanceDropPerMAh * platedMAh),
    resistanceOhm: circuit.resistanceOhm + circuit.resistanceRisePerMAh * platedMAh,
  };
}

/** Complex reflection coefficient of the probe seen from the line at frequency fHz. */
export function reflection(
  coil: { inductanceH: number; resistanceOhm: number },
  tuneF: number,
  matchF: number,
  fHz: number,
): Complex {
  const w = 2 * Math.PI * fHz;
  const coilZ: Complex = { re: coil.resistanceOhm, im: w * coil.inductanceH };
  const tankY = add(inv(coilZ), { re: 0, im: w * tuneF });
  const zIn = add(inv(tankY), { re: 0, im: -1 / (w * matchF) });
  const z0: Complex = { re: LINE_IMPEDANCE_OHM, im: 0 };
  return div(sub(zIn, z0), add(zIn, z0));
}

/**
 * The tune and match capacitances that make Γ = 0 at fHz, solved in closed form: the tank's admittance
 * G + jB (G fixed by the coil) must have a real impedance part of Z0, G/(G² + B²) = Z0, which fixes B on the
 * inductive branch (B < 0); Cm then cancels the tank's remaining (inductive) reactance. Null when the coil
 * cannot be matched (its parallel resistance is below Z0).
 */
export function matchedCapacitances(
  coil: { inductanceH: number; resistanceOhm: number },
  fHz: number,
): { tuneF: number; matchF: number } | null {
  const w = 2 * Math.PI * fHz;
  const coilY = inv({ re: coil.resistanceOhm, im: w * coil.inductanceH });
  const g = coilY.re;
  const b2 = g / LINE_IMPEDANCE_OHM - g * g;
  if (!(b2 > 0)) return null;
  const b = -Math.sqrt(b2);
  const tuneF = (b - coilY.im) / w;
  const tankX = -b / (g * g + b * b);
  const matchF = 1 / (w * tankX);
  return tuneF > 0 && matchF > 0 ? { tuneF, matchF } : null;
}

/** Capacitance at (fractional) shaft position s: a half-cosine travel from minF to maxF. */
export function capacitanceAt(motor: CapacitorMotor, shaftSteps: number): number {
  const x = Math.min(1, Math.max(0, shaftSteps / motor.steps));
  return motor.minF + ((motor.maxF - motor.minF) * (1 - Math.cos(Math.PI * x))) / 2;
}

/** One stepper with backlash. Positions are integers in [0, steps]. */
export class VirtualStepper {
  private drive: number;
  private shaft: number;

  constructor(
    readonly motor: CapacitorMotor,
    startSteps: number,
  ) {
    this.drive = Math.round(Math.min(motor.steps, Math.max(0, startSteps)));
    this.shaft = this.drive;
  }

  get position(): number {
    return this.drive;
  }

  get capacitanceF(): number {
    return capacitanceAt(this.motor, this.shaft);
  }

  /** Moves the drive by delta steps (clamped to the travel); returns the steps actually moved. */
  move(deltaSteps: number): number {
    const target = Math.round(Math.min(this.motor.steps, Math.max(0, this.drive + deltaSteps)));
    const moved = target - this.drive;
    this.drive = target;
    const b = this.motor.backlashSteps;
    if (moved > 0) this.shaft = Math.max(this.shaft, this.drive - b);
    else if (moved < 0) this.shaft = Math.min(this.shaft, this.drive);
    return moved;
  }
}

export interface WobbleCurve {
  readonly frequencyHz: Float64Array;
  /** |Γ| (linear, 0…1) at each frequency. */
  readonly reflection: Float64Array;
}

export interface VirtualProbeOptions {
  readonly circuit?: ProbeCircuit;
  readonly tuneMotor?: CapacitorMotor;
  readonly matchMotor?: CapacitorMotor;
  readonly tuneStart?: number;
  readonly matchStart?: number;
  /** Standard deviation of the complex noise added to Γ by the wobble measurement (linear units). */
  readonly noise?: number;
  readonly seed?: number;
  /** Virtual seconds one wobble sweep takes, and one motor step. */
  readonly wobbleS?: number;
  readonly stepS?: number;
}

/**
 * A probe with its two motors and the cell inside it. Implements the tuning unit the controller talks to
 * (wobble, move), plus what a simulation needs (Γ at any frequency, the plated charge as the load).
 */
export class VirtualProbe {
  readonly circuit: ProbeCircuit;
  readonly tune: VirtualStepper;
  readonly match: VirtualStepper;
  platedMAh = 0;
  /** Virtual time spent on wobbles and steps, s. */
  clockS = 0;
  private readonly rng: Rng;
  private readonly noise: number;
  private readonly wobbleS: number;
  private readonly stepS: number;

  constructor(options: VirtualProbeOptions = {}) {
    this.circuit = options.circuit ?? DEFAULT_PROBE_CIRCUIT;
    const tm = options.tuneMotor ?? DEFAULT_TUNE_MOTOR;
    const mm = options.matchMotor ?? DEFAULT_MATCH_MOTOR;
    this.tune = new VirtualStepper(tm, options.tuneStart ?? tm.steps / 2);
    this.match = new VirtualStepper(mm, options.matchStart ?? mm.steps / 2);
    this.rng = createRng(options.seed ?? 1);
    this.noise = options.noise ?? 0.002;
    this.wobbleS = options.wobbleS ?? 0.5;
    this.stepS = options.stepS ?? 0.0005;
  }

  /** Noise-free |Γ| at fHz with the present load and capacitor positions. */
  reflectionAt(fHz: number): number {
    const g = reflection(
      loadedCoil(this.circuit, this.platedMAh),
      this.tune.capacitanceF,
      this.match.capacitanceF,
      fHz,
    );
    return Math.hypot(g.re, g.im);
  }

  wobble(centerHz: number, spanHz: number, points: number): WobbleCurve {
    const frequencyHz = new Float64Array(points);
    const out = new Float64Array(points);
    const coil = loadedCoil(this.circuit, this.platedMAh);
    const ct = this.tune.capacitanceF;
    const cm = this.match.capacitanceF;
    for (let i = 0; i < points; i++) {
      const f = centerHz - spanHz / 2 + (spanHz * i) / (points - 1);
      const g = reflection(coil, ct, cm, f);
      frequencyHz[i] = f;
      out[i] = Math.hypot(g.re + this.noise * this.rng.normal(), g.im + this.noise * this.rng.normal());
    }
    this.clockS += this.wobbleS;
    return { frequencyHz, reflection: out };
  }

  moveTune(deltaSteps: number): number {
    const moved = this.tune.move(deltaSteps);
    this.clockS += Math.abs(moved) * this.stepS;
    return moved;
  }

  moveMatch(deltaSteps: number): number {
    const moved = this.match.move(deltaSteps);
    this.clockS += Math.abs(moved) * this.stepS;
    return moved;
  }

  positions(): { tune: number; match: number } {
    return { tune: this.tune.position, match: this.match.position };
  }

  limits(): { tune: number; match: number } {
    return { tune: this.tune.motor.steps, match: this.match.motor.steps };
  }
}

/**
 * Fraction of the ideal signal a probe with reflection |Γ| delivers: the transmitted B1 amplitude scales
 * with √(1 − |Γ|²) (so the flip angle does), and by reciprocity the received signal does too.
 */
export function detunedSignalFactor(reflectionLinear: number, flipAngleRad = Math.PI / 2): number {
  const t = Math.sqrt(Math.max(0, 1 - reflectionLinear * reflectionLinear));
  return (Math.sin(flipAngleRad * t) / Math.sin(flipAngleRad)) * t;
}
