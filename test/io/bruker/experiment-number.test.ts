import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  listSeries,
  readExperiment,
  writeBrukerExperiment,
  type BrukerWriteSpec,
} from '../../../src/io/bruker/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'spincell-bruker-expno-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SPEC: BrukerWriteSpec = {
  nucleus: '7Li',
  sfo1MHz: 155.5,
  bf1MHz: 155.5,
  o1Hz: 0,
  swHz: 50000,
  scans: 4,
  recycleDelayS: 0.1,
  digitalFilter: { kind: 'grpdly', points: 67.98 },
  endMs: Date.UTC(2026, 1, 1),
};
const fid = { re: new Float64Array(64).fill(1), im: new Float64Array(64) };

describe('experiment numbers', () => {
  it('a single experiment in a numbered folder keeps the folder number, as in a series', () => {
    writeBrukerExperiment(join(tmp, '27'), SPEC, fid);
    writeBrukerExperiment(join(tmp, 'named'), SPEC, fid);
    expect(readExperiment(join(tmp, '27')).meta.experimentNumber).toBe(27);
    expect(listSeries(join(tmp, '27'))[0].meta.experimentNumber).toBe(27);
    expect(listSeries(tmp).map((e) => e.meta.experimentNumber)).toEqual([27]);
    expect(readExperiment(join(tmp, 'named')).meta.experimentNumber).toBeUndefined();
  });
});
