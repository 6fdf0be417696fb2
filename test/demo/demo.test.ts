/**
 * The `npm start` demo end to end on the small virtual experiment: simulate the three files, analyse
 * them, and hold every result to the simulated truth. A second run must reuse the files.
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

  it('simulates the series, the cycler file and the impedance file, and writes the outputs', () => {
    first = runDemo({ outDir: dir, small: true });
    expect(first.experiment.simulated).toEqual({ series: true, cycler: true, eis: true });
    // The cycler and impedance files lie beside the series, which stays a clean simulation folder.
    expect(isSimulationFolder(join(dir, 'series'))).toBe(true);
    for (const f of ['cycler.mpt', 'eis.mpt', ...first.outputs.map((p) => p.slice(dir.length + 1))])
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
    // Morphology: three Voigt lines in seed 004's windows, width cap from the first spectrum; truth by window
    // (pristine + dense, mossy + dead share windows).
    expect(d.morphologyPts).not.toBeNull();
    expect(d.morphologyFailed).toBe(0);
    expect(d.morphologyPts as number).toBeLessThan(1.5);
  });

  it('writes report.html: one self-contained page with the figures, sections and summary table', () => {
    const file = join(dir, 'report.html');
    expect(first.outputs).toContain(file);
    expect(first.lines.join('\n')).toMatch(/report\s+\S*report\.html/);
    const html = readFileSync(file, 'utf8');
    // Operando: stacked spectra + map; metal signal; morphology: fit + fractions; impedance: Nyquist, DRT, map, R(t).
    expect(html.match(/<svg[\s>]/g)).toHaveLength(9);
    const headings = [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]);
    expect(headings).toEqual(['Operando ⁷Li NMR', 'Metal inventory', 'Morphology', 'Impedance', 'Summary']);
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
    expect(again.deviations).toEqual(first.deviations);
  });
});
