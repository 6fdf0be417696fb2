/**
 * When files still being written may be read (src/live/files.ts), poll by poll, without timing: an
 * experiment is listed only once acqus and a fid of TD values are there and unchanged over two polls —
 * never with half its fid, however long the writer pauses; a damaged experiment (fid longer than TD) is
 * reported once; a ser counts as changed again only once its new rows are stable. A growing text file is
 * read up to its last complete line. An EC-Lab export rewritten with one more header line reads as the
 * same records.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brukerFiles } from '../../src/io/bruker/index.js';
import { parseMpt } from '../../src/io/biologic/mpt.js';
import { ExperimentTracker, GrowingFile } from '../../src/live/index.js';
import { formatMpt, simulateCycler } from '../../src/sim/cycler.js';
import { withExtraHeaderLine } from '../../src/sim/live.js';
import { acquisitionSpec } from '../../src/sim/operando.js';
import { planOperando, simulateSpectrum } from '../../src/sim/spectrometer.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-live-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const plan = planOperando({ seed: 2, spectra: 3, spectrometer: { complexPoints: 1024 } });
function files(i: number, path: string, asSer = false) {
  const t = plan.spectra[i];
  const rows = asSer ? plan.spectra.map((_, k) => simulateSpectrum(plan, k)) : [simulateSpectrum(plan, i)];
  return brukerFiles(path, acquisitionSpec(plan.acquisition, t.startMs, t.endMs), rows, asSer);
}
const content = (f: ReturnType<typeof files>, name: string) =>
  f.files.find(([n]) => n === name)?.[1] as Uint8Array;

describe('ExperimentTracker', () => {
  it('lists an experiment only when its fid is complete and stable over two polls', () => {
    const series = join(root, 'series');
    const exp = join(series, '10');
    mkdirSync(exp, { recursive: true });
    const tracker = new ExperimentTracker(series);
    const f = files(0, exp);
    writeFileSync(join(exp, 'acqus'), content(f, 'acqus'));
    writeFileSync(join(exp, 'audita.txt'), content(f, 'audita.txt'));
    const fid = content(f, 'fid');
    writeFileSync(join(exp, 'fid'), fid.subarray(0, fid.length / 2));
    // half a fid, polled as often as you like: never included
    for (let k = 0; k < 5; k++) {
      const p = tracker.poll();
      expect(p.changed).toBe(false);
      expect(p.unreadable).toEqual([]);
      expect(tracker.include(exp)).toBe(false);
    }
    expect(tracker.pending()).toEqual([exp]);
    appendFileSync(join(exp, 'fid'), fid.subarray(fid.length / 2));
    // complete now, but changed since the last poll: one more poll first
    expect(tracker.poll().changed).toBe(false);
    expect(tracker.include(exp)).toBe(false);
    expect(tracker.poll().changed).toBe(true);
    expect(tracker.pending()).toEqual([]);
    expect(tracker.include(exp)).toBe(true);
    expect(tracker.poll().changed).toBe(false);
    // a second experiment appears without a fid yet: the first stays included, nothing changes
    const exp2 = join(series, '11');
    mkdirSync(exp2);
    writeFileSync(join(exp2, 'acqus'), content(files(1, exp2), 'acqus'));
    expect(tracker.poll().changed).toBe(false);
    expect(tracker.poll().changed).toBe(false);
    expect(tracker.include(exp)).toBe(true);
    expect(tracker.include(exp2)).toBe(false);
  });

  it('reports an experiment that stays unreadable (fid longer than TD) once', () => {
    const series = join(root, 'damaged');
    const exp = join(series, '10');
    mkdirSync(exp, { recursive: true });
    const f = files(0, exp);
    writeFileSync(join(exp, 'acqus'), content(f, 'acqus'));
    writeFileSync(join(exp, 'fid'), Buffer.concat([content(f, 'fid'), Buffer.alloc(8)]));
    const tracker = new ExperimentTracker(series);
    tracker.poll();
    const reports = [tracker.poll(), tracker.poll(), tracker.poll()].flatMap((p) => p.unreadable);
    expect(reports).toHaveLength(1);
    expect(reports[0].path).toBe(exp);
    expect(reports[0].error).toMatch(/fid size does not match TD/);
    expect(tracker.include(exp)).toBe(false);
  });

  it('a growing ser stays included while a row is being written and counts as changed once it is stable', () => {
    const exp = join(root, 'ser', '10');
    mkdirSync(exp, { recursive: true });
    const f = files(0, exp, true);
    for (const name of ['acqus', 'acqu2s']) writeFileSync(join(exp, name), content(f, name));
    const ser = content(f, 'ser');
    writeFileSync(join(exp, 'ser'), ser.subarray(0, f.rowBytes));
    const tracker = new ExperimentTracker(exp);
    tracker.poll();
    expect(tracker.poll().changed).toBe(true);
    expect(tracker.include(exp)).toBe(true);
    appendFileSync(join(exp, 'ser'), ser.subarray(f.rowBytes, f.rowBytes + 100));
    expect(tracker.poll().changed).toBe(false);
    expect(tracker.poll().changed).toBe(true); // stable again (one complete row plus a partial one)
    expect(tracker.include(exp)).toBe(true);
    appendFileSync(join(exp, 'ser'), ser.subarray(f.rowBytes + 100, 2 * f.rowBytes));
    expect(tracker.poll().changed).toBe(false);
    expect(tracker.include(exp)).toBe(true);
    expect(tracker.poll().changed).toBe(true);
  });
});

describe('GrowingFile', () => {
  it('reads up to the last complete line, and again only when the file changed', () => {
    const path = join(root, 'grow.txt');
    const g = new GrowingFile(path);
    expect(g.read()).toBeNull(); // absent
    writeFileSync(path, 'a\tb\r\n1\t2');
    expect(String(g.read())).toBe('a\tb\r\n');
    expect(g.read()).toBeNull(); // unchanged
    appendFileSync(path, '\r\n3\t4\r\n');
    expect(String(g.read())).toBe('a\tb\r\n1\t2\r\n3\t4\r\n');
  });
});

describe('EC-Lab header rewrite', () => {
  it('one more header line and "Nb header lines" raised: the same records', () => {
    const records = simulateCycler(plan.cell, { startMs: plan.options.startMs, sampleIntervalS: 60 });
    const text = formatMpt(records);
    const rewritten = withExtraHeaderLine(text);
    expect(rewritten.split('\r\n').length).toBe(text.split('\r\n').length + 1);
    const n = (t: string) => Number(/Nb header lines : (\d+)/.exec(t)?.[1]);
    expect(n(rewritten)).toBe(n(text) + 1);
    const a = parseMpt(Buffer.from(text, 'latin1'), 'a.mpt');
    const b = parseMpt(Buffer.from(rewritten, 'latin1'), 'b.mpt');
    expect(b.rowCount).toBe(a.rowCount);
    expect(b.rowCount).toBeGreaterThan(10);
    expect(b.columns.map((c) => [c.key, Array.from(c.values)])).toEqual(
      a.columns.map((c) => [c.key, Array.from(c.values)]),
    );
  });
});
