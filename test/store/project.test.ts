/**
 * The project store end to end on a small simulated experiment (the demo's writers): `spincell run
 * --project` stores every result table with the numbers the run wrote to its CSVs, a re-run with the same
 * inputs and settings is a cache hit (nothing recomputed, nothing rewritten), one changed setting
 * recomputes, raw files stay byte-identical, a changed raw file is noticed, and export/compare read the
 * stored tables back.
 */
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareExperiment } from '../../src/demo/experiment.js';
import { hashFile, readManifest, runManifest } from '../../src/pipeline/index.js';
import { allocateCapacity } from '../../src/protocols/dead-lithium.js';
import {
  compareGroup,
  exportTable,
  meanSd,
  ProjectStore,
  runKey,
  storeRun,
  type Row,
} from '../../src/store/index.js';
import { cli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-project-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const project = join(dir, 'proj');

function manifest(lbHz: number, out: string) {
  return {
    version: 1,
    name: 'virtual Li||Li',
    nmr: {
      path: 'exp/series',
      processing: { lbHz, phase: 'auto', phaseMode: 'shared', baseline: 'auto', reference: 'metal:245' },
      regionsPpm: [
        [230, 290],
        [-20, 20],
      ],
      morphology: { mode: 'constrained', widthCap: 3 },
    },
    cycler: { path: 'exp/cycler.mpt', offsetS: 2, capacityMAh: 2 },
    eis: { paths: ['exp/eis.mpt'], drt: { lambda: 0.001, windows: [[-4, 0]] } },
    output: { dir: out },
  };
}

/** CSV as objects; empty cells become null, numbers are parsed. */
function csvObjects(path: string): Record<string, string | number | null>[] {
  // '#' lines are the header comments (e.g. morphology.csv's preset and settings).
  const [head, ...lines] = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('#'));
  const cols = head.split(',');
  return lines.map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(
      cols.map((c, i) => [
        c,
        cells[i] === '' ? null : Number.isNaN(Number(cells[i])) ? cells[i] : Number(cells[i]),
      ]),
    );
  });
}

function allHashes(paths: string[]): string[] {
  return paths.map((p) => `${p} ${hashFile(p).sha256}`);
}

