/**
 * `spincell csi <path>`: a one-dimensional chemical-shift image (phase-encoded rows of a pseudo-2D Bruker
 * experiment) → the ppm × position map, the signal profiles of the metal, microstructure and diamagnetic
 * (electrolyte/SEI) regions across the cell, the electrodes located at half height of the bulk-metal
 * profile and the microstructure's extent from the electrode it grows on (src/imaging/csi.ts).
 * `spincell simulate csi --out DIR`: a simulated CSI experiment with known slabs (src/sim/csi.ts).
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { getNucleus } from '../../core/nuclei.js';
import { formatCsv } from '../../io/csv/index.js';
import { listSeries, readSeriesFid } from '../../io/bruker/index.js';
import { OutputFolder } from '../../io/output.js';
import {
  csiProfile,
  csiShiftProfile,
  findSegments,
  fovFromGradientMm,
  profileNoiseLevel,
  reconstructCsi,
  type SignalSegment,
} from '../../imaging/csi.js';
import { transformFid } from '../../nmr/index.js';
import { panelsSvg, categorical } from '../../report/index.js';
import { writeCsiExperiment } from '../../sim/csi.js';
import {
  action,
  checkOutputFile,
  fmt,
  type GlobalOptions,
  parseNumberOption,
  parseRange,
  printJson,
  printTable,
  writeOutputFile,
} from '../common.js';
import { simulateGroup } from './simulate.js';

interface CsiFlags {
  fovMm?: string;
  gradientStepMtM?: string;
  encodeUs?: string;
  flip?: boolean;
  zeroFill: string;
  window: string;
  lbHz: string;
  metal: string;
  microstructure: string;
  diamagnetic: string;
  out?: string;
  svg?: string;
}

/**
 * Default regions, ppm, on the scale of internal referencing (bulk metal at 245 ppm): bulk metal around
 * 245 ppm, microstructure above it (mossy ≈ 260, dendritic ≈ 270 ppm, as Thienenkamp et al. 2024 and
 * Liu et al. 2021 assign them), the diamagnetic electrolyte/SEI signal around 0 ppm.
 */
const REGIONS = { metal: '235:253', microstructure: '253:290', diamagnetic: '-15:15' } as const;

interface DepositExtent {
  /** Index of the electrode it grows on (null: no electrode found, no length). */
  readonly electrode: number | null;
  /** Distance from the electrode's inner edge to the microstructure's far edge, mm. */
  readonly lengthMm: number | null;
  readonly segment: SignalSegment;
}

/** Each microstructure segment measured from the electrode edge it touches (the nearest one). */
function depositExtents(electrodes: SignalSegment[], deposits: SignalSegment[]): DepositExtent[] {
  return deposits.map((d) => {
    let best: { electrode: number; lengthMm: number; gap: number } | null = null;
    electrodes.forEach((e, i) => {
      // growing to the right of the electrode (from its upper edge) or to the left (from its lower edge)
      for (const c of [
        { gap: Math.abs(d.fromMm - e.toMm), lengthMm: Math.abs(d.toMm - e.toMm) },
        { gap: Math.abs(d.toMm - e.fromMm), lengthMm: Math.abs(e.fromMm - d.fromMm) },
      ])
        if (best === null || c.gap < best.gap) best = { electrode: i, ...c };
    });
    const b = best as { electrode: number; lengthMm: number } | null;
    return { electrode: b?.electrode ?? null, lengthMm: b?.lengthMm ?? null, segment: d };
  });
}

