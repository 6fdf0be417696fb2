/**
 * `spincell exchange exsy|isotope|cest|arrhenius <table>`: exchange rates from tables of integrals
 * (src/relax/exchange.ts, src/relax/cest.ts). Tables are CSV (or tab/space separated) with a header line;
 * the columns each subcommand needs are named in its help.
 */
import type { Command } from 'commander';
import { DataError } from '../../core/errors.js';
import { join } from 'node:path';
import { readFileChecked } from '../../io/fs.js';
import { readAcqus } from '../../io/bruker/index.js';
import { parseNumericTable, type Table } from '../../io/csv/index.js';
import {
  exsyFullMatrix,
  exsyInitialRates,
  fitArrhenius,
  fitExsy,
  fitFirstOrder,
  lithium6Fraction,
  type SquareMatrix,
} from '../../relax/exchange.js';
import { fitZSpectrum } from '../../relax/cest.js';
import { action, fmt, type GlobalOptions, parseNumberOption, printJson, printTable } from '../common.js';

function readTable(path: string): Table {
  return parseNumericTable(readFileChecked(path).toString('utf8'), path);
}

function column(t: Table, path: string, names: readonly string[]): Float64Array {
  const i = t.headers.findIndex((h) => names.includes(h.trim().toLowerCase()));
  if (i < 0)
    throw new DataError('a column is missing', {
      file: path,
      field: names[0],
      found: t.headers.join(', '),
      expected: `a column named ${names.map((n) => `'${n}'`).join(' or ')}`,
    });
  return t.columns[i];
}

const jsonOf = (command: Command) => Boolean((command.optsWithGlobals() as GlobalOptions).json);

function exsy(path: string, _flags: unknown, command: Command): void {
  const t = readTable(path);
  const mix = column(t, path, ['mixing_s', 'tm_s']);
  const from = column(t, path, ['from', 'from_site']);
  const to = column(t, path, ['to', 'to_site']);
  const vol = column(t, path, ['volume']);
  const n = Math.max(...from, ...to);
  if (!Number.isInteger(n) || n < 2 || [...from, ...to].some((s) => !Number.isInteger(s) || s < 1))
    throw new DataError('sites must be numbered 1, 2, … (at least two)', {
      file: path,
      field: 'from/to',
      found: `${Math.min(...from, ...to)}…${n}`,
      expected: 'integers from 1',
    });
  const times = [...new Set(mix)].sort((a, b) => a - b);
  const volumes: SquareMatrix[] = times.map(() =>
    Array.from({ length: n }, () => new Array<number>(n).fill(Number.NaN)),
  );
  for (let r = 0; r < t.rowCount; r++) volumes[times.indexOf(mix[r])][to[r] - 1][from[r] - 1] = vol[r];
  volumes.forEach((v, k) => {
    if (v.some((row) => row.some((x) => Number.isNaN(x))))
      throw new DataError('a mixing time lacks some of the n×n peak volumes', {
        file: path,
        field: `mixing_s ${times[k]}`,
        expected: `${n * n} rows (every from/to pair)`,
      });
  });
  const fit = fitExsy(times, volumes);
  const short = times.filter((x) => x > 0).slice(0, 2);
  const initial =
    short.length >= 2
      ? exsyInitialRates(
          short,
          short.map((x) => volumes[times.indexOf(x)]),
          fit.m0,
        )
      : [];
  const tMid = times.filter((x) => x > 0)[Math.floor(times.filter((x) => x > 0).length / 2)];
  let full: SquareMatrix | null = null;
  try {
    full = exsyFullMatrix(volumes[times.indexOf(tMid)], fit.m0, tMid).k;
  } catch {
    full = null;
  }
  const rows = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const ini = initial.find((r) => r.from === i && r.to === j);
      rows.push({
        from: i + 1,
        to: j + 1,
        rateS: fit.k[i][j],
        errorS: fit.kError[i][j],
        fullMatrixS: full ? full[i][j] : null,
        initialRateS: ini?.rateS ?? null,
      });
    }
  if (jsonOf(command))
    printJson({
      path,
      mixingS: times,
      m0: fit.m0,
      m0Error: fit.m0Error,
      r1: fit.r1,
      r1Error: fit.r1Error,
      rates: rows,
      reducedChi2: fit.reducedChi2,
    });
  else {
    printTable(
      ['from', 'to', 'k/s⁻¹ (global fit)', '± σ', `full matrix @ ${tMid} s`, 'initial rate'],
      rows.map((r) => [
        r.from,
        r.to,
        fmt(r.rateS),
        fmt(r.errorS, 2),
        fmt(r.fullMatrixS),
        fmt(r.initialRateS),
      ]),
    );
    process.stdout.write(
      `R1/s⁻¹: ${fit.r1.map((v) => fmt(v)).join(', ')}; M0: ${fit.m0.map((v) => fmt(v)).join(', ')}\n`,
    );
  }
}

