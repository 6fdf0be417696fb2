import { describe, expect, it } from 'vitest';
import { FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K } from '../../src/core/constants.js';
import { ParameterError } from '../../src/core/errors.js';
import {
  createCell,
  DEFAULT_CELL,
  operandoProtocol,
  platingFractions,
  type CellStep,
  type CellState,
} from '../../src/sim/cell.js';

const HOUR = 3600;

function balance(s: CellState): number {
  const v = s.inventory;
  return v.dense + v.mossy + v.dendritic + v.dead + v.sei - v.bulkStripped - s.chargeMAh;
}

describe('virtual cell: charge and inventory', () => {
  const cell = createCell(operandoProtocol());

  it('passes exactly I·t in constant-current steps (1 mA for 2 h = 2 mAh)', () => {
    const plateEnd = cell.steps[1].endS;
    expect(cell.state(plateEnd).chargeMAh).toBeCloseTo(2, 12);
    expect(cell.state(cell.steps[1].startS + 1800).chargeMAh).toBeCloseTo(0.5, 12);
    // After the 2 h strip at 1 mA the net charge is back to zero.
    expect(cell.state(cell.steps[3].endS).chargeMAh).toBeCloseTo(0, 12);
    expect(cell.state(cell.steps[3].endS).strippedMAh).toBeCloseTo(2, 12);
  });

  it('charge equals the time integral of the current, holds included (Simpson, 5 s steps)', () => {
    const n = Math.round(cell.durationS / 5);
    const h = cell.durationS / n;
    let integral = 0; // mA·s
    const checkpoints = [cell.steps[7].startS + 600, cell.steps[7].endS, cell.durationS];
    let next = 0;
    // Composite Simpson per 10-s panel; the current is smooth inside steps.
    for (let k = 0; k + 2 <= n; k += 2) {
      const t0 = k * h;
      const i0 = cell.state(t0).currentMA;
      const i1 = cell.state(t0 + h).currentMA;
      // Step boundaries of this protocol fall on multiples of 900 s, i.e. on panel edges: take the panel's
      // right end just inside it, where the current still belongs to the panel's step.
      const i2 = cell.state(t0 + 2 * h - 1e-7).currentMA;
      integral += (h / 3) * (i0 + 4 * i1 + i2);
      const t2 = t0 + 2 * h;
      if (next < checkpoints.length && Math.abs(t2 - checkpoints[next]) < 1e-9) {
        expect(integral / HOUR).toBeCloseTo(cell.state(t2).chargeMAh, 6);
        next++;
      }
    }
    expect(next).toBe(checkpoints.length);
  });

  it('conserves charge: deposits + dead + SEI − bulk stripped = net charge, at all times', () => {
    for (let t = 0; t <= cell.durationS; t += 97)
      expect(Math.abs(balance(cell.state(t)))).toBeLessThan(1e-12);
    expect(Math.abs(balance(cell.state(cell.durationS)))).toBeLessThan(1e-12);
  });

  it('plating splits the metal charge by the morphology fractions and feeds SEI', () => {
    const s = cell.state(cell.steps[1].endS);
    const f = platingFractions(DEFAULT_CELL.morphology, 1, 1);
    const metal = 2 * (1 - DEFAULT_CELL.seiFraction);
    expect(s.inventory.dense).toBeCloseTo(f.dense * metal, 12);
    expect(s.inventory.mossy).toBeCloseTo(f.mossy * metal, 12);
    expect(s.inventory.dendritic).toBeCloseTo(f.dendritic * metal, 12);
    expect(s.inventory.sei).toBeCloseTo(2 * DEFAULT_CELL.seiFraction, 12);
    expect(s.metalMAh).toBeCloseTo(DEFAULT_CELL.pristineMAh + metal, 12);
  });

  it('stripping removes high-surface-area deposits first and leaves dead lithium', () => {
    const before = cell.state(cell.steps[3].startS).inventory;
    const mid = cell.state(cell.steps[3].startS + 3600).inventory;
    const share = (v: typeof before) => v.dendritic / (v.dense + v.mossy + v.dendritic);
    expect(share(mid)).toBeLessThan(share(before));
    expect(mid.dead).toBeGreaterThan(0);
    // Stripped to exhaustion, every morphology m leaves d_m of its amount as dead Li, whatever the path.
    const end = cell.state(cell.steps[3].endS).inventory;
    const d = DEFAULT_CELL.deadFraction;
    expect(end.dense + end.mossy + end.dendritic).toBe(0);
    expect(end.dead).toBeCloseTo(
      d.dense * before.dense + d.mossy * before.mossy + d.dendritic * before.dendritic,
      12,
    );
    expect(end.bulkStripped).toBeGreaterThan(0);
  });

  it('a stripping hold removes all strippable lithium asymptotically', () => {
    const protocol: CellStep[] = [
      { kind: 'plate', currentMA: 1, durationS: HOUR },
      { kind: 'hold', voltageV: 0.3, durationS: 20 * HOUR },
    ];
    const c = createCell(protocol);
    const s = c.state(c.durationS);
    expect(s.inventory.dense + s.inventory.mossy + s.inventory.dendritic).toBeLessThan(1e-9);
    expect(s.inventory.bulkStripped).toBe(0);
    expect(s.voltageV).toBe(0.3);
    expect(Math.abs(balance(s))).toBeLessThan(1e-12);
  });

  it('fractions grow towards mossy and dendritic with current density and cycle number', () => {
    const m = DEFAULT_CELL.morphology;
    const low = platingFractions(m, 0.1, 1);
    const high = platingFractions(m, 5, 1);
    const later = platingFractions(m, 0.1, 4);
    for (const f of [low, high, later]) expect(f.dense + f.mossy + f.dendritic).toBeCloseTo(1, 14);
    expect(high.mossy + high.dendritic).toBeGreaterThan(low.mossy + low.dendritic);
    expect(later.mossy + later.dendritic).toBeGreaterThan(low.mossy + low.dendritic);
  });
});

