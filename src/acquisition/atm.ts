/**
 * Automatic tuning and matching (ATM) of an NMR probe from reflection (wobble) curves.
 *
 * Why it is needed: in an in situ cell the plated metal changes the coil's inductance and losses, so a probe
 * tuned at the start drifts off the Larmor frequency as the experiment runs; the in situ set-up of the SIMBA
 * project (SIMBA consortium, Deliverable D3.2, 2021) re-tunes and re-matches after every spectrum.
 *
 * What the controller sees: only |Γ(f)| over a sweep (what a tuning unit's reflection bridge measures) and
 * the step counts of the tune and match motors. It knows nothing of the circuit or of the motors'
 * step-to-capacitance maps, which need not be linear; it learns the tune motor's sensitivity (Hz per step)
 * from its own moves and carries it from one retune to the next (warm start).
 *
 * Strategy, in the order the controller applies it:
 * 1. Take up the gears' slack, and approach every position from below: a downward move overshoots by the
 *    configured backlash and comes back up, so the shaft sits at the same place for the same step count
 *    whichever way the controller came from (backlash compensation).
 * 2. Coarse search when no dip is in the sweep: scan the tune motor over its travel with a wide sweep (and,
 *    if still nothing, at several match positions), then move to where the dip crosses the Larmor frequency.
 * 3. Re-centre: move the tune motor until the dip sits on the Larmor frequency (secant steps in Hz/step).
 * 4. Match: the depth of the re-centred dip, D(m) = |Γ_dip|², is a one-dimensional function of the match
 *    position with its minimum (0 for a matchable load) where Z_in = Z0; it is close to a parabola there
 *    (|Γ| grows linearly with the distance from the match point), so the controller brackets the minimum and
 *    takes parabolic steps, re-centring the tune after every match move.
 * It stops as soon as |Γ| at the Larmor frequency reaches the goal, and fails with a reason (a motor at
 * its limit, no resonance in range, the iteration budget spent) when the required level is out of reach,
 * leaving the motors at the best position it measured.
 */

export interface WobbleCurve {
  readonly frequencyHz: ArrayLike<number>;
  /** |Γ| (linear, 0…1) at each frequency. */
  readonly reflection: ArrayLike<number>;
}

/** What the controller needs from a tuning unit (a real one behind an adapter, or the virtual probe). */
export interface TuningUnit {
  wobble(centerHz: number, spanHz: number, points: number): WobbleCurve | Promise<WobbleCurve>;
  /** Moves the motor by a signed number of steps; returns the steps actually moved (limits clamp). */
  moveTune(deltaSteps: number): number | Promise<number>;
  moveMatch(deltaSteps: number): number | Promise<number>;
  positions(): { tune: number; match: number } | Promise<{ tune: number; match: number }>;
  /** Last step of each motor's travel (the first is 0). */
  limits(): { tune: number; match: number } | Promise<{ tune: number; match: number }>;
}

export interface AtmSettings {
  readonly larmorHz: number;
  /** Span and number of points of the fine sweep, centred on the Larmor frequency. */
  readonly spanHz: number;
  readonly points: number;
  /** Span of the sweeps of the coarse search. */
  readonly coarseSpanHz: number;
  /** Stop as soon as |Γ(f_Larmor)| ≤ goalDb; succeed if the best reached is ≤ requiredDb. */
  readonly goalDb: number;
  readonly requiredDb: number;
  /** Steps added to a downward move and then taken back (≥ the motors' real backlash). */
  readonly backlashSteps: number;
  /** Largest single move of a motor, steps. */
  readonly maxMoveSteps: number;
  /** Largest single move of the match motor, steps (a match move also shifts the dip's frequency). */
  readonly maxMatchMoveSteps: number;
  /** First match step of a cold start, steps. */
  readonly matchStepSteps: number;
  /** Dip within this of the Larmor frequency counts as centred, Hz. */
  readonly centredHz: number;
  /** Changes of the dip's |Γ|² below this count as noise when bracketing the match. */
  readonly flatDepth: number;
  /** Wobble sweeps allowed per retune. */
  readonly maxWobbles: number;
  /** Positions of the coarse tune scan. */
  readonly coarsePositions: number;
  /** A sweep minimum counts as a dip when it is not at the sweep's edge and |Γ| rises from it by at least
   * this much (linear) on both sides: overcoupled or undercoupled dips can be shallow but still show where
   * the resonance is. */
  readonly dipContrast: number;
}

