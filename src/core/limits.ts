/**
 * Size limits on inputs, so that a hostile or damaged header (a TD or SI of billions, a multi-gigabyte
 * table, a manifest holding a 50 MB string) is refused in milliseconds, before anything is read or
 * allocated, instead of exhausting memory. Every limit has a default and is overridden by one
 * environment variable (the one mechanism: `SPINCELL_MAX_INPUT_BYTES=2000000000 spincell cycler big.csv`).
 * The variables are read at each check, so a library caller may set them at any time.
 */
import { LimitError, UsageError } from './errors.js';

export interface LimitSpec {
  /** Environment variable that overrides the default. */
  readonly env: string;
  readonly defaultValue: number;
  /** Unit of the value, for messages: 'bytes' or 'points'. */
  readonly unit: string;
  /** What the limit bounds, one phrase. */
  readonly what: string;
}

export const LIMITS = {
  /** Largest file read whole into memory: cycler, impedance and other tables, parameter files, .mpr, JCAMP. */
  inputBytes: {
    env: 'SPINCELL_MAX_INPUT_BYTES',
    defaultValue: 256 * 1024 * 1024,
    unit: 'bytes',
    what: 'size of an input file read whole',
  },
  /** Largest spectrum: complex points of one FID (TD/2) or points of one processed spectrum (SI). */
  spectrumPoints: {
    env: 'SPINCELL_MAX_SPECTRUM_POINTS',
    defaultValue: 2 ** 22,
    unit: 'points',
    what: 'points of one FID (TD/2) or processed spectrum (SI)',
  },
  /** Most spectra in one input: rows of a ser (acqu2s TD) and experiments of a series together. */
  spectra: {
    env: 'SPINCELL_MAX_SPECTRA',
    defaultValue: 100_000,
    unit: 'spectra',
    what: 'number of spectra in one input',
  },
  /** Largest manifest file. */
  manifestBytes: {
    env: 'SPINCELL_MAX_MANIFEST_BYTES',
    defaultValue: 1024 * 1024,
    unit: 'bytes',
    what: 'size of a manifest',
  },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMITS;

/** The limit in force: the environment variable when set (a positive integer), else the default. */
export function limitValue(name: LimitName): number {
  const spec = LIMITS[name];
  const raw = process.env[spec.env];
  if (raw === undefined || raw.trim() === '') return spec.defaultValue;
  const text = raw.trim();
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new UsageError('limit override is not a positive integer', {
      field: spec.env,
      found: raw,
      expected: `a positive whole number of ${spec.unit} (default ${spec.defaultValue})`,
    });
  return value;
}

/**
 * Refuses `amount` (bytes or points a file claims or holds) above the limit, naming the file and the
 * header field that made the claim.
 */
export function checkLimit(name: LimitName, amount: number, file: string, field?: string): void {
  const max = limitValue(name);
  if (amount <= max) return;
  const spec = LIMITS[name];
  throw new LimitError(`input exceeds the limit on the ${spec.what}`, {
    file,
    ...(field !== undefined ? { field } : {}),
    found: `${amount} ${spec.unit}`,
    expected: `at most ${max} ${spec.unit} (set ${spec.env} to raise the limit)`,
  });
}
