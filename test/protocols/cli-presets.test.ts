/**
 * `spincell morphology --preset`, `--list-presets`, `--width-cap-from` and the manifest's
 * `nmr.morphology.preset` on one road: a virtual Li‖Li series whose lines sit at the shifts the papers
 * state on the external LiCl scale (pristine Li 242.9 ppm, Wichmann et al. 2025; mossy and dendritic
 * 15 and 25 ppm above it, Thienenkamp et al. 2024).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOperandoSeries } from '../../src/sim/index.js';
import { cli } from '../cli/helpers.js';

let dir: string;
let series: string;
let firstExp: string;
const pristine = { shiftPpm: 242.9, gaussFwhmPpm: 2.5, lorentzFwhmPpm: 1.0 };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spincell-presets-cli-'));
  series = join(dir, 'series');
  writeOperandoSeries(series, {
    spectra: 4,
    spectrometer: { complexPoints: 4096 },
    lines: {
      pristine,
      dense: pristine,
      mossy: { shiftPpm: 257.9, gaussFwhmPpm: 2.5, lorentzFwhmPpm: 1.0 },
      dead: { shiftPpm: 257.9, gaussFwhmPpm: 2.5, lorentzFwhmPpm: 1.0 },
      dendritic: { shiftPpm: 267.9, gaussFwhmPpm: 2.5, lorentzFwhmPpm: 1.0 },
    },
  });
  const exps = readdirSync(series)
    .filter((n) => /^\d+$/.test(n))
    .sort((a, b) => Number(a) - Number(b));
  firstExp = join(series, exps[0]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Doc {
  preset: string | null;
  settings: { key: string; value: unknown; source: string }[];
  widthCapCalibration?: { from: string; widthCapPpm: number };
  spectra: {
    widthCapPpm: number;
    components: { morphology: string; fraction: number; windowPpm: number[]; fwhmPpm: number }[];
  }[];
}

describe('spincell morphology --list-presets', () => {
  it('prints every preset with its source, each setting and the open choices', async () => {
    const r = await cli(['morphology', '--list-presets']);
    expect(r.code, r.stderr).toBe(0);
    for (const name of [
      'wichmann2025',
      'wichmann2025-nocathode',
      'thienenkamp2024',
      'gutmann2021',
      'zheng2024',
    ])
      expect(r.stdout).toContain(`${name} — `);
    expect(r.stdout).toMatch(/windows: dense 244–249, mossy 254–259, dendritic 264–269/);
    expect(r.stdout).toMatch(/source: .*Methods "⁷Li NMR spectroscopy"/);
    expect(r.stdout).toMatch(/open: /);
    const j = await cli(['morphology', '--list-presets', '--json']);
    const doc = JSON.parse(j.stdout) as { presets: { name: string; settings: unknown[] }[] };
    expect(doc.presets).toHaveLength(5);
  });

  it('without a path and without --list-presets: usage error, one line', async () => {
    const r = await cli(['morphology']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('spincell morphology --preset', () => {
  it('wichmann2025-nocathode with --width-cap-from: the cap measured on the calibration experiment, recorded with every setting', async () => {
    const out = join(dir, 'from.csv');
    const r = await cli([
      'morphology',
      series,
      '--preset',
      'wichmann2025-nocathode',
      '--width-cap-from',
      firstExp,
      '--out',
      out,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.preset).toBe('wichmann2025-nocathode');
    expect(doc.widthCapCalibration!.from).toBe(firstExp);
    const windows = doc.settings.find((s) => s.key === 'windows')!;
    expect(windows.source).toMatch(/our derivation/);
    expect(doc.spectra[0].components.map((c) => c.windowPpm)).toEqual([
      [240.4, 245.4],
      [255.4, 260.4],
      [265.4, 270.4],
    ]);
    for (const s of doc.spectra) {
      expect(s.widthCapPpm).toBe(doc.widthCapCalibration!.widthCapPpm);
      for (const c of s.components) expect(c.fwhmPpm).toBeLessThanOrEqual(s.widthCapPpm * (1 + 1e-6));
    }
    // The same first spectrum as 'auto': the same cap.
    const auto = JSON.parse(
      (
        await cli([
          'morphology',
          series,
          '--preset',
          'wichmann2025-nocathode',
          '--width-cap',
          'auto',
          '--json',
        ])
      ).stdout,
    ) as Doc;
    expect(auto.widthCapCalibration!.widthCapPpm).toBeCloseTo(doc.widthCapCalibration!.widthCapPpm, 10);
    const csv = readFileSync(out, 'utf8').split('\n');
    expect(csv[0]).toBe('# morphology preset: wichmann2025-nocathode');
    expect(csv.some((l) => l.startsWith('# windows: dense 240.4–245.4'))).toBe(true);
  });

  it('--ref metal:245 moves the no-cathode windows to the internal scale; wichmann2025 refuses it', async () => {
    const moved = JSON.parse(
      (
        await cli([
          'morphology',
          series,
          '--preset',
          'wichmann2025-nocathode',
          '--width-cap',
          '3.5',
          '--ref',
          'metal:245',
          '--json',
        ])
      ).stdout,
    ) as Doc;
    expect(moved.spectra[0].components[1].windowPpm).toEqual([257.5, 262.5]);
    const refused = await cli([
      'morphology',
      series,
      '--preset',
      'wichmann2025',
      '--width-cap',
      '4',
      '--ref',
      'metal:245',
    ]);
    expect(refused.code).toBe(3);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/external scale but the spectra are on the internal scale/);
    const auto = await cli(['morphology', series, '--preset', 'wichmann2025', '--width-cap', 'auto']);
    expect(auto.code).toBe(3);
    expect(auto.stderr).toMatch(/calibration cell/);
  });

  it('thienenkamp2024 with --start: labels by assignment; constrained options are refused', async () => {
    const r = await cli([
      'morphology',
      series,
      '--preset',
      'thienenkamp2024',
      '--start',
      '245,252,262',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.settings.find((s) => s.key === 'startPpm')).toMatchObject({
      value: [245, 252, 262],
      source: 'user',
    });
    for (const s of doc.spectra)
      for (const c of s.components) expect(['bulk', 'dense', 'mossy', 'dendritic']).toContain(c.morphology);
    const bad = await cli(['morphology', series, '--preset', 'thienenkamp2024', '--width-cap', '3']);
    expect(bad.code).toBe(2);
    const unknown = await cli(['morphology', series, '--preset', 'smith1999']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/wichmann2025/);
    // A constrained preset takes no start values; the message names the unconstrained presets.
    const start = await cli(['morphology', series, '--preset', 'wichmann2025', '--start', '245,252,262']);
    expect(start.code).toBe(2);
    expect(start.stderr.trim().split('\n')).toHaveLength(1);
    expect(start.stderr).toMatch(/--start.*unconstrained preset \(thienenkamp2024\)/);
  });
});

describe('--width-cap auto on an anode-free cell', () => {
  it('is refused when the first spectrum holds no metal line (exit 3, one line)', async () => {
    const af = join(dir, 'anode-free');
    writeOperandoSeries(af, { spectra: 2, spectrometer: { complexPoints: 4096 }, cell: { pristineMAh: 0 } });
    const r = await cli(['morphology', af, '--preset', 'wichmann2025-nocathode', '--width-cap', 'auto']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/the first spectrum holds no metal line/);
  });
});

describe('manifest nmr.morphology.preset: the same numbers as the command', () => {
  it('identical fractions, the preset and settings in morphology.csv and provenance.json', async () => {
    const cliOut = join(dir, 'cli.csv');
    const c = await cli([
      'morphology',
      series,
      '--preset',
      'wichmann2025-nocathode',
      '--width-cap-from',
      firstExp,
      '--out',
      cliOut,
    ]);
    expect(c.code, c.stderr).toBe(0);
    const manifest = {
      version: 1,
      name: 'preset',
      nmr: {
        path: 'series',
        morphology: {
          preset: 'wichmann2025-nocathode',
          widthCapFrom: `series/${firstExp.split(/[\\/]/).pop()}`,
        },
      },
      output: { dir: 'out' },
    };
    writeFileSync(join(dir, 'm.json'), JSON.stringify(manifest));
    const run = await cli(['run', join(dir, 'm.json')]);
    expect(run.code, run.stderr).toBe(0);
    const rows = (path: string) =>
      readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .map((l) => l.split(','));
    const a = rows(cliOut);
    const b = rows(join(dir, 'out', 'morphology.csv'));
    const col = (t: string[][], name: string) => t.slice(1).map((r) => r[t[0].indexOf(name)]);
    expect(col(b, 'fraction')).toEqual(col(a, 'fraction'));
    expect(col(b, 'position_ppm')).toEqual(col(a, 'position_ppm'));
    const head = readFileSync(join(dir, 'out', 'morphology.csv'), 'utf8').split('\n')[0];
    expect(head).toBe('# morphology preset: wichmann2025-nocathode');
    const prov = JSON.parse(readFileSync(join(dir, 'out', 'provenance.json'), 'utf8')) as {
      morphology: { preset: string; settings: { key: string }[] };
      manifest: { nmr: { morphology: { preset: string } } };
    };
    expect(prov.morphology.preset).toBe('wichmann2025-nocathode');
    expect(prov.manifest.nmr.morphology.preset).toBe('wichmann2025-nocathode');
    expect(prov.morphology.settings.map((s) => s.key)).toContain('widthCap');
  });

  it('an unknown preset in a manifest names the field', async () => {
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        version: 1,
        name: 'x',
        nmr: { path: 'series', morphology: { preset: 'nope' } },
        output: { dir: 'o' },
      }),
    );
    const r = await cli(['run', join(dir, 'bad.json')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/nmr\.morphology\.preset/);
  });
});
