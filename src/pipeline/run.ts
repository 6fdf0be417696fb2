/**
 * Runs a version 1 manifest: every step is a call into the library (the same streaming processing as
 * `spincell process`/`integrate`, alignSpectra, analyseCycles, analyseDeis), so `spincell run` gives the
 * numbers the single commands give for the same options. Results are computed first and written last
 * as one set (staged beside the output folder and swapped in whole, src/io/output.ts), with provenance (inputs with size and SHA-256, the resolved
 * manifest, versions, times) beside them. Inputs are only read.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { MissingFileError, ParameterError, relocated, SpincellError } from '../core/errors.js';
import { listSpectra } from '../io/spectra.js';
import {
  fitInput,
  type IntegralRow,
  integralsTable,
  midMs,
  openInput,
  type OpenedInput,
  type ProcessedItem,
  type ProcessingFlags,
  type SpectrumScaling,
  spectrumIdentity,
  spectrumWindow,
} from './processing.js';
import {
  alignedTable,
  alignSpectra,
  analyseCycles,
  checkAlignment,
  findRecordGaps,
  requireOverlap,
  segmentSteps,
  seriesFromRecords,
  type AlignedSpectrum,
  type RecordGap,
  type Cycle,
  type CyclerSeries,
} from '../echem/index.js';
import { alignSweeps, analyseDeis, sweepsHaveTimes, type DeisResult } from '../eis/index.js';
import { drtCsv, impedancePointsCsv } from './impedance-data.js';
import { formatCsv } from '../io/csv/index.js';
import { type CyclerRecords, readCyclerFile, type TableReadOptions } from '../io/cycler/index.js';
import { readImpedanceSeries, type TimedSpectrum } from '../io/eis/index.js';
import { isDirectory, isFile } from '../io/fs.js';
import { collectInputs, OutputFolder } from '../io/output.js';
import { integrateRegion, type PpmRange, type ProcessingResult } from '../nmr/index.js';
import { type MorphologySeriesRow, morphologyTable } from '../protocols/index.js';
import type { MorphologyRequest } from '../protocols/presets.js';
import {
  morphologyComments,
  openMorphologyStep,
  type MorphologyProvenance,
  type MorphologyStep,
} from './morphology.js';
import type { ReportSection, ReportTable } from '../report/index.js';
import {
  type Manifest,
  type ManifestMorphology,
  type ManifestProcessing,
  resolveManifestPath,
} from './manifest.js';
import { buildRunReport, type SpectrumSlice } from './report.js';
import { renderReport } from '../report/index.js';
import {
  fitsCsv,
  linKKOptions,
  modelFitReport,
  openModelFit,
  resolveSections,
  runSections,
  SECTION_OUTPUT_NAMES,
  sectionInputs,
  sectionOutputs,
  sectionReports,
  treeFiles,
  type ModelFitter,
  type SectionResults,
} from './sections/index.js';
import { createSeriesRowHeaders, type SeriesFitRow } from '../fit/batch.js';
import { storedSpectrum, type StoredSpectrum } from '../store/spectrum-data.js';

export type RunStage = 'inputs' | 'nmr' | 'cycler' | 'align' | 'eis' | 'analyses' | 'report' | 'write';

export interface ProgressEvent {
  readonly stage: RunStage;
  readonly done: number;
  readonly total: number;
}

export interface RunOptions {
  /** The manifest file: relative paths are resolved against its folder; named in errors and provenance. */
  readonly manifestPath: string;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Replace spincell's own earlier files in the output folder even when they were changed since. */
  readonly force?: boolean;
  /**
   * Inputs already hashed by the caller (the project store's cache key): a file of the same path and size
   * is not read a second time.
   */
  readonly hashedInputs?: readonly InputFile[];
  /**
   * Live mode (src/live/): the series' spectra already processed one by one (an NmrStep's result), used
   * instead of processing them again, and the experiments of the series folder they came from (those
   * whose files were complete); everything else is computed here as for any run.
   */
  readonly live?: { readonly nmr: NmrRun; readonly include: (experimentPath: string) => boolean };
}

export interface InputFile {
  /** Absolute path. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface Provenance {
  readonly spincell: string;
  readonly node: string;
  readonly manifestPath: string;
  /** The manifest after defaults were applied, with its paths made absolute. */
  readonly manifest: Manifest;
  readonly inputs: InputFile[];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly outputs: string[];
  /** `nmr.morphology`: the preset and every resolved setting with its source (as the CSV header). */
  readonly morphology?: MorphologyProvenance;
}

export interface OutputFile {
  readonly name: string;
  readonly path: string;
  /** What the file holds, one short phrase. */
  readonly description: string;
  /** Data rows of a table; null for other files. */
  readonly rows: number | null;
}

export interface RunResult {
  readonly outputDir: string;
  /** One-line notes and warnings of the run, each prefixed `note:` or `warning:` (series order, time
   * sources, NS/RG changing, spectra outside the cycler record, holes in it …). */
  readonly warnings: string[];
  readonly outputs: OutputFile[];
  readonly provenance: Provenance;
  /** The in-memory results the tables were written from (the project store keeps them, src/store/). */
  readonly results: RunResults;
}

/** Everything a run computed, before formatting. */
export interface RunResults {
  readonly nmr: NmrRun | null;
  readonly cycler: CyclerRun | null;
  readonly aligned: AlignedSpectrum[] | null;
  readonly eis: EisRun | null;
  /** Cycler steps, circuit fits, dead lithium, drift velocities, PFG (src/pipeline/sections/). */
  readonly sections?: SectionResults;
}

