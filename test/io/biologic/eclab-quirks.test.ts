/**
 * EC-Lab export quirks, checked against EC-Lab's own binary file of the same run:
 * - a PEIS text export whose header names two more columns (an empty name and "Ewe-Ece/V") than its rows
 *   hold, as EC-Lab 11.6x writes it when the counter electrode is recorded;
 * - the lower-case dq (charge since the previous record) and upper-case dQ (running charge) columns,
 *   which must keep their meaning whatever order a file lists them in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveReference, referencePath } from '../../reference-data.js';
import { parseMpt, readBiologic } from '../../../src/io/biologic/index.js';
import { columnValues, type CyclerRecords } from '../../../src/io/cycler/types.js';
import fc from 'fast-check';
import { CorruptFileError, isSpincellError } from '../../../src/core/errors.js';
import { findRecordGaps, segmentSteps, seriesFromRecords, analyseCycles } from '../../../src/echem/index.js';

const dataDir = referencePath('biologic');
const haveData = haveReference('biologic');

/** The export with EC-Lab's trailing "<TAB><TAB>Ewe-Ece/V" header quirk: rows unchanged. */
function withTrailingHeaderQuirk(text: string): string {
  const lines = text.split('\n');
  const n = Number(/Nb header lines\s*:\s*(\d+)/.exec(lines[1])![1]);
  const names = lines[n - 1].replace(/\r$/, '').replace(/\t$/, '');
  lines[n - 1] = `${names}\t\tEwe-Ece/V\t${lines[n - 1].endsWith('\r') ? '\r' : ''}`;
  return lines.join('\n');
}

function maxRelativeDifference(a: CyclerRecords, b: CyclerRecords): { compared: number; worst: number } {
  let compared = 0;
  let worst = 0;
  for (const col of b.columns) {
    const other = columnValues(a, col.key);
    if (!other) continue;
    compared++;
    for (let i = 0; i < b.rowCount; i++) {
      const want = col.values[i];
      worst = Math.max(worst, Math.abs(other[i] - want) / Math.max(Math.abs(want), 1e-30));
    }
  }
  return { compared, worst };
}

describe.skipIf(!haveData)('EC-Lab header with more names than the rows hold', () => {
  const file = join(dataDir, 'peis.mpt');
  const quirky = withTrailingHeaderQuirk(readFileSync(file, 'latin1'));

  it('reads the rows with the names they hold, as the .mpr of the same run', () => {
    const text = parseMpt(Buffer.from(quirky, 'latin1'), 'peis-quirk.mpt');
    const plain = readBiologic(file);
    const binary = readBiologic(join(dataDir, 'peis.mpr'));
    expect(text.rowCount).toBe(binary.rowCount);
    expect(text.columns.map((c) => c.key)).toEqual(plain.columns.map((c) => c.key));
    expect(text.columns.some((c) => /ewe_ece/.test(c.key))).toBe(false);
    const { compared, worst } = maxRelativeDifference(text, binary);
    // Every column of the .mpr, float32 values printed with 8 significant digits.
    expect(compared).toBe(binary.columns.length);
    expect(worst).toBeLessThan(2e-7);
    expect(text.warnings.join(' ')).toMatch(/names 32 columns but the rows hold 30.*Ewe-Ece\/V/);
  });

  it('still refuses rows that are short for any other reason', () => {
    const lines = readFileSync(file, 'latin1').split('\n');
    const n = Number(/Nb header lines\s*:\s*(\d+)/.exec(lines[1])![1]);
    // One row loses its last two cells: no empty name marks the header, so it is a damaged file.
    lines[n + 3] = lines[n + 3].replace(/\t[^\t]*\t[^\t]*\t?\r?$/, '');
    expect(() => parseMpt(Buffer.from(lines.join('\n'), 'latin1'), 'short.mpt')).toThrow(CorruptFileError);
    // The quirky header but one row shorter still: refused as well.
    const q = withTrailingHeaderQuirk(readFileSync(file, 'latin1')).split('\n');
    q[n + 5] = q[n + 5].replace(/\t[^\t]*\t?\r?$/, '');
    expect(() => parseMpt(Buffer.from(q.join('\n'), 'latin1'), 'short2.mpt')).toThrow(
      /line \d+.*wrong number of cells/,
    );
  });
});

function mptText(names: string[], rows: number[][]): Buffer {
  const lines = [
    'EC-Lab ASCII FILE',
    'Nb header lines : 5',
    '',
    'Constant Current',
    names.join('\t') + '\t',
    ...rows.map((r) => r.map((v) => v.toExponential(9)).join('\t') + '\t'),
  ];
  return Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');
}

