import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTruth, type OperandoTruth } from '../../src/sim/index.js';
import { checkWellFormed } from '../report/xml.js';
import { cli } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-cli-'));
const series = join(root, 'series');
let truth: OperandoTruth;

beforeAll(async () => {
  const r = await cli([
    '--json',
    'simulate',
    'operando',
    '--out',
    series,
    '--spectra',
    '8',
    '--seed',
    '4',
    '--points',
    '4096',
    '--snr',
    '3000',
  ]);
  expect(r.code).toBe(0);
  truth = readTruth(series);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function relative(values: number[]): number[] {
  return values.map((v) => v / values[0]);
}

describe('spincell simulate operando', () => {
  it('prints a JSON summary and writes numbered experiments plus truth.json', async () => {
    const dir = join(root, 'sim-json');
    const r = await cli([
      '--json',
      'simulate',
      'operando',
      '--out',
      dir,
      '--spectra',
      '3',
      '--dtype',
      'float64',
      '--points',
      '1024',
    ]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.spectra).toBe(3);
    expect(s.dataType).toBe('float64');
    expect(s.nucleus).toBe('7Li');
    // .spincell: the marker listing what spincell wrote (src/io/output.ts)
    expect(readdirSync(dir).sort()).toEqual(['.spincell', '10', '11', '12', 'truth.json']);
    expect(readTruth(dir).acquisition.dataType).toBe('float64');
  });

  it('refuses a non-empty folder that is not a simulation: exit 3, one typed line', async () => {
    const dir = join(root, 'foreign');
    mkdirSync(dir);
    writeFileSync(join(dir, 'data.txt'), 'x');
    const r = await cli(['simulate', 'operando', '--out', dir, '--spectra', '2']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/ParameterError: .*foreign: --out: output folder is not empty/);
    expect(readdirSync(dir)).toEqual(['data.txt']);
  });

  it('rejects bad option values as usage errors (exit 2)', async () => {
    expect((await cli(['simulate', 'operando', '--out', join(root, 'x1'), '--dtype', 'int16'])).code).toBe(2);
    expect((await cli(['simulate', 'operando', '--out', join(root, 'x2'), '--points', '1000'])).code).toBe(2);
    expect((await cli(['simulate', 'operando', '--out', join(root, 'x3'), '--spectra', 'many'])).code).toBe(
      2,
    );
  });
});

describe('spincell process', () => {
  it('processes a series with a shared automatic phase: one CSV per spectrum, index.csv, JSON summary', async () => {
    const out = join(root, 'processed');
    const r = await cli([
      '--json',
      'process',
      series,
      '--phase-mode',
      'shared',
      '--zf',
      '32768',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.format).toBe('bruker series');
    expect(doc.spectra).toHaveLength(8);
    const ph0 = doc.spectra[0].phase.ph0Deg;
    for (const [i, s] of doc.spectra.entries()) {
      expect(s.phase.mode).toBe('shared');
      expect(s.phase.ph0Deg).toBe(ph0);
      expect(s.experimentNumber).toBe(10 + i);
      expect(s.midIso).toBe(truth.spectra[i].midIso);
      expect(s.sizePoints).toBe(32768);
      expect(s.snr).toBeGreaterThan(100);
      expect(Math.abs(s.metalPeakPpm - truth.spectra[i].metalPeakPpm)).toBeLessThan(0.2);
      const csv = readFileSync(s.file, 'utf8').trimEnd().split('\n');
      expect(csv[0]).toBe('ppm,real,imag');
      expect(csv).toHaveLength(32768 + 1);
      const first = csv[1].split(',').map(Number);
      const last = csv[csv.length - 1].split(',').map(Number);
      expect(first[0]).toBeGreaterThan(last[0]); // descending ppm, as displayed
    }
    expect(readdirSync(out).sort()).toEqual(
      ['.spincell', ...Array.from({ length: 8 }, (_, i) => `exp${10 + i}.csv`), 'index.csv'].sort(),
    );
    expect(readFileSync(join(out, 'index.csv'), 'utf8').split('\n')[0]).toMatch(
      /^index,experiment,row,file,start_iso,mid_iso/,
    );
  });

  for (const dtype of ['int32', 'float64']) {
    it(`random phase per spectrum (${dtype}): automatic phase of each spectrum finds the true shift and areas`, async () => {
      const dir = join(root, `random-${dtype}`);
      const sim = await cli([
        'simulate',
        'operando',
        '--out',
        dir,
        '--spectra',
        '6',
        '--seed',
        '21',
        '--points',
        '4096',
        '--random-phase',
        '--dtype',
        dtype,
      ]);
      expect(sim.code).toBe(0);
      const t = readTruth(dir);
      const r = await cli([
        '--json',
        'integrate',
        dir,
        '--region',
        '200:320',
        '--phase-mode',
        'each',
        '--zf',
        '16384',
      ]);
      expect(r.code).toBe(0);
      const p = await cli(['--json', 'process', dir, '--phase-mode', 'each', '--zf', '16384']);
      const spectra = JSON.parse(p.stdout).spectra as { metalPeakPpm: number; phase: { ph0Deg: number } }[];
      const phases = new Set(spectra.map((s) => Math.round(s.phase.ph0Deg)));
      expect(phases.size).toBeGreaterThan(3); // the phases really differ
      spectra.forEach((s, i) =>
        expect(Math.abs(s.metalPeakPpm - t.spectra[i].metalPeakPpm)).toBeLessThan(0.2),
      );
      const measured = relative(
        (JSON.parse(r.stdout).spectra as { integrals: number[] }[]).map((row) => row.integrals[0]),
      );
      const expected = relative(t.spectra.map((s) => s.metalArea));
      measured.forEach((m, i) => expect(Math.abs(m / expected[i] - 1)).toBeLessThan(0.02));
    });
  }

  it('one experiment with the true manual phase: CSV file, metal peak at its true shift', async () => {
    const t = truth.spectra[3];
    const file = join(root, 'one.csv');
    const r = await cli([
      '--json',
      'process',
      join(series, '13'),
      '--phase',
      `${t.phc0Deg},${t.phc1Deg}`,
      '--zf',
      '32768',
      '--out',
      file,
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.format).toBe('bruker experiment');
    expect(doc.spectra[0].phase.mode).toBe('manual');
    expect(Math.abs(doc.spectra[0].metalPeakPpm - t.metalPeakPpm)).toBeLessThan(0.05);
    // The CSV holds the same spectrum: its largest real value in the metal window is at the same place.
    const rows = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').map(Number));
    const metal = rows.filter((row) => row[0] > 200 && row[0] < 320);
    const top = metal.reduce((a, b) => (b[1] > a[1] ? b : a));
    expect(Math.abs(top[0] - t.metalPeakPpm)).toBeLessThan(0.1);
    expect(Math.min(...rows.map((row) => row[1])) / top[1]).toBeGreaterThan(-0.02);
  });

  it('internal referencing moves the metal peak to the requested shift', async () => {
    const r = await cli([
      '--json',
      'process',
      join(series, '10'),
      '--ref',
      'metal:245.5',
      '--baseline',
      'poly:1',
    ]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout).spectra[0];
    // The baseline is subtracted after referencing and may move the vertex by a hair.
    expect(s.metalPeakPpm).toBeCloseTo(245.5, 3);
    expect(s.referenceOffsetPpm).toBeCloseTo(245.5 - truth.spectra[0].metalPeakPpm, 1);
    expect(s.baseline).toBe('polynomial');
  });

  it('the table gives phases, offsets and shifts with fixed decimals, never in exponent notation', async () => {
    const r = await cli(['process', series, '--ref', 'metal:245']);
    expect(r.code).toBe(0);
    const [header, , ...rows] = r.stdout.trim().split('\n');
    expect(header).toMatch(/PH0°\s+PH1°\s+ref Δppm\s+peak ppm\s+metal ppm\s+SNR/);
    for (const row of rows) {
      expect(row).not.toMatch(/e[+-]\d|NaN|undefined/);
      const cells = row.trim().split(/\s+/);
      // index, exp, date, time, PH0, PH1, ref offset, peak, metal peak, SNR
      expect(cells[4]).toMatch(/^-?\d+\.\d{2}$/);
      expect(cells[6]).toMatch(/^-?\d+\.\d{4}$/);
      expect(cells[8]).toBe('245.0000');
      expect(cells[9]).toMatch(/^\d+$/);
    }
  });

  it('--from-procs takes the phase from pdata/1/procs, and flags override it', async () => {
    const exp = join(root, 'withprocs');
    cpSync(join(series, '12'), exp, { recursive: true });
    mkdirSync(join(exp, 'pdata', '1'), { recursive: true });
    const a = truth.acquisition;
    const t = truth.spectra[2];
    const offset = ((a.sfo1MHz - a.bf1MHz) * 1e6 + a.swHz / 2) / a.bf1MHz;
    const procs = [
      '##TITLE= procs',
      `##$SI= 16384`,
      `##$SF= ${a.bf1MHz}`,
      `##$SW_p= ${a.swHz}`,
      `##$OFFSET= ${offset}`,
      `##$PHC0= ${t.phc0Deg}`,
      `##$PHC1= ${t.phc1Deg}`,
      '##$WDW= 0',
      '##$LB= 0',
      '##$BYTORDP= 0',
      '##$DTYPP= 0',
      '##$NC_proc= 0',
      '##END=',
      '',
    ].join('\n');
    writeFileSync(join(exp, 'pdata', '1', 'procs'), procs);
    const r = await cli(['--json', 'process', exp, '--from-procs']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout).spectra[0];
    expect(s.phase.mode).toBe('manual');
    expect(s.phase.ph0Deg).toBeCloseTo(t.phc0Deg, 9);
    expect(s.sizePoints).toBe(16384);
    expect(Math.abs(s.metalPeakPpm - t.metalPeakPpm)).toBeLessThan(0.05);
    const o = JSON.parse((await cli(['--json', 'process', exp, '--from-procs', '--zf', '8192'])).stdout)
      .spectra[0];
    expect(o.sizePoints).toBe(8192);
    expect(o.phase.ph0Deg).toBeCloseTo(t.phc0Deg, 9);
    // Without procs the same flag is a typed bad-input error.
    expect((await cli(['process', join(series, '10'), '--from-procs'])).code).toBe(3);
  });

  it('bad input exits 3 with one typed line naming the file; bad flags exit 2', async () => {
    const missing = await cli(['process', join(root, 'nope')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/MissingFileError: .*nope/);

    const broken = join(root, 'broken');
    cpSync(join(series, '11'), broken, { recursive: true });
    truncateSync(join(broken, 'fid'), 1000);
    const corrupt = await cli(['--json', 'process', broken]);
    expect(corrupt.code).toBe(3);
    const err = JSON.parse(corrupt.stderr.trim());
    expect(err.error).toBe('CorruptFileError');
    expect(err.file).toContain('broken');

    expect((await cli(['process', series, '--phase', 'sideways'])).code).toBe(2);
    expect((await cli(['process', series, '--zf', '3'])).code).toBe(2);
    expect((await cli(['process', series, '--ref', 'where'])).code).toBe(2);
    expect((await cli(['process', series, '--out', join(root, 'series.csv')])).code).toBe(2);
  });

  it('the real executable prints one line on stderr and exits 3 for a missing experiment', () => {
    const main = resolve(__dirname, '../../src/cli/main.ts');
    const p = spawnSync(process.execPath, ['--import', 'tsx', main, 'process', join(root, 'absent')], {
      encoding: 'utf8',
      cwd: resolve(__dirname, '../..'),
    });
    expect(p.status).toBe(3);
    expect(p.stdout).toBe('');
    expect(p.stderr.trim().split('\n')).toHaveLength(1);
    expect(p.stderr).toMatch(/^spincell: MissingFileError: /);
  });
});

describe('spincell integrate', () => {
  it('integrates regions per spectrum with mid-times; relative metal integrals follow the truth', async () => {
    const out = join(root, 'integrals.csv');
    const r = await cli([
      '--json',
      'integrate',
      series,
      '--region',
      '230:290',
      '--region',
      '-20:20',
      '--phase-mode',
      'shared',
      '--zf',
      '16384',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.regionsPpm).toEqual([
      [230, 290],
      [-20, 20],
    ]);
    expect(doc.labels).toEqual(['integral_230_290', 'integral_m20_20']);
    const rows = doc.spectra as { midIso: string; timeS: number; integrals: number[] }[];
    expect(rows).toHaveLength(8);
    rows.forEach((row, i) => {
      expect(row.midIso).toBe(truth.spectra[i].midIso);
      // time_s: mid-time after the first acquisition's start (one convention for every table)
      expect(row.timeS).toBeCloseTo((truth.spectra[i].midMs - truth.spectra[0].startMs) / 1000, 6);
    });
    const measured = relative(rows.map((row) => row.integrals[0]));
    const expected = relative(truth.spectra.map((s) => s.metalArea));
    // The metal inventory changes by up to ~80 % over the protocol; the integrals follow within a few %.
    expect(Math.max(...expected) / Math.min(...expected)).toBeGreaterThan(1.4);
    measured.forEach((m, i) => expect(Math.abs(m / expected[i] - 1)).toBeLessThan(0.03));
    const dia = relative(rows.map((row) => row.integrals[1]));
    const diaTrue = relative(truth.spectra.map((s) => s.diamagneticArea));
    dia.forEach((m, i) => expect(Math.abs(m / diaTrue[i] - 1)).toBeLessThan(0.03));
    const csv = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe(
      'index,experiment,row,start_iso,mid_iso,end_iso,time_s,integral_230_290,integral_m20_20,ns,rg,scale_factor',
    );
    expect(csv).toHaveLength(9);
    expect(csv[1].split(',')[4]).toBe(truth.spectra[0].midIso);
  });

  it('--svg draws the integrals vs time (one panel per region); bad figure paths exit 2 or 3 with one line', async () => {
    const svgFile = join(root, 'figures', 'integrals.svg');
    const r = await cli([
      '--json',
      'integrate',
      series,
      '--region',
      '230:290',
      '--region',
      '-20:20',
      '--svg',
      svgFile,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).svg).toBe(svgFile);
    const svg = readFileSync(svgFile, 'utf8');
    expect(checkWellFormed(svg).root).toBe('svg');
    expect(svg).toMatch(/Integral 230…290 ppm/);
    expect(svg).toMatch(/Integral −20…20 ppm/);
    expect(svg).not.toMatch(/NaN/);
    const text = await cli([
      'integrate',
      join(series, '10'),
      '--region',
      '230:290',
      '--svg',
      join(root, 'one.svg'),
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/figure written to .*one\.svg/);
    const asFolder = await cli(['integrate', series, '--region', '230:290', '--svg', root]);
    expect(asFolder.code).toBe(2);
    expect(asFolder.stderr.trim().split('\n')).toHaveLength(1);
    expect(asFolder.stderr).toMatch(/UsageError: --svg: output is a folder/);
    const underFile = await cli([
      'integrate',
      series,
      '--region',
      '230:290',
      '--svg',
      join(svgFile, 'x.svg'),
    ]);
    expect(underFile.code).toBe(3);
    expect(underFile.stderr.trim().split('\n')).toHaveLength(1);
    expect(underFile.stderr).toMatch(/integrals\.svg.*--svg: cannot create the output file/);
    const overInput = await cli([
      'integrate',
      series,
      '--region',
      '230:290',
      '--svg',
      join(series, 'truth.json'),
    ]);
    expect(overInput.code).toBe(2);
    expect(overInput.stderr).toMatch(/^spincell: UsageError: --svg: output would overwrite an input file/);
    const same = await cli(['integrate', series, '--region', '230:290', '--out', svgFile, '--svg', svgFile]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/--out and --svg: two outputs name the same file/);
  });

  it('prints a table without --json and needs at least one valid region', async () => {
    const table = await cli(['integrate', join(series, '10'), '--region', '230:290']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/230:290 ppm/);
    expect((await cli(['integrate', series])).code).toBe(2);
    expect((await cli(['integrate', series, '--region', '5:5'])).code).toBe(2);
    expect((await cli(['integrate', join(root, 'nothing'), '--region', '1:2'])).code).toBe(3);
  });
});