/** Defaults for a probe of Q ≈ 50–100 (matched bandwidth of a few MHz) and motors of ~10⁴ steps. */
export function defaultAtmSettings(larmorHz: number): AtmSettings {
  return {
    larmorHz,
    spanHz: 8e6,
    points: 201,
    coarseSpanHz: 60e6,
    goalDb: -25,
    requiredDb: -20,
    backlashSteps: 60,
    maxMoveSteps: 3000,
    maxMatchMoveSteps: 1200,
    matchStepSteps: 200,
    centredHz: 15e3,
    flatDepth: 0.002,
    maxWobbles: 120,
    coarsePositions: 24,
    dipContrast: 0.03,
  };
}

export interface WobbleAnalysis {
  /** The dip's frequency (parabolic interpolation of |Γ|² around the sweep minimum), Hz. */
  readonly dipHz: number;
  /** Full width of the dip where it absorbs half its peak power, Hz. */
  readonly widthHz: number;
  /** |Γ| at the dip (linear) and in dB. */
  readonly dipReflection: number;
  readonly dipDb: number;
  /** |Γ| at the Larmor frequency (linear interpolation) and in dB. */
  readonly larmorReflection: number;
  readonly larmorDb: number;
  /** False when the sweep shows no dip: the minimum is at an edge or the curve hardly rises from it. */
  readonly dipInRange: boolean;
}

export const toDb = (reflection: number): number => 20 * Math.log10(Math.max(reflection, 1e-12));

/**
 * Dip and Larmor-frequency reflection of one sweep (frequencies ascending). The dip is a least-squares
 * parabola in |Γ|² over the points that absorb at least 90 % of the deepest point's power (1 − |Γ|²), at least
 * five of them: a three-point vertex would follow the noise on a broad, shallow dip.
 */
export function analyseWobble(curve: WobbleCurve, larmorHz: number, dipContrast = 0.03): WobbleAnalysis {
  const f = curve.frequencyHz;
  const r = curve.reflection;
  const n = f.length;
  let k = 0;
  for (let i = 1; i < n; i++) if (r[i] < r[k]) k = i;
  const absorbedMax = 1 - r[k] * r[k];
  const within = (i: number, level: number) => 1 - r[i] * r[i] >= level * absorbedMax;
  let lo = k;
  let hi = k;
  while (lo > 0 && within(lo - 1, 0.9)) lo--;
  while (hi < n - 1 && within(hi + 1, 0.9)) hi++;
  while (hi - lo < 4 && (lo > 0 || hi < n - 1)) {
    if (lo > 0) lo--;
    if (hi < n - 1) hi++;
  }
  let dipHz = f[k];
  let dip2 = r[k] * r[k];
  const fit = quadraticFit(f, r, lo, hi, f[k]);
  if (fit !== null && fit.c2 > 0) {
    const x = -fit.c1 / (2 * fit.c2);
    if (f[k] + x >= f[lo] && f[k] + x <= f[hi]) {
      dipHz = f[k] + x;
      dip2 = Math.max(0, fit.c0 + fit.c1 * x + fit.c2 * x * x);
    }
  }
  let wlo = k;
  let whi = k;
  while (wlo > 0 && within(wlo - 1, 0.5)) wlo--;
  while (whi < n - 1 && within(whi + 1, 0.5)) whi++;
  const widthHz = f[whi] - f[wlo];
  // A dip: the minimum is inside the sweep and the curve rises from it by `dipContrast` on both sides.
  const edge = Math.max(1, Math.round(n / 100));
  let leftMax = 0;
  let rightMax = 0;
  for (let i = 0; i < k; i++) leftMax = Math.max(leftMax, r[i]);
  for (let i = k + 1; i < n; i++) rightMax = Math.max(rightMax, r[i]);
  const dipInRange = k >= edge && k < n - edge && Math.min(leftMax, rightMax) - r[k] >= dipContrast;
  let larmorReflection = Number.NaN;
  if (larmorHz <= f[0]) larmorReflection = r[0];
  else if (larmorHz >= f[n - 1]) larmorReflection = r[n - 1];
  else {
    let j = 0;
    while (f[j + 1] < larmorHz) j++;
    const t = (larmorHz - f[j]) / (f[j + 1] - f[j]);
    larmorReflection = r[j] + t * (r[j + 1] - r[j]);
  }
  const dipReflection = Math.sqrt(dip2);
  return {
    dipHz,
    widthHz,
    dipReflection,
    dipDb: toDb(dipReflection),
    larmorReflection,
    larmorDb: toDb(larmorReflection),
    dipInRange,
  };
}

