/**
 * Virtual instruments behind the instrument protocol (src/acquisition/protocol.ts): a cycler, a tuning
 * unit and a spectrometer, each a server that `spincell acquire instrument <kind>` runs in its own process
 * (or a test runs in its own). The runner cannot tell them from real ones; they only talk to each other
 * through the same protocol, with two virtual-only methods:
 *   cycler.cell_state {timeS?}   the virtual cell (src/sim/cell.ts) at a time, for the probe's load and
 *                                the spectrometer's lines;
 *   tuning.reflection_at {fHz}   the probe's noise-free |Γ|, for the signal a detuned probe loses.
 *
 * Time: the cycler owns the virtual clock. It runs `speed` times faster than the wall clock from its start,
 * and its record file grows as virtual time passes. Its clock (real start time, speed) and the probe's motor
 * positions are kept in small state files, so restarted instruments continue where they were.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import {
  InstrumentError,
  connectInstrument,
  serveInstrument,
  type InstrumentClient,
} from '../acquisition/protocol.js';
import { FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K } from '../core/constants.js';
import { writeBrukerExperiment } from '../io/bruker/write.js';
import { createCell, type CellState, type CellStep, type VirtualCell } from './cell.js';
import { formatCyclerCsv, formatMpt, simulateCycler, writeMpt } from './cycler.js';
import { logSweep, peisRecords, simulateSweep, type CellModel } from './eis.js';
import { VirtualProbe, detunedSignalFactor } from './probe.js';
import { deriveSeed, createRng } from './random.js';
import { acquisitionSpec } from './operando.js';
import { acquireState, planOperando, type OperandoPlan } from './spectrometer.js';

export interface RunningInstrument {
  readonly port: number;
  close(): Promise<void>;
}

function closer(server: import('node:net').Server, extra?: () => void): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      extra?.();
      server.close(() => resolve());
    });
}

const num = (params: Record<string, unknown>, key: string, fallback?: number): number => {
  const v = params[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (fallback !== undefined && v === undefined) return fallback;
  throw new InstrumentError('bad-request', `'${key}' must be a finite number (found ${JSON.stringify(v)})`);
};

// ——— cycler ———

export interface VirtualCyclerOptions {
  readonly port?: number;
  /** Virtual seconds per wall-clock second. */
  readonly speed: number;
  /** Largest current the virtual potentiostat can drive, mA (a plan above it is rejected). */
  readonly maxCurrentMA?: number;
  /** Protocol start on the instrument clock, epoch ms (fixed so that reruns give identical files). */
  readonly startMs?: number;
  readonly onShutdown?: () => void;
}

/**
 * A record file that grows as virtual time passes: its full text is known from the start (the cell is
 * deterministic), and rows are appended once the clock has passed their time.
 */
class GrowingFile {
  written = 0;

  constructor(
    readonly path: string,
    private readonly header: string[],
    private readonly rows: string[],
    private readonly eol: string,
    private readonly encoding: BufferEncoding,
  ) {}

  static split(
    path: string,
    text: string,
    headerLines: number,
    eol: string,
    encoding: BufferEncoding,
  ): GrowingFile {
    const lines = text.split(eol);
    return new GrowingFile(
      path,
      lines.slice(0, headerLines),
      lines.slice(headerLines).filter((l) => l.length > 0),
      eol,
      encoding,
    );
  }

  create(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, `${this.header.join(this.eol)}${this.eol}`, this.encoding);
    this.written = 0;
  }

  /** Continues a file a previous instance wrote: counts its complete lines. */
  reopen(): void {
    const present = readFileSync(this.path, this.encoding).split(this.eol).length - 1;
    this.written = Math.min(this.rows.length, Math.max(0, present - this.header.length));
  }

  /** Appends rows up to (not including) row index n. */
  advance(n: number): void {
    if (n <= this.written) return;
    appendFileSync(this.path, `${this.rows.slice(this.written, n).join(this.eol)}${this.eol}`, this.encoding);
    this.written = n;
  }
}

interface CyclerRun {
  cell: VirtualCell;
  files: GrowingFile[];
  rowTimes: Float64Array;
  realStartMs: number;
  stoppedAtS: number | null;
  timer: NodeJS.Timeout | null;
}

