/**
 * What the store keeps for drawing: a manifest run of a simulated operando series (known lines) stores
 * each spectrum block-averaged for drawing, the morphology fit's Voigt widths and nuisance terms, and the
 * cycler record. Checked against the run's own numbers: the redrawn fit reproduces the spectrum with the
 * run's R², the redrawn lines' areas give the stored fractions, the stored record equals the file read
 * again, and block averaging keeps integrals and line positions.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareExperiment } from '../../src/demo/experiment.js';
import { readCyclerFile } from '../../src/io/cycler/index.js';
import { readManifest, runManifest } from '../../src/pipeline/index.js';
import { seriesFromRecords } from '../../src/echem/index.js';
import { lineProfile } from '../../src/fit/lineshapes.js';
import {
  drawnSpectra,
  exportTable,
  ProjectStore,
  readCyclerSeries,
  readSpectrum,
  runKey,
  storedAxisPpm,
  storedSpectrum,
  storeRun,
  thinMinMax,
} from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-drawing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('block-averaged spectra', () => {
  // a Lorentzian at 251.3 ppm on a 16k axis from 400 to −100 ppm
  const n = 16384;
  const ppm = Float64Array.from({ length: n }, (_, i) => 400 - (500 * i) / (n - 1));
  const re = lineProfile('lorentzian', ppm, [251.3, 1000, 2.5]);
  const s = storedSpectrum(ppm, re);

  it('keeps at most 4,096 points on a uniform axis spanning the spectrum', () => {
    expect(s.points).toBe(4096);
    expect(s.stride).toBe(4);
    const x = storedAxisPpm(s);
    const dx = (ppm[1] - ppm[0]) * 4;
    expect(x[1] - x[0]).toBeCloseTo(dx, 10);
    expect(s.ppmFirst).toBeCloseTo(400 - 1.5 * (500 / (n - 1)), 10);
  });

  it('keeps the integral and the line position', () => {
    const full = re.reduce((a, b) => a + b, 0) * (500 / (n - 1));
    const kept = s.intensity.reduce((a, b) => a + b, 0) * (500 / (n - 1)) * 4;
    expect(kept / full).toBeCloseTo(1, 5);
    const x = storedAxisPpm(s);
    let k = 0;
    for (let i = 1; i < s.points; i++) if (s.intensity[i] > s.intensity[k]) k = i;
    // parabolic vertex through the three highest stored points
    const [a, b, c] = [s.intensity[k - 1], s.intensity[k], s.intensity[k + 1]];
    const vertex = x[k] + ((x[1] - x[0]) * 0.5 * (a - c)) / (a - 2 * b + c);
    expect(Math.abs(vertex - 251.3)).toBeLessThan(0.01);
    expect(full).toBeGreaterThan(900); // the line lies inside the axis (area 1000 minus the far tails)
  });

  it('thins a record keeping every bucket’s extremes and the last row', () => {
    const y = Float64Array.from({ length: 100_000 }, (_, i) => Math.sin(i / 500) + (i === 54_321 ? 9 : 0));
    const keep = thinMinMax(y, 3000);
    expect(keep.length).toBeLessThanOrEqual(3001);
    expect(keep).toContain(54_321);
    expect(keep[keep.length - 1]).toBe(99_999);
    expect([...keep].sort((p, q) => p - q)).toEqual(keep);
  });
});

describe('a stored run draws what it computed', () => {
  let store: ProjectStore;
  let runId: number;
  let cyclerPath: string;
  beforeAll(() => {
    const exp = prepareExperiment(join(dir, 'exp'), { spectra: 5, sweeps: 2 });
    cyclerPath = exp.paths.cycler;
    const m = {
      version: 1,
      name: 'drawing',
      nmr: {
        path: 'exp/series',
        processing: { lbHz: 5, phase: 'auto', phaseMode: 'shared', baseline: 'auto', reference: 'metal:245' },
        regionsPpm: [[230, 290]],
        morphology: { mode: 'constrained', widthCap: 3 },
      },
      cycler: { path: 'exp/cycler.mpt', offsetS: 2, capacityMAh: 2 },
      output: { dir: 'out' },
    };
    const mp = join(dir, 'm.json');
    writeFileSync(mp, JSON.stringify(m));
    const manifest = readManifest(mp);
    const result = runManifest(manifest, { manifestPath: mp });
    store = ProjectStore.init(join(dir, 'proj'));
    runId = storeRun(store, {
      key: runKey(manifest, mp),
      cell: null,
      provenance: result.provenance,
      results: result.results,
      outputDir: result.outputDir,
    });
  }, 60_000);
  afterAll(() => store.close());

  it('keeps every spectrum', () => {
    expect(drawnSpectra(store, runId)).toEqual([0, 1, 2, 3, 4]);
  });

  it('redraws the morphology fit with the run’s R² and its fractions', () => {
    const morph = exportTable(store, 'morphology', { run: runId }).rows;
    for (const k of drawnSpectra(store, runId)) {
      const d = readSpectrum(store, runId, k);
      const fit = d.fit;
      expect(fit).not.toBeNull();
      if (!fit) continue;
      expect(fit.ppm.length).toBeGreaterThan(50);
      // the data under the redrawn model, from the stored (block-averaged) points of the fit window
      const x0 = d.ppm[0];
      const dx = d.ppm[1] - d.ppm[0];
      let ss = 0;
      let st = 0;
      let mean = 0;
      const ys = Array.from(fit.ppm, (x) => d.intensity[Math.round((x - x0) / dx)]);
      for (const y of ys) mean += y / ys.length;
      ys.forEach((y, i) => {
        ss += (y - fit.sum[i]) ** 2;
        st += (y - mean) ** 2;
      });
      const r2 = 1 - ss / st;
      const stored = morph.filter((r) => r.spectrum === k);
      expect(r2).toBeGreaterThan(0.9);
      // the redrawn model explains the drawn points as well as the fit explained its own (block
      // averaging changes the points a little, not the model)
      expect(Math.abs(r2 - Number(stored[0].r_squared))).toBeLessThan(0.01);
      // each line's area over a wide axis, as a fraction of all: the stored fraction
      const wide = Float64Array.from({ length: 40001 }, (_, i) => -1000 + i * 0.05 + 245);
      const areas = fit.parameters.map(
        (p) =>
          lineProfile('voigt', wide, [p.positionPpm, p.area, p.fwhmGPpm, p.fwhmLPpm]).reduce(
            (a, b) => a + b,
            0,
          ) * 0.05,
      );
      const total = areas.reduce((a, b) => a + b, 0);
      fit.parameters.forEach((p, i) => {
        expect(p.fwhmGPpm).toBeGreaterThanOrEqual(0);
        expect(Math.abs(areas[i] / total - Number(p.fraction))).toBeLessThan(0.01);
      });
    }
  });

  it('keeps the cycler record as the file holds it', () => {
    const series = seriesFromRecords(readCyclerFile(cyclerPath));
    const drawn = readCyclerSeries(store, runId, 1e9);
    expect(drawn).not.toBeNull();
    if (!drawn) return;
    expect(drawn.points).toBe(series.timeS.length);
    expect(Array.from(drawn.voltageV)).toEqual(Array.from(series.voltageV));
    expect(Array.from(drawn.currentMA)).toEqual(Array.from(series.currentMA));
    const thin = readCyclerSeries(store, runId, 300);
    expect(thin && thin.timeS.length).toBeLessThanOrEqual(301);
    expect(thin && Math.max(...thin.voltageV)).toBe(Math.max(...series.voltageV));
  });
});
