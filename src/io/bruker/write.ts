/**
 * Writes Bruker experiment folders (acqus + fid, or acqus + acqu2s + ser) that spincell's own reader —
 * and TopSpin-compatible readers — accept. Used by the virtual spectrometer to produce realistic series.
 *
 * The folder appears atomically: everything is written into a hidden sibling folder that is renamed into
 * place at the end, so a reader never sees an experiment with acqus but half a fid.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ParameterError } from '../../core/errors.js';
import { isDirectory } from '../fs.js';
import { type BrukerDataType, type ByteOrder, bytesPerValue, paddedRowBytes } from './binary.js';
import { dspTableGroupDelay } from './groupdelay.js';

/** How the digital filter's group delay is recorded. */
export type DigitalFilterSpec =
  /** Modern firmware: GRPDLY written (fractional allowed), DSPFVS 20 unless given. */
  | { readonly kind: 'grpdly'; readonly points: number; readonly decim?: number; readonly dspfvs?: number }
  /** Old firmware: only DSPFVS (10–13) and DECIM; readers take the delay from the published table. */
  | { readonly kind: 'dsp-table'; readonly dspfvs: number; readonly decim: number }
  /** No digital filter (DIGMOD 0): group delay 0. */
  | { readonly kind: 'analogue' };

export type ParamWriteValue = number | string | readonly (number | string)[];

export interface BrukerWriteSpec {
  /** NUC1, e.g. "7Li". */
  readonly nucleus: string;
  readonly sfo1MHz: number;
  readonly bf1MHz: number;
  readonly o1Hz: number;
  /** SW_h, Hz. */
  readonly swHz: number;
  readonly scans: number;
  readonly dummyScans?: number;
  /** D1, s. */
  readonly recycleDelayS: number;
  readonly receiverGain?: number;
  readonly pulseProgram?: string;
  readonly digitalFilter: DigitalFilterSpec;
  /** End of the acquisition, epoch ms: written as $DATE (whole seconds, as TopSpin does). */
  readonly endMs: number;
  /**
   * Start of the acquisition, epoch ms. When given, an audita.txt is written with the start and end to the
   * millisecond (as TopSpin 3+ does), and readers use it instead of estimating the start.
   */
  readonly startMs?: number;
  readonly dataType?: BrukerDataType;
  readonly byteOrder?: ByteOrder;
  /**
   * int32 only: stored = round(value × intScale). 'auto' (default) scales the largest |value| to 2^29,
   * leaving headroom as the receiver does; the scale used is returned.
   */
  readonly intScale?: number | 'auto';
  /** More entries of the D array (index → delay, s), beside D1 from recycleDelayS, e.g. D20 of a CPMG. */
  readonly delaysS?: Readonly<Record<number, number>>;
  /** Entries of the L array (index → loop counter), e.g. L4 of a CPMG. */
  readonly loopCounters?: Readonly<Record<number, number>>;
  /** Entries of the P array (index → pulse length, µs), e.g. P1. */
  readonly pulsesUs?: Readonly<Record<number, number>>;
  /**
   * Variable lists written beside the data, one value per line in the list's unit (vdlist s, vclist
   * counts, vplist µs, difflist G/cm), as TopSpin copies them into the experiment folder.
   */
  readonly lists?: Readonly<Partial<Record<'vdlist' | 'vclist' | 'vplist' | 'difflist', readonly number[]>>>;
  /** More acqus parameters (written as given; they must not repeat the ones above). */
  readonly extraParams?: Readonly<Record<string, ParamWriteValue>>;
  /** Replace an existing folder. Default false (error if it exists and is not empty). */
  readonly overwrite?: boolean;
}

export interface ComplexData {
  readonly re: Float64Array;
  readonly im: Float64Array;
}

export interface WriteResult {
  readonly path: string;
  /** TD written (real + imaginary values per FID). */
  readonly td: number;
  /** Factor applied before rounding to int32 (1 for float64). Divide read values by it to recover input. */
  readonly intScale: number;
}

const NAME_RE = /^[A-Za-z][A-Za-z0-9_]*$/;

function bad(field: string, found: unknown, expected: string): ParameterError {
  return new ParameterError('invalid value for the Bruker writer', { field, found, expected });
}

