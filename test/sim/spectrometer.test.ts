import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../src/core/errors.js';
import type { Spectrum } from '../../src/core/types.js';
import {
  fourierTransform,
  integrateRegion,
  pickPeak,
  ppmAxisFromAcquisition,
  processFid,
} from '../../src/nmr/index.js';
import {
  applyReceiver,
  idealFid,
  offsetHz,
  planOperando,
  simulateSpectrum,
  type Component,
} from '../../src/sim/index.js';

// 7Li at 9.4 T from published constants: γ_p/2π = 42.577478518 MHz/T (CODATA 2018), Ξ(7Li) = 38.863797 %
// (IUPAC 2001). BF1 = Ξ · ν_H.
const BF1 = 0.38863797 * 42.577478518 * 9.4;

const acq = { swHz: 200_000, complexPoints: 8192, bf1MHz: BF1, sfo1MHz: BF1 + (125 * BF1) / 1e6 };

function spectrumOf(components: Component[], size = 65536): Spectrum {
  const fid = idealFid(components, acq);
  const ft = fourierTransform(fid, size);
  return { re: ft.re, im: ft.im, ppm: ppmAxisFromAcquisition(acq, size), sfMHz: BF1 };
}

function fwhmPpm(s: Spectrum, centre: number): number {
  const peak = pickPeak(s, [centre - 20, centre + 20]);
  const half = peak.height / 2;
  const crossing = (dir: number): number => {
    let i = peak.index;
    while (s.re[i] > half) i += dir;
    const j = i - dir; // last point above half
    const f = (half - s.re[i]) / (s.re[j] - s.re[i]);
    return s.ppm[i] + f * (s.ppm[j] - s.ppm[i]);
  };
  return Math.abs(crossing(1) - crossing(-1));
}

describe('virtual spectrometer: line shapes', () => {
  it('puts BF1 at Ξ × the ¹H Larmor frequency of 9.4 T', () => {
    const plan = planOperando({ spectra: 2 });
    // The nuclei table's γ(¹H) is Harris 2001's 26.7522128e7 rad/s/T, 0.2 ppm from CODATA 2018's bare proton.
    expect(Math.abs(plan.acquisition.bf1MHz / BF1 - 1)).toBeLessThan(5e-7);
    expect(plan.acquisition.sfo1MHz - plan.acquisition.bf1MHz).toBeCloseTo(
      (125 * plan.acquisition.bf1MHz) / 1e6,
      9,
    );
  });

  it('a Voigt line has the Olivero–Longbothum width and sits at its shift', () => {
    // Olivero & Longbothum, JQSRT 17 (1977) 233: f_V ≈ 0.5346 f_L + sqrt(0.2166 f_L² + f_G²), ±0.02 %.
    for (const [L, G] of [
      [4, 6],
      [2, 0.001],
      [0.001, 8],
    ]) {
      const s = spectrumOf([{ name: 'dense', shiftPpm: 250, lorentzFwhmPpm: L, gaussFwhmPpm: G, area: 1 }]);
      const expected = 0.5346 * L + Math.sqrt(0.2166 * L * L + G * G);
      expect(Math.abs(fwhmPpm(s, 250) / expected - 1)).toBeLessThan(0.005);
      expect(pickPeak(s, [230, 270]).ppm).toBeCloseTo(250, 2);
    }
  });

  it('line areas follow the Fourier identity Σ spectrum = N·x(0), so ∫ ppm = area·SW/(2·BF1)', () => {
    const comps: Component[] = [
      { name: 'pristine', shiftPpm: 245, lorentzFwhmPpm: 4, gaussFwhmPpm: 6, area: 2.5 },
      { name: 'mossy', shiftPpm: 257, lorentzFwhmPpm: 5, gaussFwhmPpm: 8, area: 0.7 },
    ];
    const s = spectrumOf(comps, 8192);
    const whole = integrateRegion(s, [s.ppm[s.ppm.length - 1], s.ppm[0]]);
    expect(whole / ((3.2 * acq.swHz) / (2 * BF1))).toBeCloseTo(1, 3);
    // Doubling an area doubles the spectrum exactly (linearity of the model).
    const s2 = spectrumOf(
      comps.map((c) => ({ ...c, area: 2 * c.area })),
      8192,
    );
    expect(integrateRegion(s2, [230, 290]) / integrateRegion(s, [230, 290])).toBeCloseTo(2, 12);
  });

  it('the receiver delay is a circular shift for whole points and the phase a complex rotation', () => {
    const n = 256;
    const re = Float64Array.from({ length: n }, (_, k) => Math.exp(-k / 20) * Math.cos(k / 3));
    const im = Float64Array.from({ length: n }, (_, k) => Math.exp(-k / 20) * Math.sin(k / 3));
    const d = applyReceiver({ re, im }, 5, 0);
    for (let k = 0; k < n; k++) {
      expect(d.re[k]).toBeCloseTo(re[(k - 5 + n) % n], 12);
      expect(d.im[k]).toBeCloseTo(im[(k - 5 + n) % n], 12);
    }
    const p = applyReceiver({ re, im }, 0, 90);
    for (let k = 0; k < n; k++) {
      // e^{iπ/2}(a + ib) = −b + ia
      expect(p.re[k]).toBeCloseTo(-im[k], 12);
      expect(p.im[k]).toBeCloseTo(re[k], 12);
    }
    expect(() => applyReceiver({ re: new Float64Array(100), im: new Float64Array(100) }, 1, 0)).toThrow(
      ParameterError,
    );
  });

  it('offsets follow δ = ((SFO1 − BF1)·10⁶ + Δν)/BF1', () => {
    expect(offsetHz(125, BF1, acq.sfo1MHz)).toBeCloseTo(0, 6);
    expect(offsetHz(245, BF1, acq.sfo1MHz)).toBeCloseTo(120 * BF1, 6);
  });
});

