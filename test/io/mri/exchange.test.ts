import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatProfilesCsv,
  parseDiffusionTableCsv,
  parseGradientList,
  parsePfgCsv,
  parseProfilesCsv,
  parseProfilesJson,
  parseVoltageCsv,
  readBrukerEchoSeries,
  readBrukerPfg,
  readProfiles,
} from '../../../src/io/mri/index.js';
import { CorruptFileError, DataError, MissingFileError } from '../../../src/core/errors.js';
import { writeMriSeries } from './synthetic-bruker.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-mri-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('profile exchange formats', () => {
  it('reads a shuffled long table into a time × position grid', () => {
    const text = '# comment\ntime_s,x_um,intensity\n513,10,5\n0,20,2\n0,10,1\n513,20,6\n0,30,3\n513,30,7\n';
    const s = parseProfilesCsv(text, 'p.csv');
    expect(Array.from(s.timeS)).toEqual([0, 513]);
    expect(Array.from(s.xUm)).toEqual([10, 20, 30]);
    expect(Array.from(s.values)).toEqual([1, 2, 3, 5, 6, 7]);
    // round trip through the writer
    const again = parseProfilesCsv(formatProfilesCsv(s));
    expect(Array.from(again.values)).toEqual(Array.from(s.values));
  });

  it('reads the JSON form and picks the format by extension', () => {
    const json = JSON.stringify({
      x_um: [0, 1, 2],
      profiles: [
        { time_s: 60, intensity: [4, 5, 6] },
        { time_s: 0, intensity: [1, 2, 3] },
      ],
    });
    const s = parseProfilesJson(json, 'p.json');
    expect(Array.from(s.timeS)).toEqual([0, 60]);
    expect(Array.from(s.values)).toEqual([1, 2, 3, 4, 5, 6]);
    const path = join(dir, 'p.json');
    writeFileSync(path, json);
    expect(readProfiles(path).source).toBe(path);
  });

  it('names file, field, found and expected on bad input', () => {
    expect(() => parseProfilesCsv('time_s,x_um,signal\n0,1,2\n', 'p.csv')).toThrow(CorruptFileError);
    expect(() => parseProfilesCsv('time_s,x_um,signal\n0,1,2\n', 'p.csv')).toThrow(
      /p\.csv: intensity: missing column; found time_s,x_um,signal; expected time_s,x_um,intensity/,
    );
    expect(() => parseProfilesCsv('time_s,x_um,intensity\n0,1,2\n0,2,2\n60,1,2\n', 'p.csv')).toThrow(
      DataError,
    );
    expect(() => parseProfilesCsv('time_s,x_um,intensity\n0,1,2\n0,1,3\n', 'p.csv')).toThrow(/twice/);
    expect(() =>
      parseProfilesJson('{"x_um":[1,2,3],"profiles":[{"time_s":0,"intensity":[1,2]}]}', 'p.json'),
    ).toThrow(/profile length differs/);
    expect(() => parseProfilesJson('{"x_um":[1,2,3]}', 'p.json')).toThrow(CorruptFileError);
    expect(() => parseProfilesJson('{', 'p.json')).toThrow(/not valid JSON/);
    expect(() => readProfiles(join(dir, 'absent.csv'))).toThrow(MissingFileError);
  });

  it('reads voltage, D tables and PFG tables', () => {
    const v = parseVoltageCsv('Time_s;Voltage_V\n0;0.1\n10;0.2\n');
    expect(Array.from(v.voltageV)).toEqual([0.1, 0.2]);
    const d = parseDiffusionTableCsv('concentration_mol_m3,D_m2_s\n1000,1e-12\n2000,8e-13\n');
    expect(d.dM2PerS[1]).toBe(8e-13);
    const p = parsePfgCsv('gradient_G_cm,intensity\n100,1\n200,0.5\n');
    expect(p.axis).toBe('gradient_G_cm');
    expect(() => parsePfgCsv('g,intensity\n1,2\n', 'pfg.csv')).toThrow(/missing gradient column/);
    expect(() => parseVoltageCsv('time_s,volts\n0,1\n', 'v.csv')).toThrow(/voltage_v/);
  });
});

describe('raw Bruker transport data', () => {
  it('reads an echo series with mid-acquisition times', () => {
    const path = join(dir, 'mri');
    const p = Float64Array.from({ length: 16 }, (_, i) => (i > 3 && i < 12 ? 1 : 0));
    writeMriSeries(path, [p, p, p], [0, 513, 1026]);
    const s = readBrukerEchoSeries(path);
    expect(s.echoes).toHaveLength(3);
    expect(Array.from(s.timeS)).toEqual([0, 513, 1026]);
    expect(s.nucleus).toBe('19F');
    expect(s.swHz).toBe(100_000);
  });

  it('reads gradient lists and checks them against the rows', () => {
    expect(Array.from(parseGradientList('# G/cm\n10\n 20.5 \n\n'))).toEqual([10, 20.5]);
    expect(() => parseGradientList('10\nabc\n', 'difflist')).toThrow(/difflist: line 2/);
    const path = join(dir, 'mri');
    writeFileSync(join(dir, 'difflist'), '1\n2\n');
    expect(() => readBrukerPfg(path, join(dir, 'difflist'))).toThrow(/differ in number/);
    expect(() => readBrukerPfg(path)).toThrow(/gradient list not found/);
  });
});
