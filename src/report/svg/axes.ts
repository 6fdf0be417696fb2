/**
 * Panels and axes. A panel is a rectangle of the figure with one x and one y scale; panels that share a
 * scale object share an axis (stacked fit/residual panels, spectra beside a voltage profile).
 */
import { el, group, linePathData, num, text, textWidth, FONT_SIZE } from './core.js';
import { GRID, INK, MUTED } from './color.js';
import type { Scale } from './scale.js';
import { richText } from './text.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FigureOptions {
  /** Figure size in CSS pixels (the viewBox); the SVG scales freely in HTML. */
  width?: number;
  height?: number;
  title?: string;
}

export const TICK = 5;

export interface AxisOptions {
  /** Axis label with units; TeX-like `^`/`_` become Unicode super/subscripts. */
  label?: string;
  tickTarget?: number;
  /** Light grid lines across the panel at each tick. */
  grid?: boolean;
  /** Draw tick labels (off for the upper of two panels sharing an x axis). */
  tickLabels?: boolean;
  /** Distance of a y-axis label from the axis line; stacked panels share one so their labels line up. */
  labelOffset?: number;
}

/** Distance from the axis line a y-axis label needs to clear the tick labels of `scale`. */
export function yLabelOffset(scale: Scale, tickTarget?: number): number {
  const ticks = scale.ticks(tickTarget);
  const widest = Math.max(0, ...ticks.map((t) => textWidth(scale.tickLabel(t, ticks), FONT_SIZE - 1)));
  return TICK + 3 + widest + 8;
}

/** Horizontal axis along the bottom (or top) edge of a panel. */
export function xAxis(
  scale: Scale,
  panel: Rect,
  options: AxisOptions = {},
  side: 'bottom' | 'top' = 'bottom',
): string {
  const ticks = scale.ticks(options.tickTarget);
  const y0 = side === 'bottom' ? panel.y + panel.height : panel.y;
  const dir = side === 'bottom' ? 1 : -1;
  const parts: string[] = [];
  if (options.grid) {
    for (const t of ticks) {
      const x = scale.map(t);
      parts.push(
        el('line', {
          x1: x,
          x2: x,
          y1: panel.y,
          y2: panel.y + panel.height,
          stroke: GRID,
          'stroke-width': 1,
        }),
      );
    }
  }
  parts.push(
    el('line', { x1: panel.x, x2: panel.x + panel.width, y1: y0, y2: y0, stroke: INK, 'stroke-width': 1 }),
  );
  for (const t of scale.minorTicks()) {
    const x = scale.map(t);
    parts.push(
      el('line', { x1: x, x2: x, y1: y0, y2: y0 + dir * TICK * 0.6, stroke: INK, 'stroke-width': 0.8 }),
    );
  }
  for (const t of ticks) {
    const x = scale.map(t);
    parts.push(el('line', { x1: x, x2: x, y1: y0, y2: y0 + dir * TICK, stroke: INK, 'stroke-width': 1 }));
    if (options.tickLabels !== false) {
      const ty = side === 'bottom' ? y0 + TICK + FONT_SIZE : y0 - TICK - 4;
      parts.push(
        text(x, ty, scale.tickLabel(t, ticks), {
          'text-anchor': 'middle',
          fill: INK,
          'font-size': FONT_SIZE - 1,
        }),
      );
    }
  }
  if (options.label && options.tickLabels !== false) {
    const ly = side === 'bottom' ? y0 + TICK + 2 * FONT_SIZE + 8 : y0 - TICK - FONT_SIZE - 12;
    parts.push(
      text(panel.x + panel.width / 2, ly, richText(options.label), { 'text-anchor': 'middle', fill: INK }),
    );
  }
  return group(parts, { class: 'x-axis' });
}

