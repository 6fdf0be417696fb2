/**
 * Reading the store: any table as rows filtered by campaign, cell, experiment or run, and comparisons of
 * a quantity across the replicate cells of a group (mean ± sample standard deviation of each cell's
 * newest complete run).
 */
import { UsageError } from '../core/errors.js';
import { welch, type WelchResult } from '../core/student.js';
import { type ProjectStore, RESULT_TABLES } from './store.js';

/** Tables `exportTable` reads: the project's own and every result table. */
export const EXPORT_TABLES = ['campaigns', 'cells', 'experiments', 'runs', ...RESULT_TABLES] as const;
export type ExportTable = (typeof EXPORT_TABLES)[number];

export interface TableFilter {
  readonly campaign?: string;
  readonly cell?: string;
  readonly experiment?: string;
  readonly run?: number;
}

export type Row = Record<string, unknown>;

export interface TableRows {
  readonly columns: string[];
  readonly rows: Row[];
}

function checkTable(name: string): ExportTable {
  if ((EXPORT_TABLES as readonly string[]).includes(name)) return name as ExportTable;
  throw new UsageError('no such table in the project store', {
    field: '--table',
    found: name,
    expected: EXPORT_TABLES.join(', '),
  });
}

/** Where each table sits in campaign → cell → experiment → run, for filtering. */
function tableQuery(table: ExportTable): string {
  const where = `(@campaign IS NULL OR c.name = @campaign) AND (@cell IS NULL OR l.name = @cell)
    AND (@experiment IS NULL OR e.name = @experiment)`;
  switch (table) {
    case 'campaigns':
      return `SELECT c.* FROM campaigns c WHERE (@campaign IS NULL OR c.name = @campaign)
        AND @cell IS NULL AND @experiment IS NULL AND @run IS NULL ORDER BY c.id`;
    case 'cells':
      return `SELECT c.name AS campaign, l.* FROM cells l JOIN campaigns c ON c.id = l.campaign_id
        WHERE (@campaign IS NULL OR c.name = @campaign) AND (@cell IS NULL OR l.name = @cell)
        AND @experiment IS NULL AND @run IS NULL ORDER BY l.id`;
    case 'experiments':
      return `SELECT c.name AS campaign, l.name AS cell, e.* FROM experiments e
        LEFT JOIN cells l ON l.id = e.cell_id LEFT JOIN campaigns c ON c.id = l.campaign_id
        WHERE ${where} AND @run IS NULL ORDER BY e.id`;
    case 'runs':
      return `SELECT c.name AS campaign, l.name AS cell, e.name AS experiment, r.id, r.experiment_id, r.status,
          r.spincell_version, r.started_at, r.finished_at, r.stored_at, r.output_dir, r.manifest_hash, r.inputs_hash,
          r.timings_json
        FROM runs r JOIN experiments e ON e.id = r.experiment_id
        LEFT JOIN cells l ON l.id = e.cell_id LEFT JOIN campaigns c ON c.id = l.campaign_id
        WHERE ${where} AND (@run IS NULL OR r.id = @run) ORDER BY r.id`;
    default:
      return `SELECT c.name AS campaign, l.name AS cell, t.* FROM ${table} t
        JOIN runs r ON r.id = t.run_id JOIN experiments e ON e.id = r.experiment_id
        LEFT JOIN cells l ON l.id = e.cell_id LEFT JOIN campaigns c ON c.id = l.campaign_id
        WHERE ${where} AND (@run IS NULL OR r.id = @run) ORDER BY t.rowid`;
  }
}

/** One table's rows (with campaign and cell names in front), in the order they were stored. */
export function exportTable(store: ProjectStore, table: string, filter: TableFilter = {}): TableRows {
  const stmt = store.db.prepare(tableQuery(checkTable(table)));
  const rows = stmt.all({
    campaign: filter.campaign ?? null,
    cell: filter.cell ?? null,
    experiment: filter.experiment ?? null,
    run: filter.run ?? null,
  }) as Row[];
  return { columns: stmt.columns().map((c) => c.name), rows };
}

/** Quantities `compare` knows: each gives (key, value) rows for one run. */
export const QUANTITIES = {
  fraction: {
    description: 'morphology fraction of each component in the last spectrum that was fitted',
    key: 'component',
    sql: `SELECT component AS key, fraction AS value FROM morphology
      WHERE run_id = @run AND error IS NULL
        AND spectrum = (SELECT max(spectrum) FROM morphology WHERE run_id = @run AND error IS NULL)
      ORDER BY component_index`,
  },
  'dead-li': {
    description: 'dead-lithium capacity per cycle, mAh',
    key: 'cycle',
    sql: 'SELECT cycle AS key, dead_mah AS value FROM dead_lithium WHERE run_id = @run ORDER BY cycle',
  },
  'dead-li-percent': {
    description: 'dead lithium per cycle, % of the initial charge capacity',
    key: 'cycle',
    sql: 'SELECT cycle AS key, dead_percent AS value FROM dead_lithium WHERE run_id = @run ORDER BY cycle',
  },
  ce: {
    description: 'Coulombic efficiency per cycle',
    key: 'cycle',
    sql: 'SELECT cycle AS key, coulombic_efficiency AS value FROM cycles WHERE run_id = @run ORDER BY cycle',
  },
  'discharge-mah': {
    description: 'discharge capacity per cycle, mAh',
    key: 'cycle',
    sql: 'SELECT cycle AS key, discharge_mah AS value FROM cycles WHERE run_id = @run ORDER BY cycle',
  },
  polarization: {
    description: 'DRT polarisation resistance per impedance sweep, ohm',
    key: 'sweep',
    sql: 'SELECT sweep AS key, polarization_ohm AS value FROM impedance WHERE run_id = @run ORDER BY sweep',
  },
} as const;
export type Quantity = keyof typeof QUANTITIES;

