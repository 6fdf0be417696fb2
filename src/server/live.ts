/**
 * Live updates: the server polls the store (SQLite's data_version tells cheaply whether another
 * connection committed since the last look; only then are the runs compared) and pushes what changed
 * to every open page as server-sent events. `spincell watch` marks its run 'live' and bumps updated_at
 * with each batch, so a page sees new spectra within one poll interval.
 */
import type { ServerResponse } from 'node:http';
import type { ProjectStore } from '../store/index.js';

export interface RunState {
  id: number;
  status: string;
  updatedAt: string | null;
  progress: string | null;
  spectra: number;
  drawn: number;
}

export function runStates(store: ProjectStore): RunState[] {
  return store.db
    .prepare(
      `SELECT r.id, r.status, coalesce(r.updated_at, r.stored_at) AS updatedAt, r.progress,
         (SELECT count(*) FROM spectra s WHERE s.run_id = r.id) AS spectra,
         (SELECT count(*) FROM spectrum_data d WHERE d.run_id = r.id) AS drawn
       FROM runs r ORDER BY r.id`,
    )
    .all() as RunState[];
}

const same = (a: RunState, b: RunState) =>
  a.status === b.status &&
  a.updatedAt === b.updatedAt &&
  a.spectra === b.spectra &&
  a.drawn === b.drawn &&
  a.progress === b.progress;

/** Runs that are new or differ between two looks. */
export function changedRuns(before: readonly RunState[], after: readonly RunState[]): RunState[] {
  const old = new Map(before.map((r) => [r.id, r]));
  return after.filter((r) => {
    const o = old.get(r.id);
    return o === undefined || !same(o, r);
  });
}

export class LiveHub {
  private readonly clients = new Set<ServerResponse>();
  private states: RunState[];
  private version: number;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: ProjectStore,
    private readonly intervalMs = 500,
  ) {
    this.states = runStates(store);
    this.version = this.dataVersion();
  }

  private dataVersion(): number {
    return this.store.db.pragma('data_version', { simple: true }) as number;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    this.heartbeat = setInterval(() => this.send(': keep-alive\n\n'), 15_000);
    this.timer.unref();
    this.heartbeat.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = null;
    this.heartbeat = null;
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  /** Looks at the store now; `force` compares even when no other connection wrote (our own writes). */
  poll(force = false): RunState[] {
    let v: number;
    try {
      v = this.dataVersion();
    } catch {
      return [];
    }
    if (!force && v === this.version) return [];
    this.version = v;
    const now = runStates(this.store);
    const changed = changedRuns(this.states, now);
    this.states = now;
    if (changed.length > 0) this.send(`event: runs\ndata: ${JSON.stringify({ runs: changed })}\n\n`);
    return changed;
  }

  private send(chunk: string): void {
    for (const c of this.clients) c.write(chunk);
  }

  /** Takes over a response as an event stream. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ runs: this.states })}\n\n`);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  get clientCount(): number {
    return this.clients.size;
  }
}