/** Every file a run may write (the folder is replaced whole, so it holds exactly those of the last run). */
export const OUTPUT_NAMES = [
  'integrals.csv',
  'aligned.csv',
  'cycles.csv',
  'morphology.csv',
  'impedance.csv',
  'impedance-aligned.csv',
  'impedance-points.csv',
  'drt.csv',
  'report.html',
  'provenance.json',
  ...SECTION_OUTPUT_NAMES,
] as const;

/** The report stacks at most this many spectra (every k-th and the last). */
const MAX_STACKED = 32;
/** Points kept per spectrum for the report's figures. */
const MAX_FIGURE_POINTS = 1500;

/** The package version, from the package.json next to the sources (src/ or dist/src/). */
export function spincellVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'spincell' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}

/** One input the manifest names, with the JSON path of the field that names it. */
interface ManifestInput {
  readonly field: string;
  readonly path: string;
  readonly kind: 'nmr' | 'file' | 'tree';
}

function manifestInputs(m: Manifest): ManifestInput[] {
  return [
    ...(m.nmr ? [{ field: 'nmr.path', path: resolve(m.nmr.path), kind: 'nmr' as const }] : []),
    ...(m.cycler ? [{ field: 'cycler.path', path: resolve(m.cycler.path), kind: 'file' as const }] : []),
    ...(m.eis
      ? m.eis.paths.map((p, i) => ({ field: `eis.paths[${i}]`, path: resolve(p), kind: 'file' as const }))
      : []),
    ...sectionInputs(m).map((i) => ({ ...i, path: resolve(i.path) })),
  ];
}

/**
 * Refuses, before anything is read, an input that does not exist (or is of the wrong kind) and an
 * impedance file named twice, naming the manifest field.
 */
function checkInputs(inputs: readonly ManifestInput[], manifestPath: string): void {
  const seen = new Map<string, string>();
  for (const input of inputs) {
    let stats;
    try {
      stats = statSync(input.path);
    } catch (cause) {
      throw new MissingFileError('input not found', {
        file: manifestPath,
        field: input.field,
        found: input.path,
        expected:
          input.kind === 'nmr'
            ? 'a Bruker experiment or dataset folder'
            : input.kind === 'tree'
              ? 'an existing file or folder'
              : 'an existing file',
        cause,
      });
    }
    if (input.kind === 'file' && !stats.isFile())
      throw new ParameterError('input is not a file', {
        file: manifestPath,
        field: input.field,
        found: input.path,
        expected: 'a cycler or impedance file',
      });
    const before = seen.get(input.path);
    if (before !== undefined)
      throw new ParameterError('the same input is named twice', {
        file: manifestPath,
        field: input.field,
        found: input.path,
        expected: `a file other than the one in ${before}`,
      });
    seen.set(input.path, input.field);
  }
}

/**
 * The files a run reads, for provenance: for a Bruker input the parameter, audit and data files of each
 * experiment the reader uses (not whatever else the folder holds), for TopSpin processed spectra their
 * procs, 1r/1i and the parent experiment's parameters (which give the times), for JCAMP-DX the files
 * themselves; a file the reader reaches through a symbolic link leading out of the input folder is refused.
 */
function filesRead(
  input: ManifestInput,
  manifestPath: string,
  include?: (experimentPath: string) => boolean,
): string[] {
  if (input.kind === 'file') return [input.path];
  if (input.kind === 'tree') return isDirectory(input.path) ? treeFiles(input.path) : [input.path];
  let entries;
  try {
    entries = listSpectra(input.path, include ? { include } : {}).entries;
  } catch (e) {
    throw e instanceof SpincellError && e.file === undefined
      ? relocated(e, { file: manifestPath, field: input.field })
      : e;
  }
  const files = new Set<string>();
  const addIfFile = (f: string) => {
    if (isFile(f)) files.add(f);
  };
  for (const e of entries) {
    if (e.jcampFile !== undefined) files.add(e.jcampFile);
    if (e.pdataDir !== undefined) {
      for (const name of ['procs', '1r', '1i']) addIfFile(join(e.pdataDir, name));
      const experiment = dirname(dirname(e.pdataDir));
      for (const name of ['acqus', 'audita.txt']) addIfFile(join(experiment, name));
    }
    if (e.bruker !== undefined) {
      for (const name of ['acqus', 'acqu2s', 'audita.txt']) {
        const f = join(e.bruker.experimentPath, name);
        if (isFile(f) && (name !== 'acqu2s' || basename(e.bruker.dataFile) === 'ser')) files.add(f);
      }
      files.add(e.bruker.dataFile);
    }
  }
  const root = realpathSync(isDirectory(input.path) ? input.path : dirname(input.path));
  for (const f of files) {
    if (!inside(realpathSync(f), root))
      throw new ParameterError('an input file is a symbolic link leading out of the input folder', {
        file: f,
        field: input.field,
        found: realpathSync(f),
        expected: `files inside ${root} (copy the data in instead of linking)`,
      });
  }
  return [...files].sort();
}

/**
 * Every file a run of the (resolved) manifest reads, after checking that its inputs exist: what
 * provenance hashes, and what the project store's cache key is made of.
 */
export function manifestInputFiles(m: Manifest, manifestPath: string): string[] {
  const named = manifestInputs(m);
  checkInputs(named, manifestPath);
  return named.flatMap((i) => filesRead(i, manifestPath));
}

