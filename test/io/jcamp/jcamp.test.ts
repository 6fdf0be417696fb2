/**
 * JCAMP-DX NMR spectra written by hand from the JCAMP-DX encoding rules (McDonald & Wilks, Appl. Spectrosc.
 * 1988; NMR NTUPLES: Davies et al., Pure Appl. Chem. 1993), decoded against the values they were built from.
 *
 * ASDF characters used: SQZ  @=0, A–I = 1–9, a–i = −1…−9 (leading digit, sign included);
 *                        DIF  %=0, J–R = 1–9, j–r = −1…−9 (difference from the previous value);
 *                        DUP  S–Z = 1–8, s = 9 (how many times the previous token occurs in total).
 * In DIF form each line after the first starts with the last value of the previous line (Y checkpoint).
 */
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CorruptFileError,
  MissingFileError,
  ParameterError,
  SpincellError,
  UnsupportedFormatError,
} from '../../../src/core/errors.js';
import { parseJcampSpectrum, readJcampSpectrum } from '../../../src/io/jcamp/index.js';

const header = (extra: string[] = []) => [
  '##TITLE= hand-made 7Li spectrum',
  '##JCAMP-DX= 5.01',
  '##DATA TYPE= NMR SPECTRUM',
  '##DATA CLASS= XYDATA',
  '##.OBSERVE FREQUENCY= 100',
  '##.OBSERVE NUCLEUS= ^7Li',
  '##XUNITS= HZ',
  '##YUNITS= ARBITRARY UNITS',
  '##XFACTOR= 1',
  '##YFACTOR= 0.5',
  '##FIRSTX= 1000',
  '##LASTX= 900',
  '##DELTAX= -10',
  '##NPOINTS= 11',
  '##FIRSTY= 1',
  ...extra,
];

const xydata = (lines: string[], extra: string[] = []) =>
  [...header(extra), '##XYDATA= (X++(Y..Y))', ...lines, '##END='].join('\n');

// Raw Y 2, 4, …, 22 at X = 1000, 990, …, 900 Hz; YFACTOR 0.5 → 1 … 11; X/100 MHz → 10.0 … 9.0 ppm.
const EXPECTED_Y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const EXPECTED_PPM = [10, 9.9, 9.8, 9.7, 9.6, 9.5, 9.4, 9.3, 9.2, 9.1, 9];

function expectSpectrum(text: string, y = EXPECTED_Y): void {
  const s = parseJcampSpectrum(text, 'hand.jdx');
  expect(Array.from(s.re)).toEqual(y);
  expect(s.ppm).toHaveLength(EXPECTED_PPM.length);
  s.ppm.forEach((v, i) => expect(v).toBeCloseTo(EXPECTED_PPM[i], 12));
  expect(s.sfMHz).toBe(100);
  expect(s.nucleus).toBe('7Li');
}

