/**
 * The workbench's electrochemistry view over a run's stored cycler record: the stored cycles table
 * (capacities, mAh cm⁻², CE, SOH), each step with its voltage onset (Thienenkamp et al. 2024) and
 * nucleation overpotential (Wichmann et al. 2025) as `spincell cycler` reports them, voltage against
 * capacity per half cycle, and dQ/dV of a cycle — all from the library's functions (src/echem,
 * src/pipeline/sections/cycler-steps.ts), thinned to the screen, with SVG exports.
 */
import type { FastifyInstance } from 'fastify';
import { UsageError } from '../core/errors.js';
import {
  analyseCycles,
  detectVoltageOnset,
  differentialCapacity,
  nucleationOverpotential,
  segmentSteps,
  type Cycle,
  type CyclerSeries,
  type Step,
} from '../echem/index.js';
import { DEFAULT_ONSET_MIN_RISE_V, stepSummaries } from '../pipeline/sections/cycler-steps.js';
import { linePlotSvg, panelsSvg } from '../report/index.js';
import { thinMinMax, type ProjectStore } from '../store/index.js';
import { id, runParams } from './schemas.js';

/** dQ/dV voltage bin, V (the library's default: `differentialCapacity`). */
export const DEFAULT_DQDV_BIN_V = 0.005;

export interface StoredCycle {
  cycle: number;
  startS: number;
  endS: number;
  chargeMAh: number;
  dischargeMAh: number;
  chargeMAhPerCm2: number | null;
  dischargeMAhPerCm2: number | null;
  coulombicEfficiency: number | null;
  stateOfHealth: number | null;
  complete: boolean;
}

/** The run's cycles as the pipeline stored them. */
export function storedCycles(store: ProjectStore, runId: number): StoredCycle[] {
  const rows = store.db.prepare('SELECT * FROM cycles WHERE run_id = ? ORDER BY cycle').all(runId) as Record<
    string,
    number | null
  >[];
  return rows.map((r) => ({
    cycle: r.cycle as number,
    startS: r.start_s as number,
    endS: r.end_s as number,
    chargeMAh: r.charge_mah as number,
    dischargeMAh: r.discharge_mah as number,
    chargeMAhPerCm2: r.charge_mah_cm2,
    dischargeMAhPerCm2: r.discharge_mah_cm2,
    coulombicEfficiency: r.coulombic_efficiency,
    stateOfHealth: r.state_of_health,
    complete: r.complete === 1,
  }));
}

interface CyclerSettings {
  areaCm2?: number;
  onsetMinRiseV: number;
}

function settingsOf(store: ProjectStore, runId: number): CyclerSettings {
  const m = store.runDetails(runId).manifest as {
    cycler?: { areaCm2?: number; steps?: boolean | { onsetMinRiseV?: number } };
  };
  const steps = m.cycler?.steps;
  return {
    areaCm2: m.cycler?.areaCm2,
    onsetMinRiseV: (typeof steps === 'object' ? steps.onsetMinRiseV : undefined) ?? DEFAULT_ONSET_MIN_RISE_V,
  };
}

export interface StepMarkers {
  step: number;
  cycle: number;
  type: string;
  direction: string;
  startS: number;
  endS: number;
  capacityMAh: number;
  meanCurrentMA: number;
  /** Voltage onset: time on the record's clock, s, the voltage there, V, and the rise, V. */
  onset: { timeS: number; stepTimeS: number; voltageV: number; riseV: number } | null;
  /** Nucleation overshoot at the start of plating: its time and voltage, the plateau, the overpotential. */
  nucleation: {
    timeS: number;
    stepTimeS: number;
    voltageV: number;
    plateauVoltageV: number;
    overpotentialV: number;
  } | null;
}

