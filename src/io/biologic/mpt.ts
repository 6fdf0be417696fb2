/**
 * EC-Lab text export (.mpt): "EC-Lab ASCII FILE", "Nb header lines : N", N−3 lines of settings, the
 * tab-separated column header (line N), then one tab-separated row per record. Text is Latin-1. Numbers
 * use the decimal separator of the Windows locale EC-Lab ran under ('.' or ','), detected from the first
 * data row; a file mixing both is rejected rather than guessed.
 */
import { CorruptFileError, UnsupportedFormatError } from '../../core/errors.js';
import { readFileChecked } from '../fs.js';
import { parseNumericBlock } from '../cycler/numeric.js';
import { formatWallClock, parseMonthFirstDateTime, wallClockToEpochMs } from '../cycler/time.js';
import type { CyclerRecords, ReadOptions, RecordColumn } from '../cycler/types.js';
import { uniqueKey } from '../cycler/types.js';
import { eclabKey, MPT_TECHNIQUE_TITLES } from './columns.js';

const MAGICS = ['EC-Lab ASCII FILE', 'BT-Lab ASCII FILE'];

/** True when the bytes start like an EC-Lab text export. */
export function isMpt(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 20)).toString('latin1');
  return MAGICS.some((m) => head.startsWith(m));
}

/** Byte offset where line `index` (0-based) starts, or -1 when the file has fewer lines. */
function lineStart(bytes: Uint8Array, index: number): number {
  let pos = 0;
  for (let i = 0; i < index; i++) {
    const nl = bytes.indexOf(10, pos);
    if (nl < 0) return -1;
    pos = nl + 1;
  }
  return pos;
}

function headerValue(lines: string[], label: string): string | undefined {
  const prefix = `${label} :`;
  const line = lines.find((l) => l.startsWith(prefix));
  return line?.slice(prefix.length).trim();
}

/**
 * EC-Lab quirk (seen in PEIS exports with the counter electrode recorded, EC-Lab 11.6x): the column
 * header ends with an empty name and one more name (e.g. "…Rwe-ce/Ohm<TAB><TAB>Ewe-Ece/V"), while every
 * row stops before the empty name. The values are those of the names before it (the .mpr of the same
 * run holds no column for the ones after it). Returns how many names the rows hold, or null when the
 * header does not have that shape or the first row holds some other number of cells.
 */
function trailingNamesWithoutData(
  names: readonly string[],
  firstRow: string,
): { keep: number; dropped: string[] } | null {
  const blank = names.findIndex((n) => n.trim() === '');
  if (blank <= 0 || blank >= names.length - 1) return null;
  const cells = firstRow.replace(/\r$/, '').split('\t');
  while (cells.length > 0 && cells[cells.length - 1].trim() === '') cells.pop();
  if (cells.length !== blank) return null;
  return { keep: blank, dropped: names.slice(blank).map((n) => n.trim()) };
}

