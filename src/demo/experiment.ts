/**
 * The demo's virtual experiment: one Li‖Li cell (src/sim/cell.ts) observed three ways, as in an operando
 * lab — the ⁷Li NMR series of the spectrometer, the cycler's EC-Lab export and a dynamic-EIS run (repeated
 * PEIS sweeps in one EC-Lab export). All three files are simulated from the same cell object, so every
 * number the demo extracts from them has a known true value.
 *
 * Layout of the output folder:
 *   series/      Bruker experiments 10, 11, … and truth.json (src/sim/operando.ts)
 *   cycler.mpt   EC-Lab text export of the cycler record (src/sim/cycler.ts)
 *   eis.mpt      EC-Lab text export of the PEIS sweeps, one `cycle number` per sweep
 *
 * The impedance of the virtual cell is not part of src/sim/cell.ts; the model here ties it to the cell:
 * R∞ is the cell's ohmic resistance and the interphase arc grows with the lithium the cell has bound in
 * its SEI, so the DRT of the sweeps follows the same inventory the NMR series sees.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { zarcWindowResistance } from '../eis/analytic.js';
import type { CyclerRecords } from '../io/cycler/types.js';
import { simulateCycler, writeMpt } from '../sim/cycler.js';
import { logSweep, peisRecords, simulateSweep, type CellModel } from '../sim/eis.js';
import {
  createCell,
  isSimulationFolder,
  readTruth,
  writeOperandoSeries,
  type OperandoTruth,
  type VirtualCell,
} from '../sim/index.js';

export const DEMO_SEED = 2026;

export interface ExperimentOptions {
  /** Number of NMR spectra (default 60). */
  spectra?: number;
  /** Number of impedance sweeps (default 16). */
  sweeps?: number;
}

export interface ExperimentPaths {
  readonly outDir: string;
  readonly series: string;
  readonly cycler: string;
  readonly eis: string;
}

export interface Experiment {
  readonly paths: ExperimentPaths;
  readonly truth: OperandoTruth;
  /** The very cell that was simulated, rebuilt from truth.json. */
  readonly cell: VirtualCell;
  /** Which files were simulated by this call (the others were already there). */
  readonly simulated: { readonly series: boolean; readonly cycler: boolean; readonly eis: boolean };
}

export function experimentPaths(outDir: string): ExperimentPaths {
  return {
    outDir,
    series: join(outDir, 'series'),
    cycler: join(outDir, 'cycler.mpt'),
    eis: join(outDir, 'eis.mpt'),
  };
}

/** Cycler logging interval, s. */
export const CYCLER_SAMPLE_S = 10;

/** Impedance sweep: 100 kHz → 10 mHz, 8 points per decade, 1 ‰ noise (of |Z|) on both parts. */
export const EIS_SWEEP = { fStartHz: 1e5, fEndHz: 1e-2, perDecade: 8, noise: 0.001 } as const;
/** Delay between the start of each sweep slot and the sweep itself, s. */
const EIS_DELAY_S = 60;

/**
 * Interphase arc: SEI plus charge transfer, τ0 = 1 ms (inside the −4 < log10 τ < 0 window of Thienenkamp et al. 2024).
 * Its resistance is that of the native film plus a term proportional to the SEI lithium per area.
 */
export const INTERPHASE = { nativeOhm: 20, ohmPerMAhPerCm2: 150, tau0S: 1e-3, phi: 0.8 } as const;
/** Slow transport arc (diffusion across the separator), τ0 = 10 s: outside the DRT window. */
export const TRANSPORT = { rOhm: 15, tau0S: 10, phi: 0.9 } as const;
/** The DRT window whose resistance is reported as the interphase resistance, log10(τ/s). */
export const INTERPHASE_WINDOW: readonly [number, number] = [-4, 0];

