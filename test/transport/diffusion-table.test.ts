import { describe, expect, it } from 'vitest';
import {
  constantDiffusion,
  createDiffusionTable,
  diffusionLaw,
  mobilityM2PerVS,
} from '../../src/transport/diffusion-table.js';
import { DataError, ParameterError } from '../../src/core/errors.js';

describe('D(C) tables', () => {
  const table = createDiffusionTable([2000, 500, 1000], [1e-12, 4e-12, 2e-12], 'd.csv');

  it('sorts rows and interpolates', () => {
    expect(Array.from(table.concentrationMolM3)).toEqual([500, 1000, 2000]);
    const lin = diffusionLaw(table, 'linear');
    expect(lin(750)).toBeCloseTo(3e-12, 25);
    expect(lin(1500)).toBeCloseTo(1.5e-12, 25);
    // log interpolation: geometric mean at the midpoint
    const log = diffusionLaw(table, 'log');
    expect(log(750)).toBeCloseTo(Math.sqrt(8) * 1e-12, 25);
    expect(log(1000)).toBeCloseTo(2e-12, 25);
  });

  it('reproduces an exponential law exactly with log interpolation', () => {
    const law = (c: number) => 1e-12 * Math.exp(-c / 700);
    const cs = [100, 900, 2500];
    const t = diffusionLaw(createDiffusionTable(cs, cs.map(law)), 'log');
    for (const c of [150, 600, 1234, 2499]) expect(t(c) / law(c)).toBeCloseTo(1, 12);
  });

  it('refuses concentrations the table does not cover', () => {
    const law = diffusionLaw(table);
    expect(() => law(499)).toThrow(DataError);
    expect(() => law(2100)).toThrow(
      /outside the diffusion table.*d\.csv|d\.csv.*outside the diffusion table/,
    );
  });

  it('refuses bad tables', () => {
    expect(() => createDiffusionTable([1, 1], [1e-12, 2e-12])).toThrow(DataError);
    expect(() => createDiffusionTable([1, 2], [1e-12, -2e-12])).toThrow(DataError);
    expect(() => createDiffusionTable([1], [1e-12])).toThrow(DataError);
    expect(() => constantDiffusion(0)).toThrow(ParameterError);
  });

  it('gives the Nernst–Einstein mobility', () => {
    // F/(RT) at 313.15 K = 96485.33212/(8.314462618 × 313.15) = 37.05738 V⁻¹
    expect(mobilityM2PerVS(1.3e-12, 313.15)).toBeCloseTo(1.3e-12 * 37.05738, 16);
  });
});
