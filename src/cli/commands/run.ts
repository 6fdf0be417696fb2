/**
 * `spincell run <manifest.json>`: runs an experiment manifest (src/pipeline/) and prints what it wrote;
 * `spincell run --example` prints a manifest for the demo's files.
 */
import type { Command } from 'commander';
import { relative } from 'node:path';
import { UsageError } from '../../core/errors.js';
import {
  exampleManifest,
  formatManifest,
  readManifest,
  runManifest,
  type ProgressEvent,
} from '../../pipeline/index.js';
import { openRunProject, type RunProjectFlags, stageTimer } from './project.js';
import { action, type GlobalOptions, printJson, printTable, progress, type Progress } from '../common.js';

interface RunFlags extends RunProjectFlags {
  example?: boolean;
  force?: boolean;
}

/** One progress bar per stage, on a terminal only. */
function progressBars(json: boolean): { onProgress: (e: ProgressEvent) => void; stop: () => void } {
  let stage = '';
  let done = 0;
  let bar: Progress | null = null;
  return {
    onProgress(e) {
      if (e.stage !== stage) {
        bar?.stop();
        stage = e.stage;
        done = 0;
        bar = progress(e.total, `run: ${e.stage}`, json);
      }
      for (; done < e.done; done++) bar?.tick();
    },
    stop() {
      bar?.stop();
    },
  };
}

export function registerRun(program: Command): void {
  program
    .command('run [manifest]')
    .description(
      'process an experiment described by a manifest (JSON): NMR series, cycler, impedance → tables, report, provenance',
    )
    .option('--example', 'print an example manifest for the demo files (demo-output/) and exit')
    .option(
      '--project <dir>',
      'store the run in this project (spincell project init); unchanged inputs and settings: cache hit',
    )
    .option('--campaign <name>', 'with --project: the campaign of the cell the run belongs to')
    .option('--cell <name>', 'with --project: the cell the run belongs to (spincell project add-cell)')
    .option(
      '--force',
      "replace spincell's earlier results in output.dir even if they were changed since; with --project, recompute even when a stored run matches",
    )
    .action(
      action((manifestPath: string | undefined, flags: RunFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        if (flags.example) {
          process.stdout.write(formatManifest(exampleManifest()));
          return;
        }
        if (manifestPath === undefined)
          throw new UsageError('a manifest is needed', {
            field: '<manifest>',
            expected: 'a JSON file, e.g. spincell run --example > experiment.json',
          });
        const manifest = readManifest(manifestPath);
        // Project store: a stored run with the same inputs (SHA-256), settings and version is reused.
        const project = openRunProject(flags, manifest, manifestPath);
        if (project?.cached) {
          const c = project.cached;
          project.close();
          if (json)
            printJson({
              manifest: manifestPath,
              name: manifest.name,
              cached: true,
              run: c.id,
              outputDir: c.output_dir,
            });
          else
            process.stdout.write(
              `${manifest.name}: cache hit, nothing recomputed (run ${c.id} in ${flags.project}, same inputs and settings; --force to recompute)\n`,
            );
          return;
        }
        const bars = progressBars(json);
        const timer = stageTimer();
        let result;
        let runId: number | undefined;
        const startedAt = new Date().toISOString();
        try {
          try {
            result = runManifest(manifest, {
              manifestPath,
              onProgress: (e) => {
                bars.onProgress(e);
                timer.onProgress(e);
              },
              force: Boolean(flags.force),
              ...(project ? { hashedInputs: project.key.inputs } : {}),
            });
          } catch (e) {
            project?.fail(e, startedAt, timer.timings());
            throw e;
          }
          runId = project?.store(result, timer.timings());
        } finally {
          bars.stop();
          project?.close();
        }
        for (const message of result.warnings) process.stderr.write(`${message}\n`);
        if (json) {
          printJson({
            manifest: manifestPath,
            name: manifest.name,
            outputDir: result.outputDir,
            outputs: result.outputs,
            warnings: result.warnings,
            inputs: result.provenance.inputs.length,
            startedAt: result.provenance.startedAt,
            finishedAt: result.provenance.finishedAt,
            ...(runId !== undefined ? { cached: false, run: runId, project: flags.project } : {}),
          });
          return;
        }
        const shown = (p: string) => relative(process.cwd(), p) || '.';
        printTable(
          ['file', 'rows', 'content'],
          result.outputs.map((o) => [shown(o.path), o.rows === null ? '' : String(o.rows), o.description]),
        );
        const seconds =
          (Date.parse(result.provenance.finishedAt) - Date.parse(result.provenance.startedAt)) / 1000;
        process.stdout.write(
          `${manifest.name}: ${result.provenance.inputs.length} input files hashed, ${seconds.toFixed(2)} s\n`,
        );
        if (runId !== undefined) process.stdout.write(`stored as run ${runId} in project ${flags.project}\n`);
      }),
    );
}
