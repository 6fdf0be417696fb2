import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/helpers.js';
import { checkWellFormed } from '../report/xml.js';
import { logSweep, simulateDeisSeries, simulateSweep, type CellModel } from '../../src/sim/eis.js';
import { eisDataDir, haveEisData, readReference, rel } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-eis-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const model: CellModel = {
  r0Ohm: 3,
  zarcs: [
    { rOhm: 8, tau0S: 1e-3, phi: 0.8 },
    { rOhm: 15, tau0S: 10, phi: 0.9 },
  ],
};

function writeCsv(path: string, f: Float64Array, re: Float64Array, im: Float64Array): string {
  const rows = Array.from(f, (v, i) => `${v},${re[i]},${im[i]}`);
  writeFileSync(path, `freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n${rows.join('\n')}\n`);
  return path;
}

describe('spincell eis', () => {
  it.skipIf(!haveEisData)('kk --json reproduces impedance.py’s M on exampleData.csv', async () => {
    const r = await cli([
      '--json',
      'eis',
      'kk',
      join(eisDataDir, 'exampleData.csv'),
      '--capacitive-only',
      '--capacitance',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { m: number; mu: number; pass: boolean }[];
    expect(out[0].m).toBe(24);
    expect(rel(out[0].mu, 0.7709216659886668)).toBeLessThan(1e-3);
  });

  it.skipIf(!haveEisData)(
    'kk suggests dropping inductive points when a spectrum holding them fails',
    async () => {
      const file = join(eisDataDir, 'exampleData.csv');
      const failing = await cli(['eis', 'kk', file]);
      expect(failing.code).toBe(0);
      expect(failing.stdout).toMatch(/NO/);
      expect(failing.stdout).toMatch(
        /hint: 1 failing spectrum\(s\) hold points with Z″ > 0.*--capacitive-only/,
      );
      const passing = await cli(['eis', 'kk', file, '--capacitive-only', '--capacitance']);
      expect(passing.stdout).not.toMatch(/hint:/);
    },
  );

  it.skipIf(!haveEisData)('fit --json gives impedance.py’s parameters', async () => {
    const ref = readReference<{
      exampleData_ECM: { circuit: string; initial_guess: number[]; params: number[] };
    }>().exampleData_ECM;
    const r = await cli([
      '--json',
      'eis',
      'fit',
      join(eisDataDir, 'exampleData.csv'),
      '--capacitive-only',
      '--circuit',
      ref.circuit,
      '--guess',
      ref.initial_guess.join(','),
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { parameters: { value: number }[] }[];
    out[0].parameters.forEach((p, i) => expect(rel(p.value, ref.params[i])).toBeLessThan(1e-3));
  });

  it.skipIf(!haveEisData)(
    'fit table: five significant digits for every parameter, whatever its scale',
    async () => {
      const ref = readReference<{
        exampleData_ECM: { circuit: string; initial_guess: number[]; params: number[] };
      }>().exampleData_ECM;
      const r = await cli([
        'eis',
        'fit',
        join(eisDataDir, 'exampleData.csv'),
        '--capacitive-only',
        '--circuit',
        ref.circuit,
        '--guess',
        ref.initial_guess.join(','),
      ]);
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n');
      const row = (name: string) => lines.find((l) => l.startsWith(`${name} `))?.split(/\s+/) ?? [];
      // R1 ≈ 0.0086766 Ω would read 0.0087 with four decimals; Wo1_1 ≈ 232.5 s keeps its own scale
      expect(row('R1')[1]).toMatch(/^0\.00867\d\d$/);
      expect(row('Wo1_1')[1]).toMatch(/^23\d\.\d\d$/);
      expect(row('R1')[3]).toBe('Ohm');
    },
  );

  it('drt on one file: JSON with γ, peaks and the −4..0 window; CSV of γ(τ)', async () => {
    const s = simulateSweep(model, logSweep(1e5, 1e-3, 8), { noise: 0.001, seed: 2 });
    const file = writeCsv(join(dir, 'one.csv'), s.freqHz, s.zReOhm, s.zImOhm);
    const csv = join(dir, 'gamma.csv');
    const r = await cli([
      '--json',
      'eis',
      'drt',
      file,
      '--n-tau',
      '60',
      '--window',
      '-4:0',
      '--window=-6:-2',
      '--out',
      csv,
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      tauS: number[];
      windows: { resistanceOhm: number }[];
      rInfOhm: number;
      peaks: unknown[];
    };
    expect(out.tauS.length).toBe(60);
    expect(out.windows.length).toBe(2);
    expect(rel(out.rInfOhm, 3)).toBeLessThan(0.02);
    expect(readFileSync(csv, 'utf8')).toMatch(/tau_s,gamma_ohm,h/);
  });

  it('drt on a series of files: resistances vs time', async () => {
    const sim = simulateDeisSeries(model, logSweep(1e5, 1e-3, 6), { count: 4, finalRatio: 2, noise: 0.001 });
    const files = sim.series.map((t, k) =>
      writeCsv(join(dir, `s${k}.csv`), t.spectrum.freqHz, t.spectrum.zReOhm, t.spectrum.zImOhm),
    );
    const r = await cli(['--json', 'eis', 'drt', ...files, '--interval', '900']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      timeS: number[];
      windows: { resistanceOhm: number[] }[];
      kkPass: boolean[];
    };
    expect(out.timeS).toEqual([0, 900, 1800, 2700]);
    const w = out.windows[0].resistanceOhm;
    expect(w[3] / w[0]).toBeGreaterThan(1.5);
    expect(out.kkPass).toEqual([true, true, true, true]);
    const table = await cli(['eis', 'drt', ...files, '--interval', '900', '--no-kk']);
    expect(table.stdout).toMatch(/R\[-4,0\] Ω/);
  });

  it('drt --svg: γ(τ) with the windows for one spectrum, the DRT map for a series; bad paths exit 2 or 3', async () => {
    const s = simulateSweep(model, logSweep(1e5, 1e-3, 6), { noise: 0.001, seed: 3 });
    const file = writeCsv(join(dir, 'svg-one.csv'), s.freqHz, s.zReOhm, s.zImOhm);
    const one = join(dir, 'gamma.svg');
    const r = await cli(['--json', 'eis', 'drt', file, '--n-tau', '40', '--svg', one]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { svg: string }).svg).toBe(one);
    const gamma = readFileSync(one, 'utf8');
    expect(checkWellFormed(gamma).root).toBe('svg');
    expect(gamma).toMatch(/log τ −4\.\.0: R = [\d.]+ Ω/);
    const sim = simulateDeisSeries(model, logSweep(1e5, 1e-3, 6), { count: 3, finalRatio: 2, noise: 0.001 });
    const files = sim.series.map((t, k) =>
      writeCsv(join(dir, `svg-s${k}.csv`), t.spectrum.freqHz, t.spectrum.zReOhm, t.spectrum.zImOhm),
    );
    const map = join(dir, 'map.svg');
    const m = await cli([
      'eis',
      'drt',
      ...files,
      '--interval',
      '900',
      '--n-tau',
      '40',
      '--no-kk',
      '--svg',
      map,
    ]);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/figure written to .*map\.svg/);
    const mapSvg = readFileSync(map, 'utf8');
    expect(checkWellFormed(mapSvg).root).toBe('svg');
    expect(mapSvg).toMatch(/class="cells"/);
    expect(mapSvg).toMatch(/Time \/ min/);
    const asFolder = await cli(['eis', 'drt', file, '--svg', dir]);
    expect(asFolder.code).toBe(2);
    expect(asFolder.stderr.trim().split('\n')).toHaveLength(1);
    const underFile = await cli(['eis', 'drt', file, '--svg', join(file, 'gamma.svg')]);
    expect(underFile.code).toBe(3);
    expect(underFile.stderr.trim().split('\n')).toHaveLength(1);
    expect(underFile.stderr).toMatch(
      /svg-one\.csv.*--svg: cannot create the output file: a parent is not a folder/,
    );
    const overInput = await cli(['eis', 'drt', file, '--svg', file]);
    expect(overInput.code).toBe(2);
    expect(overInput.stderr).toMatch(/--svg: output would overwrite an input file/);
  });

  it('reports bad input on one line with exit code 3, bad usage with 2', async () => {
    const s = simulateSweep(model, logSweep(1e5, 1e-3, 6));
    const flipped = writeCsv(
      join(dir, 'flipped.csv'),
      s.freqHz,
      s.zReOhm,
      s.zImOhm.map((v) => -v),
    );
    const r = await cli(['eis', 'kk', flipped]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n').length).toBe(1);
    expect(r.stderr).toMatch(/flipped\.csv: zImOhm: .*−Z″/);
    const bad = await cli(['eis', 'fit', flipped, '--allow-positive-imag', '--circuit', 'R0-p(R1,C1']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/character 11/);
    const usage = await cli(['eis', 'drt', flipped, '--basis', 'spline']);
    expect(usage.code).toBe(2);
  });
});
