/**
 * The spincell side of bench/process.bench.ts, run in its own process so that its peak RSS is its own:
 * read every FID of a Bruker series one at a time, remove the group delay, apodize, FFT, auto-phase,
 * arPLS baseline, integrate two regions. Prints one JSON line: seconds, maxRSS, integrals.
 * Usage: tsx bench/process.child.ts SERIES_DIR
 */
import { listSeries, readSeriesFid } from '../src/io/bruker/index.js';
import type { Fid } from '../src/core/types.js';
import { integrateRegion, pickPeak, processSeries } from '../src/nmr/index.js';

export const METAL_PPM: [number, number] = [220, 300];
export const DIAMAGNETIC_PPM: [number, number] = [-20, 20];
export const LB_HZ = 20;

const dir = process.argv[2];
if (dir === undefined) {
  console.error('usage: process.child.ts SERIES_DIR');
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
for (const r of processSeries(fids(), { lbHz: LB_HZ, phase: 'auto', baseline: 'auto' })) {
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
