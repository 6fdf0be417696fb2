/**
 * One time convention for every result table (integrate, fit, morphology, align, and the manifest's
 * integrals.csv, morphology.csv and aligned.csv): each spectrum's acquisition window as ISO 8601 UTC
 * start, mid and end, and `time_s`, the mid-time in seconds after the START of the series' first
 * acquisition (the experiment's time zero). Documented in the README ("Output conventions").
 */
export const TIME_COLUMNS = ['start_iso', 'mid_iso', 'end_iso', 'time_s'] as const;

const iso = (ms: number | null): string | null =>
  ms !== null && Number.isFinite(ms) ? new Date(ms).toISOString() : null;

/** Mid-time of a window, epoch ms (the one end known when the other is not). */
export function windowMidMs(startMs: number | null, endMs: number | null): number | null {
  if (startMs !== null && endMs !== null) return 0.5 * (startMs + endMs);
  return startMs ?? endMs;
}

/** The TIME_COLUMNS cells of one window; `originMs` is the first acquisition's start. */
export function timeCells(
  startMs: number | null,
  endMs: number | null,
  originMs: number | null,
): (string | number | null)[] {
  const mid = windowMidMs(startMs, endMs);
  return [
    iso(startMs),
    iso(mid),
    iso(endMs),
    mid !== null && originMs !== null && Number.isFinite(originMs) ? (mid - originMs) / 1000 : null,
  ];
}
