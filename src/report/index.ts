/** Report output: SVG figures and the self-contained HTML report. */
export * from './svg/index.js';
export {
  renderReport,
  writeReport,
  type Report,
  type ReportSection,
  type ReportTable,
  type ReportFigure,
  type Cell,
} from './html.js';
