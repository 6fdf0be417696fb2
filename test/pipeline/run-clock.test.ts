/**
 * A manifest whose spectra miss the cycler record: a wrong clock offset or time zone puts the spectra
 * on another day (or year) of the cycler's clock. None overlapping is refused on one line (exit 3,
 * nothing written); some outside is a warning on stderr and at the top of the report.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareExperiment } from '../../src/demo/experiment.js';
import { readManifest, runManifest } from '../../src/pipeline/index.js';
import { cli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-run-clock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function manifest(offsetS: number, out: string) {
  return {
    version: 1,
    name: 'clock check',
    nmr: { path: 'exp/series', processing: { phase: 'auto', baseline: 'none' }, regionsPpm: [[230, 290]] },
    cycler: { path: 'exp/cycler.mpt', offsetS },
    output: { dir: out },
  };
}

describe('spectra outside the cycler record', () => {
  beforeAll(() => {
    prepareExperiment(join(dir, 'exp'), { spectra: 6, sweeps: 1 });
  }, 30_000);

  it('none overlapping: exit 3, one line naming the cycler file, the offsets and what to check', async () => {
    const path = join(dir, 'none.json');
    // Two years of offset, the size of the −6.4×10⁷ s of a wrongly set cycler PC.
    writeFileSync(path, JSON.stringify(manifest(-6.4e7, 'out-none')));
    const run = await cli(['run', path]);
    expect(run.code).toBe(3);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cycler\.mpt.*no spectrum overlaps the cycler record/);
    expect(lines[0]).toMatch(/6 spectra from −6\.40e\+7 to −6\.40e\+7 s/);
    expect(lines[0]).toMatch(/cycler\.offsetS, cycler\.timezone/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out-none', 'report.html'))).toBe(false);
  }, 60_000);

  it('some outside: a warning on stderr and in the report, exit 0', async () => {
    const path = join(dir, 'partial.json');
    // The 8 h protocol shifted by 5 h: the later spectra fall after the end of the record.
    writeFileSync(path, JSON.stringify(manifest(5 * 3600, 'out-partial')));
    const result = runManifest(readManifest(path), { manifestPath: path });
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(
      /^warning: \d of 6 spectra lie outside the cycler record.*\(0 before, \d after/,
    );
    expect(result.warnings[0]).toMatch(/check the clock offset and the cycler's time zone/);
    const report = readFileSync(join(dir, 'out-partial', 'report.html'), 'utf8');
    expect(report).toContain('Warnings');
    expect(report).toMatch(/spectra lie outside the cycler record/);
    const run = await cli(['run', path]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: \d of 6 spectra lie outside the cycler record/);
  }, 60_000);
});
