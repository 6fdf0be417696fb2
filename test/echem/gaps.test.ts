/**
 * Holes in cycler records. The real EC-Lab files gcpl.issue_149 and geis.issue_149 are one run: a
 * GCPL sequence and a GEIS linked to it, saved to two files on one clock. Each file has a hole of about
 * 170 s wherever the other technique ran, so the holes are known: every row of one file lies in a hole
 * of the other. Records logged without interruption (real CA, CP, OCV, PEIS, Modulo Bat with 5 s rests
 * beside 0.4 s impedance points, and the simulated operando record) have none.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveReference, referencePath } from '../reference-data.js';
import { readBiologic } from '../../src/io/biologic/index.js';
import {
  alignSpectra,
  breakAtGaps,
  checkAlignment,
  findRecordGaps,
  seriesFromRecords,
  type CyclerSeries,
} from '../../src/echem/index.js';
import { planOperando } from '../../src/sim/spectrometer.js';
import { simulateCycler } from '../../src/sim/cycler.js';
import { buildRunReport } from '../../src/pipeline/report.js';
import { analyseCycles, segmentSteps } from '../../src/echem/index.js';

const dataDir = referencePath('biologic');
const haveData = haveReference('biologic');

const series = (f: string): CyclerSeries => seriesFromRecords(readBiologic(join(dataDir, f)));

describe('holes in a cycler record', () => {
  it.skipIf(!haveData)('the GCPL and GEIS files of one run: each has a hole wherever the other ran', () => {
    const gcpl = series('gcpl.issue_149.mpr');
    const geis = series('geis.issue_149.mpr');
    expect(gcpl.startMs).toBe(geis.startMs);
    for (const [a, b] of [
      [gcpl, geis],
      [geis, gcpl],
    ]) {
      const gaps = findRecordGaps(a);
      expect(gaps).toHaveLength(3);
      for (const g of gaps) {
        expect(g.durationS).toBeGreaterThan(165);
        expect(g.durationS).toBeLessThan(190);
      }
      // Every row of the other file within this one's span lies inside one of its holes (the two never
      // ran at once).
      const [t0, t1] = [a.timeS[0], a.timeS[a.timeS.length - 1]];
      const within = Array.from(b.timeS).filter((t) => t > t0 && t < t1);
      expect(within.length).toBeGreaterThan(40);
      for (const t of within) expect(gaps.some((g) => t > g.startS && t < g.endS)).toBe(true);
    }
    // In the GCPL file the holes are where a sequence ends (Ns 2 → 0): found with the step-change factor.
    expect(findRecordGaps(gcpl).every((g) => g.atStepChange)).toBe(true);
  });

  it.skipIf(!haveData)('no holes in records logged without interruption', () => {
    for (const f of ['ca.mpr', 'cp.mpr', 'ocv.mpr', 'peis.mpr', 'mb.issue_223.mpr', 'mb.issue_95.mpr'])
      expect(findRecordGaps(series(f)), f).toEqual([]);
  });

  it('no holes in the simulated operando record (30 s logging, 8 h)', () => {
    const plan = planOperando({ spectra: 10 });
    const s = seriesFromRecords(
      simulateCycler(plan.cell, { startMs: plan.options.startMs, sampleIntervalS: 30 }),
    );
    expect(findRecordGaps(s)).toEqual([]);
  });

  it.skipIf(!haveData)('spectra over a hole are flagged, with the seconds they spend in it', () => {
    const gcpl = series('gcpl.issue_149.mpr');
    const t0 = gcpl.startMs!;
    const at = (a: number, b: number) => ({ startMs: t0 + 1000 * a, endMs: t0 + 1000 * b });
    // First hole: 60.15 → 230.57 s. A: inside it; B: inside the first charge; C: from a step into the hole.
    const aligned = alignSpectra([at(100, 160), at(41, 49), at(55, 75)], gcpl);
    expect(aligned.map((a) => a.status)).toEqual(['inside', 'inside', 'inside']);
    expect(aligned.map((a) => a.gap)).toEqual([true, false, true]);
    const [g] = findRecordGaps(gcpl);
    expect(aligned[0].gapOverlapS).toBeCloseTo(60, 9);
    expect(aligned[1].gapOverlapS).toBe(0);
    expect(aligned[2].gapOverlapS).toBeCloseTo(75 - g.startS, 9);
    const check = checkAlignment(aligned, gcpl, findRecordGaps(gcpl), '--offset-s');
    expect(check.inGaps).toBe(2);
    expect(check.warnings.join('\n')).toMatch(/2 of 3 spectra overlap holes.*3 holes.*the longest 170\.4 s/);
    // A spectrum of zero length inside the hole is in it too.
    expect(alignSpectra([at(120, 120)], gcpl)[0].gap).toBe(true);
  });

  it('breakAtGaps puts one NaN row in each hole', () => {
    const x = Float64Array.from([0, 1, 2, 200, 201, 400, 401]);
    const y = Float64Array.from([1, 2, 3, 4, 5, 6, 7]);
    const s: CyclerSeries = {
      source: 'x',
      timeS: x,
      voltageV: y,
      currentMA: y,
      chargeMAh: y,
      startMs: 0,
      warnings: [],
    };
    const gaps = findRecordGaps(s, { neighbours: 2 });
    expect(gaps.map((g) => g.afterRow)).toEqual([3, 5]);
    const b = breakAtGaps(x, [y], gaps);
    expect(Array.from(b.x)).toEqual([0, 1, 2, NaN, 200, 201, NaN, 400, 401]);
    expect(Array.from(b.ys[0])).toEqual([1, 2, 3, NaN, 4, 5, NaN, 6, 7]);
  });

  it.skipIf(!haveData)('the report draws the cell voltage and current in pieces, broken at the holes', () => {
    const gcpl = series('gcpl.issue_149.mpr');
    const steps = segmentSteps(gcpl);
    const sections = buildRunReport({
      nmr: null,
      cycler: { series: gcpl, cycles: analyseCycles(steps), gaps: findRecordGaps(gcpl) },
      aligned: null,
      eis: null,
      offsetS: 0,
    });
    const cell = sections.find((s) => s.heading === 'Cell')!;
    expect(cell.text).toMatch(/3 holes/);
    const fig = cell.figures![0];
    const svg = typeof fig === 'string' ? fig : fig.svg;
    const paths = [...svg.matchAll(/<path d="([^"]*)"[^>]*stroke="(#D55E00|[^"]*)"/g)].filter((m) =>
      /^M[\d.]+ [\d.]+L/.test(m[1]),
    );
    const pieces = paths.map((m) => (m[1].match(/M/g) ?? []).length);
    // Voltage and current: one piece per stretch between holes (4 each), none joining across a hole.
    expect(pieces.filter((p) => p === 4)).toHaveLength(2);
  });
});