function formatValue(v: number | string): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw bad('parameter', v, 'a finite number');
    return String(v);
  }
  if (/[<>\r\n]/.test(v)) throw bad('parameter', v, 'a string without <, > or line breaks');
  return `<${v}>`;
}

function paramLines(name: string, value: ParamWriteValue): string[] {
  if (!NAME_RE.test(name)) throw bad('parameter name', name, 'letters, digits and _');
  if (typeof value === 'number' || typeof value === 'string') return [`##$${name}= ${formatValue(value)}`];
  const lines = [`##$${name}= (0..${value.length - 1})`];
  let line = '';
  for (const v of value) {
    const token = formatValue(v);
    if (line.length + token.length + 1 > 72 && line !== '') {
      lines.push(line);
      line = '';
    }
    line = line === '' ? token : `${line} ${token}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

function isoWithOffset(ms: number): string {
  // TopSpin style: 2020-12-02 15:04:46.721 +0000 (UTC).
  return `${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')} +0000`;
}

function jcampFile(title: string, params: [string, ParamWriteValue][], comments: string[]): string {
  const out = [
    `##TITLE= ${title}`,
    '##JCAMPDX= 5.0',
    '##DATATYPE= Parameter Values',
    '##ORIGIN= spincell',
    '##OWNER= spincell',
  ];
  for (const c of comments) out.push(`$$ ${c}`);
  for (const [k, v] of [...params].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))
    out.push(...paramLines(k, v));
  out.push('##END=', '');
  return out.join('\n');
}

function checkSpec(spec: BrukerWriteSpec): void {
  const positive: [string, number][] = [
    ['SFO1', spec.sfo1MHz],
    ['BF1', spec.bf1MHz],
    ['SW_h', spec.swHz],
  ];
  for (const [f, v] of positive) if (!(Number.isFinite(v) && v > 0)) throw bad(f, v, 'a finite number > 0');
  if (!Number.isFinite(spec.o1Hz)) throw bad('O1', spec.o1Hz, 'a finite number');
  if (!(Number.isInteger(spec.scans) && spec.scans >= 1)) throw bad('NS', spec.scans, 'an integer ≥ 1');
  const ds = spec.dummyScans ?? 0;
  if (!(Number.isInteger(ds) && ds >= 0)) throw bad('DS', ds, 'an integer ≥ 0');
  if (!(Number.isFinite(spec.recycleDelayS) && spec.recycleDelayS >= 0))
    throw bad('D1', spec.recycleDelayS, 'a finite number ≥ 0 s');
  if (!(Number.isFinite(spec.endMs) && spec.endMs >= 1000))
    throw bad('endMs', spec.endMs, 'epoch milliseconds');
  if (spec.startMs !== undefined && !(Number.isFinite(spec.startMs) && spec.startMs <= spec.endMs)) {
    throw bad('startMs', spec.startMs, 'epoch milliseconds not after endMs');
  }
  if (spec.nucleus.trim() === '') throw bad('NUC1', spec.nucleus, 'a nucleus label such as 7Li');
  const f = spec.digitalFilter;
  if (f.kind === 'grpdly' && !(Number.isFinite(f.points) && f.points > 0))
    throw bad('GRPDLY', f.points, 'a finite number > 0');
  if (f.kind === 'dsp-table') dspTableGroupDelay(f.dspfvs, f.decim); // throws for pairs readers cannot resolve
}

function acqusParams(spec: BrukerWriteSpec, td: number): [string, ParamWriteValue][] {
  const dataType = spec.dataType ?? 'int32';
  const byteOrder = spec.byteOrder ?? 'little';
  const d = new Array<number>(64).fill(0);
  const p = new Array<number>(64).fill(0);
  const l = new Array<number>(32).fill(0);
  for (const [array, values, name] of [
    [d, spec.delaysS, 'delaysS'],
    [p, spec.pulsesUs, 'pulsesUs'],
    [l, spec.loopCounters, 'loopCounters'],
  ] as const) {
    for (const [k, v] of Object.entries(values ?? {})) {
      const i = Number(k);
      if (!(Number.isInteger(i) && i >= 0 && i < array.length))
        throw bad(`${name}[${k}]`, k, `an index 0…${array.length - 1}`);
      if (!(Number.isFinite(v) && v >= 0)) throw bad(`${name}[${k}]`, v, 'a finite number ≥ 0');
      array[i] = v;
    }
  }
  d[1] = spec.recycleDelayS;
  const params = new Map<string, ParamWriteValue>([
    ['AQ_mod', 3],
    ['BF1', spec.bf1MHz],
    ['BYTORDA', byteOrder === 'little' ? 0 : 1],
    ['D', d],
    ['DATE', Math.floor(spec.endMs / 1000)],
    ['DS', spec.dummyScans ?? 0],
    ['DTYPA', dataType === 'int32' ? 0 : 2],
    ['L', l],
    ['NS', spec.scans],
    ['NUC1', spec.nucleus.trim()],
    ['O1', spec.o1Hz],
    ['P', p],
    ['PULPROG', spec.pulseProgram ?? 'zg'],
    ['RG', spec.receiverGain ?? 1],
    ['SFO1', spec.sfo1MHz],
    ['SW', spec.swHz / spec.sfo1MHz],
    ['SW_h', spec.swHz],
    ['TD', td],
  ]);
  const f = spec.digitalFilter;
  if (f.kind === 'grpdly') {
    params.set('DIGMOD', 1);
    params.set('DSPFVS', f.dspfvs ?? 20);
    params.set('DECIM', f.decim ?? 1);
    params.set('GRPDLY', f.points);
  } else if (f.kind === 'dsp-table') {
    params.set('DIGMOD', 1);
    params.set('DSPFVS', f.dspfvs);
    params.set('DECIM', f.decim);
  } else {
    params.set('DIGMOD', 0);
  }
  for (const [k, v] of Object.entries(spec.extraParams ?? {})) {
    if (params.has(k)) throw bad(`extraParams.${k}`, v, 'a parameter not already set by the writer');
    params.set(k, v);
  }
  return [...params];
}

function chooseScale(rows: readonly ComplexData[], spec: BrukerWriteSpec): number {
  if ((spec.dataType ?? 'int32') === 'float64') return 1;
  if (spec.intScale !== undefined && spec.intScale !== 'auto') {
    if (!(Number.isFinite(spec.intScale) && spec.intScale > 0))
      throw bad('intScale', spec.intScale, 'a finite number > 0');
    return spec.intScale;
  }
  let max = 0;
  for (const r of rows)
    for (const a of [r.re, r.im]) for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]));
  return max > 0 ? 2 ** 29 / max : 1;
}

