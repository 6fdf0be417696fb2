/**
 * spincell's relaxation and nutation fits against scipy.optimize.curve_fit on the same data.
 *
 * Fixture: test/fixtures/relax/scipy-fits.json, written by make_relax_fixtures.py beside it (scipy 1.17,
 * numpy 2.4): for every model, noisy data drawn from a known curve with a seeded numpy generator, fitted
 * by curve_fit (Levenberg–Marquardt, or trust-region reflective with the same bounds where the model has
 * them; absolute_sigma=False). The fixture holds the outputs — data, fitted values, standard errors —
 * not scipy code. spincell starts from its own grid, not from scipy's p0, so agreement means both found
 * the same least-squares optimum and the same covariance s²(JᵀJ)⁻¹.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  analyseNutation,
  analyseT1,
  analyseT2,
  type NutationModel,
  type T1Model,
  type T1Sequence,
  type T2Model,
} from '../../src/relax/index.js';

interface Case {
  name: string;
  kind: 't1' | 't2' | 'nutation';
  sequence: T1Sequence | null;
  model: string;
  x: number[];
  y: number[];
  truth: number[];
  popt: number[];
  perr: number[];
}

const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/relax/scipy-fits.json', import.meta.url)), 'utf8'),
) as { cases: Case[] };

function fitOf(c: Case) {
  if (c.kind === 't1')
    return analyseT1(c.x, c.y, { sequence: c.sequence as T1Sequence, model: c.model as T1Model }).fit;
  if (c.kind === 't2') return analyseT2(c.x, c.y, { model: c.model as T2Model }).fit;
  return analyseNutation(c.x, c.y, { model: c.model as NutationModel }).fit;
}

describe('relaxation fits agree with scipy curve_fit', () => {
  it('holds every model', () => {
    expect(fixture.cases.map((c) => c.name)).toHaveLength(11);
  });
  for (const c of fixture.cases) {
    it(`${c.name}: values within 1e-5 and standard errors within 1e-3 (relative)`, () => {
      const fit = fitOf(c);
      expect(fit.converged).toBe(true);
      const values = fit.parameters.map((p) => p.value);
      const errors = fit.parameters.map((p) => p.standardError);
      expect(values).toHaveLength(c.popt.length);
      c.popt.forEach((v, j) => expect(Math.abs(values[j] - v) / Math.abs(v)).toBeLessThan(1e-5));
      c.perr.forEach((e, j) => expect(Math.abs(errors[j] - e) / e).toBeLessThan(1e-3));
    });
  }
});