export async function startVirtualCycler(options: VirtualCyclerOptions): Promise<RunningInstrument> {
  const maxCurrentMA = options.maxCurrentMA ?? 10;
  const startMs = options.startMs ?? Date.UTC(2026, 0, 15, 8, 0, 0);
  let configured: {
    steps: CellStep[];
    areaCm2: number;
    sampleIntervalS: number;
    recordPath: string;
    csvPath: string | null;
  } | null = null;
  let run: CyclerRun | null = null;
  let sweeps = 0;

  const nowS = (): number => {
    if (!run) return 0;
    const t = ((Date.now() - run.realStartMs) / 1000) * options.speed;
    return Math.min(run.stoppedAtS ?? run.cell.durationS, t, run.cell.durationS);
  };
  const flush = () => {
    if (!run) return;
    const t = nowS();
    let n = run.files[0].written;
    while (n < run.rowTimes.length && run.rowTimes[n] <= t) n++;
    for (const f of run.files) f.advance(n);
    if (run.timer && (t >= run.cell.durationS || run.stoppedAtS !== null)) {
      clearInterval(run.timer);
      run.timer = null;
    }
  };

  const statePath = (recordPath: string) => `${recordPath}.virtual.json`;

  const handlers = {
    configure(params: Record<string, unknown>) {
      const steps = params.steps as CellStep[] | undefined;
      if (!Array.isArray(steps) || steps.length === 0)
        throw new InstrumentError('bad-request', "'steps' must be a non-empty list");
      steps.forEach((s, i) => {
        if ((s.kind === 'plate' || s.kind === 'strip') && s.currentMA > maxCurrentMA)
          throw new InstrumentError(
            'rejected',
            `step ${i + 1}: current ${s.currentMA} mA is above this cycler's range of ${maxCurrentMA} mA`,
          );
        if (s.kind === 'hold' && Math.abs(s.voltageV) > 5)
          throw new InstrumentError('rejected', `step ${i + 1}: hold at ${s.voltageV} V is outside ±5 V`);
      });
      const recordPath = params.recordPath;
      if (typeof recordPath !== 'string')
        throw new InstrumentError('bad-request', "'recordPath' must be a path");
      const csvPath = params.csvPath;
      if (csvPath !== undefined && typeof csvPath !== 'string')
        throw new InstrumentError('bad-request', "'csvPath' must be a path");
      configured = {
        steps,
        areaCm2: num(params, 'areaCm2', 1),
        sampleIntervalS: num(params, 'sampleIntervalS', 10),
        recordPath,
        csvPath: csvPath ?? null,
      };
      try {
        createCell(steps, { areaCm2: configured.areaCm2 });
      } catch (error) {
        throw new InstrumentError('rejected', error instanceof Error ? error.message : String(error));
      }
      return { accepted: true, durationS: createCell(steps, { areaCm2: configured.areaCm2 }).durationS };
    },
    start() {
      if (!configured) throw new InstrumentError('rejected', 'not configured');
      if (run) return { resumed: false, timeS: nowS() };
      const c = configured;
      const cell = createCell(c.steps, { areaCm2: c.areaCm2 });
      const records = simulateCycler(cell, { sampleIntervalS: c.sampleIntervalS, startMs });
      const mpt = formatMpt(records);
      const headerLines = Number(/Nb header lines : (\d+)/.exec(mpt.split('\r\n')[1])?.[1] ?? 0);
      const files = [GrowingFile.split(c.recordPath, mpt, headerLines, '\r\n', 'latin1')];
      // The same record as CSV (spincell's column keys), for tools that read plain tables.
      if (c.csvPath) {
        const csv = formatCyclerCsv(records);
        const csvHeader = csv.split('\n').findIndex((l) => !l.startsWith('#')) + 1;
        files.push(GrowingFile.split(c.csvPath, csv, csvHeader, '\n', 'utf8'));
      }
      const rowTimes = records.columns.find((col) => col.key === 'time_s')!.values;
      const key = createHash('sha256').update(JSON.stringify(c)).digest('hex');
      // A restarted cycler continues the same run: same plan, clock from the state file, rows after the last.
      let realStartMs = Date.now();
      let resumed = false;
      const state = statePath(c.recordPath);
      if (existsSync(state) && files.every((f) => existsSync(f.path))) {
        const saved = JSON.parse(readFileSync(state, 'utf8')) as {
          key: string;
          realStartMs: number;
          speed: number;
        };
        if (saved.key === key && saved.speed === options.speed) {
          realStartMs = saved.realStartMs;
          for (const f of files) f.reopen();
          // Both files continue from the shorter one (a crash between the two appends).
          const n = Math.min(...files.map((f) => f.written));
          for (const f of files) f.written = Math.min(f.written, n);
          resumed = true;
        }
      }
      if (!resumed) {
        for (const f of files) f.create();
        writeFileSync(state, JSON.stringify({ key, realStartMs, speed: options.speed }));
      }
      run = { cell, files, rowTimes, realStartMs, stoppedAtS: null, timer: null };
      run.timer = setInterval(flush, 50);
      flush();
      return { resumed, timeS: nowS(), startMs };
    },
    status() {
      if (!run) throw new InstrumentError('rejected', 'not started');
      flush();
      const t = nowS();
      const s = run.cell.state(t);
      return {
        timeS: t,
        startMs,
        durationS: run.cell.durationS,
        done: t >= run.cell.durationS || run.stoppedAtS !== null,
        stopped: run.stoppedAtS !== null,
        stepIndex: s.stepIndex,
        stepKind: s.stepKind,
        cycle: s.cycle,
        voltageV: s.voltageV,
        currentMA: s.currentMA,
        chargeMAh: s.chargeMAh,
      };
    },
    cell_state(params: Record<string, unknown>) {
      if (!run) throw new InstrumentError('rejected', 'not started');
      const t = Math.min(run.cell.durationS, Math.max(0, num(params, 'timeS', nowS())));
      return run.cell.state(t) as unknown as Record<string, unknown>;
    },
    async impedance(params: Record<string, unknown>) {
      if (!run) throw new InstrumentError('rejected', 'not started');
      const path = params.path;
      if (typeof path !== 'string') throw new InstrumentError('bad-request', "'path' must be a path");
      const freqs = logSweep(
        num(params, 'fStartHz', 1e5),
        num(params, 'fEndHz', 0.1),
        num(params, 'perDecade', 8),
      );
      const t = nowS();
      const model = cellImpedanceModel(run.cell, run.cell.state(t));
      sweeps += 1;
      const sweep = simulateSweep(model, freqs, {
        noise: 0.002,
        seed: deriveSeed(startMs, sweeps),
        startS: t,
      });
      // simulateSweep's dwell per point: 0.2 s settling plus two periods.
      const endS = t + freqs.reduce((sum, f) => sum + 0.2 + 2 / f, 0);
      // The sweep takes its time on the instrument's clock.
      await new Promise((r) => setTimeout(r, ((endS - t) / options.speed) * 1000));
      // An EC-Lab-style PEIS export: its header carries the protocol start, time/s the sweep's points.
      mkdirSync(dirname(path), { recursive: true });
      writeMpt(
        `${path}.partial`,
        peisRecords([sweep], startMs, run.cell.params.areaCm2, 'spincell virtual cycler (PEIS)'),
        {
          techniqueTitle: 'Potentio Electrochemical Impedance Spectroscopy',
        },
      );
      renameSync(`${path}.partial`, path);
      return { path, startS: t, endS, points: freqs.length, startMs: startMs + Math.round(t * 1000) };
    },
    rest() {
      if (run && run.stoppedAtS === null) {
        flush();
        run.stoppedAtS = nowS();
      }
      return { resting: true, timeS: nowS() };
    },
  };
  const { server, port } = await serveInstrument('cycler', 'virtual cycler', handlers, {
    port: options.port,
    onShutdown: options.onShutdown,
  });
  return {
    port,
    close: closer(server, () => {
      if (run?.timer) clearInterval(run.timer);
    }),
  };
}

