/**
 * The virtual spectrometer: records static ⁷Li spectra of the virtual cell as a Bruker operando series.
 *
 * Each spectrum is made analytically in the time domain, then passed through what the instrument does to
 * it, in the order the hardware does it:
 *  1. the ideal FID: a sum of Voigt lines a·e^{i2πΔν t}·e^{−πL t}·e^{−(πG t)²/(4 ln 2)} (L, G = Lorentzian and
 *     Gaussian FWHM in Hz; Δν = offset from the carrier). The first point is halved: it stands for the
 *     band-limited step at t = 0, which is what a digital receiver samples, so the spectrum has no DC offset;
 *  2. the receiver phase φ0 (plus an optional linear phase φ1·Δν/SW) and the digital filter's group delay
 *     of GRPDLY points, both as a phase ramp in the frequency domain (FFT → e^{i(φ(f) − 2π f g/N)} → IFFT):
 *     the delayed signal wraps round so the first GRPDLY points hold the filter's pre-ringing, as real data;
 *  3. complex white Gaussian noise (σ per channel from the requested SNR);
 *  4. the receiver scale to integer counts (int32, rounded by the writer) or float64.
 * Bruker's sense of rotation: a line above the carrier rotates as e^{+i2πΔν t} in the stored data (B's
 * `fourierTransform` conjugates before the FFT; both were checked on TopSpin's own coffee-1h data).
 *
 * Line areas follow the cell's inventory at each spectrum's mid-time: area = inventory (mAh) × sensitivity.
 * The truth file records everything needed to check processing: times, the PHC0/PHC1 that restore pure
 * absorption (TopSpin convention, pivot at the first point), each component and the cell state.
 */
import FFT from 'fft.js';
import { ParameterError } from '../core/errors.js';
import { getNucleus, larmorFromFieldMHz } from '../core/nuclei.js';
import type { AcquisitionMeta } from '../core/types.js';
import {
  type CellParameters,
  type CellState,
  type CellStep,
  type VirtualCell,
  createCell,
  operandoProtocol,
} from './cell.js';
import { createRng, deriveSeed, type Rng } from './random.js';

export type ComponentName = 'pristine' | 'dense' | 'mossy' | 'dendritic' | 'dead' | 'diamagnetic';

export const COMPONENT_NAMES: readonly ComponentName[] = [
  'pristine',
  'dense',
  'mossy',
  'dendritic',
  'dead',
  'diamagnetic',
];
/** The components that make up the metal signal. */
export const METAL_COMPONENTS: readonly ComponentName[] = ['pristine', 'dense', 'mossy', 'dendritic', 'dead'];

export interface LineShape {
  readonly shiftPpm: number;
  /** Lorentzian FWHM (1/πT2), ppm. */
  readonly lorentzFwhmPpm: number;
  /** Gaussian FWHM, ppm. */
  readonly gaussFwhmPpm: number;
}

export interface Component extends LineShape {
  readonly name: ComponentName;
  /** Signal area, in the units of `sensitivity` × mAh. */
  readonly area: number;
}

/**
 * Static ⁷Li lines of a Li‖Li cell (no paramagnetic electrode) at moderate field, on the scale of internal
 * referencing: the pristine electrode's Knight-shifted line at 245 ppm, the shift the tallest metal peak is
 * set to (Thienenkamp et al. 2024). The other lines follow Wichmann et al.'s (2025) morphology windows for a cell without a paramagnetic
 * cathode — its windows 244–249 / 254–259 / 264–269 ppm beside charged NMC622 less the 3.5 ppm that cathode
 * adds (pristine Li on Cu 242.9 ± 0.1 ppm alone, 246.7 ± 0.3 ppm beside it), i.e. dense 240.5–245.5, mossy
 * 250.5–255.5, dendritic 260.5–265.5 ppm (src/protocols/morphology.ts):
 * - dense deposits are compact metal grown on the electrode face, so they share its orientation and
 *   susceptibility environment and sit within a fraction of a ppm of it (244.8 ppm); Wichmann et al. 2025 counts the
 *   pristine electrode and dense deposits in one window centred on the pristine shift;
 * - mossy deposits at the centre of the mossy window (253 ppm), dendritic ones at the centre of theirs (263);
 * - dead lithium is mossy or dendritic metal that lost electronic contact: its shift is set by the same
 *   porous microstructure (bulk magnetic susceptibility), so it lies in the mossy window, 0.5 ppm above the
 *   mossy line (253.5 ppm), and the protocol cannot tell it from mossy metal.
 * So the metal signal splits by window as dense = pristine + dense, mossy = mossy + dead, dendritic =
 * dendritic (truth.json's `morphologyTruth`). Widths: a static cell's Li metal lines are broadened by the
 * susceptibility inhomogeneity of the cell and by the metal's short T2*; the constrained protocol caps every
 * deposit line at the width of a pristine electrode measured in the same cell, which presumes that no deposit
 * is broader. The simulator takes that premise at its limit: every metal line has the pristine electrode's
 * shape, Gaussian 3.5 and Lorentzian 1.5 ppm FWHM (whole line ≈ 4.4 ppm ≈ 680 Hz at 9.4 T), narrower than
 * the 5 ppm windows and under half the 10 ppm between window centres. The diamagnetic line (electrolyte +
 * SEI) sits near 0 ppm.
 */
