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
  const assigned = new Map<number, { key: string; unit: string | null; scale: number }>();
  const warnings: string[] = [];
  if (options.mapping) {
    for (const [key, spec] of Object.entries(options.mapping)) {
      const idx = headers.findIndex((x) => x.trim() === spec.column.trim());
      if (idx < 0)
        throw new ParameterError('mapped column not in the file', {
          file,
          field: key,
          found: spec.column,
          expected: headers,
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
        const conv = unitConversion(unit);
        if (!conv || conv.unit !== target)
          throw new ParameterError('unit cannot be converted', {
            file,
            field: `${key} (${spec.column})`,
            found: unit,
            expected: `a unit of ${target}`,
          });
        scale = conv.scale;
      }
      assigned.set(idx, { key, unit, scale });
    }
  } else {
    headers.forEach((header, idx) => {
      const { name, unit } = splitHeaderUnit(header);
      if (/^(time_s|voltage_V|current_mA|charge_mAh)$/.test(header.trim())) {
        assigned.set(idx, { key: header.trim(), unit: keyUnit(header.trim()), scale: 1 });
        return;
      }
      const hit = RECOGNISED.find(([re]) => re.test(name.trim()));
      if (!hit) return;
      const target = keyUnit(hit[1]);
      if (target === null) {
        assigned.set(idx, { key: hit[1], unit: null, scale: 1 });
        return;
      }
      const conv = unit ? unitConversion(unit) : null;
      if (conv && conv.unit === target) assigned.set(idx, { key: hit[1], unit, scale: conv.scale });
      else
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
    const isTime = a?.key === 'time_s' || a?.key === 'step_time_s';
    const values = new Float64Array(rows.length);
    let bad = -1;
    for (let r = 0; r < rows.length; r++) {
      const cell = rows[r][idx];
      const v = isTime ? parseTimeCell(cell, decimalComma) : parseCell(cell, decimalComma);
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
