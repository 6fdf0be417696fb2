/**
 * A virtual anode-free cell (Cu‖NMC-type) cycled with the Wichmann et al. 2025 protocol, with known lithium
 * bookkeeping, for validating src/protocols/dead-lithium.ts.
 *
 * Inventory (mAh): accessible lithium in the cathode A, reversible metal R and dead metal D on the copper,
 * lithium bound in interphases S. A + R + D + S stays equal to the first charge capacity. Per cycle n:
 *   charge       the cathode gives up all its accessible lithium: Q_ch = A; s_n of it forms interphase (SEI +
 *                CEI), the rest plates: R += Q_ch − s_n;
 *   CC discharge d_n of the plated metal becomes electronically isolated (R → D); the discharge stops,
 *                kinetically limited, with x_n reversible metal left on the copper: Q_dis = R − d_n − x_n;
 *   CV discharge strips the excess x_n back into the cathode: A = Q_dis + x_n, R = 0.
 * Hence at the discharged state Q_ch,1 = Q_dis,n + x_n + D_n + S_n: the allocation the protocol recovers.
 *
 * The spectrometer sees metal through a sensitivity k (integral units per mAh) divided by the cathode-state
 * calibration factor (the factor the analysis multiplies by undoes the intensity lost at 0 % SOC).
 * Optional Gaussian noise on the integrals, seeded.
 */
import { DataError, ParameterError } from '../core/errors.js';
import type { CyclerRecords, RecordColumn } from '../io/cycler/types.js';
import type { CycleCapacities, IntegralRow, SocFactors } from '../protocols/dead-lithium.js';
import { createRng } from './random.js';

/** A per-cycle quantity: constant, one value per cycle (index 0 = cycle 1), or a function of the cycle number. */
export type PerCycle = number | readonly number[] | ((cycle: number) => number);

export interface AnodeFreeOptions {
  cycles: number;
  /** Accessible lithium in the cathode = first charge capacity, mAh. */
  initialChargeMAh: number;
  /** Lithium bound in new interphase per cycle (s_n), mAh. */
  interphaseLossMAh: PerCycle;
  /** Metal becoming dead per cycle (d_n), mAh. */
  deadFormationMAh: PerCycle;
  /** Reversible metal left after the CC discharge (x_n), mAh. */
  excessMAh: PerCycle;
  /** Integral units per mAh of metal (default 1000). */
  sensitivity?: number;
  /** Calibration factors the analysis applies; the simulated spectra lose 1/factor (default unit factors). */
  socFactors?: SocFactors;
  /** Cycles with spectra (default all). */
  measuredCycles?: readonly number[];
  /** Gaussian noise on every integral: σ absolute (integral units) and/or relative to the integral. */
  noise?: { absolute?: number; relative?: number; seed?: number };
}

export interface AnodeFreeCycleTruth {
  readonly cycle: number;
  readonly chargeMAh: number;
  readonly dischargeMAh: number;
  readonly cvDischargeMAh: number;
  /** Metal on the copper in each state, mAh. */
  readonly chargedMetalMAh: number;
  readonly dischargedMetalMAh: number;
  readonly afterCvMetalMAh: number;
  /** The allocation of the first charge capacity (cumulative), mAh. */
  readonly reversibleMAh: number;
  readonly excessMAh: number;
  readonly deadMAh: number;
  readonly interphaseMAh: number;
}

export interface AnodeFreeSimulation {
  readonly truth: AnodeFreeCycleTruth[];
  readonly integrals: IntegralRow[];
  readonly capacities: CycleCapacities[];
  /** mAh per integral unit the protocol should find (1/k). */
  readonly conversionMAhPerIntegral: number;
}

function valueAt(p: PerCycle, cycle: number, name: string): number {
  const v = typeof p === 'number' ? p : typeof p === 'function' ? p(cycle) : p[cycle - 1];
  if (!(Number.isFinite(v) && v >= 0))
    throw new ParameterError('per-cycle quantity must be a non-negative number', {
      field: `${name}[cycle ${cycle}]`,
      found: v,
      expected: '≥ 0 mAh',
    });
  return v;
}