export const DEFAULT_LINES: Readonly<Record<ComponentName, LineShape>> = {
  pristine: { shiftPpm: 245, lorentzFwhmPpm: 1.5, gaussFwhmPpm: 3.5 },
  dense: { shiftPpm: 244.8, lorentzFwhmPpm: 1.5, gaussFwhmPpm: 3.5 },
  mossy: { shiftPpm: 253, lorentzFwhmPpm: 1.5, gaussFwhmPpm: 3.5 },
  dendritic: { shiftPpm: 263, lorentzFwhmPpm: 1.5, gaussFwhmPpm: 3.5 },
  dead: { shiftPpm: 253.5, lorentzFwhmPpm: 1.5, gaussFwhmPpm: 3.5 },
  diamagnetic: { shiftPpm: 0, lorentzFwhmPpm: 1.5, gaussFwhmPpm: 2 },
};

/** Morphology windows of the constrained protocol and the simulated components each one holds. */
export type MorphologyWindowName = 'dense' | 'mossy' | 'dendritic';

export const MORPHOLOGY_WINDOW_COMPONENTS: Readonly<Record<MorphologyWindowName, readonly ComponentName[]>> =
  {
    dense: ['pristine', 'dense'],
    mossy: ['mossy', 'dead'],
    dendritic: ['dendritic'],
  };

/** Shift internal referencing gives the tallest metal peak (Thienenkamp et al. 2024), ppm. */
export const METAL_REFERENCE_PPM = 245;

/** Truth of one morphology window: what a deconvolution with one line per window should find. */
export interface MorphologyWindowTruth {
  /** Simulated components counted in this window. */
  readonly components: readonly ComponentName[];
  /** Sum of their areas. */
  readonly area: number;
  /** area / metal area. */
  readonly fraction: number;
  /** Area-weighted mean shift of its components, ppm (null while the window holds no signal). */
  readonly positionPpm: number | null;
  /**
   * The same after internal referencing, i.e. on an axis where the tallest metal peak (metalPeakPpm) is at
   * 245 ppm: positionPpm + 245 − metalPeakPpm (for ²³Na at the electrode line's shift instead).
   */
  readonly referencedPositionPpm: number | null;
}

/** Acquisition parameters of the virtual spectrometer. */
export interface SpectrometerSettings {
  readonly nucleus: string;
  /** Magnetic field, T (BF1 = Ξ × ¹H Larmor frequency in this field). */
  readonly fieldT: number;
  /** Carrier position, ppm (O1 = carrier × BF1). */
  readonly carrierPpm: number;
  /** SW_h, Hz. */
  readonly swHz: number;
  /** Complex points per FID (TD/2). */
  readonly complexPoints: number;
  /** Digital-filter group delay GRPDLY, points (fractional as on modern consoles). */
  readonly groupDelayPoints: number;
  /** NS; 'auto' takes the largest power of two whose acquisition fits the spacing between spectra. */
  readonly scans: number | 'auto';
  readonly dummyScans: number;
  /** D1, s. */
  readonly recycleDelayS: number;
  /** Time between the end of one acquisition and the next start (tuning/matching, lock), s. */
  readonly overheadS: number;
  readonly receiverGain: number;
  readonly pulseProgram: string;
}

