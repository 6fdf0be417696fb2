/**
 * Temperatures from the acquisition parameters: TE in acqus (real TopSpin files record 298–300 K) reaches
 * the metadata and `spincell info`, and `exchange arrhenius --data` takes each row's temperature from its
 * experiment: on rates made with a known activation energy at TE = 283–323 K the fit returns it; an
 * experiment without TE is one line naming the file and the field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAcqus, writeBrukerExperiment } from '../../src/io/bruker/index.js';
import { BRUKER_DATA, HAVE_BRUKER_DATA } from '../io/bruker/refdata.js';
import { cli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-te-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const R = 8.314462618; // J mol⁻¹ K⁻¹ (CODATA 2018)

function experiment(path: string, te: number | null): void {
  const n = 64;
  writeBrukerExperiment(
    path,
    {
      nucleus: '7Li',
      sfo1MHz: 155.5,
      bf1MHz: 155.5,
      o1Hz: 0,
      swHz: 10_000,
      scans: 1,
      recycleDelayS: 1,
      digitalFilter: { kind: 'analogue' },
      endMs: Date.UTC(2026, 0, 1),
      ...(te !== null ? { extraParams: { TE: te } } : {}),
    },
    { re: Float64Array.from({ length: n }, (_, k) => Math.exp(-k / 10)), im: new Float64Array(n) },
  );
}

describe('temperatures from acqus', () => {
  it.skipIf(!HAVE_BRUKER_DATA)('reads TE of real TopSpin experiments', async () => {
    expect(readAcqus(join(BRUKER_DATA, 'coffee-1h', '20'), 20).base.temperatureK).toBe(300);
    const r = await cli(['info', join(BRUKER_DATA, 'aspirin-1h', '1'), '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { spectra: { temperatureK: number }[] }).spectra[0].temperatureK).toBe(
      298,
    );
  });

  it('exchange arrhenius --data: Ea from rates at the experiments’ TE', async () => {
    const ea = 42_000;
    const lnA = 20;
    const temps = [283.15, 293.15, 303.15, 313.15, 323.15];
    const data = join(dir, 'series');
    temps.forEach((t, i) => experiment(join(data, String(i + 10)), t));
    const table = join(dir, 'rates.csv');
    writeFileSync(
      table,
      `experiment,rate\n${temps.map((t, i) => `${i + 10},${Math.exp(lnA - ea / (R * t))}`).join('\n')}\n`,
    );
    const r = await cli(['exchange', 'arrhenius', table, '--data', data, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      activationKJPerMol: number;
      lnPrefactor: number;
      temperaturesK: number[];
    };
    expect(j.temperaturesK).toEqual(temps);
    expect(j.activationKJPerMol).toBeCloseTo(42, 6);
    expect(j.lnPrefactor).toBeCloseTo(lnA, 6);
    // no TE: one line naming the experiment's acqus and the field
    experiment(join(data, '99'), null);
    writeFileSync(table, 'experiment,rate\n10,1\n11,2\n99,3\n');
    const bad = await cli(['exchange', 'arrhenius', table, '--data', data]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/99[/\\]acqus/);
    expect(bad.stderr).toMatch(/TE/);
  });
});
