/**
 * The sections of a run's report, drawn with the src/report figures: stacked spectra (beside the cell
 * voltage when a cycler record is given), region integrals vs time, morphology fractions, the cell's
 * voltage and cycles, the DRT of the last sweep and its evolution.
 */
import type { AlignedSpectrum } from '../echem/index.js';
import {
  categorical,
  drtMapSvg,
  drtSvg,
  fractionsSvg,
  linePlotSvg,
  panelsSvg,
  stackedSpectraSvg,
  type NamedSeries,
  type ReportFigure,
  type ReportSection,
} from '../report/index.js';
import { autoTimeUnit, toUnit } from '../report/svg/validate.js';
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
}

const W = 820;
const ppmText = (r: readonly [number, number]) => `${r[0]}…${r[1]} ppm`.replace(/-/g, '−');
const fmt = (x: number | null, digits: number) =>
  x === null || !Number.isFinite(x) ? '' : x.toFixed(digits);

export function buildRunReport(input: RunReportInput): ReportSection[] {
  const { nmr, cycler, aligned, eis } = input;
  const sections: ReportSection[] = [];
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
  const voltage =
    cycler && cyclerS && onSpectrometerClock && nmr
      ? { timeS: cyclerS, voltageV: cycler.series.voltageV }
      : null;

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

  if (cycler && cyclerS) {
    const unit = autoTimeUnit(Math.max(0, cyclerS[cyclerS.length - 1] ?? 0));
    const t = toUnit(cyclerS, unit);
    const flagged = aligned ? aligned.filter((a) => a.status !== 'inside' || a.straddlesStep).length : 0;
    sections.push({
      heading: 'Cell',
      text: aligned
        ? `${aligned.length} spectra aligned to the cycler record; ${flagged} outside it or across a step change.`
        : undefined,
      figures: [
        panelsSvg({
          title: 'Cell voltage and current',
          xLabel: `Time / ${unit}`,
          grid: true,
          width: W,
          height: 420,
          panels: [
            { yLabel: 'Voltage / V', series: [{ x: t, y: cycler.series.voltageV, color: '#D55E00' }] },
            { yLabel: 'Current / mA', series: [{ x: t, y: cycler.series.currentMA, color: categorical(2) }] },
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
    const figures: ReportFigure[] = [
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
      const unit = autoTimeUnit(Math.max(0, ...d.timeS));
      const nTau = d.tauS.length;
      figures.push(
        drtMapSvg({
          title: 'DRT over time',
          tauS: d.tauS,
          timeS: d.timeS,
          gammaOhm: Array.from({ length: eis.sweeps.length }, (_, k) =>
            d.gammaMap.subarray(k * nTau, (k + 1) * nTau),
          ),
          timeUnit: unit,
          width: W,
          height: 420,
        }),
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
