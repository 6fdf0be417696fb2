/**
 * MACCOR text exports and generic tables, written from the virtual cycler (known truth) and read back
 * through the format-detecting entry point.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCell, operandoProtocol } from '../../../src/sim/cell.js';
import { formatMaccor, simulateCycler, writeCyclerCsv } from '../../../src/sim/cycler.js';
import {
  parseCyclerTable,
  readCyclerFile,
  splitHeaderUnit,
  parseMonthFirstDateTime,
  wallClockToEpochMs,
} from '../../../src/io/cycler/index.js';
import { parseMaccor } from '../../../src/io/maccor/index.js';
import { analyseCycles, segmentSteps, seriesFromRecords } from '../../../src/echem/index.js';
import { CorruptFileError, ParameterError, UnsupportedFormatError } from '../../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cell = createCell(operandoProtocol());
const sim = simulateCycler(cell, { sampleIntervalS: 20 });
const q = (t: number) => cell.state(t).chargeMAh;

describe('MACCOR text export', () => {
  const path = join(dir, 'virtual.001');
  writeFileSync(path, formatMaccor(sim), 'latin1');
  const rec = readCyclerFile(path);

  it('is recognised and mapped', () => {
    expect(rec.format).toBe('maccor-txt');
    expect(rec.rowCount).toBe(sim.rowCount);
    expect(rec.startMs).toBe(sim.startMs);
    expect(rec.technique).toBe('virtual-LiLi.000');
    const keys = rec.columns.map((c) => c.key);
    for (const k of [
      'time_s',
      'voltage_V',
      'current_mA',
      'charge_mAh',
      'step',
      'cycle',
      'state_sign',
      'point_clock_s',
    ])
      expect(keys).toContain(k);
    expect(rec.columns.find((c) => c.key === 'ac_impedance_ohm')!.values.every(Number.isNaN)).toBe(true);
  });

  it('signed current and net charge reproduce the cell', () => {
    const i = rec.columns.find((c) => c.key === 'current_mA')!.values;
    const simI = sim.columns.find((c) => c.key === 'current_mA')!.values;
    for (let r = 0; r < rec.rowCount; r++) expect(i[r]).toBeCloseTo(simI[r], 10);
    const steps = segmentSteps(seriesFromRecords(rec));
    expect(steps.length).toBe(cell.steps.length);
    const cycles = analyseCycles(steps);
    const plated = q(cell.steps[1].endS) - q(cell.steps[1].startS);
    expect(Math.abs(cycles[1].dischargeMAh - plated) / plated).toBeLessThan(1e-9);
    const stripped = q(cell.steps[3].startS) - q(cell.steps[3].endS);
    expect(Math.abs(cycles[1].chargeMAh - stripped) / stripped).toBeLessThan(1e-9);
  });

  it('bad input', () => {
    const text = formatMaccor(sim).split('\r\n');
    text[10] = text[10].replace(/\t[CDR]\t/, '\tX\t');
    expect(() => parseMaccor(text.join('\n'), 'bad.001')).toThrow(/unknown state code/);
    expect(() => parseMaccor('', 'empty.001')).toThrow(CorruptFileError);
    expect(() => parseMaccor('a\tb\n1\t2', 'x.001')).toThrow(UnsupportedFormatError);
  });
});

describe('generic cycler tables', () => {
  it('round trip of spincell CSV keeps keys, values and the start time', () => {
    const path = join(dir, 'records.csv');
    writeCyclerCsv(path, sim);
    const rec = readCyclerFile(path);
    expect(rec.format).toBe('table');
    expect(rec.startMs).toBe(sim.startMs);
    for (const key of ['time_s', 'voltage_V', 'current_mA', 'charge_mAh']) {
      const a = rec.columns.find((c) => c.key === key)!.values;
      const b = sim.columns.find((c) => c.key === key)!.values;
      expect(Array.from(a)).toEqual(Array.from(b));
    }
  });

  it('a Neware-like export: units from headers, h:mm:ss times, decimal commas, declared mapping', () => {
    const t = sim.columns.find((c) => c.key === 'time_s')!.values;
    const v = sim.columns.find((c) => c.key === 'voltage_V')!.values;
    const i = sim.columns.find((c) => c.key === 'current_mA')!.values;
    const lines = ['Record Index;Relative Time(h:min:s.ms);Voltage(V);Current(A);Capacity(mAh);Remark'];
    const hms = (s: number) =>
      `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${(s % 60).toFixed(3).padStart(6, '0')}`;
    for (let r = 0; r < 50; r++)
      lines.push(
        [
          r + 1,
          hms(t[r]),
          v[r].toFixed(6).replace('.', ','),
          (i[r] / 1000).toExponential(6).replace('.', ','),
          '0,0',
          'ok',
        ].join(';'),
      );
    const rec = parseCyclerTable(lines.join('\n'), 'neware.csv', {
      mapping: { time_s: { column: 'Relative Time(h:min:s.ms)', unit: 's' } },
      startLocal: '2026-01-15 09:00:00',
      timezone: 'Europe/Berlin',
    });
    expect(rec.meta.decimalSeparator).toBe(',');
    expect(rec.startMs).toBe(Date.UTC(2026, 0, 15, 8, 0, 0));
    const time = rec.columns.find((c) => c.key === 'time_s')!.values;
    expect(time[49]).toBeCloseTo(t[49], 3);
    const auto = parseCyclerTable(
      lines
        .join('\n')
        .replace('Relative Time(h:min:s.ms)', 'Time(s)')
        .replace(
          /;(\d+):(\d\d):(\d\d[.]\d+);/g,
          (_m, h, mi, s) =>
            `;${(Number(h) * 3600 + Number(mi) * 60 + Number(s)).toString().replace('.', ',')};`,
        ),
      'neware.csv',
    );
    expect(auto.columns.find((c) => c.key === 'current_mA')!.values[49]).toBeCloseTo(i[49], 6);
    expect(auto.columns.find((c) => c.key === 'voltage_V')!.original).toBe('Voltage(V)');
    expect(auto.warnings.join()).toMatch(/Remark.*not numeric/);
    expect(auto.columns.some((c) => c.original === 'Capacity(mAh)' && c.key === 'capacity_mAh')).toBe(true);
  });

  it('declared units are checked', () => {
    const text = 'time,volt\n0,1\n1,2\n';
    expect(() => parseCyclerTable(text, 't.csv', { mapping: { time_s: { column: 'time' } } })).toThrow(
      ParameterError,
    );
    expect(() =>
      parseCyclerTable(text, 't.csv', { mapping: { time_s: { column: 'time', unit: 'V' } } }),
    ).toThrow(/cannot be converted/);
    expect(() =>
      parseCyclerTable(text, 't.csv', { mapping: { time_s: { column: 'nope', unit: 's' } } }),
    ).toThrow(/not in the file/);
    const ok = parseCyclerTable(text, 't.csv', {
      mapping: { time_s: { column: 'time', unit: 'min' }, voltage_V: { column: 'volt', unit: 'mV' } },
    });
    expect(Array.from(ok.columns[0].values)).toEqual([0, 60]);
    expect(Array.from(ok.columns[1].values)).toEqual([0.001, 0.002]);
    expect(() => parseCyclerTable('a,b\n1,2\n', 'x.csv')).toThrow(UnsupportedFormatError);
    expect(() => parseCyclerTable('time(s),Voltage(V)\n1,x\n', 'x.csv')).toThrow(/not a number/);
  });

  it('header units and wall clocks', () => {
    expect(splitHeaderUnit('Voltage(V)')).toEqual({ name: 'Voltage', unit: 'V' });
    expect(splitHeaderUnit('Current [mA]')).toEqual({ name: 'Current', unit: 'mA' });
    expect(splitHeaderUnit('Capacity/Ah')).toEqual({ name: 'Capacity', unit: 'Ah' });
    expect(parseMonthFirstDateTime('13/01/2024 10:00:00')).toBeNull();
    // Daylight saving: 2025-07-30 09:24 in Berlin is 07:24 UTC; an unknown zone is a typed error.
    expect(wallClockToEpochMs(parseMonthFirstDateTime('07/30/2025 09:24:35.408')!, 'Europe/Berlin')).toBe(
      Date.UTC(2025, 6, 30, 7, 24, 35, 408),
    );
    expect(() => wallClockToEpochMs(parseMonthFirstDateTime('07/30/2025 09:24:35')!, 'Mars/Olympus')).toThrow(
      ParameterError,
    );
  });
});