export const DEFAULT_SPECTROMETER: SpectrometerSettings = {
  nucleus: '7Li',
  fieldT: 9.4,
  carrierPpm: 125,
  swHz: 200_000,
  complexPoints: 8192,
  groupDelayPoints: 67.9862,
  scans: 'auto',
  dummyScans: 2,
  recycleDelayS: 1,
  overheadS: 20,
  receiverGain: 101,
  pulseProgram: 'zg',
};

/** How the receiver phase behaves along the series. */
export interface PhaseSettings {
  /** Zeroth-order phase of the series, degrees; random in [−180, 180) when undefined. */
  readonly baseDeg?: number;
  /** Per-spectrum standard deviation around the base (re-tuning between spectra), degrees. */
  readonly jitterDeg: number;
  /** Every spectrum gets an unrelated random phase (overrides base and jitter). */
  readonly independent: boolean;
  /** Linear phase across the spectral width, degrees: φ(Δν) = φ0 + φ1·Δν/SW. */
  readonly firstOrderDeg: number;
}

export const DEFAULT_PHASE: PhaseSettings = { jitterDeg: 0.5, independent: false, firstOrderDeg: 0 };

export interface OperandoOptions {
  readonly seed: number;
  /** Number of spectra, spread evenly over the protocol. */
  readonly spectra: number;
  readonly protocol: readonly CellStep[];
  readonly cell: Partial<CellParameters>;
  readonly spectrometer: Partial<SpectrometerSettings>;
  readonly phase: Partial<PhaseSettings>;
  readonly lines: Partial<Record<ComponentName, LineShape>>;
  /** Signal area per mAh of lithium (metal and diamagnetic alike). */
  readonly sensitivityPerMAh: number;
  /**
   * Signal-to-noise ratio of the first spectrum: height of its tallest metal peak (real part, no
   * apodization) divided by the rms noise of the spectrum. Noise power stays fixed along the series.
   */
  readonly snr: number;
  /** Protocol start, epoch ms. Fixed by default so that a seed always gives identical files. */
  readonly startMs: number;
  readonly dataType: 'int32' | 'float64';
  readonly byteOrder: 'little' | 'big';
  /** Number of the first experiment folder (10, 11, 12 … as TopSpin users number in situ series). */
  readonly firstExperiment: number;
}

export const DEFAULT_OPERANDO: OperandoOptions = {
  seed: 1,
  spectra: 60,
  protocol: operandoProtocol(),
  cell: {},
  spectrometer: {},
  phase: {},
  lines: {},
  sensitivityPerMAh: 1,
  snr: 1000,
  startMs: Date.UTC(2026, 0, 15, 8, 0, 0),
  dataType: 'int32',
  byteOrder: 'little',
  firstExperiment: 10,
};

/** Everything about one acquisition, as recorded in truth.json. */
export interface SpectrumTruth {
  readonly index: number;
  readonly experimentNumber: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly midMs: number;
  /** Seconds since the protocol start. */
  readonly startS: number;
  readonly endS: number;
  readonly midS: number;
  /** Receiver phase put into the data, degrees (zeroth order, at the carrier). */
  readonly receiverPhaseDeg: number;
  /** Phase correction that restores pure absorption, TopSpin convention (pivot at the first point). */
  readonly phc0Deg: number;
  readonly phc1Deg: number;
  readonly components: readonly Component[];
  /** Sum of the metal component areas. */
  readonly metalArea: number;
  readonly diamagneticArea: number;
  /** ppm of the maximum of the noiseless metal signal (the peak a processing should find). */
  readonly metalPeakPpm: number;
  /** The metal signal by morphology window (dense = pristine + dense, mossy = mossy + dead, dendritic). */
  readonly morphologyTruth: Readonly<Record<MorphologyWindowName, MorphologyWindowTruth>>;
  /** Cell at the mid-time. */
  readonly cell: CellState;
}

/** Acquisition constants of a series, as recorded in truth.json. */
export interface SeriesAcquisition {
  readonly nucleus: string;
  readonly fieldT: number;
  readonly bf1MHz: number;
  readonly sfo1MHz: number;
  readonly o1Hz: number;
  readonly swHz: number;
  readonly complexPoints: number;
  readonly groupDelayPoints: number;
  readonly scans: number;
  readonly dummyScans: number;
  readonly recycleDelayS: number;
  readonly acquisitionTimeS: number;
  readonly durationS: number;
  readonly dataType: 'int32' | 'float64';
  readonly byteOrder: 'little' | 'big';
  /** FID counts per unit of area amplitude (receiver scale). */
  readonly countsPerArea: number;
  /** Noise σ per channel in the stored FID, counts. */
  readonly noiseSigmaCounts: number;
  readonly snr: number;
  readonly receiverGain: number;
  readonly pulseProgram: string;
}

