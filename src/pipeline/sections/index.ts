/**
 * The manifest sections beyond NMR integrals, cycler cycles and the DRT, each in its own module: cycler
 * steps, Lin-KK settings and circuit fits, the dead-lithium protocol, MRI drift velocities and PFG
 * diffusion (the lineshape model fit runs inside the NMR loop, src/pipeline/sections/model-fit.ts). This
 * file is the glue `runManifest` calls: their inputs, their paths resolved, their analyses, their output
 * files and their report sections.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Cycle, CyclerSeries } from '../../echem/index.js';
import type { TimedSpectrum } from '../../io/eis/index.js';
import type { DeisResult } from '../../eis/index.js';
import type { ReportSection } from '../../report/index.js';
import type { Manifest } from '../manifest.js';
import { runCyclerSteps, stepsCsv, type StepSummary } from './cycler-steps.js';
import {
  deadLithiumCsv,
  deadLithiumInputs,
  deadLithiumReport,
  resolveDeadLithium,
  runDeadLithium,
  type DeadLithiumRun,
} from './dead-lithium.js';
import { circuitFitCsv, circuitFitReport, runCircuitFits, type CircuitFitRun } from './impedance.js';
import {
  driftCsv,
  driftReport,
  driftSummaryCsv,
  mriInputs,
  resolveMri,
  runMri,
  type DriftRun,
} from './mri.js';
import { pfgCsv, pfgInputs, pfgReport, resolvePfg, runPfg, type PfgRun } from './pfg.js';

export { linKKOptions } from './impedance.js';
export { runDeadLithium, deadLithiumInputs } from './dead-lithium.js';
export { openModelFit, fitsCsv, modelFitReport, type ModelFitter } from './model-fit.js';
export type { StepSummary, DeadLithiumRun, CircuitFitRun, DriftRun, PfgRun };

/** Files the sections may add to a run's output folder. */
export const SECTION_OUTPUT_NAMES = [
  'fits.csv',
  'steps.csv',
  'circuit-fit.csv',
  'dead-lithium.csv',
  'drift.csv',
  'drift-summary.csv',
  'pfg.csv',
] as const;

/**
 * An input a section names: `file` (one file), `tree` (a folder read whole, e.g. raw Bruker MRI or PFG
 * echoes: every file below it is hashed).
 */
export interface SectionInput {
  readonly field: string;
  readonly path: string;
  readonly kind: 'file' | 'tree';
}

export function sectionInputs(m: Manifest): SectionInput[] {
  const tree = (i: { field: string; path: string; kind: 'nmr' | 'file' }): SectionInput => ({
    ...i,
    kind: i.kind === 'nmr' ? 'tree' : 'file',
  });
  return [
    ...(m.nmr?.fit && typeof m.nmr.fit.model === 'string'
      ? [{ field: 'nmr.fit.model', path: m.nmr.fit.model, kind: 'file' as const }]
      : []),
    ...(m.deadLithium ? deadLithiumInputs(m.deadLithium).map((i) => ({ ...i, kind: 'file' as const })) : []),
    ...(m.mri ? mriInputs(m.mri).map(tree) : []),
    ...(m.pfg ? pfgInputs(m.pfg).map(tree) : []),
  ];
}

/** Every regular file below a folder, sorted (what a `tree` input reads). */
export function treeFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** The sections' paths made absolute with `at`. */
export function resolveSections(m: Manifest, at: (p: string) => string): Partial<Manifest> {
  return {
    ...(m.nmr?.fit && typeof m.nmr.fit.model === 'string'
      ? { nmr: { ...m.nmr, fit: { ...m.nmr.fit, model: at(m.nmr.fit.model) } } }
      : {}),
    ...(m.deadLithium ? { deadLithium: resolveDeadLithium(m.deadLithium, at) } : {}),
    ...(m.mri ? { mri: resolveMri(m.mri, at) } : {}),
    ...(m.pfg ? { pfg: resolvePfg(m.pfg, at) } : {}),
  };
}

export interface SectionResults {
  readonly steps: StepSummary[] | null;
  readonly circuitFits: CircuitFitRun | null;
  readonly deadLithium: DeadLithiumRun | null;
  readonly drift: DriftRun | null;
  readonly pfg: PfgRun | null;
}

export interface SectionContext {
  readonly cycler: { readonly series: CyclerSeries; readonly cycles: Cycle[] } | null;
  readonly eis: { readonly sweeps: TimedSpectrum[]; readonly deis: DeisResult } | null;
  /** Places an error on the manifest field of the section that raised it. */
  readonly guard: <T>(field: string, fn: () => T) => T;
  readonly progress: (done: number, total: number) => void;
}

