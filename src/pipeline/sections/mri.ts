/**
 * The manifest's `mri` section: anion drift velocities from operando 1D MRI profiles (Thienenkamp et al.
 * 2024, eq 1–8) — profiles (exchange CSV/JSON or raw Bruker echoes), ROI, concentrations, optional
 * smoothing, the voltage at each profile time, the D(C) table, the inversion. `spincell mri drift` runs the
 * same functions, so its `--out` table and the manifest's `drift.csv` hold the same numbers.
 */
import { driftUncertainty, type DriftUncertainty } from '../../transport/uncertainty.js';
import { UsageError } from '../../core/errors.js';
import { getNucleus } from '../../core/nuclei.js';
import { formatCsv } from '../../io/csv/index.js';
import { isDirectory } from '../../io/fs.js';
import {
  readBrukerEchoSeries,
  readDiffusionTableCsv,
  readProfiles,
  readVoltageCsv,
  type ProfileSeries,
} from '../../io/mri/index.js';
import { fourierTransform } from '../../nmr/index.js';
import {
  createDiffusionTable,
  detectRoi,
  diffusionLaw,
  driftVelocity,
  gaussPerCmToTPerM,
  profilesFromEchoes,
  resampleVoltage,
  selectRoi,
  smoothProfiles,
  toConcentration,
  validateProfileSeries,
  type DiffusionInterpolation,
  type DriftResult,
  type NormalisationReference,
} from '../../transport/index.js';
import { categorical, heatMapSvg, linePlotSvg, type ReportSection } from '../../report/index.js';
import type { ManifestMri } from '../manifest.js';

/** The spatial encoding of raw Bruker echoes. */
export interface RawEncoding {
  readonly fovUm?: number;
  readonly readGradientGCm?: number;
  readonly nucleus?: string;
  readonly reverseX?: boolean;
}

export function isBrukerInput(path: string): boolean {
  return isDirectory(path) || /(^|[/\\])(ser|fid|acqus)$/.test(path);
}

/**
 * Profiles from the exchange format or from raw Bruker echoes (magnitude FT of each echo). `field` names
 * the option or manifest field of the missing encoding in the error.
 */
export function loadProfiles(
  path: string,
  raw: RawEncoding,
  field = '--fov-um / --read-gradient-g-cm',
): ProfileSeries {
  if (!isBrukerInput(path)) return validateProfileSeries(readProfiles(path));
  const echoes = readBrukerEchoSeries(path);
  if (raw.fovUm === undefined && raw.readGradientGCm === undefined) {
    throw new UsageError('raw MRI data need the spatial encoding', {
      field,
      expected: 'the field of view in µm, or the read gradient in G/cm',
    });
  }
  const nucleus = getNucleus(raw.nucleus ?? echoes.nucleus);
  const series = profilesFromEchoes(
    echoes,
    {
      fovUm: raw.fovUm,
      readGradientTPerM:
        raw.readGradientGCm !== undefined ? gaussPerCmToTPerM(raw.readGradientGCm) : undefined,
      gammaRadPerSPerT: nucleus.gammaRadPerSPerT,
      reverse: Boolean(raw.reverseX),
    },
    (echo) => fourierTransform(echo),
  );
  return validateProfileSeries(series);
}

export interface DriftSettings extends RawEncoding {
  readonly profiles: string;
  readonly voltage: string;
  readonly diffusion: string;
  readonly temperatureK: number;
  readonly c0MolM3: number;
  readonly roiUm?: readonly [number, number];
  readonly smoothX?: number;
  readonly smoothT?: number;
  readonly normalise?: NormalisationReference;
  readonly interpolation?: DiffusionInterpolation;
  /** Bootstrap the noise (src/transport/uncertainty.ts) with this many realisations (default: none). */
  readonly bootstrap?: number;
  readonly bootstrapSeed?: number;
}

export interface DriftRun {
  readonly source: string;
  readonly roiUm: [number, number];
  readonly temperatureK: number;
  readonly c0MolM3: number;
  /** Concentrations in the ROI after normalisation and smoothing, mol m⁻³. */
  readonly concentration: ProfileSeries;
  readonly drift: DriftResult;
  /** Standard errors and maximum intervals, with `bootstrap`. */
  readonly uncertainty?: DriftUncertainty;
}

/** The whole analysis of `spincell mri drift`. */
export function analyseDrift(s: DriftSettings, encodingField?: string): DriftRun {
  const raw = loadProfiles(s.profiles, s, encodingField);
  const roiUm: [number, number] = s.roiUm ? [s.roiUm[0], s.roiUm[1]] : detectRoi(raw);
  const inRoi = selectRoi(raw, roiUm);
  const concentration = smoothProfiles(
    toConcentration(inRoi, s.c0MolM3, { reference: s.normalise ?? 'pointwise' }),
    { xWindow: s.smoothX ?? 0, tWindow: s.smoothT ?? 0 },
  );
  const voltage = readVoltageCsv(s.voltage);
  const voltageV = resampleVoltage(voltage.timeS, voltage.voltageV, concentration.timeS, s.voltage);
  const dCols = readDiffusionTableCsv(s.diffusion);
  const table = createDiffusionTable(dCols.concentrationMolM3, dCols.dM2PerS, s.diffusion);
  const input = {
    concentration,
    voltageV,
    diffusion: diffusionLaw(table, s.interpolation ?? 'log'),
    temperatureK: s.temperatureK,
  };
  const uncertainty =
    s.bootstrap !== undefined
      ? driftUncertainty(input, { realisations: s.bootstrap, seed: s.bootstrapSeed ?? 1 })
      : undefined;
  const drift = uncertainty ? uncertainty.drift : driftVelocity(input);
  return {
    ...(uncertainty ? { uncertainty } : {}),
    source: s.profiles,
    roiUm,
    temperatureK: s.temperatureK,
    c0MolM3: s.c0MolM3,
    concentration,
    drift,
  };
}

