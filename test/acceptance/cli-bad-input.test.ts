/**
 * Every bad-input case listed in issues 3, 5, 6 and 7, through the command line: exit code 3 and one
 * line on stderr, `spincell: <TypedError>: …`, naming the file (and the field where the issue asks for
 * one) — never a stack trace or an internal error. With --json the same error is one JSON object.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveReference, referencePath } from '../reference-data.js';
import { writeOperandoSeries, planOperando } from '../../src/sim/index.js';
import { formatMpt, simulateCycler } from '../../src/sim/cycler.js';
import { logSweep, simulateSweep } from '../../src/sim/eis.js';
import { cli } from '../cli/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-bad-input-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const biologicDir = referencePath('biologic');
const haveBiologic = haveReference('biologic');

/** Runs a command expected to fail on bad input; checks the one-line typed message and its JSON twin. */
async function expectBadInput(args: string[], file: string, field?: RegExp | string): Promise<string> {
  const r = await cli(args);
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(3);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^spincell: (MissingFile|CorruptFile|UnsupportedFormat|Parameter|Data)Error: /);
  expect(lines[0]).not.toMatch(/internal error|\n\s+at /);
  expect(lines[0]).toContain(file);
  if (field !== undefined) expect(lines[0]).toMatch(field);
  const j = await cli(['--json', ...args]);
  expect(j.code).toBe(3);
  const doc = JSON.parse(j.stderr.trim()) as { error: string; file?: string; field?: string };
  expect(doc.error).toMatch(/Error$/);
  expect(doc.file).toContain(file);
  return lines[0];
}

describe('issue 3: Bruker input', () => {
  const series = join(root, 'series');
  beforeAll(() => {
    writeOperandoSeries(series, { spectra: 2, spectrometer: { complexPoints: 256 } });
  });
  const copy = (name: string): string => {
    const p = join(root, name);
    cpSync(join(series, '10'), p, { recursive: true });
    return p;
  };
  const setParam = (exp: string, name: string, value: string): void => {
    const f = join(exp, 'acqus');
    writeFileSync(
      f,
      readFileSync(f, 'latin1').replace(new RegExp(`^##\\$${name}= .*$`, 'm'), `##$${name}= ${value}`),
      'latin1',
    );
  };

  it('truncated fid', async () => {
    const exp = copy('truncated');
    truncateSync(join(exp, 'fid'), 100);
    await expectBadInput(['process', exp], join(exp, 'fid'), /TD/);
  });

  it('fid size not matching TD', async () => {
    const exp = copy('wrong-td');
    setParam(exp, 'TD', '200'); // 800 bytes (1024 padded) against the 2048 written
    await expectBadInput(['process', exp], join(exp, 'fid'), /TD/);
  });

  it('missing acqus', async () => {
    const exp = copy('no-acqus');
    rmSync(join(exp, 'acqus'));
    await expectBadInput(['process', exp], exp, /acqus/);
  });

  it('unknown DTYPA', async () => {
    const exp = copy('dtypa');
    setParam(exp, 'DTYPA', '7');
    await expectBadInput(['process', exp], join(exp, 'acqus'), /DTYPA/);
  });

  it('non-numeric parameter', async () => {
    const exp = copy('non-numeric');
    setParam(exp, 'SW_h', 'fast');
    await expectBadInput(['process', exp], join(exp, 'acqus'), /SW_h/);
  });

  it('empty folder', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await expectBadInput(['process', empty], empty);
  });

  it('a folder mixing nuclei', async () => {
    const mixed = join(root, 'mixed');
    cpSync(series, mixed, { recursive: true });
    setParam(join(mixed, '11'), 'NUC1', '<23Na>');
    await expectBadInput(['integrate', mixed, '--region', '230:290'], mixed, /NUC1/);
  });
});

