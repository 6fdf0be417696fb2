/**
 * Cyclic voltammetry of one particle: per sweep the peak potential and current, the scan rate and the
 * charge; per cycle the anodic and cathodic charge; the irreversible first-cycle charge (SEI formation
 * on a fresh particle: cathodic minus anodic charge of cycle 1, and its excess over the later cycles'
 * imbalance); and, over files recorded at several scan rates, a diffusion coefficient from the
 * Randles–Ševčík relation for a reversible (Nernstian) surface and semi-infinite diffusion,
 *
 *     i_p = 0.4463 · n^{3/2} F A C √(F v D / (R T))     (A. J. Bard, L. R. Faulkner, "Electrochemical
 *     Methods", 2nd ed., Wiley 2001, eq. 6.2.19),
 *
 * with A = 4πR² the particle surface and C the guest concentration swept (for an insertion electrode
 * with a lattice-gas open-circuit curve the guest and its vacancies play reduced and oxidised form).
 * Its assumptions are checked where the data allow: the diffusion length √(D RT/(F v)) must be small
 * against R (semi-infinite); a peak separation growing with scan rate flags finite kinetics, which lower
 * the peaks (down to 0.4958√α/0.4463 ≈ 0.79 of the reversible value for α = ½, D then ≈ 0.62× too
 * small; Bard & Faulkner eq. 6.3.8). Peak currents are read from zero current; only the first sweep of
 * each file is used for Randles–Ševčík (the one that starts from a uniform particle).
 */
import { FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K } from '../core/constants.js';
import { DataError } from '../core/errors.js';
import { analyseCycles } from '../echem/cycles.js';
import type { CyclerSeries } from '../echem/series.js';
import { segmentSteps } from '../echem/steps.js';
import { fitLine, type AssumptionCheck, type ParticleGeometry } from './geometry.js';

export interface CvSweep {
  readonly sweep: number;
  readonly cycle: number;
  readonly direction: 'anodic' | 'cathodic';
  readonly scanRateVPerS: number;
  readonly peakPotentialV: number;
  readonly peakCurrentNA: number;
  readonly anodicChargeNAh: number;
  readonly cathodicChargeNAh: number;
}

export interface CvCycle {
  readonly cycle: number;
  readonly anodicChargeNAh: number;
  readonly cathodicChargeNAh: number;
  /** Anodic − cathodic peak potential (null without both peaks), V. */
  readonly peakSeparationV: number | null;
}

export interface CvFile {
  readonly file: string;
  readonly scanRateVPerS: number;
  readonly sweeps: CvSweep[];
  readonly cycles: CvCycle[];
  /** Cycle 1 cathodic − anodic charge (lithiation-first records), nAh; null with fewer than one full cycle. */
  readonly irreversibleFirstCycleNAh: number | null;
  /** The same less the mean imbalance of the later cycles, nAh (null without a second cycle). */
  readonly irreversibleExcessNAh: number | null;
}

export interface RandlesSevcik {
  readonly direction: 'anodic' | 'cathodic';
  readonly concentrationMolPerM3: number;
  readonly concentrationSource: string;
  readonly n: number;
  readonly temperatureK: number;
  /** Files used (those passing the semi-infinite check) and excluded. */
  readonly used: {
    file: string;
    scanRateVPerS: number;
    peakCurrentNA: number;
    diffusionLengthOverR: number;
  }[];
  readonly excluded: { file: string; scanRateVPerS: number; reason: string }[];
  /** Slope of |i_p| against √v, A (V/s)^-½ (with an intercept from three rates on). */
  readonly slope: number | null;
  /** Intercept of the line, nA (negative for the sphere's converging diffusion). */
  readonly interceptNA: number | null;
  /** −intercept / (nFACD/R): ≈ 0.75 for a sphere with a reversible surface. */
  readonly geometryFactor: number | null;
  /** D from a line through the origin (the planar formula applied as is), for comparison. */
  readonly diffusionThroughOriginM2PerS: number | null;
  readonly r2: number | null;
  readonly diffusionM2PerS: number | null;
  readonly diffusionCm2PerS: number | null;
  readonly checks: AssumptionCheck[];
}

export interface CvResult {
  readonly files: CvFile[];
  readonly randlesSevcik: RandlesSevcik | null;
  readonly assumptions: string[];
}

