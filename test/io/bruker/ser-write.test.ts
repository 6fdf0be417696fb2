/**
 * ser reading against fixtures written independently with numpy (test/fixtures/bruker/make_ser_fixtures.py),
 * and the writer: byte layout per Bruker's rules, round trips through the reader.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ParameterError } from '../../../src/core/errors.js';
import {
  type BrukerWriteSpec,
  detectBrukerFormat,
  listSeries,
  readExperiment,
  readSeriesFid,
  writeBrukerExperiment,
  writeBrukerSer,
} from '../../../src/io/bruker/index.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/bruker/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'spincell-bruker-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ser files written by numpy', () => {
  for (const [name, fraction, stride] of [
    ['ser-int32-le', 0, 3072],
    ['ser-float64-be', 0.25, 5120],
  ] as const) {
    it(`${name}: three rows at ${stride}-byte strides, values as generated`, () => {
      const dir = join(FIXTURES, name);
      expect(detectBrukerFormat(dir)).toBe('bruker ser');
      const entries = listSeries(dir);
      expect(entries).toHaveLength(3);
      expect(entries.map((e) => e.offsetBytes)).toEqual([0, stride, 2 * stride]);
      for (const e of entries) {
        const fid = readSeriesFid(e);
        const r = e.meta.rowIndex!;
        expect(fid.re).toHaveLength(300);
        for (const k of [0, 1, 150, 299]) {
          expect(fid.re[k]).toBe(1000 * r + k);
          expect(fid.im[k]).toBe(-k + fraction);
        }
      }
      // times: $DATE ends the last row; the experiment lasts (DS + 3·NS)(D1 + AQ); the dummy scans run
      // before the first row, then each row lasts NS·(D1 + AQ)
      const aq = 300 / 100000;
      const scanMs = (0.5 + aq) * 1000;
      const total = (2 + 3 * 16) * scanMs;
      expect(entries[2].meta.endMs).toBeCloseTo(1709294400000, 3);
      expect(entries[0].meta.startMs).toBeCloseTo(1709294400000 - total + 2 * scanMs, 3);
      expect(entries[1].meta.startMs - entries[0].meta.startMs).toBeCloseTo(16 * scanMs, 3);
      expect(entries[0].meta).toMatchObject({
        nucleus: '7Li',
        groupDelayPoints: 67.98,
        scans: 16,
        dummyScans: 2,
        recycleDelayS: 0.5,
      });
      expect(entries.every((e) => e.timeSource === 'acqus DATE')).toBe(true);
    });
  }
});

function spec(over: Partial<BrukerWriteSpec> = {}): BrukerWriteSpec {
  return {
    nucleus: '7Li',
    sfo1MHz: 155.5038875,
    bf1MHz: 155.5,
    o1Hz: 3887.5,
    swHz: 100000,
    scans: 32,
    dummyScans: 4,
    recycleDelayS: 0.2,
    receiverGain: 64,
    pulseProgram: 'zg',
    digitalFilter: { kind: 'grpdly', points: 67.9862060546875, decim: 16, dspfvs: 23 },
    endMs: Date.UTC(2026, 0, 15, 10, 0, 0),
    ...over,
  };
}

function ramp(n: number, seed: number): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = Math.cos(0.1 * i + seed) * 1000 * Math.exp(-i / 50) + seed;
    im[i] = Math.sin(0.1 * i + seed) * 1000 * Math.exp(-i / 50) - seed / 3;
  }
  return { re, im };
}

describe('writer', () => {
  it('writes float64 big-endian data that reads back bit-exactly', () => {
    const data = ramp(1000, 1);
    const path = join(tmp, 'f64be');
    const res = writeBrukerExperiment(path, spec({ dataType: 'float64', byteOrder: 'big' }), data);
    expect(res).toEqual({ path, td: 2000, intScale: 1 });
    expect(statSync(join(path, 'fid')).size).toBe(16000);
    // first value, big-endian IEEE double, checked at byte level
    const bytes = readFileSync(join(path, 'fid'));
    expect(bytes.readDoubleBE(0)).toBe(data.re[0]);
    expect(bytes.readDoubleBE(8)).toBe(data.im[0]);
    const fid = readExperiment(path);
    expect(Array.from(fid.re)).toEqual(Array.from(data.re));
    expect(Array.from(fid.im)).toEqual(Array.from(data.im));
    expect(fid.meta).toMatchObject({
      nucleus: '7Li',
      sfo1MHz: 155.5038875,
      bf1MHz: 155.5,
      o1Hz: 3887.5,
      swHz: 100000,
      complexPoints: 1000,
      groupDelayPoints: 67.9862060546875,
      scans: 32,
      dummyScans: 4,
      recycleDelayS: 0.2,
      receiverGain: 64,
      pulseProgram: 'zg',
      endMs: Date.UTC(2026, 0, 15, 10, 0, 0),
    });
  });

  it('writes int32 little-endian data scaled and rounded', () => {
    const data = ramp(777, 2);
    const path = join(tmp, 'i32le');
    const res = writeBrukerExperiment(path, spec({ dataType: 'int32', byteOrder: 'little' }), data);
    let max = 0;
    for (const a of [data.re, data.im]) for (const v of a) max = Math.max(max, Math.abs(v));
    expect(res.intScale).toBe(2 ** 29 / max);
    const bytes = readFileSync(join(path, 'fid'));
    expect(bytes.length).toBe(777 * 8);
    expect(bytes.readInt32LE(0)).toBe(Math.round(data.re[0] * res.intScale));
    const fid = readExperiment(path);
    for (let i = 0; i < 777; i++) {
      expect(fid.re[i]).toBe(Math.round(data.re[i] * res.intScale));
      expect(Math.abs(fid.im[i] / res.intScale - data.im[i])).toBeLessThanOrEqual(0.5 / res.intScale);
    }
    const fixed = writeBrukerExperiment(
      join(tmp, 'i32fixed'),
      spec({ intScale: 10, byteOrder: 'big' }),
      data,
    );
    expect(fixed.intScale).toBe(10);
    expect(readFileSync(join(tmp, 'i32fixed', 'fid')).readInt32BE(4)).toBe(Math.round(data.im[0] * 10));
  });

  it('writes a ser with rows padded to 1024-byte blocks (int32: 256 values, float64: 128 values)', () => {
    const rows = [ramp(300, 1), ramp(300, 2), ramp(300, 3), ramp(300, 4)];
    for (const [dataType, stride] of [
      ['int32', 3072],
      ['float64', 5120],
    ] as const) {
      const path = join(tmp, `ser-${dataType}`);
      writeBrukerSer(path, spec({ dataType, startMs: Date.UTC(2026, 0, 15, 9, 0, 0) }), rows);
      expect(statSync(join(path, 'ser')).size).toBe(4 * stride);
      const entries = listSeries(path);
      expect(entries).toHaveLength(4);
      expect(entries[3].offsetBytes).toBe(3 * stride);
      const last = readSeriesFid(entries[3]);
      if (dataType === 'float64') expect(Array.from(last.re)).toEqual(Array.from(rows[3].re));
      // audita.txt carries the exact window: 4 dummy scans, then four rows of 32 scans (132 scans in 1 h)
      expect(entries[0].timeSource).toBe('audita');
      const t0 = Date.UTC(2026, 0, 15, 9, 0, 0);
      const hour = 3600_000;
      expect(entries[0].meta.startMs).toBeCloseTo(t0 + (4 / 132) * hour, 3);
      expect(entries[3].meta.endMs).toBe(Date.UTC(2026, 0, 15, 10, 0, 0));
      expect(entries[1].meta.startMs).toBeCloseTo(t0 + (36 / 132) * hour, 3);
    }
  });

  it('writes a series of numbered experiments that lists in numeric order', () => {
    const root = join(tmp, 'series');
    for (const n of [10, 9, 100, 11]) {
      writeBrukerExperiment(
        join(root, String(n)),
        spec({ endMs: Date.UTC(2026, 0, 1, 0, n), startMs: Date.UTC(2026, 0, 1, 0, n) - 30000 }),
        ramp(64, n),
      );
    }
    writeFileSync(join(root, 'notes.txt'), 'not an experiment');
    const entries = listSeries(root);
    expect(entries.map((e) => e.meta.experimentNumber)).toEqual([9, 10, 11, 100]);
    expect(entries.map((e) => e.index)).toEqual([0, 1, 2, 3]);
    expect(entries[0].meta.endMs - entries[0].meta.startMs).toBe(30000);
  });

  it('allows experiments of one series to differ in TD, NS and D1 (each keeps its own parameters)', () => {
    const root = join(tmp, 'mixed-td');
    writeBrukerExperiment(join(root, '1'), spec({ scans: 8, recycleDelayS: 0.2 }), ramp(128, 1));
    writeBrukerExperiment(join(root, '2'), spec({ scans: 256, recycleDelayS: 30 }), ramp(512, 2));
    const entries = listSeries(root);
    expect(entries.map((e) => e.meta.complexPoints)).toEqual([128, 512]);
    expect(entries.map((e) => e.meta.scans)).toEqual([8, 256]);
    expect(readSeriesFid(entries[1]).re).toHaveLength(512);
  });

  it('refuses bad specifications and existing folders with typed errors', () => {
    const data = ramp(16, 0);
    expect(() => writeBrukerExperiment(join(tmp, 'bad1'), spec({ swHz: 0 }), data)).toThrow(ParameterError);
    expect(() => writeBrukerExperiment(join(tmp, 'bad2'), spec({ nucleus: '7Li>' }), data)).toThrow(
      ParameterError,
    );
    expect(() =>
      writeBrukerExperiment(
        join(tmp, 'bad3'),
        spec({ digitalFilter: { kind: 'dsp-table', dspfvs: 10, decim: 5 } }),
        data,
      ),
    ).toThrow(/DECIM/);
    expect(() =>
      writeBrukerExperiment(join(tmp, 'bad4'), spec(), {
        re: new Float64Array([NaN]),
        im: new Float64Array([0]),
      }),
    ).toThrow(ParameterError);
    expect(() => writeBrukerExperiment(join(tmp, 'bad5'), spec({ intScale: 1e9 }), data)).toThrow(/int32/);
    expect(() =>
      writeBrukerExperiment(join(tmp, 'bad6'), spec(), { re: new Float64Array(3), im: new Float64Array(2) }),
    ).toThrow(ParameterError);
    writeBrukerExperiment(join(tmp, 'exists'), spec(), data);
    expect(() => writeBrukerExperiment(join(tmp, 'exists'), spec(), data)).toThrow(/already exists/);
    writeBrukerExperiment(join(tmp, 'exists'), spec({ scans: 7, overwrite: true }), data);
    expect(readExperiment(join(tmp, 'exists')).meta.scans).toBe(7);
  });

  it('writes old-firmware and analogue variants the reader resolves', () => {
    const data = ramp(32, 0);
    writeBrukerExperiment(
      join(tmp, 'dsp10'),
      spec({ digitalFilter: { kind: 'dsp-table', dspfvs: 10, decim: 24 } }),
      data,
    );
    expect(readExperiment(join(tmp, 'dsp10')).meta.groupDelayPoints).toBeCloseTo(61.021, 3);
    writeBrukerExperiment(join(tmp, 'analogue'), spec({ digitalFilter: { kind: 'analogue' } }), data);
    expect(readExperiment(join(tmp, 'analogue')).meta.groupDelayPoints).toBe(0);
  });
});