describe('dq and dQ keep their meaning in any column order', () => {
  // A constant-current run logged every second: dq is the charge of each record, dQ the running charge.
  const n = 6;
  const t = Array.from({ length: n }, (_, i) => i);
  const dq = t.map((s) => (s === 0 ? 0 : 0.01 / 3600));
  const dQ = t.map((s) => (s * 0.01) / 3600);
  const columnsA = ['time/s', 'Ewe/V', 'I/mA', 'dq/mA.h', 'dQ/mA.h', '(Q-Qo)/mA.h'];
  const columnsB = ['time/s', 'Ewe/V', 'I/mA', 'dQ/mA.h', 'dq/mA.h', '(Q-Qo)/mA.h'];
  const row = (i: number, order: string[]) =>
    order.map((c) =>
      c === 'time/s' ? t[i] : c === 'Ewe/V' ? 3.7 : c === 'I/mA' ? 0.01 : c === 'dq/mA.h' ? dq[i] : dQ[i],
    );
  const a = parseMpt(
    mptText(
      columnsA,
      t.map((_, i) => row(i, columnsA)),
    ),
    'coc-like.mpt',
  );
  const b = parseMpt(
    mptText(
      columnsB,
      t.map((_, i) => row(i, columnsB)),
    ),
    'cov-like.mpt',
  );

  it('dq → dq_increment_mAh, dQ → dq_cumulative_mAh, in both orders', () => {
    for (const rec of [a, b]) {
      expect(rec.columns.find((c) => c.original === 'dq/mA.h')!.key).toBe('dq_increment_mAh');
      expect(rec.columns.find((c) => c.original === 'dQ/mA.h')!.key).toBe('dq_cumulative_mAh');
      expect(Array.from(columnValues(rec, 'dq_increment_mAh')!)).toEqual(
        dq.map((v) => Number(v.toExponential(9))),
      );
      expect(Array.from(columnValues(rec, 'dq_cumulative_mAh')!)).toEqual(
        dQ.map((v) => Number(v.toExponential(9))),
      );
    }
    expect(a.columns.map((c) => c.key).sort()).toEqual(b.columns.map((c) => c.key).sort());
  });

  it.skipIf(!haveData)('real runs: dQ is the running charge, dq the step from the previous record', () => {
    // CA and CP exports hold dQ/C (ID 179 in the .mpr) beside (Q-Qo)/C: equal on every row.
    for (const f of ['ca.mpr', 'ca.mpt', 'cp.mpr', 'cp.mpt']) {
      const rec = readBiologic(join(dataDir, f));
      const running = columnValues(rec, 'dq_cumulative_mAh')!;
      const q = columnValues(rec, 'charge_mAh')!;
      expect(running, f).toBeDefined();
      expect(columnValues(rec, 'dq_increment_mAh'), f).toBeUndefined();
      for (let i = 0; i < rec.rowCount; i++) expect(Math.abs(running[i] - q[i])).toBeLessThan(1e-12);
    }
    // GCPL and Modulo Bat hold dq/mA.h (ID 7): the change of Q−Qo from the previous record of the
    // same sequence (at gcpl.issue_149's 170 s holes between sequences Q−Qo moves while dq stays 0:
    // the charge of a linked technique recorded in another file).
    for (const f of ['gcpl.issue_149.mpr', 'mb.issue_223.mpr', 'mb.issue_95.mpr']) {
      const rec = readBiologic(join(dataDir, f));
      const inc = columnValues(rec, 'dq_increment_mAh')!;
      const q = columnValues(rec, 'charge_mAh')!;
      const ns = columnValues(rec, 'step')!;
      expect(columnValues(rec, 'dq_cumulative_mAh'), f).toBeUndefined();
      let moved = 0;
      for (let i = 1; i < rec.rowCount; i++) {
        if (ns[i] !== ns[i - 1]) continue;
        const dQo = q[i] - q[i - 1];
        expect(Math.abs(inc[i] - dQo), `${f} row ${i}`).toBeLessThan(1e-9 + 1e-6 * Math.abs(dQo));
        if (Math.abs(dQo) > 0) moved++;
      }
      expect(moved, f).toBeGreaterThan(5);
    }
  });
});

/** Reads and analyses bytes; anything but a typed spincell error fails the property. */
function readsOrRefuses(bytes: Buffer, name: string): void {
  try {
    const rec = parseMpt(bytes, name);
    const series = seriesFromRecords(rec, { allowUnsortedTime: true });
    analyseCycles(segmentSteps(series));
    findRecordGaps(series);
  } catch (e) {
    if (!isSpincellError(e)) throw e;
  }
}

describe.skipIf(!haveData)('damaged exports (property-based): typed errors only', () => {
  const quirky = Buffer.from(
    withTrailingHeaderQuirk(readFileSync(join(dataDir, 'peis.mpt'), 'latin1')),
    'latin1',
  );
  const cv = readFileSync(join(dataDir, 'cv.mpt'));
  it('random truncation and byte edits of the quirky PEIS and of a CV export', () => {
    const chars = fc.constantFrom('0', '9', '-', '.', ',', 'e', '\t', '\n', '\r', ' ', 'x');
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), chars), { maxLength: 6 }),
        (useCv, cut, edits) => {
          const src = useCv ? cv : quirky;
          const bytes = Buffer.from(src.subarray(0, src.length - (cut % Math.min(src.length, 4000))));
          for (const [at, ch] of edits) bytes[at % bytes.length] = ch.charCodeAt(0);
          readsOrRefuses(bytes, useCv ? 'cv.mpt' : 'peis-quirk.mpt');
        },
      ),
      { numRuns: 120 },
    );
  });
});
