/**
 * The demo's second cell: an anode-free Cu‖NMC622 pouch cell cycled with Wichmann et al.'s (2025) dead-lithium protocol
 * (src/sim/anode-free.ts), with known interphase, dead-metal and excess-metal losses per cycle.
 *
 * Files in `<outDir>/anode-free/`:
 *   integrals.csv  `cycle,state,integral`: the ⁷Li metal integral in the charged, discharged and after-CV
 *                  states at the measured cycles, as a real cell shows them — the spectra at 0 % SOC lose
 *                  intensity to the paramagnetic cathode (1/1.08), and every integral carries 0.5 % noise;
 *   cycler.mpt     EC-Lab text export of the whole cycling (CC charge, CC discharge, CV discharge, rests);
 *   truth.json     the cell's parameters and its lithium bookkeeping at every cycle.
 *
 * The demo analyses them through a manifest's `deadLithium` section, as `spincell dead-lithium
 * integrals.csv --cycler cycler.mpt --soc-factor 1.08 --area-cm2 1` does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIntegralTable } from '../io/csv/dead-lithium.js';
import { writeFileAtomic } from '../io/fs.js';
import {
  linearTrend,
  NMC622_ZERO_SOC_FACTOR,
  type LinearTrend,
  type SocFactors,
} from '../protocols/dead-lithium.js';
import {
  anodeFreeCyclerRecords,
  simulateAnodeFreeCell,
  type AnodeFreeCycleTruth,
} from '../sim/anode-free.js';
import { writeMpt } from '../sim/cycler.js';
import { DEMO_SEED } from './experiment.js';

/** The cell: 2.3 mAh on 1 cm² (inside Wichmann et al.'s (2025) 2.5 mAh cm⁻² linear range), 30 cycles. */
export const ANODE_FREE = {
  cycles: 30,
  initialChargeMAh: 2.3,
  areaCm2: 1,
  /** Cycles with the three spectra. */
  measuredCycles: [1, 5, 10, 15, 20, 25, 30],
  /** Integral units per mAh of metal in the charged state. */
  sensitivity: 850,
  /** Relative Gaussian noise on every integral. */
  relativeNoise: 0.005,
  socFactor: NMC622_ZERO_SOC_FACTOR,
  /** Cycler logging interval, s. */
  sampleIntervalS: 600,
} as const;

/** Bumped whenever the cell or its files change, so an older simulation is not reused. */
const TRUTH_VERSION = 1;

/** Interphase (SEI + CEI) formed in cycle n, mAh: a large first-cycle loss, then ≈0.0094 mAh per cycle (20.5 % after 30 cycles, as the bare cells of Fig. 3). */
export const interphaseLossMAh = (n: number): number =>
  n === 1 ? 0.2 : (0.205 * ANODE_FREE.initialChargeMAh - 0.2) / 29;
/** Metal turning dead in cycle n, mAh: a little faster in the first cycles. */
export const deadFormationMAh = (n: number): number => 0.0026 + 0.0012 * Math.exp(-(n - 1) / 6);
/** Reversible metal the CC discharge leaves behind in cycle n, mAh. */
export const excessMAh = (n: number): number => (n === 1 ? 0.12 : 0.02 + 0.004 * Math.cos(n));

const SOC_FACTORS: SocFactors = {
  charged: 1,
  discharged: ANODE_FREE.socFactor,
  afterCv: ANODE_FREE.socFactor,
};

export interface AnodeFreePaths {
  readonly dir: string;
  readonly integrals: string;
  readonly cycler: string;
  readonly truth: string;
}

export interface AnodeFreeTruthFile {
  readonly version: number;
  readonly seed: number;
  readonly description: string;
  readonly cell: typeof ANODE_FREE;
  readonly cycles: AnodeFreeCycleTruth[];
}

export interface AnodeFreeCell {
  readonly paths: AnodeFreePaths;
  /** Whether the three files were simulated by this call (false: reused). */
  readonly simulated: boolean;
  readonly truth: AnodeFreeTruthFile;
}

export function anodeFreePaths(outDir: string): AnodeFreePaths {
  const dir = join(outDir, 'anode-free');
  return {
    dir,
    integrals: join(dir, 'integrals.csv'),
    cycler: join(dir, 'cycler.mpt'),
    truth: join(dir, 'truth.json'),
  };
}

function readTruthFile(path: string): AnodeFreeTruthFile | null {
  try {
    const t = JSON.parse(readFileSync(path, 'utf8')) as AnodeFreeTruthFile;
    return t.version === TRUTH_VERSION && t.seed === DEMO_SEED && Array.isArray(t.cycles) ? t : null;
  } catch {
    return null;
  }
}

/** Simulates the cell's integrals, cycler record and truth into `paths.dir`. */
function simulate(paths: AnodeFreePaths): AnodeFreeTruthFile {
  const sim = simulateAnodeFreeCell({
    cycles: ANODE_FREE.cycles,
    initialChargeMAh: ANODE_FREE.initialChargeMAh,
    interphaseLossMAh,
    deadFormationMAh,
    excessMAh,
    sensitivity: ANODE_FREE.sensitivity,
    socFactors: SOC_FACTORS,
    measuredCycles: ANODE_FREE.measuredCycles,
    noise: { relative: ANODE_FREE.relativeNoise, seed: DEMO_SEED },
  });
  writeFileAtomic(paths.integrals, formatIntegralTable(sim.integrals));
  writeMpt(paths.cycler, anodeFreeCyclerRecords(sim, { sampleIntervalS: ANODE_FREE.sampleIntervalS }));
  const truth: AnodeFreeTruthFile = {
    version: TRUTH_VERSION,
    seed: DEMO_SEED,
    description:
      'virtual anode-free Cu||NMC622 cell (Wichmann et al. 2025 protocol): per-cycle capacities and the cumulative allocation of the first charge capacity, mAh',
    cell: ANODE_FREE,
    cycles: sim.truth,
  };
  writeFileAtomic(paths.truth, `${JSON.stringify(truth, null, 2)}\n`);
  return truth;
}

/** Makes sure the cell's files exist in `<outDir>/anode-free/`, simulating them when absent. */
export function prepareAnodeFreeCell(outDir: string): AnodeFreeCell {
  const paths = anodeFreePaths(outDir);
  const existing =
    existsSync(paths.integrals) && existsSync(paths.cycler) ? readTruthFile(paths.truth) : null;
  const truth = existing ?? simulate(paths);
  return { paths, simulated: existing === null, truth };
}

/**
 * The true cumulative dead metal at the measured cycles fitted by the same least-squares line as the
 * protocol's (dead metal forms faster in the first cycles, so no single per-cycle rate is the truth).
 */
export function trueDeadTrend(truth: AnodeFreeTruthFile, measured: readonly number[]): LinearTrend {
  return linearTrend(
    measured,
    measured.map((n) => truth.cycles[n - 1].deadMAh),
  );
}
