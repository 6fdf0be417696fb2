/**
 * Single-particle experiments on the virtual particle (src/sim/particle.ts), each written as the record
 * a potentiostat would leave: GITT (current pulses and rests), PITT (potential steps), rate capability
 * (lithiation to the lower limit with a potential hold, delithiation at several currents) and cyclic
 * voltammetry at several scan rates (one file per scan rate, as EC-Lab writes one per technique run).
 *
 * Each experiment starts from a fresh particle in equilibrium; the CV series runs one particle through
 * its scan rates, slowest first, each starting from equilibrium at the upper vertex (the potential hold
 * before the record), so the side reaction (SEI), when enabled, forms during the first cycle of the first
 * file only — the irreversible first-cycle charge of a real particle.
 */
import { formatCsvColumns } from '../io/csv/index.js';
import { OutputFolder } from '../io/output.js';
import type { CyclerRecords } from '../io/cycler/types.js';
import { formatMpt } from './cycler.js';
import {
  DEFAULT_PARTICLE,
  equilibratedState,
  equilibriumFraction,
  initialState,
  particleCapacityNAh,
  particleRecords,
  runParticle,
  type ParticleParameters,
  type ParticleRun,
  type ParticleSegment,
  type RunOptions,
} from './particle.js';

export interface GittPlan {
  /** Pulse current, A (negative: lithiation). */
  readonly currentA: number;
  readonly pulseS: number;
  readonly restS: number;
  readonly pulses: number;
  /** Filling the titration starts from (equilibrium). */
  readonly startFraction: number;
  readonly pulseSampleS: number;
  readonly restSampleS: number;
}

export interface PittPlan {
  readonly startV: number;
  /** Potential step, V (negative: lithiation). */
  readonly stepV: number;
  readonly steps: number;
  readonly holdS: number;
  readonly sampleS: number;
}

export interface RatePlan {
  /** Delithiation currents, A (positive). */
  readonly currentsA: readonly number[];
  /** Lithiation current before each delithiation, A (positive magnitude). */
  readonly lithiationCurrentA: number;
  readonly lowerV: number;
  readonly upperV: number;
  /** Potential hold at the lower limit after lithiation, s. */
  readonly holdS: number;
  readonly restS: number;
  readonly sampleS: number;
}

export interface CvPlan {
  readonly scanRatesVPerS: readonly number[];
  readonly upperV: number;
  readonly lowerV: number;
  readonly cycles: number;
  /** Samples per volt of sweep (the logging interval is 1/(rate · this)). */
  readonly samplesPerV: number;
}

export interface ParticleExperimentOptions {
  readonly particle: ParticleParameters;
  readonly gitt: GittPlan;
  readonly pitt: PittPlan;
  readonly rate: RatePlan;
  readonly cv: CvPlan;
  readonly noise: { readonly currentA: number; readonly voltageV: number };
  readonly seed: number;
}

const E0 = DEFAULT_PARTICLE.standardPotentialV;

export const DEFAULT_PARTICLE_EXPERIMENTS: ParticleExperimentOptions = {
  particle: { ...DEFAULT_PARTICLE, sei: { chargeNAh: 0.1, potentialV: 0.4, timeConstantS: 50, alpha: 0.5 } },
  gitt: {
    currentA: -0.5e-9,
    pulseS: 60,
    restS: 3600,
    pulses: 50,
    startFraction: 0.25,
    pulseSampleS: 1,
    restSampleS: 10,
  },
  pitt: { startV: E0 + 0.1, stepV: -0.01, steps: 20, holdS: 3600, sampleS: 2 },
  rate: {
    currentsA: [5e-9, 10e-9, 20e-9, 50e-9],
    lithiationCurrentA: 1e-9,
    lowerV: E0 - 0.25,
    upperV: E0 + 0.25,
    holdS: 7200,
    restS: 600,
    sampleS: 2,
  },
  cv: {
    scanRatesVPerS: [5e-5, 5e-4, 1e-3, 2e-3, 5e-3],
    upperV: E0 + 0.3,
    lowerV: E0 - 0.3,
    cycles: 3,
    samplesPerV: 1000,
  },
  noise: { currentA: 1e-15, voltageV: 1e-5 },
  seed: 1,
};

export function gittSegments(plan: GittPlan): ParticleSegment[] {
  const out: ParticleSegment[] = [{ kind: 'rest', durationS: 60, sampleS: plan.restSampleS }];
  for (let k = 0; k < plan.pulses; k++) {
    out.push({ kind: 'cc', currentA: plan.currentA, durationS: plan.pulseS, sampleS: plan.pulseSampleS });
    out.push({ kind: 'rest', durationS: plan.restS, sampleS: plan.restSampleS });
  }
  return out;
}

