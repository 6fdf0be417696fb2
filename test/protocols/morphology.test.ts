import { describe, expect, it } from 'vitest';
import { lineProfile } from '../../src/fit/lineshapes.js';
import { voigtFwhm } from '../../src/fit/lineshapes.js';
import {
  constrainedMorphology,
  constrainedMorphologyModel,
  LITHIUM_WINDOWS_PPM,
  metalReferenceShiftPpm,
  morphologySeries,
  morphologyTable,
  NMC622_CATHODE_OFFSET_PPM,
  SODIUM_WINDOWS_PPM,
  unconstrainedMorphology,
} from '../../src/protocols/morphology.js';
import { ParameterError } from '../../src/core/errors.js';

function gaussianNoise(seed: number): () => number {
  let s = seed;
  const u = () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Spectrum of Voigt lines [position, area, fwhmG, fwhmL] plus white noise of the given σ. */
function spectrum(lines: number[][], noise: number, seed = 11, from = 300, to = 200, n = 1000) {
  const ppm = Float64Array.from({ length: n }, (_, i) => from + ((to - from) * i) / (n - 1));
  const re = new Float64Array(n);
  for (const l of lines) lineProfile('voigt', ppm, l).forEach((v, i) => (re[i] += v));
  const g = gaussianNoise(seed);
  for (let i = 0; i < n; i++) re[i] += noise * g();
  return { ppm, re, im: new Float64Array(n), sfMHz: 77.78 };
}

describe('constrained morphology model (Wichmann et al. 2025)', () => {
  it('places the published windows beside a paramagnetic NMC622 cathode and 3.5 ppm lower without it', () => {
    const para = constrainedMorphologyModel({ paramagneticCathode: true });
    expect(
      para.components.map((c) => [(c.position as { min: number }).min, (c.position as { max: number }).max]),
    ).toEqual([
      [244, 249],
      [254, 259],
      [264, 269],
    ]);
    const plain = constrainedMorphologyModel();
    expect((plain.components[0].position as { min: number }).min).toBeCloseTo(
      244 - NMC622_CATHODE_OFFSET_PPM,
      12,
    );
    const custom = constrainedMorphologyModel({
      cathodeOffsetPpm: 1,
      paramagneticCathode: true,
      widthCapPpm: 2.5,
    });
    expect((custom.components[2].position as { max: number }).max).toBe(266.5);
    // The cap bounds the whole Voigt FWHM, not its Gaussian and Lorentzian parts (issue #12).
    expect(custom.components[1].shape).toBe('voigt-fwhm');
    expect((custom.components[1].fwhm as { max: number }).max).toBe(2.5);
    expect(() => constrainedMorphologyModel({ widthCapPpm: 0 })).toThrow(ParameterError);
    expect(() => constrainedMorphologyModel({ windows: [{ name: 'a', minPpm: 3, maxPpm: 1 }] })).toThrow(
      ParameterError,
    );
  });

  it('recovers areas within 3 % and positions within 0.3 ppm at SNR ≈ 100 (cathode-shifted windows)', () => {
    const truth = [
      [246.8, 600, 2.2, 1.1],
      [256.1, 250, 3.0, 1.5],
      [266.4, 120, 3.2, 1.8],
    ];
    // Peak of the dense line ≈ 600·0.22/2.5 ≈ 50; noise σ 0.5 → SNR ≈ 100.
    const s = spectrum(truth, 0.5);
    const r = constrainedMorphology(s, { paramagneticCathode: true, widthCapPpm: 4 });
    expect(r.converged).toBe(true);
    r.components.forEach((c, k) => {
      expect(Math.abs(c.area / truth[k][1] - 1)).toBeLessThan(0.03);
      expect(Math.abs(c.positionPpm - truth[k][0])).toBeLessThan(0.3);
      expect(c.windowPpm![0]).toBeLessThanOrEqual(c.positionPpm);
      expect(c.positionPpm).toBeLessThanOrEqual(c.windowPpm![1]);
      expect(Number.isFinite(c.fractionStdErr)).toBe(true);
    });
    expect(r.components.reduce((a, c) => a + c.fraction, 0)).toBeCloseTo(1, 12);
    expect(r.components[0].fraction).toBeCloseTo(600 / 970, 1);
    expect(r.rSquared).toBeGreaterThan(0.998);
    expect(r.cathodeOffsetPpm).toBe(3.5);
  });

  it('caps line widths at the calibration width and flags the bound', () => {
    const s = spectrum([[246.5, 600, 5, 3]], 0.2);
    const r = constrainedMorphology(s, { paramagneticCathode: true, widthCapPpm: 3 });
    const dense = r.components[0];
    // Whole FWHM at the cap (Olivero & Longbothum); parts of 3 ppm each would make a 4.9 ppm line.
    expect(dense.fwhmPpm).toBeLessThanOrEqual(3 * (1 + 1e-9));
    expect(dense.fwhmPpm).toBeGreaterThan(2.99);
    expect(voigtFwhm(dense.fwhmGPpm, dense.fwhmLPpm)).toBeCloseTo(dense.fwhmPpm, 4);
    expect(r.flags.some((f) => f.startsWith('at-bound:dense.fwhm'))).toBe(true);
  });

  it('handles sodium with windows given as parameters', () => {
    const truth = [
      [1132.4, 500, 3, 1],
      [1141.2, 150, 3.5, 1.5],
    ];
    const s = spectrum(truth, 0.3, 5, 1180, 1090, 900);
    const r = constrainedMorphology(s, { windows: SODIUM_WINDOWS_PPM, widthCapPpm: 5 });
    expect(r.components.map((c) => c.morphology)).toEqual(['metal', 'microstructure']);
    r.components.forEach((c, k) => {
      expect(Math.abs(c.area / truth[k][1] - 1)).toBeLessThan(0.03);
      expect(Math.abs(c.positionPpm - truth[k][0])).toBeLessThan(0.3);
    });
  });
});

describe('unconstrained morphology (Thienenkamp et al. 2024)', () => {
  it("references the metal line to 245 ppm and labels lines by the paper's assignment, with centres of gravity", () => {
    // Pristine line at 247.3 on this axis: the internal reference moves everything by −2.3 ppm.
    const truth = [
      [247.3, 800, 1.8, 0.8],
      [262.3, 250, 5, 2.5],
      [272.3, 100, 4, 3],
    ];
    const s = spectrum(truth, 0.3, 17);
    const shift = metalReferenceShiftPpm(s.ppm, s.re, 245, [230, 260]);
    expect(shift).toBeCloseTo(-2.3, 1);
    const r = unconstrainedMorphology(s);
    expect(r.referenceShiftPpm).toBeCloseTo(shift, 12);
    // 245 bulk, 260 mossy, 270 dendritic (Thienenkamp et al. 2024, "Morphology of Li metal deposits").
    expect(r.components.map((c) => c.morphology)).toEqual(['bulk', 'mossy', 'dendritic']);
    expect(r.components.map((c) => c.assignedPpm)).toEqual([245, 260, 270]);
    r.components.forEach((c, k) => {
      expect(Math.abs(c.positionPpm - (truth[k][0] + shift))).toBeLessThan(0.3);
      expect(Math.abs(c.area / truth[k][1] - 1)).toBeLessThan(0.03);
      // Symmetric lines: centre of gravity within the window is close to the position.
      expect(Math.abs(c.centreOfGravityPpm - c.positionPpm)).toBeLessThan(1.5);
    });
    expect(r.rSquared).toBeGreaterThan(0.998);
    expect(r.components.reduce((a, c) => a + c.fraction, 0)).toBeCloseTo(1, 12);
  });
});

describe('morphology over a series', () => {
  it('gives one row per spectrum with times from the metadata and fractions summing to 1', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const spectra = [0, 1, 2, 3].map((k) => ({
      ...spectrum(
        [
          [246.6, 600 - 50 * k, 2.2, 1.1],
          [256.0, 100 + 60 * k, 3, 1.5],
          [266.5, 30 + 20 * k, 3, 1.8],
        ],
        0.5,
        100 + k,
      ),
      meta: {
        startMs: t0 + k * 3.6e6,
        endMs: t0 + k * 3.6e6 + 495_000,
        source: `exp${k + 10}`,
        experimentNumber: k + 10,
      },
    }));
    const rows = morphologySeries(spectra, {
      mode: 'constrained',
      paramagneticCathode: true,
      widthCapPpm: 4,
    });
    expect(rows).toHaveLength(4);
    rows.forEach((r, k) => {
      expect(r.error).toBeNull();
      expect(r.midHours).toBeCloseTo(k + 495_000 / 2 / 3.6e6, 9);
      expect(r.result!.components.reduce((a, c) => a + c.fraction, 0)).toBeCloseTo(1, 12);
      expect(Math.abs(r.result!.components[1].area / (100 + 60 * k) - 1)).toBeLessThan(0.05);
    });
    const table = morphologyTable(rows);
    expect(table.rows).toHaveLength(12);
    expect(table.headers).toContain('fraction_se');
    const un = morphologySeries(spectra.slice(0, 1), { mode: 'unconstrained' });
    expect(un[0].result!.mode).toBe('unconstrained');
  });
  it('a spectrum whose window lies off the axis becomes an error row, not a crash', () => {
    const s = spectrum([[246.6, 600, 2, 1]], 0.5, 3, 100, 0, 300);
    const rows = morphologySeries([s], { mode: 'constrained', windows: LITHIUM_WINDOWS_PPM });
    expect(rows[0].result).toBeNull();
    expect(rows[0].error?.name).toBe('DataError');
  });
});
