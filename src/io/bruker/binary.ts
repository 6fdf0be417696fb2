/**
 * Raw Bruker time-domain data (`fid`, `ser`) and processed data (`1r`, `1i`): decoding and size rules.
 *
 * Facts of the format (Bruker acquisition reference, parameter NBL; as also implemented by nmrglue):
 * - DTYPA/DTYPP 0 = 32-bit signed integers, 2 = 64-bit IEEE floats; BYTORDA/BYTORDP 0 = little, 1 = big endian.
 * - Points are interleaved real, imaginary; TD counts both (TD/2 complex points).
 * - Each FID starts on a 1024-byte boundary: in a `ser` the row stride is TD·bytes rounded up to a multiple
 *   of 1024 bytes (256 int32 values, or 128 float64 values). A 1D `fid` may carry the same padding at its end.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CorruptFileError, UnsupportedFormatError } from '../../core/errors.js';

export type BrukerDataType = 'int32' | 'float64';
export type ByteOrder = 'little' | 'big';

export const BLOCK_BYTES = 1024;

export function bytesPerValue(dataType: BrukerDataType): number {
  return dataType === 'int32' ? 4 : 8;
}

/** Maps DTYPA/DTYPP to a data type; anything but 0 or 2 is a variant we do not read. */
export function dataTypeFromCode(code: number, file: string, field: string): BrukerDataType {
  if (code === 0) return 'int32';
  if (code === 2) return 'float64';
  throw new UnsupportedFormatError('unsupported data type', {
    file,
    field,
    found: code,
    expected: '0 (int32) or 2 (float64)',
  });
}

export function byteOrderFromCode(code: number, file: string, field: string): ByteOrder {
  if (code === 0) return 'little';
  if (code === 1) return 'big';
  throw new UnsupportedFormatError('unsupported byte order', {
    file,
    field,
    found: code,
    expected: '0 (little endian) or 1 (big endian)',
  });
}

/** Bytes one FID of `td` values occupies in a `ser` (padded to the 1024-byte block). */
export function paddedRowBytes(td: number, dataType: BrukerDataType): number {
  return Math.ceil((td * bytesPerValue(dataType)) / BLOCK_BYTES) * BLOCK_BYTES;
}

/** Decodes `count` values starting at `offsetBytes` into a Float64Array. */
export function decodeValues(
  bytes: Uint8Array,
  offsetBytes: number,
  count: number,
  dataType: BrukerDataType,
  byteOrder: ByteOrder,
): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offsetBytes, count * bytesPerValue(dataType));
  const out = new Float64Array(count);
  const little = byteOrder === 'little';
  if (dataType === 'int32') for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, little);
  else for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, little);
  return out;
}

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes `td` interleaved values (re, im, re, im …) straight into two arrays. When the file's byte order is
 * the machine's, the bytes are viewed as a typed array (copied first if unaligned) instead of read one by
 * one through a DataView — reading is then a single pass, which matters for series of thousands of FIDs.
 */
export function decodeComplex(
  bytes: Uint8Array,
  td: number,
  dataType: BrukerDataType,
  byteOrder: ByteOrder,
): { re: Float64Array; im: Float64Array } {
  const n = td >> 1;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const size = bytesPerValue(dataType);
  if ((byteOrder === 'little') === HOST_LITTLE) {
    const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
    const values =
      dataType === 'int32'
        ? new Int32Array(aligned.buffer, aligned.byteOffset, 2 * n)
        : new Float64Array(aligned.buffer, aligned.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      re[i] = values[2 * i];
      im[i] = values[2 * i + 1];
    }
    return { re, im };
  }
  const values = decodeValues(bytes, 0, 2 * n, dataType, byteOrder);
  for (let i = 0; i < n; i++) {
    re[i] = values[2 * i];
    im[i] = values[2 * i + 1];
  }
  return { re, im };
}

/** Splits interleaved (re, im, re, im …) values into two arrays. */
export function deinterleave(values: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = values.length >> 1;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = values[2 * i];
    im[i] = values[2 * i + 1];
  }
  return { re, im };
}

/**
 * Float data can hold NaN or infinities when a file is damaged; integers cannot. Reject them here so that
 * nothing downstream ever sees a non-finite sample.
 */
export function assertFinite(values: Float64Array, file: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new CorruptFileError('non-finite sample in data', {
        file,
        field: `value ${i}`,
        found: String(values[i]),
        expected: 'finite numbers',
      });
    }
  }
}

/** Reads `length` bytes at `position` from a file; CorruptFileError if fewer are there. */
export function readBytesAt(path: string, position: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const fd = openSync(path, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    if (done < length) {
      throw new CorruptFileError('file is shorter than expected', {
        file: path,
        found: `${position + done} bytes`,
        expected: `at least ${position + length} bytes`,
      });
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
