/**
 * The virtual spectrometer's relaxation and nutation experiments: static ⁷Li spectra of a Li metal line
 * and an electrolyte/SEI line whose intensities follow a known T1, T2 or nutation curve along a variable
 * list, written as a pseudo-2D Bruker experiment (acqus + acqu2s + ser + vdlist/vclist/vplist) or as a
 * series of numbered 1D experiments with the variable in acqus (D7, L4 or P1), plus truth.json.
 *
 * Row intensity of a line with full magnetization M0 (its `amplitude`):
 *   inversion-recovery   M0·(1 − k·e^{−(τ/T1)^β}), k = 2 unless `inversionFactor` says otherwise, β = 1
 *                        unless `t1Beta`; saturation-recovery the same with k = 1
 *   hahn-echo            M0·e^{−2τ/T2} (vdlist τ: the delay on each side of the refocusing pulse)
 *   cpmg                 M0·e^{−n·2·D20/T2} (vclist n echoes spaced 2·D20)
 *   nutation             M0·e^{−λ·tp}·sin(2πν·tp): ν spread as a Lorentzian of half-width λ/2π
 *   metal-nutation       the metal line: a slab many skin depths thick, integrated numerically over depth,
 *                        (1/δ)∫₀^L e^{−z/δ}·sin(2πν·tp·e^{−z/δ}) dz (B1 and the receive sensitivity both
 *                        fall as e^{−z/δ}; the phase lag inside the metal is left out); the electrolyte
 *                        line nutates as in `nutation`.
 * Each row is an FID of the lines (sim/spectrometer.ts: Voigt lines, receiver phase, digital-filter delay)
 * plus complex Gaussian noise of rms `amplitudeMax / snr` per channel (snr: FID first-point amplitude of
 * the strongest fully magnetized line over the noise rms), at one receiver scale for every row.
 */
import { ParameterError } from '../core/errors.js';
import { getNucleus, larmorFromFieldMHz } from '../core/nuclei.js';
import { writeBrukerExperiment, writeBrukerSer, type BrukerWriteSpec } from '../io/bruker/index.js';
import { MARKER_FILE, OutputFolder } from '../io/output.js';
import { isDirectory, isFile } from '../io/fs.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, deriveSeed } from './random.js';
import { applyReceiver, type Component, idealFid } from './spectrometer.js';

export type RelaxationExperiment =
  'inversion-recovery' | 'saturation-recovery' | 'hahn-echo' | 'cpmg' | 'nutation' | 'metal-nutation';

export const RELAXATION_EXPERIMENTS: readonly RelaxationExperiment[] = [
  'inversion-recovery',
  'saturation-recovery',
  'hahn-echo',
  'cpmg',
  'nutation',
  'metal-nutation',
];

export interface RelaxationLine {
  readonly name: string;
  readonly shiftPpm: number;
  readonly lorentzFwhmPpm: number;
  readonly gaussFwhmPpm: number;
  /** Full magnetization M0, FID first-point amplitude units. */
  readonly amplitude: number;
  readonly t1S: number;
  /** Stretching exponent of the recovery (default 1). */
  readonly t1Beta?: number;
  /** k of M0·(1 − k·e^{−τ/T1}) (default 2 for inversion, 1 for saturation recovery). */
  readonly inversionFactor?: number;
  readonly t2S: number;
  /** The line is metal: skin-depth nutation in 'metal-nutation'. */
  readonly metal?: boolean;
}

/**
 * Li metal (Knight shift 245 ppm, the pristine electrode's shape in sim/spectrometer.ts) and electrolyte/SEI
 * (0 ppm). The relaxation times are plausible orders of magnitude for a static cell at 9.4 T and room
 * temperature, chosen as test truth, not taken from a paper.
 */
export const DEFAULT_RELAXATION_LINES: readonly RelaxationLine[] = [
  {
    name: 'metal',
    shiftPpm: 245,
    lorentzFwhmPpm: 1.5,
    gaussFwhmPpm: 3.5,
    amplitude: 1,
    t1S: 0.15,
    t2S: 0.002,
    metal: true,
  },
  {
    name: 'electrolyte',
    shiftPpm: 0,
    lorentzFwhmPpm: 1.5,
    gaussFwhmPpm: 2,
    amplitude: 0.5,
    t1S: 2.5,
    t2S: 0.05,
  },
];

