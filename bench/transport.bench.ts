/**
 * Drift-velocity inversion (Thienenkamp et al. 2024, eq 1–8) on a long, finely sampled series: 2,000 profiles × 128
 * positions from the Nernst–Planck forward model. spincell's driftVelocity against our numpy/scipy
 * implementation (bench/transport_drift_reference.py) on the same files, interleaved (bench/harness.ts), file
 * reading excluded on both sides; the two results are compared point by point.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCsv } from '../src/io/csv/index.js';
import { formatProfilesCsv } from '../src/io/mri/index.js';
import { sampleProfiles, simulateNernstPlanck } from '../src/sim/nernst-planck.js';
import { createDiffusionTable, diffusionLaw } from '../src/transport/diffusion-table.js';
import { driftVelocity } from '../src/transport/drift.js';
import { ReferenceSession, interleaved } from './harness.js';
import { C0_MOL_M3, TEMPERATURE_K, dLaw, scenarioSpec } from '../test/transport/scenario.js';

const here = dirname(fileURLToPath(import.meta.url));

export default async function bench(): Promise<void> {
  const profiles = 2000;
  const points = 128;
  const base = scenarioSpec();
  const endS = 13 * 513;
  const spec = {
    ...base,
    outputTimesS: Float64Array.from({ length: profiles }, (_, k) => (k * endS) / (profiles - 1)),
  };
  const result = simulateNernstPlanck(spec);
  const x = Float64Array.from({ length: points }, (_, i) => 275 + (1250 * i) / (points - 1));
  const sampled = sampleProfiles(spec, result, x);
  const cs = [300, 800, 1200, C0_MOL_M3, 2000, 2600, 3200];
  const table = createDiffusionTable(cs, cs.map(dLaw));

  const dir = mkdtempSync(join(tmpdir(), 'spincell-bench-transport-'));
  try {
    const cPath = join(dir, 'c.csv');
    const vPath = join(dir, 'v.csv');
    const dPath = join(dir, 'd.csv');
    const outPath = join(dir, 'ref.json');
    writeFileSync(cPath, formatProfilesCsv(sampled.profiles));
    writeFileSync(
      vPath,
      formatCsv(
        ['time_s', 'voltage_V'],
        Array.from(sampled.profiles.timeS, (t, k) => [t, sampled.voltageV[k]]),
      ),
    );
    writeFileSync(
      dPath,
      formatCsv(
        ['concentration_mol_m3', 'D_m2_s'],
        cs.map((c) => [c, dLaw(c)]),
      ),
    );

    const repeats = 20;
    const input = {
      concentration: sampled.profiles,
      voltageV: sampled.voltageV,
      diffusion: diffusionLaw(table, 'log'),
      temperatureK: TEMPERATURE_K,
    };
    const session = new ReferenceSession(join(here, 'transport_drift_reference.py'), [
      '--serve',
      cPath,
      vPath,
      dPath,
      String(TEMPERATURE_K),
      String(repeats),
      outPath,
    ]);
    try {
      const c = await interleaved(
        `drift inversion, ${profiles} profiles × ${points} positions (mean of ${repeats} per run)`,
        {
          label: 'spincell driftVelocity',
          run: () => {
            const t0 = performance.now();
            let drift = driftVelocity(input);
            for (let r = 1; r < repeats; r++) drift = driftVelocity(input);
            return { seconds: (performance.now() - t0) / 1000 / repeats, drift };
          },
        },
        {
          label: 'numpy/scipy reference',
          run: () => session.request<{ seconds: number; max_abs_velocity_um_h: number }>({ repeats }),
        },
        { target: 1 },
      );
      const drift = c.lastA.drift;
      const refV = (
        JSON.parse(readFileSync(outPath, 'utf8')) as { velocity_um_h: number[][] }
      ).velocity_um_h.flat();
      let maxDiff = 0;
      for (let i = 0; i < refV.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs(drift.velocityUmPerH[i] - refV[i]));
      console.log(
        `  max |v|: ${Math.abs(drift.maximum.velocityUmPerH).toFixed(3)} vs ${c.lastB.max_abs_velocity_um_h.toFixed(3)} µm/h; largest point difference ${maxDiff.toExponential(2)} µm/h`,
      );
    } finally {
      session.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
