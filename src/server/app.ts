/**
 * The workbench's HTTP server (Fastify): the built single-page app from dist/web and a JSON API over the
 * project store, every route's parameters validated by a JSON schema. Large arrays leave reduced to the
 * screen (the map binned to the requested pixels, the cycler record thinned to the plot width). See
 * security.ts for what keeps it local; live.ts for the event stream.
 */
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { safeText, SpincellError } from '../core/errors.js';
import { formatCsv } from '../io/csv/index.js';
import type { CyclerSeries } from '../echem/index.js';
import { COLORMAPS, type ColormapName } from '../report/svg/color.js';
import {
  drawnSpectra,
  EXPORT_TABLES,
  exportTable,
  mapImage,
  readSpectrum,
  type ProjectStore,
} from '../store/index.js';
import { registerEchem } from './echem.js';
import { id, runItemParams, runParams } from './schemas.js';
import { FIGURES } from './figures.js';
import { registerImpedanceRoutes } from './impedance.js';
import { LiveHub } from './live.js';
import { phasePreview, reprocess, type ProcessingChange } from './processing.js';
import { MORPHOLOGY_PRESETS, presetNames } from '../protocols/presets.js';
import {
  allowedHosts,
  dataRoots,
  guardedPath,
  hostAllowed,
  newToken,
  originAllowed,
  tokenMatches,
} from './security.js';
import { cyclerWindow, fullCyclerSeries, overview, recordStructure, timeline } from './views.js';

export const TOKEN_HEADER = 'x-spincell-token';
/** Largest request body, bytes (the API takes small JSON only). */
export const BODY_LIMIT = 64 * 1024;
/** Largest raw data file served, bytes. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

export interface ServerOptions {
  readonly store: ProjectStore;
  /** The host the server binds (Host headers naming it are accepted beside the loopback names). */
  readonly host?: string;
  /** The port (Host headers must carry it); 0 until listening on an ephemeral port. */
  readonly port?: number;
  /** The built app (default: dist/web of this package). */
  readonly webDir?: string;
  readonly token?: string;
  /** Store poll interval for live events, ms. */
  readonly pollMs?: number;
  readonly logger?: boolean;
}

/** The package's root folder (holding package.json), from this file in src/server or dist/src/server. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export function defaultWebDir(): string {
  return join(packageRoot(), 'dist', 'web');
}

const num = { type: 'number', minimum: -1e12, maximum: 1e12 } as const;

function statusOf(e: SpincellError): number {
  return /no such|no longer/.test(e.message) ? 404 : 400;
}

export interface Workbench {
  readonly app: FastifyInstance;
  readonly token: string;
  readonly hub: LiveHub;
  readonly webDir: string;
  /** The port the Host check expects (set by the CLI once listening). */
  setPort(port: number): void;
}

