/**
 * Runs a version 1 manifest: every step is a call into the library (the same streaming processing as
 * `spincell process`/`integrate`, alignSpectra, analyseCycles, analyseDeis), so `spincell run` gives the
 * numbers the single commands give for the same options. Results are computed first and written last,
 * one file at a time through atomic renames, with provenance (inputs with size and SHA-256, the resolved
 * manifest, versions, times) beside them. Inputs are only read.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve, sep, isAbsolute } from 'node:path';
import { ParameterError, SpincellError } from '../core/errors.js';
import { midMs, openInput, type ProcessingFlags, regionLabel, spectrumIdentity } from './processing.js';
import {
  ALIGNED_COLUMNS,
  alignSpectra,
  analyseCycles,
  segmentSteps,
  seriesFromRecords,
  type AlignedSpectrum,
  type Cycle,
  type CyclerSeries,
} from '../echem/index.js';
import { analyseDeis, type DeisResult } from '../eis/index.js';
import { formatCsv } from '../io/csv/index.js';
import { readCyclerFile } from '../io/cycler/index.js';
import { readImpedanceSeries, type TimedSpectrum } from '../io/eis/index.js';
import { isDirectory, writeFileAtomic } from '../io/fs.js';
import { integrateRegion, type PpmRange, type ProcessingResult } from '../nmr/index.js';
import {
  calibrateWidthCap,
  createMorphologyAnalyser,
  type MorphologyAnalyser,
  type MorphologySeriesOptions,
  type MorphologySeriesRow,
} from '../protocols/index.js';
import { checkMorphologyNucleus, checkMorphologyWindows } from '../protocols/morphology-check.js';
import type { ReportSection, ReportTable } from '../report/index.js';
import { type Manifest, type ManifestProcessing, resolveManifestPath } from './manifest.js';
import { buildRunReport, type SpectrumSlice } from './report.js';
import { renderReport } from '../report/index.js';

export type RunStage = 'inputs' | 'nmr' | 'cycler' | 'align' | 'eis' | 'report' | 'write';

export interface ProgressEvent {
  readonly stage: RunStage;
  readonly done: number;
  readonly total: number;
}

export interface RunOptions {
  /** The manifest file: relative paths are resolved against its folder; named in errors and provenance. */
  readonly manifestPath: string;
  readonly onProgress?: (event: ProgressEvent) => void;
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
}

/** Every file a run may write; those a run does not produce are removed so the folder matches provenance. */
export const OUTPUT_NAMES = [
  'integrals.csv',
  'aligned.csv',
  'cycles.csv',
  'morphology.csv',
  'impedance.csv',
  'report.html',
  'provenance.json',
] as const;

/** Where the pristine-electrode line is fitted for `widthCap: 'auto'`, ppm (as `spincell morphology`). */
const CALIBRATION_WINDOW_PPM: [number, number] = [230, 260];
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

export function filesUnder(path: string): string[] {
  if (!isDirectory(path)) return [path];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) out.push(...filesUnder(join(path, name)));
  return out;
}

export function hashFile(path: string): InputFile {
  const data = readFileSync(path);
  return { path, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

function inside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r) && r.split(sep)[0] !== '..');
}

