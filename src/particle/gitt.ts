/**
 * GITT on one spherical particle: the chemical diffusion coefficient from each current pulse by the
 * short-time solution of Weppner and Huggins (W. Weppner, R. A. Huggins, "Determination of the kinetic
 * parameters of mixed-conducting electrodes and application to the system Li₃Sb", J. Electrochem. Soc.
 * 124, 1569–1578 (1977)), written for a particle of volume V and surface S:
 *
 *     D = (4/π) · (V/S)² · [ (dE_s/dτ) / (dE_t/d√t) ]²,   valid for t ≪ R²/D,
 *
 * dE_s/dτ = ΔE_s/τ the change of the relaxed (steady-state) potential per second of pulse, dE_t/d√t the
 * slope of the potential against √t during the pulse. For a sphere V/S = R/3. The current cancels. It
 * rests on: semi-infinite diffusion during the pulse (t ≪ R²/D, checked with the D found), a linear
 * open-circuit curve over one pulse (ΔE_s small), potential relaxed at the end of every rest (checked:
 * the drift over the last tenth of the rest), constant D and molar volume over one pulse, and no side
 * reaction (all charge goes into the particle). Kinetic and ohmic drops are constant during a pulse and
 * leave the √t slope unchanged (they sit in the intercept).
 */
import { DataError } from '../core/errors.js';
import type { CyclerSeries } from '../echem/series.js';
import { segmentSteps, type Step } from '../echem/steps.js';
import { fitLine, type AssumptionCheck, type ParticleGeometry } from './geometry.js';

export interface GittPulse {
  readonly pulse: number;
  readonly instrumentStep: number | null;
  readonly startS: number;
  readonly durationS: number;
  readonly currentNA: number;
  readonly chargeNAh: number;
  readonly relaxedBeforeV: number;
  readonly relaxedAfterV: number;
  readonly deltaEsV: number;
  /** Potential change during the pulse, last row − first row, V. */
  readonly deltaEtV: number;
  /** Slope of E against √t with the sphere's t and t^{3/2} terms removed, V s^-½. */
  readonly slopeVPerSqrtS: number;
  readonly sqrtFitR2: number;
  /** Plain Weppner–Huggins (planar semi-infinite) slope and D, for comparison. */
  readonly planarSlopeVPerSqrtS: number;
  readonly planarDiffusionM2PerS: number;
  /** D with the sphere's short-time terms (the result). */
  readonly diffusionM2PerS: number;
  readonly diffusionCm2PerS: number;
  /** τ·D/R² with the D found: must be ≪ 1. */
  readonly pulseDimensionless: number;
  /** |drift of the relaxed potential over the last tenth of the rest after the pulse| / |ΔE_s|. */
  readonly relaxationDrift: number;
  /** ε = |E''/E'|·|ΔQ|·2(V/S)/√(πDτ): the expected relative error of D from the bending titration curve. */
  readonly curvatureError: number | null;
  readonly checks: AssumptionCheck[];
  readonly valid: boolean;
}

export interface GittResult {
  readonly pulses: GittPulse[];
  /** Median over valid pulses (null when none is valid). */
  readonly medianDiffusionM2PerS: number | null;
  readonly assumptions: string[];
}

export interface GittOptions {
  /** Largest τD/R² accepted as "short time" (default 0.05). */
  readonly maxDimensionless?: number;
  /** Largest relaxation drift over the last tenth of a rest relative to |ΔE_s| (default 0.05). */
  readonly maxDrift?: number;
  /** Largest ε from the bending titration curve (default 0.03; D errs by about 2–3 ε). */
  readonly maxCurvature?: number;
}

/** Least-squares parabola y = c0 + c1 x + c2 x²: [c0, c1, c2]. */
function quadratic(x: readonly number[], y: readonly number[]): [number, number, number] {
  const m = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const v = [0, 0, 0];
  for (let i = 0; i < x.length; i++) {
    const p = [1, x[i], x[i] * x[i]];
    for (let r = 0; r < 3; r++) {
      v[r] += p[r] * y[i];
      for (let c = 0; c < 3; c++) m[r][c] += p[r] * p[c];
    }
  }
  // Gaussian elimination with partial pivoting (3×3).
  for (let c = 0; c < 3; c++) {
    let piv = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    [v[c], v[piv]] = [v[piv], v[c]];
    for (let r = c + 1; r < 3; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k < 3; k++) m[r][k] -= f * m[c][k];
      v[r] -= f * v[c];
    }
  }
  const out = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let acc = v[r];
    for (let k = r + 1; k < 3; k++) acc -= m[r][k] * out[k];
    out[r] = acc / m[r][r];
  }
  return [out[0], out[1], out[2]];
}

