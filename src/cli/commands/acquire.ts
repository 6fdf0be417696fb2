/**
 * `spincell acquire …`: run an experiment plan on instruments (src/acquisition/).
 *   acquire init [file]          write an example plan
 *   acquire <plan.json>          run it on the plan's instruments, or with --virtual on virtual ones
 *   acquire instrument <kind>    serve one virtual instrument (what --virtual starts, one process each)
 */
import type { Command } from 'commander';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DataError, SpincellError, UsageError } from '../../core/errors.js';
import { examplePlan, quantitativeRepetitionS, readPlan } from '../../acquisition/plan.js';
import { readFileChecked } from '../../io/fs.js';
import { runAcquisition, type AcquisitionEvent, type Endpoints } from '../../acquisition/runner.js';
import { action, type GlobalOptions, parseNumberOption, printJson } from '../common.js';

interface InitFlags {
  t1From?: string;
  t1Signal?: string;
  accuracy?: string;
  nutationFrom?: string;
  nutationSignal?: string;
}

interface RelaxJson {
  kind?: string;
  results?: { signal: string; quantities: { name: string; value: number | null }[] }[];
}

/** One quantity of one signal of a `spincell relax … --json` file. */
function relaxQuantities(
  file: string,
  kind: string,
  name: string,
  signal?: string,
): { signal: string; value: number }[] {
  let doc: RelaxJson;
  try {
    doc = JSON.parse(readFileChecked(file).toString('utf8')) as RelaxJson;
  } catch (e) {
    if (e instanceof SpincellError) throw e;
    throw new DataError('not a JSON file', { file, expected: `the output of spincell relax ${kind} --json` });
  }
  if (doc.kind !== kind || !Array.isArray(doc.results))
    throw new DataError(`not a ${kind} result`, {
      file,
      field: 'kind',
      found: doc.kind,
      expected: `the output of spincell relax ${kind} --json`,
    });
  const out = doc.results
    .filter((r) => signal === undefined || r.signal === signal)
    .map((r) => ({ signal: r.signal, value: r.quantities.find((q) => q.name === name)?.value ?? NaN }))
    .filter((r) => Number.isFinite(r.value) && r.value > 0);
  if (out.length === 0)
    throw new DataError(`no ${name} in the file`, {
      file,
      field: signal !== undefined ? `signal ${signal}` : name,
      found: doc.results.map((r) => r.signal).join(', '),
      expected: `a fitted ${name}`,
    });
  return out;
}

/**
 * Fills the plan's NMR section from measurements: D1 so that D1 + AQ recovers the accuracy asked for with
 * the slowest T1 (every quantified line then does), rounded up to 10 ms; P1 from the nutation's π/2.
 */
function fromMeasurements(nmr: Record<string, unknown>, flags: InitFlags): string[] {
  const notes: string[] = [];
  if (flags.t1From !== undefined) {
    const accuracy = flags.accuracy !== undefined ? parseNumberOption('--accuracy', flags.accuracy) : 0.99;
    if (!(accuracy > 0 && accuracy < 1))
      throw new UsageError('accuracy must lie between 0 and 1', {
        field: '--accuracy',
        found: accuracy,
        expected: 'e.g. 0.99',
      });
    const t1 = relaxQuantities(flags.t1From, 't1', 't1_s', flags.t1Signal).reduce((a, b) =>
      b.value > a.value ? b : a,
    );
    const aqS = Number(nmr.complexPoints) / Number(nmr.swHz);
    const d1 = Math.ceil(100 * Math.max(0, quantitativeRepetitionS(t1.value, accuracy) - aqS)) / 100;
    nmr.recycleDelayS = d1;
    nmr.quantitative = {
      t1S: t1.value,
      accuracy,
      source: `spincell relax t1 of ${flags.t1From}, signal ${t1.signal}`,
    };
    notes.push(
      `D1 = ${d1} s: D1 + AQ recovers ${(100 * accuracy).toFixed(1)} % of M0 with T1 = ${t1.value.toPrecision(4)} s (signal ${t1.signal})`,
    );
  } else if (flags.t1Signal !== undefined || flags.accuracy !== undefined)
    throw new UsageError('--t1-signal and --accuracy go with --t1-from', {
      field: '--t1-from',
      expected: 'a relax t1 --json file',
    });
  if (flags.nutationFrom !== undefined) {
    const pi2 = relaxQuantities(flags.nutationFrom, 'nutation', 'pi2_us', flags.nutationSignal)[0];
    nmr.pulseUs = Number(pi2.value.toPrecision(4));
    notes.push(`P1 = ${nmr.pulseUs} µs: the π/2 pulse of signal ${pi2.signal}`);
  }
  return notes;
}

