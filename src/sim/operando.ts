/**
 * Writes a simulated operando series to disk: one numbered Bruker experiment folder per spectrum
 * (acqus with $DATE, audita.txt with start/end, fid) and `truth.json` with everything that was simulated.
 *
 * The series appears atomically: it is written into a hidden sibling folder that replaces the target at
 * the end, so an interrupted run leaves the previous state. A target that exists must be empty or a
 * previous simulation (truth.json of this format plus numbered experiment folders, nothing else): other
 * folders are never replaced.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CorruptFileError, MissingFileError, ParameterError } from '../core/errors.js';
import { type BrukerWriteSpec, writeBrukerExperiment } from '../io/bruker/index.js';
import { isDirectory, isFile } from '../io/fs.js';
import { MARKER_FILE, OutputFolder } from '../io/output.js';
import type { CellParameters, CellStep, StepSpan } from './cell.js';
import {
  type ComponentName,
  type LineShape,
  type OperandoOptions,
  type OperandoPlan,
  type SeriesAcquisition,
  type SpectrumTruth,
  planOperando,
  simulateSpectrum,
} from './spectrometer.js';

export const TRUTH_FILE = 'truth.json';
export const TRUTH_FORMAT = 'spincell simulated operando series';
export const TRUTH_VERSION = 1;

/** Content of truth.json. Times: epoch ms and ISO 8601 (UTC); `…S` fields are seconds since protocol start. */
export interface OperandoTruth {
  readonly format: string;
  readonly version: number;
  readonly seed: number;
  readonly protocolStartMs: number;
  readonly protocolStartIso: string;
  readonly acquisition: SeriesAcquisition;
  readonly lines: Readonly<Record<ComponentName, LineShape>>;
  readonly phase: {
    readonly jitterDeg: number;
    readonly independent: boolean;
    readonly firstOrderDeg: number;
  };
  readonly sensitivityPerMAh: number;
  readonly cell: {
    readonly params: CellParameters;
    readonly protocol: readonly CellStep[];
    readonly steps: readonly StepSpan[];
    readonly durationS: number;
  };
  readonly spectra: readonly (SpectrumTruth & {
    readonly folder: string;
    readonly startIso: string;
    readonly endIso: string;
    readonly midIso: string;
  })[];
}

export interface WriteSeriesResult {
  readonly dir: string;
  readonly truthFile: string;
  readonly spectra: number;
  readonly truth: OperandoTruth;
}

/** True when `dir` holds a series written by writeOperandoSeries (and nothing else). */
export function isSimulationFolder(dir: string): boolean {
  if (!isDirectory(dir)) return false;
  const truthPath = join(dir, TRUTH_FILE);
  if (!isFile(truthPath)) return false;
  try {
    const parsed = JSON.parse(readFileSync(truthPath, 'utf8')) as { format?: unknown };
    if (parsed.format !== TRUTH_FORMAT) return false;
  } catch {
    return false;
  }
  return readdirSync(dir).every(
    (name) =>
      name === TRUTH_FILE || name === MARKER_FILE || (/^\d+$/.test(name) && isDirectory(join(dir, name))),
  );
}

function checkTarget(dir: string): void {
  if (!isDirectory(dir)) {
    if (isFile(dir))
      throw new ParameterError('output path is a file', {
        file: dir,
        field: '--out',
        expected: 'a new, empty or previously simulated folder',
      });
    return;
  }
  if (readdirSync(dir).length === 0 || isSimulationFolder(dir)) return;
  throw new ParameterError(
    'output folder is not empty and not a previous simulation; refusing to overwrite it',
    {
      file: dir,
      field: '--out',
      found: `${readdirSync(dir).length} entries`,
      expected: 'a new, empty or previously simulated folder',
    },
  );
}

/**
 * The acqus parameters of one acquisition of a simulated series (start and end in epoch ms). The FID is
 * already in receiver counts: one scale for the whole series keeps areas comparable (intScale 1).
 */
