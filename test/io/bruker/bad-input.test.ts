/**
 * Bad input gives typed errors naming file and field; corrupted files (fast-check: random truncation, byte
 * flips, garbage) never raise anything but SpincellError subclasses, and never yield non-finite numbers.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CorruptFileError,
  DataError,
  MissingFileError,
  ParameterError,
  SpincellError,
  UnsupportedFormatError,
} from '../../../src/core/errors.js';
import {
  type BrukerWriteSpec,
  listSeries,
  parseBrukerParams,
  readExperiment,
  readProcessed,
  readSeriesFid,
  writeBrukerExperiment,
  writeBrukerSer,
} from '../../../src/io/bruker/index.js';
import { BRUKER_DATA, HAVE_BRUKER_DATA } from './refdata.js';
import { TEST_SPEC } from './spec.js';

const tmp = mkdtempSync(join(tmpdir(), 'spincell-bruker-bad-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SPEC = TEST_SPEC;

const N = 64;
function data(seed = 1) {
  const re = new Float64Array(N).map((_, i) => Math.cos(i * 0.3 + seed) * 100);
  const im = new Float64Array(N).map((_, i) => Math.sin(i * 0.3 + seed) * 100);
  return { re, im };
}

let made = 0;
function experiment(over: Partial<BrukerWriteSpec> = {}): string {
  const path = join(tmp, `exp${made++}`);
  writeBrukerExperiment(path, { ...SPEC, ...over }, data());
  return path;
}

function caught(fn: () => unknown): SpincellError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SpincellError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

function replaceParam(path: string, name: string, value: string): void {
  const file = join(path, 'acqus');
  const text = readFileSync(file, 'latin1').replace(
    new RegExp(`^##\\$${name}= .*$`, 'm'),
    `##$${name}= ${value}`,
  );
  writeFileSync(file, text);
}

describe('typed errors for bad Bruker input', () => {
  it('truncated fid → CorruptFileError naming the fid, TD and the byte counts', () => {
    const p = experiment();
    truncateSync(join(p, 'fid'), 100);
    const e = caught(() => readExperiment(p));
    expect(e).toBeInstanceOf(CorruptFileError);
    expect(e.file).toBe(join(p, 'fid'));
    expect(e.field).toBe('TD');
    expect(e.message).toContain('truncated');
    expect(e.message).toContain('found 100 bytes');
    expect(e.message).toContain(`${2 * N * 4} or 1024 bytes (TD=${2 * N} int32 values)`);
  });

  it('fid size not matching TD → CorruptFileError', () => {
    const p = experiment();
    replaceParam(p, 'TD', '100');
    const e = caught(() => readExperiment(p));
    expect(e).toBeInstanceOf(CorruptFileError);
    expect(e.field).toBe('TD');
    expect(e.message).toContain('does not match TD');
  });

  it('a fid padded to the 1024-byte block is accepted', () => {
    const p = experiment();
    const bytes = readFileSync(join(p, 'fid'));
    const padded = Buffer.alloc(1024);
    bytes.copy(padded);
    writeFileSync(join(p, 'fid'), padded);
    expect(readExperiment(p).re).toHaveLength(N);
  });

  it('missing acqus → MissingFileError naming acqus', () => {
    const p = experiment();
    rmSync(join(p, 'acqus'));
    const e = caught(() => readExperiment(p));
    expect(e).toBeInstanceOf(MissingFileError);
    expect(e.file).toBe(join(p, 'acqus'));
    expect(e.field).toBe('acqus');
    // inside a series folder too
    const root = join(tmp, 'series-missing');
    writeBrukerExperiment(join(root, '1'), SPEC, data());
    writeBrukerExperiment(join(root, '2'), SPEC, data());
    rmSync(join(root, '2', 'acqus'));
    const e2 = caught(() => listSeries(root));
    expect(e2).toBeInstanceOf(MissingFileError);
    expect(e2.file).toBe(join(root, '2', 'acqus'));
  });

  it('unknown DTYPA or BYTORDA → UnsupportedFormatError naming the field', () => {
    const p = experiment();
    replaceParam(p, 'DTYPA', '1');
    const e = caught(() => readExperiment(p));
    expect(e).toBeInstanceOf(UnsupportedFormatError);
    expect(e.field).toBe('DTYPA');
    expect(e.found).toBe(1);
    const q = experiment();
    replaceParam(q, 'BYTORDA', '7');
    expect(caught(() => readExperiment(q)).field).toBe('BYTORDA');
  });

  it('non-numeric parameters → ParameterError naming file and field', () => {
    for (const [name, value] of [
      ['SW_h', 'abc'],
      ['NS', '4.5'],
      ['SFO1', '-1'],
      ['DATE', 'today'],
      ['TD', '63'],
    ]) {
      const p = experiment();
      replaceParam(p, name, value);
      const e = caught(() => readExperiment(p));
      expect(e).toBeInstanceOf(ParameterError);
      expect(e.file).toBe(join(p, 'acqus'));
      expect(e.field).toBe(name);
    }
    const p = experiment();
    replaceParam(p, 'D', '(0..63)\n0 fast 0');
    expect(caught(() => readExperiment(p)).field).toMatch(/^D/);
  });

  it('empty folder and missing folder → MissingFileError', () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const e = caught(() => listSeries(empty));
    expect(e).toBeInstanceOf(MissingFileError);
    expect(e.file).toBe(empty);
    expect(e.field).toBe('acqus');
    mkdirSync(join(empty, 'pdata'));
    mkdirSync(join(empty, '5'));
    expect(caught(() => listSeries(empty))).toBeInstanceOf(MissingFileError);
    expect(caught(() => listSeries(join(tmp, 'nowhere')))).toBeInstanceOf(MissingFileError);
    const noData = experiment();
    rmSync(join(noData, 'fid'));
    expect(caught(() => readExperiment(noData)).field).toBe('fid');
  });

  it('a folder mixing nuclei → DataError naming both experiments and nuclei', () => {
    const root = join(tmp, 'mixed');
    writeBrukerExperiment(join(root, '1'), SPEC, data());
    writeBrukerExperiment(join(root, '2'), SPEC, data());
    writeBrukerExperiment(join(root, '3'), { ...SPEC, nucleus: '23Na' }, data());
    const e = caught(() => listSeries(root));
    expect(e).toBeInstanceOf(DataError);
    expect(e.field).toBe('NUC1');
    expect(e.message).toContain(`7Li in ${join(root, '1')}`);
    expect(e.message).toContain(`23Na in ${join(root, '3')}`);
  });

  it('a ser shorter than TD1 rows (growing or stopped) reads its complete rows; none complete → CorruptFileError', () => {
    const p = join(tmp, 'ser');
    const { intScale } = writeBrukerSer(p, SPEC, [data(1), data(2), data(3)]);
    truncateSync(join(p, 'ser'), 1024 * 2 + 10);
    const entries = listSeries(p);
    expect(entries).toHaveLength(2);
    expect(entries.map((e) => e.declaredRows)).toEqual([3, 3]);
    const row = readSeriesFid(entries[1]);
    for (const k of [0, 5, 63]) expect(row.re[k]).toBe(Math.round(data(2).re[k] * intScale));
    truncateSync(join(p, 'ser'), 1000);
    const e = caught(() => listSeries(p));
    expect(e).toBeInstanceOf(CorruptFileError);
    expect(e.message).toContain('no complete row');
    expect(e.message).toContain('0 complete rows');
    rmSync(join(p, 'acqu2s'));
    expect(caught(() => listSeries(p)).field).toBe('acqu2s');
  });

  it('non-finite float64 samples → CorruptFileError', () => {
    const p = experiment({ dataType: 'float64' });
    const bytes = readFileSync(join(p, 'fid'));
    bytes.writeDoubleLE(NaN, 16);
    writeFileSync(join(p, 'fid'), bytes);
    expect(caught(() => readExperiment(p))).toBeInstanceOf(CorruptFileError);
  });
});

/** Reads everything a user could ask for and checks that the numbers are usable. */
function exercise(path: string): void {
  for (const entry of listSeries(path)) {
    const fid = readSeriesFid(entry);
    for (const v of [
      entry.meta.startMs,
      entry.meta.endMs,
      entry.meta.groupDelayPoints,
      entry.meta.acquisitionTimeS,
    ]) {
      if (!Number.isFinite(v)) throw new Error(`non-finite metadata ${v}`);
    }
    new Date(entry.meta.startMs).toISOString();
    for (let i = 0; i < fid.re.length; i++)
      if (!Number.isFinite(fid.re[i]) || !Number.isFinite(fid.im[i])) throw new Error('non-finite sample');
  }
}

