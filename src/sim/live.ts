/**
 * A live operando experiment written over real time, for `spincell watch` and its tests: the virtual
 * cell and spectrometer of src/sim/ (planOperando, simulateSpectrum, simulateCycler) write
 *
 *   series/10, 11, …   one Bruker experiment per spectrum, each written file by file in the order a
 *                       spectrometer does — acqus, audita.txt, then the fid last (optionally in two halves
 *                       with a pause, as a slow disk or network share delivers it) — or, with the `ser`
 *                       layout, one pseudo-2D experiment series/10 whose ser grows row by row (acqus and
 *                       acqu2s first, audita.txt only when the acquisition has ended);
 *   cycler.mpt          the EC-Lab export growing line by line, lagging one spectrum behind the
 *                       spectrometer (so the alignment of the latest spectrum catches up later);
 *                       optionally rewritten once whole with one more header line, as EC-Lab does when
 *                       it updates "Nb header lines";
 *   eis-1.mpt, …        optional impedance sweeps (EC-Lab PEIS exports), one file each, appearing as the
 *                       series goes on (a resistance growing sweep by sweep, as an interphase does);
 *   manifest.json       a manifest for `spincell watch` / `spincell run` on these files;
 *   truth.json          what was simulated (written at the end).
 *
 * The files are written in place, not atomically: being watched while incomplete is the point.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ParameterError } from '../core/errors.js';
import { brukerFiles, type ComplexData } from '../io/bruker/index.js';
import { formatMpt, simulateCycler } from './cycler.js';
import { logSweep, peisRecords, simulateSweep } from './eis.js';
import { acquisitionSpec, truthDocument } from './operando.js';
import { type OperandoOptions, planOperando, simulateSpectrum } from './spectrometer.js';

export interface LiveSimOptions {
  /** Number of spectra (default 10). */
  readonly spectra?: number;
  /** Real time between two spectra, ms (default 1000). */
  readonly intervalMs?: number;
  readonly seed?: number;
  /** 'series' (one experiment per spectrum, default) or 'ser' (one pseudo-2D experiment growing by rows). */
  readonly layout?: 'series' | 'ser';
  /** Write each fid in two halves with this pause between them, ms (default 0: in one write). */
  readonly splitFidPauseMs?: number;
  /** Rewrite the cycler export whole, with one more header line, after this spectrum (0-based). */
  readonly rewriteHeaderAt?: number;
  /** Complex points per FID (default 4096: fast enough to follow at one spectrum per second). */
  readonly complexPoints?: number;
  /**
   * Impedance sweeps (PEIS, 100 kHz → 10 mHz) spread over the series, each an EC-Lab export of its own
   * (eis-1.mpt, …) written in place after its spectrum (default 0).
   */
  readonly impedanceSweeps?: number;
  /** Cycler logging interval of the virtual cell, s (default 10). */
  readonly cyclerSampleS?: number;
  /** Called when a spectrum's files are complete (epoch ms of that moment) — the latency benchmark's clock. */
  readonly onSpectrum?: (index: number, path: string, completeMs: number) => void;
  /** Stops writing (the files stay as far as they got). */
  readonly signal?: AbortSignal;
  readonly plan?: Partial<OperandoOptions>;
}

export interface LiveSimResult {
  readonly dir: string;
  readonly series: string;
  readonly cycler: string;
  readonly manifest: string;
  readonly spectra: number;
}

/** Line of a rewritten EC-Lab header (the rewrite adds it before the blank line closing the header). */
const REWRITE_LINE = 'Cycle Definition : Charge/Discharge alternance';

/** The same export with one more header line and its "Nb header lines" raised by one. */
export function withExtraHeaderLine(mpt: string): string {
  const lines = mpt.split('\r\n');
  const m = /^Nb header lines : (\d+)$/.exec(lines[1] ?? '');
  if (!m)
    throw new ParameterError('not an EC-Lab text export', { field: 'Nb header lines', found: lines[1] });
  const n = Number(m[1]);
  lines[1] = `Nb header lines : ${n + 1}`;
  // Header lines 1…n-1 precede the column names (line n); the last header line is blank.
  lines.splice(n - 2, 0, REWRITE_LINE);
  return lines.join('\r\n');
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done) => {
    if (ms <= 0 || signal?.aborted) return done();
    const finish = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', finish);
      done();
    };
    const t = setTimeout(finish, ms);
    signal?.addEventListener('abort', finish, { once: true });
  });

