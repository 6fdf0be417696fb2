/**
 * Axis scales: data value → pixel. A domain may be given high-to-low (e.g. [300, 200] ppm) to get the
 * reversed chemical-shift axis NMR uses; everything downstream works with the mapping and never needs
 * to know the axis is reversed.
 */
import { ParameterError } from '../../core/errors.js';
import { superscript, withMinus } from './text.js';

export type ScaleKind = 'linear' | 'log';

export interface Scale {
  readonly kind: ScaleKind;
  /** As given: the value at range[0] first. */
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  /** Pixel position; NaN for values a log axis cannot show (≤ 0) or non-finite input. */
  map(value: number): number;
  invert(pixel: number): number;
  /** Tick values inside the domain, ascending. */
  ticks(target?: number): number[];
  /** Unlabelled minor ticks (log axes: 2…9 × each decade); empty for linear axes. */
  minorTicks(): number[];
  /** Label for a tick value, consistent across the ticks of this axis. */
  tickLabel(value: number, ticks: number[]): string;
}

function checkDomain(domain: readonly [number, number], kind: ScaleKind): void {
  const [a, b] = domain;
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === b) {
    throw new ParameterError('axis domain must be two different finite numbers', { found: [a, b] });
  }
  if (kind === 'log' && (a <= 0 || b <= 0)) {
    throw new ParameterError('log axis domain must be positive', { found: [a, b] });
  }
}

/** Step of "nice" ticks (1, 2 or 5 × 10^k) giving roughly `target` intervals over `span`. */
export function niceStep(span: number, target = 5): number {
  const raw = Math.abs(span) / Math.max(1, target);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  // Thresholds at the geometric means between 1, 2, 5, 10 pick the closest step on a log scale.
  const factor = norm >= Math.sqrt(50) ? 10 : norm >= Math.sqrt(10) ? 5 : norm >= Math.sqrt(2) ? 2 : 1;
  return factor * magnitude;
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/** Nice tick values within [lo, hi] (either order), ascending, free of floating-point fuzz. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  const a = Math.min(lo, hi);
  const b = Math.max(lo, hi);
  if (!(b > a) || !Number.isFinite(a) || !Number.isFinite(b)) return Number.isFinite(a) ? [a] : [];
  const step = niceStep(b - a, target);
  const decimals = decimalsOf(step);
  const first = Math.ceil(a / step - 1e-9);
  const last = Math.floor(b / step + 1e-9);
  // Guards against spans at the limits of double precision, where the tick count would explode.
  if (!(last - first <= 1000)) return [];
  const out: number[] = [];
  for (let k = first; k <= last; k++) out.push(Number((k * step).toFixed(Math.min(20, decimals))));
  return out;
}

/** Widens [lo, hi] outward to multiples of the nice step, so the axis starts and ends on a tick. */
export function niceDomain(lo: number, hi: number, target = 5): [number, number] {
  const a = Math.min(lo, hi);
  const b = Math.max(lo, hi);
  const step = niceStep(b - a, target);
  const decimals = Math.min(20, decimalsOf(step));
  return [
    Number((Math.floor(a / step + 1e-9) * step).toFixed(decimals)),
    Number((Math.ceil(b / step - 1e-9) * step).toFixed(decimals)),
  ];
}

/** Label for linear ticks: as many decimals as the step needs; scientific for very large or small values. */
export function formatLinearTick(value: number, ticks: number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(value) || 1;
  const largest = Math.max(...ticks.map(Math.abs), Math.abs(value));
  if (value === 0 && largest === 0) return '0';
  if (largest >= 1e6 || largest < 1e-3) {
    if (value === 0) return '0';
    const exponent = Math.floor(Math.log10(largest));
    const mantissaDecimals = Math.max(0, decimalsOf(step / 10 ** exponent));
    const mantissa = (value / 10 ** exponent).toFixed(Math.min(20, mantissaDecimals));
    return `${withMinus(mantissa)}×10${superscript(String(exponent))}`;
  }
  const fixed = value.toFixed(Math.min(20, decimalsOf(step)));
  return /^-0\.?0*$/.test(fixed) ? fixed.slice(1) : withMinus(fixed);
}

function isPowerOfTen(value: number): boolean {
  const e = Math.log10(value);
  return Math.abs(e - Math.round(e)) < 1e-9;
}

/**
 * Label for log ticks: 10ⁿ when every tick is a power of ten; plain numbers for 1-2-5 ticks (short
 * ranges), where "10¹" next to "20" and "50" would read oddly.
 */
export function formatLogTick(value: number, ticks: number[] = [value]): string {
  if (ticks.every(isPowerOfTen)) return `10${superscript(String(Math.round(Math.log10(value))))}`;
  return withMinus(value.toFixed(Math.min(20, Math.max(0, -Math.floor(Math.log10(value) + 1e-9)))));
}

export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  checkDomain(domain, 'linear');
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = (r1 - r0) / (d1 - d0);
  return {
    kind: 'linear',
    domain: [d0, d1],
    range: [r0, r1],
    map: (v) => (Number.isFinite(v) ? r0 + (v - d0) * k : NaN),
    invert: (p) => d0 + (p - r0) / k,
    ticks: (target = 5) => niceTicks(d0, d1, target),
    minorTicks: () => [],
    tickLabel: formatLinearTick,
  };
}

