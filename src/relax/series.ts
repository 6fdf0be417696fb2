/**
 * Preparing a series of intensities for a fit: the global sign, and the linewidth of a line for T2*.
 *
 * Sign: a series phased with one phase for every row (the phase of its strongest row) is either right or
 * 180° off as a whole; automatic phasing cannot tell absorption from inverted absorption. Each experiment
 * has one row whose sign is known, and the series is turned so that row is positive: the longest delay
 * of a T1 recovery (relaxed towards +M0), the shortest echo time of a T2 decay, and for nutation the
 * shortest pulse with a clear signal (below π the tip gives positive magnetization).
 */
import type { PpmRange } from '../nmr/types.js';

export type SeriesKind = 't1' | 't2' | 'nutation';

/** +1 or −1: the factor that makes the series' reference row positive (see the header). */
export function seriesSign(kind: SeriesKind, x: ArrayLike<number>, y: ArrayLike<number>): 1 | -1 {
  const n = x.length;
  if (n === 0) return 1;
  let ref = 0;
  if (kind === 't1') {
    for (let i = 1; i < n; i++) if (x[i] > x[ref]) ref = i;
  } else if (kind === 't2') {
    for (let i = 1; i < n; i++) if (x[i] < x[ref]) ref = i;
  } else {
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(y[i]));
    let best = -1;
    for (let i = 0; i < n; i++) if (Math.abs(y[i]) >= 0.2 * max && (best < 0 || x[i] < x[best])) best = i;
    ref = Math.max(0, best);
  }
  return y[ref] < 0 ? -1 : 1;
}

/**
 * Full width at half maximum of the tallest peak of the real part inside `regionPpm`, ppm, with the
 * half-height crossings interpolated linearly between points. Null when the peak is not positive or a
 * flank does not drop below half height inside the region.
 */
export function fwhmPpm(
  spectrum: { ppm: Float64Array; re: Float64Array },
  regionPpm: PpmRange,
): { fwhmPpm: number; peakPpm: number } | null {
  const { ppm, re } = spectrum;
  const lo = Math.min(regionPpm[0], regionPpm[1]);
  const hi = Math.max(regionPpm[0], regionPpm[1]);
  let top = -1;
  for (let i = 0; i < ppm.length; i++)
    if (ppm[i] >= lo && ppm[i] <= hi && (top < 0 || re[i] > re[top])) top = i;
  if (top < 0 || !(re[top] > 0)) return null;
  const half = re[top] / 2;
  const inside = (i: number) => i >= 0 && i < ppm.length && ppm[i] >= lo && ppm[i] <= hi;
  const crossing = (dir: 1 | -1): number | null => {
    let i = top;
    while (inside(i + dir) && re[i + dir] > half) i += dir;
    const j = i + dir;
    if (!inside(j)) return null;
    const t = (re[i] - half) / (re[i] - re[j]);
    return ppm[i] + t * (ppm[j] - ppm[i]);
  };
  const a = crossing(-1);
  const b = crossing(1);
  if (a === null || b === null) return null;
  return { fwhmPpm: Math.abs(a - b), peakPpm: ppm[top] };
}
