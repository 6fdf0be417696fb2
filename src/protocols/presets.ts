/**
 * Method presets for the morphology deconvolution: everything a published analysis fixes (referencing
 * convention, shift windows, width constraint, lineshape, fit range, starting values), each setting with
 * its source — the paper and section, or "our derivation" with the reasoning — and what the paper leaves
 * open with what we chose. Presets are data; `resolveMorphology` turns a preset plus the user's overrides
 * and the data's referencing into the options of src/protocols/morphology.ts and the list of resolved
 * settings recorded in every output. The CLI (`spincell morphology --preset`) and manifests
 * (`nmr.morphology.preset`) both go through it.
 *
 * Publications (cited by authors, journal, year, section):
 * - Wichmann, Jiang, Thienenkamp, Mohrhardt, Hwang, Winter, Brunklaus, "Origins of lithium inventory
 *   reversibility with an alloying functional layer in anode-free lithium metal batteries", Nat. Commun.
 *   (2025): Methods "⁷Li NMR spectroscopy" and Results "Correlation of capacity losses and lithium morphology".
 * - Thienenkamp, Lennartz, Winter, Brunklaus, Cell Rep. Phys. Sci. (2024): Results "Morphology of Li metal
 *   deposits" and Experimental procedures "In situ ⁷Li NMR spectra".
 * - SIMBA project (Gutmann, Zhan), Deliverable D3.2 (2021), §3.2.3 (Na|NaPF₆|Na cell).
 * - Zheng, Liu, Xiang, J. Phys. Chem. C 128 (2024), §1.4.1.1 (sodium microstructures, after Pecher et al.).
 */
import { ParameterError } from '../core/errors.js';
import { findNucleus } from '../core/nuclei.js';
import {
  DEFAULT_WIDTH_CAP_PPM,
  LITHIUM_WINDOWS_PPM,
  NMC622_CATHODE_OFFSET_PPM,
  PHASE_FIT_MODES,
  SODIUM_WINDOWS_PPM,
  UNCONSTRAINED_ASSIGNMENT_PPM,
  UNCONSTRAINED_EXTRA_STARTS_PPM,
  UNCONSTRAINED_START_PPM,
  type AssignedShift,
  type MorphologySeriesOptions,
  type MorphologyWindow,
  type PhaseFitMode,
} from './morphology.js';

/** A setting's value with where it comes from. */
export interface Sourced<T> {
  readonly value: T;
  /** Paper and section/table/equation, or "our derivation: …" / "our choice: …". */
  readonly source: string;
  /** What the paper leaves open here and what we chose (absent: the paper fixes it). */
  readonly open?: string;
}

/**
 * Where 0 ppm is. `external`: the spectrometer's scale set with an external standard (1 M LiCl(aq) = 0 ppm
 * for ⁷Li); `internal-metal`: the tallest metal line moved to `metalPpm` (Li metal → 245 ppm).
 */
export type Referencing =
  | { readonly kind: 'external'; readonly standard: string }
  | { readonly kind: 'internal-metal'; readonly metalPpm: number };

/** How the constrained fit's width cap is obtained. */
export type WidthCapRule =
  /** A pristine electrode measured in a calibration (required: --width-cap PPM or --width-cap-from EXP). */
  | { readonly kind: 'calibration'; readonly describe: string }
  /** The first spectrum of the series holds the pristine electrode (symmetric metal cells): 'auto'. */
  | { readonly kind: 'first-spectrum' }
  /** A fixed value, ppm. */
  | { readonly kind: 'ppm'; readonly ppm: number };

export interface MorphologyPreset {
  readonly name: string;
  readonly title: string;
  /** The publication, as cited in help texts. */
  readonly citation: string;
  /** Nuclei the preset's shifts are written for. */
  readonly nuclei: readonly string[];
  readonly mode: Sourced<'constrained' | 'unconstrained'>;
  readonly referencing: Sourced<Referencing>;
  /**
   * Internal scale minus external scale, ppm, for presets whose windows can be carried over to spectra
   * referenced the other way (only where the pristine metal's shift on both scales is known).
   */
  readonly scaleOffsetPpm?: Sourced<number>;
  /** Constrained: the final shift windows on the preset's scale (any cathode offset included). */
  readonly windows?: Sourced<readonly MorphologyWindow[]>;
  readonly cathode?: Sourced<string>;
  readonly widthCap?: Sourced<WidthCapRule>;
  /** Where a width-cap calibration fits the pristine line, ppm. */
  readonly calibrationWindowPpm?: Sourced<[number, number]>;
  readonly lineshape: Sourced<string>;
  /** Constrained: how far the fit range reaches beyond the outermost windows, ppm. */
  readonly marginPpm?: Sourced<number>;
  /** Unconstrained: the fit range after referencing, ppm. */
  readonly fitRangePpm?: Sourced<[number, number]>;
  readonly startPpm?: Sourced<readonly number[]>;
  readonly extraStartsPpm?: Sourced<readonly (readonly number[])[]>;
  readonly assignment?: Sourced<readonly AssignedShift[]>;
  readonly maxWidthPpm?: Sourced<number>;
  readonly fitPhase: Sourced<PhaseFitMode>;
  readonly baselineDegree: Sourced<number | null>;
  readonly fractions: Sourced<string>;
  /** Acceptance criterion the paper states for its fits. */
  readonly quality?: Sourced<string>;
}

