/**
 * The spectrometer side of bench/watch.bench.ts, in its own process as a real instrument would be: writes
 * a live simulation (src/sim/live.ts) and prints one JSON line per spectrum when its files are complete:
 * {"spectrum": i, "completeMs": epoch ms}.
 * Usage: tsx bench/watch.child.ts OUTDIR SPECTRA INTERVAL_MS COMPLEX_POINTS
 */
import { simulateLive } from '../src/sim/live.js';

const [dir, spectra, intervalMs, points] = process.argv.slice(2);
if (dir === undefined || spectra === undefined || intervalMs === undefined || points === undefined) {
  console.error('usage: watch.child.ts OUTDIR SPECTRA INTERVAL_MS COMPLEX_POINTS');
  process.exit(2);
}
await simulateLive(dir, {
  spectra: Number(spectra),
  intervalMs: Number(intervalMs),
  complexPoints: Number(points),
  onSpectrum: (i, _path, completeMs) =>
    process.stdout.write(`${JSON.stringify({ spectrum: i, completeMs })}\n`),
});
