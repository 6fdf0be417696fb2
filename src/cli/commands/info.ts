/**
 * `spincell info <path>`: what a path holds — format, nucleus, spectrometer parameters and acquisition
 * times (ISO 8601, UTC) — one row per spectrum for a series. Reads parameter files only, never the data.
 */
import { statSync } from 'node:fs';
import { readBytesAt } from '../../io/bruker/binary.js';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { UnsupportedFormatError } from '../../core/errors.js';
import type { AcquisitionMeta } from '../../core/types.js';
import { listSeries, type SeriesEntry } from '../../io/bruker/index.js';
import { isFile } from '../../io/fs.js';
import { isJcampPath, readJcampSpectrum } from '../../io/jcamp/index.js';
import { action, type GlobalOptions, printJson, printTable } from '../common.js';

/** Acquisition parameters reported as they are in the spectrum's metadata (units in the names). */
type InfoParameters = Pick<
  AcquisitionMeta,
  | 'nucleus'
  | 'sfo1MHz'
  | 'bf1MHz'
  | 'o1Hz'
  | 'swHz'
  | 'complexPoints'
  | 'scans'
  | 'dummyScans'
  | 'recycleDelayS'
  | 'acquisitionTimeS'
  | 'receiverGain'
  | 'pulseProgram'
  | 'groupDelayPoints'
>;

export interface InfoSpectrum extends InfoParameters {
  readonly index: number;
  readonly experimentNumber: number | null;
  readonly rowIndex: number | null;
  readonly source: string;
  /** TD, real + imaginary values. */
  readonly td: number;
  /** TE, K (null when acqus records none). */
  readonly temperatureK: number | null;
  readonly groupDelaySource: string;
  readonly dataType: string;
  readonly byteOrder: string;
  readonly start: string;
  readonly end: string;
  readonly durationS: number;
  /** "audita" (recorded start and end) or "acqus DATE" (end recorded, start estimated). */
  readonly timeSource: string;
}

export interface BrukerInfo {
  readonly path: string;
  readonly format: 'bruker experiment' | 'bruker ser' | 'bruker series';
  readonly nucleus: string;
  readonly count: number;
  readonly start: string;
  readonly end: string;
  readonly spectra: InfoSpectrum[];
}

export interface JcampInfo {
  readonly path: string;
  readonly format: 'jcamp';
  readonly title: string;
  readonly nucleus: string | null;
  readonly form: string;
  readonly sfMHz: number;
  readonly points: number;
  readonly firstPpm: number;
  readonly lastPpm: number;
  readonly hasImaginary: boolean;
}

export type InputInfo = BrukerInfo | JcampInfo;

const iso = (ms: number) => new Date(ms).toISOString();

function spectrumInfo(e: SeriesEntry): InfoSpectrum {
  const m = e.meta;
  return {
    index: e.index,
    experimentNumber: m.experimentNumber ?? null,
    rowIndex: m.rowIndex ?? null,
    source: e.experimentPath,
    nucleus: m.nucleus,
    sfo1MHz: m.sfo1MHz,
    bf1MHz: m.bf1MHz,
    o1Hz: m.o1Hz,
    swHz: m.swHz,
    td: e.td,
    complexPoints: m.complexPoints,
    scans: m.scans,
    dummyScans: m.dummyScans,
    recycleDelayS: m.recycleDelayS,
    acquisitionTimeS: m.acquisitionTimeS,
    receiverGain: m.receiverGain,
    pulseProgram: m.pulseProgram,
    temperatureK: m.temperatureK ?? null,
    groupDelayPoints: m.groupDelayPoints,
    groupDelaySource: e.groupDelaySource,
    dataType: e.dataType,
    byteOrder: e.byteOrder,
    start: iso(m.startMs),
    end: iso(m.endMs),
    durationS: (m.endMs - m.startMs) / 1000,
    timeSource: e.timeSource,
  };
}