const WICHMANN = 'Wichmann et al., Nat. Commun. 2025';
const WICHMANN_METHODS = `${WICHMANN}, Methods "⁷Li NMR spectroscopy"`;
const WICHMANN_RESULTS = `${WICHMANN}, Results "Correlation of capacity losses and lithium morphology"`;
const THIENENKAMP = 'Thienenkamp et al., Cell Rep. Phys. Sci. 2024';
const THIENENKAMP_RESULTS = `${THIENENKAMP}, Results "Morphology of Li metal deposits"`;
const THIENENKAMP_METHODS = `${THIENENKAMP}, Experimental procedures "In situ ⁷Li NMR spectra"`;
const SIMBA = 'SIMBA Deliverable D3.2 (Gutmann, Zhan) 2021, §3.2.3';
const ZHENG = 'Zheng et al., J. Phys. Chem. C 2024, §1.4.1.1 (after Pecher et al.)';

/** Pristine Li on Cu without a cathode on the external LiCl scale (Wichmann et al. 2025, Methods). */
export const PRISTINE_LI_EXTERNAL_PPM = 242.9;
/** Internal metal reference of Thienenkamp et al. 2024 (Experimental procedures). */
export const PRISTINE_LI_INTERNAL_PPM = 245;
/** Wichmann et al.'s (2025) windows are 5 ppm wide (dense: 246.5 ± 2.5 ppm). */
export const WINDOW_HALF_WIDTH_PPM = 2.5;

const LICL: Referencing = { kind: 'external', standard: '1 M LiCl(aq) = 0 ppm' };

/** Wichmann et al. 2025: the windows beside NMC622 at 100 % SOC, external LiCl scale. */
export const WICHMANN2025_WINDOWS_PPM: readonly MorphologyWindow[] = [
  { name: 'dense', minPpm: 244, maxPpm: 249 },
  { name: 'mossy', minPpm: 254, maxPpm: 259 },
  { name: 'dendritic', minPpm: 264, maxPpm: 269 },
];

/**
 * Our derivation of windows without a paramagnetic cathode, on the external LiCl scale: the shifts the MRI
 * paper assigns on its internal scale (bulk/dense 245, mossy 260, dendritic 270 ppm; Thienenkamp et al.
 * 2024) moved to the external scale by the pristine electrode's two positions (245 − 242.9 = 2.1 ppm),
 * each given Wichmann et al.'s window width of 5 ppm.
 */
export const NOCATHODE_WINDOWS_EXTERNAL_PPM: readonly MorphologyWindow[] = (
  [
    ['dense', 245],
    ['mossy', 260],
    ['dendritic', 270],
  ] as const
).map(([name, internalPpm]) => {
  const centre = internalPpm - (PRISTINE_LI_INTERNAL_PPM - PRISTINE_LI_EXTERNAL_PPM);
  return {
    name,
    minPpm: Math.round((centre - WINDOW_HALF_WIDTH_PPM) * 10) / 10,
    maxPpm: Math.round((centre + WINDOW_HALF_WIDTH_PPM) * 10) / 10,
  };
});

/**
 * ²³Na windows between the shifts a paper states: each line's window reaches half way to its neighbour
 * and as far on its other side, so both stated lines sit at their window centres.
 */
function windowsAround(lines: readonly (readonly [string, number])[]): MorphologyWindow[] {
  return lines.map(([name, ppm], k) => {
    const gap = k + 1 < lines.length ? lines[k + 1][1] - ppm : ppm - lines[k - 1][1];
    return { name, minPpm: ppm - gap / 2, maxPpm: ppm + gap / 2 };
  });
}

export const GUTMANN2021_WINDOWS_PPM = windowsAround([
  ['metal', 1135],
  ['microstructure', 1141],
]);
export const ZHENG2024_WINDOWS_PPM = windowsAround([
  ['metal', 1130],
  ['microstructure', 1133],
]);

const CONSTRAINED_COMMON = {
  lineshape: { value: 'voigt', source: `${WICHMANN_METHODS}: three Voigt functions` },
  marginPpm: {
    value: 10,
    source: 'our choice',
    open: 'the paper does not state its fit range; we fit the windows ± 10 ppm',
  },
  fitPhase: {
    value: 'zero-order' as PhaseFitMode,
    source: 'our choice',
    open: 'the paper phases in TopSpin before fitting (a fixed phase, --fit-phase none); we also fit a zero-order correction with the lines, starting from the processed phase',
  },
  baselineDegree: {
    value: null,
    source: 'our choice',
    open: 'the paper corrects the baseline in processing; no baseline is fitted with the lines',
  },
  fractions: {
    value: 'component area / total metal area',
    source: `${WICHMANN_METHODS}`,
  },
  calibrationWindowPpm: {
    value: [230, 260] as [number, number],
    source: 'our choice',
    open: 'holds pristine Li metal with and without a paramagnetic cathode',
  },
} as const;

