/**
 * What the workbench's views need from the store, shaped for the browser: the campaign overview, a run's
 * timeline (each spectrum's window on the cycler clock with the cell state, integrals and morphology
 * fractions), the cycler record of a time window thinned to the screen, and the record's steps and holes.
 */
import { findRecordGaps, segmentSteps, type CyclerSeries } from '../echem/index.js';
import { metalWindowPpm } from '../pipeline/processing.js';
import { readCyclerSeries, thinMinMax, type ProjectStore } from '../store/index.js';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The region of a run's integrals that holds the metal line (⁷Li/⁶Li or ²³Na), else its first region. */
export function metalRegion(regions: { region: string; from_ppm: number; to_ppm: number }[]): string | null {
  const windows = ['7Li', '23Na'].map((n) => metalWindowPpm(n)).filter((w) => w !== undefined);
  for (const r of regions) {
    const mid = (r.from_ppm + r.to_ppm) / 2;
    if (windows.some((w) => mid >= Math.min(...w) && mid <= Math.max(...w))) return r.region;
  }
  return regions[0]?.region ?? null;
}

function regionsOf(store: ProjectStore, runId: number) {
  return store.db
    .prepare(
      `SELECT region, from_ppm, to_ppm FROM integrals WHERE run_id = ?
       AND spectrum = (SELECT min(spectrum) FROM integrals WHERE run_id = ?)`,
    )
    .all(runId, runId) as { region: string; from_ppm: number; to_ppm: number }[];
}

/** Evenly spaced picks of at most `n` values (a sparkline). */
function sparkline(values: (number | null)[], n = 48): (number | null)[] {
  if (values.length <= n) return values;
  return Array.from({ length: n }, (_, k) => values[Math.round((k * (values.length - 1)) / (n - 1))]);
}

export interface OverviewRun {
  id: number;
  status: string;
  storedAt: string;
  updatedAt: string | null;
  progress: string | null;
  spectra: number;
  lastSpectrumIso: string | null;
  cycles: number;
  metalRegion: string | null;
  metalSparkline: (number | null)[];
}

export function overview(store: ProjectStore) {
  const runs = store.db
    .prepare(
      `SELECT r.id, r.experiment_id, r.status, r.stored_at, r.updated_at, r.progress, r.error,
         (SELECT count(*) FROM spectra s WHERE s.run_id = r.id) AS spectra,
         (SELECT max(end_iso) FROM spectra s WHERE s.run_id = r.id) AS last_iso,
         (SELECT count(*) FROM cycles c WHERE c.run_id = r.id) AS cycles
       FROM runs r ORDER BY r.id`,
    )
    .all() as {
    id: number;
    experiment_id: number;
    status: string;
    stored_at: string;
    updated_at: string | null;
    progress: string | null;
    error: string | null;
    spectra: number;
    last_iso: string | null;
    cycles: number;
  }[];
  const experiments = store.db
    .prepare(
      `SELECT e.id, e.name, e.kind, e.manifest_path, e.cell_id, l.name AS cell, c.name AS campaign
       FROM experiments e LEFT JOIN cells l ON l.id = e.cell_id LEFT JOIN campaigns c ON c.id = l.campaign_id
       ORDER BY c.name, l.name, e.id`,
    )
    .all() as {
    id: number;
    name: string;
    kind: string;
    manifest_path: string;
    cell_id: number | null;
    cell: string | null;
    campaign: string | null;
  }[];
  const integral = store.db.prepare(
    'SELECT value FROM integrals WHERE run_id = ? AND region = ? ORDER BY spectrum',
  );
  const runsOf = (experimentId: number) =>
    runs
      .filter((r) => r.experiment_id === experimentId)
      .map((r): OverviewRun & { error: string | null } => {
        const region = metalRegion(regionsOf(store, r.id));
        const values = region
          ? (integral.all(r.id, region) as { value: number | null }[]).map((v) => num(v.value))
          : [];
        return {
          id: r.id,
          status: r.status,
          error: r.error,
          storedAt: r.stored_at,
          updatedAt: r.updated_at,
          progress: r.progress,
          spectra: r.spectra,
          lastSpectrumIso: r.last_iso,
          cycles: r.cycles,
          metalRegion: region,
          metalSparkline: sparkline(values),
        };
      });
  const campaigns = new Map<
    string,
    { name: string; cells: Map<string, { name: string; experiments: unknown[] }> }
  >();
  for (const e of experiments) {
    const cname = e.campaign ?? '(no campaign)';
    const campaign = campaigns.get(cname) ?? { name: cname, cells: new Map() };
    campaigns.set(cname, campaign);
    const lname = e.cell ?? '(no cell)';
    const cell = campaign.cells.get(lname) ?? { name: lname, experiments: [] };
    campaign.cells.set(lname, cell);
    cell.experiments.push({
      id: e.id,
      name: e.name,
      kind: e.kind,
      manifestPath: e.manifest_path,
      runs: runsOf(e.id),
    });
  }
  return {
    project: store.dir,
    campaigns: [...campaigns.values()].map((c) => ({ name: c.name, cells: [...c.cells.values()] })),
  };
}

