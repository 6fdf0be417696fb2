/**
 * CEST: Z-spectra (the main pool's longitudinal magnetization after saturation at a series of offsets)
 * → exchange rate and population of a minor pool, with the two-pool Bloch–McConnell equations
 * (McConnell, J. Chem. Phys. 1958; the form used for CEST by Woessner et al., Magn. Reson. Med. 2005).
 *
 * Rotating frame of the saturation field (amplitude ω1 along x), pool offsets Δ_p = ω_p − ω_rf:
 *   dMx/dt = −R2 Mx − Δ My                − k_out Mx + k_in Mx'
 *   dMy/dt =  Δ Mx − R2 My − ω1 Mz        − k_out My + k_in My'
 *   dMz/dt =  ω1 My − R1 (Mz − M0)        − k_out Mz + k_in Mz'
 * for pool a (M0 = 1 − pb, k_out = k_ab) and pool b (M0 = pb, k_out = k_ba), with k_ab = kex·pb,
 * k_ba = kex·(1 − pb) (detailed balance), kex = k_ab + k_ba. Saturation long against T1 is taken to reach
 * the steady state, M = −A⁻¹ b; Z = Mz_a / M0_a.
 */
import { ParameterError } from '../core/errors.js';
import { leastSquaresQr } from '../fit/lstsq.js';
import { leastSquares } from '../fit/optimizer.js';

export interface CestPools {
  /** Exchange rate kex = k_ab + k_ba, s⁻¹. */
  readonly kexS: number;
  /** Population (fraction of M0) of pool b. */
  readonly pb: number;
  /** Offset of pool b from pool a, ppm. */
  readonly deltaBPpm: number;
  readonly r1a: number;
  readonly r2a: number;
  readonly r1b: number;
  readonly r2b: number;
}

export interface CestConditions {
  /** Larmor frequency of the nucleus, MHz (ppm → Hz). */
  readonly larmorMHz: number;
  /** Saturation amplitude ω1/2π, Hz. */
  readonly b1Hz: number;
  /** Position of pool a on the offset axis, ppm (default 0). */
  readonly poolAPpm?: number;
}

/** Z = Mz_a/M0_a at each saturation offset (ppm), steady state. */
export function zSpectrum(offsetsPpm: ArrayLike<number>, pools: CestPools, c: CestConditions): Float64Array {
  const ppmToRad = 2 * Math.PI * c.larmorMHz;
  const w1 = 2 * Math.PI * c.b1Hz;
  const pa = 1 - pools.pb;
  const kab = pools.kexS * pools.pb;
  const kba = pools.kexS * pa;
  const a0 = c.poolAPpm ?? 0;
  const out = new Float64Array(offsetsPpm.length);
  const m = new Float64Array(36);
  const rhs = new Float64Array(6);
  for (let q = 0; q < offsetsPpm.length; q++) {
    const da = (a0 - offsetsPpm[q]) * ppmToRad;
    const db = (a0 + pools.deltaBPpm - offsetsPpm[q]) * ppmToRad;
    m.fill(0);
    const set = (i: number, j: number, v: number) => (m[i * 6 + j] = v);
    // Pool a (rows 0–2) and b (rows 3–5).
    const pool = (o: number, r1: number, r2: number, d: number, kOut: number, kIn: number, other: number) => {
      set(o, o, -r2 - kOut);
      set(o, o + 1, -d);
      set(o + 1, o, d);
      set(o + 1, o + 1, -r2 - kOut);
      set(o + 1, o + 2, -w1);
      set(o + 2, o + 1, w1);
      set(o + 2, o + 2, -r1 - kOut);
      for (let k = 0; k < 3; k++) set(o + k, other + k, kIn);
    };
    pool(0, pools.r1a, pools.r2a, da, kab, kba, 3);
    pool(3, pools.r1b, pools.r2b, db, kba, kab, 0);
    rhs.fill(0);
    // A M + b = 0 → A M = −b, b = R1·M0 on the z rows.
    rhs[2] = -pools.r1a * pa;
    rhs[5] = -pools.r1b * pools.pb;
    const sol = leastSquaresQr(m, 6, 6, rhs);
    out[q] = sol[2] / pa;
  }
  return out;
}

export interface CestFit {
  readonly pools: CestPools;
  /** Standard errors of kex, pb, deltaBPpm, r2a, r2b (r1a, r1b are given). */
  readonly errors: { kexS: number; pb: number; deltaBPpm: number; r2a: number; r2b: number };
  readonly residuals: Float64Array;
  readonly reducedChi2: number;
  readonly converged: boolean;
}

/**
 * Fits kex, pb, the pool-b offset, R2a and R2b to a Z-spectrum; R1 of both pools is given (from a T1
 * measurement: CEST data alone determine it poorly). `start` gives first guesses (the pool-b offset should
 * be near its dip).
 */
export function fitZSpectrum(
  offsetsPpm: readonly number[],
  z: readonly number[],
  c: CestConditions,
  start: CestPools,
): CestFit {
  if (offsetsPpm.length !== z.length || offsetsPpm.length < 8)
    throw new ParameterError('a Z-spectrum fit needs at least 8 (offset, Z) pairs', {
      field: 'offsets',
      found: offsetsPpm.length,
    });
  const pools = (p: Float64Array): CestPools => ({
    kexS: p[0],
    pb: p[1],
    deltaBPpm: p[2],
    r2a: p[3],
    r2b: p[4],
    r1a: start.r1a,
    r1b: start.r1b,
  });
  const r = leastSquares(
    {
      nParams: 5,
      nResiduals: z.length,
      residuals(p, out) {
        const model = zSpectrum(offsetsPpm, pools(p), c);
        for (let i = 0; i < z.length; i++) out[i] = model[i] - z[i];
      },
    },
    [start.kexS, start.pb, start.deltaBPpm, start.r2a, start.r2b],
    { lower: [0, 0, -Infinity, 0, 0], upper: [Infinity, 0.5, Infinity, Infinity, Infinity], xScale: 'jac' },
  );
  const se = r.standardErrors;
  return {
    pools: pools(r.p),
    errors: { kexS: se[0], pb: se[1], deltaBPpm: se[2], r2a: se[3], r2b: se[4] },
    residuals: r.residuals,
    reducedChi2: r.reducedChi2,
    converged: r.converged,
  };
}