interface IsotopeFlags {
  naturalRatio: string;
}

function isotope(path: string, flags: IsotopeFlags, command: Command): void {
  const t = readTable(path);
  const time = column(t, path, ['time_s']);
  const i6 = column(t, path, ['integral_6li', 'li6']);
  const i7 = column(t, path, ['integral_7li', 'li7']);
  const ratio = parseNumberOption('--natural-ratio', flags.naturalRatio);
  const fraction = Array.from(time, (_, k) => lithium6Fraction(i6[k], i7[k], ratio));
  const f = fitFirstOrder(Array.from(time), fraction);
  if (jsonOf(command))
    printJson({
      path,
      timeS: Array.from(time),
      lithium6Fraction: fraction,
      fit: { ...f, residuals: Array.from(f.residuals) },
    });
  else
    process.stdout.write(
      `⁶Li fraction ${fmt(f.initial)} → ${fmt(f.final)} (± ${fmt(f.finalError, 2)}); k = ${fmt(f.rateS)} ± ${fmt(f.rateError, 2)} s⁻¹, half-life ${fmt(f.halfLifeS / 3600)} h\n`,
    );
}

/**
 * Temperatures of an Arrhenius table: its temperature_K column, or with `--data DATASET` the TE (K) that
 * acqus records for each row's experiment (column `experiment`: the expno inside DATASET).
 */
function temperatures(
  t: Table,
  path: string,
  data: string | undefined,
): { values: Float64Array; source: string } {
  const has = t.headers.some((h) => ['temperature_k', 't_k'].includes(h.trim().toLowerCase()));
  if (has || data === undefined) return { values: column(t, path, ['temperature_k', 't_k']), source: path };
  const expnos = column(t, path, ['experiment', 'expno']);
  const values = Float64Array.from(expnos, (n) => {
    const folder = join(data, String(n));
    const te = readAcqus(folder, n).base.temperatureK;
    if (te === undefined)
      throw new DataError('the experiment records no temperature', {
        file: join(folder, 'acqus'),
        field: 'TE',
        found: 'absent or 0',
        expected: 'the sample temperature in K (or a temperature_K column in the table)',
      });
    return te;
  });
  return { values, source: `TE of ${data}/<experiment>/acqus` };
}

function arrhenius(path: string, flags: { data?: string }, command: Command): void {
  const t = readTable(path);
  const { values: temp, source: temperatureSource } = temperatures(t, path, flags.data);
  const rate = column(t, path, ['rate', 'rate_per_s', 'k']);
  const errIndex = t.headers.findIndex((h) => ['rate_error', 'error'].includes(h.trim().toLowerCase()));
  const f = fitArrhenius(
    Array.from(temp),
    Array.from(rate),
    errIndex >= 0 ? Array.from(t.columns[errIndex]) : undefined,
  );
  if (jsonOf(command))
    printJson({
      path,
      ...f,
      residuals: Array.from(f.residuals),
      weighted: errIndex >= 0,
      temperaturesK: Array.from(temp),
      temperatureSource,
    });
  else
    process.stdout.write(
      `Ea = ${fmt(f.activationKJPerMol)} ± ${fmt(f.activationError, 2)} kJ/mol; ln A = ${fmt(f.lnPrefactor)} ± ${fmt(f.lnPrefactorError, 2)} (correlation ${fmt(f.correlation, 3)})${errIndex >= 0 ? '' : '; unweighted, errors from the scatter'}\n`,
    );
}