export const MORPHOLOGY_PRESETS: readonly MorphologyPreset[] = [
  {
    name: 'wichmann2025',
    title: 'constrained three-Voigt deconvolution beside NMC622 at 100 % SOC (anode-free Cu‖NMC622)',
    citation: WICHMANN,
    nuclei: ['7Li'],
    mode: { value: 'constrained', source: WICHMANN_METHODS },
    referencing: {
      value: LICL,
      source: `${WICHMANN_METHODS}: shift scale referenced to 0 ppm with 1 mol L⁻¹ LiCl + 1 g L⁻¹ CuSO₄ in water`,
    },
    windows: {
      value: WICHMANN2025_WINDOWS_PPM,
      source: `${WICHMANN_METHODS}: dense 244–249, mossy 254–259, dendritic 264–269 ppm (earlier windows + ≈3.5 ppm for NMC622 at 100 % SOC)`,
    },
    cathode: {
      value: 'NMC622 at 100 % SOC, +3.5 ppm included in the windows',
      source: `${WICHMANN_RESULTS}: pristine Li 242.9 ± 0.1 → 246.7 ± 0.3 ppm beside charged NMC622`,
      open: 'spectra at another SOC shift by a different amount (+3.3 ppm from 100 % to 0 % SOC); only charged-state spectra were deconvoluted',
    },
    widthCap: {
      value: {
        kind: 'calibration',
        describe: 'whole FWHM of a pristine Li electrode beside NMC622 at 100 % SOC in a calibration cell',
      },
      source: `${WICHMANN_METHODS}: each peak width limited to the width of a pristine Li electrode beside NMC622 at 100 % SOC (calibration, Fig. 1a)`,
      open: 'the paper gives no number; give --width-cap PPM or --width-cap-from EXP (the calibration experiment)',
    },
    ...CONSTRAINED_COMMON,
  },
  {
    name: 'wichmann2025-nocathode',
    title: 'Wichmann et al. 2025 constrained deconvolution without a paramagnetic cathode (Li‖Li, Cu‖Li)',
    citation: `${WICHMANN}; windows from ${THIENENKAMP}`,
    nuclei: ['7Li', '6Li'],
    mode: { value: 'constrained', source: WICHMANN_METHODS },
    referencing: {
      value: LICL,
      source: `${WICHMANN_METHODS}: external 1 M LiCl scale`,
      open: 'spectra referenced internally (tallest metal line → 245 ppm) get the windows moved by the scale offset',
    },
    scaleOffsetPpm: {
      value: Math.round((PRISTINE_LI_INTERNAL_PPM - PRISTINE_LI_EXTERNAL_PPM) * 10) / 10,
      source: `our derivation: pristine Li at 242.9 ppm on the LiCl scale (${WICHMANN_METHODS}) and at 245 ppm on the internal scale (${THIENENKAMP_METHODS})`,
    },
    windows: {
      value: NOCATHODE_WINDOWS_EXTERNAL_PPM,
      source: `our derivation: no paper gives windows without a cathode; centred on the shifts ${THIENENKAMP_RESULTS} assigns (dense 245, mossy 260, dendritic 270 ppm, internal scale) moved to the LiCl scale by −2.1 ppm, 5 ppm wide as in ${WICHMANN_METHODS}`,
      open: "Wichmann et al.'s windows minus 3.5 ppm (mossy 250.5–255.5) would put the 260 ppm mossy line of the MRI paper into the dendritic window",
    },
    cathode: { value: 'none (not paramagnetic)', source: 'our derivation' },
    widthCap: {
      value: {
        kind: 'calibration',
        describe:
          'whole FWHM of the pristine electrode (the first spectrum of a Li‖Li series, or a calibration cell)',
      },
      source: `${WICHMANN_METHODS}: widths limited to the pristine electrode's`,
      open: 'in a cell with a pristine metal electrode the first spectrum is that electrode (--width-cap auto); otherwise a calibration experiment',
    },
    ...CONSTRAINED_COMMON,
  },
  {
    name: 'thienenkamp2024',
    title:
      'unconstrained three-line deconvolution, metal referenced to 245 ppm (Li‖Li, Li‖NMC622 after polarisation)',
    citation: THIENENKAMP,
    nuclei: ['7Li'],
    mode: {
      value: 'unconstrained',
      source: `${THIENENKAMP_RESULTS}: deconvolution without chemical-shift constraints (Levenberg–Marquardt)`,
    },
    referencing: {
      value: { kind: 'internal-metal', metalPpm: PRISTINE_LI_INTERNAL_PPM },
      source: `${THIENENKAMP_METHODS}: all spectra internally referenced to Li metal at 245 ppm`,
    },
    lineshape: {
      value: 'voigt',
      source: 'our choice',
      open: "the paper fitted in dmfit and does not name the shape; Voigt (dmfit's Gaussian/Lorentzian mix)",
    },
    fitRangePpm: { value: [225, 290], source: 'our choice', open: 'the paper does not state its fit range' },
    startPpm: {
      value: UNCONSTRAINED_START_PPM,
      source: `${THIENENKAMP_RESULTS}: fitted lines at 245, 250 and 263 (Li‖Li) or 268 ppm (Li‖NMC622)`,
      open: 'start values are not stated; settable with --start',
    },
    extraStartsPpm: {
      value: UNCONSTRAINED_EXTRA_STARTS_PPM,
      source:
        'our choice: deterministic multi-start; a different split at a χ² within 2 % is flagged ambiguous-split',
    },
    assignment: {
      value: UNCONSTRAINED_ASSIGNMENT_PPM,
      source: `${THIENENKAMP_RESULTS}: 245 ppm bulk Li metal, 250 ppm dense deposits (or bulk asymmetry), ≈260 mossy, ≈270 dendritic`,
      open: 'lines are labelled by the nearest assigned shift, one to one (not by shift order)',
    },
    maxWidthPpm: {
      value: 30,
      source: 'our choice',
      open: 'no width constraint in the paper; 30 ppm keeps lines from flattening',
    },
    fitPhase: {
      value: 'zero-order',
      source: 'our choice',
      open: 'the paper phases in TopSpin; we also fit a zero-order correction with the lines',
    },
    baselineDegree: { value: null, source: `${THIENENKAMP_METHODS}: no baseline correction was required` },
    fractions: {
      value: 'component area / total (reported, not interpreted by the paper)',
      source: `${THIENENKAMP_RESULTS}: only centres of gravity are interpreted (counter electrode and skin depth prevent quantification)`,
    },
    quality: { value: 'R² ≥ 99.8 %', source: `${THIENENKAMP_RESULTS}, Fig. 4` },
  },
  {
    name: 'gutmann2021',
    title: '²³Na metal (1135 ppm) and its dendritic shoulder (1141 ppm), Na|NaPF₆|Na',
    citation: SIMBA,
    nuclei: ['23Na'],
    mode: {
      value: 'constrained',
      source: 'our choice',
      open: 'the report shows spectra, it does not deconvolute them',
    },
    referencing: {
      value: { kind: 'external', standard: 'the spectrometer scale (external ²³Na standard)' },
      source: 'our choice',
      open: 'the report does not state its referencing',
    },
    windows: {
      value: GUTMANN2021_WINDOWS_PPM,
      source: `our derivation: metal 1135 ppm and shoulder 1141 ppm (${SIMBA}); windows meet half way (1138 ppm) and reach as far on the outer sides`,
    },
    widthCap: {
      value: { kind: 'first-spectrum' },
      source: 'our choice, after the Li procedure of Wichmann et al. 2025',
      open: 'a symmetric Na cell shows the pristine metal in its first spectrum (--width-cap auto)',
    },
    calibrationWindowPpm: {
      value: [1120, 1150],
      source: 'our choice',
      open: 'holds Na metal at 1130–1135 ppm',
    },
    lineshape: { value: 'voigt', source: 'our choice', open: 'as the ⁷Li procedure' },
    marginPpm: { value: 10, source: 'our choice' },
    fitPhase: { value: 'zero-order', source: 'our choice' },
    baselineDegree: { value: null, source: 'our choice' },
    fractions: { value: 'component area / total metal area', source: 'our choice' },
  },
  {
    name: 'zheng2024',
    title: '²³Na metal (1130 ppm) and microstructures (1133 ppm) during plating',
    citation: ZHENG,
    nuclei: ['23Na'],
    mode: { value: 'constrained', source: 'our choice', open: 'the review reports shifts, no deconvolution' },
    referencing: {
      value: { kind: 'external', standard: 'the spectrometer scale (external ²³Na standard)' },
      source: 'our choice',
      open: 'the review does not state the referencing',
    },
    windows: {
      value: ZHENG2024_WINDOWS_PPM,
      source: `our derivation: Na metal ≈1130 ppm and the microstructure signal at 1133 ppm (${ZHENG}); windows meet half way (1131.5 ppm)`,
    },
    widthCap: {
      value: { kind: 'first-spectrum' },
      source: 'our choice, after the Li procedure of Wichmann et al. 2025',
      open: 'the first spectrum (before plating) holds the pristine metal',
    },
    calibrationWindowPpm: { value: [1120, 1150], source: 'our choice' },
    lineshape: { value: 'voigt', source: 'our choice' },
    marginPpm: { value: 10, source: 'our choice' },
    fitPhase: { value: 'zero-order', source: 'our choice' },
    baselineDegree: { value: null, source: 'our choice' },
    fractions: { value: 'component area / total metal area', source: 'our choice' },
  },
];

