/**
 * Pseudo-2D experiments (one 1D spectrum per row of a `ser`) and the lists that set each row's variable,
 * and the refusal of true 2-D experiments, whose rows are increments of an indirect dimension rather than
 * spectra.
 *
 * True 2-D or pseudo-2D: acqu2s FnMODE (TopSpin 2+) names how the indirect dimension was acquired —
 * 0 undefined, 1 QF (no quadrature: a pseudo-2D series), 2 QSEQ, 3 TPPI, 4 States, 5 States-TPPI,
 * 6 Echo-Antiecho (quadrature in F1: a true 2-D experiment). Older data have no FnMODE; then pdata/1/proc2s
 * MC2 (0 QF, 1 QSEQ, 2 TPPI, 3 States, 4 States-TPPI, 5 echo-antiecho) says the same. QF alone is not
 * enough: magnitude-mode COSY (`cosygpqf`) and J-resolved spectroscopy (`jres`) are true 2-D experiments
 * acquired QF, recognised by their pulse programme's family name.
 *
 * Lists (files TopSpin copies into the experiment folder at acquisition, one value per line):
 *  - vdlist: variable delays, seconds unless suffixed u (µs), m (ms) or s;
 *  - vclist: loop counters (integers);
 *  - vplist: variable pulse lengths, µs unless suffixed u, m or s;
 *  - difflist: gradient strengths, G/cm.
 * A list longer than the number of rows is used from its start (TopSpin reads only TD1 values); a shorter
 * one is refused rather than guessed.
 *
 * Row times: each row lasts NS·(D1 + AQ + vd + vp) with its own vd/vp (0 when no list), and the dummy scans
 * DS·(D1 + AQ + vd₀ + vp₀) run once before the first row; row r starts at the experiment start plus the
 * dummy scans plus the durations of rows 0…r−1. Loop counters (vclist) repeat pulse-programme blocks whose
 * length is not in acqus, so they do not change the estimate. When audita.txt gives the true window, the
 * estimated durations are scaled to fill it; otherwise the last row ends at $DATE (see times.ts).
 */
import { join } from 'node:path';
import { CorruptFileError, ParameterError, UnsupportedFormatError } from '../../core/errors.js';
import { isFile, readFileChecked } from '../fs.js';
import type { BrukerParams } from './params.js';
import { readBrukerParams } from './params.js';

export type ListName = 'vdlist' | 'vclist' | 'vplist' | 'difflist';

/** The variable a list gives one row. */
export interface RowVariable {
  readonly list: ListName;
  readonly value: number;
  /** 's' for vdlist, 'count' for vclist, 'us' for vplist, 'G/cm' for difflist. */
  readonly unit: string;
}

/** Unit of each list's values after parsing. */
export const LIST_UNITS: Readonly<Record<ListName, string>> = {
  vdlist: 's',
  vclist: 'count',
  vplist: 'us',
  difflist: 'G/cm',
};

/** Lists in the order one is chosen as the rows' variable when several are present. */
const LIST_ORDER: readonly ListName[] = ['vdlist', 'vclist', 'vplist', 'difflist'];

const NUMBER = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?`;

/** Scale of a unit suffix into the list's own unit (s for vdlist, µs for vplist). */
function suffixFactor(list: ListName, suffix: string): number | undefined {
  const s = suffix.toLowerCase();
  const toSeconds: Record<string, number> = { '': 1, s: 1, m: 1e-3, u: 1e-6 };
  const toMicro: Record<string, number> = { '': 1, u: 1, m: 1e3, s: 1e6 };
  if (list === 'vdlist') return toSeconds[s];
  if (list === 'vplist') return toMicro[s];
  return s === '' ? 1 : undefined;
}

/** Parses the text of a TopSpin list (one value per line; blank lines and `#` comments ignored). */
export function parseList(list: ListName, text: string, file: string): number[] {
  const values: number[] = [];
  const re = new RegExp(`^(${NUMBER})\\s*([a-zA-Z]?)$`);
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.replace(/#.*$/, '').trim();
    if (t === '') return;
    const m = re.exec(t);
    const factor = m ? suffixFactor(list, m[2]) : undefined;
    const v = m ? Number(m[1]) : NaN;
    if (!m || factor === undefined || !Number.isFinite(v) || (list === 'vclist' && !Number.isInteger(v))) {
      const what: Record<ListName, string> = {
        vdlist: 'a delay in s, or with a unit: 10m, 500u',
        vclist: 'an integer loop count',
        vplist: 'a pulse length in µs, or with a unit: 2m, 1s',
        difflist: 'a gradient strength in G/cm',
      };
      throw new CorruptFileError('list value not understood', {
        file,
        field: `line ${i + 1}`,
        found: t,
        expected: what[list],
      });
    }
    if ((list === 'vdlist' || list === 'vplist' || list === 'vclist') && v < 0) {
      throw new CorruptFileError('negative value in a list', {
        file,
        field: `line ${i + 1}`,
        found: t,
        expected: '≥ 0',
      });
    }
    values.push(v * factor);
  });
  if (values.length === 0)
    throw new CorruptFileError('empty list', { file, field: list, expected: 'one value per line' });
  return values;
}