/** Default variable of each experiment: delays in s, echo counts, pulse lengths in µs. */
export const DEFAULT_RELAXATION_VALUES: Readonly<Record<RelaxationExperiment, readonly number[]>> = {
  'inversion-recovery': [0.001, 0.003, 0.01, 0.03, 0.06, 0.1, 0.2, 0.4, 0.8, 1.5, 3, 6, 12],
  'saturation-recovery': [0.001, 0.003, 0.01, 0.03, 0.06, 0.1, 0.2, 0.4, 0.8, 1.5, 3, 6, 12],
  'hahn-echo': [2e-5, 5e-5, 1e-4, 2e-4, 4e-4, 7e-4, 1e-3, 1.5e-3, 2.5e-3, 4e-3, 6e-3, 0.01, 0.02, 0.04],
  cpmg: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
  nutation: Array.from({ length: 31 }, (_, i) => i),
  'metal-nutation': Array.from({ length: 31 }, (_, i) => i),
};

export interface RelaxationSimOptions {
  readonly experiment: RelaxationExperiment;
  /** 'ser' (default): one pseudo-2D experiment `1`; 'series': numbered experiments 1…N. */
  readonly layout?: 'ser' | 'series';
  readonly seed?: number;
  readonly values?: readonly number[];
  readonly lines?: readonly RelaxationLine[];
  /** Nutation frequency ν1, kHz (default 37 kHz: π/2 = 6.76 µs, within Wichmann et al.'s 6.5–7.5 µs). */
  readonly nutationKHz?: number;
  /** Nutation damping λ, 1/µs (default 0.01). */
  readonly nutationDampingPerUs?: number;
  /** Metal slab thickness in skin depths (default 20). */
  readonly metalThicknessSkinDepths?: number;
  /** CPMG echo spacing 2·D20, s (default 0.2 ms). */
  readonly echoSpacingS?: number;
  readonly snr?: number;
  readonly fieldT?: number;
  readonly complexPoints?: number;
  readonly swHz?: number;
  readonly scans?: number;
  /** D1, s (default 15 s for T1 experiments: > 5·T1 of the slowest default line; 2 s otherwise). */
  readonly recycleDelayS?: number;
  readonly receiverPhaseDeg?: number;
  readonly dataType?: 'int32' | 'float64';
  /** Start of the first acquisition, epoch ms. */
  readonly startMs?: number;
}

export interface RelaxationTruth {
  readonly format: typeof RELAXATION_TRUTH_FORMAT;
  readonly version: 1;
  readonly experiment: RelaxationExperiment;
  readonly layout: 'ser' | 'series';
  readonly seed: number;
  /** The row variable as written: vdlist s, vclist counts or vplist µs. */
  readonly list: 'vdlist' | 'vclist' | 'vplist';
  readonly values: readonly number[];
  /** For series: the acqus parameter holding the variable (D7, L4, P1). */
  readonly seriesParameter: string;
  /** The x of the curve in its unit: delay s, echo time s, pulse length µs. */
  readonly x: readonly number[];
  readonly xUnit: 's' | 'us';
  readonly lines: readonly RelaxationLine[];
  /** Row intensity of each line (FID first-point amplitude units), lines × rows. */
  readonly intensities: Readonly<Record<string, readonly number[]>>;
  readonly nutationKHz: number;
  readonly nutationDampingPerUs: number;
  readonly metalThicknessSkinDepths: number;
  readonly echoSpacingS: number;
  readonly noiseSigma: number;
  readonly acquisition: {
    readonly nucleus: string;
    readonly bf1MHz: number;
    readonly sfo1MHz: number;
    readonly swHz: number;
    readonly complexPoints: number;
    readonly scans: number;
    readonly recycleDelayS: number;
    readonly acquisitionTimeS: number;
    readonly receiverPhaseDeg: number;
    readonly pulseProgram: string;
  };
}

