/**
 * The demo run, the road a user takes: simulate the cells into files (src/demo/experiment.ts,
 * anode-free.ts, src/sim/mri.ts, src/sim/pfg.ts), write one manifest per cell (src/demo/manifests.ts), run
 * each with the pipeline (`spincell run MANIFEST --project DIR`: runManifest, then the project store), and
 * hold every number the runs computed against the simulated truth. The reports are the runs' own
 * report.html. `runDemo` returns the printed lines and the deviations, so tests can hold them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { stageTimer } from '../cli/commands/project.js';
import { writeCsv } from '../io/csv/index.js';
import { writeFileAtomic } from '../io/fs.js';
import { formatManifest, runManifest, type Manifest, type RunResult } from '../pipeline/index.js';
import type { MorphologySeriesRow } from '../protocols/index.js';
import { writeDriftExperiment, type DriftTruth } from '../sim/mri.js';
import { writePfgExperiment, type PfgTruth } from '../sim/pfg.js';
import type { OperandoTruth } from '../sim/index.js';
import { findCachedRun, ProjectStore, runKey, storeRun, type CellInfo } from '../store/index.js';
import { ANODE_FREE, prepareAnodeFreeCell, trueDeadTrend, type AnodeFreeCell } from './anode-free.js';
import {
  DEMO_SEED,
  INTERPHASE_WINDOW,
  prepareExperiment,
  trueWindowResistanceOhm,
  type Experiment,
} from './experiment.js';
import { demoManifests, METAL_REGION, PFG_TIMING } from './manifests.js';
import { DEMO_CAMPAIGN, demoLayout } from './paths.js';
import { strippableMAh, trueCycles, trueNucleationV } from './truth.js';

export interface DemoOptions {
  /** Folder for the simulated files, the manifests, the runs and the project. */
  outDir: string;
  /** Small experiment (12 spectra, 6 impedance sweeps) for quick checks. */
  small?: boolean;
}

/** How far each result is from the simulated truth. */
export interface DemoDeviations {
  spectra: number;
  /** Metal integral relative to the first spectrum vs true metal inventory relative to the first, max %. */
  metalSignalPct: number;
  /** Metal left on the electrode after the final strip, NMR vs truth, %. */
  metalLeftPct: number;
  /** Spectra whose acquisition window lies inside the cycler record. */
  alignedInside: number;
  /** Charge at every spectrum's mid-time from the aligned cycler record vs truth: max |ΔQ| as % of max |Q|. */
  alignedChargePct: number;
  /** Per-cycle plated and stripped capacity vs truth, max %. */
  capacityPct: number;
  /** Coulombic efficiency vs truth, max |Δ| in percentage points. */
  coulombicEfficiencyPts: number;
  /** Nucleation overpotential of every plating step vs the cell's parameter, max |Δ| in mV. */
  nucleationMV: number;
  /** Voltage onset of the first strip vs the time its strippable deposit ran out, |Δ| in s (Infinity: none found). */
  onsetS: number;
  kkPassed: number;
  kkTotal: number;
  /** R∞ from the DRT vs the cell's ohmic resistance, max %. */
  rInfPct: number;
  /** DRT resistance of −4 < log10 τ < 0 vs its true value, max %. */
  interphasePct: number;
  /** Dense/mossy/dendritic fractions vs truth over the series, max |Δ| in percentage points. */
  morphologyPts: number;
  /** Spectra whose morphology fit failed. */
  morphologyFailed: number;
  /** Anode-free cell: dead metal after the last measured cycle vs truth, %. */
  deadLithiumPct: number;
  /** Anode-free cell: excess metal after the last measured cycle vs truth, |Δ| in mAh. */
  excessLithiumMAh: number;
  /** Anode-free cell: interphase share of the initial charge after the last measured cycle vs truth, |Δ| in percentage points. */
  interphasePts: number;
  /** Anode-free cell: slope of cumulative dead metal vs cycle against the same fit of the true values, %. */
  deadSlopePct: number;
  /** The same difference in units of the fitted slope's standard error. */
  deadSlopeSigma: number;
  /** MRI: largest |v| of the interior profiles vs the true one, %. */
  driftMaxPct: number;
  /** MRI: every v(x, t) vs truth, max |Δ| as % of the true maximum. */
  driftWorstPct: number;
  /** PFG: fitted D vs the simulated D, %. */
  pfgDPct: number;
}

