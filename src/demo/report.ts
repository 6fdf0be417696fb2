/**
 * The demo's HTML report: the same results as the printed summary, as figures (src/report/), every
 * measured curve beside the simulated truth. One self-contained file (inline SVG, no scripts, no links).
 *
 * Sections: the operando figure (stacked metal-region spectra beside the cell voltage, and the ppm × time
 * map), the metal inventory against the cycler record, the morphology fit of one spectrum and the fractions
 * over time, the impedance (Nyquist, DRT, DRT map, interphase resistance), the anode-free cell's capacity
 * allocation and dead lithium (Wichmann et al. 2025), and the summary tables.
 */
import { zarcGamma } from '../eis/analytic.js';
import { getLineshape, lineProfile, modelCurve } from '../fit/index.js';
import { constrainedMorphologyModel } from '../protocols/index.js';
import {
  capacityAllocationSvg,
  categorical,
  drtSvg,
  emptyFigureSvg,
  fitOverlaySvg,
  fractionsSvg,
  linePlotSvg,
  panelsSvg,
  stackedSpectraSvg,
  type NamedSeries,
  type Report,
  type ReportFigure,
} from '../report/index.js';
import { drtOverTimeSvg, firstLastNyquistSvg, firstPeakScale, intensityMapSvg } from '../pipeline/report.js';
import {
  FIGURE_REGION_PPM,
  METAL_REGION,
  MORPHOLOGY,
  MORPHOLOGY_NAMES,
  trueFractions,
  type CyclerAnalysis,
  type Fractions,
  type ImpedanceAnalysis,
  type NmrAnalysis,
} from './analyses.js';
import { ANODE_FREE, type AnodeFreeAnalysis } from './anode-free.js';
import { DEMO_SEED, impedanceModel, INTERPHASE_WINDOW, type Experiment } from './experiment.js';

export interface DemoReportInput {
  readonly experiment: Experiment;
  readonly cycler: CyclerAnalysis;
  readonly nmr: NmrAnalysis;
  readonly impedance: ImpedanceAnalysis;
  /** The anode-free cell of the dead-lithium protocol. */
  readonly anodeFree: AnodeFreeAnalysis;
  /** Fitted fractions per spectrum (null where the fit failed), in MORPHOLOGY_NAMES order. */
  readonly fitted: (Fractions | null)[];
  /** The printed tables: the summary, and the morphology of a few spectra (empty without morphology). */
  readonly tables: { readonly headers: string[]; readonly rows: string[][]; readonly caption: string }[];
}

/** At most this many spectra are stacked; longer series show every 2nd (3rd, …) spectrum and the last. */
const MAX_STACKED = 32;

const hours = (s: number) => `${(s / 3600).toFixed(2)} h`;
const percent = (x: number) => `${(100 * x).toFixed(1)} %`;
const minus = (x: number) => String(x).replace('-', '−');
const TRUTH_GREY = '#777777';

