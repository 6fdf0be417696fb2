/**
 * The spectrum view: the selected spectrum with its morphology fit (each line filled, the sum, the
 * residual below), the fitted parameters with their standard errors and the fit's flags; overlay of
 * several spectra and a waterfall of the selection.
 */
import uPlot from 'uplot';
import { axis, getJson, type SpectrumData, type TimelineSpectrum } from './api';
import { download, downloadPng, exportBar } from './export';

const FILLS = [
  'rgba(0,114,178,0.30)',
  'rgba(0,158,115,0.30)',
  'rgba(204,121,167,0.30)',
  'rgba(230,159,0,0.30)',
  'rgba(86,180,233,0.30)',
];
const LINES = ['#0072B2', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];

const fmt = (v: number | null | undefined, d = 3) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d);

export class SpectrumPanel {
  private plot: uPlot | null = null;
  private waterfall: uPlot | null = null;
  private readonly title = document.createElement('h2');
  private readonly plotBox = document.createElement('div');
  private readonly table = document.createElement('div');
  private readonly wfBox = document.createElement('div');
  private readonly cache = new Map<number, SpectrumData>();
  private current: SpectrumData | null = null;
  private window: [number, number] = [300, 200];
  private overlay: number[] = [];
  private mode: 'fit' | 'overlay' | 'waterfall' = 'fit';
  private readonly modeSelect = document.createElement('select');

  constructor(
    private readonly root: HTMLElement,
    private readonly runId: number,
  ) {
    this.title.textContent = 'Spectrum';
    const label = document.createElement('label');
    label.textContent = 'Show ';
    this.modeSelect.id = 'spectrum-mode';
    for (const [v, t] of [
      ['fit', 'selected spectrum with fit'],
      ['overlay', 'overlay of selected + shift-clicked spectra'],
      ['waterfall', 'waterfall of shift-clicked spectra'],
    ]) {
      const o = document.createElement('option');
      o.value = v;
      o.textContent = t;
      this.modeSelect.append(o);
    }
    this.modeSelect.addEventListener('change', () => {
      this.mode = this.modeSelect.value as typeof this.mode;
      void this.render();
    });
    label.append(this.modeSelect);
    this.plotBox.className = 'plot-spectrum';
    this.plotBox.id = 'spectrum-plot';
    this.table.className = 'params';
    this.table.id = 'fit-parameters';
    root.append(
      this.title,
      label,
      this.plotBox,
      exportBar('spectrum', [
        { text: 'SVG', title: 'Spectrum as SVG', run: () => this.svg() },
        {
          text: 'PNG',
          title: 'Spectrum as PNG',
          run: () => this.plot && downloadPng(this.plot.ctx.canvas, `run${this.runId}-spectrum.png`),
        },
      ]),
      this.table,
      this.wfBox,
    );
  }

  private svg(): void {
    if (!this.current) return;
    const q = new URLSearchParams({ ppmMin: String(this.window[1]), ppmMax: String(this.window[0]) });
    if (this.mode === 'waterfall' && this.overlay.length) {
      q.set('spectra', this.overlay.join(','));
      download(`/api/runs/${this.runId}/figures/waterfall.svg?${q}`, `run${this.runId}-waterfall.svg`);
      return;
    }
    q.set('spectrum', String(this.current.spectrum));
    download(
      `/api/runs/${this.runId}/figures/spectrum.svg?${q}`,
      `run${this.runId}-spectrum-${this.current.spectrum}.svg`,
    );
  }

  private async get(k: number): Promise<SpectrumData> {
    const hit = this.cache.get(k);
    if (hit) return hit;
    const d = await getJson<SpectrumData>(`/api/runs/${this.runId}/spectra/${k}`);
    if (this.cache.size > 400) this.cache.clear();
    this.cache.set(k, d);
    return d;
  }

  setWindow(w: [number, number]): void {
    this.window = w;
    if (this.plot) this.plot.setScale('x', { min: w[1], max: w[0] });
  }

  setOverlay(ks: number[]): void {
    this.overlay = ks;
    if (this.mode !== 'fit') void this.render();
  }

