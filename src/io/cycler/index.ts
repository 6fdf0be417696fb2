/**
 * Cycler files of any supported kind, read into one record table: EC-Lab .mpr/.mpt, MACCOR text
 * exports, and generic delimited tables (with a column mapping when the headers do not say enough).
 * The format is decided from the content, not the file name.
 */
import { readFileChecked } from '../fs.js';
import { isMpr, parseMpr } from '../biologic/mpr.js';
import { isMpt, parseMpt } from '../biologic/mpt.js';
import { isMaccorText, parseMaccor } from '../maccor/index.js';
import { parseCyclerTable, type TableReadOptions } from './table.js';
import { CorruptFileError, DataError } from '../../core/errors.js';
import type { CyclerRecords } from './types.js';

export * from './types.js';
export {
  parseCyclerTable,
  readCyclerTable,
  splitHeaderUnit,
  type MappedColumn,
  type TableReadOptions,
} from './table.js';
export { unitConversion, genericKey, sanitiseName, keyUnit, type UnitConversion } from './quantities.js';
export {
  formatWallClock,
  parseIsoWallClock,
  parseMonthFirstDateTime,
  oleDateToWallClock,
  wallClockToEpochMs,
  zoneOffsetMinutes,
  type WallClock,
} from './time.js';
export { parseNumericBlock, type NumericBlock, type NumericBlockOptions } from './numeric.js';

/** Reads any supported cycler file. `options.mapping` etc. apply to generic tables only. */
export function readCyclerFile(path: string, options: TableReadOptions = {}): CyclerRecords {
  return parseCyclerFile(readFileChecked(path), path, options);
}

/**
 * Parses the bytes of a cycler file (`path` names it in errors): live mode reads a growing file up to its
 * last complete line and parses that.
 */
export function parseCyclerFile(bytes: Buffer, path: string, options: TableReadOptions = {}): CyclerRecords {
  if (bytes.length === 0)
    throw new CorruptFileError('empty file', { file: path, expected: 'a cycler export' });
  const foreign = (rec: CyclerRecords): CyclerRecords => {
    nonEmpty(rec, path);
    if (options.mapping && Object.keys(options.mapping).length > 0)
      rec.warnings.push(
        `column mapping ignored: ${rec.format} files name their columns themselves (a mapping applies to generic tables)`,
      );
    return rec;
  };
  if (isMpr(bytes)) return foreign(parseMpr(bytes, path, options));
  if (isMpt(bytes)) return foreign(parseMpt(bytes, path, options));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = bytes.toString('latin1');
  }
  text = text.replace(/^\uFEFF/, '');
  if (isMaccorText(text)) return foreign(parseMaccor(text, path, options));
  return nonEmpty(parseCyclerTable(text, path, options), path);
}

/** A file with a header and no records is refused: every result from it would be empty or zero. */
function nonEmpty(rec: CyclerRecords, path: string): CyclerRecords {
  if (rec.rowCount === 0)
    throw new DataError('no data rows: the file holds a header only', {
      file: path,
      field: 'rows',
      found: 0,
      expected: 'at least one record',
    });
  return rec;
}
