import { describe, expect, it } from 'vitest';
import { DataError, ParameterError } from '../../src/core/errors.js';
import {
  capacityAllocationSvg,
  drtMapSvg,
  drtSvg,
  emptyFigureSvg,
  equalAspectDomains,
  escapeXml,
  fitOverlaySvg,
  fractionsSvg,
  heatMapSvg,
  linePlotSvg,
  nyquistSvg,
  panelsSvg,
  spectraMapSvg,
  stackedBarsSvg,
  stackedSpectraSvg,
  viridis,
} from '../../src/report/index.js';
import { checkWellFormed } from './xml.js';
import { logspace, lorentz, morphologyFractions, operandoSeries, rcImpedance } from './synthetic.js';

const series = operandoSeries(12, 1024);
const tau = logspace(-6, 1, 60);
const gamma = Array.from(series.timeS, (_, k) =>
  Float64Array.from(
    tau,
    (t) =>
      10 * Math.exp(-((Math.log10(t) + 4) ** 2) / 0.1) +
      (5 + k) * Math.exp(-((Math.log10(t) + 1.5) ** 2) / 0.2),
  ),
);
const freq = logspace(-2, 6, 50);

/** Every figure, rendered from the same small synthetic experiment. */
const figures: Record<string, () => string> = {
  stacked: () =>
    stackedSpectraSvg({
      title: 'Operando',
      spectra: series.spectra.map((y, k) => ({ ppm: series.ppm, intensity: y, timeS: series.timeS[k] })),
      regionPpm: [200, 300],
      voltage: series.voltage,
    }),
  stackedByIndex: () =>
    stackedSpectraSvg({
      spectra: series.spectra.map((y) => ({ ppm: series.ppm, intensity: y })),
      regionPpm: [200, 300],
    }),
  spectraMap: () =>
    spectraMapSvg({
      ppm: series.ppm,
      timeS: series.timeS,
      intensity: series.spectra,
      regionPpm: [200, 300],
      levels: 12,
    }),
  drtMap: () => drtMapSvg({ tauS: tau, timeS: series.timeS, gammaOhm: gamma }),
  fit: () =>
    fitOverlaySvg({
      ppm: series.ppm,
      data: series.spectra[6],
      components: [
        { label: 'dense', y: series.ppm.map((p) => lorentz(p, 245, 4, 100)) },
        { label: 'mossy', y: series.ppm.map((p) => lorentz(p, 257, 8, 100 * series.mossy[6])) },
      ],
      regionPpm: [220, 290],
    }),
  fractions: () => fractionsSvg(morphologyFractions(series)),
  fractionLines: () =>
    fractionsSvg({ mode: 'lines', timeS: series.timeS, series: [{ label: 'mossy', values: series.mossy }] }),
  allocation: () =>
    capacityAllocationSvg({
      cycles: [1, 2, 3].map((c) => ({
        cycle: c,
        reversible: 1.8,
        excessMetal: 0.1,
        deadMetal: 0.05 * c,
        interphase: 0.08,
      })),
    }),
  nyquist: () =>
    nyquistSvg({
      data: [{ ...rcImpedance(freq), label: 'measured' }],
      fits: [{ ...rcImpedance(logspace(-2, 6, 300)), label: 'fit' }],
    }),
  drt: () =>
    drtSvg({
      tauS: tau,
      gammaOhm: gamma[3],
      windows: [{ tauMinS: 1e-5, tauMaxS: 1e-3, label: 'SEI', resistanceOhm: 20 }],
    }),
  line: () =>
    linePlotSvg({
      xLabel: 'Time / h',
      yLabel: 'Voltage / V',
      series: [{ x: series.voltage.timeS, y: series.voltage.voltageV, label: 'cell' }],
    }),
  logLine: () =>
    linePlotSvg({ xScale: 'log', yScale: 'log', series: [{ x: freq, y: rcImpedance(freq).zReOhm }] }),
  empty: () => emptyFigureSvg('no impedance spectra recorded'),
  panels: () =>
    panelsSvg({
      xLabel: 'Time / s',
      panels: [
        { yLabel: 'Voltage / V', series: [{ x: series.voltage.timeS, y: series.voltage.voltageV }] },
        {
          yLabel: 'Mossy fraction',
          series: [{ x: series.timeS, y: series.mossy, style: 'points', label: 'fit' }],
        },
        { yLabel: 'Nothing', series: [{ x: [0], y: [NaN] }] },
      ],
    }),
};

