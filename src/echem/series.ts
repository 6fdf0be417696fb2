/**
 * The numeric view of a cycler record the analyses work on: time, voltage, current and charge as
 * Float64Arrays, plus the instrument's step and control-mode columns when it wrote them. Built from any
 * reader's CyclerRecords; checks what the analyses rely on (finite, non-decreasing time) and says what it
 * had to fill in.
 *
 * Sign convention is the instrument's: current > 0 is anodic at the working electrode (EC-Lab, and what
 * MACCOR/generic readers convert to), so for a cathode half-cell "charge" is I > 0, and for a Li‖Li cell
 * plating onto the working electrode is I < 0.
 */
import { DataError } from '../core/errors.js';
import { SECONDS_PER_HOUR } from '../core/constants.js';
import type { CyclerRecords } from '../io/cycler/types.js';
import { columnValues } from '../io/cycler/types.js';

export interface CyclerSeries {
  readonly source: string;
  readonly timeS: Float64Array;
  readonly voltageV: Float64Array;
  readonly currentMA: Float64Array;
  /** Net charge passed since the start of the record, ∫I dt, mAh. */
  readonly chargeMAh: Float64Array;
  /** Instrument step/sequence number per row (EC-Lab Ns, MACCOR Step), when present. */
  readonly step?: Float64Array;
  /** EC-Lab control mode per row: 1 galvanostatic, 2 potentiostatic, 3 rest. */
  readonly mode?: Float64Array;
  /** The instrument's cycle counter per row (EC-Lab "cycle number"), when present. */
  readonly cycle?: Float64Array;
  /** Programmed potential per row (EC-Lab "control/V"), when present: the sweep of a CV. */
  readonly controlV?: Float64Array;
  /** Frequency per row (impedance points), when present; 0 on rows that are not impedance points. */
  readonly freqHz?: Float64Array;
  /** Technique as the instrument names it ("GCPL", "CV", "PEIS" …), or null. */
  readonly technique?: string | null;
  /** Acquisition start, epoch ms, when known. */
  readonly startMs: number | null;
  readonly warnings: string[];
}

/** Cumulative trapezoid integral of current (mA) over time (s), in mAh. */
export function integrateCurrentMAh(timeS: Float64Array, currentMA: Float64Array): Float64Array {
  const q = new Float64Array(timeS.length);
  for (let i = 1; i < timeS.length; i++) {
    q[i] =
      q[i - 1] + (0.5 * (currentMA[i] + currentMA[i - 1]) * (timeS[i] - timeS[i - 1])) / SECONDS_PER_HOUR;
  }
  return q;
}

export interface SeriesOptions {
  /** Accept time going backwards (rows are then sorted by time) instead of failing. */
  allowUnsortedTime?: boolean;
}

/**
 * Builds the analysis series. Throws DataError when time, voltage or current is missing, when time is
 * not finite, or when it goes backwards (unless `allowUnsortedTime`, which sorts the rows and warns).
 * A missing charge column is replaced by the integral of current, with a warning.
 */
export function seriesFromRecords(records: CyclerRecords, options: SeriesOptions = {}): CyclerSeries {
  const file = records.source;
  const need = (key: string): Float64Array => {
    const v = columnValues(records, key);
    if (!v) {
      throw new DataError('cycler record lacks a column the analysis needs', {
        file,
        field: key,
        found: records.columns.map((c) => c.key),
        expected: `a ${key} column`,
      });
    }
    return v;
  };
  let timeS = need('time_s');
  let voltageV = need('voltage_V');
  const warnings: string[] = [];
  // Open-circuit techniques log no current because none flows.
  const openCircuit = records.technique === 'OCV' || records.technique === 'WAIT';
  let currentMA =
    columnValues(records, 'current_mA') ??
    (openCircuit ? new Float64Array(timeS.length) : need('current_mA'));
  if (!columnValues(records, 'current_mA'))
    warnings.push(`no current column in a ${records.technique} record: current taken as 0`);
  let charge = columnValues(records, 'charge_mAh');
  let step = columnValues(records, 'step');
  let mode = columnValues(records, 'mode');
  let cycle = columnValues(records, 'cycle');
  let controlV = columnValues(records, 'control_V');
  let freqHz = columnValues(records, 'freq_Hz');
  for (let i = 0; i < timeS.length; i++) {
    if (!Number.isFinite(timeS[i]))
      throw new DataError('time is not a finite number', {
        file,
        field: `time_s, row ${i}`,
        found: timeS[i],
        expected: 'finite seconds',
      });
  }
  let firstBack = -1;
  for (let i = 1; i < timeS.length; i++) {
    if (timeS[i] < timeS[i - 1]) {
      firstBack = i;
      break;
    }
  }
  if (firstBack >= 0) {
    if (!options.allowUnsortedTime) {
      throw new DataError('time goes backwards', {
        file,
        field: `time_s, row ${firstBack}`,
        found: `${timeS[firstBack]} s after ${timeS[firstBack - 1]} s`,
        expected: 'non-decreasing time (pass allowUnsortedTime to sort the rows)',
      });
    }
    const order = Array.from(timeS.keys()).sort((a, b) => timeS[a] - timeS[b] || a - b);
    const pick = (a: Float64Array) => Float64Array.from(order, (i) => a[i]);
    timeS = pick(timeS);
    voltageV = pick(voltageV);
    currentMA = pick(currentMA);
    if (charge) charge = pick(charge);
    if (step) step = pick(step);
    if (mode) mode = pick(mode);
    if (cycle) cycle = pick(cycle);
    if (controlV) controlV = pick(controlV);
    if (freqHz) freqHz = pick(freqHz);
    warnings.push(`time goes backwards at row ${firstBack}: rows sorted by time`);
  }
  if (!charge) {
    charge = integrateCurrentMAh(timeS, currentMA);
    warnings.push('no charge column: charge integrated from current (trapezoid rule)');
  }
  return {
    source: file,
    timeS,
    voltageV,
    currentMA,
    chargeMAh: charge,
    ...(step ? { step } : {}),
    ...(mode ? { mode } : {}),
    ...(cycle ? { cycle } : {}),
    ...(controlV ? { controlV } : {}),
    ...(freqHz ? { freqHz } : {}),
    technique: records.technique,
    startMs: records.startMs,
    warnings: [...records.warnings, ...warnings],
  };
}
