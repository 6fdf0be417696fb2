/**
 * The virtual spectrometer's one-dimensional ⁷Li chemical-shift imaging experiment of a Li‖Li cell: two
 * metal electrodes (Knight-shifted line at 245 ppm), the electrolyte between them (0 ppm) and a
 * microstructure layer growing from the plating electrode into the electrolyte (a line near 262 ppm, the
 * shift range the papers assign to mossy/dendritic lithium), each a slab [fromMm, toMm] of uniform density.
 *
 * Row m (m = −N/2 … N/2 − 1) carries each slab's exact phase-encoded weight
 * ∫ρ·e^{2πi·m·x/FOV} dx = ρ·(e^{iax₁} − e^{iax₀})/(ia), a = 2πm/FOV (ρ·(x₁ − x₀) at m = 0), times the FID of
 * the slab's line (sim/spectrometer.ts idealFid: Voigt line, first point halved), then the receiver's phase
 * and digital-filter delay and complex Gaussian noise; written as a pseudo-2D Bruker experiment (acqus +
 * acqu2s + ser) plus truth.json with the slabs, the FOV and the encoding.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ParameterError } from '../core/errors.js';
import { getNucleus, larmorFromFieldMHz } from '../core/nuclei.js';
import { type BrukerWriteSpec, writeBrukerSer } from '../io/bruker/index.js';
import { isFile } from '../io/fs.js';
import { OutputFolder } from '../io/output.js';
import { createRng, deriveSeed } from './random.js';
import { applyReceiver, idealFid } from './spectrometer.js';

export interface CsiSlab {
  readonly name: string;
  readonly fromMm: number;
  readonly toMm: number;
  /** Signal per mm of cell (arbitrary units). */
  readonly density: number;
  readonly shiftPpm: number;
  readonly lorentzFwhmPpm: number;
  readonly gaussFwhmPpm: number;
}

export interface CsiSimOptions {
  readonly fovMm?: number;
  /** Phase-encoding steps N (TD1), even. */
  readonly steps?: number;
  readonly slabs?: readonly CsiSlab[];
  /** Length the microstructure has grown from the plating electrode, mm (replaces the default slab's). */
  readonly depositMm?: number;
  readonly snr?: number;
  readonly seed?: number;
  readonly complexPoints?: number;
  readonly swHz?: number;
  readonly receiverPhaseDeg?: number;
}

/** Electrodes 0.6 mm thick, 2.8 mm apart; 0.3 mm of microstructure on the left (plating) electrode. */
export function defaultSlabs(depositMm = 0.3): CsiSlab[] {
  const metal = { shiftPpm: 245, lorentzFwhmPpm: 2, gaussFwhmPpm: 3 };
  return [
    { name: 'electrode-left', fromMm: -2.0, toMm: -1.4, density: 1, ...metal },
    { name: 'electrode-right', fromMm: 1.4, toMm: 2.0, density: 1, ...metal },
    {
      name: 'electrolyte',
      fromMm: -1.4,
      toMm: 1.4,
      density: 0.15,
      shiftPpm: 0,
      lorentzFwhmPpm: 1,
      gaussFwhmPpm: 1,
    },
    ...(depositMm > 0
      ? [
          {
            name: 'microstructure',
            fromMm: -1.4,
            toMm: -1.4 + depositMm,
            density: 0.5,
            shiftPpm: 262,
            lorentzFwhmPpm: 3,
            gaussFwhmPpm: 5,
          },
        ]
      : []),
  ];
}

export const CSI_TRUTH_FORMAT = 'spincell-csi-truth';

export interface CsiTruth {
  readonly format: typeof CSI_TRUTH_FORMAT;
  readonly version: 1;
  readonly fovMm: number;
  readonly steps: number;
  readonly encoding: 'linear, m = −N/2 … N/2 − 1, phase +2π·m·x/FOV';
  readonly slabs: readonly CsiSlab[];
  readonly receiverPhaseDeg: number;
  readonly noiseSigma: number;
  readonly seed: number;
}

