/**
 * EC-Lab readers against EC-Lab itself: every .mpr in the reference set is read and compared, column by
 * column and row by row, with the .mpt text export EC-Lab wrote for the same run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveReference, referencePath } from '../../reference-data.js';
import { parseBiologic, parseMpr, parseMpt, readBiologic } from '../../../src/io/biologic/index.js';
import { CorruptFileError, UnsupportedFormatError } from '../../../src/core/errors.js';
import type { CyclerRecords } from '../../../src/io/cycler/types.js';

const dataDir = referencePath('biologic');
const haveData = haveReference('biologic');

/** EIS quality indicators EC-Lab exports as −1 (THD/NSD/NSR) or 0 (harmonics) when it did not evaluate them. */
const QUALITY = /^(THD|NSD|NSR) |^\|(Ewe|I|Ece) h\d\|/;

function compare(mpr: CyclerRecords, mpt: CyclerRecords) {
  let compared = 0;
  let sentinels = 0;
  const onlyInText: string[] = [];
  for (const t of mpt.columns) {
    const b = mpr.columns.find((c) => c.key === t.key);
    if (!b) {
      onlyInText.push(t.original);
      continue;
    }
    for (let i = 0; i < mpt.rowCount; i++) {
      const want = t.values[i];
      const got = b.values[i];
      if (QUALITY.test(t.original) && (want === -1 || want === 0) && got !== want) {
        sentinels++;
        continue;
      }
      // float32 columns are printed with 8 significant digits, float64 with 16: 2e-7 covers both.
      const tol = 2e-7 * Math.abs(want) + 1e-300;
      if (!(Math.abs(got - want) <= tol)) {
        throw new Error(`${mpr.source} ${t.original} row ${i}: .mpr ${got} vs .mpt ${want}`);
      }
      compared++;
    }
  }
  return { compared, sentinels, onlyInText };
}

const PAIRS = [
  ['ca', 'ca.mpt'],
  ['cp', 'cp.mpt'],
  ['cv', 'cv.mpt'],
  ['gcpl.issue_149', 'gcpl.issue_149.mpt'],
  ['geis.issue_149', 'geis.issue_149.mpt'],
  ['mb.issue_223', 'mb.issue_223.mpt'],
  ['mb.issue_95', 'mb.issue_95.de.mpt'],
  ['ocv', 'ocv.mpt'],
  ['peis', 'peis.mpt'],
  ['wait', 'wait.mpt'],
] as const;

