/**
 * `spincell project …`: the project store (src/store/) from the command line — init, add-cell, list,
 * show, export and compare — and the glue `spincell run --project` uses (cache lookup before the run,
 * one transaction storing it after).
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { formatCsv } from '../../io/csv/index.js';
import type { Manifest, ProgressEvent, RunResult } from '../../pipeline/index.js';
import {
  type CellRow,
  compareConditions,
  compareGroup,
  type ConditionRow,
  EXPORT_TABLES,
  exportTable,
  findCachedRun,
  ProjectStore,
  QUANTITIES,
  runKey,
  type RunKey,
  type RunSummary,
  storeFailedRun,
  storeRun,
} from '../../store/index.js';
import {
  action,
  checkOutputFile,
  fmt,
  type GlobalOptions,
  parseNumberOption,
  printJson,
  printTable,
  writeOutputFile,
} from '../common.js';

const jsonOf = (command: Command) => Boolean((command.optsWithGlobals() as GlobalOptions).json);

function parseRunId(value: string): number {
  const id = parseNumberOption('--run', value);
  if (!Number.isInteger(id) || id < 1)
    throw new UsageError('not a run id', { field: '--run', found: value, expected: 'a positive integer' });
  return id;
}

/** Flags of `spincell run` that concern the project store. */
export interface RunProjectFlags {
  project?: string;
  campaign?: string;
  cell?: string;
  force?: boolean;
}

/** Seconds spent in each pipeline stage, from its progress events. */
export function stageTimer(): {
  onProgress: (e: ProgressEvent) => void;
  timings: () => Record<string, number>;
} {
  const t0 = performance.now();
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  let prev = t0;
  return {
    onProgress(e) {
      const now = performance.now();
      if (!first.has(e.stage)) first.set(e.stage, prev);
      last.set(e.stage, now);
      prev = now;
    },
    timings() {
      const out: Record<string, number> = {};
      for (const [stage, start] of first) out[stage] = ((last.get(stage) ?? start) - start) / 1000;
      out.total = (performance.now() - t0) / 1000;
      return out;
    },
  };
}

/** An open project for one `run`: the cached run (if any) and how to store a fresh one. */
export interface RunProject {
  readonly cached: RunSummary | null;
  /** The run's cache key: its inputs are hashed once, for the key and the provenance alike. */
  readonly key: RunKey;
  store(result: RunResult, timings: Record<string, number>): number;
  /** Records that the run failed (the error is rethrown by the caller). */
  fail(error: unknown, startedAt: string, timings: Record<string, number>): number;
  close(): void;
}

export function openRunProject(
  flags: RunProjectFlags,
  manifest: Manifest,
  manifestPath: string,
): RunProject | null {
  if (flags.project === undefined) {
    if (flags.cell !== undefined || flags.campaign !== undefined)
      throw new UsageError('--campaign and --cell apply to runs stored in a project', {
        field: flags.cell !== undefined ? '--cell' : '--campaign',
        expected: '--project DIR as well',
      });
    return null;
  }
  if ((flags.cell === undefined) !== (flags.campaign === undefined))
    throw new UsageError('a cell is named by its campaign and its name', {
      field: flags.cell === undefined ? '--cell' : '--campaign',
      expected: '--campaign NAME --cell NAME together',
    });
  const project = ProjectStore.open(flags.project);
  try {
    const cell: CellRow | null =
      flags.cell !== undefined ? project.requireCell(flags.campaign as string, flags.cell) : null;
    const key: RunKey = runKey(manifest, manifestPath);
    const hit = flags.force ? null : findCachedRun(project, key, cell);
    // A stored run whose output files are gone (deleted, or another output.dir) is recomputed.
    const cached = hit && outputsPresent(project, hit) ? hit : null;
    return {
      cached,
      key,
      store: (result, timings) =>
        storeRun(project, {
          key,
          cell,
          provenance: result.provenance,
          results: result.results,
          outputDir: result.outputDir,
          timings,
        }),
      fail: (error, startedAt, timings) => storeFailedRun(project, key, cell, error, startedAt, timings),
      close: () => project.close(),
    };
  } catch (e) {
    project.close();
    throw e;
  }
}

/** Every file the run wrote (its provenance lists them) is still in its output folder. */
function outputsPresent(project: ProjectStore, run: RunSummary): boolean {
  if (run.output_dir === null) return false;
  const outputs = (project.runDetails(run.id).provenance as { outputs?: string[] }).outputs ?? [];
  return outputs.every((name) => existsSync(join(run.output_dir as string, name)));
}

