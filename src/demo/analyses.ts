/**
 * The demo's three analyses, one function per instrument, each returning what spincell found beside what
 * the simulation put in (src/demo/experiment.ts):
 *
 *  - analyseCyclerFile: the EC-Lab export read back → steps, per-cycle capacities and Coulombic
 *    efficiency, the nucleation overpotential of every plating step, the voltage onset at the end of the
 *    first strip (where the strippable deposit runs out).
 *  - analyseNmrSeries: the ⁷Li series processed as a user would (automatic phase shared by the series,
 *    arPLS baseline, Li metal at 245 ppm), metal and diamagnetic integrals, dense/mossy/dendritic
 *    fractions (src/protocols/morphology.ts), and the cell state over every acquisition window from the
 *    cycler record (alignSpectra).
 *  - analyseImpedanceFile: the PEIS sweeps read back → Lin-KK and DRT with the resistance of
 *    −4 < log10 τ < 0 (seed 003's interphase window).
 */
import { join } from 'node:path';
import { spectrumCsv } from '../cli/commands/process.js';
import { midMs, openInput, spectrumFileStem } from '../cli/processing.js';
import {
  alignSpectra,
  analyseCycles,
  detectVoltageOnset,
  nucleationOverpotential,
  segmentSteps,
  seriesFromRecords,
  type AlignedSpectrum,
  type CyclerSeries,
  type Step,
  type VoltageOnset,
} from '../echem/index.js';
import { analyseDeis, type DeisResult } from '../eis/index.js';
import { readBiologic } from '../io/biologic/index.js';
import type { CyclerRecords } from '../io/cycler/types.js';
import { readImpedanceSeries, type TimedSpectrum } from '../io/eis/index.js';
import { writeFileAtomic } from '../io/fs.js';
import { integrateRegion, type PpmRange } from '../nmr/index.js';
import {
  createMorphologyAnalyser,
  type MorphologySeriesOptions,
  type MorphologySeriesRow,
} from '../protocols/index.js';
import type { OperandoTruth, VirtualCell } from '../sim/index.js';
import { INTERPHASE_WINDOW, trueWindowResistanceOhm, type Experiment } from './experiment.js';

/** Li metal and its microstructures (Knight shift ≈245–270 ppm). */
export const METAL_REGION: PpmRange = [230, 290];
/** Electrolyte and SEI. */
export const DIAMAGNETIC_REGION: PpmRange = [-20, 20];

/** Processing of the series, as `spincell process --phase-mode shared --baseline auto --ref metal:245`. */
export const PROCESSING = { phase: 'auto', phaseMode: 'shared', baseline: 'auto', ref: 'metal:245' } as const;

/**
 * Morphology: seed 004's constrained fit. The virtual cell's lines sit where 004 reports them (dense
 * ≈245–247, mossy ≈257, dendritic ≈267 ppm), i.e. in 004's windows with its +3.5 ppm offset
 * (244–249, 254–259, 264–269 ppm), so those are the windows used here.
 */
export const MORPHOLOGY: MorphologySeriesOptions = { mode: 'constrained', cathodeOffsetPpm: 3.5 };
export const MORPHOLOGY_NAMES = ['dense', 'mossy', 'dendritic'] as const;
export type Fractions = [number, number, number];

// ── Cycler ───────────────────────────────────────────────────────────────────────────────────────────

export interface CycleComparison {
  readonly number: number;
  readonly platedMAh: number;
  readonly strippedMAh: number;
  readonly coulombicEfficiency: number;
  readonly truePlatedMAh: number;
  readonly trueStrippedMAh: number;
  readonly trueCoulombicEfficiency: number;
}

export interface CyclerAnalysis {
  readonly records: CyclerRecords;
  readonly series: CyclerSeries;
  readonly steps: Step[];
  readonly cycles: CycleComparison[];
  /** Nucleation overpotential of every constant-current plating step and the cell's value, V. */
  readonly nucleation: { readonly measuredV: number; readonly trueV: number }[];
  /** Voltage onset in the first constant-current strip; null when none was found. */
  readonly onset: VoltageOnset | null;
  readonly stripCurrentMA: number;
  /** Lithium the deposit could give back at the start of that strip, and when it runs out (s into the step). */
  readonly reversibleMAh: number;
  readonly exhaustedStepS: number;
}

