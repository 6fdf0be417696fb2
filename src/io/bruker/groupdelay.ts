/**
 * Digital-filter group delay of Bruker data, in (complex) points.
 *
 * Bruker's digital receivers delay the FID by a non-integer number of points. Since TopSpin 2 (DSPFVS ≥ 20)
 * the delay is stored in acqus as GRPDLY. Older firmware (DSPFVS 10–13) does not store it; the delay then
 * depends on the decimation factor DECIM and the firmware version, and is taken from the published table
 * below.
 *
 * Table source: W. M. Westler and F. Abildgaard, "DMX digital filters and non-Bruker offline processing III"
 * (1996), in the un-rounded form in which nmrglue (nmrglue/fileio/bruker.py, `bruker_dsp_table`) publishes
 * it, where every entry is an exact fraction k/(2·DECIM) consistent with the rounded original. The numbers
 * were re-typed here from that table; repeating decimals are written as the exact fractions they stand for.
 */
import { ParameterError } from '../../core/errors.js';
import type { BrukerParams } from './params.js';

/** DSPFVS → DECIM → group delay in points. */
export const DSP_GROUP_DELAY_TABLE: Readonly<Record<number, Readonly<Record<number, number>>>> = {
  10: {
    2: 44.75,
    3: 33.5,
    4: 66.625,
    6: 709 / 12,
    8: 68.5625,
    12: 60.375,
    16: 69.53125,
    24: 2929 / 48,
    32: 70.015625,
    48: 61.34375,
    64: 70.2578125,
    96: 11809 / 192,
    128: 70.37890625,
    192: 61.5859375,
    256: 70.439453125,
    384: 47329 / 768,
    512: 70.4697265625,
    768: 61.646484375,
    1024: 144353 / 2048,
    1536: 189409 / 3072,
    2048: 288737 / 4096,
  },
  11: {
    2: 46,
    3: 36.5,
    4: 48,
    6: 301 / 6,
    8: 53.25,
    12: 69.5,
    16: 72.25,
    24: 421 / 6,
    32: 72.75,
    48: 70.5,
    64: 73,
    96: 212 / 3,
    128: 72.5,
    192: 214 / 3,
    256: 72.25,
    384: 215 / 3,
    512: 72.125,
    768: 431 / 6,
    1024: 72.0625,
    1536: 863 / 12,
    2048: 72.03125,
  },
  12: {
    2: 46,
    3: 36.5,
    4: 48,
    6: 301 / 6,
    8: 53.25,
    12: 69.5,
    16: 71.625,
    24: 421 / 6,
    32: 72.125,
    48: 70.5,
    64: 72.375,
    96: 212 / 3,
    128: 72.5,
    192: 214 / 3,
    256: 72.25,
    384: 215 / 3,
    512: 72.125,
    768: 431 / 6,
    1024: 72.0625,
    1536: 863 / 12,
    2048: 72.03125,
  },
  13: {
    2: 2.75,
    3: 17 / 6,
    4: 2.875,
    6: 35 / 12,
    8: 2.9375,
    12: 71 / 24,
    16: 2.96875,
    24: 143 / 48,
    32: 2.984375,
    48: 287 / 96,
    64: 2.9921875,
    96: 575 / 192,
  },
};

export type GroupDelaySource = 'GRPDLY' | 'DSP table' | 'analogue';

export interface GroupDelay {
  readonly points: number;
  readonly source: GroupDelaySource;
}

/** Looks a delay up in the DECIM/DSPFVS table; ParameterError naming the field when the pair is unknown. */
export function dspTableGroupDelay(dspfvs: number, decim: number, file?: string): number {
  const row = DSP_GROUP_DELAY_TABLE[dspfvs];
  if (row === undefined) {
    throw new ParameterError('firmware version not in the DECIM/DSPFVS group-delay table', {
      file,
      field: 'DSPFVS',
      found: dspfvs,
      expected: Object.keys(DSP_GROUP_DELAY_TABLE).join(', '),
    });
  }
  const value = row[decim];
  if (value === undefined) {
    throw new ParameterError(`decimation factor not in the group-delay table for DSPFVS ${dspfvs}`, {
      file,
      field: 'DECIM',
      found: decim,
      expected: `one of ${Object.keys(row).join(', ')}`,
    });
  }
  return value;
}

/**
 * Group delay of an acquisition from its acqus parameters.
 *
 * Rules, in order:
 *  1. DIGMOD = 0 (analogue filters, no digital filtering) → 0.
 *  2. GRPDLY present and > 0 → GRPDLY (fractional values kept). TopSpin writes −1 when it does not know it.
 *  3. DSPFVS 10–13 → the DECIM/DSPFVS table.
 *  4. Otherwise (DSPFVS ≥ 14 with no usable GRPDLY) the delay is unknown: ParameterError on GRPDLY. We do not
 *     guess, because a wrong delay leaves a large first-order phase error that automatic phasing then hides.
 */
export function groupDelayFromParams(params: BrukerParams): GroupDelay {
  if (params.has('DIGMOD') && params.integer('DIGMOD') === 0) return { points: 0, source: 'analogue' };
  if (params.has('GRPDLY')) {
    const grpdly = params.number('GRPDLY');
    if (grpdly > 0) return { points: grpdly, source: 'GRPDLY' };
  }
  if (!params.has('DSPFVS')) {
    throw new ParameterError('cannot determine the digital-filter group delay', {
      file: params.file,
      field: 'GRPDLY',
      found: params.has('GRPDLY') ? params.number('GRPDLY') : 'no GRPDLY and no DSPFVS',
      expected: 'GRPDLY > 0, or DSPFVS 10–13 with DECIM, or DIGMOD = 0',
    });
  }
  const dspfvs = params.integer('DSPFVS');
  if (dspfvs >= 10 && dspfvs <= 13) {
    return { points: dspTableGroupDelay(dspfvs, params.number('DECIM'), params.file), source: 'DSP table' };
  }
  throw new ParameterError('cannot determine the digital-filter group delay', {
    file: params.file,
    field: 'GRPDLY',
    found: params.has('GRPDLY') ? params.number('GRPDLY') : 'missing',
    expected: `GRPDLY > 0 (DSPFVS ${dspfvs} data carry it; the DECIM table covers DSPFVS 10–13 only)`,
  });
}
