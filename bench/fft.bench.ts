/**
 * FFT (issue 17): 1,000 forward complex FFTs of 16k points, fft.js (radix-4, float64, the library
 * src/nmr/fft.ts uses) against numpy.fft.fft on the same values, vectorised over a (1000, 16384) array
 * and one row at a time (bench/fft_numpy_reference.py), interleaved. The float32 WebAssembly FFTs on npm
 * (PFFFT, KissFFT) were measured outside the repository and are not used: see bench/RESULTS.md.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import FFT from 'fft.js';
import { interleaved, ReferenceSession } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const SPECTRA = 1000;
const SIZE = 16384;

export default async function bench(): Promise<void> {
  // the same values as the numpy side: e^{−t/(N/4)}·e^{i(0.3t + k)} + 10⁻³·((7t + k) mod 11)
  const rows: Float64Array[] = [];
  for (let k = 0; k < SPECTRA; k++) {
    const z = new Float64Array(2 * SIZE);
    for (let t = 0; t < SIZE; t++) {
      const a = Math.exp(-t / (SIZE / 4));
      z[2 * t] = a * Math.cos(0.3 * t + k) + 1e-3 * ((t * 7 + k) % 11);
      z[2 * t + 1] = a * Math.sin(0.3 * t + k);
    }
    rows.push(z);
  }
  const fft = new FFT(SIZE);
  const out = new Float64Array(2 * SIZE);
  const spincell = {
    label: 'fft.js (float64)',
    run: () => {
      const t0 = performance.now();
      let check = 0;
      for (let k = 0; k < SPECTRA; k++) {
        fft.transform(out, rows[k]);
        if (k === 0) for (let i = 0; i < SIZE; i++) check += Math.hypot(out[2 * i], out[2 * i + 1]);
      }
      return { seconds: (performance.now() - t0) / 1000, check };
    },
  };
  const session = new ReferenceSession(join(here, 'fft_numpy_reference.py'));
  try {
    const ready = await session.request<{ numpy: string }>({ spectra: SPECTRA, size: SIZE });
    console.log(`${SPECTRA} × ${SIZE} complex points, numpy ${ready.numpy}`);
    for (const mode of ['2d', 'loop'] as const) {
      const c = await interleaved(
        `FFT ${SPECTRA} × 16k complex, vs numpy ${mode === '2d' ? 'on the 2-D array' : 'row by row'}`,
        spincell,
        {
          label: `numpy.fft.fft ${mode}`,
          run: () => session.request<{ seconds: number; check: number }>({ mode }),
        },
      );
      console.log(
        `  same transform: Σ|X| of the first row ${c.lastA.check.toPrecision(12)} vs ${c.lastB.check.toPrecision(12)}`,
      );
    }
  } finally {
    session.close();
  }
}
