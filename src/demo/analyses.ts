/**
 * The demo's three analyses, one function per instrument, each returning what spincell found beside what
 * the simulation put in (src/demo/experiment.ts):
 *
 *  - analyseCyclerFile: the EC-Lab export read back → steps, per-cycle capacities and Coulombic
 *    efficiency, the nucleation overpotential of every plating step, the voltage onset at the end of the
 *    first strip (where the strippable deposit runs out).
 *  - analyseNmrSeries: the ⁷Li series processed as a user would (automatic phase of every spectrum,
 *    arPLS baseline, Li metal at 245 ppm), metal and diamagnetic integrals, dense/mossy/dendritic
 *    fractions (src/protocols/morphology.ts, width cap calibrated on the first, pristine spectrum), and the cell state over every acquisition window from the
 *    cycler record (alignSpectra).
 *  - analyseImpedanceFile: the PEIS sweeps read back → Lin-KK and DRT with the resistance of
 *    −4 < log10 τ < 0 (Thienenkamp et al.'s (2024) interphase window).
 */
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
import { OutputFolder } from '../io/output.js';
import { integrateRegion, type PpmRange } from '../nmr/index.js';
import { resampleToGrid } from '../pipeline/report.js';
import {
  calibrateWidthCap,
  createMorphologyAnalyser,
  type MorphologyAnalyser,
  type MorphologySeriesOptions,
  type MorphologySeriesRow,
} from '../protocols/index.js';
import type { OperandoTruth, VirtualCell } from '../sim/index.js';
import { INTERPHASE_WINDOW, trueWindowResistanceOhm, type Experiment } from './experiment.js';

/** Li metal and its microstructures (Knight shift ≈245–270 ppm). */
export const METAL_REGION: PpmRange = [230, 290];
/** Electrolyte and SEI. */
export const DIAMAGNETIC_REGION: PpmRange = [-20, 20];

/**
 * Processing of the series, as `spincell process --baseline auto --ref metal:245`: every spectrum is
 * phased on its own, because the receiver phase wanders by a fraction of a degree between spectra and the
 * morphology fractions of small components are sensitive to it.
 */
export const PROCESSING = { phase: 'auto', phaseMode: 'each', baseline: 'auto', ref: 'metal:245' } as const;

/**
 * Morphology: Wichmann et al.'s (2025) constrained fit in the windows for a cell without a paramagnetic electrode
 * (dense 240.5–245.5, mossy 250.5–255.5, dendritic 260.5–265.5 ppm), each line no broader than the pristine
 * electrode — whose width is measured, as in the paper, on the first spectrum, before any plating.
 */
export const MORPHOLOGY: MorphologySeriesOptions = { mode: 'constrained' };
/** Where the pristine-electrode line is fitted for the width cap, ppm. */
export const CALIBRATION_WINDOW_PPM: [number, number] = [230, 260];
export const MORPHOLOGY_NAMES = ['dense', 'mossy', 'dendritic'] as const;
/** Shift window of the report's spectra figures, ppm: the metal line and its microstructures. */
export const FIGURE_REGION_PPM: [number, number] = [230, 280];
/** Spacing of the common ppm grid the figure slices are resampled to (the spectra have ≈0.16 ppm), ppm. */
const FIGURE_GRID_STEP_PPM = 0.125;
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
  /** Width cap from the first spectrum (Gaussian and Lorentzian FWHM of the pristine line), ppm; null without morphology. */
  readonly widthCap: { widthCapGaussPpm: number; widthCapLorentzPpm: number } | null;
  /** Cell state over each acquisition window, from the cycler record. */
  readonly aligned: AlignedSpectrum[];
  /** Morphology fit of each spectrum; null when the morphology step is switched off. */
  readonly morphology: MorphologySeriesRow[] | null;
  /** Small pieces of the spectra kept for the report's figures (the spectra themselves are streamed). */
  readonly slices: SpectraSlices;
}

export interface SpectraSlices {
  /** Common ascending ppm grid over FIGURE_REGION_PPM. */
  readonly ppm: Float64Array;
  /** Real part of every spectrum on that grid, linearly interpolated. */
  readonly intensity: Float64Array[];
  /** One spectrum over FIGURE_REGION_PPM at full resolution, for the morphology fit overlay. */
  readonly detail: { readonly index: number; readonly ppm: Float64Array; readonly re: Float64Array } | null;
}

