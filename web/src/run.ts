/**
 * One run's experiment view. Operando: the cycler's voltage and current against time on top, the
 * ppm × time map below on the same time axis (high shift at the top), and the morphology fractions with
 * the metal integral under it; zoom and pan stay in sync, hover reads out the cell state, a click selects
 * a spectrum. Below: that spectrum with its fit, and the phase processing of the run.
 */
import uPlot from 'uplot';
import {
  axis,
  getJson,
  getMap,
  type Cycler,
  type MapData,
  type RunInfo,
  type Timeline,
  type TimelineSpectrum,
} from './api';
import { COLORMAP_NAMES, colormap, cssColor, type ColormapName, type Lut } from './colormap';
import { download, downloadPng, exportBar } from './export';
import { ProcessingPanel } from './processing';
import { SpectrumPanel } from './spectrum';

const AXIS_LEFT = 72;
const AXIS_RIGHT = 72;
const SYNC = 'wb-time';
const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];

const hours = (s: number) => s / 3600;
const fmtH = (s: number) => `${hours(s).toFixed(hours(s) < 10 ? 2 : 1)} h`;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Index of the last element ≤ v in ascending `a` (−1 when before the first). */
function bisect(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (a[m] <= v) lo = m + 1;
    else hi = m;
  }
  return lo - 1;
}

type Scale = 'linear' | 'sqrt' | 'log';

