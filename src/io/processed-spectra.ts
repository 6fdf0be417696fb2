/**
 * Binary (columnar) output of processed spectra, for bulk data: `spincell process SERIES --out DIR
 * --format binary` writes three files into DIR (through an OutputFolder, so the set is all-or-nothing):
 *
 * - `spectra.bin`: the complex spectra, row-major (spectrum, then point), real and imaginary part of
 *   each point interleaved, little-endian float64 (numpy dtype `<c16`) or float32 (`<c8`).
 * - `ppm.bin`: the chemical-shift axis, little-endian float64 (`<f8`): one axis (shape [points]) when
 *   every spectrum has the same axis to the bit, otherwise one per spectrum (shape [spectra, points]).
 * - `spectra.json`: the index: format and version, the files' dtypes, byte order and shapes, and one item
 *   per spectrum with its identity and processing summary, its `offset` (in points from the start of
 *   the data) and `points`. Spectra of different sizes are stored one after another; then the shapes are
 *   [total points] and each item's offset and points locate it.
 *
 * In numpy, for spectra of one size:
 *   idx = json.load(open('spectra.json'))
 *   z = numpy.fromfile('spectra.bin', dtype=idx['data']['numpy']).reshape(idx['data']['shape'])
 *   ppm = numpy.fromfile('ppm.bin', dtype=idx['axis']['numpy']).reshape(idx['axis']['shape'])
 * `readProcessedSpectra(dir)` reads the set back here.
 */
import { join } from 'node:path';
import { endianness } from 'node:os';
import { CorruptFileError } from '../core/errors.js';
import { readFileChecked } from './fs.js';
import type { OutputFolder, StagedStream } from './output.js';

export const PROCESSED_FORMAT = 'spincell processed spectra';
export const PROCESSED_VERSION = 1;
export const PROCESSED_INDEX = 'spectra.json';
export const PROCESSED_DATA = 'spectra.bin';
export const PROCESSED_AXIS = 'ppm.bin';

export type SampleType = 'float64' | 'float32';

const NUMPY: Record<SampleType, string> = { float64: '<c16', float32: '<c8' };
const LITTLE = endianness() === 'LE';

/** One spectrum as written: its axis and complex points. */
export interface SpectrumArrays {
  readonly ppm: ArrayLike<number>;
  readonly re: ArrayLike<number>;
  readonly im: ArrayLike<number>;
}

/** An item of the index: where the spectrum lies in the data, and what the writer recorded about it. */
export interface ProcessedItem {
  /** First point of the spectrum, counted in complex points from the start of spectra.bin. */
  readonly offset: number;
  readonly points: number;
  readonly [field: string]: unknown;
}

export interface ProcessedIndex {
  readonly format: typeof PROCESSED_FORMAT;
  readonly version: number;
  readonly spectra: number;
  readonly data: {
    readonly file: string;
    readonly dtype: 'complex128' | 'complex64';
    readonly sample: SampleType;
    readonly numpy: string;
    readonly byteOrder: 'little';
    readonly shape: number[];
    readonly layout: string;
  };
  readonly axis: {
    readonly file: string;
    readonly quantity: 'chemical shift';
    readonly unit: 'ppm';
    readonly dtype: 'float64';
    readonly numpy: '<f8';
    readonly byteOrder: 'little';
    readonly shape: number[];
    /** True when one axis serves every spectrum. */
    readonly shared: boolean;
  };
  readonly items: ProcessedItem[];
  readonly [field: string]: unknown;
}

/** Little-endian bytes of `values` as float64 or float32 (a copy on big-endian hosts). */
function littleEndian(values: Float64Array | Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (LITTLE) return bytes;
  const out = new Uint8Array(bytes.length);
  const w = values.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += w) for (let j = 0; j < w; j++) out[i + j] = bytes[i + w - 1 - j];
  return out;
}

const sameAxis = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
};

/**
 * Streams processed spectra into an OutputFolder as spectra.bin + ppm.bin + spectra.json. add() one
 * spectrum at a time (its arrays may be reused once add returns), then finish() (before the folder's
 * drain and commit). Memory stays at one spectrum plus the stream's chunk, whatever the series length.
 */
