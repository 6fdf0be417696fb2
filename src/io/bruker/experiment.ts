/**
 * Bruker experiments and series: acqus → AcquisitionMeta, `fid` / `ser` → Fid, and a series of spectra
 * listed cheaply (parameters and file sizes only) and read one spectrum at a time.
 *
 * Accepted inputs:
 *  - an experiment folder holding acqus + fid            → one spectrum ("bruker experiment")
 *  - an experiment folder holding acqus + acqu2s + ser   → one spectrum per row ("bruker ser")
 *  - a dataset folder of numbered experiment folders     → one spectrum per experiment, ascending by number
 *    ("bruker series"); a numbered folder holding a ser contributes all its rows.
 * A path to a file inside an experiment (fid, ser, acqus) stands for its folder.
 *
 * Series rules (documented choices):
 *  - Sub-folders whose names are not plain numbers (e.g. "pdata", "backup") are ignored, and so are
 *    numbered folders holding neither acqus nor fid/ser (left-overs of deleted experiments). A numbered
 *    folder holding data but no acqus is an error: silently dropping a spectrum would shift every time.
 *  - All spectra must share one nucleus (DataError naming both experiments otherwise).
 *  - TD, SW, NS, D1 may differ between experiments: each spectrum carries its own parameters and is
 *    processed on its own; interleaved operando/in situ protocols legitimately change NS and D1.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  CorruptFileError,
  DataError,
  MissingFileError,
  ParameterError,
  UnsupportedFormatError,
} from '../../core/errors.js';
import { checkLimit } from '../../core/limits.js';
import type { AcquisitionMeta, Fid } from '../../core/types.js';
import { isDirectory, isFile } from '../fs.js';
import {
  assertFinite,
  byteOrderFromCode,
  bytesPerValue,
  type BrukerDataType,
  type ByteOrder,
  dataTypeFromCode,
  decodeComplex,
  paddedRowBytes,
  readBytesAt,
} from './binary.js';
import { groupDelayFromParams, type GroupDelaySource } from './groupdelay.js';
import { type BrukerParams, readBrukerParams } from './params.js';
import { assertPseudo2D, readRowLists, rowDurationsS, rowVariables, type RowVariable } from './lists.js';
import { estimatedDurationS, readAuditWindow, type TimeSource } from './times.js';

export type BrukerFormat = 'bruker experiment' | 'bruker ser' | 'bruker series';

/** acqus facts beyond AcquisitionMeta that a reader of the raw data needs. */
export interface AcqusInfo {
  readonly params: BrukerParams;
  /** Total real+imaginary values per FID (acqus TD). */
  readonly td: number;
  readonly dataType: BrukerDataType;
  readonly byteOrder: ByteOrder;
  readonly groupDelaySource: GroupDelaySource;
  /** $DATE, epoch seconds. */
  readonly dateS: number;
  /** Values common to every row of this experiment (times not yet assigned). */
  readonly base: Omit<AcquisitionMeta, 'startMs' | 'endMs'>;
}

/** One spectrum of a series: where its data are and its parameters. Cheap to hold in thousands. */
export interface SeriesEntry {
  /** Position in the series, 0-based. */
  readonly index: number;
  readonly format: BrukerFormat;
  readonly experimentPath: string;
  /** The binary file (fid or ser). */
  readonly dataFile: string;
  /** Byte offset of this FID in dataFile. */
  readonly offsetBytes: number;
  /** Values (re+im) to read: TD. */
  readonly td: number;
  readonly dataType: BrukerDataType;
  readonly byteOrder: ByteOrder;
  readonly groupDelaySource: GroupDelaySource;
  readonly timeSource: TimeSource;
  readonly meta: AcquisitionMeta;
  /** A pseudo-2D row's variable from vdlist, vclist, vplist or difflist (see lists.ts). */
  readonly variable?: RowVariable;
  /** Set on the rows of a ser holding fewer complete rows than acqu2s TD (growing or stopped): that TD. */
  readonly declaredRows?: number;
}

const NUMBERED = /^\d+$/;

function experimentFolder(path: string): string {
  if (isFile(path) && ['fid', 'ser', 'acqus', 'acqu2s', 'audita.txt'].includes(basename(path)))
    return dirname(path);
  return path;
}

/** `value` when it is at least `min`, else a ParameterError naming the acqus field. */
function atLeast(
  value: number,
  min: number,
  file: string,
  field: string,
  summary: string,
  unit: string,
): number {
  if (value < min)
    throw new ParameterError(summary, { file, field, found: value, expected: `≥ ${min}${unit}` });
  return value;
}

