/**
 * Checks an impedance spectrum before analysis and brings it to a canonical form. Every analysis in
 * eis/ calls this first so that bad input fails the same way everywhere: too few points, non-finite
 * values, non-positive or duplicate frequencies, unsorted sweeps, zero impedance, and a sign convention
 * that looks flipped (a file that stored −Z″ read as Z″).
 */
import { DataError } from '../core/errors.js';
import type { ImpedanceSpectrum } from '../io/eis/types.js';

/** Arrays of a checked spectrum. */
export interface SpectrumData {
  readonly freqHz: Float64Array;
  readonly zReOhm: Float64Array;
  readonly zImOhm: Float64Array;
  /** Where it came from, for error messages. */
  readonly source?: string;
}

export interface CheckOptions {
  /** Minimum number of frequencies (default 5). */
  minPoints?: number;
  /**
   * Accept spectra whose imaginary part is mostly positive (inductive cells). By default a mostly
   * positive Z″ is taken as a flipped sign convention and rejected.
   */
  allowPositiveImag?: boolean;
}

/** Validates the spectrum; returns it unchanged (same arrays) when it passes. */
export function checkSpectrum(s: SpectrumData | ImpedanceSpectrum, options: CheckOptions = {}): SpectrumData {
  const file = s.source;
  const n = s.freqHz.length;
  const minPoints = options.minPoints ?? 5;
  if (s.zReOhm.length !== n || s.zImOhm.length !== n) {
    throw new DataError('frequency and impedance arrays differ in length', {
      file,
      field: 'zReOhm/zImOhm',
      found: [n, s.zReOhm.length, s.zImOhm.length],
      expected: 'equal lengths',
    });
  }
  if (n < minPoints) {
    throw new DataError('too few frequencies', {
      file,
      field: 'freqHz',
      found: n,
      expected: `at least ${minPoints}`,
    });
  }
  for (let i = 0; i < n; i++) {
    const f = s.freqHz[i];
    if (!Number.isFinite(f) || f <= 0) {
      throw new DataError('frequency is not a positive finite number', {
        file,
        field: `freqHz[${i}]`,
        found: f,
        expected: '> 0',
      });
    }
    if (!Number.isFinite(s.zReOhm[i]) || !Number.isFinite(s.zImOhm[i])) {
      throw new DataError('impedance is not finite', {
        file,
        field: `point ${i} (${f} Hz)`,
        found: [s.zReOhm[i], s.zImOhm[i]],
        expected: 'finite Z′ and Z″',
      });
    }
    if (s.zReOhm[i] === 0 && s.zImOhm[i] === 0) {
      throw new DataError('impedance is zero', {
        file,
        field: `point ${i} (${f} Hz)`,
        found: 0,
        expected: '|Z| > 0',
      });
    }
  }
  const dir = Math.sign(s.freqHz[1] - s.freqHz[0]);
  for (let i = 1; i < n; i++) {
    const d = s.freqHz[i] - s.freqHz[i - 1];
    if (d === 0) {
      throw new DataError('duplicate frequency', {
        file,
        field: `freqHz[${i}]`,
        found: s.freqHz[i],
        expected: 'distinct frequencies (one sweep; split repeated sweeps into a series)',
      });
    }
    if (Math.sign(d) !== dir) {
      throw new DataError('frequencies are not sorted', {
        file,
        field: `freqHz[${i}]`,
        found: `${s.freqHz[i - 1]} then ${s.freqHz[i]}`,
        expected: 'a monotonic sweep (one sweep; split repeated sweeps into a series)',
      });
    }
  }
  if (!options.allowPositiveImag) {
    let positive = 0;
    for (let i = 0; i < n; i++) if (s.zImOhm[i] > 0) positive++;
    // A battery or electrolyte cell is capacitive over most of a sweep; inductive points only appear at
    // the high-frequency end. A majority of positive Z″ means the column held −Z″.
    if (positive > n / 2) {
      throw new DataError(
        'imaginary part is positive at most frequencies: the data look like −Z″ read as Z″',
        {
          file,
          field: 'zImOhm',
          found: `${positive} of ${n} points with Z″ > 0`,
          expected:
            'Z″ < 0 for capacitive behaviour (declare the file’s convention, e.g. --imag minus-z, or allow positive Z″ for inductive data)',
        },
      );
    }
  }
  return {
    freqHz: s.freqHz,
    zReOhm: s.zReOhm,
    zImOhm: s.zImOhm,
    ...(file !== undefined ? { source: file } : {}),
  };
}

/** Keeps the points selected by `keep(i)`. */
export function selectPoints(s: SpectrumData, keep: (i: number) => boolean): SpectrumData {
  const idx: number[] = [];
  for (let i = 0; i < s.freqHz.length; i++) if (keep(i)) idx.push(i);
  return {
    freqHz: Float64Array.from(idx, (i) => s.freqHz[i]),
    zReOhm: Float64Array.from(idx, (i) => s.zReOhm[i]),
    zImOhm: Float64Array.from(idx, (i) => s.zImOhm[i]),
    ...(s.source !== undefined ? { source: s.source } : {}),
  };
}

/** Keeps the capacitive points (Z″ < 0), the usual preprocessing before fitting battery spectra. */
export function capacitiveOnly(s: SpectrumData): SpectrumData {
  return selectPoints(s, (i) => s.zImOhm[i] < 0);
}

/** Keeps points with fMinHz ≤ f ≤ fMaxHz. */
export function frequencyWindow(s: SpectrumData, fMinHz: number, fMaxHz: number): SpectrumData {
  return selectPoints(s, (i) => s.freqHz[i] >= fMinHz && s.freqHz[i] <= fMaxHz);
}

/**
 * Area-specific impedance Z·A (Ω cm² for A in cm²): what the papers plot and compare between cells of
 * different size. Resistances fitted to it come out in Ω cm², capacitances in F cm⁻².
 */
export function areaSpecific(s: SpectrumData, areaCm2: number): SpectrumData {
  return {
    ...s,
    zReOhm: Float64Array.from(s.zReOhm, (z) => z * areaCm2),
    zImOhm: Float64Array.from(s.zImOhm, (z) => z * areaCm2),
  };
}
