/**
 * One run's impedance view (schema v5 data, src/server/impedance.ts): a sweep selector; the selected
 * sweep's Nyquist plot (equal scales on both axes, as impedance users read arcs), Bode magnitude and phase,
 * Lin-KK residuals with the pass band, and DRT γ(τ); the DRT map over the sweeps (time × log10 τ, colour =
 * γ) and the resistances (R∞, polarisation) against time. All numbers come from the server.
 */
import uPlot from 'uplot';
import { getJson } from './api';
import { colormap, cssColor } from './colormap';
import { downloadPng, exportBar } from './export';
import { el } from './run';
import { PlotView } from './view';

const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7'];

interface SweepRow {
  sweep: number;
  timeS: number;
  kkPass: boolean;
  kkMaxResidualPct: number | null;
  rInfOhm: number | null;
  polarizationOhm: number | null;
  hasData: boolean;
  state: { midS: number; meanVoltageV: number | null; cycle: number | null } | null;
}
interface SweepList {
  sweeps: SweepRow[];
}
interface SweepData {
  sweep: number;
  freqHz: number[];
  zReOhm: number[];
  zImOhm: number[];
  kkResidualRePct: number[] | null;
  kkResidualImPct: number[] | null;
  kkThresholdPct: number | null;
  log10TauS: number[] | null;
  gammaOhm: number[] | null;
}
interface DrtMap {
  log10TauS: number[];
  sweeps: number[];
  timeS: (number | null)[];
  gammaOhm: (number | null)[][];
  range: [number, number];
}

/** Points sorted by ascending x (uPlot's requirement), the other columns carried along. */
function byX(x: number[], ...ys: (number[] | null)[]): uPlot.AlignedData {
  const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b]);
  return [order.map((i) => x[i]), ...ys.map((y) => order.map((i) => (y ? y[i] : null)))] as uPlot.AlignedData;
}

export class ImpedanceView extends PlotView {
  private list!: SweepList;
  private current = 0;
  private readonly slider = el('input') as HTMLInputElement;
  private readonly label = el('span', 'hint');
  private readonly nyquist = el('canvas', 'nyquist') as HTMLCanvasElement;
  private readonly map = el('canvas', 'drt-map') as HTMLCanvasElement;

  constructor(root: HTMLElement, runId: number) {
    super(root, runId);
    this.attempt(this.load());
  }

  onRuns(runs: { id: number; status: string }[]): void {
    if (runs.some((r) => r.id === this.runId)) this.attempt(this.refresh());
  }

  private section(key: string, title: string, body?: HTMLElement): HTMLElement {
    const s = el('section', `eis-${key}`);
    s.append(el('h3', undefined, title));
    const box = body ?? el('div', 'plot');
    box.setAttribute('role', 'img');
    box.setAttribute('aria-label', title);
    this.boxes.set(key, box);
    const canvasOf = () =>
      box instanceof HTMLCanvasElement ? box : (box.querySelector('canvas') as HTMLCanvasElement | null);
    s.append(
      box,
      exportBar(title, [
        {
          text: 'PNG',
          title: `${title} as PNG`,
          run: () => {
            const c = canvasOf();
            if (c) downloadPng(c, `run${this.runId}-${key}.png`);
          },
        },
      ]),
    );
    return s;
  }

