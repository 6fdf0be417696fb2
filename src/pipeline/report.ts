/**
 * The sections of a run's report, drawn with the src/report figures: stacked spectra (beside the cell
 * voltage when a cycler record is given), region integrals vs time, morphology fractions, the cell's
 * voltage and cycles, the DRT of the last sweep and its evolution.
 *
 * The figures shared with the demo's report (the ppm × time intensity map, the Nyquist plot of the first
 * and last sweep, the DRT map over time) are assembled here from plain data.
 */
import { breakAtGaps, type AlignedSpectrum } from '../echem/index.js';
import {
  categorical,
  drtMapSvg,
  drtSvg,
  fractionsSvg,
  linePlotSvg,
  nyquistSvg,
  panelsSvg,
  spectraMapSvg,
  stackedSpectraSvg,
  type NamedSeries,
  type ReportFigure,
  type ReportSection,
} from '../report/index.js';
import { autoTimeUnit, toUnit, type TimeUnit } from '../report/svg/validate.js';
import type { CyclerRun, EisRun, NmrRun } from './run.js';

/** A thinned piece of one processed spectrum for the figures (ascending ppm). */
export interface SpectrumSlice {
  readonly index: number;
  readonly ppm: Float64Array;
  readonly re: Float64Array;
}

export interface RunReportInput {
  readonly nmr: NmrRun | null;
  readonly cycler: CyclerRun | null;
  readonly aligned: AlignedSpectrum[] | null;
  readonly eis: EisRun | null;
  readonly offsetS: number;
  /** Shown at the top of the report (spectra outside the cycler record, holes in it …). */
  readonly warnings?: readonly string[];
}

const W = 820;
const ppmText = (r: readonly [number, number]) => `${r[0]}…${r[1]} ppm`.replace(/-/g, '−');
const fmt = (x: number | null, digits: number) =>
  x === null || !Number.isFinite(x) ? '' : x.toFixed(digits);

/** `y` at the ascending `grid` points, linear between neighbours of the monotonic axis `x` (NaN outside it). */
export function resampleToGrid(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  grid: ArrayLike<number>,
): Float64Array {
  const n = x.length;
  const out = new Float64Array(grid.length).fill(NaN);
  if (n < 2) return out;
  const descending = x[0] > x[n - 1];
  const at = (k: number) => (descending ? n - 1 - k : k);
  let k = 0;
  for (let g = 0; g < grid.length; g++) {
    const v = grid[g];
    while (k < n - 2 && x[at(k + 1)] < v) k++;
    const x0 = x[at(k)];
    const x1 = x[at(k + 1)];
    if (v < x0 || v > x1 || x1 === x0) continue;
    const w = (v - x0) / (x1 - x0);
    out[g] = (1 - w) * y[at(k)] + w * y[at(k + 1)];
  }
  return out;
}

/**
 * Intensities in units of the first spectrum's peak (the start of the series): readable axes, and the
 * change of the lines reads directly off the colour bar.
 */
export function firstPeakScale(first: ArrayLike<number> | undefined): {
  readonly scale: (a: ArrayLike<number>) => Float64Array;
  readonly label: string;
} {
  let peak = 0;
  for (const v of Array.from(first ?? [])) if (Number.isFinite(v)) peak = Math.max(peak, Math.abs(v));
  const unit = peak > 0 ? 1 / peak : 1;
  return {
    scale: (a) => Float64Array.from(a, (v) => v * unit),
    label: peak > 0 ? 'Intensity / first peak' : 'Intensity / a.u.',
  };
}

export interface IntensityMapInput {
  readonly title: string;
  /** Common ascending ppm axis of the rows. */
  readonly ppm: ArrayLike<number>;
  readonly timeS: ArrayLike<number>;
  /** intensity[spectrum][point] on `ppm`, as processed (scaled to the first spectrum's peak here). */
  readonly intensity: readonly ArrayLike<number>[];
  readonly regionPpm?: [number, number];
  readonly timeUnit: TimeUnit;
  readonly width?: number;
  readonly height?: number;
}

