/**
 * `spincell run` on a small simulated experiment (the demo's writers): the files it writes, integrals
 * identical to `spincell integrate` with the same options, alignment identical to alignSpectra,
 * provenance hashes of every input, inputs left untouched, and a well-formed report.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParameterError } from '../../src/core/errors.js';
import { prepareExperiment } from '../../src/demo/experiment.js';
import { alignSpectra, seriesFromRecords } from '../../src/echem/index.js';
import { listSeries } from '../../src/io/bruker/index.js';
import { columnValues, readCyclerFile } from '../../src/io/cycler/index.js';
import { hashFile, type Provenance, readManifest, runManifest } from '../../src/pipeline/index.js';
import { cli } from '../cli/helpers.js';
import { checkWellFormed } from '../report/xml.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function allFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((n) => allFiles(join(path, n)));
}

function hashes(paths: string[]): Map<string, string> {
  return new Map(paths.flatMap(allFiles).map((f) => [f, hashFile(f).sha256]));
}

function csvRows(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.split(','));
}

const manifest = {
  version: 1,
  name: 'virtual Li||Li',
  nmr: {
    path: 'exp/series',
    processing: { lbHz: 5, phase: 'auto', phaseMode: 'shared', baseline: 'auto', reference: 'metal:245' },
    regionsPpm: [
      [230, 290],
      [-20, 20],
    ],
    morphology: { mode: 'constrained', widthCap: 3 },
  },
  cycler: { path: 'exp/cycler.mpt', offsetS: 2, capacityMAh: 2 },
  eis: { paths: ['exp/eis.mpt'], drt: { lambda: 0.001, windows: [[-4, 0]] } },
  output: { dir: 'out' },
};

describe('spincell run (small simulated experiment)', () => {
  const manifestPath = join(dir, 'experiment.json');
  const out = join(dir, 'out');
  let inputs: string[];
  let before: Map<string, string>;
  let stdout: string;

  beforeAll(async () => {
    const exp = prepareExperiment(join(dir, 'exp'), { spectra: 8, sweeps: 3 });
    inputs = [exp.paths.series, exp.paths.cycler, exp.paths.eis];
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    before = hashes(inputs);
    const run = await cli(['run', manifestPath, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    stdout = run.stdout;
  }, 30_000);

  it('writes every output that applies and lists them', () => {
    const names = [
      'integrals.csv',
      'aligned.csv',
      'cycles.csv',
      'morphology.csv',
      'impedance.csv',
      'impedance-points.csv',
      'drt.csv',
      'impedance-aligned.csv',
      'report.html',
      'provenance.json',
    ];
    // .spincell: the marker listing what spincell wrote (src/io/output.ts)
    expect(readdirSync(out).sort()).toEqual(['.spincell', ...names].sort());
    const doc = JSON.parse(stdout) as { outputs: { name: string }[] };
    expect(doc.outputs.map((o) => o.name)).toEqual(names);
    expect(csvRows(readFileSync(join(out, 'impedance.csv'), 'utf8'))).toHaveLength(1 + 3);
    expect(csvRows(readFileSync(join(out, 'morphology.csv'), 'utf8'))).toHaveLength(1 + 8 * 3);
  });

  it('integrals equal those of `spincell integrate` with the same options', async () => {
    const ref = join(dir, 'integrate.csv');
    const r = await cli([
      'integrate',
      join(dir, 'exp/series'),
      '--region',
      '230:290',
      '--region',
      '-20:20',
      '--lb',
      '5',
      '--phase',
      'auto',
      '--phase-mode',
      'shared',
      '--baseline',
      'auto',
      '--ref',
      'metal:245',
      '--out',
      ref,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const mine = readFileSync(join(out, 'integrals.csv'), 'utf8');
    expect(csvRows(mine)).toHaveLength(1 + 8);
    expect(mine).toBe(readFileSync(ref, 'utf8'));
  });

  it('places every impedance sweep on the cycler record: charge at its mid-time from the record itself', () => {
    // Sweep windows straight from the PEIS file (first and last point of each cycle number) and the charge
    // interpolated linearly in the cycler file's own columns: no spincell alignment code.
    const peis = readCyclerFile(join(dir, 'exp/eis.mpt'));
    const pt = columnValues(peis, 'time_s')!;
    const cyc = columnValues(peis, 'cycle')!;
    const rec = readCyclerFile(join(dir, 'exp/cycler.mpt'));
    const t = columnValues(rec, 'time_s')!;
    const q = seriesFromRecords(rec).chargeMAh;
    const shift = ((peis.startMs as number) - (rec.startMs as number)) / 1000;
    const chargeAt = (x: number) => {
      let k = 0;
      while (k + 2 < t.length && t[k + 1] <= x) k++;
      return q[k] + ((q[k + 1] - q[k]) * (x - t[k])) / (t[k + 1] - t[k]);
    };
    const [header, ...rows] = csvRows(readFileSync(join(out, 'impedance-aligned.csv'), 'utf8'));
    expect(rows).toHaveLength(3);
    const col = (name: string) => header.indexOf(name);
    rows.forEach((row, k) => {
      const times = Array.from(pt).filter((_, i) => cyc[i] === k + 1);
      const mid = shift + 0.5 * (Math.min(...times) + Math.max(...times));
      expect(row[col('status')]).toBe('inside');
      expect(Number(row[col('record_start_s')])).toBeCloseTo(shift + Math.min(...times), 6);
      expect(Number(row[col('charge_mid_mah')])).toBeCloseTo(chargeAt(mid), 9);
      expect(row[col('label')]).toMatch(new RegExp(`eis\\.mpt#${k + 1}$`));
    });
  });

  it('`spincell align --impedance` gives the run’s impedance-aligned.csv (one road)', async () => {
    const csv = join(dir, 'align-eis.csv');
    const r = await cli([
      'align',
      join(dir, 'exp/eis.mpt'),
      join(dir, 'exp/cycler.mpt'),
      '--impedance',
      '--capacity-mah',
      '2',
      '--out',
      csv,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [h1, ...cliRows] = csvRows(readFileSync(csv, 'utf8'));
    const [h2, ...runRows] = csvRows(readFileSync(join(out, 'impedance-aligned.csv'), 'utf8'));
    expect(h1).toEqual(h2);
    expect(cliRows).toHaveLength(3);
    // Labels differ in spelling only (the path as each was given); every cell-state column is identical.
    const label = h1.indexOf('label');
    const strip = (rows: string[][]) => rows.map((row) => row.filter((_, k) => k !== label));
    expect(strip(cliRows)).toEqual(strip(runRows));
  });

  it('sweeps that all miss the cycler record keep their impedance results and lose only their cell state', () => {
    const far = join(dir, 'eis-far.json');
    writeFileSync(
      far,
      JSON.stringify({
        ...manifest,
        nmr: undefined,
        eis: { ...manifest.eis, offsetS: 1e7 },
        output: { dir: 'out-far' },
      }),
    );
    const result = runManifest(readManifest(far), { manifestPath: far });
    const names = result.outputs.map((o) => o.name);
    expect(names).toContain('impedance.csv');
    expect(names).not.toContain('impedance-aligned.csv');
    expect(result.warnings.join('\n')).toMatch(
      /impedance sweeps not placed on the cycler record.*eis\.offsetS/,
    );
  });

  it('alignment equals alignSpectra on the same files and clock offset', () => {
    const entries = listSeries(join(dir, 'exp/series'));
    const series = seriesFromRecords(readCyclerFile(join(dir, 'exp/cycler.mpt')));
    const expected = alignSpectra(
      entries.map((e) => ({ startMs: e.meta.startMs, endMs: e.meta.endMs })),
      series,
      { offsetS: 2, capacityMAh: 2 },
    );
    const [header, ...rows] = csvRows(readFileSync(join(out, 'aligned.csv'), 'utf8'));
    expect(rows).toHaveLength(expected.length);
    const col = (name: string) => header.indexOf(name);
    rows.forEach((row, i) => {
      const a = expected[i];
      expect(row[col('status')]).toBe(a.status);
      for (const [k, name] of [
        ['meanVoltageV', 'mean_voltage_v'],
        ['meanCurrentMA', 'mean_current_ma'],
        ['chargeMidMAh', 'charge_mid_mah'],
        ['stepCapacityMAh', 'step_capacity_mah'],
        ['socPct', 'soc_pct'],
      ] as const) {
        const v = a[k];
        if (v === null) expect(row[col(name)]).toBe('');
        else expect(Number(row[col(name)])).toBe(v);
      }
      // one time convention: mid-time after the first acquisition's start
      expect(Number(row[col('time_s')])).toBeCloseTo(
        (0.5 * (a.startMs + a.endMs) - expected[0].startMs) / 1000,
        6,
      );
      expect(row[col('cycle')]).toBe(a.cycle === null ? '' : String(a.cycle));
    });
  });

  it('provenance hashes every input file the run reads (not the simulator truth and marker beside them), and the inputs are unchanged', () => {
    const prov = JSON.parse(readFileSync(join(out, 'provenance.json'), 'utf8')) as Provenance;
    expect(prov.spincell).toMatch(/^\d+\.\d+\.\d+/);
    expect(prov.node).toBe(process.version);
    expect(Date.parse(prov.finishedAt)).toBeGreaterThanOrEqual(Date.parse(prov.startedAt));
    expect(prov.manifest.nmr?.path).toBe(join(dir, 'exp/series'));
    expect(prov.manifest.output.dir).toBe(out);
    const after = hashes(inputs);
    expect(after).toEqual(before);
    // the simulator's truth.json and its output marker .spincell sit beside the data; the run reads neither
    const notRead = (f: string) => f.endsWith('truth.json') || f.endsWith('.spincell');
    const read = new Map([...before].filter(([f]) => !notRead(f)));
    expect(read.size).toBe(before.size - 2);
    expect(new Map(prov.inputs.map((f) => [f.path, f.sha256]))).toEqual(read);
    for (const f of prov.inputs) expect(f.bytes).toBe(statSync(f.path).size);
  });

  it('writes a well-formed, self-contained report', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    checkWellFormed(html, { html: true });
    expect(html).toContain('<h1>virtual Li||Li</h1>');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect(html).not.toMatch(/<script|\shref="http/);
  });

  it('the report holds the intensity map, the Nyquist plot of the first and last sweep and the DRT map', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    // Stacked spectra, intensity map, integrals, fractions, cell, Nyquist, DRT, DRT map, resistances.
    expect(html.match(/<svg[\s>]/g)).toHaveLength(9);
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(9);
    for (const svg of svgs) expect(() => checkWellFormed(svg)).not.toThrow();
    const titled = (t: string) => svgs.filter((svg) => svg.includes(t));
    expect(titled('intensity over shift and time')).toHaveLength(1);
    expect(titled('Nyquist plot of the first and last sweep, with the impedance of their DRT')).toHaveLength(
      1,
    );
    expect(titled('DRT over time')).toHaveLength(1);
  });

  it('refuses an output folder that holds an input', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...manifest, output: { dir: 'exp' } }));
    expect(() => runManifest(readManifest(bad), { manifestPath: bad })).toThrow(ParameterError);
    try {
      runManifest(readManifest(bad), { manifestPath: bad });
    } catch (e) {
      expect((e as ParameterError).field).toBe('output.dir');
    }
    expect(hashes(inputs)).toEqual(before);
  });

  it('reports processing options the shared parser refuses against the manifest field', () => {
    const bad = join(dir, 'manual-shared.json');
    const nmr = { ...manifest.nmr, processing: { phase: { ph0Deg: 10, ph1Deg: 0 }, phaseMode: 'shared' } };
    writeFileSync(bad, JSON.stringify({ version: 1, name: 'x', nmr, output: { dir: 'out2' } }));
    const events: string[] = [];
    expect(() =>
      runManifest(readManifest(bad), { manifestPath: bad, onProgress: (e) => events.push(e.stage) }),
    ).toThrow(/manual-shared\.json: nmr\.processing\.phaseMode: /);
  });

  it('a second run replaces the outputs, drops those that no longer apply and reports progress', () => {
    const again = join(dir, 'no-morphology.json');
    const nmr = { ...manifest.nmr, morphology: undefined };
    writeFileSync(again, JSON.stringify({ ...manifest, nmr, eis: undefined }));
    const events: string[] = [];
    const result = runManifest(readManifest(again), {
      manifestPath: again,
      onProgress: (e) => {
        expect(e.done).toBeLessThanOrEqual(e.total);
        if (events[events.length - 1] !== e.stage) events.push(e.stage);
      },
    });
    expect(events).toEqual(['inputs', 'nmr', 'cycler', 'align', 'report', 'write']);
    expect(readdirSync(out).sort()).toEqual([
      '.spincell',
      'aligned.csv',
      'cycles.csv',
      'integrals.csv',
      'provenance.json',
      'report.html',
    ]);
    expect(result.provenance.outputs).toHaveLength(5);
    expect(hashes(inputs)).toEqual(before);
  });

  it('reads a generic cycler table through the column mapping of the manifest', () => {
    // The demo's EC-Lab record rewritten as a table with a cycler vendor's own headers and units.
    const rec = readCyclerFile(join(dir, 'exp/cycler.mpt'));
    const t = columnValues(rec, 'time_s')!;
    const v = columnValues(rec, 'voltage_V')!;
    const i = columnValues(rec, 'current_mA')!;
    const lines = ['Test Time,Potential,Current'];
    for (let k = 0; k < t.length; k++) lines.push(`${t[k] / 3600},${v[k]},${i[k] / 1000}`);
    writeFileSync(join(dir, 'vendor.csv'), `${lines.join('\n')}\n`);
    const mapped = join(dir, 'mapped.json');
    const cycler = {
      path: 'vendor.csv',
      mapping: {
        time_s: { column: 'Test Time', unit: 'h' },
        voltage_V: { column: 'Potential', unit: 'V' },
        current_mA: { column: 'Current', unit: 'A' },
      },
    };
    writeFileSync(
      mapped,
      JSON.stringify({ version: 1, name: 'mapped', cycler, output: { dir: 'out-mapped' } }),
    );
    runManifest(readManifest(mapped), { manifestPath: mapped });
    const direct = join(dir, 'direct.json');
    writeFileSync(
      direct,
      JSON.stringify({
        version: 1,
        name: 'direct',
        cycler: { path: 'exp/cycler.mpt' },
        output: { dir: 'out-direct' },
      }),
    );
    runManifest(readManifest(direct), { manifestPath: direct });
    const a = csvRows(readFileSync(join(dir, 'out-mapped', 'cycles.csv'), 'utf8'));
    const b = csvRows(readFileSync(join(dir, 'out-direct', 'cycles.csv'), 'utf8'));
    expect(a.length).toBe(b.length);
    expect(a[0]).toEqual(b[0]);
    expect(b.length).toBeGreaterThan(2);
    for (const name of ['charge_mAh', 'discharge_mAh']) {
      const col = b[0].indexOf(name);
      expect(col).toBeGreaterThan(0);
      // The vendor table has no charge column: charge is integrated from the current (10 s records), the
      // EC-Lab file carries the instrument's own (Q-Qo); they agree to the integration error.
      for (let r = 1; r < b.length; r++) expect(Number(a[r][col])).toBeCloseTo(Number(b[r][col]), 4);
    }
  });

  it("reuses hashes the caller already made (the store's cache key) only for files of the same size", () => {
    const path = join(dir, 'hashed.json');
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        name: 'hashed',
        cycler: { path: 'exp/cycler.mpt' },
        output: { dir: 'out-hashed' },
      }),
    );
    const file = join(dir, 'exp/cycler.mpt');
    const size = statSync(file).size;
    const given = (bytes: number) => [{ path: file, bytes, sha256: 'given' }];
    const reused = runManifest(readManifest(path), { manifestPath: path, hashedInputs: given(size) });
    expect(reused.provenance.inputs).toEqual([{ path: file, bytes: size, sha256: 'given' }]);
    const fresh = runManifest(readManifest(path), { manifestPath: path, hashedInputs: given(size + 1) });
    expect(fresh.provenance.inputs).toEqual([hashFile(file)]);
  });

  it('prints an example manifest that validates', async () => {
    const r = await cli(['run', '--example']);
    expect(r.code).toBe(0);
    const path = join(dir, 'example.json');
    writeFileSync(path, r.stdout);
    const m = readManifest(path);
    expect(m.nmr?.path).toBe('demo-output/series');
    expect(m.cycler?.path).toBe('demo-output/cycler.mpt');
    expect(m.eis?.paths).toEqual(['demo-output/eis.mpt']);
  });
});