describe('issue 5: cycler files', () => {
  const plan = planOperando({ spectra: 2, spectrometer: { complexPoints: 256 } });
  const mpt = formatMpt(simulateCycler(plan.cell, { startMs: plan.options.startMs, sampleIntervalS: 120 }));
  const lines = mpt.split('\n');
  const firstData = lines.findIndex((l) => /^\d/.test(l.trim()) && l.includes('\t')) + 5;

  it('empty file', async () => {
    const p = join(root, 'empty.mpt');
    writeFileSync(p, '');
    await expectBadInput(['cycler', p], p);
  });

  it('non-monotonic time', async () => {
    const p = join(root, 'backwards.mpt');
    const bad = [...lines];
    [bad[firstData], bad[firstData + 1]] = [bad[firstData + 1], bad[firstData]];
    writeFileSync(p, Buffer.from(bad.join('\n'), 'latin1'));
    await expectBadInput(['cycler', p], p, /time/);
  });

  it('mixed locales (decimal comma and point in one file)', async () => {
    const p = join(root, 'mixed-locale.mpt');
    const de = formatMpt(simulateCycler(plan.cell, { startMs: plan.options.startMs, sampleIntervalS: 120 }), {
      decimalComma: true,
    }).split('\n');
    de[firstData] = de[firstData].replace(/(\d),(\d)/, '$1.$2');
    writeFileSync(p, Buffer.from(de.join('\n'), 'latin1'));
    await expectBadInput(['cycler', p], p, /decimal/);
  });

  it.skipIf(!haveBiologic)('truncated .mpr', async () => {
    const p = join(root, 'cut.mpr');
    const bytes = readFileSync(join(biologicDir, 'ocv.mpr'));
    writeFileSync(p, bytes.subarray(0, bytes.length - 5000));
    await expectBadInput(['cycler', p], p);
  });

  it.skipIf(!haveBiologic)('unknown column ID: keeps going and reports it', async () => {
    const p = join(root, 'unknown-id.mpr');
    const bytes = new Uint8Array(readFileSync(join(biologicDir, 'ocv.mpr')));
    const dataAt = Buffer.from(bytes).toString('latin1').indexOf('VMP data  ') + 10 + 25 + 16;
    expect(Array.from(bytes.subarray(dataAt + 5, dataAt + 13))).toEqual([1, 0, 3, 0, 4, 0, 6, 0]);
    bytes[dataAt + 11] = 250;
    writeFileSync(p, bytes);
    // Ewe (ID 6) became unknown: the record table is still read and the unknown ID reported …
    const r = await cli(['--json', 'cycler', p, '--records']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { warnings: string[] }).warnings.join('\n')).toMatch(
      /unknown column ID 250/,
    );
    // … while the step summary, which needs the voltage, says which column is missing.
    await expectBadInput(['cycler', p], p, /voltage_V/);
  });
});

