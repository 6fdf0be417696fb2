/**
 * The manifest sections beyond integrals, cycles and the DRT (issue 13, one road): every number a section
 * writes equals what the corresponding command prints or writes on the same data (the same functions
 * run), and where a simulation knows the truth, the number is held to it. Covered: nmr.processing.fromProcs
 * (integrate --from-procs), nmr.fit (fit --model), cycler.steps (cycler), eis.kk (eis kk), eis.fit (eis fit),
 * deadLithium (dead-lithium, and the project's dead_lithium table), mri (mri drift, Nernst–Planck truth),
 * pfg (pfg, simulated D) and a ²³Na series (morphology --sodium, simulated fractions).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareExperiment } from '../../src/demo/experiment.js';
import { ANODE_FREE, prepareAnodeFreeCell } from '../../src/demo/anode-free.js';
import { parseManifest, runManifest, type RunResult } from '../../src/pipeline/index.js';
import { writeDriftExperiment } from '../../src/sim/mri.js';
import { writePfgExperiment } from '../../src/sim/pfg.js';
import { sodiumOperandoOptions } from '../../src/sim/sodium.js';
import { readTruth, writeOperandoSeries } from '../../src/sim/index.js';
import { ProjectStore } from '../../src/store/index.js';
import { cli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-sections-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = (...p: string[]) => join(dir, ...p);
const read = (...p: string[]) => readFileSync(resolve(dir, ...p), 'utf8');
const dataRows = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('#'));

let counter = 0;
/** Runs a manifest (written to a file, paths relative to it) into its own output folder. */
function run(body: Record<string, unknown>): { result: RunResult; out: string; manifest: string } {
  const name = `m${++counter}`;
  const manifest = at(`${name}.json`);
  const m = { version: 1, name, ...body, output: { dir: `out-${name}` } };
  writeFileSync(manifest, JSON.stringify(m));
  const result = runManifest(parseManifest(m, manifest), { manifestPath: manifest });
  return { result, out: at(`out-${name}`), manifest };
}

const MODEL = {
  windowPpm: [232, 258],
  baseline: { degree: 1 },
  components: [
    {
      name: 'dense',
      shape: 'voigt',
      position: { value: 245, min: 242, max: 248 },
      fwhmG: { value: 3, min: 0.5, max: 6 },
      fwhmL: { value: 1.5, min: 0.1, max: 4 },
    },
    {
      name: 'mossy',
      shape: 'voigt',
      position: { value: 253, min: 250, max: 256 },
      fwhmG: { link: { to: 'dense.fwhmG' } },
      fwhmL: { link: { to: 'dense.fwhmL' } },
    },
  ],
};

const PROCESSING = { phase: 'auto', baseline: 'auto', reference: 'metal:245' };
const FLAGS = ['--baseline', 'auto', '--ref', 'metal:245'];

let experiment: ReturnType<typeof prepareExperiment>;
const cell = () => experiment.cell;

beforeAll(() => {
  experiment = prepareExperiment(at('exp'), { spectra: 6, sweeps: 3 });
  prepareAnodeFreeCell(at('exp'));
  writeFileSync(at('model.json'), JSON.stringify(MODEL));
}, 120_000);

