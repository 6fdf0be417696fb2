/**
 * The project store: a folder holding `spincell.db` (SQLite through better-sqlite3, WAL journal, busy
 * timeout, foreign keys). Campaigns hold cells, cells hold experiments (one per manifest), experiments
 * hold runs, and each run's results are tables keyed by run. Raw data is never copied or modified: the
 * store keeps each input's path, size, mtime and SHA-256 and can tell when a file changed since it was
 * analysed. Each stored run is one transaction, so a process killed mid-way leaves the store as it was.
 * This is the library API the CLI (`spincell project …`, `spincell run --project`) and the web server
 * share.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MissingFileError, ParameterError, UsageError } from '../core/errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export const DB_NAME = 'spincell.db';
/** How long a writer waits for another process's transaction before giving up, ms. */
export const BUSY_TIMEOUT_MS = 30_000;

export type Db = Database.Database;

/** Opens a database file and sets the connection pragmas every store uses. */
function connect(path: string, fileMustExist: boolean): Db {
  const db = new Database(path, { fileMustExist });
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings a database to `target` (default: the newest schema), one migration at a time, all in one
 * immediate transaction so that two processes opening an old store migrate it once.
 */
export function migrate(db: Db, target = SCHEMA_VERSION): number {
  db.transaction(() => {
    const from = schemaVersion(db);
    if (from > SCHEMA_VERSION)
      throw new ParameterError('the project store is newer than this spincell', {
        file: db.name,
        field: 'user_version',
        found: from,
        expected: `≤ ${SCHEMA_VERSION} (upgrade spincell)`,
      });
    for (const m of MIGRATIONS) {
      if (m.version <= from || m.version > target) continue;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
  return schemaVersion(db);
}

/** A database file at an older schema version (for migration tests and tools). */
export function createAtVersion(path: string, version: number): Db {
  const db = connect(path, false);
  migrate(db, version);
  return db;
}

/** Canonical JSON: object keys sorted, no whitespace, so equal settings hash equally. */
export function canonicalJson(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = norm(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(norm(value));
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface CampaignRow {
  id: number;
  name: string;
  notes: string | null;
  created_at: string;
}

export interface CellInfo {
  readonly chemistry?: string;
  readonly electrodes?: string;
  readonly electrolyte?: string;
  readonly areaCm2?: number;
  readonly replicateGroup?: string;
  readonly notes?: string;
}

export interface CellRow {
  id: number;
  campaign_id: number;
  campaign: string;
  name: string;
  chemistry: string | null;
  electrodes: string | null;
  electrolyte: string | null;
  area_cm2: number | null;
  replicate_group: string | null;
  notes: string | null;
  created_at: string;
}

export interface RunSummary {
  id: number;
  experiment_id: number;
  experiment: string;
  manifest_path: string;
  cell: string | null;
  campaign: string | null;
  status: string;
  spincell_version: string;
  started_at: string;
  finished_at: string;
  stored_at: string;
  output_dir: string | null;
  manifest_hash: string;
  inputs_hash: string;
}

export interface InputCheck {
  readonly path: string;
  /** unchanged; touched: mtime differs, content equal; changed: content differs; missing. */
  readonly state: 'unchanged' | 'touched' | 'changed' | 'missing';
  readonly storedSha256: string;
  readonly sha256: string | null;
}

/** A project store open on one folder. Close it when done. */
export class ProjectStore {
  readonly dir: string;
  readonly db: Db;

  private constructor(dir: string, db: Db) {
    this.dir = dir;
    this.db = db;
  }

  /** Creates the folder and the database when missing (an existing store is opened and migrated). */
  static init(dir: string): ProjectStore {
    const abs = resolve(dir);
    try {
      mkdirSync(abs, { recursive: true });
    } catch (cause) {
      throw new ParameterError('cannot create the project folder', { file: dir, cause });
    }
    if (!statSync(abs).isDirectory())
      throw new ParameterError('the project path is a file', { file: dir, expected: 'a folder' });
    const db = connect(join(abs, DB_NAME), false);
    migrate(db);
    return new ProjectStore(abs, db);
  }

  /** Opens an existing project (migrating it forward); refuses a folder without a store. */
  static open(dir: string): ProjectStore {
    const abs = resolve(dir);
    const path = join(abs, DB_NAME);
    if (!existsSync(path))
      throw new MissingFileError('not a spincell project', {
        file: dir,
        field: DB_NAME,
        found: 'no store',
        expected: `a folder made by spincell project init ${dir}`,
      });
    const db = connect(path, true);
    migrate(db);
    return new ProjectStore(abs, db);
  }

  close(): void {
    this.db.close();
  }

  get version(): number {
    return schemaVersion(this.db);
  }

  /** The campaign's id, creating it when missing. */
  ensureCampaign(name: string): number {
    const now = new Date().toISOString();
    this.db
      .prepare('INSERT INTO campaigns (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING')
      .run(name, now);
    return (this.db.prepare('SELECT id FROM campaigns WHERE name = ?').get(name) as { id: number }).id;
  }

  campaigns(): (CampaignRow & { cells: number; runs: number })[] {
    return this.db
      .prepare(
        `SELECT c.*, (SELECT count(*) FROM cells WHERE campaign_id = c.id) AS cells,
           (SELECT count(*) FROM runs r JOIN experiments e ON e.id = r.experiment_id
              JOIN cells l ON l.id = e.cell_id WHERE l.campaign_id = c.id) AS runs
         FROM campaigns c ORDER BY c.name`,
      )
      .all() as (CampaignRow & { cells: number; runs: number })[];
  }

  /** Adds a cell (and its campaign when new); refuses a name already used in the campaign. */
  addCell(campaign: string, name: string, info: CellInfo = {}): CellRow {
    return this.db
      .transaction(() => {
        const campaignId = this.ensureCampaign(campaign);
        const exists = this.db
          .prepare('SELECT 1 FROM cells WHERE campaign_id = ? AND name = ?')
          .get(campaignId, name);
        if (exists)
          throw new UsageError('the campaign already has a cell of that name', {
            field: '--cell',
            found: name,
            expected: `a name not yet used in campaign ${campaign}`,
          });
        this.db
          .prepare(
            `INSERT INTO cells (campaign_id, name, chemistry, electrodes, electrolyte, area_cm2, replicate_group, notes, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            campaignId,
            name,
            info.chemistry ?? null,
            info.electrodes ?? null,
            info.electrolyte ?? null,
            info.areaCm2 ?? null,
            info.replicateGroup ?? null,
            info.notes ?? null,
            new Date().toISOString(),
          );
        return this.cell(campaign, name) as CellRow;
      })
      .immediate();
  }

  cell(campaign: string, name: string): CellRow | null {
    return (
      (this.db
        .prepare(
          `SELECT l.*, c.name AS campaign FROM cells l JOIN campaigns c ON c.id = l.campaign_id
           WHERE c.name = ? AND l.name = ?`,
        )
        .get(campaign, name) as CellRow | undefined) ?? null
    );
  }

  /** The cell, or a one-line error naming what exists. */
  requireCell(campaign: string, name: string): CellRow {
    const cell = this.cell(campaign, name);
    if (cell) return cell;
    const names = this.cells({ campaign }).map((c) => c.name);
    throw new UsageError('no such cell in the project', {
      file: this.dir,
      field: '--cell',
      found: `${campaign}/${name}`,
      expected:
        names.length > 0
          ? `one of ${names.join(', ')} (or spincell project add-cell)`
          : `a cell added with spincell project add-cell ${this.dir} --campaign ${campaign} --cell ${name}`,
    });
  }

  cells(filter: { campaign?: string; group?: string } = {}): CellRow[] {
    return this.db
      .prepare(
        `SELECT l.*, c.name AS campaign FROM cells l JOIN campaigns c ON c.id = l.campaign_id
         WHERE (@campaign IS NULL OR c.name = @campaign) AND (@grp IS NULL OR l.replicate_group = @grp)
         ORDER BY c.name, l.name`,
      )
      .all({ campaign: filter.campaign ?? null, grp: filter.group ?? null }) as CellRow[];
  }

  runs(filter: { campaign?: string; cell?: string } = {}): RunSummary[] {
    return this.db
      .prepare(
        `${RUN_SELECT} WHERE (@campaign IS NULL OR c.name = @campaign) AND (@cell IS NULL OR l.name = @cell)
         ORDER BY r.id`,
      )
      .all({ campaign: filter.campaign ?? null, cell: filter.cell ?? null }) as RunSummary[];
  }

  run(id: number): RunSummary | null {
    return (this.db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(id) as RunSummary | undefined) ?? null;
  }

  requireRun(id: number): RunSummary {
    const run = this.run(id);
    if (run) return run;
    throw new UsageError('no such run in the project', {
      file: this.dir,
      field: '--run',
      found: id,
      expected: 'a run id listed by spincell project list',
    });
  }

  /** The run's resolved manifest, provenance and timings as stored. */
  runDetails(id: number): { manifest: unknown; provenance: unknown; timings: Record<string, number> } {
    const r = this.db
      .prepare('SELECT manifest_json, provenance_json, timings_json FROM runs WHERE id = ?')
      .get(id) as { manifest_json: string; provenance_json: string; timings_json: string } | undefined;
    if (!r) this.requireRun(id);
    const row = r as NonNullable<typeof r>;
    return {
      manifest: JSON.parse(row.manifest_json),
      provenance: JSON.parse(row.provenance_json),
      timings: JSON.parse(row.timings_json) as Record<string, number>,
    };
  }

  /** Row counts of the run's result tables. */
  resultCounts(id: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const t of RESULT_TABLES)
      out[t] = (
        this.db.prepare(`SELECT count(*) AS n FROM ${t} WHERE run_id = ?`).get(id) as { n: number }
      ).n;
    return out;
  }

  /** Compares the run's inputs with the files as they are now (size and mtime first, SHA-256 when they differ). */
  checkInputs(id: number): InputCheck[] {
    const rows = this.db
      .prepare('SELECT path, bytes, mtime_ms, sha256 FROM inputs WHERE run_id = ? ORDER BY path')
      .all(id) as {
      path: string;
      bytes: number;
      mtime_ms: number;
      sha256: string;
    }[];
    return rows.map((r) => {
      let st;
      try {
        st = statSync(r.path);
      } catch {
        return { path: r.path, state: 'missing', storedSha256: r.sha256, sha256: null };
      }
      if (st.size === r.bytes && st.mtimeMs === r.mtime_ms)
        return { path: r.path, state: 'unchanged', storedSha256: r.sha256, sha256: r.sha256 };
      const now = fileSha256(r.path);
      return {
        path: r.path,
        state: now === r.sha256 ? 'touched' : 'changed',
        storedSha256: r.sha256,
        sha256: now,
      };
    });
  }
}

export function fileSha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const RUN_SELECT = `SELECT r.id, r.experiment_id, e.name AS experiment, e.manifest_path, l.name AS cell, c.name AS campaign,
  r.status, r.spincell_version, r.started_at, r.finished_at, r.stored_at, r.output_dir, r.manifest_hash, r.inputs_hash
  FROM runs r JOIN experiments e ON e.id = r.experiment_id
  LEFT JOIN cells l ON l.id = e.cell_id LEFT JOIN campaigns c ON c.id = l.campaign_id`;

/** Tables holding one run's results (each has a run_id column). */
export const RESULT_TABLES = [
  'inputs',
  'spectra',
  'integrals',
  'morphology',
  'alignment',
  'cycles',
  'impedance',
  'drt_windows',
  'dead_lithium',
] as const;
export type ResultTable = (typeof RESULT_TABLES)[number];