export class RunView {
  private disposed = false;
  private info!: RunInfo;
  private timeline!: Timeline;
  private cycler: Cycler | null = null;
  private map: MapData | null = null;
  private lut!: Lut;
  private top: uPlot | null = null;
  private bottom: uPlot | null = null;
  private readonly mapBase = el('canvas', 'map-base');
  private readonly mapOver = el('canvas', 'map-over');
  private readonly mapBox = el('div', 'map');
  private readonly readout = el('div', 'readout');
  private readonly offscreen = document.createElement('canvas');
  private fullTime: [number, number] = [0, 1];
  private time: [number, number] = [0, 1];
  private fullPpm: [number, number] = [0, 1];
  private ppm: [number, number] = [0, 1]; // [high, low]
  private mapPpm: [number, number] = [0, 1]; // the window the fetched map covers
  private hoverS: number | null = null;
  private selected: number | null;
  private readonly overlay = new Set<number>();
  private scale: Scale = 'sqrt';
  private colormapName: ColormapName = 'viridis';
  /** Draw each spectrum to the next one's start (gaps longer than fillGapS stay blank). */
  private fill = false;
  private fillGapS = 0;
  private spectrumPanel!: SpectrumPanel;
  private processing!: ProcessingPanel;
  private width = 900;
  private mapHeight = 280;
  private readonly mapBottom = 40;
  private readonly onKey = (e: KeyboardEvent) => this.key(e);
  private readonly onResize = () => this.layout();
  private refetch: number | undefined;
  private liveReload: number | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly runId: number,
    selected: number | null,
  ) {
    this.selected = selected;
    void this.load().catch((e: unknown) => this.fail(e));
  }

  private fail(e: unknown): void {
    const p = el('p', 'error', e instanceof Error ? e.message : String(e));
    p.setAttribute('role', 'alert');
    this.root.append(p);
  }

  private async load(): Promise<void> {
    const t0 = performance.now();
    const [info, timeline, lut] = await Promise.all([
      getJson<RunInfo>(`/api/runs/${this.runId}`),
      getJson<Timeline>(`/api/runs/${this.runId}/timeline`),
      colormap(),
    ]);
    if (this.disposed) return;
    this.info = info;
    this.timeline = timeline;
    this.lut = lut;
    this.build();
    this.resetRanges();
    const w = this.plotWidth();
    const [cycler, map] = await Promise.all([
      info.hasCycler ? getJson<Cycler>(`/api/runs/${this.runId}/cycler?width=${w}`) : Promise.resolve(null),
      this.fetchMap(),
    ]);
    if (this.disposed) return;
    this.cycler = cycler;
    this.map = map;
    this.makePlots();
    this.paintMap();
    this.drawMap();
    requestAnimationFrame(() => {
      window.__wb.firstPaintMs = performance.now() - t0;
      window.__wb.paintSinceNavigationMs = performance.now();
      window.__wb.ready = true;
    });
    window.__wb.setTime = (a: number, b: number) => this.setTime([a, b]);
    window.__wb.next = () => this.step(1);
    window.__wb.view = this;
    const first = this.selected ?? this.timeline.spectra.find((s) => s.drawn)?.spectrum ?? null;
    if (first !== null) await this.select(first);
  }

  private header(): HTMLElement {
    const h = el('section', 'run-head');
    const i = this.info;
    const title = el('h1', undefined, `${i.campaign ?? ''} ${i.cell ?? ''} — ${i.experiment}`);
    const status = el('span', `status ${i.status}`, i.status);
    status.id = 'run-status';
    title.append(' ', status);
    const runs = el('label', undefined, 'Run ');
    const sel = el('select');
    sel.id = 'run-select';
    for (const r of i.runsOfExperiment) {
      const o = el(
        'option',
        undefined,
        `run ${r.id} (${r.status}, ${r.stored_at.slice(0, 16).replace('T', ' ')})`,
      );
      o.value = String(r.id);
      if (r.id === this.runId) o.selected = true;
      sel.append(o);
    }
    sel.addEventListener('change', () => (location.hash = `#/run/${sel.value}`));
    runs.append(sel);
    const tables = el('p', 'tables');
    tables.append('Tables (CSV): ');
    for (const t of ['spectra', 'integrals', 'morphology', 'alignment', 'cycles', 'impedance']) {
      const a = el('a', undefined, t);
      a.href = `/api/tables/${t}.csv?run=${this.runId}`;
      a.setAttribute('download', `${t}-run${this.runId}.csv`);
      tables.append(a, ' ');
    }
    h.append(title, runs, tables);
    if (i.progress) h.append(el('p', 'muted', i.progress));
    return h;
  }

  private build(): void {
    this.root.append(this.header());
    const op = el('section', 'operando');
    op.setAttribute('aria-label', 'Operando view');
    const controls = el('div', 'controls');
    const scaleLabel = el('label', undefined, 'Colour scale ');
    const scale = el('select');
    scale.id = 'map-scale';
    for (const s of ['linear', 'sqrt', 'log'] as Scale[]) {
      const o = el('option', undefined, s);
      o.value = s;
      if (s === this.scale) o.selected = true;
      scale.append(o);
    }
    scale.addEventListener('change', () => {
      this.scale = scale.value as Scale;
      this.paintMap();
      this.drawMap();
    });
    scaleLabel.append(scale);
    const cmapLabel = el('label', undefined, 'Colour map ');
    const cmap = el('select');
    cmap.id = 'map-colormap';
    for (const n of COLORMAP_NAMES) {
      const o = el('option', undefined, n);
      o.value = n;
      cmap.append(o);
    }
    cmap.addEventListener('change', () => {
      const name = cmap.value as ColormapName;
      void colormap(name).then((lut) => {
        if (this.disposed) return;
        this.colormapName = name;
        this.lut = lut;
        this.paintMap();
        this.drawMap();
        window.__wb.colormap = name;
      });
    });
    cmapLabel.append(cmap);
    const fillLabel = el('label', undefined, ' Fill to the next spectrum');
    const fill = el('input');
    fill.type = 'checkbox';
    fill.id = 'map-fill';
    fillLabel.prepend(fill);
    const gapLabel = el('label', undefined, ' gaps above (min) ');
    const gap = el('input');
    gap.type = 'number';
    gap.id = 'map-fill-gap';
    gap.min = '0';
    gap.step = '1';
    gap.value = String(Math.round(this.defaultFillGapS() / 60));
    this.fillGapS = this.defaultFillGapS();
    gapLabel.append(gap);
    const refill = () => {
      this.fill = fill.checked;
      const g = Number(gap.value);
      this.fillGapS = Number.isFinite(g) && g >= 0 ? g * 60 : this.defaultFillGapS();
      this.drawMap();
    };
    fill.addEventListener('change', refill);
    gap.addEventListener('change', refill);
    const reset = el('button', undefined, 'Reset zoom');
    reset.type = 'button';
    reset.addEventListener('click', () => {
      this.resetRanges();
      this.setTime(this.fullTime);
      this.setPpm(this.defaultPpm());
    });
    controls.append(
      scaleLabel,
      cmapLabel,
      fillLabel,
      gapLabel,
      reset,
      el(
        'span',
        'hint',
        'drag: zoom · wheel: zoom time · shift+wheel: zoom ppm · click: select · shift+click: overlay · ←/→: step · double-click: reset',
      ),
    );
    this.mapBox.append(this.mapBase, this.mapOver);
    this.mapBox.tabIndex = 0;
    this.mapBox.setAttribute('role', 'img');
    this.mapBox.setAttribute('aria-label', 'Shift × time intensity map; arrow keys step through spectra');
    this.mapBox.id = 'map';
    const topBox = el('div', 'plot-top');
    const bottomBox = el('div', 'plot-bottom');
    op.append(
      controls,
      topBox,
      exportBar('cycler plot', [
        { text: 'SVG', title: 'Cycler plot as SVG', run: () => this.svg('cycler') },
        {
          text: 'PNG',
          title: 'Cycler plot as PNG',
          run: () => this.top && downloadPng(this.top.ctx.canvas, `run${this.runId}-cycler.png`),
        },
      ]),
      this.mapBox,
      exportBar('map', [
        { text: 'SVG', title: 'Map as SVG', run: () => this.svg('map') },
        {
          text: 'PNG',
          title: 'Map as PNG',
          run: () => downloadPng(this.mapBase, `run${this.runId}-map.png`),
        },
      ]),
      bottomBox,
      this.readout,
    );
    this.readout.setAttribute('aria-live', 'polite');
    this.readout.id = 'readout';
    this.root.append(op);
    const spec = el('section', 'spectrum-view');
    spec.setAttribute('aria-label', 'Spectrum view');
    this.root.append(spec);
    this.spectrumPanel = new SpectrumPanel(spec, this.runId);
    const proc = el('section', 'processing-view');
    proc.setAttribute('aria-label', 'Processing');
    this.root.append(proc);
    this.processing = new ProcessingPanel(proc, this.runId, () => this.ppm);
    this.installMapEvents();
    document.addEventListener('keydown', this.onKey);
    window.addEventListener('resize', this.onResize);
  }

  private svg(name: string): void {
    const q = new URLSearchParams({
      t0: String(this.time[0]),
      t1: String(this.time[1]),
      ppmMin: String(this.ppm[1]),
      ppmMax: String(this.ppm[0]),
    });
    download(`/api/runs/${this.runId}/figures/${name}.svg?${q}`, `run${this.runId}-${name}.svg`);
  }

  /** Gaps that stay blank when filling: three times the median spacing of the spectra's starts. */
  private defaultFillGapS(): number {
    const s = this.timeline.spectra;
    const d = s
      .slice(1)
      .map((r, i) => r.startS - s[i].startS)
      .filter((v) => v > 0)
      .sort((a, b) => a - b);
    return d.length ? 3 * d[Math.floor(d.length / 2)] : 0;
  }

  /** Where a spectrum's drawing ends: its acquisition end, or (filling) the next spectrum's start. */
  private drawnEnd(s: TimelineSpectrum, next: TimelineSpectrum | undefined): number {
    if (!this.fill || !next || next.startS <= s.endS) return s.endS;
    return next.startS - s.endS <= this.fillGapS ? next.startS : s.endS;
  }

  private defaultPpm(): [number, number] {
    const t = this.timeline;
    const r = t.regions.find((x) => x.region === t.metalRegion) ?? t.regions[0];
    if (!r) return this.fullPpm;
    const lo = Math.min(r.from_ppm, r.to_ppm);
    const hi = Math.max(r.from_ppm, r.to_ppm);
    const pad = (hi - lo) * 0.25;
    return [Math.min(this.fullPpm[0], hi + pad), Math.max(this.fullPpm[1], lo - pad)];
  }

  private resetRanges(): void {
    const s = this.timeline.spectra;
    let lo = s.length ? Math.min(...s.map((x) => x.startS)) : 0;
    let hi = s.length ? Math.max(...s.map((x) => x.endS)) : 1;
    if (this.cycler && this.cycler.timeS.length) {
      lo = Math.min(lo, this.cycler.timeS[0]);
      hi = Math.max(hi, this.cycler.timeS[this.cycler.timeS.length - 1]);
    }
    this.fullTime = [lo, hi];
    this.time = [lo, hi];
    if (this.fullPpm[0] === 0 && this.fullPpm[1] === 1) this.fullPpm = [5000, -5000];
    this.ppm = this.defaultPpm();
  }

  private plotWidth(): number {
    return Math.max(200, Math.floor(this.width) - AXIS_LEFT - AXIS_RIGHT);
  }

  private async fetchMap(): Promise<MapData> {
    const dpr = window.devicePixelRatio || 1;
    const [hi, lo] = this.ppm;
    const m = await getMap(this.runId, {
      width: Math.min(2048, Math.ceil(this.mapHeight * dpr)),
      height: 4000,
      ...(hi < 4999 ? { ppmMax: hi, ppmMin: lo } : {}),
    });
    if (hi >= 4999) {
      this.fullPpm = [m.ppmFirst, m.ppmLast];
      this.ppm = this.defaultPpm();
      return this.fetchMap();
    }
    this.mapPpm = [
      m.ppmFirst + (m.ppmFirst - m.ppmLast) / (2 * (m.columns - 1)),
      m.ppmLast - (m.ppmFirst - m.ppmLast) / (2 * (m.columns - 1)),
    ];
    return m;
  }

  private spectrumTimes(): { x: number[]; s: TimelineSpectrum[] } {
    const s = this.timeline.spectra;
    return { x: s.map((r) => (r.startS + r.endS) / 2), s };
  }

  private drawMarks = (u: uPlot) => {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, width, height);
    ctx.clip();
    const rec = this.timeline.record;
    if (rec) {
      ctx.fillStyle = 'rgba(120,120,120,0.18)';
      for (const g of rec.gaps) {
        const a = u.valToPos(g.startS, 'x', true);
        const b = u.valToPos(g.endS, 'x', true);
        ctx.fillRect(a, top, Math.max(1, b - a), height);
      }
      ctx.strokeStyle = 'rgba(80,80,80,0.45)';
      ctx.setLineDash([4, 4]);
      ctx.lineWidth = 1;
      for (const st of rec.steps.slice(1)) {
        const x = Math.round(u.valToPos(st.startS, 'x', true)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + height);
        ctx.stroke();
      }
      ctx.setLineDash([]);
    }
    if (this.selected !== null) {
      const s = this.timeline.spectra.find((r) => r.spectrum === this.selected);
      if (s) {
        ctx.fillStyle = 'rgba(213,94,0,0.18)';
        const a = u.valToPos(s.startS, 'x', true);
        const b = u.valToPos(s.endS, 'x', true);
        ctx.fillRect(a, top, Math.max(2, b - a), height);
      }
    }
    ctx.restore();
  };

  private makePlots(): void {
    this.top?.destroy();
    this.bottom?.destroy();
    const topBox = this.root.querySelector('.plot-top') as HTMLElement;
    const bottomBox = this.root.querySelector('.plot-bottom') as HTMLElement;
    topBox.replaceChildren();
    bottomBox.replaceChildren();
    const sync = uPlot.sync(SYNC);
    const cursor: uPlot.Cursor = {
      sync: { key: SYNC, setSeries: false },
      drag: { x: true, y: false, setScale: true },
    };
    const hooks = (): uPlot.Hooks.Arrays => ({
      draw: [this.drawMarks],
      setScale: [
        (u, key) => {
          if (key !== 'x' || this.syncing) return;
          const min = u.scales.x.min as number;
          const max = u.scales.x.max as number;
          if (min !== this.time[0] || max !== this.time[1]) this.setTime([min, max], u);
        },
      ],
      setCursor: [
        (u) => {
          const idx = u.cursor.left;
          if (idx === undefined || idx < 0) {
            this.hover(null);
            return;
          }
          this.hover(u.posToVal(idx, 'x'));
        },
      ],
    });
    const xAxis: uPlot.Axis = {
      size: 36,
      values: (_u, vals) => vals.map((v) => hours(v).toFixed(hours(v) < 10 ? 1 : 0)),
      label: 'Time / h',
      labelSize: 18,
    };
    const c = this.cycler;
    const w = this.width;
    if (c) {
      this.top = new uPlot(
        {
          width: w,
          height: 200,
          cursor,
          legend: { show: true },
          scales: { x: { time: false, min: this.time[0], max: this.time[1] }, V: {}, mA: {} },
          axes: [
            { ...xAxis, show: false, size: 0 },
            { scale: 'V', label: 'Voltage / V', size: AXIS_LEFT, labelSize: 18 },
            {
              scale: 'mA',
              side: 1,
              label: 'Current / mA',
              size: AXIS_RIGHT,
              labelSize: 18,
              grid: { show: false },
            },
          ],
          series: [
            { label: 'time', value: (_u, v) => (v === null ? '—' : fmtH(v)) },
            { label: 'voltage (V)', scale: 'V', stroke: COLORS[0], width: 1.5 },
            { label: 'current (mA)', scale: 'mA', stroke: COLORS[1], width: 1 },
          ],
          hooks: hooks(),
        },
        [c.timeS, c.voltageV, c.currentMA],
        topBox,
      );
      sync.sub(this.top);
    } else topBox.append(el('p', 'muted', 'This run has no cycler record.'));
    const { x } = this.spectrumTimes();
    const t = this.timeline;
    const series: uPlot.Series[] = [{ label: 'time', value: (_u, v) => (v === null ? '—' : fmtH(v)) }];
    const data: (number | null)[][] = [x];
    t.components.forEach((name, k) => {
      series.push({
        label: `${name} fraction`,
        scale: 'frac',
        stroke: COLORS[(k + 2) % COLORS.length],
        width: 1.5,
        points: { show: x.length < 80 },
      });
      data.push(t.fractions[name]);
    });
    if (t.metalRegion) {
      series.push({
        label: `metal integral ${t.metalRegion.replace('integral_', '').replace('_', '–').replace('m', '−')} ppm`,
        scale: 'int',
        stroke: '#222',
        width: 1.5,
        dash: [5, 3],
      });
      data.push(t.integrals[t.metalRegion]);
    }
    this.bottom = new uPlot(
      {
        width: w,
        height: 190,
        cursor,
        scales: {
          x: { time: false, min: this.time[0], max: this.time[1] },
          frac: { range: [0, 1] },
          int: {},
        },
        axes: [
          xAxis,
          { scale: 'frac', label: 'Fraction', size: AXIS_LEFT, labelSize: 18 },
          {
            scale: 'int',
            side: 1,
            label: 'Integral / a.u.',
            size: AXIS_RIGHT,
            labelSize: 18,
            grid: { show: false },
            values: (_u, v) => v.map((n) => n.toExponential(1)),
          },
        ],
        series,
        hooks: hooks(),
      },
      data as uPlot.AlignedData,
      bottomBox,
    );
    sync.sub(this.bottom);
    this.layoutMap();
  }

  private syncing = false;

  /** Sets the shared time window on every panel and redraws the map; refetches a finer cycler window. */
  setTime(range: [number, number], from?: uPlot): number {
    const t0 = performance.now();
    const lo = Math.max(this.fullTime[0] - 1, Math.min(range[0], range[1]));
    const hi = Math.min(this.fullTime[1] + 1, Math.max(range[0], range[1]));
    if (!(hi > lo)) return 0;
    this.time = [lo, hi];
    this.syncing = true;
    for (const u of [this.top, this.bottom]) if (u && u !== from) u.setScale('x', { min: lo, max: hi });
    this.syncing = false;
    this.drawMap();
    clearTimeout(this.refetch);
    this.refetch = window.setTimeout(() => void this.refetchCycler(), 200);
    return performance.now() - t0;
  }

  private async refetchCycler(): Promise<void> {
    if (!this.info.hasCycler || !this.top) return;
    const [a, b] = this.time;
    const c = await getJson<Cycler>(
      `/api/runs/${this.runId}/cycler?width=${this.plotWidth()}&t0=${a}&t1=${b}`,
    );
    if (this.disposed || !this.top) return;
    this.cycler = c;
    this.syncing = true;
    this.top.setData([c.timeS, c.voltageV, c.currentMA], false);
    this.top.setScale('x', { min: this.time[0], max: this.time[1] });
    this.syncing = false;
  }

  private setPpm(range: [number, number]): void {
    const hi = Math.min(this.fullPpm[0], Math.max(range[0], range[1]));
    const lo = Math.max(this.fullPpm[1], Math.min(range[0], range[1]));
    if (!(hi > lo)) return;
    this.ppm = [hi, lo];
    this.drawMap();
    clearTimeout(this.mapFetch);
    this.mapFetch = window.setTimeout(() => void this.reloadMap(), 150);
    this.processing.windowChanged();
    this.spectrumPanel.setWindow(this.ppm);
  }

  private mapFetch: number | undefined;

  private async reloadMap(): Promise<void> {
    const m = await this.fetchMap();
    if (this.disposed) return;
    this.map = m;
    this.paintMap();
    this.drawMap();
  }

  private layout(): void {
    const w = Math.min(1400, Math.max(600, (this.root.clientWidth || 1000) - 8));
    if (Math.abs(w - this.width) < 4 && this.top) return;
    this.width = w;
    this.top?.setSize({ width: w, height: 200 });
    this.bottom?.setSize({ width: w, height: 190 });
    this.layoutMap();
    this.drawMap();
  }

  private layoutMap(): void {
    const dpr = window.devicePixelRatio || 1;
    this.width = Math.min(1400, Math.max(600, (this.root.clientWidth || 1000) - 8));
    for (const c of [this.mapBase, this.mapOver]) {
      c.width = Math.round(this.width * dpr);
      c.height = Math.round((this.mapHeight + this.mapBottom) * dpr);
      c.style.width = `${this.width}px`;
      c.style.height = `${this.mapHeight + this.mapBottom}px`;
    }
    this.mapBox.style.width = `${this.width}px`;
    this.mapBox.style.height = `${this.mapHeight + this.mapBottom}px`;
  }

  /** The map's plot rectangle in CSS pixels: the same horizontal span as the uPlot panels. */
  private plotRect(): { left: number; top: number; width: number; height: number } {
    const u = this.bottom ?? this.top;
    const dpr = window.devicePixelRatio || 1;
    if (u) return { left: u.bbox.left / dpr, top: 8, width: u.bbox.width / dpr, height: this.mapHeight };
    return { left: AXIS_LEFT, top: 8, width: this.plotWidth(), height: this.mapHeight };
  }

  private xOf(t: number): number {
    const r = this.plotRect();
    return r.left + ((t - this.time[0]) / (this.time[1] - this.time[0])) * r.width;
  }

  private tOf(x: number): number {
    const r = this.plotRect();
    return this.time[0] + ((x - r.left) / r.width) * (this.time[1] - this.time[0]);
  }

  private yOf(ppm: number): number {
    const r = this.plotRect();
    return r.top + ((this.ppm[0] - ppm) / (this.ppm[0] - this.ppm[1])) * r.height;
  }

  private ppmOf(y: number): number {
    const r = this.plotRect();
    return this.ppm[0] - ((y - r.top) / r.height) * (this.ppm[0] - this.ppm[1]);
  }

  /** Colours the fetched map into an offscreen image: one pixel column per map row (spectrum), ppm down. */
  private paintMap(): void {
    const m = this.map;
    if (!m || m.rows.length === 0) return;
    const cols = m.columns;
    const rows = m.rows.length;
    this.offscreen.width = rows;
    this.offscreen.height = cols;
    const ctx = this.offscreen.getContext('2d') as CanvasRenderingContext2D;
    const img = ctx.createImageData(rows, cols);
    let hi = 0;
    for (const v of m.z) if (v > hi) hi = v;
    const f =
      this.scale === 'linear'
        ? (v: number) => v / hi
        : this.scale === 'sqrt'
          ? (v: number) => Math.sqrt(Math.max(0, v) / hi)
          : (v: number) => (v <= hi * 1e-4 ? 0 : 1 + Math.log10(v / hi) / 4);
    const lut = this.lut;
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) {
        const v = m.z[i * cols + j];
        const p = 4 * (j * rows + i);
        if (!Number.isFinite(v)) {
          img.data[p + 3] = 0;
          continue;
        }
        const k = Math.max(0, Math.min(255, Math.round(f(Math.max(0, v)) * 255)));
        img.data[p] = lut[3 * k];
        img.data[p + 1] = lut[3 * k + 1];
        img.data[p + 2] = lut[3 * k + 2];
        img.data[p + 3] = 255;
      }
    ctx.putImageData(img, 0, 0);
  }

  /** Draws the map for the current time and ppm windows (a few hundred drawImage calls). */
  drawMap(): void {
    const m = this.map;
    const dpr = window.devicePixelRatio || 1;
    const ctx = this.mapBase.getContext('2d') as CanvasRenderingContext2D;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.mapHeight + this.mapBottom);
    const r = this.plotRect();
    ctx.fillStyle = '#f3f3f3';
    ctx.fillRect(r.left, r.top, r.width, r.height);
    if (m && m.rows.length) {
      ctx.save();
      ctx.beginPath();
      ctx.rect(r.left, r.top, r.width, r.height);
      ctx.clip();
      ctx.imageSmoothingEnabled = false;
      // source rows (ppm bins) of the fetched map that fall in the shown ppm window
      const [mHi, mLo] = this.mapPpm;
      const perPpm = m.columns / (mHi - mLo);
      const sy0 = (mHi - this.ppm[0]) * perPpm;
      const sy1 = (mHi - this.ppm[1]) * perPpm;
      const spans = this.timeline.spectra;
      const byIndex = new Map(spans.map((s, k) => [s.spectrum, k]));
      m.rows.forEach((row, i) => {
        const ka = byIndex.get(row.first);
        const kb = byIndex.get(row.last);
        if (ka === undefined || kb === undefined) return;
        const a = spans[ka];
        const b = spans[kb];
        const end = this.drawnEnd(b, spans[kb + 1]);
        if (end < this.time[0] || a.startS > this.time[1]) return;
        const x0 = this.xOf(a.startS);
        const x1 = this.xOf(end);
        ctx.drawImage(this.offscreen, i, sy0, 1, sy1 - sy0, x0, r.top, Math.max(1, x1 - x0), r.height);
      });
      ctx.restore();
    }
    // axes: ppm on the left, time below (ticks only; the time labels are the bottom panel's)
    ctx.fillStyle = '#222';
    ctx.strokeStyle = '#222';
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const p of ticks(this.ppm[1], this.ppm[0], 6)) {
      const y = this.yOf(p);
      ctx.fillText(String(+p.toFixed(2)), r.left - 6, y);
      ctx.beginPath();
      ctx.moveTo(r.left - 4, y);
      ctx.lineTo(r.left, y);
      ctx.stroke();
    }
    ctx.save();
    ctx.translate(14, r.top + r.height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText('δ / ppm', 0, 0);
    ctx.restore();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of ticks(this.time[0], this.time[1], 8)) {
      const x = this.xOf(t);
      ctx.fillText(hours(t).toFixed(hours(t) < 10 ? 1 : 0), x, r.top + r.height + 4);
    }
    ctx.fillText('Time / h', r.left + r.width / 2, r.top + r.height + 20);
    ctx.strokeRect(r.left + 0.5, r.top + 0.5, r.width - 1, r.height - 1);
    // colour bar
    const bx = r.left + r.width + 10;
    for (let k = 0; k < r.height; k++) {
      ctx.fillStyle = cssColor(this.lut, 1 - k / r.height);
      ctx.fillRect(bx, r.top + k, 12, 1);
    }
    ctx.fillStyle = '#222';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText('high', bx + 15, r.top);
    ctx.textBaseline = 'bottom';
    ctx.fillText('low', bx + 15, r.top + r.height);
    ctx.fillText(this.scale, bx + 15, r.top + r.height / 2);
    ctx.textBaseline = 'top';
    ctx.fillText(this.colormapName, bx + 15, r.top + r.height / 2 + 2);
    this.drawOverlay();
  }

  private drag: { x: number; y: number; x1: number; y1: number; shift: boolean } | null = null;

  private drawOverlay(): void {
    const dpr = window.devicePixelRatio || 1;
    const ctx = this.mapOver.getContext('2d') as CanvasRenderingContext2D;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.width, this.mapHeight + this.mapBottom);
    const r = this.plotRect();
    const rec = this.timeline.record;
    ctx.save();
    ctx.beginPath();
    ctx.rect(r.left, r.top, r.width, r.height);
    ctx.clip();
    if (rec) {
      ctx.strokeStyle = 'rgba(255,255,255,0.6)';
      ctx.setLineDash([4, 4]);
      for (const st of rec.steps.slice(1)) {
        const x = Math.round(this.xOf(st.startS)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(x, r.top);
        ctx.lineTo(x, r.top + r.height);
        ctx.stroke();
      }
      ctx.setLineDash([]);
    }
    const outline = (k: number, color: string) => {
      const s = this.timeline.spectra.find((x) => x.spectrum === k);
      if (!s) return;
      const x0 = this.xOf(s.startS);
      const x1 = this.xOf(s.endS);
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.strokeRect(x0, r.top + 1, Math.max(2, x1 - x0), r.height - 2);
    };
    for (const k of this.overlay) outline(k, '#E69F00');
    if (this.selected !== null) outline(this.selected, '#D55E00');
    if (this.hoverS !== null) {
      const x = Math.round(this.xOf(this.hoverS)) + 0.5;
      ctx.strokeStyle = 'rgba(255,255,255,0.9)';
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, r.top);
      ctx.lineTo(x, r.top + r.height);
      ctx.stroke();
    }
    if (this.drag) {
      ctx.fillStyle = 'rgba(255,255,255,0.25)';
      ctx.strokeStyle = '#fff';
      const { x, y, x1, y1 } = this.drag;
      ctx.fillRect(Math.min(x, x1), Math.min(y, y1), Math.abs(x1 - x), Math.abs(y1 - y));
      ctx.strokeRect(Math.min(x, x1), Math.min(y, y1), Math.abs(x1 - x), Math.abs(y1 - y));
    }
    ctx.restore();
  }

  private spectrumAt(t: number): TimelineSpectrum | null {
    const s = this.timeline.spectra;
    let best: TimelineSpectrum | null = null;
    let dist = Infinity;
    for (const r of s) {
      if (t >= r.startS && t <= r.endS) return r;
      const d = Math.min(Math.abs(t - r.startS), Math.abs(t - r.endS));
      if (d < dist) [best, dist] = [r, d];
    }
    return best;
  }

  private hover(t: number | null): void {
    this.hoverS = t;
    this.drawOverlay();
    if (t === null) return;
    const parts = [`t = ${fmtH(t)}`];
    const c = this.cycler;
    if (c && c.timeS.length) {
      const i = Math.max(0, bisect(c.timeS, t));
      parts.push(
        `U = ${c.voltageV[i].toFixed(4)} V`,
        `I = ${c.currentMA[i].toFixed(3)} mA`,
        `Q = ${c.chargeMAh[i].toFixed(4)} mAh`,
      );
    }
    const s = this.spectrumAt(t);
    if (s) {
      const inside = t >= s.startS && t <= s.endS;
      parts.push(
        `${inside ? '' : 'nearest '}spectrum ${s.spectrum}`,
        `cycle ${s.cycle ?? '—'}`,
        `step ${s.step ?? '—'}${s.stepType ? ` (${s.stepType})` : ''}`,
      );
    }
    this.readout.textContent = parts.join(' · ');
  }

  private installMapEvents(): void {
    const pos = (e: MouseEvent) => {
      const b = this.mapOver.getBoundingClientRect();
      return { x: e.clientX - b.left, y: e.clientY - b.top };
    };
    this.mapOver.addEventListener('mousemove', (e) => {
      const p = pos(e);
      if (this.drag) {
        this.drag.x1 = p.x;
        this.drag.y1 = p.y;
      }
      const t = this.tOf(p.x);
      this.hover(t);
      // move the uPlot cursors with it
      for (const u of [this.top, this.bottom])
        if (u) u.setCursor({ left: u.valToPos(t, 'x'), top: -1 }, false);
      this.readout.textContent += ` · δ = ${this.ppmOf(p.y).toFixed(2)} ppm`;
    });
    this.mapOver.addEventListener('mouseleave', () => {
      this.hover(null);
    });
    this.mapOver.addEventListener('mousedown', (e) => {
      const p = pos(e);
      this.drag = { x: p.x, y: p.y, x1: p.x, y1: p.y, shift: e.shiftKey };
    });
    window.addEventListener('mouseup', this.onMouseUp);
    this.mapOver.addEventListener('dblclick', () => {
      this.setTime(this.fullTime);
      this.setPpm(this.defaultPpm());
    });
    this.mapOver.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const p = pos(e);
        const k = e.deltaY > 0 ? 1.25 : 0.8;
        if (e.shiftKey) {
          const c = this.ppmOf(p.y);
          this.setPpm([c + (this.ppm[0] - c) * k, c + (this.ppm[1] - c) * k]);
        } else {
          const c = this.tOf(p.x);
          this.setTime([c + (this.time[0] - c) * k, c + (this.time[1] - c) * k]);
        }
      },
      { passive: false },
    );
  }

  private readonly onMouseUp = (e: MouseEvent) => {
    const d = this.drag;
    if (!d) return;
    this.drag = null;
    const moved = Math.abs(d.x1 - d.x) + Math.abs(d.y1 - d.y);
    if (moved < 4) {
      const s = this.spectrumAt(this.tOf(d.x));
      if (s) {
        if (e.shiftKey || d.shift) this.toggleOverlay(s.spectrum);
        else void this.select(s.spectrum);
      }
      this.drawOverlay();
      return;
    }
    const [ta, tb] = [this.tOf(d.x), this.tOf(d.x1)];
    const [pa, pb] = [this.ppmOf(d.y), this.ppmOf(d.y1)];
    if (Math.abs(d.x1 - d.x) > 4) this.setTime([ta, tb]);
    if (Math.abs(d.y1 - d.y) > 4) this.setPpm([pa, pb]);
    this.drawOverlay();
  };

  private toggleOverlay(k: number): void {
    if (this.overlay.has(k)) this.overlay.delete(k);
    else this.overlay.add(k);
    this.spectrumPanel.setOverlay([...this.overlay]);
    this.drawOverlay();
  }

  /** Selects a spectrum: outlined on the map and shown with its fit below. */
  async select(k: number): Promise<void> {
    this.selected = k;
    history.replaceState(null, '', `#/run/${this.runId}/spectrum/${k}`);
    this.drawOverlay();
    this.top?.redraw(false, false);
    this.bottom?.redraw(false, false);
    const s = this.timeline.spectra.find((r) => r.spectrum === k);
    const drawn = this.timeline.spectra.filter((r) => r.drawn).map((r) => r.spectrum);
    const at = drawn.indexOf(k);
    const neighbours = [drawn[at + 1], drawn[at - 1]].filter((n) => n !== undefined);
    // the phase preview reads the raw FID: it follows without holding up the spectrum and its fit
    void this.processing.show(k);
    await this.spectrumPanel.show(
      k,
      this.ppm,
      s ?? null,
      this.timeline.fitErrors[String(k)] ?? null,
      neighbours,
    );
  }

  /** Steps to the next (+1) or previous (−1) drawn spectrum. */
  async step(d: 1 | -1): Promise<void> {
    const drawn = this.timeline.spectra.filter((s) => s.drawn).map((s) => s.spectrum);
    if (drawn.length === 0) return;
    const i = this.selected === null ? -1 : drawn.indexOf(this.selected);
    const j = Math.max(0, Math.min(drawn.length - 1, i + d));
    await this.select(drawn[j]);
  }

  private key(e: KeyboardEvent): void {
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
    if (e.key === 'ArrowRight' || e.key === 'j') {
      e.preventDefault();
      void this.step(1);
    } else if (e.key === 'ArrowLeft' || e.key === 'k') {
      e.preventDefault();
      void this.step(-1);
    } else if (e.key === '+' || e.key === '=') {
      const c = (this.time[0] + this.time[1]) / 2;
      this.setTime([c + (this.time[0] - c) * 0.7, c + (this.time[1] - c) * 0.7]);
    } else if (e.key === '-') {
      const c = (this.time[0] + this.time[1]) / 2;
      this.setTime([c + (this.time[0] - c) * 1.4, c + (this.time[1] - c) * 1.4]);
    } else if (e.key === 'o' && this.selected !== null) this.toggleOverlay(this.selected);
  }

  /** Live: the run grew or changed state; fetch its timeline, map and record again (no reload). */
  onRuns(runs: { id: number; status: string }[]): void {
    if (!runs.some((r) => r.id === this.runId)) {
      const sel = document.getElementById('run-select') as HTMLSelectElement | null;
      if (sel && runs.some((r) => !Array.from(sel.options).some((o) => Number(o.value) === r.id)))
        void this.refreshRuns();
      return;
    }
    clearTimeout(this.liveReload);
    this.liveReload = window.setTimeout(
      () => void this.reloadLive(runs.find((r) => r.id === this.runId)?.status),
      50,
    );
  }

  private async refreshRuns(): Promise<void> {
    const info = await getJson<RunInfo>(`/api/runs/${this.runId}`);
    const sel = document.getElementById('run-select') as HTMLSelectElement | null;
    if (!sel || this.disposed) return;
    sel.replaceChildren(
      ...info.runsOfExperiment.map((r) => {
        const o = el(
          'option',
          undefined,
          `run ${r.id} (${r.status}, ${r.stored_at.slice(0, 16).replace('T', ' ')})`,
        );
        o.value = String(r.id);
        o.selected = r.id === this.runId;
        return o;
      }),
    );
  }

  private async reloadLive(status?: string): Promise<void> {
    const wasFull = this.time[0] <= this.fullTime[0] + 1 && this.time[1] >= this.fullTime[1] - 1;
    const [timeline, map] = await Promise.all([
      getJson<Timeline>(`/api/runs/${this.runId}/timeline`),
      this.fetchMap(),
    ]);
    const cycler = this.info.hasCycler
      ? await getJson<Cycler>(`/api/runs/${this.runId}/cycler?width=${this.plotWidth()}`)
      : null;
    if (this.disposed) return;
    this.timeline = timeline;
    this.map = map;
    this.cycler = cycler;
    const keep = this.time;
    this.resetRangesTimeOnly();
    this.time = wasFull ? this.fullTime : keep;
    this.makePlots();
    this.paintMap();
    this.drawMap();
    const st = document.getElementById('run-status');
    if (st && status) {
      st.textContent = status;
      st.className = `status ${status}`;
    }
    const count = document.getElementById('spectra-count');
    if (count) count.textContent = String(timeline.spectra.length);
    window.__wb.liveSpectra = timeline.spectra.length;
  }

  private resetRangesTimeOnly(): void {
    const ppm = this.ppm;
    this.resetRanges();
    this.ppm = ppm;
  }

  dispose(): void {
    this.disposed = true;
    this.top?.destroy();
    this.bottom?.destroy();
    this.spectrumPanel?.dispose();
    this.processing?.dispose();
    document.removeEventListener('keydown', this.onKey);
    window.removeEventListener('resize', this.onResize);
    window.removeEventListener('mouseup', this.onMouseUp);
  }
}

/** About `n` round tick values in [a, b]. */
export function ticks(a: number, b: number, n: number): number[] {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const raw = (hi - lo) / Math.max(1, n);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(v);
  return out;
}

export { axis };
