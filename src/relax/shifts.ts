/**
 * Reference shifts for assigning lines in spectra of Li and Na metal cells: SEI species, metals (Knight
 * shifts) and anode phases, each with its source. Shifts in ppm on the usual references (⁶Li/⁷Li aqueous
 * LiCl, ²³Na aqueous NaCl, ³¹P 85 % H₃PO₄).
 *
 * Sources (cited as in the README):
 *  - Zheng et al. 2024, Table 3: ⁷Li and ²³Na shifts of common SEI species; §1.2: ⁷Li metal 242–272 ppm with
 *    the strip's orientation to B0 (Trease et al.: 272, 265, 252, 242 ppm at 0, 30, 45, 90°); §1.4.1.3:
 *    graphite intercalation compounds ≈40 ppm, lithiated hard carbon ≈40–140 ppm, LiₓSi −50…50 ppm, plated Li ≈250 ppm,
 *    dendritic Li on graphite 258 ppm.
 *  - Liu et al. 2021: LiC₆ ≈45 ppm; Li₃PS₄ 84 ppm (³¹P) from decomposed Li₁₀SnP₂S₁₂; dendritic Li ≈270 ppm.
 *  - SIMBA D3.2 2021: Na metal 1135 ppm with a microstructure shoulder at 1141 ppm.
 *  - Wichmann et al. 2025: Li₂₂Sn₅ (lithiated Sn coating) ≈100 ppm.
 * ⁶Li entries repeat the ⁷Li chemical shifts: both isotopes sit in the same electronic environment, and a
 * shift in ppm is a property of that environment (isotope effects on Li shifts are far below the widths
 * of these lines); their source says "as ⁷Li".
 * No ¹⁹F entry is listed: none of the sources above tabulates ¹⁹F shifts, and unsourced values are not shipped.
 */
import { findNucleus } from '../core/nuclei.js';
import { UsageError } from '../core/errors.js';

export interface ShiftEntry {
  readonly nucleus: string;
  readonly species: string;
  /** 'sei' (interphase species), 'metal' (Knight-shifted metal), 'anode' (intercalation/alloy phase), 'electrolyte'. */
  readonly category: 'sei' | 'metal' | 'anode' | 'electrolyte';
  /** Shift or range, ppm (lo = hi for a single value). */
  readonly loPpm: number;
  readonly hiPpm: number;
  /** The value as the source gives it (e.g. "~1", "7, 7.5, −4"). */
  readonly reported: string;
  readonly source: string;
}

const Z = 'Zheng et al. 2024, Table 3';

function sei(nucleus: string, species: string, reported: string, values: number[], source = Z): ShiftEntry {
  return {
    nucleus,
    species,
    category: 'sei',
    loPpm: Math.min(...values),
    hiPpm: Math.max(...values),
    reported,
    source,
  };
}

const LI_SEI: [string, string, number[]][] = [
  ['Li2O', '2.8', [2.8]],
  ['LiOH', '~1', [1]],
  ['Li2CO3', '0', [0]],
  ['LiF', '-1', [-1]],
  ['LiCl', '-1.1', [-1.1]],
  ['LiH', '~0.2', [0.2]],
  ['Li2S', '2.2', [2.2]],
  ['Li3N', '7.45', [7.45]],
  ['Li2O2', '1.33', [1.33]],
  ['Li3PO4', '~0', [0]],
];

const NA_SEI: [string, string, number[]][] = [
  ['Na2O', '55.1', [55.1]],
  ['NaOH', '21', [21]],
  ['Na2CO3', '7, 7.5, -4', [7, 7.5, -4]],
  ['NaF', '7.2', [7.2]],
  ['NaCl', '7.2', [7.2]],
  ['NaH', '18.8', [18.8]],
  ['Na2S', '49.8', [49.8]],
  ['Na2O2', '6.9, 11.8', [6.9, 11.8]],
  ['Na3PO4', '10', [10]],
];

function range(
  nucleus: string,
  species: string,
  category: ShiftEntry['category'],
  lo: number,
  hi: number,
  reported: string,
  source: string,
): ShiftEntry {
  return { nucleus, species, category, loPpm: lo, hiPpm: hi, reported, source };
}

