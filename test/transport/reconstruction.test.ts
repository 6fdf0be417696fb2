import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fieldOfViewUm, profilesFromEchoes } from '../../src/transport/reconstruction.js';
import { driftVelocity } from '../../src/transport/drift.js';
import { diffusionLaw } from '../../src/transport/diffusion-table.js';
import { selectRoi, toConcentration } from '../../src/transport/profiles.js';
import { readBrukerEchoSeries } from '../../src/io/mri/index.js';
import { fourierTransform } from '../../src/nmr/index.js';
import { getNucleus } from '../../src/core/nuclei.js';
import { ParameterError } from '../../src/core/errors.js';
import { echoForProfile, writeMriSeries } from '../io/mri/synthetic-bruker.js';
import { TEMPERATURE_K, dTable, runScenario } from './scenario.js';
import { sampleProfiles } from '../../src/sim/nernst-planck.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-recon-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('frequency-encoded profiles', () => {
  it('FOV = SW/(γ̄G): Thienenkamp et al.’s (2024) 100 kHz at 62.4 G/cm for ¹⁹F is 4.0 mm', () => {
    // γ̄(19F) = 2.518148e8/2π = 40.07757 MHz/T; 1e5 Hz/(40.07757e6 Hz/T × 0.624 T/m) = 3.99866 mm
    const fov = fieldOfViewUm(
      { readGradientTPerM: 0.624, gammaRadPerSPerT: getNucleus('19F').gammaRadPerSPerT },
      100_000,
    );
    expect(fov).toBeCloseTo(3998.66, 1);
    expect(() => fieldOfViewUm({}, 100_000)).toThrow(ParameterError);
  });

  it('recovers the spin density from an echo whatever its phase', () => {
    const n = 128;
    const profile = Float64Array.from({ length: n }, (_, j) => (j >= 30 && j < 90 ? 1 + 0.01 * j : 0));
    const series = profilesFromEchoes(
      { echoes: [echoForProfile(profile, 0.7)], timeS: Float64Array.of(0), swHz: 1e5 },
      { fovUm: 4000 },
      (e) => fourierTransform(e),
    );
    for (let j = 0; j < n; j++) expect(series.values[j]).toBeCloseTo(profile[j], 9);
    expect(series.xUm[1] - series.xUm[0]).toBeCloseTo(31.25, 12);
    const reversed = profilesFromEchoes(
      { echoes: [echoForProfile(profile)], timeS: Float64Array.of(0), swHz: 1e5 },
      { fovUm: 4000, reverse: true },
      (e) => fourierTransform(e),
    );
    expect(reversed.values[n - 1 - 40]).toBeCloseTo(profile[40], 9);
  });

  it('raw Bruker MRI series → drift velocity within 10 % of the true maximum', () => {
    const { spec, result } = runScenario();
    // put the 1800 µm cell into a 4 mm, 128-point field of view so that the ROI lands on voxel centres
    const n = 128;
    const fov = 4000;
    const offsetUm = 1006.25;
    const x = Float64Array.from({ length: n }, (_, j) => fov / 2 + ((j + 1 - n / 2) * fov) / n);
    const inside = Array.from(x).filter(
      (xi) => xi - offsetUm > result.xUm[0] && xi - offsetUm < result.xUm[result.xUm.length - 1],
    );
    const sampled = sampleProfiles(
      spec,
      result,
      inside.map((xi) => xi - offsetUm),
    );
    const nIn = inside.length;
    const first = x.indexOf(inside[0]);
    const nt = result.timeS.length;
    const profiles = Array.from({ length: nt }, (_, k) => {
      const p = new Float64Array(n);
      for (let i = 0; i < nIn; i++) p[first + i] = 1e6 * sampled.profiles.values[k * nIn + i];
      return p;
    });
    const path = join(dir, 'series');
    writeMriSeries(path, profiles, result.timeS);

    const series = profilesFromEchoes(readBrukerEchoSeries(path), { fovUm: fov }, (e) => fourierTransform(e));
    const roi = selectRoi(series, [offsetUm + 275, offsetUm + 1525]);
    expect(roi.xUm.length).toBe(41);
    const conc = toConcentration(roi, spec.initialConcentrationMolM3 as number);
    // the voltage across the ROI and the truth at the ROI samples
    const truth = sampleProfiles(
      spec,
      result,
      Array.from(roi.xUm, (xi) => xi - offsetUm),
    );
    const drift = driftVelocity({
      concentration: conc,
      voltageV: truth.voltageV,
      diffusion: diffusionLaw(dTable()),
      temperatureK: TEMPERATURE_K,
    });
    let vMax = 0;
    let worst = 0;
    truth.trueVelocityUmPerH.forEach((v, i) => {
      vMax = Math.max(vMax, Math.abs(v));
      worst = Math.max(worst, Math.abs(drift.velocityUmPerH[i] - v));
    });
    expect(worst / vMax).toBeLessThan(0.1);
  });
});
