/**
 * The classic operando figure: spectra stacked bottom-to-top in acquisition order on a reversed ppm
 * axis, and beside them the cell voltage with time running upwards on the same vertical scale, so each
 * spectrum's baseline sits level with the moment it was acquired.
 */
import { DataError } from '../../core/errors.js';
import { el, group, linePathData, num, svgDocument, text, FONT_SIZE } from './core.js';
import {
  emptyState,
  frame,
  decimate,
  titleText,
  xAxis,
  yAxis,
  type FigureOptions,
  type Rect,
} from './axes.js';
import { INK } from './color.js';
import { extent, linearScale, paddedDomain, type Scale } from './scale.js';
import { autoTimeUnit, hasFinitePair, requireSameLength, timeDivisor, type TimeUnit } from './validate.js';

export interface StackedSpectrum {
  ppm: ArrayLike<number>;
  intensity: ArrayLike<number>;
  /** Acquisition (mid-)time in seconds; when every spectrum has one, baselines are placed by time. */
  timeS?: number;
}

export interface VoltageTrace {
  timeS: ArrayLike<number>;
  voltageV: ArrayLike<number>;
}

export interface StackedSpectraInput extends FigureOptions {
  spectra: StackedSpectrum[];
  /** Shift window shown, either order, e.g. [200, 300]; default the full axis. */
  regionPpm?: [number, number];
  voltage?: VoltageTrace;
  /** Height of the tallest peak in units of the mean baseline spacing (> 1 overlaps, the usual look). */
  overlap?: number;
  /** Hide the parts of earlier (lower) spectra behind later ones, as in a waterfall. */
  hiddenLines?: boolean;
  xLabel?: string;
  timeUnit?: TimeUnit;
  color?: string;
}