/**
 * Impedance of the virtual cell at a state (our model): R0 = the cell's series resistance; an interphase
 * ZARC of 2 Ω + 8 Ω per mAh of lithium bound in the SEI (τ0 = 10 µs, φ = 0.85); a charge-transfer ZARC with
 * the linearised Butler–Volmer resistance R_ct = RT/(F·i0·A) (τ0 = 1 ms, φ = 0.9).
 */
export function cellImpedanceModel(cell: VirtualCell, state: CellState): CellModel {
  const p = cell.params;
  const i0A = (p.exchangeCurrentDensityMAPerCm2 * p.areaCm2) / 1000;
  const rct = (GAS_CONSTANT_J_PER_MOL_K * p.temperatureK) / (FARADAY_C_PER_MOL * i0A);
  return {
    r0Ohm: p.resistanceOhm,
    zarcs: [
      { rOhm: 2 + 8 * state.inventory.sei, tau0S: 1e-5, phi: 0.85 },
      { rOhm: rct, tau0S: 1e-3, phi: 0.9 },
    ],
  };
}

/** Deposited metal of a cell state (what loads the probe), mAh. */
export function depositedMAh(state: CellState): number {
  const inv = state.inventory;
  return inv.dense + inv.mossy + inv.dendritic + inv.dead;
}