describe('project store through spincell run --project', () => {
  const m1 = join(dir, 'a1.json');
  const m2 = join(dir, 'a2.json');
  const out1 = join(dir, 'out1');
  let rawFiles: string[];
  let before: string[];
  let firstRun: { run: number; cached: boolean };

  beforeAll(async () => {
    const exp = prepareExperiment(join(dir, 'exp'), { spectra: 6, sweeps: 3 });
    writeFileSync(m1, JSON.stringify(manifest(5, 'out1')));
    writeFileSync(m2, JSON.stringify(manifest(12, 'out2')));
    rawFiles = runKey(readManifest(m1), m1).inputs.map((f) => f.path);
    expect(rawFiles.length).toBeGreaterThan(6);
    before = allHashes(rawFiles);
    expect((await cli(['project', 'init', project])).code).toBe(0);
    for (const cell of ['A1', 'A2']) {
      const r = await cli([
        'project',
        'add-cell',
        project,
        '--campaign',
        'spring',
        '--cell',
        cell,
        '--chemistry',
        'Li||Li',
        '--area-cm2',
        '1.13',
        '--replicate-group',
        'g1',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const r = await cli(['run', m1, '--project', project, '--campaign', 'spring', '--cell', 'A1', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    firstRun = JSON.parse(r.stdout) as { run: number; cached: boolean };
    expect(exp.paths.series).toBeDefined();
  }, 60_000);

  it('stores the run with its inputs, resolved manifest and timings', () => {
    expect(firstRun.cached).toBe(false);
    const s = ProjectStore.open(project);
    try {
      const run = s.requireRun(firstRun.run);
      expect(run.cell).toBe('A1');
      expect(run.campaign).toBe('spring');
      expect(run.status).toBe('complete');
      const details = s.runDetails(run.id);
      expect((details.manifest as { nmr: { path: string } }).nmr.path).toBe(join(dir, 'exp/series'));
      expect(details.timings.total).toBeGreaterThan(0);
      expect(details.timings.nmr).toBeGreaterThan(0);
      const inputs = exportTable(s, 'inputs', { run: run.id }).rows;
      expect(inputs.map((i) => `${String(i.path)} ${String(i.sha256)}`)).toEqual(before);
      for (const i of inputs) expect(i.bytes).toBe(statSync(String(i.path)).size);
      expect(s.checkInputs(run.id).every((c) => c.state === 'unchanged')).toBe(true);
    } finally {
      s.close();
    }
  });

  it('stored integrals, morphology, alignment, cycles and impedance equal the CSVs of the run', () => {
    const s = ProjectStore.open(project);
    try {
      const run = firstRun.run;
      const integrals = exportTable(s, 'integrals', { run }).rows;
      const csv = csvObjects(join(out1, 'integrals.csv'));
      expect(integrals).toHaveLength(csv.length * 2);
      const spectra = exportTable(s, 'spectra', { run }).rows;
      csv.forEach((row, i) => {
        expect(row.integral_230_290).toBe(
          integrals.find((x) => x.spectrum === row.index && x.region === 'integral_230_290')?.value,
        );
        expect(row.integral_m20_20).toBe(
          integrals.find((x) => x.spectrum === row.index && x.region === 'integral_m20_20')?.value,
        );
        expect(spectra[i].time_s).toBe(row.time_s);
        expect(spectra[i].mid_iso).toBe(row.mid_iso);
        expect(spectra[i].phase_mode).toBe('shared');
        expect(typeof spectra[i].reference_offset_ppm).toBe('number');
      });
      const morph = exportTable(s, 'morphology', { run }).rows;
      const mcsv = csvObjects(join(out1, 'morphology.csv'));
      expect(morph).toHaveLength(mcsv.length);
      mcsv.forEach((row, i) => {
        expect(morph[i].spectrum).toBe(row.index);
        expect(morph[i].component).toBe(row.morphology);
        expect(morph[i].fraction).toBe(row.fraction);
        expect(morph[i].fraction_stderr).toBe(row.fraction_se);
        expect(morph[i].fwhm_ppm).toBe(row.fwhm_ppm);
        expect(morph[i].r_squared).toBe(row.r_squared);
      });
      const aligned = exportTable(s, 'alignment', { run }).rows;
      const acsv = csvObjects(join(out1, 'aligned.csv'));
      expect(aligned).toHaveLength(acsv.length);
      acsv.forEach((row, i) => {
        expect(aligned[i].mean_voltage_v).toBe(row.mean_voltage_v);
        expect(aligned[i].mean_current_ma).toBe(row.mean_current_ma);
        expect(aligned[i].charge_mid_mah).toBe(row.charge_mid_mah);
        expect(aligned[i].cycle).toBe(row.cycle);
        expect(aligned[i].gap).toBe(row.gap === 'true' ? 1 : row.gap === 'false' ? 0 : row.gap);
        expect(aligned[i].step_type).toBe(row.step_type);
        expect(aligned[i].soc_pct).toBe(row.soc_pct);
      });
      const cycles = exportTable(s, 'cycles', { run }).rows;
      const ccsv = csvObjects(join(out1, 'cycles.csv'));
      expect(cycles.length).toBe(ccsv.length);
      ccsv.forEach((row, i) => {
        expect(cycles[i].discharge_mah).toBe(row.discharge_mAh);
        expect(cycles[i].coulombic_efficiency).toBe(row.coulombic_efficiency);
      });
      const imp = exportTable(s, 'impedance', { run }).rows;
      const drt = exportTable(s, 'drt_windows', { run }).rows;
      const icsv = csvObjects(join(out1, 'impedance.csv'));
      expect(imp).toHaveLength(3);
      icsv.forEach((row, i) => {
        expect(imp[i].kk_max_residual).toBe(row.kk_max_residual);
        expect(imp[i].polarization_ohm).toBe(row.polarization_ohm);
        expect(imp[i].kk_pass).toBe(row.kk_pass === 'true' ? 1 : 0);
        expect(drt[i].resistance_ohm).toBe(row.r_m4_0_ohm);
      });
    } finally {
      s.close();
    }
  });

  it('a re-run with unchanged inputs and settings is a cache hit: nothing recomputed or rewritten', async () => {
    const mtime = statSync(join(out1, 'integrals.csv')).mtimeMs;
    const r = await cli(['run', m1, '--project', project, '--campaign', 'spring', '--cell', 'A1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cache hit, nothing recomputed \(run 1 /);
    expect(statSync(join(out1, 'integrals.csv')).mtimeMs).toBe(mtime);
    const s = ProjectStore.open(project);
    expect(s.runs()).toHaveLength(1);
    s.close();
  });

  it('one changed setting recomputes; --force recomputes; another cell is its own experiment', async () => {
    writeFileSync(
      m1,
      JSON.stringify({ ...manifest(5, 'out1'), cycler: { ...manifest(5, 'out1').cycler, offsetS: 3 } }),
    );
    const r = await cli(['run', m1, '--project', project, '--campaign', 'spring', '--cell', 'A1', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ cached: false, run: 2 });
    const f = await cli([
      'run',
      m1,
      '--project',
      project,
      '--campaign',
      'spring',
      '--cell',
      'A1',
      '--force',
      '--json',
    ]);
    expect(JSON.parse(f.stdout)).toMatchObject({ cached: false, run: 3 });
    const a2 = await cli(['run', m2, '--project', project, '--campaign', 'spring', '--cell', 'A2', '--json']);
    expect(JSON.parse(a2.stdout)).toMatchObject({ cached: false, run: 4 });
    const s = ProjectStore.open(project);
    try {
      const runs = s.runs();
      expect(runs.map((x) => x.cell)).toEqual(['A1', 'A1', 'A1', 'A2']);
      expect(runs[1].manifest_hash).not.toBe(runs[0].manifest_hash);
      expect(runs[1].inputs_hash).toBe(runs[0].inputs_hash);
      expect(runs[2].manifest_hash).toBe(runs[1].manifest_hash);
      // the offset moved the alignment, not the integrals
      const i1 = exportTable(s, 'integrals', { run: 1 }).rows.map((x) => x.value);
      expect(exportTable(s, 'integrals', { run: 2 }).rows.map((x) => x.value)).toEqual(i1);
      expect(exportTable(s, 'alignment', { run: 2 }).rows.map((x) => x.start_s)).not.toEqual(
        exportTable(s, 'alignment', { run: 1 }).rows.map((x) => x.start_s),
      );
    } finally {
      s.close();
    }
    expect(allHashes(rawFiles)).toEqual(before);
  }, 60_000);

  it('compare gives mean ± sd of the final morphology fractions across the group', async () => {
    const r = await cli(['project', 'compare', project, '--group', 'g1', '--quantity', 'fraction', '--json']);
    expect(r.stderr).toBe('');
    const c = JSON.parse(r.stdout) as ReturnType<typeof compareGroup>;
    expect(c.cells.map((x) => x.run)).toEqual([3, 4]);
    const s = ProjectStore.open(project);
    const last = (run: number) => {
      const rows = exportTable(s, 'morphology', { run }).rows;
      const k = Math.max(...rows.map((x) => Number(x.spectrum)));
      return rows.filter((x) => x.spectrum === k);
    };
    const a = last(3);
    const b = last(4);
    s.close();
    expect(c.rows).toHaveLength(a.length);
    c.rows.forEach((row, i) => {
      expect(row.key).toBe(a[i].component);
      const x = Number(a[i].fraction);
      const y = Number(b[i].fraction);
      expect(x).not.toBe(y);
      expect(row.n).toBe(2);
      expect(row.mean).toBeCloseTo((x + y) / 2, 14);
      expect(row.sd).toBeCloseTo(Math.abs(x - y) / Math.SQRT2, 14);
    });
    const text = await cli(['project', 'compare', project, '--group', 'g1', '--quantity', 'ce']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/ce across group g1: 2 cells with runs/);
  });

  it('export writes CSV and JSON filtered by cell and run', async () => {
    const r = await cli([
      'project',
      'export',
      project,
      '--table',
      'integrals',
      '--cell',
      'A2',
      '--format',
      'json',
    ]);
    const rows = JSON.parse(r.stdout) as Row[];
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((x) => x.cell))).toEqual(new Set(['A2']));
    const file = join(dir, 'cycles.csv');
    const c = await cli(['project', 'export', project, '--table', 'cycles', '--run', '1', '--out', file]);
    expect(c.code).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0].startsWith('campaign,cell,run_id,cycle,')).toBe(true);
    expect(lines.length - 1).toBe(csvObjects(join(out1, 'cycles.csv')).length);
    const bad = await cli(['project', 'export', project, '--table', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--table: no such table/);
  });

  it('list and show describe the project; show notices a raw file that changed since the run', async () => {
    const l = await cli(['project', 'list', project]);
    expect(l.stdout).toMatch(/cells \(2\)/);
    expect(l.stdout).toMatch(/runs \(4\)/);
    const sh = await cli(['project', 'show', project, '--run', '1']);
    expect(sh.stdout).toMatch(/none changed since the run/);
    // a copy of the cycler file, analysed, then touched and then edited
    const copy = join(dir, 'copy');
    cpSync(join(dir, 'exp/cycler.mpt'), join(copy, 'cycler.mpt'), { recursive: true });
    const mc = join(copy, 'm.json');
    writeFileSync(
      mc,
      JSON.stringify({
        version: 1,
        name: 'cycler only',
        cycler: { path: 'cycler.mpt' },
        output: { dir: 'out' },
      }),
    );
    const r = await cli(['run', mc, '--project', project, '--json']);
    const id = (JSON.parse(r.stdout) as { run: number }).run;
    const s = ProjectStore.open(project);
    try {
      utimesSync(join(copy, 'cycler.mpt'), new Date(), new Date(Date.now() + 5000));
      expect(s.checkInputs(id).map((c) => c.state)).toEqual(['touched']);
      appendFileSync(join(copy, 'cycler.mpt'), '\n');
      expect(s.checkInputs(id).map((c) => c.state)).toEqual(['changed']);
    } finally {
      s.close();
    }
    const after = await cli(['project', 'show', project, '--run', String(id)]);
    expect(after.stdout).toMatch(/1 of 1 files changed since the run:\n {2}changed: .*cycler\.mpt/);
    // changed content is not a cache hit
    const rerun = await cli(['run', mc, '--project', project, '--json']);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ cached: false, run: id + 1 });
    const hit = await cli(['run', mc, '--project', project, '--json']);
    expect(JSON.parse(hit.stdout)).toMatchObject({ cached: true, run: id + 1 });
    // deleted outputs are recomputed
    rmSync(join(copy, 'out', 'cycles.csv'));
    const gone = await cli(['run', mc, '--project', project, '--json']);
    expect(JSON.parse(gone.stdout)).toMatchObject({ cached: false, run: id + 2 });
    expect(statSync(join(copy, 'out', 'cycles.csv')).size).toBeGreaterThan(0);
  });

  it('refuses a run for a cell that was never added, and a folder that is not a project', async () => {
    const r = await cli(['run', m1, '--project', project, '--campaign', 'spring', '--cell', 'Z9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--cell: no such cell in the project; found spring\/Z9; expected one of A1, A2/);
    const missing = join(dir, 'missing.json');
    writeFileSync(
      missing,
      JSON.stringify({ version: 1, name: 'x', cycler: { path: 'nope.mpt' }, output: { dir: 'o' } }),
    );
    const mi = await cli(['run', missing, '--project', project]);
    expect(mi.code).toBe(3);
    expect(mi.stderr.trim().split('\n')).toHaveLength(1);
    expect(mi.stderr).toMatch(/missing\.json: cycler\.path: input not found; found .*nope\.mpt/);
    // a run the pipeline refuses is recorded as failed, with its one-line error, and is never a cache hit
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...manifest(5, 'exp'), name: 'bad' }));
    for (let k = 0; k < 2; k++) {
      const f = await cli(['run', bad, '--project', project, '--campaign', 'spring', '--cell', 'A2']);
      expect(f.code).toBe(3);
      expect(f.stderr).toMatch(/output\.dir: the output folder would hold an input/);
    }
    const s = ProjectStore.open(project);
    try {
      const failed = exportTable(s, 'runs', { experiment: 'bad' }).rows;
      expect(failed.map((r) => r.status)).toEqual(['failed', 'failed']);
      const row = s.db.prepare('SELECT error FROM runs WHERE id = ?').get(failed[0].id) as { error: string };
      expect(row.error).toMatch(/output\.dir: the output folder would hold an input/);
      expect(s.resultCounts(Number(failed[0].id)).spectra).toBe(0);
      // compare still reads A2's newest complete run
      expect(compareGroup(s, 'g1', 'fraction').cells.map((c) => c.run)).toEqual([3, 4]);
    } finally {
      s.close();
    }
    const n = await cli(['project', 'list', join(dir, 'exp')]);
    expect(n.code).toBe(3);
    expect(n.stderr).toMatch(/not a spincell project/);
  });
});

describe('dead-lithium allocations through the library', () => {
  it('stores allocations per cycle and compares dead lithium across a group', () => {
    const p = join(dir, 'dl');
    const s = ProjectStore.init(p);
    try {
      const m = join(dir, 'dl.json');
      writeFileSync(
        m,
        JSON.stringify({
          version: 1,
          name: 'cycler',
          cycler: { path: 'exp/cycler.mpt' },
          output: { dir: 'dlout' },
        }),
      );
      const manifestDoc = readManifest(m);
      const result = runManifest(manifestDoc, { manifestPath: m });
      // two cells, allocations of two cycles each (capacities in mAh)
      const cells = [
        [allocateCapacity(4, 3.2, 0.2, 0.3), allocateCapacity(4, 3.0, 0.2, 0.5)],
        [allocateCapacity(4, 3.1, 0.2, 0.4), allocateCapacity(4, 2.8, 0.2, 0.8)],
      ];
      cells.forEach((allocs, k) => {
        const cell = s.addCell('dl', `C${k}`, { replicateGroup: 'anode-free' });
        storeRun(s, {
          key: runKey(manifestDoc, m),
          cell,
          provenance: result.provenance,
          results: result.results,
          deadLithium: allocs.map((a, i) => ({ ...a, cycle: i + 1, initialChargeMAh: 4 })),
        });
      });
      const c = compareGroup(s, 'anode-free', 'dead-li');
      expect(c.rows.map((r) => r.key)).toEqual([1, 2]);
      expect(c.rows[0].mean).toBeCloseTo(0.35, 12);
      expect(c.rows[0].sd).toBeCloseTo(meanSd([0.3, 0.4]).sd as number, 12);
      expect(c.rows[0].sd).toBeCloseTo(0.0707106781186548, 12);
      expect(c.rows[1].mean).toBeCloseTo(0.65, 12);
      const pct = compareGroup(s, 'anode-free', 'dead-li-percent');
      expect(pct.rows[1].mean).toBeCloseTo(16.25, 10);
    } finally {
      s.close();
    }
  }, 30_000);
});
