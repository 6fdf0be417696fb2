/**
 * Inputs of the binary spectra fixtures (test/fixtures/io/processed-binary): small spectra with values
 * that are not short binary fractions, so float32 rounding shows. `uniform`: three spectra of 6 points on
 * one axis; `ragged`: sizes 4, 7 and 5 on axes of their own.
 */
export function fixtureSpectra(kind: 'uniform' | 'ragged'): {
  index: number;
  ppm: Float64Array;
  re: Float64Array;
  im: Float64Array;
}[] {
  const sizes = kind === 'uniform' ? [6, 6, 6] : [4, 7, 5];
  return sizes.map((n, k) => {
    const shift = kind === 'uniform' ? 0 : 0.1 * k;
    const ppm = Float64Array.from({ length: n }, (_, i) => 300 - (i * 100) / 3 + shift);
    const re = Float64Array.from({ length: n }, (_, i) => Math.sin(1 + i + 10 * k) * 1e6 * (k + 1));
    const im = Float64Array.from({ length: n }, (_, i) => Math.cos(1 + i * 0.7 + k) / 3 - i * 1e-9);
    return { index: k, ppm, re, im };
  });
}
