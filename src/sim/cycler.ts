/**
 * The virtual cycler: samples the virtual cell (src/sim/cell.ts) the way a potentiostat logs it, so
 * that the cycler record and the simulated NMR series describe the same experiment. Records are taken
 * every `sampleIntervalS` within each protocol step, at the first instant of the step and at its last
 * instant (cyclers log the point that ends a step), so step boundaries are exact and every step's
 * charge is exactly Q(end) − Q(start) of the cell.
 *
 * Sign convention of the output is EC-Lab's: I > 0 is anodic at the working electrode. The cell counts
 * plating onto the working electrode as positive current, so current and charge change sign here;
 * voltage (working − counter) is the same in both.
 *
 * The record can be written as an EC-Lab-style text export (.mpt, with the header lines EC-Lab writes
 * and its number formats, optionally with decimal commas) or as a plain CSV with spincell's column keys.
 */
import { ParameterError } from '../core/errors.js';
import type { VirtualCell } from './cell.js';
import type { CyclerRecords, RecordColumn } from '../io/cycler/types.js';
import { wallClockFromUtcMs, zoneOffsetMinutes, formatWallClock } from '../io/cycler/time.js';
import { writeFileAtomic } from '../io/fs.js';
import { formatCsvColumns } from '../io/csv/index.js';

export interface CyclerSimOptions {
  /** Logging interval within a step, s (default 10). */
  sampleIntervalS?: number;
  /** Protocol start, epoch ms (default 2026-01-15 08:00 UTC, as the spectrometer simulator). */
  startMs?: number;
  /** Zone of the instrument clock for the local start time (default UTC). */
  timezone?: string;
}

const MODE: Record<string, number> = { rest: 3, plate: 1, strip: 1, hold: 2 };

/** Samples the cell into a cycler record (EC-Lab sign convention). */
export function simulateCycler(cell: VirtualCell, options: CyclerSimOptions = {}): CyclerRecords {
  const dt = options.sampleIntervalS ?? 10;
  if (!(dt > 0) || !Number.isFinite(dt))
    throw new ParameterError('sample interval must be positive', {
      field: 'sampleIntervalS',
      found: dt,
      expected: '> 0 s',
    });
  const startMs = options.startMs ?? Date.UTC(2026, 0, 15, 8, 0, 0);
  const timezone = options.timezone ?? 'UTC';
  const time: number[] = [];
  const voltage: number[] = [];
  const current: number[] = [];
  const charge: number[] = [];
  const step: number[] = [];
  const mode: number[] = [];
  const cycle: number[] = [];
  const control: number[] = [];
  const halfCycle: number[] = [];
  let half = 0;
  let lastSign = 0;
  for (const span of cell.steps) {
    const protocolStep = cell.protocol[span.index];
    const setpoint =
      protocolStep.kind === 'plate'
        ? -protocolStep.currentMA
        : protocolStep.kind === 'strip'
          ? protocolStep.currentMA
          : protocolStep.kind === 'hold'
            ? protocolStep.voltageV
            : 0;
    const n = Math.ceil((span.endS - span.startS) / dt - 1e-9);
    for (let k = 0; k <= n; k++) {
      const t = k === n ? span.endS : span.startS + k * dt;
      // At the step's last instant the cell already reports the next step; current and voltage are
      // taken just inside this step, the (continuous) charge exactly at t.
      const inside =
        k === n && span.index < cell.steps.length - 1
          ? cell.state(t - 1e-6 * Math.max(1, dt))
          : cell.state(t);
      const atT = k === n ? cell.state(t) : inside;
      const i = 0 - inside.currentMA; // 0 − x, not −x: a rest gives +0, not −0
      const sign = Math.abs(i) > 0 ? Math.sign(i) : 0;
      if (sign !== 0 && lastSign !== 0 && sign !== lastSign) half++;
      if (sign !== 0) lastSign = sign;
      time.push(t);
      voltage.push(inside.voltageV);
      current.push(i);
      charge.push(0 - atT.chargeMAh);
      step.push(span.index);
      mode.push(MODE[span.kind]);
      cycle.push(span.cycle);
      control.push(setpoint);
      halfCycle.push(half);
    }
  }
  const col = (key: string, original: string, unit: string | null, values: number[]): RecordColumn => ({
    key,
    original,
    unit,
    values: Float64Array.from(values),
  });
  const local = wallClockFromUtcMs(startMs + zoneOffsetMinutes(timezone, startMs) * 60_000);
  return {
    source: 'virtual cycler',
    format: 'simulated',
    technique: 'MB',
    startLocal: formatWallClock(local),
    startMs,
    timezone,
    rowCount: time.length,
    columns: [
      col('mode', 'mode', null, mode),
      col('step', 'Ns', null, step),
      col('time_s', 'time/s', 's', time),
      col('control_V_or_mA', 'control/V/mA', 'V/mA', control),
      col('voltage_V', 'Ewe/V', 'V', voltage),
      col('current_mA', '<I>/mA', 'mA', current),
      col('charge_mAh', '(Q-Qo)/mA.h', 'mA.h', charge),
      col('half_cycle', 'half cycle', null, halfCycle),
      col('cycle', 'cycle number', null, cycle),
    ],
    warnings: [],
    meta: { electrodeArea: `${cell.params.areaCm2} cm²` },
  };
}

/** EC-Lab's number format: mantissa with `decimals` digits, exponent sign and three digits. */
export function formatEclabNumber(value: number, decimals: number, decimalComma = false): string {
  const s = value.toExponential(decimals);
  const [mant, exp] = s.split('e');
  const e = Number(exp);
  const text = `${mant}E${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(3, '0')}`;
  return decimalComma ? text.replace('.', ',') : text;
}