/** The spectrum the report shows a fit of: the last one acquired in the first plating step (deposits at their largest). */
export function representativeSpectrum(experiment: Experiment): number {
  const { truth, cell } = experiment;
  const plate = cell.steps.find((s) => s.kind === 'plate');
  const last = plate ? truth.spectra.findLastIndex((s) => s.cell.stepIndex === plate.index) : -1;
  return last >= 0 ? last : Math.floor(truth.spectra.length / 2);
}

function figureGrid(): Float64Array {
  const [lo, hi] = FIGURE_REGION_PPM;
  const n = Math.round((hi - lo) / FIGURE_GRID_STEP_PPM) + 1;
  return Float64Array.from({ length: n }, (_, i) => lo + i * FIGURE_GRID_STEP_PPM);
}

/** The points of a spectrum inside `region`, in ascending ppm order. */
function sliceAscending(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  region: [number, number],
): { ppm: Float64Array; re: Float64Array } {
  const idx: number[] = [];
  for (let i = 0; i < x.length; i++) if (x[i] >= region[0] && x[i] <= region[1]) idx.push(i);
  if (idx.length > 1 && x[idx[0]] > x[idx[idx.length - 1]]) idx.reverse();
  return { ppm: Float64Array.from(idx, (i) => x[i]), re: Float64Array.from(idx, (i) => y[i]) };
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
  let analyser: MorphologyAnalyser | null = null;
  let widthCap: NmrAnalysis['widthCap'] = null;
  const experimentNumbers: (number | null)[] = [];
  const mids: number[] = [];
  const metal: number[] = [];
  const diamagnetic: number[] = [];
  const rows: MorphologySeriesRow[] = [];
  const grid = figureGrid();
  const sliced: Float64Array[] = [];
  const detailIndex = representativeSpectrum(experiment);
  let detail: SpectraSlices['detail'] = null;
  let ph0Deg = NaN;
  // The processed spectra are one set: staged beside processedDir and swapped in whole (src/io/output.ts).
  const processed = OutputFolder.open(processedDir, {
    command: 'demo',
    field: 'processed',
    errors: 'output',
    legacy: (_dir, names) => names.every((n) => /^exp\d+(_row\d{4})?\.csv$/.test(n)),
  });
  try {
    for (const { entry, result } of input.run()) {
      const s = result.spectrum;
      sliced.push(resampleToGrid(s.ppm, s.re, grid));
      if (sliced.length - 1 === detailIndex)
        detail = { index: detailIndex, ...sliceAscending(s.ppm, s.re, FIGURE_REGION_PPM) };
      processed.writeFile(`${spectrumFileStem(entry)}.csv`, spectrumCsv(result));
      experimentNumbers.push(entry.meta.experimentNumber ?? null);
      mids.push(midMs(entry.meta));
      metal.push(integrateRegion(s, METAL_REGION));
      diamagnetic.push(integrateRegion(s, DIAMAGNETIC_REGION));
      if (morphology) {
        const spectrum = {
          ppm: s.ppm,
          re: s.re,
          im: s.im,
          meta: { ...entry.meta, source: entry.experimentPath },
        };
        if (!analyser) {
          widthCap =
            morphology.mode === 'constrained'
              ? calibrateWidthCap(spectrum, CALIBRATION_WINDOW_PPM).cap
              : null;
          analyser = createMorphologyAnalyser(widthCap ? { ...morphology, ...widthCap } : morphology);
        }
        rows.push(analyser.analyse(spectrum));
      }
      ph0Deg = result.applied.phase.ph0Deg;
    }
    processed.commit();
  } catch (error) {
    processed.abort();
    throw error;
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
    widthCap,
    aligned: alignSpectra(windows, cycler),
    morphology: morphology ? rows : null,
    slices: { ppm: grid, intensity: sliced, detail },
  };
}

/** True fractions by morphology window, as the simulator records them (dense = pristine + dense, mossy = mossy + dead). */
export function trueFractions(t: OperandoTruth['spectra'][number]): Fractions {
  const w = t.morphologyTruth;
  return [w.dense.fraction, w.mossy.fraction, w.dendritic.fraction];
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
