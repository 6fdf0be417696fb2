import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { leastSquares, type LeastSquaresProblem } from '../../src/fit/optimizer.js';
import { NumericalError, ParameterError } from '../../src/core/errors.js';

interface Fixture {
  name: string;
  kind: 'exp-decay' | 'lorentz-sum' | 'rosenbrock';
  x: number[];
  y: number[];
  p0: number[];
  lower: (number | string)[];
  upper: (number | string)[];
  xScale: number | 'jac';
  p: number[];
  cost: number;
  activeMask: number[];
}

const fixtures = (
  JSON.parse(readFileSync(new URL('../fixtures/fit/optimizer_scipy.json', import.meta.url), 'utf8')) as {
    problems: Fixture[];
  }
).problems;
const num = (v: number | string) => (typeof v === 'number' ? v : v === 'Infinity' ? Infinity : -Infinity);

function makeProblem(fx: Fixture, analytic: boolean): LeastSquaresProblem {
  const x = Float64Array.from(fx.x);
  const y = Float64Array.from(fx.y);
  const m = x.length;
  if (fx.kind === 'exp-decay') {
    return {
      nParams: 3,
      nResiduals: m,
      residuals(p, out) {
        for (let i = 0; i < m; i++) out[i] = p[0] * Math.exp(-x[i] / p[1]) + p[2] - y[i];
      },
      jacobian: analytic
        ? (p, out) => {
            for (let i = 0; i < m; i++) {
              const e = Math.exp(-x[i] / p[1]);
              out[i * 3] = e;
              out[i * 3 + 1] = (p[0] * e * x[i]) / (p[1] * p[1]);
              out[i * 3 + 2] = 1;
            }
          }
        : undefined,
    };
  }
  if (fx.kind === 'lorentz-sum') {
    const k = fx.p0.length / 3;
    const n = fx.p0.length;
    return {
      nParams: n,
      nResiduals: m,
      residuals(p, out) {
        for (let i = 0; i < m; i++) {
          let s = -y[i];
          for (let c = 0; c < k; c++) {
            const hw = p[3 * c + 2] / 2;
            s += (p[3 * c] * hw) / Math.PI / ((x[i] - p[3 * c + 1]) ** 2 + hw * hw);
          }
          out[i] = s;
        }
      },
      jacobian: analytic
        ? (p, out) => {
            for (let i = 0; i < m; i++) {
              for (let c = 0; c < k; c++) {
                const [a, x0, w] = [p[3 * c], p[3 * c + 1], p[3 * c + 2]];
                const hw = w / 2;
                const den = (x[i] - x0) ** 2 + hw * hw;
                out[i * n + 3 * c] = hw / Math.PI / den;
                out[i * n + 3 * c + 1] = ((a * hw) / Math.PI) * ((2 * (x[i] - x0)) / (den * den));
                out[i * n + 3 * c + 2] = ((a / Math.PI) * (den - 2 * hw * hw)) / (den * den) / 2;
              }
            }
          }
        : undefined,
    };
  }
  return {
    nParams: 2,
    nResiduals: 2,
    residuals(p, out) {
      out[0] = 10 * (p[1] - p[0] * p[0]);
      out[1] = 1 - p[0];
    },
    jacobian: analytic
      ? (p, out) => {
          out.set([-20 * p[0], 10, -1, 0]);
        }
      : undefined,
  };
}

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

describe('leastSquares against scipy.optimize.least_squares (trf)', () => {
  for (const fx of fixtures) {
    for (const analytic of [true, false]) {
      it(`${fx.name} (${analytic ? 'analytic' : 'finite-difference'} Jacobian)`, () => {
        const res = leastSquares(makeProblem(fx, analytic), fx.p0, {
          lower: fx.lower.map(num),
          upper: fx.upper.map(num),
          xScale: fx.xScale === 'jac' ? 'jac' : new Array<number>(fx.p0.length).fill(fx.xScale),
          fTol: 1e-15,
          xTol: 1e-15,
          gTol: 1e-15,
          maxEvaluations: 5000,
        });
        for (let j = 0; j < fx.p.length; j++) expect(relErr(res.p[j], fx.p[j])).toBeLessThan(1e-6);
        expect(relErr(res.cost, fx.cost)).toBeLessThan(1e-9);
        for (let j = 0; j < fx.p.length; j++) {
          expect(res.p[j]).toBeGreaterThanOrEqual(num(fx.lower[j]));
          expect(res.p[j]).toBeLessThanOrEqual(num(fx.upper[j]));
          expect(res.atBound[j]).toBe(fx.activeMask[j] !== 0);
        }
        expect(res.converged).toBe(true);
        expect(res.residuals.every(Number.isFinite)).toBe(true);
      });
    }
  }
});

