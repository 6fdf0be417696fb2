/**
 * The reference shift table against the values its sources print (Zheng et al. 2024, Table 3; SIMBA D3.2
 * 2021; Liu et al. 2021; Wichmann et al. 2025), and the `spincell shifts` query.
 */
import { describe, expect, it } from 'vitest';
import { compileModel, fitModel } from '../../src/fit/model.js';
import { diamagneticPreset, queryShifts, SHIFT_TABLE } from '../../src/relax/shifts.js';
import { simulatePhasedSpectrum } from '../../src/sim/phased-spectrum.js';
import { cli } from '../cli/helpers.js';

describe('shift table', () => {
  it('holds Zheng et al. 2024 Table 3 for 7Li and 23Na as printed', () => {
    const li = (s: string) => SHIFT_TABLE.find((e) => e.nucleus === '7Li' && e.species === s)!;
    const na = (s: string) => SHIFT_TABLE.find((e) => e.nucleus === '23Na' && e.species === s)!;
    expect([
      li('Li2O').loPpm,
      li('LiF').loPpm,
      li('LiCl').loPpm,
      li('Li3N').loPpm,
      li('Li2O2').loPpm,
    ]).toEqual([2.8, -1, -1.1, 7.45, 1.33]);
    expect([na('Na2O').loPpm, na('NaOH').loPpm, na('NaF').loPpm, na('NaH').loPpm, na('Na2S').loPpm]).toEqual([
      55.1, 21, 7.2, 18.8, 49.8,
    ]);
    expect([na('Na2CO3').loPpm, na('Na2CO3').hiPpm, na('Na2CO3').reported]).toEqual([-4, 7.5, '7, 7.5, -4']);
    expect(SHIFT_TABLE.filter((e) => e.source.startsWith('Zheng et al. 2024, Table 3'))).toHaveLength(
      10 + 10 + 9,
    );
  });

  it('every entry names a source; 6Li repeats 7Li; no unsourced 19F entries', () => {
    for (const e of SHIFT_TABLE) {
      expect(e.source).toMatch(/(Zheng|Liu|Wichmann) et al\. 20\d\d|SIMBA D3\.2 2021/);
      expect(e.loPpm).toBeLessThanOrEqual(e.hiPpm);
    }
    const six = SHIFT_TABLE.filter((e) => e.nucleus === '6Li');
    const seven = SHIFT_TABLE.filter((e) => e.nucleus === '7Li');
    expect(six.map((e) => [e.species, e.loPpm, e.hiPpm])).toEqual(
      seven.map((e) => [e.species, e.loPpm, e.hiPpm]),
    );
    expect(SHIFT_TABLE.some((e) => e.nucleus === '19F')).toBe(false);
  });

  it('queries by nucleus, species, category and nearness (nearest, then narrowest first)', () => {
    const near = queryShifts({ nucleus: '7Li', nearPpm: -1, tolerancePpm: 0.2 });
    expect(near.map((e) => e.species)).toEqual(['LiF', 'LixSi', 'LiCl']);
    expect(queryShifts({ nucleus: '23Na', category: 'metal' }).map((e) => e.loPpm)).toEqual([1135, 1141]);
    expect(queryShifts({ species: 'li2co3' }).map((e) => e.nucleus)).toEqual(['7Li', '6Li']);
    expect(queryShifts({ nucleus: '7Li', nearPpm: 265, tolerancePpm: 0 }).map((e) => e.species)).toEqual([
      'Li metal (orientation 90°…0° to B0)',
    ]);
    expect(() => queryShifts({ nucleus: 'Xx' })).toThrow(/unknown nucleus/);
  });

  it('spincell shifts: table, --json and a usage error for an unknown category', async () => {
    const r = await cli(['--json', 'shifts', '--nucleus', '31P']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).entries).toEqual([
      expect.objectContaining({ species: 'Li3PS4', loPpm: 84, source: 'Liu et al. 2021' }),
    ]);
    const t = await cli(['shifts', '--nucleus', '23Na', '--near', '1140']);
    expect(t.stdout).toContain('Na metal microstructure (shoulder)');
    expect(t.stdout).toContain('SIMBA D3.2 2021');
    const bad = await cli(['shifts', '--category', 'alloy']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('diamagnetic fit preset', () => {
  it('recovers the areas of LiF, Li2CO3 and Li2O on a simulated narrow-line (MAS-like) SEI spectrum', () => {
    const truth = { LiF: 0.5, Li2CO3: 0.3, Li2O: 0.2 };
    const spectrum = simulatePhasedSpectrum({
      lines: [
        { shiftPpm: -1.05, area: truth.LiF, gaussFwhmPpm: 0.3, lorentzFwhmPpm: 0.05 },
        { shiftPpm: 0.1, area: truth.Li2CO3, gaussFwhmPpm: 0.3, lorentzFwhmPpm: 0.05 },
        { shiftPpm: 2.75, area: truth.Li2O, gaussFwhmPpm: 0.3, lorentzFwhmPpm: 0.05 },
      ],
      phaseDeg: 0,
      noiseRelative: 0.002,
      seed: 11,
      carrierPpm: 0,
      swHz: 5000,
      complexPoints: 4096,
    });
    const preset = diamagneticPreset(['LiF', 'Li2CO3', 'Li2O'], { widthPpm: 0.3, tolerancePpm: 0.2 });
    expect(preset.unresolved).toEqual([]);
    const fit = fitModel(compileModel(preset.spec), spectrum.ppm, spectrum.re);
    expect(fit.converged).toBe(true);
    const total = fit.components.reduce((a, c) => a + c.area, 0);
    for (const c of fit.components) {
      const want = truth[c.name as keyof typeof truth];
      expect(Math.abs(c.area / total - want)).toBeLessThan(0.01);
      expect(Math.abs(c.area / total - want)).toBeLessThan(3 * (c.areaStdErr / total) + 1e-3);
    }
    const pos = Object.fromEntries(fit.components.map((c) => [c.name, c.positionPpm]));
    expect(pos.LiF).toBeCloseTo(-1.05, 2);
    expect(pos.Li2O).toBeCloseTo(2.75, 2);
  });

  it('says honestly which species broad static lines cannot separate', () => {
    const p = diamagneticPreset(['LiF', 'Li2CO3', 'Li2O', 'LiCl'], { widthPpm: 2, tolerancePpm: 0.5 });
    const pairs = p.unresolved.map((u) => `${u.a}/${u.b}`);
    expect(pairs).toContain('LiF/LiCl');
    expect(pairs).toContain('LiF/Li2CO3');
    expect(pairs).not.toContain('LiCl/Li2O'); // 3.9 ppm apart, 2.9 after the tolerances
    expect(() => diamagneticPreset(['LiF', 'Unobtainium'])).toThrow(/not in the shift table/);
    expect(() => diamagneticPreset(['NaF'], { nucleus: '23Na' }).spec.components[0]).not.toThrow();
  });

  it('spincell shifts --preset prints a model spec that spincell fit accepts, warnings on stderr', async () => {
    const r = await cli(['shifts', '--preset', 'LiF,Li2CO3', '--width-ppm', '2']);
    expect(r.code).toBe(0);
    expect(() => compileModel(JSON.parse(r.stdout))).not.toThrow();
    expect(r.stderr).toMatch(/LiF and Li2CO3 can come within 0\.00 ppm/);
  });
});