export interface TimelineSpectrum {
  spectrum: number;
  startS: number;
  endS: number;
  voltageV: number | null;
  currentMA: number | null;
  chargeMAh: number | null;
  cycle: number | null;
  step: number | null;
  stepType: string | null;
  gap: boolean;
  phase: { mode: string; ph0Deg: number | null; ph1Deg: number | null; pivotPpm: number | null };
  hasFit: boolean;
  drawn: boolean;
}

/** Per spectrum of the run: its window (cycler clock when aligned), cell state, integrals and fractions. */
export function timeline(store: ProjectStore, runId: number) {
  const spectra = store.db
    .prepare(
      `SELECT s.spectrum, s.time_s, s.start_iso, s.end_iso, s.phase_mode, s.ph0_deg, s.ph1_deg, s.pivot_ppm,
         a.start_s, a.end_s, a.mean_voltage_v, a.mean_current_ma, a.charge_mid_mah, a.cycle, a.step_index,
         a.step_type, a.gap, d.fit_json IS NOT NULL AS has_fit, d.spectrum IS NOT NULL AS drawn
       FROM spectra s LEFT JOIN alignment a ON a.run_id = s.run_id AND a.spectrum = s.spectrum
       LEFT JOIN spectrum_data d ON d.run_id = s.run_id AND d.spectrum = s.spectrum
       WHERE s.run_id = ? ORDER BY s.spectrum`,
    )
    .all(runId) as Record<string, unknown>[];
  const aligned = spectra.length > 0 && spectra.every((s) => num(s.start_s) !== null);
  const t0Ms = spectra.length ? Date.parse(String(spectra[0].start_iso)) : 0;
  const rows: TimelineSpectrum[] = spectra.map((s) => {
    const startS = aligned ? (s.start_s as number) : (Date.parse(String(s.start_iso)) - t0Ms) / 1000;
    const endS = aligned ? (s.end_s as number) : (Date.parse(String(s.end_iso)) - t0Ms) / 1000;
    return {
      spectrum: s.spectrum as number,
      startS,
      endS,
      voltageV: num(s.mean_voltage_v),
      currentMA: num(s.mean_current_ma),
      chargeMAh: num(s.charge_mid_mah),
      cycle: num(s.cycle),
      step: num(s.step_index),
      stepType: typeof s.step_type === 'string' ? s.step_type : null,
      gap: s.gap === 1,
      phase: {
        mode: String(s.phase_mode),
        ph0Deg: num(s.ph0_deg),
        ph1Deg: num(s.ph1_deg),
        pivotPpm: num(s.pivot_ppm),
      },
      hasFit: s.has_fit === 1,
      drawn: s.drawn === 1,
    };
  });
  const index = new Map(rows.map((r, i) => [r.spectrum, i]));
  const regions = regionsOf(store, runId);
  const integrals: Record<string, (number | null)[]> = {};
  for (const r of regions) integrals[r.region] = rows.map(() => null);
  for (const v of store.db
    .prepare('SELECT spectrum, region, value FROM integrals WHERE run_id = ?')
    .all(runId) as { spectrum: number; region: string; value: number | null }[]) {
    const i = index.get(v.spectrum);
    if (i !== undefined && integrals[v.region]) integrals[v.region][i] = num(v.value);
  }
  const morph = store.db
    .prepare(
      `SELECT spectrum, component_index, component, fraction, fraction_stderr, error FROM morphology
       WHERE run_id = ? ORDER BY spectrum, component_index`,
    )
    .all(runId) as {
    spectrum: number;
    component_index: number;
    component: string | null;
    fraction: number | null;
    fraction_stderr: number | null;
    error: string | null;
  }[];
  const components = [...new Set(morph.filter((m) => m.component).map((m) => m.component as string))];
  const fractions: Record<string, (number | null)[]> = {};
  const fractionStdErr: Record<string, (number | null)[]> = {};
  for (const c of components) {
    fractions[c] = rows.map(() => null);
    fractionStdErr[c] = rows.map(() => null);
  }
  const fitErrors: Record<number, string> = {};
  for (const m of morph) {
    const i = index.get(m.spectrum);
    if (i === undefined) continue;
    if (m.error) fitErrors[m.spectrum] = m.error;
    if (!m.component) continue;
    fractions[m.component][i] = num(m.fraction);
    fractionStdErr[m.component][i] = num(m.fraction_stderr);
  }
  const cycles = store.db
    .prepare('SELECT cycle, start_s, end_s FROM cycles WHERE run_id = ? ORDER BY cycle')
    .all(runId) as { cycle: number; start_s: number; end_s: number }[];
  return {
    run: runId,
    clock: aligned ? 'cycler' : 'spectra',
    spectra: rows,
    regions,
    metalRegion: metalRegion(regions),
    integrals,
    components,
    fractions,
    fractionStdErr,
    fitErrors,
    cycles: cycles.map((c) => ({ cycle: c.cycle, startS: c.start_s, endS: c.end_s })),
  };
}