const LI_OTHER: [string, ShiftEntry['category'], number, number, string, string][] = [
  [
    'Li metal (orientation 90°…0° to B0)',
    'metal',
    242,
    272,
    '242, 252, 265, 272 at 90, 45, 30, 0°',
    'Zheng et al. 2024, §1.2 (Trease et al.)',
  ],
  ['Li metal, plated', 'metal', 250, 250, '~250', 'Zheng et al. 2024, §1.4.1.3'],
  ['Li dendrites on graphite', 'metal', 258, 258, '258', 'Zheng et al. 2024, §1.4.1.3'],
  ['Li dendrites', 'metal', 270, 270, '~270', 'Liu et al. 2021'],
  ['graphite intercalation compounds', 'anode', 40, 40, '~40', 'Zheng et al. 2024, §1.4.1.3'],
  ['LiC6', 'anode', 45, 45, '~45', 'Liu et al. 2021'],
  ['lithiated hard carbon', 'anode', 40, 140, '~40–140', 'Zheng et al. 2024, §1.4.1.3'],
  ['LixSi', 'anode', -50, 50, '−50 to 50', 'Zheng et al. 2024, §1.4.1.3'],
  ['Li22Sn5', 'anode', 100, 100, '~100', 'Wichmann et al. 2025'],
];

/** The shift table (see the header for sources). */
export const SHIFT_TABLE: readonly ShiftEntry[] = [
  ...LI_SEI.map(([s, r, v]) => sei('7Li', s, r, v)),
  ...LI_SEI.map(([s, r, v]) => sei('6Li', s, r, v, `${Z} (as 7Li)`)),
  ...LI_OTHER.map(([s, c, lo, hi, r, src]) => range('7Li', s, c, lo, hi, r, src)),
  ...LI_OTHER.map(([s, c, lo, hi, r, src]) => range('6Li', s, c, lo, hi, r, `${src} (as 7Li)`)),
  ...NA_SEI.map(([s, r, v]) => sei('23Na', s, r, v)),
  range('23Na', 'Na metal', 'metal', 1135, 1135, '1135', 'SIMBA D3.2 2021'),
  range('23Na', 'Na metal microstructure (shoulder)', 'metal', 1141, 1141, '1141', 'SIMBA D3.2 2021'),
  range('31P', 'Li3PS4', 'sei', 84, 84, '84', 'Liu et al. 2021'),
];

export interface ShiftQuery {
  readonly nucleus?: string;
  /** Entries whose range lies within `tolerancePpm` of this shift, nearest first. */
  readonly nearPpm?: number;
  readonly tolerancePpm?: number;
  /** Case-insensitive substring of the species name (subscripts written as digits: Li2CO3). */
  readonly species?: string;
  readonly category?: ShiftEntry['category'];
}

/** Distance of a shift from an entry's range, ppm (0 inside it). */
export function distancePpm(e: ShiftEntry, ppm: number): number {
  return ppm < e.loPpm ? e.loPpm - ppm : ppm > e.hiPpm ? ppm - e.hiPpm : 0;
}

/** Entries matching every given criterion; nearest first when `nearPpm` is given, else in table order. */
export function queryShifts(q: ShiftQuery = {}, table: readonly ShiftEntry[] = SHIFT_TABLE): ShiftEntry[] {
  let nucleus: string | undefined;
  if (q.nucleus !== undefined) {
    const n = findNucleus(q.nucleus);
    if (!n)
      throw new UsageError('unknown nucleus', {
        field: '--nucleus',
        found: q.nucleus,
        expected: 'e.g. 7Li, 6Li, 23Na, 31P',
      });
    nucleus = n.label;
  }
  const tolerance = q.tolerancePpm ?? 2;
  if (!(tolerance >= 0))
    throw new UsageError('tolerance must be ≥ 0', {
      field: '--tolerance',
      found: tolerance,
      expected: '≥ 0 ppm',
    });
  const needle = q.species?.toLowerCase();
  const out = table.filter(
    (e) =>
      (nucleus === undefined || e.nucleus === nucleus) &&
      (q.category === undefined || e.category === q.category) &&
      (needle === undefined || e.species.toLowerCase().includes(needle)) &&
      (q.nearPpm === undefined || distancePpm(e, q.nearPpm) <= tolerance),
  );
  if (q.nearPpm !== undefined) {
    const at = q.nearPpm;
    // Nearest first; among entries holding the shift, the narrowest (most specific) first.
    return out.sort(
      (a, b) => distancePpm(a, at) - distancePpm(b, at) || a.hiPpm - a.loPpm - (b.hiPpm - b.loPpm),
    );
  }
  return out;
}

