/**
 * `spincell relax t1|t2|nutation <path> --region LO:HI …`: relaxation times and the π/2 pulse of a
 * pseudo-2D experiment (ser + vdlist/vclist/vplist) or a series of experiments, per ppm region or per line
 * of a lineshape model, with uncertainties, residuals, the recycle delay for quantitative spectra and T2*
 * from the linewidth (src/pipeline/relax.ts reads the series, src/relax/ fits it).
 */
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { writeCsv } from '../../io/csv/index.js';
import { readFileChecked } from '../../io/fs.js';
import { readRelaxSeries, type RelaxKind, type RelaxSeries, type RelaxSignal } from '../../pipeline/relax.js';
import {
  analyseNutation,
  analyseT1,
  analyseT2,
  type CurveFit,
  type Estimate,
  NUTATION_MODELS,
  type NutationAnalysis,
  type NutationModel,
  T1_MODELS,
  type T1Analysis,
  type T1Model,
  type T1Sequence,
  T2_MODELS,
  type T2Analysis,
  type T2Model,
  t2StarFromWidthS,
} from '../../relax/index.js';
import { categorical, panelsSvg, type PanelSpec } from '../../report/index.js';
import {
  action,
  checkOutputFile,
  type GlobalOptions,
  parseNumberOption,
  parseRange,
  printJson,
  printTable,
  reportWritten,
  requireFileOut,
  roundToError,
  warnings as warningList,
  writeOutputFile,
  writtenOutputs,
} from '../common.js';
import { addNormaliseOption, addProcessingOptions, type ProcessingFlags } from '../processing.js';

interface RelaxFlags extends ProcessingFlags {
  region?: string[];
  lines?: string;
  model?: string;
  sequence?: string;
  accuracy?: string;
  variable?: string;
  values?: string;
  echoSpacingUs?: string;
  echoFactor?: string;
  out?: string;
  svg?: string;
}

type Analysis = T1Analysis | T2Analysis | NutationAnalysis;

/** One reported number: snake_case name with its unit, value, 1σ error (null when none), unit. */
interface Quantity {
  readonly name: string;
  readonly value: number | null;
  readonly se: number | null;
  readonly unit: string;
}

