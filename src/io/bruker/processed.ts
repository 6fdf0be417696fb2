/**
 * TopSpin's processed 1D spectra: `pdata/<procno>/1r` and `1i` with their `procs`.
 *
 * Stored values are integers (DTYPP 0) or doubles (DTYPP 2) in BYTORDP order; the spectrum is
 * value · 2^NC_proc (TopSpin keeps the integers near full scale and records the exponent). Point i of
 * the SI points lies at OFFSET − i·SW_p/(SF·SI) ppm, OFFSET being the ppm of the first (left-most) point.
 */
import { join } from 'node:path';
import { CorruptFileError, MissingFileError, ParameterError } from '../../core/errors.js';
import { checkLimit } from '../../core/limits.js';
import type { AcquisitionMeta, Spectrum } from '../../core/types.js';
import { isFile, readFileChecked } from '../fs.js';
import {
  assertFinite,
  byteOrderFromCode,
  bytesPerValue,
  type BrukerDataType,
  type ByteOrder,
  dataTypeFromCode,
  decodeValues,
} from './binary.js';
import { listSeries } from './experiment.js';
import { type BrukerParams, readBrukerParams } from './params.js';

/** The procs parameters a re-processing needs (TopSpin names in comments). */
export interface ProcsParams {
  readonly file: string;
  /** WDW: 0 none, 1 exponential (EM), 2 Gaussian (GM), 3 sine, 4 squared sine … */
  readonly windowCode: number;
  /** LB, Hz. */
  readonly lineBroadeningHz: number;
  /** GB, fraction of the acquisition time (Gaussian window). */
  readonly gaussianFraction: number;
  /** SSB, sine-bell shift. */
  readonly sineBellShift: number;
  /** SI, real points of the spectrum. */
  readonly sizePoints: number;
  /** PHC0, degrees. */
  readonly phc0Deg: number;
  /** PHC1, degrees across the full spectral width. */
  readonly phc1Deg: number;
  /** SF, spectrometer reference frequency, MHz. */
  readonly sfMHz: number;
  /** OFFSET, ppm of the first point. */
  readonly offsetPpm: number;
  /** SW_p, spectral width of the processed spectrum, Hz. */
  readonly swHz: number;
  /** NC_proc, the power-of-two exponent of the stored intensities. */
  readonly ncProc: number;
  /** TDeff (0 = all points), when present. */
  readonly tdEffective: number;
  readonly dataType: BrukerDataType;
  readonly byteOrder: ByteOrder;
  /** All parameters, for anything not listed above. */
  readonly params: BrukerParams;
}

export interface ProcessedSpectrum extends Spectrum {
  readonly procs: ProcsParams;
  /** False when pdata holds no `1i` (im is then zeros). */
  readonly hasImaginary: boolean;
}

export function procsParams(params: BrukerParams): ProcsParams {
  const file = params.file;
  const si = params.integer('SI');
  if (si < 1)
    throw new ParameterError('spectrum size must be positive', {
      file,
      field: 'SI',
      found: si,
      expected: '≥ 1',
    });
  checkLimit('spectrumPoints', si, file, 'SI');
  const sf = params.positive('SF', 'reference frequency', 'MHz');
  const sw = params.positive('SW_p', 'spectral width', 'Hz');
  const ncProc = params.integer('NC_proc', 0);
  if (Math.abs(ncProc) > 60)
    throw new ParameterError('scaling exponent out of range', {
      file,
      field: 'NC_proc',
      found: ncProc,
      expected: '|NC_proc| ≤ 60',
    });
  return {
    file,
    windowCode: params.integer('WDW', 0),
    lineBroadeningHz: params.number('LB', 0),
    gaussianFraction: params.number('GB', 0),
    sineBellShift: params.number('SSB', 0),
    sizePoints: si,
    phc0Deg: params.number('PHC0', 0),
    phc1Deg: params.number('PHC1', 0),
    sfMHz: sf,
    offsetPpm: params.number('OFFSET'),
    swHz: sw,
    ncProc,
    tdEffective: params.integer('TDeff', 0),
    // TopSpin before DTYPP existed stored int32 only.
    dataType: dataTypeFromCode(params.integer('DTYPP', 0), file, 'DTYPP'),
    byteOrder: byteOrderFromCode(params.integer('BYTORDP'), file, 'BYTORDP'),
    params,
  };
}