export interface CompareRow {
  readonly key: string | number;
  /** Cells with a value for this key. */
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); null for a single cell. */
  readonly sd: number | null;
  readonly values: Record<string, number>;
}

export interface Comparison {
  readonly group: string;
  readonly quantity: Quantity;
  readonly keyName: string;
  /** Each cell and the run its values come from (null: no complete run yet). */
  readonly cells: { campaign: string; cell: string; run: number | null }[];
  readonly rows: CompareRow[];
}

export function meanSd(values: readonly number[]): { mean: number; sd: number | null } {
  const k = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / k;
  if (k < 2) return { mean, sd: null };
  const ss = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (k - 1)) };
}

/** The quantity across the cells of a replicate group: per key, mean ± sd over the cells' newest complete runs. */
export function compareGroup(store: ProjectStore, group: string, quantity: string): Comparison {
  if (!(quantity in QUANTITIES))
    throw new UsageError('unknown quantity', {
      field: '--quantity',
      found: quantity,
      expected: Object.keys(QUANTITIES).join(', '),
    });
  const q = QUANTITIES[quantity as Quantity];
  const cells = store.cells({ group });
  if (cells.length === 0) {
    const groups = (
      store.db
        .prepare(
          'SELECT DISTINCT replicate_group AS g FROM cells WHERE replicate_group IS NOT NULL ORDER BY g',
        )
        .all() as { g: string }[]
    ).map((r) => r.g);
    throw new UsageError('no cells in that replicate group', {
      file: store.dir,
      field: '--group',
      found: group,
      expected:
        groups.length > 0 ? groups.join(', ') : 'a group given with project add-cell --replicate-group',
    });
  }
  const latest = store.db.prepare(
    `SELECT max(r.id) AS id FROM runs r JOIN experiments e ON e.id = r.experiment_id
     WHERE e.cell_id = ? AND r.status = 'complete'`,
  );
  const values = store.db.prepare(q.sql);
  const byKey = new Map<string | number, Record<string, number>>();
  const used: Comparison['cells'] = [];
  for (const c of cells) {
    const run = (latest.get(c.id) as { id: number | null }).id;
    used.push({ campaign: c.campaign, cell: c.name, run });
    if (run === null) continue;
    const label = `${c.campaign}/${c.name}`;
    for (const r of values.all({ run }) as { key: string | number; value: number | null }[]) {
      if (r.value === null) continue;
      const entry = byKey.get(r.key) ?? {};
      entry[label] = r.value;
      byKey.set(r.key, entry);
    }
  }
  const rows: CompareRow[] = [...byKey.entries()].map(([key, v]) => {
    const xs = Object.values(v);
    return { key, n: xs.length, ...meanSd(xs), values: v };
  });
  return { group, quantity: quantity as Quantity, keyName: q.key, cells: used, rows };
}

export interface ConditionRow {
  readonly key: string | number;
  readonly a: { n: number; mean: number; sd: number | null } | null;
  readonly b: { n: number; mean: number; sd: number | null } | null;
  /** Welch's comparison of b against a (null with fewer than two cells on a side). */
  readonly difference: WelchResult | null;
}

export interface ConditionComparison {
  readonly quantity: Quantity;
  readonly keyName: string;
  readonly groups: [Comparison, Comparison];
  readonly level: number;
  readonly rows: ConditionRow[];
}

/**
 * Two conditions (replicate groups, e.g. bare and coated copper): per key, each group's mean ± sd and the
 * difference b − a with its standard error, Welch–Satterthwaite degrees of freedom, confidence interval and
 * p value (src/core/student.ts).
 */
export function compareConditions(
  store: ProjectStore,
  groupA: string,
  groupB: string,
  quantity: string,
  level = 0.95,
): ConditionComparison {
  const a = compareGroup(store, groupA, quantity);
  const b = compareGroup(store, groupB, quantity);
  const keys = [...new Set([...a.rows.map((r) => r.key), ...b.rows.map((r) => r.key)])];
  const side = (c: Comparison, key: string | number) => {
    const r = c.rows.find((x) => x.key === key);
    return r ? { n: r.n, mean: r.mean, sd: r.sd } : null;
  };
  const rows = keys.map((key) => {
    const sa = side(a, key);
    const sb = side(b, key);
    return { key, a: sa, b: sb, difference: sa && sb ? welch(sa, sb, level) : null };
  });
  return { quantity: a.quantity, keyName: a.keyName, groups: [a, b], level, rows };
}