interface SignalResult {
  readonly signal: RelaxSignal;
  readonly analysis: Analysis;
  readonly quantities: Quantity[];
  readonly t2StarS: number | null;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const DESCRIPTIONS: Record<RelaxKind, string> = {
  t1: 'T1 from inversion or saturation recovery (vdlist or a series), recycle delay for quantitative spectra',
  t2: 'T2 from Hahn echoes (vdlist τ, echo time 2τ) or CPMG trains (vclist × 2·D20), with T2* from the linewidth',
  nutation:
    'nutation frequency and π/2 pulse from a pulse-length array (vplist or a series), incl. skin-depth-damped metal',
};

const PHASE_HELP = `
Phase: unless --phase or --phase-mode is given, the row with the strongest signal is phased
automatically and its PH0/PH1 applied to every row (inverted or negative rows keep their sign); each
series is then turned so that its reference row (longest delay, first echo, shortest clear pulse) is
positive.`;

const MODELS: Record<RelaxKind, readonly string[]> = {
  t1: T1_MODELS,
  t2: T2_MODELS,
  nutation: NUTATION_MODELS,
};
const DEFAULT_MODEL: Record<RelaxKind, string> = { t1: '2p', t2: 'mono', nutation: 'damped' };

/** Inversion or saturation recovery from --sequence, else from the pulse programme's name. */
function t1Sequence(flag: string | undefined, pulseProgram: string, source: string): T1Sequence {
  const v = flag?.trim().toLowerCase();
  if (v === 'ir' || v === 'inversion-recovery') return 'inversion-recovery';
  if (v === 'sr' || v === 'saturation-recovery') return 'saturation-recovery';
  if (v !== undefined)
    throw new UsageError('unknown T1 sequence', { field: '--sequence', found: flag, expected: 'ir | sr' });
  const p = pulseProgram.trim().toLowerCase();
  if (/^t1ir|invrec|^ir/.test(p)) return 'inversion-recovery';
  if (/sat/.test(p)) return 'saturation-recovery';
  throw new UsageError('cannot tell inversion from saturation recovery', {
    field: '--sequence',
    found: `PULPROG ${pulseProgram || '(none)'} in ${source}`,
    expected: 'ir or sr',
  });
}

function parseValues(text: string): number[] {
  return text.split(',').map((t) => parseNumberOption('--values', t));
}

function q(
  name: string,
  e: Estimate | { value: number; standardError: number } | null,
  unit: string,
): Quantity {
  if (!e) return { name, value: null, se: null, unit };
  return {
    name,
    value: Number.isFinite(e.value) ? e.value : null,
    se: Number.isFinite(e.standardError) ? e.standardError : null,
    unit,
  };
}

const UNIT_SUFFIX: Record<string, string> = { s: '_s', us: '_us', '1/us': '_per_us', kHz: '_khz', '': '' };

function parameterQuantities(fit: CurveFit): Quantity[] {
  return fit.parameters.map((p) => {
    const unit = p.unit === 'intensity' ? '' : p.unit;
    const base = p.name === 'amplitude' ? 'amplitude' : p.name.toLowerCase();
    return q(`${base}${UNIT_SUFFIX[unit] ?? ''}`, p, p.unit);
  });
}

function quantitiesOf(a: Analysis, t2StarS: number | null): Quantity[] {
  const out = parameterQuantities(a.fit);
  if (a.kind === 't1') {
    out.push(q('initial_fraction', a.initialFraction, ''));
    const r = a.recycle;
    out.push(q('repetition_time_s', r.repetitionTimeS, 's'));
    out.push({ name: 'repetition_time_t1_multiple', value: r.multipleOfT1, se: null, unit: '' });
    out.push({ name: 'recycle_delay_s', value: r.recycleDelayS, se: null, unit: 's' });
    out.push({ name: 'current_recovery', value: r.currentRecovery, se: null, unit: '' });
  } else if (a.kind === 'nutation') {
    out.push(q('nutation_khz', a.nutationKHz, 'kHz'));
    out.push(q('pi2_us', a.pi2Us, 'us'));
    out.push(q('max_signal_us', a.maxSignalUs, 'us'));
    if (a.dampingTimeUs) out.push(q('damping_time_us', a.dampingTimeUs, 'us'));
    if (a.amplitudePerCycle !== null)
      out.push({ name: 'amplitude_per_cycle', value: a.amplitudePerCycle, se: null, unit: '' });
  }
  out.push({ name: 't2_star_s', value: t2StarS, se: null, unit: 's' });
  out.push({ name: 'r_squared', value: a.fit.rSquared, se: null, unit: '' });
  return out;
}

/** The row whose linewidth gives T2*: the relaxed row (t1), the first echo (t2), the strongest (nutation). */
function widthRow(kind: RelaxKind, x: Float64Array, y: Float64Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) {
    if (kind === 't1' ? x[i] > x[best] : kind === 't2' ? x[i] < x[best] : y[i] > y[best]) best = i;
  }
  return best;
}

function analyse(
  kind: RelaxKind,
  series: RelaxSeries,
  signal: RelaxSignal,
  flags: RelaxFlags,
  model: string,
  sequence: T1Sequence | undefined,
  source: string,
): Analysis {
  const field = signal.kind === 'region' ? `region ${signal.label}` : `line ${signal.label}`;
  const meta = series.entries[0].meta;
  if (kind === 't1') {
    const accuracy = flags.accuracy !== undefined ? parseNumberOption('--accuracy', flags.accuracy) : 0.99;
    if (!(accuracy > 0 && accuracy < 1))
      throw new UsageError('accuracy must lie between 0 and 1', {
        field: '--accuracy',
        found: flags.accuracy,
        expected: 'a fraction of M0, e.g. 0.99',
      });
    return analyseT1(series.x, signal.y, {
      sequence: sequence as T1Sequence,
      model: model as T1Model,
      accuracy,
      recycleDelayS: meta.recycleDelayS,
      acquisitionTimeS: meta.acquisitionTimeS,
      source,
      field,
    });
  }
  if (kind === 't2') return analyseT2(series.x, signal.y, { model: model as T2Model, source, field });
  return analyseNutation(series.x, signal.y, { model: model as NutationModel, source, field });
}