describe('virtual spectrometer: series plan', () => {
  const plan = planOperando({ spectra: 12, seed: 3, spectrometer: { complexPoints: 4096 } });

  it('times acquisitions as (DS + NS)(D1 + AQ), in order, inside the protocol, areas from the inventory', () => {
    const a = plan.acquisition;
    expect(a.durationS).toBeCloseTo(
      (a.dummyScans + a.scans) * (a.recycleDelayS + a.complexPoints / a.swHz),
      9,
    );
    plan.spectra.forEach((s, i) => {
      expect(s.endS - s.startS).toBeCloseTo(a.durationS, 2);
      expect(s.midS).toBeCloseTo((s.startS + s.endS) / 2, 9);
      if (i > 0) expect(s.startS).toBeGreaterThan(plan.spectra[i - 1].endS);
      expect(s.endS).toBeLessThanOrEqual(plan.cell.durationS);
      const st = plan.cell.state(s.midS);
      expect(s.metalArea).toBeCloseTo(st.metalMAh * plan.options.sensitivityPerMAh, 12);
      expect(s.cell.chargeMAh).toBeCloseTo(st.chargeMAh, 12);
    });
  });

  it('areas scale with the sensitivity factor', () => {
    const p2 = planOperando({
      spectra: 12,
      seed: 3,
      spectrometer: { complexPoints: 4096 },
      sensitivityPerMAh: 2.5,
    });
    p2.spectra.forEach((s, i) => {
      expect(s.metalArea).toBeCloseTo(2.5 * plan.spectra[i].metalArea, 12);
      s.components.forEach((c, k) =>
        expect(c.area).toBeCloseTo(2.5 * plan.spectra[i].components[k].area, 12),
      );
    });
  });

  it('refuses series that do not fit the protocol and bad settings', () => {
    expect(() => planOperando({ spectra: 2000, spectrometer: { scans: 64 } })).toThrow(ParameterError);
    expect(() => planOperando({ spectra: 0 })).toThrow(ParameterError);
    expect(() => planOperando({ spectrometer: { complexPoints: 1000 } })).toThrow(ParameterError);
    expect(() => planOperando({ snr: -1 })).toThrow(ParameterError);
  });

  it('stored FIDs carry the planned noise and are deterministic', () => {
    const s = simulateSpectrum(plan, 0);
    const again = simulateSpectrum(plan, 0);
    expect(Array.from(s.re.subarray(0, 50))).toEqual(Array.from(again.re.subarray(0, 50)));
    // After ~5 ms every line has decayed to nothing: the tail is noise only.
    let ss = 0;
    let m = 0;
    for (let k = 1500; k < s.re.length; k++) {
      ss += s.re[k] * s.re[k] + s.im[k] * s.im[k];
      m += 2;
    }
    expect(Math.sqrt(ss / m) / plan.acquisition.noiseSigmaCounts).toBeGreaterThan(0.95);
    expect(Math.sqrt(ss / m) / plan.acquisition.noiseSigmaCounts).toBeLessThan(1.05);
  });

  it('the recorded PHC0/PHC1 undo a first-order receiver phase and a fractional group delay', () => {
    for (const groupDelayPoints of [67.9862, 76, 61.02]) {
      const p = planOperando({
        spectra: 3,
        seed: 8,
        spectrometer: { complexPoints: 4096, groupDelayPoints },
        phase: { firstOrderDeg: 25, independent: true },
      });
      const t = p.spectra[1];
      expect(t.phc1Deg).toBe(-25);
      const sim = simulateSpectrum(p, 1);
      const r = processFid(
        { re: sim.re, im: sim.im, meta: sim.meta },
        { phase: { ph0Deg: t.phc0Deg, ph1Deg: t.phc1Deg }, sizePoints: 32768 },
      );
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of r.spectrum.re) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      expect(lo / hi).toBeGreaterThan(-0.02);
      expect(Math.abs(pickPeak(r.spectrum, [200, 320]).ppm - t.metalPeakPpm)).toBeLessThan(0.05);
      // 30° off in PH0 leaves a clear dispersive residue: the check above can fail.
      const off = processFid(
        { re: sim.re, im: sim.im, meta: sim.meta },
        { phase: { ph0Deg: t.phc0Deg + 30, ph1Deg: t.phc1Deg }, sizePoints: 32768 },
      );
      expect(Math.min(...off.spectrum.re) / Math.max(...off.spectrum.re)).toBeLessThan(-0.02);
    }
  });

  it('processed with the true phase, every spectrum is absorptive, its metal peak and relative areas are exact', () => {
    const ref = { metal: 0, truth: 0 };
    for (const [i, truth] of plan.spectra.entries()) {
      const sim = simulateSpectrum(plan, i);
      const r = processFid(
        { re: sim.re, im: sim.im, meta: sim.meta },
        { phase: { ph0Deg: truth.phc0Deg, ph1Deg: truth.phc1Deg }, sizePoints: 32768 },
      );
      const s = r.spectrum;
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 0; k < s.re.length; k++) {
        lo = Math.min(lo, s.re[k]);
        hi = Math.max(hi, s.re[k]);
      }
      expect(lo / hi).toBeGreaterThan(-0.02);
      expect(Math.abs(pickPeak(s, [200, 320]).ppm - truth.metalPeakPpm)).toBeLessThan(0.05);
      const metal = integrateRegion(s, [200, 320]);
      if (i === 0) {
        ref.metal = metal;
        ref.truth = truth.metalArea;
      }
      expect(metal / ref.metal / (truth.metalArea / ref.truth)).toBeCloseTo(1, 2);
    }
  });
});