export interface DiamagneticPresetOptions {
  /** Nucleus of the table entries to use (default 7Li). */
  readonly nucleus?: string;
  /** Start and shared FWHM of the lines, ppm (Gaussian part; default 1). */
  readonly widthPpm?: number;
  /** How far a line may move outside its tabulated shift or range, ppm (default 0.5). */
  readonly tolerancePpm?: number;
  /** Fit window, ppm (default: the constrained positions ± 4 widths). */
  readonly windowPpm?: [number, number];
}

export interface DiamagneticPreset {
  /** A model spec for `spincell fit --model` / fitModel: one Voigt per species, widths shared. */
  readonly spec: {
    windowPpm: [number, number];
    baseline: { degree: number };
    components: Record<string, unknown>[];
  };
  readonly entries: readonly ShiftEntry[];
  /**
   * Pairs whose allowed position ranges come closer than the line width: the data cannot tell them apart
   * by position, so their areas trade off and only their sum is determined.
   */
  readonly unresolved: readonly { readonly a: string; readonly b: string; readonly gapPpm: number }[];
}

/**
 * A fit preset for the diamagnetic (SEI) region: one line per named species at its tabulated shift, the
 * position constrained to the tabulated value or range ± `tolerancePpm`, all widths linked to the first
 * line's, and a linear baseline. Species are names of SHIFT_TABLE entries of the nucleus (Li2CO3, LiF …).
 */
export function diamagneticPreset(
  species: readonly string[],
  o: DiamagneticPresetOptions = {},
): DiamagneticPreset {
  const nucleus = findNucleus(o.nucleus ?? '7Li')?.label;
  if (!nucleus)
    throw new UsageError('unknown nucleus', {
      field: '--nucleus',
      found: o.nucleus,
      expected: 'e.g. 7Li, 23Na',
    });
  const width = o.widthPpm ?? 1;
  const tol = o.tolerancePpm ?? 0.5;
  if (!(width > 0) || !(tol >= 0))
    throw new UsageError('width must be > 0 and tolerance ≥ 0', {
      field: '--width-ppm / --tolerance',
      found: [width, tol],
      expected: 'width > 0 ppm, tolerance ≥ 0 ppm',
    });
  if (species.length === 0)
    throw new UsageError('no species named', { field: '--preset', expected: 'e.g. LiF,Li2CO3,Li2O' });
  const entries = species.map((name) => {
    const e = SHIFT_TABLE.find(
      (x) => x.nucleus === nucleus && x.species.toLowerCase() === name.trim().toLowerCase(),
    );
    if (!e)
      throw new UsageError('species not in the shift table for this nucleus', {
        field: '--preset',
        found: `${name} (${nucleus})`,
        expected: SHIFT_TABLE.filter((x) => x.nucleus === nucleus && x.category === 'sei')
          .map((x) => x.species)
          .join(', '),
      });
    return e;
  });
  const names = entries.map((e) => e.species);
  if (new Set(names).size !== names.length)
    throw new UsageError('a species is named twice', {
      field: '--preset',
      found: names.join(','),
      expected: 'distinct species',
    });
  const lo = Math.min(...entries.map((e) => e.loPpm)) - tol - 4 * width;
  const hi = Math.max(...entries.map((e) => e.hiPpm)) + tol + 4 * width;
  const first = names[0];
  const components = entries.map((e, k) => ({
    name: e.species,
    shape: 'voigt',
    position: { value: 0.5 * (e.loPpm + e.hiPpm), min: e.loPpm - tol, max: e.hiPpm + tol },
    fwhmG: k === 0 ? { value: width, min: 0.02, max: 5 * width } : { link: { to: `${first}.fwhmG` } },
    fwhmL:
      k === 0
        ? { value: Math.round(1e6 * 0.1 * width) / 1e6, min: 0, max: 5 * width }
        : { link: { to: `${first}.fwhmL` } },
  }));
  const unresolved: { a: string; b: string; gapPpm: number }[] = [];
  for (let i = 0; i < entries.length; i++)
    for (let j = i + 1; j < entries.length; j++) {
      const a = entries[i];
      const b = entries[j];
      // Closest the two constrained positions can come.
      const gap = Math.max(0, Math.max(a.loPpm, b.loPpm) - Math.min(a.hiPpm, b.hiPpm) - 2 * tol);
      if (gap < width) unresolved.push({ a: a.species, b: b.species, gapPpm: gap });
    }
  return {
    spec: { windowPpm: o.windowPpm ?? [lo, hi], baseline: { degree: 1 }, components },
    entries,
    unresolved,
  };
}
