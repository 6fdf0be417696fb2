/**
 * Repeatable `--map` through the CLI, on the tables of four cycler families (fixtures written by
 * test/fixtures/cycler/make_cycler_tables.py with a known protocol: 1.0 mAh in, 0.9 mAh out per cycle).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planOperando, writeOperandoSeries } from '../../../src/sim/index.js';
import { simulateCycler } from '../../../src/sim/cycler.js';
import { cli } from '../../cli/helpers.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'cycler');
const truth = JSON.parse(readFileSync(join(fixtures, 'truth.json'), 'utf8')) as {
  cycles: { chargeMAh: number; dischargeMAh: number; coulombicEfficiency: number }[];
  durationS: number;
  rows: number;
};

interface Summary {
  rows: number;
  durationS: number;
  warnings: string[];
  cycles: { number: number; chargeMAh: number; dischargeMAh: number; coulombicEfficiency: number | null }[];
}

const CASES: [family: string, file: string, maps: string[]][] = [
  [
    'Neware (header with colons, h:min:s.ms durations)',
    'neware.csv',
    ['time_s=Relative Time(h:min:s.ms)', 'current_mA=Current(mA)', 'step=Step ID'],
  ],
  [
    'Arbin (test time in hours, units declared)',
    'arbin.csv',
    ['time_s=Test Time:h', 'current_mA=Current:A', 'voltage_V=Voltage:V', 'step=Step_Index'],
  ],
  [
    'MACCOR-like (current magnitude signed by MD)',
    'maccor.csv',
    ['time_s=TestTime:s', 'current_mA=Current:A', 'voltage_V=Voltage:V', 'state=MD', 'step=Step'],
  ],
  [
    'Zahner-like (German headers, decimal commas)',
    'zahner.txt',
    ['time_s=Zeit/s', 'voltage_V=Spannung/V', 'current_mA=Strom/A'],
  ],
];

describe('cycler --map, repeatable', () => {
  for (const [family, file, maps] of CASES) {
    it(`${family}: every mapping applies, capacities match the protocol`, async () => {
      const args = ['--json', 'cycler', join(fixtures, file), ...maps.flatMap((m) => ['--map', m])];
      const r = await cli(args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as Summary;
      expect(s.rows).toBe(truth.rows);
      expect(s.durationS).toBeCloseTo(truth.durationS, 0);
      const cycles = s.cycles.filter((c) => c.number > 0);
      expect(cycles).toHaveLength(truth.cycles.length);
      cycles.forEach((c, k) => {
        expect(c.chargeMAh).toBeCloseTo(truth.cycles[k].chargeMAh, 4);
        expect(c.dischargeMAh).toBeCloseTo(truth.cycles[k].dischargeMAh, 4);
        expect(c.coulombicEfficiency).toBeCloseTo(truth.cycles[k].coulombicEfficiency, 4);
      });
    });
  }

  it('a single --map leaves the self-describing headers recognised', async () => {
    const r = await cli(['--json', 'cycler', join(fixtures, 'neware.csv'), '--map', 'step=Step ID']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.cycles.find((c) => c.number === 1)?.chargeMAh).toBeCloseTo(1, 4);
  });

  it('mistakes are one-line errors naming the mapping', async () => {
    const file = join(fixtures, 'arbin.csv');
    const twice = await cli(['cycler', file, '--map', 'time_s=Test Time:h', '--map', 'time_s=Step Time:s']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/mapped twice/);
    const missing = await cli(['cycler', file, '--map', 'time_s=Test Tme:h']);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/not in the file.*Test Tme/);
    const badUnit = await cli(['cycler', file, '--map', 'time_s=Test Time:V']);
    expect(badUnit.stderr).toMatch(/unit cannot be converted/);
  });
});

describe('align --map, repeatable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spincell-map-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const options = { spectra: 4, spectrometer: { complexPoints: 128 } };
  const seriesDir = join(dir, 'series');
  writeOperandoSeries(seriesDir, options);
  const plan = planOperando(options);
  const rec = simulateCycler(plan.cell, { startMs: plan.options.startMs, timezone: 'UTC' });
  const col = (k: string) => rec.columns.find((c) => c.key === k)!.values;
  // The virtual cell's record as a Zahner-like German table (time in minutes, current in A).
  const lines = [`# start_local: ${rec.startLocal}`, 'Zeit/min;Spannung/V;Strom/A'];
  const t = col('time_s');
  for (let i = 0; i < t.length; i++)
    lines.push(
      [
        (t[i] / 60).toPrecision(12),
        col('voltage_V')[i].toFixed(6),
        (col('current_mA')[i] / 1000).toExponential(8),
      ]
        .join(';')
        .replace(/\./g, ','),
    );
  const table = join(dir, 'zahner.txt');
  writeFileSync(table, `${lines.join('\n')}\n`);

  it('maps three columns and aligns every spectrum inside the record', async () => {
    const r = await cli([
      '--json',
      'align',
      seriesDir,
      table,
      ...['--map', 'time_s=Zeit/min', '--map', 'voltage_V=Spannung/V', '--map', 'current_mA=Strom/A'],
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { rows: { status: string; chargeMidMAh: number }[] };
    expect(doc.rows).toHaveLength(plan.spectra.length);
    doc.rows.forEach((row, i) => {
      expect(row.status).toBe('inside');
      const want = -plan.spectra[i].cell.chargeMAh;
      expect(Math.abs(row.chargeMidMAh - want)).toBeLessThanOrEqual(2e-3 * Math.abs(want) + 1e-6);
    });
  });
});