/** Decade ticks 10^k inside the domain, thinned to about `target`; 1-2-5 ticks when under two decades. */
export function logTicks(lo: number, hi: number, target = 6): number[] {
  const a = Math.min(lo, hi);
  const b = Math.max(lo, hi);
  const k0 = Math.ceil(Math.log10(a) - 1e-9);
  const k1 = Math.floor(Math.log10(b) + 1e-9);
  if (k1 - k0 + 1 >= 3) {
    const every = Math.max(1, Math.ceil((k1 - k0 + 1) / Math.max(1, target)));
    const out: number[] = [];
    for (let k = k0; k <= k1; k++) if ((k - k0) % every === 0) out.push(10 ** k);
    return out.map((v) => Number(v.toPrecision(12)));
  }
  const out: number[] = [];
  for (let k = Math.floor(Math.log10(a)); k <= Math.ceil(Math.log10(b)); k++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * 10 ** k).toPrecision(12));
      if (v >= a * (1 - 1e-9) && v <= b * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

export function logScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  checkDomain(domain, 'log');
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const l0 = Math.log10(d0);
  const k = (r1 - r0) / (Math.log10(d1) - l0);
  return {
    kind: 'log',
    domain: [d0, d1],
    range: [r0, r1],
    map: (v) => (v > 0 && Number.isFinite(v) ? r0 + (Math.log10(v) - l0) * k : NaN),
    invert: (p) => 10 ** (l0 + (p - r0) / k),
    ticks: (target = 6) => logTicks(d0, d1, target),
    minorTicks: () => {
      const a = Math.min(d0, d1);
      const b = Math.max(d0, d1);
      const out: number[] = [];
      for (let e = Math.floor(Math.log10(a)); e <= Math.ceil(Math.log10(b)); e++) {
        for (let m = 2; m <= 9; m++) {
          const v = m * 10 ** e;
          if (v >= a && v <= b) out.push(v);
        }
      }
      return out;
    },
    tickLabel: formatLogTick,
  };
}

export function makeScale(
  kind: ScaleKind,
  domain: readonly [number, number],
  range: readonly [number, number],
): Scale {
  return kind === 'log' ? logScale(domain, range) : linearScale(domain, range);
}

/** Finite extent of several arrays (positive values only for log axes); null when there is none. */
export function extent(arrays: ArrayLike<number>[], kind: ScaleKind = 'linear'): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!Number.isFinite(v) || (kind === 'log' && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}

/**
 * Axis domain for data: padded by `pad` of the span (linear) or of the decades (log), widened when all
 * values are equal so that a constant series is drawn as a line in the middle rather than failing.
 */
export function paddedDomain(
  ext: [number, number],
  kind: ScaleKind,
  pad = 0.04,
  nice = false,
): [number, number] {
  let [lo, hi] = ext;
  if (kind === 'log') {
    let l0 = Math.log10(lo);
    let l1 = Math.log10(hi);
    if (l1 - l0 < 1e-9) {
      l0 -= 0.5;
      l1 += 0.5;
    }
    const p = (l1 - l0) * pad;
    return [10 ** (l0 - p), 10 ** (l1 + p)];
  }
  if (hi - lo <= Math.abs(hi) * 1e-12) {
    const half = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= half;
    hi += half;
  }
  const p = (hi - lo) * pad;
  const padded: [number, number] = [lo - p, hi + p];
  return nice ? niceDomain(padded[0], padded[1]) : padded;
}