export interface OperandoPlan {
  readonly options: OperandoOptions;
  readonly cell: VirtualCell;
  readonly acquisition: SeriesAcquisition;
  readonly lines: Readonly<Record<ComponentName, LineShape>>;
  readonly phaseSettings: PhaseSettings;
  /** Truth of every spectrum (cheap: no FID yet). */
  readonly spectra: readonly SpectrumTruth[];
}

const DEG = Math.PI / 180;

function positive(field: string, v: number, allowZero = false): void {
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new ParameterError(`must be a finite number ${allowZero ? '≥ 0' : '> 0'}`, { field, found: v });
  }
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

/** Offset from the carrier (Hz) of a line at `shiftPpm`, for SF = BF1. */
export function offsetHz(shiftPpm: number, bf1MHz: number, sfo1MHz: number): number {
  // δ = ((SFO1 − BF1)·10⁶ + Δν)/BF1, the inverse of the ppm axis of a spectrum.
  return shiftPpm * bf1MHz - (sfo1MHz - bf1MHz) * 1e6;
}

/**
 * The ideal (noise-free, unphased, undelayed) FID of a set of Voigt lines, first point halved. Amplitude
 * of each line at t = 0 equals its `area` × `scale`.
 */
export function idealFid(
  components: readonly Component[],
  acq: { swHz: number; complexPoints: number; bf1MHz: number; sfo1MHz: number },
  scale = 1,
): { re: Float64Array; im: Float64Array } {
  const n = acq.complexPoints;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const dt = 1 / acq.swHz;
  for (const c of components) {
    if (c.area === 0) continue;
    const amp = c.area * scale;
    const w = 2 * Math.PI * offsetHz(c.shiftPpm, acq.bf1MHz, acq.sfo1MHz);
    const lorentz = Math.PI * c.lorentzFwhmPpm * acq.bf1MHz;
    const g = Math.PI * c.gaussFwhmPpm * acq.bf1MHz;
    const gauss = (g * g) / (4 * Math.LN2);
    for (let k = 0; k < n; k++) {
      const t = k * dt;
      const env = amp * Math.exp(-lorentz * t - gauss * t * t);
      // Once the envelope is below 1e-13 of the amplitude nothing representable is left to add.
      if (Math.abs(env) < 1e-13 * Math.abs(amp)) break;
      re[k] += env * Math.cos(w * t);
      im[k] += env * Math.sin(w * t);
    }
  }
  re[0] *= 0.5;
  im[0] *= 0.5;
  return { re, im };
}

const plans = new Map<number, FFT>();
function fftPlan(n: number): FFT {
  let p = plans.get(n);
  if (!p) {
    p = new FFT(n);
    plans.set(n, p);
  }
  return p;
}

/**
 * What the receiver does to the ideal FID: zeroth/first-order phase (φ0 + φ1·Δν/SW) and a delay of
 * `groupDelayPoints` (fractional allowed), applied as a phase ramp on the discrete spectrum. Inputs untouched.
 */
export function applyReceiver(
  fid: { re: Float64Array; im: Float64Array },
  groupDelayPoints: number,
  phase0Deg: number,
  phase1Deg = 0,
): { re: Float64Array; im: Float64Array } {
  const n = fid.re.length;
  if (!isPowerOfTwo(n))
    throw new ParameterError('FID length must be a power of two', { field: 'complexPoints', found: n });
  const plan = fftPlan(n);
  const input = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    input[2 * k] = fid.re[k];
    input[2 * k + 1] = fid.im[k];
  }
  const spec = new Float64Array(2 * n);
  plan.transform(spec, input);
  for (let k = 0; k < n; k++) {
    // Signed frequency index: bin k holds Δν = f·SW/N with f in [−N/2, N/2).
    const f = k < n / 2 ? k : k - n;
    const phi = phase0Deg * DEG + phase1Deg * DEG * (f / n) - (2 * Math.PI * f * groupDelayPoints) / n;
    const c = Math.cos(phi);
    const s = Math.sin(phi);
    const a = spec[2 * k];
    const b = spec[2 * k + 1];
    spec[2 * k] = a * c - b * s;
    spec[2 * k + 1] = a * s + b * c;
  }
  const out = new Float64Array(2 * n);
  plan.inverseTransform(out, spec);
  // fft.js's inverse transform already divides by n.
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    re[k] = out[2 * k];
    im[k] = out[2 * k + 1];
  }
  return { re, im };
}

