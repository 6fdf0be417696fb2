/**
 * The demo run: prepares the virtual experiment (src/demo/experiment.ts), analyses its three files
 * (src/demo/analyses.ts) and the anode-free cell of Wichmann et al.'s (2025) dead-lithium protocol
 * (src/demo/anode-free.ts), compares every result with the simulated truth, writes the CSV outputs and
 * formats the summary. `runDemo` returns the printed lines and the deviations, so tests can hold them.
 */
import { isAbsolute, join, relative } from 'node:path';
import { isoTime } from '../cli/processing.js';
import { writeCsv } from '../io/csv/index.js';
import { morphologyTable } from '../protocols/index.js';
import { writeReport } from '../report/index.js';
import {
  analyseCyclerFile,
  analyseImpedanceFile,
  analyseNmrSeries,
  fittedFractions,
  trueFractions,
  DIAMAGNETIC_REGION,
  METAL_REGION,
  MORPHOLOGY,
  type Fractions,
} from './analyses.js';
import { analyseAnodeFreeCell, ANODE_FREE, type AnodeFreeAnalysis } from './anode-free.js';
import { DEMO_SEED, INTERPHASE_WINDOW, prepareExperiment, type Experiment } from './experiment.js';
import { buildDemoReport } from './report.js';

export interface DemoOptions {
  /** Folder for the simulated files and the results. */
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
  /** Dense/mossy/dendritic fractions vs truth over the series, max |Δ| in percentage points (null: no morphology step). */
  morphologyPts: number | null;
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
}

export interface SummaryRow {
  readonly quantity: string;
  readonly spincell: string;
  readonly truth: string;
  readonly deviation: string;
}