describe('leastSquares statistics', () => {
  it('covariance equals s²(JᵀJ)⁻¹ for a linear model (closed form)', () => {
    // y = a + b·x: covariance of ordinary least squares is s²·(XᵀX)⁻¹.
    const x = [0, 1, 2, 3, 4, 5, 6];
    const y = [0.1, 1.2, 1.9, 3.2, 3.9, 5.1, 6.0];
    const res = leastSquares(
      {
        nParams: 2,
        nResiduals: x.length,
        residuals: (p, out) => x.forEach((xi, i) => (out[i] = p[0] + p[1] * xi - y[i])),
      },
      [0, 0],
    );
    const n = x.length;
    const sx = x.reduce((a, b) => a + b, 0);
    const sxx = x.reduce((a, b) => a + b * b, 0);
    const sy = y.reduce((a, b) => a + b, 0);
    const sxy = x.reduce((a, b, i) => a + b * y[i], 0);
    const det = n * sxx - sx * sx;
    const b = (n * sxy - sx * sy) / det;
    const a = (sy - b * sx) / n;
    const rss = y.reduce((acc, yi, i) => acc + (yi - a - b * x[i]) ** 2, 0);
    const s2 = rss / (n - 2);
    expect(relErr(res.p[0], a)).toBeLessThan(1e-8);
    expect(relErr(res.p[1], b)).toBeLessThan(1e-9);
    expect(relErr(res.reducedChi2, s2)).toBeLessThan(1e-8);
    expect(relErr(res.covariance![0], (s2 * sxx) / det)).toBeLessThan(1e-6);
    expect(relErr(res.covariance![1], (-s2 * sx) / det)).toBeLessThan(1e-6);
    expect(relErr(res.standardErrors[1], Math.sqrt((s2 * n) / det))).toBeLessThan(1e-6);
    expect(res.degreesOfFreedom).toBe(5);
  });

  it('a parameter the residuals ignore gets an infinite standard error, never NaN', () => {
    const res = leastSquares(
      { nParams: 2, nResiduals: 3, residuals: (p, out) => out.set([p[0] - 1, p[0] - 2, p[0] - 3]) },
      [0, 5],
    );
    expect(res.p[0]).toBeCloseTo(2, 10);
    expect(res.p[1]).toBe(5);
    expect(res.covariance).toBeNull();
    expect(res.standardErrors[1]).toBe(Infinity);
    expect(Number.isFinite(res.standardErrors[0])).toBe(true);
    // s² = 2·cost/(m − n) = 2/1, (JᵀJ)⁻¹ = 1/3 for the determined parameter.
    expect(res.standardErrors[0]).toBeCloseTo(Math.sqrt(2 / 3), 8);
  });
});

describe('leastSquares Jacobian layouts', () => {
  it('column-major and row-major analytic Jacobians (with a fixed parameter) give the same fit', () => {
    const fx = fixtures.find((f) => f.name === 'lorentz3-bounds')!;
    const rowMajor = makeProblem(fx, true);
    const m = rowMajor.nResiduals;
    const n = rowMajor.nParams;
    const tmp = new Float64Array(m * n);
    const columnMajor: LeastSquaresProblem = {
      nParams: n,
      nResiduals: m,
      jacobianLayout: 'column-major',
      residuals: (p, out) => rowMajor.residuals(p, out),
      jacobian(p, out) {
        rowMajor.jacobian!(p, tmp);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = tmp[i * n + j];
      },
    };
    const lower = fx.lower.map(num);
    const upper = fx.upper.map(num);
    lower[5] = upper[5] = 0.9; // hold the second width fixed
    const a = leastSquares(rowMajor, fx.p0, { lower, upper, xScale: 'jac' });
    const b = leastSquares(columnMajor, fx.p0, { lower, upper, xScale: 'jac' });
    expect(b.p[5]).toBe(0.9);
    for (let j = 0; j < n; j++) expect(b.p[j]).toBeCloseTo(a.p[j], 12);
    for (let k = 0; k < m * n; k++) expect(b.jacobian[k]).toBeCloseTo(a.jacobian[k], 12);
    expect(b.iterations).toBe(a.iterations);
  });
});

