/**
 * The workbench app: a hash router over two pages (the campaign overview and one run's experiment view:
 * operando map with the cycler record, the selected spectrum with its fit, phase processing) and the live
 * event stream that keeps them current without reload.
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { EchemView } from './echem';
import { ImpedanceView } from './impedance';
import { renderOverview } from './overview';
import { RunView } from './run';

const app = document.getElementById('app') as HTMLElement;
const live = document.getElementById('live') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;

let current: { dispose(): void; onRuns(ids: { id: number; status: string }[]): void } | null = null;

export interface Bench {
  firstPaintMs?: number;
  ready?: boolean;
  [k: string]: unknown;
}
declare global {
  interface Window {
    __wb: Bench;
  }
}
window.__wb = {};

function route(): void {
  current?.dispose();
  current = null;
  app.replaceChildren();
  const h = location.hash.replace(/^#\/?/, '');
  const m = /^run\/(\d+)(?:\/spectrum\/(\d+))?/.exec(h);
  const echem = /^run\/(\d+)\/echem$/.exec(h);
  const eis = /^run\/(\d+)\/impedance$/.exec(h);
  if (eis) {
    const run = Number(eis[1]);
    current = new ImpedanceView(app, run);
    nav.innerHTML = `<a href="#/">Overview</a> <a href="#/run/${run}">Run ${run}</a> <a href="#/run/${run}/echem">Electrochemistry</a> <span aria-current="page">Impedance</span>`;
  } else if (echem) {
    const run = Number(echem[1]);
    current = new EchemView(app, run);
    nav.innerHTML = `<a href="#/">Overview</a> <a href="#/run/${run}">Run ${run}</a> <span aria-current="page">Electrochemistry</span> <a href="#/run/${run}/impedance">Impedance</a>`;
  } else if (m) {
    const view = new RunView(app, Number(m[1]), m[2] !== undefined ? Number(m[2]) : null);
    current = view;
    nav.innerHTML = `<a href="#/">Overview</a> <span aria-current="page">Run ${Number(m[1])}</span> <a href="#/run/${Number(m[1])}/echem">Electrochemistry</a> <a href="#/run/${Number(m[1])}/impedance">Impedance</a>`;
  } else {
    nav.innerHTML = '<span aria-current="page">Overview</span>';
    const o = renderOverview(app);
    current = o;
  }
}

window.addEventListener('hashchange', route);
route();

// Live: the server pushes what changed in the store.
let liveRuns = new Set<number>();
function showLive(connected: boolean): void {
  live.classList.toggle('on', connected && liveRuns.size > 0);
  live.classList.toggle('down', !connected);
  live.textContent = !connected
    ? 'disconnected'
    : liveRuns.size > 0
      ? `● live (${[...liveRuns].map((r) => `run ${r}`).join(', ')})`
      : 'connected';
}
const events = new EventSource('/api/events');
events.addEventListener('hello', (e) => {
  const { runs } = JSON.parse((e as MessageEvent<string>).data) as { runs: { id: number; status: string }[] };
  liveRuns = new Set(runs.filter((r) => r.status === 'live').map((r) => r.id));
  showLive(true);
});
events.addEventListener('runs', (e) => {
  const { runs } = JSON.parse((e as MessageEvent<string>).data) as { runs: { id: number; status: string }[] };
  for (const r of runs) {
    if (r.status === 'live') liveRuns.add(r.id);
    else liveRuns.delete(r.id);
  }
  showLive(true);
  current?.onRuns(runs);
});
events.onerror = () => showLive(false);