export interface CvOptions {
  /** Guest concentration swept, mol m⁻³ (default: the largest sweep charge / (F·V)). */
  readonly concentrationMolPerM3?: number;
  /** Capacity of the particle, nAh (sets the concentration as Q/(F·V)). */
  readonly capacityNAh?: number;
  readonly n?: number;
  readonly temperatureK?: number;
  /** Largest diffusion length / R accepted as semi-infinite (default 0.2). */
  readonly maxDiffusionLength?: number;
}

const SWEEPS = new Set(['CV', 'CVA', 'LSV']);

/** Peak of a sweep: the extreme current in the sweep's direction, refined by a parabola through its neighbours. */
function peakOf(series: CyclerSeries, a: number, b: number, sign: number): { e: number; i: number } {
  const cur = series.currentMA;
  const v = series.voltageV;
  let k = a;
  for (let j = a; j <= b; j++) if (sign * cur[j] > sign * cur[k]) k = j;
  if (k > a && k < b) {
    const y0 = cur[k - 1];
    const y1 = cur[k];
    const y2 = cur[k + 1];
    const den = y0 - 2 * y1 + y2;
    if (den !== 0) {
      const d = Math.max(-1, Math.min(1, (0.5 * (y0 - y2)) / den));
      const i = y1 - 0.25 * (y0 - y2) * d;
      const e = d >= 0 ? v[k] + d * (v[k + 1] - v[k]) : v[k] + d * (v[k] - v[k - 1]);
      return { e, i };
    }
  }
  return { e: v[k], i: cur[k] };
}

/** Analyses one CV record (a record without a technique, e.g. a CSV table, is taken as a CV). */
export function analyseCvFile(series: CyclerSeries): CvFile {
  const technique = series.technique ?? null;
  if (technique !== null && !SWEEPS.has(technique.toUpperCase()))
    throw new DataError('not a potential-sweep record', {
      file: series.source,
      field: 'technique',
      found: technique,
      expected: 'CV, CVA or LSV (or a table without a technique)',
    });
  const steps = segmentSteps({ ...series, technique: 'CV' });
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of series.voltageV) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  if (!(hi - lo >= 0.01))
    throw new DataError('no potential sweep in the record', {
      file: series.source,
      field: 'voltage_V',
      found: `a potential range of ${Number.isFinite(hi - lo) ? ((hi - lo) * 1e3).toPrecision(3) : 0} mV`,
      expected: 'a cyclic voltammogram sweeping at least 10 mV',
    });
  if (steps.length < 1 || steps.every((s) => s.sweep === null))
    throw new DataError('no potential sweep in the record', {
      file: series.source,
      field: 'voltage_V',
      expected: 'a cyclic voltammogram (potential swept back and forth)',
    });
  const cycles = analyseCycles(steps);
  const cycleOf = new Map<number, number>();
  for (const c of cycles) for (let k = c.firstStep; k <= c.lastStep; k++) cycleOf.set(k, c.number);
  const p =
    series.controlV && series.controlV.some((x) => x !== series.controlV![0])
      ? series.controlV
      : series.voltageV;
  const sweeps: CvSweep[] = steps.map((s, k) => {
    const fit = fitLine(
      series.timeS.subarray(s.startRow, s.endRow + 1),
      p.subarray(s.startRow, s.endRow + 1),
    );
    const sign = s.sweep === 'anodic' ? 1 : -1;
    const pk = peakOf(series, s.startRow, s.endRow, sign);
    return {
      sweep: k + 1,
      cycle: cycleOf.get(k) ?? 0,
      direction: s.sweep ?? 'anodic',
      scanRateVPerS: Math.abs(fit.slope),
      peakPotentialV: pk.e,
      peakCurrentNA: pk.i * 1e6,
      anodicChargeNAh: s.anodicChargeMAh * 1e6,
      cathodicChargeNAh: s.cathodicChargeMAh * 1e6,
    };
  });
  const cvCycles: CvCycle[] = cycles
    .filter((c) => c.number > 0)
    .map((c) => {
      const own = sweeps.filter((s) => s.cycle === c.number);
      const an = own.find((s) => s.direction === 'anodic');
      const ca = own.find((s) => s.direction === 'cathodic');
      return {
        cycle: c.number,
        anodicChargeNAh: c.chargeMAh * 1e6,
        cathodicChargeNAh: c.dischargeMAh * 1e6,
        peakSeparationV: an && ca ? an.peakPotentialV - ca.peakPotentialV : null,
      };
    });
  const rates = sweeps.map((s) => s.scanRateVPerS).sort((a, b) => a - b);
  const complete = cvCycles.filter((c) => c.anodicChargeNAh > 0 && c.cathodicChargeNAh > 0);
  const first = complete[0];
  const later = complete.slice(1);
  const irr = first ? first.cathodicChargeNAh - first.anodicChargeNAh : null;
  const excess =
    irr !== null && later.length > 0
      ? irr - later.reduce((a, c) => a + (c.cathodicChargeNAh - c.anodicChargeNAh), 0) / later.length
      : null;
  return {
    file: series.source,
    scanRateVPerS: rates[Math.floor(rates.length / 2)],
    sweeps,
    cycles: cvCycles,
    irreversibleFirstCycleNAh: irr,
    irreversibleExcessNAh: excess,
  };
}

