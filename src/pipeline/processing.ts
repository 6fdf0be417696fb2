/**
 * Processing of a Bruker experiment or series as users describe it (command-line flags or a manifest):
 * one parser turning the flags into the library's ProcessingOptions, and one streaming loop over the
 * spectra (one in memory at a time), with progress reported to whoever listens.
 */
import { basename } from 'node:path';
import { ParameterError, UsageError } from '../core/errors.js';
import { findNucleus } from '../core/nuclei.js';
import type { AcquisitionMeta, Fid, Spectrum } from '../core/types.js';
import type { SeriesRowHeader } from '../fit/batch.js';
import { readProcs } from '../io/bruker/index.js';
import {
  listSpectra,
  readSpectrumData,
  type SpectrumData,
  type SpectrumEntry,
  type SpectrumFormat,
  type SpectrumListing,
} from '../io/spectra.js';
import {
  type BaselineOption,
  fitSharedPhase,
  fitSharedPhaseSpectra,
  optionsFromProcs,
  type PhaseOption,
  type PpmRange,
  processFid,
  processSpectrum,
  type ProcessingOptions,
  type ProcessingResult,
  type ReferenceOption,
} from '../nmr/index.js';
import { parseNumberOption, parseRange } from '../core/parse.js';

/** Flags as commander hands them over (undefined when not given). */
export interface ProcessingFlags {
  lb?: string;
  zf?: string;
  phase?: string;
  phaseMode?: string;
  baseline?: string;
  baselineRegion?: string[];
  ref?: string;
  fromProcs?: boolean;
  /**
   * Divide every spectrum by NS·RG (integrate, fit, morphology and manifests: default true, `--no-normalise`
   * turns it off; `process` leaves spectra as processed).
   */
  normalise?: boolean;
}

/** Window where a nucleus' metal line is searched (Knight-shifted metal and its microstructures). */
const METAL_WINDOWS_PPM: Readonly<Record<string, PpmRange>> = {
  '7Li': [200, 320],
  '6Li': [200, 320],
  '23Na': [1080, 1200],
};

export function metalWindowPpm(nucleus: string): PpmRange | undefined {
  const n = findNucleus(nucleus);
  return n ? METAL_WINDOWS_PPM[n.label] : undefined;
}

/** ppm range of the acquisition axis (before referencing). */
export function axisRangePpm(meta: Pick<AcquisitionMeta, 'sfo1MHz' | 'bf1MHz' | 'swHz'>): [number, number] {
  const centre = ((meta.sfo1MHz - meta.bf1MHz) * 1e6) / meta.bf1MHz;
  const half = meta.swHz / 2 / meta.bf1MHz;
  return [centre - half, centre + half];
}

/**
 * Signal-free regions assumed when none are given: the outer 15 % of the axis at each end, where a
 * wide-window in situ spectrum holds only noise and baseline.
 */
export function edgeRegionsPpm(meta: Pick<AcquisitionMeta, 'sfo1MHz' | 'bf1MHz' | 'swHz'>): PpmRange[] {
  return edgeRegionsOfRange(axisRangePpm(meta));
}

/** The outer 15 % at each end of a ppm range. */
function edgeRegionsOfRange(range: readonly [number, number]): PpmRange[] {
  const lo = Math.min(range[0], range[1]);
  const hi = Math.max(range[0], range[1]);
  const w = 0.15 * (hi - lo);
  return [
    [lo, lo + w],
    [hi - w, hi],
  ];
}

function parsePhase(value: string): PhaseOption {
  const v = value.trim().toLowerCase();
  if (v === 'auto' || v === 'none' || v === 'magnitude' || v === 'power') return v;
  const parts = value.split(',');
  if (parts.length === 1 || parts.length === 2) {
    const ph0Deg = parseNumberOption('--phase', parts[0]);
    const ph1Deg = parts.length === 2 ? parseNumberOption('--phase', parts[1]) : 0;
    return { ph0Deg, ph1Deg };
  }
  throw new UsageError('not a phase', {
    field: '--phase',
    found: value,
    expected: 'auto, none, magnitude, power or PH0,PH1 (degrees)',
  });
}

