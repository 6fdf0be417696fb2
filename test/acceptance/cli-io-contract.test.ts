/**
 * The CLI's file contract (issues 3, 5, 6, 7): inputs are only read — every input file hashes the same
 * before and after a run and no file appears in an input folder — and every output file is written whole
 * by a rename (a pre-existing output is replaced by a new inode, never rewritten in place; no temporary
 * file is left behind). Every command also answers `--json` with one JSON document on stdout.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/io/fs.js';
import { OutputError } from '../../src/core/errors.js';
import { buildProgram } from '../../src/cli/program.js';
import { planOperando, writeOperandoSeries } from '../../src/sim/index.js';
import { simulateCycler, writeMpt } from '../../src/sim/cycler.js';
import { logSweep, simulateSweep } from '../../src/sim/eis.js';
import { writeMriSeries } from '../io/mri/synthetic-bruker.js';
import { cli, PAPER_SAND_ARGS } from '../cli/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-io-contract-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const inputs = join(root, 'inputs');
const outputs = join(root, 'outputs');
const series = join(inputs, 'series');
const cycler = join(inputs, 'cycler.mpt');
const eis = join(inputs, 'eis.csv');
const profiles = join(inputs, 'profiles.csv');
const voltage = join(inputs, 'voltage.csv');
const dTable = join(inputs, 'd-table.csv');
const pfg = join(inputs, 'pfg.csv');
const rawMri = join(inputs, 'raw-mri');

/** sha256 of every file below `dir`, keyed by relative path (so added or removed files show up too). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function leftoverTemps(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tmp$/.test(f));
}

beforeAll(() => {
  mkdirSync(outputs, { recursive: true });
  const options = { spectra: 3, spectrometer: { complexPoints: 1024 } };
  writeOperandoSeries(series, options);
  const plan = planOperando(options);
  writeMpt(cycler, simulateCycler(plan.cell, { startMs: plan.options.startMs }));
  const s = simulateSweep({ r0Ohm: 3, zarcs: [{ rOhm: 8, tau0S: 1e-3, phi: 0.8 }] }, logSweep(1e5, 1e-1, 6), {
    noise: 0.001,
    seed: 3,
  });
  writeFileSync(
    eis,
    `freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n${Array.from(s.freqHz, (f, i) => `${f},${s.zReOhm[i]},${s.zImOhm[i]}`).join('\n')}\n`,
  );
  // A homogeneous cell (C = c0 everywhere, always): a consistent drift input with no gradients.
  const rows: string[] = [];
  for (const t of [0, 513, 1026, 1539])
    for (let i = 0; i <= 40; i++) rows.push(`${t},${31.25 * i},${100 + i}`);
  writeFileSync(profiles, `time_s,x_um,intensity\n${rows.join('\n')}\n`);
  writeFileSync(voltage, 'time_s,voltage_V\n0,0.01\n2000,0.02\n');
  writeFileSync(dTable, 'concentration_mol_m3,D_m2_s\n500,2e-12\n3000,1e-12\n');
  const d = 1e-10;
  const b = Array.from({ length: 8 }, (_, i) => i * 2e9);
  writeFileSync(pfg, `b_s_m2,intensity\n${b.map((v) => `${v},${1000 * Math.exp(-d * v)}`).join('\n')}\n`);
  const n = 64;
  const shape = Float64Array.from({ length: n }, (_, j) => (j > 16 && j < 48 ? 1 : 0));
  writeMriSeries(rawMri, [shape, shape, shape], [0, 513, 1026]);
});

interface Case {
  name: string;
  args: (out: string) => string[];
  out: string;
}

/** `spincell mri drift` on the test profiles, optionally writing `--out`. */
function driftArgs(out?: string): string[] {
  const args = ['mri', 'drift', profiles, '--voltage', voltage, '--diffusion', dTable];
  args.push('--temperature', '313.15', '--c0', '1650', '--roi', '0:1250');
  return out === undefined ? args : [...args, '--out', out];
}

const CASES: Case[] = [
  { name: 'process (series → folder)', out: 'processed', args: (o) => ['process', series, '--out', o] },
  {
    name: 'integrate',
    out: 'integrals.csv',
    args: (o) => ['integrate', series, '--region', '230:290', '--out', o],
  },
  { name: 'cycler --records', out: 'records.csv', args: (o) => ['cycler', cycler, '--records', '--out', o] },
  { name: 'eis drt', out: 'gamma.csv', args: (o) => ['eis', 'drt', eis, '--out', o] },
  {
    name: 'mri drift',
    out: 'velocity.csv',
    args: (o) => driftArgs(o),
  },
];

