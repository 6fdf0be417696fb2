/**
 * The electrochemistry view in a real browser (Debian's Chromium through playwright-core) over the fixture
 * project (a simulated Li‖Li operando experiment run by the pipeline into a store): reached from the run
 * view's navigation, its cycles table shows the store's rows, the dQ/dV and voltage-against-capacity
 * canvases have drawn the data (pixels of the series colour where uPlot places the curve's points),
 * clicking or pressing Enter on a row selects that cycle and redraws its curves, shift-click overlays a
 * second cycle, and nothing logs a console error.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { exportTable } from '../../src/store/index.js';
import { DEFAULT_CELL } from '../../src/sim/cell.js';
import { makeFixture } from '../server/fixture.js';
import { browserSuite, HAVE_CHROMIUM, newPage } from './harness.js';

if (!HAVE_CHROMIUM)
  console.warn('test/web: skipped, no Chromium at /usr/bin/chromium (apt-get install chromium)');

const suite = browserSuite('spincell-web-echem-', (d) => makeFixture(d, 6));

const it_ = HAVE_CHROMIUM ? it : it.skip;

/** Opens the run view, then follows its "Electrochemistry" link. */
async function openEchem(page: Page, run: number): Promise<void> {
  await page.goto(`${suite.running.url}#/run/${run}`);
  await page.waitForFunction(() => window.__wb?.ready === true, null, { timeout: 30_000 });
  await page.getByRole('link', { name: 'Electrochemistry' }).click();
  await page.waitForFunction(() => Array.isArray(window.__wb?.echemSelected), null, { timeout: 30_000 });
}

const selected = (page: Page) => page.evaluate(() => window.__wb.echemSelected as number[]);

/**
 * Pixels near the series' colour around where uPlot places the series' data points (CSS px → canvas px),
 * over a `step`-spaced sample of its non-null points: how many of the sampled points have such a pixel
 * within 2 px.
 */
async function drawnAt(page: Page, key: string, seriesIdx: number): Promise<{ hit: number; tried: number }> {
  return page.evaluate(
    ([k, si]) => {
      const v = window.__wb.echem as { plots: Map<string, import('uplot')> };
      const u = v.plots.get(k as string)!;
      const ctx = u.ctx;
      const dpr = window.devicePixelRatio || 1;
      const st = u.series[si as number].stroke as unknown;
      const stroke = String(
        typeof st === 'function' ? (st as (u: unknown, i: number) => string)(u, si as number) : st,
      );
      const rgb = [1, 3, 5].map((i) => parseInt(stroke.slice(i, i + 2), 16));
      const xs = u.data[0];
      const ys = u.data[si as number];
      let hit = 0;
      let tried = 0;
      const idx = [...ys.keys()].filter((i) => ys[i] !== null && ys[i] !== undefined);
      const step = Math.max(1, Math.floor(idx.length / 40));
      for (let n = 0; n < idx.length; n += step) {
        const i = idx[n];
        const cx = Math.round(u.valToPos(xs[i], 'x', true));
        const cy = Math.round(u.valToPos(ys[i] as number, 'y', true));
        tried++;
        const d = ctx.getImageData(cx - 2 * dpr, cy - 2 * dpr, 4 * dpr + 1, 4 * dpr + 1).data;
        for (let p = 0; p < d.length; p += 4) {
          if (Math.abs(d[p] - rgb[0]) + Math.abs(d[p + 1] - rgb[1]) + Math.abs(d[p + 2] - rgb[2]) < 90) {
            hit++;
            break;
          }
        }
      }
      return { hit, tried };
    },
    [key, seriesIdx] as const,
  );
}