export class ProcessedSpectraWriter {
  private readonly data: StagedStream;
  private axis: StagedStream | null = null;
  private firstAxis: Float64Array | null = null;
  private readonly items: ProcessedItem[] = [];
  private offset = 0;
  private scratch: Float64Array | Float32Array = new Float64Array(0);

  constructor(
    private readonly set: OutputFolder,
    private readonly sample: SampleType = 'float64',
  ) {
    this.data = set.openStream(PROCESSED_DATA);
  }

  /** Appends one spectrum; `fields` (identity, processing summary) go into its index item. */
  add(spectrum: SpectrumArrays, fields: Record<string, unknown> = {}): void {
    const n = spectrum.re.length;
    if (spectrum.im.length !== n || spectrum.ppm.length !== n)
      throw new RangeError('ppm, re and im must have the same length');
    if (this.scratch.length !== 2 * n)
      this.scratch = this.sample === 'float64' ? new Float64Array(2 * n) : new Float32Array(2 * n);
    const z = this.scratch;
    for (let i = 0; i < n; i++) {
      z[2 * i] = spectrum.re[i];
      z[2 * i + 1] = spectrum.im[i];
    }
    this.data.write(littleEndian(z));
    this.addAxis(spectrum.ppm);
    this.items.push({ ...fields, offset: this.offset, points: n });
    this.offset += n;
  }

  private addAxis(ppm: ArrayLike<number>): void {
    if (this.firstAxis === null) {
      this.firstAxis = Float64Array.from(ppm);
      return;
    }
    if (this.axis === null) {
      if (sameAxis(ppm, this.firstAxis)) return;
      // the first spectrum whose axis differs: from now on every spectrum carries its own
      this.axis = this.set.openStream(PROCESSED_AXIS);
      const first = littleEndian(this.firstAxis);
      for (let k = 0; k < this.items.length; k++) this.axis.write(first);
    }
    this.axis.write(littleEndian(Float64Array.from(ppm)));
  }

  /** Closes the array files and writes the index; `extra` fields (source, options) go into it too. */
  async finish(extra: Record<string, unknown> = {}): Promise<ProcessedIndex> {
    const shared = this.axis === null;
    if (this.axis === null) {
      this.axis = this.set.openStream(PROCESSED_AXIS);
      if (this.firstAxis) this.axis.write(littleEndian(this.firstAxis));
    }
    await Promise.all([this.data.close(), this.axis.close()]);
    const uniform = this.items.length > 0 && this.items.every((it) => it.points === this.items[0].points);
    const points = uniform ? this.items[0].points : this.offset;
    const index: ProcessedIndex = {
      ...extra,
      format: PROCESSED_FORMAT,
      version: PROCESSED_VERSION,
      spectra: this.items.length,
      data: {
        file: PROCESSED_DATA,
        dtype: this.sample === 'float64' ? 'complex128' : 'complex64',
        sample: this.sample,
        numpy: NUMPY[this.sample],
        byteOrder: 'little',
        shape: uniform ? [this.items.length, points] : [this.offset],
        layout: 'row-major: spectrum, then point; the real and imaginary part of each point interleaved',
      },
      axis: {
        file: PROCESSED_AXIS,
        quantity: 'chemical shift',
        unit: 'ppm',
        dtype: 'float64',
        numpy: '<f8',
        byteOrder: 'little',
        shape: shared ? [this.firstAxis?.length ?? 0] : uniform ? [this.items.length, points] : [this.offset],
        shared,
      },
      items: this.items,
    };
    this.set.writeFile(PROCESSED_INDEX, `${JSON.stringify(index, null, 1)}\n`);
    return index;
  }
}

