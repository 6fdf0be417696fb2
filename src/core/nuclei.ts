/**
 * Nuclei table: spin, natural abundance and IUPAC frequency ratio Ξ.
 *
 * Ξ is the resonance frequency of the nucleus' IUPAC reference compound as a percentage of the ¹H
 * frequency of TMS in the same field (Harris et al., Pure Appl. Chem. 73, 1795 (2001), Table 1 and 3).
 * Gyromagnetic ratios γ (10⁷ rad s⁻¹ T⁻¹) from the same source; they serve PFG diffusion (Stejskal–Tanner)
 * and Larmor frequencies from a field.
 */
import { ParameterError } from './errors.js';

export interface Nucleus {
  /** Label as used by Bruker's NUC1, e.g. "7Li". */
  readonly label: string;
  readonly element: string;
  readonly massNumber: number;
  /** Nuclear spin quantum number I. */
  readonly spin: number;
  /** Natural abundance, %. */
  readonly naturalAbundancePercent: number;
  /** IUPAC frequency ratio Ξ, %. */
  readonly xiPercent: number;
  /** Gyromagnetic ratio γ, rad s⁻¹ T⁻¹. */
  readonly gammaRadPerSPerT: number;
  /** IUPAC reference compound for Ξ. */
  readonly reference: string;
}

function nucleus(
  element: string,
  massNumber: number,
  spin: number,
  naturalAbundancePercent: number,
  xiPercent: number,
  gamma1e7: number,
  reference: string,
): Nucleus {
  return {
    label: `${massNumber}${element}`,
    element,
    massNumber,
    spin,
    naturalAbundancePercent,
    xiPercent,
    gammaRadPerSPerT: gamma1e7 * 1e7,
    reference,
  };
}

export const NUCLEI: readonly Nucleus[] = [
  nucleus('H', 1, 0.5, 99.9885, 100.0, 26.7522128, 'Me4Si'),
  nucleus('H', 2, 1, 0.0115, 15.350609, 4.10662791, '(CD3)4Si'),
  nucleus('Li', 6, 1, 7.59, 14.716086, 3.9371709, 'LiCl in D2O'),
  nucleus('Li', 7, 1.5, 92.41, 38.863797, 10.3977013, 'LiCl in D2O'),
  nucleus('C', 13, 0.5, 1.07, 25.14502, 6.728284, 'Me4Si'),
  nucleus('N', 15, 0.5, 0.368, 10.136767, -2.71261804, 'MeNO2'),
  nucleus('O', 17, 2.5, 0.038, 13.556457, -3.62808, 'D2O'),
  nucleus('F', 19, 0.5, 100, 94.094011, 25.18148, 'CCl3F'),
  nucleus('Na', 23, 1.5, 100, 26.4519, 7.0808493, 'NaCl in D2O'),
  nucleus('Mg', 25, 2.5, 10.0, 6.121635, -1.63887, 'MgCl2 in D2O'),
  nucleus('Al', 27, 2.5, 100, 26.056859, 6.9762715, 'Al(NO3)3 in D2O'),
  nucleus('Si', 29, 0.5, 4.6832, 19.867187, -5.319, 'Me4Si'),
  nucleus('P', 31, 0.5, 100, 40.480742, 10.8394, 'H3PO4 85%'),
  nucleus('K', 39, 1.5, 93.2581, 4.666373, 1.2500608, 'KCl in D2O'),
  nucleus('K', 41, 1.5, 6.7302, 2.561305, 0.68606808, 'KCl in D2O'),
  nucleus('Cu', 63, 1.5, 69.17, 26.515473, 7.111789, '[Cu(CH3CN)4][ClO4]'),
  nucleus('Cu', 65, 1.5, 30.83, 28.403693, 7.60435, '[Cu(CH3CN)4][ClO4]'),
  nucleus('Zn', 67, 2.5, 4.1, 6.256803, 1.676688, 'Zn(NO3)2 in D2O'),
  nucleus('Sn', 119, 0.5, 8.59, 37.290632, -10.0317, 'Me4Sn'),
];

const BY_LABEL = new Map<string, Nucleus>();
for (const n of NUCLEI) {
  BY_LABEL.set(n.label.toLowerCase(), n);
  // Also accept "Li7" and "li-7" spellings.
  BY_LABEL.set(`${n.element}${n.massNumber}`.toLowerCase(), n);
  BY_LABEL.set(`${n.element}-${n.massNumber}`.toLowerCase(), n);
  BY_LABEL.set(`${n.massNumber}-${n.element}`.toLowerCase(), n);
}

/** Looks a nucleus up by label ("7Li", "Li7", "li-7"); throws ParameterError when unknown. */
export function getNucleus(label: string): Nucleus {
  const n = BY_LABEL.get(label.trim().toLowerCase());
  if (!n) {
    throw new ParameterError('unknown nucleus', {
      field: 'nucleus',
      found: label,
      expected: NUCLEI.map((x) => x.label).join(', '),
    });
  }
  return n;
}

/** Returns the nucleus or undefined (for labels such as "off" in Bruker's NUC2). */
export function findNucleus(label: string): Nucleus | undefined {
  return BY_LABEL.get(label.trim().toLowerCase());
}

/** Larmor frequency (MHz) of a nucleus' reference compound when ¹H of TMS resonates at `protonMHz`. */
export function larmorFromProtonMHz(n: Nucleus, protonMHz: number): number {
  return (n.xiPercent / 100) * protonMHz;
}

/** Larmor frequency |γ|B0/2π (MHz) of the bare nucleus in a field of `fieldT` tesla. */
export function larmorFromFieldMHz(n: Nucleus, fieldT: number): number {
  return (Math.abs(n.gammaRadPerSPerT) * fieldT) / (2 * Math.PI) / 1e6;
}

/** Field (T) at which ¹H (bare proton) resonates at `protonMHz`. */
export function fieldFromProtonMHz(protonMHz: number): number {
  const h = getNucleus('1H');
  return (protonMHz * 1e6 * 2 * Math.PI) / h.gammaRadPerSPerT;
}