describe('virtual cell: voltage', () => {
  const cell = createCell(operandoProtocol());
  const thermal = (GAS_CONSTANT_J_PER_MOL_K * DEFAULT_CELL.temperatureK) / FARADAY_C_PER_MOL;

  it('is 0 V at open circuit for Li‖Li, negative while plating, positive while stripping', () => {
    expect(cell.state(0).voltageV).toBe(0);
    expect(cell.state(cell.steps[1].startS + 3600).voltageV).toBeLessThan(0);
    expect(cell.state(cell.steps[3].startS + 3600).voltageV).toBeGreaterThan(0);
  });

  it('plateau obeys Butler–Volmer (α = 0.5) at both interfaces after the ohmic drop', () => {
    const s = cell.state(cell.steps[1].startS + 3600); // nucleation has decayed (τ = 90 s)
    const ohmic = (s.currentMA / 1000) * DEFAULT_CELL.resistanceOhm;
    const etaPerInterface = (-s.voltageV - ohmic) / 2;
    // i = 2 i0 sinh(F η / 2RT)  (symmetric Butler–Volmer)
    const j = 2 * DEFAULT_CELL.exchangeCurrentDensityMAPerCm2 * Math.sinh(etaPerInterface / (2 * thermal));
    expect(j).toBeCloseTo(s.currentMA / DEFAULT_CELL.areaCm2, 6);
  });

  it('dips at the start of plating (nucleation) and rises at the end of stripping', () => {
    const start = cell.state(cell.steps[1].startS + 1).voltageV;
    const plateau = cell.state(cell.steps[1].startS + 3600).voltageV;
    expect(start).toBeLessThan(plateau - 0.03);
    const stripMid = cell.state(cell.steps[3].startS + 1800).voltageV;
    const stripEnd = cell.state(cell.steps[3].endS - 1).voltageV;
    expect(stripEnd).toBeGreaterThan(stripMid + 0.1);
    // Relaxes towards 0 V during the following rest.
    const restEnd = cell.state(cell.steps[4].endS - 1).voltageV;
    expect(Math.abs(restEnd)).toBeLessThan(0.01 * Math.abs(stripEnd));
  });

  it('hold current starts where the overpotential equals the held voltage', () => {
    const hold = cell.steps[7];
    const s = cell.state(hold.startS);
    const i = -s.currentMA; // stripping
    const predicted =
      (i / 1000) * DEFAULT_CELL.resistanceOhm +
      4 * thermal * Math.asinh(i / DEFAULT_CELL.areaCm2 / (2 * DEFAULT_CELL.exchangeCurrentDensityMAPerCm2));
    expect(predicted).toBeCloseTo(0.3, 9);
    expect(cell.state(hold.endS).currentMA).toBeGreaterThan(s.currentMA); // decays towards 0 from below
  });
});

describe('virtual cell: bad input', () => {
  it('rejects empty protocols, non-positive durations/currents and times outside the protocol', () => {
    expect(() => createCell([])).toThrow(ParameterError);
    expect(() => createCell([{ kind: 'rest', durationS: 0 }])).toThrow(ParameterError);
    expect(() => createCell([{ kind: 'plate', currentMA: -1, durationS: 10 }])).toThrow(ParameterError);
    expect(() => createCell([{ kind: 'rest', durationS: 10 }], { seiFraction: 1.5 })).toThrow(ParameterError);
    const c = createCell([{ kind: 'rest', durationS: 10 }]);
    expect(() => c.state(11)).toThrow(ParameterError);
    expect(() => c.state(Number.NaN)).toThrow(ParameterError);
  });
});
