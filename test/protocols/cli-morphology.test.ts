import { voigtFwhm } from '../../src/fit/lineshapes.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOperandoSeries } from '../../src/sim/index.js';
import { cli } from '../cli/helpers.js';
import { checkWellFormed } from '../report/xml.js';

let dir: string;
let series: string;
const denseLine = { shiftPpm: 243.2, gaussFwhmPpm: 2.5, lorentzFwhmPpm: 1.2 };
const mossyLine = { shiftPpm: 253.4, gaussFwhmPpm: 3.0, lorentzFwhmPpm: 1.5 };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spincell-morph-cli-'));
  series = join(dir, 'series');
  writeOperandoSeries(series, {
    spectra: 4,
    spectrometer: { complexPoints: 4096 },
    lines: {
      pristine: denseLine,
      dense: denseLine,
      mossy: mossyLine,
      dead: mossyLine,
      dendritic: { shiftPpm: 262.8, gaussFwhmPpm: 3.5, lorentzFwhmPpm: 1.5 },
    },
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Row {
  index: number;
  midHours: number;
  rSquared: number;
  components: {
    morphology: string;
    fraction: number;
    positionPpm: number;
    fractionStdErr: number | null;
    windowPpm: number[];
  }[];
}

describe('spincell morphology', () => {
  it('constrained: per-spectrum fractions, positions, widths, errors, R² as JSON and CSV', async () => {
    const out = join(dir, 'morph.csv');
    const r = await cli([
      'morphology',
      series,
      '--mode',
      'constrained',
      '--width-cap',
      '4',
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { mode: string; spectra: Row[] };
    expect(doc.mode).toBe('constrained');
    expect(doc.spectra).toHaveLength(4);
    for (const s of doc.spectra) {
      expect(s.components.map((c) => c.morphology)).toEqual(['dense', 'mossy', 'dendritic']);
      expect(s.components.reduce((a, c) => a + c.fraction, 0)).toBeCloseTo(1, 10);
      expect(s.rSquared).toBeGreaterThan(0.999);
    }
    // Hours from the first acquisition's start to each acquisition's middle.
    expect(doc.spectra[0].midHours).toBeGreaterThan(0);
    expect(doc.spectra[0].midHours).toBeLessThan(0.5);
    expect(doc.spectra[3].midHours).toBeGreaterThan(1);
    expect(doc.spectra[0].components[0].windowPpm).toEqual([240.5, 245.5]);
    expect(Math.abs(doc.spectra[2].components[0].positionPpm - 243.2)).toBeLessThan(0.3);
    const text = readFileSync(out, 'utf8').trimEnd().split('\n');
    // The header records the preset (none here) and every resolved setting with its source.
    expect(text[0]).toBe('# morphology preset: none');
    expect(text.some((l) => /^# widthCap: 4 ppm \(user\)/.test(l))).toBe(true);
    const csv = text.filter((l) => !l.startsWith('#'));
    expect(csv[0]).toMatch(/^index,experiment,start_iso,mid_iso,end_iso,time_s,morphology,position_ppm/);
    expect(csv).toHaveLength(1 + 12);
  });

  it('--width-cap auto measures the pristine line on the first spectrum and caps every line with it', async () => {
    const r = await cli(['morphology', series, '--width-cap', 'auto', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      widthCapCalibration: { widthCapPpm: number; fwhmGPpm: number; fwhmLPpm: number };
      spectra: (Row & { widthCapPpm: number })[];
    };
    // The first spectrum holds only the pristine electrode, simulated with G 2.5 / L 1.2 ppm; the cap is
    // its whole Voigt FWHM.
    const cal = doc.widthCapCalibration;
    expect(cal.fwhmGPpm).toBeCloseTo(denseLine.gaussFwhmPpm, 1);
    expect(cal.fwhmLPpm).toBeCloseTo(denseLine.lorentzFwhmPpm, 1);
    expect(cal.widthCapPpm).toBeCloseTo(voigtFwhm(denseLine.gaussFwhmPpm, denseLine.lorentzFwhmPpm), 1);
    for (const s of doc.spectra) expect(s.widthCapPpm).toBe(cal.widthCapPpm);
    for (const s of doc.spectra) expect(s.components.reduce((a, c) => a + c.fraction, 0)).toBeCloseTo(1, 10);
    const bad = await cli(['morphology', series, '--calibration-window', '230:260']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--calibration-window/);
  });

  it('--paramagnetic-cathode and --cathode-offset shift the windows', async () => {
    const a = JSON.parse((await cli(['morphology', series, '--paramagnetic-cathode', '--json'])).stdout) as {
      spectra: Row[];
    };
    expect(a.spectra[0].components[1].windowPpm).toEqual([254, 259]);
    const b = JSON.parse((await cli(['morphology', series, '--cathode-offset', '1.5', '--json'])).stdout) as {
      spectra: Row[];
    };
    expect(b.spectra[0].components[2].windowPpm).toEqual([262, 267]);
  });

  it('unconstrained mode prints a table', async () => {
    const r = await cli(['morphology', series, '--mode', 'unconstrained']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/dendritic/);
  });

  it('--svg draws the fractions vs time; bad figure paths exit 2 or 3 with one line', async () => {
    const svgFile = join(dir, 'fractions.svg');
    const r = await cli(['morphology', series, '--width-cap', '4', '--svg', svgFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/figure written to .*fractions\.svg/);
    const svg = readFileSync(svgFile, 'utf8');
    expect(checkWellFormed(svg).root).toBe('svg');
    for (const name of ['dense', 'mossy', 'dendritic']) expect(svg).toContain(`>${name}</text>`);
    expect(svg).not.toMatch(/NaN/);
    const asFolder = await cli(['morphology', series, '--svg', dir]);
    expect(asFolder.code).toBe(2);
    expect(asFolder.stderr.trim().split('\n')).toHaveLength(1);
    const underFile = await cli(['morphology', series, '--svg', join(svgFile, 'x.svg')]);
    expect(underFile.code).toBe(3);
    expect(underFile.stderr.trim().split('\n')).toHaveLength(1);
    expect(underFile.stderr).toMatch(/--svg: cannot create the output file/);
  });

  it('usage errors exit 2 with one line', async () => {
    for (const args of [
      ['morphology', series, '--mode', 'sideways'],
      ['morphology', series, '--mode', 'unconstrained', '--width-cap', '3'],
      ['morphology', series, '--window', 'dense:240'],
      ['morphology', series, '--width-cap', 'wide'],
      ['morphology', series, '--width-cap', '-2'],
      ['morphology', series, '--width-cap', '0'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('spincell fit', () => {
  it('fits a JSON model to every spectrum, warm-started, with components and standard errors', async () => {
    const model = join(dir, 'model.json');
    writeFileSync(
      model,
      JSON.stringify({
        windowPpm: [225, 280],
        baseline: { degree: 0 },
        components: [
          {
            name: 'metal',
            shape: 'voigt',
            position: { value: 243, min: 240, max: 246 },
            fwhmG: { value: 2, min: 0.1, max: 6 },
            fwhmL: { value: 1, min: 0, max: 6 },
          },
          {
            name: 'moss',
            shape: 'voigt',
            position: { value: 253, min: 250, max: 256 },
            fwhmG: { link: { to: 'metal.fwhmG', ratio: 1.2 } },
            fwhmL: { value: 1.5, min: 0, max: 6 },
          },
        ],
      }),
    );
    const out = join(dir, 'fit.csv');
    const r = await cli(['fit', series, '--model', model, '--json', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      spectra: {
        converged: boolean;
        warmStarted: boolean;
        components: { name: string; areaStdErr: number; fraction: number }[];
      }[];
    };
    expect(doc.spectra).toHaveLength(4);
    expect(doc.spectra[1].warmStarted).toBe(true);
    for (const s of doc.spectra) {
      expect(s.converged).toBe(true);
      expect(s.components.map((c) => c.name)).toEqual(['metal', 'moss']);
      expect(s.components[0].areaStdErr).toBeGreaterThan(0);
    }
    expect(readFileSync(out, 'utf8').split('\n')[0]).toMatch(
      /^index,experiment,start_iso,mid_iso,end_iso,time_s,component/,
    );
  });

  it('the table shows one block per spectrum: identity, time, R² and flags on its first line only', async () => {
    const r = await cli(['fit', series, '--model', join(dir, 'model.json')]);
    expect(r.code, r.stderr).toBe(0);
    const [header, , ...rows] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(
      /^#\s+exp\s+t \/ s\s+component\s+δ \/ ppm\s+± ppm\s+FWHM \/ ppm\s+area\s+±\s+fraction\s+R²\s+flags$/,
    );
    expect(rows).toHaveLength(8);
    expect(rows[0]).toMatch(/^0\s+\S+\s+\d+\.\d+\s+metal\s/);
    expect(rows[0]).toMatch(/\s0\.9\d{4}/);
    expect(rows[1]).toMatch(/^\s+moss\s/);
    expect(rows[2]).toMatch(/^1\s/);
    expect(r.stdout).not.toMatch(/undefined|NaN|\[object/);
  });

  it('missing --model is a usage error; a bad model file is bad input (exit 3)', async () => {
    expect((await cli(['fit', series])).code).toBe(2);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ components: [{ name: 'a', shape: 'voigt', width: 3 }] }));
    const r = await cli(['fit', series, '--model', bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/bad\.json.*width/);
    expect((await cli(['fit', series, '--model', join(dir, 'nope.json')])).code).toBe(3);
  });
});
