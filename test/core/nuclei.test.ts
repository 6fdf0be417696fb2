import { describe, expect, it } from 'vitest';
import { NUCLEI, getNucleus, larmorFromFieldMHz, larmorFromProtonMHz } from '../../src/core/nuclei.js';
import { FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K } from '../../src/core/constants.js';
import { ParameterError } from '../../src/core/errors.js';

describe('nuclei table', () => {
  it('holds the nuclei battery NMR needs', () => {
    for (const label of [
      '1H',
      '6Li',
      '7Li',
      '13C',
      '19F',
      '23Na',
      '25Mg',
      '27Al',
      '31P',
      '39K',
      '41K',
      '63Cu',
      '67Zn',
      '119Sn',
    ]) {
      expect(getNucleus(label).label).toBe(label);
    }
  });

  it('Ξ agrees with |γ_X/γ_H| to within the reference-compound shielding (two independent columns)', () => {
    const h = getNucleus('1H');
    for (const n of NUCLEI) {
      const ratio = Math.abs(n.gammaRadPerSPerT / h.gammaRadPerSPerT) * 100;
      expect(Math.abs(ratio - n.xiPercent) / n.xiPercent).toBeLessThan(0.01);
    }
  });

  it('gives the 7Li frequency on a 400 MHz (1H) magnet', () => {
    // 7Li on a "400" Bruker (1H at 400.13 MHz) sits at ≈155.51 MHz.
    expect(larmorFromProtonMHz(getNucleus('7Li'), 400.13)).toBeCloseTo(155.51, 2);
    // 1H at 9.4 T is 400.2 MHz (γ/2π = 42.577 MHz/T).
    expect(larmorFromFieldMHz(getNucleus('1H'), 9.4)).toBeCloseTo(400.228, 2);
  });

  it('accepts common spellings and rejects unknown labels with a typed error', () => {
    expect(getNucleus('Li7').label).toBe('7Li');
    expect(getNucleus('na-23').label).toBe('23Na');
    expect(() => getNucleus('7Xx')).toThrow(ParameterError);
  });

  it('derived constants match CODATA', () => {
    expect(FARADAY_C_PER_MOL).toBeCloseTo(96485.33212, 4);
    expect(GAS_CONSTANT_J_PER_MOL_K).toBeCloseTo(8.314462618, 8);
  });
});
