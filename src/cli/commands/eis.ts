/**
 * `spincell eis kk|drt|fit <file…>`: Kramers–Kronig validation, distribution of relaxation times and
 * equivalent-circuit fits of impedance files (BioLogic, Gamry, ZPlot, Autolab, Parstat, CH Instruments,
 * PowerSuite, VersaStudio, Zahner, CSV). Series-aware: several files, or several sweeps in one file, are
 * analysed in time order; `drt` then reports the window resistances against time.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import {
  analyseDeis,
  areaSpecific,
  checkThreeElectrode,
  capacitiveOnly,
  drt,
  frequencyWindow,
  trackDrtPeaks,
  fitCircuit,
  linKK,
  type DrtOptions,
  type SpectrumData,
} from '../../eis/index.js';
import { writeCsvColumns } from '../../io/csv/index.js';
import {
  readImpedanceSeries,
  type ImagConvention,
  type ImpedanceFormat,
  type TimedSpectrum,
} from '../../io/eis/index.js';
import { basename } from 'node:path';
import { drtMapSvg, drtSvg, heatMapSvg } from '../../report/index.js';
import {
  action,
  checkOutputFile,
  fixed,
  type GlobalOptions,
  parseNumberOption,
  parsePositiveOrKeyword,
  parseRange,
  printJson,
  printTable,
  progress,
  significant,
  warnings,
  writeOutputFile,
} from '../common.js';

/**
 * λ changes the DRT's peaks and resistances, and the published value does not carry over: Thienenkamp
 * et al. 2024 used 0.5 in the normalisation of their own DRT script, not this one's.
 */
const DRT_LAMBDA_WARNING =
  "no --lambda: spincell's default 1e-3 is used; Thienenkamp et al. 2024 used 0.5 in their DRT script's own normalisation, which is not this one's — choose --lambda VALUE, or gcv / lcurve to select it from the data";

interface CommonFlags {
  areaCm2?: string;
  fmin?: string;
  fmax?: string;
  format?: string;
  imag?: string;
  interval?: string;
  timezone?: string;
  capacitiveOnly?: boolean;
  allowPositiveImag?: boolean;
}

interface KkFlags extends CommonFlags {
  c?: string;
  inductance?: boolean;
  threshold?: string;
  capacitance?: boolean;
  fitType?: string;
  m?: string;
}

interface DrtFlags extends CommonFlags {
  peaksOut?: string;
  lambda?: string;
  nTau?: string;
  window?: string[];
  derivative?: string;
  basis?: string;
  data?: string;
  shape?: string;
  inductance?: boolean;
  rInf?: boolean;
  kk?: boolean;
  out?: string;
  svg?: string;
}

interface FitFlags extends CommonFlags {
  circuit: string;
  guess?: string;
  weighting?: string;
  fix?: string[];
}

const FORMATS: ImpedanceFormat[] = [
  'biologic-mpt',
  'biologic-mpr',
  'gamry-dta',
  'zplot',
  'autolab',
  'parstat',
  'chinstruments',
  'powersuite',
  'versastudio',
  'zahner',
  'csv',
];

function choice<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError('unknown value', { field: name, found: value, expected: allowed.join(' | ') });
  return value as T;
}

function loadSeries(files: string[], f: CommonFlags): TimedSpectrum[] {
  const format = choice('--format', f.format, FORMATS);
  const imag = choice<ImagConvention>('--imag', f.imag, ['z', 'minus-z']);
  return readImpedanceSeries(files, {
    ...(format ? { format } : {}),
    ...(imag ? { imag } : {}),
    ...(f.interval !== undefined ? { intervalS: parseNumberOption('--interval', f.interval) } : {}),
    ...(f.timezone !== undefined ? { timezone: f.timezone } : {}),
  });
}

function prepared(t: TimedSpectrum, f: CommonFlags): SpectrumData {
  const s: SpectrumData = {
    freqHz: t.spectrum.freqHz,
    zReOhm: t.spectrum.zReOhm,
    zImOhm: t.spectrum.zImOhm,
    source: t.spectrum.source,
  };
  const area = areaOf(f);
  const scaled = area === null ? s : areaSpecific(s, area);
  const kept = f.capacitiveOnly ? capacitiveOnly(scaled) : scaled;
  if (f.fmin === undefined && f.fmax === undefined) return kept;
  // Frequency trimming (e.g. KK and DRT only above 1 Hz, as the anode-free paper evaluates them).
  const lo = f.fmin === undefined ? 0 : parseNumberOption('--fmin', f.fmin);
  const hi = f.fmax === undefined ? Infinity : parseNumberOption('--fmax', f.fmax);
  return frequencyWindow(kept, lo, hi);
}

