/**
 * Shared by the live-mode tests: the reference (`spincell run --project` on the finished files, through
 * the same library calls the run command makes), every stored result table of a run read back in a
 * canonical order, and SHA-256 of every raw file of a simulated experiment.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { ProjectStore, RESULT_TABLES } from '../../src/store/index.js';

/** Every table holding a run's results (the spectrum drawing and the cycler record included). */
export const LIVE_TABLES = [...RESULT_TABLES, 'spectrum_data', 'cycler_series'] as const;

/** Rows of each result table of a run, without run_id, sorted by every column. */
export function runTables(project: string, runId: number): Record<string, unknown[]> {
  const s = ProjectStore.open(project);
  try {
    const out: Record<string, unknown[]> = {};
    for (const t of LIVE_TABLES) {
      const cols = (s.db.prepare(`SELECT name FROM pragma_table_info(?)`).all(t) as { name: string }[])
        .map((c) => c.name)
        .filter((c) => c !== 'run_id');
      out[t] = s.db
        .prepare(`SELECT ${cols.join(', ')} FROM ${t} WHERE run_id = ? ORDER BY ${cols.join(', ')}`)
        .all(runId);
    }
    return out;
  } finally {
    s.close();
  }
}

export function runRow(project: string, runId: number): Record<string, unknown> {
  const s = ProjectStore.open(project);
  try {
    return s.db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as Record<string, unknown>;
  } finally {
    s.close();
  }
}

/** SHA-256 of every file below `dir` (relative path → hash). */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) walk(p, r);
      else out[r] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

/** SHA-256 of the raw files of a live simulation: its Bruker series, cycler and impedance exports. */
export function hashRaw(simDir: string): Record<string, string> {
  const mpt = createHash('sha256')
    .update(readFileSync(join(simDir, 'cycler.mpt')))
    .digest('hex');
  const out: Record<string, string> = { ...hashTree(join(simDir, 'series')), 'cycler.mpt': mpt };
  for (const name of readdirSync(simDir).filter((n) => /^eis-\d+\.mpt$/.test(n)))
    out[name] = createHash('sha256')
      .update(readFileSync(join(simDir, name)))
      .digest('hex');
  return out;
}

/**
 * `spincell run --project` on the finished files with a copy of the manifest writing to its own output
 * folder (in-process, as the CLI tests do); returns the stored run's id.
 */
export async function referenceRun(simDir: string, project: string): Promise<number> {
  const manifest = JSON.parse(readFileSync(join(simDir, 'manifest.json'), 'utf8')) as {
    output: { dir: string };
  };
  const copy = join(simDir, 'manifest-run.json');
  writeFileSync(copy, JSON.stringify({ ...manifest, output: { dir: 'results-run' } }));
  const out = process.stdout.write.bind(process.stdout);
  let stdout = '';
  process.stdout.write = ((c: string | Uint8Array) => {
    stdout += String(c);
    return true;
  }) as typeof process.stdout.write;
  let code: number;
  try {
    code = await runCli(['--json', 'run', copy, '--project', project]);
  } finally {
    process.stdout.write = out;
    process.exitCode = undefined;
  }
  if (code !== 0) throw new Error(`reference run failed (${code}): ${stdout}`);
  return (JSON.parse(stdout) as { run: number }).run;
}

/** The CSV tables of an output folder (report and provenance carry times and are left out). */
export function outputTables(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort())
    if (name.endsWith('.csv')) out[name] = readFileSync(join(dir, name), 'utf8');
  return out;
}