// ——— tuning unit ———

export interface VirtualTuningOptions {
  readonly port?: number;
  readonly cyclerPort: number;
  /** Where the motor positions are kept between restarts. */
  readonly statePath?: string;
  readonly seed?: number;
  readonly onShutdown?: () => void;
}

export async function startVirtualTuning(options: VirtualTuningOptions): Promise<RunningInstrument> {
  let saved: { tune: number; match: number } | null = null;
  if (options.statePath && existsSync(options.statePath))
    saved = JSON.parse(readFileSync(options.statePath, 'utf8')) as { tune: number; match: number };
  // A probe tuned for an empty cell would start matched; start it somewhat off, as after inserting a cell.
  const probe = new VirtualProbe({
    tuneStart: saved?.tune ?? 9600,
    matchStart: saved?.match ?? 7600,
    seed: options.seed ?? 1,
  });
  let cycler: InstrumentClient | null = null;
  const updateLoad = async () => {
    try {
      cycler ??= await connectInstrument('cycler', options.cyclerPort, { timeoutMs: 5000 });
      const s = await cycler.call<CellState>('cell_state', {});
      probe.platedMAh = depositedMAh(s);
    } catch {
      // Before the cycler starts the cell is as inserted (nothing plated).
      cycler = cycler?.connected ? cycler : null;
    }
  };
  const save = () => {
    if (options.statePath) writeFileSync(options.statePath, JSON.stringify(probe.positions()));
  };
  const handlers = {
    async wobble(params: Record<string, unknown>) {
      await updateLoad();
      const points = Math.round(num(params, 'points', 201));
      if (points < 5 || points > 65536)
        throw new InstrumentError('bad-request', `'points' must be 5…65536 (found ${points})`);
      const w = probe.wobble(num(params, 'centerHz'), num(params, 'spanHz'), points);
      return { frequencyHz: Array.from(w.frequencyHz), reflection: Array.from(w.reflection) };
    },
    move(params: Record<string, unknown>) {
      const steps = Math.round(num(params, 'steps'));
      const motor = params.motor;
      if (motor !== 'tune' && motor !== 'match')
        throw new InstrumentError('bad-request', "'motor' must be 'tune' or 'match'");
      const moved = motor === 'tune' ? probe.moveTune(steps) : probe.moveMatch(steps);
      save();
      return { moved };
    },
    positions: () => probe.positions(),
    limits: () => probe.limits(),
    async reflection_at(params: Record<string, unknown>) {
      await updateLoad();
      return { reflection: probe.reflectionAt(num(params, 'fHz')) };
    },
  };
  const { server, port } = await serveInstrument('tuning', 'virtual tuning unit', handlers, {
    port: options.port,
    onShutdown: options.onShutdown,
  });
  return { port, close: closer(server, () => cycler?.close()) };
}

// ——— spectrometer ———

export interface VirtualSpectrometerOptions {
  readonly port?: number;
  readonly speed: number;
  readonly cyclerPort: number;
  /** Without a tuning unit the probe stays as inserted, perfectly tuned (no ATM effects). */
  readonly tuningPort?: number;
  readonly seed?: number;
  readonly onShutdown?: () => void;
}

interface SpectrometerConfig {
  dataFolder: string;
  nucleus: string;
  fieldT: number;
  scans: number;
  dummyScans: number;
  recycleDelayS: number;
  complexPoints: number;
  swHz: number;
  receiverGain: number;
  pulseProgram: string;
  steps: CellStep[];
  areaCm2: number;
}

