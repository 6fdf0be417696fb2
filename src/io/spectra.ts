/**
 * Spectrum sources: one place that turns a path into an ordered list of spectra with their acquisition
 * times, whatever holds them — raw Bruker FIDs (fid, ser rows, numbered experiments), TopSpin's processed
 * spectra (pdata/N: 1r/1i on the procs axis) or JCAMP-DX 1D spectra. Every spectrum command and the
 * manifest go through it; listing reads parameter files and headers only, the data are read one spectrum
 * at a time with readSpectrumData.
 *
 * Accepted paths:
 *  - a Bruker experiment, ser or dataset of numbered experiments with FIDs (see bruker/experiment.ts),
 *    in experiment-number order;
 *  - a pdata/N folder (or its 1r, 1i or procs file); an experiment folder holding acqus and pdata/1/1r but
 *    no fid/ser; a dataset whose numbered experiments hold pdata/1/1r but no fid/ser;
 *  - a JCAMP-DX file (.jdx, .dx, .jcamp, .jcm), or a folder of them.
 * Series of processed spectra (pdata or JCAMP) are ordered by acquisition start (ties by name).
 *
 * Acquisition times: FIDs and pdata take them from the experiment's acqus $DATE / audita.txt (see
 * bruker/times.ts); pdata without an acqus above it and JCAMP files without ##LONGDATE / ##DATE + ##TIME
 * fall back to the data file's modification time, flagged as 'file mtime' and reported in the notes. A JCAMP
 * stamp marks one instant: start = end.
 *
 * Unknown NS or RG (pdata without acqus, JCAMP without ##$NS/##$RG) are 0 in `meta`.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataError, MissingFileError } from '../core/errors.js';
import type { AcquisitionMeta, Fid, Spectrum } from '../core/types.js';
import {
  type SeriesListOptions,
  type BrukerFormat,
  experimentMeta,
  folderNumber,
  listSeries,
  procsParams,
  readBrukerParams,
  readProcessedFolder,
  readSeriesFid,
  type RowVariable,
  type SeriesEntry,
  type TimeSource,
} from './bruker/index.js';
import { isDirectory, isFile } from './fs.js';
import { isJcampPath, type JcampTimeSource, readJcampHeader, readJcampSpectrum } from './jcamp/index.js';

export type SpectrumFormat = BrukerFormat | 'bruker pdata' | 'bruker pdata series' | 'jcamp' | 'jcamp series';
export type SpectrumTimeSource = TimeSource | JcampTimeSource | 'file mtime';

/** One spectrum of a source: where it is, its parameters and times. Cheap to hold in thousands. */
export interface SpectrumEntry {
  /** Position in the series, 0-based. */
  readonly index: number;
  readonly format: SpectrumFormat;
  /** 'fid': raw time-domain data to transform; 'processed': a spectrum already on a ppm axis. */
  readonly origin: 'fid' | 'processed';
  /** The experiment folder, pdata folder or JCAMP file the spectrum comes from. */
  readonly experimentPath: string;
  readonly timeSource: SpectrumTimeSource;
  readonly meta: AcquisitionMeta;
  /** A pseudo-2D row's variable (vdlist, vclist, vplist, difflist). */
  readonly variable?: RowVariable;
  /** The FID's location (origin 'fid'). */
  readonly bruker?: SeriesEntry;
  /** The pdata folder (Bruker processed spectra). */
  readonly pdataDir?: string;
  /** The JCAMP-DX file. */
  readonly jcampFile?: string;
}

export interface SpectrumListing {
  readonly format: SpectrumFormat;
  readonly entries: readonly SpectrumEntry[];
  /** One-line notes for the user: how a series was ordered, fallback times. */
  readonly notes: readonly string[];
}

/** The data of one entry: a FID to process, or a processed spectrum. */
export type SpectrumData =
  | { readonly kind: 'fid'; readonly fid: Fid }
  | { readonly kind: 'processed'; readonly spectrum: Spectrum; readonly hasImaginary: boolean };

const NUMBERED = /^\d+$/;
const PDATA_FILES = ['1r', '1i', 'procs'];

function hasFid(dir: string): boolean {
  return isFile(join(dir, 'fid')) || isFile(join(dir, 'ser'));
}

function isPdataFolder(dir: string): boolean {
  return isFile(join(dir, 'procs')) && isFile(join(dir, '1r'));
}

function mtimeMs(path: string): number {
  return statSync(path).mtimeMs;
}

