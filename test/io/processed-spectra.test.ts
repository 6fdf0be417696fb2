/**
 * Binary output of processed spectra (src/io/processed-spectra.ts): the writer's files are read back by
 * readProcessedSpectra to the bit (float32 data as Math.fround of the values), and by numpy: the fixture
 * sets test/fixtures/io/processed-binary/{uniform,ragged} were written by ProcessedSpectraWriter from the
 * inputs in processed-spectra-inputs.ts, then read once by a short Python script with
 * `numpy.fromfile(file, dtype=index.numpy).reshape(index.shape)` for the data and the axis, each value
 * saved as the hex of its float64 (numpy-read.json). The writer must still produce those exact bytes, and
 * our reader must see what numpy saw.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptFileError } from '../../src/core/errors.js';
import { OutputFolder } from '../../src/io/output.js';
import {
  ProcessedSpectraWriter,
  readProcessedSpectra,
  type SampleType,
  type SpectrumArrays,
} from '../../src/io/processed-spectra.js';
import { fixtureSpectra } from './processed-spectra-inputs.js';

const fixtures = join(__dirname, '..', 'fixtures', 'io', 'processed-binary');
const root = mkdtempSync(join(tmpdir(), 'spincell-binary-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface NumpyRead {
  spectra: { re: string[]; im: string[]; ppm: string[] }[];
  dataShape: number[];
  axisShape: number[];
}
const numpy = JSON.parse(readFileSync(join(fixtures, 'numpy-read.json'), 'utf8')) as Record<
  'uniform' | 'ragged',
  NumpyRead
>;
const hexes = (a: Float64Array) =>
  Array.from(a, (v) => {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    return b.toString('hex');
  });

async function writeSet(
  dir: string,
  spectra: readonly (SpectrumArrays & { index: number })[],
  sample: SampleType,
): Promise<void> {
  const set = OutputFolder.open(dir, { command: 'test' });
  const w = new ProcessedSpectraWriter(set, sample);
  for (const s of spectra) w.add(s, { index: s.index, label: `spectrum ${s.index}` });
  await w.finish({ source: 'test fixture' });
  await set.drain();
  set.commit();
}

describe('binary processed spectra', () => {
  for (const kind of ['uniform', 'ragged'] as const) {
    const sample: SampleType = kind === 'uniform' ? 'float64' : 'float32';
    it(`${kind} (${sample}): the writer gives the fixture's bytes, and the reader sees what numpy saw`, async () => {
      const dir = join(root, kind);
      await writeSet(dir, fixtureSpectra(kind), sample);
      for (const f of ['spectra.bin', 'ppm.bin', 'spectra.json'])
        expect(readFileSync(join(dir, f)).equals(readFileSync(join(fixtures, kind, f))), f).toBe(true);
      const { index, spectra } = readProcessedSpectra(join(fixtures, kind));
      expect(index.data.shape).toEqual(numpy[kind].dataShape);
      expect(index.axis.shape).toEqual(numpy[kind].axisShape);
      expect(spectra.length).toBe(numpy[kind].spectra.length);
      spectra.forEach((s, k) => {
        expect(hexes(s.re)).toEqual(numpy[kind].spectra[k].re);
        expect(hexes(s.im)).toEqual(numpy[kind].spectra[k].im);
        expect(hexes(s.ppm)).toEqual(numpy[kind].spectra[k].ppm);
        expect(s.item).toMatchObject({ index: k, label: `spectrum ${k}` });
      });
    });
  }

  it('round-trips float64 to the bit and float32 as Math.fround, with a shared axis detected', async () => {
    const n = 257;
    const make = (k: number) => ({
      index: k,
      ppm: Float64Array.from({ length: n }, (_, i) => 500 - i * 0.123456789),
      re: Float64Array.from({ length: n }, (_, i) => Math.exp(-i / 40) * Math.cos(i * k) * 1e7),
      im: Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + k) / 7),
    });
    const input = [0, 1, 2, 3].map(make);
    for (const sample of ['float64', 'float32'] as const) {
      const dir = join(root, `round-${sample}`);
      await writeSet(dir, input, sample);
      const { index, spectra } = readProcessedSpectra(dir);
      expect(index.axis.shared).toBe(true);
      expect(index.data.shape).toEqual([4, n]);
      const cast = sample === 'float64' ? (v: number) => v : Math.fround;
      spectra.forEach((s, k) => {
        expect(s.ppm).toEqual(input[k].ppm);
        expect(s.re).toEqual(input[k].re.map(cast));
        expect(s.im).toEqual(input[k].im.map(cast));
        expect(s.item).toMatchObject({ offset: k * n, points: n });
      });
    }
  });

  it('stores every axis when one spectrum has another axis', async () => {
    const input = fixtureSpectra('uniform');
    input[2].ppm[0] += 1e-9;
    const dir = join(root, 'own-axes');
    await writeSet(dir, input, 'float64');
    const { index, spectra } = readProcessedSpectra(dir);
    expect(index.axis).toMatchObject({ shared: false, shape: [3, 6] });
    spectra.forEach((s, k) => expect(s.ppm).toEqual(input[k].ppm));
  });

  it('refuses a data file that does not match its index, naming the file', async () => {
    const dir = join(root, 'truncated');
    await writeSet(dir, fixtureSpectra('uniform'), 'float64');
    truncateSync(join(dir, 'spectra.bin'), 100);
    expect(() => readProcessedSpectra(dir)).toThrow(CorruptFileError);
    expect(() => readProcessedSpectra(dir)).toThrow(/spectra\.bin/);
    writeFileSync(join(dir, 'spectra.json'), '{"format":"something else"}');
    expect(() => readProcessedSpectra(dir)).toThrow(/format/);
  });

  it('refuses an index of the wrong shape with CorruptFileError, not a TypeError', async () => {
    const dir = join(root, 'shapes');
    await writeSet(dir, fixtureSpectra('uniform'), 'float64');
    const good = JSON.parse(readFileSync(join(dir, 'spectra.json'), 'utf8')) as Record<string, unknown>;
    const cases: [unknown, RegExp][] = [
      [null, /\(index\)/],
      [{ ...good, data: { ...(good.data as object), file: undefined } }, /data\.file/],
      [{ ...good, axis: { ...(good.axis as object), file: 3 } }, /axis\.file/],
      [{ ...good, items: (good.items as unknown[]).map((it, k) => (k === 1 ? null : it)) }, /items\[1\]/],
    ];
    for (const [doc, field] of cases) {
      writeFileSync(join(dir, 'spectra.json'), JSON.stringify(doc));
      expect(() => readProcessedSpectra(dir)).toThrow(CorruptFileError);
      expect(() => readProcessedSpectra(dir)).toThrow(field);
    }
  });
});