export function simulateAnodeFreeCell(options: AnodeFreeOptions): AnodeFreeSimulation {
  const { cycles } = options;
  if (!(Number.isInteger(cycles) && cycles >= 1))
    throw new ParameterError('cycles must be a positive integer', {
      field: 'cycles',
      found: cycles,
      expected: '≥ 1',
    });
  if (!(options.initialChargeMAh > 0))
    throw new ParameterError('initial charge must be positive', {
      field: 'initialChargeMAh',
      found: options.initialChargeMAh,
      expected: '> 0 mAh',
    });
  const k = options.sensitivity ?? 1000;
  if (!(k > 0))
    throw new ParameterError('sensitivity must be positive', {
      field: 'sensitivity',
      found: k,
      expected: '> 0',
    });
  const f = options.socFactors ?? { charged: 1, discharged: 1, afterCv: 1 };
  const measured = new Set(options.measuredCycles ?? Array.from({ length: cycles }, (_, i) => i + 1));
  const rng = createRng(options.noise?.seed ?? 1);
  const noisy = (v: number) =>
    v + (options.noise?.absolute ?? 0) * rng.normal() + (options.noise?.relative ?? 0) * v * rng.normal();
  let cathode = options.initialChargeMAh;
  let dead = 0;
  let interphase = 0;
  const truth: AnodeFreeCycleTruth[] = [];
  const integrals: IntegralRow[] = [];
  const capacities: CycleCapacities[] = [];
  for (let n = 1; n <= cycles; n++) {
    const s = valueAt(options.interphaseLossMAh, n, 'interphaseLossMAh');
    const d = valueAt(options.deadFormationMAh, n, 'deadFormationMAh');
    const x = valueAt(options.excessMAh, n, 'excessMAh');
    const charge = cathode;
    const plated = charge - s;
    const chargedMetal = plated + dead;
    const discharge = plated - d - x;
    if (!(discharge > 0)) {
      throw new DataError('the virtual cell has no reversible lithium left', {
        field: `cycle ${n}`,
        found: `${discharge} mAh CC discharge`,
        expected: 'losses smaller than the charge',
      });
    }
    dead += d;
    interphase += s;
    cathode = discharge + x;
    const t: AnodeFreeCycleTruth = {
      cycle: n,
      chargeMAh: charge,
      dischargeMAh: discharge,
      cvDischargeMAh: x,
      chargedMetalMAh: chargedMetal,
      dischargedMetalMAh: x + dead,
      afterCvMetalMAh: dead,
      reversibleMAh: discharge,
      excessMAh: x,
      deadMAh: dead,
      interphaseMAh: interphase,
    };
    truth.push(t);
    capacities.push({ cycle: n, chargeMAh: charge, dischargeMAh: discharge, cvDischargeMAh: x });
    if (measured.has(n)) {
      integrals.push({ cycle: n, state: 'charged', integral: noisy((k * t.chargedMetalMAh) / f.charged) });
      integrals.push({
        cycle: n,
        state: 'discharged',
        integral: noisy((k * t.dischargedMetalMAh) / f.discharged),
      });
      integrals.push({ cycle: n, state: 'after_cv', integral: noisy((k * t.afterCvMetalMAh) / f.afterCv) });
    }
  }
  return { truth, integrals, capacities, conversionMAhPerIntegral: 1 / k };
}

export interface AnodeFreeCyclerOptions {
  /** CC charge and discharge currents, mA (defaults 0.4 and 0.6: Wichmann et al.'s (2025) current densities on 1 cm²). */
  chargeCurrentMA?: number;
  dischargeCurrentMA?: number;
  /** Time constant of the CV current decay, h (default 1); the CV lasts 6 time constants. */
  cvTauH?: number;
  /** Logging interval, s (default 600). */
  sampleIntervalS?: number;
}

/**
 * The cycler record of the simulation (EC-Lab sign convention, I > 0 charges the cell): an initial rest,
 * then per cycle CC charge, rest, CC discharge, CV discharge at 3.0 V, rest. Columns carry the instrument
 * mode (1 CC, 2 CV, 3 rest) and step number; the charge column is exact at every logged point.
 */
export function anodeFreeCyclerRecords(
  sim: AnodeFreeSimulation,
  options: AnodeFreeCyclerOptions = {},
): CyclerRecords {
  const iCh = options.chargeCurrentMA ?? 0.4;
  const iDis = options.dischargeCurrentMA ?? 0.6;
  const tau = (options.cvTauH ?? 1) * 3600;
  const dt = options.sampleIntervalS ?? 600;
  const cols = {
    mode: [] as number[],
    step: [] as number[],
    time: [] as number[],
    v: [] as number[],
    i: [] as number[],
    q: [] as number[],
  };
  let t = 0;
  let q = 0;
  let step = 0;
  const push = (mode: number, time: number, v: number, i: number, charge: number) => {
    cols.mode.push(mode);
    cols.step.push(step);
    cols.time.push(time);
    cols.v.push(v);
    cols.i.push(i);
    cols.q.push(charge);
  };
  /** One step of `duration` s: `at(τ)` gives [voltage, current, charge passed since the step began]. */
  const run = (mode: number, duration: number, at: (tau: number) => [number, number, number]) => {
    const n = Math.max(1, Math.ceil(duration / dt - 1e-9));
    for (let j = 0; j <= n; j++) {
      const u = j === n ? duration : j * dt;
      const [v, i, dq] = at(u);
      push(mode, t + u, v, i, q + dq);
    }
    t += duration;
    q += at(duration)[2];
    step++;
  };
  const rest = (v: number) => run(3, 3600, () => [v, 0, 0]);
  rest(3.0);
  for (const c of sim.truth) {
    const tCh = (c.chargeMAh / iCh) * 3600;
    run(1, tCh, (u) => [3.6 + (0.6 * u) / tCh, iCh, (iCh * u) / 3600]);
    rest(4.2);
    const tDis = (c.dischargeMAh / iDis) * 3600;
    run(1, tDis, (u) => [4.1 - (1.1 * u) / tDis, -iDis, (-iDis * u) / 3600]);
    const T = 6 * tau;
    const i0 = c.cvDischargeMAh / ((tau / 3600) * (1 - Math.exp(-T / tau)));
    run(2, T, (u) => [3.0, -i0 * Math.exp(-u / tau), -i0 * (tau / 3600) * (1 - Math.exp(-u / tau))]);
    rest(3.2);
  }
  const col = (key: string, original: string, unit: string | null, values: number[]): RecordColumn => ({
    key,
    original,
    unit,
    values: Float64Array.from(values),
  });
  return {
    source: 'virtual anode-free cycler',
    format: 'simulated',
    technique: 'MB',
    startLocal: '2026-01-15T08:00:00',
    startMs: Date.UTC(2026, 0, 15, 8),
    timezone: 'UTC',
    rowCount: cols.time.length,
    columns: [
      col('mode', 'mode', null, cols.mode),
      col('step', 'Ns', null, cols.step),
      col('time_s', 'time/s', 's', cols.time),
      col('voltage_V', 'Ewe/V', 'V', cols.v),
      col('current_mA', '<I>/mA', 'mA', cols.i),
      col('charge_mAh', '(Q-Qo)/mA.h', 'mA.h', cols.q),
    ],
    warnings: [],
    meta: { electrodeArea: '1 cm²' },
  };
}
