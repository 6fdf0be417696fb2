/**
 * Morphology fractions over time (stacked areas or lines) and the capacity allocation of each cycle as
 * stacked bars — where the charge went: back as reversible metal, left behind as excess or dead metal,
 * or consumed by the interphase.
 */
import { DataError } from '../../core/errors.js';
import { el, group, linePathData, num, svgDocument, text, textWidth, FONT_SIZE } from './core.js';
import {
  emptyState,
  frame,
  legend,
  titleText,
  xAxis,
  yAxis,
  type FigureOptions,
  type LegendEntry,
} from './axes.js';
import { categorical, INK } from './color.js';
import { drawSeries, plotPanel, type LineSeries } from './lineplot.js';
import { extent, linearScale, paddedDomain } from './scale.js';
import { autoTimeUnit, hasFinite, requireSameLength, toUnit, type TimeUnit } from './validate.js';

export interface NamedSeries {
  label: string;
  values: ArrayLike<number>;
  color?: string;
  /** Lines mode only: 'line' (default), 'dashed' (e.g. the truth of a simulation), 'points', 'line+points'. */
  style?: LineSeries['style'];
}

export interface FractionsInput extends FigureOptions {
  timeS: ArrayLike<number>;
  /** E.g. dense, mossy, dendritic; in stacking order from the bottom. */
  series: NamedSeries[];
  mode?: 'stacked' | 'lines';
  timeUnit?: TimeUnit;
  yLabel?: string;
  /** Replaces the time axis label (e.g. when the x values are spectrum numbers, not times). */
  xLabel?: string;
}

export function fractionsSvg(input: FractionsInput): string {
  const width = input.width ?? 640;
  const height = input.height ?? 400;
  input.series.forEach((s) => requireSameLength(`series ${s.label}`, input.timeS, s.values));
  const tExt = extent([input.timeS]);
  if (!tExt || input.series.length === 0 || !input.series.some((s) => hasFinite(s.values))) {
    const e = emptyState('No fractions to plot', { ...input, width, height });
    return svgDocument(e.width, e.height, e.body, { title: input.title });
  }
  const mode = input.mode ?? 'stacked';
  const unit = input.timeUnit ?? autoTimeUnit(tExt[1] - tExt[0]);
  const t = toUnit(input.timeS, unit);
  const n = t.length;
  const panel = plotPanel(width, height, input.title !== undefined, 130);
  const sx = linearScale(paddedDomain(extent([t]) as [number, number], 'linear', 0), [
    panel.x,
    panel.x + panel.width,
  ]);
  const parts: string[] = [titleText(input.title, width)];
  const entries: LegendEntry[] = [];

  if (mode === 'stacked') {
    for (const s of input.series) {
      for (let i = 0; i < n; i++) {
        if (s.values[i] < 0)
          throw new DataError('stacked fractions must not be negative', {
            field: s.label,
            found: s.values[i],
            expected: '≥ 0',
          });
      }
    }
    // A time point with any missing value is left out of every layer, so the stack never tears.
    const ok = Array.from(
      { length: n },
      (_, i) => Number.isFinite(t[i]) && input.series.every((s) => Number.isFinite(s.values[i])),
    );
    const totals = Array.from({ length: n }, (_, i) =>
      ok[i] ? input.series.reduce((a, s) => a + s.values[i], 0) : NaN,
    );
    const top = extent([totals]) ?? [0, 1];
    const sy = linearScale(
      [0, top[1] <= 1.0001 && top[1] > 0.5 ? 1 : paddedDomain([0, top[1] || 1], 'linear', 0.05, true)[1]],
      [panel.y + panel.height, panel.y],
    );
    const lower = new Float64Array(n);
    const idx = Array.from({ length: n }, (_, i) => i)
      .filter((i) => ok[i])
      .sort((a, b) => t[a] - t[b]);
    input.series.forEach((s, k) => {
      const color = s.color ?? categorical(k);
      const upper = idx.map((i) => lower[i] + s.values[i]);
      const xs = idx.map((i) => sx.map(t[i]));
      const ysUp = upper.map((v) => sy.map(v));
      const ysLo = idx.map((i) => sy.map(lower[i]));
      if (xs.length > 0) {
        const d = `${linePathData(xs, ysUp)}${linePathData(xs.slice().reverse(), ysLo.slice().reverse()).replace(/^M/, 'L')}Z`;
        parts.push(el('path', { d, fill: color, 'fill-opacity': 0.75, stroke: color, 'stroke-width': 0.8 }));
      }
      idx.forEach((i, j) => (lower[i] = upper[j]));
      entries.push({ label: s.label, color, kind: 'fill', opacity: 0.75 });
    });
    parts.push(yAxis(sy, panel, { label: input.yLabel ?? 'Fraction' }));
  } else {
    const yExt = extent(input.series.map((s) => s.values)) as [number, number];
    const sy = linearScale(paddedDomain([Math.min(0, yExt[0]), yExt[1]], 'linear', 0.05), [
      panel.y + panel.height,
      panel.y,
    ]);
    const drawn = drawSeries(
      input.series.map((s, k) => ({
        label: s.label,
        x: t,
        y: s.values,
        style: s.style,
        color: s.color ?? categorical(k),
      })),
      sx,
      sy,
    );
    parts.push(yAxis(sy, panel, { label: input.yLabel ?? 'Fraction', grid: true }), drawn.svg);
    entries.push(...drawn.entries);
  }
  parts.push(xAxis(sx, panel, { label: input.xLabel ?? `Time / ${unit}` }), frame(panel));
  parts.push(legend(entries, { ...panel, x: panel.x + panel.width + 4, width: 126 }, 'top-left', 1));
  return svgDocument(width, height, parts.join(''), { title: input.title });
}

