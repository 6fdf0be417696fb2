import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import {
  capacityAllocationSvg,
  drtSvg,
  fitOverlaySvg,
  fractionsSvg,
  linePlotSvg,
  nyquistSvg,
  renderReport,
  spectraMapSvg,
  stackedSpectraSvg,
  writeReport,
  type Report,
} from '../../src/report/index.js';
import { checkWellFormed } from './xml.js';
import { logspace, lorentz, morphologyFractions, operandoSeries, rcImpedance } from './synthetic.js';

function externalUrls(html: string): string[] {
  return [...html.matchAll(/(?:https?:)?\/\/[^\s"'<>)]+/g)]
    .map((m) => m[0])
    .filter((u) => u !== 'http://www.w3.org/2000/svg');
}

describe('renderReport', () => {
  it('escapes every piece of text and inlines figures unchanged', () => {
    const svg = linePlotSvg({ series: [{ x: [0, 1], y: [0, 1] }] });
    const html = renderReport({
      title: 'Cell <A> & "B"',
      subtitle: 'from <data>',
      sections: [
        {
          heading: 'Morphology </h2><script>alert(1)</script>',
          text: 'first & second\n\nthird <p>',
          figures: [svg, { svg, caption: 'caption <i>' }],
          tables: [
            {
              headers: ['t / h', 'name <x>'],
              rows: [
                [1.5, 'a&b'],
                [NaN, null],
              ],
              caption: 'c & d',
            },
          ],
        },
        { heading: 'Second', text: 'x' },
      ],
    });
    checkWellFormed(html, { html: true });
    expect(html).not.toContain('<script');
    expect(html).toContain('<title>Cell &lt;A&gt; &amp; &quot;B&quot;</title>');
    expect(html).toContain('<p>first &amp; second</p>\n<p>third &lt;p&gt;</p>');
    expect(html).toContain('<figcaption>caption &lt;i&gt;</figcaption>');
    expect(html).toContain('<td class="text">a&amp;b</td>');
    expect(html).toContain('<td class="missing">–</td>');
    expect(html).not.toContain('NaN');
    expect(html.split(svg).length - 1).toBe(2);
    expect(externalUrls(html)).toEqual([]);
    expect(html).toContain('<a href="#s2">Second</a>');
  });

  it('refuses figures that are not self-contained SVG and ragged tables', () => {
    const bad = [
      '<img src="x.png">',
      '<svg><script>1</script></svg>',
      '<svg><image href="http://x/y.png"/></svg>',
    ];
    for (const f of bad)
      expect(() => renderReport({ title: 't', sections: [{ heading: 'h', figures: [f] }] })).toThrow(
        DataError,
      );
    expect(() =>
      renderReport({
        title: 't',
        sections: [{ heading: 'h', tables: [{ headers: ['a', 'b'], rows: [[1]] }] }],
      }),
    ).toThrow(DataError);
  });
});

describe('a full report from synthetic data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spincell-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is written atomically as one self-contained file', () => {
    const s = operandoSeries(20, 2048);
    const tau = logspace(-6, 1, 80);
    const gamma = Float64Array.from(tau, (t) => 10 * Math.exp(-((Math.log10(t) + 4) ** 2) / 0.1));
    const freq = logspace(-2, 6, 50);
    const hours = Float64Array.from(s.timeS, (t) => t / 3600);
    const report: Report = {
      title: 'Li‖Li operando ⁷Li NMR',
      subtitle: 'synthetic cell',
      sections: [
        {
          heading: 'Spectra',
          text: 'Stacked spectra beside the voltage profile.',
          figures: [
            stackedSpectraSvg({
              spectra: s.spectra.map((y, k) => ({ ppm: s.ppm, intensity: y, timeS: s.timeS[k] })),
              regionPpm: [200, 300],
              voltage: s.voltage,
            }),
            spectraMapSvg({
              ppm: s.ppm,
              timeS: s.timeS,
              intensity: s.spectra,
              regionPpm: [200, 300],
              levels: 12,
            }),
          ],
        },
        {
          heading: 'Fit and morphology',
          figures: [
            fitOverlaySvg({
              ppm: s.ppm,
              data: s.spectra[10],
              components: [{ label: 'dense', y: s.ppm.map((p) => lorentz(p, 245, 4, 100)) }],
              regionPpm: [220, 290],
            }),
            fractionsSvg(morphologyFractions(s)),
            linePlotSvg({
              xLabel: 'Time / h',
              yLabel: 'Mossy fraction',
              series: [
                { label: 'fit', x: hours, y: s.mossy },
                { label: 'truth', x: hours, y: s.mossy, style: 'dashed' },
              ],
            }),
          ],
          tables: [
            {
              headers: ['time / h', 'mossy'],
              rows: Array.from(hours, (h, k) => [Number(h.toFixed(3)), Number(s.mossy[k].toFixed(4))]),
            },
          ],
        },
        {
          heading: 'Capacity and impedance',
          figures: [
            capacityAllocationSvg({
              cycles: [1, 2].map((c) => ({
                cycle: c,
                reversible: 1.8,
                excessMetal: 0.1,
                deadMetal: 0.05 * c,
                interphase: 0.08,
              })),
            }),
            nyquistSvg({ data: [{ ...rcImpedance(freq), label: 'measured' }] }),
            drtSvg({ tauS: tau, gammaOhm: gamma, windows: [{ tauMinS: 1e-5, tauMaxS: 1e-3, label: 'SEI' }] }),
          ],
        },
      ],
    };
    const path = join(dir, 'nested', 'report.html');
    writeReport(path, report);
    expect(existsSync(path)).toBe(true);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['report.html']); // no temporary file left behind
    const html = readFileSync(path, 'utf8');
    expect(html).toBe(renderReport(report));
    checkWellFormed(html, { html: true });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect((html.match(/<svg /g) ?? []).length).toBe(8);
    expect(html).not.toMatch(/<script|<link|\ssrc=|NaN|Infinity/);
    expect(externalUrls(html)).toEqual([]);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html.length).toBeLessThan(2_000_000);
  });
});