/** The ppm × time intensity map of a spectra series. */
export function intensityMapSvg(input: IntensityMapInput): string {
  const { scale, label } = firstPeakScale(input.intensity[0]);
  return spectraMapSvg({
    title: input.title,
    ppm: input.ppm,
    timeS: input.timeS,
    intensity: input.intensity.map(scale),
    ...(input.regionPpm ? { regionPpm: input.regionPpm } : {}),
    timeUnit: input.timeUnit,
    levels: 48,
    zLabel: label,
    width: input.width ?? W,
    height: input.height ?? 460,
  });
}

export interface ImpedanceSweepTrace {
  readonly zReOhm: ArrayLike<number>;
  readonly zImOhm: ArrayLike<number>;
  /** The impedance of the sweep's fitted DRT, when known. */
  readonly fit?: { readonly zReOhm: ArrayLike<number>; readonly zImOhm: ArrayLike<number> } | null;
}

/** Nyquist plot of the first and last sweep, with the impedance of their DRT where every shown sweep has one. */
export function firstLastNyquistSvg(input: {
  readonly sweeps: readonly ImpedanceSweepTrace[];
  readonly label: (k: number) => string;
  readonly width?: number;
  readonly height?: number;
}): string {
  const last = input.sweeps.length - 1;
  const shown = last > 0 ? [0, last] : [0];
  const withFits = shown.every((k) => {
    const f = input.sweeps[k]?.fit;
    return !!f && f.zReOhm.length > 0 && f.zReOhm.length === f.zImOhm.length;
  });
  return nyquistSvg({
    title: `Nyquist plot of the ${last > 0 ? 'first and last sweep' : 'sweep'}${withFits ? `, with the impedance of ${last > 0 ? 'their' : 'its'} DRT` : ''}`,
    data: shown.map((k) => ({
      zReOhm: input.sweeps[k].zReOhm,
      zImOhm: input.sweeps[k].zImOhm,
      label: input.label(k),
    })),
    ...(withFits
      ? {
          fits: shown.map((k) => ({
            zReOhm: input.sweeps[k].fit!.zReOhm,
            zImOhm: input.sweeps[k].fit!.zImOhm,
            label: `DRT fit, sweep ${k + 1}`,
          })),
        }
      : {}),
    width: input.width ?? W,
    height: input.height ?? 420,
  });
}

/** The DRT map over time: `gammaMap` row-major (sweep × τ), one row per entry of `timeS`. */
export function drtOverTimeSvg(input: {
  readonly tauS: ArrayLike<number>;
  readonly timeS: ArrayLike<number>;
  readonly gammaMap: Float64Array;
  readonly timeUnit: TimeUnit;
  readonly width?: number;
  readonly height?: number;
}): string {
  const nTau = input.tauS.length;
  return drtMapSvg({
    title: 'DRT over time',
    tauS: input.tauS,
    timeS: input.timeS,
    gammaOhm: Array.from({ length: input.timeS.length }, (_, k) =>
      input.gammaMap.subarray(k * nTau, (k + 1) * nTau),
    ),
    timeUnit: input.timeUnit,
    width: input.width ?? W,
    height: input.height ?? 420,
  });
}

