import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatCsv } from '../../src/io/csv/index.js';
import { formatProfilesCsv } from '../../src/io/mri/index.js';
import { writeBrukerSer } from '../../src/io/bruker/index.js';
import { bValuesSPerM2, gaussPerCmToTPerM } from '../../src/transport/pfg.js';
import { getNucleus } from '../../src/core/nuclei.js';
import { sampleProfiles } from '../../src/sim/nernst-planck.js';
import { cli, PAPER_SAND_ARGS } from '../cli/helpers.js';
import { echoForProfile, writeMriSeries } from '../io/mri/synthetic-bruker.js';
import { C0_MOL_M3, dLaw, runScenario } from './scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-transport-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { spec, result, sampled } = runScenario();
const nt = result.timeS.length;

// exchange files: intensities with a coil-sensitivity shading, a voltage record every 60 s, a D table
const profilesPath = join(dir, 'profiles.csv');
const voltagePath = join(dir, 'voltage.csv');
const dPath = join(dir, 'd-table.csv');
{
  const x = sampled.profiles.xUm;
  const values = sampled.profiles.values.map((c, i) => 42 * c * (1 + 0.05 * Math.sin(x[i % x.length] / 300)));
  writeFileSync(profilesPath, formatProfilesCsv({ ...sampled.profiles, values }));
  const tEnd = result.timeS[nt - 1];
  const vt: number[][] = [];
  for (let t = 0; t <= tEnd + 60; t += 60) {
    const time = Math.min(t, tEnd);
    vt.push([
      time,
      sampleProfiles(
        spec,
        {
          ...result,
          timeS: Float64Array.of(time),
          concentrationMolM3: result.concentrationMolM3.subarray(0, result.xUm.length),
        },
        [x[0], x[x.length - 1]],
      ).voltageV[0],
    ]);
    if (time === tEnd) break;
  }
  writeFileSync(voltagePath, formatCsv(['time_s', 'voltage_V'], vt));
  const cs = [300, 800, 1200, C0_MOL_M3, 2000, 2600, 3200];
  writeFileSync(
    dPath,
    formatCsv(
      ['concentration_mol_m3', 'D_m2_s'],
      cs.map((c) => [c, dLaw(c)]),
    ),
  );
}

/**
 * `mri drift` on `input` with the exchange files' voltage record and D table at 313.15 K; `flags` come
 * after them (e.g. the ROI, --out).
 */
function driftArgs(
  input: string,
  options: { voltage?: string; diffusion?: string; c0?: string } = {},
  ...flags: string[]
): string[] {
  const { voltage = voltagePath, diffusion = dPath, c0 = String(C0_MOL_M3) } = options;
  return [
    'mri',
    'drift',
    input,
    '--voltage',
    voltage,
    '--diffusion',
    diffusion,
    '--temperature',
    '313.15',
    '--c0',
    c0,
    ...flags,
  ];
}

/** Largest |v − v_true| over the largest |v_true|, for the velocity rows of a drift JSON document. */
function velocityError(velocityUmPerH: number[][]): number {
  const nx = sampled.profiles.xUm.length;
  let vMax = 0;
  let worst = 0;
  velocityUmPerH.forEach((row, k) =>
    row.forEach((v, i) => {
      const t = sampled.trueVelocityUmPerH[k * nx + i];
      vMax = Math.max(vMax, Math.abs(t));
      worst = Math.max(worst, Math.abs(v - t));
    }),
  );
  return worst / vMax;
}

