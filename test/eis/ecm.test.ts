import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../src/core/errors.js';
import { capacitiveOnly, circuitImpedance, fitCircuit, parseCircuit } from '../../src/eis/index.js';
import { readImpedance } from '../../src/io/eis/index.js';
import { eisDataDir, haveEisData, readFixture, readReference, rel } from './helpers.js';

if (!haveEisData) console.log(`skipping circuit-fit reference tests: ${eisDataDir} not found`);

interface EcmRef {
  circuit: string;
  initial_guess: number[];
  params: number[];
  conf: number[];
  n_points: number;
}
const fixture = readFixture<{
  freq: number[];
  circuits: Record<string, { params: number[]; zre: number[]; zim: number[] }>;
  converged_fit: { params: number[]; conf: number[]; chi2: number };
}>('ecm-numpy.json');

describe('equivalent-circuit fit against impedance.py', () => {
  it.skipIf(!haveEisData)(
    'R0-p(R1,C1)-p(R2-Wo1,C2) on exampleData.csv (Z″ < 0, same guess): parameters and 1σ within 1e-3',
    () => {
      const ref = readReference<{ exampleData_ECM: EcmRef }>().exampleData_ECM;
      const s = capacitiveOnly(readImpedance(join(eisDataDir, 'exampleData.csv')));
      expect(s.freqHz.length).toBe(ref.n_points);
      const r = fitCircuit(s, ref.circuit, { initialGuess: ref.initial_guess });
      expect(r.parameters.map((p) => p.name)).toEqual(['R0', 'R1', 'C1', 'R2', 'Wo1_0', 'Wo1_1', 'C2']);
      r.parameters.forEach((p, i) => {
        expect(rel(p.value, ref.params[i])).toBeLessThan(1e-3);
        expect(rel(p.standardError, ref.conf[i])).toBeLessThan(1e-3);
      });
      expect(r.converged).toBe(true);
    },
  );

  it.skipIf(!haveEisData)(
    'with tight tolerances reaches the fully converged minimum found by scipy (Levenberg–Marquardt)',
    () => {
      const ref = readReference<{ exampleData_ECM: EcmRef }>().exampleData_ECM;
      const s = capacitiveOnly(readImpedance(join(eisDataDir, 'exampleData.csv')));
      const r = fitCircuit(s, ref.circuit, {
        initialGuess: ref.initial_guess,
        fTol: 1e-15,
        xTol: 1e-15,
        gTol: 1e-15,
      });
      const conv = fixture.converged_fit;
      r.values.forEach((v, i) => expect(rel(v, conv.params[i])).toBeLessThan(1e-4));
      expect(rel(r.chi2, conv.chi2)).toBeLessThan(1e-8);
      // impedance.py's answer is a (slightly) higher point on the same flat valley
      expect(r.chi2).toBeLessThan(1.943e-5);
    },
  );
});

describe('circuit elements and strings', () => {
  const f = Float64Array.from(fixture.freq);
  for (const [text, c] of Object.entries(fixture.circuits)) {
    it(`${text} equals an independent numpy evaluation`, () => {
      const z = circuitImpedance(parseCircuit(text), c.params, f);
      for (let i = 0; i < f.length; i++) {
        const mod = Math.hypot(c.zre[i], c.zim[i]);
        expect(Math.abs(z.zReOhm[i] - c.zre[i]) / mod).toBeLessThan(1e-12);
        expect(Math.abs(z.zImOhm[i] - c.zim[i]) / mod).toBeLessThan(1e-12);
      }
    });
  }

  it('names parameters like impedance.py and sets default bounds', () => {
    const c = parseCircuit('R0-p(R1,CPE1)-Wo2');
    expect(c.paramNames).toEqual(['R0', 'R1', 'CPE1_0', 'CPE1_1', 'Wo2_0', 'Wo2_1']);
    expect(Array.from(c.upper)).toEqual([Infinity, Infinity, Infinity, 1, Infinity, Infinity]);
    expect(Array.from(c.lower)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  const bad: [string, RegExp][] = [
    ['R0-p(R1,C1', /character 11.*"R0-p\(R1,C1⟨here⟩"/],
    ['R0--R1', /character 4.*"R0-⟨here⟩-R1"/],
    ['R0-X1', /character 4.*unknown element type 'X'/],
    ['R0-R0', /character 4.*duplicate element 'R0'/],
    ['R0-p(R1)', /character 4.*one branch/],
    ['R0-C', /character 5.*'C' without a label/],
    ['R0)', /character 3.*"R0⟨here⟩\)"/],
    ['', /character 1.*empty string/],
  ];
  for (const [text, pattern] of bad) {
    it(`rejects "${text}" pointing at the character`, () => {
      expect(() => parseCircuit(text)).toThrow(ParameterError);
      expect(() => parseCircuit(text)).toThrow(pattern);
    });
  }
});

describe('circuit fits on synthetic data', () => {
  const c = fixture.circuits['p(R1,CPE1)'];
  const s = {
    freqHz: Float64Array.from(fixture.freq),
    zReOhm: Float64Array.from(c.zre),
    zImOhm: Float64Array.from(c.zim),
  };

  it('recovers R‖CPE from the default starting guess', () => {
    const r = fitCircuit(s, 'R0-p(R1,CPE1)', { weighting: 'modulus' });
    expect(r.values[0]).toBeLessThan(1e-6);
    expect(rel(r.values[1], 10)).toBeLessThan(1e-6);
    expect(rel(r.values[2], 2e-4)).toBeLessThan(1e-6);
    expect(rel(r.values[3], 0.8)).toBeLessThan(1e-6);
    expect(r.rmsRelativeResidual).toBeLessThan(1e-6);
  });

  it('holds fixed parameters and checks its inputs', () => {
    const r = fitCircuit(s, 'R0-p(R1,CPE1)', { initialGuess: [0.5, 9, 1e-4, 0.7], fixed: ['R0'] });
    expect(r.values[0]).toBe(0.5);
    expect(r.parameters[0].fixed).toBe(true);
    expect(() => fitCircuit(s, 'R0-p(R1,CPE1)', { initialGuess: [1, 2] })).toThrow(
      /initial guess has the wrong length/,
    );
    expect(() => fitCircuit(s, 'R0-p(R1,CPE1)', { fixed: ['R9'] })).toThrow(/unknown parameter/);
  });
});
