/**
 * Constrained three-Voigt morphology fit (Wichmann et al. 2025 windows beside NMC622, width cap 4 ppm) of 1,000
 * synthetic ⁷Li spectra with known truth: spincell's bounded Levenberg–Marquardt against
 * scipy.optimize.least_squares (trf, analytic Jacobian, x_scale='jac'), same spectra, bounds, start values
 * and tolerances, interleaved (bench/harness.ts) with file I/O excluded.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileModel, fitModel } from '../src/fit/model.js';
import { lineProfile } from '../src/fit/lineshapes.js';
import { constrainedMorphologyModel } from '../src/protocols/morphology.js';
import { ReferenceSession, interleaved } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const COUNT = 1000;
const TOLERANCE = 1e-8;

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

/** JSON has no infinities; numpy parses these strings. */
const jsonBound = (v: number): number | string => (v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v);

export default async function run(): Promise<void> {
  const spec = constrainedMorphologyModel({ paramagneticCathode: true, widthCapPpm: 4 });
  const model = compileModel(spec);
  const n = 1024;
  const axis = Float64Array.from({ length: n }, (_, i) => 300 - (100 * i) / (n - 1));
  const u = rng(2026);
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const spectra = new Float64Array(COUNT * n);
  const truthAreas: number[][] = [];
  for (let s = 0; s < COUNT; s++) {
    const y = spectra.subarray(s * n, (s + 1) * n);
    const areas = [400 + 400 * u(), 100 + 300 * u(), 30 + 150 * u()];
    truthAreas.push(areas);
    [245.5, 255.5, 265.5].forEach((centre, k) => {
      const line = lineProfile('voigt', axis, [
        centre + 2 * (u() - 0.5),
        areas[k],
        1.5 + 1.5 * u(),
        0.5 + u(),
      ]);
      for (let i = 0; i < n; i++) y[i] += line[i];
    });
    for (let i = 0; i < n; i++) y[i] += 0.5 * gauss();
  }
  // One start for every spectrum: window centres, mid-range widths, a common area guess.
  const start = Float64Array.from(model.parameterNames, (name, j) => {
    if (name.endsWith('.position')) return model.initial[j];
    if (name.endsWith('.area')) return 300;
    return model.initial[j];
  });
  const starts = new Float64Array(COUNT * start.length);
  for (let s = 0; s < COUNT; s++) starts.set(start, s * start.length);

  const fitted = new Float64Array(COUNT * start.length);
  let evaluations = 0;
  const spincellPass = () => {
    evaluations = 0;
    const t0 = performance.now();
    for (let s = 0; s < COUNT; s++) {
      const r = fitModel(model, axis, spectra.subarray(s * n, (s + 1) * n), { start, tolerance: TOLERANCE });
      fitted.set(r.parameters, s * start.length);
      evaluations += r.evaluations;
    }
    return { seconds: (performance.now() - t0) / 1000 };
  };

  const dir = mkdtempSync(join(tmpdir(), 'spincell-fit-bench-'));
  let maxRel = NaN;
  let scipyEvaluations = NaN;
  try {
    writeFileSync(join(dir, 'axis.f64'), Buffer.from(axis.buffer));
    writeFileSync(join(dir, 'spectra.f64'), Buffer.from(spectra.buffer));
    writeFileSync(join(dir, 'start.f64'), Buffer.from(starts.buffer));
    const request = {
      axisFile: join(dir, 'axis.f64'),
      spectraFile: join(dir, 'spectra.f64'),
      startFile: join(dir, 'start.f64'),
      count: COUNT,
      windowPpm: [Math.min(...spec.windowPpm!), Math.max(...spec.windowPpm!)],
      lower: Array.from(model.lower, jsonBound),
      upper: Array.from(model.upper, jsonBound),
      tolerance: TOLERANCE,
    };
    writeFileSync(join(dir, 'request.json'), JSON.stringify(request));
    const session = new ReferenceSession(join(here, 'ref', 'fit_scipy.py'), [
      '--serve',
      join(dir, 'request.json'),
    ]);
    type Ref = { seconds: number; parameters: number[][]; meanEvaluations: number };
    let ref: Ref;
    try {
      console.log(
        `spectra: ${COUNT} × ${n} points (fit window ${spec.windowPpm!.join('–')} ppm), 3 Voigt lines, 12 parameters, tolerance ${TOLERANCE}; single thread, file I/O excluded`,
      );
      const c = await interleaved(
        `${COUNT} constrained 3-Voigt fits`,
        { label: 'spincell fitModel', run: spincellPass },
        { label: 'scipy least_squares (trf)', run: () => session.request<Ref>({}) },
        { rounds: 3 },
      );
      ref = c.lastB;
    } finally {
      session.close();
    }
    scipyEvaluations = ref.meanEvaluations;
    maxRel = 0;
    for (let s = 0; s < COUNT; s++) {
      for (let j = 0; j < start.length; j++) {
        if (!model.parameterNames[j].endsWith('.area')) continue;
        const a = fitted[s * start.length + j];
        const b = ref.parameters[s][j];
        maxRel = Math.max(maxRel, Math.abs(a - b) / Math.max(Math.abs(b), 1));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  let areaErr = 0;
  for (let s = 0; s < COUNT; s++) {
    for (let k = 0; k < 3; k++)
      areaErr = Math.max(areaErr, Math.abs(fitted[s * start.length + 4 * k + 1] / truthAreas[s][k] - 1));
  }
  console.log(
    `  evaluations per fit: spincell ${(evaluations / COUNT).toFixed(1)}, scipy ${scipyEvaluations.toFixed(1)}`,
  );
  console.log(
    `max relative area difference spincell vs scipy: ${maxRel.toExponential(2)}; max area error vs truth: ${(areaErr * 100).toFixed(2)} %`,
  );
}