const X_LABEL: Record<RelaxKind, string> = {
  t1: 'Recovery delay / s',
  t2: 'Echo time / s',
  nutation: 'Pulse length / µs',
};

/** Data and fitted curve, then residuals, for each signal over one shared x axis. */
export function relaxSvg(path: string, kind: RelaxKind, results: readonly SignalResult[]): string {
  const x = results[0].analysis.fit.x;
  const positive = Array.from(x).filter((v) => v > 0);
  const logX =
    kind === 't1' && positive.length === x.length && Math.max(...positive) / Math.min(...positive) >= 100;
  const lo = Math.min(...x);
  const hi = Math.max(...x);
  const dense = Float64Array.from({ length: 241 }, (_, i) =>
    logX ? lo * (hi / lo) ** (i / 240) : lo + ((hi - lo) * i) / 240,
  );
  const panels: PanelSpec[] = results.flatMap((r, k) => {
    const f = r.analysis.fit;
    const color = categorical(k);
    return [
      {
        yLabel: `${r.signal.label}${r.signal.kind === 'region' ? ' ppm' : ''}`.replace(/-/g, '−'),
        weight: 2,
        series: [
          { label: 'data', x: f.x, y: f.y, style: 'points' as const, color },
          { label: f.model, x: dense, y: f.predict(dense), style: 'line' as const, color },
        ],
      },
      {
        yLabel: 'residual',
        weight: 1,
        series: [
          { x: [lo, hi], y: [0, 0], style: 'dashed' as const, color: '#888888' },
          { x: f.x, y: f.residuals, style: 'points' as const, color },
        ],
      },
    ];
  });
  // A pseudo-2D experiment is a numbered folder: name it with its dataset (coffee/12, not 12).
  const abs = resolve(path);
  const name = /^\d+$/.test(basename(abs)) ? `${basename(dirname(abs))}/${basename(abs)}` : basename(abs);
  return panelsSvg({
    title: `${kind === 'nutation' ? 'Nutation' : kind.toUpperCase()} of ${name}`,
    xLabel: X_LABEL[kind],
    xScale: logX ? 'log' : 'linear',
    grid: true,
    panels,
  });
}

function resultsTable(results: readonly SignalResult[]): {
  headers: string[];
  rows: (string | number | null)[][];
} {
  return {
    headers: ['signal', 'kind', 'region_lo_ppm', 'region_hi_ppm', 'model', 'quantity', 'value', 'se', 'unit'],
    rows: results.flatMap((r) =>
      r.quantities.map((x) => [
        r.signal.label,
        r.signal.kind,
        r.signal.regionPpm ? r.signal.regionPpm[0] : null,
        r.signal.regionPpm ? r.signal.regionPpm[1] : null,
        r.analysis.model,
        x.name,
        x.value,
        x.se,
        x.unit,
      ]),
    ),
  };
}