/** The spectrum in a pdata folder, timed by the experiment above it (pdata/N → experiment) when it has an acqus. */
function pdataEntry(dir: string, index: number, format: SpectrumFormat): SpectrumEntry {
  const experiment = dirname(dirname(dir));
  const underExperiment = basename(dirname(dir)) === 'pdata' && isFile(join(experiment, 'acqus'));
  if (underExperiment) {
    const { meta, timeSource } = experimentMeta(experiment, folderNumber(experiment));
    return {
      index,
      format,
      origin: 'processed',
      experimentPath: dir,
      timeSource,
      meta: { ...meta, source: dir },
      pdataDir: dir,
    };
  }
  // No acquisition parameters: the procs gives the frequency and nucleus (AXNUC), the 1r file its time.
  const procs = procsParams(readBrukerParams(join(dir, 'procs')));
  const when = mtimeMs(join(dir, '1r'));
  const nucleus = procs.params.string('AXNUC', '').trim();
  return {
    index,
    format,
    origin: 'processed',
    experimentPath: dir,
    timeSource: 'file mtime',
    meta: {
      ...unknownAcquisition(dir, nucleus, procs.sfMHz),
      swHz: procs.swHz,
      complexPoints: procs.sizePoints,
      startMs: when,
      endMs: when,
    },
    pdataDir: dir,
  };
}

/** Meta of a spectrum without acquisition parameters: what is not known is 0. */
function unknownAcquisition(
  source: string,
  nucleus: string,
  sfMHz: number,
): Omit<AcquisitionMeta, 'startMs' | 'endMs'> {
  return {
    source,
    nucleus,
    sfo1MHz: sfMHz,
    bf1MHz: sfMHz,
    o1Hz: 0,
    swHz: 0,
    complexPoints: 0,
    groupDelayPoints: 0,
    scans: 0,
    dummyScans: 0,
    recycleDelayS: 0,
    acquisitionTimeS: 0,
    receiverGain: 0,
    pulseProgram: '',
  };
}

function jcampEntry(file: string, index: number, format: SpectrumFormat): SpectrumEntry {
  const h = readJcampHeader(file);
  const when = h.acquiredMs ?? mtimeMs(file);
  return {
    index,
    format,
    origin: 'processed',
    experimentPath: file,
    timeSource: h.timeSource ?? 'file mtime',
    meta: {
      ...unknownAcquisition(file, h.nucleus ?? '', h.observeMHz ?? 0),
      scans: h.scans ?? 0,
      receiverGain: h.receiverGain ?? 0,
      startMs: when,
      endMs: when,
    },
    jcampFile: file,
  };
}

function fromBruker(entries: readonly SeriesEntry[]): SpectrumEntry[] {
  return entries.map((e) => ({
    index: e.index,
    format: e.format,
    origin: 'fid' as const,
    experimentPath: e.experimentPath,
    timeSource: e.timeSource,
    meta: e.meta,
    ...(e.variable ? { variable: e.variable } : {}),
    bruker: e,
  }));
}

/** Orders processed spectra by acquisition start (ties by path), renumbers them, and says how. */
function byTime(entries: SpectrumEntry[], what: string, notes: string[]): SpectrumEntry[] {
  const sorted = [...entries].sort(
    (a, b) => a.meta.startMs - b.meta.startMs || a.experimentPath.localeCompare(b.experimentPath),
  );
  const sources = [...new Set(sorted.map((e) => e.timeSource))];
  if (sorted.length > 1)
    notes.push(`ordered ${sorted.length} ${what} by acquisition time (from ${sources.join(', ')})`);
  return sorted.map((e, index) => ({ ...e, index }));
}

function fallbackNotes(entries: readonly SpectrumEntry[], notes: string[]): void {
  const fallback = entries.filter((e) => e.timeSource === 'file mtime');
  if (fallback.length > 0) {
    const first = fallback[0].experimentPath;
    notes.push(
      `${fallback.length} of ${entries.length} spectra carry no acquisition time (JCAMP ##LONGDATE/##DATE, or an acqus above pdata); their file modification times are used, e.g. ${first}`,
    );
  }
  if (entries.some((e) => e.timeSource === 'jcamp DATE/TIME'))
    notes.push('JCAMP ##DATE/##TIME carry no time zone: read as UTC');
}

function checkOneNucleus(entries: readonly SpectrumEntry[], dir: string): void {
  const first = entries[0];
  for (const e of entries) {
    if (e.meta.nucleus !== first.meta.nucleus) {
      const a = `${first.meta.nucleus || 'unknown'} in ${first.experimentPath}`;
      const b = `${e.meta.nucleus || 'unknown'} in ${e.experimentPath}`;
      throw new DataError(`mixed nuclei in one series: ${a}, ${b}`, {
        file: dir,
        field: 'nucleus',
        found: [a, b],
        expected: 'one nucleus for every spectrum of a series',
      });
    }
  }
}

