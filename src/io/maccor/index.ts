/**
 * MACCOR Series 4000 text export. Line 1 is a metadata line ("Today's Date … Date of Test: MM/DD/YYYY …
 * Filename: … Procedure: … Comment/Barcode: …"), line 2 the tab-separated column names, then one row per
 * record: Rec#, Cyc#, Step, Test (Sec), Step (Sec), Amp-hr, Watt-hr, Amps, Volts, State, ES, DPt Time,
 * and optional extras (ACImp/Ohms, DCIR/Ohms, VAR1…), with "N/A" for values not measured.
 *
 * MACCOR writes the current as a magnitude and the direction in State (C charge, D discharge, R rest,
 * O/S other), and Amp-hr as the capacity accumulated since the last direction change. spincell's
 * current_mA is signed (charge > 0) and charge_mAh is the net charge since the start, rebuilt from the
 * instrument's own Amp-hr increments (not by integrating the current).
 */
import { CorruptFileError, UnsupportedFormatError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { splitDelimited } from '../csv/index.js';
import { genericKey } from '../cycler/quantities.js';
import {
  formatWallClock,
  parseMonthFirstDateTime,
  wallClockAsUtcMs,
  wallClockFromUtcMs,
  wallClockToEpochMs,
} from '../cycler/time.js';
import type { CyclerRecords, ReadOptions, RecordColumn } from '../cycler/types.js';
import { uniqueKey } from '../cycler/types.js';

export type { CyclerRecords, ReadOptions } from '../cycler/types.js';

/** MACCOR headers with a spincell meaning: key and factor. */
const KNOWN: Record<string, { key: string; unit: string | null; scale: number }> = {
  'rec#': { key: 'record', unit: null, scale: 1 },
  'cyc#': { key: 'cycle', unit: null, scale: 1 },
  step: { key: 'step', unit: null, scale: 1 },
  'test (sec)': { key: 'time_s', unit: 's', scale: 1 },
  'step (sec)': { key: 'step_time_s', unit: 's', scale: 1 },
  'amp-hr': { key: 'step_capacity_mAh', unit: 'Ah', scale: 1000 },
  'watt-hr': { key: 'step_energy_Wh', unit: 'Wh', scale: 1 },
  amps: { key: 'current_mA', unit: 'A', scale: 1000 },
  volts: { key: 'voltage_V', unit: 'V', scale: 1 },
  es: { key: 'end_status', unit: null, scale: 1 },
  'acimp/ohms': { key: 'ac_impedance_ohm', unit: 'Ohm', scale: 1 },
  'dcir/ohms': { key: 'dcir_ohm', unit: 'Ohm', scale: 1 },
};

/** State letter → direction sign (and 0 for rest/other). */
const STATE_SIGN: Record<string, number> = { C: 1, D: -1, R: 0, O: 0, S: 0 };

export function isMaccorText(text: string): boolean {
  const [first, second] = text.split(/\r?\n/, 2);
  return /Today'?s Date/i.test(first ?? '') && /Rec#/.test(second ?? '');
}

export function parseMaccor(text: string, file: string, options: ReadOptions = {}): CyclerRecords {
  const timezone = options.timezone ?? 'UTC';
  if (text.trim() === '')
    throw new CorruptFileError('empty file', { file, expected: 'a MACCOR text export' });
  const lines = text.split(/\r?\n/);
  if (!isMaccorText(text)) {
    throw new UnsupportedFormatError('not a MACCOR text export', {
      file,
      field: 'lines 1–2',
      found: lines.slice(0, 2).join(' | ').slice(0, 120),
      expected: '"Today\'s Date …" then a header with Rec#',
    });
  }
  const headers = lines[1].split('\t').map((s) => s.trim());
  while (headers.length > 0 && headers[headers.length - 1] === '') headers.pop();
  const rows: string[][] = [];
  for (let i = 2; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = splitDelimited(lines[i], '\t');
    while (cells.length > headers.length && cells[cells.length - 1] === '') cells.pop();
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
  const n = rows.length;
  const warnings: string[] = [];
  const col = (name: string) => headers.findIndex((h) => h.toLowerCase() === name);
  const stateIdx = col('state');
  const timeIdx = col('test (sec)');
  if (timeIdx < 0)
    throw new CorruptFileError('no test time column', {
      file,
      field: 'header',
      found: headers,
      expected: 'a "Test (Sec)" column',
    });
  const signs = new Float64Array(n);
  if (stateIdx >= 0) {
    for (let r = 0; r < n; r++) {
      const s = rows[r][stateIdx].trim().toUpperCase();
      const sign = STATE_SIGN[s];
      if (sign === undefined)
        throw new CorruptFileError('unknown state code', {
          file,
          field: `line ${r + 3}, State`,
          found: s,
          expected: 'C, D, R, O or S',
        });
      signs[r] = sign;
    }
  } else warnings.push('no State column: current taken as written (direction unknown)');

  const taken = new Set<string>();
  const columns: RecordColumn[] = [];
  let startWall: ReturnType<typeof parseMonthFirstDateTime> = null;
  headers.forEach((header, idx) => {
    const lower = header.toLowerCase();
    if (idx === stateIdx) {
      columns.push({ key: uniqueKey('state_sign', taken), original: header, unit: null, values: signs });
      return;
    }
    if (lower === 'dpt time') {
      // Absolute time of each point: kept as seconds since the first point; the first is the start.
      const values = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        const w = parseMonthFirstDateTime(rows[r][idx]);
        if (!w)
          throw new CorruptFileError('date-time not understood', {
            file,
            field: `line ${r + 3}, ${header}`,
            found: rows[r][idx],
            expected: 'MM/DD/YYYY hh:mm:ss',
          });
        if (r === 0) startWall = w;
        values[r] = (wallClockAsUtcMs(w) - wallClockAsUtcMs(startWall!)) / 1000;
      }
      columns.push({ key: uniqueKey('point_clock_s', taken), original: header, unit: 's', values });
      return;
    }
    const known = KNOWN[lower];
    const values = new Float64Array(n);
    let textCells = 0;
    for (let r = 0; r < n; r++) {
      const cell = rows[r][idx].trim();
      if (cell === '' || /^n\/a$/i.test(cell)) {
        values[r] = NaN;
        continue;
      }
      const v = Number(cell);
      if (v === Infinity || v === -Infinity)
        throw new CorruptFileError('non-finite number', {
          file,
          field: `line ${r + 3}, ${header}`,
          found: cell,
          expected: 'a finite number',
        });
      if (Number.isNaN(v)) {
        if (known)
          throw new CorruptFileError('not a number', {
            file,
            field: `line ${r + 3}, ${header}`,
            found: cell,
            expected: 'a number',
          });
        textCells++;
      }
      values[r] = v;
    }
    if (textCells > 0) {
      warnings.push(`column "${header}" holds text: not kept`);
      return;
    }
    if (known) {
      if (known.scale !== 1) for (let r = 0; r < n; r++) values[r] *= known.scale;
      if (known.key === 'current_mA' && stateIdx >= 0) {
        for (let r = 0; r < n; r++) values[r] = signs[r] === 0 ? values[r] : signs[r] * Math.abs(values[r]);
      }
      columns.push({ key: uniqueKey(known.key, taken), original: header, unit: known.unit, values });
    } else {
      const g = genericKey(header, null);
      columns.push({ key: uniqueKey(g.key, taken), original: header, unit: null, values });
    }
  });

  // Net charge from the instrument's Amp-hr: increments within a direction, restarts when it resets.
  const ahIdx = col('amp-hr');
  if (ahIdx >= 0 && stateIdx >= 0) {
    const cap = columns.find((c) => c.key === 'step_capacity_mAh')!.values;
    const q = new Float64Array(n);
    for (let r = 1; r < n; r++) {
      const prev = cap[r - 1];
      const now = cap[r];
      const restarted = now < prev || signs[r] !== signs[r - 1];
      const inc = restarted ? now : now - prev;
      q[r] = q[r - 1] + signs[r] * (Number.isFinite(inc) ? inc : 0);
    }
    columns.push({
      key: uniqueKey('charge_mAh', taken),
      original: 'Amp-hr (net, signed by State)',
      unit: 'mAh',
      values: q,
      derived: true,
    });
  }

  const meta: Record<string, string> = {};
  const first = lines[0];
  for (const [label, key] of [
    ['Date of Test:', 'dateOfTest'],
    ['Filename:', 'filename'],
    ['Procedure:', 'procedure'],
    ['Comment/Barcode:', 'comment'],
  ] as const) {
    const m = new RegExp(`${label.replace('/', '\\/')}\\s*([^\\t]*)`).exec(first);
    if (m) meta[key] = m[1].trim();
  }
  const start = startWall as ReturnType<typeof parseMonthFirstDateTime>;
  // Time zero of the record is the first point's clock minus its test time (0 in a complete export).
  const t0 = columns.find((c) => c.key === 'time_s')?.values[0] ?? 0;
  const zero = start ? wallClockFromUtcMs(wallClockAsUtcMs(start) - 1000 * t0) : null;
  return {
    source: file,
    format: 'maccor-txt',
    technique: meta.procedure ?? null,
    startLocal: zero ? formatWallClock(zero) : null,
    startMs: zero ? wallClockToEpochMs(zero, timezone) : null,
    timezone,
    rowCount: n,
    columns,
    warnings,
    meta,
  };
}

export function readMaccor(path: string, options: ReadOptions = {}): CyclerRecords {
  const bytes = readFileChecked(path);
  return parseMaccor(bytes.toString('latin1'), path, options);
}