/** Vertical axis on the left or right edge of a panel; the label is placed clear of the widest tick label. */
export function yAxis(
  scale: Scale,
  panel: Rect,
  options: AxisOptions = {},
  side: 'left' | 'right' = 'left',
): string {
  const ticks = scale.ticks(options.tickTarget);
  const x0 = side === 'left' ? panel.x : panel.x + panel.width;
  const dir = side === 'left' ? -1 : 1;
  const parts: string[] = [];
  if (options.grid) {
    for (const t of ticks) {
      const y = scale.map(t);
      parts.push(
        el('line', { x1: panel.x, x2: panel.x + panel.width, y1: y, y2: y, stroke: GRID, 'stroke-width': 1 }),
      );
    }
  }
  parts.push(
    el('line', { x1: x0, x2: x0, y1: panel.y, y2: panel.y + panel.height, stroke: INK, 'stroke-width': 1 }),
  );
  for (const t of scale.minorTicks()) {
    const y = scale.map(t);
    parts.push(
      el('line', { x1: x0, x2: x0 + dir * TICK * 0.6, y1: y, y2: y, stroke: INK, 'stroke-width': 0.8 }),
    );
  }
  let widest = 0;
  for (const t of ticks) {
    const y = scale.map(t);
    parts.push(el('line', { x1: x0, x2: x0 + dir * TICK, y1: y, y2: y, stroke: INK, 'stroke-width': 1 }));
    if (options.tickLabels !== false) {
      const label = scale.tickLabel(t, ticks);
      widest = Math.max(widest, textWidth(label, FONT_SIZE - 1));
      parts.push(
        text(x0 + dir * (TICK + 3), y + 4, label, {
          'text-anchor': side === 'left' ? 'end' : 'start',
          fill: INK,
          'font-size': FONT_SIZE - 1,
        }),
      );
    }
  }
  if (options.label) {
    // Read bottom-to-top on both sides; on the right the glyphs then extend back towards the axis, so the
    // label moves out by one line height.
    const lx = x0 + dir * (options.labelOffset ?? TICK + 3 + widest + 8) + (side === 'right' ? FONT_SIZE : 0);
    const ly = panel.y + panel.height / 2;
    const rotation = -90;
    parts.push(
      text(lx, ly, richText(options.label), {
        'text-anchor': 'middle',
        fill: INK,
        transform: `rotate(${rotation} ${num(lx)} ${num(ly)})`,
      }),
    );
  }
  return group(parts, { class: 'y-axis' });
}

/** Thin box around a panel. */
export function frame(panel: Rect): string {
  return el('rect', {
    x: panel.x,
    y: panel.y,
    width: panel.width,
    height: panel.height,
    fill: 'none',
    stroke: INK,
    'stroke-width': 1,
  });
}

export function titleText(title: string | undefined, width: number): string {
  return title
    ? text(width / 2, 18, title, {
        'text-anchor': 'middle',
        'font-size': FONT_SIZE + 2,
        'font-weight': 'bold',
        fill: INK,
      })
    : '';
}

/** Splits a panel vertically into parts with the given relative heights (top first) and a gap between. */
export function splitVertical(panel: Rect, weights: number[], gap = 8): Rect[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const usable = panel.height - gap * (weights.length - 1);
  const out: Rect[] = [];
  let y = panel.y;
  for (const w of weights) {
    const h = (usable * w) / total;
    out.push({ x: panel.x, y, width: panel.width, height: h });
    y += h + gap;
  }
  return out;
}

export type SwatchKind = 'line' | 'dashed' | 'fill' | 'point';

export interface LegendEntry {
  label: string;
  color: string;
  kind?: SwatchKind;
  /** Fill opacity of a 'fill' swatch, matching the areas it stands for (default 0.45). */
  opacity?: number;
}

