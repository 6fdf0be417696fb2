/**
 * EC-Lab binary file (.mpr). Layout (reverse-engineered by others, verified on real files against their
 * .mpt exports):
 *
 *   "BIO-LOGIC MODULAR FILE\x1a" padded with spaces to 48 bytes, then 4 zero bytes;
 *   a sequence of modules, each "MODULE" + header + `length` bytes of module data.
 *
 * Module header: short name (10 bytes), long name (25), then either
 *   v1 (before EC-Lab 11.50): length u32, version u32, date (8 ASCII)                     — 51 bytes;
 *   v2 (11.50 on, marked by 0xFFFFFFFF in the first u32): max length u32, length u32,
 *      version u32, second version u32 (10 or 11), date (8 ASCII)                          — 59 bytes.
 * Modules: "VMP Set" (technique code in byte 0), "VMP data", "VMP LOG" (acquisition start as an OLE date
 * at byte 585), "VMP loop", and "VMP ExtDev" with external-sensor settings.
 *
 * Data module: number of records u32, number of column IDs u8, the column IDs (u16 little-endian for
 * versions 2/3, big-endian for version 11), zero padding, then the packed records from byte 405 (v2),
 * 406 (v3) or 1007 (v11). All numbers little-endian.
 */
import { CorruptFileError, UnsupportedFormatError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { formatWallClock, oleDateToWallClock, wallClockToEpochMs } from '../cycler/time.js';
import type { CyclerRecords, ReadOptions, RecordColumn } from '../cycler/types.js';
import { uniqueKey } from '../cycler/types.js';
import {
  DTYPE_BYTES,
  eclabKey,
  MPR_FLAG_COLUMNS,
  MPR_TECHNIQUES,
  mprColumn,
  type MprDtype,
} from './columns.js';

const MAGIC = 'BIO-LOGIC MODULAR FILE\x1a';
const MAGIC_BYTES = 52;

export interface MprModule {
  readonly shortName: string;
  readonly longName: string;
  readonly version: number;
  readonly date: string;
  /** Offset of the module data in the file. */
  readonly offset: number;
  readonly data: Uint8Array;
}

export function isMpr(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.subarray(0, MAGIC.length)).toString('latin1') === MAGIC;
}

const ascii = (b: Uint8Array) => Buffer.from(b).toString('latin1').replace(/\0+$/, '').trim();

/** Splits an .mpr file into its modules. Throws CorruptFileError when a module runs past the end of the file. */
export function readMprModules(bytes: Uint8Array, file: string): MprModule[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const modules: MprModule[] = [];
  let pos = MAGIC_BYTES;
  while (pos < bytes.length) {
    const tag = Buffer.from(bytes.subarray(pos, pos + 6)).toString('latin1');
    if (tag !== 'MODULE') {
      throw new CorruptFileError('module marker missing', {
        file,
        field: `byte ${pos}`,
        found: tag,
        expected: 'MODULE',
      });
    }
    const h = pos + 6;
    if (h + 51 > bytes.length) {
      throw new CorruptFileError('file ends inside a module header (truncated?)', {
        file,
        field: `byte ${h}`,
        found: `${bytes.length - h} bytes`,
        expected: 'at least 51 bytes',
      });
    }
    const shortName = ascii(bytes.subarray(h, h + 10));
    const longName = ascii(bytes.subarray(h + 10, h + 35));
    let headerBytes: number;
    let length: number;
    let version: number;
    let date: string;
    if (view.getUint32(h + 35, true) === 0xffffffff) {
      if (h + 59 > bytes.length) {
        throw new CorruptFileError('file ends inside a module header (truncated?)', {
          file,
          field: `module ${shortName}`,
          found: `${bytes.length - h} bytes`,
          expected: '59 bytes',
        });
      }
      length = view.getUint32(h + 39, true);
      version = view.getUint32(h + 43, true) + view.getUint32(h + 47, true);
      date = ascii(bytes.subarray(h + 51, h + 59));
      headerBytes = 59;
    } else {
      length = view.getUint32(h + 35, true);
      version = view.getUint32(h + 39, true);
      date = ascii(bytes.subarray(h + 43, h + 51));
      headerBytes = 51;
    }
    const offset = h + headerBytes;
    if (offset + length > bytes.length) {
      throw new CorruptFileError('module runs past the end of the file (truncated?)', {
        file,
        field: `module "${shortName}"`,
        found: `${bytes.length - offset} bytes`,
        expected: `${length} bytes`,
      });
    }
    modules.push({
      shortName,
      longName,
      version,
      date,
      offset,
      data: bytes.subarray(offset, offset + length),
    });
    pos = offset + length;
  }
  return modules;
}