export interface SummaryRow {
  readonly quantity: string;
  readonly spincell: string;
  readonly truth: string;
  readonly deviation: string;
}

/** One of the demo's manifest runs and where the project keeps it. */
export interface DemoRun {
  readonly manifestPath: string;
  readonly manifest: Manifest;
  readonly result: RunResult;
  readonly report: string;
  /** Stored run id in the demo project. */
  readonly runId: number;
  /** The project already held a run with the same inputs and settings (nothing new stored). */
  readonly cacheHit: boolean;
}

export interface DemoResult {
  readonly lines: string[];
  readonly summary: SummaryRow[];
  readonly deviations: DemoDeviations;
  readonly experiment: Experiment;
  readonly anodeFree: AnodeFreeCell;
  readonly runs: { readonly liLi: DemoRun; readonly anodeFree: DemoRun; readonly transport: DemoRun };
  /** The demo's project folder (spincell.db). */
  readonly projectDir: string;
  /** summary.csv and the three report.html files. */
  readonly outputs: string[];
}

/** A path as a user would type it: relative below the working directory, absolute elsewhere. */
function show(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

const pct = (x: number, digits = 2) => `${x.toFixed(digits)} %`;
const mv = (v: number) => `${(1000 * v).toFixed(1)} mV`;
const ohm = (v: number) => `${v.toFixed(1)} Ω`;
const maxOf = (values: Iterable<number>) => Math.max(0, ...values);
const MORPHOLOGY_NAMES = ['dense', 'mossy', 'dendritic'] as const;
type Fractions = [number, number, number];

/** Plain-text table: first column left-aligned, the others right-aligned. */
function table(headers: string[], rows: string[][], indent = ''): string[] {
  const widths = headers.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)];
}

function readJson<T>(path: string, format: string): T | null {
  try {
    const t = JSON.parse(readFileSync(path, 'utf8')) as T & { format?: string; seed?: number };
    return t.format === format && t.seed === DEMO_SEED ? t : null;
  } catch {
    return null;
  }
}

/** The polymer cell's MRI profiles and PFG series, simulated unless already there with the demo's seed. */
function prepareTransport(layout: ReturnType<typeof demoLayout>): {
  mri: DriftTruth;
  pfg: PfgTruth;
  simulated: boolean;
} {
  let simulated = false;
  let mri = readJson<DriftTruth>(join(layout.mri, 'truth.json'), 'spincell-mri-truth');
  if (!mri || !existsSync(join(layout.mri, 'profiles.csv'))) {
    mri = writeDriftExperiment(layout.mri, { noise: 0.002, coilSensitivity: true, seed: DEMO_SEED }).truth;
    simulated = true;
  }
  let pfg = readJson<PfgTruth>(join(layout.pfg, 'truth.json'), 'spincell-pfg-truth');
  if (!pfg || !existsSync(join(layout.pfg, 'bruker', 'ser'))) {
    pfg = writePfgExperiment(layout.pfg, { seed: DEMO_SEED }).truth;
    simulated = true;
  }
  return { mri, pfg, simulated };
}

/** `spincell run MANIFEST --project DIR --campaign demo --cell CELL`, as a library call. */
function runInProject(
  store: ProjectStore,
  cellName: string,
  info: CellInfo,
  manifestPath: string,
  manifest: Manifest,
): DemoRun {
  writeFileAtomic(manifestPath, formatManifest(manifest));
  const cell = store.cell(DEMO_CAMPAIGN, cellName) ?? store.addCell(DEMO_CAMPAIGN, cellName, info);
  const key = runKey(manifest, manifestPath);
  const cached = findCachedRun(store, key, cell);
  const timer = stageTimer();
  // The demo compares the numbers with the truth, so it computes them even when the project has them.
  const result = runManifest(manifest, {
    manifestPath,
    force: true,
    hashedInputs: key.inputs,
    onProgress: timer.onProgress,
  });
  const timings = timer.timings();
  const runId =
    cached?.id ??
    storeRun(store, {
      key,
      cell,
      provenance: result.provenance,
      results: result.results,
      outputDir: result.outputDir,
      timings,
    });
  return {
    manifestPath,
    manifest,
    result,
    report: join(result.outputDir, 'report.html'),
    runId,
    cacheHit: cached !== null,
  };
}

