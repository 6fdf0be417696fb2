/**
 * Schema v5's impedance data: what storeRun keeps of each sweep (points, Lin-KK residuals, DRT, cell
 * state) reads back equal — to the last bit — to the CSVs the same run wrote (impedance-points.csv,
 * drt.csv, impedance.csv, impedance-aligned.csv), and is consistent with the sweep summaries (the largest
 * residual is the Lin-KK verdict's; γ integrates over ln τ to the polarisation resistance). Live mode's
 * rewrite of a run's impedance rows takes the sweep data with it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drtMap, impedanceSweeps, ProjectStore, readSweep } from '../../src/store/index.js';
import { csvColumns, makeImpedanceFixture, numbers } from '../server/impedance-fixture.js';
import type { Fixture } from '../server/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-store-eis-'));
let fx: Fixture;
let store: ProjectStore;
const SWEEPS = 5;

beforeAll(() => {
  fx = makeImpedanceFixture(dir, 4, SWEEPS);
  store = ProjectStore.open(fx.projectDir);
}, 120_000);
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const out = (name: string) => csvColumns(readFileSync(join(dir, 'out', name), 'utf8'));

describe('impedance data in the store (schema v5)', () => {
  it('keeps every sweep’s points and Lin-KK residuals as impedance-points.csv has them', () => {
    const csv = out('impedance-points.csv');
    const sweep = numbers(csv, 'sweep');
    expect(new Set(sweep).size).toBe(SWEEPS);
    for (let k = 0; k < SWEEPS; k++) {
      const rows = sweep.map((s, i) => (s === k ? i : -1)).filter((i) => i >= 0);
      const pick = (name: string) => rows.map((i) => numbers(csv, name)[i]);
      const d = readSweep(store, fx.runId, k);
      expect(Array.from(d.freqHz)).toEqual(pick('frequency_hz'));
      expect(Array.from(d.zReOhm)).toEqual(pick('z_real_ohm'));
      expect(Array.from(d.zImOhm)).toEqual(pick('z_imag_ohm'));
      expect(Array.from(d.kkResidualRePct ?? [])).toEqual(pick('kk_residual_real_pct'));
      expect(Array.from(d.kkResidualImPct ?? [])).toEqual(pick('kk_residual_imag_pct'));
      // 100 kHz → 10 mHz at 8 points per decade (the simulated PEIS programme), capacitive arcs
      expect(d.freqHz.length).toBe(57);
      expect(d.freqHz[0]).toBeCloseTo(1e5, 6);
      expect(d.freqHz[d.freqHz.length - 1]).toBeCloseTo(1e-2, 9);
      expect(Math.min(...d.zImOhm)).toBeLessThan(0);
    }
  });

  it('the largest stored residual is the sweep’s Lin-KK verdict in impedance.csv', () => {
    const csv = out('impedance.csv');
    const list = impedanceSweeps(store, fx.runId);
    const maxCsv = numbers(csv, 'kk_max_residual');
    list.sweeps.forEach((s, k) => {
      const d = readSweep(store, fx.runId, k);
      const m = Math.max(
        ...Array.from(d.kkResidualRePct ?? [], Math.abs),
        ...Array.from(d.kkResidualImPct ?? [], Math.abs),
      );
      expect(m / 100).toBeCloseTo(maxCsv[k], 14);
      expect(s.kkMaxResidualPct).toBe(maxCsv[k] * 100);
      expect(s.kkPass).toBe(csv.get('kk_pass')?.[k] === 'true');
      expect(d.kkThresholdPct).toBeCloseTo(3, 12); // Lin-KK's default threshold (README: eis.kk)
    });
  });

  it('keeps each sweep’s DRT as drt.csv, integrating over ln τ to most of the polarisation resistance', () => {
    const csv = out('drt.csv');
    const summary = out('impedance.csv');
    const sweep = numbers(csv, 'sweep');
    const map = drtMap(store, fx.runId);
    expect(map.sweeps).toEqual(Array.from({ length: SWEEPS }, (_, k) => k));
    const n = map.log10TauS.length;
    expect(sweep.length).toBe(SWEEPS * n);
    for (let k = 0; k < SWEEPS; k++) {
      const rows = sweep.map((s, i) => (s === k ? i : -1)).filter((i) => i >= 0);
      const d = readSweep(store, fx.runId, k);
      expect(Array.from(d.log10TauS)).toEqual(rows.map((i) => numbers(csv, 'log10_tau_s')[i]));
      expect(Array.from(d.gammaOhm)).toEqual(rows.map((i) => numbers(csv, 'gamma_ohm')[i]));
      expect(Array.from(map.gammaOhm.subarray(k * n, (k + 1) * n))).toEqual(Array.from(d.gammaOhm));
      // trapezoid ∫ γ d ln τ on the fine grid vs the DRT's polarisation resistance (impedance.csv)
      let area = 0;
      for (let j = 1; j < n; j++)
        area += 0.5 * (d.gammaOhm[j] + d.gammaOhm[j - 1]) * (d.log10TauS[j] - d.log10TauS[j - 1]) * Math.LN10;
      // the drawn grid spans the measured τ range; the DRT's γ beyond it adds the rest (≈5 % here)
      const share = area / numbers(summary, 'polarization_ohm')[k];
      expect(share).toBeGreaterThan(0.9);
      expect(share).toBeLessThan(1 + 1e-9);
    }
  });

  it('keeps each sweep’s cell state as impedance-aligned.csv, and resistances as impedance.csv', () => {
    const csv = out('impedance-aligned.csv');
    const summary = out('impedance.csv');
    const list = impedanceSweeps(store, fx.runId);
    expect(list.windows).toEqual([{ log10TauMin: -4, log10TauMax: 0 }]);
    list.sweeps.forEach((s, k) => {
      expect(s.hasData).toBe(true);
      expect(s.state).not.toBeNull();
      expect(s.state?.startS).toBe(numbers(csv, 'record_start_s')[k]);
      expect(s.state?.endS).toBe(numbers(csv, 'record_end_s')[k]);
      expect(s.state?.meanVoltageV).toBe(numbers(csv, 'mean_voltage_v')[k]);
      expect(s.state?.meanCurrentMA).toBe(numbers(csv, 'mean_current_ma')[k]);
      expect(s.state?.chargeMidMAh).toBe(numbers(csv, 'charge_mid_mah')[k]);
      expect(s.state?.cycle).toBe(numbers(csv, 'cycle')[k]);
      expect(s.state?.stepIndex).toBe(numbers(csv, 'step_index')[k]);
      expect(s.state?.status).toBe(csv.get('status')?.[k]);
      expect(s.timeS).toBe(numbers(summary, 'time_s')[k]);
      expect(s.rInfOhm).toBe(numbers(summary, 'r_inf_ohm')[k]);
      expect(s.polarizationOhm).toBe(numbers(summary, 'polarization_ohm')[k]);
      expect(s.windowOhm).toEqual([numbers(summary, 'r_m4_0_ohm')[k]]);
    });
  });

  it('an unknown sweep is one line naming run and sweep', () => {
    expect(() => readSweep(store, fx.runId, 99)).toThrow(
      /no such impedance sweep in the run; found run \d+, sweep 99/,
    );
    expect(() => readSweep(store, fx.runId, 99)).not.toThrow(/\n/);
  });

  it('rewriting a run’s impedance rows (live mode) removes their sweep data and cell state', () => {
    const n = (t: string) =>
      (store.db.prepare(`SELECT count(*) AS n FROM ${t} WHERE run_id = ?`).get(fx.runId) as { n: number }).n;
    expect(n('impedance_data')).toBe(SWEEPS);
    expect(n('impedance_alignment')).toBe(SWEEPS);
    store.db.exec('SAVEPOINT rewrite');
    try {
      store.db.prepare('DELETE FROM impedance WHERE run_id = ?').run(fx.runId);
      expect(n('impedance_data')).toBe(0);
      expect(n('impedance_alignment')).toBe(0);
    } finally {
      store.db.exec('ROLLBACK TO rewrite; RELEASE rewrite');
    }
    expect(n('impedance_data')).toBe(SWEEPS);
  });
});
