/**
 * `spincell process <path>`: FID → phased, referenced, baseline-corrected spectrum, for one experiment or a
 * whole series. One spectrum → one CSV file (`--out FILE.csv`); a series → one CSV per spectrum plus an
 * index.csv in a folder (`--out DIR`). CSV columns: ppm,real,imag (ppm descending, as displayed).
 * `--format binary` writes any input as one array file plus a JSON index into the folder --out
 * (src/io/processed-spectra.ts; float64, or float32 with `--dtype float32`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { Spectrum } from '../../core/types.js';
import { encodeNumericColumns, formatCsv } from '../../io/csv/index.js';
import { CsvEncoder } from '../../io/csv/encoder.js';
import { isDirectory, isFile, writeFileAtomic } from '../../io/fs.js';
import { OutputFolder } from '../../io/output.js';
import { ProcessedSpectraWriter, type SampleType } from '../../io/processed-spectra.js';
import { pickPeak, type ProcessingResult, signalToNoise, type PpmRange } from '../../nmr/index.js';
import {
  action,
  commandInputs,
  fixed,
  type GlobalOptions,
  printJson,
  printTable,
  writtenOutputs,
} from '../common.js';
import {
  addProcessingOptions,
  metalWindowPpm,
  openInput,
  type ProcessedItem,
  type ProcessingFlags,
  spectrumFileStem,
  spectrumIdentity,
  type SpectrumIdentity,
} from '../processing.js';

interface ProcessFlags extends ProcessingFlags {
  out?: string;
  force?: boolean;
  format?: string;
  dtype?: string;
}

const INDEX_FILE = 'index.csv';
const SPECTRUM_COLUMNS = ['ppm', 'real', 'imag'];
/** Spectra whose files may be in flight at once (each ≈ 0.5 MB for 8k points). */
const BACKGROUND_WRITES = 8;
const INDEX_COLUMNS = [
  'index',
  'experiment',
  'row',
  'file',
  'start_iso',
  'mid_iso',
  'end_iso',
  'ph0_deg',
  'ph1_deg',
  'reference_offset_ppm',
  'peak_ppm',
  'metal_peak_ppm',
  'snr',
];

/**
 * True for a folder an earlier spincell wrote with `process --out DIR` before output folders carried a
 * marker: index.csv with this command's columns and nothing but the spectra it lists.
 */
export function isProcessFolder(dir: string, names: readonly string[] = readdirSync(dir)): boolean {
  try {
    const lines = readFileSync(join(dir, INDEX_FILE), 'utf8').split(/\r?\n/);
    if (lines[0] !== INDEX_COLUMNS.join(',')) return false;
    const listed = new Set(
      lines
        .slice(1)
        .map((l) => l.split(',')[3])
        .filter((f) => f),
    );
    return names.every((n) => n === INDEX_FILE || (listed.has(n) && isFile(join(dir, n))));
  } catch {
    return false;
  }
}

/** Per-spectrum summary printed by `process` (and reused by the demo). */
export interface SpectrumSummary extends SpectrumIdentity {
  readonly phase: {
    readonly mode: string;
    readonly ph0Deg: number;
    readonly ph1Deg: number;
    readonly pivotPpm: number;
  };
  readonly referenceOffsetPpm: number;
  readonly baseline: string;
  readonly sizePoints: number;
  /** Highest point of the whole spectrum (sub-point), ppm. */
  readonly peakPpm: number;
  /** Highest point in the nucleus' metal window, ppm (null when the nucleus has none). */
  readonly metalPeakPpm: number | null;
  /** Bruker `sino` convention: peak / (2 × noise rms). */
  readonly snr: number | null;
  readonly file: string | null;
}

/** Noise region of a processed spectrum: the low-ppm 15 % of its axis (signal-free in wide-window in situ data). */
export function noiseRegionOf(spectrum: Spectrum): PpmRange {
  const n = spectrum.ppm.length;
  const lo = Math.min(spectrum.ppm[0], spectrum.ppm[n - 1]);
  const hi = Math.max(spectrum.ppm[0], spectrum.ppm[n - 1]);
  return [lo, lo + 0.15 * (hi - lo)];
}

function fullRange(spectrum: Spectrum): PpmRange {
  const n = spectrum.ppm.length;
  return [spectrum.ppm[n - 1], spectrum.ppm[0]];
}