/** The electrode area of --area-cm2, or null (impedance in Ω). */
function areaOf(f: CommonFlags): number | null {
  if (f.areaCm2 === undefined) return null;
  const a = parseNumberOption('--area-cm2', f.areaCm2);
  if (!(a > 0 && Number.isFinite(a)))
    throw new UsageError('area must be positive', {
      field: '--area-cm2',
      found: f.areaCm2,
      expected: 'cm² > 0',
    });
  return a;
}

/**
 * The unit of a circuit parameter fitted to area-specific impedance Z·A: resistive parameters (Ω, Ω s^-1/2,
 * H) scale with A (· cm²), capacitive ones (F, CPE Q in Ω⁻¹ s^α) with 1/A (· cm⁻²), times and exponents not.
 */
export function areaUnit(unit: string, areaCm2: number | null): string {
  if (areaCm2 === null) return unit;
  if (unit.startsWith('F') || unit.includes('Ohm^-1')) return `${unit} cm^-2`;
  if (unit.includes('Ohm') || unit === 'H') return `${unit} cm^2`;
  return unit;
}

/** Units of impedances and resistances in the outputs: Ω, or Ω cm² with --area-cm2. */
function ohms(f: CommonFlags): {
  csv: string;
  text: string;
  json: { areaCm2: number | null; impedanceUnit: string };
} {
  const a = areaOf(f);
  return a === null
    ? { csv: 'ohm', text: 'Ω', json: { areaCm2: null, impedanceUnit: 'ohm' } }
    : { csv: 'ohm_cm2', text: 'Ω cm²', json: { areaCm2: a, impedanceUnit: 'ohm cm2' } };
}

function addCommon(cmd: Command): Command {
  return cmd
    .option(
      '--area-cm2 <cm²>',
      'area-specific impedance: Z × area, so resistances are in Ω cm² (and capacitances in F cm⁻²), as the papers report them',
    )
    .option('--format <name>', `force the file format (${FORMATS.join(', ')})`)
    .option('--imag <convention>', 'for headerless tables: third column is z (Z″) or minus-z (−Z″)')
    .option('--interval <s>', 'time between files without acquisition dates, s')
    .option('--timezone <zone>', 'time zone of the instrument clock (UTC, +01:00, Europe/Berlin)', 'UTC')
    .option('--capacitive-only', 'keep only points with Z″ < 0 (drop inductive high-frequency points)')
    .option(
      '--fmin <Hz>',
      'use only frequencies ≥ this (e.g. 1, as Wichmann et al. 2025 evaluate KK and DRT)',
    )
    .option('--fmax <Hz>', 'use only frequencies ≤ this')
    .option('--allow-positive-imag', 'accept spectra whose Z″ is mostly positive (inductive cells)');
}

/** γ over log τ and time; spectra without increasing times are mapped against their index instead. */
function drtMapFigure(
  tauS: Float64Array,
  timeS: Float64Array,
  gammaMap: Float64Array,
  count: number,
): string {
  const nTau = tauS.length;
  const rows = Array.from({ length: count }, (_, k) => gammaMap.subarray(k * nTau, (k + 1) * nTau));
  const title = `DRT of ${count} spectra`;
  if (timeS.every((t, k) => Number.isFinite(t) && (k === 0 || t > timeS[k - 1])))
    return drtMapSvg({ title, tauS, timeS, gammaOhm: rows });
  return heatMapSvg({
    title,
    x: tauS,
    y: Float64Array.from(rows, (_, k) => k),
    z: rows,
    xScale: 'log',
    xLabel: 'τ / s',
    yLabel: 'Spectrum',
    zLabel: 'γ / Ω',
  });
}