/** Plated and stripped charge of each cycle of the cell (a cycle starts with a plating step). */
function trueCycles(cell: VirtualCell): Map<number, { plated: number; stripped: number }> {
  const out = new Map<number, { plated: number; stripped: number }>();
  for (const span of cell.steps) {
    if (span.cycle === 0) continue;
    const a = cell.state(span.startS);
    const b = cell.state(span.endS);
    const c = out.get(span.cycle) ?? { plated: 0, stripped: 0 };
    c.plated += b.platedMAh - a.platedMAh;
    c.stripped += b.strippedMAh - a.strippedMAh;
    out.set(span.cycle, c);
  }
  return out;
}

/** Lithium that can still be stripped from the deposits at `timeS` (the part that does not turn dead), mAh. */
function strippableMAh(cell: VirtualCell, timeS: number): number {
  const inv = cell.state(timeS).inventory;
  const d = cell.params.deadFraction;
  return (1 - d.dense) * inv.dense + (1 - d.mossy) * inv.mossy + (1 - d.dendritic) * inv.dendritic;
}

export function analyseCyclerFile(experiment: Experiment): CyclerAnalysis {
  const { cell } = experiment;
  const records = readBiologic(experiment.paths.cycler);
  const series = seriesFromRecords(records);
  const steps = segmentSteps(series);
  const truth = trueCycles(cell);
  // A Li‖Li test starts by plating onto the working electrode: the instrument's discharge (I < 0).
  const cycles = analyseCycles(steps, { areaCm2: cell.params.areaCm2 })
    .filter((c) => c.number > 0)
    .map((c) => {
      const t = truth.get(c.number) ?? { plated: NaN, stripped: NaN };
      return {
        number: c.number,
        platedMAh: c.dischargeMAh,
        strippedMAh: c.chargeMAh,
        coulombicEfficiency: c.coulombicEfficiency ?? NaN,
        truePlatedMAh: t.plated,
        trueStrippedMAh: t.stripped,
        trueCoulombicEfficiency: t.stripped / t.plated,
      };
    });

  const nucleation = steps
    .filter((s) => s.type === 'cc' && s.direction === 'discharge')
    .map((s) => {
      // Nucleation costs more on a surface without deposits (dead lithium does not count as one).
      const inv = cell.state(s.startS).inventory;
      const bare = inv.dense + inv.mossy + inv.dendritic === 0;
      return {
        measuredV: nucleationOverpotential(series, s).overpotentialV,
        trueV: bare ? cell.params.nucleationOverpotentialV : cell.params.renucleationOverpotentialV,
      };
    });

  const strip = steps.find((s) => s.type === 'cc' && s.direction === 'charge');
  if (!strip) throw new Error(`${records.source}: no constant-current strip in the cycler record`);
  const stripCurrentMA = Math.abs(strip.meanCurrentMA);
  const reversibleMAh = strippableMAh(cell, strip.startS);
  return {
    records,
    series,
    steps,
    cycles,
    nucleation,
    onset: detectVoltageOnset(series, strip),
    stripCurrentMA,
    reversibleMAh,
    exhaustedStepS: (reversibleMAh * 3600) / stripCurrentMA,
  };
}

// ── NMR ──────────────────────────────────────────────────────────────────────────────────────────────

export interface NmrAnalysis {
  readonly experimentNumbers: (number | null)[];
  /** Acquisition mid-times, epoch ms. */
  readonly midMs: number[];
  readonly metal: number[];
  readonly diamagnetic: number[];
  /** Zeroth-order phase shared by the series, degrees. */
  readonly ph0Deg: number;
  /** Cell state over each acquisition window, from the cycler record. */
  readonly aligned: AlignedSpectrum[];
  /** Morphology fit of each spectrum; null when the morphology step is switched off. */
  readonly morphology: MorphologySeriesRow[] | null;
}

