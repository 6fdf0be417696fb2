/** Synthetic inputs for the figure tests: a small operando series with a plating/stripping profile. */
import type { FractionsInput } from '../../src/report/index.js';

export function lorentz(x: number, centre: number, fwhm: number, area: number): number {
  const g = fwhm / 2;
  return (area * g) / (Math.PI * ((x - centre) ** 2 + g * g));
}

/** Deterministic noise (no Math.random, so rendered figures are reproducible). */
export function noise(i: number, seed = 1): number {
  const s = Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453;
  return s - Math.floor(s) - 0.5;
}

export function ppmAxis(n = 1024, hi = 400, lo = 100): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => hi - ((hi - lo) * i) / (n - 1));
}

export interface SyntheticSeries {
  ppm: Float64Array;
  timeS: Float64Array;
  spectra: Float64Array[];
  voltage: { timeS: Float64Array; voltageV: Float64Array };
  mossy: Float64Array;
  dense: Float64Array;
  dendritic: Float64Array;
}

export function operandoSeries(nSpectra = 24, nPoints = 1024): SyntheticSeries {
  const ppm = ppmAxis(nPoints);
  const totalS = 8 * 3600;
  const timeS = Float64Array.from({ length: nSpectra }, (_, k) => ((k + 0.5) * totalS) / nSpectra);
  // Microstructure grows during plating (first half) and partly disappears on stripping.
  const growth = (t: number) =>
    t < totalS / 2 ? t / (totalS / 2) : 1 - 0.7 * ((t - totalS / 2) / (totalS / 2));
  const mossy = Float64Array.from(timeS, (t) => 0.6 * growth(t));
  const dendritic = Float64Array.from(timeS, (t) => 0.2 * growth(t) ** 2);
  const dense = Float64Array.from(timeS, (_, k) => 1 - mossy[k] - dendritic[k]);
  const spectra = Array.from(timeS, (t, k) =>
    Float64Array.from(
      ppm,
      (p, i) =>
        lorentz(p, 245, 4, 100) +
        lorentz(p, 257, 8, 100 * mossy[k]) +
        lorentz(p, 267, 10, 60 * dendritic[k]) +
        0.05 * noise(i, k),
    ),
  );
  const nV = 800;
  const vt = Float64Array.from({ length: nV }, (_, i) => (i * totalS) / (nV - 1));
  const vv = Float64Array.from(vt, (t) =>
    t < totalS / 2 ? -0.03 - 0.02 * Math.exp(-t / 600) : 0.03 + 0.05 * (t / totalS) ** 6,
  );
  return { ppm, timeS, spectra, voltage: { timeS: vt, voltageV: vv }, mossy, dense, dendritic };
}

/** The series' morphology fractions as a stacked-fractions figure input, dense at the bottom. */
export function morphologyFractions(s: SyntheticSeries): FractionsInput {
  return {
    timeS: s.timeS,
    series: [
      { label: 'dense', values: s.dense },
      { label: 'mossy', values: s.mossy },
      { label: 'dendritic', values: s.dendritic },
    ],
  };
}

/** Impedance of R0 + (R1‖CPE-like C1) + (R2‖C2). */
export function rcImpedance(
  freqHz: Float64Array,
  r0 = 5,
  r1 = 20,
  c1 = 1e-5,
  r2 = 40,
  c2 = 1e-3,
): { zReOhm: Float64Array; zImOhm: Float64Array } {
  const zRe = new Float64Array(freqHz.length);
  const zIm = new Float64Array(freqHz.length);
  freqHz.forEach((f, i) => {
    const w = 2 * Math.PI * f;
    let re = r0;
    let im = 0;
    for (const [r, c] of [
      [r1, c1],
      [r2, c2],
    ]) {
      const wrc = w * r * c;
      re += r / (1 + wrc * wrc);
      im += (-r * wrc) / (1 + wrc * wrc);
    }
    zRe[i] = re;
    zIm[i] = im;
  });
  return { zReOhm: zRe, zImOhm: zIm };
}

export function logspace(a: number, b: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => 10 ** (a + ((b - a) * i) / (n - 1)));
}
