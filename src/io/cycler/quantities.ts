/**
 * From a column header and its unit to spincell's quantity key and the factor into the key's unit.
 * The internal units are those battery work is done in and the rest of spincell expects: s, V, mA, mAh,
 * W, Wh, Hz, ohm, °C. A header that names no known quantity keeps a sanitised key with its unit appended,
 * so nothing in the file is dropped.
 */
import { COULOMB_PER_MAH, SECONDS_PER_HOUR, SECONDS_PER_MINUTE } from '../../core/constants.js';

export interface UnitConversion {
  /** Unit suffix for keys ("mA", "V" …). */
  readonly unit: string;
  /** Multiply file values by this to get the key's unit. */
  readonly scale: number;
}

/** Recognised file units → internal unit and factor. Keys are lower-cased with spaces, '·' and '.' removed. */
const UNITS: Record<string, UnitConversion> = {
  s: { unit: 's', scale: 1 },
  sec: { unit: 's', scale: 1 },
  ms: { unit: 's', scale: 1e-3 },
  min: { unit: 's', scale: SECONDS_PER_MINUTE },
  h: { unit: 's', scale: SECONDS_PER_HOUR },
  hr: { unit: 's', scale: SECONDS_PER_HOUR },
  v: { unit: 'V', scale: 1 },
  volts: { unit: 'V', scale: 1 },
  mv: { unit: 'V', scale: 1e-3 },
  a: { unit: 'mA', scale: 1e3 },
  amps: { unit: 'mA', scale: 1e3 },
  ma: { unit: 'mA', scale: 1 },
  µa: { unit: 'mA', scale: 1e-3 },
  ua: { unit: 'mA', scale: 1e-3 },
  na: { unit: 'mA', scale: 1e-6 },
  ah: { unit: 'mAh', scale: 1e3 },
  'amp-hr': { unit: 'mAh', scale: 1e3 },
  mah: { unit: 'mAh', scale: 1 },
  µah: { unit: 'mAh', scale: 1e-3 },
  uah: { unit: 'mAh', scale: 1e-3 },
  c: { unit: 'mAh', scale: 1 / COULOMB_PER_MAH },
  mc: { unit: 'mAh', scale: 1e-3 / COULOMB_PER_MAH },
  w: { unit: 'W', scale: 1 },
  mw: { unit: 'W', scale: 1e-3 },
  wh: { unit: 'Wh', scale: 1 },
  'watt-hr': { unit: 'Wh', scale: 1 },
  mwh: { unit: 'Wh', scale: 1e-3 },
  hz: { unit: 'Hz', scale: 1 },
  ohm: { unit: 'ohm', scale: 1 },
  ω: { unit: 'ohm', scale: 1 },
  mohm: { unit: 'ohm', scale: 1e-3 },
  '°c': { unit: 'C', scale: 1 },
  degc: { unit: 'C', scale: 1 },
  deg: { unit: 'deg', scale: 1 },
  '%': { unit: 'pct', scale: 1 },
};

export function normaliseUnitText(unit: string): string {
  return unit
    .trim()
    .toLowerCase()
    .replace(/[\s·.]/g, '');
}

/** Conversion for a unit as written in a file, or null when the unit is not one spincell converts. */
export function unitConversion(unit: string): UnitConversion | null {
  return UNITS[normaliseUnitText(unit)] ?? null;
}

/** The internal unit a quantity key ends with ("current_mA" → "mA"), or null for counts. */
export function keyUnit(key: string): string | null {
  const m = /_(s|V|mA|mAh|W|Wh|Hz|ohm|C|deg|pct)$/.exec(key);
  return m ? m[1] : null;
}

/** A header as a lower-case identifier: "Energy charge" → "energy_charge", "(Q-Qo)" → "q_qo". */
export function sanitiseName(name: string): string {
  const s = name
    .replace(/µ/g, 'u')
    .replace(/\|([^|]*)\|/g, 'abs_$1')
    .replace(/<([^>]*)>/g, '$1_avg')
    .replace(/^-/, 'minus_')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  return s === '' ? 'column' : s;
}

/**
 * The generic key for a header with no spincell meaning: sanitised name plus the converted unit, or the
 * original unit text sanitised when it is not convertible (then the values are left as they are).
 */
export function genericKey(name: string, unit: string | null): { key: string; scale: number } {
  const base = sanitiseName(name);
  if (unit === null || unit.trim() === '') return { key: base, scale: 1 };
  const conv = unitConversion(unit);
  if (conv) return { key: `${base}_${conv.unit}`, scale: conv.scale };
  return { key: `${base}_${sanitiseName(unit)}`, scale: 1 };
}
