/**
 * The electrochemistry routes over the fixture project (a simulated Li‖Li operando experiment run by the
 * pipeline into a store): the cycles equal the cycles.csv `spincell run` wrote for the same manifest; the
 * steps' onset and nucleation overpotential equal what `spincell cycler --json` prints for the cycler
 * file; dQ/dV equals `differentialCapacity` on the file read directly, and conserves charge (∑ dQ/dV·ΔV
 * = the half cycle's capacity); the nucleation overpotential is the simulator's (60 mV on bare lithium,
 * src/sim/cell.ts); voltage-against-capacity curves end at the stored capacities. Unknown runs and
 * cycles are a one-line 404, bad parameters a 400.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKey, storeRun } from '../../src/store/index.js';
import { readManifest, runManifest } from '../../src/pipeline/index.js';
import { readCyclerFile } from '../../src/io/cycler/index.js';
import { differentialCapacity, segmentSteps, seriesFromRecords } from '../../src/echem/index.js';
import { DEFAULT_CELL } from '../../src/sim/cell.js';
import { fixtureManifest, makeFixture, serveFixture } from './fixture.js';
import { cli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-echem-'));
const served = serveFixture(dir, (d) => makeFixture(d, 6));
const get = (url: string) => served.get(url);
const cyclerPath = () => join(served.fx.dir, 'data', 'cycler.mpt');

interface Curve {
  cycle: number;
  half: string;
  bins?: number;
  voltageV: number[];
  dqdvMAhPerV?: number[];
  capacityMAh?: number[];
}

describe('electrochemistry routes', () => {
  it('cycles: the rows of the cycles.csv that spincell run wrote', async () => {
    const { status, body } = await get(`/api/runs/${served.fx.runId}/cycles`);
    expect(status).toBe(200);
    const lines = readFileSync(join(served.fx.result.outputDir, 'cycles.csv'), 'utf8').trim().split('\n');
    const head = lines[0].split(',');
    const csv = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, k) => [head[k], v])));
    const rows = body.cycles as Record<string, number | boolean | null>[];
    expect(rows.length).toBe(csv.length);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    const n = (v: string) => (v === '' ? null : Number(v));
    rows.forEach((r, k) => {
      expect(r.cycle).toBe(Number(csv[k].cycle));
      expect(r.chargeMAh).toBe(n(csv[k].charge_mAh));
      expect(r.dischargeMAh).toBe(n(csv[k].discharge_mAh));
      expect(r.coulombicEfficiency).toBe(n(csv[k].coulombic_efficiency));
      expect(r.stateOfHealth).toBe(n(csv[k].state_of_health));
      expect(r.chargeMAhPerCm2).toBe(n(csv[k].charge_mAh_cm2));
      expect(r.complete).toBe(csv[k].complete === 'true');
    });
    // the second cycle's CV charge stops short of the plated 2 mAh: CE < 1 (the cell loses lithium)
    expect(rows[2].coulombicEfficiency as number).toBeLessThan(1);
  });

  it('steps: onset and nucleation overpotential as spincell cycler --json prints them', async () => {
    const { body } = await get(`/api/runs/${served.fx.runId}/cycles`);
    const r = await cli(['--json', 'cycler', cyclerPath()]);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as {
      steps: {
        index: number;
        cycle: number;
        startS: number;
        onsetStepTimeS: number | null;
        nucleationOverpotentialV: number | null;
      }[];
    };
    const steps = body.steps as {
      step: number;
      cycle: number;
      startS: number;
      onset: { stepTimeS: number; timeS: number } | null;
      nucleation: { overpotentialV: number; voltageV: number; plateauVoltageV: number } | null;
    }[];
    expect(steps.length).toBe(printed.steps.length);
    steps.forEach((s, k) => {
      const p = printed.steps[k];
      expect([s.step, s.cycle, s.startS]).toEqual([p.index, p.cycle, p.startS]);
      expect(s.onset?.stepTimeS ?? null).toBe(p.onsetStepTimeS);
      expect(s.nucleation?.overpotentialV ?? null).toBe(p.nucleationOverpotentialV);
    });
    const plating = steps.filter((s) => s.nucleation);
    expect(plating.length).toBeGreaterThanOrEqual(2);
    // the simulator's nucleation overpotential on bare lithium (first plating), known truth
    expect(plating[0].nucleation!.overpotentialV).toBeCloseTo(DEFAULT_CELL.nucleationOverpotentialV, 3);
    // the dip lies below the plateau (plating: negative voltage)
    for (const s of plating) expect(s.nucleation!.voltageV).toBeLessThan(s.nucleation!.plateauVoltageV);
    expect(steps.some((s) => s.onset)).toBe(true);
  });

  it('dQ/dV: differentialCapacity on the cycler file itself, and ∑ dQ/dV·ΔV = the capacity', async () => {
    const { status, body } = await get(`/api/runs/${served.fx.runId}/dqdv?cycle=1,2&binV=0.002&width=4000`);
    expect(status).toBe(200);
    const curves = body.curves as Curve[];
    expect(curves.map((c) => `${c.cycle}${c.half}`)).toEqual([
      '1charge',
      '1discharge',
      '2charge',
      '2discharge',
    ]);
    const series = seriesFromRecords(readCyclerFile(cyclerPath()));
    const steps = segmentSteps(series);
    const { body: cb } = await get(`/api/runs/${served.fx.runId}/cycles`);
    const cycles = cb.cycles as {
      cycle: number;
      startS: number;
      endS: number;
      chargeMAh: number;
      dischargeMAh: number;
    }[];
    for (const c of curves) {
      const cyc = cycles.find((x) => x.cycle === c.cycle)!;
      const half = steps.filter(
        (s) => s.direction === c.half && s.startS >= cyc.startS && s.endS <= cyc.endS,
      );
      const ref = differentialCapacity(series, half[0].startRow, half[half.length - 1].endRow, 0.002);
      expect(c.bins).toBe(ref.voltageV.length);
      expect(c.voltageV.length).toBe(ref.voltageV.length); // 4000 px: not thinned
      expect(c.voltageV).toEqual(Array.from(ref.voltageV));
      expect(c.dqdvMAhPerV).toEqual(Array.from(ref.dqdvMAhPerV));
      const charge = c.dqdvMAhPerV!.reduce((a, b) => a + b, 0) * 0.002;
      expect(charge).toBeCloseTo(c.half === 'charge' ? cyc.chargeMAh : cyc.dischargeMAh, 6);
    }
  });

  it('dQ/dV is thinned to the screen keeping the peaks', async () => {
    const full = (await get(`/api/runs/${served.fx.runId}/dqdv?cycle=1&binV=0.0002&width=4000`)).body
      .curves as Curve[];
    const thin = (await get(`/api/runs/${served.fx.runId}/dqdv?cycle=1&binV=0.0002&width=16`)).body
      .curves as Curve[];
    expect(full[0].voltageV.length).toBeGreaterThan(thin[0].voltageV.length);
    expect(thin[0].voltageV.length).toBeLessThanOrEqual(16 * 3 + 1);
    expect(Math.max(...thin[0].dqdvMAhPerV!)).toBe(Math.max(...full[0].dqdvMAhPerV!));
  });

  it('voltage against capacity: each half runs from 0 to the stored capacity', async () => {
    const { body } = await get(`/api/runs/${served.fx.runId}/capacity-curves?cycle=1,2`);
    const { body: cb } = await get(`/api/runs/${served.fx.runId}/cycles`);
    const cycles = cb.cycles as { cycle: number; chargeMAh: number; dischargeMAh: number }[];
    const curves = body.curves as Curve[];
    expect(curves.length).toBe(4);
    for (const c of curves) {
      const cyc = cycles.find((x) => x.cycle === c.cycle)!;
      const cap = c.capacityMAh!;
      expect(cap[0]).toBe(0);
      expect(cap[cap.length - 1]).toBeCloseTo(c.half === 'charge' ? cyc.chargeMAh : cyc.dischargeMAh, 9);
      for (let k = 1; k < cap.length; k++) expect(cap[k]).toBeGreaterThanOrEqual(cap[k - 1]);
    }
  });

  it('areal capacities: a run of the same experiment with an electrode area, as spincell cycler --area-cm2', async () => {
    const areaCm2 = 1.54; // a 14 mm disc
    const m = fixtureManifest('data/series', 'data/cycler.mpt', 'out-area');
    const file = join(served.fx.dir, 'm-area.json');
    writeFileSync(file, JSON.stringify({ ...m, cycler: { ...m.cycler, areaCm2 } }));
    const manifest = readManifest(file);
    const result = runManifest(manifest, { manifestPath: file });
    const run = storeRun(served.store, {
      key: runKey(manifest, file),
      cell: served.store.cell('bench', 'Li-Li'),
      provenance: result.provenance,
      results: result.results,
      outputDir: result.outputDir,
    });
    const { body } = await get(`/api/runs/${run}/cycles`);
    const r = await cli(['--json', 'cycler', cyclerPath(), '--area-cm2', String(areaCm2)]);
    const printed = JSON.parse(r.stdout) as {
      cycles: { number: number; chargeMAhPerCm2: number | null; dischargeMAhPerCm2: number | null }[];
    };
    const rows = body.cycles as {
      cycle: number;
      chargeMAhPerCm2: number | null;
      dischargeMAhPerCm2: number | null;
    }[];
    expect(rows.map((c) => c.cycle)).toEqual(printed.cycles.map((c) => c.number));
    rows.forEach((c, k) => {
      expect(c.chargeMAhPerCm2).toBeCloseTo(printed.cycles[k].chargeMAhPerCm2!, 12);
      expect(c.dischargeMAhPerCm2).toBeCloseTo(printed.cycles[k].dischargeMAhPerCm2!, 12);
    });
    // 2 mAh plated over 1.54 cm²
    expect(rows[1].dischargeMAhPerCm2).toBeCloseTo(2 / areaCm2, 9);
    expect((body.settings as { areaCm2: number }).areaCm2).toBe(areaCm2);
  });

  it('SVG exports of the three plots', async () => {
    for (const f of ['cycles', 'capacity', 'dqdv']) {
      const r = await served.wb.app.inject({
        method: 'GET',
        url: `/api/runs/${served.fx.runId}/echem-figures/${f}.svg?cycle=1,2`,
        headers: { host: '127.0.0.1:80' },
      });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/svg/);
      expect(r.body).toMatch(/^<svg|<\?xml/);
      expect(r.body).toContain('<path');
      if (f === 'cycles') expect(r.body).toContain('CE, SOH / %');
      if (f === 'dqdv') expect(r.body).toContain('cycle 2 discharge');
    }
  });

  it('unknown run or cycle: 404 with one line; bad parameters: 400', async () => {
    for (const url of [
      '/api/runs/999/cycles',
      '/api/runs/999/dqdv?cycle=1',
      `/api/runs/${served.fx.runId}/dqdv?cycle=77`,
    ]) {
      const { status, body } = await get(url);
      expect(status, url).toBe(404);
      expect(String(body.error)).not.toContain('\n');
      expect(String(body.error).length).toBeGreaterThan(5);
    }
    for (const url of [
      `/api/runs/${served.fx.runId}/dqdv`,
      `/api/runs/${served.fx.runId}/dqdv?cycle=1&binV=0`,
      `/api/runs/${served.fx.runId}/dqdv?cycle=x`,
      `/api/runs/${served.fx.runId}/capacity-curves?cycle=1&evil=1`,
    ])
      expect((await get(url)).status, url).toBe(400);
  });
});
