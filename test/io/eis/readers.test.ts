import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveReference, referencePath } from '../../reference-data.js';
import { CorruptFileError, ParameterError } from '../../../src/core/errors.js';
import {
  detectImpedanceFormat,
  parseImpedanceTable,
  parseZahnerImpedance,
  parseBiologicMptImpedance,
  readImpedance,
  type ImpedanceFormat,
} from '../../../src/io/eis/index.js';

const dataDir = referencePath('eis');
const haveData = haveReference('eis');

interface ReaderRef {
  n: number;
  f_first: number;
  f_last: number;
  Z_first: [number, number];
  Z_last: [number, number];
}

const CASES: [string, string, ImpedanceFormat][] = [
  ['read_biologic', 'exampleDataBioLogic.mpt', 'biologic-mpt'],
  ['read_gamry', 'exampleDataGamry.DTA', 'gamry-dta'],
  ['read_zplot', 'exampleDataZPlot.z', 'zplot'],
  ['read_autolab', 'exampleDataAutolab.txt', 'autolab'],
  ['read_parstat', 'exampleDataParstat.txt', 'parstat'],
  ['read_chinstruments', 'exampleDataCHInstruments.txt', 'chinstruments'],
  ['read_powersuite', 'exampleDataPowersuite.txt', 'powersuite'],
  ['read_versastudio', 'exampleDataVersaStudio.par', 'versastudio'],
];

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

describe.skipIf(!haveData)('impedance readers against impedance.py 1.7 on the same files', () => {
  const ref = haveData
    ? (JSON.parse(readFileSync(join(dataDir, 'reference-impedance-py.json'), 'utf8')) as Record<
        string,
        ReaderRef
      >)
    : {};
  for (const [key, file, format] of CASES) {
    it(`${file}: detected as ${format}, same count and first/last points`, () => {
      const path = join(dataDir, file);
      const r = ref[key];
      const s = readImpedance(path);
      expect(s.format).toBe(format);
      const n = s.freqHz.length;
      expect(n).toBe(r.n);
      expect(rel(s.freqHz[0], r.f_first)).toBeLessThan(1e-12);
      expect(rel(s.freqHz[n - 1], r.f_last)).toBeLessThan(1e-12);
      expect(rel(s.zReOhm[0], r.Z_first[0])).toBeLessThan(1e-12);
      expect(rel(s.zImOhm[0], r.Z_first[1])).toBeLessThan(1e-12);
      expect(rel(s.zReOhm[n - 1], r.Z_last[0])).toBeLessThan(1e-12);
      expect(rel(s.zImOhm[n - 1], r.Z_last[1])).toBeLessThan(1e-12);
    });
  }

  it('exampleData.csv (headerless f, Z′, Z″) reads all 66 rows', () => {
    const s = readImpedance(join(dataDir, 'exampleData.csv'));
    expect(s.format).toBe('csv');
    expect(s.freqHz.length).toBe(66);
    expect(s.freqHz[0]).toBeCloseTo(3.1623e-3, 12);
    expect(s.zImOhm[0]).toBeCloseTo(-2.043869854441892481e-2, 15);
  });

  it('the in-memory .mpt parser and the shared BioLogic file reader agree', () => {
    const path = join(dataDir, 'exampleDataBioLogic.mpt');
    const viaShared = readImpedance(path);
    const viaText = parseBiologicMptImpedance(readFileSync(path, 'latin1'), path);
    expect(Array.from(viaText.freqHz)).toEqual(Array.from(viaShared.freqHz));
    expect(Array.from(viaText.zReOhm)).toEqual(Array.from(viaShared.zReOhm));
    expect(Array.from(viaText.zImOhm)).toEqual(Array.from(viaShared.zImOhm));
    expect(viaText.startMs).toBe(viaShared.startMs);
  });

  it('carries timestamps where the file has them', () => {
    const b = readImpedance(join(dataDir, 'exampleDataBioLogic.mpt'));
    expect(b.startMs).toBe(Date.UTC(2018, 1, 4, 10, 2, 46));
    expect(b.timeS?.[0]).toBeCloseTo(0.7836904905780102, 12);
    const g = readImpedance(join(dataDir, 'exampleDataGamry.DTA'));
    expect(g.startMs).toBe(Date.UTC(2018, 3, 23, 16, 43, 15));
    expect(g.timeS?.[71]).toBe(861);
  });
});

