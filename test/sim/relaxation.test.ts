/**
 * The virtual spectrometer's relaxation experiments: what is written (ser + list, or a series with the
 * variable in acqus), the truth it records, and the output-folder rules.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSeries, readBrukerParams, readSeriesFid } from '../../src/io/bruker/index.js';
import {
  DEFAULT_RELAXATION_VALUES,
  simulateRelaxation,
  writeRelaxationExperiment,
} from '../../src/sim/index.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-simrelax-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('simulated relaxation experiments', () => {
  it('ser layout: acqus + acqu2s + ser + vdlist; rows carry the list; truth follows M0·(1 − 2e^(−τ/T1))', () => {
    const w = writeRelaxationExperiment(join(root, 'ir'), { experiment: 'inversion-recovery' });
    const values = DEFAULT_RELAXATION_VALUES['inversion-recovery'];
    expect(readFileSync(join(w.dataPath, 'vdlist'), 'utf8').trim().split('\n').map(Number)).toEqual(values);
    const entries = listSeries(w.dataPath);
    expect(entries.map((e) => e.variable?.value)).toEqual(values);
    expect(entries[0].meta.pulseProgram).toBe('t1ir');
    const metal = w.truth.lines[0];
    w.truth.intensities.metal.forEach((v, i) =>
      expect(v).toBeCloseTo(metal.amplitude * (1 - 2 * Math.exp(-values[i] / metal.t1S)), 12),
    );
    // the first row is inverted: its FID starts with the opposite sign of the last row's (same phase)
    const first = readSeriesFid(entries[0]);
    const last = readSeriesFid(entries[entries.length - 1]);
    const gd = 68; // past the digital filter's pre-ringing
    expect(Math.sign(first.re[gd + 2] * last.re[gd + 2] + first.im[gd + 2] * last.im[gd + 2])).toBe(-1);
  });

  it('series layout: numbered experiments with D7 / L4 / P1 in acqus and one receiver scale', () => {
    for (const [experiment, param, index] of [
      ['saturation-recovery', 'D', 7],
      ['cpmg', 'L', 4],
      ['nutation', 'P', 1],
    ] as const) {
      const w = writeRelaxationExperiment(join(root, `series-${experiment}`), {
        experiment,
        layout: 'series',
      });
      expect(w.dataPath).toBe(join(root, `series-${experiment}`));
      w.truth.values.forEach((v, i) => {
        const acqus = readBrukerParams(join(w.dataPath, String(i + 1), 'acqus'));
        expect(acqus.arrayNumber(param, index)).toBe(v);
        expect(acqus.arrayNumber('D', 20)).toBeCloseTo(1e-4, 15);
      });
    }
  });

  it('CPMG echo times are counts × 2·D20; Hahn echo times are 2τ; nutation has ν1 = 37 kHz', () => {
    expect(simulateRelaxation({ experiment: 'cpmg' }).truth.x[3]).toBeCloseTo(8 * 2e-4, 15);
    expect(simulateRelaxation({ experiment: 'hahn-echo' }).truth.x[0]).toBeCloseTo(4e-5, 15);
    const n = simulateRelaxation({ experiment: 'nutation' }).truth;
    expect(n.intensities.metal[7]).toBeCloseTo(Math.exp(-0.07) * Math.sin(2 * Math.PI * 0.037 * 7), 12);
  });

  it('replaces its own earlier simulation, refuses a foreign folder, validates parameters', () => {
    const dir = join(root, 'again');
    writeRelaxationExperiment(dir, { experiment: 'nutation' });
    writeRelaxationExperiment(dir, { experiment: 'hahn-echo' });
    expect(existsSync(join(dir, '1', 'vdlist'))).toBe(true);
    expect(existsSync(join(dir, '1', 'vplist'))).toBe(false);
    const foreign = join(root, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    expect(() => writeRelaxationExperiment(foreign, { experiment: 'cpmg' })).toThrow(/notes\.txt/);
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
    expect(() => simulateRelaxation({ experiment: 'cpmg', values: [1, 2.5, 3] })).toThrow(/integers/);
    expect(() => simulateRelaxation({ experiment: 'nutation', values: [1, 2] })).toThrow(/too few rows/);
    expect(() => simulateRelaxation({ experiment: 'bogus' as never })).toThrow(/unknown relaxation/);
  });
});