/** Parses acqus (already read) into the facts every FID of the experiment shares. */
export function acqusInfo(
  params: BrukerParams,
  experimentPath: string,
  experimentNumber?: number,
): AcqusInfo {
  const file = params.file;
  const aqMod = params.integer('AQ_mod', 3);
  if (aqMod !== 1 && aqMod !== 3) {
    throw new UnsupportedFormatError('only complex (simultaneous or DQD) acquisition is read', {
      file,
      field: 'AQ_mod',
      found: aqMod,
      expected: '1 (qsim) or 3 (DQD)',
    });
  }
  const td = params.integer('TD');
  if (td < 2 || td % 2 !== 0) {
    throw new ParameterError('TD must be a positive even number of values (real + imaginary)', {
      file,
      field: 'TD',
      found: td,
      expected: 'an even integer ≥ 2',
    });
  }
  checkLimit('spectrumPoints', td / 2, file, 'TD');
  // DTYPA was introduced with float data; files without it hold int32 (nmrglue makes the same default).
  const dataType = dataTypeFromCode(params.integer('DTYPA', 0), file, 'DTYPA');
  const byteOrder = byteOrderFromCode(params.integer('BYTORDA'), file, 'BYTORDA');
  const swHz = params.positive('SW_h', 'spectral width', 'Hz');
  const sfo1MHz = params.positive('SFO1', 'frequency', 'MHz');
  const bf1MHz = params.positive('BF1', 'frequency', 'MHz');
  const scans = atLeast(params.integer('NS'), 1, file, 'NS', 'number of scans must be at least 1', '');
  const dummyScans = atLeast(params.integer('DS', 0), 0, file, 'DS', 'negative dummy scans', '');
  const recycleDelayS = atLeast(params.arrayNumber('D', 1), 0, file, 'D[1]', 'negative recycle delay', ' s');
  const dateS = params.number('DATE');
  if (dateS <= 0)
    throw new ParameterError('acquisition date missing', {
      file,
      field: 'DATE',
      found: dateS,
      expected: 'epoch seconds > 0',
    });
  const nucleus = params.string('NUC1').trim();
  if (nucleus === '' || nucleus === 'off') {
    throw new ParameterError('observe nucleus not set', {
      file,
      field: 'NUC1',
      found: nucleus,
      expected: 'e.g. <7Li>',
    });
  }
  // An isotope label: mass number then element symbol (7Li, 23Na, 195Pt), as TopSpin writes NUC1.
  if (!/^([1-9]\d{0,2})[A-Z][a-z]?$/.test(nucleus)) {
    throw new ParameterError('observe nucleus is not an isotope label', {
      file,
      field: 'NUC1',
      found: nucleus,
      expected: 'a mass number and an element symbol, e.g. <7Li> or <23Na>',
    });
  }
  const gd = groupDelayFromParams(params);
  const complexPoints = td / 2;
  const base: Omit<AcquisitionMeta, 'startMs' | 'endMs'> = {
    source: experimentPath,
    ...(experimentNumber !== undefined ? { experimentNumber } : {}),
    nucleus,
    sfo1MHz,
    bf1MHz,
    o1Hz: params.number('O1'),
    swHz,
    complexPoints,
    groupDelayPoints: gd.points,
    scans,
    dummyScans,
    recycleDelayS,
    acquisitionTimeS: complexPoints / swHz,
    receiverGain: params.number('RG'),
    pulseProgram: params.string('PULPROG', ''),
    ...temperatureOf(params),
  };
  return { params, td, dataType, byteOrder, groupDelaySource: gd.source, dateS, base };
}

/** TE (K) when recorded: a positive finite number; TopSpin writes 0 or omits it otherwise. */
function temperatureOf(params: AcqusInfo['params']): { temperatureK?: number } {
  let te = NaN;
  try {
    te = params.number('TE', NaN);
  } catch {
    // a TE that is not a number leaves the temperature unknown (it is never needed to read the data)
  }
  return te > 0 && Number.isFinite(te) ? { temperatureK: te } : {};
}

/** Reads and interprets `<experiment>/acqus`. */
export function readAcqus(experimentPath: string, experimentNumber?: number): AcqusInfo {
  const path = join(experimentPath, 'acqus');
  if (!isFile(path)) {
    throw new MissingFileError('experiment has no acqus', {
      file: path,
      field: 'acqus',
      expected: 'a Bruker acqus parameter file',
    });
  }
  return acqusInfo(readBrukerParams(path), experimentPath, experimentNumber);
}