export function stackedSpectraSvg(input: StackedSpectraInput): string {
  const width = input.width ?? (input.voltage ? 760 : 560);
  const height = input.height ?? 640;
  input.spectra.forEach((s, i) => requireSameLength(`spectra[${i}]`, s.ppm, s.intensity));
  const region = input.regionPpm ?? extent(input.spectra.map((s) => s.ppm));
  const drawable = input.spectra.some((s) => hasFinitePair(s.ppm, s.intensity));
  if (!region || !drawable || region[0] === region[1] || !region.every(Number.isFinite)) {
    const e = emptyState('No spectra to plot', { ...input, width, height });
    return svgDocument(e.width, e.height, e.body, { title: input.title });
  }
  const [ppmLo, ppmHi] = [Math.min(...region), Math.max(...region)];
  const n = input.spectra.length;
  const byTime = input.spectra.every((s) => Number.isFinite(s.timeS));
  if (input.voltage && !byTime) {
    throw new DataError('voltage panel needs an acquisition time for every spectrum', {
      field: 'spectra[].timeS',
      expected: 'finite seconds',
    });
  }
  if (input.voltage) requireSameLength('voltage', input.voltage.timeS, input.voltage.voltageV);

  const top = input.title ? 34 : 14;
  const bottom = 2 * FONT_SIZE + 24;
  const plotH = height - top - bottom;
  const leftMargin = byTime && !input.voltage ? 64 : 20;
  const rightMargin = input.voltage ? 64 : 20;
  const gap = 18;
  const spectraW = input.voltage
    ? (width - leftMargin - rightMargin - gap) * 0.72
    : width - leftMargin - rightMargin;
  const spectraPanel: Rect = { x: leftMargin, y: top, width: spectraW, height: plotH };
  const sx = linearScale([ppmHi, ppmLo], [spectraPanel.x, spectraPanel.x + spectraPanel.width]);

  // Vertical layout: reserve headroom for the last spectrum's peak so it stays inside the panel.
  const overlap = Math.max(0, input.overlap ?? 3);
  const spacing = plotH / Math.max(1, n - 1 + overlap);
  const peakPx = Math.min(overlap * spacing, plotH * 0.6);
  const times = input.spectra.map((s, i) => (byTime ? (s.timeS as number) : i));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const unit = input.timeUnit ?? autoTimeUnit(t1 - t0);
  const div = byTime ? timeDivisor(unit) : 1;
  const span = t1 > t0 ? t1 - t0 : 1;
  const tTop = t1 + (span * peakPx) / Math.max(1, plotH - peakPx);
  const sy: Scale = linearScale([t0 / div, tTop / div], [top + plotH, top]);

  let maxAbs = 0;
  for (const s of input.spectra) {
    for (let i = 0; i < s.ppm.length; i++) {
      if (s.ppm[i] >= ppmLo && s.ppm[i] <= ppmHi && Number.isFinite(s.intensity[i]))
        maxAbs = Math.max(maxAbs, Math.abs(s.intensity[i]));
    }
  }
  const k = maxAbs > 0 ? peakPx / maxAbs : 0;
  const color = input.color ?? '#1b3a6b';
  const hidden = input.hiddenLines ?? true;

  // Latest first, so that with white fills the earlier spectra in front cover what lies behind them.
  const order = times.map((t, i) => [t, i] as const).sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  const paths: string[] = [];
  for (const [t, i] of order) {
    const s = input.spectra[i];
    const base = sy.map(t / div);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let j = 0; j < s.ppm.length; j++) {
      const p = s.ppm[j];
      if (!(p >= ppmLo && p <= ppmHi)) continue;
      xs.push(sx.map(p));
      ys.push(Number.isFinite(s.intensity[j]) ? base - s.intensity[j] * k : NaN);
    }
    const d = decimate(xs, ys);
    const line = linePathData(d.xs, d.ys);
    if (line === '') continue;
    if (hidden) {
      const fx = d.xs.filter(Number.isFinite);
      const close = `L${num(fx[fx.length - 1])} ${num(base)}L${num(fx[0])} ${num(base)}Z`;
      // Filling only works on one sub-path; with gaps the fill is skipped and just the line is drawn.
      const single = (line.match(/M/g) ?? []).length === 1;
      if (single) paths.push(el('path', { d: line + close, fill: '#ffffff', stroke: 'none' }));
    }
    paths.push(
      el('path', { d: line, fill: 'none', stroke: color, 'stroke-width': 0.9, 'stroke-linejoin': 'round' }),
    );
  }

  const parts: string[] = [titleText(input.title, width)];
  parts.push(xAxis(sx, spectraPanel, { label: input.xLabel ?? 'δ / ppm' }));
  parts.push(group(paths, { class: 'spectra' }));
  if (byTime && !input.voltage) parts.push(yAxis(sy, spectraPanel, { label: `Time / ${unit}` }, 'left'));

  if (input.voltage) {
    const vp: Rect = {
      x: spectraPanel.x + spectraW + gap,
      y: top,
      width: width - leftMargin - rightMargin - gap - spectraW,
      height: plotH,
    };
    const tv = input.voltage.timeS;
    const vv = input.voltage.voltageV;
    // Only the part of the profile within the stacked time window is drawn, so the two panels align.
    const ts: number[] = [];
    const vs: number[] = [];
    for (let i = 0; i < tv.length; i++) {
      const inside = tv[i] >= t0 && tv[i] <= tTop;
      ts.push(inside ? tv[i] / div : NaN);
      vs.push(inside ? vv[i] : NaN);
    }
    const vExt = extent([vs]);
    if (vExt) {
      const svx = linearScale(paddedDomain(vExt, 'linear', 0.08), [vp.x, vp.x + vp.width]);
      const px = vs.map((v) => svx.map(v));
      const py = ts.map((t) => sy.map(t));
      const d = decimate(px, py);
      parts.push(xAxis(svx, vp, { label: 'Voltage / V', tickTarget: 3, grid: true }));
      parts.push(
        el('path', { d: linePathData(d.xs, d.ys), fill: 'none', stroke: '#D55E00', 'stroke-width': 1.5 }),
      );
    } else {
      parts.push(
        text(vp.x + vp.width / 2, top + plotH / 2, 'no voltage data', { 'text-anchor': 'middle', fill: INK }),
      );
    }
    parts.push(yAxis(sy, vp, { label: `Time / ${unit}` }, 'right'));
    parts.push(frame(vp));
  }
  return svgDocument(width, height, parts.join(''), { title: input.title });
}