  private meta: TimelineSpectrum | null = null;
  private seq = 0;
  private fitError: string | null = null;

  async show(
    k: number,
    window: [number, number],
    meta: TimelineSpectrum | null,
    fitError: string | null,
    neighbours: number[] = [],
  ): Promise<void> {
    this.window = window;
    this.meta = meta;
    this.fitError = fitError;
    const seq = ++this.seq;
    const d = await this.get(k);
    if (seq !== this.seq) return; // a later spectrum was selected meanwhile
    this.current = d;
    await this.render();
    // prefetch the neighbours so keyboard stepping draws from memory
    for (const n of neighbours) void this.get(n).catch(() => undefined);
  }

  private async render(): Promise<void> {
    const d = this.current;
    if (!d) return;
    const m = this.meta;
    this.title.textContent = `Spectrum ${d.spectrum}${m ? ` · ${(m.startS / 3600).toFixed(2)}–${(m.endS / 3600).toFixed(2)} h · ${m.voltageV !== null ? `${m.voltageV.toFixed(3)} V · ` : ''}cycle ${m.cycle ?? '—'}, step ${m.step ?? '—'}` : ''}`;
    const n = d.intensity.length;
    const x = Array.from(axis(d.ppmFirst, d.ppmLast, n));
    const asc = x[0] > x[n - 1];
    const order = (a: (number | null)[]) => (asc ? a.slice().reverse() : a);
    const xs = order(x) as number[];
    const series: uPlot.Series[] = [
      { label: 'δ (ppm)', value: (_u, v) => (v === null ? '—' : v.toFixed(2)) },
    ];
    const data: (number | null)[][] = [xs];
    if (this.mode === 'waterfall') {
      await this.renderWaterfall(xs, asc);
      return;
    }
    this.waterfall?.destroy();
    this.waterfall = null;
    this.wfBox.replaceChildren();
    series.push({ label: `spectrum ${d.spectrum}`, stroke: '#222', width: 1.2 });
    data.push(order(d.intensity));
    if (this.mode === 'overlay') {
      const others = await Promise.all(this.overlay.filter((k) => k !== d.spectrum).map((k) => this.get(k)));
      others.forEach((o, i) => {
        series.push({ label: `spectrum ${o.spectrum}`, stroke: LINES[i % LINES.length], width: 1 });
        data.push(order(o.intensity));
      });
    } else if (d.fit) {
      const fit = d.fit;
      // fit curves on the stored axis, restricted to the fit window: place them by nearest index
      const dx = (d.ppmLast - d.ppmFirst) / (n - 1);
      const place = (ys: number[]) => {
        const out: (number | null)[] = new Array(n).fill(null);
        fit.ppm.forEach((p, i) => {
          out[Math.round((p - d.ppmFirst) / dx)] = ys[i];
        });
        return order(out);
      };
      fit.lines.forEach((l, i) => {
        series.push({
          label: l.name,
          stroke: LINES[i % LINES.length],
          fill: FILLS[i % FILLS.length],
          width: 1,
        });
        data.push(place(l.y));
      });
      series.push({ label: 'fit (sum)', stroke: '#D55E00', width: 1.5, dash: [6, 3] });
      data.push(place(fit.sum));
      const peak = Math.max(...fit.sum);
      const resid = fit.ppm.map(
        (p, i) => d.intensity[Math.round((p - d.ppmFirst) / dx)] - fit.sum[i] - 0.12 * peak,
      );
      series.push({ label: 'residual (offset)', stroke: '#777', width: 1 });
      data.push(place(resid));
    }
    this.plot?.destroy();
    this.plotBox.replaceChildren();
    const width = Math.min(1400, Math.max(600, (this.root.clientWidth || 1000) - 8));
    this.plot = new uPlot(
      {
        width,
        height: 320,
        scales: { x: { time: false, dir: -1, min: this.window[1], max: this.window[0] }, y: { auto: true } },
        axes: [
          { label: 'δ / ppm', labelSize: 18, size: 36 },
          {
            label: 'Intensity / a.u.',
            labelSize: 18,
            size: 72,
            values: (_u, v) => v.map((t) => t.toExponential(1)),
          },
        ],
        cursor: { drag: { x: true, y: false, setScale: true } },
        series,
      },
      data as uPlot.AlignedData,
      this.plotBox,
    );
    this.renderTable(d);
    window.__wb.spectrumShown = d.spectrum;
  }