export interface MptWriteOptions {
  decimalComma?: boolean;
  /** Technique title on line 4 of the header (default 'Modulo Bat'; e.g. 'Potentio Electrochemical Impedance Spectroscopy'). */
  techniqueTitle?: string;
}

/** Columns written with float32 precision in EC-Lab exports (8 significant digits); others get 16. */
const SINGLE = new Set(['Ewe/V', 'control/V/mA']);
const INTEGER = new Set(['mode', 'Ns', 'half cycle']);

/** Formats records as an EC-Lab-style text export. */
export function formatMpt(records: CyclerRecords, options: MptWriteOptions = {}): string {
  const comma = options.decimalComma ?? false;
  const start = records.startLocal
    ? records.startLocal.replace(/^(\d{4})-(\d{2})-(\d{2})T/, '$2/$3/$1 ')
    : null;
  const header = [
    'EC-Lab ASCII FILE',
    '',
    '',
    options.techniqueTitle ?? 'Modulo Bat',
    '',
    'Run on channel : 1 (SN 0)',
    'User : ',
    ...(start ? [`Acquisition started on : ${start}`] : []),
    'Device : spincell virtual cycler',
    `Electrode surface area : ${records.meta.electrodeArea ?? ''}`,
    `Comments : ${records.source}`,
    '',
  ];
  const names = records.columns.map((c) => c.original);
  header[1] = `Nb header lines : ${header.length + 1}`;
  const lines: string[] = [...header, `${names.join('\t')}\t`];
  const n = records.rowCount;
  const fmt = records.columns.map((c) =>
    INTEGER.has(c.original)
      ? (v: number) => String(Math.round(v))
      : (v: number) => formatEclabNumber(v, SINGLE.has(c.original) ? 7 : 15, comma),
  );
  for (let r = 0; r < n; r++) {
    const cells: string[] = [];
    for (let k = 0; k < records.columns.length; k++) cells.push(fmt[k](records.columns[k].values[r]));
    lines.push(cells.join('\t'));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Writes records as an EC-Lab-style .mpt (Latin-1, CRLF like EC-Lab). */
export function writeMpt(path: string, records: CyclerRecords, options: MptWriteOptions = {}): void {
  writeFileAtomic(path, Buffer.from(formatMpt(records, options), 'latin1'));
}

/** Formats records as CSV with spincell's column keys; the absolute start goes into comment lines. */
export function formatCyclerCsv(records: CyclerRecords): string {
  const comments = [
    `source: ${records.source}`,
    `start_local: ${records.startLocal ?? ''}`,
    `start_ms: ${records.startMs ?? ''}`,
    `timezone: ${records.timezone}`,
  ];
  return formatCsvColumns(
    records.columns.map((c) => c.key),
    records.columns.map((c) => c.values),
    comments,
  );
}

/** Writes records as CSV with spincell's column keys (formatCyclerCsv). */
export function writeCyclerCsv(path: string, records: CyclerRecords): void {
  writeFileAtomic(path, formatCyclerCsv(records));
}

/**
 * Formats records as a MACCOR-style text export: current as a magnitude in A with the direction in
 * State (C/D/R), Amp-hr accumulated from the start of each step, DPt Time as local wall clock.
 */
export function formatMaccor(records: CyclerRecords): string {
  const get = (key: string) => {
    const c = records.columns.find((x) => x.key === key);
    if (!c) throw new ParameterError('records lack a column MACCOR exports need', { field: key });
    return c.values;
  };
  const t = get('time_s');
  const v = get('voltage_V');
  const i = get('current_mA');
  const q = get('charge_mAh');
  const step = get('step');
  const cyc = get('cycle');
  const local0 = records.startLocal ? Date.parse(`${records.startLocal}Z`) : 0;
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = (ms: number) => {
    const d = new Date(ms);
    return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  };
  const lines = [
    `Today's Date ${clock(local0).slice(0, 10)}  Date of Test:\t${clock(local0).slice(0, 10)}\t Filename:\tvirtual.001 Procedure: virtual-LiLi.000\tComment/Barcode: spincell`,
    [
      'Rec#',
      'Cyc#',
      'Step',
      'Test (Sec)',
      'Step (Sec)',
      'Amp-hr',
      'Watt-hr',
      'Amps',
      'Volts',
      'State',
      'ES',
      'DPt Time',
      'ACImp/Ohms',
      'DCIR/Ohms',
    ].join('\t'),
  ];
  let stepStart = 0;
  let qStart = 0;
  let energy = 0;
  for (let r = 0; r < records.rowCount; r++) {
    if (r === 0 || step[r] !== step[r - 1]) {
      stepStart = t[r];
      qStart = q[r];
      energy = 0;
    } else
      energy += (Math.abs(0.5 * (i[r] + i[r - 1])) * 0.5 * (v[r] + v[r - 1]) * (t[r] - t[r - 1])) / 3.6e6;
    const state = i[r] > 0 ? 'C' : i[r] < 0 ? 'D' : 'R';
    lines.push(
      [
        r + 1,
        cyc[r],
        step[r] + 1,
        t[r].toFixed(4),
        (t[r] - stepStart).toFixed(4),
        (Math.abs(q[r] - qStart) / 1000).toPrecision(15),
        Math.abs(energy).toPrecision(10),
        (Math.abs(i[r]) / 1000).toPrecision(15),
        v[r].toFixed(8),
        state,
        r + 1 < records.rowCount && step[r + 1] !== step[r] ? 133 : 0,
        clock(local0 + Math.round(t[r] * 1000)),
        'N/A',
        'N/A',
      ].join('\t'),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