export function presetNames(): string[] {
  return MORPHOLOGY_PRESETS.map((p) => p.name);
}

/** The entry of a preset list by name (case-insensitive); ParameterError naming the known ones otherwise. */
export function findPreset<T extends { readonly name: string }>(
  list: readonly T[],
  name: string,
  what: string,
): T {
  const p = list.find((q) => q.name === name.trim().toLowerCase());
  if (!p)
    throw new ParameterError(`unknown ${what} preset`, {
      field: 'preset',
      found: name,
      expected: list.map((q) => q.name),
    });
  return p;
}

export function getMorphologyPreset(name: string): MorphologyPreset {
  return findPreset(MORPHOLOGY_PRESETS, name, 'morphology');
}

/** One resolved setting as recorded in outputs: key, value, and where the value came from. */
export interface ResolvedSetting {
  readonly key: string;
  readonly value: unknown;
  readonly source: string;
  readonly open?: string;
}

/** Every setting of a preset, for `--list-presets` and provenance. */
export function presetSettings(p: MorphologyPreset): ResolvedSetting[] {
  const out: ResolvedSetting[] = [];
  const add = (key: string, s: Sourced<unknown> | undefined) => {
    if (s) out.push({ key, value: s.value, source: s.source, ...(s.open ? { open: s.open } : {}) });
  };
  add('mode', p.mode);
  add('referencing', p.referencing);
  add('scaleOffsetPpm', p.scaleOffsetPpm);
  add('windows', p.windows);
  add('cathode', p.cathode);
  add('widthCap', p.widthCap);
  add('calibrationWindowPpm', p.calibrationWindowPpm);
  add('lineshape', p.lineshape);
  add('marginPpm', p.marginPpm);
  add('fitRangePpm', p.fitRangePpm);
  add('startPpm', p.startPpm);
  add('extraStartsPpm', p.extraStartsPpm);
  add('assignment', p.assignment);
  add('maxWidthPpm', p.maxWidthPpm);
  add('fitPhase', p.fitPhase);
  add('baselineDegree', p.baselineDegree);
  add('fractions', p.fractions);
  add('quality', p.quality);
  return out;
}