export function pittSegments(plan: PittPlan): ParticleSegment[] {
  const out: ParticleSegment[] = [
    { kind: 'hold', potentialV: plan.startV, durationS: 60, sampleS: plan.sampleS },
  ];
  for (let k = 1; k <= plan.steps; k++)
    out.push({
      kind: 'hold',
      potentialV: plan.startV + k * plan.stepV,
      durationS: plan.holdS,
      sampleS: plan.sampleS,
    });
  return out;
}

export function rateSegments(plan: RatePlan): ParticleSegment[] {
  const out: ParticleSegment[] = [];
  for (const i of plan.currentsA) {
    out.push({
      kind: 'cc',
      currentA: -plan.lithiationCurrentA,
      durationS: 1e6,
      limitV: plan.lowerV,
      sampleS: plan.sampleS,
    });
    out.push({ kind: 'hold', potentialV: plan.lowerV, durationS: plan.holdS, sampleS: plan.sampleS * 10 });
    out.push({ kind: 'rest', durationS: plan.restS, sampleS: plan.sampleS * 5 });
    out.push({ kind: 'cc', currentA: i, durationS: 1e6, limitV: plan.upperV, sampleS: plan.sampleS });
    out.push({ kind: 'rest', durationS: plan.restS, sampleS: plan.sampleS * 5 });
  }
  return out;
}

export function cvSegments(plan: CvPlan, rateVPerS: number): ParticleSegment[] {
  const out: ParticleSegment[] = [];
  const sampleS = 1 / (rateVPerS * plan.samplesPerV);
  for (let c = 1; c <= plan.cycles; c++) {
    out.push({ kind: 'sweep', fromV: plan.upperV, toV: plan.lowerV, rateVPerS, sampleS, cycle: c });
    out.push({ kind: 'sweep', fromV: plan.lowerV, toV: plan.upperV, rateVPerS, sampleS, cycle: c });
  }
  return out;
}

/** One simulated record with what is known about it. */
export interface SimulatedParticleRecord {
  readonly name: string;
  readonly kind: 'gitt' | 'pitt' | 'rate' | 'cv';
  readonly records: CyclerRecords;
  readonly run: ParticleRun;
  /** EC-Lab technique title for the .mpt header. */
  readonly techniqueTitle: string;
  readonly scanRateVPerS?: number;
}

/** Runs every experiment of the plan. */
export function simulateParticleExperiments(
  options: ParticleExperimentOptions = DEFAULT_PARTICLE_EXPERIMENTS,
  kinds: readonly ('gitt' | 'pitt' | 'rate' | 'cv')[] = ['gitt', 'pitt', 'rate', 'cv'],
): SimulatedParticleRecord[] {
  const p = options.particle;
  const noSei: ParticleParameters = { ...p, sei: null };
  const run: RunOptions = {
    currentNoiseA: options.noise.currentA,
    voltageNoiseV: options.noise.voltageV,
    seed: options.seed,
  };
  const radiusM = p.radiusM;
  const out: SimulatedParticleRecord[] = [];
  const startMs = Date.UTC(2026, 0, 15, 8, 0, 0);
  if (kinds.includes('gitt')) {
    const r = runParticle(
      noSei,
      gittSegments(options.gitt),
      run,
      initialState(p, options.gitt.startFraction),
    );
    out.push({
      name: 'gitt',
      kind: 'gitt',
      run: r,
      techniqueTitle: 'Galvanostatic Cycling with Potential Limitation',
      records: particleRecords(r, { source: 'virtual particle GITT', technique: 'GCPL', radiusM, startMs }),
    });
  }
  if (kinds.includes('pitt')) {
    const r = runParticle(
      noSei,
      pittSegments(options.pitt),
      { ...run, seed: options.seed + 1 },
      equilibratedState(p, options.pitt.startV),
    );
    out.push({
      name: 'pitt',
      kind: 'pitt',
      run: r,
      techniqueTitle: 'Modulo Bat',
      records: particleRecords(r, { source: 'virtual particle PITT', technique: 'MB', radiusM, startMs }),
    });
  }
  if (kinds.includes('rate')) {
    const r = runParticle(
      noSei,
      rateSegments(options.rate),
      { ...run, seed: options.seed + 2 },
      equilibratedState(p, options.rate.upperV),
    );
    out.push({
      name: 'rate',
      kind: 'rate',
      run: r,
      techniqueTitle: 'Modulo Bat',
      records: particleRecords(r, {
        source: 'virtual particle rate test',
        technique: 'MB',
        radiusM,
        startMs,
      }),
    });
  }
  if (kinds.includes('cv')) {
    let seiC = 0;
    const rates = [...options.cv.scanRatesVPerS].sort((a, b) => a - b);
    rates.forEach((v, k) => {
      const start = { ...equilibratedState(p, options.cv.upperV), seiChargeC: seiC };
      const r = runParticle(p, cvSegments(options.cv, v), { ...run, seed: options.seed + 3 + k }, start);
      seiC = r.state.seiChargeC;
      const name = `cv_${formatRate(v)}`;
      out.push({
        name,
        kind: 'cv',
        run: r,
        scanRateVPerS: v,
        techniqueTitle: 'Cyclic Voltammetry',
        records: particleRecords(r, {
          source: `virtual particle CV ${formatRate(v)}`,
          technique: 'CV',
          radiusM,
          startMs,
        }),
      });
    });
  }
  return out;
}

