/**
 * PITT on one spherical particle: the chemical diffusion coefficient from the long-time decay of the
 * current after each potential step. For a sphere of radius R whose surface follows the step at once,
 *
 *     I(t) = Q∞ · (6D/R²) · Σₙ exp(−n²π²Dt/R²)  →  ln|I| = ln(6Q∞D/R²) − π²Dt/R²  at long times,
 *
 * so the slope of ln|I| against t gives D = −slope·R²/π² (C. J. Wen, B. A. Boukamp, R. A. Huggins,
 * W. Weppner, "Thermodynamic and mass transport properties of LiAl", J. Electrochem. Soc. 126, 2258–2266
 * (1979), for the planar case; the sphere's eigenvalues nπ follow from J. Crank, "The Mathematics of
 * Diffusion", 2nd ed., Oxford 1975, §6.3).
 *
 * Finite surface kinetics (a charge-transfer resistance in series) slow the decay: the surface condition
 * becomes −D∂c/∂r = k(c_s − c∞) with L = kR/D, the eigenvalues βₙ solve 1 − β cot β = L, and
 *
 *     I(t) = Q∞ · Σₙ 6L²(D/R²) exp(−βₙ²Dt/R²) / (βₙ² + L(L−1))    (Crank eq. 6.33 differentiated),
 *
 * so the slope alone gives β₁²D/R² with β₁ < π and D is underestimated. The intercept over the step's
 * charge fixes β₁ (C. Montella, "Discussion of the potential step method for the determination of the
 * diffusion coefficients of guest species in host materials: Part I", J. Electroanal. Chem. 518, 61–83
 * (2002)): A₀/s = 6L²/(β₁²(β₁² + L(L−1))) with A₀ = I(0)extrapolated/Q∞ and s = −slope, which runs
 * from 6/π² (fast kinetics) to 1 (kinetics only). Both values are reported.
 *
 * Long-time regime: the fit window starts at t = 0.2·R²/D (the second term is then below e^{−3π²·0.2} ≈
 * 0.3 % of the first with fast kinetics, and below 1 % for L ≳ 3; at 0.1·R²/D the intercept, and so the
 * finite-kinetics D, would be biased by a few %) with the D found, iterated; it ends where the current has fallen to 1 % of its value
 * at the window start, or at 20× the current noise (estimated from the step's last rows), or at the
 * step's end. The step must be long enough for Q∞ (checked: the current at the end is below 1 % of the
 * window start, or the remaining charge is small).
 */
import { DataError } from '../core/errors.js';
import type { CyclerSeries } from '../echem/series.js';
import { segmentSteps } from '../echem/steps.js';
import { fitLine, type AssumptionCheck, type ParticleGeometry } from './geometry.js';

export interface PittStep {
  readonly step: number;
  readonly instrumentStep: number | null;
  readonly startS: number;
  readonly durationS: number;
  readonly potentialV: number;
  readonly stepV: number;
  /** Charge of the step (∫I dt), nAh. */
  readonly chargeNAh: number;
  readonly windowStartS: number;
  readonly windowEndS: number;
  readonly windowPoints: number;
  readonly slopePerS: number;
  readonly fitR2: number;
  /** D from the slope with eigenvalue π (fast surface kinetics). */
  readonly diffusionFastM2PerS: number;
  /** D with the first eigenvalue from the intercept (finite kinetics); null when not identifiable. */
  readonly diffusionM2PerS: number | null;
  readonly diffusionCm2PerS: number | null;
  /** First eigenvalue β₁ (π for fast kinetics) and L = kR/D. */
  readonly beta1: number | null;
  readonly kineticL: number | null;
  /** A₀/s: 6/π² ≈ 0.608 for fast kinetics, → 1 when kinetics dominate. */
  readonly interceptRatio: number;
  /** Window start in units of R²/D (with the D reported). */
  readonly windowStartDimensionless: number;
  readonly checks: AssumptionCheck[];
  readonly valid: boolean;
}

export interface PittResult {
  readonly steps: PittStep[];
  readonly medianDiffusionM2PerS: number | null;
  readonly medianDiffusionFastM2PerS: number | null;
  readonly assumptions: string[];
}

export interface PittOptions {
  /** Window start in units of R²/D (default 0.2). */
  readonly startDimensionless?: number;
  /** Window end: current fallen to this fraction of its value at the window start (default 0.01). */
  readonly endFraction?: number;
}