/** Real part of the spectrum of an ideal FID, zero-filled `factor` times, in Bruker order (high ppm first). */
function idealSpectrumReal(fid: { re: Float64Array; im: Float64Array }, factor: number): Float64Array {
  const n = fid.re.length * factor;
  const plan = fftPlan(n);
  const input = new Float64Array(2 * n);
  for (let k = 0; k < fid.re.length; k++) {
    input[2 * k] = fid.re[k];
    input[2 * k + 1] = -fid.im[k]; // conjugate: Bruker's sense of rotation, high ppm at low index
  }
  const out = new Float64Array(2 * n);
  plan.transform(out, input);
  const real = new Float64Array(n);
  const half = n >> 1;
  for (let k = 0; k < n; k++) real[k < half ? k + half : k - half] = out[2 * k];
  return real;
}

/** ppm of point i of an n-point spectrum in Bruker order. */
function ppmAt(i: number, n: number, acq: { swHz: number; bf1MHz: number; sfo1MHz: number }): number {
  return ((acq.sfo1MHz - acq.bf1MHz) * 1e6 + acq.swHz / 2 - (i * acq.swHz) / n) / acq.bf1MHz;
}

/**
 * Position and height of the maximum of the noiseless metal signal within [loPpm, hiPpm]: the spectrum is
 * zero-filled 8× and the maximum refined with a parabola through its neighbours.
 */
function metalPeak(
  components: readonly Component[],
  acq: { swHz: number; complexPoints: number; bf1MHz: number; sfo1MHz: number },
  loPpm = 200,
  hiPpm = 320,
): { ppm: number; height: number } {
  const metal = components.filter((c) => METAL_COMPONENTS.includes(c.name));
  const factor = 8;
  const real = idealSpectrumReal(idealFid(metal, acq), factor);
  const n = real.length;
  let best = -1;
  for (let i = 0; i < n; i++) {
    const p = ppmAt(i, n, acq);
    if (p < loPpm || p > hiPpm) continue;
    if (best < 0 || real[i] > real[best]) best = i;
  }
  if (best <= 0 || best >= n - 1)
    return { ppm: ppmAt(Math.max(best, 0), n, acq), height: real[Math.max(best, 0)] ?? 0 };
  const a = real[best - 1];
  const b = real[best];
  const c = real[best + 1];
  const denom = a - 2 * b + c;
  const delta = denom !== 0 ? (0.5 * (a - c)) / denom : 0;
  // Zero filling interpolates between the original bins without changing their values, so this height is
  // on the scale of the spectrum of the unfilled FID.
  return { ppm: ppmAt(best + delta, n, acq), height: b - 0.25 * (a - c) * delta };
}

function componentsFor(
  state: CellState,
  lines: Readonly<Record<ComponentName, LineShape>>,
  sensitivity: number,
): Component[] {
  const inv = state.inventory;
  const amounts: Record<ComponentName, number> = {
    pristine: inv.pristine,
    dense: inv.dense,
    mossy: inv.mossy,
    dendritic: inv.dendritic,
    dead: inv.dead,
    diamagnetic: inv.electrolyte + inv.sei,
  };
  return COMPONENT_NAMES.map((name) => ({ name, ...lines[name], area: amounts[name] * sensitivity }));
}

function morphologyTruth(
  components: readonly Component[],
  metalPeakPpm: number,
  referencePpm: number = METAL_REFERENCE_PPM,
): Record<MorphologyWindowName, MorphologyWindowTruth> {
  const metal = components.filter((c) => METAL_COMPONENTS.includes(c.name)).reduce((a, c) => a + c.area, 0);
  const entry = (names: readonly ComponentName[]): MorphologyWindowTruth => {
    const parts = components.filter((c) => names.includes(c.name));
    const area = parts.reduce((a, c) => a + c.area, 0);
    const position = area > 0 ? parts.reduce((a, c) => a + c.area * c.shiftPpm, 0) / area : null;
    return {
      components: names,
      area,
      fraction: metal > 0 ? area / metal : 0,
      positionPpm: position,
      referencedPositionPpm: position === null ? null : position + referencePpm - metalPeakPpm,
    };
  };
  return {
    dense: entry(MORPHOLOGY_WINDOW_COMPONENTS.dense),
    mossy: entry(MORPHOLOGY_WINDOW_COMPONENTS.mossy),
    dendritic: entry(MORPHOLOGY_WINDOW_COMPONENTS.dendritic),
  };
}