/** A setting value as one short line of text. */
export function formatSettingValue(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'object' && v && 'minPpm' in v))
      return (value as MorphologyWindow[]).map((w) => `${w.name} ${w.minPpm}–${w.maxPpm}`).join(', ');
    if (value.every((v) => typeof v === 'object' && v && 'ppm' in v))
      return (value as AssignedShift[]).map((a) => `${a.name} ${a.ppm}`).join(', ');
    return value.map((v) => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v))).join(', ');
  }
  if (value && typeof value === 'object') {
    const r = value as Record<string, unknown>;
    if (r.kind === 'external') return `external: ${String(r.standard)}`;
    if (r.kind === 'internal-metal') return `internal: tallest metal line → ${String(r.metalPpm)} ppm`;
    if (r.kind === 'calibration') return `from a calibration: ${String(r.describe)}`;
    if (r.kind === 'first-spectrum') return 'from the first spectrum (pristine metal)';
    if (r.kind === 'ppm') return `${String(r.ppm)} ppm`;
    if (r.kind === 'auto')
      return `auto: fitted on the first spectrum${r.ppm !== undefined ? ` = ${Number(r.ppm).toFixed(3)} ppm` : ''}`;
    if (r.kind === 'from')
      return `from ${String(r.experiment)}${r.ppm !== undefined ? ` = ${Number(r.ppm).toFixed(3)} ppm` : ''}`;
    return JSON.stringify(value);
  }
  return value === null ? 'none' : String(value);
}

