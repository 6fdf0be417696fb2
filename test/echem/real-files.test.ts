/**
 * Step and cycle analysis of real EC-Lab runs: the binary file and EC-Lab's own text export of the same
 * run must give the same steps and capacities.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveReference, referencePath } from '../reference-data.js';
import { readBiologic } from '../../src/io/biologic/index.js';
import { analyseCycles, segmentSteps, seriesFromRecords } from '../../src/echem/index.js';

const dataDir = referencePath('biologic');
const haveData = haveReference('biologic');

describe.skipIf(!haveData)('steps and cycles of real EC-Lab runs', () => {
  for (const [bin, text] of [
    ['gcpl.issue_149.mpr', 'gcpl.issue_149.mpt'],
    ['mb.issue_223.mpr', 'mb.issue_223.mpt'],
    ['mb.issue_95.mpr', 'mb.issue_95.de.mpt'],
    ['ca.mpr', 'ca.mpt'],
  ]) {
    it(`${bin} and ${text} agree`, () => {
      const a = segmentSteps(seriesFromRecords(readBiologic(join(dataDir, bin))));
      const b = segmentSteps(seriesFromRecords(readBiologic(join(dataDir, text))));
      expect(a.map((s) => [s.startRow, s.endRow, s.type, s.direction])).toEqual(
        b.map((s) => [s.startRow, s.endRow, s.type, s.direction]),
      );
      a.forEach((s, i) =>
        expect(Math.abs(s.capacityMAh - b[i].capacityMAh)).toBeLessThanOrEqual(
          1e-9 + 1e-6 * b[i].capacityMAh,
        ),
      );
      const ca = analyseCycles(a);
      const cb = analyseCycles(b);
      expect(ca.length).toBe(cb.length);
      ca.forEach((c, i) => expect(c.coulombicEfficiency ?? 0).toBeCloseTo(cb[i].coulombicEfficiency ?? 0, 6));
    });
  }

  it('GCPL: four charge/discharge cycles of 10 s at ±30 µA (8.33e-5 mAh each way)', () => {
    const steps = segmentSteps(seriesFromRecords(readBiologic(join(dataDir, 'gcpl.issue_149.mpr'))));
    const cycles = analyseCycles(steps).filter((c) => c.number > 0);
    expect(cycles).toHaveLength(4);
    for (const c of cycles) {
      expect(c.chargeMAh).toBeCloseTo((0.03 * 10) / 3600, 6);
      expect(c.coulombicEfficiency!).toBeGreaterThan(0.99);
      expect(c.coulombicEfficiency!).toBeLessThan(1);
    }
    expect(steps.filter((s) => s.type === 'cc').length).toBe(8);
  });
});
