/**
 * One run's electrochemistry view: the stored cycles table (charge and discharge capacity, areal
 * capacity, Coulombic efficiency, state of health), capacity and CE/SOH against cycle number, voltage
 * against capacity of the selected cycles (a table row selects; shift/ctrl adds to the overlay), dQ/dV of
 * the selected cycles, and the voltage against time with the nucleation (start of plating) and voltage
 * onset markers of every step. All numbers come from the server (src/server/echem.ts).
 */
import uPlot from 'uplot';
import { getJson } from './api';
import { download, downloadPng, exportBar } from './export';
import { el } from './run';
import { PlotView } from './view';

const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];

interface CycleRow {
  cycle: number;
  startS: number;
  endS: number;
  chargeMAh: number;
  dischargeMAh: number;
  chargeMAhPerCm2: number | null;
  dischargeMAhPerCm2: number | null;
  coulombicEfficiency: number | null;
  stateOfHealth: number | null;
  complete: boolean;
}
interface StepRow {
  step: number;
  cycle: number;
  type: string;
  direction: string;
  startS: number;
  endS: number;
  onset: { timeS: number; voltageV: number; riseV: number } | null;
  nucleation: { timeS: number; voltageV: number; overpotentialV: number } | null;
}
interface CyclesData {
  cycles: CycleRow[];
  steps: StepRow[];
}
interface Curve {
  cycle: number;
  half: 'charge' | 'discharge';
  voltageV: number[];
}
interface CapCurve extends Curve {
  capacityMAh: number[];
}
interface DqCurve extends Curve {
  dqdvMAhPerV: number[];
}
interface Cycler {
  timeS: number[];
  voltageV: number[];
}

const fix = (v: number | null, d: number) => (v === null ? '—' : v.toFixed(d));
const pct = (v: number | null) => (v === null ? '—' : (100 * v).toFixed(2));