function onlyTypedErrors(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof SpincellError)) throw e;
  }
}

describe('corrupted files (property-based)', () => {
  const base = experiment({ dataType: 'float64' });
  const baseInt = experiment({ byteOrder: 'big' });
  let k = 0;
  function copyOf(src: string): string {
    const dst = join(tmp, `fc${k++}`);
    mkdirSync(dst);
    for (const f of ['acqus', 'fid']) copyFileSync(join(src, f), join(dst, f));
    return dst;
  }

  it('random truncation of fid or acqus', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.constantFrom('fid', 'acqus'), fc.nat(), (useFloat, file, cut) => {
        const p = copyOf(useFloat ? base : baseInt);
        const size = readFileSync(join(p, file)).length;
        truncateSync(join(p, file), cut % (size + 1));
        onlyTypedErrors(() => exercise(p));
      }),
      { numRuns: 150 },
    );
  });

  it('random byte flips in acqus', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (flips) => {
          const p = copyOf(baseInt);
          const bytes = readFileSync(join(p, 'acqus'));
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          writeFileSync(join(p, 'acqus'), bytes);
          onlyTypedErrors(() => exercise(p));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('digit and sign edits in acqus values', () => {
    const chars = fc.constantFrom('0', '1', '9', '-', '.', 'e', ' ', '<', '>', '(', ')', '\n', '#', '$');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), chars), { minLength: 1, maxLength: 6 }), (edits) => {
        const p = copyOf(base);
        const bytes = readFileSync(join(p, 'acqus'));
        for (const [at, ch] of edits) bytes[at % bytes.length] = ch.charCodeAt(0);
        writeFileSync(join(p, 'acqus'), bytes);
        onlyTypedErrors(() => exercise(p));
      }),
      { numRuns: 200 },
    );
  });

  it('random garbage in place of acqus, fid, procs or 1r', () => {
    fc.assert(
      fc.property(fc.constantFrom('acqus', 'fid'), fc.uint8Array({ maxLength: 2048 }), (file, garbage) => {
        const p = copyOf(base);
        writeFileSync(join(p, file), garbage);
        onlyTypedErrors(() => exercise(p));
        onlyTypedErrors(() => {
          const params = parseBrukerParams(Buffer.from(garbage).toString('latin1'), 'garbage');
          for (const name of params.names()) {
            onlyTypedErrors(() => params.number(name));
            onlyTypedErrors(() => params.string(name));
            onlyTypedErrors(() => params.numberArray(name));
          }
        });
      }),
      { numRuns: 150 },
    );
  });

  it('random truncation of a ser and byte flips in its acqu2s', () => {
    const ser = join(tmp, 'fc-ser-base');
    writeBrukerSer(ser, { ...SPEC, dataType: 'float64' }, [data(1), data(2), data(3), data(4)]);
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        (cut, flips) => {
          const p = join(tmp, `fc${k++}`);
          mkdirSync(p);
          for (const f of ['acqus', 'acqu2s', 'ser']) copyFileSync(join(ser, f), join(p, f));
          const size = readFileSync(join(p, 'ser')).length;
          truncateSync(join(p, 'ser'), size - (cut % (size + 1)));
          const a2 = readFileSync(join(p, 'acqu2s'));
          for (const [at, value] of flips) a2[at % a2.length] = value;
          writeFileSync(join(p, 'acqu2s'), a2);
          onlyTypedErrors(() => exercise(p));
        },
      ),
      { numRuns: 100 },
    );
  });

  it.skipIf(!HAVE_BRUKER_DATA)('truncated or garbled processed data (coffee-1h/20 pdata)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('1r', '1i', 'procs'),
        fc.nat(),
        fc.uint8Array({ maxLength: 64 }),
        (file, cut, garbage) => {
          const p = join(tmp, `pd${k++}`);
          mkdirSync(join(p, 'pdata', '1'), { recursive: true });
          for (const f of ['1r', '1i', 'procs'])
            copyFileSync(join(BRUKER_DATA, 'coffee-1h/20/pdata/1', f), join(p, 'pdata', '1', f));
          const target = join(p, 'pdata', '1', file);
          const bytes = readFileSync(target);
          const keep = bytes.subarray(0, cut % (bytes.length + 1));
          writeFileSync(target, Buffer.concat([keep, garbage]));
          onlyTypedErrors(() => {
            const s = readProcessed(p);
            for (let i = 0; i < s.re.length; i++)
              if (!Number.isFinite(s.re[i]) || !Number.isFinite(s.ppm[i])) throw new Error('non-finite');
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});