export function runSections(m: Manifest, ctx: SectionContext): SectionResults {
  const steps = m.cycler?.steps;
  const jobs = [
    Boolean(steps && ctx.cycler),
    Boolean(m.eis?.fit && ctx.eis),
    Boolean(m.deadLithium),
    Boolean(m.mri),
    Boolean(m.pfg),
  ].filter(Boolean).length;
  let done = 0;
  const tick = <T>(v: T): T => {
    ctx.progress(++done, jobs);
    return v;
  };
  return {
    steps:
      steps && ctx.cycler
        ? tick(
            ctx.guard('cycler.steps', () =>
              runCyclerSteps(
                ctx.cycler!.series,
                ctx.cycler!.cycles,
                typeof steps === 'object' ? steps.onsetMinRiseV : undefined,
              ),
            ),
          )
        : null,
    circuitFits:
      m.eis?.fit && ctx.eis
        ? tick(ctx.guard('eis.fit', () => runCircuitFits(ctx.eis!.sweeps, m.eis!.fit!)))
        : null,
    deadLithium: m.deadLithium ? tick(ctx.guard('deadLithium', () => runDeadLithium(m.deadLithium!))) : null,
    drift: m.mri ? tick(ctx.guard('mri', () => runMri(m.mri!))) : null,
    pfg: m.pfg ? tick(ctx.guard('pfg', () => runPfg(m.pfg!))) : null,
  };
}

export interface SectionOutput {
  readonly name: (typeof SECTION_OUTPUT_NAMES)[number];
  readonly description: string;
  readonly rows: number | null;
  readonly data: string;
}

export function sectionOutputs(r: SectionResults, eis: SectionContext['eis']): SectionOutput[] {
  const out: SectionOutput[] = [];
  if (r.steps)
    out.push({
      name: 'steps.csv',
      description: 'cycler steps with voltage onset and nucleation overpotential',
      rows: r.steps.length,
      data: stepsCsv(r.steps),
    });
  if (r.circuitFits && eis)
    out.push({
      name: 'circuit-fit.csv',
      description: `equivalent circuit ${r.circuitFits.circuit} per impedance sweep`,
      rows: r.circuitFits.fits.reduce((a, f) => a + f.parameters.length, 0),
      data: circuitFitCsv(r.circuitFits, eis.sweeps, eis.deis.timeS),
    });
  if (r.deadLithium)
    out.push({
      name: 'dead-lithium.csv',
      description: 'dead metal, excess metal and interphase per measured cycle',
      rows: r.deadLithium.result.cycles.length,
      data: deadLithiumCsv([r.deadLithium.integralsFile], [r.deadLithium.result], null),
    });
  if (r.drift) {
    const d = r.drift.drift;
    out.push(
      {
        name: 'drift.csv',
        description: 'anion drift velocity over position and time',
        rows: d.timeS.length * d.xUm.length,
        data: driftCsv(r.drift),
      },
      {
        name: 'drift-summary.csv',
        description: 'drift velocity per profile: ROI ends, peak, spread',
        rows: d.timeS.length,
        data: driftSummaryCsv(r.drift),
      },
    );
  }
  if (r.pfg)
    out.push({
      name: 'pfg.csv',
      description: 'Stejskal–Tanner diffusion coefficients',
      rows: r.pfg.fit.dM2PerS.length,
      data: pfgCsv(r.pfg),
    });
  return out;
}

const fixed = (x: number | null, digits: number) =>
  x === null || !Number.isFinite(x) ? '' : x.toFixed(digits);

export function sectionReports(r: SectionResults, eis: SectionContext['eis']): ReportSection[] {
  return [
    ...(r.steps
      ? [
          {
            heading: 'Cycler steps',
            text: 'Voltage onset under constant current (Thienenkamp et al. 2024) and nucleation overpotential at the start of plating (Wichmann et al. 2025); times on the cycler clock.',
            tables: [
              {
                caption: 'Steps',
                headers: [
                  'step',
                  'cycle',
                  'type',
                  'direction',
                  'start / s',
                  'duration / s',
                  'mean / mA',
                  'capacity / mAh',
                  'onset / s',
                  'nucleation / mV',
                ],
                rows: r.steps.map((x) => [
                  x.index,
                  x.cycle,
                  x.type,
                  x.sweep ?? x.direction,
                  fixed(x.startS, 1),
                  fixed(x.durationS, 1),
                  fixed(x.meanCurrentMA, 4),
                  fixed(x.capacityMAh, 4),
                  fixed(x.onsetStepTimeS, 1),
                  fixed(x.nucleationOverpotentialV === null ? null : 1000 * x.nucleationOverpotentialV, 1),
                ]),
              },
            ],
          },
        ]
      : []),
    ...(r.circuitFits && eis ? [circuitFitReport(r.circuitFits, eis.deis.timeS)] : []),
    ...(r.deadLithium ? [deadLithiumReport(r.deadLithium)] : []),
    ...(r.drift ? [driftReport(r.drift)] : []),
    ...(r.pfg ? [pfgReport(r.pfg)] : []),
  ];
}
