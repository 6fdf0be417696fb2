/**
 * The manifest's `pfg` section: a Stejskal–Tanner fit (one or two components) of a PFG attenuation, from a
 * CSV table or a Bruker pseudo-2D diffusion experiment (ser + difflist, each row integrated as the sum of
 * its magnitude spectrum). `spincell pfg` reads and fits through the same functions.
 */
import { getNucleus, type Nucleus } from '../../core/nuclei.js';
import { formatCsv } from '../../io/csv/index.js';
import { isDirectory } from '../../io/fs.js';
import { readBrukerPfg, readPfgCsv } from '../../io/mri/index.js';
import { fourierTransform } from '../../nmr/index.js';
import {
  bValuesSPerM2,
  effectiveDiffusionTimeS,
  fitStejskalTanner,
  gaussPerCmToTPerM,
  type PfgTiming,
} from '../../transport/index.js';
import { categorical, linePlotSvg, type ReportSection } from '../../report/index.js';
import type { ManifestPfg } from '../manifest.js';

export interface PfgPoints {
  readonly nucleus: Nucleus;
  readonly bSPerM2: Float64Array;
  readonly intensity: Float64Array;
  /** Gradient of each point, G cm⁻¹, when the data give it. */
  readonly gradientsGPerCm: Float64Array | null;
}

/**
 * The attenuation points of a PFG file or Bruker experiment. `nucleus` (a label) overrides NUC1 of Bruker
 * data; a table without one is taken as ¹⁹F.
 */
export function readPfgPoints(
  path: string,
  timing: PfgTiming,
  nucleusLabel?: string,
  gradientList?: string,
): PfgPoints {
  let nucleus = getNucleus(nucleusLabel ?? '19F');
  if (isDirectory(path)) {
    const data = readBrukerPfg(path, gradientList);
    if (nucleusLabel === undefined) nucleus = getNucleus(data.nucleus);
    const intensity = Float64Array.from(data.echoes, (echo) => {
      const spec = fourierTransform(echo);
      let s = 0;
      for (let i = 0; i < spec.re.length; i++) s += Math.hypot(spec.re[i], spec.im[i]);
      return s;
    });
    const b = bValuesSPerM2(
      Array.from(data.gradientsGPerCm, gaussPerCmToTPerM),
      nucleus.gammaRadPerSPerT,
      timing,
    );
    return { nucleus, bSPerM2: b, intensity, gradientsGPerCm: data.gradientsGPerCm };
  }
  const data = readPfgCsv(path);
  if (data.axis === 'b_s_m2')
    return { nucleus, bSPerM2: data.axisValues, intensity: data.intensity, gradientsGPerCm: null };
  const g = data.axis === 'gradient_G_cm' ? Array.from(data.axisValues, gaussPerCmToTPerM) : data.axisValues;
  return {
    nucleus,
    bSPerM2: bValuesSPerM2(g, nucleus.gammaRadPerSPerT, timing),
    intensity: data.intensity,
    gradientsGPerCm: data.axis === 'gradient_G_cm' ? data.axisValues : null,
  };
}

export interface PfgRun {
  readonly source: string;
  readonly timing: PfgTiming;
  readonly points: PfgPoints;
  readonly fit: ReturnType<typeof fitStejskalTanner>;
}

export function pfgTiming(p: ManifestPfg): PfgTiming {
  return {
    deltaS: p.deltaMs / 1000,
    bigDeltaS: p.bigDeltaMs / 1000,
    shape: p.shape ?? 'rect',
    sequence: p.sequence ?? 'ste',
    lobeGapS: p.lobeGapMs !== undefined ? p.lobeGapMs / 1000 : undefined,
  };
}

export function pfgInputs(p: ManifestPfg): { field: string; path: string; kind: 'nmr' | 'file' }[] {
  return [
    { field: 'pfg.path', path: p.path, kind: isDirectory(p.path) ? 'nmr' : 'file' },
    ...(p.gradientList !== undefined
      ? [{ field: 'pfg.gradientList', path: p.gradientList, kind: 'file' as const }]
      : []),
  ];
}

export function resolvePfg(p: ManifestPfg, at: (x: string) => string): ManifestPfg {
  return {
    ...p,
    path: at(p.path),
    ...(p.gradientList !== undefined ? { gradientList: at(p.gradientList) } : {}),
  };
}

export function runPfg(p: ManifestPfg): PfgRun {
  const timing = pfgTiming(p);
  const points = readPfgPoints(p.path, timing, p.nucleus, p.gradientList);
  const fit = fitStejskalTanner(points.bSPerM2, points.intensity, {
    components: p.components ?? 1,
    source: p.path,
  });
  return { source: p.path, timing, points, fit };
}

/** One row per component: D, its standard error, the fraction, I0, R² and the timing. */
export function pfgCsv(run: PfgRun): string {
  const f = run.fit;
  return formatCsv(
    [
      'component',
      'd_m2_s',
      'd_se_m2_s',
      'fraction',
      'fraction_se',
      'unidentifiable',
      'i0',
      'r_squared',
      'converged',
      'nucleus',
      'effective_diffusion_time_s',
    ],
    f.dM2PerS.map((d, k) => [
      k + 1,
      d,
      f.dStandardErrorM2PerS[k],
      f.fractions[k],
      f.fractionStandardErrors[k],
      f.unidentifiable[k],
      f.i0,
      f.rSquared,
      f.converged,
      run.points.nucleus.label,
      effectiveDiffusionTimeS(run.timing),
    ]),
    [`spincell pfg ${run.source}`],
  );
}

export function pfgReport(run: PfgRun): ReportSection {
  const f = run.fit;
  const b = Array.from(run.points.bSPerM2);
  return {
    heading: 'PFG diffusion (Stejskal–Tanner)',
    text: f.dM2PerS
      .map(
        (d, k) =>
          `Component ${k + 1}: D = ${d.toExponential(3)} ± ${f.dStandardErrorM2PerS[k].toExponential(1)} m² s⁻¹, fraction ${f.fractions[k].toFixed(3)}`,
      )
      .join('; ')
      .concat(`; R² = ${f.rSquared.toFixed(5)} (${run.points.nucleus.label}).`),
    figures: [
      {
        svg: linePlotSvg({
          title: 'PFG attenuation',
          xLabel: 'b / s m⁻²',
          yLabel: 'I / I0',
          grid: true,
          width: 820,
          height: 360,
          series: [
            {
              label: 'measured',
              x: b,
              y: Array.from(run.points.intensity, (v) => v / f.i0),
              style: 'points',
              color: categorical(0),
            },
            { label: 'fit', x: b, y: Array.from(f.fitted, (v) => v / f.i0), color: categorical(1) },
          ],
        }),
      },
    ],
  };
}