interface Field {
  name: string;
  dtype: MprDtype | 'flags';
  offset: number;
}

function dataStartFor(version: number): number | null {
  if (version === 2) return 405;
  if (version === 3) return 406;
  if (version === 10 || version === 11) return 1007;
  return null;
}

/** Earliest and latest plausible OLE dates (1990-01-01, 2100-01-01): guards against reading the wrong bytes. */
const OLE_MIN = 32874;
const OLE_MAX = 73051;

function readLogStart(log: MprModule): number | null {
  const view = new DataView(log.data.buffer, log.data.byteOffset, log.data.byteLength);
  // 585 in every file seen; older notes also report 465/469/473.
  for (const at of [585, 465, 469, 473]) {
    if (at + 8 > log.data.length) continue;
    const v = view.getFloat64(at, true);
    if (v > OLE_MIN && v < OLE_MAX) return v;
  }
  return null;
}

function pascalString(data: Uint8Array, at: number): string | undefined {
  if (at >= data.length) return undefined;
  const n = data[at];
  if (at + 1 + n > data.length) return undefined;
  return Buffer.from(data.subarray(at + 1, at + 1 + n)).toString('latin1');
}

/** Reads an EC-Lab .mpr file already in memory. */
export function parseMpr(bytes: Uint8Array, file: string, options: ReadOptions = {}): CyclerRecords {
  const timezone = options.timezone ?? 'UTC';
  if (bytes.length === 0) throw new CorruptFileError('empty file', { file, expected: 'an EC-Lab .mpr file' });
  if (!isMpr(bytes)) {
    throw new UnsupportedFormatError('not an EC-Lab binary file', {
      file,
      field: 'magic',
      found: ascii(bytes.subarray(0, 23)),
      expected: 'BIO-LOGIC MODULAR FILE',
    });
  }
  const modules = readMprModules(bytes, file);
  const warnings: string[] = [];
  const meta: Record<string, string> = {};
  const settings = modules.find((m) => m.shortName === 'VMP Set');
  const dataModule = modules.find((m) => m.shortName === 'VMP data');
  const log = modules.find((m) => m.shortName === 'VMP LOG');
  for (const m of modules) {
    if (!['VMP Set', 'VMP data', 'VMP LOG', 'VMP loop', 'VMP ExtDev'].includes(m.shortName))
      warnings.push(`unknown module "${m.shortName}" skipped`);
  }
  if (!dataModule)
    throw new CorruptFileError('no data module', {
      file,
      field: 'modules',
      found: modules.map((m) => m.shortName),
      expected: 'a "VMP data" module',
    });

  let technique: string | null = null;
  if (settings && settings.data.length > 0) {
    const code = settings.data[0];
    technique = MPR_TECHNIQUES.get(code) ?? null;
    meta.techniqueCode = String(code);
    if (technique === null) warnings.push(`unknown technique code ${code} in the settings module`);
  }

  const d = dataModule.data;
  if (d.length < 5)
    throw new CorruptFileError('data module too short', {
      file,
      field: 'VMP data',
      found: `${d.length} bytes`,
      expected: 'at least 5 bytes',
    });
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const declaredRows = dv.getUint32(0, true);
  const nIds = d[4];
  const version = dataModule.version;
  const start = dataStartFor(version);
  if (start === null) {
    throw new UnsupportedFormatError('unknown data module version', {
      file,
      field: 'VMP data version',
      found: version,
      expected: '2, 3 or 11',
    });
  }
  if (5 + 2 * nIds > d.length)
    throw new CorruptFileError('column ID table runs past the data module', {
      file,
      field: 'VMP data',
      found: `${nIds} IDs`,
      expected: `at most ${(d.length - 5) >> 1}`,
    });
  const bigEndian = version >= 10;
  const ids: number[] = [];
  for (let i = 0; i < nIds; i++) ids.push(dv.getUint16(5 + 2 * i, !bigEndian));

  // Record layout from the IDs.
  const fields: Field[] = [];
  const flagNames: { name: string; mask: number }[] = [];
  const unknown: number[] = [];
  let offset = 0;
  let flagsOffset = -1;
  for (const id of ids) {
    const flag = MPR_FLAG_COLUMNS.get(id);
    if (flag) {
      if (flagsOffset < 0) {
        flagsOffset = offset;
        fields.push({ name: '', dtype: 'flags', offset });
        offset += 1;
      }
      flagNames.push(flag);
      continue;
    }
    const col = mprColumn(id, ids);
    if (!col) {
      unknown.push(id);
      fields.push({ name: `column ID ${id}`, dtype: 'f4', offset: -1 });
      continue;
    }
    fields.push({ name: col.name, dtype: col.dtype, offset });
    offset += DTYPE_BYTES[col.dtype];
  }
  const available = d.length - start;
  let recordBytes = offset;
  if (unknown.length > 0) {
    const perRecord = declaredRows > 0 ? available / declaredRows : NaN;
    const extra = perRecord - offset;
    const dtypeBySize: Record<number, MprDtype> = { 1: 'u1', 2: 'u2', 4: 'f4', 8: 'f8' };
    // One unknown ID: its size is what the records have left over. Several: only when the leftover is
    // 4 bytes each, the size of most EC-Lab quantities, are they read as float32 (and said so).
    const unknownSize: number | null =
      unknown.length === 1 && Number.isInteger(extra) && dtypeBySize[extra]
        ? extra
        : unknown.length > 1 && extra === 4 * unknown.length
          ? 4
          : null;
    if (unknownSize !== null) {
      let shift = 0;
      for (const f of fields) {
        f.offset = shift;
        const id = /^column ID (\d+)$/.exec(f.name);
        if (f.dtype === 'flags') shift += 1;
        else if (id && unknown.includes(Number(id[1]))) {
          f.dtype = dtypeBySize[unknownSize];
          shift += unknownSize;
        } else shift += DTYPE_BYTES[f.dtype];
      }
      recordBytes = shift;
      for (const id of unknown) {
        warnings.push(
          `unknown column ID ${id}: ${unknown.length === 1 ? `${unknownSize} bytes per record` : 'assumed 4 bytes per record'}, kept as "column ID ${id}" read as ${dtypeBySize[unknownSize]}`,
        );
      }
    } else {
      throw new UnsupportedFormatError('unknown column IDs: record layout cannot be determined', {
        file,
        field: 'VMP data column IDs',
        found: unknown,
        expected: 'known EC-Lab column IDs',
      });
    }
  }
  const needed = declaredRows * recordBytes;
  const rows = declaredRows;
  if (needed > available) {
    const complete = recordBytes > 0 ? Math.floor(available / recordBytes) : 0;
    throw new CorruptFileError('data module holds fewer records than declared (truncated?)', {
      file,
      field: 'VMP data',
      found: `${complete} complete records (${available} bytes)`,
      expected: `${declaredRows} records of ${recordBytes} bytes`,
    });
  }
  if (available !== needed && declaredRows > 0) {
    warnings.push(
      `data module has ${available - needed} bytes beyond its ${declaredRows} records of ${recordBytes} bytes`,
    );
  }

  // Decode columns.
  const raw: RawColumn[] = [];
  for (const f of fields) {
    if (f.dtype === 'flags') {
      const flagBytes = new Uint8Array(rows);
      for (let r = 0; r < rows; r++) flagBytes[r] = d[start + r * recordBytes + f.offset];
      for (const fl of flagNames) {
        const shift = 31 - Math.clz32(fl.mask & -fl.mask);
        const values = new Float64Array(rows);
        for (let r = 0; r < rows; r++) values[r] = (flagBytes[r] & fl.mask) >> shift;
        raw.push({ name: fl.name, values });
      }
      continue;
    }
    const values = new Float64Array(rows);
    let at = start + f.offset;
    switch (f.dtype) {
      case 'f4':
        for (let r = 0; r < rows; r++, at += recordBytes) values[r] = dv.getFloat32(at, true);
        break;
      case 'f8':
        for (let r = 0; r < rows; r++, at += recordBytes) values[r] = dv.getFloat64(at, true);
        break;
      case 'u1':
        for (let r = 0; r < rows; r++, at += recordBytes) values[r] = d[at];
        break;
      case 'u2':
        for (let r = 0; r < rows; r++, at += recordBytes) values[r] = dv.getUint16(at, true);
        break;
      case 'u4':
        for (let r = 0; r < rows; r++, at += recordBytes) values[r] = dv.getUint32(at, true);
        break;
    }
    raw.push({ name: f.name, values });
  }
  const ordered = raw;
  addExportColumns(ordered);

  const taken = new Set<string>();
  const columns: RecordColumn[] = ordered.map((c) => {
    const { key, scale, unit } = eclabKey(c.name, taken);
    if (scale !== 1) for (let r = 0; r < c.values.length; r++) c.values[r] *= scale;
    return {
      key: uniqueKey(key, taken),
      original: c.name,
      unit,
      values: c.values,
      ...(c.derived ? { derived: true } : {}),
    };
  });

  let startLocal: string | null = null;
  let startMs: number | null = null;
  if (log) {
    const ole = readLogStart(log);
    if (ole !== null) {
      const w = oleDateToWallClock(ole);
      startLocal = formatWallClock(w);
      startMs = wallClockToEpochMs(w, timezone);
    } else warnings.push('no acquisition start date found in the log module');
    const ver = pascalString(log.data, 0x3b7);
    if (ver && /^\d+\.\d+$/.test(ver)) meta.software = `EC-Lab v${ver}`;
    meta.channel = String(log.data[9] + 1);
  } else warnings.push('no log module: records have no absolute start time');
  meta.dataModuleVersion = String(version);
  meta.columnIds = ids.join(',');

  return {
    source: file,
    format: 'biologic-mpr',
    technique,
    startLocal,
    startMs,
    timezone,
    rowCount: rows,
    columns,
    warnings,
    meta,
  };
}

