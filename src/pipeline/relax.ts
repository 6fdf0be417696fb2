/**
 * A relaxation or nutation experiment read as the fits need it: the row variable of every spectrum (a
 * pseudo-2D `ser` with its vdlist/vclist/vplist, or a series of experiments with the variable in acqus or
 * given by hand), each spectrum processed with one phase for the whole series, and per spectrum the
 * integral of every region (or the area of every line of a lineshape model) and its linewidth.
 *
 * One phase for all rows: automatic phasing of each row would turn inverted (inversion recovery) or
 * negative (nutation past π) rows positive. The row with the strongest signal (magnitude-mode integral over
 * the regions, or over the whole spectrum for line fits) is phased automatically and its PH0/PH1 applied to
 * every row; a phase given by hand (`--phase PH0,PH1`, `none`, `magnitude`, `--phase-mode shared`) is used as
 * given; processed inputs (pdata, JCAMP-DX) keep their stored phase unless a phase is asked for. The remaining 180° ambiguity is removed by turning each series so that its reference row is
 * positive (relax/series.ts).
 *
 * Row variable → x of the curve:
 *  - t1: delays (vdlist, s, or an acqus D entry) as they are;
 *  - t2: vdlist/D τ → echo time 2τ (Hahn echo: τ on each side of the refocusing pulse; `echoFactor`
 *    overrides 2); vclist/L n → n·echo spacing, the spacing from `echoSpacingS` or else 2·D20 of acqus (the
 *    fixed echo delay of Bruker's CPMG programmes);
 *  - nutation: pulse lengths (vplist, µs, or an acqus P entry).
 */
import { join } from 'node:path';
import { DataError, UsageError } from '../core/errors.js';
import { compileModel, type CompiledModel } from '../fit/model.js';
import { createSeriesFitter } from '../fit/batch.js';
import { readBrukerParams, readProcs } from '../io/bruker/index.js';
import { isFile } from '../io/fs.js';
import { readSpectrumData, type SpectrumEntry } from '../io/spectra.js';
import {
  integrateRegion,
  optionsFromProcs,
  ppmToIndex,
  processFid,
  processSpectrum,
  type PpmRange,
  type ProcessingOptions,
} from '../nmr/index.js';
import { fwhmPpm, seriesSign, type SeriesKind } from '../relax/series.js';
import {
  fitInput,
  openInput,
  type OpenedInput,
  type ProcessingFlags,
  type ProgressTracker,
} from './processing.js';

export type RelaxKind = SeriesKind;

export interface RelaxSeriesOptions {
  readonly regions: readonly PpmRange[];
  /** A lineshape model (JSON text) whose component areas are the signals, instead of or beside regions. */
  readonly linesModel?: { readonly text: string; readonly file: string };
  /** acqus parameter holding each experiment's variable in a series: D<i> (s), P<i> (µs) or L<i>. */
  readonly variable?: string;
  /** The row variable given by hand, one per spectrum (s for t1/t2 delays, µs for pulses, counts). */
  readonly values?: readonly number[];
  /** t2 with a loop-counter list: echo spacing, s (default 2·D20 of acqus). */
  readonly echoSpacingS?: number;
  /** t2 with a delay list: echo time = factor × τ (default 2). */
  readonly echoFactor?: number;
}

export interface RelaxSignal {
  /** `230:290` for a region, the component name for a line. */
  readonly label: string;
  readonly kind: 'region' | 'line';
  readonly regionPpm: PpmRange | null;
  /** Intensities per row after the sign convention, one per spectrum. */
  readonly y: Float64Array;
  /** −1 when the series was turned over (see the header). */
  readonly sign: 1 | -1;
  /** FWHM of the line in each row, Hz (NaN where it could not be measured). */
  readonly fwhmHz: Float64Array;
}

