import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nnls, nnlsGram, normalEquations } from '../../src/fit/nnls.js';
import { NumericalError, ParameterError } from '../../src/core/errors.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, '..', 'eis', 'fixtures', 'nnls-scipy.json'), 'utf8')) as {
  cases: { m: number; n: number; a: number[]; b: number[]; x: number[]; rnorm: number }[];
};

describe('nnls', () => {
  it('matches scipy.optimize.nnls on random problems', () => {
    for (const c of fixture.cases) {
      // cold start (classic Lawson–Hanson), warm start from the unconstrained solution, and from a guess
      for (const warmStart of ['none', 'all', [0, 1, 2]] as const) {
        const r = nnls(Float64Array.from(c.a), c.m, c.n, Float64Array.from(c.b), { warmStart });
        for (let i = 0; i < c.n; i++) expect(r.x[i]).toBeCloseTo(c.x[i], 9);
        expect(r.residualNorm).toBeCloseTo(c.rnorm, 9);
      }
      // the fixture has both active and inactive constraints, so the test exercises the active set
      expect(c.x.some((v) => v === 0) && c.x.some((v) => v > 0)).toBe(true);
    }
  });

  it('satisfies the KKT conditions (property test)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        let state = seed;
        const rand = () => {
          state = (state * 48271) % 2147483647;
          return state / 2147483647 - 0.5;
        };
        const m = 15;
        const n = 8;
        const a = Float64Array.from({ length: m * n }, rand);
        const b = Float64Array.from({ length: m }, rand);
        const { x } = nnls(a, m, n, b);
        const { ata, atb } = normalEquations(a, m, n, b);
        for (let i = 0; i < n; i++) {
          let g = atb[i];
          for (let j = 0; j < n; j++) g -= ata[i * n + j] * x[j];
          expect(x[i]).toBeGreaterThanOrEqual(0);
          // gradient of ½‖Ax−b‖² is −g: zero on the free set, ≥ 0 at the bound
          if (x[i] > 0) expect(Math.abs(g)).toBeLessThan(1e-9);
          else expect(g).toBeLessThan(1e-9);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('gives one answer from every start on ill-posed problems (variables leave the passive set)', () => {
    // More unknowns than rows and correlated columns: many variables end at the bound, so the inner loop
    // removes variables from the factor and the warm start drops many of them.
    let state = 12345;
    const rand = () => {
      state = (state * 48271) % 2147483647;
      return state / 2147483647;
    };
    for (let trial = 0; trial < 20; trial++) {
      const m = 12;
      const n = 20;
      const a = Float64Array.from(
        { length: m * n },
        (_, k) => Math.exp(-(((k % n) - (k / n) * 1.6) ** 2) / 8) + 0.05 * rand(),
      );
      const b = Float64Array.from({ length: m }, () => rand() - 0.3);
      const { ata, atb } = normalEquations(a, m, n, b);
      for (let i = 0; i < n; i++) ata[i * n + i] += 1e-3; // Tikhonov: positive definite, as in a DRT
      const cold = nnlsGram(ata, atb, { warmStart: 'none' });
      const warm = nnlsGram(ata, atb);
      const guess = nnlsGram(ata, atb, { warmStart: [0, 5, 10, 15] });
      for (let i = 0; i < n; i++) {
        expect(warm.x[i]).toBeCloseTo(cold.x[i], 10);
        expect(guess.x[i]).toBeCloseTo(cold.x[i], 10);
        let g = atb[i];
        for (let j = 0; j < n; j++) g -= ata[i * n + j] * cold.x[j];
        if (cold.x[i] > 0) expect(Math.abs(g)).toBeLessThan(1e-10);
        else expect(g).toBeLessThan(1e-10);
      }
    }
  });

  it('leaves free indices unconstrained', () => {
    // min (x0 + 1)² + (x1 − 2)²: x0 = −1 when free, 0 when constrained
    const ata = Float64Array.from([1, 0, 0, 1]);
    const atb = Float64Array.from([-1, 2]);
    expect(Array.from(nnlsGram(ata, atb).x)).toEqual([0, 2]);
    const r = nnlsGram(ata, atb, { free: [0] });
    expect(r.x[0]).toBeCloseTo(-1, 14);
    expect(r.x[1]).toBeCloseTo(2, 14);
  });

  it('reports bad sizes and singular sub-problems with typed errors', () => {
    expect(() => nnlsGram(new Float64Array(3), new Float64Array(2))).toThrow(ParameterError);
    // two free variables with identical columns: the unconstrained sub-problem has no unique solution
    expect(() =>
      nnlsGram(Float64Array.from([1, 1, 1, 1]), Float64Array.from([1, 1]), { free: [0, 1] }),
    ).toThrow(NumericalError);
  });
});
