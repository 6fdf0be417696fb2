/**
 * The acquisition runner: runs an experiment plan on a spectrometer, a cycler and a tuning unit through the
 * instrument protocol, and writes a JSON-lines log of every command, reading and decision
 * (`acquisition.log.jsonl` in the data folder).
 *
 * Order of work: configure the cycler (a plan it cannot run is rejected here, before anything is acquired),
 * configure the spectrometer, start the cycler, then, until the protocol ends or a stop condition holds:
 * tune and match (every spectrum, or when |Γ| exceeds the plan's threshold), acquire the next expno.
 *
 * Faults: a call that times out or loses its connection is retried with doubling back-off (reconnecting
 * first); when the retries are spent the runner stops safely: the cycler is put to rest if it can be
 * reached, the log says why, and the run ends with an error. A runner that died (even by kill -9) is
 * resumed with `resume`: it continues after the highest expno on disk, and an existing expno is never
 * acquired again (the spectrometer refuses to overwrite one, too).
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataError } from '../core/errors.js';
import {
  analyseWobble,
  defaultAtmSettings,
  tuneAndMatch,
  type AtmMemory,
  type AtmSettings,
  type TuningUnit,
  type WobbleCurve,
} from './atm.js';
import { planSteps, type Plan } from './plan.js';
import {
  connectInstrument,
  InstrumentError,
  type InstrumentClient,
  type InstrumentKind,
} from './protocol.js';

export const LOG_FILE = 'acquisition.log.jsonl';
export const RECORD_FILE = 'cycler.mpt';
export const RECORD_CSV_FILE = 'cycler.csv';
export const EIS_FOLDER = 'eis';
export const MANIFEST_FILE = 'manifest.json';

export interface Endpoint {
  readonly host?: string;
  readonly port: number;
}

export interface Endpoints {
  readonly spectrometer: Endpoint;
  readonly cycler: Endpoint;
  readonly tuning?: Endpoint;
}

export interface AcquisitionEvent {
  readonly event: string;
  readonly [key: string]: unknown;
}

export interface RunnerOptions {
  /** Continue an interrupted acquisition in the same data folder. */
  readonly resume?: boolean;
  readonly onEvent?: (event: AcquisitionEvent) => void;
  /** Stops after the acquisition in progress (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** ATM settings beyond the Larmor frequency (defaults from defaultAtmSettings). */
  readonly atm?: Partial<AtmSettings>;
}

export interface AcquisitionSummary {
  readonly ok: boolean;
  /** Why it ended: 'protocol finished', 'max spectra', 'voltage limit', 'interrupted', or the fault. */
  readonly reason: string;
  readonly acquired: readonly number[];
  readonly dataFolder: string;
  readonly logFile: string;
}

/** The run stopped on a fault after a safe stop; message says what failed. */
export class SafeStop extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Expno folders (numeric names) in a data folder. */
export function existingExpnos(dataFolder: string): number[] {
  if (!existsSync(dataFolder)) return [];
  return readdirSync(dataFolder, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^\d+$/.test(e.name))
    .map((e) => Number(e.name))
    .sort((a, b) => a - b);
}

/** Events of an existing log (an unfinished last line, from a killed runner, is skipped). */
export function readLog(path: string): AcquisitionEvent[] {
  if (!existsSync(path)) return [];
  const out: AcquisitionEvent[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as AcquisitionEvent);
    } catch {
      // a torn last line
    }
  }
  return out;
}

/** One instrument connection that reconnects and retries with back-off on timeouts and lost connections. */
class Link {
  private client: InstrumentClient | null = null;

  constructor(
    readonly kind: InstrumentKind,
    private readonly endpoint: Endpoint,
    private readonly plan: Plan,
    private readonly log: (e: AcquisitionEvent) => void,
  ) {}

