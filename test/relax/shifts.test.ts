/**
 * The reference shift table against the values its sources print (Zheng et al. 2024, Table 3; SIMBA D3.2
 * 2021; Liu et al. 2021; Wichmann et al. 2025), and the `spincell shifts` query.
 */
import { describe, expect, it } from 'vitest';
import { queryShifts, SHIFT_TABLE } from '../../src/relax/shifts.js';
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
