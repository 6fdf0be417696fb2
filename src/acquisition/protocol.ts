/**
 * The instrument protocol: how the acquisition runner talks to a spectrometer, a cycler and a tuning unit,
 * real (behind an adapter) or virtual. One TCP connection per instrument carries JSON lines (UTF-8, one
 * JSON object per line, '\n' terminated):
 *
 *   request   {"id": 7, "method": "wobble", "params": {"centerHz": 155.5e6, "spanHz": 8e6, "points": 201}}
 *   response  {"id": 7, "result": {...}}                       (success)
 *             {"id": 7, "error": {"code": "rejected", "message": "current 50 mA above the 10 mA range"}}
 *
 * Requests on one connection are answered in any order and matched by id. An instrument process prints
 * one line {"event":"ready","kind":"cycler","port":N} on stdout when it listens. The methods of each kind
 * are listed in INSTRUMENT_METHODS and documented in the README ("Instrument protocol").
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type InstrumentKind = 'spectrometer' | 'cycler' | 'tuning';

/** Methods every instrument of a kind answers (besides `hello` and `shutdown`). */
export const INSTRUMENT_METHODS: Readonly<Record<InstrumentKind, readonly string[]>> = {
  tuning: ['wobble', 'move', 'positions', 'limits'],
  cycler: ['configure', 'start', 'status', 'rest'],
  spectrometer: ['configure', 'acquire'],
};

/** Largest accepted line (a 4k-point wobble curve is ≈ 100 kB). */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export type ErrorCode =
  'rejected' | 'bad-request' | 'unknown-method' | 'busy' | 'failed' | 'timeout' | 'disconnected';

/** An error answered by an instrument, or met on the way to it (timeout, lost connection). */
export class InstrumentError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly instrument = '',
  ) {
    super(message);
  }
}

export type Handler = (params: Record<string, unknown>) => unknown;

/** Splits a byte stream into lines; refuses a line longer than MAX_LINE_BYTES. */
function lineReader(onLine: (line: string) => void, onTooLong: () => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line.length > 0) onLine(line);
      nl = pending.indexOf('\n');
    }
    if (pending.length > MAX_LINE_BYTES) {
      pending = '';
      onTooLong();
    }
  };
}

/**
 * Serves an instrument: each request line is dispatched to handlers[method] (sync or async); a thrown
 * InstrumentError is answered with its code, any other error as 'failed'.
 */
export function serveInstrument(
  kind: InstrumentKind,
  name: string,
  handlers: Readonly<Record<string, Handler>>,
  options: { port?: number; host?: string; onShutdown?: () => void } = {},
): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reply = (value: unknown) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(value)}\n`);
    };
    socket.on(
      'data',
      lineReader(
        (line) => {
          let request: { id?: unknown; method?: unknown; params?: unknown };
          try {
            request = JSON.parse(line) as typeof request;
          } catch {
            reply({ id: null, error: { code: 'bad-request', message: 'not a JSON line' } });
            return;
          }
          const id = typeof request.id === 'number' ? request.id : null;
          const method = typeof request.method === 'string' ? request.method : '';
          const params =
            request.params && typeof request.params === 'object'
              ? (request.params as Record<string, unknown>)
              : {};
          if (method === 'hello')
            return reply({ id, result: { kind, name, methods: Object.keys(handlers) } });
          if (method === 'shutdown') {
            reply({ id, result: { ok: true } });
            setImmediate(() => options.onShutdown?.());
            return;
          }
          const handler = handlers[method];
          if (!handler)
            return reply({ id, error: { code: 'unknown-method', message: `no method '${method}'` } });
          Promise.resolve()
            .then(() => handler(params))
            .then(
              (result) => reply({ id, result: result ?? {} }),
              (error: unknown) =>
                reply({
                  id,
                  error:
                    error instanceof InstrumentError
                      ? { code: error.code, message: error.message }
                      : { code: 'failed', message: error instanceof Error ? error.message : String(error) },
                }),
            );
        },
        () => socket.destroy(),
      ),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const close = server.close.bind(server);
      // Closing the server also drops open connections, so a stopped instrument looks disconnected.
      server.close = ((cb?: (err?: Error) => void) => {
        for (const s of sockets) s.destroy();
        return close(cb);
      }) as typeof server.close;
      resolve({ server, port });
    });
  });
}

export interface InstrumentClient {
  readonly name: string;
  call<T = Record<string, unknown>>(
    method: string,
    params?: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<T>;
  close(): void;
  readonly connected: boolean;
}

/** Connects to an instrument at host:port. Rejects with InstrumentError('disconnected') if nobody listens. */
export function connectInstrument(
  name: string,
  port: number,
  options: { host?: string; timeoutMs?: number } = {},
): Promise<InstrumentClient> {
  const host = options.host ?? '127.0.0.1';
  const defaultTimeout = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    let nextId = 1;
    let open = false;
    const waiting = new Map<
      number,
      { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
    >();
    const failAll = (error: InstrumentError) => {
      for (const w of waiting.values()) {
        clearTimeout(w.timer);
        w.reject(error);
      }
      waiting.clear();
    };
    socket.on(
      'data',
      lineReader(
        (line) => {
          let msg: { id?: number; result?: unknown; error?: { code?: string; message?: string } };
          try {
            msg = JSON.parse(line) as typeof msg;
          } catch {
            return;
          }
          const w = typeof msg.id === 'number' ? waiting.get(msg.id) : undefined;
          if (!w) return;
          waiting.delete(msg.id as number);
          clearTimeout(w.timer);
          if (msg.error)
            w.reject(
              new InstrumentError(
                (msg.error.code as ErrorCode) ?? 'failed',
                msg.error.message ?? 'error',
                name,
              ),
            );
          else w.resolve(msg.result);
        },
        () => socket.destroy(),
      ),
    );
    socket.on('error', (error) => {
      if (!open)
        reject(
          new InstrumentError(
            'disconnected',
            `${name}: cannot connect to ${host}:${port} (${error.message})`,
            name,
          ),
        );
    });
    socket.on('close', () => {
      open = false;
      failAll(new InstrumentError('disconnected', `${name}: connection to ${host}:${port} lost`, name));
    });
    socket.on('connect', () => {
      open = true;
      resolve({
        name,
        get connected() {
          return open;
        },
        call<T>(
          method: string,
          params: Record<string, unknown> = {},
          timeoutMs = defaultTimeout,
        ): Promise<T> {
          if (!open)
            return Promise.reject(new InstrumentError('disconnected', `${name}: not connected`, name));
          const id = nextId++;
          return new Promise<T>((res, rej) => {
            const timer = setTimeout(() => {
              waiting.delete(id);
              rej(
                new InstrumentError(
                  'timeout',
                  `${name}: no answer to '${method}' within ${timeoutMs} ms`,
                  name,
                ),
              );
            }, timeoutMs);
            waiting.set(id, { resolve: res as (v: unknown) => void, reject: rej, timer });
            socket.write(`${JSON.stringify({ id, method, params })}\n`);
          });
        },
        close() {
          open = false;
          socket.destroy();
        },
      });
    });
  });
}