function fittedFractions(row: MorphologySeriesRow): Fractions | null {
  const r = row.result;
  if (!r) return null;
  const f = MORPHOLOGY_NAMES.map((name) => r.components.find((c) => c.morphology === name)?.fraction ?? NaN);
  return [f[0], f[1], f[2]];
}

/** True fractions by morphology window, as the simulator records them (dense = pristine + dense, mossy = mossy + dead). */
function trueFractions(t: OperandoTruth['spectra'][number]): Fractions {
  const w = t.morphologyTruth;
  return [w.dense.fraction, w.mossy.fraction, w.dendritic.fraction];
}

export function runDemo(options: DemoOptions): DemoResult {
  const clock = [performance.now()];
  const lap = () => (
    clock.push(performance.now()),
    (clock[clock.length - 1] - clock[clock.length - 2]) / 1000
  );
  const layout = demoLayout(options.outDir);
  const experiment = prepareExperiment(options.outDir, options.small ? { spectra: 12, sweeps: 6 } : {});
  const anodeFree = prepareAnodeFreeCell(options.outDir);
  const transport = prepareTransport(layout);
  const tSimulate = lap();

  const manifests = demoManifests(layout, experiment.paths, anodeFree.paths, transport.mri);
  const store = ProjectStore.init(layout.project);
  let runs: DemoResult['runs'];
  const times: number[] = [];
  try {
    const liLi = runInProject(
      store,
      'Li-Li',
      {
        chemistry: 'Li||Li',
        electrolyte: 'virtual liquid electrolyte',
        areaCm2: experiment.cell.params.areaCm2,
      },
      layout.manifests.liLi,
      manifests.liLi,
    );
    times.push(lap());
    const af = runInProject(
      store,
      'Cu-NMC622',
      { chemistry: 'Cu||NMC622 anode-free', areaCm2: ANODE_FREE.areaCm2 },
      layout.manifests.anodeFree,
      manifests.anodeFree,
    );
    times.push(lap());
    const tr = runInProject(
      store,
      'polymer',
      { chemistry: 'Li||Li', electrolyte: 'virtual polymer electrolyte (19F anion)' },
      layout.manifests.transport,
      manifests.transport,
    );
    times.push(lap());
    runs = { liLi, anodeFree: af, transport: tr };
  } finally {
    store.close();
  }

  const { truth, cell } = experiment;
  const r = runs.liLi.result.results;
  const nmr = r.nmr!;
  const aligned = r.aligned!;
  const eis = r.eis!;
  const steps = r.sections!.steps!;

  // ── NMR vs truth ─────────────────────────────────────────────────────────────────────────────────
  const metal = nmr.rows.map((row) => row.integrals[0]);
  const n = metal.length;
  const metalRel = metal.map((m) => m / metal[0]);
  const trueMetalRel = truth.spectra.map((s) => s.metalArea / truth.spectra[0].metalArea);
  const metalDev = metalRel.map((x, i) => (100 * Math.abs(x - trueMetalRel[i])) / trueMetalRel[i]);
  const worstSpectrum = metalDev.indexOf(maxOf(metalDev));
  // The first spectrum sees only the pristine electrode's skin-depth layer, whose lithium is known
  // (cell.params.pristineMAh): it turns the integrals into mAh-equivalents.
  const pristineMAh = cell.params.pristineMAh;
  const metalLeftMAh = (metalRel[n - 1] - 1) * pristineMAh;
  const trueMetalLeftMAh = truth.spectra[n - 1].cell.metalMAh - pristineMAh;

  const trueCharge = truth.spectra.map((s) => -s.cell.chargeMAh); // cycler sign: plating is I < 0
  const maxCharge = maxOf(trueCharge.map(Math.abs));
  const chargeErrMAh = maxOf(aligned.map((a, i) => Math.abs((a.chargeMidMAh ?? NaN) - trueCharge[i])));
  const inside = aligned.filter((a) => a.status === 'inside').length;
  const straddling = aligned.filter((a) => a.straddlesStep).length;

  const fitted = nmr.morphology!.map(fittedFractions);
  const truthFractions = truth.spectra.map(trueFractions);
  const morphologyPts = maxOf(
    fitted.flatMap((f, i) => (f ? f.map((x, k) => 100 * Math.abs(x - truthFractions[i][k])) : [])),
  );
  const morphologyFailed = fitted.filter((f) => f === null).length;

  // ── Cycler vs truth ──────────────────────────────────────────────────────────────────────────────
  const cycleTruth = trueCycles(cell);
  // A Li‖Li test starts by plating onto the working electrode: the instrument's discharge (I < 0).
  const cycles = r
    .cycler!.cycles.filter((c) => c.number > 0)
    .map((c) => {
      const t = cycleTruth.get(c.number) ?? { plated: NaN, stripped: NaN };
      return {
        number: c.number,
        platedMAh: c.dischargeMAh,
        strippedMAh: c.chargeMAh,
        coulombicEfficiency: c.coulombicEfficiency ?? NaN,
        truePlatedMAh: t.plated,
        trueStrippedMAh: t.stripped,
        trueCoulombicEfficiency: t.stripped / t.plated,
      };
    });
  const plating = steps.filter((s) => s.type === 'cc' && s.direction === 'discharge');
  const nucleation = plating.map((s) => ({
    measuredV: s.nucleationOverpotentialV ?? NaN,
    trueV: trueNucleationV(cell, s.startS),
  }));
  const strip = steps.find((s) => s.type === 'cc' && s.direction === 'charge');
  const stripCurrentMA = strip ? Math.abs(strip.meanCurrentMA) : NaN;
  const reversibleMAh = strip ? strippableMAh(cell, strip.startS) : NaN;
  const exhaustedStepS = (reversibleMAh * 3600) / stripCurrentMA;
  const onsetS = strip?.onsetStepTimeS ?? null;

  // ── Impedance vs truth ──────────────────────────────────────────────────────────────────────────
  const d = eis.deis;
  const sweeps = eis.sweeps.length;
  const sweepS = eis.sweeps.map((s) =>
    s.timeMs !== undefined ? (s.timeMs - truth.protocolStartMs) / 1000 : s.timeS,
  );
  const windowOhm = d.windows[0].resistanceOhm;
  const trueWindowOhm = sweepS.map((t) => trueWindowResistanceOhm(cell, t));
  const kkPassed = d.kkPass.filter(Boolean).length;

  // ── Anode-free cell vs truth ────────────────────────────────────────────────────────────────────
  const dl = runs.anodeFree.result.results.sections!.deadLithium!.result;
  const afLast = dl.cycles[dl.cycles.length - 1];
  const afTruth = anodeFree.truth.cycles[afLast.cycle - 1];
  const afInitial = anodeFree.truth.cycles[0].chargeMAh;
  const trueInterphasePct = (100 * afTruth.interphaseMAh) / afInitial;
  const deadTrend = dl.trends.deadMAh;
  const trueSlope = trueDeadTrend(
    anodeFree.truth,
    dl.cycles.map((c) => c.cycle),
  ).slope;
  const slopeErr = deadTrend ? deadTrend.slope - trueSlope : NaN;

  // ── Mass transport vs truth ─────────────────────────────────────────────────────────────────────
  const sections = runs.transport.result.results.sections!;
  const drift = sections.drift!.drift;
  const mri = transport.mri;
  const nx = drift.xUm.length;
  const interior = mri.velocityUmPerH.slice(1, -1).flat();
  const trueInteriorMax = interior.reduce((a, v) => (Math.abs(v) > Math.abs(a) ? v : a), 0);
  const trueMax = Math.abs(mri.maximumVelocityUmPerH);
  let driftWorst = 0;
  for (let k = 0; k < drift.timeS.length; k++)
    for (let i = 0; i < nx; i++)
      driftWorst = Math.max(
        driftWorst,
        Math.abs(drift.velocityUmPerH[k * nx + i] - mri.velocityUmPerH[k][i]),
      );
  const pfgFit = sections.pfg!.fit;
  const pfgD = pfgFit.dM2PerS[0];
  const trueD = transport.pfg.dM2PerS[0];

  const deviations: DemoDeviations = {
    spectra: n,
    metalSignalPct: metalDev[worstSpectrum],
    metalLeftPct: (100 * Math.abs(metalLeftMAh - trueMetalLeftMAh)) / trueMetalLeftMAh,
    alignedInside: inside,
    alignedChargePct: (100 * chargeErrMAh) / maxCharge,
    capacityPct: maxOf(
      cycles.flatMap((c) => [
        (100 * Math.abs(c.platedMAh - c.truePlatedMAh)) / c.truePlatedMAh,
        (100 * Math.abs(c.strippedMAh - c.trueStrippedMAh)) / c.trueStrippedMAh,
      ]),
    ),
    coulombicEfficiencyPts: maxOf(
      cycles.map((c) => 100 * Math.abs(c.coulombicEfficiency - c.trueCoulombicEfficiency)),
    ),
    nucleationMV: maxOf(nucleation.map((x) => 1000 * Math.abs(x.measuredV - x.trueV))),
    onsetS: onsetS !== null ? Math.abs(onsetS - exhaustedStepS) : Infinity,
    kkPassed,
    kkTotal: sweeps,
    rInfPct: maxOf(
      Array.from(
        d.rInfOhm,
        (x) => (100 * Math.abs(x - cell.params.resistanceOhm)) / cell.params.resistanceOhm,
      ),
    ),
    interphasePct: maxOf(
      Array.from(windowOhm, (x, k) => (100 * Math.abs(x - trueWindowOhm[k])) / trueWindowOhm[k]),
    ),
    morphologyPts,
    morphologyFailed,
    deadLithiumPct: (100 * Math.abs(afLast.deadMAh - afTruth.deadMAh)) / afTruth.deadMAh,
    excessLithiumMAh: Math.abs(afLast.excessMAh - afTruth.excessMAh),
    interphasePts: Math.abs(afLast.interphasePercent - trueInterphasePct),
    deadSlopePct: (100 * Math.abs(slopeErr)) / trueSlope,
    deadSlopeSigma: Math.abs(slopeErr) / (deadTrend?.slopeStdErr ?? NaN),
    driftMaxPct:
      (100 * Math.abs(Math.abs(drift.maximumInterior.velocityUmPerH) - Math.abs(trueInteriorMax))) /
      Math.abs(trueInteriorMax),
    driftWorstPct: (100 * driftWorst) / trueMax,
    pfgDPct: (100 * Math.abs(pfgD - trueD)) / trueD,
  };

  // ── Summary ─────────────────────────────────────────────────────────────────────────────────────
  const summary: SummaryRow[] = [
    {
      quantity: `metal signal ${METAL_REGION[0]}–${METAL_REGION[1]} ppm / first`,
      spincell: `max ${Math.max(...metalRel).toFixed(3)}, last ${metalRel[n - 1].toFixed(3)}`,
      truth: `max ${Math.max(...trueMetalRel).toFixed(3)}, last ${trueMetalRel[n - 1].toFixed(3)}`,
      deviation: `max ${pct(deviations.metalSignalPct)} (#${worstSpectrum})`,
    },
    {
      quantity: 'metal left after the last strip',
      spincell: `${metalLeftMAh.toFixed(3)} mAh`,
      truth: `${trueMetalLeftMAh.toFixed(3)} mAh (${truth.spectra[n - 1].cell.inventory.dead.toFixed(3)} dead)`,
      deviation: pct(deviations.metalLeftPct),
    },
    {
      quantity: 'charge at spectrum mid-times (aligned)',
      spincell: `${inside}/${n} inside record`,
      truth: `|Q| ≤ ${maxCharge.toFixed(3)} mAh`,
      deviation: `max ${(1000 * chargeErrMAh).toFixed(2)} µAh (${pct(deviations.alignedChargePct, 3)})`,
    },
    ...cycles.map((c) => ({
      quantity: `cycle ${c.number} plated / stripped, CE`,
      spincell: `${c.platedMAh.toFixed(3)} / ${c.strippedMAh.toFixed(3)} mAh, ${pct(100 * c.coulombicEfficiency, 1)}`,
      truth: `${c.truePlatedMAh.toFixed(3)} / ${c.trueStrippedMAh.toFixed(3)} mAh, ${pct(100 * c.trueCoulombicEfficiency, 1)}`,
      deviation: pct(
        100 *
          Math.max(
            Math.abs(c.platedMAh / c.truePlatedMAh - 1),
            Math.abs(c.strippedMAh / c.trueStrippedMAh - 1),
          ),
      ),
    })),
    ...nucleation.map((x, k) => ({
      quantity: `nucleation overpotential, plating ${k + 1}`,
      spincell: mv(x.measuredV),
      truth: mv(x.trueV),
      deviation: mv(x.measuredV - x.trueV),
    })),
    {
      quantity: 'voltage onset, strip 1 (reversible Li)',
      spincell:
        onsetS !== null
          ? `${(onsetS / 3600).toFixed(3)} h (${((onsetS * stripCurrentMA) / 3600).toFixed(3)} mAh)`
          : 'none found',
      truth: `${(exhaustedStepS / 3600).toFixed(3)} h (${reversibleMAh.toFixed(3)} mAh)`,
      deviation: onsetS !== null ? `${(onsetS - exhaustedStepS).toFixed(0)} s` : '—',
    },
    {
      quantity: 'Lin-KK (impedance sweeps)',
      spincell: `${kkPassed}/${sweeps} pass`,
      truth: `${sweeps}/${sweeps} stationary`,
      deviation: kkPassed === sweeps ? '0' : `${sweeps - kkPassed} rejected`,
    },
    {
      quantity: 'R∞ (DRT)',
      spincell: `${ohm(Math.min(...d.rInfOhm))} … ${ohm(Math.max(...d.rInfOhm))}`,
      truth: ohm(cell.params.resistanceOhm),
      deviation: `max ${pct(deviations.rInfPct)}`,
    },
    {
      quantity: `interphase R, DRT ${INTERPHASE_WINDOW[0]}..${INTERPHASE_WINDOW[1]} log τ`,
      spincell: `${ohm(windowOhm[0])} → ${ohm(windowOhm[sweeps - 1])}`,
      truth: `${ohm(trueWindowOhm[0])} → ${ohm(trueWindowOhm[sweeps - 1])}`,
      deviation: `max ${pct(deviations.interphasePct)}`,
    },
    {
      quantity: 'morphology fractions, all spectra',
      spincell: `${n - morphologyFailed}/${n} fitted`,
      truth: 'dense/mossy/dendritic',
      deviation: `max ${morphologyPts.toFixed(1)} pts`,
    },
    {
      quantity: `Cu||NMC622 dead Li after cycle ${afLast.cycle}`,
      spincell: `${afLast.deadMAh.toFixed(4)} mAh, ${pct(afLast.deadPercent)}`,
      truth: `${afTruth.deadMAh.toFixed(4)} mAh, ${pct((100 * afTruth.deadMAh) / afInitial)}`,
      deviation: pct(deviations.deadLithiumPct),
    },
    {
      quantity: `Cu||NMC622 excess Li after cycle ${afLast.cycle}`,
      spincell: `${afLast.excessMAh.toFixed(4)} mAh`,
      truth: `${afTruth.excessMAh.toFixed(4)} mAh`,
      deviation: `${(1000 * (afLast.excessMAh - afTruth.excessMAh)).toFixed(1)} µAh`,
    },
    {
      quantity: `Cu||NMC622 interphase share, cycle ${afLast.cycle}`,
      spincell: pct(afLast.interphasePercent),
      truth: pct(trueInterphasePct),
      deviation: `${(afLast.interphasePercent - trueInterphasePct).toFixed(2)} pts`,
    },
    {
      quantity: 'Cu||NMC622 dead-Li growth (linear fit)',
      spincell: deadTrend
        ? `${(1000 * deadTrend.slope).toFixed(3)} ± ${(1000 * (deadTrend.slopeStdErr ?? NaN)).toFixed(3)} µAh/cycle`
        : 'no fit',
      truth: `${(1000 * trueSlope).toFixed(3)} µAh/cycle`,
      deviation: `${pct(deviations.deadSlopePct)} (${deviations.deadSlopeSigma.toFixed(1)} σ)`,
    },
    {
      quantity: 'anion drift velocity, max (19F MRI)',
      spincell: `${Math.abs(drift.maximumInterior.velocityUmPerH).toFixed(1)} µm/h`,
      truth: `${Math.abs(trueInteriorMax).toFixed(1)} µm/h`,
      deviation: `${pct(deviations.driftMaxPct)} (every point ≤ ${pct(deviations.driftWorstPct, 1)})`,
    },
    {
      quantity: 'anion D (PFG, Stejskal–Tanner)',
      spincell: `${pfgD.toExponential(3)} ± ${pfgFit.dStandardErrorM2PerS[0].toExponential(1)} m²/s`,
      truth: `${trueD.toExponential(3)} m²/s`,
      deviation: pct(deviations.pfgDPct),
    },
  ];
  writeCsv(
    layout.summary,
    ['quantity', 'spincell', 'truth', 'deviation'],
    summary.map((x) => [x.quantity, x.spincell, x.truth, x.deviation]),
  );

  // Morphology of a few spectra: the last one in each plating or stripping step, and the very last.
  const picks = new Set<number>([n - 1]);
  for (const span of cell.steps) {
    if (span.kind === 'rest') continue;
    const last = truth.spectra.findLastIndex((s) => s.cell.stepIndex === span.index);
    if (last >= 0) picks.add(last);
  }
  const frac = (x: number | undefined) =>
    x === undefined || !Number.isFinite(x) ? '—' : (100 * x).toFixed(1);
  const morphologyRows = [...picks]
    .sort((a, b) => a - b)
    .map((i) => {
      const s = truth.spectra[i];
      return [
        `#${i} (exp ${s.experimentNumber})`,
        (s.midS / 3600).toFixed(2),
        `${s.cell.stepKind}, cycle ${s.cell.cycle}`,
        frac(fitted[i]?.[0]),
        frac(fitted[i]?.[1]),
        frac(fitted[i]?.[2]),
        truthFractions[i].map(frac).join(' / '),
      ];
    });

  const made = [
    experiment.simulated.series && 'NMR series',
    experiment.simulated.cycler && 'cycler',
    experiment.simulated.eis && 'impedance',
    anodeFree.simulated && 'anode-free cell',
    transport.simulated && 'MRI and PFG',
  ].filter(Boolean);
  const freq = eis.sweeps[0].spectrum.freqHz;
  const lastPh0 = nmr.rows[n - 1].phase.ph0Deg;
  const stored = (x: DemoRun) => (x.cacheHit ? `run ${x.runId} (cache hit: unchanged)` : `run ${x.runId}`);
  const all = [runs.liLi, runs.anodeFree, runs.transport];
  const lines = [
    'spincell demo — one virtual Li||Li cell seen by operando 7Li NMR, its cycler and dynamic EIS;',
    '               one anode-free Cu||NMC622 cell by in situ 7Li NMR and its cycler (dead-lithium protocol);',
    '               one polymer-electrolyte cell by 19F MRI and PFG (anion drift velocity, diffusion)',
    '',
    `inputs      ${show(experiment.paths.series)}/  ${n} spectra, ${truth.acquisition.nucleus} at ${truth.acquisition.bf1MHz.toFixed(3)} MHz, NS ${truth.acquisition.scans}`,
    `            ${show(experiment.paths.cycler)}  EC-Lab export, ${r.cycler!.series.timeS.length} records, ${steps.length} steps`,
    `            ${show(experiment.paths.eis)}  EC-Lab PEIS, ${sweeps} sweeps ${freq[0]} Hz → ${freq[freq.length - 1]} Hz`,
    `            ${show(anodeFree.paths.dir)}/  anode-free Cu||NMC622, ${ANODE_FREE.cycles} cycles: integrals.csv (${dl.cycles.length} cycles × 3 states), cycler.mpt`,
    `            ${show(layout.mri)}/  ${drift.timeS.length} 19F profiles × ${nx} points, voltage, D(C);  ${show(layout.pfg)}/  PFG ser + difflist (${transport.pfg.gradientsGPerCm.length} gradients)`,
    `            ${made.length > 0 ? `simulated now (seed ${DEMO_SEED}): ${made.join(', ')}` : 'existing simulation reused'}`,
    `manifests   ${all.map((x) => show(x.manifestPath)).join(', ')}  (spincell run MANIFEST --project ${show(layout.project)})`,
    `processing  auto phase per spectrum (last PH0 ${lastPh0.toFixed(1)}°), arPLS baseline, Li metal → 245 ppm`,
    `alignment   every spectrum's window on the cycler record (${straddling} straddle a step change)`,
    '',
    ...table(
      ['quantity', 'spincell', 'truth', 'deviation'],
      summary.map((x) => [x.quantity, x.spincell, x.truth, x.deviation]),
    ),
    '',
    'morphology (Wichmann et al. 2025 constrained fit, windows 240.5–245.5 / 250.5–255.5 / 260.5–265.5 ppm, no paramagnetic cathode), % of the metal signal',
    ...table(
      ['spectrum', 't / h', 'cell', 'dense', 'mossy', 'dendritic', 'truth d / m / dd'],
      morphologyRows,
      '  ',
    ),
    '',
    `runs        ${all.map((x) => `${show(x.result.outputDir)}/ (${x.result.outputs.length} files)`).join(', ')}`,
    `time        simulate ${tSimulate.toFixed(2)} s, Li||Li run ${times[0].toFixed(2)} s, anode-free run ${times[1].toFixed(2)} s, transport run ${times[2].toFixed(2)} s`,
    `summary     ${show(layout.summary)} (this table beside the truth)`,
    `project     ${show(layout.project)}  (campaign ${DEMO_CAMPAIGN}: Li-Li ${stored(runs.liLi)}, Cu-NMC622 ${stored(runs.anodeFree)}, polymer ${stored(runs.transport)})`,
    `reports     ${all.map((x) => show(x.report)).join('\n            ')}`,
    '',
    'next',
    `  npx spincell run ${show(runs.liLi.manifestPath)} --project ${show(layout.project)} --campaign ${DEMO_CAMPAIGN} --cell Li-Li`,
    `  npx spincell project show ${show(layout.project)}`,
    `  npx spincell project export ${show(layout.project)} --table dead_lithium`,
    `  npx spincell morphology ${show(experiment.paths.series)} --baseline auto --ref metal:245 --width-cap auto`,
    `  npx spincell mri drift ${show(join(layout.mri, 'profiles.csv'))} --voltage ${show(join(layout.mri, 'voltage.csv'))} --diffusion ${show(join(layout.mri, 'd-table.csv'))} --temperature ${mri.temperatureK} --c0 ${mri.c0MolM3} --roi ${mri.roiUm[0]}:${mri.roiUm[1]}`,
    `  npx spincell pfg ${show(join(layout.pfg, 'bruker'))} --delta-ms ${PFG_TIMING.deltaMs} --Delta-ms ${PFG_TIMING.bigDeltaMs}`,
  ];

  return {
    lines,
    summary,
    deviations,
    experiment,
    anodeFree,
    runs,
    projectDir: layout.project,
    outputs: [layout.summary, ...all.map((x) => x.report)],
  };
}
