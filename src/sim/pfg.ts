/**
 * A virtual PFG NMR diffusion experiment (stimulated echo by default): the echo attenuation
 * I(g) = I0·Σ fₖ·exp(−Dₖ·b(g)) with b = γ²g²δ²σ²Δ′ (Stejskal–Tanner, transport/pfg.ts), written as the two
 * inputs `spincell pfg` reads — a table (pfg.csv: gradient_G_cm, intensity) and a Bruker pseudo-2D
 * experiment (acqus + acqu2s + ser + difflist, one FID per gradient step: a single line whose amplitude is
 * the attenuation) — and truth.json. Defaults: ¹⁹F at 9.4 T, δ = 1 ms, Δ = 60 ms, the polymer-electrolyte
 * anion of Thienenkamp et al. (2024), D = 1.3×10⁻¹² m² s⁻¹, 16 gradients up to 2500 G cm⁻¹ (equal steps
 * in g², attenuation down to ≈0.05).
 */
import { getNucleus, larmorFromFieldMHz } from '../core/nuclei.js';
import { ParameterError } from '../core/errors.js';
import { formatCsv } from '../io/csv/index.js';
import { OutputFolder } from '../io/output.js';
import { writeBrukerSer } from '../io/bruker/write.js';
import {
  bValuesSPerM2,
  effectiveDiffusionTimeS,
  gaussPerCmToTPerM,
  type PfgTiming,
} from '../transport/index.js';
import { createRng } from './random.js';

export interface PfgSimulationOptions {
  readonly nucleus?: string;
  /** D of each component, m² s⁻¹ (default [1.3e-12]). */
  readonly dM2PerS?: readonly number[];
  /** Fraction of each component (default equal shares). */
  readonly fractions?: readonly number[];
  readonly timing?: Partial<PfgTiming>;
  /** Gradient steps, G cm⁻¹ (default 16 steps up to 2500 G cm⁻¹, equal in g²). */
  readonly gradientsGPerCm?: readonly number[];
  /**
   * Relative Gaussian noise on the table's intensities (default 0.002); the FIDs carry complex Gaussian
   * noise of rms noise/√N per point (N = 1024 points) relative to an unattenuated echo's amplitude.
   */
  readonly noise?: number;
  readonly seed?: number;
  /** Protocol start, epoch ms (fixed by default, so a seed gives identical files). */
  readonly startMs?: number;
}

export interface PfgTruth {
  readonly format: 'spincell-pfg-truth';
  readonly version: 1;
  readonly nucleus: string;
  readonly dM2PerS: number[];
  readonly fractions: number[];
  readonly timing: PfgTiming & { readonly effectiveDiffusionTimeS: number };
  readonly gradientsGPerCm: number[];
  readonly bSPerM2: number[];
  /** Noise-free attenuation I/I0 at each gradient. */
  readonly attenuation: number[];
  readonly noise: number;
  readonly seed: number;
}

export const PFG_FILES = { table: 'pfg.csv', bruker: 'bruker', truth: 'truth.json' } as const;

const DEFAULT_TIMING: PfgTiming = { deltaS: 1e-3, bigDeltaS: 60e-3, shape: 'rect', sequence: 'ste' };
const POINTS = 1024;
const SW_HZ = 20_000;
/** The line: 500 Hz off the carrier, T2* = 10 ms. */
const LINE = { offsetHz: 500, t2S: 0.01 };

