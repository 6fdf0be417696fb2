/**
 * Two conditions compared across their replicate cells (`project compare --group A --versus B`): per key
 * each group's mean ± sd over its cells' newest complete runs and Welch's difference, checked against
 * scipy.stats.ttest_ind(b, a, equal_var=False) on the same replicate values (the Coulombic efficiency of
 * cycle 1 of four bare-copper and three coated-copper cells, test/fixtures/student-scipy.json’s sets).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareConditions, ProjectStore } from '../../src/store/index.js';
import { cli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-conditions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ref = JSON.parse(readFileSync(new URL('../fixtures/student-scipy.json', import.meta.url), 'utf8')) as {
  welch: { a: number[]; b: number[]; t: number; p: number; df: number; ci: [number, number] };
};

/** One complete run per cell with one cycle whose Coulombic efficiency is given (SQL: the query is under test). */
function seed(store: ProjectStore, group: string, prefix: string, ce: number[]): void {
  ce.forEach((v, i) => {
    const cell = store.addCell('c', `${prefix}${i + 1}`, { replicateGroup: group });
    const e = store.db
      .prepare(
        "INSERT INTO experiments (cell_id, name, kind, manifest_path, paths_json, created_at) VALUES (?, 'e', 'cycler', ?, '{}', 't')",
      )
      .run(cell.id, `/m/${prefix}${i}.json`).lastInsertRowid;
    const r = store.db
      .prepare(
        `INSERT INTO runs (experiment_id, manifest_hash, inputs_hash, manifest_json, spincell_version, provenance_json,
          status, started_at, finished_at, stored_at, timings_json) VALUES (?, 'h', 'i', '{}', '0', '{}', 'complete', 't', 't', 't', '{}')`,
      )
      .run(e).lastInsertRowid;
    store.db
      .prepare(
        `INSERT INTO cycles (run_id, cycle, start_s, end_s, charge_mah, discharge_mah, coulombic_efficiency, complete)
         VALUES (?, 1, 0, 1, 1, ?, ?, 1)`,
      )
      .run(r, v, v);
  });
}

describe('comparing two conditions', () => {
  const project = join(dir, 'p');
  beforeAll(() => {
    const s = ProjectStore.init(project);
    try {
      seed(s, 'bare', 'A', ref.welch.a);
      seed(s, 'coated', 'B', ref.welch.b);
    } finally {
      s.close();
    }
  });

  it('gives Welch’s difference as scipy does', () => {
    const s = ProjectStore.open(project);
    try {
      const c = compareConditions(s, 'bare', 'coated', 'ce');
      expect(c.rows).toHaveLength(1);
      const d = c.rows[0].difference;
      expect(c.rows[0].a?.n).toBe(ref.welch.a.length);
      expect(c.rows[0].b?.n).toBe(ref.welch.b.length);
      expect(d).not.toBeNull();
      if (!d) return;
      expect(d.difference / d.standardError).toBeCloseTo(ref.welch.t, 10);
      expect(d.df).toBeCloseTo(ref.welch.df, 10);
      expect(d.p).toBeCloseTo(ref.welch.p, 10);
      expect(d.interval[0]).toBeCloseTo(ref.welch.ci[0], 10);
      expect(d.interval[1]).toBeCloseTo(ref.welch.ci[1], 10);
    } finally {
      s.close();
    }
  });

  it('prints it from the CLI, and names an unknown group in one line', async () => {
    const r = await cli([
      'project',
      'compare',
      project,
      '--group',
      'bare',
      '--quantity',
      'ce',
      '--versus',
      'coated',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ce: coated − bare/);
    expect(r.stdout).toMatch(/\(n 3\)/);
    const bad = await cli([
      'project',
      'compare',
      project,
      '--group',
      'bare',
      '--quantity',
      'ce',
      '--versus',
      'nope',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/nope/);
  });
});