function inside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r) && r.split(sep)[0] !== '..');
}

/** Size and SHA-256 of a file, read in blocks (inputs larger than memory are hashed too). */
export function hashFile(path: string): InputFile {
  const hash = createHash('sha256');
  const block = Buffer.alloc(1 << 20);
  let bytes = 0;
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, block, 0, block.length, null);
      if (n === 0) break;
      hash.update(block.subarray(0, n));
      bytes += n;
    }
  } finally {
    closeSync(fd);
  }
  return { path, bytes, sha256: hash.digest('hex') };
}

/** Absolute paths of the manifest's inputs. */
export function resolvedManifest(manifest: Manifest, manifestPath: string): Manifest {
  const at = (p: string) => resolveManifestPath(manifestPath, p);
  const sections = resolveSections(manifest, at);
  return {
    ...manifest,
    ...sections,
    ...(manifest.nmr ? { nmr: { ...(sections.nmr ?? manifest.nmr), path: at(manifest.nmr.path) } } : {}),
    ...(manifest.cycler ? { cycler: { ...manifest.cycler, path: at(manifest.cycler.path) } } : {}),
    ...(manifest.eis
      ? {
          eis: {
            ...manifest.eis,
            paths: manifest.eis.paths.map(at),
            // Impedance files of the cycler PC read on its clock unless the manifest says otherwise.
            ...(manifest.eis.timezone === undefined && manifest.cycler?.timezone !== undefined
              ? { timezone: manifest.cycler.timezone }
              : {}),
          },
        }
      : {}),
    output: { dir: at(manifest.output.dir) },
  };
}

/** The manifest's processing block as the flags of `spincell process` (one parser for both). */
export function processingFlags(p: ManifestProcessing): ProcessingFlags {
  const flags: ProcessingFlags = {};
  if (p.lbHz !== undefined) flags.lb = String(p.lbHz);
  if (p.sizePoints !== undefined) flags.zf = String(p.sizePoints);
  if (p.phase !== undefined)
    flags.phase = p.phase === 'auto' ? 'auto' : `${p.phase.ph0Deg},${p.phase.ph1Deg}`;
  if (p.phaseMode !== undefined) flags.phaseMode = p.phaseMode;
  if (p.baseline !== undefined) {
    if (typeof p.baseline === 'string') flags.baseline = p.baseline;
    else {
      flags.baseline = `poly:${p.baseline.polyOrder}`;
      if (p.baseline.regionsPpm) flags.baselineRegion = p.baseline.regionsPpm.map((r) => `${r[0]}:${r[1]}`);
    }
  }
  if (p.fromProcs !== undefined) flags.fromProcs = p.fromProcs;
  const ref = p.reference;
  if (ref !== undefined) {
    if (typeof ref === 'string') flags.ref = ref.trim();
    else if (ref.kind === 'metal') flags.ref = `metal:${ref.valuePpm}`;
    else if (ref.kind === 'offset') flags.ref = `offset:${ref.ppm}`;
    else flags.ref = `${ref.valuePpm}@${ref.windowPpm[0]}:${ref.windowPpm[1]}`;
  }
  return flags;
}

const FLAG_FIELDS: Record<string, string> = {
  '--lb': 'nmr.processing.lbHz',
  '--zf': 'nmr.processing.sizePoints',
  '--phase': 'nmr.processing.phase',
  '--phase-mode': 'nmr.processing.phaseMode',
  '--baseline': 'nmr.processing.baseline',
  '--baseline-region': 'nmr.processing.baseline.regionsPpm',
  '--ref': 'nmr.processing.reference',
  '--from-procs': 'nmr.processing.fromProcs',
};

/** A processing option refused by the shared parser, reported against the manifest field. */
function asManifestError(e: unknown, manifestPath: string): unknown {
  if (e instanceof SpincellError && e.field !== undefined && e.file === undefined && FLAG_FIELDS[e.field]) {
    const summary = e.message.split(';')[0].replace(/^--[\w-]+: /, '');
    return new ParameterError(summary, {
      file: manifestPath,
      field: FLAG_FIELDS[e.field],
      found: e.found,
      expected: e.expected,
      cause: e,
    });
  }
  return e;
}

/**
 * An error raised by a later stage about one of the manifest's options (it names no file) placed on the
 * manifest and the JSON path of that option; errors about a data file keep naming that file.
 */
function inManifest(
  e: unknown,
  manifestPath: string,
  fields: Readonly<Record<string, string>>,
  fallback: string,
): unknown {
  if (!(e instanceof SpincellError) || e.file !== undefined) return e;
  const field = (e.field !== undefined ? fields[e.field] : undefined) ?? fallback;
  return relocated(e, { file: manifestPath, field });
}

export interface NmrRun {
  readonly regionsPpm: PpmRange[];
  readonly rows: {
    readonly identity: ReturnType<typeof spectrumIdentity>;
    readonly midMs: number;
    readonly timeS: number;
    readonly integrals: number[];
    readonly ns: number | null;
    readonly rg: number | null;
    readonly scaleFactor: number;
    /** Phase and referencing applied to this spectrum. */
    readonly phase: ProcessingResult['applied']['phase'];
    readonly referenceOffsetPpm: number;
  }[];
  /** Notes ("note: …") and warnings ("warning: …") of the input. */
  readonly messages: string[];
  readonly morphology: MorphologySeriesRow[] | null;
  /** The morphology analysis' preset, resolved settings with their sources, and width-cap calibration. */
  readonly morphologyProvenance?: MorphologyProvenance | null;
  readonly slices: SpectrumSlice[];
  /** Every spectrum as the store keeps it for drawing (src/store/spectrum-data.ts). */
  readonly stored: StoredSpectrum[];
  readonly windows: { startMs: number; endMs: number; label: string }[];
  readonly nucleus: string;
  /** The lineshape model's fit of every spectrum (`nmr.fit`). */
  readonly fits?: SeriesFitRow[] | null;
}