export function simulateCsi(options: CsiSimOptions = {}): {
  truth: CsiTruth;
  rows: { re: Float64Array; im: Float64Array }[];
  spec: BrukerWriteSpec;
} {
  const fovMm = options.fovMm ?? 6;
  const steps = options.steps ?? 64;
  if (!(fovMm > 0))
    throw new ParameterError('field of view must be positive', { field: 'fovMm', found: fovMm });
  if (!(Number.isInteger(steps) && steps >= 4 && steps % 2 === 0))
    throw new ParameterError('encoding steps must be an even number ≥ 4', { field: 'steps', found: steps });
  const slabs = options.slabs ?? defaultSlabs(options.depositMm);
  for (const s of slabs)
    if (!(s.toMm > s.fromMm) || Math.max(Math.abs(s.fromMm), Math.abs(s.toMm)) > fovMm / 2)
      throw new ParameterError('slab outside the field of view', {
        field: `slabs.${s.name}`,
        found: [s.fromMm, s.toMm],
        expected: `fromMm < toMm within ±${fovMm / 2} mm`,
      });
  const seed = options.seed ?? 1;
  const snr = options.snr ?? 200;
  const complexPoints = options.complexPoints ?? 2048;
  const swHz = options.swHz ?? 100_000;
  const receiverPhaseDeg = options.receiverPhaseDeg ?? 40;
  const bf1MHz = (getNucleus('7Li').xiPercent / 100) * larmorFromFieldMHz(getNucleus('1H'), 9.4);
  const o1Hz = 122.5 * bf1MHz;
  const sfo1MHz = bf1MHz + o1Hz / 1e6;
  const acq = { swHz, complexPoints, bf1MHz, sfo1MHz };
  const fids = slabs.map((s) =>
    idealFid(
      [
        {
          name: 'diamagnetic',
          shiftPpm: s.shiftPpm,
          lorentzFwhmPpm: s.lorentzFwhmPpm,
          gaussFwhmPpm: s.gaussFwhmPpm,
          area: 1,
        },
      ],
      acq,
    ),
  );
  let maxWeight = 0;
  for (const s of slabs) maxWeight = Math.max(maxWeight, s.density * (s.toMm - s.fromMm));
  const noiseSigma = maxWeight / snr;
  const groupDelayPoints = 67.9862;
  const rows = Array.from({ length: steps }, (_, k) => {
    const m = k - steps / 2;
    const a = (2 * Math.PI * m) / fovMm;
    const re = new Float64Array(complexPoints);
    const im = new Float64Array(complexPoints);
    slabs.forEach((s, i) => {
      // ρ(e^{iax₁} − e^{iax₀})/(ia)
      let wr: number;
      let wi: number;
      if (m === 0) {
        wr = s.density * (s.toMm - s.fromMm);
        wi = 0;
      } else {
        const dr = Math.cos(a * s.toMm) - Math.cos(a * s.fromMm);
        const di = Math.sin(a * s.toMm) - Math.sin(a * s.fromMm);
        // (dr + i·di)/(i·a) = di/a − i·dr/a
        wr = (s.density * di) / a;
        wi = (-s.density * dr) / a;
      }
      const f = fids[i];
      for (let t = 0; t < complexPoints; t++) {
        re[t] += wr * f.re[t] - wi * f.im[t];
        im[t] += wr * f.im[t] + wi * f.re[t];
      }
    });
    const fid = applyReceiver({ re, im }, groupDelayPoints, receiverPhaseDeg);
    const rng = createRng(deriveSeed(seed, k));
    for (let t = 0; t < complexPoints; t++) {
      fid.re[t] += noiseSigma * rng.normal();
      fid.im[t] += noiseSigma * rng.normal();
    }
    return fid;
  });
  const startMs = Date.UTC(2026, 1, 2, 10, 0, 0);
  const scans = 16;
  const recycleDelayS = 0.5;
  const spec: BrukerWriteSpec = {
    nucleus: '7Li',
    sfo1MHz,
    bf1MHz,
    o1Hz,
    swHz,
    scans,
    recycleDelayS,
    receiverGain: 64,
    pulseProgram: 'csi1d',
    digitalFilter: { kind: 'grpdly', points: groupDelayPoints },
    startMs,
    endMs: startMs + 1000 * steps * scans * (recycleDelayS + complexPoints / swHz),
    dataType: 'int32',
    byteOrder: 'little',
  };
  const truth: CsiTruth = {
    format: CSI_TRUTH_FORMAT,
    version: 1,
    fovMm,
    steps,
    encoding: 'linear, m = −N/2 … N/2 − 1, phase +2π·m·x/FOV',
    slabs,
    receiverPhaseDeg,
    noiseSigma,
    seed,
  };
  return { truth, rows, spec };
}

/** Writes `dir/1` (the CSI experiment) and `dir/truth.json`, all-or-nothing. */
export function writeCsiExperiment(
  dir: string,
  options: CsiSimOptions = {},
  write: { force?: boolean } = {},
): { truth: CsiTruth; dataPath: string } {
  const { truth, rows, spec } = simulateCsi(options);
  const set = OutputFolder.open(dir, {
    command: 'simulate csi',
    field: '--out',
    errors: 'output',
    force: write.force,
    legacy: (d, names) =>
      isFile(join(d, 'truth.json')) &&
      readdirSync(d).length > 0 &&
      names.every((n) => n === 'truth.json' || n === '1'),
  });
  try {
    writeBrukerSer(set.stagedPath('1'), spec, rows);
    set.writeFile('truth.json', `${JSON.stringify(truth, null, 2)}\n`);
    set.commit();
  } catch (e) {
    set.abort();
    throw e;
  }
  return { truth, dataPath: join(dir, '1') };
}