interface CestFlags {
  larmorMhz: string;
  b1Hz: string;
  r1a: string;
  r1b: string;
  deltaPpm: string;
  kex: string;
  pb: string;
  r2a: string;
  r2b: string;
}

function cest(path: string, flags: CestFlags, command: Command): void {
  const t = readTable(path);
  const offsets = column(t, path, ['offset_ppm']);
  const z = column(t, path, ['z']);
  const num = (flag: string, v: string) => parseNumberOption(flag, v);
  const f = fitZSpectrum(
    Array.from(offsets),
    Array.from(z),
    { larmorMHz: num('--larmor-mhz', flags.larmorMhz), b1Hz: num('--b1-hz', flags.b1Hz) },
    {
      kexS: num('--kex', flags.kex),
      pb: num('--pb', flags.pb),
      deltaBPpm: num('--delta-ppm', flags.deltaPpm),
      r1a: num('--r1a', flags.r1a),
      r1b: num('--r1b', flags.r1b),
      r2a: num('--r2a', flags.r2a),
      r2b: num('--r2b', flags.r2b),
    },
  );
  if (jsonOf(command)) printJson({ path, ...f, residuals: Array.from(f.residuals) });
  else
    printTable(
      ['parameter', 'value', '± σ'],
      [
        ['kex / s⁻¹', fmt(f.pools.kexS), fmt(f.errors.kexS, 2)],
        ['pb', fmt(f.pools.pb), fmt(f.errors.pb, 2)],
        ['Δb / ppm', fmt(f.pools.deltaBPpm), fmt(f.errors.deltaBPpm, 2)],
        ['R2a / s⁻¹', fmt(f.pools.r2a), fmt(f.errors.r2a, 2)],
        ['R2b / s⁻¹', fmt(f.pools.r2b), fmt(f.errors.r2b, 2)],
      ],
    );
}

export function registerExchange(program: Command): void {
  const ex = program
    .command('exchange')
    .description('exchange rates: EXSY, ⁶Li/⁷Li isotope exchange, CEST, Arrhenius');
  ex.command('exsy <table>')
    .description('rate constants from EXSY peak volumes: columns mixing_s, from, to (sites 1…n), volume')
    .action(action(exsy));
  ex.command('isotope <table>')
    .description('⁶Li/⁷Li exchange kinetics: columns time_s, integral_6li, integral_7li')
    .requiredOption(
      '--natural-ratio <r>',
      '⁶Li/⁷Li integral ratio measured the same way on natural-abundance lithium',
    )
    .action(action(isotope));
  ex.command('arrhenius <table>')
    .description(
      'activation energy: columns temperature_K (or experiment, with --data), rate (s⁻¹), optional rate_error',
    )
    .option('--data <dataset>', "take each row's temperature from TE in <dataset>/<experiment>/acqus")
    .action(action(arrhenius));
  ex.command('cest <table>')
    .description('two-pool Bloch–McConnell fit of a steady-state Z-spectrum: columns offset_ppm, z')
    .requiredOption('--larmor-mhz <MHz>', 'Larmor frequency of the observed nucleus')
    .requiredOption('--b1-hz <Hz>', 'saturation amplitude ω1/2π')
    .requiredOption('--r1a <1/s>', 'R1 of the main pool (from a T1 measurement)')
    .requiredOption('--r1b <1/s>', 'R1 of the minor pool')
    .requiredOption('--delta-ppm <ppm>', 'first guess of the minor pool offset')
    .option('--kex <1/s>', 'first guess of kex', '100')
    .option('--pb <fraction>', 'first guess of the minor population', '0.01')
    .option('--r2a <1/s>', 'first guess of R2 of the main pool', '10')
    .option('--r2b <1/s>', 'first guess of R2 of the minor pool', '100')
    .action(action(cest));
}
