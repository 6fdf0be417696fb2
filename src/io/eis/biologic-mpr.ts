/**
 * EC-Lab binary `.mpr` (PEIS/GEIS) through the shared BioLogic reader (io/biologic), which maps the
 * columns to spincell keys: freq_Hz, re_z_ohm, minus_im_z_ohm, time_s, cycle. EC-Lab stores −Im(Z), so
 * the sign is flipped to Z″ here. Rows without a frequency (the DC steps some techniques log) are dropped.
 */
import { CorruptFileError } from '../../core/errors.js';
import {
  parseBiologic,
  readBiologic,
  columnValues,
  type CyclerRecords,
  type ReadOptions,
} from '../biologic/index.js';
import type { BiologicMptImpedance } from './biologic-mpt.js';

export function impedanceFromBiologicRecords(records: CyclerRecords): BiologicMptImpedance {
  const file = records.source;
  const f = columnValues(records, 'freq_Hz');
  const re = columnValues(records, 're_z_ohm');
  const mim = columnValues(records, 'minus_im_z_ohm');
  if (!f || !re || !mim) {
    throw new CorruptFileError('no impedance columns', {
      file,
      field: records.technique ?? 'technique',
      found: records.columns
        .map((c) => c.original)
        .slice(0, 12)
        .join(' | '),
      expected: 'freq/Hz, Re(Z)/Ohm and -Im(Z)/Ohm (a PEIS or GEIS run)',
    });
  }
  const t = columnValues(records, 'time_s');
  const cyc = columnValues(records, 'cycle');
  const keep: number[] = [];
  for (let i = 0; i < f.length; i++) if (f[i] > 0) keep.push(i);
  if (keep.length === 0)
    throw new CorruptFileError('no impedance data rows', {
      file,
      field: 'freq/Hz',
      found: 'no row with a frequency',
      expected: 'at least one frequency point',
    });
  const pick = (a: Float64Array) => Float64Array.from(keep, (i) => a[i]);
  return {
    freqHz: pick(f),
    zReOhm: pick(re),
    zImOhm: Float64Array.from(keep, (i) => -mim[i]),
    ...(t ? { timeS: pick(t) } : {}),
    ...(cyc ? { cycle: pick(cyc) } : {}),
    ...(records.startMs !== null ? { startMs: records.startMs } : {}),
    source: file,
    format: records.format === 'biologic-mpr' ? 'biologic-mpr' : 'biologic-mpt',
  };
}

/** Reads impedance from an EC-Lab .mpr (or .mpt) via the shared BioLogic reader. */
export function readBiologicImpedance(path: string, options: ReadOptions = {}): BiologicMptImpedance {
  return impedanceFromBiologicRecords(readBiologic(path, options));
}

/** Same from bytes already in memory. */
export function parseBiologicImpedance(
  bytes: Uint8Array,
  file: string,
  options: ReadOptions = {},
): BiologicMptImpedance {
  return impedanceFromBiologicRecords(parseBiologic(bytes, file, options));
}
