/**
 * writeDecimalAt (bulk CSV numbers) against two references nobody here wrote:
 * - test/fixtures/io/decimal-17-digits.json: 4,196 doubles (random bit patterns, random magnitudes
 *   10^-20 … 10^32, short binary fractions that make exact ties, powers of ten and their neighbours) with
 *   the 17 significant digits of each rounded half-up from its exact value by Python's `decimal` module
 *   (`Context(prec=17, rounding=ROUND_HALF_UP).create_decimal(Decimal(x))`), generated once by a short
 *   Python script (seed 17);
 * - V8's `Number.prototype.toPrecision(17)` (exactly rounded by the ECMAScript specification, ties away
 *   from zero), on property-generated doubles.
 * The text must also read back as the same double.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatDecimal, MAX_DECIMAL_BYTES, writeDecimalAt } from '../../../src/io/csv/decimal.js';

const fixture = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'io', 'decimal-17-digits.json'), 'utf8'),
) as { values: [string, string, number][] };

/** Sign, 17 digits and decimal exponent of a decimal text. */
function parts(text: string): { digits: string; exponent: number } {
  const negative = text.startsWith('-');
  const [mantissa, exp] = (negative ? text.slice(1) : text).split('e');
  const [int, frac = ''] = mantissa.split('.');
  let digits = (int + frac).replace(/^0+/, '');
  const leading = (int + frac).length - digits.length;
  const exponent = (exp === undefined ? 0 : Number(exp)) + int.length - 1 - leading;
  digits = digits.padEnd(17, '0');
  return { digits: (negative ? '-' : '') + digits, exponent };
}

const fromHex = (hex: string) => Buffer.from(hex, 'hex').readDoubleBE(0);

/** toPrecision(17) with the mantissa's trailing zeros dropped. */
function trimmed(value: number): string {
  const t = value.toPrecision(17);
  const e = t.indexOf('e');
  let m = e < 0 ? t : t.slice(0, e);
  if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
  return e < 0 ? m : m + t.slice(e);
}

describe('writeDecimalAt', () => {
  it("gives the digits of Python's exact decimal rounding", () => {
    expect(fixture.values.length).toBeGreaterThan(4000);
    for (const [hex, digits, exponent] of fixture.values) {
      const value = fromHex(hex);
      const text = formatDecimal(value);
      expect(parts(text), `${hex} → ${text}`).toEqual({ digits, exponent });
      expect(Number(text)).toBe(value);
    }
  });

  it('writes the same text as toPrecision(17) with trailing zeros dropped, and reads back', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const text = formatDecimal(value);
        expect(text).toBe(value === 0 ? '0' : trimmed(value));
        expect(Number(text) === value).toBe(true);
      }),
      { numRuns: 20000 },
    );
  });

  it('chooses fixed or exponential notation like toPrecision', () => {
    expect(formatDecimal(1.5)).toBe('1.5');
    expect(formatDecimal(-250)).toBe('-250');
    expect(formatDecimal(0.1)).toBe('0.10000000000000001');
    expect(formatDecimal(1e-6)).toBe('9.9999999999999995e-7');
    expect(formatDecimal(-0.00048828125)).toBe('-0.00048828125'); // 2^-11
    expect(formatDecimal(1e16)).toBe('10000000000000000');
    expect(formatDecimal(1e17)).toBe('1e+17');
    expect(formatDecimal(-3.25e25)).toBe('-3.25e+25');
    expect(formatDecimal(123456789012345.625)).toBe('123456789012345.63'); // a tie: away from zero
    expect(formatDecimal(5e-324)).toBe('4.9406564584124654e-324');
  });

  it('writes zero as 0 and nothing for NaN and infinities, within MAX_DECIMAL_BYTES', () => {
    const out = new Uint8Array(64);
    expect(writeDecimalAt(out, 3, [0], 0)).toBe(4);
    expect(writeDecimalAt(out, 3, [-0], 0)).toBe(4);
    expect(writeDecimalAt(out, 3, [NaN], 0)).toBe(3);
    expect(writeDecimalAt(out, 3, [-Infinity], 0)).toBe(3);
    for (const v of [
      -Number.MIN_VALUE,
      -Number.MAX_VALUE,
      -1.2345678901234567e-123,
      -0.0000012345678901234567,
    ])
      expect(writeDecimalAt(out, 0, [v], 0)).toBeLessThanOrEqual(MAX_DECIMAL_BYTES);
  });
});