export function analyseCv(
  seriesList: readonly CyclerSeries[],
  geometry: ParticleGeometry,
  options: CvOptions = {},
): CvResult {
  const files = seriesList.map(analyseCvFile);
  const n = options.n ?? 1;
  const T = options.temperatureK ?? 298.15;
  const f = FARADAY_C_PER_MOL / (GAS_CONSTANT_J_PER_MOL_K * T);
  const maxDl = options.maxDiffusionLength ?? 0.2;
  let conc: number;
  let concSource: string;
  if (options.concentrationMolPerM3 !== undefined) {
    conc = options.concentrationMolPerM3;
    concSource = `given, ${conc} mol m⁻³`;
  } else if (options.capacityNAh !== undefined) {
    conc = (options.capacityNAh * 3.6e-6) / (FARADAY_C_PER_MOL * geometry.volumeM3);
    concSource = `capacity ${options.capacityNAh} nAh / (F·V)`;
  } else {
    // The slowest sweep converts the particle most completely: its charge (the side reaction of a first
    // cathodic sweep excluded by taking the larger of the later sweeps) bounds the swept concentration.
    let q = 0;
    for (const file of files)
      for (const s of file.sweeps.slice(1))
        q = Math.max(q, s.direction === 'anodic' ? s.anodicChargeNAh : s.cathodicChargeNAh);
    conc = (q * 3.6e-6) / (FARADAY_C_PER_MOL * geometry.volumeM3);
    concSource = `largest sweep charge after the first, ${q.toPrecision(4)} nAh, / (F·V) (a lower bound when no sweep converts the whole particle; D then comes out too high)`;
  }
  const area = geometry.surfaceAreaM2;
  const direction = files[0]?.sweeps[0]?.direction ?? 'cathodic';
  let rs: RandlesSevcik | null = null;
  if (files.length >= 2 && conc > 0) {
    const points = files
      .map((file) => ({
        file: file.file,
        v: file.sweeps[0].scanRateVPerS,
        ip: Math.abs(file.sweeps[0].peakCurrentNA) * 1e-9,
        dir: file.sweeps[0].direction,
      }))
      .filter((x) => x.v > 0 && x.ip > 0);
    const excluded: RandlesSevcik['excluded'] = [];
    for (const x of points)
      if (x.dir !== direction)
        excluded.push({ file: x.file, scanRateVPerS: x.v, reason: `first sweep ${x.dir}, not ${direction}` });
    let use = points.filter((x) => x.dir === direction);
    const k = 0.4463 * n ** 1.5 * FARADAY_C_PER_MOL * area * conc * Math.sqrt(f);
    let d: number | null = null;
    let dOrigin: number | null = null;
    let intercept: number | null = null;
    let slope: number | null = null;
    let r2: number | null = null;
    // i_p = b√v + c: the sphere's inward (converging) diffusion lowers every peak by a term that does
    // not depend on v (≈ 0.75 nFACD/R, the interior counterpart of the spherical-electrode term of
    // Bard & Faulkner §6.2.4), so the slope against √v carries D and the intercept absorbs the geometry.
    const fitD = (pts: typeof use) => {
      const line = fitLine(
        pts.map((x) => Math.sqrt(x.v)),
        pts.map((x) => x.ip),
      );
      let sxy = 0;
      let sxx = 0;
      for (const x of pts) {
        sxy += Math.sqrt(x.v) * x.ip;
        sxx += x.v;
      }
      const origin = sxy / sxx;
      const b = pts.length >= 3 ? line.slope : origin;
      return {
        b,
        c: pts.length >= 3 ? line.intercept : 0,
        d: (b / k) ** 2,
        dOrigin: (origin / k) ** 2,
        r2: line.r2,
      };
    };
    const dl = (dd: number, v: number) => Math.sqrt(dd / (f * v)) / geometry.radiusM;
    for (let it = 0; it < 10 && use.length >= 2; it++) {
      const r = fitD(use);
      const keep = use.filter((x) => dl(r.d, x.v) <= maxDl);
      slope = r.b;
      d = r.d;
      dOrigin = r.dOrigin;
      intercept = r.c;
      r2 = r.r2;
      if (keep.length === use.length) break;
      if (keep.length < 2) break;
      for (const x of use)
        if (!keep.includes(x))
          excluded.push({
            file: x.file,
            scanRateVPerS: x.v,
            reason: `diffusion length ${dl(r.d, x.v).toFixed(2)}·R > ${maxDl}·R`,
          });
      use = keep;
    }
    const seps = files
      .map((file) => ({
        v: file.scanRateVPerS,
        sep:
          file.cycles.find((c) => c.cycle >= 2)?.peakSeparationV ?? file.cycles[0]?.peakSeparationV ?? null,
      }))
      .filter(
        (x): x is { v: number; sep: number } =>
          x.sep !== null && use.some((u) => Math.abs(u.v - x.v) <= 1e-9 + 1e-3 * x.v),
      )
      .sort((a, b) => a.v - b.v);
    const growth = seps.length >= 2 ? seps[seps.length - 1].sep / seps[0].sep : null;
    const worstDl = d === null ? null : Math.max(...use.map((x) => dl(d as number, x.v)));
    rs = {
      direction,
      concentrationMolPerM3: conc,
      concentrationSource: concSource,
      n,
      temperatureK: T,
      used: use.map((x) => ({
        file: x.file,
        scanRateVPerS: x.v,
        peakCurrentNA: x.ip * 1e9,
        diffusionLengthOverR: d === null ? NaN : dl(d, x.v),
      })),
      excluded,
      slope,
      interceptNA: intercept === null ? null : intercept * 1e9,
      geometryFactor:
        intercept === null || d === null
          ? null
          : -intercept / (n * FARADAY_C_PER_MOL * area * conc * (d / geometry.radiusM)),
      diffusionThroughOriginM2PerS: dOrigin,
      r2,
      diffusionM2PerS: d,
      diffusionCm2PerS: d === null ? null : d * 1e4,
      checks: [
        {
          name: 'semi-infinite: √(D RT/(F v))/R at the slowest rate used',
          value: worstDl,
          limit: `≤ ${maxDl}`,
          ok: worstDl !== null && worstDl <= maxDl,
        },
        { name: 'scan rates used', value: use.length, limit: '≥ 2', ok: use.length >= 2 },
        { name: 'i_p linear in √v (R²)', value: r2, limit: '≥ 0.98', ok: r2 !== null && r2 >= 0.98 },
        {
          name: 'reversible: peak separation fastest/slowest rate used',
          value: growth,
          limit: '≤ 1.3 (growing separation: finite kinetics, peaks lower, D too small)',
          ok: growth !== null && growth <= 1.3,
        },
      ],
    };
  }
  return {
    files,
    randlesSevcik: rs,
    assumptions: [
      'sweeps cut where the programmed potential (control/V, else Ewe) reverses; cycles by the cycle number column, else two sweeps per cycle',
      'peak current = extreme current of the sweep, from zero current (no baseline), refined by a parabola through its neighbours',
      "irreversible first-cycle charge = cycle 1 cathodic − anodic charge; its excess over the later cycles' mean imbalance is the side-reaction (SEI) charge when the particle returns to its start each cycle",
      `Randles–Ševčík (Bard & Faulkner 2001, eq. 6.2.19): i_p = 0.4463 n^{3/2} F A C √(F v D/(RT)), n = ${n}, T = ${T} K, A = 4πR² = ${(area * 1e12).toPrecision(4)} µm²`,
      "i_p = b√v + c fitted from three scan rates on (two: through the origin): the sphere's converging diffusion lowers each peak by ≈ 0.75·nFACD/R whatever v, so D comes from the slope b; D through the origin is printed beside it",
      "only the first sweep of each file (from a uniform particle in equilibrium) enters Randles–Ševčík; the scan rate is the sweep's fitted dE/dt",
      `semi-infinite diffusion: scan rates whose diffusion length exceeds ${maxDl}·R are left out (iterated on the D found)`,
      'reversible (Nernstian) surface, no double-layer charging, no ohmic drop: finite kinetics lower i_p (down to 0.79× for α = ½) and so D (down to 0.62×)',
    ],
  };
}
