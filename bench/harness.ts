/**
 * Shared machinery of the benchmarks: every comparison of spincell (side A) with a reference
 * implementation (side B) goes through `interleaved`, which
 *  - runs the two sides alternately, A B A B A B (one warm-up of each first, not counted), so that load
 *    from other processes on a shared machine hits both alike;
 *  - reads the 1-minute load average before every run and flags the comparison when it exceeded the
 *    limit (cores − 0.5 by default: the benchmark itself keeps about one core busy, so anything above
 *    that is another process competing with it; override with SPINCELL_BENCH_LOAD_LIMIT);
 *  - reports min and median of each side and the ratio B/A of each round (A and B of the same round ran
 *    back to back), with the median and range of those ratios.
 * Each side times itself (process start, imports and data generation are excluded) and returns seconds.
 * A new benchmark only needs a `*.bench.ts` file default-exporting an async function that calls
 * `interleaved` (see bench/run.ts); `referenceSession` keeps a Python reference alive between rounds.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';

export const CORES = cpus().length;
export const LOAD_LIMIT = Number(process.env.SPINCELL_BENCH_LOAD_LIMIT ?? CORES - 0.5);

/** The 1-minute load average now. */
export function load1(): number {
  return loadavg()[0];
}

export interface Measured {
  /** Wall time of the measured work, seconds. */
  seconds: number;
}

export interface Side<T extends Measured = Measured> {
  label: string;
  run: () => T | Promise<T>;
}

export interface Stats {
  label: string;
  runsS: number[];
  minS: number;
  medianS: number;
}

export interface Comparison<A extends Measured = Measured, B extends Measured = Measured> {
  name: string;
  a: Stats;
  b: Stats;
  /** B/A of each round (> 1: A, spincell, is faster). */
  roundRatios: number[];
  medianRatio: number;
  /** Load average before each run, in run order (A1 B1 A2 B2 …). */
  loads: number[];
  underLoad: boolean;
  /** The last result of each side, for checking that both computed the same thing. */
  lastA: A;
  lastB: B;
  /** A target on the ratio B/A, when the issue sets one. */
  target?: number;
}

/** Every comparison made in this process, in order (bench/run.ts prints them as one table). */
export const comparisons: Comparison[] = [];

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function stats(label: string, runsS: number[]): Stats {
  return { label, runsS, minS: Math.min(...runsS), medianS: median(runsS) };
}

export function formatSeconds(s: number): string {
  if (s >= 10) return `${s.toFixed(1)} s`;
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 0.01) return `${(s * 1000).toFixed(0)} ms`;
  if (s >= 0.001) return `${(s * 1000).toFixed(2)} ms`;
  return `${(s * 1e6).toFixed(1)} µs`;
}

export interface InterleaveOptions {
  /** Counted rounds (default 3). */
  rounds?: number;
  /** Run each side once before counting (default true). */
  warmup?: boolean;
  /** The target for B/A, printed as met or not. */
  target?: number;
}

/** Runs A B A B … and prints one block: runs, min, median, ratios of the same round, load, flag. */
export async function interleaved<A extends Measured, B extends Measured>(
  name: string,
  a: Side<A>,
  b: Side<B>,
  options: InterleaveOptions = {},
): Promise<Comparison<A, B>> {
  const rounds = options.rounds ?? 3;
  if (options.warmup ?? true) {
    await a.run();
    await b.run();
  }
  const aS: number[] = [];
  const bS: number[] = [];
  const loads: number[] = [];
  let lastA: A | undefined;
  let lastB: B | undefined;
  for (let r = 0; r < rounds; r++) {
    loads.push(load1());
    lastA = await a.run();
    aS.push(lastA.seconds);
    loads.push(load1());
    lastB = await b.run();
    bS.push(lastB.seconds);
  }
  loads.push(load1());
  const roundRatios = aS.map((t, i) => bS[i] / t);
  const c: Comparison<A, B> = {
    name,
    a: stats(a.label, aS),
    b: stats(b.label, bS),
    roundRatios,
    medianRatio: median(roundRatios),
    loads,
    underLoad: Math.max(...loads) > LOAD_LIMIT,
    lastA: lastA as A,
    lastB: lastB as B,
    target: options.target,
  };
  comparisons.push(c as unknown as Comparison);
  printComparison(c);
  return c;
}

function printComparison(c: Comparison<Measured, Measured>): void {
  const line = (s: Stats) =>
    `  ${s.label.padEnd(34)} min ${formatSeconds(s.minS).padStart(9)}  median ${formatSeconds(s.medianS).padStart(9)}  runs ${s.runsS.map(formatSeconds).join(', ')}`;
  console.log(`${c.name} (interleaved A B × ${c.a.runsS.length})`);
  console.log(line(c.a));
  console.log(line(c.b));
  const target =
    c.target === undefined ? '' : `; target ≥ ${c.target}×: ${c.medianRatio >= c.target ? 'met' : 'NOT met'}`;
  console.log(
    `  ratio ${c.b.label} / ${c.a.label} per round ${c.roundRatios.map((r) => r.toFixed(2)).join(', ')}; median ${c.medianRatio.toFixed(2)}×${target}`,
  );
  console.log(
    `  load average (1 min) ${Math.min(...c.loads).toFixed(2)}–${Math.max(...c.loads).toFixed(2)}` +
      (c.underLoad ? `  ** UNDER LOAD (limit ${LOAD_LIMIT.toFixed(1)} on ${CORES} cores) **` : ''),
  );
}

/** A markdown table of every comparison of this process. */
export function summaryTable(): string {
  const rows = comparisons.map((c) => {
    const range = `${Math.min(...c.roundRatios).toFixed(2)}–${Math.max(...c.roundRatios).toFixed(2)}`;
    const target =
      c.target === undefined ? '' : `≥ ${c.target}× ${c.medianRatio >= c.target ? 'met' : '**not met**'}`;
    return `| ${c.name} | ${formatSeconds(c.a.minS)} / ${formatSeconds(c.a.medianS)} | ${formatSeconds(c.b.minS)} / ${formatSeconds(c.b.medianS)} | ${c.medianRatio.toFixed(2)}× (${range}) | ${target} | ${Math.min(...c.loads).toFixed(1)}–${Math.max(...c.loads).toFixed(1)}${c.underLoad ? ' under load' : ''} |`;
  });
  return [
    '| comparison | spincell min / median | reference min / median | ratio ref/spincell, median of rounds (range) | target | load avg |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/**
 * A Python reference kept alive across rounds: it reads one JSON request per line on stdin and answers
 * one JSON line on stdout (bench/ref/session.py), so interpreter start and imports are paid once.
 */
export class ReferenceSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = '';

  constructor(script: string, args: readonly string[] = []) {
    this.child = spawn('python3', [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async request<T>(payload: unknown): Promise<T> {
    this.child.stdin.write(JSON.stringify(payload) + '\n');
    const next = await this.lines.next();
    if (next.done) {
      throw new Error(`reference ended: ${this.stderr.trim().split('\n').pop() ?? 'no output'}`);
    }
    return JSON.parse(next.value) as T;
  }

  close(): void {
    this.child.stdin.end();
  }
}
