/**
 * Non-finite numbers (issue 11, item 9): an infinite cell in a cycler table is refused with its line or
 * row and its column (it made a whole record one rest step of infinite capacity, exit 0), while NaN still
 * marks a missing value; a flat spectrum is not referenced (the axis moved by an arbitrary amount).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { readCyclerFile } from '../../src/io/cycler/index.js';
import { referenceOffsetPpm } from '../../src/nmr/reference.js';
import { formatMpt, simulateCycler } from '../../src/sim/cycler.js';
import { planOperando } from '../../src/sim/index.js';
import { expectRefusal } from './messages-expect.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-nonfinite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const plan = planOperando({ spectra: 2, spectrometer: { complexPoints: 256 } });
const lines = formatMpt(
  simulateCycler(plan.cell, { startMs: plan.options.startMs, sampleIntervalS: 120 }),
).split('\n');
const header = lines.findIndex((l) => l.startsWith('mode\t'));
const current = lines[header].split('\t').indexOf('<I>/mA');

function mptWithCell(name: string, row: number, text: string): string {
  const out = [...lines];
  const cells = out[header + 1 + row].split('\t');
  cells[current] = text;
  out[header + 1 + row] = cells.join('\t');
  const p = join(root, name);
  writeFileSync(p, Buffer.from(out.join('\n'), 'latin1'));
  return p;
}

describe('infinite cells in cycler tables', () => {
  it.each(['Infinity', '-inf', 'INF', '1e400', '-2.5E+999'])(
    'an .mpt current cell %s: exit 3 naming the line and the column',
    async (text) => {
      const p = mptWithCell(`inf-${text}.mpt`, 4, text);
      const r = await expectRefusal(['cycler', p], p, /line \d+, column <I>\/mA: non-finite number/);
      expect(r.json.found).toBe(text);
      const line = Number(/line (\d+)/.exec(r.line)?.[1]);
      expect(line).toBe(header + 1 + 4 + 1); // 1-based line of that row in the file
    },
  );

  it('NaN is still read as a missing value (not refused)', () => {
    const p = mptWithCell('nan.mpt', 4, 'NaN');
    const rec = readCyclerFile(p);
    expect(rec.rowCount).toBe(lines.length - header - 2 + (lines[lines.length - 1] === '' ? 0 : 1));
  });

  it('a generic CSV table with an infinite voltage: exit 3 naming row and column', async () => {
    const p = join(root, 'inf.csv');
    writeFileSync(p, 'time/s,Ewe/V,I/mA\n0,3.10,1\n60,3.20,1\n120,Infinity,1\n180,3.30,1\n');
    await expectRefusal(['cycler', p], p, /row 3, column Ewe\/V: non-finite number; found Infinity/);
  });
});

describe('flat spectra are not referenced', () => {
  const n = 512;
  const ppm = Float64Array.from({ length: n }, (_, i) => 300 - (i * 400) / (n - 1));
  const zero = { re: new Float64Array(n), im: new Float64Array(n), ppm, sfMHz: 155.5 };

  it('an all-zero spectrum: DataError naming the experiment, not an axis moved by −74.6 ppm', () => {
    const s = { ...zero, meta: { source: 'cell/12' } as never };
    expect(() => referenceOffsetPpm(s, [230, 290], 245)).toThrow(DataError);
    expect(() => referenceOffsetPpm(s, [230, 290], 245)).toThrow(/^cell\/12: reference window: .*no peak/);
  });

  it('a spectrum with a peak in the window is referenced to it', () => {
    const re = Float64Array.from(ppm, (x) => 1 / (1 + ((x - 250.3) / 2) ** 2));
    expect(referenceOffsetPpm({ ...zero, re }, [230, 290], 245)).toBeCloseTo(245 - 250.3, 1);
  });
});
