/**
 * The processing flags of `spincell process`, `integrate`, `fit` and `morphology`: their declaration on a
 * command, and the streaming loop with a progress bar on a terminal. The parsing and the loop itself live in
 * src/pipeline/processing.ts, shared with manifest runs.
 */
import type { Command } from 'commander';
import {
  openInput as openProcessingInput,
  type OpenedInput,
  type ProcessingFlags,
} from '../pipeline/processing.js';
import { progress, type Progress } from './common.js';

export * from '../pipeline/processing.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Declares the processing flags on a command. */
export function addProcessingOptions(cmd: Command): Command {
  return cmd
    .option('--lb <hz>', 'exponential line broadening, Hz (default 0)')
    .option(
      '--zf <points>',
      'spectrum size SI in complex points, rounded up to a power of two (default TD/2)',
    )
    .option(
      '--phase <mode>',
      "'auto', 'none', 'magnitude', 'power' or manual 'PH0,PH1' in degrees (default auto)",
    )
    .option(
      '--phase-mode <mode>',
      "series with automatic phase: 'shared' (one phase fitted on the sum) or 'each' (default)",
    )
    .option(
      '--baseline <mode>',
      "'none' (default), 'auto' (arPLS) or 'poly:N' (polynomial of order N on signal-free regions)",
    )
    .option(
      '--baseline-region <lo:hi>',
      'signal-free region for poly:N, ppm (repeatable; default the outer 15 % at each end)',
      collect,
    )
    .option(
      '--ref <spec>',
      "referencing: 'VALUE@PPM' (peak within ±5 ppm of PPM set to VALUE), 'VALUE@LO:HI', 'metal:VALUE', 'offset:DELTA' or 'none'",
    )
    .option(
      '--from-procs',
      "start from each experiment's pdata/1/procs (WDW/LB, SI, PHC0/PHC1, axis); flags given override it",
    );
}

/** Lists the input and parses the flags (nothing heavy is read yet); a progress bar follows the spectra on a terminal. */
export function openInput(path: string, flags: ProcessingFlags, json: boolean, title: string): OpenedInput {
  let bar: Progress | null = null;
  const input = openProcessingInput(path, flags, {
    start(total) {
      bar = progress(total, title, json);
    },
    tick(label) {
      bar?.tick(label);
    },
    stop() {
      bar?.stop();
    },
  });
  for (const note of input.notes) process.stderr.write(`note: ${note}\n`);
  for (const warning of input.warnings) process.stderr.write(`warning: ${warning}\n`);
  return input;
}

/** Declares `--no-normalise` (integrate, fit, morphology: spectra are divided by NS·RG unless given). */
export function addNormaliseOption(cmd: Command): Command {
  return cmd.option(
    '--no-normalise',
    'keep intensities as processed instead of dividing every spectrum by its NS·RG (scans × receiver gain)',
  );
}

/** Which spectrum (by its index) each row of a table belongs to: column `indexColumn` holds the index. */
export function withScalingColumns(
  table: { headers: string[]; rows: (string | number | null)[][] },
  input: OpenedInput,
  indexColumn = 0,
): { headers: string[]; rows: (string | number | null)[][] } {
  const byIndex = new Map(input.entries.map((e) => [e.index, input.scaling(e)]));
  return {
    headers: [...table.headers, 'ns', 'rg', 'scale_factor'],
    rows: table.rows.map((r) => {
      const s = byIndex.get(Number(r[indexColumn]));
      return [...r, s ? s.ns || null : null, s ? s.rg || null : null, s ? s.scaleFactor : null];
    }),
  };
}
