/**
 * Hostile sizes fail fast (issue 11, item 6): a header claiming gigabytes, a file over 2 GiB, a 1.5 GB
 * table, procs SI = 2³¹, a manifest holding a 50 MB string — each is refused with exit 3 in well under a
 * second, on the size the header claims or the file system reports, before anything is read. The large
 * files are sparse (ftruncate), so the tests write no real data.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, checkLimit, limitValue } from '../../src/core/limits.js';
import { LimitError, UsageError } from '../../src/core/errors.js';
import { writeOperandoSeries } from '../../src/sim/index.js';
import { cli } from '../cli/helpers.js';
import { expectRefusal } from './messages-expect.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-limits-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  for (const spec of Object.values(LIMITS)) delete process.env[spec.env];
});

const GiB = 1024 ** 3;
/**
 * A refusal before reading takes milliseconds; reading the claimed sizes would take far longer (or fail to
 * allocate). The bound is loose so that a loaded machine (the suite runs files in parallel) does not fail it.
 */
const FAST_MS = 5000;
const series = join(root, 'series');
beforeAll(() => {
  writeOperandoSeries(series, { spectra: 2, spectrometer: { complexPoints: 256 } });
});

function experiment(name: string): string {
  const p = join(root, name);
  cpSync(join(series, '10'), p, { recursive: true });
  return p;
}
function setParam(file: string, name: string, value: string): void {
  const text = readFileSync(file, 'latin1');
  const re = new RegExp(`^##\\$${name}= .*$`, 'm');
  writeFileSync(file, re.test(text) ? text.replace(re, `##$${name}= ${value}`) : text, 'latin1');
}
/** A sparse file of `bytes` bytes: its size is real, its blocks are not written. */
function sparse(path: string, bytes: number): string {
  writeFileSync(path, '');
  truncateSync(path, bytes);
  return path;
}

describe('Bruker headers claiming more than the limit', () => {
  it.each([
    ['512 MB', 134_217_728],
    ['1 GB', 268_435_456],
    ['8 GB (beyond 2 GiB)', 2_147_483_648],
  ])('a fid whose TD claims %s: exit 3 naming acqus TD, within a second', async (_label, td) => {
    const exp = experiment(`td-${td}`);
    setParam(join(exp, 'acqus'), 'TD', String(td));
    sparse(join(exp, 'fid'), td * 4);
    const r = await expectRefusal(['process', exp], join(exp, 'acqus'), /TD: .*SPINCELL_MAX_SPECTRUM_POINTS/);
    expect(r.json.error).toBe('LimitError');
    expect(r.json.found).toBe(`${td / 2} points`);
    expect(r.ms).toBeLessThan(FAST_MS);
  });

  it('the limit is the one in force: raising it lets the same header through to the next check', async () => {
    const exp = experiment('td-raised');
    setParam(join(exp, 'acqus'), 'TD', String(2 ** 24));
    // the fid is left at its real (small) size: past the limit, the size check against TD answers
    process.env.SPINCELL_MAX_SPECTRUM_POINTS = String(2 ** 24);
    const r = await expectRefusal(['process', exp], join(exp, 'fid'), /TD/);
    expect(r.json.error).toBe('CorruptFileError');
  });

  it('a 3 GiB fid under a small TD: the size check answers from the file system', async () => {
    const exp = experiment('fid-3g');
    sparse(join(exp, 'fid'), 3 * GiB);
    const r = await expectRefusal(['process', exp], join(exp, 'fid'), /TD: fid size does not match TD/);
    expect(r.ms).toBeLessThan(FAST_MS);
  });

  it('procs SI = 2³¹ (with a matching sparse 1r): exit 3 naming procs SI', async () => {
    const exp = experiment('si');
    mkdirSync(join(exp, 'pdata', '1'), { recursive: true });
    writeFileSync(
      join(exp, 'pdata', '1', 'procs'),
      [
        '##TITLE= procs',
        '##$SI= 2147483648',
        '##$SF= 155.5',
        '##$SW_p= 200000',
        '##$OFFSET= 600',
        '##$BYTORDP= 0',
        '##$DTYPP= 0',
        '##$NC_proc= 0',
        '##$WDW= 1',
        '##$LB= 5',
        '##END=',
        '',
      ].join('\n'),
    );
    sparse(join(exp, 'pdata', '1', '1r'), 8 * GiB);
    const r = await expectRefusal(
      ['process', exp, '--from-procs'],
      join(exp, 'pdata', '1', 'procs'),
      /SI: .*2147483648 points/,
    );
    expect(r.ms).toBeLessThan(FAST_MS);
  });
});