// Steps and cycles of a record, kept while the (cached) record object lives: every route needs them.
const analysed = new WeakMap<CyclerSeries, Map<string, { steps: Step[]; cycles: Cycle[] }>>();
function analysis(series: CyclerSeries, areaCm2: number | undefined) {
  const byArea = analysed.get(series) ?? new Map<string, { steps: Step[]; cycles: Cycle[] }>();
  analysed.set(series, byArea);
  const k = String(areaCm2);
  let a = byArea.get(k);
  if (!a) {
    const steps = segmentSteps(series);
    a = { steps, cycles: analyseCycles(steps, { areaCm2 }) };
    byArea.set(k, a);
  }
  return a;
}

/** Steps of the record with their onset and nucleation markers, as `spincell cycler` computes them. */
export function stepMarkers(store: ProjectStore, runId: number, series: CyclerSeries): StepMarkers[] {
  const s = settingsOf(store, runId);
  const { steps, cycles } = analysis(series, s.areaCm2);
  return stepSummaries(series, steps, cycles, s.onsetMinRiseV).map((x, k) => {
    const step = steps[k];
    let onset: StepMarkers['onset'] = null;
    if (x.onsetStepTimeS !== null) {
      const o = detectVoltageOnset(series, step, { minRiseV: s.onsetMinRiseV });
      if (o)
        onset = { timeS: o.timeS, stepTimeS: o.stepTimeS, voltageV: series.voltageV[o.row], riseV: o.riseV };
    }
    let nucleation: StepMarkers['nucleation'] = null;
    if (x.nucleationOverpotentialV !== null) {
      const n = nucleationOverpotential(series, step);
      nucleation = {
        timeS: step.startS + n.peakStepTimeS,
        stepTimeS: n.peakStepTimeS,
        voltageV: n.peakVoltageV,
        plateauVoltageV: n.plateauVoltageV,
        overpotentialV: n.overpotentialV,
      };
    }
    return {
      step: x.index,
      cycle: x.cycle,
      type: x.type,
      direction: x.sweep ?? x.direction,
      startS: x.startS,
      endS: x.endS,
      capacityMAh: x.capacityMAh,
      meanCurrentMA: x.meanCurrentMA,
      onset,
      nucleation,
    };
  });
}

/** The charge and the discharge steps of a cycle (cycle numbers as `analyseCycles` gives them), each half
 * that has steps. */
function halvesOf(series: CyclerSeries, store: ProjectStore, runId: number, cycle: number) {
  const { steps, cycles } = analysis(series, settingsOf(store, runId).areaCm2);
  const c = cycles.find((x) => x.number === cycle);
  if (!c) throw new UsageError(`run ${runId} has no such cycle`, { field: 'cycle', found: cycle });
  const inCycle = steps.slice(c.firstStep, c.lastStep + 1);
  return (['charge', 'discharge'] as const)
    .map((half) => ({ half, steps: inCycle.filter((x) => x.direction === half) as readonly Step[] }))
    .filter((h) => h.steps.length > 0);
}

export interface CapacityCurve {
  cycle: number;
  half: 'charge' | 'discharge';
  /** Charge passed since the start of the half, mAh. */
  capacityMAh: number[];
  voltageV: number[];
  timeS: number[];
}

/** Voltage against the capacity passed in each half of a cycle, thinned to about 3 points per pixel. */
export function capacityCurves(
  store: ProjectStore,
  runId: number,
  series: CyclerSeries,
  cycle: number,
  width: number,
): CapacityCurve[] {
  const out: CapacityCurve[] = [];
  for (const { half, steps } of halvesOf(series, store, runId, cycle)) {
    const cap: number[] = [];
    const v: number[] = [];
    const t: number[] = [];
    let q = 0;
    for (const st of steps) {
      for (let i = st.startRow; i <= st.endRow; i++) {
        if (i > st.startRow) q += Math.abs(series.chargeMAh[i] - series.chargeMAh[i - 1]);
        cap.push(q);
        v.push(series.voltageV[i]);
        t.push(series.timeS[i]);
      }
    }
    const keep = thinMinMax(v, Math.max(16, 3 * width));
    out.push({
      cycle,
      half,
      capacityMAh: keep.map((k) => cap[k]),
      voltageV: keep.map((k) => v[k]),
      timeS: keep.map((k) => t[k]),
    });
  }
  return out;
}

