/**
 * Error messages (issue 11, items 7, 8, 10, 11): bytes from a file cannot reach the terminal raw (escape
 * sequences, newlines), quoted content is capped, ordinary mistakes are typed errors rather than
 * "internal error", and every error names the file and, for a manifest, the JSON path of the field.
 */
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptFileError, DataError, safeText } from '../../src/core/errors.js';
import { prepareExperiment } from '../../src/demo/experiment.js';
import type { Provenance } from '../../src/pipeline/index.js';
import { formatMpt, simulateCycler } from '../../src/sim/cycler.js';
import { planOperando, writeOperandoSeries } from '../../src/sim/index.js';
import { cli } from '../cli/helpers.js';
import { expectRefusal } from './messages-expect.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-messages-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const plan = planOperando({ spectra: 2, spectrometer: { complexPoints: 256 } });
const mptLines = formatMpt(
  simulateCycler(plan.cell, { startMs: plan.options.startMs, sampleIntervalS: 120 }),
).split('\n');
const header = mptLines.findIndex((l) => l.startsWith('mode\t'));
function writeMptLines(name: string, lines: string[]): string {
  const p = join(root, name);
  writeFileSync(p, Buffer.from(lines.join('\n'), 'latin1'));
  return p;
}

describe('safeText: one place where every message is made safe', () => {
  it('escapes control characters, separators and bidirectional overrides', () => {
    expect(safeText('a\nb\r\tc')).toBe('a\\nb\\r\\tc');
    expect(safeText('\u001b]0;title\u0007\u001b[2J')).toBe('\\x1b]0;title\\x07\\x1b[2J');
    expect(safeText('\u009b31m \u007f')).toBe('\\x9b31m \\x7f');
    expect(safeText('x\u2028y\u202ez\ufeff')).toBe('x\\u{2028}y\\u{202e}z\\u{feff}');
    expect(safeText('Li ⁷ 7Li ✓ µ 𝛿')).toBe('Li ⁷ 7Li ✓ µ 𝛿');
    expect(safeText('a\ud800b')).toBe('a\\u{d800}b');
  });
  it('caps long content with an ellipsis, without reading all of a huge string', () => {
    expect(safeText('y'.repeat(100), 80)).toBe(`${'y'.repeat(80)}…`);
    const huge = 'z'.repeat(50e6);
    expect(huge.charCodeAt(49e6)).toBe(122); // a flat string, as one decoded from a file
    const t0 = performance.now();
    expect(safeText(huge, 80)).toHaveLength(81);
    expect(performance.now() - t0).toBeLessThan(50);
  });
  it('typed errors build their message through it (found capped at 80 characters)', () => {
    const e = new CorruptFileError('bad cell', {
      file: 'f\nx.mpt',
      field: 'col\u001b[H',
      found: 'q'.repeat(500),
    });
    expect(e.message).toBe(`f\\nx.mpt: col\\x1b[H: bad cell; found ${'q'.repeat(80)}…`);
    expect(e.toJSON().found).toBe(`${'q'.repeat(80)}…`);
    expect(e.found).toBe('q'.repeat(500)); // the library caller keeps the raw value
  });
});

describe('crafted files cannot drive the terminal', () => {
  it('an .mpt cell holding escape sequences and a newline: one escaped line', async () => {
    const lines = [...mptLines];
    lines[header + 5] = `\u001b]0;owned\u0007\u001b[2J\u001b[H${lines[header + 5]}`;
    const p = writeMptLines('escape.mpt', lines);
    const r = await expectRefusal(['cycler', p], p, /line \d+, column mode: not a number/);
    expect(r.line).toContain('\\x1b]0;owned\\x07\\x1b[2J\\x1b[H');
  });

  it('a column name of 10 000 bytes with a newline: capped, one line', async () => {
    const p = join(root, 'long-column.csv');
    writeFileSync(p, `time/s,${'\n'.padStart(5000, 'A')}${'B'.repeat(5000)},I/mA\n0,1,2\n1,2,3\n`);
    const r = await cli(['cycler', p]);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(1);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr.length).toBeLessThan(2000);
  });

  it('a NUC1 holding an escape sequence is not an isotope label: refused, escaped', async () => {
    const exp = join(root, 'nuc');
    writeOperandoSeries(join(root, 'nuc-series'), { spectra: 1, spectrometer: { complexPoints: 256 } });
    cpSync(join(root, 'nuc-series', '10'), exp, { recursive: true });
    for (const bad of ['<\u001b]0;x\u0007>', '<banana>', '<Li7 >', '<7>']) {
      const acqus = join(exp, 'acqus');
      writeFileSync(
        acqus,
        readFileSync(acqus, 'latin1').replace(/^##\$NUC1= .*$/m, `##$NUC1= ${bad}`),
        'latin1',
      );
      await expectRefusal(['process', exp], acqus, /NUC1: observe nucleus is not an isotope label/);
    }
  });
});

