/**
 * Issue 10 item 11: morphology on data of the wrong nucleus (or with the windows off the spectral width)
 * is refused up front with one clear error, through `morphology` and through a manifest run — not failed
 * spectrum by spectrum with exit 0.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBrukerExperiment } from '../../src/io/bruker/index.js';
import { BRUKER_DATA, HAVE_BRUKER_DATA } from '../io/bruker/refdata.js';
import { cli } from '../cli/helpers.js';
import { dampedFid } from '../nmr/fid.js';

const tmp = mkdtempSync(join(tmpdir(), 'spincell-morph-nucleus-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const proton = join(tmp, 'proton', '1');
const narrowLi = join(tmp, 'narrow', '1');
const li = join(tmp, 'li', '1');

beforeAll(() => {
  const base = {
    o1Hz: 0,
    scans: 4,
    recycleDelayS: 1,
    digitalFilter: { kind: 'grpdly', points: 67.98 } as const,
    endMs: Date.UTC(2026, 1, 1),
  };
  // ¹H at 400 MHz, 20 ppm wide, a line at 2.5 ppm.
  writeBrukerExperiment(
    proton,
    { ...base, nucleus: '1H', sfo1MHz: 400.13, bf1MHz: 400.13, swHz: 8000 },
    dampedFid(4096, 8000, [{ offsetHz: 1000, amplitude: 1, fwhmHz: 2 }], 1e-3),
  );
  // ⁷Li, but only ±6.4 ppm around 0: the metal windows near 245 ppm are not on the axis.
  writeBrukerExperiment(
    narrowLi,
    { ...base, nucleus: '7Li', sfo1MHz: 155.5, bf1MHz: 155.5, swHz: 2000 },
    dampedFid(2048, 2000, [{ offsetHz: 100, amplitude: 1, fwhmHz: 5 }], 1e-3),
  );
  // ⁷Li, wide window, metal line at 245 ppm (38.1 kHz off a carrier at 0 ppm).
  writeBrukerExperiment(
    li,
    { ...base, nucleus: '7Li', sfo1MHz: 155.5, bf1MHz: 155.5, swHz: 100000 },
    dampedFid(8192, 100000, [{ offsetHz: 245 * 155.5, amplitude: 1, fwhmHz: 400 }], 1e-3),
  );
});

describe('morphology refuses a nucleus or spectral width it cannot analyse', () => {
  it('¹H data: exit 3, one line naming NUC1, the nucleus found and the ones expected', async () => {
    const r = await cli(['morphology', proton]);
    expect(r.code).toBe(3);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(r.stderr).toMatch(/NUC1/);
    expect(r.stderr).toMatch(/1H/);
    expect(r.stderr).toMatch(/7Li or 6Li/);
    expect(r.stdout).toBe('');
  });

  it('unconstrained mode and --sodium check the nucleus too', async () => {
    expect((await cli(['morphology', proton, '--mode', 'unconstrained'])).code).toBe(3);
    const na = await cli(['morphology', li, '--sodium']);
    expect(na.code).toBe(3);
    expect(na.stderr).toMatch(/NUC1.*7Li.*23Na/);
  });

  it('⁷Li with the windows outside the spectral width: exit 3 naming the window and the axis', async () => {
    const r = await cli(['morphology', narrowLi]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/dense 240\.5…245\.5 ppm on an axis covering/);
  });

  it('user windows on a ¹H axis are allowed when they lie on it', async () => {
    const r = await cli(['morphology', proton, '--window', 'a:2:3', '--width-cap', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { spectra: { error: unknown; components: unknown[] }[] };
    expect(doc.spectra[0].error).toBeNull();
  });

  it('the ⁷Li experiment itself is analysed', async () => {
    const r = await cli(['morphology', li, '--json']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('a manifest run with morphology on ¹H data fails naming the manifest and NUC1', async () => {
    const manifest = join(tmp, 'proton.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        version: 1,
        name: 'proton',
        nmr: { path: proton, morphology: { mode: 'constrained' } },
        output: { dir: join(tmp, 'out') },
      }),
    );
    const r = await cli(['run', manifest]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/NUC1/);
    expect(existsSync(join(tmp, 'out', 'morphology.csv'))).toBe(false);
  });

  it.skipIf(!HAVE_BRUKER_DATA)('real ¹H data (coffee-1h/20) is refused the same way', async () => {
    const r = await cli(['morphology', join(BRUKER_DATA, 'coffee-1h/20')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/NUC1/);
  });
});
