/**
 * `spincell simulate relaxation` → `spincell relax t1|t2|nutation`: the whole road from simulated Bruker
 * data (pseudo-2D ser with vdlist/vclist/vplist, or a series of experiments with the variable in acqus) to
 * fitted T1, T2, π/2 and their errors, checked against the simulation's truth; outputs, warnings and
 * refusals.
 */
import {
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  mkdtempSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelaxationTruth } from '../../src/sim/index.js';
import { checkWellFormed } from '../report/xml.js';
import { cli } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-relax-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const METAL = '225:265';
const ELECTROLYTE = '-15:15';

interface Quantity {
  name: string;
  value: number | null;
  se: number | null;
}
interface Result {
  signal: string;
  quantities: Quantity[];
  parameters: { name: string; value: number; standardError: number }[];
  rSquared: number;
  signFlipped: boolean;
  points: { x: number; intensity: number; residual: number }[];
}
interface RelaxJson {
  kind: string;
  sequence?: string;
  variable: { source: string; values: number[] };
  x: number[];
  phase: { ph0Deg: number; ph1Deg: number; referenceIndex: number } | null;
  results: Result[];
  warnings: string[];
}

async function simulate(name: string, args: string[]): Promise<{ dir: string; truth: RelaxationTruth }> {
  const dir = join(root, name);
  const r = await cli(['--json', 'simulate', 'relaxation', '--out', dir, ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return { dir, truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as RelaxationTruth };
}

async function relax(args: string[]): Promise<RelaxJson> {
  const r = await cli(['--json', 'relax', ...args]);
  if (r.code !== 0) throw new Error(`relax ${args.join(' ')} → ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as RelaxJson;
}

function quantity(r: Result, name: string): Quantity {
  const q = r.quantities.find((x) => x.name === name);
  if (!q) throw new Error(`no ${name} in ${r.quantities.map((x) => x.name).join(', ')}`);
  return q;
}

/** |value − truth| within k standard errors (and the error is finite and positive). */
function within(q: Quantity, truth: number, k = 4): void {
  expect(q.value).not.toBeNull();
  expect(q.se).toBeGreaterThan(0);
  expect(Math.abs((q.value as number) - truth)).toBeLessThan(k * (q.se as number));
}

let ir: { dir: string; truth: RelaxationTruth };
beforeAll(async () => {
  ir = await simulate('ir', ['--experiment', 'inversion-recovery', '--seed', '3']);
});

describe('spincell relax t1', () => {
  it('inversion recovery (pseudo-2D ser + vdlist): both T1 within 4σ of the truth, recycle advice', async () => {
    const j = await relax(['t1', join(ir.dir, '1'), '--region', METAL, '--region', ELECTROLYTE]);
    expect(j.sequence).toBe('inversion-recovery');
    expect(j.variable.source).toBe('vdlist');
    expect(j.variable.values).toEqual(ir.truth.values);
    const [metal, electrolyte] = j.results;
    within(quantity(metal, 't1_s'), 0.15);
    within(quantity(electrolyte, 't1_s'), 2.5);
    expect(quantity(metal, 't1_s').se! / 0.15).toBeLessThan(0.01);
    // TR for 99 % = ln(100)·T1; D1 = 15 s, AQ = 4096/100 kHz
    const t1 = quantity(electrolyte, 't1_s').value!;
    expect(quantity(electrolyte, 'repetition_time_s').value).toBeCloseTo(Math.log(100) * t1, 9);
    expect(quantity(electrolyte, 'recycle_delay_s').value).toBeCloseTo(Math.log(100) * t1 - 0.04096, 9);
    expect(quantity(electrolyte, 'current_recovery').value).toBeCloseTo(1 - Math.exp(-15.04096 / t1), 9);
    // the strongest row (longest delay) set the phase; inverted rows stayed negative
    expect(j.phase?.referenceIndex).toBe(12);
    expect(metal.points[0].intensity).toBeLessThan(0);
    expect(metal.signFlipped).toBe(false);
    // T2* from the relaxed row's width: metal line 680 Hz FWHM (Voigt 1.5 + 3.5 ppm at 155.5 MHz)
    const t2star = quantity(metal, 't2_star_s').value!;
    expect(1 / (Math.PI * t2star)).toBeGreaterThan(600);
    expect(1 / (Math.PI * t2star)).toBeLessThan(760);
  });

  it('the same experiment as a series of expnos (variable in acqus D7) gives the same numbers', async () => {
    const series = await simulate('ir-series', [
      '--experiment',
      'inversion-recovery',
      '--seed',
      '3',
      '--layout',
      'series',
    ]);
    const a = await relax(['t1', join(ir.dir, '1'), '--region', METAL]);
    const b = await relax(['t1', series.dir, '--region', METAL, '--variable', 'D7']);
    expect(b.variable.source).toBe('acqus D7');
    expect(b.variable.values).toEqual(ir.truth.values);
    const ta = quantity(a.results[0], 't1_s');
    const tb = quantity(b.results[0], 't1_s');
    expect(tb.value).toBeCloseTo(ta.value!, 9);
    expect(tb.se).toBeCloseTo(ta.se!, 9);
    const missing = await cli(['relax', 't1', series.dir, '--region', METAL]);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/no row variable.*--variable/);
  });

  it('3p on an imperfect inversion (k = 1.8) recovers k; 2p on it is biased', async () => {
    const s = await simulate('ir-k', [
      '--experiment',
      'inversion-recovery',
      '--inversion',
      '1.8',
      '--seed',
      '5',
    ]);
    const three = await relax(['t1', join(s.dir, '1'), '--region', METAL, '--model', '3p']);
    within(quantity(three.results[0], 't1_s'), 0.15);
    within(quantity(three.results[0], 'k'), 1.8);
    within(quantity(three.results[0], 'initial_fraction'), -0.8);
    const two = await relax(['t1', join(s.dir, '1'), '--region', METAL]);
    const t2p = quantity(two.results[0], 't1_s');
    expect(Math.abs(t2p.value! - 0.15) / 0.15).toBeGreaterThan(0.1);
    const rms = (r: Result) => Math.sqrt(r.points.reduce((a, p) => a + p.residual ** 2, 0) / r.points.length);
    expect(rms(two.results[0])).toBeGreaterThan(3 * rms(three.results[0]));
  });

  it('saturation recovery; D1 shorter than needed → one warning line naming the recovered fraction', async () => {
    const s = await simulate('sr', ['--experiment', 'saturation-recovery', '--electrolyte-t1', '5']);
    const r = await cli(['relax', 't1', join(s.dir, '1'), '--region', METAL, '--region', ELECTROLYTE]);
    expect(r.code).toBe(0);
    // D1 + AQ = 15.04 s recovers 1 − e^(−15.04/5) = 95.1 % of the electrolyte line, all of the metal line
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^spincell: warning: .* region -15:15: D1 \+ AQ = 15\.0 s recovers 9[45]\.\d % of M0 \(T1 = [45]\.\d+ s\); 99\.0 % needs D1 \+ AQ ≥ 2\d\.\d s$/,
    );
    const j = await relax(['t1', join(s.dir, '1'), '--region', ELECTROLYTE]);
    expect(j.sequence).toBe('saturation-recovery');
    within(quantity(j.results[0], 't1_s'), 5);
  });

  it('per fitted line (--lines model spec): component areas give the same T1 as the regions', async () => {
    const spec = join(root, 'lines.json');
    writeFileSync(
      spec,
      JSON.stringify({
        windowPpm: [-40, 290],
        components: [
          {
            name: 'metal',
            shape: 'voigt',
            position: { value: 245, min: 240, max: 250 },
            fwhmG: 3.5,
            fwhmL: 1.5,
          },
          {
            name: 'electrolyte',
            shape: 'voigt',
            position: { value: 0, min: -5, max: 5 },
            fwhmG: 2,
            fwhmL: 1.5,
          },
        ],
      }),
    );
    const j = await relax(['t1', join(ir.dir, '1'), '--lines', spec]);
    expect(j.results.map((r) => r.signal)).toEqual(['metal', 'electrolyte']);
    within(quantity(j.results[0], 't1_s'), 0.15);
    within(quantity(j.results[1], 't1_s'), 2.5);
  });

  it('--out CSV and --svg: written together; the figure is well-formed with data, fit and residual panels', async () => {
    const out = join(root, 't1.csv');
    const svg = join(root, 't1.svg');
    const r = await cli(['relax', 't1', join(ir.dir, '1'), '--region', METAL, '--out', out, '--svg', svg]);
    expect(r.code).toBe(0);
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('signal,kind,region_lo_ppm,region_hi_ppm,model,quantity,value,se,unit');
    expect(csv.some((l) => l.startsWith('225:265,region,225,265,2p,t1_s,0.1'))).toBe(true);
    const text = readFileSync(svg, 'utf8');
    checkWellFormed(text);
    expect(text).toContain('residual');
    expect(text).toContain('T1 of ir/1');
    // a failing command leaves neither file
    rmSync(out);
    rmSync(svg);
    const bad = await cli([
      'relax',
      't1',
      join(ir.dir, '1'),
      '--region',
      METAL,
      '--model',
      '2p',
      '--out',
      out,
      '--svg',
      svg,
      '--values',
      '1,2',
    ]);
    expect(bad.code).toBe(2);
    expect(existsSync(out) || existsSync(svg)).toBe(false);
  });

  it('a true 2-D experiment (acqu2s FnMODE States) is still refused, naming FnMODE (exit 3)', async () => {
    const s = await simulate('ir-2d', ['--experiment', 'inversion-recovery']);
    const acqu2s = join(s.dir, '1', 'acqu2s');
    writeFileSync(acqu2s, readFileSync(acqu2s, 'utf8').replace('##$FnMODE= 0', '##$FnMODE= 4'));
    const r = await cli(['relax', 't1', join(s.dir, '1'), '--region', METAL]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/acqu2s: FnMODE: true 2-D experiment.*found 4 \(States\)/);
  });

  it('a growing ser (8 of 13 rows) is fitted on its complete rows, with a note', async () => {
    const s = await simulate('ir-growing', ['--experiment', 'inversion-recovery', '--seed', '3']);
    const ser = join(s.dir, '1', 'ser');
    const stride = statSync(ser).size / 13;
    truncateSync(ser, 8 * stride + 100);
    const r = await cli(['--json', 'relax', 't1', join(s.dir, '1'), '--region', METAL]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/holds 8 of 13 rows/);
    const j = JSON.parse(r.stdout) as RelaxJson;
    expect(j.x).toEqual(ir.truth.values.slice(0, 8));
    within(quantity(j.results[0], 't1_s'), 0.15);
  });
});

describe('spincell relax t2', () => {
  it('Hahn echo (vdlist τ, echo time 2τ): both T2 within 4σ', async () => {
    const s = await simulate('hahn', ['--experiment', 'hahn-echo', '--seed', '2']);
    const j = await relax(['t2', join(s.dir, '1'), '--region', METAL, '--region', ELECTROLYTE]);
    expect(j.x).toEqual(s.truth.values.map((v) => 2 * v));
    within(quantity(j.results[0], 't2_s'), 0.002);
    within(quantity(j.results[1], 't2_s'), 0.05);
    // T2* from the first echo's linewidth is far shorter than T2 (static inhomogeneous line)
    expect(quantity(j.results[1], 't2_star_s').value!).toBeLessThan(0.05 / 10);
  });

  it('CPMG (vclist × 2·D20 of acqus, or --echo-spacing-us)', async () => {
    const s = await simulate('cpmg', ['--experiment', 'cpmg', '--seed', '2']);
    const j = await relax(['t2', join(s.dir, '1'), '--region', METAL]);
    expect(j.variable.source).toBe('vclist');
    expect(j.x[1]).toBeCloseTo(2 * 2e-4, 12);
    within(quantity(j.results[0], 't2_s'), 0.002);
    const k = await relax(['t2', join(s.dir, '1'), '--region', METAL, '--echo-spacing-us', '400']);
    expect(quantity(k.results[0], 't2_s').value).toBeCloseTo(2 * quantity(j.results[0], 't2_s').value!, 6);
  });
});

describe('spincell relax nutation', () => {
  it('damped nutation of both lines: ν1 = 37 kHz, π/2 = 6.757 µs, damping 0.01 per µs, within 4σ', async () => {
    const s = await simulate('nut', ['--experiment', 'nutation', '--seed', '6']);
    const j = await relax(['nutation', join(s.dir, '1'), '--region', METAL, '--region', ELECTROLYTE]);
    expect(j.warnings).toEqual([]);
    for (const r of j.results) {
      within(quantity(r, 'nutation_khz'), 37);
      within(quantity(r, 'pi2_us'), 1000 / (4 * 37));
      within(quantity(r, 'lambda_per_us'), 0.01);
    }
  });

  it('skin-depth-limited metal: the skin model fits, a damped sine does not, and reports its damping', async () => {
    const s = await simulate('metal-nut', ['--experiment', 'metal-nutation', '--seed', '6']);
    const skin = await relax(['nutation', join(s.dir, '1'), '--region', METAL, '--model', 'skin']);
    const m = skin.results[0];
    within(quantity(m, 'nutation_khz'), 37);
    within(quantity(m, 'max_signal_us'), 2.331122370414423 / (2 * Math.PI * 0.037));
    expect(m.rSquared).toBeGreaterThan(0.9999);
    const damped = await relax(['nutation', join(s.dir, '1'), '--region', METAL, '--region', ELECTROLYTE]);
    const d = damped.results[0];
    // advice for the metal line only: the electrolyte line nutates as a damped sine
    expect(damped.warnings.filter((w) => /skin-depth curve .* fits better/.test(w))).toHaveLength(1);
    expect(damped.warnings.join('\n')).toMatch(/region 225:265: the skin-depth curve/);
    expect(d.rSquared).toBeLessThan(m.rSquared);
    const rms = (r: Result) => Math.sqrt(r.points.reduce((a, p) => a + p.residual ** 2, 0) / r.points.length);
    expect(rms(d)).toBeGreaterThan(5 * rms(m));
    expect(quantity(d, 'damping_time_us').value).toBeLessThan(60);
  });

  it('refuses a T1 analysis of a nutation experiment: one line naming the list (exit 3)', async () => {
    const s = await simulate('nut-refuse', ['--experiment', 'nutation']);
    const r = await cli(['relax', 't1', join(s.dir, '1'), '--region', METAL]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/t1 analysis needs a delay list.*vplist/);
    const m = await cli(['relax', 'nutation', join(s.dir, '1'), '--region', METAL, '--model', 'cosine']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/--model.*sine \| damped \| skin/);
    const none = await cli(['relax', 'nutation', join(s.dir, '1')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--region/);
  });
});
