/**
 * Acceptance on data with known truth: the virtual spectrometer's Bruker series (src/sim) and FIDs
 * synthesised here. After group-delay removal and automatic phase, the metal peak must sit at its true
 * shift (±0.2 ppm) with no dispersive residue (min(real)/max(real) > −0.02, no baseline correction), for
 * every spectrum, int32 and float64.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Fid } from '../../src/core/types.js';
import { listSeries, readSeriesFid } from '../../src/io/bruker/index.js';
import {
  pickPeak,
  processFid,
  processSeries,
  wrapDegrees,
  type ProcessingResult,
} from '../../src/nmr/index.js';
import { writeOperandoSeries } from '../../src/sim/index.js';
import { rng, synthFid } from './synthetic.js';

const METAL_WINDOW: [number, number] = [220, 300];
const tmp = mkdtempSync(join(tmpdir(), 'spincell-nmr-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function minOverMax(re: Float64Array): number {
  let min = Infinity;
  let max = -Infinity;
  for (const v of re) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min / max;
}

function seriesSource(dir: string): () => Iterable<Fid> {
  const entries = listSeries(dir);
  return function* () {
    for (const e of entries) yield readSeriesFid(e);
  };
}

describe('simulated Bruker series (src/sim)', () => {
  for (const dataType of ['int32', 'float64'] as const) {
    it(`${dataType}: every spectrum phased, metal peak at its true shift ±0.2 ppm, min/max > −0.02`, () => {
      const dir = join(tmp, dataType);
      const { truth } = writeOperandoSeries(dir, {
        seed: dataType === 'int32' ? 3 : 4,
        spectra: 8,
        dataType,
        phase: { independent: true },
      });
      const results: ProcessingResult[] = [...processSeries(seriesSource(dir), { lbHz: 20 })];
      expect(results.length).toBe(truth.spectra.length);
      let worstPeak = 0;
      let worstRatio = Infinity;
      let worstPhase = 0;
      results.forEach((r, i) => {
        const t = truth.spectra[i];
        const peak = pickPeak(r.spectrum, METAL_WINDOW);
        const ratio = minOverMax(r.spectrum.re);
        const phaseError = wrapDegrees(r.applied.phase.ph0Deg - t.phc0Deg);
        expect(
          Math.abs(peak.ppm - t.metalPeakPpm),
          `spectrum ${i}: peak ${peak.ppm} vs ${t.metalPeakPpm}`,
        ).toBeLessThan(0.2);
        expect(ratio, `spectrum ${i}`).toBeGreaterThan(-0.02);
        expect(
          Math.abs(phaseError),
          `spectrum ${i}: PH0 ${r.applied.phase.ph0Deg} vs ${t.phc0Deg}`,
        ).toBeLessThan(2);
        expect(r.applied.groupDelayPoints).toBeCloseTo(truth.acquisition.groupDelayPoints, 6);
        worstPeak = Math.max(worstPeak, Math.abs(peak.ppm - t.metalPeakPpm));
        worstRatio = Math.min(worstRatio, ratio);
        worstPhase = Math.max(worstPhase, Math.abs(phaseError));
      });
      console.log(
        `${dataType}: worst |peak − truth| ${worstPeak.toFixed(3)} ppm, worst min/max ${worstRatio.toFixed(4)}, worst |PH0 error| ${worstPhase.toFixed(2)}°`,
      );
    });
  }

  it('shared series phase (fitted on the sum) phases every spectrum of a series with one receiver phase', () => {
    const dir = join(tmp, 'shared');
    const { truth } = writeOperandoSeries(dir, { seed: 5, spectra: 6, dataType: 'int32' });
    const results = [...processSeries(seriesSource(dir), { seriesPhase: 'shared' })];
    const ph0 = results[0].applied.phase.ph0Deg;
    results.forEach((r, i) => {
      expect(r.applied.phase.mode).toBe('shared');
      expect(r.applied.phase.ph0Deg).toBe(ph0);
      expect(Math.abs(pickPeak(r.spectrum, METAL_WINDOW).ppm - truth.spectra[i].metalPeakPpm)).toBeLessThan(
        0.2,
      );
      expect(minOverMax(r.spectrum.re)).toBeGreaterThan(-0.02);
    });
  });
});

describe('synthetic FIDs: random phase, fractional group delay, broad Voigt metal line + diamagnetic line', () => {
  for (const int32 of [true, false]) {
    it(`${int32 ? 'int32' : 'float64'}: 12 random cases`, () => {
      const u = rng(int32 ? 101 : 202);
      let worstPeak = 0;
      let worstRatio = Infinity;
      for (let k = 0; k < 12; k++) {
        const metal = 245 + 25 * u();
        const width = 5 + 15 * u(); // total FWHM ≈ 5–20 ppm
        const fid = synthFid({
          lines: [
            { shiftPpm: metal, amplitude: 1, lorentzPpm: 0.6 * width, gaussPpm: 0.6 * width },
            { shiftPpm: 0, amplitude: 0.2 + 2 * u(), lorentzPpm: 1 + 2 * u(), gaussPpm: 0.5 },
          ],
          points: 8192,
          swHz: 100_000,
          bf1MHz: 155.5,
          carrierPpm: 125,
          groupDelayPoints: 60 + 20 * u(),
          phaseDeg: 360 * u(),
          noiseFraction: 0.0005,
          seed: k,
          int32,
        });
        const r = processFid(fid, { lbHz: 50 });
        const peak = pickPeak(r.spectrum, METAL_WINDOW);
        expect(Math.abs(peak.ppm - metal), `case ${k}: ${peak.ppm} vs ${metal}`).toBeLessThan(0.2);
        expect(minOverMax(r.spectrum.re), `case ${k}`).toBeGreaterThan(-0.02);
        worstPeak = Math.max(worstPeak, Math.abs(peak.ppm - metal));
        worstRatio = Math.min(worstRatio, minOverMax(r.spectrum.re));
      }
      console.log(
        `synthetic ${int32 ? 'int32' : 'float64'}: worst |peak − truth| ${worstPeak.toFixed(3)} ppm, worst min/max ${worstRatio.toFixed(4)}`,
      );
    });
  }
});
