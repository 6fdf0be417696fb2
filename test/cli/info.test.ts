/** `spincell info` through runCli: JSON and table output, exit code 3 with a one-line message on bad input. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { type BrukerWriteSpec, writeBrukerExperiment } from '../../src/io/bruker/index.js';
import { BRUKER_DATA, HAVE_BRUKER_DATA } from '../io/bruker/refdata.js';

const tmp = mkdtempSync(join(tmpdir(), 'spincell-info-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  process.exitCode = undefined;
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  const code = await runCli(args);
  vi.restoreAllMocks();
  return { code, out, err };
}

const SPEC: BrukerWriteSpec = {
  nucleus: '7Li',
  sfo1MHz: 155.5038875,
  bf1MHz: 155.5,
  o1Hz: 3887.5,
  swHz: 100000,
  scans: 64,
  dummyScans: 2,
  recycleDelayS: 0.5,
  digitalFilter: { kind: 'grpdly', points: 67.98 },
  endMs: 0,
};

describe('spincell info', () => {
  const series = join(tmp, 'cell');
  const starts = [Date.UTC(2026, 2, 1, 8, 0, 0, 250), Date.UTC(2026, 2, 1, 8, 10, 0, 0)];
  starts.forEach((startMs, i) =>
    writeBrukerExperiment(
      join(series, String(i + 1)),
      { ...SPEC, startMs, endMs: startMs + 40_000 },
      { re: new Float64Array(128).fill(1), im: new Float64Array(128) },
    ),
  );

  it('describes a series, one entry per spectrum, with ISO times', async () => {
    const { code, out } = await run(['info', series, '--json']);
    expect(code).toBe(0);
    const info = JSON.parse(out);
    expect(info).toMatchObject({
      format: 'bruker series',
      nucleus: '7Li',
      count: 2,
      start: '2026-03-01T08:00:00.250Z',
      end: '2026-03-01T08:10:40.000Z',
    });
    expect(info.spectra[1]).toMatchObject({
      experimentNumber: 2,
      sfo1MHz: 155.5038875,
      o1Hz: 3887.5,
      swHz: 100000,
      td: 256,
      scans: 64,
      dummyScans: 2,
      recycleDelayS: 0.5,
      groupDelayPoints: 67.98,
      start: '2026-03-01T08:10:00.000Z',
      end: '2026-03-01T08:10:40.000Z',
      timeSource: 'audita',
    });
  });

  it('prints a table without --json', async () => {
    const { code, out } = await run(['info', series]);
    expect(code).toBe(0);
    expect(out).toContain('bruker series');
    expect(out).toContain('2026-03-01T08:10:00.000Z');
    expect(out.split('\n').filter((l) => /^\d+\s+\d+\s/.test(l))).toHaveLength(2);
  });

  it('describes a ser and a JCAMP-DX file', async () => {
    const ser = fileURLToPath(new URL('../fixtures/bruker/ser-int32-le', import.meta.url));
    const a = JSON.parse((await run(['--json', 'info', ser])).out);
    expect(a.format).toBe('bruker ser');
    expect(a.spectra.map((s: { rowIndex: number }) => s.rowIndex)).toEqual([0, 1, 2]);
    const jdx = join(tmp, 'x.jdx');
    writeFileSync(
      jdx,
      [
        '##TITLE= t',
        '##JCAMP-DX= 5.01',
        '##DATA TYPE= NMR SPECTRUM',
        '##.OBSERVE FREQUENCY= 100',
        '##.OBSERVE NUCLEUS= ^7Li',
        '##XUNITS= PPM',
        '##YUNITS= ARBITRARY UNITS',
        '##XFACTOR= 1',
        '##YFACTOR= 1',
        '##FIRSTX= 300',
        '##LASTX= 200',
        '##NPOINTS= 3',
        '##FIRSTY= 1',
        '##XYDATA= (X++(Y..Y))',
        '300 1 2 3',
        '##END=',
      ].join('\n'),
    );
    const j = JSON.parse((await run(['info', jdx, '--json'])).out);
    expect(j).toMatchObject({
      format: 'jcamp',
      nucleus: '7Li',
      points: 3,
      firstPpm: 300,
      lastPpm: 200,
      sfMHz: 100,
    });
  });

  it.skipIf(!HAVE_BRUKER_DATA)('reports the real coffee-1h series with $DATE as end time', async () => {
    const info = JSON.parse((await run(['info', `${BRUKER_DATA}/coffee-1h`, '--json'])).out);
    expect(info.format).toBe('bruker series');
    expect(info.spectra.map((s: { end: string }) => s.end)).toEqual([
      new Date(1338634091 * 1000).toISOString(),
      new Date(1338634173 * 1000).toISOString(),
    ]);
    expect(info.spectra[0].groupDelayPoints).toBe(76);
  });

  it('exits 3 with a one-line typed message on bad input', async () => {
    mkdirSync(join(tmp, 'empty-dir'));
    writeFileSync(join(tmp, 'garbage.bin'), Buffer.from([0, 1, 2, 3, 255]));
    const noTd = join(tmp, 'no-td');
    writeBrukerExperiment(
      noTd,
      { ...SPEC, endMs: Date.UTC(2026, 0, 1) },
      { re: new Float64Array(8), im: new Float64Array(8) },
    );
    writeFileSync(
      join(noTd, 'acqus'),
      readFileSync(join(noTd, 'acqus'), 'latin1').replace(/##\$TD= .*/, '##$TD= many'),
    );
    for (const bad of [join(tmp, 'missing'), join(tmp, 'empty-dir'), join(tmp, 'garbage.bin'), noTd]) {
      const { code, out, err } = await run(['info', bad]);
      expect(code).toBe(3);
      expect(out).toBe('');
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(err).toMatch(/^spincell: \w+Error: /);
      expect(err).toContain(bad);
    }
    const json = await run(['info', join(tmp, 'missing'), '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.err)).toMatchObject({ error: 'MissingFileError', file: join(tmp, 'missing') });
  });
});