describe('electrochemistry view', () => {
  it_('the cycles table shows the store’s rows', async () => {
    const { page, errors } = await newPage(suite.browser);
    await openEchem(page, suite.fx.runId);
    const rows = await page
      .locator('table.cycles tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')),
      );
    const stored = exportTable(suite.running.store, 'cycles', { run: suite.fx.runId }).rows;
    expect(rows.length).toBe(stored.length);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    const f4 = (v: unknown) => (typeof v === 'number' ? v.toFixed(4) : '—');
    const pct = (v: unknown) => (typeof v === 'number' ? (100 * v).toFixed(2) : '—');
    rows.forEach((r, k) => {
      const s = stored[k];
      // no area in this manifest: no areal columns
      expect(r[0]).toBe(String(s.cycle));
      expect(r[1]).toBe(f4(s.charge_mah));
      expect(r[2]).toBe(f4(s.discharge_mah));
      expect(r[3]).toBe(pct(s.coulombic_efficiency));
      expect(r[4]).toBe(pct(s.state_of_health));
      expect(r[6]).toBe(s.complete === 1 ? 'yes' : 'no');
    });
    // the nucleation overpotential column: the simulator's 60 mV on the first plating
    expect(rows[1][5]).toBe((1000 * DEFAULT_CELL.nucleationOverpotentialV).toFixed(1));
    expect(errors).toEqual([]);
    await page.close();
  });

  it_('dQ/dV and voltage against capacity are drawn; a row click selects and redraws', async () => {
    const { page, errors } = await newPage(suite.browser);
    await openEchem(page, suite.fx.runId);
    expect(await selected(page)).toEqual([1]);
    for (const key of ['dqdv', 'capacity', 'voltage']) {
      const d = await drawnAt(page, key, 1);
      expect(d.tried, key).toBeGreaterThan(1);
      expect(d.hit / d.tried, key).toBeGreaterThan(0.8);
    }
    // per cycle: curves that meet at cycle 1 (100 % CE and SOH over the 2 mAh capacities) hide each
    // other's points there; the charge capacity's fall to cycle 2 is its own
    expect((await drawnAt(page, 'per-cycle', 1)).hit).toBeGreaterThanOrEqual(1);
    const curveOf = () =>
      page.evaluate(() => {
        const v = window.__wb.echem as { plots: Map<string, import('uplot')> };
        const u = v.plots.get('capacity')!;
        return { labels: u.series.slice(1).map((s) => s.label), x: [...u.data[0]] };
      });
    const before = await curveOf();
    expect(before.labels).toEqual(['cycle 1 charge', 'cycle 1 discharge']);
    const shot = () => page.locator('#echem-capacity canvas').first().screenshot();
    const img1 = await shot();
    await page.locator('table.cycles tbody tr[data-cycle="2"]').click();
    await page.waitForFunction(() => (window.__wb.echemSelected as number[])[0] === 2);
    const after = await curveOf();
    expect(after.labels).toEqual(['cycle 2 charge', 'cycle 2 discharge']);
    expect(after.x).not.toEqual(before.x);
    expect((await shot()).equals(img1)).toBe(false);
    expect(await page.locator('tr[data-cycle="2"]').getAttribute('aria-selected')).toBe('true');
    // cycle 2's charge is a constant-voltage step (its charge falls in one or two bins, drawn as points)
    for (const si of [1, 2]) {
      const dq2 = await drawnAt(page, 'dqdv', si);
      expect(dq2.tried).toBeGreaterThanOrEqual(1);
      expect(dq2.hit / dq2.tried).toBeGreaterThan(0.8);
    }
    // shift-click overlays cycle 1; the keyboard selects too
    await page.locator('tr[data-cycle="1"]').click({ modifiers: ['Shift'] });
    await page.waitForFunction(() => (window.__wb.echemSelected as number[]).length === 2);
    expect((await curveOf()).labels).toHaveLength(4);
    await page.locator('tr[data-cycle="1"]').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window.__wb.echemSelected as number[]).join() === '1');
    expect(errors).toEqual([]);
    await page.close();
  });

  it_('markers: nucleation dips and voltage onsets sit on the voltage curve', async () => {
    const { page, errors } = await newPage(suite.browser);
    await openEchem(page, suite.fx.runId);
    const m = await page.evaluate(() => {
      const v = window.__wb.echem as { plots: Map<string, import('uplot')> };
      const u = v.plots.get('voltage')!;
      const count = (s: number) =>
        Array.from(u.data[s] as ArrayLike<number | null>).filter((y) => y !== null && y !== undefined).length;
      return { nucleation: count(2), onset: count(3), labels: u.series.map((s) => s.label) };
    });
    expect(m.labels).toEqual(['time h', 'voltage V', 'nucleation', 'onset']);
    expect(m.nucleation).toBeGreaterThanOrEqual(2);
    expect(m.onset).toBeGreaterThanOrEqual(1);
    expect((await drawnAt(page, 'voltage', 2)).hit).toBeGreaterThanOrEqual(2);
    expect(errors).toEqual([]);
    await page.close();
  });
});
