/**
 * The workbench in a real browser (Debian's Chromium through playwright-core) over a fixture project (a
 * simulated operando series with known lines, run by the pipeline into a store): the map canvas has drawn
 * the data (pixels: the metal line at 245 ppm bright, the empty shift range dark), clicking a spectrum
 * shows its fit, the keyboard steps, changing the phase changes the preview and applying it stores a new
 * run, a CSV and an SVG download, and spectra written into the store while the page is open appear
 * without reload. No test may leave a console error.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { exportTable, ProjectStore, runKey, storeRun, writeSpectrumData } from '../../src/store/index.js';
import { readManifest } from '../../src/pipeline/index.js';
import { makeFixture, type Fixture } from '../server/fixture.js';
import { HAVE_CHROMIUM, launch, newPage, startWorkbench, type Running } from './harness.js';

if (!HAVE_CHROMIUM)
  console.warn('test/web: skipped, no Chromium at /usr/bin/chromium (apt-get install chromium)');

const dir = mkdtempSync(join(tmpdir(), 'spincell-web-'));
let fx: Fixture;
let running: Running;
let browser: Browser;

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  fx = makeFixture(dir, 6);
  running = await startWorkbench(fx.projectDir, 200);
  browser = await launch();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openRun(page: Page, run: number): Promise<void> {
  await page.goto(`${running.url}#/run/${run}`);
  await page.waitForFunction(
    () => window.__wb?.ready === true && window.__wb.spectrumShown !== undefined,
    null,
    {
      timeout: 30_000,
    },
  );
}

/** Map canvas pixels: RGB at CSS (x, y). */
async function mapPixel(page: Page, x: number, y: number): Promise<[number, number, number, number]> {
  return page.evaluate(
    ([px, py]) => {
      const c = document.querySelector('canvas.map-base') as HTMLCanvasElement;
      const dpr = window.devicePixelRatio || 1;
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(
        Math.round(px * dpr),
        Math.round(py * dpr),
        1,
        1,
      ).data;
      return [d[0], d[1], d[2], d[3]] as [number, number, number, number];
    },
    [x, y],
  );
}

/** The map's geometry as the view computes it (time and ppm → CSS pixels on the canvas). */
async function mapGeometry(page: Page) {
  return page.evaluate(() => {
    const v = window.__wb.view as {
      time: [number, number];
      ppm: [number, number];
      plotRect(): { left: number; top: number; width: number; height: number };
      timeline: { spectra: { spectrum: number; startS: number; endS: number }[] };
    };
    return { time: v.time, ppm: v.ppm, rect: v.plotRect(), spectra: v.timeline.spectra };
  });
}

type MapGeometry = Awaited<ReturnType<typeof mapGeometry>>;

/** Canvas x of a spectrum's mid-time and y of a shift, in the map's pixels. */
function xOfSpectrum(g: MapGeometry, s: { startS: number; endS: number }): number {
  return g.rect.left + (((s.startS + s.endS) / 2 - g.time[0]) / (g.time[1] - g.time[0])) * g.rect.width;
}
function yOfPpm(g: MapGeometry, ppm: number): number {
  return g.rect.top + ((g.ppm[0] - ppm) / (g.ppm[0] - g.ppm[1])) * g.rect.height;
}

const it_ = HAVE_CHROMIUM ? it : it.skip;