function fileSize(path: string): number {
  return statSync(path).size;
}

/** Checks a 1D fid's size against TD (exact, or padded to the 1024-byte block). */
function checkFidSize(path: string, info: AcqusInfo): void {
  const exact = info.td * bytesPerValue(info.dataType);
  const padded = paddedRowBytes(info.td, info.dataType);
  const size = fileSize(path);
  if (size === exact || size === padded) return;
  const expected = exact === padded ? `${exact} bytes` : `${exact} or ${padded} bytes`;
  throw new CorruptFileError(size < exact ? 'fid is truncated' : 'fid size does not match TD', {
    file: path,
    field: 'TD',
    found: `${size} bytes`,
    expected: `${expected} (TD=${info.td} ${info.dataType} values)`,
  });
}

/**
 * Rows of a ser: acqu2s TD, or fewer when the ser holds fewer complete rows — an acquisition still running
 * (TopSpin appends one row after another) or stopped early. Only complete rows are read; a partial row
 * being written is left out. A ser without a single complete row, or larger than TD1 rows, is refused.
 */
function rowsOfSer(experimentPath: string, info: AcqusInfo): { rows: number; declaredRows: number } {
  const path = join(experimentPath, 'acqu2s');
  if (!isFile(path)) {
    throw new MissingFileError('ser without acqu2s (number of rows unknown)', {
      file: path,
      field: 'acqu2s',
      expected: 'acqu2s with TD = number of rows',
    });
  }
  const p2 = readBrukerParams(path);
  assertPseudo2D(experimentPath, p2, info.params);
  const rows = p2.integer('TD');
  if (rows < 1)
    throw new ParameterError('number of rows must be at least 1', {
      file: path,
      field: 'TD',
      found: rows,
      expected: '≥ 1',
    });
  checkLimit('spectra', rows, path, 'TD');
  const serPath = join(experimentPath, 'ser');
  const stride = paddedRowBytes(info.td, info.dataType);
  const size = fileSize(serPath);
  const expected = rows * stride;
  const complete = Math.floor(size / stride);
  if (size > expected || complete < 1) {
    throw new CorruptFileError(
      size < expected ? 'ser holds no complete row' : 'ser size does not match TD × rows',
      {
        file: serPath,
        field: 'TD',
        found: `${size} bytes (${complete} complete rows)`,
        expected: `${size < expected ? `≥ ${stride}` : expected} bytes (${rows} rows from acqu2s TD × ${stride} bytes per row for TD=${info.td} ${info.dataType})`,
      },
    );
  }
  return { rows: Math.min(rows, complete), declaredRows: rows };
}

/** Entries of one experiment folder (1 for a fid, one per row for a ser). */
function experimentEntries(
  experimentPath: string,
  firstIndex: number,
  format: BrukerFormat,
  experimentNumber?: number,
): SeriesEntry[] {
  const info = readAcqus(experimentPath, experimentNumber);
  const fidPath = join(experimentPath, 'fid');
  const serPath = join(experimentPath, 'ser');
  const audit = readAuditWindow(experimentPath);
  const common = {
    experimentPath,
    td: info.td,
    dataType: info.dataType,
    byteOrder: info.byteOrder,
    groupDelaySource: info.groupDelaySource,
  };
  if (isFile(fidPath)) {
    checkFidSize(fidPath, info);
    const window = timeWindow(info, audit, 1);
    return [
      {
        index: firstIndex,
        format,
        dataFile: fidPath,
        offsetBytes: 0,
        ...common,
        timeSource: window.source,
        meta: { ...info.base, startMs: window.startMs, endMs: window.endMs },
      },
    ];
  }
  if (isFile(serPath)) {
    const { rows, declaredRows } = rowsOfSer(experimentPath, info);
    const stride = paddedRowBytes(info.td, info.dataType);
    const lists = readRowLists(experimentPath, rows);
    const variables = rowVariables(lists);
    const durations = rowDurationsS(info.base, rows, lists);
    const window = timeWindow(info, audit, rows, durations);
    // Estimated durations scaled to the window (exact when the window is itself the estimate).
    const totalS = durations.dummyS + durations.rowsS.reduce((a, b) => a + b, 0);
    const msPerS = totalS > 0 ? (window.endMs - window.startMs) / totalS : 0;
    const entries: SeriesEntry[] = [];
    let startMs = window.startMs + durations.dummyS * msPerS;
    for (let r = 0; r < rows; r++) {
      // Without any duration estimate (NS·(D1+AQ) = 0) rows share the window evenly.
      const endMs =
        msPerS > 0
          ? startMs + durations.rowsS[r] * msPerS
          : window.startMs + ((r + 1) * (window.endMs - window.startMs)) / rows;
      entries.push({
        index: firstIndex + r,
        format: format === 'bruker experiment' ? 'bruker ser' : format,
        dataFile: serPath,
        offsetBytes: r * stride,
        ...common,
        timeSource: window.source,
        meta: { ...info.base, rowIndex: r, startMs, endMs: r === rows - 1 ? window.endMs : endMs },
        ...(variables ? { variable: variables[r] } : {}),
        ...(declaredRows > rows ? { declaredRows } : {}),
      });
      startMs = endMs;
    }
    return entries;
  }
  throw new MissingFileError('experiment has no fid or ser', {
    file: fidPath,
    field: 'fid',
    expected: 'a fid (1D) or ser (pseudo-2D) file',
  });
}

