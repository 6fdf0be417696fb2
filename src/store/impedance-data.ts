/**
 * A run's impedance sweeps as the store keeps them (schema v5): the sweep list with each sweep's Lin-KK
 * verdict, resistances and cell state, one sweep's points with its Lin-KK residuals and DRT, and the DRT
 * map (sweep × τ). Runs stored before v5 have the sweep list but no drawn data (`hasData` false).
 */
import { UsageError } from '../core/errors.js';
import { float64FromBlob } from './spectrum-data.js';
import type { SweepData } from '../pipeline/impedance-data.js';
import type { ProjectStore } from './store.js';

export interface CellStateRow {
  /** The sweep's window on the cycler record's clock, s. */
  readonly startS: number;
  readonly endS: number;
  readonly midS: number;
  readonly status: string;
  readonly straddlesStep: boolean;
  readonly gap: boolean | null;
  readonly meanVoltageV: number | null;
  readonly meanCurrentMA: number | null;
  readonly chargeMidMAh: number | null;
  readonly cycle: number | null;
  readonly stepIndex: number | null;
  readonly stepType: string | null;
  readonly direction: string | null;
  readonly socPct: number | null;
}

export interface ImpedanceSweepRow {
  readonly sweep: number;
  /** Mid-sweep time from the start of the impedance series, s. */
  readonly timeS: number;
  readonly timeIso: string | null;
  readonly points: number;
  readonly kkMaxResidualPct: number | null;
  readonly kkPass: boolean;
  readonly rInfOhm: number | null;
  readonly polarizationOhm: number | null;
  readonly lambda: number | null;
  /** Resistance of each DRT window, in the order of `windows` of the list. */
  readonly windowOhm: (number | null)[];
  readonly state: CellStateRow | null;
  readonly hasData: boolean;
}

export interface ImpedanceList {
  readonly windows: { log10TauMin: number; log10TauMax: number }[];
  readonly sweeps: ImpedanceSweepRow[];
}

const bool = (v: unknown): boolean | null => (v === null || v === undefined ? null : v === 1);

/** Every impedance sweep of a run, in sweep order. */
export function impedanceSweeps(store: ProjectStore, runId: number): ImpedanceList {
  const { db } = store;
  const rows = db
    .prepare(
      `SELECT i.*, d.points AS data_points, a.start_s, a.end_s, a.status, a.straddles_step, a.gap, a.mean_voltage_v,
         a.mean_current_ma, a.charge_mid_mah, a.cycle, a.step_index, a.step_type, a.direction, a.soc_pct
       FROM impedance i
       LEFT JOIN impedance_data d ON d.run_id = i.run_id AND d.sweep = i.sweep
       LEFT JOIN impedance_alignment a ON a.run_id = i.run_id AND a.sweep = i.sweep
       WHERE i.run_id = ? ORDER BY i.sweep`,
    )
    .all(runId) as Record<string, unknown>[];
  const windowRows = db
    .prepare(
      `SELECT sweep, log10_tau_min, log10_tau_max, resistance_ohm FROM drt_windows WHERE run_id = ?
       ORDER BY sweep, log10_tau_min, log10_tau_max`,
    )
    .all(runId) as {
    sweep: number;
    log10_tau_min: number;
    log10_tau_max: number;
    resistance_ohm: number | null;
  }[];
  const windows: { log10TauMin: number; log10TauMax: number }[] = [];
  const key = (a: number, b: number) => `${a}:${b}`;
  const windowIndex = new Map<string, number>();
  for (const w of windowRows) {
    const k = key(w.log10_tau_min, w.log10_tau_max);
    if (!windowIndex.has(k)) {
      windowIndex.set(k, windows.length);
      windows.push({ log10TauMin: w.log10_tau_min, log10TauMax: w.log10_tau_max });
    }
  }
  const perSweep = new Map<number, (number | null)[]>();
  for (const w of windowRows) {
    const list = perSweep.get(w.sweep) ?? new Array<number | null>(windows.length).fill(null);
    list[windowIndex.get(key(w.log10_tau_min, w.log10_tau_max)) as number] = w.resistance_ohm;
    perSweep.set(w.sweep, list);
  }
  const sweeps = rows.map((r): ImpedanceSweepRow => {
    const sweep = r.sweep as number;
    const kkMax = r.kk_max_residual as number | null;
    return {
      sweep,
      timeS: r.time_s as number,
      timeIso: (r.time_iso as string | null) ?? null,
      points: r.points as number,
      kkMaxResidualPct: kkMax === null ? null : kkMax * 100,
      kkPass: r.kk_pass === 1,
      rInfOhm: r.r_inf_ohm as number | null,
      polarizationOhm: r.polarization_ohm as number | null,
      lambda: r.lambda as number | null,
      windowOhm: perSweep.get(sweep) ?? new Array<number | null>(windows.length).fill(null),
      hasData: r.data_points !== null && r.data_points !== undefined,
      state:
        r.start_s === null || r.start_s === undefined
          ? null
          : {
              startS: r.start_s as number,
              endS: r.end_s as number,
              midS: ((r.start_s as number) + (r.end_s as number)) / 2,
              status: r.status as string,
              straddlesStep: r.straddles_step === 1,
              gap: bool(r.gap),
              meanVoltageV: r.mean_voltage_v as number | null,
              meanCurrentMA: r.mean_current_ma as number | null,
              chargeMidMAh: r.charge_mid_mah as number | null,
              cycle: r.cycle as number | null,
              stepIndex: r.step_index as number | null,
              stepType: r.step_type as string | null,
              direction: r.direction as string | null,
              socPct: r.soc_pct as number | null,
            },
    };
  });
  return { windows, sweeps };
}