describe('ordinary mistakes are typed errors', () => {
  it('an .mpt with a header and no rows: exit 3, not an empty result', async () => {
    const p = writeMptLines('header-only.mpt', mptLines.slice(0, header + 1));
    await expectRefusal(['cycler', p], p, /rows: no data rows/);
  });

  it('an all-zero FID: refused naming the experiment, not referenced or fitted', async () => {
    const exp = join(root, 'zero-fid');
    cpSync(join(root, 'nuc-series', '10'), exp, { recursive: true });
    truncateSync(join(exp, 'fid'), 0);
    truncateSync(join(exp, 'fid'), 2048); // TD = 512 int32 values, all zero
    for (const args of [
      ['process', exp, '--ref', 'metal:245'],
      ['process', exp, '--phase', '0,0', '--ref', 'metal:245'],
      ['integrate', exp, '--region', '230:290'],
      ['morphology', exp, '--mode', 'constrained'],
    ])
      await expectRefusal(args, exp, /fid: the FID is all zero/);
  });

  it('eis drt makes the frequency check eis kk makes (negative frequency)', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => {
      const f = 10 ** (5 - i * 0.3);
      const w = 2 * Math.PI * f;
      const re = 3 + 8 / (1 + (w * 1e-3) ** 2);
      const im = (-8 * w * 1e-3) / (1 + (w * 1e-3) ** 2);
      return [i === 5 ? -f : f, re, im];
    });
    const p = join(root, 'negative-f.csv');
    writeFileSync(p, `freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    const kk = await expectRefusal(['eis', 'kk', p], p, /freqHz\[5\]: frequency is not a positive/);
    const drt = await expectRefusal(['eis', 'drt', p], p, /freqHz\[5\]: frequency is not a positive/);
    expect(drt.json.field).toBe(kk.json.field);
  });

  it('--lb beyond the spectral width is blamed on --lb, not on the fid', async () => {
    const exp = join(root, 'nuc-series', '10');
    writeFileSync(
      join(exp, 'acqus'),
      readFileSync(join(exp, 'acqus'), 'latin1').replace(/^##\$NUC1= .*$/m, '##$NUC1= <7Li>'),
      'latin1',
    );
    const r = await expectRefusal(['process', exp, '--lb', '1e308'], '--lb', /exceeds the spectral width/, 2);
    expect(r.line).not.toMatch(/fid:/);
  });

  it('simulate into a folder that cannot be written: exit 3 naming --out', async () => {
    let target: string;
    if (process.getuid?.() !== 0) {
      const ro = join(root, 'read-only');
      mkdirSync(ro, { mode: 0o555 });
      target = join(ro, 'sim');
    } else target = '/sys/spincell-cannot-write-here'; // sysfs refuses new entries even to root
    await expectRefusal(
      ['simulate', 'operando', '--out', target, '--spectra', '2'],
      target,
      /--out: cannot write/,
    );
  });
});

describe('manifest errors name the manifest and the JSON path', () => {
  const exp = join(root, 'exp');
  const manifestPath = join(root, 'experiment.json');
  const good = {
    version: 1,
    name: 'virtual Li||Li',
    nmr: {
      path: 'exp/series',
      processing: { phase: 'auto', reference: 'metal:245' },
      regionsPpm: [[230, 290]],
    },
    cycler: { path: 'exp/cycler.mpt', timezone: 'UTC' },
    eis: { paths: ['exp/eis.mpt'], drt: { lambda: 0.001 } },
    output: { dir: 'out' },
  };
  type M = typeof good;
  const write = (m: unknown, text?: string): string => {
    writeFileSync(manifestPath, text ?? JSON.stringify(m));
    return manifestPath;
  };
  const edit = (f: (m: M) => void): M => {
    const m = JSON.parse(JSON.stringify(good)) as M;
    f(m);
    return m;
  };
  beforeAll(() => {
    prepareExperiment(exp, { spectra: 4, sweeps: 2 });
  }, 60_000);

  it('a UTF-8 byte-order mark is accepted', async () => {
    const r = await cli(['run', write(null, `\ufeff${JSON.stringify(good)}`), '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }, 30_000);

  it.each([
    ['nmr.path', (m: M) => (m.nmr.path = 'exp/nothing-here')],
    ['cycler.path', (m: M) => (m.cycler.path = 'exp/missing.mpt')],
    ['eis.paths[0]', (m: M) => (m.eis.paths = ['exp/missing-eis.mpt'])],
  ])('an input that does not exist: %s', async (field, f) => {
    const r = await expectRefusal(['run', write(edit(f))], manifestPath, `: ${field}: input not found`);
    expect(r.json.error).toBe('MissingFileError');
    expect(r.json.field).toBe(field);
  });

  it.each([
    ['cycler.timezone', /unknown time zone/, (m: M) => (m.cycler.timezone = 'Mars/Olympus_Mons')],
    ['nmr.regionsPpm[1]', /region/, (m: M) => m.nmr.regionsPpm.push([5000, 6000])],
    ['eis.paths[1]', /named twice/, (m: M) => m.eis.paths.push('./exp/eis.mpt')],
    ['nmr.processing.lbHz', /invalid manifest/, (m: M) => Object.assign(m.nmr.processing, { lbHz: 1e308 })],
    ['eis.drt.lambda', /invalid manifest/, (m: M) => (m.eis.drt.lambda = 1e300)],
    [
      'eis.drt.windows[0][0]',
      /invalid manifest/,
      (m: M) => Object.assign(m.eis.drt, { windows: [[-1e300, 1e300]] }),
    ],
    ['nmr.regionsPpm[0][0]', /invalid manifest/, (m: M) => (m.nmr.regionsPpm = [[-1e300, 290]])],
  ])(
    '%s',
    async (field, summary, f) => {
      const r = await expectRefusal(['run', write(edit(f))], manifestPath, summary);
      expect(r.json.field).toBe(field);
      expect(r.json.file).toBe(manifestPath);
    },
    30_000,
  );

  it('a big unrelated file and a symbolic-link loop in the NMR folder: not read, not hashed', async () => {
    const series = join(exp, 'series');
    writeFileSync(join(series, 'unrelated.bin'), '');
    truncateSync(join(series, 'unrelated.bin'), 3 * 1024 ** 3);
    symlinkSync('loop', join(series, 'loop'));
    symlinkSync('.', join(series, 'here'));
    symlinkSync('99', join(series, '99'));
    try {
      const t0 = performance.now();
      const r = await cli(['run', write(good), '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(performance.now() - t0).toBeLessThan(20_000);
      const prov = JSON.parse(readFileSync(join(root, 'out', 'provenance.json'), 'utf8')) as Provenance;
      const names = prov.inputs.map((i) => i.path);
      expect(names.some((n) => /unrelated|loop|here|truth\.json/.test(n))).toBe(false);
      expect(names.filter((n) => n.endsWith('/fid'))).toHaveLength(4);
    } finally {
      for (const n of ['unrelated.bin', 'loop', 'here', '99']) rmSync(join(series, n), { force: true });
    }
  }, 30_000);

  it('a data file that is a symbolic link leading out of the input folder is refused', async () => {
    const fid = join(exp, 'series', '11', 'fid');
    const outside = join(root, 'outside-fid');
    cpSync(fid, outside);
    rmSync(fid);
    symlinkSync(outside, fid);
    try {
      await expectRefusal(
        ['run', write(good)],
        fid,
        /nmr\.path: an input file is a symbolic link leading out/,
      );
    } finally {
      rmSync(fid);
      cpSync(outside, fid);
    }
  });

  it('later-stage errors without a file keep their class', () => {
    expect(new DataError('x', { file: 'a' })).toBeInstanceOf(DataError);
  });
});