/** Least-squares c0 + c1·x + c2·x² of |Γ|² on points lo…hi, x = f − origin. */
function quadraticFit(
  f: ArrayLike<number>,
  r: ArrayLike<number>,
  lo: number,
  hi: number,
  origin: number,
): { c0: number; c1: number; c2: number } | null {
  // Normal equations of a 3×3 system; x is scaled to O(1) to keep them well conditioned.
  const scale = Math.max(Math.abs(f[hi] - origin), Math.abs(f[lo] - origin)) || 1;
  const m = new Float64Array(9);
  const v = new Float64Array(3);
  for (let i = lo; i <= hi; i++) {
    const x = (f[i] - origin) / scale;
    const y = r[i] * r[i];
    const p = [1, x, x * x];
    for (let a = 0; a < 3; a++) {
      v[a] += p[a] * y;
      for (let b = 0; b < 3; b++) m[3 * a + b] += p[a] * p[b];
    }
  }
  const det = (q: Float64Array) =>
    q[0] * (q[4] * q[8] - q[5] * q[7]) -
    q[1] * (q[3] * q[8] - q[5] * q[6]) +
    q[2] * (q[3] * q[7] - q[4] * q[6]);
  const d = det(m);
  if (!(Math.abs(d) > 1e-300)) return null;
  const c = [0, 0, 0];
  for (let j = 0; j < 3; j++) {
    const q = Float64Array.from(m);
    for (let a = 0; a < 3; a++) q[3 * a + j] = v[a];
    c[j] = det(q) / d;
  }
  return { c0: c[0], c1: c[1] / scale, c2: c[2] / (scale * scale) };
}

export type AtmPhase = 'start' | 'coarse' | 'tune' | 'match' | 'return';

/** One line of the ATM log: one sweep, where the motors stood, what it showed, what came next. */
export interface AtmLogEntry {
  readonly wobble: number;
  readonly phase: AtmPhase;
  readonly tune: number;
  readonly match: number;
  readonly dipHz: number;
  readonly dipDb: number;
  readonly larmorDb: number;
  readonly dipInRange: boolean;
}

/** What one retune learnt, handed to the next (warm start over an operando run). */
export interface AtmMemory {
  /** Dip frequency change per tune step (signed), Hz. */
  readonly tuneHzPerStep?: number;
  /** Last successful match step and direction. */
  readonly matchStepSteps?: number;
  readonly matchDirection?: 1 | -1;
}