/** One spectrum read back: its index item and arrays. */
export interface ProcessedSpectrum {
  readonly item: ProcessedItem;
  readonly ppm: Float64Array;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

function bad(file: string, field: string, found: unknown, expected: string): CorruptFileError {
  return new CorruptFileError('not a spincell binary spectra set', {
    file,
    field,
    found: typeof found === 'string' ? found : JSON.stringify(found),
    expected,
  });
}

/** Reads and checks spectra.json of a folder written by ProcessedSpectraWriter. */
export function readProcessedIndex(dir: string): ProcessedIndex {
  const file = join(dir, PROCESSED_INDEX);
  let index: ProcessedIndex;
  try {
    index = JSON.parse(readFileChecked(file).toString('utf8')) as ProcessedIndex;
  } catch (error) {
    if (error instanceof SyntaxError) throw bad(file, 'JSON', error.message, 'a JSON index');
    throw error;
  }
  if (typeof index !== 'object' || index === null || Array.isArray(index))
    throw bad(file, '(index)', index, 'a JSON object');
  if (index.format !== PROCESSED_FORMAT) throw bad(file, 'format', index.format, PROCESSED_FORMAT);
  if (index.version !== PROCESSED_VERSION)
    throw bad(file, 'version', index.version, `version ${PROCESSED_VERSION}`);
  if (!index.data || !['float64', 'float32'].includes(index.data.sample))
    throw bad(file, 'data.sample', index.data?.sample, 'float64 or float32');
  if (index.data.byteOrder !== 'little' || index.axis?.byteOrder !== 'little')
    throw bad(file, 'byteOrder', index.data.byteOrder, 'little');
  if (typeof index.data.file !== 'string') throw bad(file, 'data.file', index.data.file, 'a file name');
  if (typeof index.axis.file !== 'string') throw bad(file, 'axis.file', index.axis.file, 'a file name');
  if (!Array.isArray(index.items) || index.items.length !== index.spectra)
    throw bad(file, 'items', index.items?.length, `${index.spectra} items`);
  let next = 0;
  for (const [k, it] of index.items.entries()) {
    if (typeof it !== 'object' || it === null) throw bad(file, `items[${k}]`, it, 'an object');
    if (!Number.isInteger(it.points) || it.points < 1 || it.offset !== next)
      throw bad(
        file,
        `items[${k}].offset/points`,
        { offset: it.offset, points: it.points },
        `offset ${next}`,
      );
    next += it.points;
  }
  return index;
}

/** Float64 values of little-endian bytes. */
function decode(bytes: Buffer, sample: SampleType): Float64Array {
  const width = sample === 'float64' ? 8 : 4;
  const n = bytes.length / width;
  if (LITTLE && bytes.byteOffset % width === 0) {
    const view =
      sample === 'float64'
        ? new Float64Array(bytes.buffer, bytes.byteOffset, n)
        : new Float32Array(bytes.buffer, bytes.byteOffset, n);
    return Float64Array.from(view);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = width === 8 ? bytes.readDoubleLE(i * 8) : bytes.readFloatLE(i * 4);
  return out;
}

/**
 * Reads a folder written by `spincell process --format binary` (ProcessedSpectraWriter): every spectrum
 * with its index item, axis, real and imaginary part (float32 data widened to float64). Throws
 * CorruptFileError naming the file and field when the index and the array files disagree.
 */
export function readProcessedSpectra(dir: string): { index: ProcessedIndex; spectra: ProcessedSpectrum[] } {
  const index = readProcessedIndex(dir);
  const total = index.items.reduce((s, it) => s + it.points, 0);
  const dataFile = join(dir, index.data.file);
  const axisFile = join(dir, index.axis.file);
  const z = decode(readFileChecked(dataFile), index.data.sample);
  if (z.length !== 2 * total)
    throw bad(dataFile, 'size', `${z.length / 2} complex points`, `${total} (spectra.json items)`);
  const axis = decode(readFileChecked(axisFile), 'float64');
  const axisPoints = index.axis.shared ? (index.items[0]?.points ?? 0) : total;
  if (axis.length !== axisPoints)
    throw bad(axisFile, 'size', `${axis.length} values`, `${axisPoints} (spectra.json axis)`);
  if (index.axis.shared && index.items.some((it) => it.points !== axisPoints))
    throw bad(join(dir, PROCESSED_INDEX), 'axis.shared', true, 'spectra of one size when the axis is shared');
  const spectra = index.items.map((item) => {
    const re = new Float64Array(item.points);
    const im = new Float64Array(item.points);
    for (let i = 0; i < item.points; i++) {
      re[i] = z[2 * (item.offset + i)];
      im[i] = z[2 * (item.offset + i) + 1];
    }
    const ppm = index.axis.shared ? axis.slice() : axis.slice(item.offset, item.offset + item.points);
    return { item, ppm, re, im };
  });
  return { index, spectra };
}
