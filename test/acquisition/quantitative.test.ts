/**
 * Measurements feed the acquisition plan: `acquire init --t1-from` (a `relax t1 --json` of a simulated
 * inversion recovery with T1 = 0.15 s for the metal and 2.5 s for the electrolyte) sets D1 so D1 + AQ is
 * −T1·ln(1 − accuracy) of the slowest line; `--nutation-from` sets P1 from the fitted π/2; a plan whose D1
 * is too short for its declared quantitative conditions is refused in one line when read.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantitativeRepetitionS, readPlan } from '../../src/acquisition/plan.js';
import { writeRelaxationExperiment } from '../../src/sim/index.js';
import { cli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-quant-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quantitative plans from T1 and nutation measurements', () => {
  const t1Json = join(dir, 't1.json');
  const nutJson = join(dir, 'nutation.json');
  beforeAll(async () => {
    const ir = writeRelaxationExperiment(join(dir, 'ir'), { experiment: 'inversion-recovery' });
    const a = await cli(['relax', 't1', ir.dataPath, '--region', '230:260', '--region', '-10:10', '--json']);
    expect(a.code, a.stderr).toBe(0);
    writeFileSync(t1Json, a.stdout);
    const nu = writeRelaxationExperiment(join(dir, 'nu'), { experiment: 'nutation' });
    const b = await cli(['relax', 'nutation', nu.dataPath, '--region', '-10:10', '--json']);
    expect(b.code, b.stderr).toBe(0);
    writeFileSync(nutJson, b.stdout);
  }, 60_000);

  it('5·T1 recovers 99.3 % of M0', () => {
    expect(1 - Math.exp(-quantitativeRepetitionS(1, 0.993) / 1)).toBeCloseTo(0.993, 12);
    expect(quantitativeRepetitionS(2, 1 - Math.exp(-5))).toBeCloseTo(10, 12);
  });

  it('init --t1-from/--nutation-from: D1 from the slowest line, P1 from the π/2', async () => {
    const planPath = join(dir, 'plan.json');
    const r = await cli([
      'acquire',
      'init',
      planPath,
      '--t1-from',
      t1Json,
      '--accuracy',
      '0.99',
      '--nutation-from',
      nutJson,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/D1 = .*\(signal -10:10\)/);
    const plan = JSON.parse(readFileSync(planPath, 'utf8')) as {
      nmr: {
        recycleDelayS: number;
        complexPoints: number;
        swHz: number;
        pulseUs: number;
        quantitative: { t1S: number };
      };
    };
    // the electrolyte's T1 (truth 2.5 s) sets it, within the fit's accuracy
    expect(Math.abs(plan.nmr.quantitative.t1S - 2.5) / 2.5).toBeLessThan(0.02);
    const aq = plan.nmr.complexPoints / plan.nmr.swHz;
    const tr = plan.nmr.recycleDelayS + aq;
    expect(1 - Math.exp(-tr / plan.nmr.quantitative.t1S)).toBeGreaterThanOrEqual(0.99);
    expect(tr - quantitativeRepetitionS(plan.nmr.quantitative.t1S, 0.99)).toBeLessThan(0.0101);
    // truth: ν1 = 37 kHz → π/2 = 1/(4ν1) = 6.76 µs
    expect(Math.abs(plan.nmr.pulseUs - 1e3 / (4 * 37)) / (1e3 / (4 * 37))).toBeLessThan(0.02);
    expect(readPlan(planPath).plan.nmr.quantitative?.accuracy).toBe(0.99);
    // the same plan with D1 = 1 s is refused on reading, in one line naming the field
    const short = join(dir, 'short.json');
    writeFileSync(short, JSON.stringify({ ...plan, nmr: { ...plan.nmr, recycleDelayS: 1 } }));
    expect(() => readPlan(short)).toThrow(/recycle delay is too short/);
    const run = await cli(['acquire', short, '--virtual']);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/nmr\.recycleDelayS/);
  });

  it('refuses a file that is not a relax result, naming it', async () => {
    const r = await cli(['acquire', 'init', join(dir, 'p2.json'), '--t1-from', nutJson]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not a t1 result/);
    expect(r.stderr).toMatch(/nutation\.json/);
  });
});