  async call<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const { retries, backoffMs, timeoutMs } = this.plan.faults;
    for (let attempt = 0; ; attempt++) {
      try {
        if (!this.client || !this.client.connected)
          this.client = await connectInstrument(this.kind, this.endpoint.port, {
            host: this.endpoint.host,
            timeoutMs,
          });
        return await this.client.call<T>(method, params, timeoutMs);
      } catch (error) {
        const transient =
          error instanceof InstrumentError && (error.code === 'timeout' || error.code === 'disconnected');
        if (!transient) throw error;
        if (attempt >= retries) {
          throw new SafeStop(
            `${this.kind} did not answer '${method}' after ${retries + 1} attempts (${error.message})`,
          );
        }
        const waitMs = backoffMs * 2 ** attempt;
        this.log({
          event: 'retry',
          instrument: this.kind,
          method,
          attempt: attempt + 1,
          waitMs,
          error: error.message,
        });
        this.client?.close();
        this.client = null;
        await sleep(waitMs);
      }
    }
  }

  close(): void {
    this.client?.close();
  }
}

/** The tuning unit behind the protocol, for the ATM controller. */
function remoteTuning(link: Link): TuningUnit {
  const move = async (motor: 'tune' | 'match', steps: number) =>
    (await link.call<{ moved: number }>('move', { motor, steps })).moved;
  return {
    wobble: (centerHz, spanHz, points) => link.call<WobbleCurve>('wobble', { centerHz, spanHz, points }),
    moveTune: (d) => move('tune', d),
    moveMatch: (d) => move('match', d),
    positions: () => link.call<{ tune: number; match: number }>('positions'),
    limits: () => link.call<{ tune: number; match: number }>('limits'),
  };
}