export interface RelaxSeries {
  readonly kind: RelaxKind;
  readonly input: OpenedInput;
  readonly entries: readonly SpectrumEntry[];
  /** The curve's x per spectrum: s (t1, t2) or µs (nutation). */
  readonly x: Float64Array;
  readonly xUnit: 's' | 'us';
  /** Where the variable came from: vdlist, vclist, vplist, acqus D7, --values … */
  readonly variableSource: string;
  /** The raw row variable (before echo-time conversion). */
  readonly rawValues: Float64Array;
  readonly signals: readonly RelaxSignal[];
  /** The phase applied to every row (pivot at the first point), and the row it came from. */
  readonly phase: {
    readonly ph0Deg: number;
    readonly ph1Deg: number;
    readonly referenceIndex: number;
  } | null;
  /** Exponential line broadening applied, Hz (subtracted from widths for T2*). */
  readonly lineBroadeningHz: number;
  readonly warnings: string[];
}

const PARAM_RE = /^([DPL])(\d{1,2})$/i;

/** The variable of one entry from its acqus (series of experiments). */
function acqusVariable(entry: SpectrumEntry, name: string): number {
  const m = PARAM_RE.exec(name);
  if (!m)
    throw new UsageError('not an acqus variable', {
      field: '--variable',
      found: name,
      expected: 'D<i> (delay, s), P<i> (pulse, µs) or L<i> (loop counter), e.g. D7, P1, L4',
    });
  const file = join(entry.experimentPath, 'acqus');
  if (!isFile(file))
    throw new DataError('no acqus to read the variable from', {
      file,
      field: name,
      expected: 'a Bruker experiment (acqus)',
    });
  return readBrukerParams(file).arrayNumber(m[1].toUpperCase(), Number(m[2]));
}

type ListKind = 'delay' | 'count' | 'pulse';

function listKindOf(list: string): ListKind | undefined {
  if (list === 'vdlist' || /^D/i.test(list)) return 'delay';
  if (list === 'vclist' || /^L/i.test(list)) return 'count';
  if (list === 'vplist' || /^P/i.test(list)) return 'pulse';
  return undefined;
}

const NEEDS: Record<RelaxKind, string> = {
  t1: 'a delay list (vdlist, or --variable D<i>, or --values in s)',
  t2: 'a delay list (vdlist: Hahn echo τ) or loop counters (vclist: CPMG echoes)',
  nutation: 'a pulse-length list (vplist, or --variable P<i>, or --values in µs)',
};

/** The row variables of the entries and how they map to x (see the header). */
function rowValues(
  kind: RelaxKind,
  entries: readonly SpectrumEntry[],
  o: RelaxSeriesOptions,
): { raw: Float64Array; x: Float64Array; source: string; xUnit: 's' | 'us' } {
  let raw: Float64Array;
  let source: string;
  if (o.values) {
    if (o.values.length !== entries.length)
      throw new UsageError('one value per spectrum is needed', {
        field: '--values',
        found: `${o.values.length} values`,
        expected: `${entries.length} (the spectra of the input)`,
      });
    raw = Float64Array.from(o.values);
    source = '--values';
  } else if (o.variable) {
    raw = Float64Array.from(entries, (e) => acqusVariable(e, o.variable as string));
    source = `acqus ${o.variable.toUpperCase()}`;
  } else {
    const missing = entries.find((e) => e.variable === undefined);
    if (missing)
      throw new DataError('spectrum has no row variable', {
        file: missing.experimentPath,
        field: 'vdlist/vclist/vplist',
        found: 'none',
        expected: `${NEEDS[kind]}; for a series of experiments give --variable or --values`,
      });
    const lists = new Set(entries.map((e) => e.variable?.list));
    if (lists.size > 1)
      throw new DataError('spectra carry different kinds of row variables', {
        file: entries[0].experimentPath,
        field: 'list',
        found: [...lists].join(', '),
        expected: 'one list for the whole series',
      });
    raw = Float64Array.from(entries, (e) => e.variable?.value ?? NaN);
    source = entries[0].variable?.list ?? 'list';
  }
  const listName = o.values ? (kind === 'nutation' ? 'vplist' : 'vdlist') : (o.variable ?? source);
  const k = listKindOf(listName);
  const ok =
    (kind === 't1' && k === 'delay') ||
    (kind === 't2' && (k === 'delay' || k === 'count')) ||
    (kind === 'nutation' && k === 'pulse');
  if (!ok)
    throw new DataError(`a ${kind} analysis needs ${NEEDS[kind]}`, {
      file: entries[0].experimentPath,
      field: 'row variable',
      found: source,
      expected: NEEDS[kind],
    });
  let x = raw;
  if (kind === 't2' && k === 'delay') x = Float64Array.from(raw, (v) => v * (o.echoFactor ?? 2));
  if (kind === 't2' && k === 'count') {
    let spacing = o.echoSpacingS;
    if (spacing === undefined) {
      const file = join(entries[0].experimentPath, 'acqus');
      const d20 = isFile(file) ? readBrukerParams(file).arrayNumber('D', 20, 0) : 0;
      if (!(d20 > 0))
        throw new DataError('CPMG echo spacing unknown', {
          file,
          field: 'D[20]',
          found: d20,
          expected: 'D20 > 0 (echo spacing 2·D20), or give --echo-spacing-us',
        });
      spacing = 2 * d20;
    }
    const s = spacing;
    x = Float64Array.from(raw, (v) => v * s);
  }
  return { raw, x, source, xUnit: kind === 'nutation' ? 'us' : 's' };
}

