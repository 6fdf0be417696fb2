/**
 * Cycle/step analysis against known truth: the virtual cell is sampled by the virtual cycler, written as
 * an EC-Lab text export, read back by the EC-Lab reader and analysed. Capacities, Coulombic efficiency,
 * step boundaries, the voltage onset and the nucleation overpotential are compared with the cell's own
 * values.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCell, operandoProtocol } from '../../src/sim/cell.js';
import { simulateCycler, writeMpt, formatMpt } from '../../src/sim/cycler.js';
import { readBiologic, parseMpt } from '../../src/io/biologic/index.js';
import {
  analyseCycles,
  detectVoltageOnset,
  differentialCapacity,
  nucleationOverpotential,
  segmentSteps,
  seriesFromRecords,
} from '../../src/echem/index.js';
import { DataError } from '../../src/core/errors.js';
import type { CyclerRecords } from '../../src/io/cycler/types.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-echem-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cell = createCell(operandoProtocol());
const DT = 10;
const simulated = simulateCycler(cell, { sampleIntervalS: DT });
const path = join(dir, 'virtual.mpt');
writeMpt(path, simulated);
const records = readBiologic(path);
const series = seriesFromRecords(records);
const steps = segmentSteps(series);
const q = (t: number) => cell.state(t).chargeMAh;

/** Time the strippable deposit runs out during step `k` (bisection on the cell's inventory). */
function exhaustionTime(k: number): number {
  const span = cell.steps[k];
  const active = (t: number) => {
    const inv = cell.state(t).inventory;
    return inv.dense + inv.mossy + inv.dendritic;
  };
  let lo = span.startS;
  let hi = span.endS;
  if (active(hi) > 0) throw new Error('deposit not exhausted in this step');
  for (let i = 0; i < 100; i++) {
    const mid = 0.5 * (lo + hi);
    if (active(mid) > 0) lo = mid;
    else hi = mid;
  }
  return hi;
}

describe('steps and capacities on the virtual cell', () => {
  it('reads back what was written, start time included', () => {
    expect(records.rowCount).toBe(simulated.rowCount);
    expect(records.startMs).toBe(simulated.startMs);
    expect(records.technique).toBe('MB');
  });

  it('finds every protocol step with exact boundaries and the right type', () => {
    expect(steps.length).toBe(cell.steps.length);
    const kinds = { rest: 'rest', plate: 'cc', strip: 'cc', hold: 'cv' } as const;
    cell.steps.forEach((span, k) => {
      expect(steps[k].startS).toBe(span.startS);
      expect(steps[k].endS).toBe(span.endS);
      expect(steps[k].type).toBe(kinds[span.kind]);
      expect(steps[k].direction).toBe(
        span.kind === 'plate' ? 'discharge' : span.kind === 'rest' ? 'none' : 'charge',
      );
    });
  });

  it('the same boundaries from current and voltage alone', () => {
    const bare: CyclerRecords = {
      ...records,
      columns: records.columns.filter((c) => !['step', 'mode'].includes(c.key)),
    };
    const behaviour = segmentSteps(seriesFromRecords(bare));
    expect(behaviour.map((s) => [s.startS, s.endS, s.type])).toEqual(
      steps.map((s) => [s.startS, s.endS, s.type]),
    );
    expect(behaviour[0].source).toBe('behaviour');
  });

  it('step and cycle capacities and CE exact to 1e-9', () => {
    let worst = 0;
    cell.steps.forEach((span, k) => {
      const truth = Math.abs(q(span.endS) - q(span.startS));
      if (truth === 0) expect(steps[k].capacityMAh).toBe(0);
      else worst = Math.max(worst, Math.abs(steps[k].capacityMAh - truth) / truth);
    });
    expect(worst).toBeLessThan(1e-9);
    const cycles = analyseCycles(steps, { areaCm2: cell.params.areaCm2 });
    expect(cycles.map((c) => c.number)).toEqual([0, 1, 2]);
    for (const c of cycles.slice(1)) {
      const spans = cell.steps.filter((s) => s.cycle === c.number);
      const plated = spans.filter((s) => s.kind === 'plate').reduce((a, s) => a + q(s.endS) - q(s.startS), 0);
      const stripped = spans
        .filter((s) => s.kind === 'strip' || s.kind === 'hold')
        .reduce((a, s) => a + q(s.startS) - q(s.endS), 0);
      expect(Math.abs(c.dischargeMAh - plated) / plated).toBeLessThan(1e-9);
      expect(Math.abs(c.chargeMAh - stripped) / stripped).toBeLessThan(1e-9);
      expect(Math.abs(c.coulombicEfficiency! - stripped / plated) / (stripped / plated)).toBeLessThan(1e-9);
      expect(c.dischargeMAhPerCm2).toBeCloseTo(c.dischargeMAh / cell.params.areaCm2, 12);
    }
    expect(cycles[1].stateOfHealth).toBe(1);
    expect(cycles[2].stateOfHealth).toBeCloseTo(cycles[2].chargeMAh / cycles[1].chargeMAh, 12);
  });

  it('voltage onset at the end of stripping within one sample', () => {
    const k = cell.steps.findIndex((s) => s.kind === 'strip');
    const truth = exhaustionTime(k);
    const onset = detectVoltageOnset(series, steps[k]);
    expect(onset).not.toBeNull();
    expect(Math.abs(onset!.timeS - truth)).toBeLessThanOrEqual(DT);
    expect(onset!.riseV).toBeGreaterThan(0.1);
    // A plating step has a nucleation dip but no rise: no onset.
    expect(detectVoltageOnset(series, steps[1])).toBeNull();
  });

  it('nucleation overpotential of the first plating', () => {
    const first = nucleationOverpotential(series, steps[1]);
    expect(first.overpotentialV).toBeCloseTo(cell.params.nucleationOverpotentialV, 6);
    expect(first.peakStepTimeS).toBe(0);
    const v0 = cell.state(cell.steps[5].startS).voltageV;
    const plateau = cell.state(0.5 * (cell.steps[5].startS + cell.steps[5].endS)).voltageV;
    expect(nucleationOverpotential(series, steps[5]).overpotentialV).toBeCloseTo(Math.abs(v0 - plateau), 6);
  });

  it('dQ/dV integrates back to the step capacity', () => {
    const s = steps[3];
    const d = differentialCapacity(series, s.startRow, s.endRow, 0.002);
    const total = d.dqdvMAhPerV.reduce((a, b) => a + b, 0) * 0.002;
    expect(total).toBeCloseTo(s.capacityMAh, 9);
  });

  it('time going backwards is a typed error naming the row', () => {
    const text = formatMpt(simulated).split('\r\n');
    const headerLines = Number(/: (\d+)/.exec(text[1])![1]);
    const row = headerLines + 20;
    const cells = text[row].split('\t');
    cells[2] = '1.000000000000000E+000';
    text[row] = cells.join('\t');
    const rec = parseMpt(Buffer.from(text.join('\r\n'), 'latin1'), 'backwards.mpt');
    expect(() => seriesFromRecords(rec)).toThrow(DataError);
    expect(() => seriesFromRecords(rec)).toThrow(/row 20/);
    const sorted = seriesFromRecords(rec, { allowUnsortedTime: true });
    expect(sorted.warnings.join()).toMatch(/sorted/);
  });
});