export function acquisitionSpec(a: SeriesAcquisition, startMs: number, endMs: number): BrukerWriteSpec {
  return {
    nucleus: a.nucleus,
    sfo1MHz: a.sfo1MHz,
    bf1MHz: a.bf1MHz,
    o1Hz: a.o1Hz,
    swHz: a.swHz,
    scans: a.scans,
    dummyScans: a.dummyScans,
    recycleDelayS: a.recycleDelayS,
    receiverGain: a.receiverGain,
    pulseProgram: a.pulseProgram,
    digitalFilter: { kind: 'grpdly', points: a.groupDelayPoints },
    startMs,
    endMs,
    dataType: a.dataType,
    byteOrder: a.byteOrder,
    intScale: 1,
  };
}

/**
 * Simulates and writes an operando series into `dir`. `onSpectrum(done, total)` is called after each
 * spectrum (for progress bars). Memory stays at one FID at a time.
 */
export function writeOperandoSeries(
  dir: string,
  options: Partial<OperandoOptions> = {},
  onSpectrum?: (done: number, total: number) => void,
): WriteSeriesResult {
  const target = resolve(dir);
  checkTarget(target);
  const plan: OperandoPlan = planOperando(options);
  const set = OutputFolder.open(dir, {
    command: 'simulate operando',
    field: '--out',
    errors: 'output',
    legacy: (d) => isSimulationFolder(d),
  });
  const a = plan.acquisition;
  try {
    plan.spectra.forEach((truth, i) => {
      const sim = simulateSpectrum(plan, i);
      writeBrukerExperiment(
        set.stagedPath(String(truth.experimentNumber)),
        acquisitionSpec(a, truth.startMs, truth.endMs),
        { re: sim.re, im: sim.im },
      );
      onSpectrum?.(i + 1, plan.spectra.length);
    });
    const truth = truthDocument(plan);
    set.writeFile(TRUTH_FILE, `${JSON.stringify(truth, null, 1)}\n`);
    set.commit();
    return { dir: set.target, truthFile: set.finalPath(TRUTH_FILE), spectra: plan.spectra.length, truth };
  } catch (error) {
    set.abort();
    throw error;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The truth document of a plan (what writeOperandoSeries stores as truth.json). */
export function truthDocument(plan: OperandoPlan): OperandoTruth {
  const o = plan.options;
  return {
    format: TRUTH_FORMAT,
    version: TRUTH_VERSION,
    seed: o.seed,
    protocolStartMs: o.startMs,
    protocolStartIso: iso(o.startMs),
    acquisition: plan.acquisition,
    lines: plan.lines,
    phase: {
      jitterDeg: plan.phaseSettings.jitterDeg,
      independent: plan.phaseSettings.independent,
      firstOrderDeg: plan.phaseSettings.firstOrderDeg,
    },
    sensitivityPerMAh: o.sensitivityPerMAh,
    cell: {
      params: plan.cell.params,
      protocol: plan.cell.protocol,
      steps: plan.cell.steps,
      durationS: plan.cell.durationS,
    },
    spectra: plan.spectra.map((s) => ({
      ...s,
      folder: String(s.experimentNumber),
      startIso: iso(s.startMs),
      endIso: iso(s.endMs),
      midIso: iso(s.midMs),
    })),
  };
}

/** Reads `truth.json` of a simulated series (the folder or the file itself). */
export function readTruth(path: string): OperandoTruth {
  const file = isDirectory(path) ? join(path, TRUTH_FILE) : path;
  if (!isFile(file))
    throw new MissingFileError('no truth file', {
      file,
      expected: `${TRUTH_FILE} written by spincell simulate operando`,
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CorruptFileError('not valid JSON', { file, cause: error });
  }
  const doc = parsed as Partial<OperandoTruth>;
  if (doc.format !== TRUTH_FORMAT || !Array.isArray(doc.spectra)) {
    throw new CorruptFileError('not a spincell truth file', {
      file,
      field: 'format',
      found: doc.format,
      expected: TRUTH_FORMAT,
    });
  }
  if (doc.version !== TRUTH_VERSION) {
    throw new CorruptFileError('unsupported truth file version', {
      file,
      field: 'version',
      found: doc.version,
      expected: TRUTH_VERSION,
    });
  }
  return doc as OperandoTruth;
}
