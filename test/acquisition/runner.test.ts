import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planSchema, type Plan } from '../../src/acquisition/plan.js';
import { connectInstrument, InstrumentError, serveInstrument } from '../../src/acquisition/protocol.js';
import { existingExpnos, readLog, runAcquisition, type Endpoints } from '../../src/acquisition/runner.js';
import { DataError } from '../../src/core/errors.js';
import {
  startVirtualCycler,
  startVirtualSpectrometer,
  startVirtualTuning,
} from '../../src/sim/instruments.js';
import { readCyclerFile } from '../../src/io/cycler/index.js';
import { readImpedance } from '../../src/io/eis/detect.js';
import { cli } from '../cli/helpers.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'spincell-acquire-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Virtual instruments in this process (each its own TCP server, as in separate processes). */
async function virtualLab(speed: number, seed = 1, maxCurrentMA = 10) {
  const cycler = await startVirtualCycler({ speed, maxCurrentMA });
  const tuning = await startVirtualTuning({ cyclerPort: cycler.port, seed });
  const spectrometer = await startVirtualSpectrometer({
    speed,
    cyclerPort: cycler.port,
    tuningPort: tuning.port,
    seed,
  });
  const endpoints: Endpoints = {
    cycler: { port: cycler.port },
    tuning: { port: tuning.port },
    spectrometer: { port: spectrometer.port },
  };
  return {
    endpoints,
    tuning,
    close: async () => {
      await spectrometer.close();
      await tuning.close();
      await cycler.close();
    },
  };
}

function plan(overrides: Record<string, unknown> = {}): Plan {
  return planSchema.parse({
    version: 1,
    name: 'operando with a drifting probe',
    dataFolder: 'data',
    cycling: {
      steps: [
        { kind: 'rest', durationS: 300 },
        // 3 mA for up to 5 h: 48 spectra of 130 s take at least 1.7 h of it, ≥ 5 mAh of deposits, which
        // detune the probe by well over its bandwidth. (The virtual clock runs on during tuning, so a busy
        // machine spreads the spectra further, never fewer than 48.)
        { kind: 'plate', currentMA: 3, durationS: 18000 },
        { kind: 'rest', durationS: 600 },
      ],
    },
    nmr: { scans: 24, recycleDelayS: 5, complexPoints: 2048, swHz: 100000 },
    stop: { maxSpectra: 48 },
    ...overrides,
  });
}

const acquiredEvents = (folder: string) =>
  readLog(join(folder, 'acquisition.log.jsonl')).filter((e) => e.event === 'acquired');

describe('instrument protocol', () => {
  it('answers requests by id, reports instrument errors with their code, and times out', async () => {
    const { server, port } = await serveInstrument('tuning', 'test unit', {
      echo: (p) => ({ got: p.x }),
      refuse: () => {
        throw new InstrumentError('rejected', 'no');
      },
      slow: () => new Promise((r) => setTimeout(() => r({}), 500)),
    });
    const client = await connectInstrument('tuning', port);
    expect(await client.call('hello')).toMatchObject({ kind: 'tuning', name: 'test unit' });
    const [a, b] = await Promise.all([client.call('echo', { x: 1 }), client.call('echo', { x: 2 })]);
    expect([a, b]).toEqual([{ got: 1 }, { got: 2 }]);
    await expect(client.call('refuse')).rejects.toMatchObject({ code: 'rejected' });
    await expect(client.call('nope')).rejects.toMatchObject({ code: 'unknown-method' });
    await expect(client.call('slow', {}, 50)).rejects.toMatchObject({ code: 'timeout' });
    const pending = client.call('slow', {}, 5000);
    server.close();
    await expect(pending).rejects.toMatchObject({ code: 'disconnected' });
    client.close();
  });
});