describe('issue 6: impedance', () => {
  const s = simulateSweep({ r0Ohm: 3, zarcs: [{ rOhm: 8, tau0S: 1e-3, phi: 0.8 }] }, logSweep(1e5, 1e-1, 5), {
    noise: 0.001,
    seed: 1,
  });
  const rows = Array.from(s.freqHz, (f, i) => [f, s.zReOhm[i], s.zImOhm[i]]);
  const write = (name: string, r: number[][]): string => {
    const p = join(root, name);
    writeFileSync(p, `freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n${r.map((x) => x.join(',')).join('\n')}\n`);
    return p;
  };

  it('fewer than 5 frequencies', async () => {
    const p = write('few.csv', rows.slice(0, 4));
    for (const sub of ['kk', 'drt']) await expectBadInput(['eis', sub, p], p, /freq/);
  });

  it('duplicate and unsorted frequencies', async () => {
    const dup = write('dup.csv', [...rows.slice(0, 6), rows[5], ...rows.slice(6)]);
    await expectBadInput(['eis', 'kk', dup], dup, /freq/);
    const unsorted = [...rows];
    [unsorted[3], unsorted[8]] = [unsorted[8], unsorted[3]];
    const p = write('unsorted.csv', unsorted);
    await expectBadInput(['eis', 'drt', p], p, /freq/);
  });

  it('NaN and zero impedance', async () => {
    const nan = rows.map((r) => [...r]);
    nan[4][1] = NaN;
    const p = write('nan.csv', nan);
    await expectBadInput(['eis', 'kk', p], p);
    const zero = rows.map((r) => [...r]);
    zero[4][1] = 0;
    zero[4][2] = 0;
    const z = write('zero.csv', zero);
    await expectBadInput(['eis', 'drt', z], z);
  });

  it('wrong sign convention is detected and said', async () => {
    const p = write(
      'flipped.csv',
      rows.map(([f, re, im]) => [f, re, -im]),
    );
    const line = await expectBadInput(['eis', 'kk', p], p);
    expect(line).toMatch(/convention/);
  });

  it('malformed circuit string: the message points at the character', async () => {
    const p = write('ok.csv', rows);
    const r = await cli(['eis', 'fit', p, '--circuit', 'R0-p(R1,CPE1']);
    expect([2, 3]).toContain(r.code);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^spincell: \w+Error: .*(character|position|column) \d+/);
  });
});

describe('issue 7: drift inputs', () => {
  const profiles = join(root, 'profiles.csv');
  const voltage = join(root, 'voltage.csv');
  const dTable = join(root, 'd.csv');
  const table = (t: number[], value: (t: number, i: number) => number): string =>
    `time_s,x_um,intensity\n${t.flatMap((tt) => Array.from({ length: 41 }, (_, i) => `${tt},${31.25 * i},${value(tt, i)}`)).join('\n')}\n`;
  beforeAll(() => {
    writeFileSync(
      profiles,
      table([0, 513, 1026], () => 100),
    );
    writeFileSync(voltage, 'time_s,voltage_V\n0,0.01\n2000,0.02\n');
    writeFileSync(dTable, 'concentration_mol_m3,D_m2_s\n500,2e-12\n3000,1e-12\n');
  });
  const drift = (p: string, v: string, d: string, roi = '0:1250'): string[] => [
    'mri',
    'drift',
    p,
    '--voltage',
    v,
    '--diffusion',
    d,
    '--temperature',
    '313.15',
    '--c0',
    '1650',
    '--roi',
    roi,
  ];

  it('the valid inputs run', async () => {
    expect((await cli(drift(profiles, voltage, dTable))).code).toBe(0);
  });

  it('zero or negative concentration in the ROI', async () => {
    const p = join(root, 'zero.csv');
    writeFileSync(
      p,
      table([0, 513, 1026], (t, i) => (t === 513 && i === 20 ? 0 : 100)),
    );
    await expectBadInput(drift(p, voltage, dTable), p, /concentration/);
    const n = join(root, 'negative.csv');
    writeFileSync(
      n,
      table([0, 513, 1026], (t, i) => (t === 1026 && i === 7 ? -5 : 100)),
    );
    await expectBadInput(drift(n, voltage, dTable), n, /concentration/);
  });

  it('mismatched time axes between profiles and voltage', async () => {
    const v = join(root, 'short-voltage.csv');
    writeFileSync(v, 'time_s,voltage_V\n0,0.01\n600,0.02\n');
    await expectBadInput(drift(profiles, v, dTable), v, /time_s/);
  });

  it('ROI outside the field of view', async () => {
    await expectBadInput(drift(profiles, voltage, dTable, '100:1400'), profiles, /roi/);
  });

  it('D table not covering the concentrations', async () => {
    const d = join(root, 'narrow-d.csv');
    writeFileSync(d, 'concentration_mol_m3,D_m2_s\n2000,2e-12\n3000,1e-12\n');
    await expectBadInput(drift(profiles, voltage, d), d, /concentration_mol_m3/);
  });
});