function runNmr(
  nmr: NonNullable<Manifest['nmr']>,
  manifestPath: string,
  progress: (e: ProgressEvent) => void,
): NmrRun {
  let input;
  try {
    input = openInput(nmr.path, { ...processingFlags(nmr.processing), normalise: nmr.normalise });
  } catch (e) {
    throw asManifestError(e, manifestPath);
  }
  const total = input.entries.length;
  const step = createNmrStep(nmr, manifestPath, input, total);
  try {
    for (const item of input.run()) {
      step.add(item, input.scaling(item.entry));
      progress({ stage: 'nmr', done: step.count, total });
    }
  } catch (e) {
    throw asManifestError(e, manifestPath);
  }
  return step.result(input);
}

/** The row headers (times) of the fits are re-derived from the entries' metadata alone. */
const NO_POINTS = new Float64Array(0);

/** The input an NmrStep's result is drawn from: its entries (in series order) and their notes and warnings. */
export type NmrStepInput = Pick<OpenedInput, 'entries' | 'notes' | 'warnings'>;

/**
 * The per-spectrum NMR step of a run: integrals, the stored drawing, the morphology fit (warm-started
 * from the previous spectrum) and the lineshape model fit, one processed spectrum at a time. `spincell
 * run` feeds it the whole series; `spincell watch` (src/live/) feeds it each spectrum as it arrives.
 */
export interface NmrStep {
  /** Spectra added so far. */
  readonly count: number;
  add(item: ProcessedItem, scaling: SpectrumScaling): void;
  /**
   * The run's NMR results for the spectra added so far, timed by `input.entries` (its first `count`
   * entries are the spectra added, possibly with times revised since, as a growing ser's rows are).
   */
  result(input: NmrStepInput): NmrRun;
}

/**
 * `opened`: the series as opened so far (its first entry gives the nucleus the morphology is checked
 * against, its processing the referencing the preset must agree with);
 * `total`: the series length when known (the report's stacked spectra are chosen as they come), else the
 * choice is made by result() from the spectra added by then.
 */
export function createNmrStep(
  nmr: NonNullable<Manifest['nmr']>,
  manifestPath: string,
  opened: Pick<OpenedInput, 'entries' | 'parsed'>,
  total?: number,
): NmrStep {
  const first = opened.entries[0];
  const regions = (nmr.regionsPpm ?? []).map((r) => [r[0], r[1]] as PpmRange);
  let morphologyStep: MorphologyStep | null = null;
  if (nmr.morphology) {
    // Up front (as `spincell morphology`): preset, nucleus, referencing and a calibration experiment.
    try {
      morphologyStep = openMorphologyStep(
        morphologyRequest(nmr.morphology, manifestPath),
        opened,
        processingFlags(nmr.processing),
      );
    } catch (e) {
      throw inManifest(asManifestError(e, manifestPath), manifestPath, MORPHOLOGY_FIELDS, 'nmr.morphology');
    }
  }
  const every = (n: number) => Math.ceil(n / MAX_STACKED);
  const rows: Omit<NmrRun['rows'][number], 'identity' | 'midMs' | 'timeS'>[] = [];
  const morph: MorphologySeriesRow[] = [];
  const slices: SpectrumSlice[] = [];
  const stored: StoredSpectrum[] = [];
  const figureRegion = regions[0];
  let modelFit: ModelFitter | null = null;
  try {
    if (nmr.fit) modelFit = openModelFit(nmr.fit, manifestPath);
  } catch (e) {
    throw inManifest(e, manifestPath, {}, 'nmr.fit.model');
  }
  return {
    get count() {
      return rows.length;
    },
    add({ entry, result }, scaling) {
      try {
        const s = result.spectrum;
        const k = rows.length;
        rows.push({
          integrals: regions.map((r, i) => {
            try {
              return integrateRegion(s, r);
            } catch (e) {
              throw inManifest(e, manifestPath, {}, `nmr.regionsPpm[${i}]`);
            }
          }),
          ns: scaling.ns || null,
          rg: scaling.rg || null,
          scaleFactor: scaling.scaleFactor,
          phase: result.applied.phase,
          referenceOffsetPpm: result.applied.referenceOffsetPpm,
        });
        if (total === undefined || k % every(total) === 0 || k === total - 1)
          slices.push(sliceForFigure(k, s.ppm, s.re, figureRegion));
        stored.push(storedSpectrum(s.ppm, s.re));
        if (morphologyStep) morph.push(morphologyStep.analyse(fitInput({ entry, result })));
        modelFit?.add({ entry, result });
      } catch (e) {
        throw asManifestError(e, manifestPath);
      }
    },
    result(input) {
      const n = rows.length;
      const entries = input.entries.slice(0, n);
      // time_s: seconds after the first acquisition's start (core/time-columns.ts)
      const t0 = entries[0]?.meta.startMs;
      const header = createSeriesRowHeaders();
      const fitHeader = createSeriesRowHeaders();
      const times = (rowsOf: readonly { index: number }[] | null, h: typeof header) =>
        rowsOf?.map((r, i) => ({
          ...r,
          ...h({
            ppm: NO_POINTS,
            re: NO_POINTS,
            meta: { ...entries[i].meta, source: entries[i].experimentPath },
          }),
        }));
      const kept =
        total === undefined ? slices.filter((sl) => sl.index % every(n) === 0 || sl.index === n - 1) : slices;
      return {
        regionsPpm: regions,
        rows: rows.map((r, i) => {
          const mid = midMs(entries[i].meta);
          return { identity: spectrumIdentity(entries[i]), midMs: mid, timeS: (mid - t0) / 1000, ...r };
        }),
        morphology: nmr.morphology ? (times(morph, header) as MorphologySeriesRow[]) : null,
        morphologyProvenance: morphologyStep ? morphologyStep.provenance() : null,
        fits: modelFit ? (times(modelFit.rows, fitHeader) as SeriesFitRow[]) : null,
        slices: kept,
        stored: [...stored],
        windows: entries.map(spectrumWindow),
        nucleus: first.meta.nucleus,
        messages: [
          ...input.notes.map((m) => `note: ${m}`),
          ...input.warnings.map((w) => `warning: ${w}`),
          ...(morphologyStep?.provenance().warnings ?? []).map((w) => `warning: ${w}`),
        ],
      };
    },
  };
}