/** Reads an EC-Lab .mpt export already in memory. */
export function parseMpt(bytes: Uint8Array, file: string, options: ReadOptions = {}): CyclerRecords {
  const timezone = options.timezone ?? 'UTC';
  if (bytes.length === 0)
    throw new CorruptFileError('empty file', { file, expected: 'an EC-Lab text export' });
  if (!isMpt(bytes)) {
    throw new UnsupportedFormatError('not an EC-Lab text export', {
      file,
      field: 'line 1',
      found: Buffer.from(bytes.subarray(0, 24)).toString('latin1').split(/\r?\n/)[0],
      expected: MAGICS.join(' or '),
    });
  }
  const secondEnd = lineStart(bytes, 2);
  const second = Buffer.from(
    bytes.subarray(lineStart(bytes, 1), secondEnd < 0 ? bytes.length : secondEnd),
  ).toString('latin1');
  const m = /Nb header lines\s*:\s*(\d+)/.exec(second);
  if (!m)
    throw new CorruptFileError('missing header length line', {
      file,
      field: 'line 2',
      found: second.trim(),
      expected: 'Nb header lines : N',
    });
  const headerLines = Number(m[1]);
  if (headerLines < 3)
    throw new CorruptFileError('header too short', {
      file,
      field: 'Nb header lines',
      found: headerLines,
      expected: 'at least 3',
    });
  const namesStart = lineStart(bytes, headerLines - 1);
  // A run with no records ends right after the column names, possibly without a newline.
  const dataStart =
    namesStart < 0 ? -1 : lineStart(bytes, headerLines) < 0 ? bytes.length : lineStart(bytes, headerLines);
  if (namesStart < 0 || namesStart >= bytes.length) {
    throw new CorruptFileError('file ends inside its header', {
      file,
      field: 'Nb header lines',
      found: `fewer than ${headerLines} lines`,
      expected: `${headerLines} header lines`,
    });
  }
  const headerText = Buffer.from(bytes.subarray(0, namesStart)).toString('latin1');
  const header = headerText.split(/\r?\n/);
  const namesLine = Buffer.from(bytes.subarray(namesStart, dataStart))
    .toString('latin1')
    .replace(/\r?\n$/, '');
  const names = namesLine.split('\t');
  while (names.length > 0 && names[names.length - 1].trim() === '') names.pop();
  if (names.length === 0)
    throw new CorruptFileError('no column names', {
      file,
      field: `line ${headerLines}`,
      expected: 'tab-separated column names',
    });

  // Decimal separator from the first data row: EC-Lab writes every number with a fraction part.
  const firstNl = bytes.indexOf(10, dataStart);
  const firstRow = Buffer.from(bytes.subarray(dataStart, firstNl < 0 ? bytes.length : firstNl)).toString(
    'latin1',
  );
  const decimalComma = /\d,\d/.test(firstRow) && !/\d\.\d/.test(firstRow);
  const quirk = trailingNamesWithoutData(names, firstRow);
  if (quirk) names.splice(quirk.keep);
  const block = parseNumericBlock(bytes, dataStart, {
    columns: names.length,
    names,
    file,
    firstLine: headerLines + 1,
    decimal: decimalComma ? 44 : 46,
  });

  const taken = new Set<string>();
  const columns: RecordColumn[] = names.map((original, i) => {
    const { key, scale, unit } = eclabKey(original.trim(), taken);
    const values = block.columns[i];
    if (scale !== 1) for (let r = 0; r < values.length; r++) values[r] *= scale;
    return { key: uniqueKey(key, taken), original: original.trim(), unit, values };
  });

  const title = header[3]?.trim() ?? '';
  const technique = MPT_TECHNIQUE_TITLES.get(title.toLowerCase()) ?? (title === '' ? null : title);
  const warnings = [...block.warnings];
  if (quirk)
    warnings.push(
      `the header names ${quirk.keep + quirk.dropped.length} columns but the rows hold ${quirk.keep}: the names after the empty one (${quirk.dropped.filter((d) => d !== '').join(', ')}) have no data and were left out, as in the .mpr of the run`,
    );
  const started = headerValue(header, 'Acquisition started on');
  let startLocal: string | null = null;
  let startMs: number | null = null;
  if (started !== undefined) {
    const w = parseMonthFirstDateTime(started);
    if (w) {
      startLocal = formatWallClock(w);
      startMs = wallClockToEpochMs(w, timezone);
    } else
      warnings.push(
        `"Acquisition started on" not understood: ${JSON.stringify(started)} (expected MM/DD/YYYY HH:MM:SS.fff)`,
      );
  } else if (headerLines > 3)
    warnings.push('no "Acquisition started on" line: records have no absolute start time');

  const meta: Record<string, string> = { decimalSeparator: decimalComma ? ',' : '.' };
  if (title) meta.techniqueTitle = title;
  for (const [label, key] of [
    ['Technique started on', 'techniqueStarted'],
    ['Run on channel', 'channel'],
    ['Device', 'device'],
    ['Electrode surface area', 'electrodeArea'],
    ['Battery capacity', 'batteryCapacity'],
    ['Characteristic mass', 'characteristicMass'],
  ] as const) {
    const v = headerValue(header, label);
    if (v !== undefined) meta[key] = v;
  }
  const version = header.find((l) => /^(EC|BT)-Lab for windows/i.test(l));
  if (version) meta.software = version.trim();

  return {
    source: file,
    format: 'biologic-mpt',
    technique,
    startLocal,
    startMs,
    timezone,
    rowCount: block.rowCount,
    columns,
    warnings,
    meta,
  };
}

/** Reads an EC-Lab .mpt export from disk. */
export function readMpt(path: string, options: ReadOptions = {}): CyclerRecords {
  return parseMpt(readFileChecked(path), path, options);
}