export const DRIFT_HEADERS = [
  'time_s',
  'x_um',
  'concentration_mol_m3',
  'velocity_um_h',
  'field_V_m',
  'flux_mol_m2_s',
];

/** One row per profile and position: the table of `mri drift --out` and the manifest's drift.csv. */
export function driftRows(run: DriftRun): number[][] {
  const { drift, concentration } = run;
  const nx = drift.xUm.length;
  const rows: number[][] = [];
  for (let k = 0; k < drift.timeS.length; k++) {
    for (let i = 0; i < nx; i++) {
      const j = k * nx + i;
      rows.push([
        drift.timeS[k],
        drift.xUm[i],
        concentration.values[j],
        drift.velocityUmPerH[j],
        drift.fieldVPerM[j],
        drift.fluxMolPerM2S[j],
      ]);
    }
  }
  return rows;
}

export const DRIFT_COMMENT = (source: string) =>
  `spincell mri drift ${source}; v > 0: anions move away from the plating electrode`;

export function driftCsv(run: DriftRun): string {
  return formatCsv(DRIFT_HEADERS, driftRows(run), [DRIFT_COMMENT(run.source)]);
}

/** Per profile: voltage, the velocities at both ROI ends, peak, spread and the paper's divergence. */
export function driftSummaryCsv(run: DriftRun): string {
  return formatCsv(
    [
      'time_s',
      'voltage_V',
      'v_plating_um_h',
      'v_far_um_h',
      'peak_um_h',
      'spread_um_h',
      'edge_difference_pct',
    ],
    run.drift.perTime.map((p) => [
      p.timeS,
      p.voltageV,
      p.velocityAtPlatingSideUmPerH,
      p.velocityAtFarSideUmPerH,
      p.peakVelocityUmPerH,
      p.spreadUmPerH,
      p.edgeDifferencePercent,
    ]),
  );
}

export function mriInputs(m: ManifestMri): { field: string; path: string; kind: 'nmr' | 'file' }[] {
  return [
    { field: 'mri.profiles', path: m.profiles, kind: isBrukerInput(m.profiles) ? 'nmr' : 'file' },
    { field: 'mri.voltage', path: m.voltage, kind: 'file' },
    { field: 'mri.diffusion', path: m.diffusion, kind: 'file' },
  ];
}

export function resolveMri(m: ManifestMri, at: (p: string) => string): ManifestMri {
  return { ...m, profiles: at(m.profiles), voltage: at(m.voltage), diffusion: at(m.diffusion) };
}

export function runMri(m: ManifestMri): DriftRun {
  return analyseDrift(
    {
      ...m,
      ...(m.roiUm ? { roiUm: [m.roiUm[0], m.roiUm[1]] as const } : {}),
    },
    'mri.fovUm / mri.readGradientGCm',
  );
}

const W = 820;

export function driftReport(run: DriftRun): ReportSection {
  const { drift } = run;
  const nx = drift.xUm.length;
  const hours = Array.from(drift.timeS, (t) => t / 3600);
  const max = drift.maximumInterior;
  return {
    heading: 'Anion drift velocity (1D MRI, Thienenkamp et al. 2024)',
    text: `ROI ${run.roiUm[0].toFixed(1)}–${run.roiUm[1].toFixed(1)} µm (${nx} samples), ${drift.timeS.length} profiles. Largest |v| ${drift.maximum.velocityUmPerH.toFixed(1)} µm/h (interior profiles: ${max.velocityUmPerH.toFixed(1)} µm/h at ${(max.timeS / 60).toFixed(1)} min, x = ${max.xUm.toFixed(1)} µm). v > 0: anions drift away from the plating electrode.`,
    figures: [
      {
        svg: heatMapSvg({
          title: 'Drift velocity over position and time',
          x: drift.xUm,
          y: Float64Array.from(hours),
          z: Array.from({ length: drift.timeS.length }, (_, k) =>
            drift.velocityUmPerH.subarray(k * nx, (k + 1) * nx),
          ),
          xLabel: 'x / µm',
          yLabel: 'Time / h',
          zLabel: 'v / µm h⁻¹',
        }),
      },
      {
        svg: linePlotSvg({
          title: 'Drift velocity at the ROI ends',
          xLabel: 'Time / h',
          yLabel: 'v / µm h⁻¹',
          grid: true,
          width: W,
          height: 360,
          series: [
            {
              label: 'plating side',
              x: hours,
              y: drift.perTime.map((p) => p.velocityAtPlatingSideUmPerH),
              style: 'line+points',
              color: categorical(0),
            },
            {
              label: 'far side',
              x: hours,
              y: drift.perTime.map((p) => p.velocityAtFarSideUmPerH),
              style: 'line+points',
              color: categorical(1),
            },
          ],
        }),
      },
    ],
  };
}