/** Summarises one processed spectrum. */
export function summarize(item: ProcessedItem, file: string | null): SpectrumSummary {
  const { entry, result } = item;
  const s = result.spectrum;
  const window = metalWindowPpm(entry.meta.nucleus);
  let metalPeakPpm: number | null = null;
  if (window) {
    const [lo, hi] = [Math.min(...window), Math.max(...window)];
    const n = s.ppm.length;
    // The window may lie outside a narrow spectral width; then there is no metal peak to report.
    if (Math.max(s.ppm[0], s.ppm[n - 1]) > lo && Math.min(s.ppm[0], s.ppm[n - 1]) < hi)
      metalPeakPpm = pickPeak(s, window).ppm;
  }
  let snr: number | null = null;
  try {
    snr = signalToNoise(s, window && metalPeakPpm !== null ? window : fullRange(s), noiseRegionOf(s)).snr;
  } catch {
    // A noise-free spectrum (e.g. synthetic) has no finite SNR: reported as null rather than failing.
    snr = null;
  }
  const a = result.applied;
  return {
    ...spectrumIdentity(entry),
    phase: { mode: a.phase.mode, ph0Deg: a.phase.ph0Deg, ph1Deg: a.phase.ph1Deg, pivotPpm: a.phase.pivotPpm },
    referenceOffsetPpm: a.referenceOffsetPpm,
    baseline: a.baseline.kind,
    sizePoints: a.sizePoints,
    peakPpm: pickPeak(s, fullRange(s)).ppm,
    metalPeakPpm,
    snr,
    file,
  };
}

/** The CSV bytes of a processed spectrum: ppm,real,imag. */
export function spectrumCsv(result: ProcessingResult): Uint8Array {
  const s = result.spectrum;
  return encodeNumericColumns(SPECTRUM_COLUMNS, [s.ppm, s.re, s.im]);
}

/** The --format and --dtype choice: CSV, or binary with its sample type. */
function outputFormat(flags: ProcessFlags): { binary: boolean; sample: SampleType } {
  const format = flags.format ?? 'csv';
  if (format !== 'csv' && format !== 'binary')
    throw new UsageError('unknown output format', {
      field: '--format',
      found: format,
      expected: 'csv or binary',
    });
  const sample = flags.dtype ?? 'float64';
  if (sample !== 'float64' && sample !== 'float32')
    throw new UsageError('unknown sample type', {
      field: '--dtype',
      found: sample,
      expected: 'float64 or float32',
    });
  if (format === 'csv' && flags.dtype !== undefined)
    throw new UsageError('--dtype applies to the binary output only', {
      field: '--dtype',
      found: flags.dtype,
      expected: '--format binary --dtype float32, or no --dtype',
    });
  if (format === 'binary' && flags.out === undefined)
    throw new UsageError('the binary output needs a folder', {
      field: '--format',
      found: 'binary without --out',
      expected: '--out DIR',
    });
  return { binary: format === 'binary', sample };
}

function checkOut(out: string | undefined, isSeries: boolean, binary: boolean): void {
  if (out === undefined) return;
  if (binary) {
    if (isFile(out))
      throw new UsageError('the binary output is a folder', {
        field: '--out',
        found: out,
        expected: 'a folder path (spectra.bin, ppm.bin and spectra.json are written into it)',
      });
    return;
  }
  if (isSeries) {
    if (isFile(out) || /\.csv$/i.test(out)) {
      throw new UsageError('a series is written as one CSV per spectrum into a folder', {
        field: '--out',
        found: out,
        expected: 'a folder path',
      });
    }
  } else if (isDirectory(out)) {
    throw new UsageError('one spectrum is written to a file, not a folder', {
      field: '--out',
      found: out,
      expected: 'a file path such as spectrum.csv',
    });
  }
}

