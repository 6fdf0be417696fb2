/**
 * A DRT series shares the penalised Gram matrix H = AᵀA + λM and its Cholesky factor across sweeps on one
 * frequency and τ grid (issue 17): every result equals the per-sweep route (each sweep alone, its own
 * matrices built afresh) to 1e-9 relative, and the shared-factor NNLS equals the one that factors H
 * itself on the fixture of scipy.optimize.nnls problems (the solutions scipy gave are the reference).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseDeis, drt, evaluateGamma } from '../../src/eis/index.js';
import { gramFactor, nnlsGram, normalEquations } from '../../src/fit/nnls.js';
import { logSweep, simulateDeisSeries, type CellModel } from '../../src/sim/eis.js';

const model: CellModel = {
  r0Ohm: 3,
  inductanceH: 1e-7,
  zarcs: [
    { rOhm: 8, tau0S: 1e-4, phi: 0.8 },
    { rOhm: 15, tau0S: 3e-2, phi: 0.85 },
  ],
};

/** max |a − b| / max |b|. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return scale > 0 ? worst / scale : worst;
}

describe('DRT series on shared matrices', () => {
  it('equals the per-sweep route to 1e-9 relative', () => {
    const freq = logSweep(1e5, 0.1, 10);
    const sim = simulateDeisSeries(model, freq, { count: 30, finalRatio: 2, noise: 0.002, seed: 2 });
    const options = { lambda: 1e-3, nTau: 92 };
    const series = analyseDeis(sim.series, { ...options, kk: false });
    let zeros = 0;
    sim.series.forEach((t, k) => {
      const alone = drt(t.spectrum, {
        ...options,
        tauMinS: series.results[0].tauS[0],
        tauMaxS: series.results[0].tauS[91],
      });
      const r = series.results[k];
      zeros += alone.coefficients.filter((c) => c === 0).length;
      expect(relDiff(r.coefficients, alone.coefficients)).toBeLessThan(1e-9);
      expect(relDiff(r.gammaOhm, alone.gammaOhm)).toBeLessThan(1e-9);
      expect(relDiff([r.rInfOhm, r.polarizationOhm], [alone.rInfOhm, alone.polarizationOhm])).toBeLessThan(
        1e-9,
      );
      expect(Math.abs(r.inductanceH - alone.inductanceH)).toBeLessThan(
        1e-9 * Math.abs(alone.inductanceH) + 1e-18,
      );
      expect(r.windows[0].resistanceOhm).toBeCloseTo(alone.windows[0].resistanceOhm, 9);
      expect(r.peaks.map((p) => p.tauS)).toEqual(alone.peaks.map((p) => p.tauS));
      expect(relDiff(r.zFitReOhm, alone.zFitReOhm)).toBeLessThan(1e-9);
      // γ from the per-setup operator equals the direct evaluation of the Gaussians
      const direct = evaluateGamma(r.tauS, r.coefficients, 'gaussian', r.epsilon, r.tauFineS);
      expect(relDiff(r.gammaOhm, direct)).toBeLessThan(1e-12);
    });
    // the series exercises the non-negativity: some coefficients sit on the bound
    expect(zeros).toBeGreaterThan(0);
  });

  it('NNLS with a shared factor gives the answers of factoring H each time (and of scipy)', () => {
    const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'nnls-scipy.json'), 'utf8')) as {
      cases: { m: number; n: number; a: number[]; b: number[]; x: number[] }[];
    };
    let used = 0;
    for (const c of fixture.cases) {
      const { ata, atb } = normalEquations(Float64Array.from(c.a), c.m, c.n, Float64Array.from(c.b));
      const factor = gramFactor(ata, c.n);
      if (factor === null) continue;
      used++;
      const own = nnlsGram(ata, atb);
      const shared = nnlsGram(ata, atb, { factor });
      expect(relDiff(shared.x, own.x)).toBeLessThan(1e-12);
      for (let i = 0; i < c.n; i++) expect(shared.x[i]).toBeCloseTo(c.x[i], 9);
      expect(shared.atBound).toEqual(own.atBound);
      // a factor of another matrix is not used
      const other = Float64Array.from(ata);
      expect(relDiff(nnlsGram(other, atb, { factor }).x, own.x)).toBeLessThan(1e-12);
    }
    expect(used).toBeGreaterThan(0);
  });
});