  private async load(): Promise<void> {
    this.list = await getJson<SweepList>(`/api/runs/${this.runId}/impedance`);
    if (this.disposed) return;
    this.width = Math.max(480, Math.min(1100, this.root.clientWidth - 40));
    const head = el('section', 'eis-head');
    head.append(el('h2', undefined, `Run ${this.runId}: impedance`));
    const withData = this.list.sweeps.filter((s) => s.hasData);
    if (withData.length === 0) {
      head.append(
        el('p', 'hint', 'This run has no stored impedance sweeps (runs stored before schema v5: run again).'),
      );
      this.root.append(head);
      return;
    }
    const lab = el('label', undefined, 'Sweep ');
    this.slider.type = 'range';
    this.slider.min = '0';
    this.slider.max = String(withData.length - 1);
    this.slider.value = '0';
    this.slider.id = 'eis-sweep';
    this.slider.setAttribute('aria-label', 'Impedance sweep');
    this.slider.addEventListener('input', () => {
      this.current = withData[Number(this.slider.value)].sweep;
      this.attempt(this.drawSweep());
    });
    lab.append(this.slider);
    head.append(lab, this.label);
    this.current = withData[0].sweep;
    const side = Math.min(this.width, 520);
    this.nyquist.width = side;
    this.nyquist.height = side;
    this.map.width = this.width;
    this.map.height = 260;
    this.root.append(
      head,
      this.section('nyquist', 'Nyquist (−Z″ against Z′, equal scales)', this.nyquist),
      this.section('bode', 'Bode: |Z| and phase'),
      this.section('kk', 'Lin-KK residuals (pass band shaded)'),
      this.section('drt', 'DRT γ(τ) of the sweep'),
      this.section('map', 'DRT map over the sweeps (time → right, log10 τ ↑)', this.map),
      this.section('resistances', 'Resistances against time'),
    );
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    this.list = await getJson<SweepList>(`/api/runs/${this.runId}/impedance`);
    if (this.disposed) return;
    this.drawResistances();
    await Promise.all([this.drawSweep(), this.drawMap()]);
  }

  private async drawSweep(): Promise<void> {
    const d = await getJson<SweepData>(`/api/runs/${this.runId}/impedance/${this.current}`);
    // a slider moved on while this sweep was fetched: the newer request draws
    if (this.disposed || d.sweep !== this.current) return;
    const row = this.list.sweeps.find((s) => s.sweep === d.sweep);
    const v = row?.state?.meanVoltageV;
    this.label.textContent =
      ` sweep ${d.sweep} · ${d.freqHz.length} points · Lin-KK ${row?.kkPass ? 'pass' : 'fail'}` +
      (row?.kkMaxResidualPct != null ? ` (max ${row.kkMaxResidualPct.toFixed(2)} %)` : '') +
      (v != null ? ` · ${v.toFixed(3)} V` : '');
    this.drawNyquist(d);
    const logF = d.freqHz.map((f) => Math.log10(f));
    const mag = d.zReOhm.map((re, i) => Math.hypot(re, d.zImOhm[i]));
    const phase = d.zReOhm.map((re, i) => (Math.atan2(d.zImOhm[i], re) * 180) / Math.PI);
    this.plot(
      'bode',
      {
        scales: { x: { time: false }, y: { distr: 3 }, deg: { auto: true } },
        axes: [
          { label: 'log10 f / Hz' },
          { label: '|Z| / Ω' },
          { label: 'phase / °', scale: 'deg', side: 1, grid: { show: false } },
        ],
        series: [
          { label: 'log10 f' },
          { label: '|Z| Ω', stroke: COLORS[0], points: { show: true } },
          { label: 'phase °', stroke: COLORS[1], scale: 'deg', points: { show: true } },
        ],
      },
      byX(logF, mag, phase),
    );
    const thr = d.kkThresholdPct;
    if (d.kkResidualRePct && d.kkResidualImPct)
      this.plot(
        'kk',
        {
          scales: { x: { time: false } },
          axes: [{ label: 'log10 f / Hz' }, { label: 'residual / %' }],
          series: [
            { label: 'log10 f' },
            { label: 'real %', stroke: COLORS[0], points: { show: true } },
            { label: 'imag %', stroke: COLORS[1], points: { show: true } },
            { label: '+pass', stroke: '#999', dash: [4, 4] },
            { label: '−pass', stroke: '#999', dash: [4, 4] },
          ],
          bands: [{ series: [3, 4], fill: 'rgba(0,158,115,0.12)' }],
        },
        byX(
          logF,
          d.kkResidualRePct,
          d.kkResidualImPct,
          logF.map(() => thr ?? NaN),
          logF.map(() => -(thr ?? NaN)),
        ),
      );
    if (d.log10TauS && d.gammaOhm)
      this.plot(
        'drt',
        {
          scales: { x: { time: false } },
          axes: [{ label: 'log10 τ / s' }, { label: 'γ / Ω' }],
          series: [{ label: 'log10 τ' }, { label: 'γ Ω', stroke: COLORS[2], fill: 'rgba(0,158,115,0.15)' }],
        },
        byX(d.log10TauS, d.gammaOhm),
      );
  }

