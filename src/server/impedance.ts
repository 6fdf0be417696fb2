/**
 * The workbench's impedance routes (schema v5 data, src/store/impedance-data.ts): a run's sweep list with
 * time, cell state, Lin-KK verdict and resistances; one sweep's points (the list carries its summary), Lin-KK residuals and DRT; and the
 * DRT map (sweep × log10 τ) with each sweep's time on the series clock and, when aligned, the cycler's.
 * Unknown runs and sweeps are 404 with one line (the app's error handler maps "no such" to 404).
 */
import type { FastifyInstance } from 'fastify';
import { drtMap, impedanceSweeps, readSweep, type ProjectStore } from '../store/index.js';
import { runItemParams, runParams } from './schemas.js';

const sweepParams = runItemParams('sweep');

const list = (a: Float64Array | null): (number | null)[] | null =>
  a ? Array.from(a, (v) => (Number.isFinite(v) ? v : null)) : null;

export function registerImpedanceRoutes(app: FastifyInstance, store: ProjectStore): void {
  app.get('/api/runs/:run/impedance', { schema: { params: runParams } }, async (req) => {
    const { run } = req.params as { run: number };
    store.requireRun(run);
    return impedanceSweeps(store, run);
  });

  app.get('/api/runs/:run/impedance/:sweep', { schema: { params: sweepParams } }, async (req) => {
    const { run, sweep } = req.params as { run: number; sweep: number };
    store.requireRun(run);
    const d = readSweep(store, run, sweep);
    return {
      sweep,
      freqHz: list(d.freqHz),
      zReOhm: list(d.zReOhm),
      zImOhm: list(d.zImOhm),
      kkResidualRePct: list(d.kkResidualRePct),
      kkResidualImPct: list(d.kkResidualImPct),
      kkThresholdPct: d.kkThresholdPct,
      log10TauS: list(d.log10TauS),
      gammaOhm: list(d.gammaOhm),
    };
  });

  app.get('/api/runs/:run/drt-map', { schema: { params: runParams } }, async (req) => {
    const { run } = req.params as { run: number };
    store.requireRun(run);
    const map = drtMap(store, run);
    const bySweep = new Map(impedanceSweeps(store, run).sweeps.map((s) => [s.sweep, s]));
    const n = map.log10TauS.length;
    return {
      log10TauS: list(map.log10TauS),
      sweeps: map.sweeps,
      timeS: map.sweeps.map((k) => bySweep.get(k)?.timeS ?? null),
      recordMidS: map.sweeps.map((k) => bySweep.get(k)?.state?.midS ?? null),
      gammaOhm: map.sweeps.map((_, i) => list(map.gammaOhm.subarray(i * n, (i + 1) * n))),
      range: map.range,
    };
  });
}