function numbersIn(svg: string): string[] {
  return [...svg.matchAll(/="([^"]*)"/g)].map((m) => m[1]);
}

describe('every figure', () => {
  it.each(Object.keys(figures))('%s is a well-formed, self-contained SVG', (name) => {
    const svg = figures[name]();
    expect(checkWellFormed(svg).root).toBe('svg');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 \d+ \d+"/);
    expect(svg).toContain('font-family="sans-serif"');
    expect(svg).not.toMatch(/NaN|Infinity|undefined|null|href|url\(|<script|<image|<foreignObject|\sid="/);
    // The only URL allowed is the SVG namespace name, which is never fetched.
    expect(svg.match(/https?:\/\//g)).toHaveLength(1);
    for (const v of numbersIn(svg)) if (!v.startsWith('#')) expect(v).not.toMatch(/\de[-+]?\d/); // no exponent notation in coordinates
  });

  it('stays reasonably small for a 60-spectrum, 8192-point series', () => {
    const big = operandoSeries(60, 8192);
    const svg = stackedSpectraSvg({
      spectra: big.spectra.map((y, k) => ({ ppm: big.ppm, intensity: y, timeS: big.timeS[k] })),
      regionPpm: [200, 300],
      voltage: big.voltage,
    });
    expect(svg.length).toBeLessThan(3_000_000);
    const map = spectraMapSvg({ ppm: big.ppm, timeS: big.timeS, intensity: big.spectra });
    expect(map.length).toBeLessThan(1_500_000);
    expect(checkWellFormed(map).root).toBe('svg');
  });
});

describe('data-to-pixel mapping in rendered figures', () => {
  // linePlotSvg panel at 640 × 400 without title: x from 72 to 620 (width 548).
  const svg = linePlotSvg({
    xDomain: [200, 300],
    xReversed: true,
    yDomain: [0, 2],
    series: [{ x: [245], y: [1], style: 'points' }],
  });

  it('puts 245 ppm at the hand-computed pixel of a reversed axis', () => {
    // 245 ppm lies 55 % of the way from 300 (left) to 200 (right): 72 + 0.55 × 548 = 373.4; the marker
    // path starts one radius (2.5) to the left of its centre.
    const m = /<path d="M([\d.]+) ([\d.]+)a2\.5/.exec(svg);
    expect(m).not.toBeNull();
    expect(Number(m![1]) + 2.5).toBeCloseTo(373.4, 1);
  });

  it('labels the reversed axis with 300 on the left and 200 on the right', () => {
    const labels = [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+"[^>]*>(\d+)<\/text>/g)].map((m) => [
      Number(m[2]),
      Number(m[1]),
    ]);
    const at = new Map(labels as [number, number][]);
    expect(at.get(300)).toBeCloseTo(72, 1);
    expect(at.get(240)).toBeCloseTo(72 + 0.6 * 548, 1);
    expect(at.get(200)).toBeCloseTo(620, 1);
  });

  it('keeps one ohm the same length on both Nyquist axes', () => {
    const panel = { x: 0, y: 0, width: 500, height: 300 };
    for (const [xe, ye] of [
      [
        [5, 65],
        [0, 20],
      ],
      [
        [0, 10],
        [0, 40],
      ],
    ] as [number, number][][]) {
      const d = equalAspectDomains(xe as [number, number], ye as [number, number], panel);
      expect((d.x[1] - d.x[0]) / panel.width).toBeCloseTo((d.y[1] - d.y[0]) / panel.height, 12);
      expect(d.x[0]).toBeLessThanOrEqual(xe[0]);
      expect(d.x[1]).toBeGreaterThanOrEqual(xe[1]);
      expect(d.y[1]).toBeGreaterThanOrEqual(ye[1]);
    }
  });

  it('places baselines of time-stamped spectra level with their times on the voltage panel', () => {
    const s = stackedSpectraSvg({
      height: 400,
      overlap: 0,
      spectra: [0, 1, 2].map((k) => ({ ppm: [300, 250, 200], intensity: [0, 0, 0], timeS: k * 3600 })),
      voltage: { timeS: [0, 7200], voltageV: [0, 1] },
      timeUnit: 'h',
    });
    // With overlap 0 there is no headroom: t = 0 h at the bottom of the panel, 2 h at its top.
    const lines = [
      ...s.matchAll(/<path d="M([\d.]+) ([\d.]+)L[\d.]+ ([\d.]+)L[\d.]+ ([\d.]+)" fill="none"/g),
    ].map((m) => Number(m[2]));
    expect(lines).toHaveLength(3);
    // Time tick labels are the right-aligned-to-axis ones (text-anchor start, right of the voltage panel).
    const ticks = [...s.matchAll(/<text x="[\d.]+" y="([\d.]+)" text-anchor="start"[^>]*>([\d.]+)<\/text>/g)];
    const tickY = (label: string) => Number(ticks.find((t) => t[2] === label)![1]) - 4;
    expect(lines.sort((a, b) => b - a)).toEqual(
      [tickY('0.0'), tickY('1.0'), tickY('2.0')].map((v) => expect.closeTo(v, 1)),
    );
  });
});

describe('panels sharing an x axis', () => {
  it('labels the x ticks once, under the lowest panel, at the same pixels for every panel', () => {
    const svg = panelsSvg({
      height: 500,
      panels: [{ series: [{ x: [0, 10], y: [0, 1] }] }, { series: [{ x: [0, 10], y: [5, -5] }], weight: 2 }],
    });
    checkWellFormed(svg);
    const xTickLabels = [
      ...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+" text-anchor="middle"[^>]*>(\d+)<\/text>/g),
    ];
    expect(xTickLabels.map((m) => m[2])).toEqual(['0', '2', '4', '6', '8', '10']);
    // Both data lines start at x = 0 and end at x = 10, i.e. at the same pixels.
    const paths = [...svg.matchAll(/<path d="M([\d.]+) [\d.]+L([\d.]+) [\d.]+" fill="none"/g)];
    expect(paths).toHaveLength(2);
    expect(paths[0][1]).toBe(paths[1][1]);
    expect(paths[0][2]).toBe(paths[1][2]);
  });
});

describe('escaping and typography', () => {
  it('escapes markup in titles, labels and legend entries', () => {
    const nasty = 'a < b & c > "d" \'e\' </svg><script>x</script>';
    const svg = linePlotSvg({
      title: nasty,
      xLabel: nasty,
      yLabel: nasty,
      series: [{ label: nasty, x: [0, 1], y: [0, 1] }],
    });
    checkWellFormed(svg);
    expect(svg).not.toContain('<script');
    expect(svg).toContain('a &lt; b &amp; c &gt; &quot;d&quot; &#39;e&#39; &lt;/svg&gt;&lt;script&gt;');
    expect(escapeXml('x\u0000\u0007y\uD800')).toBe('xy');
    expect(escapeXml('😀')).toBe('😀');
  });

  it('writes units with superscripts in axis labels', () => {
    const svg = capacityAllocationSvg({
      cycles: [{ cycle: 1, reversible: 1, excessMetal: 0, deadMetal: 0, interphase: 0 }],
    });
    expect(svg).toContain('Capacity / mAh cm⁻²');
  });
});

describe('bad and empty inputs', () => {
  it('draws an explicit empty state for empty or all-NaN data', () => {
    const empties = [
      linePlotSvg({ series: [] }),
      linePlotSvg({ series: [{ x: [1, 2], y: [NaN, NaN] }] }),
      stackedSpectraSvg({ spectra: [] }),
      stackedSpectraSvg({ spectra: [{ ppm: [1, 2], intensity: [NaN, NaN] }] }),
      heatMapSvg({ x: [1, 2], y: [1], z: [[NaN, NaN]] }),
      heatMapSvg({ x: [], y: [], z: [] }),
      fitOverlaySvg({ ppm: [], data: [], components: [] }),
      fractionsSvg({ timeS: [], series: [] }),
      stackedBarsSvg({ categories: [], series: [] }),
      nyquistSvg({ data: [] }),
      drtSvg({ tauS: [1, 2], gammaOhm: [NaN, NaN] }),
    ];
    for (const svg of empties) {
      checkWellFormed(svg);
      expect(svg).toContain('class="empty-state"');
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
  });

  it('leaves gaps at NaN points instead of drawing through or writing NaN', () => {
    const svg = linePlotSvg({ series: [{ x: [0, 1, 2, 3, 4], y: [0, 1, NaN, 3, 4] }] });
    expect(svg).not.toContain('NaN');
    const d = /<path d="([^"]+)" fill="none"/.exec(svg)![1];
    expect(d.match(/M/g)).toHaveLength(2);
  });

  it('skips values a log axis cannot show', () => {
    const svg = linePlotSvg({ xScale: 'log', series: [{ x: [0, 1, 10, 100], y: [1, 2, 3, 4] }] });
    expect(svg).not.toContain('NaN');
    checkWellFormed(svg);
  });

  it('throws typed errors for inconsistent input', () => {
    expect(() => linePlotSvg({ series: [{ x: [1, 2], y: [1] }] })).toThrow(DataError);
    expect(() => heatMapSvg({ x: [1, 3, 2], y: [0], z: [[1, 2, 3]] })).toThrow(DataError);
    expect(() => heatMapSvg({ x: [1, 2], y: [0, 1], z: [[1, 2]] })).toThrow(DataError);
    expect(() => fractionsSvg({ timeS: [0, 1], series: [{ label: 'x', values: [0.5, -0.1] }] })).toThrow(
      DataError,
    );
    expect(() =>
      stackedSpectraSvg({
        spectra: [{ ppm: [1, 2], intensity: [1, 2] }],
        voltage: { timeS: [0], voltageV: [0] },
      }),
    ).toThrow(DataError);
    expect(() => linePlotSvg({ xScale: 'log', xDomain: [-1, 10], series: [{ x: [1], y: [1] }] })).toThrow(
      ParameterError,
    );
  });

  it('handles a constant series and a single point', () => {
    for (const svg of [
      linePlotSvg({ series: [{ x: [0, 1, 2], y: [5, 5, 5] }] }),
      linePlotSvg({ series: [{ x: [3], y: [7], style: 'points' }] }),
      heatMapSvg({ x: [1], y: [0], z: [[2]] }),
      fractionsSvg({ timeS: [10], series: [{ label: 'a', values: [1] }] }),
    ]) {
      checkWellFormed(svg);
      expect(svg).not.toMatch(/NaN|Infinity/);
      expect(svg).not.toContain('empty-state');
    }
  });
});

describe('heat map', () => {
  it('quantises to the requested number of colours and keeps the extremes', () => {
    const z = [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
    ];
    const svg = heatMapSvg({ x: [0, 1, 2, 3], y: [0, 1], z, levels: 4 });
    const cells = /<g class="cells"[^>]*>(.*?)<\/g>/.exec(svg)![1];
    const fills = new Set([...cells.matchAll(/fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]));
    expect(fills).toEqual(new Set([0.125, 0.375, 0.625, 0.875].map(viridis)));
  });

  it('bins dense columns, keeping narrow peaks', () => {
    const x = Float64Array.from({ length: 5000 }, (_, i) => i);
    const row = Float64Array.from(x, (v) => (v === 2500 ? 10 : 0));
    const svg = heatMapSvg({ x, y: [0], z: [row], levels: 8, maxColumns: 100 });
    const cells = /<g class="cells"[^>]*>(.*?)<\/g>/.exec(svg)![1];
    expect((cells.match(/<rect/g) ?? []).length).toBeLessThanOrEqual(3);
    expect(cells).toContain(viridis(7.5 / 8));
  });

  it('a grid slightly denser than the bins leaves no blank columns', () => {
    const x = Float64Array.from({ length: 401 }, (_, i) => 230 + i / 8);
    const z = [Float64Array.from(x, (_, i) => i % 7)];
    const svg = heatMapSvg({ x, y: [0], z, levels: 7, maxColumns: 400, xReversed: true });
    const cells = /<g class="cells"[^>]*>(.*?)<\/g>/.exec(svg)![1];
    const spans = [...cells.matchAll(/<rect x="([^"]+)" y="[^"]+" width="([^"]+)"/g)]
      .map((m) => [Number(m[1]), Number(m[1]) + Number(m[2])])
      .sort((a, b) => a[0] - b[0]);
    spans.slice(1).forEach((s, i) => expect(s[0]).toBeLessThanOrEqual(spans[i][1]));
  });

  it('viridis runs from dark purple to yellow', () => {
    expect(viridis(0)).toBe('#440154');
    expect(viridis(1)).toBe('#fde725');
    expect(viridis(NaN)).toBe('#440154');
  });
});
