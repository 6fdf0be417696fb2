/**
 * Intensity maps: spectra over shift × time (the operando "contour plot") and DRT γ over log τ × time.
 * Values are quantised to a fixed number of colour levels and equal neighbours in a row are merged into
 * one rectangle: few levels give the banded contour look, many a smooth map, and in both cases the SVG
 * stays small enough to inline (a raster image would need an encoder and hide the data from the DOM).
 */
import { DataError } from '../../core/errors.js';
import { el, group, svgDocument, FONT_SIZE } from './core.js';
import { emptyState, frame, titleText, xAxis, yAxis, type FigureOptions, type Rect } from './axes.js';
import { viridis } from './color.js';
import { extent, linearScale, makeScale, paddedDomain, type Scale, type ScaleKind } from './scale.js';
import { autoTimeUnit, toUnit, type TimeUnit } from './validate.js';

export interface HeatMapInput extends FigureOptions {
  /** Column coordinates (monotonic). */
  x: ArrayLike<number>;
  /** Row coordinates (monotonic), one per row of z. */
  y: ArrayLike<number>;
  /** z[row][column]; non-finite cells are left blank. */
  z: ArrayLike<number>[];
  xLabel?: string;
  yLabel?: string;
  /** Colour-bar label. */
  zLabel?: string;
  xScale?: ScaleKind;
  xReversed?: boolean;
  /** Shown x window (either order); columns outside are dropped. */
  xDomain?: [number, number];
  /** Colour range; values outside are clamped to the end colours. Default: finite min–max of the shown cells. */
  zDomain?: [number, number];
  /** Number of colour levels (default 64; 8–16 for a contour-style map). */
  levels?: number;
  /** Cap on drawn columns/rows; denser data is binned keeping the largest-magnitude value of each bin. */
  maxColumns?: number;
  maxRows?: number;
}

function monotonic(a: ArrayLike<number>, field: string): 1 | -1 {
  if (a.length < 2) return 1;
  const dir = a[1] > a[0] ? 1 : -1;
  for (let i = 1; i < a.length; i++) {
    const step = (a[i] - a[i - 1]) * dir;
    if (!(step > 0))
      throw new DataError('coordinates must be finite and strictly monotonic', {
        field,
        found: `index ${i}: ${a[i - 1]} then ${a[i]}`,
      });
  }
  return dir;
}

/** Pixel edges of cells centred on the coordinates (midpoints between neighbours, half a step at the ends). */
function cellEdges(centres: number[]): number[] {
  const n = centres.length;
  if (n === 1) return [centres[0] - 2, centres[0] + 2];
  const edges = new Array<number>(n + 1);
  for (let i = 1; i < n; i++) edges[i] = (centres[i - 1] + centres[i]) / 2;
  edges[0] = centres[0] - (centres[1] - centres[0]) / 2;
  edges[n] = centres[n - 1] + (centres[n - 1] - centres[n - 2]) / 2;
  return edges;
}

interface Bins {
  /** Pixel edges, length count + 1. */
  edges: number[];
  /** For each bin, the source indices falling in it. */
  members: number[][];
}

/** Groups pixel-space cells into at most `max` bins of equal pixel width when there are more cells. */
function bin(centresPx: number[], lo: number, hi: number, max: number): Bins {
  const n = centresPx.length;
  if (n <= max) {
    const sorted = centresPx.map((c, i) => [c, i] as const).sort((a, b) => a[0] - b[0]);
    const edges = cellEdges(sorted.map((s) => s[0])).map((e) => Math.max(lo, Math.min(hi, e)));
    return { edges, members: sorted.map((s) => [s[1]]) };
  }
  const w = (hi - lo) / max;
  const members: number[][] = Array.from({ length: max }, () => []);
  centresPx.forEach((c, i) => members[Math.max(0, Math.min(max - 1, Math.floor((c - lo) / w)))].push(i));
  // Cells only slightly denser than the bins leave some bins without a centre (e.g. 401 columns in 400
  // bins); those take the nearest cell, so a uniform grid never shows blank stripes.
  members.forEach((m, b) => {
    if (m.length > 0) return;
    const mid = lo + (b + 0.5) * w;
    let best = -1;
    centresPx.forEach((c, i) => {
      if (best < 0 || Math.abs(c - mid) < Math.abs(centresPx[best] - mid)) best = i;
    });
    if (best >= 0 && Math.abs(centresPx[best] - mid) <= w) m.push(best);
  });
  const edges = Array.from({ length: max + 1 }, (_, i) => lo + i * w);
  return { edges, members };
}

