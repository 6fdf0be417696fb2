/**
 * Writes frequency-encoded 1D MRI echoes as numbered Bruker experiments: each echo is built so that
 * its Fourier transform (Bruker order) is a given profile times a phase ramp, i.e. what a spectrometer
 * records for that spin density under a read gradient with an off-centre echo.
 */
import { join } from 'node:path';
import { writeBrukerExperiment } from '../../../src/io/bruker/index.js';

/** Echo whose Bruker-order spectrum is `ascending` reversed (index 0 = highest frequency), with a phase ramp. */
export function echoForProfile(
  ascending: ArrayLike<number>,
  phaseRampRad = 0.3,
): { re: Float64Array; im: Float64Array } {
  const n = ascending.length;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  // FFT bin k lands at Bruker index (k + n/2) mod n, which holds ascending[n − 1 − index]
  const xr = new Float64Array(n);
  const xi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const index = (k + n / 2) % n;
    const a = ascending[n - 1 - index];
    const phi = phaseRampRad * k;
    xr[k] = a * Math.cos(phi);
    xi[k] = a * Math.sin(phi);
  }
  // the transform conjugates the echo before a forward FFT, so the echo is conj(IDFT(X))
  for (let t = 0; t < n; t++) {
    let sr = 0;
    let si = 0;
    for (let k = 0; k < n; k++) {
      const w = (2 * Math.PI * k * t) / n;
      sr += xr[k] * Math.cos(w) - xi[k] * Math.sin(w);
      si += xr[k] * Math.sin(w) + xi[k] * Math.cos(w);
    }
    re[t] = sr / n;
    im[t] = -si / n;
  }
  return { re, im };
}

/** One experiment per profile in numbered folders 1, 2, …; acquisition k centred on t0 + timeS[k]. */
export function writeMriSeries(
  dir: string,
  profiles: Float64Array[],
  timeS: ArrayLike<number>,
  swHz = 100_000,
): void {
  const t0 = Date.UTC(2024, 0, 15, 9, 0, 0);
  profiles.forEach((p, k) => {
    const mid = t0 + timeS[k] * 1000;
    writeBrukerExperiment(
      join(dir, String(k + 1)),
      {
        nucleus: '19F',
        sfo1MHz: 188.3,
        bf1MHz: 188.3,
        o1Hz: 0,
        swHz,
        scans: 128,
        recycleDelayS: 4,
        pulseProgram: 'diffprof',
        digitalFilter: { kind: 'analogue' },
        dataType: 'float64',
        startMs: mid - 256_500,
        endMs: mid + 256_500,
      },
      echoForProfile(p),
    );
  });
}