describe('inputs are never modified; outputs are replaced by rename', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const before = snapshot(inputs);
      const out = join(outputs, c.out);
      // A stale output from an earlier run: it must be replaced as a whole (new inode), not rewritten.
      // A folder of results is replaced only when spincell wrote it (src/io/output.ts): an earlier run makes it.
      const isFolder = !c.out.endsWith('.csv');
      const stale = isFolder ? join(out, 'exp10.csv') : out;
      if (isFolder) expect((await cli(c.args(out))).code).toBe(0);
      else writeFileSync(stale, 'stale\n');
      const inode = statSync(stale).ino;
      const r = await cli(['--json', ...c.args(out)]);
      expect(r.code, r.stderr).toBe(0);
      expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
      expect(snapshot(inputs)).toEqual(before);
      expect(readFileSync(stale, 'utf8')).not.toBe('stale\n');
      expect(statSync(stale).ino).not.toBe(inode);
      expect(leftoverTemps(outputs)).toEqual([]);
    });
  }

  it('an --out naming an input file (or a file inside an input folder) is refused, the input kept', async () => {
    const before = snapshot(inputs);
    for (const args of [
      ['cycler', cycler, '--records', '--out', cycler],
      ['process', join(series, '10'), '--out', join(series, '10', 'fid')],
      ['integrate', series, '--region', '230:290', '--out', join(series, 'truth.json')],
      ['eis', 'drt', eis, '--out', eis],
      driftArgs(voltage),
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^spincell: UsageError: --out: output would overwrite an input file/);
    }
    expect(snapshot(inputs)).toEqual(before);
  });

  it('a failed atomic write leaves the old file and no temporary file', () => {
    const dir = join(root, 'atomic');
    mkdirSync(join(dir, 'target.csv'), { recursive: true }); // rename onto a folder fails
    writeFileSync(join(dir, 'target.csv', 'keep'), 'x');
    expect(() => writeFileAtomic(join(dir, 'target.csv'), 'new')).toThrow();
    expect(readdirSync(dir)).toEqual(['target.csv']);
    expect(readFileSync(join(dir, 'target.csv', 'keep'), 'utf8')).toBe('x');
  });
});

describe('every command answers --json with one JSON document', () => {
  const JSON_RUNS: Record<string, () => string[]> = {
    info: () => ['info', series],
    process: () => ['process', join(series, '10'), '--phase', 'none'],
    integrate: () => ['integrate', series, '--region', '230:290'],
    'simulate operando': () => [
      'simulate',
      'operando',
      '--out',
      join(root, 'sim'),
      '--spectra',
      '2',
      '--points',
      '256',
    ],
    cycler: () => ['cycler', cycler],
    align: () => ['align', series, cycler],
    'eis kk': () => ['eis', 'kk', eis],
    'eis drt': () => ['eis', 'drt', eis],
    'eis fit': () => ['eis', 'fit', eis, '--circuit', 'R0-p(R1,CPE1)', '--guess', '3,8,1e-4,0.8'],
    'mri drift': () => driftArgs(),
    'mri profiles': () => ['mri', 'profiles', rawMri, '--fov-um', '4000'],
    sand: () => [...PAPER_SAND_ARGS],
    pfg: () => ['pfg', pfg, '--delta-ms', '1', '--Delta-ms', '60'],
  };

  it('covers the registered commands', async () => {
    const leaves: string[] = [];
    const walk = (cmd: Awaited<ReturnType<typeof buildProgram>>, prefix: string): void => {
      for (const c of cmd.commands) {
        const name = `${prefix}${c.name()}`;
        if (c.commands.length > 0) walk(c, `${name} `);
        else leaves.push(name);
      }
    };
    walk(await buildProgram(), '');
    const uncovered = leaves.filter((l) => !(l in JSON_RUNS));
    if (uncovered.length > 0) console.log(`commands without a --json check here: ${uncovered.join(', ')}`);
    for (const name of Object.keys(JSON_RUNS)) expect(leaves).toContain(name);
  });

  for (const [name, args] of Object.entries(JSON_RUNS)) {
    it(name, async () => {
      const r = await cli([...args(), '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    });
  }
});

describe('output paths that cannot be written', () => {
  it('give one typed line and exit 3, never an internal error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spincell-out-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(() => writeFileAtomic(join(file, 'sub', 'out.csv'), 'y')).toThrow(OutputError);
    expect(() => writeFileAtomic(join(file, 'sub', 'out.csv'), 'y')).toThrow(/parent of the path is a file/);
    const csv = join(dir, 'records.csv');
    writeFileSync(csv, 'time_s,voltage_V,current_mA\n0,3.0,1\n1,3.1,1\n2,3.2,1\n');
    const r = await cli(['cycler', csv, '--records', '--out', join(file, 'out.csv')]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/OutputError: .*a-file.*parent of the path is a file/);
    rmSync(dir, { recursive: true, force: true });
  });
});
