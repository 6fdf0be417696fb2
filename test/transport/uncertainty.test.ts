/**
 * Drift-velocity uncertainty on the Nernst–Planck forward model with known truth (test/transport/scenario.ts,
 * Thienenkamp et al. 2024 geometry) and 0.5 % intensity noise: the estimated profile noise equals the
 * noise added, the per-point standard errors cover the true field about 68 % of the time, and the 95 %
 * interval of the robust maximum contains the true maximum in (nearly) every realisation.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../cli/helpers.js';
import { writeDriftExperiment } from '../../src/sim/mri.js';
import { driftUncertainty, profileNoise, robustMaximum } from '../../src/transport/uncertainty.js';
import { diffusionLaw } from '../../src/transport/diffusion-table.js';
import { toConcentration } from '../../src/transport/profiles.js';
import type { ProfileSeries } from '../../src/transport/profiles.js';
import type { DriftResult } from '../../src/transport/drift.js';
import { createRng } from '../../src/sim/random.js';
import { C0_MOL_M3, ROI_X_UM, TEMPERATURE_K, dTable, runScenario } from './scenario.js';

describe('drift velocity uncertainty', () => {
  const { sampled } = runScenario();
  const law = diffusionLaw(dTable(), 'log');
  const nx = ROI_X_UM.length;
  const nt = sampled.profiles.timeS.length;
  const truthField = {
    xUm: Float64Array.from(ROI_X_UM),
    timeS: sampled.profiles.timeS,
    velocityUmPerH: sampled.trueVelocityUmPerH,
  } as unknown as DriftResult;
  const trueRobust = robustMaximum(truthField).velocityUmPerH;
  const noisy = (seed: number): ProfileSeries => {
    const rng = createRng(seed);
    return {
      ...sampled.profiles,
      values: sampled.profiles.values.map((c) => c + 0.005 * C0_MOL_M3 * rng.normal()),
    };
  };

  it('estimates the profile noise from the data', () => {
    const p = toConcentration(noisy(5), C0_MOL_M3);
    const sigmas = Array.from({ length: nt }, (_, k) => profileNoise(p.values, k * nx, nx));
    const mean = sigmas.reduce((a, b) => a + b, 0) / nt;
    // toConcentration divides each profile by the first (coil sensitivity), which adds the first
    // profile's noise to every other: √2 × 0.5 % of C0 per profile
    expect(Math.abs(mean / (Math.SQRT2 * 0.005 * C0_MOL_M3) - 1)).toBeLessThan(0.15);
    // a noise-free profile has none
    expect(profileNoise(sampled.profiles.values, nx, nx)).toBeLessThan(1e-6 * C0_MOL_M3);
  });

  it('covers the truth: per-point ±1σ about 68 %, the robust maximum’s 95 % interval nearly always', () => {
    let inside = 0;
    let points = 0;
    let covered = 0;
    const seeds = [21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32];
    for (const seed of seeds) {
      const u = driftUncertainty(
        {
          concentration: toConcentration(noisy(seed), C0_MOL_M3),
          voltageV: sampled.voltageV,
          diffusion: law,
          temperatureK: TEMPERATURE_K,
        },
        { realisations: 100, seed },
      );
      for (let k = 1; k < nt - 1; k++)
        for (let i = 0; i < nx; i++) {
          const j = k * nx + i;
          points++;
          if (
            Math.abs(u.drift.velocityUmPerH[j] - sampled.trueVelocityUmPerH[j]) <= u.velocityStdErrUmPerH[j]
          )
            inside++;
        }
      const [lo, hi] = u.robustMaximum.intervalUmPerH;
      if (trueRobust >= lo && trueRobust <= hi) covered++;
      expect(u.robustMaximum.standardErrorUmPerH).toBeGreaterThan(0);
    }
    const coverage = inside / points;
    // the model error of the noise-free inversion (≤ 5 % of the maximum at the edges) adds to the noise
    expect(coverage).toBeGreaterThan(0.55);
    expect(coverage).toBeLessThan(0.85);
    expect(covered).toBeGreaterThanOrEqual(seeds.length - 1);
  });
});

describe('mri drift --bootstrap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spincell-drift-boot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('the maximum’s interval contains the simulation’s true maximum', async () => {
    for (const seed of [3, 4, 5]) {
      const out = join(dir, `s${seed}`);
      const { files } = writeDriftExperiment(out, { noise: 0.005, seed });
      const truth = JSON.parse(readFileSync(join(out, 'truth.json'), 'utf8')) as {
        maximumVelocityUmPerH: number;
      };
      const r = await cli([
        '--json',
        'mri',
        'drift',
        files.profiles,
        '--voltage',
        files.voltage,
        '--diffusion',
        files.diffusion,
        '--temperature',
        String(TEMPERATURE_K),
        '--c0',
        String(C0_MOL_M3),
        '--roi',
        '275:1525',
        '--bootstrap',
        '100',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as { uncertainty: { maximum: { intervalUmPerH: [number, number] } } };
      const [lo, hi] = j.uncertainty.maximum.intervalUmPerH;
      expect(truth.maximumVelocityUmPerH).toBeGreaterThanOrEqual(lo);
      expect(truth.maximumVelocityUmPerH).toBeLessThanOrEqual(hi);
    }
  });
});
