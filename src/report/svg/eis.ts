/**
 * Impedance figures: the Nyquist plot with equal scales on both axes (a semicircle must look like one,
 * otherwise depressed arcs and ideal RC arcs are indistinguishable by eye) and the DRT γ(τ) on a log τ
 * axis with the integration windows shaded.
 */
import { el, group, svgDocument, text, FONT_SIZE } from './core.js';
import {
  dataPath,
  emptyState,
  frame,
  legend,
  titleText,
  xAxis,
  yAxis,
  type FigureOptions,
  type LegendEntry,
  type Rect,
} from './axes.js';
import { categorical, INK, MUTED } from './color.js';
import { markers, plotPanel } from './lineplot.js';
import { extent, linearScale, logScale, niceDomain, paddedDomain } from './scale.js';
import { hasFinitePair, requireSameLength } from './validate.js';

export interface ImpedanceTrace {
  zReOhm: ArrayLike<number>;
  /** Z″ as measured (negative for capacitive behaviour); the plot shows −Z″. */
  zImOhm: ArrayLike<number>;
  label?: string;
}

export interface NyquistInput extends FigureOptions {
  /** Measured spectra, drawn as points. */
  data: ImpedanceTrace[];
  /** Model curves, drawn as lines (e.g. the fitted equivalent circuit). */
  fits?: ImpedanceTrace[];
  /** Unit shown on both axes (default Ω; e.g. 'Ω cm^2' for area-specific data). */
  unit?: string;
}

/**
 * Domains for both axes with one pixel-per-ohm: the data extent on each axis is centred in the span the
 * common scale gives it, with the axis starting at zero when the data come close to it.
 */
export function equalAspectDomains(
  xExt: [number, number],
  yExt: [number, number],
  panel: Rect,
): { x: [number, number]; y: [number, number] } {
  const [x0, x1] = niceDomain(xExt[0], xExt[1], 4);
  const [y0, y1] = niceDomain(Math.min(0, yExt[0]), Math.max(yExt[1], 0), 4);
  const ohmPerPx = Math.max((x1 - x0) / panel.width, (y1 - y0) / panel.height);
  const xSpan = ohmPerPx * panel.width;
  const ySpan = ohmPerPx * panel.height;
  const xPad = (xSpan - (x1 - x0)) / 2;
  // −Z″ keeps its zero at the bottom (arcs sit on the real axis); spare height goes above.
  return { x: [x0 - xPad, x1 + xPad], y: [y0, y0 + ySpan] };
}

export function nyquistSvg(input: NyquistInput): string {
  const width = input.width ?? 560;
  const height = input.height ?? 420;
  const all = [...input.data, ...(input.fits ?? [])];
  all.forEach((t, i) => requireSameLength(`trace ${t.label ?? i}`, t.zReOhm, t.zImOhm));
  const neg = (a: ArrayLike<number>) => Float64Array.from(a, (v) => -v);
  const xExt = extent(all.map((t) => t.zReOhm));
  const yExt = extent(all.map((t) => neg(t.zImOhm)));
  if (!xExt || !yExt || !all.some((t) => hasFinitePair(t.zReOhm, t.zImOhm))) {
    const e = emptyState('No impedance data to plot', { ...input, width, height });
    return svgDocument(e.width, e.height, e.body, { title: input.title });
  }
  const panel = plotPanel(width, height, input.title !== undefined);
  const xe = paddedDomain(xExt, 'linear', 0.02);
  const ye = paddedDomain(yExt, 'linear', 0.02);
  const d = equalAspectDomains(xe, ye, panel);
  const sx = linearScale(d.x, [panel.x, panel.x + panel.width]);
  const sy = linearScale(d.y, [panel.y + panel.height, panel.y]);
  const unit = input.unit ?? 'Ω';
  const parts: string[] = [
    titleText(input.title, width),
    xAxis(sx, panel, { label: `Z′ / ${unit}`, grid: true }),
    yAxis(sy, panel, { label: `−Z″ / ${unit}`, grid: true }),
  ];
  const entries: LegendEntry[] = [];
  input.data.forEach((t, i) => {
    const color = categorical(i);
    parts.push(markers(t.zReOhm, neg(t.zImOhm), sx, sy, color, 2.6));
    if (t.label) entries.push({ label: t.label, color, kind: 'point' });
  });
  (input.fits ?? []).forEach((t, i) => {
    const color = input.data.length > i ? categorical(i) : categorical(input.data.length + i);
    parts.push(
      el('path', {
        d: dataPath(t.zReOhm, neg(t.zImOhm), sx, sy),
        fill: 'none',
        stroke: color,
        'stroke-width': 1.6,
      }),
    );
    if (t.label) entries.push({ label: t.label, color, kind: 'line' });
  });
  parts.push(frame(panel), legend(entries, panel, 'top-left'));
  return svgDocument(width, height, parts.join(''), { title: input.title });
}