/** `--list-presets`: every preset with its citation, each setting, its source and the open choices. */
export function describePresets(): string {
  const lines: string[] = [];
  for (const p of MORPHOLOGY_PRESETS) {
    lines.push(`${p.name} — ${p.title}`);
    lines.push(`  source: ${p.citation}; nuclei: ${p.nuclei.join(', ')}`);
    for (const s of presetSettings(p)) {
      lines.push(`  ${s.key}: ${formatSettingValue(s.value)}`);
      lines.push(`      source: ${s.source}`);
      if (s.open) lines.push(`      open: ${s.open}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

// ---- resolution -----------------------------------------------------------------------------------------

/** What the user asked for, from CLI flags or a manifest (every field optional). */
export interface MorphologyRequest {
  preset?: string;
  mode?: 'constrained' | 'unconstrained';
  /** 'lithium' / 'sodium' (the built-in windows without a preset) or the user's own. */
  windows?: 'lithium' | 'sodium' | readonly MorphologyWindow[];
  cathodeOffsetPpm?: number;
  paramagneticCathode?: boolean;
  /** A cap in ppm, or 'auto' (the first spectrum). */
  widthCap?: number | 'auto';
  /** A calibration experiment holding the pristine electrode (path; measured by the pipeline). */
  widthCapFrom?: string;
  calibrationWindowPpm?: [number, number];
  fitPhase?: PhaseFitMode;
  baselineDegree?: number;
  startPpm?: readonly number[];
}

/** How the cap of a resolved constrained analysis is obtained. */
export type WidthCapPlan =
  | { readonly kind: 'ppm'; readonly ppm: number; readonly source: string }
  | { readonly kind: 'auto'; readonly windowPpm: [number, number]; readonly source: string }
  | {
      readonly kind: 'from';
      readonly experiment: string;
      readonly windowPpm: [number, number];
      readonly source: string;
    };

export interface ResolvedMorphology {
  /** The preset's name, or null (settings from flags and spincell's defaults). */
  readonly preset: string | null;
  /** Options for createMorphologyAnalyser; a constrained cap from 'auto'/'from' is added by the caller. */
  readonly options: MorphologySeriesOptions;
  /** Constrained mode: how the width cap is obtained. */
  readonly widthCap: WidthCapPlan | null;
  /** Every setting as applied, with its source (recorded in JSON, CSV header and provenance). */
  readonly settings: ResolvedSetting[];
  /** One-line warnings (defaults that change results, conventions the data may not follow). */
  readonly warnings: string[];
}

/** The referencing of the data the analysis receives (from the processing options). */
export type DataReferencing =
  { readonly kind: 'external' } | { readonly kind: 'internal-metal'; readonly metalPpm: number };

const SCALE_TOLERANCE_PPM = 0.05;

function checkRequest(r: MorphologyRequest): void {
  if (r.fitPhase !== undefined && !PHASE_FIT_MODES.includes(r.fitPhase))
    throw new ParameterError('unknown phase-fit mode', {
      field: 'fitPhase',
      found: r.fitPhase,
      expected: PHASE_FIT_MODES,
    });
  if (r.widthCap !== undefined && r.widthCapFrom !== undefined)
    throw new ParameterError('give the width cap one way', {
      field: 'widthCapFrom',
      found: `widthCap ${String(r.widthCap)} and widthCapFrom ${r.widthCapFrom}`,
      expected: 'either a cap (ppm or auto) or a calibration experiment',
    });
}

function convention(r: Referencing | DataReferencing): string {
  return r.kind === 'external' ? 'the external scale' : `the internal scale (metal → ${r.metalPpm} ppm)`;
}

/** How a resolved width cap is recorded in the settings (the cap without its source). */
function widthCapValue(widthCap: ReturnType<typeof planWidthCap>): ResolvedSetting['value'] {
  return widthCap.kind === 'ppm'
    ? { kind: 'ppm', ppm: widthCap.ppm }
    : widthCap.kind === 'auto'
      ? { kind: 'auto' }
      : { kind: 'from', experiment: widthCap.experiment };
}

/**
 * Resolves a morphology analysis: preset (or spincell's defaults), overridden by what the user gave,
 * checked against the data's nucleus and referencing. Mixed conventions are refused for a preset (its
 * windows would sit ≈2 ppm off) unless the preset knows the offset between the scales, in which case the
 * windows are moved and the move recorded; without a preset they are a warning.
 */
export function resolveMorphology(
  request: MorphologyRequest,
  data: { nucleus: string; referencing: DataReferencing; source?: string },
): ResolvedMorphology {
  checkRequest(request);
  if (request.preset === undefined) return resolveWithoutPreset(request, data);
  const p = getMorphologyPreset(request.preset);
  const label = findNucleus(data.nucleus)?.label ?? data.nucleus;
  if (!p.nuclei.includes(label))
    throw new ParameterError(`preset ${p.name} is written for ${p.nuclei.join('/')} spectra`, {
      file: data.source,
      field: 'NUC1',
      found: label,
      expected: `${p.nuclei.join(' or ')} (or another preset: ${presetNames().join(', ')})`,
    });
  if (request.mode !== undefined && request.mode !== p.mode.value)
    throw new ParameterError(`preset ${p.name} is ${p.mode.value}`, {
      field: 'mode',
      found: request.mode,
      expected: `${p.mode.value} (or no mode with the preset)`,
    });
  const settings: ResolvedSetting[] = [];
  const warnings: string[] = [];
  const set = (key: string, value: unknown, s: Sourced<unknown> | undefined, given: boolean) =>
    settings.push(
      given
        ? { key, value, source: 'user' }
        : { key, value, source: s?.source ?? 'our choice', ...(s?.open ? { open: s.open } : {}) },
    );
  set('mode', p.mode.value, p.mode, false);
  const fitPhase = request.fitPhase ?? p.fitPhase.value;
  const baselineDegree = request.baselineDegree ?? p.baselineDegree.value ?? undefined;
  if (p.mode.value === 'unconstrained') {
    for (const [field, given] of [
      ['windows', request.windows !== undefined],
      ['cathodeOffsetPpm', request.cathodeOffsetPpm !== undefined || Boolean(request.paramagneticCathode)],
      ['widthCap', request.widthCap !== undefined || request.widthCapFrom !== undefined],
    ] as const) {
      if (given)
        throw new ParameterError(`preset ${p.name} is unconstrained: no ${field}`, { field, found: 'given' });
    }
    const ref = p.referencing.value as Extract<Referencing, { kind: 'internal-metal' }>;
    set('referencing', ref, p.referencing, false);
    settings.push({
      key: 'dataReferencing',
      value: data.referencing,
      source: 'the processing options',
      open: 'each spectrum is referenced again by the procedure, so either scale is accepted',
    });
    const start = request.startPpm ?? p.startPpm?.value ?? UNCONSTRAINED_START_PPM;
    set('lineshape', p.lineshape.value, p.lineshape, false);
    set('fitRangePpm', p.fitRangePpm?.value, p.fitRangePpm, false);
    set('startPpm', start, p.startPpm, request.startPpm !== undefined);
    set('extraStartsPpm', p.extraStartsPpm?.value, p.extraStartsPpm, false);
    set('assignment', p.assignment?.value, p.assignment, false);
    set('maxWidthPpm', p.maxWidthPpm?.value, p.maxWidthPpm, false);
    set('fitPhase', fitPhase, p.fitPhase, request.fitPhase !== undefined);
    set('baselineDegree', baselineDegree ?? null, p.baselineDegree, request.baselineDegree !== undefined);
    set('fractions', p.fractions.value, p.fractions, false);
    if (p.quality) set('quality', p.quality.value, p.quality, false);
    return {
      preset: p.name,
      options: {
        mode: 'unconstrained',
        referencePpm: ref.metalPpm,
        startPpm: start,
        ...(p.extraStartsPpm ? { extraStartsPpm: p.extraStartsPpm.value } : {}),
        ...(p.assignment ? { assignment: p.assignment.value } : {}),
        ...(p.fitRangePpm ? { windowPpm: p.fitRangePpm.value } : {}),
        ...(p.maxWidthPpm ? { maxWidthPpm: p.maxWidthPpm.value } : {}),
        fitPhase,
        ...(baselineDegree !== undefined ? { baselineDegree } : {}),
      },
      widthCap: null,
      settings,
      warnings,
    };
  }
  if (request.startPpm !== undefined)
    throw new ParameterError(`preset ${p.name} is constrained: starts are the window centres`, {
      field: 'startPpm',
      found: [...request.startPpm],
    });
  // Windows: the user's replace the preset's (recorded as such); the preset's follow the data's scale.
  let windows: readonly MorphologyWindow[];
  const own = Array.isArray(request.windows) ? (request.windows as readonly MorphologyWindow[]) : null;
  if (request.windows !== undefined && !own)
    throw new ParameterError(`preset ${p.name} brings its windows`, {
      field: 'windows',
      found: request.windows,
      expected: 'no built-in window set with a preset (or your own windows)',
    });
  const ref = p.referencing.value;
  set('referencing', ref, p.referencing, false);
  if (own) {
    windows = own;
    settings.push({ key: 'windows', value: own, source: 'user' });
  } else {
    windows = p.windows!.value;
    const mismatch =
      ref.kind !== data.referencing.kind ||
      (ref.kind === 'internal-metal' &&
        data.referencing.kind === 'internal-metal' &&
        Math.abs(ref.metalPpm - data.referencing.metalPpm) > SCALE_TOLERANCE_PPM);
    if (mismatch) {
      const offset = p.scaleOffsetPpm?.value;
      const toInternal =
        ref.kind === 'external' &&
        data.referencing.kind === 'internal-metal' &&
        Math.abs(data.referencing.metalPpm - PRISTINE_LI_INTERNAL_PPM) <= SCALE_TOLERANCE_PPM;
      if (offset === undefined || !toInternal) {
        throw new ParameterError(
          `preset ${p.name}'s windows are on ${convention(ref)} but the spectra are on ${convention(data.referencing)}`,
          {
            file: data.source,
            field: 'reference',
            found:
              data.referencing.kind === 'internal-metal'
                ? `metal:${data.referencing.metalPpm}`
                : 'external scale',
            expected:
              ref.kind === 'external'
                ? 'spectra on the external standard scale (no --ref metal:…, or --ref none); referencing the tallest metal line moves every window by ≈2 ppm'
                : `--ref metal:${ref.metalPpm}`,
          },
        );
      }
      windows = windows.map((w) => ({
        name: w.name,
        minPpm: Math.round((w.minPpm + offset) * 1000) / 1000,
        maxPpm: Math.round((w.maxPpm + offset) * 1000) / 1000,
      }));
      settings.push({
        key: 'windows',
        value: windows,
        source: `${p.windows!.source}; moved by +${offset} ppm to the internal scale (${p.scaleOffsetPpm!.source})`,
      });
    } else {
      settings.push({
        key: 'windows',
        value: windows,
        source: p.windows!.source,
        ...(p.windows!.open ? { open: p.windows!.open } : {}),
      });
    }
  }
  settings.push({ key: 'dataReferencing', value: data.referencing, source: 'the processing options' });
  if (p.cathode) set('cathode', p.cathode.value, p.cathode, false);
  let cathodeOffsetPpm = 0;
  if (request.cathodeOffsetPpm !== undefined || request.paramagneticCathode) {
    cathodeOffsetPpm = request.cathodeOffsetPpm ?? NMC622_CATHODE_OFFSET_PPM;
    if (!own && p.cathode && p.name === 'wichmann2025')
      warnings.push(
        `preset ${p.name}'s windows already hold the NMC622 offset; a further ${cathodeOffsetPpm} ppm is added`,
      );
    settings.push({ key: 'cathodeOffsetPpm', value: cathodeOffsetPpm, source: 'user' });
  }
  const calibrationWindowPpm =
    request.calibrationWindowPpm ?? p.calibrationWindowPpm?.value ?? ([230, 260] as [number, number]);
  const widthCap = planWidthCap(request, p, calibrationWindowPpm);
  settings.push({
    key: 'widthCap',
    value: widthCapValue(widthCap),
    source: widthCap.source,
    ...(p.widthCap?.open ? { open: p.widthCap.open } : {}),
  });
  if (widthCap.kind !== 'ppm')
    set(
      'calibrationWindowPpm',
      calibrationWindowPpm,
      p.calibrationWindowPpm,
      request.calibrationWindowPpm !== undefined,
    );
  set('lineshape', p.lineshape.value, p.lineshape, false);
  set('marginPpm', p.marginPpm?.value ?? 10, p.marginPpm, false);
  set('fitPhase', fitPhase, p.fitPhase, request.fitPhase !== undefined);
  set('baselineDegree', baselineDegree ?? null, p.baselineDegree, request.baselineDegree !== undefined);
  set('fractions', p.fractions.value, p.fractions, false);
  return {
    preset: p.name,
    options: {
      mode: 'constrained',
      windows,
      cathodeOffsetPpm,
      ...(widthCap.kind === 'ppm' ? { widthCapPpm: widthCap.ppm } : {}),
      ...(p.marginPpm ? { marginPpm: p.marginPpm.value } : {}),
      fitPhase,
      ...(baselineDegree !== undefined ? { baselineDegree } : {}),
    },
    widthCap,
    settings,
    warnings,
  };
}

