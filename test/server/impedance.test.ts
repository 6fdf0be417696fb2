/**
 * The workbench's impedance routes over a project with dynamic EIS (test/server/impedance-fixture.ts):
 * each sweep's points equal the impedance-points.csv and its DRT the drt.csv that the same `spincell run`
 * wrote; the DRT map's rows are those sweeps' γ; unknown runs and sweeps are a one-line 404.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvColumns, makeImpedanceFixture, numbers } from './impedance-fixture.js';
import { serveFixture } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-eis-routes-'));
const SWEEPS = 3;
const served = serveFixture(dir, (d) => makeImpedanceFixture(d, 4, SWEEPS));
const get = (url: string) => served.get(url);
const out = (name: string) => csvColumns(readFileSync(join(dir, 'out', name), 'utf8'));
const rowsOf = (sweep: number[], k: number) => sweep.map((s, i) => (s === k ? i : -1)).filter((i) => i >= 0);

describe('impedance routes', () => {
  it('lists every sweep the run wrote, with its Lin-KK verdict from impedance.csv', async () => {
    const { status, body } = await get(`/api/runs/${served.fx.runId}/impedance`);
    expect(status).toBe(200);
    const sweeps = body.sweeps as { sweep: number; kkPass: boolean }[];
    const csv = out('impedance.csv');
    expect(sweeps.map((s) => s.sweep)).toEqual(numbers(csv, 'sweep'));
    expect(sweeps.map((s) => String(s.kkPass))).toEqual(csv.get('kk_pass'));
  });

  it('one sweep: points, residuals and DRT as the run’s CSVs have them', async () => {
    const points = out('impedance-points.csv');
    const drt = out('drt.csv');
    for (let k = 0; k < SWEEPS; k++) {
      const { status, body } = await get(`/api/runs/${served.fx.runId}/impedance/${k}`);
      expect(status).toBe(200);
      const p = rowsOf(numbers(points, 'sweep'), k);
      expect(body.freqHz).toEqual(p.map((i) => numbers(points, 'frequency_hz')[i]));
      expect(body.zReOhm).toEqual(p.map((i) => numbers(points, 'z_real_ohm')[i]));
      expect(body.zImOhm).toEqual(p.map((i) => numbers(points, 'z_imag_ohm')[i]));
      expect(body.kkResidualRePct).toEqual(p.map((i) => numbers(points, 'kk_residual_real_pct')[i]));
      const d = rowsOf(numbers(drt, 'sweep'), k);
      const gammaColumn = [...drt.keys()].find((h) => h.startsWith('gamma'));
      expect(gammaColumn).toBeDefined();
      expect(body.gammaOhm).toEqual(d.map((i) => numbers(drt, gammaColumn as string)[i]));
    }
  });

  it('the DRT map: one row per sweep, each the sweep’s own γ', async () => {
    const { status, body } = await get(`/api/runs/${served.fx.runId}/drt-map`);
    expect(status).toBe(200);
    expect(body.sweeps).toEqual(Array.from({ length: SWEEPS }, (_, k) => k));
    const rows = body.gammaOhm as number[][];
    for (let k = 0; k < SWEEPS; k++) {
      const one = await get(`/api/runs/${served.fx.runId}/impedance/${k}`);
      expect(rows[k]).toEqual(one.body.gammaOhm);
    }
  });

  it('an unknown sweep or run is a one-line 404', async () => {
    for (const url of [`/api/runs/${served.fx.runId}/impedance/99`, `/api/runs/9999/impedance`]) {
      const r = await served.wb.app.inject({ method: 'GET', url, headers: { host: '127.0.0.1:80' } });
      expect(r.statusCode).toBe(404);
      expect(r.body.split('\n')).toHaveLength(1);
    }
  });
});