/** Impedance of the virtual cell at `timeS` seconds after the protocol start. */
export function impedanceModel(cell: VirtualCell, timeS: number): CellModel {
  const s = cell.state(Math.min(Math.max(timeS, 0), cell.durationS));
  return {
    r0Ohm: cell.params.resistanceOhm,
    zarcs: [
      {
        rOhm: INTERPHASE.nativeOhm + (INTERPHASE.ohmPerMAhPerCm2 * s.inventory.sei) / cell.params.areaCm2,
        tau0S: INTERPHASE.tau0S,
        phi: INTERPHASE.phi,
      },
      { ...TRANSPORT },
    ],
  };
}

/** True resistance in the interphase DRT window at `timeS`: every arc's share of γ inside the window. */
export function trueWindowResistanceOhm(cell: VirtualCell, timeS: number): number {
  const [lo, hi] = INTERPHASE_WINDOW;
  return impedanceModel(cell, timeS).zarcs.reduce(
    (acc, z) => acc + zarcWindowResistance(z.rOhm, z.tau0S, z.phi, 10 ** lo, 10 ** hi),
    0,
  );
}

/**
 * `count` PEIS sweeps spread over the protocol, each measured on the cell as it is at the sweep's
 * mid-time (a sweep takes ≈14 min; the cell changes little within it, so every sweep is stationary and
 * should pass Lin-KK). Returned as the record table an EC-Lab PEIS export holds.
 */
export function simulateEisRecords(cell: VirtualCell, startMs: number, count: number): CyclerRecords {
  const freq = logSweep(EIS_SWEEP.fStartHz, EIS_SWEEP.fEndHz, EIS_SWEEP.perDecade);
  const slot = cell.durationS / count;
  const sweeps = Array.from({ length: count }, (_, k) => {
    const startS = k * slot + EIS_DELAY_S;
    // Point times depend only on the frequencies: a first pass gives the sweep's mid-time.
    const timing = simulateSweep({ r0Ohm: 1, zarcs: [] }, freq, { startS }).timeS as Float64Array;
    const midS = 0.5 * (timing[0] + timing[timing.length - 1]);
    return simulateSweep(impedanceModel(cell, midS), freq, {
      noise: EIS_SWEEP.noise,
      seed: DEMO_SEED + 7919 * k,
      startS,
    });
  });
  return peisRecords(sweeps, startMs, cell.params.areaCm2, 'virtual potentiostat (PEIS loop)');
}

/** The existing series can be reused when it is a simulation with the demo's seed and size. */
function reusable(series: string, spectra: number): boolean {
  if (!isSimulationFolder(series)) return false;
  try {
    const t = readTruth(series);
    return t.seed === DEMO_SEED && t.spectra.length === spectra;
  } catch {
    return false;
  }
}

/**
 * Makes sure the three files exist in `outDir`, simulating what is missing. A new NMR series means a new
 * cell, so the cycler and impedance files are then simulated again too.
 */
export function prepareExperiment(outDir: string, options: ExperimentOptions = {}): Experiment {
  const spectra = options.spectra ?? 60;
  const sweeps = options.sweeps ?? 16;
  const paths = experimentPaths(outDir);
  const series = !reusable(paths.series, spectra);
  if (series) writeOperandoSeries(paths.series, { seed: DEMO_SEED, spectra });
  const truth = readTruth(paths.series);
  const cell = createCell(truth.cell.protocol, truth.cell.params);
  const cycler = series || !existsSync(paths.cycler);
  if (cycler)
    writeMpt(
      paths.cycler,
      simulateCycler(cell, { startMs: truth.protocolStartMs, sampleIntervalS: CYCLER_SAMPLE_S }),
    );
  const eis = series || !existsSync(paths.eis);
  if (eis)
    writeMpt(paths.eis, simulateEisRecords(cell, truth.protocolStartMs, sweeps), {
      techniqueTitle: 'Potentio Electrochemical Impedance Spectroscopy',
    });
  return { paths, truth, cell, simulated: { series, cycler, eis } };
}