/** The run's whole cycler record (cached by the caller), or null. */
export function fullCyclerSeries(store: ProjectStore, runId: number): CyclerSeries | null {
  const s = readCyclerSeries(store, runId, Number.MAX_SAFE_INTEGER);
  return s
    ? {
        source: s.source,
        startMs: s.startMs,
        warnings: [],
        timeS: s.timeS,
        voltageV: s.voltageV,
        currentMA: s.currentMA,
        chargeMAh: s.chargeMAh,
      }
    : null;
}

/** Steps (boundaries) and record holes of a cycler record, on its clock. */
export function recordStructure(series: CyclerSeries) {
  let steps: { startS: number; endS: number; type: string; direction: string }[] = [];
  try {
    steps = segmentSteps(series).map((s) => ({
      startS: s.startS,
      endS: s.endS,
      type: s.type,
      direction: s.direction,
    }));
  } catch {
    steps = [];
  }
  const gaps = findRecordGaps(series).map((g) => ({ startS: g.startS, endS: g.endS }));
  return { steps, gaps };
}

/** The record inside [t0, t1] (default: all), thinned to about 3 rows per pixel of `width`. */
export function cyclerWindow(series: CyclerSeries, width: number, t0?: number, t1?: number) {
  const t = series.timeS;
  let lo = 0;
  let hi = t.length;
  if (t0 !== undefined) while (lo < hi && t[lo] < t0) lo++;
  if (t1 !== undefined) while (hi > lo && t[hi - 1] > t1) hi--;
  // one row either side, so lines run to the window's edges
  lo = Math.max(0, lo - 1);
  hi = Math.min(t.length, hi + 1);
  const v = series.voltageV.subarray(lo, hi);
  const keep = thinMinMax(v, Math.max(16, 3 * Math.floor(width)));
  const pick = (a: Float64Array) => keep.map((k) => a[lo + k]);
  return {
    points: t.length,
    timeS: pick(series.timeS),
    voltageV: pick(series.voltageV),
    currentMA: pick(series.currentMA),
    chargeMAh: pick(series.chargeMAh),
  };
}