export function registerCsi(program: Command): void {
  program
    .command('csi <path>')
    .description(
      'chemical-shift imaging: ppm × position map of a phase-encoded pseudo-2D experiment, profiles, electrodes and microstructure extent',
    )
    .option('--fov-mm <mm>', 'field of view along the encoded axis, mm')
    .option(
      '--gradient-step-mt-m <mT/m>',
      'phase-encoding gradient step ΔG, mT m⁻¹ (with --encode-us: FOV = 1/(γ̄·ΔG·τ))',
    )
    .option('--encode-us <µs>', 'phase-encoding pulse length τ, µs')
    .option('--flip', 'mirror the position axis (gradient of the other polarity)')
    .option('--zero-fill <k>', 'spatial zero filling, multiple of the encoding steps', '2')
    .option('--window <w>', 'apodisation over the encoding steps: none | hann', 'none')
    .option('--lb-hz <Hz>', 'exponential line broadening of each row, Hz', '0')
    .option('--metal <lo:hi>', 'bulk-metal region, ppm (locates the electrodes)', REGIONS.metal)
    .option('--microstructure <lo:hi>', 'microstructure region, ppm', REGIONS.microstructure)
    .option('--diamagnetic <lo:hi>', 'electrolyte/SEI region, ppm', REGIONS.diamagnetic)
    .option('--out <dir>', 'write profiles.csv, map.csv and segments.csv (all-or-nothing)')
    .option('--svg <file.svg>', 'draw the profiles across the cell')
    .action(
      action(async (path: string, flags: CsiFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        const entries = listSeries(path);
        const first = entries[0];
        let fovMm: number;
        if (flags.fovMm !== undefined) fovMm = parseNumberOption('--fov-mm', flags.fovMm);
        else if (flags.gradientStepMtM !== undefined && flags.encodeUs !== undefined) {
          const nucleus = getNucleus(first.meta.nucleus);
          fovMm = fovFromGradientMm(
            nucleus.gammaRadPerSPerT / (2 * Math.PI),
            parseNumberOption('--gradient-step-mt-m', flags.gradientStepMtM) * 1e-3,
            parseNumberOption('--encode-us', flags.encodeUs) * 1e-6,
          );
        } else
          throw new UsageError('the encoding is not in the data: give the field of view', {
            field: '--fov-mm',
            expected: '--fov-mm MM, or --gradient-step-mt-m G with --encode-us T',
          });
        if (flags.window !== 'none' && flags.window !== 'hann')
          throw new UsageError('unknown window', {
            field: '--window',
            found: flags.window,
            expected: 'none | hann',
          });
        if (flags.svg !== undefined) checkOutputFile('--svg', flags.svg, 'csi.svg');
        const lbHz = parseNumberOption('--lb-hz', flags.lbHz);
        const spectra = entries.map((e) => transformFid(readSeriesFid(e), { lbHz }).spectrum);
        const ppm = spectra[0].ppm;
        const regions = {
          metal: parseRange('--metal', flags.metal),
          microstructure: parseRange('--microstructure', flags.microstructure),
          diamagnetic: parseRange('--diamagnetic', flags.diamagnetic),
        };
        const all = Object.values(regions).flat();
        const margin = 10;
        const map = reconstructCsi(
          spectra,
          ppm,
          { fovMm, flip: Boolean(flags.flip) },
          {
            zeroFill: parseNumberOption('--zero-fill', flags.zeroFill),
            window: flags.window,
            sfMHz: spectra[0].sfMHz,
            ppmRange: [Math.min(...all) - margin, Math.max(...all) + margin],
          },
        );
        const metal = csiProfile(map, regions.metal);
        const micro = csiProfile(map, regions.microstructure);
        const dia = csiProfile(map, regions.diamagnetic);
        const shift = csiShiftProfile(map, [
          Math.min(...regions.metal, ...regions.microstructure),
          Math.max(...regions.metal, ...regions.microstructure),
        ]);
        const minWidthMm = map.resolutionMm;
        // a segment needs a peak well above the profile's own noise (a profile of noise has none)
        const segments = (p: Float64Array) =>
          findSegments(map.positionMm, p, { minWidthMm, minPeak: 10 * profileNoiseLevel(p) });
        const electrodes = segments(metal);
        const deposits = segments(micro);
        const extents = depositExtents(electrodes, deposits);
        const electrolyte = segments(dia);
        if (flags.out !== undefined) {
          const set = OutputFolder.open(flags.out, { command: 'csi', field: '--out', errors: 'output' });
          try {
            set.writeFile(
              'profiles.csv',
              formatCsv(
                ['position_mm', 'metal', 'microstructure', 'diamagnetic', 'metal_shift_ppm'],
                Array.from(map.positionMm, (x, p) => [
                  x,
                  metal[p],
                  micro[p],
                  dia[p],
                  Number.isFinite(shift[p]) ? shift[p] : null,
                ]),
                [
                  `CSI of ${path}: FOV ${fovMm} mm, ${entries.length} steps, resolution ${map.resolutionMm} mm; regions ppm metal ${flags.metal}, microstructure ${flags.microstructure}, diamagnetic ${flags.diamagnetic}`,
                ],
              ),
            );
            const rows: (number | null)[][] = [];
            for (let p = 0; p < map.positionMm.length; p++)
              for (let j = 0; j < map.ppm.length; j++)
                rows.push([map.positionMm[p], map.ppm[j], map.intensity[p * map.ppm.length + j]]);
            set.writeFile('map.csv', formatCsv(['position_mm', 'ppm', 'intensity'], rows));
            set.writeFile(
              'segments.csv',
              formatCsv(
                ['kind', 'from_mm', 'to_mm', 'centre_mm', 'width_mm', 'signal'],
                [
                  ...electrodes.map(
                    (s) =>
                      ['electrode', s.fromMm, s.toMm, s.centreMm, s.widthMm, s.signal] as (string | number)[],
                  ),
                  ...deposits.map((s) => [
                    'microstructure',
                    s.fromMm,
                    s.toMm,
                    s.centreMm,
                    s.widthMm,
                    s.signal,
                  ]),
                  ...electrolyte.map((s) => [
                    'diamagnetic',
                    s.fromMm,
                    s.toMm,
                    s.centreMm,
                    s.widthMm,
                    s.signal,
                  ]),
                ],
              ),
            );
            set.commit();
          } catch (e) {
            set.abort();
            throw e;
          }
        }
        if (flags.svg !== undefined) {
          const series = [
            { label: `metal ${flags.metal} ppm`, y: metal },
            { label: `microstructure ${flags.microstructure} ppm`, y: micro },
            { label: `diamagnetic ${flags.diamagnetic} ppm`, y: dia },
          ].map((s, k) => ({
            label: s.label,
            x: map.positionMm,
            y: s.y,
            style: 'line' as const,
            color: categorical(k),
          }));
          writeOutputFile(
            '--svg',
            flags.svg,
            panelsSvg({
              title: `CSI profiles of ${path}`,
              xLabel: 'position / mm',
              grid: true,
              panels: [{ yLabel: 'signal', weight: 1, series }],
            }),
          );
        }
        const gap =
          electrodes.length >= 2 ? electrodes[electrodes.length - 1].fromMm - electrodes[0].toMm : null;
        if (json) {
          printJson({
            path,
            steps: entries.length,
            fovMm,
            resolutionMm: map.resolutionMm,
            ph0Deg: map.ph0Deg,
            regionsPpm: regions,
            electrodes,
            interElectrodeGapMm: gap,
            microstructure: extents.map((e) => ({
              ...e.segment,
              electrode: e.electrode,
              lengthMm: e.lengthMm,
            })),
            diamagnetic: electrolyte,
            signal: {
              metal: metal.reduce((a, b) => a + b, 0) * (map.positionMm[1] - map.positionMm[0]),
              microstructure: micro.reduce((a, b) => a + b, 0) * (map.positionMm[1] - map.positionMm[0]),
              diamagnetic: dia.reduce((a, b) => a + b, 0) * (map.positionMm[1] - map.positionMm[0]),
            },
            ...(flags.out !== undefined ? { out: flags.out } : {}),
            ...(flags.svg !== undefined ? { svg: flags.svg } : {}),
          });
          return;
        }
        console.log(
          `${path}: ${entries.length} encoding steps, FOV ${fmt(fovMm)} mm, resolution ${fmt(map.resolutionMm)} mm`,
        );
        printTable(
          ['signal', 'from mm', 'to mm', 'width mm', 'note'],
          [
            ...electrodes.map((s, i) => [
              `electrode ${i + 1}`,
              fmt(s.fromMm),
              fmt(s.toMm),
              fmt(s.widthMm),
              '',
            ]),
            ...extents.map((e) => [
              'microstructure',
              fmt(e.segment.fromMm),
              fmt(e.segment.toMm),
              fmt(e.segment.widthMm),
              e.electrode === null
                ? 'no electrode found'
                : `${fmt(e.lengthMm)} mm from electrode ${e.electrode + 1}`,
            ]),
          ],
        );
        if (gap !== null) console.log(`inter-electrode gap ${fmt(gap)} mm`);
      }),
    );
}

