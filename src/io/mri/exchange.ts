/**
 * Exchange formats of the mass-transport analysis (documented in the README, "Mass transport"):
 *
 *  profiles.csv   long table `time_s,x_um,intensity`, one row per sample, any row order; every time must
 *                 carry the same positions. x is measured from the plating electrode; the first time is
 *                 the homogeneous initial state.
 *  profiles.json  {"x_um": [...], "profiles": [{"time_s": t, "intensity": [...]}, ...]}
 *  voltage.csv    `time_s,voltage_V`: potential drop across the profiled region.
 *  d-table.csv    `concentration_mol_m3,D_m2_s`: anion diffusion coefficients from PFG NMR.
 *  pfg.csv        `intensity` with one of `gradient_T_m`, `gradient_G_cm` or `b_s_m2`.
 *
 * Lines starting with '#' are comments; comma, semicolon or tab delimiters are accepted.
 */
import { z } from 'zod';
import { CorruptFileError, DataError } from '../../core/errors.js';
import { formatCsv, parseNumericTable } from '../csv/index.js';
import type { Table } from '../csv/index.js';
import { readFileChecked } from '../fs.js';
import type { ProfileSeries } from './types.js';

function normaliseHeader(h: string): string {
  return h.trim().toLowerCase().replace(/\s+/g, '_');
}

/** Column indices of `names` (case-insensitive); CorruptFileError naming what is missing. */
function columns(table: Table, names: readonly string[], file?: string): number[] {
  const headers = table.headers.map(normaliseHeader);
  return names.map((name) => {
    const index = headers.indexOf(name.toLowerCase());
    if (index < 0) {
      throw new CorruptFileError('missing column', {
        file,
        field: name,
        found: table.headers.join(','),
        expected: names.join(','),
      });
    }
    return index;
  });
}

/** Parses the long-table profile CSV into a time × position grid. */
export function parseProfilesCsv(text: string, file?: string): ProfileSeries {
  const table = parseNumericTable(text, file);
  const [ti, xi, ii] = columns(table, ['time_s', 'x_um', 'intensity'], file);
  const byTime = new Map<number, { x: number; v: number; line: number }[]>();
  for (let r = 0; r < table.rowCount; r++) {
    const t = table.columns[ti][r];
    const x = table.columns[xi][r];
    const v = table.columns[ii][r];
    for (const [name, value] of [
      ['time_s', t],
      ['x_um', x],
      ['intensity', v],
    ] as const) {
      if (!Number.isFinite(value))
        throw new CorruptFileError('not a finite number', {
          file,
          field: `row ${r + 1}, ${name}`,
          found: value,
          expected: 'a finite number',
        });
    }
    let rows = byTime.get(t);
    if (!rows) byTime.set(t, (rows = []));
    rows.push({ x, v, line: r + 1 });
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  const first = byTime.get(times[0])!.sort((a, b) => a.x - b.x);
  const xUm = Float64Array.from(first, (r) => r.x);
  for (let i = 1; i < xUm.length; i++) {
    if (xUm[i] === xUm[i - 1])
      throw new CorruptFileError('position appears twice in one profile', {
        file,
        field: `time_s ${times[0]}`,
        found: `x_um ${xUm[i]} twice`,
        expected: 'one row per time and position',
      });
  }
  const nx = xUm.length;
  const values = new Float64Array(times.length * nx);
  const tol = 1e-9 * Math.max(1, Math.abs(xUm[nx - 1]));
  times.forEach((t, k) => {
    const rows = byTime.get(t)!.sort((a, b) => a.x - b.x);
    if (rows.length !== nx || rows.some((r, i) => Math.abs(r.x - xUm[i]) > tol)) {
      throw new DataError('profiles do not share one position axis', {
        file,
        field: `time_s ${t}`,
        found: `${rows.length} positions ${rows[0].x}…${rows[rows.length - 1].x} µm`,
        expected: `the ${nx} positions of the first profile (${xUm[0]}…${xUm[nx - 1]} µm)`,
      });
    }
    rows.forEach((r, i) => (values[k * nx + i] = r.v));
  });
  return { xUm, timeS: Float64Array.from(times), values, source: file };
}

const ProfilesJson = z.object({
  x_um: z.array(z.number()).min(3),
  profiles: z
    .array(
      z.object({
        time_s: z.number(),
        intensity: z.array(z.number()),
      }),
    )
    .min(1),
});

/** Parses the JSON profile format. */
export function parseProfilesJson(text: string, file?: string): ProfileSeries {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CorruptFileError('not valid JSON', {
      file,
      found: (error as Error).message,
      expected: 'a JSON document',
      cause: error,
    });
  }
  const parsed = ProfilesJson.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorruptFileError('profile JSON does not match the exchange format', {
      file,
      field: issue.path.join('.') || '(root)',
      found: issue.message,
      expected: '{"x_um": [...], "profiles": [{"time_s": t, "intensity": [...]}]}',
    });
  }
  const { x_um: x, profiles } = parsed.data;
  const nx = x.length;
  const sorted = [...profiles].sort((a, b) => a.time_s - b.time_s);
  const values = new Float64Array(sorted.length * nx);
  sorted.forEach((p, k) => {
    if (p.intensity.length !== nx) {
      throw new CorruptFileError('profile length differs from x_um', {
        file,
        field: `profiles[time_s=${p.time_s}].intensity`,
        found: p.intensity.length,
        expected: nx,
      });
    }
    values.set(p.intensity, k * nx);
  });
  return {
    xUm: Float64Array.from(x),
    timeS: Float64Array.from(sorted, (p) => p.time_s),
    values,
    source: file,
  };
}

