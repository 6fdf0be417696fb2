import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCapacityTable, formatIntegralTable } from '../../src/io/csv/dead-lithium.js';
import { NMC622_SOC_FACTORS } from '../../src/protocols/dead-lithium.js';
import {
  anodeFreeCyclerRecords,
  simulateAnodeFreeCell,
  type AnodeFreeSimulation,
} from '../../src/sim/anode-free.js';
import { formatMpt } from '../../src/sim/cycler.js';
import { cli } from '../cli/helpers.js';
import { checkWellFormed } from '../report/xml.js';

let dir: string;
const cells: AnodeFreeSimulation[] = [];
const measured = [1, 5, 10, 15, 20];

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spincell-dead-li-'));
  [0.8, 1.2].forEach((k, i) => {
    const sim = simulateAnodeFreeCell({
      cycles: 20,
      initialChargeMAh: 2.3,
      interphaseLossMAh: (n) => (n === 1 ? 0.2 : 0.011 * k),
      deadFormationMAh: 0.0025 * k,
      excessMAh: (n) => (n === 1 ? 0.12 : 0.02),
      sensitivity: 1000,
      socFactors: NMC622_SOC_FACTORS,
      measuredCycles: measured,
    });
    cells.push(sim);
    write(`cell${i + 1}.csv`, formatIntegralTable(sim.integrals));
    write(`caps${i + 1}.csv`, formatCapacityTable(sim.capacities));
    writeFileSync(
      join(dir, `cell${i + 1}.mpt`),
      Buffer.from(formatMpt(anodeFreeCyclerRecords(sim)), 'latin1'),
    );
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface CycleJson {
  cycle: number;
  deadMAh: number;
  excessMAh: number;
  interphaseMAh: number;
  interphasePercent: number;
  excessMinusCvMAh: number | null;
}
interface Doc {
  cells: {
    integrals: string;
    capacities: string;
    cycles: CycleJson[];
    trends: { deadMAh: { slope: number } };
  }[];
  replicates: {
    cells: number;
    cycles: { cycle: number; values: { deadMAh: { mean: number; sd: number } } }[];
  } | null;
}

describe('spincell dead-lithium', () => {
  it('capacities table: recovers the virtual cell, writes CSV and SVG', async () => {
    const out = join(dir, 'alloc.csv');
    const svg = join(dir, 'alloc.svg');
    const r = await cli([
      'dead-lithium',
      join(dir, 'cell1.csv'),
      '--capacities',
      join(dir, 'caps1.csv'),
      '--soc-factor',
      '1.08',
      '--area-cm2',
      '1',
      '--out',
      out,
      '--svg',
      svg,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.replicates).toBeNull();
    const cyc = doc.cells[0].cycles;
    expect(cyc.map((c) => c.cycle)).toEqual(measured);
    cyc.forEach((c) => {
      const t = cells[0].truth[c.cycle - 1];
      expect(c.deadMAh).toBeCloseTo(t.deadMAh, 12);
      expect(c.excessMAh).toBeCloseTo(t.excessMAh, 12);
      expect(c.interphaseMAh).toBeCloseTo(t.interphaseMAh, 12);
      expect(Math.abs(c.excessMinusCvMAh as number)).toBeLessThan(1e-12);
    });
    expect(doc.cells[0].trends.deadMAh.slope).toBeCloseTo(0.002, 12);
    const csv = readFileSync(out, 'utf8');
    expect(csv).toMatch(/^# spincell dead-lithium/);
    expect(csv.split('\n').filter((l) => l.includes('cell1.csv'))).toHaveLength(measured.length);
    checkWellFormed(readFileSync(svg, 'utf8'));
  });

  it('without --soc-factor the 0 % SOC spectra are not corrected and the numbers differ', async () => {
    const r = await cli([
      'dead-lithium',
      join(dir, 'cell1.csv'),
      '--capacities',
      join(dir, 'caps1.csv'),
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const c = (JSON.parse(r.stdout) as Doc).cells[0].cycles[4];
    expect(Math.abs(c.deadMAh / cells[0].truth[19].deadMAh - 1)).toBeGreaterThan(0.05);
  });

  it('cycler file (EC-Lab text): CC and CV discharge split through src/echem', async () => {
    const r = await cli([
      'dead-lithium',
      join(dir, 'cell1.csv'),
      '--cycler',
      join(dir, 'cell1.mpt'),
      '--soc-factor',
      '1.08',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const cyc = (JSON.parse(r.stdout) as Doc).cells[0].cycles;
    cyc.forEach((c) => {
      const t = cells[0].truth[c.cycle - 1];
      expect(Math.abs(c.deadMAh - t.deadMAh)).toBeLessThan(1e-9);
      expect(Math.abs(c.interphaseMAh - t.interphaseMAh)).toBeLessThan(1e-9);
      expect(Math.abs(c.excessMinusCvMAh as number)).toBeLessThan(1e-9);
    });
  });

  it('replicates: two cells → mean ± sd per cycle; a table for humans', async () => {
    const args = [
      'dead-lithium',
      join(dir, 'cell1.csv'),
      join(dir, 'cell2.csv'),
      '--capacities',
      join(dir, 'caps1.csv'),
      '--capacities',
      join(dir, 'caps2.csv'),
      '--soc-factor',
      '1.08',
    ];
    const r = await cli([...args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.replicates?.cells).toBe(2);
    const last = doc.replicates?.cycles[4].values.deadMAh;
    const d = [cells[0].truth[19].deadMAh, cells[1].truth[19].deadMAh];
    expect(last?.mean).toBeCloseTo((d[0] + d[1]) / 2, 12);
    expect(last?.sd).toBeCloseTo(Math.abs(d[0] - d[1]) / Math.SQRT2, 12);
    const t = await cli(args);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/2 replicate cells, mean ± standard deviation/);
    expect(t.stdout).toMatch(/dead metal: +0\.002000 ± [0-9.e-]+ mAh\/cycle/);
  });

  it('bad input: exit 3 with one line on stderr; usage errors exit 2', async () => {
    const good = join(dir, 'caps1.csv');
    const bad: [string, RegExp][] = [
      ['cycle,state,integral\n1,charged,100\n1,discharged,120\n1,after_cv,1\n', /not above the discharged/],
      ['cycle,state,integral\n1,charged,100\n1,discharged,10\n1,after_cv,-1\n', /negative metal integral/],
      ['cycle,state,integral\n1,charged,100\n1,discharged,10\n', /missing state/],
      [
        'cycle,state,integral\n1,charged,100\n1,discharged,10\n1,after_cv,1\n99,charged,100\n99,discharged,10\n99,after_cv,1\n',
        /no capacities for a measured cycle/,
      ],
      ['cycle,state,integral\n1,full,100\n', /unknown state/],
      ['cycle,value\n1,2\n', /missing column/],
    ];
    for (const [i, [text, pattern]] of bad.entries()) {
      const f = write(`bad${i}.csv`, text);
      const r = await cli(['dead-lithium', f, '--capacities', good]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
    const missing = await cli(['dead-lithium', join(dir, 'cell1.csv')]);
    expect(missing.code).toBe(2);
    const both = await cli([
      'dead-lithium',
      join(dir, 'cell1.csv'),
      '--capacities',
      good,
      '--cycler',
      join(dir, 'cell1.mpt'),
    ]);
    expect(both.code).toBe(2);
    const nofile = await cli(['dead-lithium', join(dir, 'nope.csv'), '--capacities', good]);
    expect(nofile.code).toBe(3);
  });
});
