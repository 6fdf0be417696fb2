/** Generic x–y plot: voltage vs time, integrals vs time with the simulation truth as a dashed overlay. */
import { el, group, num, svgDocument, text, FONT_SIZE } from './core.js';
import {
  splitVertical,
  yLabelOffset,
  legend,
  emptyState,
  titleText,
  dataPath,
  frame,
  xAxis,
  yAxis,
  type FigureOptions,
  type LegendEntry,
  type Rect,
} from './axes.js';
import { categorical, MUTED } from './color.js';
import { extent, makeScale, paddedDomain, type Scale, type ScaleKind } from './scale.js';
import { hasFinitePair, requireSameLength } from './validate.js';

export interface LineSeries {
  label?: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** 'line' (default), 'dashed' (e.g. truth), 'points' or 'line+points'. */
  style?: 'line' | 'dashed' | 'points' | 'line+points';
  color?: string;
}

export interface LinePlotInput extends FigureOptions {
  series: LineSeries[];
  xLabel?: string;
  yLabel?: string;
  xScale?: ScaleKind;
  yScale?: ScaleKind;
  /** High-to-low x axis (chemical shift). */
  xReversed?: boolean;
  xDomain?: [number, number];
  yDomain?: [number, number];
  grid?: boolean;
}

export function linePlotSvg(input: LinePlotInput): string {
  return panelsSvg({
    ...input,
    panels: [{ series: input.series, yLabel: input.yLabel, yScale: input.yScale, yDomain: input.yDomain }],
  });
}

export interface PanelSpec {
  series: LineSeries[];
  yLabel?: string;
  yScale?: ScaleKind;
  yDomain?: [number, number];
  /** Relative height (default 1). */
  weight?: number;
}

export interface PanelsInput extends FigureOptions {
  /** Panels top to bottom, all sharing one x axis (drawn under the lowest panel). */
  panels: PanelSpec[];
  xLabel?: string;
  xScale?: ScaleKind;
  xReversed?: boolean;
  xDomain?: [number, number];
  grid?: boolean;
}

/** Several x–y panels stacked vertically over one shared x axis (e.g. voltage, current and integrals vs time). */
export function panelsSvg(input: PanelsInput): string {
  const width = input.width ?? 640;
  const height = input.height ?? (input.panels.length > 1 ? 220 + 160 * input.panels.length : 400);
  input.panels.forEach((p, j) =>
    p.series.forEach((s, i) =>
      requireSameLength(`panel ${j} series[${i}] ${s.label ?? ''}`.trim(), s.x, s.y),
    ),
  );
  const xKind = input.xScale ?? 'linear';
  const all = input.panels.flatMap((p) => p.series);
  const xExt =
    input.xDomain ??
    extent(
      all.map((s) => s.x),
      xKind,
    );
  if (!all.some((s) => hasFinitePair(s.x, s.y)) || !xExt) {
    const e = emptyState('No data to plot', { ...input, width, height });
    return svgDocument(e.width, e.height, e.body, { title: input.title });
  }
  const standard = plotPanel(width, height, input.title !== undefined);
  const split = splitVertical(
    standard,
    input.panels.map((p) => p.weight ?? 1),
    10,
  );
  const scales = input.panels.map((p, j) => {
    const panel = split[j];
    const yKind = p.yScale ?? 'linear';
    const yExt =
      p.yDomain ??
      extent(
        p.series.map((s) => s.y),
        yKind,
      );
    if (!yExt || !p.series.some((s) => hasFinitePair(s.x, s.y))) return null;
    return makeScale(yKind, p.yDomain ?? paddedDomain(yExt, yKind, 0.05), [panel.y + panel.height, panel.y]);
  });
  const labelOffset = Math.max(0, ...scales.map((sy) => (sy ? yLabelOffset(sy) : 0)));
  // Wide tick labels (e.g. 1.4×10¹¹) push the rotated y label out: the panels then give up width on the
  // left so that the label's glyphs (about one font size left of its baseline) stay inside the figure.
  const left = Math.max(standard.x, Math.ceil(labelOffset + FONT_SIZE + 4));
  const outer: Rect = { ...standard, x: left, width: standard.width - (left - standard.x) };
  const rects = split.map((r) => ({ ...r, x: outer.x, width: outer.width }));
  const xd = input.xDomain ?? paddedDomain(xExt, xKind, 0);
  const sx = makeScale(xKind, input.xReversed ? [Math.max(...xd), Math.min(...xd)] : xd, [
    outer.x,
    outer.x + outer.width,
  ]);
  const parts: string[] = [titleText(input.title, width)];
  input.panels.forEach((p, j) => {
    const panel = rects[j];
    const sy = scales[j];
    parts.push(
      xAxis(sx, panel, { label: input.xLabel, grid: input.grid, tickLabels: j === input.panels.length - 1 }),
    );
    if (!sy) {
      parts.push(
        text(panel.x + panel.width / 2, panel.y + panel.height / 2, 'no data', {
          'text-anchor': 'middle',
          fill: MUTED,
          class: 'empty-state',
        }),
      );
      parts.push(frame(panel));
      return;
    }
    const drawn = drawSeries(p.series, sx, sy);
    parts.push(
      yAxis(sy, panel, { label: p.yLabel, grid: input.grid, labelOffset }),
      drawn.svg,
      frame(panel),
      legend(drawn.entries, panel),
    );
  });
  return svgDocument(width, height, parts.join(''), { title: input.title });
}