function warnAbout(kind: RelaxKind, r: SignalResult, warn: { add(t: string): void }, source: string): void {
  const name = `${source} ${r.signal.kind} ${r.signal.label}`;
  const f = r.analysis.fit;
  if (!f.converged) warn.add(`${name}: the ${f.model} fit did not converge (${f.status})`);
  for (const p of f.parameters) {
    if (p.atBound)
      warn.add(
        `${name}: ${p.name} = ${p.value.toPrecision(4)} sits on its bound; the model may not suit the data`,
      );
    else if (!(p.standardError < Math.abs(p.value)) && p.name !== 'lambda')
      warn.add(
        `${name}: ${p.name} is not determined by the data (±${p.standardError.toPrecision(2)} ≥ |${p.value.toPrecision(3)}|)`,
      );
  }
  if (kind === 'nutation' && r.analysis.model !== 'skin') {
    // A metal thicker than the skin depth gives a curve no (damped) sine describes: say so, do not force one.
    try {
      const skin = analyseNutation(f.x, f.y, { model: 'skin' }).fit;
      const rss = (g: CurveFit) => g.residuals.reduce((a, v) => a + v * v, 0);
      if (rss(skin) < rss(f))
        warn.add(
          `${name}: the skin-depth curve (1 − cos θ)/θ of a thick metal fits better than the ${r.analysis.model} model (residual rms ${Math.sqrt(rss(skin) / f.x.length).toPrecision(3)} vs ${Math.sqrt(rss(f) / f.x.length).toPrecision(3)}): try --model skin`,
        );
    } catch {
      // the comparison is advice only
    }
  }
  if (kind === 't1') {
    const a = r.analysis as T1Analysis;
    const rec = a.recycle;
    if (
      rec.currentRecovery !== null &&
      rec.currentRecovery < rec.accuracy &&
      rec.currentRepetitionTimeS !== null
    )
      warn.add(
        `${name}: D1 + AQ = ${rec.currentRepetitionTimeS.toPrecision(3)} s recovers ${(100 * rec.currentRecovery).toFixed(1)} % of M0 (T1 = ${a.t1S.value.toPrecision(3)} s); ${(100 * rec.accuracy).toFixed(1)} % needs D1 + AQ ≥ ${rec.repetitionTimeS.value.toPrecision(3)} s`,
      );
  }
}