export function buildDemoReport(input: DemoReportInput): Report {
  const { experiment, cycler: cy, nmr, impedance: z, fitted } = input;
  const { truth, cell } = experiment;
  const t0 = truth.protocolStartMs;
  const n = nmr.midMs.length;
  const spectrumS = nmr.midMs.map((m) => (m - t0) / 1000);
  const spectrumH = spectrumS.map((s) => s / 3600);
  const cyclerOffsetS = cy.series.startMs !== null ? (cy.series.startMs - t0) / 1000 : 0;
  const cyclerS = Float64Array.from(cy.series.timeS, (t) => t + cyclerOffsetS);
  const cyclerH = Float64Array.from(cyclerS, (t) => t / 3600);
  const { slices } = nmr;
  const [lo, hi] = FIGURE_REGION_PPM;
  // Intensities in units of the first spectrum's peak (the pristine electrode).
  const { scale: scaled, label: intensityLabel } = firstPeakScale(slices.intensity[0]);

  // ── Operando figure ────────────────────────────────────────────────────────────────────────────────
  const every = Math.ceil(n / MAX_STACKED);
  const stackedIdx = Array.from({ length: n }, (_, i) => i).filter((i) => i % every === 0 || i === n - 1);
  const stacked = stackedSpectraSvg({
    title: `⁷Li metal region, ${every === 1 ? 'every spectrum' : `every ${every === 2 ? '2nd' : `${every}th`} spectrum`}, beside the cell voltage`,
    spectra: stackedIdx.map((i) => ({
      ppm: slices.ppm,
      intensity: slices.intensity[i],
      timeS: spectrumS[i],
    })),
    regionPpm: [lo, hi],
    voltage: { timeS: cyclerS, voltageV: cy.series.voltageV },
    timeUnit: 'h',
    overlap: 4,
    width: 820,
    height: 680,
  });
  const map = intensityMapSvg({
    title: '⁷Li intensity over shift and time',
    ppm: slices.ppm,
    timeS: spectrumS,
    intensity: slices.intensity,
    regionPpm: [lo, hi],
    timeUnit: 'h',
  });

  // ── Metal inventory against the cycler record ──────────────────────────────────────────────────────
  const metalRel = nmr.metal.map((m) => m / nmr.metal[0]);
  const trueMetalRel = truth.spectra.map((s) => s.metalArea / truth.spectra[0].metalArea);
  const inventory = panelsSvg({
    title: `Metal signal ${METAL_REGION[0]}–${METAL_REGION[1]} ppm and the cell`,
    xLabel: 'Time / h',
    grid: true,
    width: 820,
    height: 620,
    panels: [
      {
        yLabel: 'Metal signal / first',
        weight: 1.4,
        series: [
          { label: 'spincell', x: spectrumH, y: metalRel, style: 'line+points', color: categorical(0) },
          { label: 'truth', x: spectrumH, y: trueMetalRel, style: 'dashed', color: categorical(1) },
        ],
      },
      { yLabel: 'Voltage / V', series: [{ x: cyclerH, y: cy.series.voltageV, color: '#D55E00' }] },
      { yLabel: 'Current / mA', series: [{ x: cyclerH, y: cy.series.currentMA, color: categorical(2) }] },
    ],
  });

  // ── Morphology ─────────────────────────────────────────────────────────────────────────────────────
  const morphologyFigures: ReportFigure[] = [];
  const detail = slices.detail;
  const row = detail && nmr.morphology ? nmr.morphology[detail.index] : null;
  const fit = row?.result?.fit;
  if (detail && row && fit) {
    // Component curves from the lineshape registry, their sum from the compiled model: the same
    // evaluation the fit used, on the spectrum's own axis.
    const components = fit.components.map((c, k) => {
      const shape = getLineshape(c.shape);
      const params = shape.parameters.map((p) => c.parameters[p.name].value);
      return {
        label: `${c.name} ${percent(c.fraction)}`,
        y: scaled(lineProfile(shape, detail.ppm, params)),
        color: categorical(k + 1),
      };
    });
    const model = constrainedMorphologyModel({ ...MORPHOLOGY, ...(nmr.widthCap ?? {}) });
    const sum = modelCurve(model, detail.ppm, fit.parameters, fit.baseline);
    const s = truth.spectra[detail.index];
    morphologyFigures.push({
      svg: fitOverlaySvg({
        title: `Constrained fit of spectrum #${detail.index} (${hours(spectrumS[detail.index])}, ${s.cell.stepKind}, cycle ${s.cell.cycle})`,
        ppm: detail.ppm,
        data: scaled(detail.re),
        components,
        sum: scaled(sum),
        yLabel: intensityLabel,
        regionPpm: fit.windowPpm,
        width: 820,
        height: 480,
      }),
      caption: `Three Voigt lines in the windows ${row.result?.components.map((c) => (c.windowPpm ? `${c.windowPpm[0]}–${c.windowPpm[1]}` : '')).join(' / ')} ppm, each no broader than the pristine electrode${nmr.widthCap ? ` (Gaussian ≤ ${nmr.widthCap.widthCapGaussPpm.toFixed(2)}, Lorentzian ≤ ${nmr.widthCap.widthCapLorentzPpm.toFixed(2)} ppm)` : ''}; R² = ${fit.rSquared.toFixed(5)}. Truth: ${trueFractions(s).map(percent).join(' / ')}.`,
    });
  } else {
    morphologyFigures.push(
      emptyFigureSvg('no morphology fit of the representative spectrum', { width: 820, height: 200 }),
    );
  }
  const truthFractions = truth.spectra.map(trueFractions);
  // Fitted fractions as points over the truth's dashed lines (a line on top would hide a perfect match).
  const fractionSeries: NamedSeries[] = MORPHOLOGY_NAMES.flatMap((name, k) => [
    {
      label: name,
      values: fitted.map((f) => (f ? f[k] : NaN)),
      style: 'points' as const,
      color: categorical(k + 1),
    },
    {
      label: '',
      values: truthFractions.map((f) => f[k]),
      style: 'dashed' as const,
      color: categorical(k + 1),
    },
  ]);
  fractionSeries.push({
    label: 'truth',
    values: spectrumS.map(() => NaN),
    style: 'dashed',
    color: TRUTH_GREY,
  });
  morphologyFigures.push(
    nmr.morphology
      ? fractionsSvg({
          title: 'Dense, mossy and dendritic fractions of the metal signal',
          mode: 'lines',
          timeS: spectrumS,
          timeUnit: 'h',
          series: fractionSeries,
          yLabel: 'Fraction of the metal signal',
          width: 820,
          height: 420,
        })
      : emptyFigureSvg('morphology fit not run', { width: 820, height: 200 }),
  );

  // ── Impedance ──────────────────────────────────────────────────────────────────────────────────────
  const sweeps = z.sweeps.length;
  const last = sweeps - 1;
  const sweepLabel = (k: number) => `sweep ${k + 1}, ${hours(z.timeS[k])}`;
  const nyquist = firstLastNyquistSvg({
    sweeps: z.sweeps.map((s, k) => ({
      zReOhm: s.spectrum.zReOhm,
      zImOhm: s.spectrum.zImOhm,
      fit: { zReOhm: z.deis.results[k].zFitReOhm, zImOhm: z.deis.results[k].zFitImOhm },
    })),
    label: sweepLabel,
  });
  const lastDrt = z.deis.results[last];
  const trueZarcs = impedanceModel(cell, z.timeS[last]).zarcs;
  const [wLo, wHi] = INTERPHASE_WINDOW;
  const windowText = `${minus(wLo)} < log τ < ${minus(wHi)}`;
  const gamma = drtSvg({
    title: `Distribution of relaxation times, ${sweepLabel(last)}`,
    tauS: lastDrt.tauFineS,
    gammaOhm: lastDrt.gammaOhm,
    label: `DRT (λ = ${lastDrt.lambda.toExponential(1)})`,
    overlays: [
      {
        label: 'truth',
        tauS: lastDrt.tauFineS,
        gammaOhm: Float64Array.from(lastDrt.tauFineS, (t) =>
          trueZarcs.reduce((a, q) => a + zarcGamma(t, q.rOhm, q.tau0S, q.phi), 0),
        ),
      },
    ],
    windows: [
      {
        tauMinS: 10 ** wLo,
        tauMaxS: 10 ** wHi,
        label: `interphase ${windowText}`,
        resistanceOhm: z.windowOhm[last],
      },
    ],
    width: 820,
    height: 400,
  });
  const drtMap =
    sweeps > 1
      ? drtOverTimeSvg({ tauS: z.deis.tauS, timeS: z.timeS, gammaMap: z.deis.gammaMap, timeUnit: 'h' })
      : emptyFigureSvg('one sweep: no map over time', { width: 820, height: 200 });
  const sweepH = z.timeS.map((t) => t / 3600);
  const noTime = sweepH.map(() => NaN);
  const rMax = Math.max(...z.windowOhm, ...z.trueWindowOhm, ...z.deis.rInfOhm);
  const resistance = linePlotSvg({
    title: `Interphase resistance (DRT, ${windowText}) and R∞`,
    xLabel: 'Time / h',
    yLabel: 'Resistance / Ω',
    grid: true,
    width: 820,
    height: 360,
    // Headroom above the data for the legend.
    yDomain: [0, Math.ceil((1.45 * rMax) / 10) * 10 || 1],
    series: [
      { label: 'interphase', x: sweepH, y: z.windowOhm, style: 'points', color: categorical(0) },
      { x: sweepH, y: z.trueWindowOhm, style: 'dashed', color: categorical(0) },
      { label: 'R∞', x: sweepH, y: z.deis.rInfOhm, style: 'points', color: categorical(2) },
      {
        x: sweepH,
        y: Float64Array.from(sweepH, () => cell.params.resistanceOhm),
        style: 'dashed',
        color: categorical(2),
      },
      { label: 'truth', x: noTime, y: noTime, style: 'dashed', color: TRUTH_GREY },
    ],
  });

  // ── Dead lithium and capacity allocation (anode-free cell) ───────────────────────────────────────
  const af = input.anodeFree;
  const afCycles = af.result.cycles;
  const allocation = capacityAllocationSvg({
    title: 'Allocation of the initial charge capacity per measured cycle',
    unit: 'mAh',
    cycles: afCycles.map((c) => ({
      cycle: c.cycle,
      reversible: c.reversibleMAh,
      excessMetal: c.excessMAh,
      deadMetal: c.deadMAh,
      interphase: c.interphaseMAh,
    })),
    width: 820,
    height: 420,
  });
  const measuredCycle = afCycles.map((c) => c.cycle);
  const allCycles = af.truth.cycles.map((c) => c.cycle);
  const trend = af.result.trends.deadMAh;
  const lineCycles = [measuredCycle[0], measuredCycle[measuredCycle.length - 1]];
  const deadLi = linePlotSvg({
    title: 'Cumulative dead lithium',
    xLabel: 'Cycle',
    yLabel: 'Dead Li / mAh',
    grid: true,
    width: 820,
    height: 400,
    // Room left and right of the first and last cycle, and above the data for the legend.
    xDomain: [0, allCycles.length + 1],
    yDomain: [
      0,
      1.4 * Math.max(...af.truth.cycles.map((c) => c.deadMAh), ...afCycles.map((c) => c.deadMAh)) || 1,
    ],
    series: [
      {
        label: 'spincell',
        x: measuredCycle,
        y: afCycles.map((c) => c.deadMAh),
        style: 'points',
        color: categorical(0),
      },
      ...(trend
        ? [
            {
              label: 'linear fit',
              x: lineCycles,
              y: lineCycles.map((n) => trend.intercept + trend.slope * n),
              color: categorical(0),
            },
          ]
        : []),
      {
        label: 'truth',
        x: allCycles,
        y: af.truth.cycles.map((c) => c.deadMAh),
        style: 'dashed',
        color: TRUTH_GREY,
      },
    ],
  });
  const afLast = afCycles[afCycles.length - 1];
  const afLastTruth = af.truth.cycles[afLast.cycle - 1];

  return {
    title: 'spincell demo: a virtual Li‖Li cell and an anode-free Cu‖NMC622 cell',
    subtitle: `Operando ⁷Li NMR (${n} spectra), its cycler record and dynamic EIS (${sweeps} sweeps) of the Li‖Li cell; in situ ⁷Li metal integrals and the cycler record of the anode-free cell (${afCycles.length} measured cycles of ${af.truth.cycles.length}). Simulated with seed ${DEMO_SEED} and analysed by spincell; every result beside the simulated truth.`,
    sections: [
      {
        heading: 'Operando ⁷Li NMR',
        text: `The metal region (${lo}–${hi} ppm) of the processed spectra (automatic phase per spectrum, arPLS baseline, Li metal referenced to 245 ppm), stacked in acquisition order. Each baseline sits at the spectrum's acquisition mid-time, level with the cell voltage from the cycler record on the right: plating grows the lines at 245–265 ppm, stripping shrinks them.`,
        figures: [stacked, map],
      },
      {
        heading: 'Metal inventory',
        text: `The metal integral (${METAL_REGION[0]}–${METAL_REGION[1]} ppm) relative to the first spectrum, which sees only the pristine electrode, against the true metal signal of the simulation, above the voltage and current of the cycler record.`,
        figures: [inventory],
      },
      {
        heading: 'Morphology',
        text: 'The constrained deconvolution (Wichmann et al. 2025) of a spectrum at the end of the first plating step: data, the fitted dense, mossy and dendritic Voigt lines, their sum and the residual on the same intensity scale. Below, the fractions of every spectrum (points) over the simulated truth (dashed lines).',
        figures: morphologyFigures,
      },
      {
        heading: 'Impedance',
        text: `Dynamic EIS: ${z.deis.kkPass.filter(Boolean).length} of ${sweeps} sweeps pass Lin-KK. The interphase arc (τ0 = 1 ms) grows with the lithium bound in the SEI; the slow transport arc (τ0 = 10 s) lies outside the window ${windowText}. The shaded window's resistance is the one the summary reports.`,
        figures: [nyquist, gamma, drtMap, resistance],
      },
      {
        heading: 'Dead lithium and capacity allocation (Wichmann et al. 2025)',
        text: `A second virtual cell: anode-free Cu‖NMC622, ${af.truth.cycles[0].chargeMAh} mAh first charge on ${ANODE_FREE.areaCm2} cm², ${ANODE_FREE.cycles} cycles, ⁷Li metal integrals in the charged, discharged and after-CV states at cycles ${measuredCycle.join(', ')} (spectra at 0 % SOC weakened by the cathode and corrected with ×${ANODE_FREE.socFactor}; ${100 * ANODE_FREE.relativeNoise} % noise on every integral), capacities from its EC-Lab record. Above, the first charge capacity split into reversible, excess and dead lithium and interphase (the remainder) per measured cycle: after cycle ${afLast.cycle} spincell finds ${afLast.deadMAh.toFixed(4)} mAh dead Li (truth ${afLastTruth.deadMAh.toFixed(4)}) and ${afLast.interphasePercent.toFixed(1)} % interphase (truth ${((100 * afLastTruth.interphaseMAh) / af.truth.cycles[0].chargeMAh).toFixed(1)} %). Below, cumulative dead lithium at the measured cycles, its least-squares line${trend ? ` (${(1000 * trend.slope).toFixed(2)} ± ${(1000 * (trend.slopeStdErr ?? NaN)).toFixed(2)} µAh per cycle)` : ''} and the simulated truth at every cycle.`,
        figures: [allocation, deadLi],
      },
      {
        heading: 'Summary',
        text: 'The table the demo prints: each spincell result beside the simulated truth.',
        tables: input.tables.map((t) => ({ headers: t.headers, rows: t.rows, caption: t.caption })),
      },
    ],
  };
}