export interface DqDvCurve {
  cycle: number;
  half: 'charge' | 'discharge';
  binV: number;
  /** Bins before thinning. */
  bins: number;
  voltageV: number[];
  dqdvMAhPerV: number[];
}

/** dQ/dV of each half of a cycle (`differentialCapacity` over the half's rows), thinned to the screen. */
export function dqdvCurves(
  store: ProjectStore,
  runId: number,
  series: CyclerSeries,
  cycle: number,
  binV: number,
  width: number,
): DqDvCurve[] {
  const out: DqDvCurve[] = [];
  for (const { half, steps } of halvesOf(series, store, runId, cycle)) {
    const first = steps[0].startRow;
    const last = steps[steps.length - 1].endRow;
    if (last <= first) continue;
    const d = differentialCapacity(series, first, last, binV);
    const keep = thinMinMax(d.dqdvMAhPerV, Math.max(16, 3 * width));
    out.push({
      cycle,
      half,
      binV,
      bins: d.voltageV.length,
      voltageV: keep.map((k) => d.voltageV[k]),
      dqdvMAhPerV: keep.map((k) => d.dqdvMAhPerV[k]),
    });
  }
  return out;
}

const cycleList = { type: 'string', pattern: '^[0-9]{1,6}(,[0-9]{1,6}){0,49}$' } as const;
const width = { type: 'integer', minimum: 16, maximum: 8192, default: 800 } as const;
const binV = { type: 'number', minimum: 1e-5, maximum: 1, default: DEFAULT_DQDV_BIN_V } as const;

export interface EchemDeps {
  readonly store: ProjectStore;
  /** The run's whole cycler record (cached), or null. */
  readonly cyclerOf: (runId: number) => CyclerSeries | null;
}

const FIGURE_NAMES = ['cycles', 'capacity', 'dqdv'] as const;

