import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSeries, readExperiment, writeBrukerExperiment } from '../../../src/io/bruker/index.js';
import { TEST_SPEC } from './spec.js';

const tmp = mkdtempSync(join(tmpdir(), 'spincell-bruker-expno-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SPEC = TEST_SPEC;
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