describe('acquisition on virtual instruments', () => {
  it('48 spectra with ATM stay at ≤ −20 dB; without ATM the probe drifts and the spectra lose signal', async () => {
    const withAtm = await virtualLab(1500, 3);
    const without = await virtualLab(1500, 3);
    const a = join(tempDir(), 'atm');
    const b = join(tempDir(), 'no-atm');
    try {
      const [ra, rb] = await Promise.all([
        runAcquisition(plan(), a, withAtm.endpoints),
        runAcquisition(plan({ interleave: { tuneMatch: 'off' } }), b, without.endpoints),
      ]);
      expect(ra.ok).toBe(true);
      expect(rb.ok).toBe(true);
      expect(ra.acquired.length).toBe(48);
      const ea = acquiredEvents(a);
      const eb = acquiredEvents(b);
      // The spectrometer's own reading of the probe, not the controller's estimate.
      for (const e of ea) expect(20 * Math.log10(Number(e.reflection))).toBeLessThanOrEqual(-20);
      const lastB = eb[eb.length - 1];
      expect(20 * Math.log10(Number(lastB.reflection))).toBeGreaterThan(-12);
      expect(Number(lastB.signalFactor)).toBeLessThan(0.9);
      // The loss is in the data: metal integral over the cell's true metal signal, first vs last spectrum.
      const metal = async (folder: string) => {
        const r = await cli(['integrate', folder, '--region', '200:300', '--phase-mode', 'shared', '--json']);
        expect(r.code, r.stderr).toBe(0);
        const doc = JSON.parse(r.stdout) as { spectra: { integrals: number[] }[] };
        return doc.spectra.map((s) => s.integrals[0]);
      };
      const ia = await metal(a);
      const ib = await metal(b);
      const per = (ints: number[], ev: typeof ea) => ints.map((v, i) => v / Number(ev[i].trueMetalArea));
      const ka = per(ia, ea);
      const kb = per(ib, eb);
      // With ATM the response per unit of metal stays flat (within 2 %); without, it falls as the factor says.
      expect(Math.abs(ka[ka.length - 1] / ka[0] - 1)).toBeLessThan(0.02);
      const expected = Number(lastB.signalFactor) / Number(eb[0].signalFactor);
      expect(Math.abs(kb[kb.length - 1] / kb[0] / expected - 1)).toBeLessThan(0.02);
      // The experiment is an ordinary one for the analysis: the manifest written beside it runs.
      const run = await cli(['run', join(a, 'manifest.json'), '--json']);
      expect(run.code, run.stderr).toBe(0);
    } finally {
      await withAtm.close();
      await without.close();
    }
  }, 120_000);

  it('a plan the cycler rejects acquires nothing and the log says why', async () => {
    const lab = await virtualLab(1000);
    const folder = join(tempDir(), 'rejected');
    try {
      const p = plan({ cycling: { steps: [{ kind: 'plate', currentMA: 50, durationS: 600 }] } });
      await expect(runAcquisition(p, folder, lab.endpoints)).rejects.toBeInstanceOf(DataError);
      const log = readLog(join(folder, 'acquisition.log.jsonl'));
      expect(log.find((e) => e.event === 'rejected')?.message).toMatch(
        /50 mA is above this cycler's range of 10 mA/,
      );
      expect(existingExpnos(folder)).toEqual([]);
    } finally {
      await lab.close();
    }
  });

  it('a tuning unit lost mid-run: retries with back-off, then a safe stop (cycler at rest); acquired expnos kept', async () => {
    const lab = await virtualLab(1000);
    const folder = join(tempDir(), 'disconnect');
    try {
      const p = plan({ faults: { retries: 2, backoffMs: 20, timeoutMs: 2000 } });
      let closed = false;
      const summary = await runAcquisition(p, folder, lab.endpoints, {
        onEvent: (e) => {
          if (e.event === 'acquired' && Number(e.expno) === 13 && !closed) {
            closed = true;
            void lab.tuning.close();
          }
        },
      });
      expect(summary.ok).toBe(false);
      expect(summary.reason).toMatch(/tuning did not answer/);
      const log = readLog(join(folder, 'acquisition.log.jsonl'));
      const retries = log.filter((e) => e.event === 'retry');
      expect(retries.map((e) => e.waitMs)).toEqual([20, 40]);
      expect(log.find((e) => e.event === 'safe-stop')).toMatchObject({ cyclerRest: true });
      expect(existingExpnos(folder)).toEqual([10, 11, 12, 13]);
    } finally {
      await lab.close();
    }
  });

  it('refuses a folder that holds an acquisition unless resuming, and resumes without overwriting', async () => {
    const first = await virtualLab(1000);
    const folder = join(tempDir(), 'resume');
    await runAcquisition(plan({ stop: { maxSpectra: 3 } }), folder, first.endpoints);
    await first.close();
    // Restarted instruments: the cycler continues its clock from its state file beside the record.
    const lab = await virtualLab(1000);
    try {
      const hash = (n: number) =>
        createHash('sha256')
          .update(readFileSync(join(folder, String(n), 'fid')))
          .digest('hex');
      const before = [10, 11, 12].map(hash);
      await expect(runAcquisition(plan({ stop: { maxSpectra: 5 } }), folder, lab.endpoints)).rejects.toThrow(
        /already holds an acquisition/,
      );
      const again = await runAcquisition(plan({ stop: { maxSpectra: 5 } }), folder, lab.endpoints, {
        resume: true,
      });
      expect(again.acquired).toEqual([13, 14]);
      expect([10, 11, 12].map(hash)).toEqual(before);
      expect(readdirSync(folder).filter((n) => n.startsWith('.'))).toEqual([]);
    } finally {
      await lab.close();
    }
  });
});