/** A stored sweep is the run's own SweepData, read back bit for bit. */
export type StoredSweep = SweepData;

interface DataRow {
  sweep: number;
  frequency_hz: Uint8Array;
  z_real_ohm: Uint8Array;
  z_imag_ohm: Uint8Array;
  kk_residual_real_pct: Uint8Array | null;
  kk_residual_imag_pct: Uint8Array | null;
  kk_threshold_pct: number | null;
  log10_tau_s: Uint8Array;
  gamma_ohm: Uint8Array;
}

const stored = (r: DataRow): StoredSweep => ({
  sweep: r.sweep,
  freqHz: float64FromBlob(r.frequency_hz),
  zReOhm: float64FromBlob(r.z_real_ohm),
  zImOhm: float64FromBlob(r.z_imag_ohm),
  kkResidualRePct: r.kk_residual_real_pct ? float64FromBlob(r.kk_residual_real_pct) : null,
  kkResidualImPct: r.kk_residual_imag_pct ? float64FromBlob(r.kk_residual_imag_pct) : null,
  kkThresholdPct: r.kk_threshold_pct,
  log10TauS: float64FromBlob(r.log10_tau_s),
  gammaOhm: float64FromBlob(r.gamma_ohm),
});

/** One sweep's points, Lin-KK residuals and DRT. */
export function readSweep(store: ProjectStore, runId: number, sweep: number): StoredSweep {
  const row = store.db
    .prepare('SELECT * FROM impedance_data WHERE run_id = ? AND sweep = ?')
    .get(runId, sweep) as DataRow | undefined;
  if (!row)
    throw new UsageError('no such impedance sweep in the run', {
      field: 'sweep',
      found: `run ${runId}, sweep ${sweep}`,
      expected: 'a sweep the run stored (runs stored before schema v5 keep no sweep data: run them again)',
    });
  return stored(row);
}

export interface DrtMap {
  /** log10 τ/s of the columns (the run's common grid). */
  readonly log10TauS: Float64Array;
  readonly sweeps: number[];
  /** Row-major sweeps × τ, Ω per unit ln τ. */
  readonly gammaOhm: Float64Array;
  /** Finite minimum and maximum of gammaOhm (0, 0 when empty). */
  readonly range: [number, number];
}

/** The DRT of every stored sweep on the common τ grid (sweeps whose grid differs are left out). */
export function drtMap(store: ProjectStore, runId: number): DrtMap {
  const rows = store.db
    .prepare('SELECT sweep, log10_tau_s, gamma_ohm FROM impedance_data WHERE run_id = ? ORDER BY sweep')
    .all(runId) as Pick<DataRow, 'sweep' | 'log10_tau_s' | 'gamma_ohm'>[];
  if (rows.length === 0)
    return { log10TauS: new Float64Array(0), sweeps: [], gammaOhm: new Float64Array(0), range: [0, 0] };
  const tau = float64FromBlob(rows[0].log10_tau_s);
  const kept = rows.filter((r) => Buffer.from(r.log10_tau_s).equals(Buffer.from(rows[0].log10_tau_s)));
  const gamma = new Float64Array(kept.length * tau.length);
  let lo = Infinity;
  let hi = -Infinity;
  kept.forEach((r, i) => {
    const g = float64FromBlob(r.gamma_ohm);
    gamma.set(g, i * tau.length);
    for (const v of g)
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
  });
  return {
    log10TauS: tau,
    sweeps: kept.map((r) => r.sweep),
    gammaOhm: gamma,
    range: Number.isFinite(lo) ? [lo, hi] : [0, 0],
  };
}
