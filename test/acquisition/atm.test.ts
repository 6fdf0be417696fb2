import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  analyseWobble,
  defaultAtmSettings,
  toDb,
  tuneAndMatch,
  type AtmMemory,
} from '../../src/acquisition/atm.js';
import {
  DEFAULT_MATCH_MOTOR,
  DEFAULT_PROBE_CIRCUIT,
  DEFAULT_TUNE_MOTOR,
  VirtualProbe,
  VirtualStepper,
  capacitanceAt,
  detunedSignalFactor,
  loadedCoil,
  matchedCapacitances,
  reflection,
} from '../../src/sim/probe.js';
import { createRng } from '../../src/sim/random.js';

const LARMOR_HZ = 155.5e6; // ⁷Li at 9.4 T
const settings = defaultAtmSettings(LARMOR_HZ);

interface Case {
  inductanceH: number;
  resistanceOhm: number;
  tuneF: number;
  matchF: number;
  fHz: number;
  re: number;
  im: number;
}
const numpy = JSON.parse(
  readFileSync(new URL('../fixtures/acquisition/probe-reflection-numpy.json', import.meta.url), 'utf8'),
) as { cases: Case[] };

describe('virtual probe circuit', () => {
  it('gives the reflection coefficient numpy computes for the same circuit', () => {
    for (const c of numpy.cases) {
      const g = reflection(c, c.tuneF, c.matchF, c.fHz);
      expect(Math.abs(g.re - c.re)).toBeLessThan(1e-12);
      expect(Math.abs(g.im - c.im)).toBeLessThan(1e-12);
    }
  });

  it('is matched (Γ = 0) at the closed-form tune and match capacitances, for every load', () => {
    for (const q of [0, 0.5, 2, 5]) {
      const coil = loadedCoil(DEFAULT_PROBE_CIRCUIT, q);
      const m = matchedCapacitances(coil, LARMOR_HZ);
      expect(m).not.toBeNull();
      const g = reflection(coil, m!.tuneF, m!.matchF, LARMOR_HZ);
      expect(Math.hypot(g.re, g.im)).toBeLessThan(1e-9);
    }
    // A coil whose parallel resistance is below 50 Ω cannot be matched by this circuit.
    expect(matchedCapacitances({ inductanceH: 50e-9, resistanceOhm: 60 }, LARMOR_HZ)).toBeNull();
  });

  it('detunes as metal plates: without retuning, 2 mAh leave the probe near −12 dB', () => {
    const m = matchedCapacitances(loadedCoil(DEFAULT_PROBE_CIRCUIT, 0), LARMOR_HZ)!;
    const g = reflection(loadedCoil(DEFAULT_PROBE_CIRCUIT, 2), m.tuneF, m.matchF, LARMOR_HZ);
    const db = toDb(Math.hypot(g.re, g.im));
    expect(db).toBeGreaterThan(-14);
    expect(db).toBeLessThan(-10);
  });

  it('steppers lose their backlash on a reversal and capacitance follows a non-linear map', () => {
    const motor = { ...DEFAULT_TUNE_MOTOR, backlashSteps: 30 };
    const m = new VirtualStepper(motor, 10000);
    const c0 = m.capacitanceF;
    m.move(100);
    const up = m.capacitanceF;
    m.move(-100); // the way up left the shaft 30 steps behind the drive; the way down pushes it back to 10000
    expect(m.position).toBe(10000);
    expect(m.capacitanceF).toBeCloseTo(c0, 18);
    m.move(50); // the first 30 steps of the reversal take up the play
    expect(m.capacitanceF).toBeCloseTo(capacitanceAt(motor, 10020), 18);
    expect(up).toBeGreaterThan(c0);
    // Equal step counts give unequal capacitance steps (flat at the ends of the travel).
    const mid = capacitanceAt(motor, 10100) - capacitanceAt(motor, 10000);
    const end = capacitanceAt(motor, 19900) - capacitanceAt(motor, 19800);
    expect(end / mid).toBeLessThan(0.1);
  });
});

describe('wobble analysis', () => {
  it('locates a noisy dip to a small fraction of its width and reads |Γ| at the Larmor frequency', () => {
    const probe = new VirtualProbe({ tuneStart: 10300, matchStart: 5600, seed: 4 });
    const f = new Float64Array(2001);
    let best = 0;
    for (let i = 0; i < f.length; i++) {
      f[i] = LARMOR_HZ - 10e6 + i * 1e4;
      if (probe.reflectionAt(f[i]) < probe.reflectionAt(f[best])) best = i;
    }
    const curve = probe.wobble(LARMOR_HZ, settings.spanHz, settings.points);
    const a = analyseWobble(curve, LARMOR_HZ);
    expect(a.dipInRange).toBe(true);
    expect(Math.abs(a.dipHz - f[best])).toBeLessThan(0.01 * a.widthHz + 1e4);
    expect(Math.abs(a.larmorReflection - probe.reflectionAt(LARMOR_HZ))).toBeLessThan(0.01);
  });

  it('reports no dip for a flat sweep or a minimum at the sweep edge', () => {
    const n = 201;
    const frequencyHz = Float64Array.from({ length: n }, (_, i) => 150e6 + i * 5e4);
    const rng = createRng(2);
    const flat = Float64Array.from({ length: n }, () => 0.98 + 0.002 * rng.normal());
    expect(analyseWobble({ frequencyHz, reflection: flat }, 155e6).dipInRange).toBe(false);
    const slope = Float64Array.from({ length: n }, (_, i) => 0.5 + (0.4 * i) / n);
    expect(analyseWobble({ frequencyHz, reflection: slope }, 155e6).dipInRange).toBe(false);
  });
});