/** Manifest fields of the morphology request, for errors. */
const MORPHOLOGY_FIELDS: Readonly<Record<string, string>> = {
  preset: 'nmr.morphology.preset',
  mode: 'nmr.morphology.mode',
  windows: 'nmr.morphology.windows',
  widthCap: 'nmr.morphology.widthCap',
  widthCapFrom: 'nmr.morphology.widthCapFrom',
  startPpm: 'nmr.morphology.startPpm',
  fitPhase: 'nmr.morphology.fitPhase',
  cathodeOffsetPpm: 'nmr.morphology.cathodeOffsetPpm',
  reference: 'nmr.processing.reference',
};

/** The manifest's morphology block as the request `spincell morphology` builds from its flags. */
function morphologyRequest(m: ManifestMorphology, manifestPath: string): MorphologyRequest {
  return {
    ...(m.preset !== undefined ? { preset: m.preset } : {}),
    ...(m.mode !== undefined ? { mode: m.mode } : {}),
    ...(m.windows !== undefined ? { windows: m.windows } : {}),
    ...(m.cathodeOffsetPpm !== undefined ? { cathodeOffsetPpm: m.cathodeOffsetPpm } : {}),
    ...(m.widthCap !== undefined ? { widthCap: m.widthCap } : {}),
    ...(m.widthCapFrom !== undefined
      ? { widthCapFrom: resolveManifestPath(manifestPath, m.widthCapFrom) }
      : {}),
    ...(m.calibrationWindowPpm !== undefined
      ? { calibrationWindowPpm: [m.calibrationWindowPpm[0], m.calibrationWindowPpm[1]] as [number, number] }
      : {}),
    ...(m.fitPhase !== undefined ? { fitPhase: m.fitPhase } : {}),
    ...(m.startPpm !== undefined ? { startPpm: m.startPpm } : {}),
    ...(m.baselineDegree !== undefined ? { baselineDegree: m.baselineDegree } : {}),
  };
}

/** The real part inside `region` (or the whole axis), ascending in ppm, thinned to MAX_FIGURE_POINTS. */
function sliceForFigure(
  index: number,
  ppm: ArrayLike<number>,
  re: ArrayLike<number>,
  region: PpmRange | undefined,
): SpectrumSlice {
  const lo = region ? Math.min(region[0], region[1]) : -Infinity;
  const hi = region ? Math.max(region[0], region[1]) : Infinity;
  const idx: number[] = [];
  for (let i = 0; i < ppm.length; i++) if (ppm[i] >= lo && ppm[i] <= hi) idx.push(i);
  if (idx.length > 1 && ppm[idx[0]] > ppm[idx[idx.length - 1]]) idx.reverse();
  const stride = Math.max(1, Math.ceil(idx.length / MAX_FIGURE_POINTS));
  const kept = idx.filter((_, j) => j % stride === 0);
  return { index, ppm: Float64Array.from(kept, (i) => ppm[i]), re: Float64Array.from(kept, (i) => re[i]) };
}

export interface CyclerRun {
  readonly series: CyclerSeries;
  readonly cycles: Cycle[];
  /** Holes in the record (figures break their lines there). */
  readonly gaps: RecordGap[];
}

const CYCLER_FIELDS: Readonly<Record<string, string>> = {
  timezone: 'cycler.timezone',
  areaCm2: 'cycler.areaCm2',
  offsetS: 'cycler.offsetS',
  capacityMAh: 'cycler.capacityMAh',
};

function runCycler(c: NonNullable<Manifest['cycler']>, manifestPath: string): CyclerRun {
  try {
    return analyseCyclerRecords(readCyclerFile(c.path, cyclerReadOptions(c)), c);
  } catch (e) {
    throw inManifest(e, manifestPath, CYCLER_FIELDS, 'cycler');
  }
}