function checkTarget(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new ParameterError('output folder is not empty; a live simulation writes into a new folder', {
      file: dir,
      field: 'OUTDIR',
      found: `${readdirSync(dir).length} entries`,
      expected: 'a new or empty folder',
    });
}

/** The manifest `spincell watch` follows the simulation with (paths relative to it). */
export function liveManifest(name: string, impedanceSweeps = 0): Record<string, unknown> {
  return {
    ...(impedanceSweeps > 0
      ? { eis: { paths: Array.from({ length: impedanceSweeps }, (_, k) => `eis-${k + 1}.mpt`) } }
      : {}),
    version: 1,
    name,
    nmr: {
      path: 'series',
      processing: { phase: 'auto', phaseMode: 'each', baseline: 'auto', reference: 'metal:245' },
      regionsPpm: [
        [230, 290],
        [-20, 20],
      ],
      morphology: { mode: 'constrained', widthCap: 'auto' },
    },
    cycler: { path: 'cycler.mpt', timezone: 'UTC', areaCm2: 1 },
    output: { dir: 'results' },
  };
}

export async function simulateLive(outDir: string, options: LiveSimOptions = {}): Promise<LiveSimResult> {
  const dir = resolve(outDir);
  checkTarget(dir);
  const spectra = options.spectra ?? 10;
  const intervalMs = options.intervalMs ?? 1000;
  const layout = options.layout ?? 'series';
  const plan = planOperando({
    seed: options.seed ?? 1,
    spectra,
    ...options.plan,
    spectrometer: { complexPoints: options.complexPoints ?? 4096, ...options.plan?.spectrometer },
  });
  const sweeps = options.impedanceSweeps ?? 0;
  // Sweep k follows spectrum after[k]; its arc (interphase) grows by 5 Ω per sweep.
  const after = Array.from({ length: sweeps }, (_, k) =>
    Math.max(0, Math.round(((k + 1) * spectra) / (sweeps + 1)) - 1),
  );
  const writeSweeps = (i: number) =>
    after.forEach((j, k) => {
      if (j !== i) return;
      const startS = (plan.spectra[i].endMs - plan.options.startMs) / 1000;
      const sweep = simulateSweep(
        {
          r0Ohm: plan.cell.params.resistanceOhm,
          zarcs: [
            { rOhm: 20 + 5 * k, tau0S: 1e-3, phi: 0.8 },
            { rOhm: 15, tau0S: 10, phi: 0.9 },
          ],
        },
        logSweep(1e5, 1e-2, 8),
        { noise: 0.001, seed: plan.options.seed + 7919 * k, startS },
      );
      const text = formatMpt(peisRecords([sweep], plan.options.startMs, plan.cell.params.areaCm2), {
        techniqueTitle: 'Potentio Electrochemical Impedance Spectroscopy',
      });
      writeFileSync(join(dir, `eis-${k + 1}.mpt`), text, 'latin1');
    });
  const series = join(dir, 'series');
  const cyclerPath = join(dir, 'cycler.mpt');
  const manifestPath = join(dir, 'manifest.json');
  mkdirSync(series, { recursive: true });
  writeFileSync(
    manifestPath,
    `${JSON.stringify(liveManifest(`live operando simulation (seed ${plan.options.seed}, ${spectra} spectra)`, sweeps), null, 2)}\n`,
  );

  // The cycler record of the whole protocol, written out as the spectrometer gets ahead of it.
  const records = simulateCycler(plan.cell, {
    startMs: plan.options.startMs,
    sampleIntervalS: options.cyclerSampleS ?? 10,
  });
  let mpt = formatMpt(records);
  const timeS = records.columns.find((c) => c.key === 'time_s')?.values ?? new Float64Array(0);
  const headerEnd = nthLineEnd(mpt, headerLines(mpt));
  let written = 0; // data rows written
  let rewritten = false;
  writeFileSync(cyclerPath, mpt.slice(0, headerEnd), 'latin1');
  const rowStarts = lineOffsets(mpt, headerEnd);
  const writeRowsUntil = (untilMs: number) => {
    const untilS = (untilMs - plan.options.startMs) / 1000;
    let k = written;
    while (k < timeS.length && timeS[k] <= untilS) k++;
    if (k > written) {
      appendFileSync(cyclerPath, mpt.slice(rowStarts[written], rowStarts[k]), 'latin1');
      written = k;
    }
  };
  const rewriteHeader = () => {
    mpt = withExtraHeaderLine(mpt);
    const end = nthLineEnd(mpt, headerLines(mpt));
    const starts = lineOffsets(mpt, end);
    // In place, as EC-Lab does: truncated and written again (a reader may catch it half-way).
    writeFileSync(cyclerPath, mpt.slice(0, starts[written]), 'latin1');
    rowStarts.splice(0, rowStarts.length, ...starts);
    rewritten = true;
  };

  const a = plan.acquisition;
  if (layout === 'series') {
    for (let i = 0; i < spectra && !options.signal?.aborted; i++) {
      const truth = plan.spectra[i];
      const sim = simulateSpectrum(plan, i);
      const path = join(series, String(truth.experimentNumber));
      const { files } = brukerFiles(path, acquisitionSpec(a, truth.startMs, truth.endMs), [sim], false);
      mkdirSync(path);
      for (const [name, data] of files) {
        if (name === 'fid' && (options.splitFidPauseMs ?? 0) > 0) {
          const bytes = data as Uint8Array;
          const half = Math.floor(bytes.length / 2);
          writeFileSync(join(path, name), bytes.subarray(0, half));
          await sleep(options.splitFidPauseMs ?? 0);
          appendFileSync(join(path, name), bytes.subarray(half));
        } else writeFileSync(join(path, name), data);
      }
      options.onSpectrum?.(i, path, Date.now());
      writeSweeps(i);
      if (i > 0) writeRowsUntil(plan.spectra[i - 1].endMs);
      if (options.rewriteHeaderAt === i && !rewritten) rewriteHeader();
      if (i < spectra - 1) await sleep(intervalMs, options.signal);
    }
  } else {
    const rows: ComplexData[] = plan.spectra.map((_, i) => simulateSpectrum(plan, i));
    const first = plan.spectra[0];
    const last = plan.spectra[spectra - 1];
    const path = join(series, String(first.experimentNumber));
    const { files, rowBytes } = brukerFiles(path, acquisitionSpec(a, first.startMs, last.endMs), rows, true);
    mkdirSync(path);
    const ser = files.find(([n]) => n === 'ser')?.[1] as Uint8Array;
    for (const [name, data] of files)
      if (name !== 'ser' && name !== 'audita.txt') writeFileSync(join(path, name), data);
    writeFileSync(join(path, 'ser'), new Uint8Array(0));
    for (let i = 0; i < spectra && !options.signal?.aborted; i++) {
      appendFileSync(join(path, 'ser'), ser.subarray(i * rowBytes, (i + 1) * rowBytes));
      if (i === spectra - 1) {
        const audit = files.find(([n]) => n === 'audita.txt');
        if (audit) writeFileSync(join(path, 'audita.txt'), audit[1]);
      }
      options.onSpectrum?.(i, path, Date.now());
      writeSweeps(i);
      if (i > 0) writeRowsUntil(plan.spectra[i - 1].endMs);
      if (options.rewriteHeaderAt === i && !rewritten) rewriteHeader();
      if (i < spectra - 1) await sleep(intervalMs, options.signal);
    }
  }
  if (!options.signal?.aborted) {
    writeRowsUntil(Infinity);
    writeFileSync(join(dir, 'truth.json'), `${JSON.stringify(truthDocument(plan), null, 1)}\n`);
  }
  return { dir, series, cycler: cyclerPath, manifest: manifestPath, spectra };
}

function headerLines(mpt: string): number {
  const m = /Nb header lines : (\d+)/.exec(mpt);
  return m ? Number(m[1]) : 0;
}

/** Offset just after the n-th CRLF line. */
function nthLineEnd(text: string, n: number): number {
  let at = 0;
  for (let k = 0; k < n; k++) at = text.indexOf('\r\n', at) + 2;
  return at;
}

/** Start offsets of the data rows from `from`, and the end of the text as the last entry. */
function lineOffsets(text: string, from: number): number[] {
  const out: number[] = [];
  let at = from;
  while (at < text.length) {
    out.push(at);
    const next = text.indexOf('\r\n', at);
    at = next < 0 ? text.length : next + 2;
  }
  out.push(text.length);
  return out;
}
