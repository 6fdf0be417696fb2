/**
 * `spincell integrate <path> --region LO:HI [--region …]`: region integrals of every processed spectrum,
 * each with its acquisition mid-time (ISO 8601, UTC) and seconds since the first spectrum's mid-time.
 * Integrals are trapezoidal areas of the real part over ppm, on the final (referenced) axis.
 */
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { writeCsv } from '../../io/csv/index.js';
import { integrateRegion, type PpmRange } from '../../nmr/index.js';
import { basename, resolve } from 'node:path';
import { autoTimeUnit, toUnit } from '../../report/svg/validate.js';
import { categorical, panelsSvg } from '../../report/index.js';
import {
  action,
  checkOutputFile,
  type GlobalOptions,
  parseRange,
  printJson,
  printTable,
  reportWritten,
  requireFileOut,
  writeOutputFile,
  writtenOutputs,
} from '../common.js';
import {
  addNormaliseOption,
  addProcessingOptions,
  type IntegralRow,
  integralsTable,
  midMs,
  openInput,
  type ProcessingFlags,
  regionLabel,
  spectrumIdentity,
} from '../processing.js';

export type { IntegralRow } from '../processing.js';

interface IntegrateFlags extends ProcessingFlags {
  region?: string[];
  out?: string;
  svg?: string;
}

/** Integrals vs acquisition mid-time, one panel per region (regions differ by orders of magnitude). */
export function integralsSvg(
  path: string,
  regions: readonly PpmRange[],
  rows: readonly IntegralRow[],
): string {
  const timeS = rows.map((r) => r.timeS);
  const unit = autoTimeUnit(Math.max(0, ...timeS));
  const t = toUnit(timeS, unit);
  return panelsSvg({
    title: `Integrals of ${basename(resolve(path))}`,
    xLabel: `Time / ${unit}`,
    grid: true,
    panels: regions.map((region, k) => ({
      yLabel: `Integral ${region[0]}…${region[1]} ppm`.replace(/-/g, '−'),
      series: [
        { x: t, y: rows.map((r) => r.integrals[k]), style: 'line+points' as const, color: categorical(k) },
      ],
    })),
  });
}

export function registerIntegrate(program: Command): void {
  const cmd = program
    .command('integrate <path>')
    .description('integrate ppm regions of every spectrum of a Bruker experiment or series')
    .option(
      '--region <lo:hi>',
      'ppm region to integrate (repeatable)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option('--out <file>', 'write the integrals as CSV')
    .option('--svg <file.svg>', 'draw the integrals vs time, one panel per region');
  addProcessingOptions(addNormaliseOption(cmd)).action(
    action(async (path: string, flags: IntegrateFlags, command: Command) => {
      const json = Boolean((command.optsWithGlobals() as GlobalOptions).json);
      if (!flags.region || flags.region.length === 0) {
        throw new UsageError('at least one region is needed', {
          field: '--region',
          expected: 'LO:HI in ppm, e.g. --region 230:290',
        });
      }
      const regions = flags.region.map((r) => parseRange('--region', r));
      requireFileOut(flags.out, 'integrals are written to a file, not a folder', 'integrals.csv');
      if (flags.svg !== undefined) checkOutputFile('--svg', flags.svg, 'integrals.svg');
      const input = openInput(path, flags, json, 'integrate');
      const rows: IntegralRow[] = [];
      let t0: number | undefined;
      for (const { entry, result } of input.run()) {
        const mid = midMs(entry.meta);
        // time_s: seconds after the first acquisition's start (core/time-columns.ts)
        t0 ??= entry.meta.startMs;
        const scaling = input.scaling(entry);
        rows.push({
          ...spectrumIdentity(entry),
          timeS: (mid - t0) / 1000,
          integrals: regions.map((r) => integrateRegion(result.spectrum, r)),
          ns: scaling.ns || null,
          rg: scaling.rg || null,
          scaleFactor: scaling.scaleFactor,
        });
      }
      const labels = regions.map(regionLabel);
      if (flags.out !== undefined) {
        const table = integralsTable(regions, rows);
        writeCsv(flags.out, table.headers, table.rows);
      }
      if (flags.svg !== undefined) writeOutputFile('--svg', flags.svg, integralsSvg(path, regions, rows));
      if (json) {
        printJson({
          path,
          format: input.format,
          regionsPpm: regions,
          labels,
          normalised: input.normalised,
          spectra: rows,
          ...writtenOutputs(flags),
        });
        return;
      }
      printTable(
        ['#', 'exp', 'mid time (UTC)', 't / s', ...regions.map((r) => `${r[0]}:${r[1]} ppm`)],
        rows.map((r) => [
          String(r.index),
          r.experimentNumber === null ? '' : String(r.experimentNumber),
          r.midIso.replace('T', ' ').replace('Z', ''),
          r.timeS.toFixed(1),
          ...r.integrals,
        ]),
      );
      reportWritten([
        ['integrals', flags.out],
        ['figure', flags.svg],
      ]);
    }),
  );
}
