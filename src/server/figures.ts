/**
 * SVG exports of the workbench's plots, drawn by the report's figure code (src/report/svg/) from the same
 * store readers the views use, for the window the user is looking at: the operando map (time × ppm, as
 * on screen), the cycler panels, one spectrum with its fit, and a waterfall of a selection.
 */
import { UsageError } from '../core/errors.js';
import { fitOverlaySvg, heatMapSvg, panelsSvg, stackedSpectraSvg } from '../report/index.js';
import { autoTimeUnit, timeDivisor } from '../report/svg/validate.js';
import { mapImage, readSpectrum, type ProjectStore } from '../store/index.js';
import { cyclerWindow, fullCyclerSeries, timeline } from './views.js';

export interface FigureWindow {
  t0?: number;
  t1?: number;
  ppmMin?: number;
  ppmMax?: number;
  spectrum?: number;
  spectra?: number[];
}

function inWindow(t: ReturnType<typeof timeline>, w: FigureWindow) {
  return t.spectra.filter(
    (s) => s.drawn && (w.t0 === undefined || s.endS >= w.t0) && (w.t1 === undefined || s.startS <= w.t1),
  );
}

export function mapFigure(store: ProjectStore, runId: number, w: FigureWindow): string {
  const t = timeline(store, runId);
  const shown = inWindow(t, w);
  const img = mapImage(store, runId, {
    columns: 300,
    minPpm: w.ppmMin,
    maxPpm: w.ppmMax,
    spectra: shown.map((s) => s.spectrum),
  });
  if (img.rows.length === 0)
    throw new UsageError('no spectra in the window', { field: 't0/t1', found: `${w.t0}–${w.t1}` });
  const span = shown[shown.length - 1].endS - shown[0].startS;
  const unit = autoTimeUnit(span);
  const d = timeDivisor(unit);
  const cols = img.ppm.length;
  // rows of the SVG are ppm (top: high shift), columns the spectra in time
  const z = Array.from(img.ppm, (_, j) =>
    Float64Array.from(img.rows, (_r, i) => img.intensity[i * cols + j]),
  );
  return heatMapSvg({
    width: 760,
    height: 420,
    title: `Run ${runId}: shift × time`,
    x: shown.map((s) => (s.startS + s.endS) / 2 / d),
    y: Array.from(img.ppm).reverse(),
    z: z.reverse(),
    xLabel: `Time / ${unit}`,
    yLabel: 'δ / ppm',
    zLabel: 'Intensity / a.u.',
  });
}

export function cyclerFigure(store: ProjectStore, runId: number, w: FigureWindow): string {
  const series = fullCyclerSeries(store, runId);
  if (!series) throw new UsageError('the run has no cycler record', { field: 'run', found: runId });
  const c = cyclerWindow(series, 700, w.t0, w.t1);
  const span = c.timeS[c.timeS.length - 1] - c.timeS[0];
  const unit = autoTimeUnit(span);
  const d = timeDivisor(unit);
  const x = c.timeS.map((v) => v / d);
  return panelsSvg({
    width: 760,
    height: 420,
    title: `Run ${runId}: cycler record`,
    xLabel: `Time / ${unit}`,
    panels: [
      { series: [{ label: 'voltage', x, y: c.voltageV }], yLabel: 'Voltage / V' },
      { series: [{ label: 'current', x, y: c.currentMA }], yLabel: 'Current / mA' },
    ],
  });
}

export function spectrumFigure(store: ProjectStore, runId: number, w: FigureWindow): string {
  const k = w.spectrum ?? 0;
  const d = readSpectrum(store, runId, k);
  const lo = w.ppmMin ?? -Infinity;
  const hi = w.ppmMax ?? Infinity;
  const title = `Run ${runId}, spectrum ${k}`;
  if (!d.fit) {
    const keep = Array.from(d.ppm.keys()).filter((i) => d.ppm[i] >= lo && d.ppm[i] <= hi);
    return panelsSvg({
      width: 760,
      height: 420,
      title,
      xReversed: true,
      xLabel: 'δ / ppm',
      panels: [
        {
          series: [{ label: 'spectrum', x: keep.map((i) => d.ppm[i]), y: keep.map((i) => d.intensity[i]) }],
          yLabel: 'Intensity / a.u.',
        },
      ],
    });
  }
  const fit = d.fit;
  const x0 = d.ppm[0];
  const dx = d.ppm[1] - d.ppm[0];
  const data = Array.from(fit.ppm, (x) => d.intensity[Math.round((x - x0) / dx)]);
  return fitOverlaySvg({
    width: 760,
    height: 480,
    title,
    ppm: fit.ppm,
    data,
    components: fit.lines.map((l) => ({ label: l.name, y: l.y })),
    sum: fit.sum,
    regionPpm: w.ppmMin !== undefined && w.ppmMax !== undefined ? [w.ppmMin, w.ppmMax] : undefined,
  });
}

export function waterfallFigure(store: ProjectStore, runId: number, w: FigureWindow): string {
  const t = timeline(store, runId);
  const chosen = w.spectra && w.spectra.length > 0 ? w.spectra : inWindow(t, w).map((s) => s.spectrum);
  const at = new Map(t.spectra.map((s) => [s.spectrum, s]));
  const spectra = chosen.slice(0, 200).map((k) => {
    const d = readSpectrum(store, runId, k);
    const s = at.get(k);
    return { ppm: d.ppm, intensity: d.intensity, timeS: s ? (s.startS + s.endS) / 2 : undefined };
  });
  if (spectra.length === 0) throw new UsageError('no spectra selected', { field: 'spectra' });
  return stackedSpectraSvg({
    title: `Run ${runId}: ${spectra.length} spectra`,
    spectra,
    regionPpm: w.ppmMin !== undefined && w.ppmMax !== undefined ? [w.ppmMin, w.ppmMax] : undefined,
    hiddenLines: true,
  });
}

export const FIGURES = {
  map: mapFigure,
  cycler: cyclerFigure,
  spectrum: spectrumFigure,
  waterfall: waterfallFigure,
} as const;