describe('automatic tuning and matching', () => {
  it('reaches ≤ −20 dB from 100 random starts, loads and backlashes (true |Γ|, not the controller’s estimate)', async () => {
    const rng = createRng(11);
    const wobbles: number[] = [];
    for (let i = 0; i < 100; i++) {
      const backlash = Math.round(rng.between(0, settings.backlashSteps - 5));
      const probe = new VirtualProbe({
        tuneStart: rng.between(0, DEFAULT_TUNE_MOTOR.steps),
        matchStart: rng.between(0, DEFAULT_MATCH_MOTOR.steps),
        tuneMotor: { ...DEFAULT_TUNE_MOTOR, backlashSteps: backlash },
        matchMotor: { ...DEFAULT_MATCH_MOTOR, backlashSteps: backlash },
        seed: 100 + i,
      });
      probe.platedMAh = rng.between(0, 5);
      const r = await tuneAndMatch(probe, settings);
      expect(r.ok, r.reason ?? '').toBe(true);
      expect(toDb(probe.reflectionAt(LARMOR_HZ))).toBeLessThanOrEqual(-20);
      expect(probe.positions()).toEqual({ tune: r.tune, match: r.match });
      expect(r.log.length).toBe(r.wobbles);
      wobbles.push(r.wobbles);
    }
    expect(Math.max(...wobbles)).toBeLessThanOrEqual(settings.maxWobbles);
  });

  it('fails with a reason when the load cannot be matched, the match range is too small, or f0 is out of reach', async () => {
    const lossy = new VirtualProbe({ circuit: { ...DEFAULT_PROBE_CIRCUIT, resistanceOhm: 60 } });
    const a = await tuneAndMatch(lossy, settings);
    expect(a.ok).toBe(false);
    expect(a.reason).toMatch(/no resonance dip/);

    const short = new VirtualProbe({ matchMotor: { ...DEFAULT_MATCH_MOTOR, minF: 5e-12 } });
    const b = await tuneAndMatch(short, settings);
    expect(b.ok).toBe(false);
    expect(b.reason).toMatch(/match motor .*lower/);

    const far = new VirtualProbe();
    const c = await tuneAndMatch(far, defaultAtmSettings(100e6));
    expect(c.ok).toBe(false);
    expect(c.reason).toMatch(/does not reach 100\.000 MHz/);
    // A failed retune still leaves the motors at the best position it measured.
    expect(far.positions()).toEqual({ tune: c.tune, match: c.match });
  });

  it('keeps a 48-spectrum operando run at ≤ −20 dB with warm starts; without ATM the signal is lost', async () => {
    const withAtm = new VirtualProbe({ tuneStart: 10000, matchStart: 10000, seed: 21 });
    const without = new VirtualProbe({ tuneStart: 10000, matchStart: 10000, seed: 22 });
    const first = await tuneAndMatch(withAtm, settings);
    await tuneAndMatch(without, settings);
    let memory: AtmMemory = first.memory;
    const perRetune: number[] = [];
    const factors: number[] = [];
    const lost: number[] = [];
    for (let k = 1; k <= 48; k++) {
      const plated = (3 * k) / 48;
      withAtm.platedMAh = plated;
      without.platedMAh = plated;
      const r = await tuneAndMatch(withAtm, settings, memory);
      memory = r.memory;
      perRetune.push(r.wobbles);
      expect(r.ok, `spectrum ${k}: ${r.reason}`).toBe(true);
      expect(toDb(withAtm.reflectionAt(LARMOR_HZ))).toBeLessThanOrEqual(-20);
      factors.push(detunedSignalFactor(withAtm.reflectionAt(LARMOR_HZ)));
      lost.push(detunedSignalFactor(without.reflectionAt(LARMOR_HZ)));
    }
    // Warm starts: most retunes need a single confirming sweep, none needs a coarse search.
    expect(perRetune.filter((n) => n === 1).length).toBeGreaterThan(24);
    expect(Math.max(...perRetune)).toBeLessThan(30);
    expect(Math.min(...factors)).toBeGreaterThan(0.98);
    // Without retuning the probe ends near −9 dB and loses about 6 % of the signal of a π/2 pulse.
    expect(toDb(without.reflectionAt(LARMOR_HZ))).toBeGreaterThan(-12);
    expect(lost[lost.length - 1]).toBeLessThan(0.95);
    expect(Math.min(...factors) - lost[lost.length - 1]).toBeGreaterThan(0.04);
  });
});