const minus = (x: number) => String(x).replace('-', '−');

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function registerEis(program: Command): void {
  const eis = program
    .command('eis')
    .description('impedance: Kramers–Kronig validation (kk), DRT (drt), equivalent-circuit fits (fit)');

  addCommon(
    eis
      .command('three-electrode')
      .description(
        'three-electrode data: the positive and negative electrode spectra summed against the full cell',
      ),
  )
    .requiredOption('--positive <file>', 'positive electrode vs reference')
    .requiredOption('--negative <file>', 'negative electrode vs reference')
    .requiredOption('--full <file>', 'full cell')
    .option('--threshold <fraction>', 'largest |Z₊ + Z₋ − Z_full| / |Z_full| that passes', '0.05')
    .action(
      action(
        (
          flags: CommonFlags & { positive: string; negative: string; full: string; threshold: string },
          cmd: Command,
        ) => {
          const json = Boolean((cmd.optsWithGlobals() as GlobalOptions).json);
          const one = (file: string, flag: string) => {
            const series = loadSeries([file], flags);
            if (series.length !== 1)
              throw new UsageError('one sweep per file', {
                field: flag,
                file,
                found: `${series.length} sweeps`,
                expected: 'one spectrum',
              });
            return prepared(series[0], flags);
          };
          const u = ohms(flags);
          const c = checkThreeElectrode(
            one(flags.positive, '--positive'),
            one(flags.negative, '--negative'),
            one(flags.full, '--full'),
            parseNumberOption('--threshold', flags.threshold),
          );
          if (json) {
            printJson({
              positive: flags.positive,
              negative: flags.negative,
              full: flags.full,
              ...u.json,
              ...c,
            });
            return;
          }
          process.stdout.write(
            `Z₊ + Z₋ vs the full cell over ${c.freqHz.length} frequencies${c.pointsOutside ? ` (${c.pointsOutside} outside the electrodes' range)` : ''}: ` +
              `largest residual ${(100 * c.maxRelativeResidual).toFixed(2)} % of |Z| at ${c.worstFreqHz.toPrecision(4)} Hz, median ${(100 * c.medianRelativeResidual).toFixed(2)} %: ` +
              `${c.pass ? 'consistent' : `INCONSISTENT (> ${100 * c.threshold} %: check the reference electrode, the leads, or whether the spectra are of one state)`}\n`,
          );
        },
      ),
    );

  addCommon(
    eis.command('kk <files...>').description('Lin-KK validity test (Schönleber 2014) of each spectrum'),
  )
    .option('--c <mu>', 'μ cut-off for choosing the number of RC elements', '0.85')
    .option('--threshold <percent>', 'pass/fail limit on the largest residual, % of |Z|', '3')
    .option('--capacitance', 'add a series capacitance (spectra without a low-frequency intercept)')
    .option('--no-inductance', 'no series inductance in the KK model')
    .option('--fit-type <type>', 'complex | real | imag', 'complex')
    .option('--m <n>', 'use exactly n RC elements instead of the μ criterion')
    .action(
      action((files: string[], flags: KkFlags, cmd: Command) => {
        const json = Boolean((cmd.optsWithGlobals() as GlobalOptions).json);
        const series = loadSeries(files, flags);
        const rows = series.map((t, k) => {
          const r = linKK(prepared(t, flags), {
            c: parseNumberOption('--c', flags.c ?? '0.85'),
            threshold: parseNumberOption('--threshold', flags.threshold ?? '3') / 100,
            addCapacitance: Boolean(flags.capacitance),
            addInductance: flags.inductance !== false,
            fitType: choice('--fit-type', flags.fitType ?? 'complex', ['complex', 'real', 'imag'] as const),
            allowPositiveImag: Boolean(flags.allowPositiveImag),
            ...(flags.m !== undefined ? { m: parseNumberOption('--m', flags.m) } : {}),
          });
          return {
            index: k,
            source: t.spectrum.source,
            timeS: t.timeS,
            time: iso(t.timeMs),
            points: r.residualRe.length,
            m: r.m,
            mu: r.mu,
            maxResidualPercent: 100 * r.maxAbsResidual,
            pass: r.pass,
            validRange: r.validRange,
            result: r,
          };
        });
        if (json) {
          printJson(
            rows.map(({ result, ...rest }) => ({
              ...rest,
              r0Ohm: result.r0Ohm,
              inductanceH: result.inductanceH,
              capacitanceF: result.capacitanceF,
              freqHz: prepared(series[rest.index], flags).freqHz,
              residualRePercent: result.residualRe.map((v) => 100 * v),
              residualImPercent: result.residualIm.map((v) => 100 * v),
            })),
          );
          return;
        }
        printTable(
          ['#', 'source', 'time s', 'points', 'M', 'μ', 'max res %', 'pass', 'valid f range Hz'],
          rows.map((r) => [
            String(r.index),
            r.source,
            fixed(r.timeS, 1),
            String(r.points),
            String(r.m),
            r.mu,
            r.maxResidualPercent,
            r.pass ? 'yes' : 'NO',
            r.validRange.points > 0
              ? `${r.validRange.fMinHz.toPrecision(3)}–${r.validRange.fMaxHz.toPrecision(3)}`
              : '—',
          ]),
        );
        // Inductive high-frequency points (cables, current collectors) are not part of the cell's RC response;
        // a spectrum that fails with them in is worth a second look without them.
        const inductive = rows.filter(
          (r) =>
            !r.pass && !flags.capacitiveOnly && prepared(series[r.index], flags).zImOhm.some((v) => v > 0),
        );
        if (inductive.length > 0) {
          process.stdout.write(
            `\nhint: ${inductive.length} failing spectrum(s) hold points with Z″ > 0 (inductive); try --capacitive-only, and --capacitance for spectra without a low-frequency intercept\n`,
          );
        }
      }),
    );

  addCommon(
    eis
      .command('drt <files...>')
      .description(
        'distribution of relaxation times (Tikhonov, non-negative); window resistances vs time for a series',
      ),
  )
    .option('--lambda <value>', 'regularisation parameter, or gcv | lcurve (default 1e-3, with a warning)')
    .option('--n-tau <n>', 'number of time constants', '92')
    .option(
      '--window <lo:hi>',
      'integration window in log10(τ/s), repeatable (default -4:0)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--derivative <k>', 'penalised derivative order: 1 | 2', '1')
    .option('--basis <b>', 'gaussian | piecewise-linear', 'gaussian')
    .option('--shape <coeff>', 'Gaussian FWHM coefficient (FWHM = grid step / coeff)', '0.5')
    .option('--data <part>', 'combined | re | im', 'combined')
    .option('--no-inductance', 'do not fit a series inductance')
    .option('--no-r-inf', 'do not fit a series resistance R∞')
    .option('--no-kk', 'skip the Lin-KK check of each spectrum in a series')
    .option('--out <file.csv>', 'write γ(τ) (one spectrum) or the resistances vs time (series) as CSV')
    .option(
      '--peaks-out <file.csv>',
      'series: DRT peaks (≥ 2 % of the median R_pol) tracked across sweeps (track, sweep, time, log τ, R) as CSV',
    )
    .option(
      '--svg <file.svg>',
      'draw γ(τ) with the windows shaded (one spectrum) or the DRT map over time (series)',
    )
    .action(
      action((files: string[], flags: DrtFlags, cmd: Command) => {
        const json = Boolean((cmd.optsWithGlobals() as GlobalOptions).json);
        const u = ohms(flags);
        if (flags.svg !== undefined) checkOutputFile('--svg', flags.svg, 'drt.svg');
        const series = loadSeries(files, flags);
        const lambdaText = flags.lambda ?? '1e-3';
        const lambda = parsePositiveOrKeyword('--lambda', lambdaText, ['gcv', 'lcurve'] as const);
        const warn = warnings(json);
        const windows = (flags.window ?? ['-4:0']).map((w) => parseRange('--window', w));
        const opts: DrtOptions = {
          lambda,
          nTau: parseNumberOption('--n-tau', flags.nTau ?? '92'),
          windows,
          derivative: choice('--derivative', flags.derivative ?? '1', ['1', '2'] as const) === '2' ? 2 : 1,
          basis: choice('--basis', flags.basis ?? 'gaussian', ['gaussian', 'piecewise-linear'] as const),
          shapeCoefficient: parseNumberOption('--shape', flags.shape ?? '0.5'),
          data: choice('--data', flags.data ?? 'combined', ['combined', 're', 'im'] as const),
          fitInductance: flags.inductance !== false,
          fitRInf: flags.rInf !== false,
          allowPositiveImag: Boolean(flags.allowPositiveImag),
        };
        if (series.length === 1) {
          const r = drt(prepared(series[0], flags), opts);
          if (flags.lambda === undefined) warn.add(DRT_LAMBDA_WARNING);
          if (flags.out)
            writeCsvColumns(
              flags.out,
              ['tau_s', `gamma_${u.csv}`, 'h'],
              [r.tauFineS, r.gammaOhm, r.hNormalised],
              [`spincell eis drt ${series[0].spectrum.source}`, `lambda ${r.lambda} (${r.lambdaRule})`],
            );
          if (flags.svg !== undefined) {
            const svg = drtSvg({
              title: `DRT of ${basename(series[0].spectrum.source)}`,
              tauS: r.tauFineS,
              gammaOhm: r.gammaOhm,
              label: `γ(τ), λ = ${r.lambda.toExponential(1)}`,
              windows: r.windows.map((w) => ({
                tauMinS: 10 ** w.log10TauMin,
                tauMaxS: 10 ** w.log10TauMax,
                label: `log τ ${minus(w.log10TauMin)}..${minus(w.log10TauMax)}`,
                resistanceOhm: w.resistanceOhm,
              })),
            });
            writeOutputFile('--svg', flags.svg, svg);
          }
          if (json) {
            printJson({
              source: series[0].spectrum.source,
              ...u.json,
              ...r,
              ...(flags.svg !== undefined ? { svg: flags.svg } : {}),
              ...(warn.list.length > 0 ? { warnings: warn.list } : {}),
            });
            return;
          }
          process.stdout.write(
            `${series[0].spectrum.source}: λ = ${r.lambda.toExponential(3)} (${r.lambdaRule}), R∞ = ${r.rInfOhm.toPrecision(5)} ${u.text}, L = ${r.inductanceH.toExponential(3)} H${u.json.areaCm2 === null ? '' : ' cm²'}, R_pol = ${r.polarizationOhm.toPrecision(5)} ${u.text}, rms residual ${(100 * r.rmsRelativeResidual).toFixed(3)} %\n\npeaks\n`,
          );
          printTable(
            ['log10 τ/s', 'f Hz', `γ ${u.text}`, `R ${u.text}`],
            r.peaks.map((p) => [p.log10TauS, p.freqHz, p.gammaOhm, p.resistanceOhm]),
          );
          process.stdout.write('\nwindows\n');
          printTable(
            ['log10 τ from', 'to', `R ${u.text}`],
            r.windows.map((w) => [w.log10TauMin, w.log10TauMax, w.resistanceOhm]),
          );
          if (flags.svg !== undefined) process.stdout.write(`figure written to ${flags.svg}\n`);
          return;
        }
        const bar = progress(series.length, 'DRT', json);
        const data = series.map((t) => ({ ...t, spectrum: { ...t.spectrum, ...prepared(t, flags) } }));
        const r = analyseDeis(data, {
          ...opts,
          kk: flags.kk === false ? false : { allowPositiveImag: Boolean(flags.allowPositiveImag) },
          onProgress: () => bar.tick(),
        });
        bar.stop();
        if (flags.lambda === undefined) warn.add(DRT_LAMBDA_WARNING);
        const headers = [
          'time_s',
          ...r.windows.map((w) => `R_${w.log10TauMin}_${w.log10TauMax}_${u.csv}`),
          `r_inf_${u.csv}`,
          `r_pol_${u.csv}`,
          'kk_max_residual_pct',
        ];
        const cols = [
          r.timeS,
          ...r.windows.map((w) => w.resistanceOhm),
          r.rInfOhm,
          r.polarizationOhm,
          r.kkMaxResidual.map((v) => 100 * v),
        ];
        if (flags.out)
          writeCsvColumns(flags.out, headers, cols, [`spincell eis drt series of ${series.length} spectra`]);
        // The same process across sweeps: DRT peaks linked by log τ (src/eis/tracking.ts).
        // Ripples below 2 % of the median polarisation resistance are not processes worth a track.
        const rPol = Array.from(r.polarizationOhm).sort((a, b) => a - b)[Math.floor(series.length / 2)];
        const tracks = trackDrtPeaks(
          r.results.map((x) => x.peaks),
          { minResistanceOhm: 0.02 * rPol },
        );
        if (flags.peaksOut) {
          const rows = tracks.flatMap((t) =>
            t.points.map((p) => [t.id, p.sweep, r.timeS[p.sweep], p.log10TauS, p.freqHz, p.resistanceOhm]),
          );
          writeCsvColumns(
            flags.peaksOut,
            ['track', 'sweep', 'time_s', 'log10_tau_s', 'freq_hz', `resistance_${u.csv}`],
            [0, 1, 2, 3, 4, 5].map((c) => rows.map((row) => row[c])),
            [`spincell eis drt: DRT peaks tracked over ${series.length} spectra`],
          );
        }
        if (flags.svg !== undefined)
          writeOutputFile('--svg', flags.svg, drtMapFigure(r.tauS, r.timeS, r.gammaMap, series.length));
        if (json) {
          const { results, ...rest } = r;
          printJson({
            sources: series.map((t) => t.spectrum.source),
            times: series.map((t) => iso(t.timeMs)),
            ...u.json,
            ...rest,
            peaks: results.map((x) => x.peaks),
            tracks,
            ...(flags.svg !== undefined ? { svg: flags.svg } : {}),
            ...(warn.list.length > 0 ? { warnings: warn.list } : {}),
          });
          return;
        }
        printTable(
          [
            '#',
            'time s',
            ...r.windows.map((w) => `R[${w.log10TauMin},${w.log10TauMax}] ${u.text}`),
            `R∞ ${u.text}`,
            `R_pol ${u.text}`,
            'KK max %',
            'KK',
          ],
          series.map((_, k) => [
            String(k),
            fixed(r.timeS[k], 1),
            ...r.windows.map((w) => w.resistanceOhm[k]),
            r.rInfOhm[k],
            r.polarizationOhm[k],
            100 * r.kkMaxResidual[k],
            flags.kk === false ? '—' : r.kkPass[k] ? 'pass' : 'FAIL',
          ]),
        );
        if (flags.svg !== undefined) process.stdout.write(`figure written to ${flags.svg}\n`);
      }),
    );

  addCommon(
    eis
      .command('fit <files...>')
      .description('fit an equivalent circuit (impedance.py notation, e.g. R0-p(R1,CPE1)-W1)'),
  )
    .requiredOption('--circuit <string>', 'circuit string, e.g. "R0-p(R1,C1)-p(R2-Wo1,C2)"')
    .option('--guess <values>', 'initial values, comma-separated, in parameter order')
    .option('--weighting <w>', 'unit | modulus', 'unit')
    .option(
      '--fix <name>',
      'hold a parameter at its initial value, repeatable',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .action(
      action((files: string[], flags: FitFlags, cmd: Command) => {
        const json = Boolean((cmd.optsWithGlobals() as GlobalOptions).json);
        const u = ohms(flags);
        const series = loadSeries(files, flags);
        const guess = flags.guess?.split(',').map((v) => parseNumberOption('--guess', v));
        const results = series.map((t) =>
          fitCircuit(prepared(t, flags), flags.circuit, {
            ...(guess ? { initialGuess: guess } : {}),
            weighting: choice('--weighting', flags.weighting ?? 'unit', ['unit', 'modulus'] as const),
            ...(flags.fix ? { fixed: flags.fix } : {}),
            allowPositiveImag: Boolean(flags.allowPositiveImag),
          }),
        );
        if (json) {
          printJson(
            results.map((r, k) => ({
              source: series[k].spectrum.source,
              timeS: series[k].timeS,
              time: iso(series[k].timeMs),
              ...u.json,
              ...r,
              parameters: r.parameters.map((p) => ({ ...p, unit: areaUnit(p.unit, u.json.areaCm2) })),
            })),
          );
          return;
        }
        results.forEach((r, k) => {
          process.stdout.write(
            `${series[k].spectrum.source}: ${r.circuit}, χ² = ${r.chi2.toExponential(4)}, reduced χ² = ${r.reducedChi2.toExponential(4)}, ${r.converged ? 'converged' : 'NOT converged'} (${r.message})\n`,
          );
          printTable(
            ['parameter', 'value', '± 1σ', 'unit', ''],
            r.parameters.map((p) => [
              p.name,
              significant(p.value, 5),
              significant(p.standardError, 2),
              areaUnit(p.unit, u.json.areaCm2),
              p.fixed ? 'fixed' : p.atBound ? 'at bound' : '',
            ]),
          );
          if (k < results.length - 1) process.stdout.write('\n');
        });
      }),
    );
}
