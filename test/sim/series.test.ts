import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParameterError } from '../../src/core/errors.js';
import { listSeries, readBrukerParams, readSeriesFid } from '../../src/io/bruker/index.js';
import {
  isSimulationFolder,
  planOperando,
  readTruth,
  simulateSpectrum,
  writeOperandoSeries,
  type OperandoOptions,
} from '../../src/sim/index.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-sim-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const small: Partial<OperandoOptions> = { spectra: 5, seed: 9, spectrometer: { complexPoints: 2048 } };

describe('simulated series on disk', () => {
  for (const [dataType, byteOrder] of [
    ['int32', 'little'],
    ['float64', 'big'],
  ] as const) {
    it(`reads back with the Bruker reader (${dataType}, ${byteOrder} endian): times, parameters and samples`, () => {
      const dir = join(root, `${dataType}-${byteOrder}`);
      const options = { ...small, dataType, byteOrder };
      const written = writeOperandoSeries(dir, options);
      expect(written.spectra).toBe(5);
      const truth = readTruth(dir);
      const entries = listSeries(dir);
      expect(entries.map((e) => e.meta.experimentNumber)).toEqual([10, 11, 12, 13, 14]);
      const plan = planOperando(options);
      entries.forEach((e, i) => {
        const t = truth.spectra[i];
        expect(e.meta.startMs).toBe(t.startMs);
        expect(e.meta.endMs).toBe(t.endMs);
        expect(e.meta.nucleus).toBe('7Li');
        expect(e.meta.swHz).toBe(200_000);
        expect(e.meta.complexPoints).toBe(2048);
        expect(e.meta.groupDelayPoints).toBeCloseTo(truth.acquisition.groupDelayPoints, 12);
        expect(e.meta.scans).toBe(truth.acquisition.scans);
        expect(e.dataType).toBe(dataType);
        expect(e.byteOrder).toBe(byteOrder);
        // $DATE holds the end of the acquisition in whole seconds, as TopSpin writes it.
        expect(readBrukerParams(join(e.experimentPath, 'acqus')).number('DATE')).toBe(
          Math.floor(t.endMs / 1000),
        );
        const fid = readSeriesFid(e);
        const sim = simulateSpectrum(plan, i);
        expect(Array.from(fid.re)).toEqual(Array.from(sim.re));
        expect(Array.from(fid.im)).toEqual(Array.from(sim.im));
        // Truth by morphology window: dense = pristine + dense, mossy = mossy + dead, dendritic alone.
        const areaOf = (name: string) => t.components.find((c) => c.name === name)!.area;
        expect(t.morphologyTruth.dense.area).toBeCloseTo(areaOf('pristine') + areaOf('dense'), 12);
        expect(t.morphologyTruth.mossy.area).toBeCloseTo(areaOf('mossy') + areaOf('dead'), 12);
        expect(t.morphologyTruth.dendritic.area).toBeCloseTo(areaOf('dendritic'), 12);
        expect(
          t.morphologyTruth.dense.referencedPositionPpm! - t.morphologyTruth.dense.positionPpm!,
        ).toBeCloseTo(245 - t.metalPeakPpm, 12);
      });
      if (dataType === 'int32') {
        const fid = readSeriesFid(entries[0]);
        for (let k = 0; k < 50; k++) expect(Number.isInteger(fid.re[k])).toBe(true);
      }
    });
  }

  it('is deterministic for a seed and differs between seeds', () => {
    writeOperandoSeries(join(root, 'a'), small);
    writeOperandoSeries(join(root, 'b'), small);
    writeOperandoSeries(join(root, 'c'), { ...small, seed: 10 });
    const fid = (d: string) => readFileSync(join(root, d, '12', 'fid'));
    expect(fid('a').equals(fid('b'))).toBe(true);
    expect(fid('a').equals(fid('c'))).toBe(false);
  });

  it('replaces a previous simulation wholly, but refuses other non-empty folders', () => {
    const dir = join(root, 'replace');
    writeOperandoSeries(dir, { ...small, spectra: 6 });
    expect(isSimulationFolder(dir)).toBe(true);
    writeOperandoSeries(dir, { ...small, spectra: 3 });
    // .spincell: the marker listing what spincell wrote (src/io/output.ts)
    expect(readdirSync(dir).sort()).toEqual(['.spincell', '10', '11', '12', 'truth.json']);
    const foreign = join(root, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'keep me');
    expect(() => writeOperandoSeries(foreign, small)).toThrow(ParameterError);
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('keep me');
    writeFileSync(join(dir, 'extra.csv'), 'x');
    expect(() => writeOperandoSeries(dir, small)).toThrow(ParameterError);
    // No temporary folders are left behind.
    expect(readdirSync(root).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