export interface StackedBarsInput extends FigureOptions {
  /** One bar per category (e.g. cycle 1, 2, …). */
  categories: string[];
  /** Segments from the bottom up; values[k] belongs to categories[k]. */
  series: NamedSeries[];
  yLabel?: string;
  xLabel?: string;
}

export function stackedBarsSvg(input: StackedBarsInput): string {
  const width = input.width ?? 640;
  const height = input.height ?? 400;
  const m = input.categories.length;
  input.series.forEach((s) => {
    if (s.values.length !== m)
      throw new DataError('one value per category', { field: s.label, found: s.values.length, expected: m });
    for (let k = 0; k < m; k++) {
      if (s.values[k] < 0)
        throw new DataError('stacked bar segments must not be negative', {
          field: `${s.label}[${k}]`,
          found: s.values[k],
          expected: '≥ 0',
        });
    }
  });
  const totals = input.categories.map((_, k) =>
    input.series.reduce((a, s) => a + (Number.isFinite(s.values[k]) ? s.values[k] : 0), 0),
  );
  if (m === 0 || input.series.length === 0 || !input.series.some((s) => hasFinite(s.values))) {
    const e = emptyState('No bars to plot', { ...input, width, height });
    return svgDocument(e.width, e.height, e.body, { title: input.title });
  }
  const panel = plotPanel(width, height, input.title !== undefined, 150);
  const maxTotal = Math.max(...totals);
  const sy = linearScale(
    [0, paddedDomain([0, maxTotal > 0 ? maxTotal : 1], 'linear', 0.05, true)[1]],
    [panel.y + panel.height, panel.y],
  );
  const slot = panel.width / m;
  const barW = Math.min(60, slot * 0.62);
  const parts: string[] = [
    titleText(input.title, width),
    yAxis(sy, panel, { label: input.yLabel, grid: true }),
  ];
  const bars: string[] = [];
  for (let k = 0; k < m; k++) {
    const cx = panel.x + slot * (k + 0.5);
    let base = 0;
    input.series.forEach((s, j) => {
      const v = s.values[k];
      if (!Number.isFinite(v) || v === 0) return;
      const y0 = sy.map(base);
      const y1 = sy.map(base + v);
      bars.push(
        el('rect', {
          x: cx - barW / 2,
          y: y1,
          width: barW,
          height: y0 - y1,
          fill: s.color ?? categorical(j),
          stroke: '#ffffff',
          'stroke-width': 0.6,
        }),
      );
      base += v;
    });
    const label = input.categories[k];
    // Long category names are rotated rather than overlapping their neighbours.
    const rotate = textWidth(label, FONT_SIZE - 1) > slot - 4;
    const ly = panel.y + panel.height + 16;
    parts.push(
      text(cx, ly, label, {
        'text-anchor': rotate ? 'end' : 'middle',
        fill: INK,
        'font-size': FONT_SIZE - 1,
        transform: rotate ? `rotate(-35 ${num(cx)} ${num(ly)})` : undefined,
      }),
    );
  }
  parts.push(group(bars, { class: 'bars' }), frame(panel));
  if (input.xLabel)
    parts.push(
      text(panel.x + panel.width / 2, panel.y + panel.height + 2 * FONT_SIZE + 16, input.xLabel, {
        'text-anchor': 'middle',
        fill: INK,
      }),
    );
  const entries = input.series
    .map((s, j) => ({ label: s.label, color: s.color ?? categorical(j), kind: 'fill' as const, opacity: 1 }))
    .reverse();
  parts.push(legend(entries, { ...panel, x: panel.x + panel.width + 4, width: 146 }, 'top-left', 1));
  return svgDocument(width, height, parts.join(''), { title: input.title });
}

export interface CycleAllocation {
  cycle: string | number;
  /** Capacities of one cycle in one unit (default mAh cm⁻²). */
  reversible: number;
  excessMetal: number;
  deadMetal: number;
  interphase: number;
}

/** Capacity allocation per cycle: reversible, excess metal, dead metal, interphase. */
export function capacityAllocationSvg(
  input: FigureOptions & { cycles: CycleAllocation[]; unit?: string; metal?: 'Li' | 'Na' },
): string {
  const metal = input.metal ?? 'Li';
  const pick = (f: (c: CycleAllocation) => number) => input.cycles.map(f);
  return stackedBarsSvg({
    width: input.width,
    height: input.height,
    title: input.title,
    categories: input.cycles.map((c) => String(c.cycle)),
    xLabel: 'Cycle',
    yLabel: `Capacity / ${input.unit ?? 'mAh cm^-2'}`,
    series: [
      { label: 'reversible', values: pick((c) => c.reversible), color: '#0072B2' },
      { label: `excess ${metal}`, values: pick((c) => c.excessMetal), color: '#56B4E9' },
      { label: `dead ${metal}`, values: pick((c) => c.deadMetal), color: '#D55E00' },
      { label: 'interphase', values: pick((c) => c.interphase), color: '#E69F00' },
    ],
  });
}
