/**
 * Shared plumbing for CLI commands: the --json contract, tables for humans, exit codes, progress bars.
 *
 * Contract: stdout carries the result (JSON with --json, a table otherwise); stderr carries progress
 * and errors. Exit 0 ok, 2 usage error, 3 bad input (one-line typed message), 4 numerical failure.
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import {
  fromSystemError,
  isSpincellError,
  OutputError,
  ParameterError,
  safeText,
  UsageError,
} from '../core/errors.js';
import { isDirectory, writeFileAtomic } from '../io/fs.js';
import {
  abortOutputTransaction,
  beginOutputTransaction,
  collectInputs,
  commitOutputTransaction,
  type InputIndex,
  realOutputPath,
} from '../io/output.js';

export interface GlobalOptions {
  json?: boolean;
}

/** Writes a JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Float64Array || value instanceof Float32Array) return Array.from(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

export type Cell = string | number | boolean | null | undefined;

/** Formats a number for a table: fixed for moderate magnitudes, exponent otherwise. */
export function fmt(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return value.toExponential(digits - 1);
  return value.toFixed(digits);
}

/**
 * A number with a fixed count of decimals for a table column whose values share a unit and a scale
 * (times in s, voltages, shifts in ppm); null (shown as '—') when there is no finite value.
 */
export function fixed(value: number | null | undefined, digits: number): string | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const text = value.toFixed(digits);
  // -0.0000 reads as a sign where there is none
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

/**
 * A number with a given count of significant digits, for fitted values whose scale varies from row to
 * row (0.008677 Ω beside 232.50 s); exponent notation outside 10⁻³…10⁶; null (shown as '—') when not finite.
 */
export function significant(value: number | null | undefined, digits: number): string | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return value.toExponential(digits - 1);
  return value.toPrecision(digits);
}