/** How the manifest's cycler file is read (live mode parses a growing file's complete lines with them). */
export function cyclerReadOptions(c: NonNullable<Manifest['cycler']>): TableReadOptions {
  return { timezone: c.timezone, ...(c.mapping ? { mapping: c.mapping } : {}) };
}

/** Steps, cycles and holes of a cycler record as the manifest asks for them. */
export function analyseCyclerRecords(records: CyclerRecords, c: NonNullable<Manifest['cycler']>): CyclerRun {
  const series = seriesFromRecords(records);
  const steps = segmentSteps(series);
  return { series, cycles: analyseCycles(steps, { areaCm2: c.areaCm2 }), gaps: findRecordGaps(series) };
}

/** The spectra's windows on the cycler record, as the manifest's cycler section places them. */
export function alignRun(
  nmr: Pick<NmrRun, 'windows'>,
  cycler: CyclerRun,
  c: NonNullable<Manifest['cycler']>,
): AlignedSpectrum[] {
  return alignSpectra(nmr.windows, cycler.series, {
    offsetS: c.offsetS ?? 0,
    capacityMAh: c.capacityMAh,
    gaps: cycler.gaps,
  });
}

export interface EisRun {
  readonly sweeps: TimedSpectrum[];
  readonly deis: DeisResult;
  /** The cell state over each sweep, when the manifest has a cycler record and the sweeps absolute times. */
  readonly aligned?: AlignedSpectrum[] | null;
}

const EIS_FIELDS: Readonly<Record<string, string>> = {
  lambda: 'eis.drt.lambda',
  c: 'eis.kk.c',
  threshold: 'eis.kk.thresholdPercent',
  m: 'eis.kk.m',
  nTau: 'eis.drt.nTau',
  windows: 'eis.drt.windows',
  paths: 'eis.paths',
  timezone: 'eis.timezone',
  offsetS: 'eis.offsetS',
};

function runEis(
  e: NonNullable<Manifest['eis']>,
  manifestPath: string,
  progress: (e: ProgressEvent) => void,
): EisRun {
  try {
    return analyseEis(e, progress);
  } catch (error) {
    throw inManifest(error, manifestPath, EIS_FIELDS, 'eis');
  }
}

/** Lin-KK and DRT of the manifest's impedance files (live mode: of those written so far). */
export function analyseEis(
  e: NonNullable<Manifest['eis']>,
  progress: (e: ProgressEvent) => void = () => {},
): EisRun {
  const sweeps = readImpedanceSeries(e.paths, e.timezone !== undefined ? { timezone: e.timezone } : {});
  const deis = analyseDeis(sweeps, {
    ...(e.drt?.lambda !== undefined ? { lambda: e.drt.lambda } : {}),
    ...(e.drt?.nTau !== undefined ? { nTau: e.drt.nTau } : {}),
    ...(e.drt?.windows !== undefined ? { windows: e.drt.windows.map((w) => [w[0], w[1]] as const) } : {}),
    ...(e.kk ? { kk: linKKOptions(e.kk) } : {}),
    onProgress: (done, total) => progress({ stage: 'eis', done, total }),
  });
  return { sweeps, deis };
}

/**
 * The sweeps placed on the cycler record (eis/align.ts), with the warnings of an alignment; sweeps without
 * absolute times keep no cell state, with a warning saying why.
 */
export function withCellState(
  eis: EisRun,
  cycler: CyclerRun,
  m: Pick<Manifest, 'eis' | 'cycler'>,
  manifestPath: string,
  warnings: string[],
): EisRun {
  if (!sweepsHaveTimes(eis.sweeps)) {
    warnings.push(
      'the impedance sweeps carry no acquisition date or point times, so they are not placed on the cycler record (no impedance-aligned.csv)',
    );
    return { ...eis, aligned: null };
  }
  const hint = 'eis.offsetS, eis.timezone';
  let aligned: AlignedSpectrum[];
  try {
    aligned = alignSweeps(eis.sweeps, cycler.series, {
      offsetS: m.eis?.offsetS ?? 0,
      capacityMAh: m.cycler?.capacityMAh,
      gaps: cycler.gaps,
    });
  } catch (e) {
    throw inManifest(e, manifestPath, EIS_FIELDS, 'eis');
  }
  // The impedance results stand on their own: sweeps that all miss the record (another instrument's clock)
  // lose their cell state with a warning, not the run.
  try {
    requireOverlap(aligned, cycler.series, hint);
  } catch (e) {
    if (!(e instanceof SpincellError)) throw e;
    warnings.push(`impedance sweeps not placed on the cycler record: ${e.message}`);
    return { ...eis, aligned: null };
  }
  const check = checkAlignment(aligned, cycler.series, cycler.gaps, hint);
  warnings.push(...check.warnings.map((w) => w.replace(/\bspectra\b/g, 'impedance sweeps')));
  return { ...eis, aligned };
}

const label = (x: number) => String(x).replace('-', 'm');

function integralsCsv(nmr: NmrRun): string {
  const rows: IntegralRow[] = nmr.rows.map((r) => ({
    ...r.identity,
    timeS: r.timeS,
    integrals: r.integrals,
    ns: r.ns,
    rg: r.rg,
    scaleFactor: r.scaleFactor,
  }));
  const table = integralsTable(nmr.regionsPpm, rows);
  return formatCsv(table.headers, table.rows);
}

/** The same long table as `spincell morphology --out` (one row per spectrum and morphology). */
function morphologyCsv(rows: MorphologySeriesRow[], prov: MorphologyProvenance | null | undefined): string {
  const table = morphologyTable(rows);
  return formatCsv(table.headers, table.rows, prov ? morphologyComments(prov) : []);
}