function parseBaseline(
  value: string,
  regions: string[] | undefined,
  meta: AcquisitionMeta,
  axisPpm?: readonly [number, number],
): BaselineOption {
  const v = value.trim().toLowerCase();
  if (v === 'none' || v === 'auto') return v;
  const m = /^poly:(\d+)$/.exec(v);
  if (!m)
    throw new UsageError('not a baseline mode', {
      field: '--baseline',
      found: value,
      expected: 'none, auto or poly:N',
    });
  const order = Number(m[1]);
  if (order > 10)
    throw new UsageError('polynomial order too high', {
      field: '--baseline',
      found: order,
      expected: '0…10',
    });
  const regionsPpm =
    regions && regions.length > 0
      ? regions.map((r) => parseRange('--baseline-region', r))
      : axisPpm
        ? edgeRegionsOfRange(axisPpm)
        : edgeRegionsPpm(meta);
  return { order, regionsPpm };
}

/** Half-width of the search window around a given peak position for 'VALUE@PPM', ppm. */
const REF_SEARCH_HALF_WIDTH_PPM = 5;

function parseReference(value: string, meta: AcquisitionMeta): ReferenceOption {
  const v = value.trim();
  if (v.toLowerCase() === 'none') return 'none';
  const metal = /^metal:(.+)$/i.exec(v);
  if (metal) {
    const window = metalWindowPpm(meta.nucleus);
    if (!window) {
      throw new UsageError('no metal window known for this nucleus', {
        field: '--ref',
        found: meta.nucleus,
        expected: `one of ${Object.keys(METAL_WINDOWS_PPM).join(', ')}; or use VALUE@LO:HI`,
      });
    }
    return { kind: 'internal', windowPpm: window, valuePpm: parseNumberOption('--ref', metal[1]) };
  }
  const offset = /^offset:(.+)$/i.exec(v);
  if (offset) return { kind: 'offset', ppm: parseNumberOption('--ref', offset[1]) };
  const at = /^([^@]+)@(.+)$/.exec(v);
  if (at) {
    const valuePpm = parseNumberOption('--ref', at[1]);
    if (at[2].includes(':')) return { kind: 'internal', windowPpm: parseRange('--ref', at[2]), valuePpm };
    const near = parseNumberOption('--ref', at[2]);
    return {
      kind: 'internal',
      windowPpm: [near - REF_SEARCH_HALF_WIDTH_PPM, near + REF_SEARCH_HALF_WIDTH_PPM],
      valuePpm,
    };
  }
  throw new UsageError('not a reference', {
    field: '--ref',
    found: value,
    expected: 'VALUE@PPM, VALUE@LO:HI, metal:VALUE, offset:DELTA or none',
  });
}

export interface ParsedProcessing {
  /** Options set by flags (they override procs with --from-procs). */
  readonly explicit: ProcessingOptions;
  readonly fromProcs: boolean;
  readonly shared: boolean;
}

/**
 * Validates the flags against the first spectrum's parameters (needed for metal windows and edges).
 * `axisPpm`: the ppm range of a processed input's own axis (default: the acquisition axis from meta).
 */
export function parseProcessingFlags(
  flags: ProcessingFlags,
  meta: AcquisitionMeta,
  axisPpm?: readonly [number, number],
): ParsedProcessing {
  const explicit: { -readonly [K in keyof ProcessingOptions]?: ProcessingOptions[K] } = {};
  if (flags.lb !== undefined) {
    const lb = parseNumberOption('--lb', flags.lb);
    if (lb < 0)
      throw new UsageError('line broadening must be ≥ 0', {
        field: '--lb',
        found: flags.lb,
        expected: '≥ 0 Hz',
      });
    // Broadening wider than the spectral width leaves no line to measure (and overflows the window).
    if (lb > meta.swHz)
      throw new UsageError('line broadening exceeds the spectral width', {
        field: '--lb',
        found: flags.lb,
        expected: `0 … ${meta.swHz} Hz (SW_h of ${meta.source})`,
      });
    explicit.lbHz = lb;
  }
  if (flags.zf !== undefined) {
    const zf = parseNumberOption('--zf', flags.zf);
    if (!Number.isInteger(zf) || zf < 16 || zf > 2 ** 24) {
      throw new UsageError('spectrum size must be an integer number of points', {
        field: '--zf',
        found: flags.zf,
        expected: '16…16777216, e.g. 32768',
      });
    }
    explicit.sizePoints = zf;
  }
  if (flags.phase !== undefined) explicit.phase = parsePhase(flags.phase);
  let shared = false;
  if (flags.phaseMode !== undefined) {
    const m = flags.phaseMode.trim().toLowerCase();
    if (m !== 'shared' && m !== 'each')
      throw new UsageError('not a phase mode', {
        field: '--phase-mode',
        found: flags.phaseMode,
        expected: 'shared or each',
      });
    shared = m === 'shared';
  }
  if (flags.baseline !== undefined)
    explicit.baseline = parseBaseline(flags.baseline, flags.baselineRegion, meta, axisPpm);
  else if (flags.baselineRegion !== undefined) {
    throw new UsageError('--baseline-region needs --baseline poly:N', {
      field: '--baseline-region',
      found: flags.baselineRegion.join(' '),
      expected: '--baseline poly:N',
    });
  }
  if (flags.ref !== undefined) explicit.reference = parseReference(flags.ref, meta);
  return { explicit, fromProcs: Boolean(flags.fromProcs), shared };
}

