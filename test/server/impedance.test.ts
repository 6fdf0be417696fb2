/**
 * The workbench's impedance routes over a project with dynamic EIS (test/server/impedance-fixture.ts):
 * each sweep's points equal the impedance-points.csv and its DRT the drt.csv that the same `spincell run`
 * wrote; the DRT map's rows are those sweeps' γ; unknown runs and sweeps are a one-line 404.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type Workbench } from '../../src/server/index.js';
import { ProjectStore } from '../../src/store/index.js';
import { csvColumns, makeImpedanceFixture, numbers } from './impedance-fixture.js';
import type { Fixture } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-eis-routes-'));
const SWEEPS = 3;
let fx: Fixture;
let store: ProjectStore;
let wb: Workbench;
const H = { host: '127.0.0.1:80' };

beforeAll(() => {
  fx = makeImpedanceFixture(dir, 4, SWEEPS);
  store = ProjectStore.open(fx.projectDir);
  wb = buildServer({ store, port: 80, webDir: join(dir, 'no-web'), pollMs: 100 });
}, 120_000);
afterAll(async () => {
  await wb.app.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = async (url: string) => {
  const r = await wb.app.inject({ method: 'GET', url, headers: H });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> };
};
const out = (name: string) => csvColumns(readFileSync(join(dir, 'out', name), 'utf8'));
const rowsOf = (sweep: number[], k: number) => sweep.map((s, i) => (s === k ? i : -1)).filter((i) => i >= 0);

describe('impedance routes', () => {
  it('lists every sweep the run wrote, with its Lin-KK verdict from impedance.csv', async () => {
    const { status, body } = await get(`/api/runs/${fx.runId}/impedance`);
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
      const { status, body } = await get(`/api/runs/${fx.runId}/impedance/${k}`);
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
    const { status, body } = await get(`/api/runs/${fx.runId}/drt-map`);
    expect(status).toBe(200);
    expect(body.sweeps).toEqual(Array.from({ length: SWEEPS }, (_, k) => k));
    const rows = body.gammaOhm as number[][];
    for (let k = 0; k < SWEEPS; k++) {
      const one = await get(`/api/runs/${fx.runId}/impedance/${k}`);
      expect(rows[k]).toEqual(one.body.gammaOhm);
    }
  });

  it('an unknown sweep or run is a one-line 404', async () => {
    for (const url of [`/api/runs/${fx.runId}/impedance/99`, `/api/runs/9999/impedance`]) {
      const r = await wb.app.inject({ method: 'GET', url, headers: H });
      expect(r.statusCode).toBe(404);
      expect(r.body.split('\n')).toHaveLength(1);
    }
  });
});