export function heatMapSvg(input: HeatMapInput): string {
  const width = input.width ?? 680;
  const height = input.height ?? 440;
  const { x, y, z } = input;
  if (z.length !== y.length)
    throw new DataError('one row of z per y value', { field: 'z', found: z.length, expected: y.length });
  z.forEach((row, i) => {
    if (row.length !== x.length)
      throw new DataError('row length differs from x', {
        field: `z[${i}]`,
        found: row.length,
        expected: x.length,
      });
  });
  monotonic(x, 'x');
  monotonic(y, 'y');
  const xKind = input.xScale ?? 'linear';

  // Columns inside the requested window (and drawable on a log axis).
  const xw = input.xDomain ?? extent([x], xKind);
  const cols: number[] = [];
  if (xw) {
    const [a, b] = [Math.min(...xw), Math.max(...xw)];
    for (let j = 0; j < x.length; j++)
      if (x[j] >= a && x[j] <= b && (xKind !== 'log' || x[j] > 0)) cols.push(j);
  }
  const zExt = extent(z.map((row) => Float64Array.from(cols, (j) => row[j])));
  if (!xw || cols.length === 0 || y.length === 0 || !zExt) {
    const e = emptyState('No data to map', { ...input, width, height });
    return svgDocument(e.width, e.height, e.body, { title: input.title });
  }

  const top = input.title ? 34 : 14;
  const panel: Rect = { x: 72, y: top, width: width - 72 - 110, height: height - top - (2 * FONT_SIZE + 24) };
  const xd = input.xDomain ?? (cols.length > 1 ? xw : paddedDomain(xw, xKind, 0));
  const xs: [number, number] = input.xReversed
    ? [Math.max(...xd), Math.min(...xd)]
    : [Math.min(...xd), Math.max(...xd)];
  const sx = makeScale(xKind, xs, [panel.x, panel.x + panel.width]);
  const yExt = extent([y]) as [number, number];
  const yEdgesData = cellEdges(Array.from(y).sort((a, b) => a - b));
  const sy = linearScale(
    yExt[0] === yExt[1]
      ? paddedDomain(yExt, 'linear', 0)
      : [yEdgesData[0], yEdgesData[yEdgesData.length - 1]],
    [panel.y + panel.height, panel.y],
  );

  const levels = Math.max(2, Math.round(input.levels ?? 64));
  const zd = input.zDomain ?? (zExt[0] === zExt[1] ? paddedDomain(zExt, 'linear', 0) : zExt);
  const [zlo, zhi] = [Math.min(...zd), Math.max(...zd)];
  const level = (v: number) =>
    Math.max(0, Math.min(levels - 1, Math.floor(((v - zlo) / (zhi - zlo)) * levels)));

  const colBins = bin(
    cols.map((j) => sx.map(x[j])),
    panel.x,
    panel.x + panel.width,
    input.maxColumns ?? 400,
  );
  const rowBins = bin(
    Array.from(y, (v) => sy.map(v)),
    panel.y,
    panel.y + panel.height,
    input.maxRows ?? 300,
  );

  const rects: string[] = [];
  rowBins.members.forEach((rowMembers, r) => {
    if (rowMembers.length === 0) return;
    const ya = Math.min(rowBins.edges[r], rowBins.edges[r + 1]);
    const h = Math.abs(rowBins.edges[r + 1] - rowBins.edges[r]);
    let runStart = -1;
    let runLevel = -1;
    const flush = (end: number) => {
      if (runLevel >= 0 && end > runStart) {
        const xa = colBins.edges[runStart];
        // A quarter-pixel overlap hides the anti-aliasing seams renderers draw between abutting rects.
        rects.push(
          el('rect', {
            x: xa,
            y: ya,
            width: colBins.edges[end] - xa + 0.25,
            height: h + 0.25,
            fill: viridis((runLevel + 0.5) / levels),
          }),
        );
      }
    };
    colBins.members.forEach((colMembers, c) => {
      let best = NaN;
      for (const ri of rowMembers) {
        for (const ci of colMembers) {
          const v = z[ri][cols[ci]];
          if (Number.isFinite(v) && !(Math.abs(v) <= Math.abs(best))) best = v;
        }
      }
      const lv = Number.isFinite(best) ? level(best) : -1;
      if (lv !== runLevel || colMembers.length === 0) {
        flush(c);
        runStart = c;
        runLevel = colMembers.length === 0 ? -1 : lv;
      }
    });
    flush(colBins.members.length);
  });

  const bar: Rect = { x: panel.x + panel.width + 24, y: panel.y, width: 14, height: panel.height };
  const parts = [
    titleText(input.title, width),
    group(rects, { class: 'cells', 'shape-rendering': 'crispEdges' }),
    frame(panel),
    xAxis(sx, panel, { label: input.xLabel }),
    yAxis(sy, panel, { label: input.yLabel }),
    colourBar(bar, levels, linearScale([zlo, zhi], [bar.y + bar.height, bar.y]), input.zLabel),
  ];
  return svgDocument(width, height, parts.join(''), { title: input.title });
}