interface RawColumn {
  name: string;
  values: Float64Array;
  derived?: boolean;
}

/**
 * Columns EC-Lab computes when it writes the text export and never stores: <I> = dq/Δt; P = Ewe·I; Ewe−Ece; Re(Z) and
 * −Im(Z) from |Z| and Phase(Z) (Z = |Z|·e^{iφ}, so Re = |Z|cos φ and −Im = −|Z|sin φ); and the split of
 * the mixed control column by control mode (1 galvanostatic → control/mA, 2 potentiostatic → control/V,
 * 3 rest → both 0). Added so that an .mpr reads like its .mpt; marked `derived`.
 */
function addExportColumns(cols: RawColumn[]): void {
  const get = (...names: string[]) => cols.find((c) => names.includes(c.name))?.values;
  const has = (...names: string[]) => cols.some((c) => names.includes(c.name));
  const ewe = get('Ewe/V', '<Ewe>/V');
  const n = cols[0]?.values.length ?? 0;
  const add = (name: string, f: (i: number) => number) => {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = f(i);
    cols.push({ name, values: v, derived: true });
  };
  // GCPL stores only the charge per record; the export's mean current is dq/Δt (0 on the first record).
  // Only the per-record dq: EC-Lab's dQ is the running charge, not an increment.
  const dq = get('dq/mA.h');
  const time = get('time/s');
  if (!has('I/mA', '<I>/mA') && dq && time) {
    add('<I>/mA', (i) => {
      const dt = i > 0 ? time[i] - time[i - 1] : 0;
      return dt > 0 ? (dq[i] / dt) * 3600 : 0;
    });
  }
  const current = get('I/mA', '<I>/mA');
  // Impedance techniques export neither P nor Ewe−Ece.
  const eis = has('freq/Hz');
  if (!eis && !has('P/W', 'Pwe/W') && ewe && current) add('P/W', (i) => (ewe[i] * current[i]) / 1000);
  const ece = get('Ece/V', '<Ece>/V');
  if (!eis && !has('Ewe-Ece/V') && ewe && ece) add('Ewe-Ece/V', (i) => ewe[i] - ece[i]);
  const absZ = get('|Z|/Ohm');
  const phase = get('Phase(Z)/deg');
  if (absZ && phase && !has('Re(Z)/Ohm') && !has('-Im(Z)/Ohm')) {
    add('Re(Z)/Ohm', (i) => absZ[i] * Math.cos((phase[i] * Math.PI) / 180));
    add('-Im(Z)/Ohm', (i) => -absZ[i] * Math.sin((phase[i] * Math.PI) / 180));
  }
  const control = get('control/V/mA');
  const mode = get('mode');
  if (control && mode && !has('control/V') && !has('control/mA')) {
    add('control/V', (i) => (mode[i] === 2 ? control[i] : 0));
    add('control/mA', (i) => (mode[i] === 1 ? control[i] : 0));
  }
}

/** Reads an EC-Lab .mpr file from disk. */
export function readMpr(path: string, options: ReadOptions = {}): CyclerRecords {
  return parseMpr(readFileChecked(path), path, options);
}