function receiverPhases(settings: PhaseSettings, seed: number, count: number): number[] {
  const rng: Rng = createRng(deriveSeed(seed, 1_000_003));
  const base = settings.baseDeg ?? rng.between(-180, 180);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const r = createRng(deriveSeed(seed, 2_000_000 + i));
    const phi = settings.independent ? r.between(-180, 180) : base + settings.jitterDeg * r.normal();
    out.push(wrap180(phi));
  }
  return out;
}

function wrap180(deg: number): number {
  const w = ((((deg + 180) % 360) + 360) % 360) - 180;
  return w;
}

/**
 * Plans an operando series: the cell, the acquisition parameters, the timing of every spectrum and its
 * truth (no FID is computed). Throws ParameterError for options that cannot describe a series.
 */
export function planOperando(options: Partial<OperandoOptions> = {}): OperandoPlan {
  const o: OperandoOptions = { ...DEFAULT_OPERANDO, ...options };
  const sp: SpectrometerSettings = { ...DEFAULT_SPECTROMETER, ...o.spectrometer };
  const ph: PhaseSettings = { ...DEFAULT_PHASE, ...o.phase };
  const lines = { ...DEFAULT_LINES, ...o.lines };
  if (!Number.isInteger(o.spectra) || o.spectra < 1 || o.spectra > 100_000) {
    throw new ParameterError('number of spectra must be an integer from 1 to 100000', {
      field: 'spectra',
      found: o.spectra,
    });
  }
  if (!Number.isFinite(o.seed))
    throw new ParameterError('seed must be a finite number', { field: 'seed', found: o.seed });
  if (!isPowerOfTwo(sp.complexPoints) || sp.complexPoints < 64) {
    throw new ParameterError('complex points must be a power of two ≥ 64', {
      field: 'complexPoints',
      found: sp.complexPoints,
    });
  }
  positive('swHz', sp.swHz);
  positive('fieldT', sp.fieldT);
  positive('snr', o.snr);
  positive('sensitivityPerMAh', o.sensitivityPerMAh);
  positive('recycleDelayS', sp.recycleDelayS, true);
  positive('overheadS', sp.overheadS, true);
  positive('groupDelayPoints', sp.groupDelayPoints);
  positive('phase.jitterDeg', ph.jitterDeg, true);
  if (!Number.isInteger(sp.dummyScans) || sp.dummyScans < 0) {
    throw new ParameterError('dummy scans must be an integer ≥ 0', {
      field: 'dummyScans',
      found: sp.dummyScans,
    });
  }
  if (!Number.isFinite(o.startMs))
    throw new ParameterError('start time must be epoch ms', { field: 'startMs', found: o.startMs });
  for (const name of COMPONENT_NAMES) {
    const l = lines[name];
    if (!Number.isFinite(l.shiftPpm))
      throw new ParameterError('line position must be finite', {
        field: `lines.${name}.shiftPpm`,
        found: l.shiftPpm,
      });
    positive(`lines.${name}.lorentzFwhmPpm`, l.lorentzFwhmPpm, true);
    positive(`lines.${name}.gaussFwhmPpm`, l.gaussFwhmPpm, true);
  }

  const cell = createCell(o.protocol, o.cell);
  const nucleus = getNucleus(sp.nucleus);
  const bf1MHz = (nucleus.xiPercent / 100) * larmorFromFieldMHz(getNucleus('1H'), sp.fieldT);
  const o1Hz = sp.carrierPpm * bf1MHz;
  const sfo1MHz = bf1MHz + o1Hz / 1e6;
  const acquisitionTimeS = sp.complexPoints / sp.swHz;
  const spacingS = cell.durationS / o.spectra;
  const perScanS = sp.recycleDelayS + acquisitionTimeS;
  const room = spacingS - sp.overheadS;
  let scans: number;
  if (sp.scans === 'auto') {
    scans = 1;
    while ((sp.dummyScans + 2 * scans) * perScanS <= room && scans < 1024) scans *= 2;
  } else {
    scans = sp.scans;
    if (!Number.isInteger(scans) || scans < 1)
      throw new ParameterError('scans must be an integer ≥ 1', { field: 'scans', found: scans });
  }
  const durationS = (sp.dummyScans + scans) * perScanS;
  if (durationS > room) {
    throw new ParameterError('acquisitions do not fit between spectra', {
      field: 'spectra',
      found: `${o.spectra} spectra of ${durationS.toFixed(1)} s + ${sp.overheadS} s overhead`,
      expected: `at most ${spacingS.toFixed(1)} s each over ${cell.durationS} s (fewer spectra, scans or a shorter D1)`,
    });
  }

  const acqBase = { swHz: sp.swHz, complexPoints: sp.complexPoints, bf1MHz, sfo1MHz };
  // Where the metal's Knight-shifted lines lie (the window processing searches, src/pipeline/processing.ts).
  const [metalLoPpm, metalHiPpm] = nucleus.label === '23Na' ? [1080, 1200] : [200, 320];
  // The shift internal referencing gives the tallest metal peak: 245 ppm for Li, the electrode's line otherwise.
  const referencePpm = nucleus.label === '23Na' ? lines.pristine.shiftPpm : METAL_REFERENCE_PPM;
  const phases = receiverPhases(ph, o.seed, o.spectra);
  const spectra: SpectrumTruth[] = [];
  for (let i = 0; i < o.spectra; i++) {
    // Acquisition i starts after the overhead that follows slot i's beginning; whole milliseconds as in audita.
    const startS = Math.round((i * spacingS + sp.overheadS) * 1000) / 1000;
    const endS = startS + Math.round(durationS * 1000) / 1000;
    const midS = 0.5 * (startS + endS);
    const state = cell.state(Math.min(midS, cell.durationS));
    const components = componentsFor(state, lines, o.sensitivityPerMAh);
    const peak = metalPeak(components, acqBase, metalLoPpm, metalHiPpm);
    const phi0 = phases[i];
    spectra.push({
      index: i,
      experimentNumber: o.firstExperiment + i,
      startMs: o.startMs + Math.round(startS * 1000),
      endMs: o.startMs + Math.round(endS * 1000),
      midMs: o.startMs + midS * 1000,
      startS,
      endS,
      midS,
      receiverPhaseDeg: phi0,
      // Stored data carry e^{i(φ0 + φ1·Δν/SW)}; after the conjugating FFT the spectrum carries the opposite,
      // and point i sits at Δν/SW = 1/2 − i/SI, so PH0 = φ0 + φ1/2 and PH1 = −φ1 undo it. TopSpin removes
      // the group delay g as a phase ramp 2π·g·i/SI starting at the first point rather than at the carrier,
      // which adds 180°·g to the zeroth order; PHC0 compensates it.
      phc0Deg: wrap180(phi0 + ph.firstOrderDeg / 2 - 180 * sp.groupDelayPoints),
      phc1Deg: -ph.firstOrderDeg,
      components,
      metalArea: components.filter((c) => METAL_COMPONENTS.includes(c.name)).reduce((a, c) => a + c.area, 0),
      diamagneticArea: components.find((c) => c.name === 'diamagnetic')?.area ?? 0,
      metalPeakPpm: peak.ppm,
      morphologyTruth: morphologyTruth(components, peak.ppm, referencePpm),
      cell: state,
    });
  }

  // Receiver scale: the largest total amplitude of the series maps to 2^28 counts, 8× below int32 overflow,
  // leaving room for the filter's overshoot and noise, as a well-set receiver gain does.
  const maxAmplitude = Math.max(
    ...spectra.map((s) => s.components.reduce((a, c) => a + Math.abs(c.area), 0)),
  );
  const countsPerArea = maxAmplitude > 0 ? 2 ** 28 / maxAmplitude : 1;
  // Noise: the first spectrum's tallest metal peak over the spectrum's rms noise is `snr`. An unnormalised
  // DFT of N points turns time-domain σ into σ·√N per channel.
  const firstPeak = metalPeak(spectra[0].components, acqBase, metalLoPpm, metalHiPpm).height * countsPerArea;
  const noiseSigmaCounts = firstPeak / (o.snr * Math.sqrt(sp.complexPoints));

  return {
    options: o,
    cell,
    lines,
    phaseSettings: ph,
    spectra,
    acquisition: {
      nucleus: nucleus.label,
      fieldT: sp.fieldT,
      bf1MHz,
      sfo1MHz,
      o1Hz,
      swHz: sp.swHz,
      complexPoints: sp.complexPoints,
      groupDelayPoints: sp.groupDelayPoints,
      scans,
      dummyScans: sp.dummyScans,
      recycleDelayS: sp.recycleDelayS,
      acquisitionTimeS,
      durationS,
      dataType: o.dataType,
      byteOrder: o.byteOrder,
      countsPerArea,
      noiseSigmaCounts,
      snr: o.snr,
      receiverGain: sp.receiverGain,
      pulseProgram: sp.pulseProgram,
    },
  };
}