export interface DrtWindowShade {
  tauMinS: number;
  tauMaxS: number;
  label?: string;
  /** Resistance integrated over the window, Ω; shown in the window's label when given. */
  resistanceOhm?: number;
}

export interface DrtInput extends FigureOptions {
  tauS: ArrayLike<number>;
  /** γ, Ω (per unit ln τ). */
  gammaOhm: ArrayLike<number>;
  windows?: DrtWindowShade[];
  /** Further curves on the same τ grid or their own (e.g. the truth of a simulated cell). */
  overlays?: { label: string; tauS: ArrayLike<number>; gammaOhm: ArrayLike<number> }[];
  label?: string;
}

export function drtSvg(input: DrtInput): string {
  const width = input.width ?? 640;
  const height = input.height ?? 400;
  requireSameLength('gammaOhm', input.tauS, input.gammaOhm);
  const overlays = input.overlays ?? [];
  overlays.forEach((o) => requireSameLength(`overlay ${o.label}`, o.tauS, o.gammaOhm));
  const tExt = extent([input.tauS, ...overlays.map((o) => o.tauS)], 'log');
  const gExt = extent([input.gammaOhm, ...overlays.map((o) => o.gammaOhm)]);
  if (!tExt || !gExt || !hasFinitePair(input.tauS, input.gammaOhm)) {
    const e = emptyState('No distribution of relaxation times to plot', { ...input, width, height });
    return svgDocument(e.width, e.height, e.body, { title: input.title });
  }
  const panel = plotPanel(width, height, input.title !== undefined);
  const sx = logScale(tExt[0] === tExt[1] ? paddedDomain(tExt, 'log', 0) : tExt, [
    panel.x,
    panel.x + panel.width,
  ]);
  const sy = linearScale(paddedDomain([Math.min(0, gExt[0]), gExt[1]], 'linear', 0.06), [
    panel.y + panel.height,
    panel.y,
  ]);
  const parts: string[] = [titleText(input.title, width)];
  const shades: string[] = [];
  (input.windows ?? []).forEach((w, i) => {
    const a = sx.map(Math.max(Math.min(w.tauMinS, w.tauMaxS), sx.domain[0]));
    const b = sx.map(Math.min(Math.max(w.tauMinS, w.tauMaxS), sx.domain[1]));
    if (!Number.isFinite(a) || !Number.isFinite(b) || b <= a) return;
    const color = categorical(i + 1);
    shades.push(
      el('rect', { x: a, y: panel.y, width: b - a, height: panel.height, fill: color, 'fill-opacity': 0.14 }),
    );
    const r =
      w.resistanceOhm !== undefined && Number.isFinite(w.resistanceOhm)
        ? `R = ${formatOhm(w.resistanceOhm)}`
        : '';
    const label = [w.label ?? '', r].filter((s) => s !== '').join(': ');
    if (label)
      shades.push(
        text((a + b) / 2, panel.y + 14 + (i % 2) * (FONT_SIZE + 2), label, {
          'text-anchor': 'middle',
          fill: MUTED,
          'font-size': FONT_SIZE - 1,
        }),
      );
  });
  parts.push(group(shades, { class: 'windows' }));
  parts.push(xAxis(sx, panel, { label: 'τ / s' }), yAxis(sy, panel, { label: 'γ / Ω' }));
  const entries: LegendEntry[] = [];
  parts.push(
    el('path', {
      d: dataPath(input.tauS, input.gammaOhm, sx, sy),
      fill: 'none',
      stroke: INK,
      'stroke-width': 1.8,
    }),
  );
  if (input.label) entries.push({ label: input.label, color: INK, kind: 'line' });
  overlays.forEach((o, i) => {
    const color = categorical(i);
    parts.push(
      el('path', {
        d: dataPath(o.tauS, o.gammaOhm, sx, sy),
        fill: 'none',
        stroke: color,
        'stroke-width': 1.4,
        'stroke-dasharray': '6 4',
      }),
    );
    entries.push({ label: o.label, color, kind: 'dashed' });
  });
  parts.push(frame(panel), legend(entries, { ...panel, y: panel.y + 2 * FONT_SIZE + 8 }));
  return svgDocument(width, height, parts.join(''), { title: input.title });
}

function formatOhm(r: number): string {
  const digits = Math.abs(r) >= 100 ? 0 : Math.abs(r) >= 10 ? 1 : 2;
  return `${r.toFixed(digits).replace(/^-/, '−')} Ω`;
}