export function registerProcess(program: Command): void {
  const cmd = program
    .command('process <path>')
    .description(
      'process a Bruker experiment or series: group delay, apodization, FFT, phase, reference, baseline',
    )
    .option('--out <path>', 'CSV file (one spectrum) or folder (series: exp<N>.csv per spectrum + index.csv)')
    .option(
      '--format <format>',
      'csv (default) or binary: one array file (spectra.bin, complex, little-endian) + ppm.bin + spectra.json in the folder --out',
    )
    .option('--dtype <type>', 'with --format binary: float64 (default) or float32')
    .option('--force', "with a folder: replace spincell's earlier files in --out even if they were changed");
  addProcessingOptions(cmd).action(
    action(async (path: string, flags: ProcessFlags, command: Command) => {
      const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
      const { binary, sample } = outputFormat(flags);
      const input = openInput(path, flags, json, 'process');
      checkOut(flags.out, input.isSeries, binary);
      const summaries: SpectrumSummary[] = [];
      // A series (or binary output) goes to a folder as one set: staged beside it and swapped in whole at the end.
      const set =
        flags.out !== undefined && (input.isSeries || binary)
          ? OutputFolder.open(flags.out, {
              command: 'process',
              field: '--out',
              inputs: commandInputs(),
              force: Boolean(flags.force),
              legacy: isProcessFolder,
            })
          : null;
      // CSV of a series: formatted on a worker thread while the next spectrum is processed
      const encoder = set && !binary ? new CsvEncoder() : null;
      const encoding = new Set<Promise<void>>();
      const failed: unknown[] = [];
      try {
        const arrays = set && binary ? new ProcessedSpectraWriter(set, sample) : null;
        for (const item of input.run()) {
          let file: string | null = null;
          if (arrays) {
            const summary = summarize(item, null);
            const { file: _none, ...fields } = summary;
            arrays.add(item.result.spectrum, fields);
            summaries.push(summary);
            await (set as OutputFolder).drain(2);
            continue;
          }
          if (flags.out !== undefined) {
            const name = `${spectrumFileStem(item.entry)}.csv`;
            file = set ? join(flags.out, name) : flags.out;
            if (set && encoder) {
              // formatted on the encoder's thread, then written and flushed on the thread pool
              const s = item.result.spectrum;
              const job = encoder
                .encode(SPECTRUM_COLUMNS, [s.ppm, s.re, s.im])
                .then((bytes) => set.writeFileInBackground(name, bytes))
                .catch((error: unknown) => void failed.push(error))
                .finally(() => encoding.delete(job));
              encoding.add(job);
              while (encoding.size > BACKGROUND_WRITES) await Promise.race(encoding);
              if (failed.length > 0) throw failed[0];
              await set.drain(BACKGROUND_WRITES);
            } else writeFileAtomic(file, spectrumCsv(item.result));
          }
          summaries.push(summarize(item, file));
        }
        if (set && arrays) {
          await arrays.finish({ source: path, inputFormat: input.format });
          await set.drain();
          set.commit();
        } else if (set) {
          await Promise.all(encoding);
          await encoder?.close();
          if (failed.length > 0) throw failed[0];
          await set.drain();
          set.writeFile(
            INDEX_FILE,
            formatCsv(
              INDEX_COLUMNS,
              summaries.map((s) => [
                s.index,
                s.experimentNumber,
                s.rowIndex,
                s.file ? s.file.split(/[\\/]/).pop() : null,
                s.startIso,
                s.midIso,
                s.endIso,
                s.phase.ph0Deg,
                s.phase.ph1Deg,
                s.referenceOffsetPpm,
                s.peakPpm,
                s.metalPeakPpm,
                s.snr,
              ]),
            ),
          );
          set.commit();
        }
      } catch (error) {
        // Encodings still under way would stage their files after the abort: let them all end first.
        await Promise.allSettled(encoding);
        await encoder?.close();
        await set?.abortWhenIdle();
        throw error;
      }
      if (json) {
        printJson({ path, format: input.format, spectra: summaries, ...writtenOutputs(flags) });
        return;
      }
      printTable(
        ['#', 'exp', 'mid time (UTC)', 'PH0°', 'PH1°', 'ref Δppm', 'peak ppm', 'metal ppm', 'SNR', 'file'],
        summaries.map((s) => [
          String(s.index),
          s.experimentNumber === null ? '' : String(s.experimentNumber),
          s.midIso.replace('T', ' ').replace('Z', ''),
          fixed(s.phase.ph0Deg, 2),
          fixed(s.phase.ph1Deg, 2),
          fixed(s.referenceOffsetPpm, 4),
          fixed(s.peakPpm, 4),
          fixed(s.metalPeakPpm, 4),
          fixed(s.snr, 0),
          s.file ?? '',
        ]),
      );
    }),
  );
}
