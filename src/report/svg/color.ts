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

/** Colour between two RGB triples, f ∈ [0, 1] from a to b. */
function mix(a: readonly number[], b: readonly number[], f: number): string {
  return hex(a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f);
}

/** t clamped to [0, 1]; non-finite → 0 (the low end of a map). */
const unit = (t: number) => (Number.isFinite(t) ? Math.max(0, Math.min(1, t)) : 0);

/** Viridis colour at t ∈ [0, 1] (clamped; non-finite → the low end). */
export function viridis(t: number): string {
  const pos = unit(t) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(pos));
  return mix(VIRIDIS[i], VIRIDIS[i + 1], pos - i);
}

/* cividis (Nuñez, Anderton & Renslow, "Optimizing colormaps with consideration for color vision
 * deficiency to enable accurate interpretation of scientific data", PLOS ONE 2018): knots of the published
 * 256-entry table at [index, r, g, b], chosen so that linear interpolation between them stays within 1.5
 * RGB units of every entry (test/report/colormap.test.ts checks all 256). Its lightness rises
 * monotonically and it reads the same for red-green colour-blind viewers. */
const CIVIDIS: [number, number, number, number][] = [
  [0, 0.0, 32.2, 76.9],
  [20, 0.0, 46.3, 110.8],
  [31, 1.4, 53.6, 110.2],
  [36, 21.1, 57.2, 109.3],
  [46, 41.6, 64.4, 107.9],
  [69, 70.6, 80.9, 107.3],
  [113, 111.9, 112.7, 115.3],
  [136, 132.5, 129.9, 120.8],
  [176, 172.7, 161.8, 115.8],
  [213, 212.4, 193.9, 100.4],
  [240, 243.2, 219.1, 79.5],
  [251, 255.0, 230.0, 66.3],
  [255, 255.0, 233.8, 69.6],
];

/** Cividis colour at t ∈ [0, 1] (clamped; non-finite → the low end). */
export function cividis(t: number): string {
  const u = unit(t) * 255;
  let i = 0;
  while (i < CIVIDIS.length - 2 && CIVIDIS[i + 1][0] <= u) i++;
  const [ia, ...a] = CIVIDIS[i];
  const [ib, ...b] = CIVIDIS[i + 1];
  return mix(a, b, (u - ia) / (ib - ia));
}

/** The intensity colour maps by name (the workbench offers both). */
export const COLORMAPS = { viridis, cividis } as const;
export type ColormapName = keyof typeof COLORMAPS;

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