export const RELAXATION_TRUTH_FORMAT = 'spincell simulated relaxation experiment';

/**
 * The metal line's nutation signal relative to M0: the depth integral of the header by the midpoint rule
 * (≥ 200 slices per skin depth), independent of the closed form the fit uses.
 */
export function metalNutationSignal(
  pulseUs: number,
  nutationKHz: number,
  thicknessSkinDepths: number,
): number {
  const slices = Math.max(2000, Math.ceil(200 * thicknessSkinDepths));
  const dz = thicknessSkinDepths / slices;
  const w = 2 * Math.PI * nutationKHz * 1e-3 * pulseUs;
  let s = 0;
  for (let i = 0; i < slices; i++) {
    const b = Math.exp(-(i + 0.5) * dz);
    s += b * Math.sin(w * b) * dz;
  }
  return s;
}

function rowIntensity(
  o: Resolved & { experiment: RelaxationExperiment },
  line: RelaxationLine,
  x: number,
): number {
  const e = o.experiment;
  if (e === 'inversion-recovery' || e === 'saturation-recovery') {
    const k = line.inversionFactor ?? (e === 'inversion-recovery' ? 2 : 1);
    const beta = line.t1Beta ?? 1;
    return line.amplitude * (1 - k * Math.exp(-((x / line.t1S) ** beta)));
  }
  if (e === 'hahn-echo' || e === 'cpmg') return line.amplitude * Math.exp(-x / line.t2S);
  if (e === 'metal-nutation' && line.metal)
    return line.amplitude * metalNutationSignal(x, o.nutationKHz, o.metalThicknessSkinDepths);
  return (
    line.amplitude * Math.exp(-o.nutationDampingPerUs * x) * Math.sin(2 * Math.PI * o.nutationKHz * 1e-3 * x)
  );
}

interface Resolved {
  nutationKHz: number;
  nutationDampingPerUs: number;
  metalThicknessSkinDepths: number;
  echoSpacingS: number;
}

const LIST_OF: Record<RelaxationExperiment, 'vdlist' | 'vclist' | 'vplist'> = {
  'inversion-recovery': 'vdlist',
  'saturation-recovery': 'vdlist',
  'hahn-echo': 'vdlist',
  cpmg: 'vclist',
  nutation: 'vplist',
  'metal-nutation': 'vplist',
};

const PULSE_PROGRAM: Record<RelaxationExperiment, string> = {
  'inversion-recovery': 't1ir',
  'saturation-recovery': 'satrec',
  'hahn-echo': 'hahnecho',
  cpmg: 'cpmg',
  nutation: 'zgvp',
  'metal-nutation': 'zgvp',
};

/** Where a series layout records each experiment's variable in acqus. */
const SERIES_PARAMETER: Record<'vdlist' | 'vclist' | 'vplist', string> = {
  vdlist: 'D7',
  vclist: 'L4',
  vplist: 'P1',
};

export interface SimulatedRelaxation {
  readonly truth: RelaxationTruth;
  readonly rows: { re: Float64Array; im: Float64Array }[];
  readonly spec: BrukerWriteSpec;
}

function positive(field: string, v: number, allowZero = false): void {
  if (!(Number.isFinite(v) && (allowZero ? v >= 0 : v > 0)))
    throw new ParameterError('simulation parameter out of range', {
      field,
      found: v,
      expected: allowZero ? '≥ 0' : '> 0',
    });
}

