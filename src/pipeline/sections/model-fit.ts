/**
 * The manifest's `nmr.fit` section: a lineshape model (the spec of `spincell fit --model`, a file or inline)
 * fitted to every spectrum as it streams past, warm-started from the previous spectrum. The table is the
 * one `spincell fit --out` writes (seriesFitTable, then NS, RG and the scale factor).
 */
import { SpincellError, relocated } from '../../core/errors.js';
import { createSeriesFitter, seriesFitTable, type SeriesFitRow } from '../../fit/batch.js';
import { compileModel } from '../../fit/model.js';
import { formatCsv } from '../../io/csv/index.js';
import { readFileChecked } from '../../io/fs.js';
import { categorical, fractionsSvg, type NamedSeries, type ReportSection } from '../../report/index.js';
import { autoTimeUnit } from '../../report/svg/validate.js';
import type { ManifestModelFit } from '../manifest.js';
import { fitInput, type ProcessedItem } from '../processing.js';

export interface ModelFitter {
  /** Fits one processed spectrum (call in series order). */
  add(item: ProcessedItem): void;
  readonly rows: SeriesFitRow[];
}

/** Compiles the model (a file path resolved by `resolvedManifest`, or the spec itself) and opens a fitter. */
export function openModelFit(f: ManifestModelFit, manifestPath: string): ModelFitter {
  let model;
  if (typeof f.model === 'string') {
    model = compileModel(readFileChecked(f.model).toString('utf8'), f.model);
  } else {
    try {
      model = compileModel(f.model, manifestPath);
    } catch (e) {
      throw e instanceof SpincellError
        ? relocated(e, { file: manifestPath, field: `nmr.fit.model.${e.field ?? ''}`.replace(/\.$/, '') })
        : e;
    }
  }
  const fitter = createSeriesFitter(model, { warmStart: f.warmStart !== false });
  const rows: SeriesFitRow[] = [];
  return {
    add(item) {
      rows.push(fitter.fit(fitInput(item)));
    },
    rows,
  };
}

export interface SpectrumScalingRow {
  readonly index: number;
  readonly ns: number | null;
  readonly rg: number | null;
  readonly scaleFactor: number;
}

/** The table of `spincell fit --out`: seriesFitTable with NS, RG and the scale factor of each spectrum. */
export function fitsCsv(rows: readonly SeriesFitRow[], scaling: readonly SpectrumScalingRow[]): string {
  const table = seriesFitTable(rows);
  const byIndex = new Map(scaling.map((s) => [s.index, s]));
  return formatCsv(
    [...table.headers, 'ns', 'rg', 'scale_factor'],
    table.rows.map((r) => {
      const s = byIndex.get(Number(r[0]));
      return [...r, s ? s.ns : null, s ? s.rg : null, s ? s.scaleFactor : null];
    }),
  );
}

export function modelFitReport(rows: readonly SeriesFitRow[], timeS: readonly number[]): ReportSection {
  const names: string[] = [];
  for (const r of rows)
    for (const c of r.result?.components ?? []) if (!names.includes(c.name)) names.push(c.name);
  const series: NamedSeries[] = names.map((name, k) => ({
    label: name,
    values: rows.map((r) => r.result?.components.find((c) => c.name === name)?.fraction ?? NaN),
    style: 'line+points' as const,
    color: categorical(k + 1),
  }));
  const failed = rows.filter((r) => !r.result).length;
  const notConverged = rows.filter((r) => r.result && !r.result.converged).length;
  return {
    heading: 'Lineshape model fit',
    text: `${rows.length - failed} of ${rows.length} spectra fitted${notConverged > 0 ? `, ${notConverged} not converged` : ''}.`,
    figures: [
      fractionsSvg({
        title: 'Component fractions of the model',
        mode: 'lines',
        timeS,
        timeUnit: autoTimeUnit(Math.max(0, ...timeS)),
        series,
        yLabel: 'Fraction',
        width: 820,
        height: 420,
      }),
    ],
  };
}
