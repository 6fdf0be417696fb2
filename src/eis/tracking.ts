/**
 * DRT peaks followed across the sweeps of a dynamic-EIS series: which peak of sweep k+1 continues which
 * track of sweep k. Peaks are linked to the nearest track in log10 τ (each track and each peak used once,
 * closest pairs first), within `maxJumpDecades`; a peak with no track near it starts a new track, and a
 * track that finds no peak is left open for `maxGap` sweeps before it ends. The result is the table
 * researchers plot as resistance and time constant of each process against time.
 */
import type { DrtPeak } from './drt.js';

export interface TrackedPoint {
  readonly sweep: number;
  readonly log10TauS: number;
  readonly freqHz: number;
  readonly resistanceOhm: number;
}

export interface PeakTrack {
  readonly id: number;
  readonly points: TrackedPoint[];
  /** Median log10 τ of the track. */
  readonly log10TauS: number;
}

export interface TrackOptions {
  /** Largest change of log10 τ between linked peaks (default 0.5 decade). */
  readonly maxJumpDecades?: number;
  /** Sweeps a track may miss before it ends (default 1). */
  readonly maxGap?: number;
  /** Peaks below this resistance are ignored (default 0). */
  readonly minResistanceOhm?: number;
}

export function trackDrtPeaks(
  peaks: readonly (readonly DrtPeak[])[],
  options: TrackOptions = {},
): PeakTrack[] {
  const maxJump = options.maxJumpDecades ?? 0.5;
  const maxGap = options.maxGap ?? 1;
  const minR = options.minResistanceOhm ?? 0;
  const tracks: { id: number; points: TrackedPoint[]; lastSweep: number }[] = [];
  peaks.forEach((sweepPeaks, sweep) => {
    const candidates = sweepPeaks.filter((p) => p.resistanceOhm >= minR);
    const open = tracks.filter((t) => sweep - t.lastSweep <= maxGap + 1);
    const pairs: { t: (typeof tracks)[number]; p: DrtPeak; d: number }[] = [];
    for (const t of open) {
      const last = t.points[t.points.length - 1];
      for (const p of candidates) {
        const d = Math.abs(p.log10TauS - last.log10TauS);
        if (d <= maxJump) pairs.push({ t, p, d });
      }
    }
    pairs.sort((a, b) => a.d - b.d);
    const usedTracks = new Set<number>();
    const usedPeaks = new Set<DrtPeak>();
    for (const { t, p } of pairs) {
      if (usedTracks.has(t.id) || usedPeaks.has(p)) continue;
      usedTracks.add(t.id);
      usedPeaks.add(p);
      t.points.push({ sweep, log10TauS: p.log10TauS, freqHz: p.freqHz, resistanceOhm: p.resistanceOhm });
      t.lastSweep = sweep;
    }
    for (const p of candidates)
      if (!usedPeaks.has(p))
        tracks.push({
          id: tracks.length + 1,
          points: [{ sweep, log10TauS: p.log10TauS, freqHz: p.freqHz, resistanceOhm: p.resistanceOhm }],
          lastSweep: sweep,
        });
  });
  return tracks.map((t) => {
    const taus = t.points.map((p) => p.log10TauS).sort((a, b) => a - b);
    return { id: t.id, points: t.points, log10TauS: taus[Math.floor(taus.length / 2)] };
  });
}