/** Simulates the rows in memory (see the header). */
export function simulateRelaxation(options: RelaxationSimOptions): SimulatedRelaxation {
  const experiment = options.experiment;
  if (!RELAXATION_EXPERIMENTS.includes(experiment))
    throw new ParameterError('unknown relaxation experiment', {
      field: 'experiment',
      found: experiment,
      expected: RELAXATION_EXPERIMENTS.join(' | '),
    });
  const values = [...(options.values ?? DEFAULT_RELAXATION_VALUES[experiment])];
  const list = LIST_OF[experiment];
  if (values.length < 3)
    throw new ParameterError('too few rows', { field: 'values', found: values.length, expected: '≥ 3' });
  values.forEach((v, i) => {
    positive(`values[${i}]`, v, true);
    if (list === 'vclist' && !Number.isInteger(v))
      throw new ParameterError('echo counts must be integers', { field: `values[${i}]`, found: v });
  });
  const lines = options.lines ?? DEFAULT_RELAXATION_LINES;
  for (const l of lines) {
    positive(`lines.${l.name}.t1S`, l.t1S);
    positive(`lines.${l.name}.t2S`, l.t2S);
    positive(`lines.${l.name}.amplitude`, l.amplitude);
  }
  const resolved: Resolved = {
    nutationKHz: options.nutationKHz ?? 37,
    nutationDampingPerUs: options.nutationDampingPerUs ?? 0.01,
    metalThicknessSkinDepths: options.metalThicknessSkinDepths ?? 20,
    echoSpacingS: options.echoSpacingS ?? 2e-4,
  };
  positive('nutationKHz', resolved.nutationKHz);
  positive('nutationDampingPerUs', resolved.nutationDampingPerUs, true);
  positive('metalThicknessSkinDepths', resolved.metalThicknessSkinDepths);
  positive('echoSpacingS', resolved.echoSpacingS);
  const seed = options.seed ?? 1;
  const snr = options.snr ?? 500;
  positive('snr', snr);
  const fieldT = options.fieldT ?? 9.4;
  const complexPoints = options.complexPoints ?? 4096;
  const swHz = options.swHz ?? 100_000;
  const scans = options.scans ?? 4;
  const isT1 = experiment === 'inversion-recovery' || experiment === 'saturation-recovery';
  const recycleDelayS = options.recycleDelayS ?? (isT1 ? 15 : 2);
  const receiverPhaseDeg = options.receiverPhaseDeg ?? 35;
  const nucleus = getNucleus('7Li');
  const bf1MHz = (nucleus.xiPercent / 100) * larmorFromFieldMHz(getNucleus('1H'), fieldT);
  const carrierPpm = 122.5;
  const o1Hz = carrierPpm * bf1MHz;
  const sfo1MHz = bf1MHz + o1Hz / 1e6;
  const acq = { swHz, complexPoints, bf1MHz, sfo1MHz };
  const x = values.map((v) =>
    experiment === 'hahn-echo' ? 2 * v : experiment === 'cpmg' ? v * resolved.echoSpacingS : v,
  );
  const o = { experiment, ...resolved };
  const intensities: Record<string, number[]> = {};
  for (const l of lines) intensities[l.name] = x.map((xi) => rowIntensity(o, l, xi));
  const amplitudeMax = Math.max(...lines.map((l) => l.amplitude));
  const noiseSigma = amplitudeMax / snr;
  const groupDelayPoints = 67.9862;
  const rows = x.map((_, r) => {
    const components: Component[] = lines.map((l) => ({
      name: 'diamagnetic',
      shiftPpm: l.shiftPpm,
      lorentzFwhmPpm: l.lorentzFwhmPpm,
      gaussFwhmPpm: l.gaussFwhmPpm,
      area: intensities[l.name][r],
    }));
    // idealFid skips zero areas only; negative areas (inverted lines) are plain negative amplitudes.
    const fid = applyReceiver(idealFid(components, acq), groupDelayPoints, receiverPhaseDeg);
    const rng = createRng(deriveSeed(seed, r));
    for (let k = 0; k < complexPoints; k++) {
      fid.re[k] += noiseSigma * rng.normal();
      fid.im[k] += noiseSigma * rng.normal();
    }
    return fid;
  });
  const aqS = complexPoints / swHz;
  const startMs = options.startMs ?? Date.UTC(2026, 0, 15, 9, 0, 0);
  const spec: BrukerWriteSpec = {
    nucleus: '7Li',
    sfo1MHz,
    bf1MHz,
    o1Hz,
    swHz,
    scans,
    dummyScans: 2,
    recycleDelayS,
    receiverGain: 64,
    pulseProgram: PULSE_PROGRAM[experiment],
    digitalFilter: { kind: 'grpdly', points: groupDelayPoints },
    endMs: startMs + 1000 * (2 + scans * values.length) * (recycleDelayS + aqS) + 1000,
    dataType: options.dataType ?? 'int32',
    byteOrder: 'little',
    delaysS: { 20: resolved.echoSpacingS / 2 },
    pulsesUs: { 1: 1 / (4 * resolved.nutationKHz * 1e-3) },
  };
  const truth: RelaxationTruth = {
    format: RELAXATION_TRUTH_FORMAT,
    version: 1,
    experiment,
    layout: options.layout ?? 'ser',
    seed,
    list,
    values,
    seriesParameter: SERIES_PARAMETER[list],
    x,
    xUnit: list === 'vplist' ? 'us' : 's',
    lines,
    intensities,
    ...resolved,
    noiseSigma,
    acquisition: {
      nucleus: '7Li',
      bf1MHz,
      sfo1MHz,
      swHz,
      complexPoints,
      scans,
      recycleDelayS,
      acquisitionTimeS: aqS,
      receiverPhaseDeg,
      pulseProgram: PULSE_PROGRAM[experiment],
    },
  };
  return { truth, rows, spec };
}

