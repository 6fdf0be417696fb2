/**
 * The spincell side of bench/process.bench.ts, run in its own process so that its peak RSS is its own:
 * read every FID of a Bruker series one at a time, remove the group delay, apodize, FFT, auto-phase,
 * baseline (arPLS, or with `poly3` a cubic fitted to the outer 15 % of the window at each end, the CLI's
 * `--baseline poly:3` default regions), integrate two regions. Prints one JSON line: seconds, maxRSS,
 * integrals.
 * Usage: tsx bench/process.child.ts SERIES_DIR [arpls|poly3]
 */
import { listSeries, readSeriesFid } from '../src/io/bruker/index.js';
import type { Fid } from '../src/core/types.js';
import { integrateRegion, pickPeak, processSeries, type ProcessingOptions } from '../src/nmr/index.js';
import { edgeRegionsPpm } from '../src/pipeline/processing.js';

export const METAL_PPM: [number, number] = [220, 300];
export const DIAMAGNETIC_PPM: [number, number] = [-20, 20];
export const LB_HZ = 20;

const dir = process.argv[2];
const baselineMode = process.argv[3] ?? 'arpls';
if (dir === undefined || !['arpls', 'poly3'].includes(baselineMode)) {
  console.error('usage: process.child.ts SERIES_DIR [arpls|poly3]');
  process.exit(2);
}
const t0 = performance.now();
const entries = listSeries(dir);
function* fids(): Generator<Fid> {
  for (const e of entries) yield readSeriesFid(e);
}
const metal: number[] = [];
const dia: number[] = [];
const ph0: number[] = [];
const peakPpm: number[] = [];
const first = readSeriesFid(entries[0]);
const baseline: ProcessingOptions['baseline'] =
  baselineMode === 'poly3' ? { order: 3, regionsPpm: edgeRegionsPpm(first.meta) } : 'auto';
for (const r of processSeries(fids(), { lbHz: LB_HZ, phase: 'auto', baseline })) {
  metal.push(integrateRegion(r.spectrum, METAL_PPM));
  dia.push(integrateRegion(r.spectrum, DIAMAGNETIC_PPM));
  ph0.push(r.applied.phase.ph0Deg);
  peakPpm.push(pickPeak(r.spectrum, METAL_PPM).ppm);
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    seconds,
    spectra: metal.length,
    maxRssKiB: process.resourceUsage().maxRSS,
    metal,
    dia,
    ph0,
    peakPpm,
  }),
);
