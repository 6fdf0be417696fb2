/**
 * EC-Lab column names and the .mpr column-ID table.
 *
 * The .mpr data module describes each record by a list of 16-bit column IDs; the record layout (field
 * order and binary type) follows from them. The table below lists what is known about each ID, named as
 * EC-Lab names the same column in its text export, so that .mpr and .mpt files map to the same keys.
 * Facts gathered from the reverse-engineering notes of the galvani and yadg projects and checked here
 * against EC-Lab's own exports of the same runs (record sizes and values).
 *
 * Newer EC-Lab versions add multiples of 256 to an ID for the same quantity (e.g. 434 and 178 are both
 * "(Q-Qo)/C"), so an ID missing from the exact table is looked up by its low byte.
 */
import { COULOMB_PER_MAH } from '../../core/constants.js';
import { genericKey } from '../cycler/quantities.js';

export type MprDtype = 'f4' | 'f8' | 'u1' | 'u2' | 'u4';

export const DTYPE_BYTES: Record<MprDtype, number> = { f4: 4, f8: 8, u1: 1, u2: 2, u4: 4 };

/** Flag column IDs: all present flags share one byte, placed where the first flag ID appears. */
export const MPR_FLAG_COLUMNS: ReadonlyMap<number, { name: string; mask: number }> = new Map([
  [1, { name: 'mode', mask: 0x03 }],
  [2, { name: 'ox/red', mask: 0x04 }],
  [3, { name: 'error', mask: 0x08 }],
  [21, { name: 'control changes', mask: 0x10 }],
  [31, { name: 'Ns changes', mask: 0x20 }],
  [65, { name: 'counter inc.', mask: 0x80 }],
]);

type IdEntry = readonly [name: string, dtype: MprDtype];

/** IDs above 255 whose meaning differs from their low byte's. */
const EXACT_IDS: ReadonlyMap<number, IdEntry> = new Map<number, IdEntry>([
  [462, ['Temperature/°C', 'f4']],
  [498, ['Q charge/mA.h', 'f8']],
  [499, ['Q discharge/mA.h', 'f8']],
  [500, ['step time/s', 'f8']],
  [501, ['Efficiency/%', 'f8']],
  [502, ['Capacity/mA.h', 'f8']],
  [505, ['Rdc/Ohm', 'f4']],
  [509, ['Acir/Dcir Control', 'u1']],
]);

/** Column IDs by low byte. */
const LOW_BYTE_IDS: ReadonlyMap<number, IdEntry> = new Map<number, IdEntry>([
  [4, ['time/s', 'f8']],
  [5, ['control/V/mA', 'f4']],
  [6, ['Ewe/V', 'f4']],
  [7, ['dq/mA.h', 'f8']],
  [8, ['I/mA', 'f4']],
  [9, ['Ece/V', 'f4']],
  [11, ['<I>/mA', 'f8']],
  [13, ['(Q-Qo)/mA.h', 'f8']],
  [16, ['Analog IN 1/V', 'f4']],
  [17, ['Analog IN 2/V', 'f4']],
  [19, ['control/V', 'f4']],
  [20, ['control/mA', 'f4']],
  [23, ['dQ/mA.h', 'f8']],
  [24, ['cycle number', 'f8']],
  [26, ['Rapp/Ohm', 'f4']],
  [27, ['Ewe-Ece/V', 'f4']],
  [32, ['freq/Hz', 'f4']],
  [33, ['|Ewe|/V', 'f4']],
  [34, ['|I|/A', 'f4']],
  [35, ['Phase(Z)/deg', 'f4']],
  [36, ['|Z|/Ohm', 'f4']],
  [37, ['Re(Z)/Ohm', 'f4']],
  [38, ['-Im(Z)/Ohm', 'f4']],
  [39, ['I Range', 'u2']],
  [69, ['R/Ohm', 'f4']],
  [70, ['P/W', 'f4']],
  [74, ['|Energy|/W.h', 'f8']],
  [75, ['Analog OUT/V', 'f4']],
  [76, ['<I>/mA', 'f4']],
  [77, ['<Ewe>/V', 'f4']],
  [78, ['Cs-2/µF-2', 'f4']],
  [96, ['|Ece|/V', 'f4']],
  [98, ['Phase(Zce)/deg', 'f4']],
  [99, ['|Zce|/Ohm', 'f4']],
  [100, ['Re(Zce)/Ohm', 'f4']],
  [101, ['-Im(Zce)/Ohm', 'f4']],
  [110, ['Energy ce/W.h', 'f8']],
  [112, ['Energy we/W.h', 'f8']],
  [115, ['Energy ce charge/W.h', 'f8']],
  [116, ['Energy ce discharge/W.h', 'f8']],
  [123, ['Energy charge/W.h', 'f8']],
  [124, ['Energy discharge/W.h', 'f8']],
  [125, ['Capacitance charge/µF', 'f8']],
  [126, ['Capacitance discharge/µF', 'f8']],
  [131, ['Ns', 'u2']],
  [163, ['|Estack|/V', 'f4']],
  [168, ['Rcmp/Ohm', 'f4']],
  [169, ['Cs/µF', 'f4']],
  [172, ['Cp/µF', 'f4']],
  [173, ['Cp-2/µF-2', 'f4']],
  [174, ['<Ewe>/V', 'f4']],
  [175, ['|Zwe-ce|/Ohm', 'f4']],
  [176, ['Re(Zwe-ce)/Ohm', 'f4']],
  [177, ['-Im(Zwe-ce)/Ohm', 'f4']],
  [178, ['(Q-Qo)/C', 'f4']],
  [179, ['dQ/C', 'f4']],
  [182, ['step time/s', 'f8']],
  [185, ['<Ece>/V', 'f4']],
  [206, ['Temperature/°C', 'f4']],
  [211, ['Q charge/discharge/mA.h', 'f8']],
  [212, ['half cycle', 'u4']],
  [213, ['z cycle', 'u4']],
  [215, ['<Ece>/V', 'f4']],
  [217, ['THD Ewe/%', 'f4']],
  [218, ['THD I/%', 'f4']],
  [219, ['THD Ece/%', 'f4']],
  [220, ['NSD Ewe/%', 'f4']],
  [221, ['NSD I/%', 'f4']],
  [222, ['NSD Ece/%', 'f4']],
  [223, ['NSR Ewe/%', 'f4']],
  [224, ['NSR I/%', 'f4']],
  [225, ['NSR Ece/%', 'f4']],
  [230, ['|Ewe h2|/V', 'f4']],
  [231, ['|Ewe h3|/V', 'f4']],
  [232, ['|Ewe h4|/V', 'f4']],
  [233, ['|Ewe h5|/V', 'f4']],
  [234, ['|Ewe h6|/V', 'f4']],
  [235, ['|Ewe h7|/V', 'f4']],
  [236, ['|I h2|/A', 'f4']],
  [237, ['|I h3|/A', 'f4']],
  [238, ['|I h4|/A', 'f4']],
  [239, ['|I h5|/A', 'f4']],
  [240, ['|I h6|/A', 'f4']],
  [241, ['|I h7|/A', 'f4']],
  [242, ['|Ece h2|/V', 'f4']],
  [243, ['|Ece h3|/V', 'f4']],
  [244, ['|Ece h4|/V', 'f4']],
  [245, ['|Ece h5|/V', 'f4']],
  [246, ['|Ece h6|/V', 'f4']],
  [247, ['|Ece h7|/V', 'f4']],
  [248, ['Rac/Ohm', 'f4']],
  [249, ['Rdc/Ohm', 'f4']],
  [253, ['Acir/Dcir Control', 'u1']],
]);