export function registerRelax(program: Command): void {
  const relax = program
    .command('relax')
    .description('relaxation and nutation: T1 (t1), T2 (t2), π/2 pulse calibration (nutation)');
  for (const kind of ['t1', 't2', 'nutation'] as const) {
    const cmd = relax
      .command(`${kind} <path>`)
      .description(DESCRIPTIONS[kind])
      .option(
        '--region <lo:hi>',
        'ppm region whose integral is fitted (repeatable: one fit per region)',
        collect,
      )
      .option(
        '--lines <model.json>',
        "lineshape model (as for 'spincell fit'): each component's area is fitted",
      )
      .option('--model <name>', `${MODELS[kind].join(' | ')} (default ${DEFAULT_MODEL[kind]})`);
    if (kind === 't1')
      cmd
        .option(
          '--sequence <ir|sr>',
          'inversion or saturation recovery (default from PULPROG: t1ir… → ir, …sat… → sr)',
        )
        .option(
          '--accuracy <fraction>',
          'recovered fraction of M0 the recycle-delay advice aims at (default 0.99)',
        );
    if (kind === 't2')
      cmd
        .option('--echo-spacing-us <us>', 'CPMG (vclist): time per echo count, µs (default 2·D20 of acqus)')
        .option('--echo-factor <f>', 'Hahn echo (vdlist): echo time = f × vd (default 2)');
    cmd
      .option(
        '--variable <param>',
        'series of experiments: the acqus parameter that varies (D<i> s, P<i> µs, L<i>)',
      )
      .option(
        '--values <list>',
        'the row variable by hand, comma-separated: delays s (t1), τ s (t2: echo time = --echo-factor × τ; 1 for echo times), pulses µs',
      )
      .option('--out <file.csv>', 'write the results (one row per signal and quantity) as CSV')
      .option('--svg <file.svg>', 'draw data, fitted curves and residuals')
      .addHelpText('after', PHASE_HELP);
    addProcessingOptions(addNormaliseOption(cmd)).action(
      action(async (path: string, flags: RelaxFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        const model = flags.model ?? DEFAULT_MODEL[kind];
        if (!MODELS[kind].includes(model))
          throw new UsageError(`unknown ${kind} model`, {
            field: '--model',
            found: model,
            expected: MODELS[kind].join(' | '),
          });
        const regions = (flags.region ?? []).map((r) => parseRange('--region', r));
        requireFileOut(flags.out, 'the results are written to a file, not a folder', 'relax.csv');
        if (flags.svg !== undefined) checkOutputFile('--svg', flags.svg, 'relax.svg');
        const series = readRelaxSeries(path, kind, flags, {
          regions,
          linesModel: flags.lines
            ? { text: readFileChecked(flags.lines).toString('utf8'), file: flags.lines }
            : undefined,
          variable: flags.variable,
          values: flags.values !== undefined ? parseValues(flags.values) : undefined,
          echoSpacingS:
            flags.echoSpacingUs !== undefined
              ? parseNumberOption('--echo-spacing-us', flags.echoSpacingUs) * 1e-6
              : undefined,
          echoFactor:
            flags.echoFactor !== undefined ? parseNumberOption('--echo-factor', flags.echoFactor) : undefined,
        });
        for (const note of series.input.notes) process.stderr.write(`note: ${note}\n`);
        const warn = warningList(json);
        for (const w of series.warnings) warn.add(w);
        const first = series.entries[0];
        const sequence =
          kind === 't1'
            ? t1Sequence(flags.sequence, first.meta.pulseProgram ?? '', first.experimentPath)
            : undefined;
        const results: SignalResult[] = series.signals.map((signal) => {
          const analysis = analyse(kind, series, signal, flags, model, sequence, path);
          const row = widthRow(kind, series.x, signal.y);
          const t2StarS = t2StarFromWidthS(signal.fwhmHz[row], series.lineBroadeningHz);
          return { signal, analysis, quantities: quantitiesOf(analysis, t2StarS), t2StarS };
        });
        for (const r of results) warnAbout(kind, r, warn, path);
        if (flags.out !== undefined) {
          const t = resultsTable(results);
          writeCsv(flags.out, t.headers, t.rows);
        }
        if (flags.svg !== undefined) writeOutputFile('--svg', flags.svg, relaxSvg(path, kind, results));
        if (json) {
          printJson({
            path,
            kind,
            format: series.input.format,
            ...(sequence ? { sequence } : {}),
            model,
            variable: { source: series.variableSource, values: series.rawValues },
            x: series.x,
            xUnit: series.xUnit,
            phase: series.phase,
            normalised: series.input.normalised,
            lineBroadeningHz: series.lineBroadeningHz,
            results: results.map((r) => ({
              signal: r.signal.label,
              kind: r.signal.kind,
              regionPpm: r.signal.regionPpm,
              signFlipped: r.signal.sign === -1,
              model: r.analysis.fit.model,
              formula: r.analysis.fit.formula,
              parameters: r.analysis.fit.parameters,
              quantities: r.quantities,
              ...(r.analysis.kind === 't1' ? { recycle: r.analysis.recycle } : {}),
              rSquared: r.analysis.fit.rSquared,
              reducedChi2: r.analysis.fit.reducedChi2,
              converged: r.analysis.fit.converged,
              status: r.analysis.fit.status,
              points: series.entries.map((e, i) => ({
                index: e.index,
                experiment: e.meta.experimentNumber ?? null,
                row: e.meta.rowIndex ?? null,
                variable: series.rawValues[i],
                x: series.x[i],
                intensity: r.signal.y[i],
                fitted: r.analysis.fit.fitted[i],
                residual: r.analysis.fit.residuals[i],
                fwhmHz: Number.isFinite(r.signal.fwhmHz[i]) ? r.signal.fwhmHz[i] : null,
              })),
            })),
            warnings: warn.list,
            ...writtenOutputs(flags),
          });
          return;
        }
        printTable(
          ['signal', 'quantity', 'value', '±', 'unit'],
          results.flatMap((r) =>
            r.quantities.map((x, i) => {
              const [v, e] =
                x.value === null
                  ? ['—', '']
                  : x.se !== null && x.se > 0
                    ? roundToError(x.value, x.se)
                    : [x.value.toPrecision(5), ''];
              return [i === 0 ? `${r.signal.label} (${r.analysis.model})` : '', x.name, v, e, x.unit];
            }),
          ),
        );
        reportWritten([
          ['results', flags.out],
          ['figure', flags.svg],
        ]);
      }),
    );
  }
}
