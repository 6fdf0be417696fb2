/**
 * Colours. Viridis for intensities because it is perceptually uniform and reads in greyscale and for
 * colour-blind readers; Okabe–Ito for categories for the same reason.
 */

/* Nine samples of matplotlib's viridis (at 0, 1/8, …, 1); linear interpolation between them stays
 * within a few RGB units of the full 256-entry table. */
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 140],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

function hex(r: number, g: number, b: number): string {
  const h = (v: number) =>
    Math.max(0, Math.min(255, Math.round(v)))
      .toString(16)
      .padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}

/** Viridis colour at t ∈ [0, 1] (clamped; non-finite → the low end). */
export function viridis(t: number): string {
  const u = Number.isFinite(t) ? Math.max(0, Math.min(1, t)) : 0;
  const pos = u * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return hex(a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f);
}

/** Okabe & Ito (2008) colour-blind-safe categorical palette, darkest-first order for lines on white. */
export const CATEGORICAL = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
];

export function categorical(index: number): string {
  return CATEGORICAL[((index % CATEGORICAL.length) + CATEGORICAL.length) % CATEGORICAL.length];
}

export const INK = '#222222';
export const GRID = '#e4e4e4';
export const MUTED = '#666666';