/** Encodes one FID (interleaved re/im) into `out` at `offset`. */
function encodeRow(
  out: DataView,
  offset: number,
  row: ComplexData,
  dataType: BrukerDataType,
  byteOrder: ByteOrder,
  scale: number,
): void {
  const little = byteOrder === 'little';
  const n = row.re.length;
  for (let i = 0; i < n; i++) {
    for (let part = 0; part < 2; part++) {
      const v = part === 0 ? row.re[i] : row.im[i];
      if (!Number.isFinite(v)) throw bad(`sample ${i}`, String(v), 'finite numbers');
      const at = offset + (2 * i + part) * bytesPerValue(dataType);
      if (dataType === 'float64') out.setFloat64(at, v, little);
      else {
        const q = Math.round(v * scale);
        if (q > 2147483647 || q < -2147483648)
          throw bad('intScale', scale, 'a scale keeping every sample within int32');
        out.setInt32(at, q, little);
      }
    }
  }
}

function checkRows(rows: readonly ComplexData[]): number {
  if (rows.length === 0) throw bad('rows', 0, 'at least one FID');
  const n = rows[0].re.length;
  if (n < 1) throw bad('points', n, 'at least one complex point');
  for (const [i, r] of rows.entries()) {
    if (r.re.length !== n || r.im.length !== n)
      throw bad(`row ${i}`, `${r.re.length}/${r.im.length} points`, `${n} real and ${n} imaginary points`);
  }
  return n;
}

function auditText(startMs: number, endMs: number): string {
  return [
    '##TITLE= Audit trail, spincell',
    '##JCAMPDX= 5.01',
    '##ORIGIN= spincell',
    '##OWNER= spincell',
    '##AUDIT TRAIL=  $$ (NUMBER, WHEN, WHO, WHERE, PROCESS, VERSION, WHAT)',
    `(   1,<${isoWithOffset(endMs)}>,<spincell>,<virtual>,<spincell>,<spincell>,`,
    `      <created by zg`,
    `\tstarted at ${isoWithOffset(startMs)}>)`,
    '##END=',
    '',
  ].join('\n');
}

