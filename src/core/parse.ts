/**
 * Parsing of user-given values (command-line options, manifest strings) into numbers and ranges. Errors are
 * UsageErrors naming the option, what was found and every accepted form.
 */
import { UsageError } from './errors.js';

/** Parses a number option or throws a UsageError naming the option. */
export function parseNumberOption(name: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new UsageError('not a number', { field: name, found: value, expected: 'a finite number' });
  }
  return n;
}

/**
 * Parses an option that takes a positive number or one of a few words (e.g. `--lambda 1e-3|gcv|lcurve`,
 * `--width-cap 3.5|auto`); anything else is a UsageError naming the option and every accepted form.
 */
export function parsePositiveOrKeyword<K extends string>(
  name: string,
  value: string,
  keywords: readonly K[],
  unit = '',
): number | K {
  const word = value.trim().toLowerCase();
  const keyword = keywords.find((k) => k === word);
  if (keyword !== undefined) return keyword;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    const forms = [`a number > 0${unit ? ` ${unit}` : ''}`, ...keywords.map((k) => `'${k}'`)];
    const expected = `${forms.slice(0, -1).join(', ')} or ${forms[forms.length - 1]}`;
    throw new UsageError('not a positive number or a known word', { field: name, found: value, expected });
  }
  return n;
}

/** Parses "LO:HI" into a sorted pair. */
export function parseRange(name: string, value: string): [number, number] {
  const m = /^\s*(-?[\d.eE+-]+)\s*:\s*(-?[\d.eE+-]+)\s*$/.exec(value);
  if (!m) throw new UsageError('not a range', { field: name, found: value, expected: 'LO:HI, e.g. 230:280' });
  const a = parseNumberOption(name, m[1]);
  const b = parseNumberOption(name, m[2]);
  if (a === b)
    throw new UsageError('empty range', { field: name, found: value, expected: 'LO different from HI' });
  return a < b ? [a, b] : [b, a];
}