function colourBar(bar: Rect, levels: number, scale: Scale, label?: string): string {
  const parts: string[] = [];
  const h = bar.height / levels;
  for (let i = 0; i < levels; i++) {
    parts.push(
      el('rect', {
        x: bar.x,
        y: bar.y + bar.height - (i + 1) * h,
        width: bar.width,
        height: h + 0.25,
        fill: viridis((i + 0.5) / levels),
      }),
    );
  }
  return group(
    [
      group(parts, { 'shape-rendering': 'crispEdges' }),
      frame(bar),
      yAxis(scale, bar, { label, tickTarget: 5 }, 'right'),
    ],
    { class: 'colour-bar' },
  );
}

/** The time axis of a series map: the times in `unit` (chosen from their span unless given) and its label. */
function timeAxis(timeS: ArrayLike<number>, timeUnit?: TimeUnit): { y: Float64Array; yLabel: string } {
  const span = (extent([timeS]) ?? [0, 0]) as [number, number];
  const unit = timeUnit ?? autoTimeUnit(span[1] - span[0]);
  return { y: toUnit(timeS, unit), yLabel: `Time / ${unit}` };
}

export interface SpectraMapInput extends FigureOptions {
  ppm: ArrayLike<number>;
  timeS: ArrayLike<number>;
  /** intensity[spectrum][point] on the shared ppm axis. */
  intensity: ArrayLike<number>[];
  regionPpm?: [number, number];
  levels?: number;
  timeUnit?: TimeUnit;
  xLabel?: string;
  zLabel?: string;
}

/** Shift × time map of a spectra series on the reversed ppm axis. */
export function spectraMapSvg(input: SpectraMapInput): string {
  return heatMapSvg({
    width: input.width,
    height: input.height,
    title: input.title,
    x: input.ppm,
    ...timeAxis(input.timeS, input.timeUnit),
    z: input.intensity,
    xDomain: input.regionPpm,
    xReversed: true,
    levels: input.levels,
    xLabel: input.xLabel ?? 'δ / ppm',
    zLabel: input.zLabel ?? 'Intensity / a.u.',
  });
}

export interface DrtMapInput extends FigureOptions {
  tauS: ArrayLike<number>;
  timeS: ArrayLike<number>;
  /** gamma[spectrum][τ index], Ω. */
  gammaOhm: ArrayLike<number>[];
  levels?: number;
  timeUnit?: TimeUnit;
}

/** Evolution of the distribution of relaxation times: log τ × time, colour γ. */
export function drtMapSvg(input: DrtMapInput): string {
  return heatMapSvg({
    width: input.width,
    height: input.height,
    title: input.title,
    x: input.tauS,
    ...timeAxis(input.timeS, input.timeUnit),
    z: input.gammaOhm,
    xScale: 'log',
    levels: input.levels,
    xLabel: 'τ / s',
    zLabel: 'γ / Ω',
  });
}