let counter = 0;

/** Writes files into a private sibling folder, then renames it to `path`. */
function writeFolderAtomic(path: string, files: [string, string | Uint8Array][], overwrite: boolean): void {
  const parent = dirname(path);
  mkdirSync(parent, { recursive: true });
  const exists = isDirectory(path);
  if (exists && readdirSync(path).length > 0 && !overwrite) {
    throw new ParameterError('output folder already exists and is not empty', {
      file: path,
      field: 'overwrite',
      found: 'false',
      expected: 'a new or empty folder, or overwrite: true',
    });
  }
  const tmp = join(parent, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  try {
    mkdirSync(tmp, { recursive: true });
    for (const [name, data] of files) writeFileSync(join(tmp, name), data);
    if (exists) {
      const old = join(parent, `.${basename(path)}.${process.pid}.${counter++}.old`);
      renameSync(path, old);
      renameSync(tmp, path);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, path);
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

function write(
  path: string,
  spec: BrukerWriteSpec,
  rows: readonly ComplexData[],
  asSer: boolean,
): WriteResult {
  const { files, td, intScale } = brukerFiles(path, spec, rows, asSer);
  writeFolderAtomic(path, files, spec.overwrite ?? false);
  return { path, td, intScale };
}

/**
 * The files of an experiment folder (name and content, in the order listed: parameters, audit trail and
 * lists, the fid or ser last) without writing them — what writeBrukerExperiment/writeBrukerSer write
 * at once, and what a live simulation writes one after the other as a spectrometer does.
 */
export function brukerFiles(
  path: string,
  spec: BrukerWriteSpec,
  rows: readonly ComplexData[],
  asSer: boolean,
): { files: [string, string | Uint8Array][]; td: number; intScale: number; rowBytes: number } {
  checkSpec(spec);
  const n = checkRows(rows);
  const td = 2 * n;
  const dataType = spec.dataType ?? 'int32';
  const byteOrder = spec.byteOrder ?? 'little';
  const scale = chooseScale(rows, spec);
  // Rows of a ser start on 1024-byte boundaries; a 1D fid is written without padding.
  const stride = asSer ? paddedRowBytes(td, dataType) : td * bytesPerValue(dataType);
  const bytes = new Uint8Array(stride * rows.length);
  const view = new DataView(bytes.buffer);
  rows.forEach((row, r) => encodeRow(view, r * stride, row, dataType, byteOrder, scale));
  const params = acqusParams(spec, td);
  const comments = [`${isoWithOffset(spec.endMs)}  spincell`, `${path}/acqus`];
  const files: [string, string | Uint8Array][] = [
    ['acqus', jcampFile('Parameter file, spincell', params, comments)],
  ];
  if (asSer) {
    files.push([
      'acqu2s',
      jcampFile(
        'Parameter file, spincell',
        [
          ['TD', rows.length],
          ['NUC1', spec.nucleus.trim()],
          ['FnMODE', 0],
        ],
        [],
      ),
    ]);
  }
  if (spec.startMs !== undefined) files.push(['audita.txt', auditText(spec.startMs, spec.endMs)]);
  for (const [name, values] of Object.entries(spec.lists ?? {})) {
    if (!values) continue;
    for (const v of values) if (!Number.isFinite(v)) throw bad(name, v, 'finite numbers');
    files.push([name, `${values.map((v) => String(v)).join('\n')}\n`]);
  }
  files.push([asSer ? 'ser' : 'fid', bytes]);
  return { files, td, intScale: scale, rowBytes: stride };
}

/** Writes a 1D experiment folder: acqus + fid (+ audita.txt when startMs is given). */
export function writeBrukerExperiment(path: string, spec: BrukerWriteSpec, fid: ComplexData): WriteResult {
  return write(path, spec, [fid], false);
}

/**
 * Writes a pseudo-2D experiment folder: acqus + acqu2s (TD = rows) + ser, rows padded to 1024 bytes.
 * NS, DS, D1 are per row as in TopSpin; $DATE/endMs is the end of the last row.
 */
export function writeBrukerSer(
  path: string,
  spec: BrukerWriteSpec,
  rows: readonly ComplexData[],
): WriteResult {
  return write(path, spec, rows, true);
}