export interface AtmResult {
  readonly ok: boolean;
  /** Why it failed (null on success). */
  readonly reason: string | null;
  readonly larmorDb: number;
  readonly dipHz: number;
  readonly tune: number;
  readonly match: number;
  readonly wobbles: number;
  readonly log: readonly AtmLogEntry[];
  readonly memory: AtmMemory;
}

class Done extends Error {}

/** Tunes and matches the probe on the unit; see the module comment for the strategy. */
export async function tuneAndMatch(
  unit: TuningUnit,
  settings: AtmSettings,
  memory: AtmMemory = {},
): Promise<AtmResult> {
  const s = settings;
  const f0 = s.larmorHz;
  const limits = await unit.limits();
  const log: AtmLogEntry[] = [];
  let tuneHzPerStep = memory.tuneHzPerStep;
  let matchStep = memory.matchStepSteps ?? s.matchStepSteps;
  let matchDirection: 1 | -1 = memory.matchDirection ?? 1;
  let best: AtmLogEntry | null = null;
  let pos = await unit.positions();

  // The fine sweep widens for a broad (strongly over- or undercoupled) dip so that the dip stays visible.
  let spanNow = s.spanHz;
  const measure = async (phase: AtmPhase, wide = false): Promise<WobbleAnalysis> => {
    if (log.length >= s.maxWobbles) throw new Done('budget');
    const spanHz = wide ? s.coarseSpanHz : spanNow;
    const a = analyseWobble(await unit.wobble(f0, spanHz, s.points), f0, s.dipContrast);
    if (a.dipInRange) spanNow = Math.max(s.spanHz, Math.min(s.coarseSpanHz, 1.5 * a.widthHz));
    const entry: AtmLogEntry = {
      wobble: log.length + 1,
      phase,
      tune: pos.tune,
      match: pos.match,
      dipHz: a.dipHz,
      dipDb: a.dipDb,
      larmorDb: a.larmorDb,
      dipInRange: a.dipInRange,
    };
    log.push(entry);
    if (!wide && (best === null || a.larmorDb < best.larmorDb)) best = entry;
    if (!wide && a.larmorDb <= s.goalDb) throw new Done('goal');
    return a;
  };

  /** Moves one motor to an absolute step count, always arriving from below. */
  const goTo = async (axis: 'tune' | 'match', target: number): Promise<void> => {
    const limit = axis === 'tune' ? limits.tune : limits.match;
    const t = Math.round(Math.min(limit, Math.max(0, target)));
    const move = (d: number) => (axis === 'tune' ? unit.moveTune(d) : unit.moveMatch(d));
    const here = axis === 'tune' ? pos.tune : pos.match;
    if (t < here || here === t) {
      await move(t - here - s.backlashSteps);
      const p = await unit.positions();
      await move(t - (axis === 'tune' ? p.tune : p.match));
    } else {
      await move(t - here);
    }
    pos = await unit.positions();
  };

  /** Moves the tune motor until the dip is on the Larmor frequency (or cannot move further). */
  const recentre = async (a: WobbleAnalysis, phase: AtmPhase): Promise<WobbleAnalysis> => {
    for (let k = 0; k < 12; k++) {
      if (!a.dipInRange) a = await relocate(phase);
      if (!a.dipInRange) return a;
      const dfHz = a.dipHz - f0;
      if (Math.abs(dfHz) <= Math.max(s.centredHz, 0.005 * a.widthHz)) return a;
      if (tuneHzPerStep === undefined) {
        // Learn the sensitivity's sign and size from one small move.
        const probe = Math.min(s.maxMoveSteps, 100);
        const from = pos.tune;
        await goTo('tune', from + probe);
        const b = await measure(phase);
        const moved = pos.tune - from;
        if (b.dipInRange && moved !== 0 && b.dipHz !== a.dipHz) tuneHzPerStep = (b.dipHz - a.dipHz) / moved;
        a = b;
        continue;
      }
      const want = Math.max(-s.maxMoveSteps, Math.min(s.maxMoveSteps, Math.round(-dfHz / tuneHzPerStep)));
      if (want === 0) return a;
      const from = pos.tune;
      await goTo('tune', from + want);
      const moved = pos.tune - from;
      if (moved === 0) return a;
      const b = await measure(phase);
      if (b.dipInRange && Math.abs(moved) >= 3) {
        const secant = (b.dipHz - a.dipHz) / moved;
        // Accept a secant of the same sign and a plausible size (noise can spoil a short one).
        if (
          secant * tuneHzPerStep > 0 &&
          Math.abs(secant / tuneHzPerStep) < 5 &&
          Math.abs(secant / tuneHzPerStep) > 0.2
        )
          tuneHzPerStep = secant;
      }
      a = b;
    }
    return a;
  };

  /** The dip has left the fine sweep: find it with one wide sweep and bring it back with the tune motor. */
  const relocate = async (phase: AtmPhase): Promise<WobbleAnalysis> => {
    const wide = await measure(phase, true);
    if (!wide.dipInRange || tuneHzPerStep === undefined) return await measure(phase);
    const want = Math.round(-(wide.dipHz - f0) / tuneHzPerStep);
    await goTo('tune', pos.tune + Math.max(-4 * s.maxMoveSteps, Math.min(4 * s.maxMoveSteps, want)));
    return await measure(phase);
  };

  /** Scans the tune motor with a wide sweep and moves to where the dip crosses the Larmor frequency. */
  const coarse = async (): Promise<boolean> => {
    const matchLevels = [
      ...new Set([pos.match, ...[0.5, 0.1, 0.9].map((x) => Math.round(x * limits.match))]),
    ];
    for (const m of matchLevels) {
      await goTo('match', m);
      await goTo('tune', 0);
      const scan: { tune: number; dipHz: number }[] = [];
      for (let i = 0; i < s.coarsePositions; i++) {
        await goTo('tune', Math.round((i * limits.tune) / (s.coarsePositions - 1)));
        const a = await measure('coarse', true);
        if (a.dipInRange) scan.push({ tune: pos.tune, dipHz: a.dipHz });
      }
      if (scan.length === 0) continue;
      // Where consecutive scan points straddle the Larmor frequency, interpolate; else take the closest.
      let target = scan.reduce((p, q) => (Math.abs(q.dipHz - f0) < Math.abs(p.dipHz - f0) ? q : p)).tune;
      let crossed = false;
      for (let i = 1; i < scan.length; i++) {
        const p = scan[i - 1];
        const q = scan[i];
        if ((p.dipHz - f0) * (q.dipHz - f0) <= 0 && q.dipHz !== p.dipHz) {
          crossed = true;
          target = Math.round(p.tune + ((f0 - p.dipHz) / (q.dipHz - p.dipHz)) * (q.tune - p.tune));
          tuneHzPerStep = (q.dipHz - p.dipHz) / (q.tune - p.tune);
          break;
        }
      }
      const closest = scan.reduce((p, q) => (Math.abs(q.dipHz - f0) < Math.abs(p.dipHz - f0) ? q : p));
      if (!crossed && Math.abs(closest.dipHz - f0) > spanNow / 2) {
        const lo = Math.min(...scan.map((q) => q.dipHz)) / 1e6;
        const hi = Math.max(...scan.map((q) => q.dipHz)) / 1e6;
        unreachable = `the tune motor's travel does not reach ${(f0 / 1e6).toFixed(3)} MHz: the dip moves over ${lo.toFixed(1)}–${hi.toFixed(1)} MHz`;
        continue;
      }
      await goTo('tune', target);
      return true;
    }
    return false;
  };

  /** D(m) of the module comment: re-centre at this match position, return the dip's |Γ|². */
  const depthAt = async (match: number): Promise<{ m: number; d: number }> => {
    await goTo('match', match);
    let a = await recentre(await measure('match'), 'tune');
    if (!a.dipInRange) {
      if (!(await coarse())) throw new Done('no-dip');
      a = await recentre(await measure('tune'), 'tune');
    }
    return { m: pos.match, d: a.dipReflection * a.dipReflection };
  };

  let reason: string | null = null;
  let unreachable: string | null = null;
  try {
    // Take up the slack of both gears so the shafts sit where the step counts say.
    await goTo('tune', pos.tune);
    await goTo('match', pos.match);
    let a = await measure('start');
    if (!a.dipInRange) {
      if (!(await coarse())) throw new Done('no-dip');
      a = await measure('tune');
    }
    a = await recentre(a, 'tune');
    // Bracket the minimum of D(m): one step each way, widened while neither side differs beyond the noise
    // (near the ends of a capacitor's travel a step changes the capacitance very little).
    const p1 = { m: pos.match, d: a.dipReflection * a.dipReflection };
    let prev = p1;
    let cur = p1;
    let bracketed = false;
    for (;;) {
      const ahead = await depthAt(p1.m + matchDirection * matchStep);
      const back = await depthAt(p1.m - matchDirection * matchStep);
      const lower = ahead.d <= back.d ? ahead : back;
      const clearMinimum = p1.d + s.flatDepth < Math.min(ahead.d, back.d);
      const clearSlope = lower.d < p1.d - s.flatDepth;
      if (!clearMinimum && !clearSlope && matchStep < s.maxMatchMoveSteps) {
        matchStep = Math.min(s.maxMatchMoveSteps, matchStep * 3);
        continue;
      }
      if (lower.d < p1.d) {
        if (lower === back) matchDirection = matchDirection === 1 ? -1 : 1;
        cur = lower;
        break;
      }
      // p1 is below both neighbours: the minimum is between them.
      await parabolic([back, p1, ahead].sort((x, y) => x.m - y.m));
      bracketed = true;
      break;
    }
    // Walk downhill, doubling the step, until the depth rises again; then parabolic steps.
    while (!bracketed) {
      const atLimit = cur.m <= 0 || cur.m >= limits.match;
      if (atLimit) {
        reason = `the match motor reached its ${cur.m <= 0 ? 'lower' : 'upper'} limit (step ${cur.m}) while the match was still improving`;
        break;
      }
      matchStep = Math.min(s.maxMatchMoveSteps, matchStep * 2);
      const next = await depthAt(cur.m + matchDirection * matchStep);
      if (next.m === cur.m) {
        reason = `the match motor reached its ${cur.m <= 0 ? 'lower' : 'upper'} limit (step ${cur.m}) while the match was still improving`;
        break;
      }
      // Within the noise the walk goes on: only a clear rise closes the bracket.
      if (next.d > cur.d + s.flatDepth) {
        await parabolic([prev, cur, next].sort((x, y) => x.m - y.m));
        bracketed = true;
        continue;
      }
      prev = cur;
      cur = next;
    }
  } catch (e) {
    if (!(e instanceof Done)) throw e;
    if (e.message === 'goal') {
      const b = best as AtmLogEntry | null;
      return finish(true, null, b);
    }
    if (e.message === 'no-dip' && unreachable !== null) reason = unreachable;
    else if (e.message === 'no-dip')
      reason = `no resonance dip within ±${(s.coarseSpanHz / 2e6).toFixed(0)} MHz of ${(f0 / 1e6).toFixed(3)} MHz over the tune motor's travel`;
    else if (e.message === 'budget') {
      const deepest = Math.min(...log.filter((x) => x.dipInRange).map((x) => x.dipDb));
      reason =
        reason ??
        unreachable ??
        `no match after ${s.maxWobbles} wobble sweeps (deepest dip ${Number.isFinite(deepest) ? deepest.toFixed(1) : 'none'} dB; a load this lossy may be outside what the circuit can match)`;
    }
  }

  return await settle(reason);

  async function parabolic(bracket: { m: number; d: number }[]): Promise<void> {
    let [a, b, c] = bracket;
    // Make the middle point the lowest: probe between the lowest end and the middle, or beyond that end.
    for (let i = 0; i < 6 && (b.d > a.d || b.d > c.d); i++) {
      const lowEnd = a.d <= c.d ? a : c;
      const mid = await depthAt(Math.round((lowEnd.m + b.m) / 2));
      if (mid.d < lowEnd.d) [a, b, c] = lowEnd === a ? [a, mid, b] : [b, mid, c];
      else {
        const beyond = await depthAt(lowEnd.m + (lowEnd.m - mid.m));
        if (beyond.m === lowEnd.m) return;
        [a, b, c] = lowEnd === a ? [beyond, a, mid] : [mid, c, beyond];
      }
    }
    if (b.d > a.d || b.d > c.d) return;
    for (let i = 0; i < 20 && c.m - a.m > 2; i++) {
      const num = (b.m - a.m) ** 2 * (b.d - c.d) - (b.m - c.m) ** 2 * (b.d - a.d);
      const den = (b.m - a.m) * (b.d - c.d) - (b.m - c.m) * (b.d - a.d);
      let v = den !== 0 ? b.m - (0.5 * num) / den : (a.m + c.m) / 2;
      v = Math.round(v);
      if (v <= a.m || v >= c.m || v === b.m)
        v = Math.round(b.m - a.m > c.m - b.m ? (a.m + b.m) / 2 : (b.m + c.m) / 2);
      if (v === b.m) break;
      const p = await depthAt(v);
      if (p.d < b.d) {
        if (p.m < b.m) c = b;
        else a = b;
        b = p;
      } else if (p.m < b.m) a = p;
      else c = p;
    }
    matchStep = Math.max(20, Math.round((c.m - a.m) / 2));
  }

  async function settle(why: string | null): Promise<AtmResult> {
    const b = best as AtmLogEntry | null;
    if (b !== null && b.larmorDb <= s.requiredDb) {
      await returnTo(b);
      return finish(true, null, b);
    }
    if (b !== null) await returnTo(b);
    if (why === null && b !== null) {
      const edge = (x: number, limit: number) => x <= 0.05 * limit || x >= 0.95 * limit;
      if (edge(b.match, limits.match))
        why = `the match motor is at the ${b.match < limits.match / 2 ? 'lower' : 'upper'} end of its travel (step ${b.match})`;
      else if (edge(b.tune, limits.tune))
        why = `the tune motor is at the ${b.tune < limits.tune / 2 ? 'lower' : 'upper'} end of its travel (step ${b.tune})`;
    }
    const bestText = b === null ? 'no sweep at the Larmor frequency' : `best ${b.larmorDb.toFixed(1)} dB`;
    return finish(
      false,
      `${why ?? `the reflection at ${(f0 / 1e6).toFixed(3)} MHz did not reach ${s.requiredDb} dB`} (${bestText})`,
      b,
    );
  }

  async function returnTo(b: AtmLogEntry): Promise<void> {
    try {
      await goTo('tune', b.tune);
      await goTo('match', b.match);
    } catch {
      // Moving back is best effort; the result reports the best measured position either way.
    }
  }

  function finish(ok: boolean, why: string | null, b: AtmLogEntry | null): AtmResult {
    const at = b ?? log[log.length - 1];
    return {
      ok,
      reason: why,
      larmorDb: at?.larmorDb ?? Number.NaN,
      dipHz: at?.dipHz ?? Number.NaN,
      tune: at?.tune ?? pos.tune,
      match: at?.match ?? pos.match,
      wobbles: log.length,
      log,
      memory: {
        tuneHzPerStep,
        matchStepSteps: Math.max(20, Math.min(s.maxMatchMoveSteps, matchStep)),
        matchDirection,
      },
    };
  }
}