export interface ProcessedItem {
  readonly entry: SpectrumEntry;
  readonly result: ProcessingResult;
}

/** The intensity scaling of one spectrum: NS and RG (0 when unknown) and the factor applied. */
export interface SpectrumScaling {
  readonly ns: number;
  readonly rg: number;
  /** Factor the spectrum was multiplied by: 1/(NS·RG) when normalised, else 1. */
  readonly scaleFactor: number;
}

export interface OpenedInput {
  readonly format: SpectrumFormat;
  readonly entries: readonly SpectrumEntry[];
  readonly parsed: ParsedProcessing;
  /** True when the input holds several spectra (a series folder or a ser with rows). */
  readonly isSeries: boolean;
  /** True when the spectra are divided by NS·RG. */
  readonly normalised: boolean;
  /** One-line notes for the user: how a series was ordered, which time source was used. */
  readonly notes: readonly string[];
  /** One-line warnings: NS or RG changing within the series, NS·RG unknown. */
  readonly warnings: readonly string[];
  /** NS, RG and the factor applied to the spectrum of an entry. */
  scaling(entry: SpectrumEntry): SpectrumScaling;
  /** Processes the spectra one at a time, in order, with a progress bar on a terminal. */
  run(): Generator<ProcessedItem>;
  /**
   * Processes one entry as run() does (live mode: spectra one by one as they arrive); a shared phase,
   * which needs the whole series first, is refused.
   */
  process(entry: SpectrumEntry): ProcessedItem;
}

/** Receives one tick per spectrum read (two per spectrum when a shared phase needs a first pass). */
export interface ProgressTracker {
  start?(total: number): void;
  tick(label?: string): void;
  stop(): void;
}

const SILENT: ProgressTracker = { tick() {}, stop() {} };

/** Flags that act on the FID, refused for processed inputs (TopSpin 1r/1i, JCAMP-DX). */
const FID_FLAGS: readonly [keyof ProcessingFlags, string][] = [
  ['lb', '--lb'],
  ['zf', '--zf'],
  ['fromProcs', '--from-procs'],
];

function rangeOf(s: Spectrum): [number, number] {
  const n = s.ppm.length;
  return [Math.min(s.ppm[0], s.ppm[n - 1]), Math.max(s.ppm[0], s.ppm[n - 1])];
}

const fmtList = (values: readonly number[]) => [...new Set(values)].join(', ');

/**
 * NS·RG normalisation (see README, `integrate`): a spectrum is divided by NS·RG, the signal's
 * proportionality to the number of scans summed and to the receiver gain, so that spectra of experiments
 * with different NS or RG are on one scale. When any spectrum's NS or RG is unknown nothing is scaled.
 */
