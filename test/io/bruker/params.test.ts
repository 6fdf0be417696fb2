import { describe, expect, it } from 'vitest';
import { ParameterError, CorruptFileError } from '../../../src/core/errors.js';
import {
  DSP_GROUP_DELAY_TABLE,
  dspTableGroupDelay,
  estimatedDurationS,
  groupDelayFromParams,
  parseAuditTimestamp,
  parseAuditTrail,
  parseBrukerParams,
} from '../../../src/io/bruker/index.js';

const TEXT = [
  '##TITLE= Parameter file, TOPSPIN\t\tVersion 3.6',
  '##JCAMPDX= 5.0',
  '##NPOINTS= 12\t$$ modification sequence number',
  '$$ 2024-05-06 07:08:09.123 +0200  user@host',
  '$$ /data/user/nmr/cell/12/acqus',
  '##$AQ_mod= 3',
  '##$BF1= 155.5',
  '##$D= (0..7)',
  '0 1.5 0 0 0',
  '0 2e-005 0',
  '##$GPNAM= (0..2)',
  '<sine.100> <> <Crp60 comp.4>',
  '##$INLINE= (0..2) 1 2 3',
  '##$LOCKED= yes',
  '##$NS= 16',
  '##$NUC1= <7Li>',
  '##$PROBHD= <5 mm static',
  'probe with > sign>',
  '##$SHORT= (0..4)',
  '1 2',
  '##$TE= 298.1',
  '##$WEIRD= 12abc',
  '##$EMPTY=',
  '##$HEX= 0x10',
  '##END=',
  '##$AFTER= 1',
].join('\r\n');

describe('parseBrukerParams', () => {
  const p = parseBrukerParams(TEXT, 'cell/12/acqus');

  it('reads scalars, strings, arrays and comments as written', () => {
    expect(p.integer('NS')).toBe(16);
    expect(p.number('BF1')).toBe(155.5);
    expect(p.number('TE')).toBe(298.1);
    expect(p.string('NUC1')).toBe('7Li');
    expect(p.string('LOCKED')).toBe('yes');
    expect(p.string('PROBHD')).toBe('5 mm static\nprobe with > sign');
    expect(p.numberArray('D')).toEqual([0, 1.5, 0, 0, 0, 0, 2e-5, 0]);
    expect(p.arrayNumber('D', 1)).toBe(1.5);
    expect(p.array('GPNAM')).toEqual(['sine.100', '', 'Crp60 comp.4']);
    expect(p.numberArray('INLINE')).toEqual([1, 2, 3]);
    expect(p.comments).toEqual(['2024-05-06 07:08:09.123 +0200  user@host', '/data/user/nmr/cell/12/acqus']);
    expect(p.header.get('NPOINTS')).toBe('12');
    expect(p.header.get('TITLE')).toBe('Parameter file, TOPSPIN\t\tVersion 3.6');
    expect(p.has('AFTER')).toBe(false); // nothing after ##END=
  });

  it('uses fallbacks only for absent parameters', () => {
    expect(p.number('DS', 0)).toBe(0);
    expect(p.number('NS', 1)).toBe(16);
    expect(p.string('PULPROG', 'zg')).toBe('zg');
  });

  function thrown(fn: () => unknown): ParameterError {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(ParameterError);
      return e as ParameterError;
    }
    throw new Error('expected a ParameterError');
  }

  it('throws ParameterError naming file, field, found and expected', () => {
    const missing = thrown(() => p.number('SW_h'));
    expect(missing.file).toBe('cell/12/acqus');
    expect(missing.field).toBe('SW_h');
    expect(missing.message).toBe('cell/12/acqus: SW_h: parameter missing; found nothing; expected a number');
    const weird = thrown(() => p.number('WEIRD'));
    expect(weird.field).toBe('WEIRD');
    expect(weird.found).toBe('12abc');
    expect(thrown(() => p.number('EMPTY')).found).toBe('');
    expect(thrown(() => p.number('HEX')).found).toBe('0x10'); // Number() would have said 16
    expect(thrown(() => p.number('NUC1')).found).toBe('7Li');
    expect(thrown(() => p.integer('BF1')).found).toBe(155.5);
    expect(thrown(() => p.number('D')).field).toBe('D');
    expect(thrown(() => p.numberArray('SHORT')).found).toBe(2);
    expect(thrown(() => p.numberArray('GPNAM')).field).toBe('GPNAM[0]');
    expect(thrown(() => p.arrayNumber('D', 9)).field).toBe('D[9]');
  });

  it('refuses text without any record', () => {
    expect(() => parseBrukerParams('', 'x/acqus')).toThrow(CorruptFileError);
    expect(() => parseBrukerParams('\u0000\u0001garbage\nmore', 'x/acqus')).toThrow(
      /not a JCAMP-DX parameter file/,
    );
  });

  it('flags an unterminated string when it is asked for', () => {
    const q = parseBrukerParams('##$NUC1= <7Li\n##$NS= 4\n', 'f');
    expect(q.integer('NS')).toBe(4);
    expect(() => q.string('NUC1')).toThrow(ParameterError);
  });
});