  /** −Z″ against Z′ on equal scales (one ohm is as long on both axes), with the axes' ranges labelled. */
  private drawNyquist(d: SweepData): void {
    const c = this.nyquist;
    const g = c.getContext('2d') as CanvasRenderingContext2D;
    const pad = 44;
    const xs = d.zReOhm;
    const ys = d.zImOhm.map((v) => -v);
    const x0 = Math.min(0, ...xs);
    const x1 = Math.max(...xs);
    const y0 = Math.min(0, ...ys);
    const y1 = Math.max(...ys);
    const span = Math.max(x1 - x0, y1 - y0) || 1;
    const k = (c.width - 2 * pad) / span;
    const px = (x: number) => pad + (x - x0) * k;
    const py = (y: number) => c.height - pad - (y - y0) * k;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, c.width, c.height);
    g.strokeStyle = '#888';
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(pad, py(0));
    g.lineTo(c.width - pad, py(0));
    g.moveTo(px(0), pad);
    g.lineTo(px(0), c.height - pad);
    g.stroke();
    g.fillStyle = '#222';
    g.font = '12px sans-serif';
    g.fillText(`Z′ / Ω (0 … ${(x0 + span).toPrecision(3)})`, pad, c.height - 12);
    g.save();
    g.translate(14, c.height - pad);
    g.rotate(-Math.PI / 2);
    g.fillText(`−Z″ / Ω (0 … ${(y0 + span).toPrecision(3)})`, 0, 0);
    g.restore();
    g.strokeStyle = COLORS[0];
    g.fillStyle = COLORS[0];
    g.lineWidth = 1.5;
    g.beginPath();
    xs.forEach((x, i) => (i === 0 ? g.moveTo(px(x), py(ys[i])) : g.lineTo(px(x), py(ys[i]))));
    g.stroke();
    xs.forEach((x, i) => {
      g.beginPath();
      g.arc(px(x), py(ys[i]), 2.5, 0, 2 * Math.PI);
      g.fill();
    });
  }

  private async drawMap(): Promise<void> {
    const [m, lut] = await Promise.all([
      getJson<DrtMap>(`/api/runs/${this.runId}/drt-map`),
      colormap('viridis'),
    ]);
    if (this.disposed) return;
    const c = this.map;
    const g = c.getContext('2d') as CanvasRenderingContext2D;
    g.fillStyle = '#fff';
    g.fillRect(0, 0, c.width, c.height);
    const n = m.sweeps.length;
    const t = m.log10TauS.length;
    if (n === 0 || t === 0) return;
    const max = m.range[1];
    const w = c.width / n;
    const h = c.height / t;
    m.gammaOhm.forEach((row, i) =>
      row.forEach((v, j) => {
        if (v === null) return;
        g.fillStyle = cssColor(lut, max > 0 ? Math.max(0, v) / max : 0);
        // τ grows upwards
        g.fillRect(Math.floor(i * w), Math.floor(c.height - (j + 1) * h), Math.ceil(w), Math.ceil(h));
      }),
    );
  }

  private drawResistances(): void {
    const rows = this.list.sweeps.filter((s) => s.hasData);
    // on the cycler's clock when every sweep was placed on the record, else on the impedance file's
    const onRecord = rows.every((s) => s.state !== null);
    const hours = rows.map((s) => (onRecord && s.state ? s.state.midS : s.timeS) / 3600);
    this.plot(
      'resistances',
      {
        scales: { x: { time: false } },
        axes: [{ label: onRecord ? 'time on the cycler record / h' : 'time / h' }, { label: 'R / Ω' }],
        series: [
          { label: 'time h' },
          { label: 'R∞ Ω', stroke: COLORS[0], points: { show: true } },
          { label: 'polarisation Ω', stroke: COLORS[1], points: { show: true } },
        ],
      },
      byX(
        hours,
        rows.map((s) => s.rInfOhm ?? NaN),
        rows.map((s) => s.polarizationOhm ?? NaN),
      ),
    );
  }
}