function scalingOf(
  entries: readonly SpectrumEntry[],
  wanted: boolean,
  warnings: string[],
): { normalised: boolean; factor: (e: SpectrumEntry) => SpectrumScaling } {
  const ns = entries.map((e) => e.meta.scans);
  const rg = entries.map((e) => e.meta.receiverGain);
  const known = entries.every((e) => e.meta.scans > 0 && e.meta.receiverGain > 0);
  const varies = new Set(ns).size > 1 || new Set(rg).size > 1;
  const normalised = wanted && known;
  if (wanted && !known) {
    const e = entries.find((x) => !(x.meta.scans > 0 && x.meta.receiverGain > 0));
    warnings.push(
      `NS or RG unknown for ${e?.experimentPath ?? 'a spectrum'}: intensities are not normalised by NS·RG`,
    );
  }
  if (varies) {
    warnings.push(
      normalised
        ? `NS or RG vary across the series (NS ${fmtList(ns)}; RG ${fmtList(rg)}): every spectrum is divided by its NS·RG`
        : `NS or RG vary across the series (NS ${fmtList(ns)}; RG ${fmtList(rg)}) and intensities are not normalised: integrals are not comparable between spectra`,
    );
  }
  return {
    normalised,
    factor: (e) => ({
      ns: e.meta.scans,
      rg: e.meta.receiverGain,
      scaleFactor: normalised ? 1 / (e.meta.scans * e.meta.receiverGain) : 1,
    }),
  };
}

/** Lists the input and parses the flags; nothing heavy is read yet (the first spectrum of a processed input). */
export function openInput(
  path: string,
  flags: ProcessingFlags,
  tracker: ProgressTracker = SILENT,
): OpenedInput {
  return openListing(listSpectra(path), flags, tracker);
}

/** openInput on a listing already made (live mode lists only the experiments whose files are complete). */
export function openListing(
  listing: SpectrumListing,
  flags: ProcessingFlags,
  tracker: ProgressTracker = SILENT,
): OpenedInput {
  const entries = listing.entries;
  const first = entries[0];
  const processed = first.origin === 'processed';
  let firstData: SpectrumData | undefined;
  if (processed) {
    for (const [key, flag] of FID_FLAGS) {
      if (flags[key] !== undefined && flags[key] !== false) {
        throw new UsageError('the input is a processed spectrum without a FID; this option acts on the FID', {
          field: flag,
          found: `${listing.format} ${first.experimentPath}`,
          expected: 'phase, baseline and reference options only (or give the experiment with its fid)',
        });
      }
    }
    firstData = readSpectrumData(first);
  }
  const parsed = parseProcessingFlags(
    flags,
    first.meta,
    firstData?.kind === 'processed' ? rangeOf(firstData.spectrum) : undefined,
  );
  const warnings: string[] = [];
  const scaling = scalingOf(entries, Boolean(flags.normalise), warnings);
  const format = listing.format;
  const isSeries = /series$/.test(format) || entries.length > 1;
  const optionsFor = (entry: SpectrumEntry): ProcessingOptions => {
    const base: ProcessingOptions =
      parsed.fromProcs && entry.bruker ? optionsFromProcs(readProcs(entry.experimentPath)) : {};
    return { ...base, ...parsed.explicit };
  };
  const read = (entry: SpectrumEntry): SpectrumData => {
    if (entry === first && firstData !== undefined) {
      const d = firstData;
      firstData = undefined; // read once more on a second pass
      return d;
    }
    return readSpectrumData(entry);
  };
  const processOne = (
    data: SpectrumData,
    options: ProcessingOptions,
    phase: ProcessingOptions['phase'],
  ): ProcessingResult =>
    data.kind === 'fid'
      ? processFid(data.fid, phase ? { ...options, phase } : options)
      : processSpectrum(data.spectrum, phase ? { ...options, phase } : options, {
          hasImaginary: data.hasImaginary,
        });
  const processEntry = (entry: SpectrumEntry, phase?: ProcessingOptions['phase']): ProcessingResult => {
    const result = processOne(read(entry), optionsFor(entry), phase);
    const k = scaling.factor(entry).scaleFactor;
    if (k !== 1) {
      const s = result.spectrum;
      for (let i = 0; i < s.re.length; i++) {
        s.re[i] *= k;
        s.im[i] *= k;
      }
    }
    return result;
  };
  function* run(): Generator<ProcessedItem> {
    const defaultPhase = parsed.fromProcs || processed ? undefined : 'auto';
    const autoShared = parsed.shared && (parsed.explicit.phase ?? defaultPhase) === 'auto';
    if (parsed.shared && !autoShared) {
      throw new UsageError('--phase-mode shared applies to automatic phasing only', {
        field: '--phase-mode',
        found: 'shared',
        expected: '--phase auto',
      });
    }
    const bar = tracker;
    bar.start?.(entries.length * (autoShared ? 2 : 1));
    try {
      let phase: ProcessingOptions['phase'];
      if (autoShared) {
        // First pass: the phase of the summed series (streamed, one spectrum at a time).
        if (processed) {
          const spectra = function* (): Generator<Spectrum> {
            for (const e of entries) {
              const d = read(e);
              bar.tick('phase');
              if (d.kind === 'processed') {
                if (!d.hasImaginary) processSpectrum(d.spectrum, { phase: 'auto' }, d); // throws the typed error
                yield d.spectrum;
              }
            }
          };
          const p = fitSharedPhaseSpectra(spectra(), optionsFor(first));
          phase = { ph0Deg: p.ph0Deg, ph1Deg: p.ph1Deg, pivotPpm: p.pivotPpm };
        } else {
          const fids = function* (): Generator<Fid> {
            for (const e of entries) {
              const d = read(e);
              bar.tick('phase');
              if (d.kind === 'fid') yield d.fid;
            }
          };
          const p = fitSharedPhase(fids, optionsFor(first));
          phase = { ph0Deg: p.ph0Deg, ph1Deg: p.ph1Deg, pivotPpm: p.pivotPpm };
        }
      }
      for (const entry of entries) {
        const result = processEntry(entry, phase);
        bar.tick(String(entry.meta.experimentNumber ?? entry.index));
        yield { entry, result: phase ? withSharedMode(result) : result };
      }
    } finally {
      bar.stop();
    }
  }
  return {
    format,
    entries,
    parsed,
    isSeries,
    normalised: scaling.normalised,
    notes: listing.notes,
    warnings,
    scaling: scaling.factor,
    run,
    process(entry) {
      if (parsed.shared)
        throw new UsageError(
          'a shared phase needs the whole series; each spectrum is processed on its own here',
          {
            field: '--phase-mode',
            found: 'shared',
            expected: 'each (or process the finished series with spincell run)',
          },
        );
      return { entry, result: processEntry(entry) };
    },
  };
}

