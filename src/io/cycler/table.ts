/**
 * Generic cycler tables (Neware, Arbin, Zahner and anything else exported as delimited text): the user
 * declares which column is which quantity and in what unit, or the reader recognises headers that carry
 * their unit ("Voltage(V)", "Current [mA]", "Capacity/Ah", spincell's own "current_mA"). Values are
 * converted to spincell's units; unmapped numeric columns are kept under generic keys; text columns are
 * dropped with a warning, never silently.
 *
 * Time columns may hold seconds or durations "h:mm:ss(.sss)" (Neware's "Relative Time(h:min:s.ms)").
 * Leading '#' lines are comments; "# start_local: …", "# timezone: …" (as spincell writes them) and
 * the `startLocal` option give the absolute start.
 */
import { CorruptFileError, ParameterError, UnsupportedFormatError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { detectDelimiter, splitDelimited, type Delimiter } from '../csv/index.js';
import { genericKey, keyUnit, unitConversion } from './quantities.js';
import { formatWallClock, parseIsoWallClock, parseMonthFirstDateTime, wallClockToEpochMs } from './time.js';
import type { CyclerRecords, ReadOptions, RecordColumn } from './types.js';
import { uniqueKey } from './types.js';

export interface MappedColumn {
  /** Header of the column in the file (exact, after trimming). */
  readonly column: string;
  /** Unit of the values in the file; required unless the header carries it. */
  readonly unit?: string;
}

export interface TableReadOptions extends ReadOptions {
  /** spincell key → file column, e.g. { time_s: { column: 'Test Time', unit: 'h' } }. */
  mapping?: Record<string, MappedColumn>;
  delimiter?: Delimiter;
  /** Decimal comma (default: detected from the first data row when the delimiter is not a comma). */
  decimalComma?: boolean;
  /** Acquisition start as local wall clock (ISO or MM/DD/YYYY hh:mm:ss), when the file does not say. */
  startLocal?: string;
}

/** Quantities recognised from header names when no mapping is given (the unit must be in the header). */
const RECOGNISED: [RegExp, string][] = [
  [/^(test[ _]?|total[ _]?|relative[ _]?)?time$/i, 'time_s'],
  [/^(voltage|volts|ecell|ewe|potential|cell voltage)$/i, 'voltage_V'],
  [/^(current|amps|i)$/i, 'current_mA'],
  [/^(charge|net charge|q-qo|\(q-qo\))$/i, 'charge_mAh'],
  [/^(cycle|cycle[ _]?(index|number)|cyc#)$/i, 'cycle'],
  [/^(step|step[ _]?(index|number|id))$/i, 'step'],
];

/** Splits "Voltage(V)", "Voltage [V]", "Voltage/V", "voltage_V" into name and unit. */
export function splitHeaderUnit(header: string): { name: string; unit: string | null } {
  const h = header.trim();
  let m = /^(.*?)\s*[([]\s*([^)\]]+?)\s*[)\]]$/.exec(h);
  if (m && m[1] !== '') return { name: m[1], unit: m[2] };
  m = /^([^/]+)\/(.+)$/.exec(h);
  if (m && unitConversion(m[2])) return { name: m[1].trim(), unit: m[2].trim() };
  m = /^(.+)_(s|V|mA|mAh|W|Wh|Hz|ohm|C|deg|pct)$/.exec(h);
  if (m) return { name: h, unit: m[2] };
  return { name: h, unit: null };
}

/**
 * A unit as unitConversion reads it, plus the duration notations of time headers ("h:min:s.ms",
 * "hh:mm:ss"): their cells are read as durations in seconds.
 */
function timeUnitConversion(unit: string): ReturnType<typeof unitConversion> {
  if (/^\s*h+\s*:\s*m(in|m)?\s*:\s*s+([.,]\s*(ms|s+))?\s*$/i.test(unit)) return { unit: 's', scale: 1 };
  return unitConversion(unit);
}

/** State letters of MACCOR-like exports → sign of the current (charge +, discharge −, rest and others 0). */
const STATE_SIGN: Record<string, number> = { C: 1, D: -1, R: 0, O: 0, S: 0 };

/** The mapped `state` column as signs; an unknown letter is bad input naming row and column. */
function stateSigns(rows: readonly string[][], idx: number, header: string, file: string): Float64Array {
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const cell = rows[r][idx].trim().toUpperCase();
    const sign = STATE_SIGN[cell];
    if (sign === undefined)
      throw new CorruptFileError('unknown state', {
        file,
        field: `row ${r + 1}, column ${header}`,
        found: rows[r][idx],
        expected: 'C (charge), D (discharge), R (rest), O or S',
      });
    out[r] = sign;
  }
  return out;
}