describe('group delay', () => {
  const params = (lines: string[]) => parseBrukerParams(lines.join('\n'), 'acqus');

  it('uses GRPDLY when positive, fractional values kept', () => {
    expect(
      groupDelayFromParams(params(['##$GRPDLY= 67.9862060546875', '##$DSPFVS= 23', '##$DECIM= 16'])),
    ).toEqual({
      points: 67.9862060546875,
      source: 'GRPDLY',
    });
  });

  it('falls back to the DECIM/DSPFVS table for old firmware', () => {
    // published (rounded) values of Westler & Abildgaard's table
    const published: [number, number, number][] = [
      [10, 2, 44.75],
      [10, 6, 59.083],
      [10, 24, 61.021],
      [10, 2048, 70.492],
      [11, 16, 72.25],
      [11, 1536, 71.917],
      [12, 16, 71.625],
      [12, 64, 72.375],
      [13, 96, 2.995],
    ];
    for (const [dspfvs, decim, value] of published) {
      expect(dspTableGroupDelay(dspfvs, decim)).toBeCloseTo(value, 3);
      expect(
        groupDelayFromParams(params(['##$GRPDLY= -1', `##$DSPFVS= ${dspfvs}`, `##$DECIM= ${decim}`])).points,
      ).toBeCloseTo(value, 3);
    }
    // every entry is a multiple of 1/(2·DECIM) for DSPFVS 10 (the rule the un-rounded table follows)
    for (const [decim, value] of Object.entries(DSP_GROUP_DELAY_TABLE[10])) {
      const k = value * 2 * Number(decim);
      expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-9);
    }
  });

  it('is 0 for analogue data and an error when it cannot be known', () => {
    expect(groupDelayFromParams(params(['##$DIGMOD= 0', '##$DSPFVS= 10'])).points).toBe(0);
    expect(() => groupDelayFromParams(params(['##$DSPFVS= 21', '##$DECIM= 16']))).toThrow(/GRPDLY/);
    expect(() => groupDelayFromParams(params(['##$DSPFVS= 10', '##$DECIM= 5']))).toThrow(/DECIM/);
    expect(() => groupDelayFromParams(params(['##$NS= 1']))).toThrow(ParameterError);
  });
});

describe('acquisition times', () => {
  it('reads start and end from an audit trail (TopSpin 3 and 4 timestamp styles)', () => {
    const v3 = [
      '##TITLE= Audit trail, TopSpin 3.6.2',
      '##AUDIT TRAIL=  $$ (NUMBER, WHEN, WHO, WHERE, PROCESS, VERSION, WHAT)',
      '(   1,<2020-12-02 15:04:46.721 +0000>,<u>,<h>,<go4>,<TopSpin 3.6.2>,',
      '      <created by zg',
      '\tstarted at 2020-12-02 14:48:52.683 +0000,',
      '\tPOWCHK enabled>)',
      '(   2,<2020-12-02 15:27:50.879 +0000>,<u>,<h>,<proc1d>,<TopSpin 3.6.2>,',
      '      <Start of raw data processing>)',
      '##END=',
    ].join('\n');
    expect(parseAuditTrail(v3)).toEqual({
      startMs: Date.UTC(2020, 11, 2, 14, 48, 52, 683),
      endMs: Date.UTC(2020, 11, 2, 15, 4, 46, 721),
    });
    const v4 = [
      '(   3,<2025-04-08T10:53:49.241+0100>,<u>,<h>,<go4>,<TopSpin 4.3.0>,',
      "      <created by zg on 'NEO'",
      '       started at 2025-04-08T10:50:00.000+0100>)',
    ].join('\n');
    expect(parseAuditTrail(v4)).toEqual({
      startMs: Date.UTC(2025, 3, 8, 9, 50, 0, 0),
      endMs: Date.UTC(2025, 3, 8, 9, 53, 49, 241),
    });
    expect(
      parseAuditTrail(
        '(   1,<2020-12-02 15:04:46.721 +0000>,<u>,<h>,<go4>,<x>,\n <acquisition in progress>)',
      ),
    ).toBeUndefined();
    expect(parseAuditTimestamp('2019-04-24 12:34:27.753 +0100')).toBe(Date.UTC(2019, 3, 24, 11, 34, 27, 753));
    expect(parseAuditTimestamp('yesterday')).toBeUndefined();
  });

  it('estimates the duration as (DS + rows·NS)(D1 + AQ)', () => {
    expect(estimatedDurationS({ scans: 8, dummyScans: 4, recycleDelayS: 1, acquisitionTimeS: 3 })).toBe(48);
    expect(
      estimatedDurationS({ scans: 8, dummyScans: 4, recycleDelayS: 1, acquisitionTimeS: 3, rows: 10 }),
    ).toBe(336);
  });
});