function cyclesCsv(cycles: Cycle[]): string {
  return formatCsv(
    [
      'cycle',
      'start_s',
      'end_s',
      'charge_mAh',
      'discharge_mAh',
      'charge_mAh_cm2',
      'discharge_mAh_cm2',
      'coulombic_efficiency',
      'state_of_health',
      'complete',
    ],
    cycles.map((c) => [
      c.number,
      c.startS,
      c.endS,
      c.chargeMAh,
      c.dischargeMAh,
      c.chargeMAhPerCm2,
      c.dischargeMAhPerCm2,
      c.coulombicEfficiency,
      c.stateOfHealth,
      c.complete,
    ]),
  );
}

function impedanceCsv(z: EisRun): string {
  const d = z.deis;
  return formatCsv(
    [
      'sweep',
      'time_s',
      'time_iso',
      'kk_max_residual',
      'kk_pass',
      'r_inf_ohm',
      'polarization_ohm',
      'lambda',
      ...d.windows.map((w) => `r_${label(w.log10TauMin)}_${label(w.log10TauMax)}_ohm`),
    ],
    z.sweeps.map((s, k) => [
      k,
      d.timeS[k],
      s.timeMs !== undefined ? new Date(s.timeMs).toISOString() : '',
      d.kkMaxResidual[k],
      d.kkPass[k],
      d.rInfOhm[k],
      d.polarizationOhm[k],
      d.lambda[k],
      ...d.windows.map((w) => w.resistanceOhm[k]),
    ]),
  );
}

/**
 * True for a folder an earlier spincell `run` wrote before output folders carried a marker: a
 * provenance.json of spincell beside nothing but files a run writes.
 */
export function isRunFolder(dir: string, names: readonly string[] = readdirSync(dir)): boolean {
  try {
    const p = JSON.parse(readFileSync(join(dir, 'provenance.json'), 'utf8')) as Partial<Provenance>;
    if (typeof p.spincell !== 'string' || !Array.isArray(p.outputs)) return false;
    const known = new Set<string>([...OUTPUT_NAMES, ...p.outputs]);
    return names.every((n) => known.has(n) && statSync(join(dir, n)).isFile());
  } catch {
    return false;
  }
}

export function runManifest(manifest: Manifest, options: RunOptions): RunResult {
  const startedAt = new Date();
  const manifestPath = options.manifestPath;
  const progress = options.onProgress ?? (() => {});
  const m = resolvedManifest(manifest, manifestPath);
  const outDir = m.output.dir;
  const named = manifestInputs(m);
  const roots = named.map((i) => i.path);
  checkInputs(named, manifestPath);
  // The output folder is checked, locked and staged before any work; it is swapped in whole at the end.
  const set = OutputFolder.open(outDir, {
    command: 'run',
    field: 'output.dir',
    manifest: manifestPath,
    inputs: collectInputs([...roots, resolve(manifestPath)]),
    force: Boolean(options.force),
    legacy: isRunFolder,
  });
  try {
    return runInto(
      set,
      m,
      manifestPath,
      named,
      startedAt,
      progress,
      options.hashedInputs ?? [],
      options.live,
    );
  } catch (error) {
    set.abort();
    throw error;
  }
}

