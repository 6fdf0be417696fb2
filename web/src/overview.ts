/** Campaign overview: cells and their experiments, each run's status, last spectrum, cycles and a sparkline of the metal signal. */
import { getJson } from './api';

interface Run {
  id: number;
  status: string;
  error: string | null;
  storedAt: string;
  updatedAt: string | null;
  progress: string | null;
  spectra: number;
  lastSpectrumIso: string | null;
  cycles: number;
  metalRegion: string | null;
  metalSparkline: (number | null)[];
}
interface Overview {
  project: string;
  campaigns: {
    name: string;
    cells: { name: string; experiments: { id: number; name: string; kind: string; runs: Run[] }[] }[];
  }[];
}

function sparkline(values: (number | null)[]): string {
  const v = values.filter((x): x is number => x !== null);
  if (v.length < 2) return '<span class="muted">—</span>';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const w = 120;
  const h = 24;
  const pts = values
    .map((x, i) =>
      x === null
        ? null
        : `${((i / (values.length - 1)) * w).toFixed(1)},${(h - 2 - ((x - lo) / (hi - lo || 1)) * (h - 4)).toFixed(1)}`,
    )
    .filter(Boolean)
    .join(' ');
  return `<svg class="spark" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="metal signal, ${v.length} spectra"><polyline points="${pts}" fill="none" stroke="currentColor" stroke-width="1.5"/></svg>`;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderOverview(root: HTMLElement) {
  let disposed = false;
  const section = document.createElement('section');
  section.className = 'overview';
  root.append(section);
  async function load(): Promise<void> {
    const o = await getJson<Overview>('/api/overview');
    if (disposed) return;
    const rows: string[] = [];
    for (const c of o.campaigns)
      for (const cell of c.cells)
        for (const e of cell.experiments)
          for (const r of e.runs)
            rows.push(`<tr>
              <td>${esc(c.name)}</td><td>${esc(cell.name)}</td><td>${esc(e.name)}<div class="muted">${esc(e.kind)}</div></td>
              <td><a href="#/run/${r.id}">run ${r.id}</a></td>
              <td><span class="status ${esc(r.status)}">${esc(r.status)}</span>${r.error ? `<div class="muted">${esc(r.error)}</div>` : ''}${r.progress ? `<div class="muted">${esc(r.progress)}</div>` : ''}</td>
              <td>${r.spectra}</td>
              <td>${r.lastSpectrumIso ? esc(r.lastSpectrumIso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')) : '—'}</td>
              <td>${r.cycles}</td>
              <td>${sparkline(r.metalSparkline)}</td>
            </tr>`);
    section.innerHTML = `<h1>Project <code>${esc(o.project)}</code></h1>
      <table class="grid"><caption>Cells, experiments and their runs</caption>
      <thead><tr><th scope="col">Campaign</th><th scope="col">Cell</th><th scope="col">Experiment</th><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Spectra</th><th scope="col">Last spectrum</th><th scope="col">Cycles</th><th scope="col">Metal signal</th></tr></thead>
      <tbody>${rows.join('')}</tbody></table>
      <p><a href="/api/tables/runs.csv" download>runs.csv</a> · <a href="/api/tables/cycles.csv" download>cycles.csv</a> · <a href="/api/tables/morphology.csv" download>morphology.csv</a></p>`;
  }
  void load();
  let pending: number | undefined;
  return {
    dispose() {
      disposed = true;
    },
    onRuns() {
      clearTimeout(pending);
      pending = window.setTimeout(() => void load(), 100);
    },
  };
}