/** The series phase was applied as a fixed phase; report it as 'shared'. */
function withSharedMode(result: ProcessingResult): ProcessingResult {
  return { ...result, applied: { ...result.applied, phase: { ...result.applied.phase, mode: 'shared' } } };
}

/** Short file name for one spectrum of a series (exp<N>.csv, or exp<N>_row<R>.csv inside a ser). */
export function spectrumFileStem(entry: SpectrumEntry): string {
  if (entry.jcampFile !== undefined) return basename(entry.jcampFile).replace(/\.[^.]*$/, '');
  const row = entry.meta.rowIndex;
  const exp = entry.meta.experimentNumber ?? entry.experimentPath.split(/[\\/]/).pop() ?? String(entry.index);
  return row !== undefined ? `exp${exp}_row${String(row).padStart(4, '0')}` : `exp${exp}`;
}

/** The acquisition window of a spectrum as alignment takes it, labelled experiment (and /row of a ser). */
export function spectrumWindow(e: Pick<SpectrumEntry, 'index' | 'meta'>): {
  startMs: number;
  endMs: number;
  label: string;
} {
  return {
    startMs: e.meta.startMs,
    endMs: e.meta.endMs,
    label:
      e.meta.experimentNumber !== undefined
        ? String(e.meta.experimentNumber) + (e.meta.rowIndex !== undefined ? `/${e.meta.rowIndex}` : '')
        : String(e.index),
  };
}

/** Mid-time of an acquisition, epoch ms. */
export function midMs(meta: Pick<AcquisitionMeta, 'startMs' | 'endMs'>): number {
  return 0.5 * (meta.startMs + meta.endMs);
}

export function isoTime(ms: number): string {
  if (!Number.isFinite(ms))
    throw new ParameterError('acquisition time is not a valid date', { field: 'time', found: ms });
  return new Date(ms).toISOString();
}