/** Lines, dashed lines and markers of several series, with their legend entries. */
export function drawSeries(
  series: LineSeries[],
  sx: Scale,
  sy: Scale,
): { svg: string; entries: LegendEntry[] } {
  const parts: string[] = [];
  const entries: LegendEntry[] = [];
  series.forEach((s, i) => {
    const color = s.color ?? categorical(i);
    const style = s.style ?? 'line';
    const clipped = clipToDomain(s.x, s.y, sx.domain, sy.domain);
    if (style !== 'points') {
      parts.push(
        el('path', {
          d: dataPath(clipped.x, clipped.y, sx, sy),
          fill: 'none',
          stroke: color,
          'stroke-width': 1.6,
          'stroke-dasharray': style === 'dashed' ? '6 4' : undefined,
          'stroke-linejoin': 'round',
        }),
      );
    }
    if (style === 'points' || style === 'line+points')
      parts.push(markers(clipped.x, clipped.y, sx, sy, color));
    if (s.label)
      entries.push({
        label: s.label,
        color,
        kind: style === 'points' ? 'point' : style === 'dashed' ? 'dashed' : 'line',
      });
  });
  return { svg: group(parts, { class: 'series' }), entries };
}

/** Standard single-panel area leaving room for tick labels and axis labels. */
export function plotPanel(width: number, height: number, hasTitle: boolean, rightMargin = 20): Rect {
  const top = hasTitle ? 34 : 14;
  const left = 72;
  const bottom = 2 * FONT_SIZE + 24;
  return { x: left, y: top, width: width - left - rightMargin, height: height - top - bottom };
}

/** Points outside an explicit axis domain become gaps, so nothing is drawn over the axes. */
export function clipToDomain(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  xd: readonly [number, number],
  yd: readonly [number, number],
): { x: Float64Array; y: Float64Array } {
  const [x0, x1] = [Math.min(...xd), Math.max(...xd)];
  const [y0, y1] = [Math.min(...yd), Math.max(...yd)];
  const ox = new Float64Array(x.length);
  const oy = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const inside = x[i] >= x0 && x[i] <= x1 && y[i] >= y0 && y[i] <= y1;
    ox[i] = inside ? x[i] : NaN;
    oy[i] = inside ? y[i] : NaN;
  }
  return { x: ox, y: oy };
}

export function markers(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  sx: { map(v: number): number },
  sy: { map(v: number): number },
  color: string,
  r = 2.5,
): string {
  const parts: string[] = [];
  for (let i = 0; i < x.length; i++) {
    const px = sx.map(x[i]);
    const py = sy.map(y[i]);
    if (Number.isFinite(px) && Number.isFinite(py))
      parts.push(
        `M${num(px - r)} ${num(py)}a${num(r)} ${num(r)} 0 1 0 ${num(2 * r)} 0a${num(r)} ${num(r)} 0 1 0 ${num(-2 * r)} 0`,
      );
  }
  return parts.length ? el('path', { d: parts.join(''), fill: color, stroke: 'none' }) : '';
}