export function simulatePfgAttenuation(options: PfgSimulationOptions = {}): PfgTruth {
  const nucleus = getNucleus(options.nucleus ?? '19F');
  const d = [...(options.dM2PerS ?? [1.3e-12])];
  const fractions = [...(options.fractions ?? d.map(() => 1 / d.length))];
  if (fractions.length !== d.length || d.some((x) => !(x > 0)) || fractions.some((f) => !(f >= 0)))
    throw new ParameterError('one non-negative fraction per positive diffusion coefficient', {
      field: 'fractions',
      found: `${d.length} D, ${fractions.length} fractions`,
      expected: 'as many fractions as D values',
    });
  const timing: PfgTiming = { ...DEFAULT_TIMING, ...options.timing };
  const gradients = [
    ...(options.gradientsGPerCm ?? Array.from({ length: 16 }, (_, i) => 2500 * Math.sqrt((i + 1) / 16))),
  ];
  const b = bValuesSPerM2(gradients.map(gaussPerCmToTPerM), nucleus.gammaRadPerSPerT, timing);
  const total = fractions.reduce((a, f) => a + f, 0);
  const attenuation = Array.from(b, (bi) =>
    d.reduce((a, dk, k) => a + (fractions[k] / total) * Math.exp(-dk * bi), 0),
  );
  return {
    format: 'spincell-pfg-truth',
    version: 1,
    nucleus: nucleus.label,
    dM2PerS: d,
    fractions: fractions.map((f) => f / total),
    timing: { ...timing, effectiveDiffusionTimeS: effectiveDiffusionTimeS(timing) },
    gradientsGPerCm: gradients,
    bSPerM2: Array.from(b),
    attenuation,
    noise: options.noise ?? 0.002,
    seed: options.seed ?? 1,
  };
}

/** Writes pfg.csv, bruker/ (ser + difflist) and truth.json into `dir` as one set. */
export function writePfgExperiment(
  dir: string,
  options: PfgSimulationOptions = {},
): {
  readonly dir: string;
  readonly table: string;
  readonly bruker: string;
  readonly truth: PfgTruth;
} {
  const truth = simulatePfgAttenuation(options);
  const rng = createRng(truth.seed);
  const i0 = 1e6;
  const set = OutputFolder.open(dir, { command: 'simulate pfg', field: '--out', errors: 'output' });
  try {
    set.writeFile(
      PFG_FILES.table,
      formatCsv(
        ['gradient_G_cm', 'intensity'],
        truth.gradientsGPerCm.map((g, k) => [
          g,
          i0 * truth.attenuation[k] * (1 + truth.noise * rng.normal()),
        ]),
        [
          `virtual PFG ${truth.nucleus} (spincell simulate pfg): ${truth.timing.sequence}, delta ${truth.timing.deltaS * 1e3} ms, Delta ${truth.timing.bigDeltaS * 1e3} ms, ${truth.timing.shape} gradients`,
        ],
      ),
    );
    const nucleus = getNucleus(truth.nucleus);
    const bf1MHz = (nucleus.xiPercent / 100) * larmorFromFieldMHz(getNucleus('1H'), 9.4);
    const dt = 1 / SW_HZ;
    const sigma = truth.noise / Math.sqrt(POINTS);
    const rows = truth.attenuation.map((a) => {
      const re = new Float64Array(POINTS);
      const im = new Float64Array(POINTS);
      for (let n = 0; n < POINTS; n++) {
        const t = n * dt;
        const env = a * Math.exp(-t / LINE.t2S);
        const ph = 2 * Math.PI * LINE.offsetHz * t;
        re[n] = env * Math.cos(ph) + sigma * rng.normal();
        im[n] = env * Math.sin(ph) + sigma * rng.normal();
      }
      return { re, im };
    });
    const startMs = options.startMs ?? Date.UTC(2026, 0, 15, 9, 0, 0);
    const scans = 16;
    const recycleDelayS = 2;
    const rowS = scans * (recycleDelayS + POINTS * dt + truth.timing.bigDeltaS);
    const bruker = set.stagedPath(PFG_FILES.bruker);
    writeBrukerSer(
      bruker,
      {
        nucleus: truth.nucleus,
        sfo1MHz: bf1MHz,
        bf1MHz,
        o1Hz: 0,
        swHz: SW_HZ,
        scans,
        recycleDelayS,
        pulseProgram: 'stebpgp1s',
        digitalFilter: { kind: 'analogue' },
        startMs,
        endMs: startMs + 1000 * rowS * rows.length,
        dataType: 'float64',
        overwrite: true,
      },
      rows,
    );
    set.writeFile(
      `${PFG_FILES.bruker}/difflist`,
      `${truth.gradientsGPerCm.map((g) => g.toPrecision(10)).join('\n')}\n`,
    );
    set.writeFile(PFG_FILES.truth, `${JSON.stringify(truth, null, 1)}\n`);
    set.commit();
    return {
      dir: set.target,
      table: set.finalPath(PFG_FILES.table),
      bruker: set.finalPath(PFG_FILES.bruker),
      truth,
    };
  } catch (error) {
    set.abort();
    throw error;
  }
}