/** Reads profiles.csv or profiles.json (chosen by extension). */
export function readProfiles(path: string): ProfileSeries {
  const text = readFileChecked(path).toString('utf8');
  return path.toLowerCase().endsWith('.json') ? parseProfilesJson(text, path) : parseProfilesCsv(text, path);
}

/** Writes a series in the long-table CSV format. */
export function formatProfilesCsv(series: ProfileSeries, comments: string[] = []): string {
  const nx = series.xUm.length;
  const rows: number[][] = [];
  for (let k = 0; k < series.timeS.length; k++) {
    for (let i = 0; i < nx; i++) rows.push([series.timeS[k], series.xUm[i], series.values[k * nx + i]]);
  }
  return formatCsv(['time_s', 'x_um', 'intensity'], rows, comments);
}

export interface VoltageRecord {
  readonly timeS: Float64Array;
  readonly voltageV: Float64Array;
  readonly source?: string;
}

export function parseVoltageCsv(text: string, file?: string): VoltageRecord {
  const table = parseNumericTable(text, file);
  const [ti, vi] = columns(table, ['time_s', 'voltage_v'], file);
  return { timeS: table.columns[ti], voltageV: table.columns[vi], source: file };
}

export function readVoltageCsv(path: string): VoltageRecord {
  return parseVoltageCsv(readFileChecked(path).toString('utf8'), path);
}

export interface DiffusionColumns {
  readonly concentrationMolM3: Float64Array;
  readonly dM2PerS: Float64Array;
  readonly source?: string;
}

export function parseDiffusionTableCsv(text: string, file?: string): DiffusionColumns {
  const table = parseNumericTable(text, file);
  const [ci, di] = columns(table, ['concentration_mol_m3', 'd_m2_s'], file);
  return { concentrationMolM3: table.columns[ci], dM2PerS: table.columns[di], source: file };
}

export function readDiffusionTableCsv(path: string): DiffusionColumns {
  return parseDiffusionTableCsv(readFileChecked(path).toString('utf8'), path);
}

export type PfgAxis = 'gradient_T_m' | 'gradient_G_cm' | 'b_s_m2';

export interface PfgData {
  /** Which column the file gave. */
  readonly axis: PfgAxis;
  /** Values of that column (T m⁻¹, G cm⁻¹ or s m⁻²). */
  readonly axisValues: Float64Array;
  readonly intensity: Float64Array;
  readonly source?: string;
}

export function parsePfgCsv(text: string, file?: string): PfgData {
  const table = parseNumericTable(text, file);
  const headers = table.headers.map(normaliseHeader);
  const axis = (['gradient_T_m', 'gradient_G_cm', 'b_s_m2'] as const).find((a) =>
    headers.includes(a.toLowerCase()),
  );
  if (!axis) {
    throw new CorruptFileError('missing gradient column', {
      file,
      field: 'gradient',
      found: table.headers.join(','),
      expected: 'gradient_T_m, gradient_G_cm or b_s_m2, and intensity',
    });
  }
  const [ai, ii] = columns(table, [axis, 'intensity'], file);
  return { axis, axisValues: table.columns[ai], intensity: table.columns[ii], source: file };
}

export function readPfgCsv(path: string): PfgData {
  return parsePfgCsv(readFileChecked(path).toString('utf8'), path);
}