describe('generic tables and Zahner exports', () => {
  it('maps header names and the declared −Z″ convention', () => {
    const s = parseImpedanceTable('freq/Hz;Re(Z)/Ohm;-Im(Z)/Ohm\n100;1,5;0,25\n10;2,5;0,75\n', 'x.csv');
    expect(Array.from(s.freqHz)).toEqual([100, 10]);
    expect(Array.from(s.zReOhm)).toEqual([1.5, 2.5]);
    expect(Array.from(s.zImOhm)).toEqual([-0.25, -0.75]);
  });

  it('headerless tables follow the caller’s declared convention', () => {
    const a = parseImpedanceTable('100,1,-0.5\n10,2,-1\n', 'a.csv');
    const b = parseImpedanceTable('100,1,0.5\n10,2,1\n', 'b.csv', { imag: 'minus-z' });
    expect(Array.from(a.zImOhm)).toEqual(Array.from(b.zImOhm));
  });

  it('rejects a declared convention that contradicts the header', () => {
    expect(() => parseImpedanceTable("f,Z',-Z''\n1,2,3\n", 'c.csv', { imag: 'z' })).toThrow(ParameterError);
  });

  it('reads a Zahner modulus/phase export', () => {
    const text = [
      'Thales export',
      'Number\tFrequency/Hz\tImpedance/Ohm\tPhase/deg\tSignificance\tTime/s',
      '1\t1000\t2\t-90\t1\t0.5',
      '2\t100\t4\t-45\t1\t1.5',
      '3\t10\t3\t0\t1\t3',
    ].join('\n');
    expect(detectImpedanceFormat('z.txt', text)).toBe('zahner');
    const s = parseZahnerImpedance(text, 'z.txt');
    expect(s.zReOhm[0]).toBeCloseTo(0, 12);
    expect(s.zImOhm[0]).toBeCloseTo(-2, 12);
    expect(s.zReOhm[1]).toBeCloseTo(4 / Math.SQRT2, 12);
    expect(s.zImOhm[1]).toBeCloseTo(-4 / Math.SQRT2, 12);
    expect(Array.from(s.timeS ?? [])).toEqual([0.5, 1.5, 3]);
  });

  it('names file, line and column for a bad cell', () => {
    expect(() => parseImpedanceTable('1,2,3\n1,x,3\n', 'bad.csv')).toThrow(/bad\.csv: line 2, column Z'/);
    expect(() => parseBiologicMptImpedance('not ec-lab\n', 'm.mpt')).toThrow(CorruptFileError);
  });
});

const biologicDir = referencePath('biologic');
const haveBiologic = haveReference('biologic');

describe.skipIf(!haveBiologic)('EC-Lab binary .mpr impedance (shared BioLogic reader)', () => {
  for (const name of ['peis', 'geis.issue_149']) {
    it(`${name}.mpr reads the same spectrum as EC-Lab's own .mpt export`, () => {
      const bin = readImpedance(join(biologicDir, `${name}.mpr`));
      const txt = readImpedance(join(biologicDir, `${name}.mpt`));
      expect(bin.format).toBe('biologic-mpr');
      expect(txt.format).toBe('biologic-mpt');
      expect(bin.freqHz.length).toBe(txt.freqHz.length);
      expect(bin.startMs).toBe(txt.startMs);
      for (let i = 0; i < txt.freqHz.length; i++) {
        // .mpr stores float32; the text export rounds to 8 significant digits
        expect(rel(bin.freqHz[i], txt.freqHz[i])).toBeLessThan(1e-6);
        const mod = Math.hypot(txt.zReOhm[i], txt.zImOhm[i]);
        expect(Math.abs(bin.zReOhm[i] - txt.zReOhm[i]) / mod).toBeLessThan(1e-6);
        expect(Math.abs(bin.zImOhm[i] - txt.zImOhm[i]) / mod).toBeLessThan(1e-6);
      }
    });
  }
});

describe('whitespace tables and missing columns', () => {
  const rows = ['1.0e5   10.2  -0.5', '1.0e4   10.9  -2.1', '1.0e3   14.0  -6.0'];
  it('reads space-separated tables with and without a header', () => {
    const plain = parseImpedanceTable(`# f Z' Z''\n${rows.join('\n')}\n`, 'spaces.txt');
    expect(Array.from(plain.freqHz)).toEqual([1e5, 1e4, 1e3]);
    expect(Array.from(plain.zImOhm)).toEqual([-0.5, -2.1, -6]);
    const named = parseImpedanceTable(`freq  Zreal  -Zimag\n${rows.join('\n')}\n`, 'named.txt');
    expect(Array.from(named.zReOhm)).toEqual([10.2, 10.9, 14]);
    expect(Array.from(named.zImOhm)).toEqual([0.5, 2.1, 6]);
  });
  it('names the missing column', () => {
    expect(() => parseImpedanceTable('1e5 10.2\n1e4 10.9\n', 'two.txt')).toThrow(/Z'' column missing/);
    expect(() => parseImpedanceTable('Zreal,Zimag\n1,2\n', 'nofreq.csv')).toThrow(
      /frequency column not found/,
    );
  });
});
