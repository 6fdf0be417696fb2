/**
 * Chemical-shift imaging against known truth: (1) the reconstruction on exact phase-encoded slab data
 * (closed-form k-space of a uniform slab) puts edges and integrals where the slabs are; (2) simulated
 * pseudo-2D Bruker experiments (FIDs with receiver phase, digital-filter delay and noise, src/sim/csi.ts)
 * analysed by `spincell csi` give electrode edges, the inter-electrode gap and the microstructure's length
 * within the image's resolution over many seeds and deposit lengths; the FOV from gradient step and pulse
 * length uses the published ⁷Li gyromagnetic ratio.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csiProfile, findSegments, fovFromGradientMm, reconstructCsi } from '../../src/imaging/csi.js';
import { writeCsiExperiment } from '../../src/sim/csi.js';
import { cli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-csi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Rows of "spectra" with one point per slab kind: S_m = Σ ρ∫e^{−2πi·m·x/FOV}dx (the processed-spectrum sign). */
function slabRows(
  slabs: { from: number; to: number; rho: number; column: number }[],
  n: number,
  fov: number,
  columns: number,
) {
  return Array.from({ length: n }, (_, k) => {
    const m = k - n / 2;
    const a = (-2 * Math.PI * m) / fov;
    const re = new Float64Array(columns);
    const im = new Float64Array(columns);
    for (const s of slabs) {
      if (m === 0) re[s.column] += s.rho * (s.to - s.from);
      else {
        const dr = Math.cos(a * s.to) - Math.cos(a * s.from);
        const di = Math.sin(a * s.to) - Math.sin(a * s.from);
        re[s.column] += (s.rho * di) / a;
        im[s.column] += (-s.rho * dr) / a;
      }
    }
    return { re, im };
  });
}