function planWidthCap(
  request: MorphologyRequest,
  p: MorphologyPreset,
  windowPpm: [number, number],
): WidthCapPlan {
  if (typeof request.widthCap === 'number') return { kind: 'ppm', ppm: request.widthCap, source: 'user' };
  if (request.widthCapFrom !== undefined)
    return {
      kind: 'from',
      experiment: request.widthCapFrom,
      windowPpm,
      source: 'user: calibration experiment',
    };
  const rule = p.widthCap?.value;
  if (request.widthCap === 'auto') {
    if (rule?.kind === 'calibration' && p.name === 'wichmann2025')
      throw new ParameterError(`preset ${p.name} takes the width cap from a calibration cell`, {
        field: 'widthCap',
        found: 'auto (the first spectrum of the series)',
        expected: `--width-cap PPM or --width-cap-from EXP: ${rule.describe}; the first spectrum of an anode-free cell holds no metal`,
      });
    return { kind: 'auto', windowPpm, source: 'user: fitted on the first spectrum' };
  }
  if (rule?.kind === 'first-spectrum') return { kind: 'auto', windowPpm, source: p.widthCap!.source };
  if (rule?.kind === 'ppm') return { kind: 'ppm', ppm: rule.ppm, source: p.widthCap!.source };
  throw new ParameterError(`preset ${p.name} needs the width cap`, {
    field: 'widthCap',
    found: 'none given',
    expected: `--width-cap PPM, --width-cap-from EXP${p.name === 'wichmann2025' ? '' : ' or --width-cap auto'} (${rule?.kind === 'calibration' ? rule.describe : 'the pristine electrode'})`,
  });
}