/** 5e-4 V/s → "0.5mVs". */
export function formatRate(vPerS: number): string {
  return `${Number((vPerS * 1e3).toPrecision(6))}mVs`;
}

/** The truth behind the records (parameters and what each record holds). */
export function particleTruth(options: ParticleExperimentOptions, sims: readonly SimulatedParticleRecord[]) {
  const p = options.particle;
  return {
    format: 'spincell particle simulation',
    version: 1,
    particle: {
      radiusUm: p.radiusM * 1e6,
      diffusionM2PerS: p.diffusionM2PerS,
      diffusionCm2PerS: p.diffusionM2PerS * 1e4,
      maxConcentrationMolPerM3: p.maxConcentrationMolPerM3,
      capacityNAh: particleCapacityNAh(p),
      standardPotentialV: p.standardPotentialV,
      ocvSlopeFactor: p.ocvSlopeFactor,
      exchangeCurrentAPerM2: p.exchangeCurrentAPerM2,
      transferCoefficient: p.transferCoefficient,
      temperatureK: p.temperatureK,
      shells: p.shells,
      sei: p.sei,
    },
    noise: options.noise,
    seed: options.seed,
    plans: { gitt: options.gitt, pitt: options.pitt, rate: options.rate, cv: options.cv },
    records: sims.map((s) => ({
      name: s.name,
      kind: s.kind,
      rows: s.records.rowCount,
      ...(s.scanRateVPerS !== undefined ? { scanRateVPerS: s.scanRateVPerS } : {}),
      seiChargeNAh: s.run.seiChargeBySegmentC.reduce((a, b) => a + b, 0) / 3.6e-6,
      seiChargeBySegmentNAh: Array.from(s.run.seiChargeBySegmentC, (c) => c / 3.6e-6),
      chargeBySegmentNAh: Array.from(s.run.chargeBySegmentC, (c) => c / 3.6e-6),
      startFraction:
        s.kind === 'gitt'
          ? options.gitt.startFraction
          : s.kind === 'pitt'
            ? equilibriumFraction(p, options.pitt.startV)
            : s.kind === 'rate'
              ? equilibriumFraction(p, options.rate.upperV)
              : equilibriumFraction(p, options.cv.upperV),
    })),
  };
}

export const PARTICLE_TRUTH_FILE = 'truth.json';

export interface WriteParticleResult {
  readonly dir: string;
  readonly files: string[];
  readonly truth: ReturnType<typeof particleTruth>;
}

/** Writes the records (EC-Lab .mpt or CSV with spincell keys) and truth.json into a new folder. */
export function writeParticleSet(
  dir: string,
  options: ParticleExperimentOptions = DEFAULT_PARTICLE_EXPERIMENTS,
  format: 'mpt' | 'csv' = 'mpt',
  kinds: readonly ('gitt' | 'pitt' | 'rate' | 'cv')[] = ['gitt', 'pitt', 'rate', 'cv'],
): WriteParticleResult {
  const set = OutputFolder.open(dir, { command: 'simulate particle', field: '--out', errors: 'output' });
  try {
    const sims = simulateParticleExperiments(options, kinds);
    const files: string[] = [];
    for (const s of sims) {
      const name = `${s.name}.${format}`;
      if (format === 'mpt')
        set.writeFile(
          name,
          Buffer.from(formatMpt(s.records, { techniqueTitle: s.techniqueTitle }), 'latin1'),
        );
      else
        set.writeFile(
          name,
          formatCsvColumns(
            s.records.columns.map((c) => c.key),
            s.records.columns.map((c) => c.values),
            [`source: ${s.records.source}`, `technique: ${s.records.technique}`],
          ),
        );
      files.push(name);
    }
    const truth = particleTruth(options, sims);
    set.writeFile(PARTICLE_TRUTH_FILE, `${JSON.stringify(truth, null, 2)}\n`);
    set.commit();
    return { dir, files, truth };
  } catch (error) {
    set.abort();
    throw error;
  }
}