/** Renders rows as an aligned text table. */
export function formatTable(headers: string[], rows: Cell[][]): string {
  const text = rows.map((r) =>
    r.map((c) => (typeof c === 'number' ? fmt(c) : c === null || c === undefined ? '—' : String(c))),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

export function printTable(headers: string[], rows: Cell[][]): void {
  process.stdout.write(`${formatTable(headers, rows)}\n`);
}

/** Reports an error on stderr and sets the exit code. Returns the exit code. */
export function reportError(raw: unknown, json: boolean): number {
  const error = fromSystemError(raw) ?? raw;
  if (isSpincellError(error)) {
    if (json) process.stderr.write(`${JSON.stringify(error.toJSON())}\n`);
    else process.stderr.write(`spincell: ${error.name}: ${error.message}\n`);
    return error.exitCode;
  }
  const message = safeText(error instanceof Error ? error.message : String(error));
  process.stderr.write(`spincell: internal error: ${message}\n`);
  if (process.env.SPINCELL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 1;
}

/**
 * Wraps a command action: runs it, maps typed errors to exit codes. Actions receive the command's
 * options merged with the global ones. Before the action, its outputs are checked against its inputs
 * (refuseOverwritingInputs); the files it writes appear together when it ends without error, and none
 * of them when it fails (an output transaction, src/io/output.ts).
 */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<void> | void,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command | undefined;
    const opts = (
      cmd && typeof cmd.optsWithGlobals === 'function' ? cmd.optsWithGlobals() : {}
    ) as GlobalOptions;
    try {
      currentInputs = refuseOverwritingInputs(args);
      beginOutputTransaction();
      await fn(...args);
      commitOutputTransaction();
    } catch (error) {
      abortOutputTransaction();
      process.exitCode = reportError(error, Boolean(opts.json));
    } finally {
      currentInputs = undefined;
    }
  };
}

let currentInputs: InputIndex | undefined;

/** The inputs of the running command (every existing path among its arguments), for folder outputs. */
export function commandInputs(): InputIndex | undefined {
  return currentInputs;
}

/** Options that name a file or folder the command writes; each is refused when it would replace an input. */
const OUTPUT_OPTIONS = ['out', 'svg'] as const;

/**
 * Inputs are only read: an output option (`--out`, `--svg`) that is an input (compared by real path and
 * by device and inode, so links do not hide one), lies inside an input folder (e.g. `--out exp/fid`, or a
 * folder reached through a link to one) or would hold one is refused before anything is read or
 * written, and so is an existing FIFO, device node or socket, and two output options naming the same
 * file. Every existing path among the arguments and the other options counts as an input.
 */
function refuseOverwritingInputs(args: readonly unknown[]): InputIndex | undefined {
  const isOutputKey = (k: string) => (OUTPUT_OPTIONS as readonly string[]).includes(k);
  const flags = args.find(
    (a): a is Record<string, unknown> =>
      typeof a === 'object' && a !== null && !Array.isArray(a) && !('parent' in a),
  );
  const candidates: unknown[] = [
    ...args.filter((a) => a !== flags && typeof a !== 'object'),
    ...args.filter((a) => Array.isArray(a)),
    ...Object.entries(flags ?? {})
      .filter(([k]) => !isOutputKey(k))
      .map(([, v]) => v),
  ];
  const outputs = OUTPUT_OPTIONS.filter((k) => typeof flags?.[k] === 'string').map((k) => ({
    flag: `--${k}`,
    path: (flags as Record<string, string>)[k],
  }));
  const inputs = collectInputs(candidates.flat().filter((v): v is string => typeof v === 'string'));
  const reals = outputs.map((o) =>
    realOutputPath(o.path, { kind: 'any', field: o.flag, inputs, allowBadParent: true }),
  );
  outputs.forEach((a, i) =>
    outputs.slice(i + 1).forEach((b, j) => {
      const ra = reals[i] ?? resolve(a.path);
      const rb = reals[i + 1 + j] ?? resolve(b.path);
      if (ra === rb)
        throw new UsageError('two outputs name the same file', {
          field: `${a.flag} and ${b.flag}`,
          found: a.path,
          expected: 'different paths',
        });
    }),
  );
  return inputs;
}

/**
 * Checks, before any work, that `path` can become a file: an existing folder is a usage error (exit 2),
 * a path whose nearest existing ancestor is not a folder (e.g. `results.csv/figure.svg`) is bad input
 * (exit 3). Missing folders are fine: writeOutputFile creates them.
 */
export function checkOutputFile(flag: string, path: string, example: string): void {
  if (isDirectory(path))
    throw new UsageError('output is a folder, not a file', {
      field: flag,
      found: path,
      expected: `a file path such as ${example}`,
    });
  for (let dir = dirname(resolve(path)); ;) {
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      const up = dirname(dir);
      if (up === dir) return;
      dir = up;
      continue;
    }
    if (!isDir)
      throw new ParameterError('cannot create the output file: a parent is not a folder', {
        file: path,
        field: flag,
        found: dir,
        expected: 'a path inside a folder',
      });
    return;
  }
}

/** Writes an output file atomically; a file-system failure becomes a one-line typed error (exit 3) naming the flag. */
export function writeOutputFile(flag: string, path: string, data: string): void {
  try {
    writeFileAtomic(path, data);
  } catch (error) {
    if (error instanceof OutputError)
      throw new OutputError(error.message.replace(`${path}: `, ''), { file: path, field: flag });
    throw error;
  }
}

export { parseNumberOption, parsePositiveOrKeyword, parseRange } from '../core/parse.js';

export interface Progress {
  tick(label?: string): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal and output is not JSON; silent otherwise. */
export function progress(total: number, title: string, json: boolean): Progress {
  if (json || !process.stderr.isTTY || total < 2) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${title} [{bar}] {value}/{total} {label}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { label: '' });
  return {
    tick(label = '') {
      bar.increment(1, { label });
    },
    stop() {
      bar.stop();
    },
  };
}

/**
 * Refuses, before any work, an `--out` that names an existing folder where one file (a table) is written.
 */