/** Runs a plan; see the module comment. Throws DataError for a plan an instrument rejects. */
export async function runAcquisition(
  plan: Plan,
  dataFolder: string,
  endpoints: Endpoints,
  options: RunnerOptions = {},
): Promise<AcquisitionSummary> {
  mkdirSync(dataFolder, { recursive: true });
  const logFile = join(dataFolder, LOG_FILE);
  const previous = readLog(logFile);
  const onDisk = existingExpnos(dataFolder);
  if (!options.resume && (previous.length > 0 || onDisk.length > 0)) {
    throw new DataError('the data folder already holds an acquisition', {
      file: dataFolder,
      found: `${onDisk.length} expno folder(s)${previous.length > 0 ? ` and ${LOG_FILE}` : ''}`,
      expected: 'an empty or new folder, or --resume to continue it (nothing is overwritten)',
    });
  }
  const log = (e: AcquisitionEvent) => {
    const line = { time: new Date().toISOString(), ...e };
    appendFileSync(logFile, `${JSON.stringify(line)}\n`);
    options.onEvent?.(line);
  };
  const acquired: number[] = [];
  let expno = Math.max(plan.nmr.firstExpno, ...onDisk.map((n) => n + 1));
  log(
    options.resume
      ? { event: 'resumed', nextExpno: expno, onDisk: onDisk.length }
      : { event: 'plan', name: plan.name, plan },
  );

  const cycler = new Link('cycler', endpoints.cycler, plan, log);
  const spectrometer = new Link('spectrometer', endpoints.spectrometer, plan, log);
  const tuning = endpoints.tuning ? new Link('tuning', endpoints.tuning, plan, log) : null;
  const links = [cycler, spectrometer, ...(tuning ? [tuning] : [])];
  const steps = planSteps(plan);
  let reason = 'protocol finished';
  let ok = true;
  try {
    for (const link of links) {
      const hello = await link.call<{ kind: string; name: string }>('hello');
      if (hello.kind !== link.kind)
        throw new DataError('an instrument is not of the kind the plan names', {
          field: `instruments.${link.kind}`,
          found: hello.kind,
          expected: link.kind,
        });
      log({ event: 'connected', instrument: link.kind, name: hello.name });
    }
    const recordPath = join(dataFolder, RECORD_FILE);
    const cyclerSetup = {
      steps,
      areaCm2: plan.cell.areaCm2,
      sampleIntervalS: plan.cycling.sampleIntervalS,
      recordPath,
      csvPath: join(dataFolder, RECORD_CSV_FILE),
    };
    const configured = await configure(cycler, cyclerSetup, log);
    const nmr = await configure(
      spectrometer,
      { ...plan.nmr, dataFolder, steps, areaCm2: plan.cell.areaCm2 },
      log,
    );
    const larmorHz = nmr.larmorHz as number;
    const started = await cycler.call<{ resumed: boolean; timeS: number }>('start');
    log({
      event: 'cycler-started',
      resumed: started.resumed,
      timeS: started.timeS,
      durationS: configured.durationS,
    });
    writeManifest(dataFolder, plan, existingSweeps(dataFolder));

    const atmSettings: AtmSettings = { ...defaultAtmSettings(larmorHz), ...options.atm, larmorHz };
    const unit = tuning ? remoteTuning(tuning) : null;
    let memory: AtmMemory = {};
    const acquisitionS = Number(nmr.durationS);
    const stepEndS: number[] = [];
    steps.reduce((t, st) => (stepEndS.push(t + st.durationS), t + st.durationS), 0);
    let sweep = existingSweeps(dataFolder).length;
    // Room a spectrum needs before the protocol (or, in situ, its hold) ends: the acquisition plus a margin
    // for the messages on the way.
    const neededS = acquisitionS + Math.max(5, 0.05 * acquisitionS);
    type Status = { done: boolean; timeS: number; voltageV: number; stepIndex: number; stepKind: string };
    const room = (st: Status): 'now' | 'wait' | 'end' => {
      // A spectrum that would end after the protocol would lie partly outside the cycler record.
      if (st.done || Number(configured.durationS) - st.timeS < neededS) return 'end';
      // In situ: acquire only within a rest or hold step that lasts long enough for the whole spectrum.
      if (plan.interleave.mode === 'holds') {
        const holding = st.stepKind === 'rest' || st.stepKind === 'hold';
        if (!holding || stepEndS[st.stepIndex] - st.timeS < neededS) return 'wait';
      }
      return 'now';
    };
    let sweptFor = -1;
    for (;;) {
      const status = await cycler.call<Status>('status');
      const now = room(status);
      if (now === 'end') break;
      if (now === 'wait') {
        if (options.signal?.aborted) {
          reason = 'interrupted';
          break;
        }
        await sleep(20);
        continue;
      }
      const range = plan.stop.voltageRangeV;
      if (range && (status.voltageV < range[0] || status.voltageV > range[1])) {
        reason = 'voltage limit';
        break;
      }
      if (plan.stop.maxSpectra !== undefined && acquired.length + onDisk.length >= plan.stop.maxSpectra) {
        reason = 'max spectra';
        break;
      }
      if (options.signal?.aborted) {
        reason = 'interrupted';
        break;
      }
      const eis = plan.interleave.impedance;
      if (eis && sweptFor !== expno && (acquired.length + onDisk.length) % eis.everySpectra === 0) {
        sweptFor = expno;
        sweep += 1;
        const path = join(dataFolder, EIS_FOLDER, `sweep_${String(sweep).padStart(4, '0')}.mpt`);
        const r = await cycler.call('impedance', {
          path,
          fStartHz: eis.fStartHz,
          fEndHz: eis.fEndHz,
          perDecade: eis.perDecade,
        });
        log({ event: 'impedance', beforeExpno: expno, ...r });
      }
      let reflectionDb: number | null = null;
      let wobbles = 0;
      if (unit && plan.interleave.tuneMatch !== 'off') {
        let retune = plan.interleave.tuneMatch === 'every';
        if (!retune) {
          const check = analyseWobble(
            await unit.wobble(larmorHz, atmSettings.spanHz, atmSettings.points),
            larmorHz,
          );
          wobbles = 1;
          reflectionDb = check.larmorDb;
          retune = check.larmorDb > plan.interleave.thresholdDb;
          log({ event: 'reflection-check', expno, larmorDb: check.larmorDb, retune });
        }
        if (retune) {
          const began = Date.now();
          const r = await tuneAndMatch(unit, atmSettings, memory);
          memory = r.memory;
          wobbles += r.wobbles;
          reflectionDb = r.larmorDb;
          for (const entry of r.log) log({ event: 'atm', expno, ...entry });
          log({
            event: 'tuned',
            expno,
            ok: r.ok,
            reason: r.reason,
            larmorDb: r.larmorDb,
            wobbles: r.wobbles,
            tune: r.tune,
            match: r.match,
            elapsedMs: Date.now() - began,
          });
        }
      }
      // Tuning and a sweep take time: the spectrum starts only if there is still room for it.
      const ready = room(await cycler.call<Status>('status'));
      if (ready === 'end') break;
      if (ready === 'wait') continue;
      const result = await acquireOnce(spectrometer, dataFolder, expno, log);
      log({
        event: 'acquired',
        expno,
        reflectionDb,
        atmWobbles: wobbles,
        cellTimeS: status.timeS,
        ...result,
      });
      acquired.push(expno);
      expno += 1;
    }
    if (reason !== 'protocol finished') {
      await cycler.call('rest');
      log({ event: 'cycler-rest', reason });
    }
  } catch (error) {
    if (error instanceof SafeStop) {
      ok = false;
      reason = error.message;
      let rested = false;
      try {
        await cycler.call('rest');
        rested = true;
      } catch {
        // the cycler may be the instrument that failed
      }
      log({ event: 'safe-stop', reason, cyclerRest: rested });
    } else {
      log({ event: 'error', message: error instanceof Error ? error.message : String(error) });
      for (const link of links) link.close();
      throw error;
    }
  }
  writeManifest(dataFolder, plan, existingSweeps(dataFolder));
  log({ event: 'finished', ok, reason, acquired: acquired.length });
  for (const link of links) link.close();
  return { ok, reason, acquired, dataFolder, logFile };
}