export function buildRunReport(input: RunReportInput): ReportSection[] {
  const { nmr, cycler, aligned, eis } = input;
  const sections: ReportSection[] = [];
  if (input.warnings && input.warnings.length > 0)
    sections.push({ heading: 'Warnings', text: input.warnings.join('\n\n') });
  // Cycler times on the spectrometer clock, s after the first spectrum's mid-time (or the record start).
  const t0Ms = nmr?.rows[0]?.midMs ?? cycler?.series.startMs ?? null;
  const onSpectrometerClock = cycler !== null && cycler.series.startMs !== null && t0Ms !== null;
  const cyclerS = cycler
    ? onSpectrometerClock
      ? Float64Array.from(
          cycler.series.timeS,
          (t) => t + ((cycler.series.startMs as number) - 1000 * input.offsetS - (t0Ms as number)) / 1000,
        )
      : Float64Array.from(cycler.series.timeS)
    : null;
  // Lines break at holes in the record instead of joining its two sides with a straight segment.
  const broken =
    cycler && cyclerS
      ? breakAtGaps(cyclerS, [cycler.series.voltageV, cycler.series.currentMA], cycler.gaps)
      : null;
  const voltage = broken && onSpectrometerClock && nmr ? { timeS: broken.x, voltageV: broken.ys[0] } : null;

  if (nmr && nmr.rows.length > 0) {
    const figures: ReportFigure[] = [];
    const timeS = nmr.rows.map((r) => r.timeS);
    const span = Math.max(0, ...timeS);
    const unit = autoTimeUnit(span);
    const region = nmr.regionsPpm[0];
    figures.push({
      svg: stackedSpectraSvg({
        title: `${nmr.nucleus} spectra${region ? `, ${ppmText(region)}` : ''}${voltage ? ', beside the cell voltage' : ''}`,
        spectra: nmr.slices.map((s) => ({ ppm: s.ppm, intensity: s.re, timeS: timeS[s.index] })),
        ...(region ? { regionPpm: [region[0], region[1]] as [number, number] } : {}),
        ...(voltage ? { voltage } : {}),
        timeUnit: unit,
        overlap: 4,
        width: W,
        height: 640,
      }),
      caption: `${nmr.slices.length} of ${nmr.rows.length} spectra (real part after processing).`,
    });
    if (nmr.slices.length > 1) {
      // The kept slices on the first one's ppm axis (the same axis for a series processed alike).
      const grid = nmr.slices[0].ppm;
      figures.push({
        svg: intensityMapSvg({
          title: `${nmr.nucleus} intensity over shift and time`,
          ppm: grid,
          timeS: nmr.slices.map((s) => timeS[s.index]),
          intensity: nmr.slices.map((s) => resampleToGrid(s.ppm, s.re, grid)),
          ...(region ? { regionPpm: [region[0], region[1]] as [number, number] } : {}),
          timeUnit: unit,
        }),
        caption: `The same ${nmr.slices.length} spectra, in units of the first one's peak.`,
      });
    }
    if (nmr.regionsPpm.length > 0) {
      const t = toUnit(timeS, unit);
      figures.push(
        panelsSvg({
          title: 'Region integrals vs time',
          xLabel: `Time / ${unit}`,
          grid: true,
          width: W,
          height: 200 + 160 * nmr.regionsPpm.length,
          panels: nmr.regionsPpm.map((r, k) => ({
            yLabel: `Integral ${ppmText(r)}`,
            series: [
              {
                x: t,
                y: nmr.rows.map((row) => row.integrals[k]),
                style: 'line+points' as const,
                color: categorical(k),
              },
            ],
          })),
        }),
      );
    }
    sections.push({ heading: 'NMR spectra and integrals', figures });

    if (nmr.morphology) {
      const names: string[] = [];
      for (const row of nmr.morphology)
        for (const c of row.result?.components ?? [])
          if (!names.includes(c.morphology)) names.push(c.morphology);
      const series: NamedSeries[] = names.map((name, k) => ({
        label: name,
        values: nmr.morphology!.map(
          (row) => row.result?.components.find((c) => c.morphology === name)?.fraction ?? NaN,
        ),
        style: 'line+points' as const,
        color: categorical(k + 1),
      }));
      const failed = nmr.morphology.filter((r) => !r.result).length;
      sections.push({
        heading: 'Morphology',
        text: `${nmr.morphology.length - failed} of ${nmr.morphology.length} spectra fitted.`,
        figures: [
          fractionsSvg({
            title: 'Fractions of the metal signal',
            mode: 'lines',
            timeS,
            timeUnit: unit,
            series,
            yLabel: 'Fraction of the metal signal',
            width: W,
            height: 420,
          }),
        ],
      });
    }
  }

  if (cycler && cyclerS && broken) {
    const unit = autoTimeUnit(Math.max(0, cyclerS[cyclerS.length - 1] ?? 0));
    const t = toUnit(broken.x, unit);
    const flagged = aligned
      ? aligned.filter((a) => a.status !== 'inside' || a.straddlesStep || a.gap).length
      : 0;
    const holes = cycler.gaps.length;
    sections.push({
      heading: 'Cell',
      text:
        (aligned
          ? `${aligned.length} spectra aligned to the cycler record; ${flagged} outside it, across a step change or over a hole in it.`
          : '') +
          (holes > 0
            ? `${aligned ? ' ' : ''}The record has ${holes} hole${holes === 1 ? '' : 's'} (no rows for longer than a few logging intervals); the lines break there.`
            : '') || undefined,
      figures: [
        panelsSvg({
          title: 'Cell voltage and current',
          xLabel: `Time / ${unit}`,
          grid: true,
          width: W,
          height: 420,
          panels: [
            { yLabel: 'Voltage / V', series: [{ x: t, y: broken.ys[0], color: '#D55E00' }] },
            { yLabel: 'Current / mA', series: [{ x: t, y: broken.ys[1], color: categorical(2) }] },
          ],
        }),
      ],
      tables: [
        {
          caption: 'Cycles',
          headers: ['cycle', 'charge / mAh', 'discharge / mAh', 'CE / %'],
          rows: cycler.cycles.map((c) => [
            c.number,
            fmt(c.chargeMAh, 4),
            fmt(c.dischargeMAh, 4),
            fmt(c.coulombicEfficiency === null ? null : 100 * c.coulombicEfficiency, 2),
          ]),
        },
      ],
    });
  }

  if (eis && eis.sweeps.length > 0) {
    const d = eis.deis;
    const last = eis.sweeps.length - 1;
    const drt = d.results[last];
    const sweepUnit = autoTimeUnit(Math.max(0, ...d.timeS));
    const figures: ReportFigure[] = [
      firstLastNyquistSvg({
        sweeps: eis.sweeps.map((s, k) => ({
          zReOhm: s.spectrum.zReOhm,
          zImOhm: s.spectrum.zImOhm,
          fit: d.results[k] ? { zReOhm: d.results[k].zFitReOhm, zImOhm: d.results[k].zFitImOhm } : null,
        })),
        label: (k) => `sweep ${k + 1}, ${toUnit([d.timeS[k]], sweepUnit)[0].toFixed(2)} ${sweepUnit}`,
      }),
      drtSvg({
        title: `Distribution of relaxation times, sweep ${last + 1}`,
        tauS: drt.tauFineS,
        gammaOhm: drt.gammaOhm,
        label: `DRT (λ = ${drt.lambda.toExponential(1)})`,
        windows: d.windows.map((w) => ({
          tauMinS: 10 ** w.log10TauMin,
          tauMaxS: 10 ** w.log10TauMax,
          resistanceOhm: w.resistanceOhm[last],
        })),
        width: W,
        height: 400,
      }),
    ];
    if (eis.sweeps.length > 1) {
      const unit = sweepUnit;
      figures.push(
        drtOverTimeSvg({ tauS: d.tauS, timeS: d.timeS, gammaMap: d.gammaMap, timeUnit: unit }),
        linePlotSvg({
          title: 'DRT window resistances and R∞',
          xLabel: `Time / ${unit}`,
          yLabel: 'Resistance / Ω',
          grid: true,
          width: W,
          height: 360,
          series: [
            ...d.windows.map((w, k) => ({
              label: `${w.log10TauMin} < log τ < ${w.log10TauMax}`.replace(/-/g, '−'),
              x: toUnit(d.timeS, unit),
              y: w.resistanceOhm,
              style: 'line+points' as const,
              color: categorical(k),
            })),
            {
              label: 'R∞',
              x: toUnit(d.timeS, unit),
              y: d.rInfOhm,
              style: 'line+points' as const,
              color: categorical(d.windows.length),
            },
          ],
        }),
      );
    }
    const passed = d.kkPass.filter(Boolean).length;
    sections.push({
      heading: 'Impedance',
      text: `${eis.sweeps.length} sweeps; Lin-KK: ${passed} of ${eis.sweeps.length} pass.`,
      figures,
    });
  }
  return sections;
}