export function requireFileOut(out: string | undefined, message: string, example: string): void {
  if (out !== undefined && isDirectory(out))
    throw new UsageError(message, { field: '--out', found: out, expected: `a file path such as ${example}` });
}

/** The `out` and `svg` entries of a JSON document, present only for the outputs that were asked for. */
export function writtenOutputs(flags: { out?: string; svg?: string }): { out?: string; svg?: string } {
  return {
    ...(flags.out !== undefined ? { out: flags.out } : {}),
    ...(flags.svg !== undefined ? { svg: flags.svg } : {}),
  };
}

/** Column of a per-spectrum block table: a table column index, or one shown on a spectrum's first line only. */
export type BlockColumn = number | { readonly col: number; readonly once: 'id' | 'value' | 'r2' };

/**
 * Turns a per-spectrum, per-component table (column 0 = spectrum index) into one block per spectrum:
 * columns marked `once` appear on the spectrum's first line only (`id` as text, `r2` with five
 * decimals, `value` as is) and are blank on its other lines.
 */
export function spectrumBlocks(
  rows: readonly (readonly Cell[])[],
  columns: readonly BlockColumn[],
): Cell[][] {
  let previous: Cell = undefined;
  return rows.map((r) => {
    const first = r[0] !== previous;
    previous = r[0];
    return columns.map((c) => {
      if (typeof c === 'number') return r[c];
      const v = r[c.col];
      if (!first) return '';
      if (c.once === 'id') return v !== null && v !== undefined ? String(v) : '';
      if (c.once === 'r2') return typeof v === 'number' ? v.toFixed(5) : '';
      return v;
    });
  });
}

/** Prints the "… written to FILE" lines after a table, one per output asked for. */
export function reportWritten(outputs: readonly (readonly [string, string | undefined])[]): void {
  for (const [what, path] of outputs)
    if (path !== undefined) process.stdout.write(`${what} written to ${path}\n`);
}

/**
 * Collects warnings about implausible inputs or results: each goes to stderr as one line
 * (`spincell: warning: …`) unless --json, where the caller puts `list` into its output as `warnings`.
 */
export function warnings(json: boolean): { add(text: string): void; readonly list: string[] } {
  const list: string[] = [];
  return {
    add(text: string) {
      list.push(text);
      if (!json) process.stderr.write(`spincell: warning: ${text}\n`);
    },
    list,
  };
}

/**
 * A value and its 1σ error rounded to what the error supports: the error to two significant digits and
 * the value to the same decimal place, sharing one power of ten outside 1e-3…1e6
 * (1.2345e-9, 3.4e-11 → ["1.235e-9", "0.034e-9"]). Without a finite positive error the value gets four
 * significant digits. A value smaller than its error rounds to zero at the error's place, so a fraction
 * 5.1e-79 ± 0.03 reads 0.000 ± 0.030, never 5.1e-79.
 */
export function roundToError(value: number, error: number): [string, string] {
  if (!Number.isFinite(value)) return [String(value), String(error)];
  if (!(error > 0) || !Number.isFinite(error)) return [value.toPrecision(4), String(error)];
  const place = Math.floor(Math.log10(error)) - 1; // decimal place of the error's second digit
  const round = (x: number) => Math.round(x / 10 ** place) * 10 ** place;
  const exp = Math.floor(Math.log10(Math.max(Math.abs(value), error)));
  if (exp >= -3 && exp < 6) {
    const decimals = Math.max(0, -place);
    return [round(value).toFixed(decimals), round(error).toFixed(decimals)];
  }
  const digits = Math.max(0, exp - place);
  const m = (x: number) => `${(round(x) / 10 ** exp).toFixed(digits)}e${exp}`;
  return [m(value), m(error)];
}

/** "value ± error" rounded by roundToError. */
export function valueWithError(value: number, error: number): string {
  const [v, e] = roundToError(value, error);
  return `${v} ± ${e}`;
}
