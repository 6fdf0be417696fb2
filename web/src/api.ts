/** The workbench's only way to the data: the local server's JSON API (token for changes). */

const token = document.querySelector<HTMLMetaElement>('meta[name="spincell-token"]')?.content ?? '';

export class ApiError extends Error {}

async function check(r: Response): Promise<Response> {
  if (r.ok) return r;
  let message = `${r.status} ${r.statusText}`;
  try {
    const body = (await r.json()) as { error?: string };
    if (body.error) message = body.error;
  } catch {
    // not JSON
  }
  throw new ApiError(message);
}

export async function getJson<T>(url: string): Promise<T> {
  return (await (await check(await fetch(url))).json()) as T;
}

export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-spincell-token': token },
    body: JSON.stringify(body),
  });
  return (await (await check(r)).json()) as T;
}

export interface MapData {
  columns: number;
  rows: { first: number; last: number }[];
  ppmFirst: number;
  ppmLast: number;
  range: [number, number];
  z: Float32Array;
}

export async function getMap(run: number, q: Record<string, number>): Promise<MapData> {
  const qs = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]));
  const r = await check(await fetch(`/api/runs/${run}/map?${qs}`));
  const meta = JSON.parse(r.headers.get('x-map-meta') ?? '{}') as Omit<MapData, 'z'>;
  return { ...meta, z: new Float32Array(await r.arrayBuffer()) };
}

export interface TimelineSpectrum {
  spectrum: number;
  startS: number;
  endS: number;
  voltageV: number | null;
  currentMA: number | null;
  chargeMAh: number | null;
  cycle: number | null;
  step: number | null;
  stepType: string | null;
  gap: boolean;
  phase: { mode: string; ph0Deg: number | null; ph1Deg: number | null; pivotPpm: number | null };
  hasFit: boolean;
  drawn: boolean;
}

export interface Timeline {
  run: number;
  clock: 'cycler' | 'spectra';
  spectra: TimelineSpectrum[];
  regions: { region: string; from_ppm: number; to_ppm: number }[];
  metalRegion: string | null;
  integrals: Record<string, (number | null)[]>;
  components: string[];
  fractions: Record<string, (number | null)[]>;
  fractionStdErr: Record<string, (number | null)[]>;
  fitErrors: Record<string, string>;
  cycles: { cycle: number; startS: number; endS: number }[];
  record: {
    steps: { startS: number; endS: number; type: string; direction: string }[];
    gaps: { startS: number; endS: number }[];
  } | null;
}

export interface Cycler {
  points: number;
  timeS: number[];
  voltageV: number[];
  currentMA: number[];
  chargeMAh: number[];
}

export interface FitParameter {
  name: string;
  positionPpm: number;
  area: number;
  fwhmGPpm: number;
  fwhmLPpm: number;
  fraction: number | null;
  fractionStdErr: number | null;
  positionStdErrPpm: number | null;
  fwhmPpm: number | null;
}

export interface SpectrumData {
  spectrum: number;
  stride: number;
  ppmFirst: number;
  ppmLast: number;
  intensity: number[];
  fit: {
    ppm: number[];
    sum: number[];
    baseline: number[];
    lines: { name: string; y: number[] }[];
    rSquared: number | null;
    parameters: FitParameter[];
  } | null;
  flags: { component: string | null; converged: number | null; error: string | null }[];
}

export interface RunInfo {
  id: number;
  experiment_id: number;
  experiment: string;
  cell: string | null;
  campaign: string | null;
  status: string;
  error: string | null;
  updatedAt: string | null;
  progress: string | null;
  processing: unknown;
  counts: Record<string, number>;
  hasCycler: boolean;
  runsOfExperiment: { id: number; status: string; stored_at: string }[];
}

export interface Unphased {
  spectrum: number;
  n: number;
  stride: number;
  ppmFirst: number;
  ppmLast: number;
  re: number[];
  im: number[];
  ph0Deg: number;
  ph1Deg: number;
}

/** The stored axis: uniform from first to last. */
export function axis(first: number, last: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const step = n > 1 ? (last - first) / (n - 1) : 0;
  for (let i = 0; i < n; i++) out[i] = first + i * step;
  return out;
}