interface SimulateCsiFlags {
  out: string;
  fovMm: string;
  steps: string;
  depositMm: string;
  snr: string;
  seed: string;
  force?: boolean;
}

export function registerSimulateCsi(program: Command): void {
  simulateGroup(program)
    .command('csi')
    .description(
      'write a simulated 1D ⁷Li chemical-shift imaging experiment of a Li‖Li cell (electrodes, electrolyte, microstructure) + truth.json',
    )
    .requiredOption('--out <dir>', 'output folder (new, empty or a previous simulation)')
    .option('--fov-mm <mm>', 'field of view', '6')
    .option('--steps <n>', 'phase-encoding steps (TD1, even)', '64')
    .option('--deposit-mm <mm>', 'microstructure grown from the left electrode, mm', '0.3')
    .option('--snr <ratio>', 'unencoded electrode signal / noise rms', '200')
    .option('--seed <n>', 'random seed', '1')
    .option('--force', 'replace an earlier simulation even if its files were edited')
    .action(
      action(async (flags: SimulateCsiFlags, command: Command) => {
        const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
        const { truth, dataPath } = writeCsiExperiment(
          flags.out,
          {
            fovMm: parseNumberOption('--fov-mm', flags.fovMm),
            steps: parseNumberOption('--steps', flags.steps),
            depositMm: parseNumberOption('--deposit-mm', flags.depositMm),
            snr: parseNumberOption('--snr', flags.snr),
            seed: parseNumberOption('--seed', flags.seed),
          },
          { force: flags.force },
        );
        if (json) printJson({ dataPath, truth });
        else
          console.log(
            `wrote ${dataPath} (${truth.steps} steps, FOV ${truth.fovMm} mm) and truth.json; analyse with: spincell csi ${dataPath} --fov-mm ${truth.fovMm}`,
          );
      }),
    );
}
