/**
 * Three-electrode impedance: a cell measured against a reference electrode gives the positive and the
 * negative electrode's spectra beside the full cell's. In series, Z_full(f) = Z₊(f) + Z₋(f); the check
 * interpolates both electrodes onto the full cell's frequencies (linear in log f, real and imaginary
 * parts separately, only inside the range all three share) and reports |Z₊ + Z₋ − Z_full| / |Z_full| per
 * frequency, so a misplaced reference, a swapped lead or spectra of different states show up.
 */
import { DataError } from '../core/errors.js';
import type { SpectrumData } from './spectrum.js';

export interface ThreeElectrodeCheck {
  /** Full-cell frequencies inside the shared range, Hz. */
  readonly freqHz: Float64Array;
  /** (Z₊ + Z₋)(f), Ω. */
  readonly sumReOhm: Float64Array;
  readonly sumImOhm: Float64Array;
  /** |Z₊ + Z₋ − Z_full| / |Z_full| per frequency. */
  readonly relativeResidual: Float64Array;
  readonly maxRelativeResidual: number;
  readonly medianRelativeResidual: number;
  /** Frequency of the largest residual, Hz. */
  readonly worstFreqHz: number;
  /** Full-cell points left out because an electrode spectrum does not reach them. */
  readonly pointsOutside: number;
  readonly pass: boolean;
  readonly threshold: number;
}

/** Re and Im of a spectrum at f, linear in log f between its neighbouring points (f inside its range). */
function at(s: SpectrumData, f: number): [number, number] {
  const n = s.freqHz.length;
  const x = Math.log(f);
  let best = -1;
  for (let i = 0; i + 1 < n; i++) {
    const a = Math.log(s.freqHz[i]);
    const b = Math.log(s.freqHz[i + 1]);
    if ((x - a) * (x - b) <= 0) {
      best = i;
      break;
    }
  }
  if (best < 0) return [NaN, NaN];
  const a = Math.log(s.freqHz[best]);
  const b = Math.log(s.freqHz[best + 1]);
  const t = b === a ? 0 : (x - a) / (b - a);
  return [
    s.zReOhm[best] + t * (s.zReOhm[best + 1] - s.zReOhm[best]),
    s.zImOhm[best] + t * (s.zImOhm[best + 1] - s.zImOhm[best]),
  ];
}

export function checkThreeElectrode(
  positive: SpectrumData,
  negative: SpectrumData,
  full: SpectrumData,
  threshold = 0.05,
): ThreeElectrodeCheck {
  const f: number[] = [];
  const re: number[] = [];
  const im: number[] = [];
  const res: number[] = [];
  let outside = 0;
  for (let i = 0; i < full.freqHz.length; i++) {
    const fi = full.freqHz[i];
    const [pr, pi] = at(positive, fi);
    const [nr, ni] = at(negative, fi);
    if (!Number.isFinite(pr) || !Number.isFinite(nr)) {
      outside++;
      continue;
    }
    const sr = pr + nr;
    const si = pi + ni;
    const mag = Math.hypot(full.zReOhm[i], full.zImOhm[i]);
    f.push(fi);
    re.push(sr);
    im.push(si);
    res.push(Math.hypot(sr - full.zReOhm[i], si - full.zImOhm[i]) / mag);
  }
  if (f.length < 3)
    throw new DataError('the electrode spectra and the full cell share fewer than three frequencies', {
      file: full.source,
      field: 'frequency',
      found: f.length,
      expected: 'overlapping frequency ranges (the same sweep on all three channels)',
    });
  const sorted = [...res].sort((a, b) => a - b);
  const m = sorted.length >> 1;
  let worst = 0;
  for (let k = 1; k < res.length; k++) if (res[k] > res[worst]) worst = k;
  return {
    freqHz: Float64Array.from(f),
    sumReOhm: Float64Array.from(re),
    sumImOhm: Float64Array.from(im),
    relativeResidual: Float64Array.from(res),
    maxRelativeResidual: res[worst],
    medianRelativeResidual: sorted.length % 2 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]),
    worstFreqHz: f[worst],
    pointsOutside: outside,
    pass: res[worst] <= threshold,
    threshold,
  };
}