/** Registers the electrochemistry routes on the workbench's server. */
export function registerEchem(app: FastifyInstance, deps: EchemDeps): void {
  const { store } = deps;
  const seriesOf = (run: number): CyclerSeries => {
    store.requireRun(run);
    const s = deps.cyclerOf(run);
    if (!s) throw new UsageError(`no such cycler record: run ${run} has none`);
    return s;
  };
  const cyclesOf = (q: string) => q.split(',').map(Number);

  app.get('/api/runs/:run/cycles', { schema: { params: runParams } }, async (req) => {
    const { run } = req.params as { run: number };
    store.requireRun(run);
    const series = deps.cyclerOf(run);
    return {
      run,
      cycles: storedCycles(store, run),
      steps: series ? stepMarkers(store, run, series) : [],
      settings: settingsOf(store, run),
    };
  });

  app.get(
    '/api/runs/:run/dqdv',
    {
      schema: {
        params: runParams,
        querystring: {
          type: 'object',
          required: ['cycle'],
          additionalProperties: false,
          properties: { cycle: cycleList, binV, width },
        },
      },
    },
    async (req) => {
      const { run } = req.params as { run: number };
      const q = req.query as { cycle: string; binV: number; width: number };
      const series = seriesOf(run);
      return {
        run,
        binV: q.binV,
        curves: cyclesOf(q.cycle).flatMap((c) => dqdvCurves(store, run, series, c, q.binV, q.width)),
      };
    },
  );

  app.get(
    '/api/runs/:run/capacity-curves',
    {
      schema: {
        params: runParams,
        querystring: {
          type: 'object',
          required: ['cycle'],
          additionalProperties: false,
          properties: { cycle: cycleList, width },
        },
      },
    },
    async (req) => {
      const { run } = req.params as { run: number };
      const q = req.query as { cycle: string; width: number };
      const series = seriesOf(run);
      return {
        run,
        curves: cyclesOf(q.cycle).flatMap((c) => capacityCurves(store, run, series, c, q.width)),
      };
    },
  );

  app.get(
    '/api/runs/:run/echem-figures/:figure',
    {
      schema: {
        params: {
          type: 'object',
          required: ['run', 'figure'],
          additionalProperties: false,
          properties: { run: id, figure: { type: 'string', enum: FIGURE_NAMES.map((f) => `${f}.svg`) } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { cycle: cycleList, binV },
        },
      },
    },
    async (req, reply) => {
      const { run, figure } = req.params as { run: number; figure: string };
      const q = req.query as { cycle?: string; binV: number };
      const name = figure.replace(/\.svg$/, '');
      const svg = echemFigure(store, run, name, q.cycle ? cyclesOf(q.cycle) : [], q.binV, seriesOf);
      return reply
        .type('image/svg+xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="run${run}-${name}.svg"`)
        .send(svg);
    },
  );
}

function echemFigure(
  store: ProjectStore,
  run: number,
  name: string,
  cycles: number[],
  bin: number,
  seriesOf: (run: number) => CyclerSeries,
): string {
  if (name === 'cycles') {
    store.requireRun(run);
    const rows = storedCycles(store, run).filter((c) => c.cycle > 0);
    const pick = (f: (c: StoredCycle) => number | null) =>
      rows.filter((c) => f(c) !== null).map((c) => [c.cycle, f(c) as number]);
    const line = (label: string, f: (c: StoredCycle) => number | null) => {
      const p = pick(f);
      return { label, x: p.map((a) => a[0]), y: p.map((a) => a[1]), style: 'line+points' as const };
    };
    const pct = (v: number | null) => (v === null ? null : 100 * v);
    return panelsSvg({
      title: `Run ${run}: capacity, CE and SOH per cycle`,
      width: 760,
      height: 520,
      xLabel: 'Cycle',
      panels: [
        {
          yLabel: 'Capacity / mAh',
          series: [line('charge', (c) => c.chargeMAh), line('discharge', (c) => c.dischargeMAh)],
        },
        {
          yLabel: 'CE, SOH / %',
          series: [line('CE', (c) => pct(c.coulombicEfficiency)), line('SOH', (c) => pct(c.stateOfHealth))],
        },
      ],
    });
  }
  if (cycles.length === 0) throw new UsageError('no cycle chosen', { field: 'cycle', expected: 'e.g. 1,2' });
  const series = seriesOf(run);
  if (name === 'capacity') {
    const curves = cycles.flatMap((c) => capacityCurves(store, run, series, c, 1200));
    return linePlotSvg({
      title: `Run ${run}: voltage against capacity`,
      width: 760,
      height: 420,
      xLabel: 'Capacity / mAh',
      yLabel: 'Voltage / V',
      series: curves.map((c) => ({ label: `cycle ${c.cycle} ${c.half}`, x: c.capacityMAh, y: c.voltageV })),
    });
  }
  const curves = cycles.flatMap((c) => dqdvCurves(store, run, series, c, bin, 1200));
  return linePlotSvg({
    title: `Run ${run}: dQ/dV (bin ${bin * 1000} mV)`,
    width: 760,
    height: 420,
    xLabel: 'Voltage / V',
    yLabel: 'dQ/dV / mAh V⁻¹',
    // a constant-voltage half puts its charge in one or two bins: points, else it would not show
    series: curves.map((c) => ({
      label: `cycle ${c.cycle} ${c.half}`,
      x: c.voltageV,
      y: c.dqdvMAhPerV,
      style: c.voltageV.length < 3 ? ('line+points' as const) : ('line' as const),
    })),
  });
}