/** A file that starts like a JCAMP-DX spectrum (labelled records and a data block). */
function looksLikeJcamp(path: string): boolean {
  if (isJcampPath(path)) return true;
  // Only the head is needed: a large file is sniffed, not read whole.
  const size = statSync(path).size;
  const head = Buffer.from(readBytesAt(path, 0, Math.min(size, 65536))).toString('latin1');
  return head.trimStart().startsWith('##') && /##\s*(XYDATA|NTUPLES)\s*=/i.test(head);
}

/** Describes a Bruker experiment, ser, series folder or JCAMP-DX file. */
export function inspectInput(path: string): InputInfo {
  const brukerFile = ['fid', 'ser', 'acqus', 'acqu2s'].includes(basename(path));
  if (isFile(path) && !brukerFile) {
    if (!looksLikeJcamp(path)) {
      throw new UnsupportedFormatError('file format not recognised', {
        file: path,
        expected: 'a Bruker experiment or dataset folder, or a JCAMP-DX spectrum (.jdx, .dx)',
      });
    }
    const s = readJcampSpectrum(path);
    return {
      path,
      format: 'jcamp',
      title: s.title,
      nucleus: s.nucleus ?? null,
      form: s.form,
      sfMHz: s.sfMHz,
      points: s.re.length,
      firstPpm: s.ppm[0],
      lastPpm: s.ppm[s.ppm.length - 1],
      hasImaginary: s.hasImaginary,
    };
  }
  const entries = listSeries(path);
  const spectra = entries.map(spectrumInfo);
  return {
    path,
    format: entries[0].format,
    nucleus: entries[0].meta.nucleus,
    count: entries.length,
    start: iso(Math.min(...entries.map((e) => e.meta.startMs))),
    end: iso(Math.max(...entries.map((e) => e.meta.endMs))),
    spectra,
  };
}

function printHuman(info: InputInfo): void {
  if (info.format === 'jcamp') {
    printTable(
      ['field', 'value'],
      [
        ['format', `jcamp (${info.form})`],
        ['title', info.title],
        ['nucleus', info.nucleus],
        ['SF MHz', info.sfMHz],
        ['points', info.points],
        ['ppm range', `${info.firstPpm.toFixed(3)} … ${info.lastPpm.toFixed(3)}`],
        ['imaginary', info.hasImaginary ? 'yes' : 'no'],
      ],
    );
    return;
  }
  process.stdout.write(
    `${info.format}: ${info.path}\n${info.nucleus}, ${info.count} spectr${info.count === 1 ? 'um' : 'a'}, ${info.start} → ${info.end}\n\n`,
  );
  printTable(
    [
      '#',
      'exp',
      'row',
      'SFO1 MHz',
      'O1 Hz',
      'SW Hz',
      'TD',
      'NS',
      'DS',
      'D1 s',
      'AQ s',
      'RG',
      'PULPROG',
      'GRPDLY',
      'start',
      'end',
      'times',
    ],
    // Counts as plain integers; the table formatter would print them with decimals.
    info.spectra.map((s) => [
      String(s.index),
      s.experimentNumber === null ? null : String(s.experimentNumber),
      s.rowIndex === null ? null : String(s.rowIndex),
      s.sfo1MHz.toFixed(6),
      s.o1Hz,
      s.swHz,
      String(s.td),
      String(s.scans),
      String(s.dummyScans),
      s.recycleDelayS,
      s.acquisitionTimeS,
      String(s.receiverGain),
      s.pulseProgram,
      `${s.groupDelayPoints.toFixed(3)} (${s.groupDelaySource})`,
      s.start,
      s.end,
      s.timeSource,
    ]),
  );
}

export function registerInfo(program: Command): void {
  program
    .command('info <path>')
    .description(
      'format, nucleus, spectrometer parameters and acquisition times of a Bruker experiment, series or JCAMP-DX file',
    )
    .action(
      action((path: string, _flags: unknown, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        const info = inspectInput(path);
        if (json) printJson(info);
        else printHuman(info);
      }),
    );
}