describe('CSI reconstruction on exact encoded data', () => {
  const fov = 8;
  const n = 128;
  const slabs = [
    { from: -3.1, to: -2.2, rho: 2, column: 0 },
    { from: 0.7, to: 2.95, rho: 0.5, column: 1 },
  ];
  const ppm = Float64Array.from([250, 0, -50]);
  const map = reconstructCsi(slabRows(slabs, n, fov, 3), ppm, { fovMm: fov }, { ph0Deg: 0, zeroFill: 4 });

  it('puts each slab’s half-height edges within a tenth of the resolution', () => {
    expect(map.resolutionMm).toBe(fov / n);
    const dx = map.positionMm[1] - map.positionMm[0];
    expect(dx).toBeCloseTo(fov / (4 * n), 12);
    slabs.forEach((s) => {
      const profile = Float64Array.from(map.positionMm, (_, p) => map.intensity[p * 3 + s.column]);
      const seg = findSegments(map.positionMm, profile, { minWidthMm: map.resolutionMm });
      expect(seg).toHaveLength(1);
      expect(Math.abs(seg[0].fromMm - s.from)).toBeLessThan(0.1 * map.resolutionMm);
      expect(Math.abs(seg[0].toMm - s.to)).toBeLessThan(0.1 * map.resolutionMm);
      // the image integrates to the slab's content ρ·width (Gibbs ringing averages out)
      let total = 0;
      for (const v of profile) total += v * dx;
      expect(total / (s.rho * (s.to - s.from))).toBeCloseTo(1, 2);
      expect(seg[0].signal / (s.rho * (s.to - s.from))).toBeGreaterThan(0.9);
    });
    // an empty column stays empty
    for (let p = 0; p < map.positionMm.length; p++) expect(map.intensity[p * 3 + 2]).toBe(0);
  });

  it('a Hann window trades edge sharpness for less ringing; csiProfile integrates each column', () => {
    const hann = reconstructCsi(
      slabRows(slabs, n, fov, 3),
      ppm,
      { fovMm: fov },
      { ph0Deg: 0, zeroFill: 4, window: 'hann' },
    );
    const col = (m: typeof map) => Float64Array.from(m.positionMm, (_, p) => m.intensity[p * 3]);
    const overshoot = (y: Float64Array) => Math.max(...y) / 2 - 1;
    expect(overshoot(col(map))).toBeGreaterThan(0.05); // Gibbs: ≈ 9 % above ρ = 2
    expect(overshoot(col(hann))).toBeLessThan(0.01);
    const sharp = findSegments(map.positionMm, col(map))[0];
    const soft = findSegments(hann.positionMm, col(hann))[0];
    expect(Math.abs(soft.widthMm - sharp.widthMm)).toBeLessThan(map.resolutionMm);
    // trapezoid over the columns at 250, 0 and −50 ppm
    const prof = csiProfile(map, [-60, 260]);
    const k = map.positionMm.findIndex((x) => x > -2.7);
    expect(prof[k]).toBeCloseTo(
      0.5 * (map.intensity[k * 3] + map.intensity[k * 3 + 1]) * 250 +
        0.5 * (map.intensity[k * 3 + 1] + map.intensity[k * 3 + 2]) * 50,
      9,
    );
  });

  it('mirrors the image with flip', () => {
    const flipped = reconstructCsi(
      slabRows(slabs, n, fov, 3),
      ppm,
      { fovMm: fov, flip: true },
      { ph0Deg: 0, zeroFill: 4 },
    );
    const profile = Float64Array.from(flipped.positionMm, (_, p) => flipped.intensity[p * 3]);
    const seg = findSegments(flipped.positionMm, profile);
    expect(Math.abs(seg[0].fromMm - 2.2)).toBeLessThan(0.1 * flipped.resolutionMm);
    expect(Math.abs(seg[0].toMm - 3.1)).toBeLessThan(0.1 * flipped.resolutionMm);
  });

  it('refuses an odd number of steps and a bad field of view', () => {
    const rows = slabRows(slabs, 9, fov, 3);
    expect(() => reconstructCsi(rows, ppm, { fovMm: fov })).toThrow(/even number of encoding steps/);
    expect(() => reconstructCsi(slabRows(slabs, 8, fov, 3), ppm, { fovMm: 0 })).toThrow(/field of view/);
  });

  it('field of view from the gradient step: 1/(γ̄·ΔG·τ) with γ(⁷Li) = 10.3977×10⁷ rad s⁻¹ T⁻¹', () => {
    // published gyromagnetic ratio (IUPAC, Harris et al. 2001): γ̄ = 16.5483 MHz T⁻¹
    const gammaBar = 10.3977e7 / (2 * Math.PI);
    expect(fovFromGradientMm(gammaBar, 0.01, 1e-3)).toBeCloseTo(1e3 / (gammaBar * 1e-5), 9);
    expect(fovFromGradientMm(gammaBar, 0.01, 1e-3)).toBeCloseTo(6.043, 3);
  });
});