/** Options the pipeline uses for one entry (procs when asked), with a phase. */
function optionsFor(input: OpenedInput, entry: SpectrumEntry): ProcessingOptions {
  const base: ProcessingOptions =
    input.parsed.fromProcs && entry.bruker ? optionsFromProcs(readProcs(entry.experimentPath)) : {};
  return { ...base, ...input.parsed.explicit };
}

/**
 * Reads a relaxation or nutation series (see the header). `tracker` follows the spectra read (each is
 * read two or three times when the phase is found automatically).
 */
export function readRelaxSeries(
  path: string,
  kind: RelaxKind,
  flags: ProcessingFlags,
  o: RelaxSeriesOptions,
  tracker?: ProgressTracker,
): RelaxSeries {
  if (o.regions.length === 0 && !o.linesModel)
    throw new UsageError('at least one region or a line model is needed', {
      field: '--region',
      expected: 'LO:HI in ppm (repeatable), or --lines MODEL.json',
    });
  const model: CompiledModel | null = o.linesModel
    ? compileModel(o.linesModel.text, o.linesModel.file)
    : null;
  const warnings: string[] = [];
  const probe = openInput(path, { ...flags, phase: 'none' });
  const entries = probe.entries;
  const values = rowValues(kind, entries, o);
  const auto =
    (flags.phase === undefined || flags.phase.trim().toLowerCase() === 'auto') &&
    flags.phaseMode !== 'shared';
  let phase: RelaxSeries['phase'] = null;
  let runFlags: ProcessingFlags = flags;
  // Processed spectra (pdata, JCAMP) keep their stored phase unless one is asked for.
  const processed = entries[0].origin === 'processed' && flags.phase === undefined;
  if (auto && entries.length > 1 && !processed) {
    // The strongest row, by magnitude-mode integrals (no phase needed).
    const mag = openInput(path, { ...flags, phase: 'magnitude', baseline: undefined });
    let best = 0;
    let bestValue = -Infinity;
    for (const item of mag.run()) {
      tracker?.tick('phase');
      const s = item.result.spectrum;
      let total = 0;
      if (o.regions.length > 0) for (const r of o.regions) total += integrateRegion(s, r);
      else for (let i = 0; i < s.re.length; i++) total += s.re[i];
      if (total > bestValue) {
        bestValue = total;
        best = item.entry.index;
      }
    }
    const entry = entries[best];
    const data = readSpectrumData(entry);
    const opts = { ...optionsFor(probe, entry), phase: 'auto' as const };
    const ref =
      data.kind === 'fid'
        ? processFid(data.fid, opts)
        : processSpectrum(data.spectrum, opts, { hasImaginary: data.hasImaginary });
    const ap = ref.applied.phase;
    // Applied phase at point i: ph0 + ph1·(i − pivot)/n; the manual form pivots at the first point.
    const s = ref.spectrum;
    const unreferenced = Float64Array.from(s.ppm, (v) => v - ref.applied.referenceOffsetPpm);
    const pivotIndex = ppmToIndex(unreferenced, ap.pivotPpm);
    const ph0 = ap.ph0Deg - (ap.ph1Deg * pivotIndex) / s.re.length;
    phase = { ph0Deg: ph0, ph1Deg: ap.ph1Deg, referenceIndex: best };
    runFlags = { ...flags, phase: `${ph0},${ap.ph1Deg}`, phaseMode: undefined };
  } else if (
    flags.phase?.trim().toLowerCase() === 'magnitude' ||
    flags.phase?.trim().toLowerCase() === 'power'
  ) {
    if (kind !== 't2')
      warnings.push(
        `--phase ${flags.phase} discards the sign of each row; ${kind === 't1' ? 'inverted rows of an inversion recovery' : 'rows past a π pulse'} come out positive and the fit is wrong`,
      );
  }
  const input = openInput(path, runFlags, tracker);
  const regionSignals = o.regions.map(() => ({
    y: new Float64Array(entries.length),
    w: new Float64Array(entries.length),
  }));
  const lineNames = model ? model.components.map((c) => c.name) : [];
  const lineSignals = lineNames.map(() => ({
    y: new Float64Array(entries.length),
    w: new Float64Array(entries.length),
  }));
  const fitter = model ? createSeriesFitter(model, { warmStart: true }) : null;
  let lb = 0;
  for (const item of input.run()) {
    const i = item.entry.index;
    const s = item.result.spectrum;
    const sf = s.sfMHz ?? item.entry.meta.bf1MHz;
    for (const w of item.result.applied.windows) if (w.kind === 'exponential') lb = w.lbHz;
    o.regions.forEach((r, k) => {
      const value = integrateRegion(s, r);
      regionSignals[k].y[i] = value;
      const width = fwhmPpm(value >= 0 ? s : { ppm: s.ppm, re: Float64Array.from(s.re, (q) => -q) }, r);
      regionSignals[k].w[i] = width ? width.fwhmPpm * sf : NaN;
    });
    if (fitter) {
      const row = fitter.fit(fitInput(item));
      if (row.error || !row.result)
        throw new DataError(`line fit failed on spectrum ${i}: ${row.error?.message ?? 'no result'}`, {
          file: item.entry.experimentPath,
          field: '--lines',
          expected: 'a model that fits every row',
        });
      row.result.components.forEach((c, k) => {
        lineSignals[k].y[i] = c.area;
        lineSignals[k].w[i] = c.fwhmPpm * sf;
      });
    }
  }
  const signals: RelaxSignal[] = [
    ...o.regions.map((r, k) => ({
      label: `${r[0]}:${r[1]}`,
      kind: 'region' as const,
      regionPpm: r,
      ...regionSignals[k],
    })),
    ...lineNames.map((name, k) => ({
      label: name,
      kind: 'line' as const,
      regionPpm: null,
      ...lineSignals[k],
    })),
  ].map((sig) => {
    const sign = seriesSign(kind, values.x, sig.y);
    return {
      label: sig.label,
      kind: sig.kind,
      regionPpm: sig.regionPpm,
      y: sign === 1 ? sig.y : Float64Array.from(sig.y, (v) => -v),
      sign,
      fwhmHz: sig.w,
    };
  });
  warnings.push(...input.warnings);
  return {
    kind,
    input,
    entries,
    x: values.x,
    xUnit: values.xUnit,
    variableSource: values.source,
    rawValues: values.raw,
    signals,
    phase,
    lineBroadeningHz: lb,
    warnings,
  };
}
