/**
 * Acquisition start and end times.
 *
 * What $DATE marks: the moment the acquisition finished. Evidence: in every real data set we hold, acqus
 * was written (time in its first `$$` comment; writer named there: the acquisition process `go`) 1–4 s
 * after its $DATE — coffee-1h/20: $DATE 10:48:11 UTC, written 10:48:12.45; coffee-1h/21: 10:49:33 vs
 * 10:49:33.77; aspirin-1h/1 (XWIN-NMR 3.5): 09:24:52 vs 09:24:56 — whereas those acquisitions lasted
 * 30–90 s, so $DATE cannot be their start. $DATE is taken as the end and the start is estimated backwards
 * from the experiment duration.
 *
 * Duration estimate: (DS + NS)·(D1 + AQ) for a 1D experiment, (DS + rows·NS)·(D1 + AQ) for a pseudo-2D
 * `ser` (dummy scans run once, before the first row; per-row durations with vdlist/vplist delays and the
 * rows' placement inside the window are in lists.ts). It ignores pulse lengths, other delays, gradient and
 * lock/shim overheads, which are milliseconds per scan for the simple pulse-acquire sequences used in situ;
 * expect the start to be early/late by a few seconds, well below a spectrum's own duration.
 *
 * When the experiment folder holds `audita.txt` (TopSpin 3 and later), its acquisition record gives both
 * the completion time (the record's timestamp) and the start ("started at …") to the millisecond; these
 * then replace the estimate.
 */
import { join } from 'node:path';
import { isFile, readFileChecked } from '../fs.js';

export type TimeSource = 'audita' | 'acqus DATE';

export interface AcquisitionWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly source: TimeSource;
}

// 2020-12-02 15:04:46.721 +0000  or  2025-04-08T10:53:49.241+0000  (offset may be written +01:00)
const STAMP = String.raw`(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)\s*(?:([+-])(\d{2}):?(\d{2})|Z)?`;

/** Parses an audit-trail timestamp into epoch ms; undefined when it is not one. */
export function parseAuditTimestamp(text: string): number | undefined {
  const m = new RegExp(`^${STAMP}$`).exec(text.trim());
  if (!m) return undefined;
  const offset = m[3] === undefined ? 'Z' : `${m[3]}${m[4]}:${m[5]}`;
  const ms = Date.parse(`${m[1]}T${m[2]}${offset}`);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Extracts the acquisition window from the text of an audita.txt. Uses the last record that carries
 * "started at" (a re-acquired experiment keeps the earlier records). Undefined when none is usable.
 */
export function parseAuditTrail(text: string): { startMs: number; endMs: number } | undefined {
  const records = text.split(/\r?\n(?=\(\s*\d+\s*,)/);
  let found: { startMs: number; endMs: number } | undefined;
  for (const record of records) {
    const when = /^\(\s*\d+\s*,\s*<([^>]*)>/.exec(record.trim());
    const started = new RegExp(`started at\\s+(${STAMP})`).exec(record);
    if (!when || !started) continue;
    const endMs = parseAuditTimestamp(when[1]);
    const startMs = parseAuditTimestamp(started[1]);
    if (endMs !== undefined && startMs !== undefined && endMs >= startMs) found = { startMs, endMs };
  }
  return found;
}

/** Reads audita.txt of an experiment folder if present and usable. */
export function readAuditWindow(experimentPath: string): { startMs: number; endMs: number } | undefined {
  const path = join(experimentPath, 'audita.txt');
  if (!isFile(path)) return undefined;
  return parseAuditTrail(readFileChecked(path).toString('latin1'));
}

/** Estimated duration of the whole acquisition, seconds (see the header comment). */
export function estimatedDurationS(p: {
  scans: number;
  dummyScans: number;
  recycleDelayS: number;
  acquisitionTimeS: number;
  rows?: number;
}): number {
  const rows = p.rows ?? 1;
  return (p.dummyScans + rows * p.scans) * (p.recycleDelayS + p.acquisitionTimeS);
}
