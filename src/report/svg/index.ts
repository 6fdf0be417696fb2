/** SVG figures as strings: a small plotting core and the figures of the operando report. */
export { escapeXml, svgDocument } from './core.js';
export { richText, superscript, subscript } from './text.js';
export {
  linearScale,
  logScale,
  makeScale,
  niceStep,
  niceTicks,
  niceDomain,
  logTicks,
  formatLinearTick,
  formatLogTick,
  type Scale,
  type ScaleKind,
} from './scale.js';
export { viridis, categorical, CATEGORICAL } from './color.js';
export {
  xAxis,
  yAxis,
  legend,
  emptyState,
  splitVertical,
  type Rect,
  type FigureOptions,
  type AxisOptions,
  type LegendEntry,
} from './axes.js';
export { emptyFigureSvg } from './empty.js';
export {
  linePlotSvg,
  panelsSvg,
  type LinePlotInput,
  type LineSeries,
  type PanelsInput,
  type PanelSpec,
} from './lineplot.js';
export {
  stackedSpectraSvg,
  type StackedSpectraInput,
  type StackedSpectrum,
  type VoltageTrace,
} from './stacked.js';
export {
  heatMapSvg,
  spectraMapSvg,
  drtMapSvg,
  type HeatMapInput,
  type SpectraMapInput,
  type DrtMapInput,
} from './heatmap.js';
export { fitOverlaySvg, type FitOverlayInput, type FitComponent } from './fit.js';
export {
  fractionsSvg,
  stackedBarsSvg,
  capacityAllocationSvg,
  type FractionsInput,
  type StackedBarsInput,
  type NamedSeries,
  type CycleAllocation,
} from './fractions.js';
export {
  nyquistSvg,
  drtSvg,
  equalAspectDomains,
  type NyquistInput,
  type ImpedanceTrace,
  type DrtInput,
  type DrtWindowShade,
} from './eis.js';
export type { TimeUnit } from './validate.js';
