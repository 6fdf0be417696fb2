/**
 * The ppm × time map of a run reduced to screen resolution for the workbench: each map column is the
 * overlap-weighted mean of the stored points in its ppm bin (so a narrow line keeps its area, where point
 * sampling would drop it), each map row the mean of consecutive spectra when there are more spectra than rows.
 * Only what the screen can show leaves the store.
 */
import { UsageError } from '../core/errors.js';
import type { ProjectStore } from './store.js';
import { float32FromBlob } from './spectrum-data.js';
import { sharedSpanPpm } from './drawing.js';

export interface MapImage {
  /** Column centres, descending ppm (NMR axes run high to low). */
  readonly ppm: Float64Array;
  /** Per row: the first and last spectrum averaged into it. */
  readonly rows: { first: number; last: number }[];
  /** Row-major rows.length × ppm.length, NaN where no spectrum covers a column. */
  readonly intensity: Float32Array;
  /** Finite minimum and maximum of `intensity` (0, 0 when empty). */
  readonly range: [number, number];
}

export interface MapImageOptions {
  readonly minPpm?: number;
  readonly maxPpm?: number;
  /** Columns (screen pixels across the ppm axis), 2–8192. */
  readonly columns: number;
  /** At most this many rows (screen pixels across time); spectra are averaged in consecutive groups beyond it. */
  readonly maxRows?: number;
  /** Only these spectra (default all of the run's drawn spectra), in time order. */
  readonly spectra?: readonly number[];
}

interface Row {
  spectrum: number;
  points: number;
  ppm_first: number;
  ppm_last: number;
  intensity: Uint8Array;
}

/**
 * Area-preserving rebinning onto the column bins `edges` (columns + 1 edges, either direction): each
 * stored point stands for a cell one point wide, and a column takes the overlap-weighted mean of the
 * cells it covers, so the sum over columns × column width is the integral over the stored points. NaN
 * where a column lies outside the spectrum.
 */
export function binnedRow(
  y: Float32Array,
  ppmFirst: number,
  ppmLast: number,
  edges: Float64Array,
  out: Float32Array,
  offset: number,
): void {
  const n = y.length;
  const step = n > 1 ? (ppmLast - ppmFirst) / (n - 1) : 1;
  const at = (ppm: number) => (ppm - ppmFirst) / step; // fractional index
  const columns = edges.length - 1;
  for (let j = 0; j < columns; j++) {
    const u0 = at(edges[j]);
    const u1 = at(edges[j + 1]);
    const a = Math.max(Math.min(u0, u1), -0.5);
    const b = Math.min(Math.max(u0, u1), n - 0.5);
    if (!(b > a)) {
      out[offset + j] = NaN;
      continue;
    }
    let s = 0;
    for (let i = Math.max(0, Math.round(a)); i <= Math.min(n - 1, Math.round(b)); i++) {
      const w = Math.min(b, i + 0.5) - Math.max(a, i - 0.5);
      if (w > 0) s += y[i] * w;
    }
    out[offset + j] = s / Math.abs(u1 - u0);
  }
}

/** The run's map binned to `columns` ppm bins over [minPpm, maxPpm] (default: the span all spectra share). */
export function mapImage(store: ProjectStore, runId: number, options: MapImageOptions): MapImage {
  const columns = Math.floor(options.columns);
  if (!(columns >= 2 && columns <= 8192))
    throw new UsageError('map width out of range', {
      field: 'width',
      found: options.columns,
      expected: '2–8192',
    });
  let rows = store.db
    .prepare(
      'SELECT spectrum, points, ppm_first, ppm_last, intensity FROM spectrum_data WHERE run_id = ? ORDER BY spectrum',
    )
    .all(runId) as Row[];
  if (options.spectra) {
    const byIndex = new Map(rows.map((r) => [r.spectrum, r]));
    rows = options.spectra.map((k) => byIndex.get(k)).filter((r): r is Row => r !== undefined);
  }
  const [lo, hi] = sharedSpanPpm(rows);
  const maxPpm = options.maxPpm ?? hi;
  const minPpm = options.minPpm ?? lo;
  if (rows.length === 0 || !(maxPpm > minPpm))
    return { ppm: new Float64Array(0), rows: [], intensity: new Float32Array(0), range: [0, 0] };
  const edges = new Float64Array(columns + 1);
  for (let j = 0; j <= columns; j++) edges[j] = maxPpm - ((maxPpm - minPpm) * j) / columns;
  const ppm = Float64Array.from({ length: columns }, (_, j) => (edges[j] + edges[j + 1]) / 2);
  const group = Math.max(1, Math.ceil(rows.length / Math.max(1, Math.floor(options.maxRows ?? rows.length))));
  const nRows = Math.ceil(rows.length / group);
  const intensity = new Float32Array(nRows * columns);
  const scratch = new Float32Array(columns);
  const spans: MapImage['rows'] = [];
  for (let g = 0; g < nRows; g++) {
    const members = rows.slice(g * group, (g + 1) * group);
    const sum = new Float64Array(columns);
    const count = new Uint32Array(columns);
    for (const r of members) {
      binnedRow(float32FromBlob(r.intensity), r.ppm_first, r.ppm_last, edges, scratch, 0);
      for (let j = 0; j < columns; j++)
        if (Number.isFinite(scratch[j])) {
          sum[j] += scratch[j];
          count[j]++;
        }
    }
    for (let j = 0; j < columns; j++) intensity[g * columns + j] = count[j] ? sum[j] / count[j] : NaN;
    spans.push({ first: members[0].spectrum, last: members[members.length - 1].spectrum });
  }
  let zMin = Infinity;
  let zMax = -Infinity;
  for (const v of intensity)
    if (Number.isFinite(v)) {
      if (v < zMin) zMin = v;
      if (v > zMax) zMax = v;
    }
  return { ppm, rows: spans, intensity, range: Number.isFinite(zMin) ? [zMin, zMax] : [0, 0] };
}
