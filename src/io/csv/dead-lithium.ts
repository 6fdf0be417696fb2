/**
 * Exchange tables of the dead-lithium protocol (Wichmann et al. 2025):
 *   integrals  `cycle,state,integral`, state ∈ charged | discharged | after_cv (metal-region integrals);
 *   capacities `cycle,charge_mAh,discharge_mAh[,cv_discharge_mAh]` (discharge = the constant-current part).
 * One header line (names case-insensitive, any column order, extra columns ignored), comma/semicolon/tab,
 * `#` comments. Errors name the file, line and column.
 */
import { CorruptFileError } from '../../core/errors.js';
import { detectDelimiter, formatCsv, parseNumberStrict, splitDelimited } from './index.js';

export type IntegralState = 'charged' | 'discharged' | 'after_cv';
const STATES: readonly IntegralState[] = ['charged', 'discharged', 'after_cv'];

export interface IntegralTableRow {
  readonly cycle: number;
  readonly state: IntegralState;
  readonly integral: number;
}

export interface CapacityTableRow {
  readonly cycle: number;
  readonly chargeMAh: number;
  readonly dischargeMAh: number;
  readonly cvDischargeMAh: number | null;
}

interface RawTable {
  index: (name: string, required: boolean) => number;
  rows: { line: number; cells: string[] }[];
}

function readTable(text: string, file: string | undefined, expected: string): RawTable {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const h = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (h < 0)
    throw new CorruptFileError('empty table', { file, expected: `a header ${expected} and data rows` });
  const delimiter = detectDelimiter(lines[h]);
  const headers = splitDelimited(lines[h], delimiter).map((s) => s.toLowerCase());
  const rows: RawTable['rows'] = [];
  for (let i = h + 1; i < lines.length; i++) {
    if (lines[i].trim() === '' || lines[i].trimStart().startsWith('#')) continue;
    const cells = splitDelimited(lines[i], delimiter);
    if (cells.length !== headers.length)
      throw new CorruptFileError('row has the wrong number of columns', {
        file,
        field: `line ${i + 1}`,
        found: cells.length,
        expected: headers.length,
      });
    rows.push({ line: i + 1, cells });
  }
  if (rows.length === 0)
    throw new CorruptFileError('table has no data rows', { file, expected: 'at least one row' });
  return {
    rows,
    index(name, required) {
      const k = headers.indexOf(name);
      if (k < 0 && required)
        throw new CorruptFileError('missing column', {
          file,
          field: 'header',
          found: headers.join(','),
          expected: expected,
        });
      return k;
    },
  };
}

function cycleNumber(cell: string, file: string | undefined, line: number): number {
  const v = parseNumberStrict(cell, { file, line, column: 'cycle' });
  if (!Number.isInteger(v) || v < 1)
    throw new CorruptFileError('cycle must be a positive integer', {
      file,
      field: `line ${line}, column cycle`,
      found: cell,
      expected: '1, 2, 3 …',
    });
  return v;
}

export function parseIntegralTable(text: string, file?: string): IntegralTableRow[] {
  const t = readTable(text, file, 'cycle,state,integral');
  const [c, s, v] = [t.index('cycle', true), t.index('state', true), t.index('integral', true)];
  return t.rows.map(({ line, cells }) => {
    const state = cells[s].toLowerCase().replace(/[- ]/g, '_') as IntegralState;
    if (!STATES.includes(state))
      throw new CorruptFileError('unknown state', {
        file,
        field: `line ${line}, column state`,
        found: cells[s],
        expected: STATES.join(' | '),
      });
    return {
      cycle: cycleNumber(cells[c], file, line),
      state,
      integral: parseNumberStrict(cells[v], { file, line, column: 'integral' }),
    };
  });
}

export function parseCapacityTable(text: string, file?: string): CapacityTableRow[] {
  const t = readTable(text, file, 'cycle,charge_mAh,discharge_mAh[,cv_discharge_mAh]');
  const [c, ch, dis, cv] = [
    t.index('cycle', true),
    t.index('charge_mah', true),
    t.index('discharge_mah', true),
    t.index('cv_discharge_mah', false),
  ];
  return t.rows.map(({ line, cells }) => {
    const num = (k: number, column: string) => parseNumberStrict(cells[k], { file, line, column });
    return {
      cycle: cycleNumber(cells[c], file, line),
      chargeMAh: num(ch, 'charge_mAh'),
      dischargeMAh: num(dis, 'discharge_mAh'),
      cvDischargeMAh: cv >= 0 && cells[cv].trim() !== '' ? num(cv, 'cv_discharge_mAh') : null,
    };
  });
}

export function formatIntegralTable(rows: readonly IntegralTableRow[]): string {
  return formatCsv(
    ['cycle', 'state', 'integral'],
    rows.map((r) => [r.cycle, r.state, r.integral]),
  );
}

export function formatCapacityTable(
  rows: readonly { cycle: number; chargeMAh: number; dischargeMAh: number; cvDischargeMAh?: number | null }[],
): string {
  return formatCsv(
    ['cycle', 'charge_mAh', 'discharge_mAh', 'cv_discharge_mAh'],
    rows.map((r) => [r.cycle, r.chargeMAh, r.dischargeMAh, r.cvDischargeMAh ?? null]),
  );
}