/** "h:mm:ss(.sss)" or "d hh:mm:ss" durations, or plain numbers; NaN otherwise. */
function parseTimeCell(cell: string, decimalComma: boolean): number {
  const m = /^(?:(\d+)\s*d\s*)?(\d+):(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)$/.exec(cell.trim());
  if (m)
    return (
      Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4].replace(',', '.'))
    );
  return parseCell(cell, decimalComma);
}

function parseCell(cell: string, decimalComma: boolean): number {
  const c = cell.trim();
  if (c === '') return NaN;
  return Number(decimalComma ? c.replace(',', '.') : c);
}

/** Parses a generic cycler table already in memory. */
export function parseCyclerTable(text: string, file: string, options: TableReadOptions = {}): CyclerRecords {
  const timezone = options.timezone ?? 'UTC';
  const lines = text.split(/\r?\n/);
  const meta: Record<string, string> = {};
  let h = 0;
  while (h < lines.length && (lines[h].trim() === '' || lines[h].trimStart().startsWith('#'))) {
    const m = /^#\s*([\w ]+?)\s*:\s*(.*)$/.exec(lines[h].trim());
    if (m) meta[m[1].trim().replace(/ /g, '_')] = m[2].trim();
    h++;
  }
  if (h >= lines.length)
    throw new CorruptFileError('empty table', { file, expected: 'a header line and data rows' });
  const delimiter = options.delimiter ?? detectDelimiter(lines[h]);
  const headers = splitDelimited(lines[h], delimiter);
  const rows: string[][] = [];
  for (let i = h + 1; i < lines.length; i++) {
    if (lines[i].trim() === '' || lines[i].trimStart().startsWith('#')) continue;
    const cells = splitDelimited(lines[i], delimiter);
    if (cells.length !== headers.length) {
      throw new CorruptFileError('row has the wrong number of cells', {
        file,
        field: `line ${i + 1}`,
        found: cells.length,
        expected: headers.length,
      });
    }
    rows.push(cells);
  }
  if (rows.length === 0)
    throw new CorruptFileError('table has no data rows', { file, expected: 'at least one row' });
  const decimalComma =
    options.decimalComma ??
    (delimiter !== ',' && rows[0].some((c) => /^[+-]?\d+,\d+([eE][+-]?\d+)?$/.test(c.trim())));

  // Which column is which key.
  const assigned = new Map<number, { key: string; unit: string | null; scale: number; index: number }>();
  const warnings: string[] = [];
  if (options.mapping) {
    for (const [key, given] of Object.entries(options.mapping)) {
      let spec: MappedColumn = given;
      let idx = headers.findIndex((x) => x.trim() === spec.column.trim());
      // "KEY=COLUMN:UNIT" splits at the last colon, but headers may hold colons themselves (Neware's
      // "Relative Time(h:min:s.ms)"): when the split name is no header and the whole text is, take that.
      if (idx < 0 && spec.unit !== undefined) {
        const whole = `${spec.column}:${spec.unit}`.trim();
        const at = headers.findIndex((x) => x.trim() === whole);
        if (at >= 0) {
          idx = at;
          spec = { column: whole };
        }
      }
      if (idx < 0)
        throw new ParameterError('mapped column not in the file', {
          file,
          field: key,
          found: spec.column,
          expected: headers,
        });
      if ([...assigned.values()].some((a) => a.index === idx))
        throw new ParameterError('one column mapped to two quantities', {
          file,
          field: key,
          found: spec.column,
          expected: 'each column mapped once',
        });
      const unit = spec.unit ?? splitHeaderUnit(headers[idx]).unit;
      const target = keyUnit(key);
      let scale = 1;
      if (target !== null) {
        if (unit === null)
          throw new ParameterError('unit of a mapped column not declared', {
            file,
            field: `${key} (${spec.column})`,
            expected: `a unit convertible to ${target}`,
          });
        const conv = timeUnitConversion(unit);
        if (!conv || conv.unit !== target)
          throw new ParameterError('unit cannot be converted', {
            file,
            field: `${key} (${spec.column})`,
            found: unit,
            expected: `a unit of ${target}`,
          });
        scale = conv.scale;
      }
      assigned.set(idx, { key, unit, scale, index: idx });
    }
  }
  {
    // Headers that say what they hold are recognised also beside a mapping, unless the mapping took
    // their quantity: one declared column must not leave the others unread.
    const mappedKeys = new Set([...assigned.values()].map((a) => a.key));
    headers.forEach((header, idx) => {
      if (assigned.has(idx)) return;
      const { name, unit } = splitHeaderUnit(header);
      if (/^(time_s|voltage_V|current_mA|charge_mAh)$/.test(header.trim())) {
        if (mappedKeys.has(header.trim())) return;
        assigned.set(idx, { key: header.trim(), unit: keyUnit(header.trim()), scale: 1, index: idx });
        mappedKeys.add(header.trim());
        return;
      }
      const hit = RECOGNISED.find(([re]) => re.test(name.trim()));
      if (!hit || mappedKeys.has(hit[1])) return;
      const target = keyUnit(hit[1]);
      if (target === null) {
        assigned.set(idx, { key: hit[1], unit: null, scale: 1, index: idx });
        mappedKeys.add(hit[1]);
        return;
      }
      const conv = unit ? timeUnitConversion(unit) : null;
      if (conv && conv.unit === target) {
        assigned.set(idx, { key: hit[1], unit, scale: conv.scale, index: idx });
        mappedKeys.add(hit[1]);
      } else
        warnings.push(
          `column "${header}" looks like ${hit[1]} but its unit is ${unit === null ? 'not given' : `"${unit}"`}: kept as a generic column (declare it with a mapping)`,
        );
    });
  }
  const taken = new Set<string>();
  for (const a of assigned.values()) taken.add(a.key);
  const columns: RecordColumn[] = [];
  headers.forEach((header, idx) => {
    const a = assigned.get(idx);
    if (a?.key === 'state') {
      columns.push({
        key: 'state_sign',
        original: header,
        unit: null,
        values: stateSigns(rows, idx, header, file),
      });
      return;
    }
    const isTime = a?.key === 'time_s' || a?.key === 'step_time_s';
    const values = new Float64Array(rows.length);
    let bad = -1;
    for (let r = 0; r < rows.length; r++) {
      const cell = rows[r][idx];
      const v = isTime ? parseTimeCell(cell, decimalComma) : parseCell(cell, decimalComma);
      if (v === Infinity || v === -Infinity) {
        throw new CorruptFileError('non-finite number', {
          file,
          field: `row ${r + 1}, column ${header}`,
          found: cell,
          expected: 'a finite number (NaN marks a missing value)',
        });
      }
      if (Number.isNaN(v) && !/^(nan|n\/a|na|)$/i.test(cell.trim())) {
        bad = r;
        break;
      }
      values[r] = a ? v * a.scale : v;
    }
    if (bad >= 0) {
      if (a) {
        throw new CorruptFileError('not a number', {
          file,
          field: `row ${bad + 1}, column ${header}`,
          found: rows[bad][idx],
          expected: `a number for ${a.key}`,
        });
      }
      warnings.push(
        `column "${header}" is not numeric (row ${bad + 1}: ${JSON.stringify(rows[bad][idx])}): not kept`,
      );
      return;
    }
    if (a) {
      columns.push({ key: a.key, original: header, unit: a.unit, values });
    } else {
      const { name, unit } = splitHeaderUnit(header);
      const g = genericKey(name, unit);
      if (g.scale !== 1) for (let r = 0; r < values.length; r++) values[r] *= g.scale;
      columns.push({ key: uniqueKey(g.key, taken), original: header, unit, values });
    }
  });
  const signs = columns.find((c) => c.key === 'state_sign');
  const current = columns.find((c) => c.key === 'current_mA');
  if (signs && current) {
    // A current written as a magnitude (MACCOR-like exports) takes its sign from the state column.
    for (let r = 0; r < rows.length; r++) current.values[r] = signs.values[r] * Math.abs(current.values[r]);
    warnings.push(
      `current signed by the state column "${signs.original}" (C charge +, D discharge −, R rest 0)`,
    );
  }
  if (!columns.some((c) => c.key === 'time_s')) {
    throw new UnsupportedFormatError('no time column recognised', {
      file,
      field: 'header',
      found: headers,
      expected: 'a time column with its unit, or a mapping { time_s: { column, unit } }',
    });
  }
  const startText = options.startLocal ?? meta.start_local;
  let startLocal: string | null = null;
  let startMs: number | null = null;
  const zone = options.timezone ?? meta.timezone ?? timezone;
  if (startText) {
    const w = parseIsoWallClock(startText) ?? parseMonthFirstDateTime(startText);
    if (!w)
      throw new ParameterError('start time not understood', {
        file,
        field: 'start',
        found: startText,
        expected: 'YYYY-MM-DDThh:mm:ss(.fff) or MM/DD/YYYY hh:mm:ss',
      });
    startLocal = formatWallClock(w);
    startMs = wallClockToEpochMs(w, zone);
  }
  return {
    source: file,
    format: 'table',
    technique: null,
    startLocal,
    startMs,
    timezone: zone,
    rowCount: rows.length,
    columns,
    warnings,
    meta: { decimalSeparator: decimalComma ? ',' : '.', delimiter },
  };
}

/** Reads a generic cycler table from disk (UTF-8, or Latin-1 when the bytes are not valid UTF-8). */
export function readCyclerTable(path: string, options: TableReadOptions = {}): CyclerRecords {
  const bytes = readFileChecked(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = bytes.toString('latin1');
  }
  return parseCyclerTable(text.replace(/^\uFEFF/, ''), path, options);
}