const dir = mkdtempSync(join(tmpdir(), 'spincell-jcamp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('JCAMP-DX NMR spectra', () => {
  it('AFFN XYDATA in Hz', () => {
    expectSpectrum(xydata(['1000 2 4 6 8', '960 10 12 14 16', '920 18 20 22']));
  });

  it('SQZ form', () => {
    expectSpectrum(xydata(['1000BDFHA0A2', '940A4A6A8B0B2']));
  });

  it('DIF/DUP form with Y checkpoints', () => {
    // line 1: 2 (B), then +2 (K) five times (W) → 2 4 6 8 10 12 at 1000…950 Hz
    // line 2: checkpoint 12 (A2) at 950 Hz, then +2 five times → 14 … 22
    expectSpectrum(xydata(['1000BKW', '950A2KW']));
  });

  it('DIF/DUP with negative, multi-digit and repeated values', () => {
    // 0 0 0 5 −3 120 121 121 121 100 0: @, %×2 (T), +5 N, −8 q, +123 J23, +1 J, %×2 (T), −21 k1, −100 j00
    const y = [0, 0, 0, 5, -3, 120, 121, 121, 121, 100, 0];
    expectSpectrum(
      xydata(['1000@%TNqJ23J%Tk1j00']),
      y.map((v) => v * 0.5),
    );
  });

  it('NTUPLES with real and imaginary pages in DIF/DUP form', () => {
    const text = [
      '##TITLE= hand-made ntuples',
      '##JCAMP-DX= 5.00',
      '##DATA TYPE= NMR SPECTRUM',
      '##DATA CLASS= NTUPLES',
      '##.OBSERVE FREQUENCY= 100',
      '##.OBSERVE NUCLEUS= ^23Na',
      '##NTUPLES= NMR SPECTRUM',
      '##VAR_NAME= FREQUENCY, SPECTRUM/REAL, SPECTRUM/IMAG, PAGE NUMBER',
      '##SYMBOL= X, R, I, N',
      '##VAR_TYPE= INDEPENDENT, DEPENDENT, DEPENDENT, PAGE',
      '##VAR_FORM= AFFN, ASDF, ASDF, AFFN',
      '##VAR_DIM= 11, 11, 11, 2',
      '##UNITS= HZ, ARBITRARY UNITS, ARBITRARY UNITS,',
      '##FIRST= 1000, 1, -1, 1',
      '##LAST= 900, 11, -11, 2',
      '##FACTOR= 1, 0.5, 0.5, 1',
      '##PAGE= N=1',
      '##DATA TABLE= (X++(R..R)), XYDATA',
      '1000BKW',
      '950A2KW',
      '##PAGE= N=2',
      '##DATA TABLE= (X++(I..I)), XYDATA',
      '1000bkW',
      '950a2kW',
      '##END NTUPLES= NMR SPECTRUM',
      '##END=',
    ].join('\n');
    const s = parseJcampSpectrum(text, 'nt.jdx');
    expect(s.form).toBe('NTUPLES');
    expect(s.hasImaginary).toBe(true);
    expect(Array.from(s.re)).toEqual(EXPECTED_Y);
    expect(Array.from(s.im)).toEqual(EXPECTED_Y.map((v) => -v));
    expect(s.ppm[10]).toBeCloseTo(9, 12);
    expect(s.nucleus).toBe('23Na');
  });

  it('X in PPM ascending is returned descending with the data reversed', () => {
    const text = [
      '##TITLE= ascending',
      '##JCAMP-DX= 4.24',
      '##DATA TYPE= NMR SPECTRUM',
      '##.OBSERVE FREQUENCY= 155.5',
      '##XUNITS= PPM',
      '##YUNITS= ARBITRARY UNITS',
      '##XFACTOR= 0.5',
      '##YFACTOR= 1',
      '##FIRSTX= 200',
      '##LASTX= 300',
      '##NPOINTS= 3',
      '##FIRSTY= 7',
      '##XYDATA= (X++(Y..Y))',
      '400 7 8 9',
      '##END=',
    ].join('\n');
    const s = parseJcampSpectrum(text, 'asc.jdx');
    expect(Array.from(s.ppm)).toEqual([300, 250, 200]);
    expect(Array.from(s.re)).toEqual([9, 8, 7]);
    expect(s.hasImaginary).toBe(false);
    expect(s.sfMHz).toBe(155.5);
  });

  it('refuses what it cannot place or trust, with typed errors', () => {
    const noFreq = xydata(['1000 2 4 6 8', '960 10 12 14 16', '920 18 20 22']).replace(
      '##.OBSERVE FREQUENCY= 100\n',
      '',
    );
    expect(() => parseJcampSpectrum(noFreq, 'f.jdx')).toThrow(ParameterError);
    const ir = xydata(['1000 2 4 6 8', '960 10 12 14 16', '920 18 20 22']).replace(
      'NMR SPECTRUM',
      'INFRARED SPECTRUM',
    );
    expect(() => parseJcampSpectrum(ir, 'f.jdx')).toThrow(UnsupportedFormatError);
    const short = xydata(['1000 2 4 6 8', '960 10 12 14 16']);
    const e = (() => {
      try {
        parseJcampSpectrum(short, 'short.jdx');
      } catch (err) {
        return err as SpincellError;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(CorruptFileError);
    expect(e?.file).toBe('short.jdx');
    expect(e?.field).toBe('NPOINTS');
    expect(() => parseJcampSpectrum('hello world', 'g.jdx')).toThrow(CorruptFileError);
    expect(() => readJcampSpectrum('/nonexistent/x.jdx')).toThrow(MissingFileError);
  });

  it('reads from a file', () => {
    const path = join(dir, 'a.jdx');
    writeFileSync(path, xydata(['1000BKW', '950A2KW']));
    expect(Array.from(readJcampSpectrum(path).re)).toEqual(EXPECTED_Y);
  });

  it('corrupted data never raise anything but typed errors', () => {
    const good = xydata(['1000BKW', '950A2KW']);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 127 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (flips, cut) => {
          const chars = good.split('');
          for (const [at, code] of flips) chars[at % chars.length] = String.fromCharCode(code);
          const text = chars.join('').slice(0, good.length - (cut % 40));
          try {
            const s = parseJcampSpectrum(text, 'fc.jdx');
            for (let i = 0; i < s.re.length; i++)
              if (!Number.isFinite(s.re[i]) || !Number.isFinite(s.ppm[i])) throw new Error('non-finite');
          } catch (err) {
            if (!(err instanceof SpincellError)) throw err;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