interface RunFlags {
  virtual?: boolean;
  speed: string;
  resume?: boolean;
  seed: string;
}

/** The repository's bin/spincell.js (this module sits in src/cli/commands or dist/src/cli/commands). */
function spincellBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'bin', 'spincell.js');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new UsageError('cannot find bin/spincell.js to start virtual instruments', { field: '--virtual' });
}

interface Started {
  readonly child: ChildProcess;
  readonly port: number;
}

/** Starts `spincell acquire instrument <kind>` and waits for its ready line. */
function startInstrument(kind: string, args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [spincellBin(), 'acquire', 'instrument', kind, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolvePort, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(
      () => reject(new DataError(`virtual ${kind} did not start`, { field: '--virtual' })),
      60_000,
    );
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { event?: string; port?: number };
        if (msg.event === 'ready' && typeof msg.port === 'number') {
          clearTimeout(timer);
          resolvePort({ child, port: msg.port });
        }
      } catch {
        // not a protocol line
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new DataError(`virtual ${kind} exited before it was ready`, {
          field: '--virtual',
          found: `exit code ${code}`,
        }),
      );
    });
  });
}

async function runPlan(planPath: string, flags: RunFlags, command: Command): Promise<void> {
  const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
  const { plan, dataFolder } = readPlan(planPath);
  const speed = parseNumberOption('--speed', flags.speed);
  if (!(speed > 0))
    throw new UsageError('speed must be positive', { field: '--speed', found: speed, expected: '> 0' });
  const seed = parseNumberOption('--seed', flags.seed);
  const children: ChildProcess[] = [];
  let endpoints: Endpoints;
  if (flags.virtual) {
    const cycler = await startInstrument('cycler', ['--speed', String(speed)]);
    children.push(cycler.child);
    const common = ['--cycler-port', String(cycler.port), '--seed', String(seed)];
    const tuning = await startInstrument('tuning', [
      ...common,
      '--state',
      join(dataFolder, '.virtual-probe.json'),
    ]);
    children.push(tuning.child);
    const spectrometer = await startInstrument('spectrometer', [
      ...common,
      '--speed',
      String(speed),
      '--tuning-port',
      String(tuning.port),
    ]);
    children.push(spectrometer.child);
    endpoints = {
      cycler: { port: cycler.port },
      tuning: { port: tuning.port },
      spectrometer: { port: spectrometer.port },
    };
  } else {
    if (!plan.instruments)
      throw new UsageError('the plan names no instruments', {
        file: planPath,
        field: 'instruments',
        expected: 'host/port of spectrometer, cycler and tuning unit, or --virtual',
      });
    endpoints = plan.instruments;
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const onEvent = (e: AcquisitionEvent) => {
    if (json) process.stdout.write(`${JSON.stringify(e)}\n`);
    else if (e.event === 'acquired')
      process.stderr.write(
        `acquire: expno ${String(e.expno)}${e.reflectionDb !== null && e.reflectionDb !== undefined ? ` at ${Number(e.reflectionDb).toFixed(1)} dB` : ''}\n`,
      );
    else if (['retry', 'safe-stop', 'rejected', 'resumed', 'cycler-rest'].includes(e.event))
      process.stderr.write(
        `acquire: ${e.event} ${JSON.stringify({ ...e, event: undefined, time: undefined })}\n`,
      );
  };
  try {
    const summary = await runAcquisition(plan, dataFolder, endpoints, {
      resume: flags.resume,
      onEvent,
      signal: controller.signal,
    });
    if (!summary.ok)
      throw new DataError('acquisition stopped safely on a fault', {
        file: summary.logFile,
        found: summary.reason,
        expected: 'instruments that answer; fix and continue with --resume',
      });
    if (json) printJson({ event: 'summary', ...summary });
    else
      process.stdout.write(
        `acquired ${summary.acquired.length} spectra into ${summary.dataFolder} (${summary.reason}); log: ${summary.logFile}\n` +
          `analyse: spincell run ${join(summary.dataFolder, 'manifest.json')}\n`,
      );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    for (const child of children) child.kill('SIGTERM');
  }
}

interface InstrumentFlags {
  port: string;
  speed: string;
  cyclerPort?: string;
  tuningPort?: string;
  state?: string;
  seed: string;
  maxCurrentMa: string;
}

async function serveVirtual(kind: string, flags: InstrumentFlags): Promise<void> {
  const sim = await import('../../sim/instruments.js');
  const port = parseNumberOption('--port', flags.port);
  const speed = parseNumberOption('--speed', flags.speed);
  const seed = parseNumberOption('--seed', flags.seed);
  const need = (value: string | undefined, flag: string): number => {
    if (value === undefined) throw new UsageError(`${kind} needs ${flag}`, { field: flag });
    return parseNumberOption(flag, value);
  };
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const onShutdown = () => done();
  let running;
  if (kind === 'cycler')
    running = await sim.startVirtualCycler({
      port,
      speed,
      maxCurrentMA: parseNumberOption('--max-current-ma', flags.maxCurrentMa),
      onShutdown,
    });
  else if (kind === 'tuning')
    running = await sim.startVirtualTuning({
      port,
      cyclerPort: need(flags.cyclerPort, '--cycler-port'),
      statePath: flags.state ? resolve(flags.state) : undefined,
      seed,
      onShutdown,
    });
  else if (kind === 'spectrometer')
    running = await sim.startVirtualSpectrometer({
      port,
      speed,
      cyclerPort: need(flags.cyclerPort, '--cycler-port'),
      tuningPort:
        flags.tuningPort === undefined ? undefined : parseNumberOption('--tuning-port', flags.tuningPort),
      seed,
      onShutdown,
    });
  else
    throw new UsageError('unknown instrument kind', {
      field: '<kind>',
      found: kind,
      expected: 'cycler, tuning or spectrometer',
    });
  process.stdout.write(`${JSON.stringify({ event: 'ready', kind, port: running.port })}\n`);
  // A virtual instrument lives as long as whoever started it: its stdin closes when that process dies.
  process.stdin.on('end', done);
  process.stdin.on('error', done);
  process.stdin.resume();
  process.once('SIGTERM', done);
  process.once('SIGINT', done);
  await finished;
  await running.close();
  process.stdin.pause();
}

export function registerAcquire(program: Command): void {
  const acquire = program
    .command('acquire')
    .description('run an experiment plan on a spectrometer, cycler and tuning unit (or virtual ones)');
  acquire
    .command('run <plan>', { isDefault: true })
    .description(
      'run a plan: cycle the cell, tune/match and acquire spectra, log every step (spincell acquire <plan>)',
    )
    .option('--virtual', 'run on virtual instruments, each in its own process')
    .option('--speed <factor>', 'with --virtual: virtual seconds per real second', '600')
    .option('--seed <n>', 'with --virtual: seed of the simulated noise', '1')
    .option(
      '--resume',
      'continue an interrupted acquisition in the same data folder (never overwrites an expno)',
    )
    .action(action(runPlan));
  acquire
    .command('init [file]')
    .description('write an example plan (default plan.json)')
    .option(
      '--t1-from <relax-t1.json>',
      "quantitative plan: T1 from 'spincell relax t1 --json' (the slowest signal, or --t1-signal)",
    )
    .option('--t1-signal <label>', 'the signal of --t1-from to use (its region, e.g. 230:260)')
    .option('--accuracy <fraction>', 'recovered fraction of M0 per spectrum (default 0.99)')
    .option(
      '--nutation-from <relax-nutation.json>',
      "π/2 pulse from 'spincell relax nutation --json' (its first signal, or --nutation-signal)",
    )
    .option('--nutation-signal <label>', 'the signal of --nutation-from to use')
    .action(
      action((file: string | undefined, flags: InitFlags) => {
        const path = resolve(file ?? 'plan.json');
        if (existsSync(path))
          throw new UsageError('the plan file exists', {
            file: path,
            expected: 'a new file name (it is never replaced)',
          });
        const plan = examplePlan() as { nmr: Record<string, unknown> };
        const notes = fromMeasurements(plan.nmr, flags);
        writeFileSync(path, `${JSON.stringify(plan, null, 2)}\n`, { flag: 'wx' });
        for (const n of notes) process.stdout.write(`${n}\n`);
        process.stdout.write(
          `wrote ${path}; run it on virtual instruments: spincell acquire ${path} --virtual\n`,
        );
      }),
    );
  acquire
    .command('instrument <kind>')
    .description('serve a virtual instrument (cycler, tuning or spectrometer) over the instrument protocol')
    .option('--port <n>', 'TCP port on 127.0.0.1 (0: any free one, printed in the ready line)', '0')
    .option('--speed <factor>', 'virtual seconds per real second', '600')
    .option('--cycler-port <n>', 'tuning/spectrometer: port of the virtual cycler (the virtual cell)')
    .option('--tuning-port <n>', 'spectrometer: port of the virtual tuning unit (probe losses)')
    .option('--state <file>', 'tuning: where motor positions are kept between restarts')
    .option('--seed <n>', 'seed of the simulated noise', '1')
    .option('--max-current-ma <mA>', 'cycler: largest current it can drive', '10')
    .action(action(serveVirtual));
}