describe('interleaving', () => {
  it('in situ holds, impedance sweeps and the record as CSV: spectra only in rests, sweeps readable, run analyses all', async () => {
    const lab = await virtualLab(2000);
    const folder = join(tempDir(), 'holds');
    try {
      const steps = [
        { kind: 'rest', durationS: 900 },
        { kind: 'plate', currentMA: 1, durationS: 1800 },
        { kind: 'rest', durationS: 900 },
        { kind: 'strip', currentMA: 1, durationS: 1800 },
        { kind: 'rest', durationS: 900 },
      ];
      const p = plan({
        cycling: { steps },
        stop: {},
        interleave: {
          mode: 'holds',
          tuneMatch: 'every',
          impedance: { everySpectra: 2, fStartHz: 1e5, fEndHz: 1, perDecade: 5 },
        },
      });
      const summary = await runAcquisition(p, folder, lab.endpoints);
      expect(summary.ok).toBe(true);
      const events = acquiredEvents(folder);
      expect(events.length).toBeGreaterThanOrEqual(6);
      const rests = [
        [0, 900],
        [2700, 3600],
        [5400, 6300],
      ];
      for (const e of events) {
        const [s, t] = [Number(e.startS), Number(e.endS)];
        expect(
          rests.some(([a, b]) => s >= a && t <= b),
          `spectrum ${s}–${t} s outside the rests`,
        ).toBe(true);
      }
      const sweeps = readLog(join(folder, 'acquisition.log.jsonl')).filter((e) => e.event === 'impedance');
      expect(sweeps.length).toBe(Math.ceil(events.length / 2));
      const spectrum = readImpedance(String(sweeps[0].path));
      expect(spectrum.freqHz.length).toBe(26);
      // Low-frequency limit of the virtual cell: R0 + R_SEI + R_ct (ZARCs fully relaxed at 1 Hz within 2 %).
      const zLow = spectrum.zReOhm[spectrum.zReOhm.length - 1];
      expect(zLow).toBeGreaterThan(10 + 2 + 40);
      const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')) as {
        eis?: { paths: string[] };
      };
      expect(manifest.eis?.paths.length).toBe(sweeps.length);
      const mpt = readCyclerFile(join(folder, 'cycler.mpt'));
      const csv = readCyclerFile(join(folder, 'cycler.csv'));
      expect(csv.rowCount).toBe(mpt.rowCount);
      const run = await cli(['run', join(folder, 'manifest.json'), '--json']);
      expect(run.code, run.stderr).toBe(0);
    } finally {
      await lab.close();
    }
  }, 60_000);
});
