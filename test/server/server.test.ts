/**
 * The workbench server over a fixture project (simulated operando series with known lines, run by the
 * pipeline and stored): what the routes return is checked against the store's own readers and tables,
 * the map's binning against the analytic area of a Lorentzian, the phase preview against the run's
 * stored spectra, and the security rules (Host/Origin, token, body size, path traversal) by attack.
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, TOKEN_HEADER, type Workbench } from '../../src/server/index.js';
import type { PhasePreview } from '../../src/server/processing.js';
import {
  binnedRow,
  exportTable,
  ProjectStore,
  readCyclerSeries,
  readSpectrum,
  storedAxisPpm,
} from '../../src/store/index.js';
import { lineProfile } from '../../src/fit/lineshapes.js';
import { makeFixture, type Fixture } from './fixture.js';
import { readManifest, runManifest } from '../../src/pipeline/index.js';
import { presetNames } from '../../src/protocols/presets.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-server-'));
let fx: Fixture;
let store: ProjectStore;
let wb: Workbench;
const H = { host: '127.0.0.1:80' };

beforeAll(() => {
  fx = makeFixture(dir, 6);
  store = ProjectStore.open(fx.projectDir);
  wb = buildServer({ store, port: 80, webDir: join(dir, 'no-web'), pollMs: 100 });
}, 120_000);
afterAll(async () => {
  await wb.app.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const getJson = async (url: string) => {
  const r = await wb.app.inject({ method: 'GET', url, headers: H });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> };
};

describe('routes read the store', () => {
  it('lists campaigns, cells, experiments and runs with status and a metal sparkline', async () => {
    const { status, body } = await getJson('/api/overview');
    expect(status).toBe(200);
    const campaigns = body.campaigns as {
      name: string;
      cells: { name: string; experiments: { runs: Record<string, unknown>[] }[] }[];
    }[];
    expect(campaigns.map((c) => c.name)).toEqual(['bench']);
    const run = campaigns[0].cells[0].experiments[0].runs[0];
    expect(run.status).toBe('complete');
    expect(run.spectra).toBe(6);
    const integrals = exportTable(store, 'integrals', { run: fx.runId }).rows.map((r) => r.value);
    expect(run.metalSparkline).toEqual(integrals);
  });

  it('gives each spectrum the window and cell state of the alignment table', async () => {
    const { body } = await getJson(`/api/runs/${fx.runId}/timeline`);
    const rows = exportTable(store, 'alignment', { run: fx.runId }).rows;
    const spectra = body.spectra as {
      spectrum: number;
      startS: number;
      endS: number;
      voltageV: number;
      cycle: number;
    }[];
    expect(spectra.length).toBe(rows.length);
    spectra.forEach((s, i) => {
      expect(s.startS).toBe(rows[i].start_s);
      expect(s.endS).toBe(rows[i].end_s);
      expect(s.voltageV).toBe(rows[i].mean_voltage_v);
      expect(s.cycle).toBe(rows[i].cycle);
    });
    expect(body.components).toEqual(['dense', 'mossy', 'dendritic']);
    const record = body.record as { steps: { startS: number }[] };
    expect(record.steps.length).toBeGreaterThan(1);
  });

  it('thins the cycler record to the screen and keeps its extremes', async () => {
    const full = readCyclerSeries(store, fx.runId, Number.MAX_SAFE_INTEGER);
    if (!full) throw new Error('fixture has no cycler record');
    const { body } = await getJson(`/api/runs/${fx.runId}/cycler?width=50`);
    const v = body.voltageV as number[];
    expect(v.length).toBeLessThanOrEqual(3 * 50 + 3);
    expect(v.length).toBeLessThan(full.timeS.length);
    expect(Math.max(...v)).toBe(Math.max(...full.voltageV));
    expect(Math.min(...v)).toBe(Math.min(...full.voltageV));
    // a window: only rows inside it (plus one either side)
    const t0 = full.timeS[100];
    const t1 = full.timeS[400];
    const w = (await getJson(`/api/runs/${fx.runId}/cycler?width=2000&t0=${t0}&t1=${t1}`)).body;
    const t = w.timeS as number[];
    expect(t[0]).toBe(full.timeS[99]);
    expect(t[t.length - 1]).toBe(full.timeS[401]);
  });

  it('sends the map binned to the requested pixels, as float32 rows', async () => {
    const r = await wb.app.inject({
      method: 'GET',
      url: `/api/runs/${fx.runId}/map?width=100&height=3&ppmMin=200&ppmMax=300`,
      headers: H,
    });
    expect(r.statusCode).toBe(200);
    const meta = JSON.parse(String(r.headers['x-map-meta'])) as {
      columns: number;
      rows: { first: number; last: number }[];
    };
    expect(meta.columns).toBe(100);
    expect(meta.rows).toEqual([
      { first: 0, last: 1 },
      { first: 2, last: 3 },
      { first: 4, last: 5 },
    ]);
    const body = r.rawPayload;
    const z = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    expect(z.length).toBe(300);
    // row 0 is the mean of spectra 0 and 1: its sum over the bins (× bin width) is their mean integral
    const bin = 1; // (300 − 200) / 100 ppm
    const integral = (k: number) => {
      const d = readSpectrum(store, fx.runId, k);
      const dx = Math.abs(d.ppm[1] - d.ppm[0]);
      let s = 0;
      d.ppm.forEach((x, i) => {
        if (x >= 200 && x <= 300) s += d.intensity[i] * dx;
      });
      return s;
    };
    const row0 = z.subarray(0, 100).reduce((a, b) => a + b, 0) * bin;
    expect(row0 / ((integral(0) + integral(1)) / 2)).toBeCloseTo(1, 3);
  });

  it('bins keep a narrow line’s area (analytic Lorentzian) where point sampling would not', () => {
    // Lorentzian FWHM 0.3 ppm at 250.13 ppm, 8192 points over 400 … −100 ppm, binned to 50 columns over 200–300
    const n = 8192;
    const ppm = Float64Array.from({ length: n }, (_, i) => 400 - (500 * i) / (n - 1));
    const y = Float32Array.from(lineProfile('lorentzian', ppm, [250.13, 100, 0.3]));
    const edges = Float64Array.from({ length: 51 }, (_, j) => 300 - 2 * j);
    const out = new Float32Array(50);
    binnedRow(y, 400, -100, edges, out, 0);
    // area of a unit-area Lorentzian between a and b: (atan(2(b−x0)/w) − atan(2(a−x0)/w))/π
    const area =
      (100 * (Math.atan((2 * (300 - 250.13)) / 0.3) - Math.atan((2 * (200 - 250.13)) / 0.3))) / Math.PI;
    const binned = out.reduce((a, b) => a + b, 0) * 2;
    expect(binned / area).toBeCloseTo(1, 3);
    let k = 0;
    for (let j = 1; j < 50; j++) if (out[j] > out[k]) k = j;
    expect(edges[k]).toBeGreaterThanOrEqual(250.13);
    expect(edges[k + 1]).toBeLessThanOrEqual(250.13);
  });

  it('returns one spectrum with its fit on the stored axis', async () => {
    const { body } = await getJson(`/api/runs/${fx.runId}/spectra/2`);
    const d = readSpectrum(store, fx.runId, 2);
    expect(body.intensity).toEqual(Array.from(d.intensity));
    const fit = body.fit as { sum: number[]; parameters: { name: string; fraction: number }[] };
    expect(fit.sum).toEqual(Array.from(d.fit?.sum ?? []));
    expect(fit.parameters.map((p) => p.name)).toEqual(['dense', 'mossy', 'dendritic']);
  });

  it('exports a table as CSV with the rows exportTable reads', async () => {
    const r = await wb.app.inject({
      method: 'GET',
      url: `/api/tables/morphology.csv?run=${fx.runId}`,
      headers: H,
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/csv/);
    const lines = r.body.trim().split('\n');
    const t = exportTable(store, 'morphology', { run: fx.runId });
    expect(lines[0]).toBe(t.columns.join(','));
    expect(lines.length).toBe(t.rows.length + 1);
  });

  it('draws the map, the cycler panels, a spectrum and a waterfall as SVG', async () => {
    for (const f of ['map', 'cycler', 'spectrum', 'waterfall']) {
      const r = await wb.app.inject({
        method: 'GET',
        url: `/api/runs/${fx.runId}/figures/${f}.svg?ppmMin=200&ppmMax=300`,
        headers: H,
      });
      expect(r.statusCode, f).toBe(200);
      expect(r.body.startsWith('<svg')).toBe(true);
      expect(r.body).toContain('</svg>');
    }
  });

  it('refuses malformed parameters with 400 and unknown runs with 404', async () => {
    expect((await getJson(`/api/runs/${fx.runId}/map?width=abc`)).status).toBe(400);
    expect((await getJson(`/api/runs/${fx.runId}/map?width=5&bogus=1`)).status).toBe(400);
    expect((await getJson(`/api/runs/0/timeline`)).status).toBe(400);
    expect((await getJson(`/api/runs/999/timeline`)).status).toBe(404);
    expect((await getJson(`/api/tables/sqlite_master.csv`)).status).toBe(400);
    expect((await getJson(`/api/runs/${fx.runId}/spectra/99`)).status).toBe(404);
  });
});

describe('security', () => {
  it('refuses a foreign Host (DNS rebinding) and a foreign Origin', async () => {
    const evil = await wb.app.inject({
      method: 'GET',
      url: '/api/overview',
      headers: { host: 'attacker.example:80' },
    });
    expect(evil.statusCode).toBe(421);
    const port = await wb.app.inject({
      method: 'GET',
      url: '/api/overview',
      headers: { host: '127.0.0.1:81' },
    });
    expect(port.statusCode).toBe(421);
    const origin = await wb.app.inject({
      method: 'GET',
      url: '/api/overview',
      headers: { ...H, origin: 'http://attacker.example' },
    });
    expect(origin.statusCode).toBe(403);
    const own = await wb.app.inject({
      method: 'GET',
      url: '/api/overview',
      headers: { host: 'localhost:80', origin: 'http://localhost' },
    });
    expect(own.statusCode).toBe(200);
  });

  it('needs the start-up token to change the store', async () => {
    const body = { phase: { ph0Deg: 0, ph1Deg: 0 } };
    const none = await wb.app.inject({
      method: 'POST',
      url: `/api/runs/${fx.runId}/reprocess`,
      headers: H,
      payload: body,
    });
    expect(none.statusCode).toBe(403);
    const wrong = await wb.app.inject({
      method: 'POST',
      url: `/api/runs/${fx.runId}/reprocess`,
      headers: { ...H, [TOKEN_HEADER]: 'x'.repeat(wb.token.length) },
      payload: body,
    });
    expect(wrong.statusCode).toBe(403);
    expect(wb.token.length).toBeGreaterThanOrEqual(40);
  });

  it('refuses bodies over the size limit', async () => {
    const r = await wb.app.inject({
      method: 'POST',
      url: `/api/runs/${fx.runId}/reprocess`,
      headers: { ...H, [TOKEN_HEADER]: wb.token, 'content-type': 'application/json' },
      payload: JSON.stringify({ phase: { ph0Deg: 0, ph1Deg: 0 }, pad: 'x'.repeat(100_000) }),
    });
    expect(r.statusCode).toBe(413);
  });

  it('serves only files under the registered data folders (path traversal)', async () => {
    const exp = (exportTable(store, 'experiments').rows[0] as { id: number }).id;
    const ok = await wb.app.inject({
      method: 'GET',
      url: `/api/experiments/${exp}/file?path=10/acqus`,
      headers: H,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe(readFileSync(join(fx.dataDir, 'series', '10', 'acqus'), 'utf8'));
    // the cycler file is registered too
    const cyc = await wb.app.inject({
      method: 'GET',
      url: `/api/experiments/${exp}/file?path=${encodeURIComponent(join(fx.dataDir, 'cycler.mpt'))}`,
      headers: H,
    });
    expect(cyc.statusCode).toBe(200);
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    symlinkSync(join(dir, 'secret.txt'), join(fx.dataDir, 'series', 'link.txt'));
    const attacks = [
      '../../secret.txt',
      '../../m.json',
      '..%2F..%2Fsecret.txt',
      encodeURIComponent('../../../../../../etc/passwd'),
      encodeURIComponent('/etc/passwd'),
      encodeURIComponent(join(dir, 'secret.txt')),
      encodeURIComponent(join(fx.projectDir, 'spincell.db')),
      'link.txt',
      '10/../../../secret.txt',
      encodeURIComponent('10/acqus\0.txt'),
    ];
    for (const a of attacks) {
      const r = await wb.app.inject({
        method: 'GET',
        url: `/api/experiments/${exp}/file?path=${a}`,
        headers: H,
      });
      expect([403, 400], a).toContain(r.statusCode);
      expect(r.body).not.toContain('secret');
    }
  });

  it('sends security headers and no eval in its policy', async () => {
    const r = await wb.app.inject({ method: 'GET', url: '/', headers: H });
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(r.headers['x-frame-options']).toBe('DENY');
  });
});

describe('phase: preview and a new run through the pipeline', () => {
  it('rotating the unphased preview by the run’s own phase gives the run’s spectrum', async () => {
    const { body } = await getJson(`/api/runs/${fx.runId}/spectra/1/unphased`);
    const p = body as unknown as PhasePreview;
    const rot = p.re.map((r, j) => {
      const i = j * p.stride + (p.stride - 1) / 2;
      const phi = ((p.ph0Deg + (p.ph1Deg * i) / p.n) * Math.PI) / 180;
      return r * Math.cos(phi) - p.im[j] * Math.sin(phi);
    });
    const d = readSpectrum(store, fx.runId, 1);
    expect(p.re.length).toBe(d.intensity.length);
    // same axis; inside the metal window the two agree up to the run's (smooth) baseline
    const x = storedAxisPpm({ points: p.re.length, ppmFirst: p.ppmFirst, ppmLast: p.ppmLast });
    expect(x[0]).toBeCloseTo(d.ppm[0], 6);
    let peak = 0;
    let sse = 0;
    for (let i = 0; i < x.length; i++)
      if (x[i] > 235 && x[i] < 265) {
        peak = Math.max(peak, d.intensity[i]);
        sse = Math.max(sse, Math.abs(rot[i] - d.intensity[i]));
      }
    expect(sse / peak).toBeLessThan(0.02);
  });

  it('the preview reads only its own experiment, not the whole series', async () => {
    // another experiment of the series made unreadable: listing the whole series would fail on it
    const other = exportTable(store, 'spectra', { run: fx.runId }).rows.find((r) => r.spectrum === 0);
    const acqus = join(String(other?.source), 'acqus');
    const saved = readFileSync(acqus);
    writeFileSync(acqus, 'not a parameter file');
    try {
      const { status, body } = await getJson(`/api/runs/${fx.runId}/spectra/1/unphased`);
      expect(status, JSON.stringify(body)).toBe(200);
      expect((body as unknown as PhasePreview).spectrum).toBe(1);
    } finally {
      writeFileSync(acqus, saved);
    }
  });

  it('serves viridis and cividis, and refuses other names', async () => {
    const v = await getJson('/api/colormap');
    const c = await getJson('/api/colormap?name=cividis');
    expect(v.body.name).toBe('viridis');
    expect((c.body.colors as string[]).length).toBe(256);
    expect((c.body.colors as string[])[0]).toBe('#00204d'); // published cividis entry 0: (0, 0.1262, 0.3015)
    expect(c.body.colors).not.toEqual(v.body.colors);
    expect((await getJson('/api/colormap?name=jet')).status).toBe(400);
  });

  it('applies a manual phase as a new run of the same experiment; the old run stays', async () => {
    const before = exportTable(store, 'runs').rows.length;
    const r = await wb.app.inject({
      method: 'POST',
      url: `/api/runs/${fx.runId}/reprocess`,
      headers: { ...H, [TOKEN_HEADER]: wb.token },
      payload: { phase: { ph0Deg: 12.5, ph1Deg: -3 } },
    });
    expect(r.statusCode, r.body).toBe(200);
    const out = r.json() as { run: number; cached: boolean };
    expect(out.cached).toBe(false);
    expect(out.run).not.toBe(fx.runId);
    const runs = exportTable(store, 'runs').rows as { id: number; experiment_id: number; status: string }[];
    expect(runs.length).toBe(before + 1);
    const old = runs.find((x) => x.id === fx.runId);
    const made = runs.find((x) => x.id === out.run);
    expect(made?.experiment_id).toBe(old?.experiment_id);
    expect(made?.status).toBe('complete');
    const spectra = exportTable(store, 'spectra', { run: out.run }).rows;
    expect(spectra.length).toBe(6);
    for (const s of spectra) {
      expect(s.phase_mode).toBe('manual');
      expect(s.ph0_deg).toBe(12.5);
      expect(s.ph1_deg).toBe(-3);
    }
    // asking again is a cache hit
    const again = await wb.app.inject({
      method: 'POST',
      url: `/api/runs/${fx.runId}/reprocess`,
      headers: { ...H, [TOKEN_HEADER]: wb.token },
      payload: { phase: { ph0Deg: 12.5, ph1Deg: -3 } },
    });
    expect(again.json()).toMatchObject({ run: out.run, cached: true });
  }, 120_000);
});

describe('processing beyond phase: baseline, reference, integral regions, preset, one spectrum', () => {
  const post = (url: string, payload: unknown) =>
    wb.app.inject({
      method: 'POST',
      url,
      headers: { ...H, [TOKEN_HEADER]: wb.token },
      payload: payload as object,
    });
  const change = {
    baseline: {
      polyOrder: 2,
      regionsPpm: [[-400, -100] as [number, number], [500, 800] as [number, number]],
    },
    reference: 'metal:246',
    regionsPpm: [[230, 290] as [number, number], [250, 275] as [number, number]],
  };

  it('stores a new run whose settings and numbers equal spincell run with the same manifest', async () => {
    const r = await post(`/api/runs/${fx.runId}/reprocess`, change);
    expect(r.statusCode, r.body).toBe(200);
    const out = r.json() as { run: number };
    const stored = store.runDetails(out.run).manifest as {
      nmr: { processing: Record<string, unknown>; regionsPpm: unknown };
    };
    expect(stored.nmr.processing.baseline).toEqual(change.baseline);
    expect(stored.nmr.processing.reference).toBe('metal:246');
    expect(stored.nmr.regionsPpm).toEqual(change.regionsPpm);
    // the same manifest run as `spincell run` would (a manifest file on disk, runManifest)
    const m = JSON.parse(JSON.stringify(store.runDetails(out.run).manifest)) as Record<string, unknown>;
    m.output = { dir: join(dir, 'cli-out') };
    const file = join(dir, 'cli.json');
    writeFileSync(file, JSON.stringify(m));
    const cli = runManifest(readManifest(file), { manifestPath: file });
    const ours = exportTable(store, 'integrals', { run: out.run }).rows;
    const theirs = cli.results.nmr?.rows ?? [];
    expect(ours.length).toBe(theirs.length * 2);
    for (const row of ours) {
      const k = change.regionsPpm.findIndex((g) => g[0] === row.from_ppm && g[1] === row.to_ppm);
      expect(row.value).toBeCloseTo(theirs[row.spectrum as number].integrals[k], 12);
    }
    // referencing moved the metal line to 246 ppm (the fixture's run put it at 245)
    const offsets = exportTable(store, 'spectra', { run: out.run }).rows.map((x) => x.reference_offset_ppm);
    const before = exportTable(store, 'spectra', { run: fx.runId }).rows.map((x) => x.reference_offset_ppm);
    offsets.forEach((o, i) => expect((o as number) - (before[i] as number)).toBeCloseTo(1, 1));
  }, 120_000);

  it('applies to one spectrum: a run of that experiment alone, with the series run’s numbers', async () => {
    const series = (await post(`/api/runs/${fx.runId}/reprocess`, change)).json() as { run: number };
    const r = await post(`/api/runs/${fx.runId}/reprocess`, { ...change, spectrum: 3 });
    expect(r.statusCode, r.body).toBe(200);
    const one = (r.json() as { run: number }).run;
    const rows = exportTable(store, 'integrals', { run: one }).rows;
    expect(rows.length).toBe(2);
    const ref = exportTable(store, 'integrals', { run: series.run }).rows.filter((x) => x.spectrum === 3);
    for (const row of rows) {
      const same = ref.find((x) => x.from_ppm === row.from_ppm && x.to_ppm === row.to_ppm);
      expect(row.value as number).toBeCloseTo(same?.value as number, 10);
    }
  }, 120_000);

  it('refuses bad settings in one line naming the field; lists the presets', async () => {
    const bad = await post(`/api/runs/${fx.runId}/reprocess`, { reference: 'somewhere' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/reference/);
    expect((await post(`/api/runs/${fx.runId}/reprocess`, { baseline: { polyOrder: 11 } })).statusCode).toBe(
      400,
    );
    expect((await post(`/api/runs/${fx.runId}/reprocess`, { morphologyPreset: 'nope' })).statusCode).toBe(
      400,
    );
    expect((await post(`/api/runs/${fx.runId}/reprocess`, {})).statusCode).toBe(400);
    const { body } = await getJson('/api/presets');
    const names = (body.presets as { name: string }[]).map((p) => p.name);
    expect(names.length).toBeGreaterThan(1);
    expect(names).toEqual(presetNames());
  });
});

describe('live events', () => {
  it('pushes a runs event when another connection adds to the store', async () => {
    await wb.app.listen({ port: 0, host: '127.0.0.1' });
    const address = wb.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    wb.setPort(port);
    const events: string[] = [];
    const req = get(
      { host: '127.0.0.1', port, path: '/api/events', headers: { host: `127.0.0.1:${port}` } },
      (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => events.push(chunk));
      },
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(events.join('')).toContain('event: hello');
    // another connection (as spincell watch would be) bumps the run
    const other = ProjectStore.open(fx.projectDir);
    other.db
      .prepare("UPDATE runs SET updated_at = ?, progress = 'batch 2' WHERE id = ?")
      .run(new Date().toISOString(), fx.runId);
    other.close();
    const t0 = Date.now();
    while (!events.join('').includes('event: runs') && Date.now() - t0 < 5000)
      await new Promise((r) => setTimeout(r, 50));
    req.destroy();
    const text = events.join('');
    expect(text).toContain('event: runs');
    expect(text).toContain('batch 2');
  });
});