export function buildServer(options: ServerOptions): Workbench {
  const { store } = options;
  const token = options.token ?? newToken();
  const bindHost = options.host ?? '127.0.0.1';
  let hosts = allowedHosts(bindHost, options.port ?? 80);
  const webDir = options.webDir ?? defaultWebDir();
  const hub = new LiveHub(store, options.pollMs ?? 500);
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  });

  // Cycler records are read whole once per run and kept (a live run's record is re-read when it grows).
  const cyclerCache = new Map<string, CyclerSeries | null>();
  const cyclerOf = (runId: number): CyclerSeries | null => {
    const row = store.db.prepare('SELECT points FROM cycler_series WHERE run_id = ?').get(runId) as
      { points: number } | undefined;
    const k = `${runId}:${row?.points ?? 0}`;
    if (!cyclerCache.has(k)) {
      if (cyclerCache.size > 16) cyclerCache.clear();
      cyclerCache.set(k, row ? fullCyclerSeries(store, runId) : null);
    }
    return cyclerCache.get(k) ?? null;
  };
  const requireRun = (runId: number) => store.requireRun(runId);

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!hostAllowed(req.headers.host, hosts)) {
      return reply
        .code(421)
        .send({ error: `unexpected Host header ${safeText(String(req.headers.host), 80)}` });
    }
    const origin = req.headers.origin;
    if (!originAllowed(typeof origin === 'string' ? origin : undefined, hosts)) {
      return reply.code(403).send({ error: 'cross-origin request refused' });
    }
    if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method) && !tokenMatches(req.headers[TOKEN_HEADER], token)) {
      return reply.code(403).send({ error: `missing or wrong ${TOKEN_HEADER}` });
    }
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header(
      'content-security-policy',
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'",
    );
    return payload;
  });
  app.setErrorHandler((error: unknown, _req, reply) => {
    if (error instanceof SpincellError) return reply.code(statusOf(error)).send({ error: error.message });
    const e = error as { validation?: unknown; statusCode?: number; message?: string };
    if (e.validation || (e.statusCode && e.statusCode >= 400 && e.statusCode < 500))
      return reply.code(e.statusCode ?? 400).send({ error: safeText(e.message ?? 'bad request', 300) });
    app.log.error(error);
    return reply.code(500).send({ error: 'internal error' });
  });

  // --- the app ---------------------------------------------------------------------------------------
  const indexPath = join(webDir, 'index.html');
  const page = (): string => {
    if (!existsSync(indexPath))
      return `<!doctype html><meta charset="utf-8"><title>spincell workbench</title><p>The web app is not built: run <code>npm run build</code>.</p>`;
    return readFileSync(indexPath, 'utf8').replace(
      /<meta name="spincell-token" content="[^"]*"\s*\/?>/,
      `<meta name="spincell-token" content="${token}">`,
    );
  };
  const sendPage = (_req: FastifyRequest, reply: FastifyReply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page());
  app.get('/', sendPage);
  if (existsSync(join(webDir, 'assets')))
    app.register(fastifyStatic, {
      root: join(webDir, 'assets'),
      prefix: '/assets/',
      index: false,
      dotfiles: 'deny',
    });

  // --- API -------------------------------------------------------------------------------------------
  app.get('/api/overview', async () => overview(store));

  app.get('/api/runs/:run', { schema: { params: runParams } }, async (req) => {
    const { run } = req.params as { run: number };
    const r = requireRun(run);
    const details = store.runDetails(run);
    const row = store.db.prepare('SELECT error, updated_at, progress FROM runs WHERE id = ?').get(run) as {
      error: string | null;
      updated_at: string | null;
      progress: string | null;
    };
    const siblings = store.db
      .prepare('SELECT id, status, stored_at FROM runs WHERE experiment_id = ? ORDER BY id')
      .all(r.experiment_id);
    const manifest = details.manifest as { nmr?: { processing?: unknown } };
    return {
      ...r,
      error: row.error,
      updatedAt: row.updated_at,
      progress: row.progress,
      processing: manifest.nmr?.processing ?? null,
      counts: store.resultCounts(run),
      hasCycler: cyclerOf(run) !== null,
      runsOfExperiment: siblings,
    };
  });

  app.get('/api/runs/:run/timeline', { schema: { params: runParams } }, async (req) => {
    const { run } = req.params as { run: number };
    requireRun(run);
    const t = timeline(store, run);
    const series = cyclerOf(run);
    return { ...t, record: series ? recordStructure(series) : null };
  });

  app.get(
    '/api/runs/:run/cycler',
    {
      schema: {
        params: runParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            width: { type: 'integer', minimum: 16, maximum: 8192, default: 1200 },
            t0: num,
            t1: num,
          },
        },
      },
    },
    async (req, reply) => {
      const { run } = req.params as { run: number };
      const q = req.query as { width: number; t0?: number; t1?: number };
      requireRun(run);
      const series = cyclerOf(run);
      if (!series) return reply.code(404).send({ error: `run ${run} has no cycler record` });
      return cyclerWindow(series, q.width, q.t0, q.t1);
    },
  );

  app.get(
    '/api/runs/:run/map',
    {
      schema: {
        params: runParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            width: { type: 'integer', minimum: 2, maximum: 8192, default: 800 },
            height: { type: 'integer', minimum: 1, maximum: 8192, default: 2000 },
            ppmMin: num,
            ppmMax: num,
          },
        },
      },
    },
    async (req, reply) => {
      const { run } = req.params as { run: number };
      const q = req.query as { width: number; height: number; ppmMin?: number; ppmMax?: number };
      requireRun(run);
      const img = mapImage(store, run, {
        columns: q.width,
        maxRows: q.height,
        minPpm: q.ppmMin,
        maxPpm: q.ppmMax,
      });
      const meta = {
        columns: img.ppm.length,
        rows: img.rows,
        ppmFirst: img.ppm[0] ?? null,
        ppmLast: img.ppm[img.ppm.length - 1] ?? null,
        range: img.range,
      };
      // Binary float32 rows; the description travels in a header (JSON, ASCII only).
      return reply
        .type('application/octet-stream')
        .header('x-map-meta', JSON.stringify(meta))
        .header('cache-control', 'no-store')
        .send(Buffer.from(img.intensity.buffer, img.intensity.byteOffset, img.intensity.byteLength));
    },
  );

  app.get('/api/runs/:run/spectra', { schema: { params: runParams } }, async (req) => {
    const { run } = req.params as { run: number };
    requireRun(run);
    return { spectra: drawnSpectra(store, run) };
  });

  const spectrumParams = runItemParams('spectrum');

  app.get('/api/runs/:run/spectra/:spectrum', { schema: { params: spectrumParams } }, async (req) => {
    const { run, spectrum } = req.params as { run: number; spectrum: number };
    requireRun(run);
    const d = readSpectrum(store, run, spectrum);
    const fit = d.fit;
    return {
      spectrum,
      stride: d.stride,
      ppmFirst: d.ppm[0],
      ppmLast: d.ppm[d.ppm.length - 1],
      intensity: Array.from(d.intensity),
      fit: fit
        ? {
            ppm: Array.from(fit.ppm),
            sum: Array.from(fit.sum),
            baseline: Array.from(fit.baseline),
            lines: fit.lines.map((l) => ({ name: l.name, y: Array.from(l.y) })),
            rSquared: fit.rSquared,
            parameters: fit.parameters,
          }
        : null,
      flags: store.db
        .prepare(
          'SELECT component, converged, error FROM morphology WHERE run_id = ? AND spectrum = ? ORDER BY component_index',
        )
        .all(run, spectrum),
    };
  });

  app.get(
    '/api/runs/:run/spectra/:spectrum/unphased',
    { schema: { params: spectrumParams } },
    async (req) => {
      const { run, spectrum } = req.params as { run: number; spectrum: number };
      requireRun(run);
      return phasePreview(store, run, spectrum, dataRoots(store));
    },
  );

  const ppmValue = { type: 'number', minimum: -1e5, maximum: 1e5 } as const;
  const ppmRange = { type: 'array', minItems: 2, maxItems: 2, items: ppmValue } as const;
  app.post(
    '/api/runs/:run/reprocess',
    {
      schema: {
        params: runParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            phase: {
              type: 'object',
              required: ['ph0Deg', 'ph1Deg'],
              additionalProperties: false,
              properties: {
                ph0Deg: { type: 'number', minimum: -1e6, maximum: 1e6 },
                ph1Deg: { type: 'number', minimum: -1e6, maximum: 1e6 },
              },
            },
            baseline: {
              oneOf: [
                { type: 'string', enum: ['none', 'auto'] },
                {
                  type: 'object',
                  required: ['polyOrder'],
                  additionalProperties: false,
                  properties: {
                    polyOrder: { type: 'integer', minimum: 0, maximum: 10 },
                    regionsPpm: { type: 'array', minItems: 1, maxItems: 100, items: ppmRange },
                  },
                },
              ],
            },
            reference: { type: 'string', minLength: 1, maxLength: 100 },
            regionsPpm: { type: 'array', maxItems: 100, items: ppmRange },
            morphologyPreset: { type: 'string', enum: presetNames() },
            spectrum: { type: 'integer', minimum: 0, maximum: 2 ** 31 },
          },
        },
      },
    },
    async (req) => {
      const { run } = req.params as { run: number };
      const out = reprocess(store, run, req.body as ProcessingChange, dataRoots(store));
      hub.poll(true);
      return out;
    },
  );

  app.get('/api/presets', async () => ({
    presets: MORPHOLOGY_PRESETS.map((p) => ({
      name: p.name,
      title: p.title,
      citation: p.citation,
      nuclei: p.nuclei,
      mode: p.mode.value,
      referencing: p.referencing.value,
      referencingSource: p.referencing.source,
      windows: p.windows?.value ?? null,
    })),
  }));

  app.get(
    '/api/tables/:table',
    {
      schema: {
        params: {
          type: 'object',
          required: ['table'],
          additionalProperties: false,
          properties: { table: { type: 'string', enum: EXPORT_TABLES.map((t) => `${t}.csv`) } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            run: id,
            campaign: { type: 'string', maxLength: 200 },
            cell: { type: 'string', maxLength: 200 },
          },
        },
      },
    },
    async (req, reply) => {
      const { table } = req.params as { table: string };
      const q = req.query as { run?: number; campaign?: string; cell?: string };
      const name = table.replace(/\.csv$/, '');
      const t = exportTable(store, name, q);
      const csv = formatCsv(
        t.columns,
        t.rows.map((r) => t.columns.map((c) => r[c])),
      );
      const file = `${name}${q.run !== undefined ? `-run${q.run}` : ''}.csv`;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${file}"`)
        .send(csv);
    },
  );

  app.get(
    '/api/runs/:run/figures/:figure',
    {
      schema: {
        params: {
          type: 'object',
          required: ['run', 'figure'],
          additionalProperties: false,
          properties: {
            run: id,
            figure: { type: 'string', enum: Object.keys(FIGURES).map((f) => `${f}.svg`) },
          },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            t0: num,
            t1: num,
            ppmMin: num,
            ppmMax: num,
            spectrum: { type: 'integer', minimum: 0 },
            spectra: { type: 'string', pattern: '^[0-9]+(,[0-9]+){0,199}$' },
          },
        },
      },
    },
    async (req, reply) => {
      const { run, figure } = req.params as { run: number; figure: string };
      const q = req.query as {
        t0?: number;
        t1?: number;
        ppmMin?: number;
        ppmMax?: number;
        spectrum?: number;
        spectra?: string;
      };
      requireRun(run);
      const name = figure.replace(/\.svg$/, '') as keyof typeof FIGURES;
      const svg = FIGURES[name](store, run, {
        ...q,
        spectra: q.spectra ? q.spectra.split(',').map(Number) : undefined,
      });
      return reply
        .type('image/svg+xml; charset=utf-8')
        .header('content-disposition', `attachment; filename="run${run}-${name}.svg"`)
        .send(svg);
    },
  );

  app.get(
    '/api/experiments/:experiment/file',
    {
      schema: {
        params: {
          type: 'object',
          required: ['experiment'],
          additionalProperties: false,
          properties: { experiment: id },
        },
        querystring: {
          type: 'object',
          required: ['path'],
          additionalProperties: false,
          properties: { path: { type: 'string', minLength: 1, maxLength: 4096 } },
        },
      },
    },
    async (req, reply) => {
      const { experiment } = req.params as { experiment: number };
      const { path } = req.query as { path: string };
      const exp = store.db.prepare('SELECT paths_json FROM experiments WHERE id = ?').get(experiment) as
        { paths_json: string } | undefined;
      if (!exp) return reply.code(404).send({ error: `no experiment ${experiment}` });
      let paths: { nmr?: string | null };
      try {
        paths = JSON.parse(exp.paths_json) as { nmr?: string | null };
      } catch {
        return reply.code(500).send({ error: `experiment ${experiment}: its stored paths are not JSON` });
      }
      // relative paths are taken inside the experiment's NMR folder
      const real = guardedPath(path, dataRoots(store), paths.nmr ?? undefined);
      if (real === null)
        return reply
          .code(403)
          .send({ error: 'only files under the project’s registered data folders are served' });
      const st = statSync(real);
      if (!st.isFile()) return reply.code(400).send({ error: 'not a file' });
      if (st.size > MAX_FILE_BYTES) return reply.code(413).send({ error: 'file too large to serve' });
      return reply.type('application/octet-stream').send(readFileSync(real));
    },
  );

  app.get(
    '/api/colormap',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { name: { type: 'string', enum: Object.keys(COLORMAPS), default: 'viridis' } },
        },
      },
    },
    async (req) => {
      const { name } = req.query as { name: ColormapName };
      return { name, colors: Array.from({ length: 256 }, (_, i) => COLORMAPS[name](i / 255)) };
    },
  );

  app.get('/api/events', (req, reply) => {
    reply.hijack();
    hub.attach(reply.raw);
    req.raw.on('close', () => reply.raw.end());
  });

  app.get('/api/tables', async () => ({ tables: EXPORT_TABLES }));
  registerImpedanceRoutes(app, store);

  registerEchem(app, { store, cyclerOf });

  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/')) return reply.code(404).send({ error: 'no such route' });
    if (req.method === 'GET') return sendPage(req, reply);
    return reply.code(404).send({ error: 'no such route' });
  });

  app.addHook('onClose', async () => hub.stop());
  hub.start();
  return {
    app,
    token,
    hub,
    webDir,
    setPort(port: number) {
      hosts = allowedHosts(bindHost, port);
    },
  };
}
