import { emptyState, type FigureOptions } from './axes.js';
import { svgDocument } from './core.js';

/** A placeholder figure saying why there is nothing to show (e.g. "no impedance spectra recorded"). */
export function emptyFigureSvg(message: string, options: FigureOptions = {}): string {
  const e = emptyState(message, options);
  return svgDocument(e.width, e.height, e.body, { title: options.title });
}
