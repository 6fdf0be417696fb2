/**
 * Processing: phase the selected spectrum by hand with a live preview, as in TopSpin's phase mode (drag
 * on the plot: horizontal movement turns ph0; with Shift held, ph1), then apply the phase to the whole
 * series — the server runs the run's manifest with it into a new run; the earlier runs stay selectable.
 * The preview rotates the server's unphased spectrum: φ(i) = ph0 + ph1·i/N over the full-resolution
 * points (pivot at the first point, the manifest's convention).
 */
import uPlot from 'uplot';
import { axis, getJson, postJson, type Unphased } from './api';

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
    this.box.className = 'plot-phase';
    this.box.id = 'phase-plot';
    this.box.title = 'Drag horizontally: ph0; Shift+drag: ph1';
    this.status.id = 'phase-status';
    this.status.setAttribute('role', 'status');
    root.append(h, controls, this.box, this.status);
    this.installDrag();
  }

  private installDrag(): void {
    let last: number | null = null;
    this.box.addEventListener('mousedown', (e) => {
      last = e.clientX;
      e.preventDefault();
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
  private readonly onUp = () => this.setLast(null);

  private seq = 0;

  async show(k: number): Promise<void> {
    const seq = ++this.seq;
    try {
      const d = await getJson<Unphased>(`/api/runs/${this.runId}/spectra/${k}/unphased`);
      if (seq !== this.seq) return; // a later spectrum was selected meanwhile
      this.data = d;
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

  private async apply(button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    this.status.textContent = `Running the manifest with ph0 = ${this.ph0.toFixed(2)}°, ph1 = ${this.ph1.toFixed(2)}° …`;
    try {
      const r = await postJson<{ run: number; cached: boolean }>(`/api/runs/${this.runId}/reprocess`, {
        phase: { ph0Deg: Number(this.ph0.toFixed(3)), ph1Deg: Number(this.ph1.toFixed(3)) },
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