function timeWindow(
  info: AcqusInfo,
  audit: { startMs: number; endMs: number } | undefined,
  rows: number,
  durations?: { dummyS: number; rowsS: readonly number[] },
): {
  startMs: number;
  endMs: number;
  source: TimeSource;
} {
  if (audit) return { ...audit, source: 'audita' };
  const endMs = info.dateS * 1000;
  if (!(endMs <= MAX_DATE_MS)) {
    throw new ParameterError('acquisition date out of range', {
      file: info.params.file,
      field: 'DATE',
      found: info.dateS,
      expected: 'epoch seconds before year 275760',
    });
  }
  const durationMs =
    (durations
      ? durations.dummyS + durations.rowsS.reduce((a, b) => a + b, 0)
      : estimatedDurationS({ ...info.base, rows })) * 1000;
  // Absurd NS, D1 or SW_h values in a damaged acqus can push the estimate beyond what a date can hold.
  if (!(durationMs <= endMs + MAX_DATE_MS)) {
    throw new ParameterError('estimated acquisition duration out of range', {
      file: info.params.file,
      field: 'NS, DS, D[1], TD, SW_h',
      found: `${durationMs / 1000} s`,
      expected: 'a duration that ends after year −271821',
    });
  }
  return { startMs: endMs - durationMs, endMs, source: 'acqus DATE' };
}

/** Largest |epoch ms| a JavaScript Date represents (ECMA-262 time value range). */
const MAX_DATE_MS = 8.64e15;

/** What a path holds, without reading any data. */
export function detectBrukerFormat(path: string): BrukerFormat {
  const dir = experimentFolder(path);
  if (!isDirectory(dir)) {
    throw new MissingFileError(
      isFile(dir) ? 'not a Bruker experiment or dataset folder' : 'folder not found',
      {
        file: path,
        expected: 'a Bruker experiment folder (acqus + fid/ser) or a folder of numbered experiments',
      },
    );
  }
  if (isFile(join(dir, 'acqus')))
    return isFile(join(dir, 'fid')) || !isFile(join(dir, 'ser')) ? 'bruker experiment' : 'bruker ser';
  return 'bruker series';
}

/** TopSpin names experiment folders by number: a single experiment keeps that number as its experiment number. */
export function folderNumber(dir: string): number | undefined {
  const name = basename(dir);
  return NUMBERED.test(name) ? Number(name) : undefined;
}

export interface SeriesListOptions {
  /**
   * Numbered experiments of a dataset folder to list (live mode: only those whose files are complete);
   * the others are skipped as if absent. Default: all.
   */
  readonly include?: (experimentPath: string) => boolean;
}

/**
 * Lists the spectra at `path` in acquisition order with their parameters and times. Reads only parameter
 * files and file sizes, so it is cheap for thousands of experiments; read the data with readSeriesFid.
 */
