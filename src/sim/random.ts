/**
 * A small seeded pseudo-random generator so that every simulated data set is reproducible from one
 * integer. mulberry32 (Tommy Ettinger's 32-bit mixer, public domain) gives uniform numbers; normal deviates
 * come from the Box–Muller transform. Not for cryptography; good enough for noise and parameter jitter.
 */

export interface Rng {
  /** Uniform on [0, 1). */
  uniform(): number;
  /** Uniform on [lo, hi). */
  between(lo: number, hi: number): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** The seed it was created with. */
  readonly seed: number;
}

/** mulberry32: period 2^32, passes the usual small-state tests well enough for simulation noise. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Creates a generator from an integer seed (any finite number; it is reduced to 32 bits). */
export function createRng(seed: number): Rng {
  const next = mulberry32(Math.trunc(seed));
  // Box–Muller yields two deviates per pair of uniforms; keep the second for the next call.
  let spare: number | undefined;
  return {
    seed,
    uniform: next,
    between(lo: number, hi: number) {
      return lo + (hi - lo) * next();
    },
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = next();
      // log(0) would give an infinite deviate.
      while (u <= 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Derives an independent child seed (e.g. one per spectrum) so that streams do not overlap in order. */
export function deriveSeed(seed: number, index: number): number {
  // A round of the splitmix32 finaliser on (seed, index): neighbouring indices give unrelated seeds.
  let h = (Math.trunc(seed) ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