describe('spincell csi on simulated experiments', () => {
  const cases = [
    { seed: 1, depositMm: 0.3 },
    { seed: 2, depositMm: 0.15 },
    { seed: 3, depositMm: 0.6 },
    { seed: 4, depositMm: 0.45 },
    { seed: 5, depositMm: 0.25 },
    { seed: 6, depositMm: 0.5 },
  ];
  for (const c of cases)
    it(`seed ${c.seed}, ${c.depositMm} mm of microstructure: edges, gap and length within the resolution`, async () => {
      const out = join(dir, `s${c.seed}`);
      const { truth, dataPath } = writeCsiExperiment(out, { seed: c.seed, depositMm: c.depositMm, snr: 150 });
      const r = await cli(['csi', dataPath, '--fov-mm', String(truth.fovMm), '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout) as {
        resolutionMm: number;
        electrodes: { fromMm: number; toMm: number }[];
        interElectrodeGapMm: number;
        microstructure: { fromMm: number; toMm: number; electrode: number; lengthMm: number }[];
        ph0Deg: number;
      };
      const res = j.resolutionMm;
      const e = truth.slabs.filter((s) => s.name.startsWith('electrode'));
      expect(j.electrodes).toHaveLength(2);
      j.electrodes.forEach((found, i) => {
        expect(Math.abs(found.fromMm - e[i].fromMm)).toBeLessThan(0.5 * res);
        expect(Math.abs(found.toMm - e[i].toMm)).toBeLessThan(0.5 * res);
      });
      expect(Math.abs(j.interElectrodeGapMm - (e[1].fromMm - e[0].toMm))).toBeLessThan(res);
      expect(j.microstructure).toHaveLength(1);
      expect(j.microstructure[0].electrode).toBe(0);
      expect(Math.abs(j.microstructure[0].lengthMm - c.depositMm)).toBeLessThan(res);
      // the receiver phase is recovered from the unencoded row (within a few degrees at this SNR)
      expect(Math.abs(((j.ph0Deg - truth.receiverPhaseDeg + 540) % 360) - 180)).toBeLessThan(5);
    });

  it('a microstructure layer without an electrode in view gets no length', async () => {
    const { truth, dataPath } = writeCsiExperiment(join(dir, 'no-electrode'), {
      slabs: [
        {
          name: 'electrolyte',
          fromMm: -1.4,
          toMm: 1.4,
          density: 0.15,
          shiftPpm: 0,
          lorentzFwhmPpm: 1,
          gaussFwhmPpm: 1,
        },
        // a narrow line well inside the microstructure window: its tails stay out of the bulk window, which
        // holds noise only (a broad line spilling into 235–253 ppm would be located as an electrode, as the
        // README says)
        {
          name: 'microstructure',
          fromMm: -0.5,
          toMm: 0.1,
          density: 0.5,
          shiftPpm: 272,
          lorentzFwhmPpm: 0.5,
          gaussFwhmPpm: 1,
        },
      ],
    });
    const r = await cli(['csi', dataPath, '--fov-mm', String(truth.fovMm), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      electrodes: unknown[];
      microstructure: { electrode: number | null; lengthMm: number | null; fromMm: number; toMm: number }[];
    };
    expect(j.electrodes, JSON.stringify(j.electrodes)).toHaveLength(0);
    expect(j.microstructure).toHaveLength(1);
    expect(j.microstructure[0].electrode).toBeNull();
    expect(j.microstructure[0].lengthMm).toBeNull();
    expect(Math.abs(j.microstructure[0].fromMm + 0.5)).toBeLessThan(0.1);
  });

  it('writes profiles, the map and the segments as one set, and refuses a missing encoding in one line', async () => {
    const { truth, dataPath } = writeCsiExperiment(join(dir, 'files'), { seed: 9 });
    const out = join(dir, 'files-out');
    const r = await cli(['csi', dataPath, '--fov-mm', String(truth.fovMm), '--out', out]);
    expect(r.code).toBe(0);
    const profiles = readFileSync(join(out, 'profiles.csv'), 'utf8').trim().split('\n');
    expect(profiles.filter((l) => !l.startsWith('#'))[0]).toBe(
      'position_mm,metal,microstructure,diamagnetic,metal_shift_ppm',
    );
    expect(profiles.filter((l) => !l.startsWith('#'))).toHaveLength(1 + 2 * truth.steps);
    expect(readFileSync(join(out, 'segments.csv'), 'utf8')).toMatch(/electrode,/);
    const bad = await cli(['csi', dataPath]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--fov-mm/);
    // the microstructure's own shift sits at the line's shift where it is alone
    const rows = profiles
      .filter((l) => !l.startsWith('#'))
      .slice(1)
      .map((l) => l.split(',').map(Number));
    const inDeposit = rows.filter((x) => x[0] > -1.35 && x[0] < -1.15);
    for (const x of inDeposit) expect(x[4]).toBeGreaterThan(255);
    const inBulk = rows.filter((x) => x[0] > -1.9 && x[0] < -1.5);
    for (const x of inBulk) expect(Math.abs(x[4] - 245)).toBeLessThan(3);
  });
});
