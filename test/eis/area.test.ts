/**
 * Area-specific impedance (`--area-cm2`): a simulated cell (R0 = 3 Ω, ZARCs of 8 Ω and 15 Ω, as the
 * other CLI tests) of 1.13 cm² gives resistances A times the Ω values (Ω cm², the unit the papers compare
 * cells in), circuit capacitances 1/A times the F values (F cm⁻²), and says so in every header and unit.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/helpers.js';
import { logSweep, simulateSweep } from '../../src/sim/eis.js';
import { areaUnit } from '../../src/cli/commands/eis.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-eis-area-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const A = 1.13;

function file(name: string, seed: number): string {
  const s = simulateSweep(
    {
      r0Ohm: 3,
      zarcs: [
        { rOhm: 8, tau0S: 1e-3, phi: 1 },
        { rOhm: 15, tau0S: 10, phi: 0.9 },
      ],
    },
    logSweep(1e5, 1e-3, 8),
    { noise: 0.0005, seed },
  );
  const rows = Array.from(s.freqHz, (f, i) => `${f},${s.zReOhm[i]},${s.zImOhm[i]}`);
  const path = join(dir, name);
  writeFileSync(path, `freq/Hz,Re(Z)/Ohm,Im(Z)/Ohm\n${rows.join('\n')}\n`);
  return path;
}

describe('eis --area-cm2', () => {
  const f = file('cell.csv', 3);
  it('drt: resistances scale with the area, headers say Ω cm²', async () => {
    const plain = JSON.parse((await cli(['--json', 'eis', 'drt', f, '--lambda', '1e-3'])).stdout) as {
      rInfOhm: number;
      polarizationOhm: number;
    };
    const out = join(dir, 'gamma.csv');
    const r = await cli([
      '--json',
      'eis',
      'drt',
      f,
      '--lambda',
      '1e-3',
      '--area-cm2',
      String(A),
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const area = JSON.parse(r.stdout) as {
      rInfOhm: number;
      polarizationOhm: number;
      areaCm2: number;
      impedanceUnit: string;
    };
    expect(area.areaCm2).toBe(A);
    expect(area.impedanceUnit).toBe('ohm cm2');
    // λ is relative to the data's scale, so the regularised solution scales exactly
    expect(area.rInfOhm / plain.rInfOhm).toBeCloseTo(A, 6);
    expect(area.polarizationOhm / plain.polarizationOhm).toBeCloseTo(A, 6);
    expect(Math.abs(area.polarizationOhm - 23 * A) / (23 * A)).toBeLessThan(0.03);
    expect(readFileSync(out, 'utf8')).toMatch(/tau_s,gamma_ohm_cm2,h/);
    const text = await cli(['eis', 'drt', f, '--area-cm2', String(A)]);
    expect(text.stdout).toMatch(/R_pol = [\d.]+ Ω cm²/);
  });

  it('fit: R in Ω cm², C in F cm⁻²', async () => {
    const args = ['eis', 'fit', f, '--circuit', 'R0-p(R1,C1)-p(R2,CPE2)', '--guess', '2,5,1e-4,10,0.1,0.9'];
    const plain = JSON.parse((await cli(['--json', ...args])).stdout) as {
      parameters: { name: string; value: number; unit: string }[];
    }[];
    const r = await cli(['--json', ...args, '--area-cm2', String(A)]);
    expect(r.code, r.stderr).toBe(0);
    const area = JSON.parse(r.stdout) as { parameters: { name: string; value: number; unit: string }[] }[];
    const p = (x: typeof plain, n: string) => x[0].parameters.find((q) => q.name === n)!;
    expect(p(area, 'R1').value / p(plain, 'R1').value).toBeCloseTo(A, 4);
    expect(p(area, 'R1').unit).toBe('Ohm cm^2');
    expect(p(area, 'C1').value / p(plain, 'C1').value).toBeCloseTo(1 / A, 4);
    expect(p(area, 'C1').unit).toBe('F cm^-2');
    expect(p(area, 'CPE2_0').unit).toBe('Ohm^-1 s^alpha cm^-2');
    expect(p(area, 'CPE2_1').value).toBeCloseTo(p(plain, 'CPE2_1').value, 4);
    expect(p(area, 'CPE2_1').unit).toBe('');
    // R1·C1 is the arc's time constant (1 ms), whatever the area
    expect(p(area, 'R1').value * p(area, 'C1').value).toBeCloseTo(1e-3, 4);
  });

  it('units of every circuit element', () => {
    expect(areaUnit('Ohm s^-1/2', 2)).toBe('Ohm s^-1/2 cm^2');
    expect(areaUnit('H', 2)).toBe('H cm^2');
    expect(areaUnit('s', 2)).toBe('s');
    expect(areaUnit('F', null)).toBe('F');
  });

  it('refuses a non-positive area in one line', async () => {
    const r = await cli(['eis', 'kk', f, '--area-cm2', '0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--area-cm2/);
  });
});
