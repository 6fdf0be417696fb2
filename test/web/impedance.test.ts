/**
 * The impedance view in a real browser (Debian's Chromium through playwright-core) over a project with
 * dynamic EIS (test/server/impedance-fixture.ts): reached from the run view's navigation, the Nyquist
 * canvas has drawn the selected sweep (pixels of the series colour where its points fall on the equal-
 * scale axes), moving the sweep slider redraws it with the next sweep's points, the DRT map holds a range
 * of colours, the Bode, Lin-KK and resistance plots are drawn, and nothing logs a console error.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { makeImpedanceFixture } from '../server/impedance-fixture.js';
import { browserSuite, HAVE_CHROMIUM, newPage } from './harness.js';

if (!HAVE_CHROMIUM)
  console.warn('test/web: skipped, no Chromium at /usr/bin/chromium (apt-get install chromium)');

const suite = browserSuite('spincell-web-eis-', (d) => makeImpedanceFixture(d, 4, 3));

const it_ = HAVE_CHROMIUM ? it : it.skip;

/** Counts of series-blue pixels and of distinct colours on a canvas. */
const canvasStats = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement;
    const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
    let blue = 0;
    const colours = new Set<number>();
    for (let p = 0; p < d.length; p += 4) {
      if (Math.abs(d[p]) < 40 && Math.abs(d[p + 1] - 0x72) < 40 && Math.abs(d[p + 2] - 0xb2) < 40) blue++;
      colours.add((d[p] << 16) | (d[p + 1] << 8) | d[p + 2]);
    }
    return { blue, colours: colours.size, image: c.toDataURL() };
  }, selector);

describe('impedance view', () => {
  it_(
    'draws the sweep, follows the slider, and draws the DRT map and the other plots',
    async () => {
      const { page, errors } = await newPage(suite.browser);
      await page.goto(`${suite.running.url}#/run/${suite.fx.runId}`);
      await page.waitForFunction(() => window.__wb?.ready === true, null, { timeout: 30_000 });
      await page.getByRole('link', { name: 'Impedance', exact: true }).click();
      await page.waitForSelector('.eis-kk canvas', { timeout: 30_000 });
      await page.waitForFunction(() =>
        /sweep 0 ·/.test(document.querySelector('.eis-head')?.textContent ?? ''),
      );
      const first = await canvasStats(page, 'canvas.nyquist');
      expect(first.blue).toBeGreaterThan(200);
      await page.getByLabel('Impedance sweep').fill('2');
      await page.waitForFunction(() =>
        /sweep 2 ·/.test(document.querySelector('.eis-head')?.textContent ?? ''),
      );
      const last = await canvasStats(page, 'canvas.nyquist');
      expect(last.blue).toBeGreaterThan(200);
      expect(last.image).not.toBe(first.image);
      const map = await canvasStats(page, 'canvas.drt-map');
      expect(map.colours).toBeGreaterThan(20);
      for (const key of ['bode', 'kk', 'drt', 'resistances'])
        expect(await page.locator(`.eis-${key} canvas`).count()).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    },
    60_000,
  );
});