export interface DemoResult {
  readonly lines: string[];
  readonly summary: SummaryRow[];
  readonly deviations: DemoDeviations;
  /** Files written: the CSV tables and report.html. */
  readonly outputs: string[];
  readonly experiment: Experiment;
  readonly anodeFree: AnodeFreeAnalysis;
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

export function runDemo(options: DemoOptions): DemoResult {
  const clock = [performance.now()];
  const lap = () => (
    clock.push(performance.now()),
    (clock[clock.length - 1] - clock[clock.length - 2]) / 1000
  );
  const experiment = prepareExperiment(options.outDir, options.small ? { spectra: 12, sweeps: 6 } : {});
  const tSimulate = lap();
  const { paths, truth, cell } = experiment;
  const out = (name: string) => join(options.outDir, name);

  const cy = analyseCyclerFile(experiment);
  const tCycler = lap();
  const nmr = analyseNmrSeries(experiment, cy.series, out('processed'));
  const tNmr = lap();
  const z = analyseImpedanceFile(experiment);
  const tImpedance = lap();
  const af = analyseAnodeFreeCell(options.outDir);
  const tAnodeFree = lap();

  // ── NMR vs truth ─────────────────────────────────────────────────────────────────────────────────
  const n = nmr.metal.length;
  const metalRel = nmr.metal.map((m) => m / nmr.metal[0]);
  const trueMetalRel = truth.spectra.map((s) => s.metalArea / truth.spectra[0].metalArea);
  const metalDev = metalRel.map((r, i) => (100 * Math.abs(r - trueMetalRel[i])) / trueMetalRel[i]);
  const worstSpectrum = metalDev.indexOf(maxOf(metalDev));
  // The first spectrum sees only the pristine electrode's skin-depth layer, whose lithium is known
  // (cell.params.pristineMAh): it turns the integrals into mAh-equivalents.
  const pristineMAh = cell.params.pristineMAh;
  const metalLeftMAh = (metalRel[n - 1] - 1) * pristineMAh;
  const trueMetalLeftMAh = truth.spectra[n - 1].cell.metalMAh - pristineMAh;

  const trueCharge = truth.spectra.map((s) => -s.cell.chargeMAh); // cycler sign: plating is I < 0
  const maxCharge = maxOf(trueCharge.map(Math.abs));
  const chargeErrMAh = maxOf(nmr.aligned.map((a, i) => Math.abs((a.chargeMidMAh ?? NaN) - trueCharge[i])));
  const inside = nmr.aligned.filter((a) => a.status === 'inside').length;
  const straddling = nmr.aligned.filter((a) => a.straddlesStep).length;

  const fitted: (Fractions | null)[] = nmr.morphology ? nmr.morphology.map(fittedFractions) : [];
  const truthFractions = truth.spectra.map(trueFractions);
  const morphologyPts = nmr.morphology
    ? maxOf(fitted.flatMap((f, i) => (f ? f.map((x, k) => 100 * Math.abs(x - truthFractions[i][k])) : [])))
    : null;
  const morphologyFailed = fitted.filter((f) => f === null).length;

  // ── Impedance vs truth ──────────────────────────────────────────────────────────────────────────
  const sweeps = z.sweeps.length;
  const rInf = z.deis.rInfOhm;
  const kkPassed = z.deis.kkPass.filter(Boolean).length;

  // ── Anode-free cell vs truth ────────────────────────────────────────────────────────────────────
  const afLast = af.result.cycles[af.result.cycles.length - 1];
  const afTruth = af.truth.cycles[afLast.cycle - 1];
  const afInitial = af.truth.cycles[0].chargeMAh;
  const trueInterphasePct = (100 * afTruth.interphaseMAh) / afInitial;
  const deadTrend = af.result.trends.deadMAh;
  const trueSlope = af.trueDeadTrend.slope;
  const slopeErr = deadTrend ? deadTrend.slope - trueSlope : NaN;

  const deviations: DemoDeviations = {
    spectra: n,
    metalSignalPct: metalDev[worstSpectrum],
    metalLeftPct: (100 * Math.abs(metalLeftMAh - trueMetalLeftMAh)) / trueMetalLeftMAh,
    alignedInside: inside,
    alignedChargePct: (100 * chargeErrMAh) / maxCharge,
    capacityPct: maxOf(
      cy.cycles.flatMap((c) => [
        (100 * Math.abs(c.platedMAh - c.truePlatedMAh)) / c.truePlatedMAh,
        (100 * Math.abs(c.strippedMAh - c.trueStrippedMAh)) / c.trueStrippedMAh,
      ]),
    ),
    coulombicEfficiencyPts: maxOf(
      cy.cycles.map((c) => 100 * Math.abs(c.coulombicEfficiency - c.trueCoulombicEfficiency)),
    ),
    nucleationMV: maxOf(cy.nucleation.map((r) => 1000 * Math.abs(r.measuredV - r.trueV))),
    onsetS: cy.onset ? Math.abs(cy.onset.stepTimeS - cy.exhaustedStepS) : Infinity,
    kkPassed,
    kkTotal: sweeps,
    rInfPct: maxOf(
      Array.from(rInf, (r) => (100 * Math.abs(r - cell.params.resistanceOhm)) / cell.params.resistanceOhm),
    ),
    interphasePct: maxOf(
      Array.from(z.windowOhm, (r, k) => (100 * Math.abs(r - z.trueWindowOhm[k])) / z.trueWindowOhm[k]),
    ),
    morphologyPts,
    morphologyFailed,
    deadLithiumPct: (100 * Math.abs(afLast.deadMAh - afTruth.deadMAh)) / afTruth.deadMAh,
    excessLithiumMAh: Math.abs(afLast.excessMAh - afTruth.excessMAh),
    interphasePts: Math.abs(afLast.interphasePercent - trueInterphasePct),
    deadSlopePct: (100 * Math.abs(slopeErr)) / trueSlope,
    deadSlopeSigma: Math.abs(slopeErr) / (deadTrend?.slopeStdErr ?? NaN),
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
    ...cy.cycles.map((c) => ({
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
    ...cy.nucleation.map((r, k) => ({
      quantity: `nucleation overpotential, plating ${k + 1}`,
      spincell: mv(r.measuredV),
      truth: mv(r.trueV),
      deviation: mv(r.measuredV - r.trueV),
    })),
    {
      quantity: 'voltage onset, strip 1 (reversible Li)',
      spincell: cy.onset
        ? `${(cy.onset.stepTimeS / 3600).toFixed(3)} h (${((cy.onset.stepTimeS * cy.stripCurrentMA) / 3600).toFixed(3)} mAh)`
        : 'none found',
      truth: `${(cy.exhaustedStepS / 3600).toFixed(3)} h (${cy.reversibleMAh.toFixed(3)} mAh)`,
      deviation: cy.onset ? `${(cy.onset.stepTimeS - cy.exhaustedStepS).toFixed(0)} s` : '—',
    },
    {
      quantity: 'Lin-KK (impedance sweeps)',
      spincell: `${kkPassed}/${sweeps} pass`,
      truth: `${sweeps}/${sweeps} stationary`,
      deviation: kkPassed === sweeps ? '0' : `${sweeps - kkPassed} rejected`,
    },
    {
      quantity: 'R∞ (DRT)',
      spincell: `${ohm(Math.min(...rInf))} … ${ohm(Math.max(...rInf))}`,
      truth: ohm(cell.params.resistanceOhm),
      deviation: `max ${pct(deviations.rInfPct)}`,
    },
    {
      quantity: `interphase R, DRT ${INTERPHASE_WINDOW[0]}..${INTERPHASE_WINDOW[1]} log τ`,
      spincell: `${ohm(z.windowOhm[0])} → ${ohm(z.windowOhm[sweeps - 1])}`,
      truth: `${ohm(z.trueWindowOhm[0])} → ${ohm(z.trueWindowOhm[sweeps - 1])}`,
      deviation: `max ${pct(deviations.interphasePct)}`,
    },
    {
      quantity: 'morphology fractions, all spectra',
      spincell: morphologyPts === null ? 'not run' : `${n - morphologyFailed}/${n} fitted`,
      truth: 'dense/mossy/dendritic',
      deviation: morphologyPts === null ? '—' : `max ${morphologyPts.toFixed(1)} pts`,
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
  ];

  // ── Outputs ─────────────────────────────────────────────────────────────────────────────────────
  const files = {
    summary: out('summary.csv'),
    spectra: out('spectra.csv'),
    cycles: out('cycles.csv'),
    impedance: out('impedance.csv'),
    morphology: out('morphology.csv'),
    deadLithium: out('dead-lithium.csv'),
    report: out('report.html'),
  };
  writeCsv(
    files.summary,
    ['quantity', 'spincell', 'truth', 'deviation'],
    summary.map((r) => [r.quantity, r.spincell, r.truth, r.deviation]),
  );
  writeCsv(
    files.spectra,
    [
      ...[
        'index',
        'experiment',
        'mid_iso',
        'time_h',
        'metal_integral',
        'diamagnetic_integral',
        'metal_rel',
        'true_metal_rel',
      ],
      ...[
        'status',
        'step_type',
        'cycle',
        'mean_voltage_v',
        'mean_current_ma',
        'charge_mid_mah',
        'true_charge_mah',
      ],
      ...['dense_fraction', 'mossy_fraction', 'dendritic_fraction'],
      ...['true_dense_fraction', 'true_mossy_fraction', 'true_dendritic_fraction'],
    ],
    nmr.aligned.map((a, i) => [
      ...[i, nmr.experimentNumbers[i], isoTime(nmr.midMs[i]), (nmr.midMs[i] - truth.protocolStartMs) / 3.6e6],
      ...[nmr.metal[i], nmr.diamagnetic[i], metalRel[i], trueMetalRel[i]],
      ...[a.status, a.stepType, a.cycle, a.meanVoltageV, a.meanCurrentMA, a.chargeMidMAh, trueCharge[i]],
      ...(fitted[i] ?? [null, null, null]),
      ...truthFractions[i],
    ]),
    [
      `metal ${METAL_REGION[0]}:${METAL_REGION[1]} ppm, diamagnetic ${DIAMAGNETIC_REGION[0]}:${DIAMAGNETIC_REGION[1]} ppm`,
      'charge in the cycler convention: plating onto the working electrode is negative',
    ],
  );
  writeCsv(
    files.cycles,
    [
      'cycle',
      'plated_mah',
      'stripped_mah',
      'coulombic_efficiency',
      'true_plated_mah',
      'true_stripped_mah',
      'true_coulombic_efficiency',
    ],
    cy.cycles.map((c) => [
      c.number,
      c.platedMAh,
      c.strippedMAh,
      c.coulombicEfficiency,
      c.truePlatedMAh,
      c.trueStrippedMAh,
      c.trueCoulombicEfficiency,
    ]),
  );
  writeCsv(
    files.impedance,
    [
      'sweep',
      'time_h',
      'r_inf_ohm',
      'r_window_ohm',
      'true_r_window_ohm',
      'kk_max_residual',
      'kk_pass',
      'lambda',
    ],
    z.sweeps.map((_, k) => [
      ...[k + 1, z.timeS[k] / 3600, rInf[k], z.windowOhm[k], z.trueWindowOhm[k]],
      ...[z.deis.kkMaxResidual[k], z.deis.kkPass[k], z.deis.lambda[k]],
    ]),
    [`window: ${INTERPHASE_WINDOW[0]} < log10(tau/s) < ${INTERPHASE_WINDOW[1]}`],
  );
  writeCsv(
    files.deadLithium,
    [
      'cycle',
      'q_mah_per_integral',
      'reversible_mah',
      'excess_mah',
      'dead_mah',
      'interphase_mah',
      'interphase_pct',
      'true_reversible_mah',
      'true_excess_mah',
      'true_dead_mah',
      'true_interphase_mah',
      'true_interphase_pct',
    ],
    af.result.cycles.map((c) => {
      const t = af.truth.cycles[c.cycle - 1];
      return [
        ...[c.cycle, c.conversionMAhPerIntegral, c.reversibleMAh, c.excessMAh, c.deadMAh],
        ...[c.interphaseMAh, c.interphasePercent],
        ...[t.reversibleMAh, t.excessMAh, t.deadMAh, t.interphaseMAh, (100 * t.interphaseMAh) / afInitial],
      ];
    }),
    [
      `anode-free Cu||NMC622 cell (Wichmann et al. 2025 protocol), SOC factor ${ANODE_FREE.socFactor} at 0 % SOC; allocation of the initial charge capacity ${afInitial} mAh, cumulative`,
    ],
  );
  if (nmr.morphology) {
    const m = morphologyTable(nmr.morphology);
    writeCsv(files.morphology, m.headers, m.rows, [
      `constrained fit (${MORPHOLOGY.mode}), no cathode offset, width cap from the first spectrum: ${nmr.widthCap ? `G ${nmr.widthCap.widthCapGaussPpm.toFixed(2)} ppm, L ${nmr.widthCap.widthCapLorentzPpm.toFixed(2)} ppm` : 'none'}`,
    ]);
  }

  // ── Printed report ──────────────────────────────────────────────────────────────────────────────
  // Morphology of a few spectra: the last one in each plating or stripping step, and the very last.
  const picks = new Set<number>([n - 1]);
  for (const span of cell.steps) {
    if (span.kind === 'rest') continue;
    const last = truth.spectra.findLastIndex((s) => s.cell.stepIndex === span.index);
    if (last >= 0) picks.add(last);
  }
  const frac = (x: number | undefined) =>
    x === undefined || !Number.isFinite(x) ? '—' : (100 * x).toFixed(1);
  const morphologyCaption =
    'morphology (Wichmann et al. 2025 constrained fit, windows 240.5–245.5 / 250.5–255.5 / 260.5–265.5 ppm, no paramagnetic cathode), % of the metal signal';
  const morphologyHeaders = ['spectrum', 't / h', 'cell', 'dense', 'mossy', 'dendritic', 'truth d / m / dd'];
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
  const morphologyLines = nmr.morphology
    ? [morphologyCaption, ...table(morphologyHeaders, morphologyRows, '  '), '']
    : [];

  // ── HTML report ─────────────────────────────────────────────────────────────────────────────────
  lap(); // the CSV outputs above are not part of the report's time
  const summaryHeaders = ['quantity', 'spincell', 'truth', 'deviation'];
  const summaryRows = summary.map((r) => [r.quantity, r.spincell, r.truth, r.deviation]);
  writeReport(
    files.report,
    buildDemoReport({
      experiment,
      cycler: cy,
      nmr,
      impedance: z,
      anodeFree: af,
      fitted: nmr.morphology ? fitted : truth.spectra.map(() => null),
      tables: [
        { headers: summaryHeaders, rows: summaryRows, caption: 'spincell results and the simulated truth' },
        ...(nmr.morphology
          ? [{ headers: morphologyHeaders, rows: morphologyRows, caption: morphologyCaption }]
          : []),
      ],
    }),
  );
  const tReport = lap();

  const sim = experiment.simulated;
  const made = [
    sim.series && 'NMR series',
    sim.cycler && 'cycler',
    sim.eis && 'impedance',
    af.simulated && 'anode-free cell',
  ].filter(Boolean);
  const freq = z.sweeps[0].spectrum.freqHz;
  const lines = [
    'spincell demo — one virtual Li||Li cell seen by operando 7Li NMR, its cycler and dynamic EIS;',
    '               one anode-free Cu||NMC622 cell by in situ 7Li NMR and its cycler (dead-lithium protocol)',
    '',
    `inputs      ${show(paths.series)}/  ${n} spectra, ${truth.acquisition.nucleus} at ${truth.acquisition.bf1MHz.toFixed(3)} MHz, NS ${truth.acquisition.scans}, ${((nmr.midMs[n - 1] - nmr.midMs[0]) / 3.6e6).toFixed(2)} h`,
    `            ${show(paths.cycler)}  EC-Lab export, ${cy.records.rowCount} records, ${cy.steps.length} steps`,
    `            ${show(paths.eis)}  EC-Lab PEIS, ${sweeps} sweeps ${freq[0]} Hz → ${freq[freq.length - 1]} Hz`,
    `            ${show(af.paths.dir)}/  anode-free Cu||NMC622, ${ANODE_FREE.cycles} cycles: integrals.csv (${af.result.cycles.length} cycles × 3 states), cycler.mpt (${af.cyclerRows} records)`,
    `            ${made.length > 0 ? `simulated now (seed ${DEMO_SEED}): ${made.join(', ')}` : 'existing simulation reused'}; truth: ${show(join(paths.series, 'truth.json'))}, ${show(af.paths.truth)}`,
    `processing  auto phase per spectrum (last PH0 ${nmr.ph0Deg.toFixed(1)}°), arPLS baseline, Li metal → 245 ppm`,
    `alignment   every spectrum's window on the cycler record (${straddling} straddle a step change)`,
    '',
    ...table(
      ['quantity', 'spincell', 'truth', 'deviation'],
      summary.map((r) => [r.quantity, r.spincell, r.truth, r.deviation]),
    ),
    '',
    ...morphologyLines,
    `outputs     ${show(files.summary)} (this table), ${show(files.spectra)} (per spectrum: integrals, cell state, fractions, truth)`,
    `            ${[files.cycles, files.impedance, ...(nmr.morphology ? [files.morphology] : []), files.deadLithium].map(show).join(', ')}, ${show(out('processed'))}/exp<N>.csv`,
    `report      ${show(files.report)} (figures: operando spectra and voltage, metal signal, morphology fit and fractions, impedance and DRT, capacity allocation and dead Li)`,
    `time        simulate ${tSimulate.toFixed(2)} s, cycler ${tCycler.toFixed(2)} s, NMR ${tNmr.toFixed(2)} s, impedance ${tImpedance.toFixed(2)} s, anode-free ${tAnodeFree.toFixed(2)} s, report ${tReport.toFixed(2)} s`,
    '',
    'next',
    `  npx spincell align ${show(paths.series)} ${show(paths.cycler)}`,
    `  npx spincell cycler ${show(paths.cycler)} --area-cm2 ${cell.params.areaCm2}`,
    `  npx spincell eis drt ${show(paths.eis)}`,
    `  npx spincell morphology ${show(paths.series)} --baseline auto --ref metal:245`,
    `  npx spincell integrate ${show(paths.series)} --region 230:290 --region -20:20 --baseline auto --ref metal:245`,
    `  npx spincell dead-lithium ${show(af.paths.integrals)} --cycler ${show(af.paths.cycler)} --soc-factor ${ANODE_FREE.socFactor} --area-cm2 ${ANODE_FREE.areaCm2} --svg ${show(join(af.paths.dir, 'allocation.svg'))}`,
  ];

  return {
    lines,
    summary,
    deviations,
    experiment,
    anodeFree: af,
    outputs: Object.values(files).filter((f) => f !== files.morphology || nmr.morphology !== null),
  };
}