export function listSeries(path: string, options: SeriesListOptions = {}): SeriesEntry[] {
  const format = detectBrukerFormat(path);
  const dir = experimentFolder(path);
  if (format !== 'bruker series') return experimentEntries(dir, 0, format, folderNumber(dir));

  const numbered: { n: number; path: string }[] = [];
  for (const name of readdirSync(dir)) {
    if (!NUMBERED.test(name)) continue;
    const sub = join(dir, name);
    if (!isDirectory(sub)) continue;
    if (options.include && !options.include(sub)) continue;
    const hasAcqus = isFile(join(sub, 'acqus'));
    const hasData = isFile(join(sub, 'fid')) || isFile(join(sub, 'ser'));
    if (!hasAcqus && !hasData) continue;
    if (!hasAcqus) {
      throw new MissingFileError('experiment has data but no acqus', {
        file: join(sub, 'acqus'),
        field: 'acqus',
        expected: 'a Bruker acqus parameter file',
      });
    }
    numbered.push({ n: Number(name), path: sub });
  }
  if (numbered.length === 0) {
    const hasData = isFile(join(dir, 'fid')) || isFile(join(dir, 'ser'));
    throw new MissingFileError(
      hasData ? 'experiment has data but no acqus' : 'no Bruker experiments in folder',
      {
        file: hasData ? join(dir, 'acqus') : dir,
        field: 'acqus',
        found: hasData ? 'fid/ser without acqus' : 'no numbered sub-folder with acqus',
        expected: 'an experiment folder (acqus + fid/ser) or numbered experiment folders',
      },
    );
  }
  numbered.sort((a, b) => a.n - b.n);
  const entries: SeriesEntry[] = [];
  checkLimit('spectra', numbered.length, dir, 'experiments');
  for (const exp of numbered) {
    entries.push(...experimentEntries(exp.path, entries.length, 'bruker series', exp.n));
    checkLimit('spectra', entries.length, exp.path, 'rows');
  }
  const first = entries[0];
  for (const e of entries) {
    if (e.meta.nucleus !== first.meta.nucleus) {
      const a = `${first.meta.nucleus} in ${first.experimentPath}`;
      const b = `${e.meta.nucleus} in ${e.experimentPath}`;
      throw new DataError(`mixed nuclei in one series: ${a}, ${b}`, {
        file: dir,
        field: 'NUC1',
        found: [a, b],
        expected: 'one nucleus for every experiment of a series',
      });
    }
  }
  return entries;
}

/** Reads the FID of one series entry (only its own bytes: a row of a large ser is read alone). */
export function readSeriesFid(entry: SeriesEntry): Fid {
  const length = entry.td * bytesPerValue(entry.dataType);
  let bytes: Uint8Array;
  try {
    bytes = readBytesAt(entry.dataFile, entry.offsetBytes, length);
  } catch (error) {
    // A missing file (or a folder in its place) is reported as such; the stat is paid only on failure,
    // not once per spectrum of a long series.
    if (!isFile(entry.dataFile)) throw new MissingFileError('data file not found', { file: entry.dataFile });
    throw error;
  }
  const { re, im } = decodeComplex(bytes, entry.td, entry.dataType, entry.byteOrder);
  if (entry.dataType === 'float64') {
    assertFinite(re, entry.dataFile);
    assertFinite(im, entry.dataFile);
  }
  return { re, im, meta: entry.meta };
}

/** Reads a single experiment folder (acqus + fid). For a ser use listSeries/readSeriesFid. */
export function readExperiment(path: string): Fid {
  const format = detectBrukerFormat(path);
  if (format === 'bruker series') {
    const dir = experimentFolder(path);
    throw new MissingFileError('not an experiment folder (no acqus)', {
      file: join(dir, 'acqus'),
      field: 'acqus',
      expected: 'an experiment folder; use listSeries for a folder of experiments',
    });
  }
  const folder = experimentFolder(path);
  const entries = experimentEntries(folder, 0, format, folderNumber(folder));
  if (entries.length !== 1) {
    throw new DataError('experiment holds a ser with several rows', {
      file: entries[0].dataFile,
      field: 'rows',
      found: entries.length,
      expected: '1; use listSeries/readSeriesFid for a ser',
    });
  }
  return readSeriesFid(entries[0]);
}

/**
 * Parameters and acquisition window of an experiment from its acqus (and audita.txt) alone, without
 * reading or requiring its fid: what a processed spectrum in `pdata/N` inherits from its experiment.
 */
export function experimentMeta(
  experimentPath: string,
  experimentNumber?: number,
): { meta: AcquisitionMeta; timeSource: TimeSource } {
  const info = readAcqus(experimentPath, experimentNumber);
  const window = timeWindow(info, readAuditWindow(experimentPath), 1);
  return {
    meta: { ...info.base, startMs: window.startMs, endMs: window.endMs },
    timeSource: window.source,
  };
}
