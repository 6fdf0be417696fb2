/**
 * Dynamic EIS: many sweeps, either repeated inside one file (EC-Lab PEIS loops, a cycler protocol that
 * interleaves impedance) or one file per sweep. Each sweep becomes a TimedSpectrum stamped with its
 * mid-sweep time so that it can be placed on the cycler and NMR timelines.
 */
import { DataError } from '../../core/errors.js';
import { wallClockFromUtcMs, wallClockToEpochMs } from '../cycler/time.js';
import { readImpedance, type ReadImpedanceOptions } from './detect.js';
import type { ImpedanceSpectrum, TimedSpectrum } from './types.js';

function slice(s: ImpedanceSpectrum, from: number, to: number, k: number, count: number): ImpedanceSpectrum {
  return {
    freqHz: s.freqHz.slice(from, to),
    zReOhm: s.zReOhm.slice(from, to),
    zImOhm: s.zImOhm.slice(from, to),
    ...(s.timeS ? { timeS: s.timeS.slice(from, to) } : {}),
    ...(s.startMs !== undefined ? { startMs: s.startMs } : {}),
    source: count > 1 ? `${s.source}#${k + 1}` : s.source,
    format: s.format,
  };
}

function midTime(s: ImpedanceSpectrum): number | undefined {
  if (!s.timeS || s.timeS.length === 0) return undefined;
  return (s.timeS[0] + s.timeS[s.timeS.length - 1]) / 2;
}

/**
 * Splits a file holding several sweeps. Boundaries come from a per-point cycle index when the file has
 * one (EC-Lab `cycle number`), otherwise from the frequency jumping back to the start of the sweep
 * direction (a new sweep starts where the frequency reverses).
 */
export function splitSweeps(s: ImpedanceSpectrum & { cycle?: Float64Array }): TimedSpectrum[] {
  const n = s.freqHz.length;
  const starts = [0];
  if (s.cycle && s.cycle.length === n) {
    for (let i = 1; i < n; i++) if (s.cycle[i] !== s.cycle[i - 1]) starts.push(i);
  } else if (n > 2) {
    const dir = Math.sign(s.freqHz[1] - s.freqHz[0]);
    for (let i = 2; i < n; i++) {
      const d = Math.sign(s.freqHz[i] - s.freqHz[i - 1]);
      if (d !== dir && d !== 0 && i - starts[starts.length - 1] > 1) starts.push(i);
    }
  }
  starts.push(n);
  const out: TimedSpectrum[] = [];
  for (let k = 0; k + 1 < starts.length; k++) {
    const sweep = slice(s, starts[k], starts[k + 1], k, starts.length - 1);
    const mid = midTime(sweep) ?? k;
    out.push({
      spectrum: sweep,
      timeS: mid,
      ...(s.startMs !== undefined && sweep.timeS ? { timeMs: s.startMs + mid * 1000 } : {}),
    });
  }
  return out;
}

export interface SeriesReadOptions extends ReadImpedanceOptions {
  /**
   * Time between files, s, for files that carry no absolute start time (the files are then taken as
   * evenly spaced in the order given).
   */
  intervalS?: number;
  /**
   * Time zone of the instrument PC's clock (UTC, +01:00, Europe/Berlin; default UTC). The readers take a
   * file's wall-clock start as UTC; this re-reads it in the zone, as the cycler files are read, so that
   * sweeps can be placed on the cycler record.
   */
  timezone?: string;
}

/** The spectrum with its wall-clock start read in `zone` instead of UTC. */
function inZone(s: ImpedanceSpectrum, zone: string | undefined): ImpedanceSpectrum {
  if (s.startMs === undefined || zone === undefined) return s;
  return { ...s, startMs: wallClockToEpochMs(wallClockFromUtcMs(s.startMs), zone) };
}

/**
 * Reads one sweep per file (or several sweeps per file) into a time-ordered series. Times are seconds
 * from the earliest absolute start when every file has one; otherwise `intervalS` spaces the files.
 */
export function readImpedanceSeries(
  paths: readonly string[],
  options: SeriesReadOptions = {},
): TimedSpectrum[] {
  if (paths.length === 0)
    throw new DataError('no files given for the series', {
      field: 'paths',
      found: 0,
      expected: 'at least one impedance file',
    });
  const perFile = paths.map((p) => splitSweeps(inZone(readImpedance(p, options), options.timezone)));
  const absolute = perFile.every((sweeps) => sweeps.every((t) => t.timeMs !== undefined));
  let items: TimedSpectrum[];
  if (absolute) {
    const all = perFile.flat();
    const t0 = Math.min(...all.map((t) => t.spectrum.startMs as number));
    items = all.map((t) => ({ ...t, timeS: ((t.timeMs as number) - t0) / 1000 }));
  } else if (paths.length === 1) {
    items = perFile[0];
  } else {
    if (options.intervalS === undefined) {
      const missing = paths.find((_, i) => perFile[i].some((t) => t.timeMs === undefined));
      throw new DataError('file has no absolute start time, so the series cannot be placed in time', {
        file: missing,
        field: 'start time',
        expected: 'files with acquisition dates, or an interval between files (intervalS / --interval)',
      });
    }
    const dt = options.intervalS;
    items = perFile.flatMap((sweeps, i) =>
      sweeps.map((t) => ({ spectrum: t.spectrum, timeS: i * dt + (sweeps.length > 1 ? t.timeS : 0) })),
    );
  }
  return items.sort((a, b) => a.timeS - b.timeS);
}