  private async renderWaterfall(xs: number[], asc: boolean): Promise<void> {
    const ks = this.overlay.length
      ? this.overlay.slice().sort((a, b) => a - b)
      : [this.current?.spectrum ?? 0];
    const all = await Promise.all(ks.map((k) => this.get(k)));
    const lo = this.window[1];
    const hi = this.window[0];
    let peak = 0;
    for (const s of all)
      s.intensity.forEach((v, i) => {
        const p = s.ppmFirst + ((s.ppmLast - s.ppmFirst) * i) / (s.intensity.length - 1);
        if (p >= lo && p <= hi && v > peak) peak = v;
      });
    const step = (peak || 1) * 0.35;
    const series: uPlot.Series[] = [{ label: 'δ (ppm)' }];
    const data: (number | null)[][] = [xs];
    all.forEach((s, i) => {
      const y = s.intensity.map((v) => v + i * step);
      series.push({ label: `spectrum ${s.spectrum}`, stroke: LINES[i % LINES.length], width: 1 });
      data.push(asc ? y.slice().reverse() : y);
    });
    this.plot?.destroy();
    this.plot = null;
    this.plotBox.replaceChildren();
    this.waterfall?.destroy();
    const width = Math.min(1400, Math.max(600, (this.root.clientWidth || 1000) - 8));
    this.waterfall = new uPlot(
      {
        width,
        height: 420,
        scales: { x: { time: false, dir: -1, min: lo, max: hi } },
        axes: [
          { label: 'δ / ppm', labelSize: 18 },
          {
            label: 'Intensity + offset',
            labelSize: 18,
            size: 72,
            values: (_u, v) => v.map((t) => t.toExponential(1)),
          },
        ],
        series,
      },
      data as uPlot.AlignedData,
      this.plotBox,
    );
    this.plot = this.waterfall;
    this.waterfall = null;
    this.table.replaceChildren();
  }

  private renderTable(d: SpectrumData): void {
    const fit = d.fit;
    if (!fit) {
      this.table.innerHTML = `<p class="muted">No morphology fit for this spectrum${this.fitError ? `: ${this.fitError.replace(/</g, '&lt;')}` : ''}.</p>`;
      return;
    }
    const flags = d.flags;
    const converged = flags.every((f) => f.converged === 1);
    const errors = flags.filter((f) => f.error).map((f) => f.error);
    const rows = fit.parameters
      .map(
        (
          p,
          i,
        ) => `<tr><th scope="row"><span class="swatch" style="background:${LINES[i % LINES.length]}"></span>${p.name}</th>
        <td>${fmt(p.positionPpm, 2)} ± ${fmt(p.positionStdErrPpm, 2)}</td>
        <td>${fmt(p.fwhmPpm, 2)}</td><td>${fmt(p.fwhmGPpm, 2)} / ${fmt(p.fwhmLPpm, 2)}</td>
        <td>${p.area.toExponential(3)}</td>
        <td>${fmt(p.fraction, 4)} ± ${fmt(p.fractionStdErr, 4)}</td></tr>`,
      )
      .join('');
    this.table.innerHTML = `<table class="grid"><caption>Fit of spectrum ${d.spectrum}: R² = ${fmt(fit.rSquared, 5)} ·
      <span class="${converged ? 'ok' : 'warn'}">${converged ? 'converged' : 'not converged'}</span>${errors.length ? ` · ${errors.join('; ')}` : ''}</caption>
      <thead><tr><th scope="col">Line</th><th scope="col">Position / ppm</th><th scope="col">FWHM / ppm</th><th scope="col">Gauss / Lorentz FWHM</th><th scope="col">Area</th><th scope="col">Fraction</th></tr></thead>
      <tbody>${rows}</tbody></table>`;
  }

  dispose(): void {
    this.plot?.destroy();
    this.waterfall?.destroy();
  }
}
