/**
 * Fast decimal text for bulk numeric output (processed spectra, long tables). `writeDecimalAt` writes a
 * double as ASCII bytes straight into a buffer: its 17 significant digits correctly rounded (the digits
 * of `Number.prototype.toPrecision(17)`, so the text reads back as the same double), trailing zeros
 * dropped. It builds no string, and takes about half the time of `toPrecision` (bench/csv.bench.ts).
 *
 * How: the value is scaled into [10^7, 10^8) by an exact power of ten (10^0 … 10^22 are exact doubles),
 * with the product kept as an unevaluated sum of two doubles (Dekker's exact product; for a division,
 * the remainder from the same exact product), so the scaled value is known to about 2^-100 relative.
 * Its integer part gives the first eight digits and its fraction × 10^9 the other nine. Where that
 * fraction lies within 10^-6 of one half (a possible tie, where the rounding direction needs the exact
 * value) and for magnitudes outside [10^-15, 10^30), the digits come from `toPrecision(17)` itself.
 * Dekker, T. J., "A floating-point technique for extending the available precision", Numerische
 * Mathematik 18 (1971) 224–242, section 5 (exact product by splitting).
 */

const SPLITTER = 134217729; // 2^27 + 1: splits a double into two 26-bit halves
/** Exact powers of ten 10^0 … 10^22 and their halves from Dekker's split. */
const POW10 = new Float64Array(23);
const POW10_HI = new Float64Array(23);
const POW10_LO = new Float64Array(23);
for (let i = 0; i < 23; i++) {
  const p = Number(`1e${i}`);
  const c = SPLITTER * p;
  POW10[i] = p;
  POW10_HI[i] = c - (c - p);
  POW10_LO[i] = p - POW10_HI[i];
}
/** ASCII of 00 … 99. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 48 + Math.floor(i / 10);
  PAIRS[2 * i + 1] = 48 + (i % 10);
}

/** The most bytes `writeDecimalAt` writes for one value. */
export const MAX_DECIMAL_BYTES = 25;

/** Writes the 8 digits of the integer 0 ≤ x < 10^8 at out[p … p+7]. */
function put8(out: Uint8Array, p: number, x: number): void {
  // floor((x + ½)·10^-4) is exact for integers below 10^8; (y·5243) >>> 19 is ⌊y/100⌋ for y < 43,699
  const a4 = Math.floor((x + 0.5) * 1e-4);
  const b4 = x - a4 * 10000;
  const a1 = (a4 * 5243) >>> 19;
  const a2 = (a4 - a1 * 100) << 1;
  const b1 = (b4 * 5243) >>> 19;
  const b2 = (b4 - b1 * 100) << 1;
  out[p] = PAIRS[a1 << 1];
  out[p + 1] = PAIRS[(a1 << 1) + 1];
  out[p + 2] = PAIRS[a2];
  out[p + 3] = PAIRS[a2 + 1];
  out[p + 4] = PAIRS[b1 << 1];
  out[p + 5] = PAIRS[(b1 << 1) + 1];
  out[p + 6] = PAIRS[b2];
  out[p + 7] = PAIRS[b2 + 1];
}

/** The `toPrecision(17)` text with the mantissa's trailing zeros dropped (rare values). */
function writeSlow(out: Uint8Array, pos: number, value: number): number {
  const text = value.toPrecision(17);
  const e = text.indexOf('e');
  let mantissa = e < 0 ? text : text.slice(0, e);
  if (mantissa.includes('.')) mantissa = mantissa.replace(/0+$/, '').replace(/\.$/, '');
  const s = e < 0 ? mantissa : mantissa + text.slice(e);
  for (let i = 0; i < s.length; i++) out[pos++] = s.charCodeAt(i);
  return pos;
}

/**
 * Writes `values[index]` as decimal text into `out` at `pos` and returns the position after it (at most
 * MAX_DECIMAL_BYTES bytes; `out` must have room). Fixed notation for decimal exponents −6 … 16 (as
 * `toPrecision`), otherwise `d.ddde±k`; zero is `0`; NaN and ±Infinity write nothing (an empty CSV cell).
 * (The value is read here rather than passed: a double argument of a call that is not inlined is boxed,
 * which cost about a tenth of the time.)
 */
