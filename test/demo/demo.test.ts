/**
 * The `npm start` demo end to end on the small virtual experiment: simulate the three files of the Li‖Li
 * cell and the two of the anode-free cell, analyse them, and hold every result to the simulated truth.
 * A second run must reuse the files.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoResult } from '../../src/demo/run.js';
import { isSimulationFolder } from '../../src/sim/index.js';
import { checkWellFormed } from '../report/xml.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start demo (small experiment)', () => {
  let first: DemoResult;

  it('simulates the series, the cycler file, the impedance file and the anode-free cell, and writes the outputs', () => {
    first = runDemo({ outDir: dir, small: true });
    expect(first.experiment.simulated).toEqual({ series: true, cycler: true, eis: true });
    // The cycler and impedance files lie beside the series, which stays a clean simulation folder.
    expect(isSimulationFolder(join(dir, 'series'))).toBe(true);
    expect(first.anodeFree.simulated).toBe(true);
    for (const f of [
      'cycler.mpt',
      'eis.mpt',
      'anode-free/integrals.csv',
      'anode-free/cycler.mpt',
      'anode-free/truth.json',
      ...first.outputs.map((p) => p.slice(dir.length + 1)),
    ])
      expect(existsSync(join(dir, f)), f).toBe(true);
    const spectra = readFileSync(join(dir, 'spectra.csv'), 'utf8')
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('#'));
    expect(spectra.length).toBe(1 + 12);
    expect(readFileSync(join(dir, 'summary.csv'), 'utf8')).toMatch(/^quantity,spincell,truth,deviation/m);
    const text = first.lines.join('\n');
    expect(text).toMatch(/interphase R, DRT/);
    expect(text).toMatch(/npx spincell align /);
    expect(text).toMatch(/npx spincell eis drt /);
    expect(text).toMatch(/npx spincell morphology /);
    expect(text).toMatch(/Cu\|\|NMC622 dead Li after cycle 30 /);
    expect(text).toMatch(
      /npx spincell dead-lithium \S*anode-free\/integrals\.csv --cycler \S*anode-free\/cycler\.mpt --soc-factor 1\.08 /,
    );
    // The integrals file holds the three states at every measured cycle, as measured (before the SOC correction).
    const integrals = readFileSync(join(dir, 'anode-free', 'integrals.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(integrals[0]).toBe('cycle,state,integral');
    expect(integrals.length).toBe(1 + 3 * 7);
    const deadLithium = readFileSync(join(dir, 'dead-lithium.csv'), 'utf8')
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('#'));
    expect(deadLithium.length).toBe(1 + 7);
  });

  it('every result lies within its tolerance of the simulated truth', () => {
    const d = first.deviations;
    expect(d.spectra).toBe(12);
    // NMR: metal integral / first vs true metal inventory / first, and the metal left after the last strip.
    expect(d.metalSignalPct).toBeLessThan(1);
    expect(d.metalLeftPct).toBeLessThan(1.5);
    // Alignment of the spectra to the cycler record read back from the .mpt.
    expect(d.alignedInside).toBe(12);
    expect(d.alignedChargePct).toBeLessThan(0.05);
    // Cycler analysis: capacities, CE, nucleation overpotential, voltage onset (10 s logging interval).
    expect(d.capacityPct).toBeLessThan(0.05);
    expect(d.coulombicEfficiencyPts).toBeLessThan(0.05);
    expect(d.nucleationMV).toBeLessThan(0.5);
    expect(d.onsetS).toBeLessThan(30);
    // Impedance: stationary sweeps pass Lin-KK; DRT window resistance and R∞.
    expect(d.kkPassed).toBe(d.kkTotal);
    expect(d.kkTotal).toBe(6);
    expect(d.interphasePct).toBeLessThan(2);
    expect(d.rInfPct).toBeLessThan(1);
    // Morphology: three Voigt lines in Wichmann et al.'s (2025) windows, width cap from the first spectrum; truth by window
    // (pristine + dense, mossy + dead share windows).
    expect(d.morphologyPts).not.toBeNull();
    expect(d.morphologyFailed).toBe(0);
    expect(d.morphologyPts as number).toBeLessThan(1.5);
    // Anode-free cell (Wichmann et al. 2025 dead-lithium protocol), 0.5 % noise on every integral, SOC factor 1.08:
    // q carries ≈0.8 % of noise, so dead Li after cycle 30 (0.086 mAh) within 3 %, the excess within 2 µAh,
    // the interphase share (a remainder) within 0.2 pts, the dead-Li slope within 5 % and 3 standard errors.
    expect(d.deadLithiumPct).toBeLessThan(3);
    expect(d.excessLithiumMAh).toBeLessThan(0.002);
    expect(d.interphasePts).toBeLessThan(0.2);
    expect(d.deadSlopePct).toBeLessThan(5);
    expect(d.deadSlopeSigma).toBeLessThan(3);
    const af = first.anodeFree.result;
    expect(af.cycles.map((c) => c.cycle)).toEqual([1, 5, 10, 15, 20, 25, 30]);
    expect(af.socFactors).toEqual({ charged: 1, discharged: 1.08, afterCv: 1.08 });
    expect(af.warnings).toEqual([]);
  });

  it('writes report.html: one self-contained page with the figures, sections and summary table', () => {
    const file = join(dir, 'report.html');
    expect(first.outputs).toContain(file);
    expect(first.lines.join('\n')).toMatch(/report\s+\S*report\.html/);
    const html = readFileSync(file, 'utf8');
    // Operando: stacked spectra + map; metal signal; morphology: fit + fractions; impedance: Nyquist, DRT, map,
    // R(t); dead lithium: capacity allocation + cumulative dead Li.
    expect(html.match(/<svg[\s>]/g)).toHaveLength(11);
    const headings = [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
    expect(headings).toEqual([
      'Operando ⁷Li NMR',
      'Metal inventory',
      'Morphology',
      'Impedance',
      'Dead lithium and capacity allocation (Wichmann et al. 2025)',
      'Summary',
    ]);
    const section = html.slice(html.indexOf('Dead lithium and capacity allocation (Wichmann et al. 2025)'));
    expect(section).toMatch(/dead Li/);
    expect(section).toMatch(/Cumulative dead lithium/);
    expect(section).toMatch(/linear fit/);
    for (const svg of html.match(/<svg[\s\S]*?<\/svg>/g) ?? [])
      expect(() => checkWellFormed(svg)).not.toThrow();
    expect(html).toMatch(/<td class="text">interphase R, DRT/);
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    // Nothing is fetched: the only URL is the SVG namespace, the only links are in-page anchors.
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(
      /https?:|\bsrc=|<script|url\(/i,
    );
    expect([...html.matchAll(/href="([^"]*)"/g)].every((m) => m[1].startsWith('#'))).toBe(true);
    expect(html.length).toBeLessThan(2e6);
  });

  it('reuses the simulated files on a second run and gives the same numbers', () => {
    const again = runDemo({ outDir: dir, small: true });
    expect(again.experiment.simulated).toEqual({ series: false, cycler: false, eis: false });
    expect(again.anodeFree.simulated).toBe(false);
    expect(again.deviations).toEqual(first.deviations);
  });
});