/** One simulated spectrum: the stored FID (counts) with the metadata a reader would produce. */
export interface SimulatedSpectrum {
  readonly truth: SpectrumTruth;
  readonly re: Float64Array;
  readonly im: Float64Array;
  readonly meta: AcquisitionMeta;
}

/**
 * The stored FID (receiver counts) of an acquisition of `components` with the plan's acquisition constants:
 * receiver phase and group delay, white noise from `seed`, int32 rounding where the plan stores int32.
 */
function recordFid(
  plan: OperandoPlan,
  components: readonly Component[],
  receiverPhaseDeg: number,
  seed: number,
): { re: Float64Array; im: Float64Array } {
  const a = plan.acquisition;
  const ideal = idealFid(components, a, a.countsPerArea);
  const recorded = applyReceiver(
    ideal,
    a.groupDelayPoints,
    receiverPhaseDeg,
    plan.phaseSettings.firstOrderDeg,
  );
  const rng = createRng(seed);
  for (let k = 0; k < recorded.re.length; k++) {
    recorded.re[k] += a.noiseSigmaCounts * rng.normal();
    recorded.im[k] += a.noiseSigmaCounts * rng.normal();
  }
  if (a.dataType === 'int32') {
    // What the receiver stores; rounding here keeps the in-memory FID identical to the file content.
    for (let k = 0; k < recorded.re.length; k++) {
      recorded.re[k] = Math.round(recorded.re[k]);
      recorded.im[k] = Math.round(recorded.im[k]);
    }
  }
  return recorded;
}