/** Legend box inside a panel corner; entries are shown literally (escaped, no markup). */
export function legend(
  entries: LegendEntry[],
  panel: Rect,
  corner: 'top-right' | 'top-left' = 'top-right',
  maxWidthFraction = 0.6,
): string {
  if (entries.length === 0) return '';
  const rowH = FONT_SIZE + 5;
  const swatch = 18;
  const w = Math.min(
    panel.width * maxWidthFraction,
    16 + swatch + Math.max(...entries.map((e) => textWidth(e.label))),
  );
  const h = 8 + rowH * entries.length;
  const x = corner === 'top-right' ? panel.x + panel.width - w - 6 : panel.x + 6;
  const y = panel.y + 6;
  const parts = [
    el('rect', {
      x,
      y,
      width: w,
      height: h,
      fill: '#ffffff',
      'fill-opacity': 0.85,
      stroke: '#bbbbbb',
      'stroke-width': 0.8,
    }),
  ];
  entries.forEach((e, i) => {
    const cy = y + 4 + rowH * i + rowH / 2;
    const sx = x + 6;
    if (e.kind === 'fill') {
      parts.push(
        el('rect', {
          x: sx,
          y: cy - 5,
          width: swatch,
          height: 10,
          fill: e.color,
          'fill-opacity': e.opacity ?? 0.45,
          stroke: e.color,
        }),
      );
    } else if (e.kind === 'point') {
      parts.push(el('circle', { cx: sx + swatch / 2, cy, r: 3, fill: e.color }));
    } else {
      parts.push(
        el('line', {
          x1: sx,
          x2: sx + swatch,
          y1: cy,
          y2: cy,
          stroke: e.color,
          'stroke-width': 2,
          'stroke-dasharray': e.kind === 'dashed' ? '5 3' : undefined,
        }),
      );
    }
    parts.push(text(sx + swatch + 6, cy + 4, e.label, { fill: INK }));
  });
  return group(parts, { class: 'legend' });
}

/** The explicit "nothing to show" figure: a frame with a message, instead of an empty or broken plot. */
export function emptyState(
  message: string,
  options: FigureOptions = {},
): { width: number; height: number; body: string } {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const panel: Rect = {
    x: 40,
    y: options.title ? 34 : 20,
    width: width - 80,
    height: height - (options.title ? 54 : 40),
  };
  const body =
    titleText(options.title, width) +
    el('rect', { ...panel, fill: '#fafafa', stroke: '#cccccc', 'stroke-dasharray': '4 3' }) +
    text(width / 2, panel.y + panel.height / 2 + 4, message, {
      'text-anchor': 'middle',
      fill: MUTED,
      class: 'empty-state',
    });
  return { width, height, body };
}

/**
 * Reduces a pixel polyline to at most four points per pixel column (first, min, max, last), which is
 * visually lossless and keeps 60 spectra × 8192 points from becoming megabytes of path data.
 */
export function decimate(xs: number[], ys: number[]): { xs: number[]; ys: number[] } {
  if (xs.length < 2000) return { xs, ys };
  const ox: number[] = [];
  const oy: number[] = [];
  let i = 0;
  while (i < xs.length) {
    if (!Number.isFinite(xs[i]) || !Number.isFinite(ys[i])) {
      ox.push(NaN);
      oy.push(NaN);
      i++;
      continue;
    }
    const column = Math.round(xs[i]);
    let j = i;
    let iMin = i;
    let iMax = i;
    while (
      j < xs.length &&
      Number.isFinite(xs[j]) &&
      Number.isFinite(ys[j]) &&
      Math.round(xs[j]) === column
    ) {
      if (ys[j] < ys[iMin]) iMin = j;
      if (ys[j] > ys[iMax]) iMax = j;
      j++;
    }
    const keep = [...new Set([i, Math.min(iMin, iMax), Math.max(iMin, iMax), j - 1])];
    for (const k of keep) {
      ox.push(xs[k]);
      oy.push(ys[k]);
    }
    i = j;
  }
  return { xs: ox, ys: oy };
}

/** Path data for data arrays through two scales, with gaps at non-finite or unmappable points. */
export function dataPath(x: ArrayLike<number>, y: ArrayLike<number>, sx: Scale, sy: Scale): string {
  const n = Math.min(x.length, y.length);
  const px: number[] = new Array(n);
  const py: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    px[i] = sx.map(x[i]);
    py[i] = sy.map(y[i]);
  }
  const d = decimate(px, py);
  return linePathData(d.xs, d.ys);
}