export async function startVirtualSpectrometer(
  options: VirtualSpectrometerOptions,
): Promise<RunningInstrument> {
  const seed = options.seed ?? 1;
  let config: SpectrometerConfig | null = null;
  let plan: OperandoPlan | null = null;
  let busy = false;
  let cycler: InstrumentClient | null = null;
  let tuning: InstrumentClient | null = null;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const phaseRng = createRng(deriveSeed(seed, 77));
  const basePhaseDeg = phaseRng.between(-180, 180);

  const handlers = {
    configure(params: Record<string, unknown>) {
      const c = params as unknown as SpectrometerConfig;
      if (typeof c.dataFolder !== 'string')
        throw new InstrumentError('bad-request', "'dataFolder' must be a path");
      for (const k of ['scans', 'recycleDelayS', 'complexPoints', 'swHz'] as const) num(params, k);
      try {
        // Acquisition constants (carrier, receiver scale, noise) of a one-spectrum plan of the same cell.
        plan = planOperando({
          seed,
          spectra: 1,
          protocol: c.steps,
          cell: { areaCm2: c.areaCm2 },
          spectrometer: {
            nucleus: c.nucleus,
            fieldT: c.fieldT,
            scans: c.scans,
            dummyScans: c.dummyScans,
            recycleDelayS: c.recycleDelayS,
            complexPoints: c.complexPoints,
            swHz: c.swHz,
            receiverGain: c.receiverGain,
            pulseProgram: c.pulseProgram,
            overheadS: 0,
          },
        });
      } catch (error) {
        throw new InstrumentError('rejected', error instanceof Error ? error.message : String(error));
      }
      config = c;
      return {
        accepted: true,
        larmorHz: plan.acquisition.sfo1MHz * 1e6,
        durationS: plan.acquisition.durationS,
      };
    },
    async acquire(params: Record<string, unknown>) {
      if (!config || !plan) throw new InstrumentError('rejected', 'not configured');
      if (busy) throw new InstrumentError('busy', 'an acquisition is running');
      const expno = Math.round(num(params, 'expno'));
      const target = join(config.dataFolder, String(expno));
      if (existsSync(target))
        throw new InstrumentError(
          'rejected',
          `expno ${expno} exists in ${config.dataFolder}; it is never overwritten`,
        );
      busy = true;
      try {
        cycler ??= await connectInstrument('cycler', options.cyclerPort, { timeoutMs: 10_000 });
        const start = await cycler.call<{ timeS: number; startMs: number }>('status');
        const a = plan.acquisition;
        await sleep((a.durationS / options.speed) * 1000);
        const endS = start.timeS + a.durationS;
        const state = await cycler.call<CellState>('cell_state', { timeS: 0.5 * (start.timeS + endS) });
        let reflection = 0;
        if (options.tuningPort !== undefined) {
          tuning ??= await connectInstrument('tuning', options.tuningPort, { timeoutMs: 10_000 });
          reflection = (await tuning.call<{ reflection: number }>('reflection_at', { fHz: a.sfo1MHz * 1e6 }))
            .reflection;
        }
        const signalFactor = detunedSignalFactor(reflection);
        const fid = acquireState(plan, state, {
          seed: deriveSeed(seed, expno),
          receiverPhaseDeg: basePhaseDeg + 0.5 * phaseRng.normal(),
          signalFactor,
        });
        const startMs = start.startMs + Math.round(start.timeS * 1000);
        const endMs = start.startMs + Math.round(endS * 1000);
        // Written beside its final place and renamed: an expno is either complete or absent.
        const staging = join(config.dataFolder, `.${expno}.partial`);
        rmSync(staging, { recursive: true, force: true });
        writeBrukerExperiment(staging, acquisitionSpec(a, startMs, endMs), { re: fid.re, im: fid.im });
        if (existsSync(target)) {
          rmSync(staging, { recursive: true, force: true });
          throw new InstrumentError(
            'rejected',
            `expno ${expno} appeared during the acquisition; kept the existing one`,
          );
        }
        renameSync(staging, target);
        return {
          expno,
          path: target,
          startMs,
          endMs,
          startS: start.timeS,
          endS,
          reflection,
          signalFactor,
          // Metal signal as acquired (after the probe's loss) and as the cell holds it.
          metalArea: fid.components.filter((c) => c.name !== 'diamagnetic').reduce((s, c) => s + c.area, 0),
          trueMetalArea:
            fid.components.filter((c) => c.name !== 'diamagnetic').reduce((s, c) => s + c.area, 0) /
            signalFactor,
        };
      } finally {
        busy = false;
      }
    },
  };
  const { server, port } = await serveInstrument('spectrometer', 'virtual spectrometer', handlers, {
    port: options.port,
    onShutdown: options.onShutdown,
  });
  return {
    port,
    close: closer(server, () => {
      cycler?.close();
      tuning?.close();
    }),
  };
}
