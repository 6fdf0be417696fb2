/** Input checks shared by the figures: mismatched arrays are a caller's bug and get a typed error. */
import { DataError } from '../../core/errors.js';

export function requireSameLength(field: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw new DataError('arrays of different length', {
      field,
      found: `${a.length} and ${b.length}`,
      expected: 'equal lengths',
    });
  }
}

export function hasFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) return true;
  return false;
}

/** True when some index has both coordinates finite, i.e. there is at least one drawable point. */
export function hasFinitePair(x: ArrayLike<number>, y: ArrayLike<number>): boolean {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (Number.isFinite(x[i]) && Number.isFinite(y[i])) return true;
  return false;
}

/** Display time unit for seconds: hours beyond two hours of data, minutes beyond two minutes. */
export type TimeUnit = 's' | 'min' | 'h';

export function autoTimeUnit(spanS: number): TimeUnit {
  return spanS >= 7200 ? 'h' : spanS >= 120 ? 'min' : 's';
}

export function timeDivisor(unit: TimeUnit): number {
  return unit === 'h' ? 3600 : unit === 'min' ? 60 : 1;
}

export function toUnit(timeS: ArrayLike<number>, unit: TimeUnit): Float64Array {
  const d = timeDivisor(unit);
  const out = new Float64Array(timeS.length);
  for (let i = 0; i < timeS.length; i++) out[i] = timeS[i] / d;
  return out;
}
