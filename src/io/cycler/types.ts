/**
 * The cycler record table every cycler reader returns (EC-Lab .mpt/.mpr, MACCOR text, generic tables).
 * Columns are kept in file order; each carries spincell's quantity key (`time_s`, `voltage_V`,
 * `current_mA`, `charge_mAh`, `cycle`, `step` …) with its values converted to that key's unit, beside the
 * header and unit exactly as the file had them.
 */

export interface RecordColumn {
  /** spincell quantity key with its unit in the name, unique within the table. */
  readonly key: string;
  /** Header as written in the file (for .mpr: EC-Lab's export name for the column ID). */
  readonly original: string;
  /** Unit as written in the file, or null for counts and flags. */
  readonly unit: string | null;
  /** Values in the unit of `key`. */
  readonly values: Float64Array;
  /** True when the reader computed the column (EC-Lab computes some columns only when exporting text). */
  readonly derived?: boolean;
}

export type CyclerFormat = 'biologic-mpt' | 'biologic-mpr' | 'maccor-txt' | 'table' | 'simulated';

export interface CyclerRecords {
  /** File the records came from. */
  readonly source: string;
  readonly format: CyclerFormat;
  /** Technique or procedure name as the instrument reports it (e.g. "GCPL", "PEIS"), or null. */
  readonly technique: string | null;
  /** Acquisition start as the instrument's local wall clock, ISO-8601 without zone; null when absent. */
  readonly startLocal: string | null;
  /** Acquisition start in epoch ms, reading `startLocal` in `timezone`; null when absent. */
  readonly startMs: number | null;
  /** Zone used to turn `startLocal` into `startMs`. */
  readonly timezone: string;
  readonly rowCount: number;
  readonly columns: RecordColumn[];
  /** Problems the reader worked around (unknown column IDs, suspicious values …), one sentence each. */
  readonly warnings: string[];
  /** Other header facts worth keeping (software version, channel, device, electrode area …). */
  readonly meta: Record<string, string>;
}

export interface ReadOptions {
  /** Zone of the instrument clock: "UTC" (default), "+01:00", or an IANA name. */
  timezone?: string;
}

/** The column with `key`, or undefined. */
export function findColumn(records: CyclerRecords, key: string): RecordColumn | undefined {
  return records.columns.find((c) => c.key === key);
}

/** The values of the column with `key`, or undefined. */
export function columnValues(records: CyclerRecords, key: string): Float64Array | undefined {
  return findColumn(records, key)?.values;
}

/** Makes `key` unique among `taken` by appending _2, _3 … and records it. */
export function uniqueKey(key: string, taken: Set<string>): string {
  let k = key;
  for (let i = 2; taken.has(k); i++) k = `${key}_${i}`;
  taken.add(k);
  return k;
}