/** Reads `<experiment>/pdata/<procno>/procs`. */
export function readProcs(experimentPath: string, procno = 1): ProcsParams {
  const path = join(experimentPath, 'pdata', String(procno), 'procs');
  if (!isFile(path))
    throw new MissingFileError('processed data has no procs', {
      file: path,
      field: 'procs',
      expected: 'pdata/N/procs',
    });
  return procsParams(readBrukerParams(path));
}

/** ppm of each point: OFFSET − i·SW_p/(SF·SI). */
export function procsPpmAxis(
  procs: Pick<ProcsParams, 'offsetPpm' | 'swHz' | 'sfMHz' | 'sizePoints'>,
): Float64Array {
  const n = procs.sizePoints;
  const step = procs.swHz / procs.sfMHz / n;
  const ppm = new Float64Array(n);
  for (let i = 0; i < n; i++) ppm[i] = procs.offsetPpm - i * step;
  return ppm;
}

function readPart(path: string, procs: ProcsParams): Float64Array {
  const bytes = readFileChecked(path);
  const expected = procs.sizePoints * bytesPerValue(procs.dataType);
  if (bytes.length !== expected) {
    throw new CorruptFileError(
      bytes.length < expected ? 'processed data truncated' : 'processed data size does not match SI',
      {
        file: path,
        field: 'SI',
        found: `${bytes.length} bytes`,
        expected: `${expected} bytes (SI=${procs.sizePoints} ${procs.dataType} values)`,
      },
    );
  }
  const values = decodeValues(bytes, 0, procs.sizePoints, procs.dataType, procs.byteOrder);
  if (procs.dataType === 'float64') assertFinite(values, path);
  const scale = 2 ** procs.ncProc;
  for (let i = 0; i < values.length; i++) values[i] *= scale;
  return values;
}

/**
 * Reads the processed spectrum in one pdata folder (procs + 1r, and 1i when present), without any
 * acquisition parameters.
 */
export function readProcessedFolder(dir: string): ProcessedSpectrum {
  const procsPath = join(dir, 'procs');
  if (!isFile(procsPath))
    throw new MissingFileError('processed data has no procs', {
      file: procsPath,
      field: 'procs',
      expected: 'pdata/N/procs',
    });
  const procs = procsParams(readBrukerParams(procsPath));
  const rPath = join(dir, '1r');
  if (!isFile(rPath))
    throw new MissingFileError('processed data has no 1r', {
      file: rPath,
      field: '1r',
      expected: 'the real part of the processed spectrum',
    });
  const re = readPart(rPath, procs);
  const iPath = join(dir, '1i');
  const hasImaginary = isFile(iPath);
  const im = hasImaginary ? readPart(iPath, procs) : new Float64Array(re.length);
  return { re, im, ppm: procsPpmAxis(procs), sfMHz: procs.sfMHz, procs, hasImaginary };
}

/**
 * Reads TopSpin's processed spectrum of an experiment. `meta` is filled from acqus when the experiment
 * folder has one (and its data), otherwise left undefined.
 */
export function readProcessed(experimentPath: string, procno = 1): ProcessedSpectrum {
  const spectrum = readProcessedFolder(join(experimentPath, 'pdata', String(procno)));
  let meta: AcquisitionMeta | undefined;
  if (
    isFile(join(experimentPath, 'acqus')) &&
    (isFile(join(experimentPath, 'fid')) || isFile(join(experimentPath, 'ser')))
  ) {
    meta = listSeries(experimentPath)[0]?.meta;
  }
  return { ...spectrum, ...(meta ? { meta } : {}) };
}