describe('manifest sections equal their commands', () => {
  it('nmr.fit: fits.csv is `spincell fit --model --out`, from a spec file or inline', async () => {
    const a = run({ nmr: { path: 'exp/series', processing: PROCESSING, fit: { model: 'model.json' } } });
    const b = run({ nmr: { path: 'exp/series', processing: PROCESSING, fit: { model: MODEL } } });
    // Beside a morphology fit of the same spectra (which must leave them as they are for the model).
    const c = run({
      nmr: {
        path: 'exp/series',
        processing: PROCESSING,
        morphology: { mode: 'constrained', widthCap: 'auto' },
        fit: { model: 'model.json' },
      },
    });
    const cliOut = at('fit-cli.csv');
    const r = await cli(['fit', at('exp/series'), '--model', at('model.json'), ...FLAGS, '--out', cliOut]);
    expect(r.code, r.stderr).toBe(0);
    const expected = readFileSync(cliOut, 'utf8');
    expect(read(a.out, 'fits.csv')).toBe(expected);
    expect(read(b.out, 'fits.csv')).toBe(expected);
    expect(read(c.out, 'fits.csv')).toBe(expected);
    expect(dataRows(expected).length).toBe(1 + 6 * 2);
    // The model file is an input: hashed in provenance.
    expect(a.result.provenance.inputs.map((i) => i.path)).toContain(at('model.json'));
    expect(a.result.results.nmr?.fits?.every((f) => f.result !== null)).toBe(true);
  });

  it('nmr.processing.fromProcs: integrals.csv is `spincell integrate --from-procs --out`', async () => {
    // Three experiments of the series with a pdata/1/procs that sets the phase, size and broadening.
    const series = at('procs-series');
    const truth = readTruth(at('exp/series'));
    const a = truth.acquisition;
    for (const s of truth.spectra.slice(0, 3)) {
      const e = join(series, String(s.experimentNumber));
      cpSync(at('exp/series', String(s.experimentNumber)), e, { recursive: true });
      mkdirSync(join(e, 'pdata', '1'), { recursive: true });
      const offset = ((a.sfo1MHz - a.bf1MHz) * 1e6 + a.swHz / 2) / a.bf1MHz;
      writeFileSync(
        join(e, 'pdata', '1', 'procs'),
        [
          '##TITLE= procs',
          '##$SI= 16384',
          `##$SF= ${a.bf1MHz}`,
          `##$SW_p= ${a.swHz}`,
          `##$OFFSET= ${offset}`,
          `##$PHC0= ${s.phc0Deg}`,
          `##$PHC1= ${s.phc1Deg}`,
          '##$WDW= 1',
          '##$LB= 3',
          '##$BYTORDP= 0',
          '##$DTYPP= 0',
          '##$NC_proc= 0',
          '##END=',
          '',
        ].join('\n'),
      );
    }
    const m = run({
      nmr: {
        path: 'procs-series',
        processing: { fromProcs: true, baseline: 'auto', reference: 'metal:245' },
        regionsPpm: [[230, 290]],
      },
    });
    const cliOut = at('procs-cli.csv');
    const r = await cli([
      'integrate',
      series,
      '--from-procs',
      ...FLAGS,
      '--region',
      '230:290',
      '--out',
      cliOut,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(read(m.out, 'integrals.csv')).toBe(readFileSync(cliOut, 'utf8'));
    // The phase came from procs (manual), not from the automatic search.
    const rows = m.result.results.nmr!.rows;
    expect(rows.map((x) => x.phase.mode)).toEqual(['manual', 'manual', 'manual']);
    rows.forEach((x, k) => expect(x.phase.ph0Deg).toBeCloseTo(truth.spectra[k].phc0Deg, 9));
    // The same flag on spectra without procs is a manifest error naming the field.
    expect(() =>
      run({ nmr: { path: 'exp/series', processing: { fromProcs: true }, regionsPpm: [[230, 290]] } }),
    ).toThrow(/procs/);
  });

  it('cycler.steps: steps.csv holds the steps, onsets and nucleation overpotentials of `spincell cycler`', async () => {
    const m = run({ cycler: { path: 'exp/cycler.mpt', steps: true } });
    const r = await cli(['--json', 'cycler', at('exp/cycler.mpt')]);
    expect(r.code, r.stderr).toBe(0);
    const steps = JSON.parse(r.stdout).steps as {
      index: number;
      onsetStepTimeS: number | null;
      nucleationOverpotentialV: number | null;
      capacityMAh: number;
    }[];
    const stored = m.result.results.sections!.steps!;
    expect(stored.length).toBe(steps.length);
    const csv = dataRows(read(m.out, 'steps.csv'));
    const h = csv[0].split(',');
    csv.slice(1).forEach((line, k) => {
      const c = line.split(',');
      const num = (name: string) => (c[h.indexOf(name)] === '' ? null : Number(c[h.indexOf(name)]));
      expect(num('step')).toBe(steps[k].index);
      expect(num('capacity_mah')).toBe(steps[k].capacityMAh);
      expect(num('onset_step_time_s')).toBe(steps[k].onsetStepTimeS);
      expect(num('nucleation_overpotential_v')).toBe(steps[k].nucleationOverpotentialV);
    });
    // Truth: the virtual cell's nucleation overpotential on the first plating step (10 s logging).
    const plating = stored.find((s) => s.nucleationOverpotentialV !== null)!;
    expect(Math.abs(plating.nucleationOverpotentialV! - cell().params.nucleationOverpotentialV)).toBeLessThan(
      5e-4,
    );
  });

  it('eis.kk and eis.fit: impedance.csv and circuit-fit.csv equal `eis kk` and `eis fit`', async () => {
    const circuit = 'R0-p(R1,CPE1)-p(R2,CPE2)';
    const guess = [10, 20, 1e-4, 0.8, 15, 0.1, 0.9];
    const m = run({
      eis: {
        paths: ['exp/eis.mpt'],
        kk: { c: 0.5, thresholdPercent: 1 },
        fit: { circuit, initialGuess: guess },
      },
    });
    const kk = await cli(['--json', 'eis', 'kk', at('exp/eis.mpt'), '--c', '0.5', '--threshold', '1']);
    expect(kk.code, kk.stderr).toBe(0);
    const kkRows = JSON.parse(kk.stdout) as { maxResidualPercent: number; pass: boolean }[];
    const imp = dataRows(read(m.out, 'impedance.csv'));
    const h = imp[0].split(',');
    expect(imp.length - 1).toBe(kkRows.length);
    imp.slice(1).forEach((line, k) => {
      const c = line.split(',');
      // the command prints the same residual in % (100 × the same number)
      expect(100 * Number(c[h.indexOf('kk_max_residual')])).toBe(kkRows[k].maxResidualPercent);
      expect(c[h.indexOf('kk_pass')]).toBe(String(kkRows[k].pass));
    });
    const fit = await cli([
      '--json',
      'eis',
      'fit',
      at('exp/eis.mpt'),
      '--circuit',
      circuit,
      '--guess',
      guess.join(','),
    ]);
    expect(fit.code, fit.stderr).toBe(0);
    const fits = JSON.parse(fit.stdout) as {
      parameters: { name: string; value: number; standardError: number }[];
      chi2: number;
      reducedChi2: number;
      converged: boolean;
    }[];
    const run2 = m.result.results.sections!.circuitFits!;
    expect(run2.fits.length).toBe(3);
    run2.fits.forEach((f, k) =>
      f.parameters.forEach((p, i) => {
        expect(p.name).toBe(fits[k].parameters[i].name);
        expect(p.value).toBe(fits[k].parameters[i].value);
      }),
    );
    const csv = dataRows(read(m.out, 'circuit-fit.csv'));
    expect(csv.length).toBe(1 + 3 * 7);
    const ch = csv[0].split(',');
    csv.slice(1).forEach((line, j) => {
      const c = line.split(',');
      const f = fits[Number(c[ch.indexOf('sweep')])];
      const p = f.parameters[j % 7];
      expect(c[ch.indexOf('parameter')]).toBe(p.name);
      expect(Number(c[ch.indexOf('value')])).toBe(p.value);
      expect(Number(c[ch.indexOf('std_err')])).toBe(p.standardError);
      expect(Number(c[ch.indexOf('chi2')])).toBe(f.chi2);
      expect(Number(c[ch.indexOf('reduced_chi2')])).toBe(f.reducedChi2);
      expect(c[ch.indexOf('converged')]).toBe(String(f.converged));
    });
    // The virtual cell's ohmic resistance (10 Ω) is R0.
    for (const f of run2.fits) expect(f.parameters[0].value).toBeCloseTo(10, 0);
  });

  it('deadLithium: dead-lithium.csv is `spincell dead-lithium --out`; the project stores the allocations', async () => {
    const body = {
      deadLithium: {
        integrals: 'exp/anode-free/integrals.csv',
        cycler: 'exp/anode-free/cycler.mpt',
        socFactor: 1.08,
        areaCm2: 1,
      },
    };
    const project = at('project');
    expect((await cli(['project', 'init', project])).code).toBe(0);
    const manifest = at('dead-lithium.json');
    writeFileSync(
      manifest,
      JSON.stringify({ version: 1, name: 'anode-free', ...body, output: { dir: 'out-dl' } }),
    );
    const r = await cli(['run', manifest, '--project', project]);
    expect(r.code, r.stderr).toBe(0);
    const cliOut = at('dl-cli.csv');
    const c = await cli([
      'dead-lithium',
      at('exp/anode-free/integrals.csv'),
      '--cycler',
      at('exp/anode-free/cycler.mpt'),
      '--soc-factor',
      '1.08',
      '--area-cm2',
      '1',
      '--out',
      cliOut,
    ]);
    expect(c.code, c.stderr).toBe(0);
    const expected = readFileSync(cliOut, 'utf8');
    expect(read('out-dl', 'dead-lithium.csv')).toBe(expected);
    const store = ProjectStore.open(project);
    try {
      const rows = store.db
        .prepare('SELECT cycle, dead_mah, interphase_percent FROM dead_lithium ORDER BY cycle')
        .all() as { cycle: number; dead_mah: number; interphase_percent: number }[];
      const csv = dataRows(expected);
      const h = csv[0].split(',');
      expect(rows.map((x) => x.cycle)).toEqual(ANODE_FREE.measuredCycles);
      csv.slice(1).forEach((line, k) => {
        const v = line.split(',');
        expect(rows[k].dead_mah).toBe(Number(v[h.indexOf('dead_mAh')]));
        expect(rows[k].interphase_percent).toBe(Number(v[h.indexOf('interphase_pct')]));
      });
      const kind = store.db.prepare('SELECT kind FROM experiments').get() as { kind: string };
      expect(kind.kind).toBe('dead-lithium');
    } finally {
      store.close();
    }
    // A manifest naming both capacity sources (or neither) is refused on one line.
    expect(() =>
      parseManifest(
        { version: 1, name: 'x', deadLithium: { integrals: 'a.csv' }, output: { dir: 'o' } },
        'm.json',
      ),
    ).toThrow(/deadLithium\.cycler/);
  });

  it('mri: drift.csv is `spincell mri drift --out`, and v(x, t) follows the Nernst–Planck truth', async () => {
    const sim = writeDriftExperiment(at('mri'), { noise: 0, coilSensitivity: true });
    const t = sim.truth;
    const m = run({
      mri: {
        profiles: 'mri/profiles.csv',
        voltage: 'mri/voltage.csv',
        diffusion: 'mri/d-table.csv',
        temperatureK: t.temperatureK,
        c0MolM3: t.c0MolM3,
        roiUm: t.roiUm,
      },
    });
    const cliOut = at('drift-cli.csv');
    const r = await cli([
      'mri',
      'drift',
      sim.files.profiles,
      '--voltage',
      sim.files.voltage,
      '--diffusion',
      sim.files.diffusion,
      '--temperature',
      String(t.temperatureK),
      '--c0',
      String(t.c0MolM3),
      '--roi',
      `${t.roiUm[0]}:${t.roiUm[1]}`,
      '--out',
      cliOut,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(read(m.out, 'drift.csv')).toBe(readFileSync(cliOut, 'utf8'));
    // Noise-free: every point within 5.4 % of the true maximum (README, Mass transport).
    const d = m.result.results.sections!.drift!.drift;
    const nx = d.xUm.length;
    const vMax = Math.abs(t.maximumVelocityUmPerH);
    let worst = 0;
    for (let k = 0; k < d.timeS.length; k++)
      for (let i = 0; i < nx; i++)
        worst = Math.max(worst, Math.abs(d.velocityUmPerH[k * nx + i] - t.velocityUmPerH[k][i]) / vMax);
    expect(worst).toBeLessThan(0.06);
    // drift-summary.csv: the per-profile numbers `mri drift --json` prints.
    const j = await cli([
      '--json',
      ...['mri', 'drift', sim.files.profiles, '--voltage', sim.files.voltage],
      ...['--diffusion', sim.files.diffusion, '--temperature', String(t.temperatureK)],
      ...['--c0', String(t.c0MolM3), '--roi', `${t.roiUm[0]}:${t.roiUm[1]}`],
    ]);
    const perTime = (
      JSON.parse(j.stdout) as {
        perTime: {
          timeS: number;
          voltageV: number;
          velocityAtPlatingSideUmPerH: number;
          velocityAtFarSideUmPerH: number;
          peakVelocityUmPerH: number;
          spreadUmPerH: number;
          edgeDifferencePercent: number;
        }[];
      }
    ).perTime;
    const summary = dataRows(read(m.out, 'drift-summary.csv'));
    expect(summary.length).toBe(1 + t.timeS.length);
    summary.slice(1).forEach((line, k) => {
      const p = perTime[k];
      expect(line.split(',').map(Number)).toEqual([
        p.timeS,
        p.voltageV,
        p.velocityAtPlatingSideUmPerH,
        p.velocityAtFarSideUmPerH,
        p.peakVelocityUmPerH,
        p.spreadUmPerH,
        p.edgeDifferencePercent,
      ]);
    });
    expect(read(m.out, 'report.html')).toMatch(/Anion drift velocity/);
  });

  it('pfg: pfg.csv holds the D of `spincell pfg`, from the table and from the Bruker ser, near the simulated D', async () => {
    const sim = writePfgExperiment(at('pfg'), { dM2PerS: [2e-12, 0.3e-12], fractions: [0.4, 0.6] });
    for (const path of ['pfg/pfg.csv', 'pfg/bruker']) {
      const m = run({ pfg: { path, deltaMs: 1, bigDeltaMs: 60, components: 2 } });
      const r = await cli([
        '--json',
        'pfg',
        at(path),
        '--delta-ms',
        '1',
        '--Delta-ms',
        '60',
        '--components',
        '2',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as {
        dM2PerS: number[];
        dStandardErrorM2PerS: number[];
        fractions: number[];
        fractionStandardErrors: number[];
        i0: number;
        rSquared: number;
        timing: { effectiveDiffusionTimeS: number };
      };
      const p = m.result.results.sections!.pfg!.fit;
      expect(Array.from(p.dM2PerS)).toEqual(j.dM2PerS);
      expect(Array.from(p.fractions)).toEqual(j.fractions);
      const csv = dataRows(read(m.out, 'pfg.csv'));
      expect(csv.length).toBe(3);
      csv.slice(1).forEach((line, k) => {
        const c = line.split(',');
        expect(c.slice(1, 5).map(Number)).toEqual([
          j.dM2PerS[k],
          j.dStandardErrorM2PerS[k],
          j.fractions[k],
          j.fractionStandardErrors[k],
        ]);
        expect(Number(c[6])).toBe(j.i0);
        expect(Number(c[7])).toBe(j.rSquared);
        expect(Number(c[10])).toBe(j.timing.effectiveDiffusionTimeS);
      });
      // Truth: with 0.2 % noise on 16 points, each D within 3 standard errors and 3 %, fractions within 0.02.
      const order = p.dM2PerS[0] > p.dM2PerS[1] ? [0, 1] : [1, 0];
      order.forEach((k, i) => {
        const err = Math.abs(p.dM2PerS[k] - sim.truth.dM2PerS[i]);
        expect(err).toBeLessThan(3 * p.dStandardErrorM2PerS[k]);
        expect(err / sim.truth.dM2PerS[i]).toBeLessThan(0.03);
        expect(Math.abs(p.fractions[k] - sim.truth.fractions[i])).toBeLessThan(0.02);
      });
      // Bruker inputs are read whole: every file of the experiment is hashed.
      if (path === 'pfg/bruker')
        expect(m.result.provenance.inputs.map((i) => i.path)).toEqual(
          expect.arrayContaining([at('pfg/bruker/ser'), at('pfg/bruker/difflist'), at('pfg/bruker/acqus')]),
        );
    }
  });

  it('²³Na: the morphology follows the nucleus (sodium windows), as `morphology --sodium`, near the simulated fractions', async () => {
    writeOperandoSeries(at('na'), sodiumOperandoOptions({ seed: 5, spectra: 6 }));
    const truth = readTruth(at('na'));
    const m = run({
      nmr: {
        path: 'na',
        processing: { baseline: 'auto', reference: 'metal:1132.5' },
        regionsPpm: [[1100, 1170]],
        morphology: { mode: 'constrained', widthCap: 'auto' },
      },
    });
    const cliOut = at('na-cli.csv');
    const r = await cli([
      'morphology',
      at('na'),
      '--sodium',
      '--baseline',
      'auto',
      '--ref',
      'metal:1132.5',
      '--width-cap',
      'auto',
      '--calibration-window',
      '1120:1150',
      '--out',
      cliOut,
    ]);
    expect(r.code, r.stderr).toBe(0);
    // The command's table adds NS, RG and the scale factor after the manifest's columns.
    const cliRows = dataRows(readFileSync(cliOut, 'utf8')).map((l) => l.split(',').slice(0, -3).join(','));
    expect(dataRows(read(m.out, 'morphology.csv'))).toEqual(cliRows);
    const rows = m.result.results.nmr!.morphology!;
    rows.forEach((row, i) => {
      const w = truth.spectra[i].morphologyTruth;
      // Sodium windows: metal = electrode + dense deposits; microstructure = mossy, dead and dendritic metal.
      const micro = w.mossy.fraction + w.dendritic.fraction;
      const fitted = row.result!.components.find((c) => c.morphology === 'microstructure')!.fraction;
      expect(Math.abs(fitted - micro)).toBeLessThan(0.015);
    });
    // The Li windows on a ²³Na series are refused up front, naming NUC1.
    expect(() =>
      run({ nmr: { path: 'na', morphology: { mode: 'constrained', windows: 'lithium' } } }),
    ).toThrow(/NUC1|23Na/);
  });
});

describe('manifest sections: bad input is one line naming the manifest field', () => {
  const message = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('no error');
  };

  it('schema: wrong or missing fields are named by their JSON path', () => {
    const base = { version: 1, name: 'x', output: { dir: 'o' } };
    expect(message(() => parseManifest({ ...base, pfg: { path: 'p.csv', deltaMs: 1 } }, 'm.json'))).toMatch(
      /m\.json: pfg\.bigDeltaMs/,
    );
    expect(
      message(() => parseManifest({ ...base, eis: { paths: ['a.mpt'], kk: { c: 2 } } }, 'm.json')),
    ).toMatch(/eis\.kk\.c/);
    expect(
      message(() =>
        parseManifest(
          { ...base, nmr: { path: 's', morphology: { mode: 'constrained', windows: 'natrium' } } },
          'm.json',
        ),
      ),
    ).toMatch(/nmr\.morphology\.windows.*'lithium', 'sodium'/);
    expect(message(() => parseManifest({ ...base, mri: { profiles: 'p.csv' } }, 'm.json'))).toMatch(
      /mri\.voltage/,
    );
  });

  it('inputs and options: a missing file names its field; a malformed circuit or model names the section', () => {
    expect(
      message(() =>
        run({
          mri: {
            profiles: 'mri/profiles.csv',
            voltage: 'mri/nope.csv',
            diffusion: 'mri/d-table.csv',
            temperatureK: 313.15,
            c0MolM3: 1650,
          },
        }),
      ),
    ).toMatch(/mri\.voltage/);
    const circuit = message(() => run({ eis: { paths: ['exp/eis.mpt'], fit: { circuit: 'R0-p(R1' } } }));
    expect(circuit).toMatch(/m\d+\.json: eis\.fit/);
    expect(circuit.split('\n')).toHaveLength(1);
    const model = message(() =>
      run({ nmr: { path: 'exp/series', fit: { model: { components: [{ name: 'a', shape: 'cauchy' }] } } } }),
    );
    expect(model).toMatch(/m\d+\.json: nmr\.fit\.model/);
  });
});
