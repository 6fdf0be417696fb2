/**
 * `spincell cycler` and `spincell align` end to end on a simulated experiment: a Bruker series written
 * by the virtual spectrometer and the cycler record of the same virtual cell.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planOperando, writeOperandoSeries } from '../../src/sim/index.js';
import { simulateCycler, writeMpt } from '../../src/sim/cycler.js';
import { cli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-cli-cycler-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = { spectra: 8, spectrometer: { complexPoints: 256 } };
const seriesDir = join(dir, 'series');
writeOperandoSeries(seriesDir, options);
const plan = planOperando(options);
const cyclerPath = join(dir, 'cycler.mpt');
writeMpt(cyclerPath, simulateCycler(plan.cell, { startMs: plan.options.startMs, timezone: '+01:00' }), {
  decimalComma: true,
});

describe('spincell align / cycler', () => {
  it('align: one row per spectrum, charge within 0.1 % of truth', async () => {
    const r = await cli(['--json', 'align', seriesDir, cyclerPath, '--timezone', '+01:00']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { rows: { chargeMidMAh: number; status: string }[] };
    expect(doc.rows.length).toBe(plan.spectra.length);
    doc.rows.forEach((row, i) => {
      const truth = -plan.spectra[i].cell.chargeMAh;
      expect(row.status).toBe('inside');
      expect(Math.abs(row.chargeMidMAh - truth)).toBeLessThanOrEqual(1e-3 * Math.abs(truth) + 1e-9);
    });
    // Wrong time zone: every spectrum lands an hour off and the charge no longer matches.
    const wrong = JSON.parse((await cli(['--json', 'align', seriesDir, cyclerPath])).stdout) as {
      rows: { chargeMidMAh: number | null }[];
    };
    expect(
      wrong.rows.some(
        (row, i) =>
          row.chargeMidMAh === null || Math.abs(row.chargeMidMAh + plan.spectra[i].cell.chargeMAh) > 0.01,
      ),
    ).toBe(true);
  });

  it('align: no spectrum in the record is refused on one line; some outside is a warning on stderr', async () => {
    const none = await cli(['align', seriesDir, cyclerPath, '--timezone', '+01:00', '--offset-s', '-6.4e7']);
    expect(none.code).toBe(3);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(/no spectrum overlaps the cycler record.*--offset-s, --timezone/);
    expect(none.stdout).toBe('');
    const some = await cli(['align', seriesDir, cyclerPath, '--timezone', '+01:00', '--offset-s', '18000']);
    expect(some.code).toBe(0);
    expect(some.stderr).toMatch(
      /^warning: \d of 8 spectra lie outside the cycler record .*0 before, \d after/,
    );
  });

  it('cycler: summary per cycle and step; --records as CSV with units in the names', async () => {
    const r = await cli(['--json', 'cycler', cyclerPath, '--area-cm2', '1']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      steps: unknown[];
      cycles: { number: number; coulombicEfficiency: number | null }[];
    };
    expect(s.steps.length).toBe(plan.cell.steps.length);
    expect(s.cycles.filter((c) => c.number > 0).length).toBe(2);
    const out = join(dir, 'records.csv');
    expect((await cli(['cycler', cyclerPath, '--records', '--out', out])).code).toBe(0);
    const text = readFileSync(out, 'utf8').split('\n');
    expect(text.find((l) => l.startsWith('# start_local:'))).toBe('# start_local: 2026-01-15T09:00:00.000');
    expect(text.find((l) => !l.startsWith('#'))).toBe(
      'mode,step,time_s,control_V_or_mA,voltage_V,current_mA,charge_mAh,half_cycle,cycle',
    );
    const human = await cli(['cycler', cyclerPath]);
    expect(human.stdout).toMatch(/cycles/);
  });

  it('cycler table: CE and SOH in %, step times with one decimal, voltages without exponents', async () => {
    const r = await cli(['cycler', cyclerPath]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.find((l) => l.startsWith('cycle '))).toMatch(/CE %\s+SOH %$/);
    expect(lines.find((l) => /^1\s/.test(l))).toMatch(/\s100\.00\s+100\.00$/);
    const steps = lines.slice(lines.indexOf('steps') + 3).filter((l) => l.trim() !== '');
    expect(steps.length).toBe(plan.cell.steps.length);
    for (const line of steps) {
      expect(line).not.toMatch(/e[+-]\d/);
      expect(line.split(/\s+/)[6]).toMatch(/^\d+\.\d$/);
    }
  });

  it('bad input exits 3 with a one-line typed message', async () => {
    const empty = join(dir, 'empty.mpt');
    writeFileSync(empty, '');
    const r = await cli(['cycler', empty]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/CorruptFileError: .*empty/);
    expect((await cli(['cycler', cyclerPath, '--first', 'sideways'])).code).toBe(2);
  });
});
