/**
 * One convention for time and names in every result table (README, "Output conventions"): the same
 * quantity of the same spectrum is identical whether it comes from a single command (`integrate`,
 * `morphology`, `fit`, `align`) or from a manifest run, and `time_s` is the mid-time after the first
 * acquisition's start in all of them (checked against the simulator's truth).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIME_COLUMNS } from '../../src/core/time-columns.js';
import { prepareExperiment } from '../../src/demo/experiment.js';
import { readTruth } from '../../src/sim/index.js';
import { cli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-conventions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CSV as header → column of cells (comment lines skipped). */
function columns(path: string): Map<string, string[]> {
  const [head, ...rows] = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.split(','));
  return new Map(head.map((h, i) => [h, rows.map((r) => r[i])]));
}

const PROCESSING = ['--lb', '5', '--phase-mode', 'shared', '--baseline', 'auto', '--ref', 'metal:245'];

describe('one time and naming convention across routes', () => {
  const series = join(dir, 'exp', 'series');
  const cycler = join(dir, 'exp', 'cycler.mpt');
  beforeAll(async () => {
    prepareExperiment(join(dir, 'exp'), { spectra: 6, sweeps: 2 });
    const manifest = {
      version: 1,
      name: 'conventions',
      nmr: {
        path: 'exp/series',
        processing: { lbHz: 5, phase: 'auto', phaseMode: 'shared', baseline: 'auto', reference: 'metal:245' },
        regionsPpm: [[230, 290]],
        morphology: { mode: 'constrained', widthCap: 3 },
      },
      cycler: { path: 'exp/cycler.mpt', offsetS: 2, capacityMAh: 2 },
      output: { dir: 'out' },
    };
    writeFileSync(join(dir, 'm.json'), JSON.stringify(manifest));
    const run = await cli(['run', join(dir, 'm.json')]);
    expect(run.code, run.stderr).toBe(0);
    const steps = [
      ['integrate', series, '--region', '230:290', ...PROCESSING, '--out', join(dir, 'integrate.csv')],
      [
        'morphology',
        series,
        '--mode',
        'constrained',
        '--width-cap',
        '3',
        ...PROCESSING,
        '--out',
        join(dir, 'morph.csv'),
      ],
      ['align', series, cycler, '--offset-s', '2', '--capacity-mah', '2', '--out', join(dir, 'align.csv')],
    ];
    for (const args of steps) {
      const r = await cli(args);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(0);
    }
  }, 60_000);

  it('every table carries the time columns, and time_s is the mid-time after the first start', () => {
    const truth = readTruth(series);
    const t0 = truth.spectra[0].startMs;
    for (const f of [
      'integrate.csv',
      'morph.csv',
      'align.csv',
      'out/integrals.csv',
      'out/morphology.csv',
      'out/aligned.csv',
    ]) {
      const c = columns(join(dir, f));
      for (const name of TIME_COLUMNS) expect(c.has(name), `${f}: ${name}`).toBe(true);
      // long tables repeat a spectrum's times on each of its component rows
      const mids = [...new Set(c.get('mid_iso'))];
      expect(mids, f).toEqual(truth.spectra.map((s) => s.midIso));
      const times = [...new Set(c.get('time_s'))].map(Number);
      times.forEach((t, i) => expect(t, f).toBeCloseTo((truth.spectra[i].midMs - t0) / 1000, 6));
      // snake_case names, units inside the name
      for (const name of c.keys()) expect(name, f).toMatch(/^[a-z0-9_]+$/);
    }
  });

  it('the same quantity is identical across routes', () => {
    const same = (a: string, b: string, names: string[]) => {
      const ca = columns(join(dir, a));
      const cb = columns(join(dir, b));
      for (const n of names) expect(ca.get(n), `${a} vs ${b}: ${n}`).toEqual(cb.get(n));
    };
    same('integrate.csv', 'out/integrals.csv', [
      'index',
      ...TIME_COLUMNS,
      'integral_230_290',
      'scale_factor',
    ]);
    same('morph.csv', 'out/morphology.csv', [
      'index',
      ...TIME_COLUMNS,
      'morphology',
      'fraction',
      'fraction_se',
    ]);
    same('align.csv', 'out/aligned.csv', [
      'index',
      ...TIME_COLUMNS,
      'mean_voltage_v',
      'charge_mid_mah',
      'soc_pct',
    ]);
    // fractions are 0–1 and sum to 1 per spectrum
    const m = columns(join(dir, 'morph.csv'));
    const sums = new Map<string, number>();
    m.get('fraction')?.forEach((f, i) => {
      const k = m.get('index')?.[i] ?? '';
      sums.set(k, (sums.get(k) ?? 0) + Number(f));
      expect(Number(f)).toBeGreaterThanOrEqual(0);
      expect(Number(f)).toBeLessThanOrEqual(1);
    });
    for (const s of sums.values()) expect(s).toBeCloseTo(1, 9);
  });
});