/** Curves on different x grids as one uPlot table (x merged, gaps as null). */
function merge(curves: { x: number[]; y: number[] }[]): uPlot.AlignedData {
  const xs = [...new Set(curves.flatMap((c) => c.x))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const ys = curves.map((c) => {
    const y: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    c.x.forEach((x, k) => (y[at.get(x) as number] = c.y[k]));
    return y;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}

export class EchemView extends PlotView {
  private data!: CyclesData;
  private cycler: Cycler | null = null;
  private selected: number[] = [];
  private binV = 0.005;
  private readonly table = el('table', 'cycles');
  private readonly status = el('p', 'hint');

  constructor(root: HTMLElement, runId: number) {
    super(root, runId);
    this.attempt(this.load());
  }

  onRuns(runs: { id: number; status: string }[]): void {
    if (runs.some((r) => r.id === this.runId)) this.attempt(this.reload());
  }

  /** A live run grew: its cycles, the record and the selected cycles' curves again. */
  private async reload(): Promise<void> {
    const [data, cycler] = await Promise.all([
      getJson<CyclesData>(`/api/runs/${this.runId}/cycles`),
      this.cycler ? getJson<Cycler>(`/api/runs/${this.runId}/cycler?width=${this.width}`) : null,
    ]);
    if (this.disposed) return;
    this.data = data;
    this.cycler = cycler;
    this.fillTable();
    this.drawCyclePlots();
    this.drawVoltageTime();
    await this.drawSelected();
  }

  private async load(): Promise<void> {
    const [data, info] = await Promise.all([
      getJson<CyclesData>(`/api/runs/${this.runId}/cycles`),
      getJson<{ hasCycler: boolean }>(`/api/runs/${this.runId}`),
    ]);
    if (this.disposed) return;
    this.data = data;
    this.width = Math.max(360, Math.min(1100, this.root.clientWidth - 40));
    this.cycler = info.hasCycler
      ? await getJson<Cycler>(`/api/runs/${this.runId}/cycler?width=${this.width}`)
      : null;
    if (this.disposed) return;
    this.build();
    const first = data.cycles.find((c) => c.complete && c.cycle > 0) ?? data.cycles.find((c) => c.cycle > 0);
    this.selected = first ? [first.cycle] : [];
    this.fillTable();
    this.drawCyclePlots();
    this.drawVoltageTime();
    await this.drawSelected();
    window.__wb.echem = this;
    window.__wb.ready = true;
  }

  private section(key: string, title: string, svg: string | null): HTMLElement {
    const s = el('section', `echem-${key}`);
    s.setAttribute('aria-label', title);
    s.append(el('h3', undefined, title));
    const box = el('div', 'plot');
    box.id = `echem-${key}`;
    box.setAttribute('role', 'img');
    box.setAttribute('aria-label', title);
    this.boxes.set(key, box);
    const items = [
      {
        text: 'PNG',
        title: `${title} as PNG`,
        run: () => {
          const p = this.plots.get(key);
          if (p) downloadPng(p.ctx.canvas, `run${this.runId}-${key}.png`);
        },
      },
    ];
    if (svg)
      items.unshift({
        text: 'SVG',
        title: `${title} as SVG`,
        run: () => {
          const q = new URLSearchParams({ binV: String(this.binV) });
          if (this.selected.length) q.set('cycle', this.selected.join(','));
          download(`/api/runs/${this.runId}/echem-figures/${svg}.svg?${q}`, `run${this.runId}-${svg}.svg`);
        },
      });
    s.append(box, exportBar(title, items));
    return s;
  }

  private build(): void {
    const head = el('section', 'echem-head');
    head.setAttribute('aria-label', 'Electrochemistry');
    head.append(el('h2', undefined, `Run ${this.runId}: electrochemistry`));
    const controls = el('div', 'controls');
    const label = el('label', undefined, 'dQ/dV bin (mV) ');
    const bin = el('input');
    bin.type = 'number';
    bin.min = '0.1';
    bin.max = '100';
    bin.step = '0.5';
    bin.value = String(this.binV * 1000);
    bin.id = 'dqdv-bin';
    label.htmlFor = bin.id;
    bin.addEventListener('change', () => {
      const mv = Number(bin.value);
      if (!(mv >= 0.1 && mv <= 100)) return;
      this.binV = mv / 1000;
      this.attempt(this.drawSelected());
    });
    const csv = el('a', undefined, 'cycles.csv');
    csv.href = `/api/tables/cycles.csv?run=${this.runId}`;
    csv.setAttribute('download', `cycles-run${this.runId}.csv`);
    controls.append(label, bin, csv);
    head.append(
      controls,
      el(
        'p',
        'hint',
        'click or Enter on a row: select its cycle · shift/ctrl + click or space: add it to the overlay',
      ),
      this.status,
    );
    this.status.setAttribute('aria-live', 'polite');
    this.table.setAttribute('aria-label', 'Cycles');
    head.append(this.table);
    this.root.append(
      head,
      this.section('per-cycle', 'Capacity, CE and SOH per cycle', 'cycles'),
      this.section('capacity', 'Voltage against capacity (selected cycles)', 'capacity'),
      this.section('dqdv', 'dQ/dV (selected cycles)', 'dqdv'),
      this.section('voltage', 'Voltage with nucleation and onset markers', null),
    );
  }

  private fillTable(): void {
    const area = this.data.cycles.some((c) => c.chargeMAhPerCm2 !== null);
    const cols = [
      'cycle',
      'charge mAh',
      'discharge mAh',
      ...(area ? ['charge mAh cm⁻²', 'discharge mAh cm⁻²'] : []),
      'CE %',
      'SOH %',
      'nucleation mV',
      'complete',
    ];
    const thead = el('thead');
    const hr = el('tr');
    for (const c of cols) {
      const th = el('th', undefined, c);
      th.scope = 'col';
      hr.append(th);
    }
    thead.append(hr);
    const body = el('tbody');
    for (const c of this.data.cycles) {
      const tr = el('tr');
      tr.dataset.cycle = String(c.cycle);
      tr.tabIndex = 0;
      tr.setAttribute('aria-selected', String(this.selected.includes(c.cycle)));
      const nuc = this.data.steps.filter((s) => s.cycle === c.cycle && s.nucleation);
      const cells = [
        String(c.cycle),
        fix(c.chargeMAh, 4),
        fix(c.dischargeMAh, 4),
        ...(area ? [fix(c.chargeMAhPerCm2, 4), fix(c.dischargeMAhPerCm2, 4)] : []),
        pct(c.coulombicEfficiency),
        pct(c.stateOfHealth),
        nuc.length ? nuc.map((s) => (1000 * s.nucleation!.overpotentialV).toFixed(1)).join(', ') : '—',
        c.complete ? 'yes' : 'no',
      ];
      for (const v of cells) tr.append(el('td', undefined, v));
      const pick = (add: boolean) => {
        if (c.cycle === 0) return;
        this.select(c.cycle, add);
      };
      tr.addEventListener('click', (e) => pick(e.shiftKey || e.ctrlKey || e.metaKey));
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          pick(e.key === ' ');
        } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          const next = (
            e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling
          ) as HTMLElement | null;
          next?.focus();
        }
      });
      body.append(tr);
    }
    this.table.replaceChildren(thead, body);
  }

  private select(cycle: number, add: boolean): void {
    if (add) {
      this.selected = this.selected.includes(cycle)
        ? this.selected.filter((c) => c !== cycle)
        : [...this.selected, cycle];
    } else this.selected = [cycle];
    for (const tr of this.table.querySelectorAll('tbody tr'))
      tr.setAttribute(
        'aria-selected',
        String(this.selected.includes(Number((tr as HTMLElement).dataset.cycle))),
      );
    this.attempt(this.drawSelected());
  }

  private drawCyclePlots(): void {
    const rows = this.data.cycles.filter((c) => c.cycle > 0);
    const x = rows.map((c) => c.cycle);
    const p = (v: number | null) => (v === null ? null : 100 * v);
    this.plot(
      'per-cycle',
      {
        scales: { x: { time: false }, pct: { auto: true } },
        axes: [
          { label: 'Cycle', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
          { label: 'Capacity / mAh', scale: 'y' },
          { label: 'CE, SOH / %', scale: 'pct', side: 1, grid: { show: false } },
        ],
        series: [
          { label: 'cycle' },
          { label: 'charge mAh', stroke: COLORS[0], points: { show: true } },
          { label: 'discharge mAh', stroke: COLORS[1], points: { show: true } },
          { label: 'CE %', stroke: COLORS[2], scale: 'pct', dash: [4, 3], points: { show: true } },
          { label: 'SOH %', stroke: COLORS[3], scale: 'pct', dash: [1, 3], points: { show: true } },
        ],
      },
      [
        x,
        rows.map((c) => c.chargeMAh),
        rows.map((c) => c.dischargeMAh),
        rows.map((c) => p(c.coulombicEfficiency)),
        rows.map((c) => p(c.stateOfHealth)),
      ] as uPlot.AlignedData,
    );
  }

  /** Voltage against time with a marker at each step's nucleation overshoot and voltage onset. */
  private drawVoltageTime(): void {
    if (!this.cycler) {
      this.boxes.get('voltage')?.replaceChildren(el('p', 'hint', 'this run has no cycler record'));
      return;
    }
    const t = this.cycler.timeS.map((s) => s / 3600);
    const marks = (f: (s: StepRow) => { timeS: number; voltageV: number } | null) => {
      const y: (number | null)[] = t.map(() => null);
      for (const s of this.data.steps) {
        const m = f(s);
        if (!m) continue;
        // the nearest drawn sample carries the marker (its own voltage from the full record)
        let k = 0;
        while (k + 1 < t.length && t[k + 1] <= m.timeS / 3600) k++;
        y[k] = m.voltageV;
      }
      return y;
    };
    const point = (color: string, shape: string) => ({
      stroke: color,
      width: 0,
      points: { show: true, size: 10, width: 2, stroke: color, fill: shape },
    });
    this.plot(
      'voltage',
      {
        scales: { x: { time: false } },
        axes: [{ label: 'Time / h' }, { label: 'Voltage / V' }],
        series: [
          { label: 'time h' },
          { label: 'voltage V', stroke: '#333333', width: 1.5 },
          { label: 'nucleation', ...point(COLORS[1], COLORS[1]) },
          { label: 'onset', ...point(COLORS[2], '#fff') },
        ],
      },
      [t, this.cycler.voltageV, marks((s) => s.nucleation), marks((s) => s.onset)] as uPlot.AlignedData,
    );
  }

  private async drawSelected(): Promise<void> {
    if (this.selected.length === 0) return;
    const q = `cycle=${this.selected.join(',')}&width=${this.width}`;
    const [cap, dq] = await Promise.all([
      getJson<{ curves: CapCurve[] }>(`/api/runs/${this.runId}/capacity-curves?${q}`),
      getJson<{ curves: DqCurve[] }>(`/api/runs/${this.runId}/dqdv?${q}&binV=${this.binV}`),
    ]);
    if (this.disposed) return;
    const label = (c: Curve) => `cycle ${c.cycle} ${c.half}`;
    const style = (k: number, c: Curve) => ({
      label: label(c),
      stroke: COLORS[this.selected.indexOf(c.cycle) % COLORS.length] ?? COLORS[k % COLORS.length],
      width: 2,
      dash: c.half === 'charge' ? undefined : [6, 3],
      // a constant-voltage half puts its charge in one or two dQ/dV bins: show them as points
      points: { show: c.voltageV.length < 3, size: 8 },
      spanGaps: true,
    });
    this.plot(
      'capacity',
      {
        scales: { x: { time: false } },
        axes: [{ label: 'Capacity / mAh' }, { label: 'Voltage / V' }],
        series: [{ label: 'capacity mAh' }, ...cap.curves.map((c, k) => style(k, c))],
      },
      merge(cap.curves.map((c) => ({ x: c.capacityMAh, y: c.voltageV }))),
    );
    this.plot(
      'dqdv',
      {
        scales: { x: { time: false } },
        axes: [{ label: 'Voltage / V' }, { label: 'dQ/dV / mAh V⁻¹' }],
        series: [{ label: 'voltage V' }, ...dq.curves.map((c, k) => style(k, c))],
      },
      merge(dq.curves.map((c) => ({ x: c.voltageV, y: c.dqdvMAhPerV }))),
    );
    this.status.textContent = `selected: ${this.selected.map((c) => `cycle ${c}`).join(', ')} · dQ/dV bin ${(this.binV * 1000).toFixed(1)} mV`;
    window.__wb.echemSelected = [...this.selected];
  }
}