/**
 * Processes every spectrum (one in memory at a time), writes it to `processedDir`, integrates it and,
 * when `morphology` is given, deconvolves its metal region. Then aligns all spectra to the cycler record.
 */
export function analyseNmrSeries(
  experiment: Experiment,
  cycler: CyclerSeries,
  processedDir: string,
  morphology: MorphologySeriesOptions | null = MORPHOLOGY,
): NmrAnalysis {
  const input = openInput(experiment.paths.series, PROCESSING, true, 'demo');
  const analyser = morphology ? createMorphologyAnalyser(morphology) : null;
  const experimentNumbers: (number | null)[] = [];
  const mids: number[] = [];
  const metal: number[] = [];
  const diamagnetic: number[] = [];
  const rows: MorphologySeriesRow[] = [];
  let ph0Deg = NaN;
  for (const { entry, result } of input.run()) {
    const s = result.spectrum;
    writeFileAtomic(join(processedDir, `${spectrumFileStem(entry)}.csv`), spectrumCsv(result));
    experimentNumbers.push(entry.meta.experimentNumber ?? null);
    mids.push(midMs(entry.meta));
    metal.push(integrateRegion(s, METAL_REGION));
    diamagnetic.push(integrateRegion(s, DIAMAGNETIC_REGION));
    if (analyser)
      rows.push(
        analyser.analyse({ ppm: s.ppm, re: s.re, meta: { ...entry.meta, source: entry.experimentPath } }),
      );
    ph0Deg = result.applied.phase.ph0Deg;
  }
  const windows = input.entries.map((e) => ({
    startMs: e.meta.startMs,
    endMs: e.meta.endMs,
    label: String(e.meta.experimentNumber ?? e.index),
  }));
  return {
    experimentNumbers,
    midMs: mids,
    metal,
    diamagnetic,
    ph0Deg,
    aligned: alignSpectra(windows, cycler),
    morphology: analyser ? rows : null,
  };
}

/**
 * True fractions in the windows' convention: the dense window holds the pristine electrode and dense
 * deposits, the mossy window mossy and dead lithium (dead Li lies at 259 ppm).
 */
export function trueFractions(t: OperandoTruth['spectra'][number]): Fractions {
  const a = (n: string) => t.components.find((c) => c.name === n)?.area ?? 0;
  const total = t.metalArea;
  return [(a('pristine') + a('dense')) / total, (a('mossy') + a('dead')) / total, a('dendritic') / total];
}

/** Fractions of one morphology row in MORPHOLOGY_NAMES order, or null when its fit failed. */
export function fittedFractions(row: MorphologySeriesRow): Fractions | null {
  const r = row.result;
  if (!r) return null;
  const f = MORPHOLOGY_NAMES.map((name) => r.components.find((c) => c.morphology === name)?.fraction ?? NaN);
  return [f[0], f[1], f[2]];
}

// ── Impedance ────────────────────────────────────────────────────────────────────────────────────────

export interface ImpedanceAnalysis {
  readonly sweeps: TimedSpectrum[];
  /** Mid-time of each sweep, s after the protocol start. */
  readonly timeS: number[];
  readonly deis: DeisResult;
  /** DRT resistance of the interphase window and its true value per sweep, Ω. */
  readonly windowOhm: Float64Array;
  readonly trueWindowOhm: number[];
}

export function analyseImpedanceFile(experiment: Experiment): ImpedanceAnalysis {
  const { cell, truth } = experiment;
  const sweeps = readImpedanceSeries([experiment.paths.eis]);
  const deis = analyseDeis(sweeps, { windows: [INTERPHASE_WINDOW] });
  const timeS = sweeps.map((s) =>
    s.timeMs !== undefined ? (s.timeMs - truth.protocolStartMs) / 1000 : s.timeS,
  );
  return {
    sweeps,
    timeS,
    deis,
    windowOhm: deis.windows[0].resistanceOhm,
    trueWindowOhm: timeS.map((t) => trueWindowResistanceOhm(cell, t)),
  };
}