/** Lists the spectra at `path` in acquisition order (see the header). Reads parameters and headers only. */
export function listSpectra(path: string, options: SeriesListOptions = {}): SpectrumListing {
  const notes: string[] = [];
  if (isFile(path)) {
    if (isJcampPath(path)) {
      const entry = jcampEntry(path, 0, 'jcamp');
      fallbackNotes([entry], notes);
      return { format: 'jcamp', entries: [entry], notes };
    }
    if (PDATA_FILES.includes(basename(path)) && isPdataFolder(dirname(path)))
      return listSpectra(dirname(path), options);
    return { ...listed(path, notes, options), notes };
  }
  if (!isDirectory(path)) return { ...listed(path, notes, options), notes };
  if (isPdataFolder(path)) {
    const entry = pdataEntry(path, 0, 'bruker pdata');
    fallbackNotes([entry], notes);
    return { format: 'bruker pdata', entries: [entry], notes };
  }
  if (isFile(join(path, 'acqus'))) {
    const pdata = join(path, 'pdata', '1');
    if (!hasFid(path) && isPdataFolder(pdata))
      return { format: 'bruker pdata', entries: [pdataEntry(pdata, 0, 'bruker pdata')], notes };
    return { ...listed(path, notes, options), notes };
  }
  const names = readdirSync(path).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const experiments = names
    .filter((n) => NUMBERED.test(n) && isDirectory(join(path, n)))
    .map((n) => join(path, n))
    .filter((d) => (isFile(join(d, 'acqus')) || hasFid(d)) && (options.include?.(d) ?? true));
  const jcamp = names.filter((n) => isJcampPath(n) && isFile(join(path, n))).map((n) => join(path, n));
  if (experiments.length > 0 && jcamp.length > 0) {
    throw new DataError('folder holds both Bruker experiments and JCAMP-DX files', {
      file: path,
      found: `${experiments.length} numbered experiments, ${jcamp.length} JCAMP-DX files`,
      expected: 'one kind of input per series; give the experiments or the JCAMP files a folder of their own',
    });
  }
  if (experiments.length > 0 && !experiments.some(hasFid)) {
    const processed = experiments.filter((d) => isPdataFolder(join(d, 'pdata', '1')));
    if (processed.length === experiments.length) {
      const entries = byTime(
        processed.map((d, i) => pdataEntry(join(d, 'pdata', '1'), i, 'bruker pdata series')),
        'processed spectra (pdata/1)',
        notes,
      );
      checkOneNucleus(entries, path);
      return { format: 'bruker pdata series', entries, notes };
    }
  }
  if (experiments.length === 0 && jcamp.length > 0) {
    const entries = byTime(
      jcamp.map((f, i) => jcampEntry(f, i, 'jcamp series')),
      'JCAMP-DX spectra',
      notes,
    );
    fallbackNotes(entries, notes);
    checkOneNucleus(entries, path);
    return { format: 'jcamp series', entries, notes };
  }
  return { ...listed(path, notes, options), notes };
}

function listed(
  path: string,
  notes: string[],
  options: SeriesListOptions,
): { format: SpectrumFormat; entries: SpectrumEntry[] } {
  const series = listSeries(path, options);
  const growing = new Map<string, { rows: number; declared: number }>();
  for (const e of series)
    if (e.declaredRows !== undefined) {
      const g = growing.get(e.dataFile) ?? { rows: 0, declared: e.declaredRows };
      g.rows++;
      growing.set(e.dataFile, g);
    }
  for (const [file, g] of growing)
    notes.push(
      `${file} holds ${g.rows} of ${g.declared} rows (acqu2s TD; acquisition running or stopped early): the ${g.rows} complete rows are read`,
    );
  const entries = fromBruker(series);
  return { format: entries[0].format, entries };
}

/** Reads one spectrum's data (only its own bytes for a row of a ser). */
export function readSpectrumData(entry: SpectrumEntry): SpectrumData {
  if (entry.bruker) return { kind: 'fid', fid: readSeriesFid(entry.bruker) };
  const s =
    entry.pdataDir !== undefined
      ? readProcessedFolder(entry.pdataDir)
      : entry.jcampFile !== undefined
        ? readJcampSpectrum(entry.jcampFile)
        : null;
  if (s)
    return {
      kind: 'processed',
      spectrum: { re: s.re, im: s.im, ppm: s.ppm, sfMHz: s.sfMHz, meta: entry.meta },
      hasImaginary: s.hasImaginary,
    };
  throw new MissingFileError('spectrum entry names no data', { file: entry.experimentPath });
}