describe('leastSquares degenerate input', () => {
  const line: LeastSquaresProblem = {
    nParams: 2,
    nResiduals: 4,
    residuals: (p, out) => [0, 1, 2, 3].forEach((x, i) => (out[i] = p[0] + p[1] * x - (1 + 2 * x))),
  };
  it('clips an initial guess outside the bounds and flags it', () => {
    const res = leastSquares(line, [10, -5], { lower: [0, 0], upper: [5, 5] });
    expect(res.initialClipped).toEqual([true, true]);
    expect(res.message).toMatch(/clipped/);
    expect(res.p[0]).toBeCloseTo(1, 8);
    expect(res.p[1]).toBeCloseTo(2, 8);
  });
  it('holds parameters with equal bounds fixed', () => {
    const res = leastSquares(line, [0, 0], { lower: [-10, 2.5], upper: [10, 2.5] });
    expect(res.p[1]).toBe(2.5);
    // With b fixed at 2.5 the best a is mean(1 + 2x − 2.5x) = 1 − 0.75.
    expect(res.p[0]).toBeCloseTo(0.25, 8);
    expect(res.standardErrors[1]).toBe(0);
    expect(res.atBound[1]).toBe(true);
  });
  it('rejects crossed or NaN bounds, non-finite p0 and wrong lengths with ParameterError', () => {
    expect(() => leastSquares(line, [0, 0], { lower: [1, 0], upper: [0, 1] })).toThrow(ParameterError);
    expect(() => leastSquares(line, [0, 0], { lower: [NaN, 0] })).toThrow(ParameterError);
    expect(() => leastSquares(line, [NaN, 0])).toThrow(ParameterError);
    expect(() => leastSquares(line, [0])).toThrow(ParameterError);
  });
  it('throws NumericalError when residuals are not finite at the start', () => {
    expect(() =>
      leastSquares({ nParams: 1, nResiduals: 1, residuals: (_p, out) => out.set([NaN]) }, [1]),
    ).toThrow(NumericalError);
  });
  it('throws NumericalError when the analytic Jacobian is not finite at the start', () => {
    const bad: LeastSquaresProblem = {
      nParams: 1,
      nResiduals: 2,
      residuals: (p, out) => out.set([p[0], p[0] - 1]),
      jacobian: (_p, out) => out.set([1, NaN]),
    };
    expect(() => leastSquares(bad, [3])).toThrow(NumericalError);
  });
  it('backs off from regions where residuals are not finite', () => {
    // log model undefined for p ≤ 0; the minimum is at p = e^-1 approached from p0 = 3.
    const res = leastSquares(
      { nParams: 1, nResiduals: 1, residuals: (p, out) => out.set([Math.log(p[0]) + 1]) },
      [3],
    );
    expect(res.converged).toBe(true);
    expect(res.p[0]).toBeCloseTo(Math.exp(-1), 8);
  });
  it('reports max-evaluations instead of hanging', () => {
    const res = leastSquares(
      { nParams: 2, nResiduals: 2, residuals: (p, out) => out.set([10 * (p[1] - p[0] * p[0]), 1 - p[0]]) },
      [-1.2, 1],
      { maxEvaluations: 3 },
    );
    expect(res.converged).toBe(false);
    expect(res.status).toBe('max-evaluations');
    expect(res.evaluations).toBeLessThanOrEqual(3);
    expect(res.p.every(Number.isFinite)).toBe(true);
  });
});