/** Every list present in the experiment folder, each cut to `rows` values (refused when shorter). */
export function readRowLists(experimentPath: string, rows: number): Partial<Record<ListName, number[]>> {
  const out: Partial<Record<ListName, number[]>> = {};
  for (const list of LIST_ORDER) {
    const path = join(experimentPath, list);
    if (!isFile(path)) continue;
    const values = parseList(list, readFileChecked(path).toString('latin1'), path);
    if (values.length < rows) {
      throw new ParameterError('list shorter than the number of rows', {
        file: path,
        field: list,
        found: `${values.length} values`,
        expected: `≥ ${rows} (acqu2s TD)`,
      });
    }
    out[list] = values.slice(0, rows);
  }
  return out;
}

/** The variable of each row: the first list present in the order vdlist, vclist, vplist, difflist. */
export function rowVariables(lists: Partial<Record<ListName, number[]>>): RowVariable[] | undefined {
  for (const list of LIST_ORDER) {
    const values = lists[list];
    if (values) return values.map((value) => ({ list, value, unit: LIST_UNITS[list] }));
  }
  return undefined;
}

/**
 * Estimated duration of each row, s, and of the dummy scans before the first row (see the header).
 */
export function rowDurationsS(
  p: { scans: number; dummyScans: number; recycleDelayS: number; acquisitionTimeS: number },
  rows: number,
  lists: Partial<Record<ListName, number[]>>,
): { dummyS: number; rowsS: number[] } {
  const extra = (r: number) => (lists.vdlist?.[r] ?? 0) + (lists.vplist?.[r] ?? 0) * 1e-6;
  const scan = (r: number) => p.recycleDelayS + p.acquisitionTimeS + extra(r);
  const rowsS: number[] = [];
  for (let r = 0; r < rows; r++) rowsS.push(p.scans * scan(r));
  return { dummyS: p.dummyScans * scan(0), rowsS };
}

const FNMODE_NAMES = ['undefined', 'QF', 'QSEQ', 'TPPI', 'States', 'States-TPPI', 'Echo-Antiecho'];
const MC2_NAMES = ['QF', 'QSEQ', 'TPPI', 'States', 'States-TPPI', 'echo-antiecho'];

/** Pulse-programme families of true 2-D experiments that may be acquired without F1 quadrature (QF). */
const TWO_D_PULSE_PROGRAMS =
  /^(cosy|jres|noesy|roesy|tocsy|dipsi2?|mlev|hsqc|hmqc|hmbc|hetcor|hoesy|inadeq|exsy)/i;

/**
 * Refuses a `ser` whose rows are increments of a true indirect dimension (see the header), naming the
 * parameter that shows it. A pseudo-2D series passes.
 */
export function assertPseudo2D(experimentPath: string, acqu2s: BrukerParams, acqus: BrukerParams): void {
  const expected = 'a 1-D experiment or a pseudo-2D series (FnMODE QF or undefined)';
  const why = 'true 2-D experiment: its rows are increments of an indirect dimension, not spectra';
  if (acqu2s.has('FnMODE')) {
    const mode = acqu2s.integer('FnMODE', 0);
    if (mode >= 2) {
      throw new UnsupportedFormatError(why, {
        file: acqu2s.file,
        field: 'FnMODE',
        found: `${mode} (${FNMODE_NAMES[mode] ?? 'unknown'})`,
        expected,
      });
    }
  } else {
    const proc2s = join(experimentPath, 'pdata', '1', 'proc2s');
    if (isFile(proc2s)) {
      const p2 = readBrukerParams(proc2s);
      const mc2 = p2.integer('MC2', 0);
      if (mc2 >= 1) {
        throw new UnsupportedFormatError(why, {
          file: proc2s,
          field: 'MC2',
          found: `${mc2} (${MC2_NAMES[mc2] ?? 'unknown'})`,
          expected: 'MC2 0 (QF): a pseudo-2D series',
        });
      }
    }
  }
  const pulprog = acqus.string('PULPROG', '').trim();
  if (TWO_D_PULSE_PROGRAMS.test(pulprog)) {
    throw new UnsupportedFormatError(`${why} (pulse programme of a 2-D experiment)`, {
      file: acqus.file,
      field: 'PULPROG',
      found: pulprog,
      expected: 'a 1-D or pseudo-2D pulse programme (e.g. zg, t1ir, cpmg, ledbpgp2s)',
    });
  }
}