/** Potential at the end of a rest from a line through its last tenth (at least 3 rows): value, drift over that tenth. */
function relaxedEnd(series: CyclerSeries, step: Step): { v: number; driftV: number } {
  const { timeS: t, voltageV: v } = series;
  const rows = step.endRow - step.startRow + 1;
  const k = Math.max(3, Math.floor(rows / 10));
  const a = Math.max(step.startRow, step.endRow - k + 1);
  if (step.endRow - a < 2) return { v: v[step.endRow], driftV: NaN };
  const fit = fitLine(t.subarray(a, step.endRow + 1), v.subarray(a, step.endRow + 1));
  return { v: fit.intercept + fit.slope * t[step.endRow], driftV: fit.slope * (t[step.endRow] - t[a]) };
}

export function analyseGitt(
  series: CyclerSeries,
  geometry: ParticleGeometry,
  options: GittOptions = {},
): GittResult {
  const maxTau = options.maxDimensionless ?? 0.05;
  const maxDrift = options.maxDrift ?? 0.05;
  const maxCurvLabel = options.maxCurvature ?? 0.03;
  const steps = segmentSteps(series);
  const vs = geometry.volumeM3 / geometry.surfaceAreaM2;
  const pulses: GittPulse[] = [];
  for (let k = 1; k < steps.length - 1; k++) {
    const s = steps[k];
    const before = steps[k - 1];
    const after = steps[k + 1];
    if (s.type !== 'cc' || s.direction === 'none' || before.type !== 'rest' || after.type !== 'rest')
      continue;
    const t = series.timeS;
    const x: number[] = [];
    const y: number[] = [];
    for (let i = s.startRow; i <= s.endRow; i++) {
      const dt = t[i] - t[s.startRow];
      if (dt > 0) {
        x.push(Math.sqrt(dt));
        y.push(series.voltageV[i]);
      }
    }
    if (x.length < 3) continue;
    const fit = fitLine(x, y);
    const e0 = relaxedEnd(series, before);
    const e1 = relaxedEnd(series, after);
    const deltaEs = e1.v - e0.v;
    const tau = s.durationS;
    const planar = (4 / Math.PI) * vs * vs * (deltaEs / tau / fit.slope) ** 2;
    // Sphere: the surface concentration runs ahead of the planar √t law (inward diffusion converges):
    // Δc_s = (j/D)[2√(Dt/π) + Dt/R + (4/(3√π)) D^{3/2} t^{3/2}/R² + …] (short-time expansion of the
    // Laplace-domain solution). With g = U'·j = ΔE_s (V/S)/τ the t and t^{3/2} terms are known up to D;
    // they are removed before the √t fit, iterating on D.
    const g = (deltaEs * vs) / tau;
    const R = geometry.radiusM;
    let d = planar;
    let sphereFit = fit;
    for (let it = 0; it < 20; it++) {
      const c3 = (((g * 4) / (3 * Math.sqrt(Math.PI))) * Math.sqrt(d)) / (R * R);
      const yc = y.map((e, i) => e - (g / R) * x[i] * x[i] - c3 * x[i] ** 3);
      sphereFit = fitLine(x, yc);
      const next = (4 / Math.PI) * vs * vs * (deltaEs / tau / sphereFit.slope) ** 2;
      const done = Math.abs(next - d) <= 1e-10 * d;
      d = next;
      if (done) break;
    }
    const dimensionless = (tau * d) / geometry.radiusM ** 2;
    const drift = Math.abs(e1.driftV) / Math.abs(deltaEs);
    const sameSign = Math.sign(deltaEs) === Math.sign(sphereFit.slope);
    const checks: AssumptionCheck[] = [
      { name: 'short pulse τD/R²', value: dimensionless, limit: `≤ ${maxTau}`, ok: dimensionless <= maxTau },
      {
        name: 'relaxed: drift/|ΔE_s| over the last tenth of the rest',
        value: drift,
        limit: `≤ ${maxDrift}`,
        ok: drift <= maxDrift,
      },
      {
        name: 'E linear in √t after the sphere terms (R²)',
        value: sphereFit.r2,
        limit: '≥ 0.99',
        ok: sphereFit.r2 >= 0.99,
      },
      { name: 'ΔE_s and dE/d√t of the same sign', value: null, limit: 'same sign', ok: sameSign },
    ];
    pulses.push({
      pulse: pulses.length + 1,
      instrumentStep: s.instrumentStep,
      startS: s.startS,
      durationS: tau,
      currentNA: s.meanCurrentMA * 1e6,
      chargeNAh: s.netChargeMAh * 1e6,
      relaxedBeforeV: e0.v,
      relaxedAfterV: e1.v,
      deltaEsV: deltaEs,
      deltaEtV: series.voltageV[s.endRow] - series.voltageV[s.startRow],
      slopeVPerSqrtS: sphereFit.slope,
      sqrtFitR2: sphereFit.r2,
      planarSlopeVPerSqrtS: fit.slope,
      planarDiffusionM2PerS: planar,
      diffusionM2PerS: d,
      diffusionCm2PerS: d * 1e4,
      pulseDimensionless: dimensionless,
      relaxationDrift: drift,
      curvatureError: null,
      checks,
      valid: checks.every((c) => c.ok),
    });
  }
  // Linear open-circuit curve over the surface excursion. During a pulse the surface filling runs
  // ahead of the mean by 2(V/S)/√(πDτ) times the pulse's charge; over that excursion the titration curve
  // E_s(Q) (the relaxed potentials) bends by E''/E'. The relative error of the √t slope is about half the
  // product, the error of D about the product itself: ε = |E''/E'| · |ΔQ| · 2(V/S)/√(πDτ). E' and E''
  // come from a least-squares parabola through the relaxed potentials around the pulse (six points).
  const maxCurv = options.maxCurvature ?? 0.03;
  const qs: number[] = [0];
  const es: number[] = [pulses[0]?.relaxedBeforeV ?? 0];
  for (const p of pulses) {
    qs.push(qs[qs.length - 1] + p.chargeNAh);
    es.push(p.relaxedAfterV);
  }
  for (let k = 0; k < pulses.length; k++) {
    const lo = Math.max(0, Math.min(k - 2, qs.length - 6));
    const hi = Math.min(qs.length - 1, lo + 5);
    const p = pulses[k];
    let eps: number | null = null;
    if (hi - lo >= 2) {
      const qm = 0.5 * (qs[k] + qs[k + 1]);
      const [, e1, e2] = quadratic(
        qs.slice(lo, hi + 1).map((q) => q - qm),
        es.slice(lo, hi + 1),
      );
      const excursion = (2 * vs) / Math.sqrt(Math.PI * p.diffusionM2PerS * p.durationS);
      eps = Math.abs((2 * e2) / e1) * Math.abs(p.chargeNAh) * excursion;
    }
    const ok = eps !== null && Number.isFinite(eps) && eps <= maxCurv;
    pulses[k] = {
      ...p,
      curvatureError: eps,
      checks: [
        ...p.checks,
        {
          name: 'titration-curve bending over the surface excursion ε',
          value: eps,
          limit: `≤ ${maxCurv}`,
          ok,
        },
      ],
      valid: p.valid && ok,
    };
  }
  if (pulses.length === 0)
    throw new DataError('no GITT pulse: no constant-current step between two rests', {
      file: series.source,
      field: 'steps',
      found: [...new Set(steps.map((s) => s.type))].join(', ') || 'no steps',
      expected: 'rest, constant-current pulse, rest (repeated)',
    });
  const valid = pulses
    .filter((p) => p.valid)
    .map((p) => p.diffusionM2PerS)
    .sort((a, b) => a - b);
  const median =
    valid.length === 0
      ? null
      : valid.length % 2
        ? valid[(valid.length - 1) / 2]
        : 0.5 * (valid[valid.length / 2 - 1] + valid[valid.length / 2]);
  return {
    pulses,
    medianDiffusionM2PerS: median,
    assumptions: [
      'Weppner–Huggins short-time solution (J. Electrochem. Soc. 1977): D = (4/π)(V/S)²[(ΔE_s/τ)/(dE_t/d√t)]²',
      `V/S = ${(vs * 1e6).toPrecision(4)} µm (volume: ${geometry.volumeSource}; surface 4πR², R = ${(geometry.radiusM * 1e6).toPrecision(4)} µm)`,
      `semi-infinite diffusion during the pulse: τD/R² ≤ ${maxTau} checked per pulse with the D found`,
      'ΔE_s from the relaxed potentials: a line through the last tenth of each rest, taken at the rest end',
      `potential relaxed: drift over the last tenth of the rest ≤ ${maxDrift}·|ΔE_s|`,
      'dE_t/d√t: least-squares line of E against √(t − t_pulse start) over every row of the pulse after its first instant',
      "the sphere's short-time terms Dt/R and (4/(3√π))(Dt)^{3/2}/R² of the surface concentration removed before the √t fit (the planar formula is printed beside it)",
      `linear open-circuit curve over the surface excursion: ε = |E''/E'|·|ΔQ|·2(V/S)/√(πDτ) ≤ ${maxCurvLabel} (E', E'' from a parabola through six relaxed potentials)`,
      'constant D; all charge enters the particle (no side reaction)',
    ],
  };
}
