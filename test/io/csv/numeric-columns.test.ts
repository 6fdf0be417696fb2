/** Bulk numeric CSV (processed spectra): the fast formatter must read back as exactly the same doubles. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatNumericColumns, parseNumericTable } from '../../../src/io/csv/index.js';

describe('formatNumericColumns', () => {
  it('reads back bit-identical for any finite doubles', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ noNaN: true, noDefaultInfinity: true }),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
          ),
          {
            minLength: 1,
            maxLength: 50,
          },
        ),
        (rows) => {
          const a = rows.map((r) => r[0]);
          const b = rows.map((r) => r[1]);
          const t = parseNumericTable(formatNumericColumns(['ppm', 'real'], [a, b]));
          expect(t.headers).toEqual(['ppm', 'real']);
          // -0 is written as 0: compare with == semantics for zero, exact otherwise
          t.columns[0].forEach((v, i) => expect(v === a[i]).toBe(true));
          t.columns[1].forEach((v, i) => expect(v === b[i]).toBe(true));
        },
      ),
    );
  });

  it('writes zero as 0 and non-finite values as empty cells', () => {
    const text = formatNumericColumns(['x', 'y'], [Float64Array.of(0, 1.5), Float64Array.of(NaN, Infinity)]);
    expect(text).toBe('x,y\n0,\n1.5,\n');
  });
});
