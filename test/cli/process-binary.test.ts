/**
 * `spincell process --format binary`: the same spectra as the CSV output (whose exact 17-digit numbers
 * read back as the same doubles), as one array file plus an index, for a series and for one experiment;
 * the index carries each spectrum's identity and processing summary as `process --json` prints it; float32
 * holds Math.fround of the values; usage errors name the option.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNumericTable } from '../../src/io/csv/index.js';
import { readProcessedSpectra } from '../../src/io/processed-spectra.js';
import { cli } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-binary-cli-'));
const series = join(root, 'series');
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  const r = await cli([
    'simulate',
    'operando',
    '--out',
    series,
    '--spectra',
    '3',
    '--seed',
    '7',
    '--points',
    '2048',
  ]);
  expect(r.code).toBe(0);
});

describe('spincell process --format binary', () => {
  it('holds the spectra of the CSV output to the bit, with the summaries of --json', async () => {
    const csv = join(root, 'csv');
    const bin = join(root, 'bin');
    const a = await cli(['--json', 'process', series, '--lb', '5', '--out', csv]);
    expect(a.code).toBe(0);
    const b = await cli(['--json', 'process', series, '--lb', '5', '--out', bin, '--format', 'binary']);
    expect(b.code).toBe(0);
    const printed = JSON.parse(b.stdout) as { spectra: Record<string, unknown>[] };
    const { index, spectra } = readProcessedSpectra(bin);
    expect(index).toMatchObject({ spectra: 3, source: series, inputFormat: 'bruker series' });
    expect(index.data).toMatchObject({ numpy: '<c16', shape: [3, 2048] });
    const csvSummaries = (JSON.parse(a.stdout) as { spectra: { file: string }[] }).spectra;
    spectra.forEach((s, k) => {
      const t = parseNumericTable(readFileSync(csvSummaries[k].file, 'utf8'));
      expect(t.headers).toEqual(['ppm', 'real', 'imag']);
      expect(s.ppm).toEqual(t.columns[0]);
      expect(s.re).toEqual(t.columns[1]);
      expect(s.im).toEqual(t.columns[2]);
      const { file: _file, ...summary } = printed.spectra[k];
      expect(s.item).toEqual({ ...summary, offset: k * 2048, points: 2048 });
    });
  });

  it('writes float32 and a single experiment into a folder too', async () => {
    const out = join(root, 'one');
    const r = await cli([
      'process',
      join(series, '11'),
      '--out',
      out,
      '--format',
      'binary',
      '--dtype',
      'float32',
    ]);
    expect(r.code).toBe(0);
    const full = join(root, 'one64');
    expect((await cli(['process', join(series, '11'), '--out', full, '--format', 'binary'])).code).toBe(0);
    const f32 = readProcessedSpectra(out);
    const f64 = readProcessedSpectra(full);
    expect(f32.index.data).toMatchObject({ numpy: '<c8', shape: [1, 2048] });
    expect(f32.spectra[0].re).toEqual(f64.spectra[0].re.map(Math.fround));
    expect(f32.spectra[0].im).toEqual(f64.spectra[0].im.map(Math.fround));
  });

  it('names the option in usage errors', async () => {
    const noOut = await cli(['process', series, '--format', 'binary']);
    expect(noOut.code).not.toBe(0);
    expect(noOut.stderr).toMatch(/--format/);
    const csvDtype = await cli(['process', series, '--out', join(root, 'x'), '--dtype', 'float32']);
    expect(csvDtype.stderr).toMatch(/--dtype/);
    const unknown = await cli(['process', series, '--out', join(root, 'y'), '--format', 'parquet']);
    expect(unknown.stderr).toMatch(/--format.*parquet|parquet.*csv or binary/s);
  });
});