function withStore<T>(dir: string, fn: (s: ProjectStore) => T): T {
  const store = ProjectStore.open(dir);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

interface AddCellFlags {
  campaign: string;
  cell: string;
  chemistry?: string;
  electrodes?: string;
  electrolyte?: string;
  areaCm2?: string;
  replicateGroup?: string;
  notes?: string;
}

interface ExportFlags {
  table: string;
  campaign?: string;
  cell?: string;
  experiment?: string;
  run?: string;
  format?: string;
  out?: string;
}

function registerInit(project: Command): void {
  project
    .command('init <dir>')
    .description('create a project folder holding spincell.db (an existing project is left as it is)')
    .action(
      action((dir: string, _flags: unknown, command: Command) => {
        const store = ProjectStore.init(dir);
        const version = store.version;
        store.close();
        if (jsonOf(command)) printJson({ project: store.dir, schemaVersion: version });
        else process.stdout.write(`project ${dir}: store spincell.db, schema version ${version}\n`);
      }),
    );
}

function registerAddCell(project: Command): void {
  project
    .command('add-cell <dir>')
    .description('add a cell to a campaign (the campaign is created when new)')
    .requiredOption('--campaign <name>', 'campaign the cell belongs to')
    .requiredOption('--cell <name>', 'cell name, unique in its campaign')
    .option('--chemistry <text>', 'e.g. Li||NMC622')
    .option('--electrodes <text>', 'electrodes, e.g. "Li 50 um | Cu"')
    .option('--electrolyte <text>', 'e.g. "1 M LiPF6 EC:DMC"')
    .option('--area-cm2 <area>', 'electrode area, cm²')
    .option('--replicate-group <name>', 'cells of one group are compared by project compare')
    .option('--notes <text>', 'free text')
    .action(
      action((dir: string, flags: AddCellFlags, command: Command) => {
        let areaCm2: number | undefined;
        if (flags.areaCm2 !== undefined) {
          areaCm2 = parseNumberOption('--area-cm2', flags.areaCm2);
          if (!(areaCm2 > 0))
            throw new UsageError('area must be positive', {
              field: '--area-cm2',
              found: flags.areaCm2,
              expected: '> 0 cm²',
            });
        }
        const cell = withStore(dir, (s) =>
          s.addCell(flags.campaign, flags.cell, {
            chemistry: flags.chemistry,
            electrodes: flags.electrodes,
            electrolyte: flags.electrolyte,
            areaCm2,
            replicateGroup: flags.replicateGroup,
            notes: flags.notes,
          }),
        );
        if (jsonOf(command)) printJson(cell);
        else process.stdout.write(`cell ${cell.campaign}/${cell.name} added (id ${cell.id})\n`);
      }),
    );
}

function registerList(project: Command): void {
  project
    .command('list <dir>')
    .description('campaigns, cells and runs of a project')
    .action(
      action((dir: string, _flags: unknown, command: Command) => {
        const { cells, runs } = withStore(dir, (s) => ({ cells: s.cells(), runs: s.runs() }));
        if (jsonOf(command)) {
          printJson({ cells, runs });
          return;
        }
        process.stdout.write(`cells (${cells.length})\n`);
        printTable(
          ['campaign', 'cell', 'chemistry', 'area_cm2', 'group'],
          cells.map((c) => [
            c.campaign,
            c.name,
            c.chemistry,
            c.area_cm2 === null ? null : String(c.area_cm2),
            c.replicate_group,
          ]),
        );
        process.stdout.write(`runs (${runs.length})\n`);
        printTable(
          ['run', 'campaign', 'cell', 'experiment', 'status', 'finished', 'spincell'],
          runs.map((r) => [
            String(r.id),
            r.campaign,
            r.cell,
            r.experiment,
            r.status,
            r.finished_at,
            r.spincell_version,
          ]),
        );
      }),
    );
}

function registerShow(project: Command): void {
  project
    .command('show <dir>')
    .description(
      'one run (default: the newest): manifest, timings, result tables and whether its inputs changed',
    )
    .option('--run <id>', 'run id (see project list)')
    .action(
      action((dir: string, flags: { run?: string }, command: Command) => {
        const doc = withStore(dir, (s) => {
          let id: number;
          if (flags.run !== undefined) id = s.requireRun(parseRunId(flags.run)).id;
          else {
            const runs = s.runs();
            if (runs.length === 0)
              throw new UsageError('the project has no runs yet', {
                file: dir,
                expected: `spincell run manifest.json --project ${dir}`,
              });
            id = runs[runs.length - 1].id;
          }
          const run = s.requireRun(id);
          const details = s.runDetails(id);
          return {
            run,
            timings: details.timings,
            manifest: details.manifest,
            tables: s.resultCounts(id),
            inputs: s.checkInputs(id),
          };
        });
        if (jsonOf(command)) {
          printJson(doc);
          return;
        }
        const r = doc.run;
        process.stdout.write(
          `run ${r.id}: ${r.experiment} (${r.campaign ? `${r.campaign}/${r.cell}` : 'no cell'}), ${r.status}, ` +
            `spincell ${r.spincell_version}, ${r.started_at} → ${r.finished_at}\n` +
            `manifest ${r.manifest_path} (settings ${r.manifest_hash.slice(0, 12)}, inputs ${r.inputs_hash.slice(0, 12)})\n`,
        );
        printTable(
          ['table', 'rows'],
          Object.entries(doc.tables).map(([t, k]) => [t, String(k)]),
        );
        printTable(
          ['stage', 'seconds'],
          Object.entries(doc.timings).map(([k, v]) => [k, fmt(v, 3)]),
        );
        const changed = doc.inputs.filter((i) => i.state === 'changed' || i.state === 'missing');
        process.stdout.write(
          changed.length === 0
            ? `inputs: ${doc.inputs.length} files, none changed since the run\n`
            : `inputs: ${changed.length} of ${doc.inputs.length} files changed since the run:\n` +
                changed.map((i) => `  ${i.state}: ${i.path}\n`).join(''),
        );
      }),
    );
}

function registerExport(project: Command): void {
  project
    .command('export <dir>')
    .description('one table of the store as CSV or JSON, filtered by campaign, cell, experiment or run')
    .requiredOption('--table <name>', EXPORT_TABLES.join(', '))
    .option('--campaign <name>', 'only this campaign')
    .option('--cell <name>', 'only cells of this name')
    .option('--experiment <name>', 'only experiments of this name (the manifest name)')
    .option('--run <id>', 'only this run')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(
      action((dir: string, flags: ExportFlags) => {
        const format = (flags.format ?? 'csv').toLowerCase();
        if (format !== 'csv' && format !== 'json')
          throw new UsageError('unknown format', {
            field: '--format',
            found: flags.format,
            expected: 'csv or json',
          });
        if (flags.out !== undefined) checkOutputFile('--out', flags.out, 'integrals.csv');
        const t = withStore(dir, (s) =>
          exportTable(s, flags.table, {
            campaign: flags.campaign,
            cell: flags.cell,
            experiment: flags.experiment,
            run: flags.run !== undefined ? parseRunId(flags.run) : undefined,
          }),
        );
        const text =
          format === 'json'
            ? `${JSON.stringify(t.rows, null, 2)}\n`
            : formatCsv(
                t.columns,
                t.rows.map((r) => t.columns.map((c) => r[c])),
              );
        if (flags.out !== undefined) {
          writeOutputFile('--out', flags.out, text);
          process.stderr.write(`${t.rows.length} rows of ${flags.table} written to ${flags.out}\n`);
        } else process.stdout.write(text);
      }),
    );
}

function registerCompare(project: Command): void {
  project
    .command('compare <dir>')
    .description(
      "a quantity across a replicate group's cells (their newest runs): mean ± sd per key; with --versus, two groups and their difference",
    )
    .requiredOption('--group <name>', 'replicate group (project add-cell --replicate-group)')
    .requiredOption(
      '--quantity <name>',
      Object.entries(QUANTITIES)
        .map(([k, q]) => `${k} (${q.description})`)
        .join('; '),
    )
    .option(
      '--versus <name>',
      "a second group: per key the difference (versus − group) with Welch's standard error, 95 % interval and p",
    )
    .action(
      action((dir: string, flags: { group: string; quantity: string; versus?: string }, command: Command) => {
        if (flags.versus !== undefined) {
          const versus = flags.versus;
          const c = withStore(dir, (s) => compareConditions(s, flags.group, versus, flags.quantity));
          if (jsonOf(command)) {
            printJson(c);
            return;
          }
          process.stdout.write(
            `${c.quantity}: ${versus} − ${flags.group} (Welch, ${100 * c.level} % interval)\n`,
          );
          const ms = (x: ConditionRow['a']) =>
            x === null ? '' : `${fmt(x.mean, 5)}${x.sd === null ? '' : ` ± ${fmt(x.sd, 3)}`} (n ${x.n})`;
          printTable(
            [c.keyName, flags.group, versus, 'difference', 'se', 'interval', 'p'],
            c.rows.map((r) => [
              String(r.key),
              ms(r.a),
              ms(r.b),
              r.difference ? fmt(r.difference.difference, 4) : '',
              r.difference ? fmt(r.difference.standardError, 3) : '',
              r.difference ? `${fmt(r.difference.interval[0], 4)} … ${fmt(r.difference.interval[1], 4)}` : '',
              r.difference ? fmt(r.difference.p, 3) : '',
            ]),
          );
          return;
        }
        const c = withStore(dir, (s) => compareGroup(s, flags.group, flags.quantity));
        if (jsonOf(command)) {
          printJson(c);
          return;
        }
        const missing = c.cells.filter((x) => x.run === null);
        process.stdout.write(
          `${c.quantity} across group ${c.group}: ${c.cells.length - missing.length} cells with runs` +
            (missing.length > 0 ? ` (no run yet: ${missing.map((x) => x.cell).join(', ')})` : '') +
            '\n',
        );
        printTable(
          [c.keyName, 'n', 'mean', 'sd'],
          c.rows.map((r) => [String(r.key), String(r.n), fmt(r.mean, 5), r.sd === null ? '' : fmt(r.sd, 3)]),
        );
      }),
    );
}

export function registerProject(program: Command): void {
  const project = program
    .command('project')
    .description('project store: campaigns, cells, stored runs and their result tables (spincell.db)');
  registerInit(project);
  registerAddCell(project);
  registerList(project);
  registerShow(project);
  registerExport(project);
  registerCompare(project);
}
