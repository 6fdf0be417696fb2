/**
 * Processing: phase the selected spectrum by hand with a live preview, as in TopSpin's phase mode (drag
 * on the plot: horizontal movement turns ph0; with Shift held, ph1), then apply the phase to the whole
 * series — the server runs the run's manifest with it into a new run; the earlier runs stay selectable.
 * The preview rotates the server's unphased spectrum: φ(i) = ph0 + ph1·i/N over the full-resolution
 * points (pivot at the first point, the manifest's convention).
 */
import uPlot from 'uplot';
import { axis, getJson, postJson, type Unphased } from './api';

interface Preset {
  name: string;
  citation: string;
  referencing: { kind: 'external'; standard: string } | { kind: 'internal-metal'; metalPpm: number };
}

export function rotate(u: Unphased, ph0Deg: number, ph1Deg: number): Float64Array {
  const out = new Float64Array(u.re.length);
  const half = (u.stride - 1) / 2;
  for (let j = 0; j < out.length; j++) {
    const i = j * u.stride + half;
    const phi = ((ph0Deg + (ph1Deg * i) / u.n) * Math.PI) / 180;
    out[j] = u.re[j] * Math.cos(phi) - u.im[j] * Math.sin(phi);
  }
  return out;
}

export class ProcessingPanel {
  private data: Unphased | null = null;
  private plot: uPlot | null = null;
  private ph0 = 0;
  private ph1 = 0;
  private readonly box = document.createElement('div');
  private readonly status = document.createElement('p');
  private readonly ph0Range = document.createElement('input');
  private readonly ph1Range = document.createElement('input');
  private readonly ph0Num = document.createElement('input');
  private readonly ph1Num = document.createElement('input');
  private frame = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly runId: number,
    private readonly window: () => [number, number],
  ) {
    const h = document.createElement('h2');
    h.textContent = 'Processing: phase';
    const controls = document.createElement('div');
    controls.className = 'controls';
    const pair = (name: string, range: HTMLInputElement, num: HTMLInputElement, lim: number) => {
      range.type = 'range';
      range.min = String(-lim);
      range.max = String(lim);
      range.step = '0.1';
      range.id = `${name}-range`;
      num.type = 'number';
      num.step = '0.1';
      num.id = `${name}-value`;
      const l = document.createElement('label');
      l.htmlFor = range.id;
      l.textContent = `${name} / °`;
      const ln = document.createElement('label');
      ln.htmlFor = num.id;
      ln.className = 'sr-only';
      ln.textContent = `${name} in degrees`;
      const set = (v: number) => this.setPhase(name === 'ph0' ? v : this.ph0, name === 'ph1' ? v : this.ph1);
      range.addEventListener('input', () => set(Number(range.value)));
      num.addEventListener('change', () => set(Number(num.value)));
      controls.append(l, range, ln, num);
    };
    pair('ph0', this.ph0Range, this.ph0Num, 180);
    pair('ph1', this.ph1Range, this.ph1Num, 720);
    const reset = document.createElement('button');
    reset.type = 'button';
    reset.textContent = 'Back to the run’s phase';
    reset.addEventListener('click', () => this.data && this.setPhase(this.data.ph0Deg, this.data.ph1Deg));
    const apply = document.createElement('button');
    apply.type = 'button';
    apply.id = 'apply-phase';
    apply.textContent = 'Apply to the series (new run)';
    apply.addEventListener('click', () => void this.apply(apply));
    controls.append(reset, apply);
    const settings = this.buildSettings();
    this.box.className = 'plot-phase';
    this.box.id = 'phase-plot';
    this.box.title = 'Drag horizontally: ph0; Shift+drag: ph1';
    this.status.id = 'phase-status';
    this.status.setAttribute('role', 'status');
    root.append(h, controls, settings, this.box, this.status);
    this.installDrag();
  }

  private installDrag(): void {
    let last: number | null = null;
    this.box.addEventListener('mousedown', (e) => {
      e.preventDefault();
      if (this.dragMode() !== 'phase') {
        this.regionStart = this.ppmAt(e.clientX);
        return;
      }
      last = e.clientX;
    });
    window.addEventListener('mousemove', this.onMove);
    window.addEventListener('mouseup', this.onUp);
    this.dragState = () => last;
    this.setLast = (v) => (last = v);
  }

  private dragState: () => number | null = () => null;
  private setLast: (v: number | null) => void = () => undefined;
  private readonly onMove = (e: MouseEvent) => {
    const last = this.dragState();
    if (last === null) return;
    const dx = e.clientX - last;
    this.setLast(e.clientX);
    if (e.shiftKey) this.setPhase(this.ph0, this.ph1 + dx * 1);
    else this.setPhase(this.ph0 + dx * 0.25, this.ph1);
  };
  private readonly onUp = (e: MouseEvent) => {
    this.setLast(null);
    const a = this.regionStart;
    this.regionStart = null;
    if (a === null) return;
    const b = this.ppmAt(e.clientX);
    if (a === null || b === null || Math.abs(a - b) < 1e-6) return;
    const r: [number, number] = [Math.min(a, b), Math.max(a, b)];
    const field = this.dragMode() === 'baseline' ? this.baselineRegions : this.integralRegions;
    field.value = [field.value.trim(), `${r[0].toFixed(1)}:${r[1].toFixed(1)}`].filter(Boolean).join(' ');
    if (this.dragMode() === 'baseline' && this.baselineMode.value !== 'poly')
      this.baselineMode.value = 'poly';
    this.settingsChanged();
  };
  private regionStart: number | null = null;
  private shown: number | null = null;

  private ppmAt(clientX: number): number | null {
    const u = this.plot;
    if (!u) return null;
    const b = u.over.getBoundingClientRect();
    return u.posToVal(clientX - b.left, 'x');
  }

  private dragMode(): 'phase' | 'baseline' | 'integral' {
    return this.mode.value as 'phase' | 'baseline' | 'integral';
  }

  private readonly mode = document.createElement('select');
  private readonly baselineMode = document.createElement('select');
  private readonly polyOrder = document.createElement('input');
  private readonly baselineRegions = document.createElement('input');
  private readonly integralRegions = document.createElement('input');
  private readonly reference = document.createElement('input');
  private readonly preset = document.createElement('select');

  /** Baseline, integral regions, referencing and fit preset: the settings a new run is made with. */
  private buildSettings(): HTMLElement {
    const box = document.createElement('div');
    box.className = 'controls settings';
    const labelled = (text: string, input: HTMLElement, id: string) => {
      input.id = id;
      const l = document.createElement('label');
      l.htmlFor = id;
      l.textContent = `${text} `;
      box.append(l, input);
    };
    const options = (sel: HTMLSelectElement, items: [string, string][]) => {
      for (const [v, t] of items) {
        const o = document.createElement('option');
        o.value = v;
        o.textContent = t;
        sel.append(o);
      }
    };
    options(this.mode, [
      ['phase', 'phase (Shift: ph1)'],
      ['baseline', 'a baseline region'],
      ['integral', 'an integral region'],
    ]);
    labelled('Drag on the plot sets', this.mode, 'drag-mode');
    options(this.baselineMode, [
      ['keep', 'as the run'],
      ['none', 'none'],
      ['auto', 'auto (arPLS)'],
      ['poly', 'polynomial'],
    ]);
    labelled('Baseline', this.baselineMode, 'baseline-mode');
    this.polyOrder.type = 'number';
    this.polyOrder.min = '0';
    this.polyOrder.max = '10';
    this.polyOrder.value = '1';
    labelled('order', this.polyOrder, 'baseline-order');
    this.baselineRegions.placeholder = 'lo:hi lo:hi (ppm)';
    labelled('baseline regions', this.baselineRegions, 'baseline-regions');
    this.integralRegions.placeholder = 'lo:hi … (ppm)';
    labelled('Integral regions', this.integralRegions, 'integral-regions');
    this.reference.placeholder = 'as the run (e.g. metal:245, 0@1.2, none)';
    labelled('Reference', this.reference, 'reference');
    options(this.preset, [['keep', 'as the run']]);
    labelled('Fit preset', this.preset, 'fit-preset');
    this.preset.addEventListener('change', () => {
      // a preset's referencing convention: the internal metal line, or the spectrometer's (external) scale
      const p = this.presets.find((x) => x.name === this.preset.value);
      if (p)
        this.reference.value =
          p.referencing.kind === 'internal-metal' ? `metal:${p.referencing.metalPpm}` : 'none';
      this.settingsChanged();
    });
    const one = document.createElement('button');
    one.type = 'button';
    one.id = 'apply-one';
    one.textContent = 'Apply to this spectrum (new run)';
    one.addEventListener('click', () => void this.apply(one, true));
    box.append(one);
    for (const c of [
      this.baselineMode,
      this.polyOrder,
      this.baselineRegions,
      this.integralRegions,
      this.reference,
    ])
      c.addEventListener('change', () => this.settingsChanged());
    void getJson<{ presets: Preset[] }>('/api/presets').then(({ presets }) => {
      this.presets = presets;
      options(
        this.preset,
        presets.map((p) => [p.name, `${p.name} (${p.citation})`]),
      );
    });
    return box;
  }

  private presets: Preset[] = [];

  private settingsChanged(): void {
    this.plot?.redraw(false, false);
    window.__wb.processingChange = this.change();
  }

  /** The changes to the run's manifest the settings ask for (the server validates them). */
  change(): Record<string, unknown> {
    const ranges = (v: string): [number, number][] =>
      v
        .split(/[\s,;]+/)
        .filter(Boolean)
        .map((r) => r.split(':').map(Number) as [number, number])
        .filter((r) => r.length === 2 && r.every(Number.isFinite));
    const out: Record<string, unknown> = {};
    const b = this.baselineMode.value;
    if (b === 'none' || b === 'auto') out.baseline = b;
    if (b === 'poly') {
      const regions = ranges(this.baselineRegions.value);
      out.baseline = {
        polyOrder: Number(this.polyOrder.value),
        ...(regions.length ? { regionsPpm: regions } : {}),
      };
    }
    const integrals = ranges(this.integralRegions.value);
    if (integrals.length) out.regionsPpm = integrals;
    if (this.reference.value.trim()) out.reference = this.reference.value.trim();
    if (this.preset.value !== 'keep') out.morphologyPreset = this.preset.value;
    return out;
  }

  /** Baseline regions grey, integral regions blue, drawn on the preview. */
  private readonly drawRegions = (u: uPlot) => {
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    const c = this.change();
    const base = (c.baseline as { regionsPpm?: [number, number][] } | undefined)?.regionsPpm ?? [];
    const bands: [[number, number][], string][] = [
      [base, 'rgba(120,120,120,0.25)'],
      [(c.regionsPpm as [number, number][] | undefined) ?? [], 'rgba(0,114,178,0.18)'],
    ];
    ctx.save();
    for (const [list, color] of bands) {
      ctx.fillStyle = color;
      for (const [a, b] of list) {
        const x0 = u.valToPos(a, 'x', true);
        const x1 = u.valToPos(b, 'x', true);
        ctx.fillRect(Math.min(x0, x1), top, Math.abs(x1 - x0), height);
      }
    }
    ctx.restore();
  };

  private seq = 0;

  async show(k: number): Promise<void> {
    const seq = ++this.seq;
    try {
      const d = await getJson<Unphased>(`/api/runs/${this.runId}/spectra/${k}/unphased`);
      if (seq !== this.seq) return; // a later spectrum was selected meanwhile
      this.data = d;
      this.shown = k;
    } catch (e) {
      if (seq !== this.seq) return;
      this.data = null;
      this.status.textContent = `No phase preview: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    this.status.textContent = `Spectrum ${k}; the run's phase: ph0 = ${this.data.ph0Deg.toFixed(2)}°, ph1 = ${this.data.ph1Deg.toFixed(2)}° (pivot at the first point).`;
    this.makePlot();
    this.setPhase(this.data.ph0Deg, this.data.ph1Deg);
  }

  windowChanged(): void {
    const [hi, lo] = this.window();
    this.plot?.setScale('x', { min: lo, max: hi });
  }

  private makePlot(): void {
    const d = this.data;
    if (!d) return;
    this.plot?.destroy();
    this.box.replaceChildren();
    const x = Array.from(axis(d.ppmFirst, d.ppmLast, d.re.length));
    const asc = x[0] > x[x.length - 1];
    this.reverse = asc;
    const [hi, lo] = this.window();
    const width = Math.min(1400, Math.max(600, (this.root.clientWidth || 1000) - 8));
    this.plot = new uPlot(
      {
        width,
        height: 260,
        scales: { x: { time: false, dir: -1, min: lo, max: hi }, y: { auto: true } },
        axes: [
          { label: 'δ / ppm', labelSize: 18 },
          {
            label: 'Intensity (preview)',
            labelSize: 18,
            size: 72,
            values: (_u, v) => v.map((t) => t.toExponential(1)),
          },
        ],
        cursor: { drag: { x: false, y: false } },
        hooks: { draw: [this.drawRegions] },
        series: [{ label: 'δ (ppm)' }, { label: 'phased preview', stroke: '#0072B2', width: 1.2 }],
      },
      [asc ? x.reverse() : x, new Array(x.length).fill(0)],
      this.box,
    );
  }

  private reverse = false;

  setPhase(ph0: number, ph1: number): void {
    this.ph0 = Math.max(-1e6, Math.min(1e6, ph0));
    this.ph1 = Math.max(-1e6, Math.min(1e6, ph1));
    this.ph0Range.value = String(((((this.ph0 + 180) % 360) + 360) % 360) - 180);
    this.ph1Range.value = String(this.ph1);
    this.ph0Num.value = this.ph0.toFixed(2);
    this.ph1Num.value = this.ph1.toFixed(2);
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const d = this.data;
      const u = this.plot;
      if (!d || !u) return;
      const y = Array.from(rotate(d, this.ph0, this.ph1));
      u.setData([u.data[0] as number[], this.reverse ? y.reverse() : y], true);
      const [hi, lo] = this.window();
      u.setScale('x', { min: lo, max: hi });
      window.__wb.phasePreview = { ph0: this.ph0, ph1: this.ph1 };
    });
  }

  private async apply(button: HTMLButtonElement, one = false): Promise<void> {
    button.disabled = true;
    this.status.textContent = `Running the manifest with ph0 = ${this.ph0.toFixed(2)}°, ph1 = ${this.ph1.toFixed(2)}° …`;
    try {
      const r = await postJson<{ run: number; cached: boolean }>(`/api/runs/${this.runId}/reprocess`, {
        phase: { ph0Deg: Number(this.ph0.toFixed(3)), ph1Deg: Number(this.ph1.toFixed(3)) },
        ...this.change(),
        ...(one && this.shown !== null ? { spectrum: this.shown } : {}),
      });
      this.status.innerHTML = `${r.cached ? 'Already stored as' : 'Stored as'} <a id="new-run" href="#/run/${r.run}">run ${r.run}</a>; run ${this.runId} is kept.`;
    } catch (e) {
      this.status.textContent = `Failed: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      button.disabled = false;
    }
  }

  dispose(): void {
    this.plot?.destroy();
    window.removeEventListener('mousemove', this.onMove);
    window.removeEventListener('mouseup', this.onUp);
  }
}
