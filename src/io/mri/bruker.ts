/**
 * Raw Bruker data for transport measurements:
 *  - frequency-encoded 1D MRI: one echo per profile, as rows of a `ser` or as numbered experiments
 *    (Thienenkamp et al. 2024: modified "diffprof", 128 points, 100 kHz bandwidth, 4 mm field of view);
 *  - PFG diffusion: one FID per gradient step in a `ser`, with the gradient strengths in `difflist`
 *    (G cm⁻¹, one value per line, as Bruker's diffusion set-up writes it).
 * These readers return raw complex data with times and encoding parameters; turning an echo into a
 * profile (Fourier transform, magnitude) is done by the caller with nmr/.
 */
import { join } from 'node:path';
import { CorruptFileError, DataError } from '../../core/errors.js';
import { isFile, readFileChecked } from '../fs.js';
import { listSeries, readSeriesFid } from '../bruker/index.js';

export interface BrukerEchoSeries {
  /** One complex echo (or FID) per profile / gradient step. */
  readonly echoes: { readonly re: Float64Array; readonly im: Float64Array }[];
  /** Middle of each acquisition relative to the middle of the first, s. */
  readonly timeS: Float64Array;
  /** Middle of the first acquisition, epoch ms (UTC). */
  readonly firstMidMs: number;
  /** Receiver bandwidth SW_h, Hz. */
  readonly swHz: number;
  /** Digital-filter group delay, points. */
  readonly groupDelayPoints: number;
  /** NUC1, e.g. "19F". */
  readonly nucleus: string;
  readonly source: string;
}

/** Reads every echo of a Bruker experiment (ser) or series of numbered experiments, in acquisition order. */
export function readBrukerEchoSeries(path: string): BrukerEchoSeries {
  const entries = listSeries(path);
  if (entries.length === 0)
    throw new DataError('no acquisitions found', {
      file: path,
      expected: 'a fid, a ser or numbered experiments',
    });
  const first = entries[0].meta;
  const mid = (m: { startMs: number; endMs: number }) => 0.5 * (m.startMs + m.endMs);
  const firstMidMs = mid(first);
  const echoes = entries.map((e) => {
    if (e.meta.swHz !== first.swHz || e.meta.complexPoints !== first.complexPoints) {
      throw new DataError('acquisitions differ in bandwidth or size', {
        file: e.experimentPath,
        field: 'SW_h/TD',
        found: `${e.meta.swHz} Hz, ${e.meta.complexPoints} points`,
        expected: `${first.swHz} Hz, ${first.complexPoints} points as in the first acquisition`,
      });
    }
    const fid = readSeriesFid(e);
    return { re: fid.re, im: fid.im };
  });
  return {
    echoes,
    timeS: Float64Array.from(entries, (e) => (mid(e.meta) - firstMidMs) / 1000),
    firstMidMs,
    swHz: first.swHz,
    groupDelayPoints: first.groupDelayPoints,
    nucleus: first.nucleus,
    source: path,
  };
}

/** Parses a Bruker gradient list (one number per line, G cm⁻¹; blank lines and `#` comments ignored). */
export function parseGradientList(text: string, file?: string): Float64Array {
  const values: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const v = Number(t);
    if (!Number.isFinite(v) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
      throw new CorruptFileError('gradient value is not a number', {
        file,
        field: `line ${i + 1}`,
        found: t,
        expected: 'one number (G/cm) per line',
      });
    }
    values.push(v);
  });
  if (values.length === 0)
    throw new CorruptFileError('empty gradient list', { file, expected: 'one gradient value per line' });
  return Float64Array.from(values);
}

export interface BrukerPfgData extends BrukerEchoSeries {
  /** Gradient of each row, G cm⁻¹, from difflist. */
  readonly gradientsGPerCm: Float64Array;
}

/** Reads a PFG experiment: the ser rows and the `difflist` beside them (or at `gradientListPath`). */
export function readBrukerPfg(path: string, gradientListPath?: string): BrukerPfgData {
  const series = readBrukerEchoSeries(path);
  const dir = isFile(path) ? join(path, '..') : path;
  const listPath = gradientListPath ?? join(dir, 'difflist');
  if (!isFile(listPath)) {
    throw new CorruptFileError('gradient list not found', {
      file: listPath,
      field: 'difflist',
      expected: 'a difflist beside the ser, or give the list explicitly',
    });
  }
  const gradients = parseGradientList(readFileChecked(listPath).toString('utf8'), listPath);
  if (gradients.length !== series.echoes.length) {
    throw new DataError('gradient list and data rows differ in number', {
      file: listPath,
      field: 'difflist',
      found: `${gradients.length} gradients, ${series.echoes.length} rows`,
      expected: 'one gradient per row',
    });
  }
  return { ...series, gradientsGPerCm: gradients };
}