/** Absolute paths of the manifest's inputs. */
export function resolvedManifest(manifest: Manifest, manifestPath: string): Manifest {
  const at = (p: string) => resolveManifestPath(manifestPath, p);
  return {
    ...manifest,
    ...(manifest.nmr ? { nmr: { ...manifest.nmr, path: at(manifest.nmr.path) } } : {}),
    ...(manifest.cycler ? { cycler: { ...manifest.cycler, path: at(manifest.cycler.path) } } : {}),
    ...(manifest.eis ? { eis: { ...manifest.eis, paths: manifest.eis.paths.map(at) } } : {}),
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

export interface NmrRun {
  readonly regionsPpm: PpmRange[];
  readonly rows: {
    readonly identity: ReturnType<typeof spectrumIdentity>;
    readonly midMs: number;
    readonly timeS: number;
    readonly integrals: number[];
    /** Phase and referencing applied to this spectrum. */
    readonly phase: ProcessingResult['applied']['phase'];
    readonly referenceOffsetPpm: number;
  }[];
  readonly morphology: MorphologySeriesRow[] | null;
  readonly slices: SpectrumSlice[];
  readonly windows: { startMs: number; endMs: number; label: string }[];
  readonly nucleus: string;
}

function runNmr(
  nmr: NonNullable<Manifest['nmr']>,
  manifestPath: string,
  progress: (e: ProgressEvent) => void,
): NmrRun {
  const regions = (nmr.regionsPpm ?? []).map((r) => [r[0], r[1]] as PpmRange);
  let input;
  try {
    input = openInput(nmr.path, processingFlags(nmr.processing));
  } catch (e) {
    throw asManifestError(e, manifestPath);
  }
  if (nmr.morphology) {
    // Up front: a wrong nucleus would otherwise fail on every spectrum, one row at a time.
    const probe: MorphologySeriesOptions = { mode: nmr.morphology.mode };
    try {
      checkMorphologyNucleus(probe, input.entries[0].meta.nucleus, input.entries[0].experimentPath);
    } catch (e) {
      throw asManifestError(e, manifestPath);
    }
  }
  const total = input.entries.length;
  const every = Math.ceil(total / MAX_STACKED);
  const rows: NmrRun['rows'][number][] = [];
  const morph: MorphologySeriesRow[] = [];
  const slices: SpectrumSlice[] = [];
  const figureRegion = regions[0];
  let analyser: MorphologyAnalyser | null = null;
  let t0: number | undefined;
  try {
    for (const { entry, result } of input.run()) {
      const s = result.spectrum;
      const mid = midMs(entry.meta);
      t0 ??= mid;
      const k = rows.length;
      rows.push({
        identity: spectrumIdentity(entry),
        midMs: mid,
        timeS: (mid - t0) / 1000,
        integrals: regions.map((r) => integrateRegion(s, r)),
        phase: result.applied.phase,
        referenceOffsetPpm: result.applied.referenceOffsetPpm,
      });
      if (k % every === 0 || k === total - 1) slices.push(sliceForFigure(k, s.ppm, s.re, figureRegion));
      if (nmr.morphology) {
        const spectrum = {
          ppm: s.ppm,
          re: s.re,
          im: s.im,
          meta: { ...entry.meta, source: entry.experimentPath },
        };
        if (!analyser) {
          const options = morphologyOptions(nmr.morphology, spectrum);
          const n = s.ppm.length;
          checkMorphologyWindows(options, [s.ppm[0], s.ppm[n - 1]], entry.experimentPath);
          analyser = createMorphologyAnalyser(options);
        }
        morph.push(analyser.analyse(spectrum));
      }
      progress({ stage: 'nmr', done: k + 1, total });
    }
  } catch (e) {
    throw asManifestError(e, manifestPath);
  }
  const windows = input.entries.map((e) => ({
    startMs: e.meta.startMs,
    endMs: e.meta.endMs,
    label:
      e.meta.experimentNumber !== undefined
        ? String(e.meta.experimentNumber) + (e.meta.rowIndex !== undefined ? `/${e.meta.rowIndex}` : '')
        : String(e.index),
  }));
  return {
    regionsPpm: regions,
    rows,
    morphology: nmr.morphology ? morph : null,
    slices,
    windows,
    nucleus: input.entries[0].meta.nucleus,
  };
}

function morphologyOptions(
  m: NonNullable<NonNullable<Manifest['nmr']>['morphology']>,
  first: Parameters<typeof calibrateWidthCap>[0],
): MorphologySeriesOptions {
  if (m.mode === 'unconstrained') return { mode: 'unconstrained', fitPhase: m.fitPhase };
  const base: MorphologySeriesOptions = {
    mode: 'constrained',
    fitPhase: m.fitPhase,
    ...(m.cathodeOffsetPpm !== undefined ? { cathodeOffsetPpm: m.cathodeOffsetPpm } : {}),
  };
  if (m.widthCap === 'auto') return { ...base, ...calibrateWidthCap(first, CALIBRATION_WINDOW_PPM).cap };
  if (m.widthCap !== undefined) return { ...base, widthCapPpm: m.widthCap };
  return base;
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
}

function runCycler(c: NonNullable<Manifest['cycler']>): CyclerRun {
  const records = readCyclerFile(c.path, {
    timezone: c.timezone,
    ...(c.mapping ? { mapping: c.mapping } : {}),
  });
  const series = seriesFromRecords(records);
  const steps = segmentSteps(series);
  return { series, cycles: analyseCycles(steps, { areaCm2: c.areaCm2 }) };
}

export interface EisRun {
  readonly sweeps: TimedSpectrum[];
  readonly deis: DeisResult;
}

function runEis(e: NonNullable<Manifest['eis']>, progress: (e: ProgressEvent) => void): EisRun {
  const sweeps = readImpedanceSeries(e.paths);
  const deis = analyseDeis(sweeps, {
    ...(e.drt?.lambda !== undefined ? { lambda: e.drt.lambda } : {}),
    ...(e.drt?.nTau !== undefined ? { nTau: e.drt.nTau } : {}),
    ...(e.drt?.windows !== undefined ? { windows: e.drt.windows.map((w) => [w[0], w[1]] as const) } : {}),
    onProgress: (done, total) => progress({ stage: 'eis', done, total }),
  });
  return { sweeps, deis };
}

const label = (x: number) => String(x).replace('-', 'm');

function integralsCsv(nmr: NmrRun): string {
  return formatCsv(
    [
      'index',
      'experiment',
      'row',
      'start_iso',
      'mid_iso',
      'end_iso',
      'time_s',
      ...nmr.regionsPpm.map(regionLabel),
    ],
    nmr.rows.map((r) => [
      r.identity.index,
      r.identity.experimentNumber,
      r.identity.rowIndex,
      r.identity.startIso,
      r.identity.midIso,
      r.identity.endIso,
      r.timeS,
      ...r.integrals,
    ]),
  );
}

function morphologyCsv(nmr: NmrRun, rows: MorphologySeriesRow[]): string {
  const out: unknown[][] = [];
  rows.forEach((row, i) => {
    const id = nmr.rows[i].identity;
    const base = [id.index, id.experimentNumber, id.midIso, nmr.rows[i].timeS];
    if (!row.result) {
      out.push([...base, '', '', '', '', '', '', '', row.error?.message ?? 'no result']);
      return;
    }
    for (const c of row.result.components)
      out.push([
        ...base,
        c.morphology,
        c.positionPpm,
        c.fwhmPpm,
        c.area,
        c.fraction,
        c.fractionStdErr,
        row.result.rSquared,
        row.result.converged ? '' : 'not converged',
      ]);
  });
  return formatCsv(
    [
      'index',
      'experiment',
      'mid_iso',
      'time_s',
      'component',
      'position_ppm',
      'fwhm_ppm',
      'area',
      'fraction',
      'fraction_stderr',
      'r_squared',
      'error',
    ],
    out,
  );
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

/** Refuses an output folder that is, holds or lies inside an input. */
function checkOutputDir(outDir: string, inputs: string[], manifestPath: string): void {
  for (const p of inputs) {
    if (inside(p, outDir) || inside(outDir, p)) {
      throw new ParameterError('the output folder must not hold or lie inside an input', {
        file: manifestPath,
        field: 'output.dir',
        found: outDir,
        expected: `a folder apart from ${p}`,
      });
    }
  }
  try {
    if (statSync(outDir).isFile())
      throw new ParameterError('the output path is a file', {
        file: manifestPath,
        field: 'output.dir',
        found: outDir,
        expected: 'a folder (created if missing)',
      });
  } catch (e) {
    if (e instanceof ParameterError) throw e;
  }
}

export function runManifest(manifest: Manifest, options: RunOptions): RunResult {
  const startedAt = new Date();
  const manifestPath = options.manifestPath;
  const progress = options.onProgress ?? (() => {});
  const m = resolvedManifest(manifest, manifestPath);
  const outDir = m.output.dir;
  const roots = [
    ...(m.nmr ? [m.nmr.path] : []),
    ...(m.cycler ? [m.cycler.path] : []),
    ...(m.eis ? m.eis.paths : []),
  ].map((p) => resolve(p));
  checkOutputDir(outDir, [...roots, resolve(manifestPath)], manifestPath);

  const files = roots.flatMap(filesUnder);
  const inputs: InputFile[] = [];
  files.forEach((f, i) => {
    inputs.push(hashFile(f));
    progress({ stage: 'inputs', done: i + 1, total: files.length });
  });

  const nmr = m.nmr ? runNmr(m.nmr, manifestPath, progress) : null;
  let cycler: CyclerRun | null = null;
  if (m.cycler) {
    progress({ stage: 'cycler', done: 0, total: 1 });
    cycler = runCycler(m.cycler);
    progress({ stage: 'cycler', done: 1, total: 1 });
  }
  let aligned: AlignedSpectrum[] | null = null;
  if (nmr && cycler && m.cycler) {
    aligned = alignSpectra(nmr.windows, cycler.series, {
      offsetS: m.cycler.offsetS ?? 0,
      capacityMAh: m.cycler.capacityMAh,
    });
    progress({ stage: 'align', done: 1, total: 1 });
  }
  const eis = m.eis ? runEis(m.eis, progress) : null;

  const outputs: { name: string; description: string; rows: number | null; data: string }[] = [];
  if (nmr && nmr.regionsPpm.length > 0)
    outputs.push({
      name: 'integrals.csv',
      description: 'region integrals of every spectrum',
      rows: nmr.rows.length,
      data: integralsCsv(nmr),
    });
  if (aligned)
    outputs.push({
      name: 'aligned.csv',
      description: 'cell state over every acquisition window',
      rows: aligned.length,
      data: formatCsv(
        ALIGNED_COLUMNS as string[],
        aligned.map((a) => ALIGNED_COLUMNS.map((k) => a[k])),
      ),
    });
  if (cycler)
    outputs.push({
      name: 'cycles.csv',
      description: 'capacities and Coulombic efficiency per cycle',
      rows: cycler.cycles.length,
      data: cyclesCsv(cycler.cycles),
    });
  if (nmr?.morphology) {
    const data = morphologyCsv(nmr, nmr.morphology);
    outputs.push({
      name: 'morphology.csv',
      description: 'morphology components of every spectrum',
      rows: data.trimEnd().split('\n').length - 1,
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

  progress({ stage: 'report', done: 0, total: 1 });
  const version = spincellVersion();
  const sections: ReportSection[] = buildRunReport({
    nmr,
    cycler,
    aligned,
    eis,
    offsetS: m.cycler?.offsetS ?? 0,
  });
  const inputTable: ReportTable = {
    caption: 'Input files (SHA-256)',
    headers: ['file', 'bytes', 'sha256'],
    rows: inputs.map((f) => [f.path, f.bytes, f.sha256]),
  };
  sections.push({ heading: 'Inputs', tables: [inputTable] });
  outputs.push({
    name: 'report.html',
    description: 'figures and tables',
    rows: null,
    data: renderReport({
      title: m.name,
      subtitle: `spincell ${version}, manifest ${manifestPath}, ${startedAt.toISOString()}`,
      sections,
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
  };
  const total = outputs.length + 1;
  const written: OutputFile[] = [];
  outputs.forEach((o, i) => {
    const path = join(outDir, o.name);
    writeFileAtomic(path, o.data);
    written.push({ name: o.name, path, description: o.description, rows: o.rows });
    progress({ stage: 'write', done: i + 1, total });
  });
  for (const name of OUTPUT_NAMES) if (!names.includes(name)) rmSync(join(outDir, name), { force: true });
  const provenancePath = join(outDir, 'provenance.json');
  writeFileAtomic(provenancePath, `${JSON.stringify(provenance, null, 2)}\n`);
  written.push({
    name: 'provenance.json',
    path: provenancePath,
    description: 'inputs with SHA-256, the resolved manifest, versions, times',
    rows: null,
  });
  progress({ stage: 'write', done: total, total });
  return { outputDir: outDir, outputs: written, provenance, results: { nmr, cycler, aligned, eis } };
}
