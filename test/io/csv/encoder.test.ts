/** CsvEncoder (formatting on a worker thread) gives the bytes of encodeNumericColumns on this thread. */
import { describe, expect, it } from 'vitest';
import { CsvEncoder } from '../../../src/io/csv/encoder.js';
import { encodeNumericColumns } from '../../../src/io/csv/index.js';

describe('CsvEncoder', () => {
  it('encodes on its thread to the same bytes, whatever the order of the answers', async () => {
    const encoder = new CsvEncoder();
    try {
      const jobs = Array.from({ length: 6 }, (_, k) => {
        const n = 500 + 97 * k;
        const columns = [
          Float64Array.from({ length: n }, (_, i) => 300 - i * 0.0123456789),
          Float64Array.from({ length: n }, (_, i) => Math.sin(i + k) * 10 ** (i % 9)),
          Float64Array.from({ length: n }, (_, i) => (i % 17 === 0 ? NaN : Math.cos(i * k) / 3)),
        ];
        return { columns, bytes: encoder.encode(['ppm', 'real', 'imag'], columns) };
      });
      for (const job of jobs) {
        const mine = encodeNumericColumns(['ppm', 'real', 'imag'], job.columns);
        expect(Buffer.from(await job.bytes).equals(Buffer.from(mine))).toBe(true);
      }
    } finally {
      await encoder.close();
    }
  });
});