async function configure(
  link: Link,
  params: Record<string, unknown>,
  log: (e: AcquisitionEvent) => void,
): Promise<Record<string, unknown>> {
  try {
    const result = await link.call('configure', params);
    log({ event: 'configured', instrument: link.kind, result });
    return result;
  } catch (error) {
    if (error instanceof InstrumentError && (error.code === 'rejected' || error.code === 'bad-request')) {
      log({ event: 'rejected', instrument: link.kind, message: error.message });
      throw new DataError(`the ${link.kind} rejected the plan`, {
        field: link.kind === 'cycler' ? 'cycling' : 'nmr',
        found: error.message,
        expected: `settings the ${link.kind} can run`,
      });
    }
    throw error;
  }
}

/**
 * Acquires one expno. If the spectrometer stopped answering during the acquisition, the retry finds the
 * expno complete on disk (it is renamed into place only when complete) and takes it rather than asking for
 * it again; the spectrometer refuses an existing expno in any case.
 */
async function acquireOnce(
  spectrometer: Link,
  dataFolder: string,
  expno: number,
  log: (e: AcquisitionEvent) => void,
): Promise<Record<string, unknown>> {
  try {
    return await spectrometer.call('acquire', { expno });
  } catch (error) {
    if (
      error instanceof InstrumentError &&
      error.code === 'rejected' &&
      existsSync(join(dataFolder, String(expno)))
    ) {
      log({ event: 'expno-exists', expno, message: error.message });
      return { expno, path: join(dataFolder, String(expno)), recovered: true };
    }
    throw error;
  }
}

/** Impedance sweeps written so far, in order. */
function existingSweeps(dataFolder: string): string[] {
  const dir = join(dataFolder, EIS_FOLDER);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => /^sweep_\d+\.mpt$/.test(n))
    .sort()
    .map((n) => `${EIS_FOLDER}/${n}`);
}

/**
 * A manifest beside the data so that `spincell run` and `spincell watch` analyse them as acquired. It is
 * rewritten as impedance sweeps appear, but only while it is the one the runner wrote (a user's edits stay).
 */
function writeManifest(dataFolder: string, plan: Plan, sweeps: readonly string[]): void {
  const path = join(dataFolder, MANIFEST_FILE);
  const manifest = (eis: readonly string[]) => ({
    version: 1,
    name: plan.name,
    nmr: { path: '.' },
    cycler: { path: RECORD_FILE, areaCm2: plan.cell.areaCm2 },
    ...(eis.length > 0 ? { eis: { paths: eis } } : {}),
    // Beside the data folder: analysis output never goes inside raw data.
    output: { dir: `../${basename(dataFolder)}-analysis` },
  });
  const text = (eis: readonly string[]) => `${JSON.stringify(manifest(eis), null, 2)}\n`;
  if (existsSync(path)) {
    const current = readFileSync(path, 'utf8');
    const ours = Array.from({ length: sweeps.length + 1 }, (_, k) => text(sweeps.slice(0, k)));
    if (!ours.includes(current)) return;
  }
  writeFileSync(path, text(sweeps));
}