/** True when `dir` holds only what writeRelaxationExperiment writes (a previous simulation). */
function isRelaxationFolder(dir: string, names: readonly string[]): boolean {
  return (
    isFile(join(dir, 'truth.json')) &&
    names.every(
      (n) => n === 'truth.json' || n === MARKER_FILE || (/^\d+$/.test(n) && isDirectory(join(dir, n))),
    )
  );
}

/**
 * Writes a simulated experiment into `dir` (all-or-nothing, src/io/output.ts): `1/` (ser layout) or
 * `1/ … N/` (series layout), and truth.json. Returns the truth and the path to analyse.
 */
export function writeRelaxationExperiment(
  dir: string,
  options: RelaxationSimOptions,
  write: { force?: boolean } = {},
): { truth: RelaxationTruth; dataPath: string; truthFile: string } {
  const sim = simulateRelaxation(options);
  const { truth, rows, spec } = sim;
  const set = OutputFolder.open(dir, {
    command: 'simulate relaxation',
    field: '--out',
    errors: 'output',
    force: write.force,
    legacy: (d, names) => isRelaxationFolder(d, names) && readdirSync(d).length > 0,
  });
  try {
    let max = 0;
    for (const r of rows) for (const a of [r.re, r.im]) for (const v of a) max = Math.max(max, Math.abs(v));
    // One receiver scale for every row, so intensities compare across experiments of a series.
    const intScale = max > 0 ? 2 ** 29 / max : 1;
    const aqS = truth.acquisition.acquisitionTimeS;
    if (truth.layout === 'ser') {
      writeBrukerSer(set.stagedPath('1'), { ...spec, intScale, lists: { [truth.list]: truth.values } }, rows);
    } else {
      const param = truth.seriesParameter;
      const index = Number(param.slice(1));
      let startMs = spec.endMs - 1000 * (2 + spec.scans * rows.length) * (spec.recycleDelayS + aqS);
      rows.forEach((row, r) => {
        const v = truth.values[r];
        const endMs = startMs + 1000 * (2 + spec.scans) * (spec.recycleDelayS + aqS);
        writeBrukerExperiment(
          set.stagedPath(String(r + 1)),
          {
            ...spec,
            intScale,
            startMs,
            endMs,
            ...(param.startsWith('D') ? { delaysS: { ...spec.delaysS, [index]: v } } : {}),
            ...(param.startsWith('P') ? { pulsesUs: { ...spec.pulsesUs, [index]: v } } : {}),
            ...(param.startsWith('L') ? { loopCounters: { [index]: v } } : {}),
          },
          row,
        );
        startMs = endMs;
      });
    }
    set.writeFile('truth.json', `${JSON.stringify(truth, null, 1)}\n`);
    set.commit();
  } catch (error) {
    set.abort();
    throw error;
  }
  return {
    truth,
    dataPath: truth.layout === 'ser' ? join(set.target, '1') : set.target,
    truthFile: join(set.target, 'truth.json'),
  };
}
