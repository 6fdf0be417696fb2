/**
 * BioLogic EC-Lab files: the binary .mpr and its text export .mpt, read into spincell's cycler record
 * table. `readBiologic` picks the reader from the file's first bytes, not its extension.
 */
import { UnsupportedFormatError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import type { CyclerRecords, ReadOptions } from '../cycler/types.js';
import { isMpr, parseMpr } from './mpr.js';
import { isMpt, parseMpt } from './mpt.js';

export { parseMpr, readMpr, readMprModules, isMpr, type MprModule } from './mpr.js';
export { parseMpt, readMpt, isMpt } from './mpt.js';
export {
  mprColumn,
  splitEclabHeader,
  eclabKey,
  MPR_TECHNIQUES,
  MPT_TECHNIQUE_TITLES,
  MPR_FLAG_COLUMNS,
} from './columns.js';
export type { CyclerRecords, RecordColumn, ReadOptions } from '../cycler/types.js';
export { columnValues, findColumn } from '../cycler/types.js';

/** Parses EC-Lab bytes (.mpr or .mpt, decided by content). */
export function parseBiologic(bytes: Uint8Array, file: string, options: ReadOptions = {}): CyclerRecords {
  if (isMpr(bytes)) return parseMpr(bytes, file, options);
  if (isMpt(bytes)) return parseMpt(bytes, file, options);
  if (bytes.length === 0) return parseMpt(bytes, file, options); // reports the empty file
  throw new UnsupportedFormatError('not an EC-Lab file', {
    file,
    field: 'first bytes',
    found: Buffer.from(bytes.subarray(0, 24)).toString('latin1').split(/\r?\n/)[0],
    expected: '"BIO-LOGIC MODULAR FILE" (.mpr) or "EC-Lab ASCII FILE" (.mpt)',
  });
}

/**
 * Reads an EC-Lab .mpr or .mpt file: columns in file order with spincell keys (time_s, voltage_V,
 * current_mA, charge_mAh, step, cycle, freq_Hz, re_z_ohm, minus_im_z_ohm …) and the original names and
 * units, the technique, and the acquisition start (local wall clock, and epoch ms in `options.timezone`).
 */
export function readBiologic(path: string, options: ReadOptions = {}): CyclerRecords {
  return parseBiologic(readFileChecked(path), path, options);
}