export function writeDecimalAt(
  out: Uint8Array,
  pos: number,
  values: ArrayLike<number>,
  index: number,
): number {
  const value = values[index];
  if (value === 0) {
    out[pos] = 48;
    return pos + 1;
  }
  if (!(value - value === 0)) return pos; // NaN, ±Infinity
  const a = value < 0 ? -value : value;
  let k = Math.floor(Math.log10(a));
  let hi = 0;
  let th = 0;
  let tl = 0;
  for (let attempt = 0; ; attempt++) {
    const q = 7 - k;
    if (q >= 0 && q <= 22) {
      th = a * POW10[q];
      const c = SPLITTER * a;
      const ah = c - (c - a);
      const al = a - ah;
      const ph = POW10_HI[q];
      const pl = POW10_LO[q];
      tl = ah * ph - th + ah * pl + al * ph + al * pl;
    } else if (q < 0 && q >= -22) {
      const d = POW10[-q];
      th = a / d;
      const c = SPLITTER * th;
      const hh = c - (c - th);
      const hl = th - hh;
      const dh = POW10_HI[-q];
      const dl = POW10_LO[-q];
      const ph = th * d;
      const pl = hh * dh - ph + hh * dl + hl * dh + hl * dl;
      tl = (a - ph - pl) / d;
    } else return writeSlow(out, pos, value);
    hi = Math.floor(th);
    if (hi === th && tl < 0) hi -= 1;
    if (hi >= 1e7 && hi < 1e8) break;
    if (attempt === 1) return writeSlow(out, pos, value);
    k += hi < 1e7 ? -1 : 1;
  }
  const lo = (th - hi + tl) * 1e9;
  let n9 = Math.floor(lo);
  const frac = lo - n9;
  if (frac > 0.499999 && frac < 0.500001) return writeSlow(out, pos, value);
  if (frac > 0.5) n9 += 1;
  if (n9 >= 1e9) {
    n9 -= 1e9;
    hi += 1;
    if (hi >= 1e8) {
      hi = 1e7;
      k += 1;
    }
  }
  if (value < 0) out[pos++] = 45; // -
  if (k >= 0 && k <= 16) {
    // the 17 digits one place to the right, then the first k + 1 moved left to make room for the point
    put8(out, pos + 1, hi);
    const d9 = Math.floor((n9 + 0.5) * 1e-8);
    out[pos + 9] = 48 + d9;
    put8(out, pos + 10, n9 - d9 * 1e8);
    for (let j = 0; j <= k; j++) out[pos + j] = out[pos + j + 1];
    out[pos + k + 1] = 46; // .
    let end = pos + 18;
    while (out[end - 1] === 48) end--;
    if (out[end - 1] === 46) end--;
    return end;
  }
  if (k < 0 && k >= -6) {
    out[pos++] = 48;
    out[pos++] = 46;
    for (let j = -1; j > k; j--) out[pos++] = 48;
    put8(out, pos, hi);
    const d9 = Math.floor((n9 + 0.5) * 1e-8);
    out[pos + 8] = 48 + d9;
    put8(out, pos + 9, n9 - d9 * 1e8);
    let end = pos + 17;
    while (out[end - 1] === 48) end--;
    return end;
  }
  // d.ddd…e±k
  put8(out, pos + 1, hi);
  const d9 = Math.floor((n9 + 0.5) * 1e-8);
  out[pos + 9] = 48 + d9;
  put8(out, pos + 10, n9 - d9 * 1e8);
  out[pos] = out[pos + 1];
  out[pos + 1] = 46;
  let end = pos + 18;
  while (out[end - 1] === 48) end--;
  if (out[end - 1] === 46) end--;
  out[end++] = 101; // e
  out[end++] = k < 0 ? 45 : 43;
  const e = k < 0 ? -k : k;
  if (e >= 10) out[end++] = 48 + Math.floor(e / 10);
  out[end++] = 48 + (e % 10);
  return end;
}

/** The text `writeDecimalAt` writes for one value (tests and small tables; bulk output writes bytes). */
export function formatDecimal(value: number): string {
  const buf = new Uint8Array(MAX_DECIMAL_BYTES);
  return Buffer.from(buf.buffer, 0, writeDecimalAt(buf, 0, [value], 0)).toString('latin1');
}
