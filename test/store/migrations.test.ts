/**
 * Schema migrations: a store at every older version (0 = an empty database file) opens at the current
 * version with the same schema a fresh store has, keeps its data, and a store newer than this spincell
 * is refused with one line.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createAtVersion,
  DB_NAME,
  type Db,
  MIGRATIONS,
  ProjectStore,
  SCHEMA_VERSION,
} from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function schema(db: Db): string[] {
  return (
    db
      .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
      .all() as {
      type: string;
      name: string;
      sql: string;
    }[]
  ).map((r) => `${r.type} ${r.name}: ${r.sql}`);
}

describe('project store migrations', () => {
  it('numbers the migrations 1, 2, … in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
  });

  const fresh = (() => {
    const s = ProjectStore.init(join(dir, 'fresh'));
    const out = schema(s.db);
    s.close();
    return out;
  })();

  for (let v = 0; v < SCHEMA_VERSION; v++) {
    it(`migrates a version ${v} store forward to version ${SCHEMA_VERSION}, keeping its data`, () => {
      const folder = join(dir, `v${v}`);
      mkdirSync(folder);
      const old = createAtVersion(join(folder, DB_NAME), v);
      expect(old.pragma('user_version', { simple: true })).toBe(v);
      if (v >= 1) {
        old.prepare("INSERT INTO campaigns (name, created_at) VALUES ('old', '2026-01-01T00:00:00Z')").run();
        old
          .prepare(
            "INSERT INTO cells (campaign_id, name, replicate_group, created_at) VALUES (1, 'c1', 'g', '2026-01-01T00:00:00Z')",
          )
          .run();
      }
      old.close();
      const s = ProjectStore.open(folder);
      try {
        expect(s.version).toBe(SCHEMA_VERSION);
        expect(schema(s.db)).toEqual(fresh);
        if (v >= 1)
          expect(s.cells().map((c) => `${c.campaign}/${c.name}/${c.replicate_group}`)).toEqual(['old/c1/g']);
        expect(s.db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
      } finally {
        s.close();
      }
    });
  }

  it('version 4 keeps the status of stored runs and allows live runs, nothing else', () => {
    const folder = join(dir, 'v3-runs');
    mkdirSync(folder);
    const old = createAtVersion(join(folder, DB_NAME), 3);
    old
      .prepare(
        "INSERT INTO experiments (name, kind, manifest_path, paths_json, created_at) VALUES ('e', 'nmr', '/m.json', '{}', 't')",
      )
      .run();
    const run = old.prepare(
      `INSERT INTO runs (experiment_id, manifest_hash, inputs_hash, manifest_json, spincell_version, provenance_json,
         status, error, started_at, finished_at, stored_at, timings_json) VALUES (1, 'h', 'i', '{}', '0', '{}', ?, ?, 't', 't', 't', '{}')`,
    );
    run.run('complete', null);
    run.run('failed', 'disk full');
    old.close();
    const s = ProjectStore.open(folder);
    try {
      expect(s.db.prepare('SELECT id, status, error FROM runs ORDER BY id').all()).toEqual([
        { id: 1, status: 'complete', error: null },
        { id: 2, status: 'failed', error: 'disk full' },
      ]);
      s.db.prepare("UPDATE runs SET status = 'live' WHERE id = 1").run();
      expect(() => s.db.prepare("UPDATE runs SET status = 'paused' WHERE id = 1").run()).toThrow(/CHECK/);
    } finally {
      s.close();
    }
  });

  it('refuses a store newer than this spincell', () => {
    const folder = join(dir, 'newer');
    const s = ProjectStore.init(folder);
    s.db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    s.close();
    expect(() => ProjectStore.open(folder)).toThrow(/newer than this spincell; found \d+; expected ≤/);
  });
});