/** Which spectrum a result row belongs to, with its acquisition times (ISO 8601, UTC). */
export interface SpectrumIdentity {
  readonly index: number;
  readonly experimentNumber: number | null;
  readonly rowIndex: number | null;
  readonly source: string;
  readonly startIso: string;
  readonly midIso: string;
  readonly endIso: string;
  /** Where the times came from: audita, acqus DATE, jcamp LONGDATE, jcamp DATE/TIME or file mtime. */
  readonly timeSource: string;
  /** A pseudo-2D row's variable (vdlist s, vclist count, vplist µs, difflist G/cm), null otherwise. */
  readonly variable: { readonly list: string; readonly value: number; readonly unit: string } | null;
}

export function spectrumIdentity(entry: SpectrumEntry): SpectrumIdentity {
  return {
    index: entry.index,
    experimentNumber: entry.meta.experimentNumber ?? null,
    rowIndex: entry.meta.rowIndex ?? null,
    source: entry.experimentPath,
    startIso: isoTime(entry.meta.startMs),
    midIso: isoTime(midMs(entry.meta)),
    endIso: isoTime(entry.meta.endMs),
    timeSource: entry.timeSource,
    variable: entry.variable ?? null,
  };
}

/**
 * The processed spectrum of one item in the form the fitters take (real and imaginary part — the latter
 * for fits with a free phase —, ppm axis, meta naming the experiment).
 */
export function fitInput(item: ProcessedItem): {
  ppm: Float64Array;
  re: Float64Array;
  im: Float64Array;
  meta: AcquisitionMeta;
} {
  const { entry, result } = item;
  return {
    ppm: result.spectrum.ppm,
    re: result.spectrum.re,
    im: result.spectrum.im,
    meta: { ...entry.meta, source: entry.experimentPath },
  };
}

/** The leading fields of one spectrum's JSON entry in `fit` and `morphology`: which spectrum, when, and any error. */
export function seriesRowJson(
  r: SeriesRowHeader & { readonly error: { name: string; message: string } | null },
): Record<string, unknown> {
  return {
    index: r.index,
    experiment: r.experimentNumber,
    source: r.source,
    startMs: r.startMs,
    endMs: r.endMs,
    midHours: r.midHours,
    error: r.error,
  };
}

/** Column label of a region, e.g. "230:290" → "integral_230_290". */
export function regionLabel(region: PpmRange): string {
  const f = (x: number) => String(x).replace('-', 'm');
  return `integral_${f(region[0])}_${f(region[1])}`;
}

export interface IntegralRow extends SpectrumIdentity {
  /** Mid-time minus the first spectrum's mid-time, s. */
  readonly timeS: number;
  /** One integral per region, in the order given. */
  readonly integrals: readonly number[];
  /** NS and RG of the spectrum (null when unknown) and the factor its intensities were multiplied by. */
  readonly ns: number | null;
  readonly rg: number | null;
  readonly scaleFactor: number;
}

/** The CSV column of a pseudo-2D row variable, e.g. vdlist → vd_s, or null when no row has one. */
export function variableColumn(rows: readonly SpectrumIdentity[]): string | null {
  const v = rows.find((r) => r.variable !== null)?.variable;
  if (!v) return null;
  const names: Record<string, string> = {
    vdlist: 'vd_s',
    vclist: 'vc_count',
    vplist: 'vp_us',
    difflist: 'gradient_G_cm',
  };
  return names[v.list] ?? v.list;
}

/**
 * The integrals table of `integrate --out` and of manifest runs: identity and times, the pseudo-2D row
 * variable when there is one, one column per region, then NS, RG and the scale factor applied.
 */
export function integralsTable(
  regions: readonly PpmRange[],
  rows: readonly IntegralRow[],
): { headers: string[]; rows: (string | number | null)[][] } {
  const variable = variableColumn(rows);
  return {
    headers: [
      'index',
      'experiment',
      'row',
      'start_iso',
      'mid_iso',
      'end_iso',
      'time_s',
      ...(variable ? [variable] : []),
      ...regions.map(regionLabel),
      'ns',
      'rg',
      'scale_factor',
    ],
    rows: rows.map((r) => [
      r.index,
      r.experimentNumber,
      r.rowIndex,
      r.startIso,
      r.midIso,
      r.endIso,
      r.timeS,
      ...(variable ? [r.variable?.value ?? null] : []),
      ...r.integrals,
      r.ns,
      r.rg,
      r.scaleFactor,
    ]),
  };
}
