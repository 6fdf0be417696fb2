/**
 * Dynamic EIS on the cycler's timeline: each impedance sweep placed on the cycler record like a spectrum
 * (echem/align.ts), so that interphase resistances can be read against capacity, cycle and step, as the
 * NMR spectra are. A sweep's window runs from its first to its last point (a sweep of 1 MHz → 0.1 Hz takes
 * minutes); the cell state is taken at the window's mid-time and voltage and current are averaged over it.
 */
import { DataError } from '../core/errors.js';
import {
  alignSpectra,
  type AlignOptions,
  type AlignedSpectrum,
  type SpectrumWindow,
} from '../echem/align.js';
import type { CyclerSeries } from '../echem/series.js';
import type { TimedSpectrum } from '../io/eis/types.js';

/**
 * The window of each sweep in epoch ms: the file's start plus the times of the sweep's first and last
 * points. Sweeps without both (files with no acquisition date or no time column) cannot be placed.
 */
export function sweepWindows(series: readonly TimedSpectrum[]): SpectrumWindow[] {
  return series.map((t, k) => {
    const s = t.spectrum;
    const times = s.timeS;
    if (s.startMs === undefined || !times || times.length === 0) {
      throw new DataError(
        'impedance sweep has no absolute time, so it cannot be placed on the cycler record',
        {
          file: s.source,
          field: s.startMs === undefined ? 'acquisition start' : 'time column',
          found: `sweep ${k}`,
          expected: 'a file with its acquisition start and a time of every point (e.g. an EC-Lab export)',
        },
      );
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of times) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    return { startMs: s.startMs + lo * 1000, endMs: s.startMs + hi * 1000, label: s.source };
  });
}

/** True when every sweep of the series carries what sweepWindows needs. */
export function sweepsHaveTimes(series: readonly TimedSpectrum[]): boolean {
  return (
    series.length > 0 &&
    series.every((t) => t.spectrum.startMs !== undefined && (t.spectrum.timeS?.length ?? 0) > 0)
  );
}

/**
 * The cell state over each sweep. `options.offsetS` is how far the cycler clock runs ahead of the
 * impedance instrument's clock (0 when the cycler measured the impedance itself).
 */
export function alignSweeps(
  series: readonly TimedSpectrum[],
  cycler: CyclerSeries,
  options: AlignOptions = {},
): AlignedSpectrum[] {
  return alignSpectra(sweepWindows(series), cycler, options);
}
