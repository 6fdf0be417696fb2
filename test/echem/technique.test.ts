/**
 * Steps and cycles follow the technique, on real EC-Lab runs:
 * - CV (cv.mpr/.mpt): sweeps begin where EC-Lab's own ox/red flag changes (the sweep direction) and
 *   where its cycle number changes; per cycle the anodic and cathodic charge equal a numpy integration of
 *   EC-Lab's exported current (test/fixtures/cycler/cv_reference.py → cv-reference.json). Before, the
 *   whole voltammogram was one 70.5 mAh "charge" step.
 * - PEIS, GEIS and the impedance sequences of a Modulo Bat are impedance, neither charge nor discharge.
 * - OCV is rest; GCPL charge/discharge follows the sign of the current.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveReference, referencePath } from '../reference-data.js';
import { readBiologic } from '../../src/io/biologic/index.js';
import { analyseCycles, segmentSteps, seriesFromRecords, sweepReversals } from '../../src/echem/index.js';
import { cli } from '../cli/helpers.js';

const dataDir = referencePath('biologic');
const haveData = haveReference('biologic');

interface CvReference {
  controlReversalRows: number[];
  oxRedChangeRows: number[];
  cycleChangeRows: number[];
  cycles: { cycle: number; firstRow: number; anodicMAh: number; cathodicMAh: number }[];
}
const ref = JSON.parse(
  readFileSync(new URL('../fixtures/cycler/cv-reference.json', import.meta.url), 'utf8'),
) as CvReference;

describe.skipIf(!haveData)('steps and cycles follow the technique', () => {
  for (const file of ['cv.mpr', 'cv.mpt']) {
    it(`${file}: sweeps at EC-Lab's direction and cycle changes, charges per cycle as numpy`, () => {
      const series = seriesFromRecords(readBiologic(join(dataDir, file)));
      const steps = segmentSteps(series);
      const starts = [0, ...ref.oxRedChangeRows, ...ref.cycleChangeRows].sort((a, b) => a - b);
      expect(steps.map((s) => s.startRow)).toEqual(starts);
      expect(steps.every((s) => s.type === 'sweep' && s.technique === 'cv-sweep')).toBe(true);
      expect(steps.map((s) => s.sweep)).toEqual(['cathodic', 'anodic', 'cathodic', 'cathodic', 'anodic']);
      expect(steps.map((s) => s.instrumentCycle)).toEqual([1, 1, 1, 2, 2]);
      const cycles = analyseCycles(steps);
      expect(cycles.map((c) => c.number)).toEqual(ref.cycles.map((c) => c.cycle));
      cycles.forEach((c, k) => {
        // .mpr current is float32; the export prints 16 digits of it: agreement to 1e-7.
        expect(Math.abs(c.chargeMAh - ref.cycles[k].anodicMAh)).toBeLessThan(1e-7 * ref.cycles[k].anodicMAh);
        expect(Math.abs(c.dischargeMAh - ref.cycles[k].cathodicMAh)).toBeLessThan(
          1e-7 * ref.cycles[k].cathodicMAh,
        );
      });
    });
  }

  it('CV without the cycle counter or the programmed potential: reversals of Ewe, two sweeps a cycle', () => {
    const rec = readBiologic(join(dataDir, 'cv.mpt'));
    const series = seriesFromRecords({
      ...rec,
      columns: rec.columns.filter((c) => c.key !== 'control_V' && c.key !== 'cycle'),
    });
    const steps = segmentSteps(series);
    expect(steps.map((s) => s.startRow)).toEqual([0, ...ref.oxRedChangeRows]);
    expect(analyseCycles(steps).map((c) => c.number)).toEqual([1, 2]);
    expect(steps.map((s) => s.instrumentCycle)).toEqual([null, null, null, null]);
  });

  it('sweep reversals ignore noise below the threshold', () => {
    const p = Array.from({ length: 400 }, (_, i) => {
      const tri = i < 200 ? i / 100 : (400 - i) / 100; // 0 → 2 V → 0
      return tri + 0.01 * Math.sin(i * 2.1); // ±10 mV noise on 10 mV steps
    });
    expect(sweepReversals(p, 0.05)).toHaveLength(1);
    expect(Math.abs(sweepReversals(p, 0.05)[0] - 200)).toBeLessThanOrEqual(2);
    expect(sweepReversals(p, 0.001).length).toBeGreaterThan(10);
  });

  it('impedance techniques and sequences are neither charge nor discharge', () => {
    for (const f of ['peis.mpr', 'peis.mpt', 'geis.issue_149.mpr', 'geis.issue_149.mpt']) {
      const steps = segmentSteps(seriesFromRecords(readBiologic(join(dataDir, f))));
      expect(
        steps.every((s) => s.type === 'impedance' && s.technique === 'impedance' && s.direction === 'none'),
        f,
      ).toBe(true);
      expect(
        analyseCycles(steps).every((c) => c.number === 0 && c.dischargeMAh === 0),
        f,
      ).toBe(true);
    }
    // Modulo Bat: rest, PEIS, rest, GEIS, … (its header's ctrl_type line): the impedance sequences are the
    // ones whose rows carry a frequency.
    const mb = segmentSteps(seriesFromRecords(readBiologic(join(dataDir, 'mb.issue_223.mpr'))));
    expect(mb.map((s) => s.technique)).toEqual([
      'rest',
      'impedance',
      'rest',
      'impedance',
      'rest',
      'impedance',
      'rest',
      'impedance',
      'rest',
    ]);
    expect(analyseCycles(mb).filter((c) => c.number > 0)).toHaveLength(0);
  });

  it('OCV is rest; GCPL charge and discharge follow the sign of the current', () => {
    const ocv = segmentSteps(seriesFromRecords(readBiologic(join(dataDir, 'ocv.mpr'))));
    expect(ocv.map((s) => s.technique)).toEqual(['rest']);
    const gcpl = segmentSteps(seriesFromRecords(readBiologic(join(dataDir, 'gcpl.issue_149.mpr'))));
    for (const s of gcpl) {
      if (s.type === 'rest') expect(s.technique).toBe('rest');
      else expect(s.technique).toBe(s.meanCurrentMA > 0 ? 'charge' : 'discharge');
    }
    expect(gcpl.filter((s) => s.technique === 'charge')).toHaveLength(4);
    expect(gcpl.filter((s) => s.technique === 'discharge')).toHaveLength(4);
  });

  it('spincell cycler says how it split the record and prints the technique per step', async () => {
    const r = await cli(['--json', 'cycler', join(dataDir, 'cv.mpr')]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      analysis: { technique: string; steps: string; cycles: string };
      steps: { technique: string; sweep: string }[];
      cycles: { number: number; chargeMAh: number }[];
    };
    expect(doc.analysis.technique).toBe('CV');
    expect(doc.analysis.steps).toMatch(/CV: potential sweeps.*control\/V reverses.*cycle number/);
    expect(doc.analysis.cycles).toMatch(/EC-Lab's cycle number; charge = anodic/);
    expect(doc.steps.map((s) => s.technique)).toEqual(Array(5).fill('cv-sweep'));
    expect(doc.cycles.some((c) => Math.abs(c.chargeMAh - 70.5333) < 0.01)).toBe(false);
    const text = await cli(['cycler', join(dataDir, 'peis.mpr')]);
    expect(text.stdout).toMatch(/^step\s+Ns\s+cycle\s+technique\s+type\s+direction/m);
    expect(text.stdout).toMatch(/^0\s+—\s+0\s+impedance\s+impedance\s+none/m);
  });
});