describe('workbench in Chromium', () => {
  it_('lists the project’s cells and runs', async () => {
    const { page, errors } = await newPage(browser);
    await page.goto(running.url);
    await page.waitForSelector(`a[href="#/run/${fx.runId}"]`);
    const text = await page.textContent('table');
    expect(text).toContain('Li-Li');
    expect(text).toContain('complete');
    expect(await page.locator('svg.spark').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it_('draws the map: bright at the metal line, dark where no line is', async () => {
    const { page, errors } = await newPage(browser);
    await openRun(page, fx.runId);
    const g = await mapGeometry(page);
    const s = g.spectra[2];
    const x = xOfSpectrum(g, s);
    const yAt = (ppm: number) => yOfPpm(g, ppm);
    const line = await mapPixel(page, x, yAt(245));
    const empty = await mapPixel(page, x, yAt(g.ppm[1] + 0.05 * (g.ppm[0] - g.ppm[1])));
    const lum = (p: number[]) => 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
    expect(line[3]).toBe(255);
    expect(lum(line)).toBeGreaterThan(lum(empty) + 80); // viridis: yellow-green vs dark purple
    // many distinct colours across the drawn area (not a blank or uniform canvas)
    const distinct = await page.evaluate(() => {
      const c = document.querySelector('canvas.map-base') as HTMLCanvasElement;
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      const set = new Set<number>();
      for (let i = 0; i < d.length; i += 16) set.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return set.size;
    });
    expect(distinct).toBeGreaterThan(50);
    expect(errors).toEqual([]);
    await page.close();
  });

  it_('click on the map selects a spectrum and shows its fit; arrow keys step', async () => {
    const { page, errors } = await newPage(browser);
    await openRun(page, fx.runId);
    const g = await mapGeometry(page);
    const s = g.spectra[4];
    const x = xOfSpectrum(g, s);
    const box = await page.locator('canvas.map-over').boundingBox();
    if (!box) throw new Error('no map');
    await page.mouse.click(box.x + x, box.y + g.rect.top + g.rect.height / 2);
    await page.waitForFunction((k) => window.__wb.spectrumShown === k, s.spectrum);
    const caption = await page.textContent('#fit-parameters caption');
    expect(caption).toContain(`Fit of spectrum ${s.spectrum}`);
    const morph = exportTable(running.store, 'morphology', { run: fx.runId }).rows.filter(
      (r) => r.spectrum === s.spectrum,
    );
    const cells = await page.locator('#fit-parameters tbody tr').allTextContents();
    expect(cells.length).toBe(morph.length);
    expect(cells[0]).toContain((morph[0].fraction as number).toFixed(4));
    expect(await page.locator('#spectrum-plot canvas').count()).toBeGreaterThan(0);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((k) => window.__wb.spectrumShown === k, s.spectrum + 1);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((k) => window.__wb.spectrumShown === k, s.spectrum);
    expect(errors).toEqual([]);
    await page.close();
  });

  it_(
    'changing the phase changes the preview; applying it stores a new run and keeps the old',
    async () => {
      const { page, errors } = await newPage(browser);
      await openRun(page, fx.runId);
      await page.waitForFunction(() => window.__wb.phasePreview !== undefined);
      const preview = () =>
        page.evaluate(() => {
          const v = window.__wb.view as { processing: { plot: { data: number[][] } } };
          return Array.from(v.processing.plot.data[1]);
        });
      const before = await preview();
      await page.fill('#ph0-value', '40');
      await page.dispatchEvent('#ph0-value', 'change');
      await page.waitForFunction(() => (window.__wb.phasePreview as { ph0: number }).ph0 === 40);
      const after = await preview();
      const diff = after.reduce((s, v, i) => s + Math.abs(v - before[i]), 0);
      expect(diff).toBeGreaterThan(0);
      const runsBefore = exportTable(running.store, 'runs').rows.length;
      await page.click('#apply-phase');
      await page.waitForSelector('#new-run', { timeout: 120_000 });
      const href = await page.getAttribute('#new-run', 'href');
      const newRun = Number(/run\/(\d+)/.exec(href ?? '')?.[1]);
      const runs = exportTable(running.store, 'runs').rows as { id: number; status: string }[];
      expect(runs.length).toBe(runsBefore + 1);
      expect(runs.some((r) => r.id === fx.runId)).toBe(true);
      const spectra = exportTable(running.store, 'spectra', { run: newRun }).rows;
      expect(spectra.length).toBe(6);
      expect(spectra.every((r) => r.phase_mode === 'manual' && r.ph0_deg === 40)).toBe(true);
      // the new run is selectable in the view
      await page.click('#new-run');
      await page.waitForFunction(() => window.__wb?.ready === true && /run\/\d+/.test(location.hash));
      await page.waitForSelector(`#run-select option[value="${fx.runId}"]`, { state: 'attached' });
      expect(errors).toEqual([]);
      await page.close();
    },
    180_000,
  );

  it_(
    'drag a baseline region: drawn on the preview; apply to one spectrum stores a one-spectrum run',
    async () => {
      const { page, errors } = await newPage(browser);
      await openRun(page, fx.runId);
      await page.waitForFunction(() => window.__wb.phasePreview !== undefined);
      const shot = () => page.locator('#phase-plot canvas').first().screenshot();
      const before = await shot();
      await page.selectOption('#drag-mode', 'baseline');
      const box = await page.locator('#phase-plot .u-over').boundingBox();
      if (!box) throw new Error('no preview plot');
      await page.mouse.move(box.x + box.width * 0.05, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 4 });
      await page.mouse.up();
      const regions = await page.inputValue('#baseline-regions');
      expect(regions).toMatch(/^-?[\d.]+:-?[\d.]+$/);
      expect(await page.inputValue('#baseline-mode')).toBe('poly');
      const after = await shot();
      expect(after.equals(before)).toBe(false); // the region band is drawn
      const runsBefore = exportTable(running.store, 'runs').rows.length;
      await page.click('#apply-one');
      await page.waitForSelector('#new-run', { timeout: 120_000 });
      const newRun = Number(/run\/(\d+)/.exec((await page.getAttribute('#new-run', 'href')) ?? '')?.[1]);
      expect(exportTable(running.store, 'runs').rows.length).toBe(runsBefore + 1);
      expect(exportTable(running.store, 'spectra', { run: newRun }).rows.length).toBe(1);
      const m = running.store.runDetails(newRun).manifest as {
        nmr: { processing: { baseline: { polyOrder: number; regionsPpm: number[][] } } };
      };
      expect(m.nmr.processing.baseline.polyOrder).toBe(1);
      expect(m.nmr.processing.baseline.regionsPpm[0].map((v) => v.toFixed(1)).join(':')).toBe(regions);
      expect(errors).toEqual([]);
      await page.close();
    },
    180_000,
  );

  it_('cividis: map pixels change from viridis and follow the map’s values', async () => {
    const { page, errors } = await newPage(browser);
    await openRun(page, fx.runId);
    const g = await mapGeometry(page);
    const s = g.spectra[2];
    const x = xOfSpectrum(g, s);
    const yAt = (ppm: number) => yOfPpm(g, ppm);
    const vLine = await mapPixel(page, x, yAt(245));
    await page.selectOption('#map-colormap', 'cividis');
    await page.waitForFunction(() => window.__wb.colormap === 'cividis');
    const cLine = await mapPixel(page, x, yAt(245));
    const cEmpty = await mapPixel(page, x, yAt(g.ppm[1] + 0.05 * (g.ppm[0] - g.ppm[1])));
    expect(cLine.slice(0, 3)).not.toEqual(vLine.slice(0, 3));
    const lut = (
      (await (await fetch(`${running.url}api/colormap?name=cividis`)).json()) as { colors: string[] }
    ).colors.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
    const nearest = (p: number[]) => {
      let best = 0;
      let d = Infinity;
      lut.forEach((c, i) => {
        const e = Math.abs(c[0] - p[0]) + Math.abs(c[1] - p[1]) + Math.abs(c[2] - p[2]);
        if (e < d) [best, d] = [i, e];
      });
      return { index: best, distance: d };
    };
    // both pixels are cividis colours; the metal line (the map's maximum region) high, the empty range low
    expect(nearest(cLine).distance).toBeLessThanOrEqual(3);
    expect(nearest(cEmpty).distance).toBeLessThanOrEqual(3);
    expect(nearest(cLine).index).toBeGreaterThan(nearest(cEmpty).index + 100);
    await page.check('#map-fill');
    expect(errors).toEqual([]);
    await page.close();
  });

  it_('exports a table as CSV and the map as SVG', async () => {
    const { page, errors } = await newPage(browser);
    await openRun(page, fx.runId);
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.click('a[href^="/api/tables/morphology.csv"]'),
    ]);
    const text = readFileSync((await csv.path()) as string, 'utf8');
    const t = exportTable(running.store, 'morphology', { run: fx.runId });
    expect(text.split('\n')[0]).toBe(t.columns.join(','));
    expect(text.trim().split('\n').length).toBe(t.rows.length + 1);
    const [svg] = await Promise.all([page.waitForEvent('download'), page.click('[aria-label="Map as SVG"]')]);
    const s = readFileSync((await svg.path()) as string, 'utf8');
    expect(s.startsWith('<svg')).toBe(true);
    expect(s).toContain('δ / ppm');
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('[aria-label="Map as PNG"]')]);
    const bytes = readFileSync((await png.path()) as string);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(errors).toEqual([]);
    await page.close();
  });

  it_(
    'shows spectra written into the store while the page is open, without reload',
    async () => {
      // a live run: the same results stored again, its last three spectra removed (as if not yet acquired)
      const store = running.store;
      const manifest = readManifest(fx.manifestPath);
      const live = storeRun(store, {
        key: runKey(manifest, fx.manifestPath),
        cell: store.cell('bench', 'Li-Li'),
        provenance: fx.result.provenance,
        results: fx.result.results,
      });
      store.db.prepare('DELETE FROM spectra WHERE run_id = ? AND spectrum >= 3').run(live);
      store.db.prepare('DELETE FROM alignment WHERE run_id = ? AND spectrum >= 3').run(live);
      store.db
        .prepare("UPDATE runs SET status = 'live', updated_at = ? WHERE id = ?")
        .run(new Date().toISOString(), live);
      running.wb.hub.poll(true);
      const { page, errors } = await newPage(browser);
      await openRun(page, live);
      expect(
        await page.evaluate(
          () => (window.__wb.view as { timeline: { spectra: unknown[] } }).timeline.spectra.length,
        ),
      ).toBe(3);
      await page.waitForFunction(() => document.getElementById('live')?.textContent?.includes('live'));
      const nmr = fx.result.results.nmr;
      if (!nmr) throw new Error('fixture without NMR');
      // the next batch arrives from another connection (as spincell watch would write it): spectra rows
      // (copied from the complete run), their drawing data, updated_at
      const writer = ProjectStore.open(fx.projectDir);
      writer.db
        .prepare(
          `INSERT INTO spectra SELECT ?, spectrum, experiment_number, row_index, source, start_iso, mid_iso, end_iso, time_s,
           phase_mode, ph0_deg, ph1_deg, pivot_ppm, reference_offset_ppm, time_source, ns, rg, scale_factor
         FROM spectra WHERE run_id = ? AND spectrum >= 3`,
        )
        .run(live, fx.runId);
      writer.db
        .prepare(
          `INSERT INTO alignment SELECT ?, spectrum, label, start_ms, end_ms, start_s, end_s, status, straddles_step,
        mean_voltage_v, mean_current_ma, charge_start_mah, charge_mid_mah, charge_end_mah, charge_mean_mah, step_index,
        instrument_step, step_type, direction, cycle, step_capacity_mah, soc_pct, gap, gap_overlap_s, step_technique
        FROM alignment WHERE run_id = ? AND spectrum >= 3`,
        )
        .run(live, fx.runId);
      writeSpectrumData(writer, live, nmr, 3);
      writer.db
        .prepare("UPDATE runs SET updated_at = ?, progress = '6 spectra' WHERE id = ?")
        .run(new Date().toISOString(), live);
      writer.close();
      const t0 = Date.now();
      await page.waitForFunction(() => window.__wb.liveSpectra === 6, null, { timeout: 15_000 });
      const elapsedMs = Date.now() - t0;
      console.log(`live: new spectra on the page ${elapsedMs} ms after the store commit`);
      // the map now draws the new spectra too
      const g = await mapGeometry(page);
      expect(g.spectra.length).toBe(6);
      const s = g.spectra[5];
      const x = xOfSpectrum(g, s);
      const yAt = (ppm: number) => yOfPpm(g, ppm);
      const px = await mapPixel(page, x, yAt(245));
      expect(px[3]).toBe(255);
      expect(errors).toEqual([]);
      await page.close();
    },
    120_000,
  );
});