/**
 * An acquisition outside the plan's own schedule (the virtual spectrometer acquires when the runner asks):
 * the cell `state` at the acquisition's mid-time, the probe's `signalFactor` (a detuned probe delivers and
 * receives less, see sim/probe.ts) scaling every line, noise from `seed`. Returns the FID and its components.
 */
export function acquireState(
  plan: OperandoPlan,
  state: CellState,
  options: { seed: number; receiverPhaseDeg: number; signalFactor: number },
): { re: Float64Array; im: Float64Array; components: Component[] } {
  const components = componentsFor(state, plan.lines, plan.options.sensitivityPerMAh).map((c) => ({
    ...c,
    area: c.area * options.signalFactor,
  }));
  const fid = recordFid(plan, components, options.receiverPhaseDeg, options.seed);
  return { ...fid, components };
}

/** Computes the stored FID of spectrum `index` of a plan (deterministic from the plan's seed). */
export function simulateSpectrum(plan: OperandoPlan, index: number): SimulatedSpectrum {
  const truth = plan.spectra[index];
  if (!truth)
    throw new ParameterError('no such spectrum in the plan', {
      field: 'index',
      found: index,
      expected: `0…${plan.spectra.length - 1}`,
    });
  const recorded = recordFid(
    plan,
    truth.components,
    truth.receiverPhaseDeg,
    deriveSeed(plan.options.seed, index),
  );
  const a = plan.acquisition;
  const meta: AcquisitionMeta = {
    source: `simulated spectrum ${index}`,
    experimentNumber: truth.experimentNumber,
    nucleus: a.nucleus,
    sfo1MHz: a.sfo1MHz,
    bf1MHz: a.bf1MHz,
    o1Hz: a.o1Hz,
    swHz: a.swHz,
    complexPoints: a.complexPoints,
    groupDelayPoints: a.groupDelayPoints,
    scans: a.scans,
    dummyScans: a.dummyScans,
    recycleDelayS: a.recycleDelayS,
    acquisitionTimeS: a.acquisitionTimeS,
    receiverGain: a.receiverGain,
    pulseProgram: a.pulseProgram,
    startMs: truth.startMs,
    endMs: truth.endMs,
  };
  return { truth, re: recorded.re, im: recorded.im, meta };
}