const FAST_RATIO = 6 / (Math.PI * Math.PI);

/** L(β) = 1 − β cot β for 0 < β < π. */
function lOf(beta: number): number {
  return 1 - beta / Math.tan(beta);
}

/** A₀/s as a function of β₁ (increasing L ↔ β₁ → π). */
function ratioOf(beta: number): number {
  const L = lOf(beta);
  return (6 * L * L) / (beta * beta * (beta * beta + L * (L - 1)));
}

/** β₁ from A₀/s by bisection (ratioOf decreases from 1 at β → 0 to 6/π² at β → π); null outside. */
export function firstEigenvalue(ratio: number): number | null {
  if (!(ratio > FAST_RATIO) || !(ratio < 1)) return ratio <= FAST_RATIO ? Math.PI : null;
  let lo = 1e-6;
  let hi = Math.PI - 1e-9;
  for (let k = 0; k < 200; k++) {
    const m = 0.5 * (lo + hi);
    if (ratioOf(m) > ratio) lo = m;
    else hi = m;
  }
  return 0.5 * (lo + hi);
}

function median(values: number[]): number | null {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : 0.5 * (v[v.length / 2 - 1] + v[v.length / 2]);
}

export function analysePitt(
  series: CyclerSeries,
  geometry: ParticleGeometry,
  options: PittOptions = {},
): PittResult {
  const tau0 = options.startDimensionless ?? 0.2;
  const endFraction = options.endFraction ?? 0.01;
  const steps = segmentSteps(series);
  const R2 = geometry.radiusM ** 2;
  const out: PittStep[] = [];
  const t = series.timeS;
  const cur = series.currentMA;
  const v = series.voltageV;
  for (let k = 0; k < steps.length; k++) {
    const s = steps[k];
    if (s.type !== 'cv' || s.endRow - s.startRow < 20) continue;
    // The step is the change from the previous step's last potential (the record's first row for the first).
    const before = k > 0 ? v[steps[k - 1].endRow] : v[s.startRow];
    const a = s.startRow;
    const b = s.endRow;
    const potential = median(Array.from(v.subarray(a, b + 1))) ?? v[b];
    const stepV = potential - before;
    // Charge and noise: I in A, t from the step start.
    // From the record's charge column: the instrument integrates the current between logged rows, where
    // the trapezoid over the rows would count the spike logged at the step's first instant for a whole
    // sampling interval.
    const q = (series.chargeMAh[b] - series.chargeMAh[a]) * 3.6;
    const tailStart = b - Math.max(5, Math.floor((b - a) / 10));
    const diffs: number[] = [];
    for (let i = tailStart + 1; i <= b; i++) diffs.push(cur[i] - cur[i - 1]);
    const mean = diffs.reduce((x, y) => x + y, 0) / diffs.length;
    const noiseA =
      (Math.sqrt(diffs.reduce((x, y) => x + (y - mean) ** 2, 0) / diffs.length) / Math.SQRT2) * 1e-3;
    const sign = Math.sign(q);
    const floor = 20 * noiseA;
    const rows = (from: number, to: number) => {
      const xs: number[] = [];
      const ys: number[] = [];
      let fromI = -1;
      let lastT = from;
      for (let i = a; i <= b; i++) {
        const dt = t[i] - t[a];
        if (dt < from) continue;
        const iA = sign * cur[i] * 1e-3;
        if (fromI < 0) fromI = iA;
        if (dt > to || !(iA > floor) || iA < endFraction * fromI) break;
        xs.push(dt);
        ys.push(Math.log(iA));
        lastT = dt;
      }
      return { xs, ys, lastT };
    };
    // Iterate the window start on the D found (start: the second quarter of the step).
    let start = 0.25 * s.durationS;
    let fit = null as ReturnType<typeof fitLine> | null;
    let win = rows(start, s.durationS);
    let dReported = NaN;
    let beta: number | null = Math.PI;
    let ratio = FAST_RATIO;
    for (let it = 0; it < 30; it++) {
      win = rows(start, s.durationS);
      if (win.xs.length < 5) break;
      fit = fitLine(win.xs, win.ys);
      const slope = -fit.slope;
      ratio = Math.exp(fit.intercept) / Math.abs(q) / slope;
      beta = firstEigenvalue(ratio);
      dReported = beta === null ? (slope * R2) / (Math.PI * Math.PI) : (slope * R2) / (beta * beta);
      const next = Math.min(0.8 * s.durationS, (tau0 * R2) / dReported);
      if (!(next > 0) || Math.abs(next - start) <= 1e-6 * s.durationS) {
        start = next > 0 ? next : start;
        break;
      }
      start = next;
    }
    if (!fit || win.xs.length < 5) continue;
    const slope = -fit.slope;
    const dFast = (slope * R2) / (Math.PI * Math.PI);
    const dFinal = beta === null ? null : (slope * R2) / (beta * beta);
    const dForCheck = dFinal ?? dFast;
    const startDimless = (win.xs[0] * dForCheck) / R2;
    // Completeness of Q∞: the current left at the end against the window start.
    const endI = Math.abs(cur[b]) * 1e-3;
    const startI = Math.exp(fit.intercept + fit.slope * win.xs[0]);
    const remaining = endI / (slope * Math.abs(q));
    const checks: AssumptionCheck[] = [
      {
        name: 'long-time window start tD/R²',
        value: startDimless,
        limit: `≥ ${0.9 * tau0}`,
        ok: startDimless >= 0.9 * tau0,
      },
      { name: 'ln|I| linear in t (R²)', value: fit.r2, limit: '≥ 0.99', ok: fit.r2 >= 0.99 },
      {
        name: 'step complete: charge still to pass / Q∞',
        value: remaining,
        limit: '≤ 0.01',
        ok: remaining <= 0.01,
      },
      {
        name: 'current above the noise at the window start',
        value: startI / Math.max(noiseA, 1e-30),
        limit: '≥ 100',
        ok: startI >= 100 * noiseA,
      },
      { name: 'surface kinetics identifiable (A₀/s < 1)', value: ratio, limit: '< 1', ok: beta !== null },
    ];
    out.push({
      step: out.length + 1,
      instrumentStep: s.instrumentStep,
      startS: s.startS,
      durationS: s.durationS,
      potentialV: potential,
      stepV,
      chargeNAh: q / 3.6e-6,
      windowStartS: win.xs[0],
      windowEndS: win.lastT,
      windowPoints: win.xs.length,
      slopePerS: fit.slope,
      fitR2: fit.r2,
      diffusionFastM2PerS: dFast,
      diffusionM2PerS: dFinal,
      diffusionCm2PerS: dFinal === null ? null : dFinal * 1e4,
      beta1: beta,
      kineticL: beta === null ? null : beta >= Math.PI ? Infinity : lOf(beta),
      interceptRatio: ratio,
      windowStartDimensionless: startDimless,
      checks,
      valid: checks.every((c) => c.ok),
    });
  }
  if (out.length === 0)
    throw new DataError('no PITT step: no potential hold long enough for a long-time current decay', {
      file: series.source,
      field: 'steps',
      found: [...new Set(steps.map((s) => s.type))].join(', ') || 'no steps',
      expected: 'potentiostatic steps (constant-voltage holds) of at least 20 rows whose current decays',
    });
  const valid = out.filter((s) => s.valid);
  return {
    steps: out,
    medianDiffusionM2PerS: median(valid.map((s) => s.diffusionM2PerS as number)),
    medianDiffusionFastM2PerS: median(valid.map((s) => s.diffusionFastM2PerS)),
    assumptions: [
      'sphere, long-time current decay: ln|I| = ln(A₀Q∞) − β₁²Dt/R² (Crank 1975 §6.3; Wen, Boukamp, Huggins, Weppner 1979)',
      `R = ${(geometry.radiusM * 1e6).toPrecision(4)} µm; D_fast uses β₁ = π (surface follows the potential step at once)`,
      'D uses β₁ from the intercept ratio A₀/s (Montella 2002): a charge-transfer resistance in series, linearised (small steps)',
      `fit window from t = ${tau0}·R²/D (iterated on the D found) to 1 % of the current at its start, 20× the current noise, or the step end`,
      "Q∞ = the charge passed over the whole step, from the record's charge column (checked: charge still to pass at the end ≤ 1 % of Q∞)",
      'constant D over one step; no side reaction; no double-layer or ohmic contribution at long times',
    ],
  };
}
