/**
 * `spincell fit <path> --model MODEL.json [processing options]`: processes every spectrum of a Bruker
 * experiment or series and fits the lineshape model to each, warm-starting from the previous spectrum.
 * Prints per-spectrum components (position, widths, area, fraction, standard errors, R²).
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { createSeriesFitter, seriesFitTable, type SeriesFitRow } from '../../fit/batch.js';
import { compileModel } from '../../fit/model.js';
import { writeCsv } from '../../io/csv/index.js';
import { readFileChecked } from '../../io/fs.js';
import {
  action,
  type GlobalOptions,
  printJson,
  printTable,
  reportWritten,
  requireFileOut,
  spectrumBlocks,
  writtenOutputs,
} from '../common.js';
import {
  addNormaliseOption,
  addProcessingOptions,
  fitInput,
  openInput,
  withScalingColumns,
  type ProcessingFlags,
  seriesRowJson,
} from '../processing.js';

interface FitFlags extends ProcessingFlags {
  model?: string;
  out?: string;
  warmStart?: boolean;
}

/** JSON shape of one spectrum's fit (no typed arrays, no internal parameter vector). */
export function fitRowJson(r: SeriesFitRow): Record<string, unknown> {
  const f = r.result;
  return {
    ...seriesRowJson(r),
    ...(f
      ? {
          converged: f.converged,
          status: f.status,
          rSquared: f.rSquared,
          reducedChi2: f.reducedChi2,
          windowPpm: f.windowPpm,
          points: f.points,
          flags: f.flags,
          warmStarted: r.warmStarted,
          components: f.components.map((c) => ({
            name: c.name,
            shape: c.shape,
            positionPpm: c.positionPpm,
            positionStdErrPpm: c.positionStdErrPpm,
            fwhmPpm: c.fwhmPpm,
            area: c.area,
            areaStdErr: c.areaStdErr,
            fraction: c.fraction,
            fractionStdErr: c.fractionStdErr,
            centreOfGravityPpm: c.centreOfGravityPpm,
            parameters: c.parameters,
          })),
          baseline: f.baseline,
        }
      : {}),
  };
}

const MODEL_HELP = `
Model spec (JSON):
  {
    "windowPpm": [230, 285],                 fit window (optional)
    "baseline": { "degree": 1 },             polynomial fitted with the lines (optional)
    "tolerance": 1e-10,                      optimizer fTol = xTol = gTol (optional)
    "components": [
      { "name": "dense", "shape": "voigt",   shapes: lorentzian, gaussian, voigt, pseudo-voigt
        "position": { "value": 246, "min": 244, "max": 249 },
        "area": { "min": 0 },                  start estimated from the data when no value is given
        "fwhmG": { "value": 2, "min": 0.05, "max": 4 },
        "fwhmL": { "value": 1, "fixed": true } },
      { "name": "mossy", "shape": "voigt", "position": { "min": 254, "max": 259 },
        "fwhmG": { "link": { "to": "dense.fwhmG" } },             shared width
        "fwhmL": { "link": { "to": "dense.fwhmL", "ratio": 1.5 } } }  fixed ratio
    ]
  }
Parameters per shape: position, area, then fwhm (lorentzian, gaussian), fwhmG + fwhmL (voigt),
fwhm + eta (pseudo-voigt). Widths and positions in ppm; a number instead of an object is a start value.`;

export function registerFit(program: Command): void {
  const cmd = program
    .command('fit <path>')
    .description('fit a lineshape model (JSON spec) to every spectrum of a Bruker experiment or series')
    .option('--model <file>', 'model spec (JSON): components, bounds, links, baseline, fit window')
    .option('--out <file>', 'write the per-spectrum, per-component table as CSV')
    .option('--no-warm-start', 'start every fit from the spec instead of the previous spectrum')
    .addHelpText('after', MODEL_HELP);
  addProcessingOptions(addNormaliseOption(cmd)).action(
    action(async (path: string, flags: FitFlags, command: Command) => {
      const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
      if (!flags.model)
        throw new UsageError('a model spec is needed', {
          field: '--model',
          expected: 'a JSON file, see the fit model documentation',
        });
      requireFileOut(flags.out, 'the table is written to a file, not a folder', 'fits.csv');
      const model = compileModel(readFileChecked(flags.model).toString('utf8'), flags.model);
      const input = openInput(path, flags, json, 'fit');
      const fitter = createSeriesFitter(model, { warmStart: flags.warmStart !== false });
      const rows: SeriesFitRow[] = [];
      for (const item of input.run()) rows.push(fitter.fit(fitInput(item)));
      const table = seriesFitTable(rows);
      if (flags.out !== undefined) {
        const out = withScalingColumns(table, input);
        writeCsv(flags.out, out.headers, out.rows);
      }
      if (json) {
        printJson({
          path,
          format: input.format,
          model: flags.model,
          normalised: input.normalised,
          spectra: rows.map((r, i) => ({ ...fitRowJson(r), ...input.scaling(input.entries[i]) })),
          ...writtenOutputs(flags),
        });
        return;
      }
      // One block per spectrum: identity, time, R² and flags on its first line only.
      printTable(
        [
          '#',
          'exp',
          't / s',
          'component',
          'δ / ppm',
          '± ppm',
          'FWHM / ppm',
          'area',
          '±',
          'fraction',
          'R²',
          'flags',
        ],
        spectrumBlocks(table.rows, [
          { col: 0, once: 'id' },
          { col: 1, once: 'id' },
          { col: 5, once: 'value' },
          6,
          7,
          8,
          9,
          10,
          11,
          12,
          { col: 14, once: 'r2' },
          { col: 16, once: 'value' },
        ]),
      );
      reportWritten([['fits', flags.out]]);
    }),
  );
}