describe.skipIf(!haveData)('EC-Lab .mpr against its own .mpt export', () => {
  for (const [name, text] of PAIRS) {
    it(`${name}: same rows, columns, values and start date`, () => {
      const mpr = readBiologic(join(dataDir, `${name}.mpr`));
      const mpt = readBiologic(join(dataDir, text));
      expect(mpr.format).toBe('biologic-mpr');
      expect(mpt.format).toBe('biologic-mpt');
      expect(mpr.rowCount).toBe(mpt.rowCount);
      expect(mpr.technique).toBe(mpt.technique);
      expect(mpr.startLocal).toBe(mpt.startLocal);
      expect(mpr.startMs).toBe(mpt.startMs);
      expect(mpr.warnings).toEqual([]);
      expect(mpt.warnings).toEqual([]);
      // Every column the binary stores is in the text export under the same spincell key.
      for (const c of mpr.columns)
        expect(
          mpt.columns.some((t) => t.key === c.key),
          `${c.original} in ${text}`,
        ).toBe(true);
      const r = compare(mpr, mpt);
      if (mpr.rowCount > 0) expect(r.compared).toBeGreaterThan(mpr.rowCount * 3);
      // Columns EC-Lab only computes at export (Q charge, efficiency, admittance …) are the only gaps.
      for (const o of r.onlyInText)
        expect(o).toMatch(
          /^(Q (dis)?charge|Capacity|Efficiency|cycle number|Energy |Capacitance |step time|<I>|x$|R(we)?\/|Pwe\/|Re\(|Im\(|\||Phase\(|Tan|Loss|dq\/)/,
        );
    });
  }

  it('maps names to spincell quantities with units converted', () => {
    const gcpl = readBiologic(join(dataDir, 'gcpl.issue_149.mpr'));
    const keys = gcpl.columns.map((c) => c.key);
    for (const k of ['time_s', 'voltage_V', 'charge_mAh', 'dq_increment_mAh', 'step', 'half_cycle', 'mode'])
      expect(keys).toContain(k);
    const ca = readBiologic(join(dataDir, 'ca.mpt'));
    const q = ca.columns.find((c) => c.key === 'charge_mAh')!;
    expect(q.original).toBe('(Q-Qo)/C');
    expect(q.unit).toBe('C');
    const raw = readFileSync(join(dataDir, 'ca.mpt'), 'latin1').split('\n')[68 + 100].split('\t');
    expect(q.values[100]).toBeCloseTo(Number(raw[12]) / 3.6, 15);
    const peis = readBiologic(join(dataDir, 'peis.mpr'));
    for (const k of [
      'freq_Hz',
      're_z_ohm',
      'minus_im_z_ohm',
      'abs_z_ohm',
      'phase_z_deg',
      'voltage_V',
      'current_mA',
    ]) {
      expect(peis.columns.map((c) => c.key)).toContain(k);
    }
    expect(peis.technique).toBe('PEIS');
  });

  it('decimal-comma export reads like the binary', () => {
    const de = readBiologic(join(dataDir, 'mb.issue_95.de.mpt'));
    expect(de.meta.decimalSeparator).toBe(',');
    const v = de.columns.find((c) => c.key === 'voltage_V')!.values;
    expect(v[0]).toBeCloseTo(2.3278546, 7);
  });

  it('absolute start honours the declared time zone', () => {
    const utc = readBiologic(join(dataDir, 'gcpl.issue_149.mpr'));
    const berlin = readBiologic(join(dataDir, 'gcpl.issue_149.mpr'), { timezone: 'Europe/Berlin' });
    expect(utc.startMs).toBe(Date.UTC(2024, 0, 10, 11, 2, 29, 886));
    expect(berlin.startMs).toBe(Date.UTC(2024, 0, 10, 10, 2, 29, 886)); // CET = UTC+1 in January
    const summer = readBiologic(join(dataDir, 'mb.issue_223.mpr'), { timezone: '+02:00' });
    expect(summer.startMs).toBe(Date.UTC(2025, 6, 30, 7, 24, 35, 408));
  });

  it('bad input: truncated, unknown column IDs, empty, mixed locales', () => {
    const bytes = new Uint8Array(readFileSync(join(dataDir, 'ocv.mpr')));
    expect(() => parseMpr(bytes.subarray(0, bytes.length - 5000), 'cut.mpr')).toThrow(CorruptFileError);
    expect(() => parseMpr(bytes.subarray(0, 80), 'cut.mpr')).toThrow(/truncated/);
    // Replace Ewe's ID (6) with one nobody knows: the reader infers its 4 bytes, keeps going, warns.
    const patched = bytes.slice();
    const dataAt = findDataModule(patched);
    const ids = patched.subarray(dataAt + 5, dataAt + 5 + 8);
    expect(Array.from(ids)).toEqual([1, 0, 3, 0, 4, 0, 6, 0]);
    patched[dataAt + 5 + 6] = 250;
    const rec = parseMpr(patched, 'patched.mpr');
    expect(rec.warnings.join()).toMatch(/unknown column ID 250/);
    expect(rec.columns.find((c) => c.original === 'column ID 250')!.values[0]).toBeCloseTo(0.25594452, 7);
    patched[dataAt + 5 + 4] = 251; // two unknowns: layout undeterminable
    expect(() => parseMpr(patched, 'patched.mpr')).toThrow(UnsupportedFormatError);
    // Two unknown float32 columns (ca.mpr: control/V = 19 and Ewe = 6): read as float32, both reported.
    const ca = new Uint8Array(readFileSync(join(dataDir, 'ca.mpr')));
    const caData = findDataModule(ca);
    const caIds = Array.from({ length: ca[caData + 4] }, (_, i) => ca[caData + 5 + 2 * i]);
    ca[caData + 5 + 2 * caIds.indexOf(19)] = 250;
    ca[caData + 5 + 2 * caIds.indexOf(6)] = 251;
    const caRec = parseMpr(ca, 'ca-patched.mpr');
    expect(caRec.warnings.filter((w) => /unknown column ID 25[01]: assumed 4 bytes/.test(w))).toHaveLength(2);
    const caRef = readBiologic(join(dataDir, 'ca.mpr'));
    expect(Array.from(caRec.columns.find((c) => c.original === 'column ID 251')!.values)).toEqual(
      Array.from(caRef.columns.find((c) => c.key === 'voltage_V')!.values),
    );
    expect(() => parseBiologic(new Uint8Array(0), 'empty.mpt')).toThrow(CorruptFileError);
    expect(() => parseBiologic(new TextEncoder().encode('hello'), 'x.txt')).toThrow(UnsupportedFormatError);
    const text = readFileSync(join(dataDir, 'mb.issue_95.de.mpt'), 'latin1');
    const lines = text.split('\n');
    lines[100] = lines[100].replace(',', '.');
    expect(() => parseMpt(Buffer.from(lines.join('\n'), 'latin1'), 'mixed.mpt')).toThrow(
      /mixed decimal separators/,
    );
    const bad = text.split('\n');
    bad[110] = bad[110].replace(/\t[^\t]+\t/, '\tabc\t');
    expect(() => parseMpt(Buffer.from(bad.join('\n'), 'latin1'), 'bad.mpt')).toThrow(
      /line 111, column .*not a number/,
    );
    const ragged = text.split('\n');
    ragged[105] = ragged[105].split('\t').slice(0, 5).join('\t');
    expect(() => parseMpt(Buffer.from(ragged.join('\n'), 'latin1'), 'ragged.mpt')).toThrow(
      /wrong number of cells/,
    );
    // A cut last row (export of a running experiment) is dropped with a warning.
    const cut = parseMpt(Buffer.from(text.slice(0, text.length - 200), 'latin1'), 'cut.mpt');
    expect(cut.rowCount).toBe(32);
    expect(cut.warnings.join()).toMatch(/incomplete last row/);
  });
});

function findDataModule(bytes: Uint8Array): number {
  const s = Buffer.from(bytes).toString('latin1');
  const at = s.indexOf('VMP data  ');
  return at + 10 + 25 + 16; // v1 module header: names, length, version, date
}