describe('spincell mri drift', () => {
  it('recovers the drift velocity from the exchange files (JSON output)', async () => {
    const { code, stdout } = await cli(['--json', ...driftArgs(profilesPath, {}, '--roi', '275:1525')]);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as {
      velocityUmPerH: number[][];
      maximum: { velocityUmPerH: number };
      perTime: unknown[];
    };
    expect(doc.perTime).toHaveLength(nt);
    expect(velocityError(doc.velocityUmPerH)).toBeLessThan(0.1);
  });

  it('prints a table and writes the velocity CSV', async () => {
    const outPath = join(dir, 'v.csv');
    const { code, stdout } = await cli(driftArgs(profilesPath, {}, '--roi', '275:1525', '--out', outPath));
    expect(code).toBe(0);
    expect(stdout).toMatch(/max \|v\| = \d+\.\d µm\/h/);
    // per profile: minutes with two decimals, volts with four, velocities and % with one
    const rows = stdout.trimEnd().split('\n').slice(3);
    expect(rows).toHaveLength(nt);
    for (const row of rows) expect(row).toMatch(/^\d+\.\d{2}\s+-?\d+\.\d{4}(\s+-?\d+\.\d){5}$/);
    expect(readFileSync(outPath, 'utf8')).toMatch(
      /time_s,x_um,concentration_mol_m3,velocity_um_h,field_V_m,flux_mol_m2_s/,
    );
  });

  it('exits 3 with a typed one-line message on bad input', async () => {
    const roiOut = await cli(driftArgs(profilesPath, { c0: '1650' }, '--roi', '0:5000'));
    expect(roiOut.code).toBe(3);
    expect(roiOut.stderr).toMatch(/ParameterError: .*roi: region of interest outside the field of view/);
    const short = join(dir, 'short-voltage.csv');
    writeFileSync(short, 'time_s,voltage_V\n0,0\n1000,1\n');
    const mismatch = await cli(driftArgs(profilesPath, { voltage: short, c0: '1650' }, '--roi', '275:1525'));
    expect(mismatch.code).toBe(3);
    expect(mismatch.stderr).toMatch(/mismatched time axes/);
    const narrow = join(dir, 'narrow-d.csv');
    writeFileSync(narrow, 'concentration_mol_m3,D_m2_s\n1600,1e-12\n1700,1e-12\n');
    const uncovered = await cli(
      driftArgs(profilesPath, { diffusion: narrow, c0: '1650' }, '--roi', '275:1525'),
    );
    expect(uncovered.code).toBe(3);
    expect(uncovered.stderr).toMatch(
      /narrow-d\.csv: concentration_mol_m3: concentration outside the diffusion table/,
    );
    const missing = await cli([
      'mri',
      'drift',
      profilesPath,
      '--diffusion',
      dPath,
      '--temperature',
      '313',
      '--c0',
      '1650',
    ]);
    expect(missing.code).toBe(2);
  });

  it('takes raw Bruker MRI data through the same command', async () => {
    // the 1800 µm cell sits in a 4 mm, 128-point field of view; outside it there is no signal
    const n = 128;
    const fov = 4000;
    const offsetUm = 1006.25;
    const x = Array.from({ length: n }, (_, j) => fov / 2 + ((j + 1 - n / 2) * fov) / n);
    const inside = x.filter(
      (xi) => xi - offsetUm > result.xUm[0] && xi - offsetUm < result.xUm[result.xUm.length - 1],
    );
    const s = sampleProfiles(
      spec,
      result,
      inside.map((xi) => xi - offsetUm),
    );
    const first = x.indexOf(inside[0]);
    const profiles = Array.from({ length: nt }, (_, k) => {
      const p = new Float64Array(n);
      inside.forEach((_, i) => (p[first + i] = s.profiles.values[k * inside.length + i]));
      return p;
    });
    const path = join(dir, 'raw-mri');
    writeMriSeries(path, profiles, result.timeS);
    const roi = `${offsetUm + 275}:${offsetUm + 1525}`;
    const { code, stdout, stderr } = await cli([
      '--json',
      ...driftArgs(path, {}, '--fov-um', '4000', '--roi', roi),
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { velocityUmPerH: number[][] };
    expect(velocityError(doc.velocityUmPerH)).toBeLessThan(0.1);
    // without --roi the detected plateau reaches the depleted layer next to the wall, whose
    // concentrations the D table does not cover: a typed error, not an extrapolation
    const auto = await cli(driftArgs(path, {}, '--fov-um', '4000'));
    expect(auto.code).toBe(3);
    expect(auto.stderr).toMatch(/concentration outside the diffusion table/);
    const profilesOut = await cli(['mri', 'profiles', path, '--read-gradient-g-cm', '62.4']);
    expect(profilesOut.code).toBe(0);
    expect(profilesOut.stdout).toMatch(/^# reconstructed by spincell/);
  });
});

const paperSand = PAPER_SAND_ARGS;

describe('spincell sand', () => {
  it('warns (one stderr line; warnings in --json) when c0 looks like mol L⁻¹ given as mol m⁻³', async () => {
    const args = ['sand', '--d', '2.53e-13', '--c0', '1.65', '--current-density', '0.1', '--ta', '0.9'];
    const plain = await cli(args);
    expect(plain.code).toBe(0);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    expect(plain.stderr).toMatch(/warning: --c0 1\.65 mol-m3 .*did you mean --c0 1\.65 --c0-unit mol-L\?/);
    const json = await cli(['--json', ...args]);
    expect((JSON.parse(json.stdout) as { warnings: string[] }).warnings[0]).toMatch(/mol-L/);
    const fine = await cli(['--json', ...paperSand]);
    expect(fine.stderr).toBe('');
    expect((JSON.parse(fine.stdout) as { warnings: string[] }).warnings).toEqual([]);
  });

  it("gives the paper's 103 min", async () => {
    const { code, stdout } = await cli(['--json', ...paperSand, '--onset-min', '90']);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { sandTimeMin: number; onset: { differenceMin: number } };
    expect(Math.abs(doc.sandTimeMin - 103) / 103).toBeLessThan(0.01);
    expect(doc.onset.differenceMin).toBeCloseTo(90 - doc.sandTimeMin, 9);
  });

  it('converts an anion D with t_a and rejects two D values', async () => {
    const { stdout } = await cli([
      '--json',
      'sand',
      '--d-anion',
      '1.3e-12',
      '--c0',
      '1.6506',
      '--c0-unit',
      'mol-L',
      '--current-density',
      '0.1',
      '--ta',
      '0.9',
    ]);
    expect((JSON.parse(stdout) as { dAmbipolarM2PerS: number }).dAmbipolarM2PerS).toBeCloseTo(2.6e-13, 25);
    const both = await cli([
      'sand',
      '--d',
      '1e-12',
      '--d-anion',
      '1e-12',
      '--c0',
      '1',
      '--current-density',
      '1',
      '--ta',
      '0.5',
    ]);
    expect(both.code).toBe(2);
  });
});

describe('spincell pfg', () => {
  const gamma = getNucleus('19F').gammaRadPerSPerT;
  const gradientsGCm = Array.from({ length: 16 }, (_, i) => (2946 * (i + 1)) / 16);

  it('fits a CSV of gradients in G/cm with the sine shape', async () => {
    const b = bValuesSPerM2(gradientsGCm.map(gaussPerCmToTPerM), gamma, {
      deltaS: 1e-3,
      bigDeltaS: 60e-3,
      shape: 'sine',
    });
    const path = join(dir, 'pfg.csv');
    writeFileSync(
      path,
      formatCsv(
        ['gradient_G_cm', 'intensity'],
        gradientsGCm.map((g, i) => [g, 1000 * Math.exp(-1.3e-12 * b[i])]),
      ),
    );
    const { code, stdout } = await cli([
      '--json',
      'pfg',
      path,
      '--nucleus',
      '19F',
      '--delta-ms',
      '1',
      '--Delta-ms',
      '60',
      '--shape',
      'sine',
    ]);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { dM2PerS: number[] };
    expect(doc.dM2PerS[0] / 1.3e-12).toBeCloseTo(1, 6);
  });

  const timingArgs = '--nucleus 19F --delta-ms 1 --Delta-ms 60 --shape rect'.split(' ');
  const pfgArgs = (path: string) => ['pfg', path, ...timingArgs];
  const bRect = bValuesSPerM2(gradientsGCm.map(gaussPerCmToTPerM), gamma, {
    deltaS: 1e-3,
    bigDeltaS: 60e-3,
    shape: 'rect',
  });
  // deterministic ±0.3 % noise, so that fits have honest standard errors
  const noise = (i: number) => 0.003 * Math.sin(12.9898 * (i + 1)) * 1000;

  it('refuses inverted (negative) intensities and flags noise-floor points', async () => {
    const path = join(dir, 'pfg-negative.csv');
    writeFileSync(
      path,
      formatCsv(
        ['gradient_G_cm', 'intensity'],
        gradientsGCm.map((g, i) => [g, -1000 * Math.exp(-1.3e-12 * bRect[i])]),
      ),
    );
    const bad = await cli(pfgArgs(path));
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/intensity at the smallest b is not positive/);
    const floor = join(dir, 'pfg-floor.csv');
    writeFileSync(
      floor,
      formatCsv(
        ['gradient_G_cm', 'intensity'],
        gradientsGCm.map((g, i) => [g, i === 15 ? -2 : 1000 * Math.exp(-1.3e-12 * bRect[i]) + noise(i)]),
      ),
    );
    const ok = await cli(['--json', ...pfgArgs(floor)]);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.stdout) as { warnings: string[] }).warnings.join()).toMatch(
      /1 point\(s\) with intensity ≤ 0/,
    );
  });

  it('flags an unidentifiable second component and prints numbers only to the digits the errors support', async () => {
    const path = join(dir, 'pfg-one.csv');
    writeFileSync(
      path,
      formatCsv(
        ['gradient_G_cm', 'intensity'],
        gradientsGCm.map((g, i) => [g, 1000 * Math.exp(-1.3e-12 * bRect[i]) + noise(i)]),
      ),
    );
    const json = await cli(['--json', ...pfgArgs(path), '--components', '2']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { unidentifiable: boolean[]; warnings: string[] };
    expect(doc.unidentifiable).toContain(true);
    expect(doc.warnings.join()).toMatch(/unidentifiable \(standard error ≥ value/);
    const text = await cli([...pfgArgs(path), '--components', '2']);
    expect(text.stderr).toMatch(/warning: .*component \d is unidentifiable/);
    // no digits beyond the error's second significant one: no 1e-79 fractions or 17-digit D values
    expect(text.stdout).not.toMatch(/e-[4-9]\d/);
    expect(text.stdout).not.toMatch(/\d{7,}/);
    const one = await cli(['--json', ...pfgArgs(path)]);
    const single = JSON.parse(one.stdout) as {
      unidentifiable: boolean[];
      warnings: string[];
      dM2PerS: number[];
    };
    expect(single.unidentifiable).toEqual([false]);
    expect(single.warnings).toEqual([]);
    expect(single.dM2PerS[0] / 1.3e-12).toBeCloseTo(1, 1);
  });

  /** A Bruker diffusion experiment (ser + difflist) of one component with D = 2e-12 m² s⁻¹ observed on `nucleus`. */
  function writePfgExperiment(name: string, nucleus: string): string {
    const b = bValuesSPerM2(gradientsGCm.map(gaussPerCmToTPerM), getNucleus(nucleus).gammaRadPerSPerT, {
      deltaS: 1e-3,
      bigDeltaS: 60e-3,
      shape: 'rect',
    });
    const line = Float64Array.from({ length: 64 }, (_, j) => Math.exp(-(((j - 30) / 3) ** 2)));
    const rows = Array.from(b, (bi) => echoForProfile(line.map((v) => v * Math.exp(-2e-12 * bi))));
    const path = join(dir, name);
    writeBrukerSer(
      path,
      {
        nucleus,
        sfo1MHz: 188.3,
        bf1MHz: 188.3,
        o1Hz: 0,
        swHz: 20000,
        scans: 16,
        recycleDelayS: 6,
        pulseProgram: 'diffSte',
        digitalFilter: { kind: 'analogue' },
        dataType: 'float64',
        endMs: Date.UTC(2024, 0, 1),
      },
      rows,
    );
    writeFileSync(join(path, 'difflist'), gradientsGCm.join('\n'));
    return path;
  }

  it('fits Bruker diffusion data (ser + difflist)', async () => {
    const path = writePfgExperiment('pfg-bruker', '19F');
    const { code, stdout, stderr } = await cli([
      '--json',
      'pfg',
      path,
      '--delta-ms',
      '1',
      '--Delta-ms',
      '60',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { dM2PerS: number[] }).dM2PerS[0] / 2e-12).toBeCloseTo(1, 6);
  });

  it("takes γ from the Bruker data's NUC1 when --nucleus is not given", async () => {
    const path = writePfgExperiment('pfg-bruker-7li', '7Li');
    const { code, stdout } = await cli(['--json', 'pfg', path, '--delta-ms', '1', '--Delta-ms', '60']);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { nucleus: string; dM2PerS: number[] };
    expect(doc.nucleus).toBe('7Li');
    expect(doc.dM2PerS[0] / 2e-12).toBeCloseTo(1, 6);
  });

  it('numbers the components in the table', async () => {
    const { code, stdout } = await cli([
      'pfg',
      join(dir, 'pfg.csv'),
      '--delta-ms',
      '1',
      '--Delta-ms',
      '60',
      '--shape',
      'sine',
    ]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[2]).toMatch(/^1\s/);
  });

  it('rejects missing timing with a usage error', async () => {
    const { code } = await cli(['pfg', join(dir, 'pfg.csv'), '--delta-ms', '1']);
    expect(code).toBe(2);
  });
});

describe('spincell sand with a cycler record', () => {
  it('detects the onset of the voltage rise in the constant-current step and compares', async () => {
    // rest 10 min, then constant current; polarisation rises steeply 90 min into the step
    const rows: number[][] = [];
    for (let t = 0; t <= 600 + 150 * 60; t += 30) {
      const cc = t > 600;
      const sinceStart = t - 600;
      const v = cc ? 0.05 + 1.2 / (1 + Math.exp(-(sinceStart - 5400) / 40)) : 0;
      rows.push([t, v, cc ? 0.0283 : 0]);
    }
    const path = join(dir, 'cycler.csv');
    writeFileSync(path, formatCsv(['time_s', 'voltage_V', 'current_mA'], rows));
    const { code, stdout, stderr } = await cli(['--json', ...paperSand, '--cycler', path]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const doc = JSON.parse(stdout) as { onset: { onsetMin: number; differenceMin: number } };
    expect(Math.abs(doc.onset.onsetMin - 90)).toBeLessThanOrEqual(0.5);
    expect(doc.onset.differenceMin).toBeLessThan(-13);
  });
});