/**
 * What a column ID means in a file with the given ID list, or null when unknown. ID 174 is "<Ewe>/V"
 * unless the record already has Ewe (6) or <Ewe> (77): then it is the phase of Zwe-ce, which EC-Lab
 * stores next to |Zwe-ce|, Re(Zwe-ce), -Im(Zwe-ce) (175–177).
 */
export function mprColumn(id: number, allIds: readonly number[]): { name: string; dtype: MprDtype } | null {
  const exact = EXACT_IDS.get(id);
  if (exact) return { name: exact[0], dtype: exact[1] };
  const low = id & 0xff;
  if (low === 174 && allIds.some((i) => i === 6 || i === 77))
    return { name: 'Phase(Zwe-ce)/deg', dtype: 'f4' };
  const entry = LOW_BYTE_IDS.get(low);
  return entry ? { name: entry[0], dtype: entry[1] } : null;
}

/** Technique codes in the first byte of the .mpr settings module. */
export const MPR_TECHNIQUES: ReadonlyMap<number, string> = new Map([
  [0x04, 'GCPL'],
  [0x06, 'CV'],
  [0x0b, 'OCV'],
  [0x16, 'MP'],
  [0x18, 'CA'],
  [0x19, 'CP'],
  [0x1c, 'WAIT'],
  [0x1d, 'PEIS'],
  [0x1e, 'GEIS'],
  [0x30, 'CV'],
  [0x32, 'ZIR'],
  [0x33, 'CVA'],
  [0x6c, 'LSV'],
  [0x75, 'coV'],
  [0x76, 'coC'],
  [0x77, 'GCPL'],
  [0x7f, 'MB'],
  [0x88, 'BCD'],
]);

/** EC-Lab's technique titles (line 4 of a .mpt) → the short codes used for .mpr files. */
export const MPT_TECHNIQUE_TITLES: ReadonlyMap<string, string> = new Map([
  ['galvanostatic cycling with potential limitation', 'GCPL'],
  ['cyclic voltammetry', 'CV'],
  ['cyclic voltammetry advanced', 'CVA'],
  ['open circuit voltage', 'OCV'],
  ['chronoamperometry / chronocoulometry', 'CA'],
  ['chronopotentiometry', 'CP'],
  ['wait', 'WAIT'],
  ['potentio electrochemical impedance spectroscopy', 'PEIS'],
  ['galvano electrochemical impedance spectroscopy', 'GEIS'],
  ['modulo bat', 'MB'],
  ['linear sweep voltammetry', 'LSV'],
  ['battery capacity determination', 'BCD'],
  ['ir compensation (pe)', 'ZIR'],
  ['constant voltage', 'coV'],
  ['constant current', 'coC'],
]);