/** Without a preset: the flags and spincell's historical defaults, recorded as such. */
function resolveWithoutPreset(
  request: MorphologyRequest,
  data: { nucleus: string; referencing: DataReferencing },
): ResolvedMorphology {
  const mode = request.mode ?? 'constrained';
  const fitPhase = request.fitPhase ?? 'zero-order';
  const settings: ResolvedSetting[] = [
    { key: 'mode', value: mode, source: request.mode ? 'user' : 'spincell default' },
  ];
  const warnings: string[] = [];
  if (mode === 'unconstrained') {
    settings.push(
      {
        key: 'startPpm',
        value: request.startPpm ?? UNCONSTRAINED_START_PPM,
        source: request.startPpm ? 'user' : 'spincell default (as thienenkamp2024)',
      },
      {
        key: 'assignment',
        value: UNCONSTRAINED_ASSIGNMENT_PPM,
        source: 'Thienenkamp et al. 2024 (as thienenkamp2024)',
      },
      { key: 'fitPhase', value: fitPhase, source: request.fitPhase ? 'user' : 'spincell default' },
    );
    return {
      preset: null,
      options: {
        mode,
        fitPhase,
        ...(request.startPpm ? { startPpm: request.startPpm } : {}),
        ...(request.baselineDegree !== undefined ? { baselineDegree: request.baselineDegree } : {}),
      },
      widthCap: null,
      settings,
      warnings,
    };
  }
  if (request.startPpm !== undefined)
    throw new ParameterError('starting shifts apply to the unconstrained mode', {
      field: 'startPpm',
      found: [...request.startPpm],
    });
  const sodium = findNucleus(data.nucleus)?.label === '23Na';
  let windows: readonly MorphologyWindow[];
  let source: string;
  if (Array.isArray(request.windows)) {
    windows = request.windows as readonly MorphologyWindow[];
    source = 'user';
  } else if (request.windows === 'sodium' || (request.windows === undefined && sodium)) {
    windows = SODIUM_WINDOWS_PPM;
    source = 'spincell default (superseded: use --preset gutmann2021 or zheng2024)';
  } else {
    windows = LITHIUM_WINDOWS_PPM;
    // Written for spectra whose pristine line is near 243–245 ppm, with no scale stated: recorded, not
    // checked (the presets state theirs and are checked).
    source =
      'spincell default: Wichmann et al. 2025 windows minus 3.5 ppm, referencing convention not fixed (superseded: use --preset wichmann2025-nocathode)';
  }
  settings.push({ key: 'windows', value: windows, source });
  settings.push({ key: 'dataReferencing', value: data.referencing, source: 'the processing options' });
  const cathodeOffsetPpm =
    request.cathodeOffsetPpm ?? (request.paramagneticCathode ? NMC622_CATHODE_OFFSET_PPM : 0);
  settings.push({
    key: 'cathodeOffsetPpm',
    value: cathodeOffsetPpm,
    source:
      request.cathodeOffsetPpm !== undefined || request.paramagneticCathode ? 'user' : 'spincell default',
  });
  const calibrationWindowPpm =
    request.calibrationWindowPpm ?? ((sodium ? [1120, 1150] : [230, 260]) as [number, number]);
  let widthCap: WidthCapPlan;
  if (typeof request.widthCap === 'number') widthCap = { kind: 'ppm', ppm: request.widthCap, source: 'user' };
  else if (request.widthCap === 'auto')
    widthCap = {
      kind: 'auto',
      windowPpm: calibrationWindowPpm,
      source: 'user: fitted on the first spectrum',
    };
  else if (request.widthCapFrom !== undefined)
    widthCap = {
      kind: 'from',
      experiment: request.widthCapFrom,
      windowPpm: calibrationWindowPpm,
      source: 'user: calibration experiment',
    };
  else {
    widthCap = { kind: 'ppm', ppm: DEFAULT_WIDTH_CAP_PPM, source: 'spincell default: one window width' };
    warnings.push(
      `width cap ${DEFAULT_WIDTH_CAP_PPM} ppm is spincell's default, not a calibration; the paper caps each line at the pristine electrode's width (--width-cap-from EXP or --width-cap PPM)`,
    );
  }
  settings.push({
    key: 'widthCap',
    value: widthCapValue(widthCap),
    source: widthCap.source,
  });
  settings.push({ key: 'fitPhase', value: fitPhase, source: request.fitPhase ? 'user' : 'spincell default' });
  return {
    preset: null,
    options: {
      mode: 'constrained',
      windows,
      cathodeOffsetPpm,
      ...(widthCap.kind === 'ppm' ? { widthCapPpm: widthCap.ppm } : {}),
      fitPhase,
      ...(request.baselineDegree !== undefined ? { baselineDegree: request.baselineDegree } : {}),
    },
    widthCap,
    settings,
    warnings,
  };
}

/** The width cap measured by a calibration, recorded in the settings (replacing the plan's entry). */
export function withMeasuredCap(
  resolved: ResolvedMorphology,
  capPpm: number,
  from: { experiment: string | null },
): ResolvedMorphology {
  if (resolved.options.mode !== 'constrained') return resolved;
  const settings = resolved.settings.map((s) =>
    s.key !== 'widthCap'
      ? s
      : {
          ...s,
          value:
            resolved.widthCap?.kind === 'from'
              ? { kind: 'from', experiment: resolved.widthCap.experiment, ppm: capPpm }
              : { kind: 'auto', ppm: capPpm, experiment: from.experiment },
        },
  );
  return { ...resolved, options: { ...resolved.options, widthCapPpm: capPpm }, settings };
}