function runInto(
  set: OutputFolder,
  m: Manifest,
  manifestPath: string,
  named: readonly ManifestInput[],
  startedAt: Date,
  progress: (e: ProgressEvent) => void,
  hashed: readonly InputFile[],
  live?: RunOptions['live'],
): RunResult {
  const outDir = m.output.dir;
  const files = named.flatMap((i) =>
    filesRead(i, manifestPath, i.kind === 'nmr' ? live?.include : undefined),
  );
  const known = new Map(hashed.map((h) => [h.path, h]));
  const inputs: InputFile[] = [];
  files.forEach((f, i) => {
    const pre = known.get(f);
    inputs.push(pre !== undefined && statSync(f).size === pre.bytes ? pre : hashFile(f));
    progress({ stage: 'inputs', done: i + 1, total: files.length });
  });

  const nmr = m.nmr ? (live?.nmr ?? runNmr(m.nmr, manifestPath, progress)) : null;
  let cycler: CyclerRun | null = null;
  if (m.cycler) {
    progress({ stage: 'cycler', done: 0, total: 1 });
    cycler = runCycler(m.cycler, manifestPath);
    progress({ stage: 'cycler', done: 1, total: 1 });
  }
  let aligned: AlignedSpectrum[] | null = null;
  const warnings: string[] = [];
  if (nmr && cycler && m.cycler) {
    try {
      aligned = alignRun(nmr, cycler, m.cycler);
    } catch (e) {
      throw inManifest(e, manifestPath, CYCLER_FIELDS, 'cycler');
    }
    const hint = 'cycler.offsetS, cycler.timezone';
    requireOverlap(aligned, cycler.series, hint);
    warnings.push(...checkAlignment(aligned, cycler.series, cycler.gaps, hint).warnings);
    progress({ stage: 'align', done: 1, total: 1 });
  }
  const eisRun = m.eis ? runEis(m.eis, manifestPath, progress) : null;
  const eis =
    eisRun && cycler && m.eis && m.cycler ? withCellState(eisRun, cycler, m, manifestPath, warnings) : eisRun;
  const sections = runSections(m, {
    cycler,
    eis,
    guard: (field, fn) => {
      try {
        return fn();
      } catch (e) {
        throw inManifest(e, manifestPath, {}, field);
      }
    },
    progress: (done, total) => progress({ stage: 'analyses', done, total }),
  });

  const outputs: { name: string; description: string; rows: number | null; data: string }[] = [];
  if (nmr && nmr.regionsPpm.length > 0)
    outputs.push({
      name: 'integrals.csv',
      description: 'region integrals of every spectrum',
      rows: nmr.rows.length,
      data: integralsCsv(nmr),
    });
  const alignedRows = aligned ? alignedTable(aligned) : null;
  if (aligned && alignedRows)
    outputs.push({
      name: 'aligned.csv',
      description: 'cell state over every acquisition window',
      rows: aligned.length,
      data: formatCsv(alignedRows.headers, alignedRows.rows),
    });
  if (cycler)
    outputs.push({
      name: 'cycles.csv',
      description: 'capacities and Coulombic efficiency per cycle',
      rows: cycler.cycles.length,
      data: cyclesCsv(cycler.cycles),
    });
  if (nmr?.morphology) {
    const data = morphologyCsv(nmr.morphology, nmr.morphologyProvenance);
    outputs.push({
      name: 'morphology.csv',
      description: 'morphology components of every spectrum',
      rows:
        data
          .trimEnd()
          .split('\n')
          .filter((l) => !l.startsWith('#')).length - 1,
      data,
    });
  }
  if (eis)
    outputs.push({
      name: 'impedance.csv',
      description: 'Lin-KK and DRT per impedance sweep',
      rows: eis.sweeps.length,
      data: impedanceCsv(eis),
    });
  if (eis)
    outputs.push(
      {
        name: 'impedance-points.csv',
        description: 'every sweep’s points with their Lin-KK residuals',
        rows: eis.sweeps.reduce((a, s) => a + s.spectrum.freqHz.length, 0),
        data: impedancePointsCsv(eis),
      },
      {
        name: 'drt.csv',
        description: 'DRT γ(τ) of every sweep on one τ grid',
        rows: eis.sweeps.length * eis.deis.tauS.length,
        data: drtCsv(eis),
      },
    );
  if (eis?.aligned) {
    const table = alignedTable(eis.aligned);
    outputs.push({
      name: 'impedance-aligned.csv',
      description: 'cell state over every impedance sweep',
      rows: eis.aligned.length,
      data: formatCsv(table.headers, table.rows),
    });
  }
  if (nmr?.fits)
    outputs.push({
      name: 'fits.csv',
      description: 'lineshape model fit of every spectrum',
      rows: nmr.fits.reduce((a, r) => a + Math.max(1, r.result?.components.length ?? 0), 0),
      data: fitsCsv(
        nmr.fits,
        nmr.rows.map((r) => ({ index: r.identity.index, ns: r.ns, rg: r.rg, scaleFactor: r.scaleFactor })),
      ),
    });
  outputs.push(...sectionOutputs(sections, eis));

  progress({ stage: 'report', done: 0, total: 1 });
  const version = spincellVersion();
  const reportSections: ReportSection[] = buildRunReport({
    nmr,
    cycler,
    aligned,
    eis,
    offsetS: m.cycler?.offsetS ?? 0,
    warnings,
  });
  const inputTable: ReportTable = {
    caption: 'Input files (SHA-256)',
    headers: ['file', 'bytes', 'sha256'],
    rows: inputs.map((f) => [f.path, f.bytes, f.sha256]),
  };
  if (nmr?.fits)
    reportSections.push(
      modelFitReport(
        nmr.fits,
        nmr.rows.map((r) => r.timeS),
      ),
    );
  reportSections.push(...sectionReports(sections, eis));
  reportSections.push({ heading: 'Inputs', tables: [inputTable] });
  outputs.push({
    name: 'report.html',
    description: 'figures and tables',
    rows: null,
    data: renderReport({
      title: m.name,
      subtitle: `spincell ${version}, manifest ${manifestPath}, ${startedAt.toISOString()}`,
      sections: reportSections,
    }),
  });
  progress({ stage: 'report', done: 1, total: 1 });

  const names = [...outputs.map((o) => o.name), 'provenance.json'];
  const provenance: Provenance = {
    spincell: version,
    node: process.version,
    manifestPath: resolve(manifestPath),
    manifest: m,
    inputs,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    outputs: names,
    ...(nmr?.morphologyProvenance ? { morphology: nmr.morphologyProvenance } : {}),
  };
  const total = outputs.length + 1;
  const written: OutputFile[] = [];
  outputs.forEach((o, i) => {
    set.writeFile(o.name, o.data);
    written.push({ name: o.name, path: join(outDir, o.name), description: o.description, rows: o.rows });
    progress({ stage: 'write', done: i + 1, total });
  });
  set.writeFile('provenance.json', `${JSON.stringify(provenance, null, 2)}\n`);
  written.push({
    name: 'provenance.json',
    path: join(outDir, 'provenance.json'),
    description: 'inputs with SHA-256, the resolved manifest, versions, times',
    rows: null,
  });
  set.commit();
  progress({ stage: 'write', done: total, total });
  const messages = [...(nmr?.messages ?? []), ...warnings.map((w) => `warning: ${w}`)];
  return {
    outputDir: outDir,
    warnings: messages,
    outputs: written,
    provenance,
    results: { nmr, cycler, aligned, eis, sections },
  };
}
