import { describe, expect, it } from 'vitest';
import { symmetricEigenQl } from '../../src/eis/eigen.js';

function randomSymmetric(n: number, seed: number): Float64Array {
  let state = seed;
  const rand = () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647 - 0.5;
  };
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rand();
  return a;
}

describe('symmetric eigen-decomposition (Householder + implicit QL)', () => {
  for (const [n, seed] of [
    [1, 3],
    [2, 5],
    [7, 11],
    [40, 13],
    [95, 17],
  ]) {
    it(`reconstructs A = V D Vᵀ with orthonormal V (n = ${n})`, () => {
      const a = randomSymmetric(n, seed);
      const { values, vectors } = symmetricEigenQl(a, n);
      let worst = 0;
      let orth = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          let o = 0;
          for (let k = 0; k < n; k++) {
            s += vectors[i * n + k] * values[k] * vectors[j * n + k];
            o += vectors[k * n + i] * vectors[k * n + j];
          }
          worst = Math.max(worst, Math.abs(s - a[i * n + j]));
          orth = Math.max(orth, Math.abs(o - (i === j ? 1 : 0)));
        }
      }
      expect(worst).toBeLessThan(1e-12 * Math.max(1, n));
      expect(orth).toBeLessThan(1e-12 * Math.max(1, n));
    });
  }

  it('gets the closed-form spectrum of the second-difference matrix', () => {
    // tridiag(−1, 2, −1) of size n has eigenvalues 2 − 2cos(kπ/(n+1))
    const n = 30;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = -1;
    }
    const got = Array.from(symmetricEigenQl(a, n).values).sort((x, y) => x - y);
    got.forEach((v, k) => expect(v).toBeCloseTo(2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)), 12));
  });
});
