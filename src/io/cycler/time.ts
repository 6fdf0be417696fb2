/**
 * Wall-clock times in cycler files. EC-Lab, MACCOR and most cycler software print local time with no
 * zone, so an absolute instant needs a time zone declared by the user. Zones are either a fixed offset
 * ("UTC", "Z", "+01:00", "-0530") or an IANA name ("Europe/Berlin"), resolved with the platform's Intl
 * data so that daylight-saving changes are honoured.
 */
import { ParameterError } from '../../core/errors.js';

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** ISO-8601 text without zone, e.g. "2024-01-10T11:02:29.886". */
export function formatWallClock(w: WallClock): string {
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}.${pad(w.millisecond, 3)}`;
}

/** Milliseconds of the wall clock read as if it were UTC (the zone is applied separately). */
export function wallClockAsUtcMs(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.millisecond);
}

export function wallClockFromUtcMs(ms: number): WallClock {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
}

function validWallClock(w: WallClock): boolean {
  const back = wallClockFromUtcMs(wallClockAsUtcMs(w));
  return (
    back.year === w.year &&
    back.month === w.month &&
    back.day === w.day &&
    w.hour < 24 &&
    w.minute < 60 &&
    w.second < 61
  );
}

/**
 * Parses "MM/DD/YYYY HH:MM:SS[.fff]" (EC-Lab writes month first whatever the locale; '-' and '.' also
 * occur as date separators). Two-digit years are read as 20YY. Returns null when the text does not match.
 */
export function parseMonthFirstDateTime(text: string): WallClock | null {
  const m =
    /^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*$/.exec(
      text,
    );
  if (!m) return null;
  const year = m[3].length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
  const frac = m[7] ?? '0';
  const w: WallClock = {
    year,
    month: Number(m[1]),
    day: Number(m[2]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6] ?? '0'),
    millisecond: Math.round(Number(`0.${frac}`) * 1000),
  };
  return validWallClock(w) ? w : null;
}

/** Parses ISO-like "YYYY-MM-DD[ T]HH:MM[:SS[.fff]]" without zone. */
export function parseIsoWallClock(text: string): WallClock | null {
  const m =
    /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?\s*$/.exec(
      text,
    );
  if (!m) return null;
  const w: WallClock = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? '0'),
    minute: Number(m[5] ?? '0'),
    second: Number(m[6] ?? '0'),
    millisecond: Math.round(Number(`0.${m[7] ?? '0'}`) * 1000),
  };
  return validWallClock(w) ? w : null;
}

/** Days between the OLE Automation epoch (1899-12-30) and the Unix epoch. */
const OLE_TO_UNIX_DAYS = 25569;
const MS_PER_DAY = 86_400_000;

/** An OLE Automation date (days since 1899-12-30, local wall clock) as a wall clock, to the millisecond. */
export function oleDateToWallClock(days: number): WallClock {
  return wallClockFromUtcMs(Math.round((days - OLE_TO_UNIX_DAYS) * MS_PER_DAY));
}

function fixedOffsetMinutes(zone: string): number | null {
  if (/^(utc|gmt|z)$/i.test(zone)) return 0;
  const m = /^(?:utc|gmt)?([+-])(\d{1,2}):?(\d{2})?$/i.exec(zone.trim());
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? '0');
  if (minutes > 14 * 60) return null;
  return m[1] === '-' ? -minutes : minutes;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new ParameterError('unknown time zone', {
        field: 'timezone',
        found: zone,
        expected: 'UTC, a fixed offset such as +01:00, or an IANA zone name such as Europe/Berlin',
      });
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Offset of `zone` from UTC at the instant `utcMs`, in minutes (positive east of Greenwich). */
export function zoneOffsetMinutes(zone: string, utcMs: number): number {
  const fixed = fixedOffsetMinutes(zone);
  if (fixed !== null) return fixed;
  const parts = zoneFormatter(zone).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? '0');
  const local = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  const whole = utcMs - (((utcMs % 1000) + 1000) % 1000);
  return Math.round((local - whole) / 60_000);
}

/**
 * The epoch milliseconds of a local wall-clock time in `zone`. In a daylight-saving gap or overlap the
 * earlier interpretation wins (the usual convention; such starts are rare and the user can pass an offset).
 */
export function wallClockToEpochMs(w: WallClock, zone = 'UTC'): number {
  const asUtc = wallClockAsUtcMs(w);
  const first = zoneOffsetMinutes(zone, asUtc);
  let ms = asUtc - first * 60_000;
  const second = zoneOffsetMinutes(zone, ms);
  if (second !== first) ms = asUtc - second * 60_000;
  return ms;
}
