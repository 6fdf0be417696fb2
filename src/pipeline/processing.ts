/**
 * Processing of a Bruker experiment or series as users describe it (command-line flags or a manifest):
 * one parser turning the flags into the library's ProcessingOptions, and one streaming loop over the
 * spectra (one in memory at a time), with progress reported to whoever listens.
 */
import { ParameterError, UsageError } from '../core/errors.js';
import { findNucleus } from '../core/nuclei.js';
import type { AcquisitionMeta, Fid } from '../core/types.js';
import type { SeriesRowHeader } from '../fit/batch.js';
import {
  type BrukerFormat,
  listSeries,
  readProcs,
  readSeriesFid,
  type SeriesEntry,
} from '../io/bruker/index.js';
import {
  type BaselineOption,
  fitSharedPhase,
  optionsFromProcs,
  type PhaseOption,
  type PpmRange,
  processFid,
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
  const [lo, hi] = axisRangePpm(meta);
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

function parseBaseline(value: string, regions: string[] | undefined, meta: AcquisitionMeta): BaselineOption {
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

/** Validates the flags against the first spectrum's parameters (needed for metal windows and edges). */
export function parseProcessingFlags(flags: ProcessingFlags, meta: AcquisitionMeta): ParsedProcessing {
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
    explicit.baseline = parseBaseline(flags.baseline, flags.baselineRegion, meta);
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
  readonly entry: SeriesEntry;
  readonly result: ProcessingResult;
}

export interface OpenedInput {
  readonly format: BrukerFormat;
  readonly entries: readonly SeriesEntry[];
  readonly parsed: ParsedProcessing;
  /** True when the input holds several spectra (a series folder or a ser with rows). */
  readonly isSeries: boolean;
  /** Processes the spectra one at a time, in order, with a progress bar on a terminal. */
  run(): Generator<ProcessedItem>;
}

/** Lists the input and parses the flags; nothing heavy is read yet. */
/** Receives one tick per spectrum read (two per spectrum when a shared phase needs a first pass). */
export interface ProgressTracker {
  start?(total: number): void;
  tick(label?: string): void;
  stop(): void;
}

const SILENT: ProgressTracker = { tick() {}, stop() {} };

export function openInput(
  path: string,
  flags: ProcessingFlags,
  tracker: ProgressTracker = SILENT,
): OpenedInput {
  const entries = listSeries(path);
  const first = entries[0];
  const parsed = parseProcessingFlags(flags, first.meta);
  const format = first.format;
  const isSeries = format === 'bruker series' || entries.length > 1;
  const optionsFor = (entry: SeriesEntry): ProcessingOptions => {
    const base: ProcessingOptions = parsed.fromProcs ? optionsFromProcs(readProcs(entry.experimentPath)) : {};
    return { ...base, ...parsed.explicit };
  };
  function* run(): Generator<ProcessedItem> {
    const autoShared =
      parsed.shared && (parsed.explicit.phase ?? (parsed.fromProcs ? undefined : 'auto')) === 'auto';
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
        // First pass: the phase of the summed series (streamed, one FID at a time).
        const fids = function* (): Generator<Fid> {
          for (const e of entries) {
            const fid = readSeriesFid(e);
            bar.tick('phase');
            yield fid;
          }
        };
        const p = fitSharedPhase(fids, optionsFor(first));
        phase = { ph0Deg: p.ph0Deg, ph1Deg: p.ph1Deg, pivotPpm: p.pivotPpm };
      }
      for (const entry of entries) {
        const options = optionsFor(entry);
        const result = processFid(readSeriesFid(entry), phase ? { ...options, phase } : options);
        bar.tick(String(entry.meta.experimentNumber ?? entry.index));
        yield { entry, result: phase ? withSharedMode(result) : result };
      }
    } finally {
      bar.stop();
    }
  }
  return { format, entries, parsed, isSeries, run };
}

/** The series phase was applied as a fixed phase; report it as 'shared'. */
function withSharedMode(result: ProcessingResult): ProcessingResult {
  return { ...result, applied: { ...result.applied, phase: { ...result.applied.phase, mode: 'shared' } } };
}

/** Short file name for one spectrum of a series (exp<N>.csv, or exp<N>_row<R>.csv inside a ser). */
export function spectrumFileStem(entry: SeriesEntry): string {
  const row = entry.meta.rowIndex;
  const exp = entry.meta.experimentNumber ?? entry.experimentPath.split(/[\\/]/).pop() ?? String(entry.index);
  return row !== undefined ? `exp${exp}_row${String(row).padStart(4, '0')}` : `exp${exp}`;
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
}

export function spectrumIdentity(entry: SeriesEntry): SpectrumIdentity {
  return {
    index: entry.index,
    experimentNumber: entry.meta.experimentNumber ?? null,
    rowIndex: entry.meta.rowIndex ?? null,
    source: entry.experimentPath,
    startIso: isoTime(entry.meta.startMs),
    midIso: isoTime(midMs(entry.meta)),
    endIso: isoTime(entry.meta.endMs),
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