describe('tables and binary files larger than the input limit', () => {
  it.each([
    ['cycler', 'big.csv', 1.5e9],
    ['cycler', 'big.mpt', 2.5 * GiB],
    ['cycler', 'big.mpr', 4 * GiB],
  ])('%s %s (%d bytes, sparse): exit 3 within a second, no read', async (command, name, bytes) => {
    const p = sparse(join(root, name), bytes);
    const r = await expectRefusal([command, p], p, /SPINCELL_MAX_INPUT_BYTES/);
    expect(r.json.error).toBe('LimitError');
    expect(r.ms).toBeLessThan(FAST_MS);
  });

  it('an impedance table over 2 GiB (eis kk): exit 3, not an internal error', async () => {
    const p = sparse(join(root, 'big-eis.csv'), 2.25 * GiB);
    const r = await expectRefusal(['eis', 'kk', p], p, /SPINCELL_MAX_INPUT_BYTES/);
    expect(r.ms).toBeLessThan(FAST_MS);
  });

  it('info on a 3 GiB file sniffs its head only: a typed answer within a second', async () => {
    const p = sparse(join(root, 'big-unknown.txt'), 3 * GiB);
    const r = await expectRefusal(['info', p], p, /file format not recognised/);
    expect(r.ms).toBeLessThan(FAST_MS);
    const jdx = sparse(join(root, 'big.jdx'), 3 * GiB);
    await expectRefusal(['info', jdx], jdx, /SPINCELL_MAX_INPUT_BYTES/);
  });

  it('SPINCELL_MAX_INPUT_BYTES lowers and raises the limit for every reader', async () => {
    const p = join(root, 'small.csv');
    writeFileSync(p, 'time/s,Ewe/V,I/mA\n0,3.1,0\n1,3.2,1\n2,3.3,1\n');
    process.env.SPINCELL_MAX_INPUT_BYTES = '20';
    await expectRefusal(['cycler', p], p, /found 42 bytes; expected at most 20 bytes/);
    process.env.SPINCELL_MAX_INPUT_BYTES = '42';
    expect(() => checkLimit('inputBytes', 42, p)).not.toThrow();
  });

  it('an override that is not a positive integer is a usage error naming the variable', async () => {
    for (const bad of ['lots', '-5', '0', '1.5', '1e9']) {
      process.env.SPINCELL_MAX_INPUT_BYTES = bad;
      expect(() => limitValue('inputBytes')).toThrow(UsageError);
      const r = await cli(['cycler', join(root, 'small.csv')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^spincell: UsageError: SPINCELL_MAX_INPUT_BYTES: .*positive whole number/);
    }
  });

  it('defaults are what the README says', () => {
    expect(limitValue('inputBytes')).toBe(256 * 1024 * 1024);
    expect(limitValue('spectrumPoints')).toBe(4_194_304);
    expect(limitValue('manifestBytes')).toBe(1024 * 1024);
    expect(limitValue('spectra')).toBe(100_000);
    expect(() => checkLimit('spectrumPoints', 4_194_305, 'x/acqus', 'TD')).toThrow(LimitError);
  });

  it.skipIf(process.platform !== 'linux')(
    'a device in place of a file is refused, not read forever',
    async () => {
      const r = await expectRefusal(['cycler', '/dev/zero'], '/dev/zero', /not a regular file/);
      expect(r.ms).toBeLessThan(FAST_MS);
    },
  );
});

describe('manifests', () => {
  const base = (name: string) => ({
    version: 1,
    name,
    cycler: { path: 'cell.csv' },
    output: { dir: 'out' },
  });

  it('a manifest holding a 50 MB name: exit 3 before parsing, memory bounded', async () => {
    const p = join(root, 'huge-name.json');
    writeFileSync(p, JSON.stringify(base('x'.repeat(50e6))));
    const before = process.memoryUsage().rss;
    const r = await expectRefusal(['run', p], p, /SPINCELL_MAX_MANIFEST_BYTES/);
    expect(r.ms).toBeLessThan(FAST_MS);
    expect(process.memoryUsage().rss - before).toBeLessThan(200e6);
  });

  it('a long string under the size limit is refused by the schema, with its JSON path', async () => {
    const p = join(root, 'long-name.json');
    writeFileSync(p, JSON.stringify(base('x'.repeat(5000))));
    const r = await expectRefusal(['run', p], p, /: name: invalid manifest/);
    expect(r.line).toMatch(/found "x{20,}…/);
    expect(r.line.length).toBeLessThan(400);
  });

  it('100 000-deep nesting: exit 3, one line, no stack overflow', async () => {
    const p = join(root, 'deep.json');
    writeFileSync(p, `{"version":1,"name":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const r = await expectRefusal(['run', p], p, /nested too deeply/);
    expect(r.ms).toBeLessThan(FAST_MS);
  });
});

describe('a ser claiming more rows than the limit', () => {
  it('acqu2s TD = 10⁹ rows over a sparse 1 TB ser: exit 3 naming acqu2s TD, within a second', async () => {
    const exp = experiment('ser-rows');
    rmSync(join(exp, 'fid'));
    writeFileSync(join(exp, 'acqu2s'), '##TITLE= acqu2s\n##$TD= 1000000000\n##END=\n');
    let made = true;
    try {
      sparse(join(exp, 'ser'), 1024 * 1e9);
    } catch {
      made = false; // a file system without sparse terabyte files: the header alone is refused
    }
    const r = await expectRefusal(['process', exp], join(exp, 'acqu2s'), /TD: .*SPINCELL_MAX_SPECTRA/);
    expect(r.ms).toBeLessThan(FAST_MS);
    if (made) rmSync(join(exp, 'ser'));
  });
});