/** Units EC-Lab writes after a '/' in its headers (a header may contain other slashes). */
const ECLAB_UNITS = new Set([
  'V/mA',
  'mS/cm',
  'mA.h',
  'A.h',
  'µA.h',
  'W.h',
  'mW.h',
  'Ohm-1',
  'Ohm.cm',
  'µF-2',
  'µF',
  'nF',
  'F',
  'mF',
  'Ohm',
  'mOhm',
  's',
  'Hz',
  'deg',
  'W',
  'mW',
  'A',
  'mA',
  'µA',
  'V',
  'mV',
  'C',
  'mC',
  '%',
  '°C',
  'g',
  'cm',
  'h',
]);

/** Splits an EC-Lab header into name and unit: "Q charge/discharge/mA.h" → ["Q charge/discharge", "mA.h"]. */
export function splitEclabHeader(header: string): { name: string; unit: string | null } {
  for (let i = header.indexOf('/'); i >= 0; i = header.indexOf('/', i + 1)) {
    const unit = header.slice(i + 1);
    if (ECLAB_UNITS.has(unit)) return { name: header.slice(0, i), unit };
  }
  return { name: header, unit: null };
}

/** EC-Lab headers with a spincell meaning → key and factor from the file unit. */
const SPINCELL_KEYS: ReadonlyMap<string, { key: string; scale: number }> = new Map([
  ['time/s', { key: 'time_s', scale: 1 }],
  ['Ewe/V', { key: 'voltage_V', scale: 1 }],
  ['<Ewe>/V', { key: 'voltage_V', scale: 1 }],
  ['<Ewe/V>', { key: 'voltage_V', scale: 1 }],
  ['Ecell/V', { key: 'voltage_V', scale: 1 }],
  ['I/mA', { key: 'current_mA', scale: 1 }],
  ['<I>/mA', { key: 'current_mA', scale: 1 }],
  ['(Q-Qo)/mA.h', { key: 'charge_mAh', scale: 1 }],
  ['(Q-Qo)/C', { key: 'charge_mAh', scale: 1 / COULOMB_PER_MAH }],
  // EC-Lab's lower-case dq (ID 7) is the charge passed since the previous record; its upper-case dQ
  // (IDs 23, 179) is the running charge (equal to Q−Qo within a technique, e.g. in CA, CP, coC, coV
  // exports). Files hold either or both, in either order: each gets its own key.
  ['dq/mA.h', { key: 'dq_increment_mAh', scale: 1 }],
  ['dQ/mA.h', { key: 'dq_cumulative_mAh', scale: 1 }],
  ['dQ/C', { key: 'dq_cumulative_mAh', scale: 1 / COULOMB_PER_MAH }],
  ['Ns', { key: 'step', scale: 1 }],
  ['cycle number', { key: 'cycle', scale: 1 }],
  ['half cycle', { key: 'half_cycle', scale: 1 }],
  ['freq/Hz', { key: 'freq_Hz', scale: 1 }],
  ['Re(Z)/Ohm', { key: 're_z_ohm', scale: 1 }],
  ['-Im(Z)/Ohm', { key: 'minus_im_z_ohm', scale: 1 }],
  ['|Z|/Ohm', { key: 'abs_z_ohm', scale: 1 }],
  ['Phase(Z)/deg', { key: 'phase_z_deg', scale: 1 }],
  ['Ece/V', { key: 'counter_voltage_V', scale: 1 }],
  ['<Ece>/V', { key: 'counter_voltage_V', scale: 1 }],
  ['Ewe-Ece/V', { key: 'ewe_minus_ece_V', scale: 1 }],
  ['P/W', { key: 'power_W', scale: 1 }],
  ['Pwe/W', { key: 'power_W', scale: 1 }],
  ['step time/s', { key: 'step_time_s', scale: 1 }],
  ['control/V/mA', { key: 'control_V_or_mA', scale: 1 }],
  ['control/V', { key: 'control_V', scale: 1 }],
  ['control/mA', { key: 'control_mA', scale: 1 }],
  ['Temperature/°C', { key: 'temperature_C', scale: 1 }],
  ['I Range', { key: 'i_range', scale: 1 }],
]);

/**
 * spincell key and factor for an EC-Lab header. `preferred` is false when another column already took the
 * spincell key (e.g. a file with both Ewe and <Ewe>): the column then keeps its generic key.
 */
export function eclabKey(
  header: string,
  taken: ReadonlySet<string>,
): { key: string; scale: number; unit: string | null } {
  const { name, unit } = splitEclabHeader(header);
  const known = SPINCELL_KEYS.get(header);
  if (known && !taken.has(known.key)) return { ...known, unit };
  // The generic name of a charge increment would lose the dq/dQ case that tells them apart.
  if (known && known.key.startsWith('dq_')) return { ...known, unit };
  const generic = genericKey(name, unit);
  return { ...generic, unit };
}
