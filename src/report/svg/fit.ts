/**
 * Fit overlay: the measured spectrum, each fitted component as a filled area, their sum, and the
 * residual in a panel below sharing the ppm axis. By default the residual panel keeps the intensity
 * scale of the main panel, so a residual that looks small is small.
 */
import { el, group, linePathData, num, svgDocument, text, FONT_SIZE } from './core.js';
import {
  dataPath,
  decimate,
  emptyState,
  frame,
  legend,
  splitVertical,
  titleText,
  xAxis,
  yAxis,
  type FigureOptions,
  type LegendEntry,
  type Rect,
} from './axes.js';
import { categorical, INK, MUTED } from './color.js';
import { extent, linearScale, paddedDomain, type Scale } from './scale.js';
import { hasFinitePair, requireSameLength } from './validate.js';

export interface FitComponent {
  label: string;
  y: ArrayLike<number>;
  color?: string;
}

export interface FitOverlayInput extends FigureOptions {
  ppm: ArrayLike<number>;
  data: ArrayLike<number>;
  components: FitComponent[];
  /** Default: the sum of the components. */
  sum?: ArrayLike<number>;
  /** Default: data − sum. */
  residual?: ArrayLike<number>;
  regionPpm?: [number, number];
  xLabel?: string;
  yLabel?: string;
  /** 'shared' (default): residual drawn at the main panel's intensity scale; 'auto': zoomed to fit. */
  residualScale?: 'shared' | 'auto';
}

export function fitOverlaySvg(input: FitOverlayInput): string {
  const width = input.width ?? 640;
  const height = input.height ?? 480;
  const { ppm, data } = input;
  requireSameLength('data', ppm, data);
  input.components.forEach((c) => requireSameLength(`component ${c.label}`, ppm, c.y));
  const n = ppm.length;
  const sum =
    input.sum ??
    Float64Array.from({ length: n }, (_, i) => input.components.reduce((acc, c) => acc + c.y[i], 0));
  requireSameLength('sum', ppm, sum);
  const residual = input.residual ?? Float64Array.from({ length: n }, (_, i) => data[i] - sum[i]);
  requireSameLength('residual', ppm, residual);

  const region = input.regionPpm ?? extent([ppm]);
  if (!region || region[0] === region[1] || !hasFinitePair(ppm, data)) {
    const e = emptyState('No spectrum to plot', { ...input, width, height });
    return svgDocument(e.width, e.height, e.body, { title: input.title });
  }
  const [lo, hi] = [Math.min(...region), Math.max(...region)];
  const inRegion = (a: ArrayLike<number>) =>
    Float64Array.from({ length: n }, (_, i) => (ppm[i] >= lo && ppm[i] <= hi ? a[i] : NaN));
  const shown = [data, sum, ...input.components.map((c) => c.y)].map(inRegion);
  const res = inRegion(residual);
  const yExt = extent([...shown, new Float64Array([0])]);
  if (!yExt) {
    const e = emptyState('No spectrum in the selected region', { ...input, width, height });
    return svgDocument(e.width, e.height, e.body, { title: input.title });
  }

  const top = input.title ? 34 : 14;
  const outer: Rect = { x: 72, y: top, width: width - 72 - 20, height: height - top - (2 * FONT_SIZE + 24) };
  const [main, lower] = splitVertical(outer, [3, 1], 10);
  const sx = linearScale([hi, lo], [outer.x, outer.x + outer.width]);
  const yd = paddedDomain(yExt, 'linear', 0.05);
  const sy = linearScale(yd, [main.y + main.height, main.y]);
  let sr: Scale;
  if ((input.residualScale ?? 'shared') === 'shared') {
    const half = ((yd[1] - yd[0]) * lower.height) / main.height / 2;
    sr = linearScale([-half, half], [lower.y + lower.height, lower.y]);
  } else {
    const rExt = extent([res]) ?? [-1, 1];
    const m = Math.max(Math.abs(rExt[0]), Math.abs(rExt[1])) || 1;
    sr = linearScale([-m * 1.1, m * 1.1], [lower.y + lower.height, lower.y]);
  }

  const parts: string[] = [titleText(input.title, width)];
  const entries: LegendEntry[] = [{ label: 'data', color: INK, kind: 'line' }];
  const zeroY = sy.map(0);
  input.components.forEach((c, i) => {
    const color = c.color ?? categorical(i + 1);
    parts.push(filledArea(ppm, inRegion(c.y), sx, sy, zeroY, color));
    entries.push({ label: c.label, color, kind: 'fill' });
  });
  parts.push(
    el('path', { d: dataPath(ppm, shown[0], sx, sy), fill: 'none', stroke: INK, 'stroke-width': 1.1 }),
  );
  parts.push(
    el('path', {
      d: dataPath(ppm, shown[1], sx, sy),
      fill: 'none',
      stroke: categorical(0),
      'stroke-width': 1.4,
      'stroke-dasharray': '5 3',
    }),
  );
  entries.push({ label: 'fit (sum)', color: categorical(0), kind: 'dashed' });
  parts.push(
    xAxis(sx, main, { tickLabels: false }),
    yAxis(sy, main, { label: input.yLabel ?? 'Intensity / a.u.' }),
    frame(main),
    legend(entries, main),
  );

  // Residual clipped to its panel: with the shared scale a large misfit would otherwise run over the axes.
  const clipped = Float64Array.from(res, (v) => (v >= sr.domain[0] && v <= sr.domain[1] ? v : NaN));
  const clippedCount = res.filter((v, i) => Number.isFinite(v) && !Number.isFinite(clipped[i])).length;
  parts.push(
    el('line', {
      x1: lower.x,
      x2: lower.x + lower.width,
      y1: sr.map(0),
      y2: sr.map(0),
      stroke: MUTED,
      'stroke-width': 0.8,
      'stroke-dasharray': '3 3',
    }),
  );
  parts.push(el('path', { d: dataPath(ppm, clipped, sx, sr), fill: 'none', stroke: INK, 'stroke-width': 1 }));
  parts.push(
    xAxis(sx, lower, { label: input.xLabel ?? 'δ / ppm' }),
    yAxis(sr, lower, { label: 'Residual', tickTarget: 2 }),
    frame(lower),
  );
  if (clippedCount > 0) {
    parts.push(
      text(lower.x + 6, lower.y + 12, `${clippedCount} points beyond the panel`, {
        fill: MUTED,
        'font-size': FONT_SIZE - 2,
      }),
    );
  }
  return svgDocument(width, height, parts.join(''), { title: input.title });
}

/** Area between a curve and y = 0, one closed polygon per gap-free run of points. */
export function filledArea(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  sx: Scale,
  sy: Scale,
  zeroY: number,
  color: string,
): string {
  let d = '';
  let runX: number[] = [];
  let runY: number[] = [];
  const flush = () => {
    const r = decimate(runX, runY);
    if (r.xs.length > 1)
      d += `${linePathData(r.xs, r.ys)}L${num(r.xs[r.xs.length - 1])} ${num(zeroY)}L${num(r.xs[0])} ${num(zeroY)}Z`;
    runX = [];
    runY = [];
  };
  for (let i = 0; i < x.length; i++) {
    const px = sx.map(x[i]);
    const py = sy.map(y[i]);
    if (Number.isFinite(px) && Number.isFinite(py)) {
      runX.push(px);
      runY.push(py);
    } else flush();
  }
  flush();
  return d === ''
    ? ''
    : group([el('path', { d, fill: color, 'fill-opacity': 0.35, stroke: color, 'stroke-width': 1 })]);
}
