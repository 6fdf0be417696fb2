/**
 * Project store: one run of 1,000 spectra with morphology fits (three components each, with
 * uncertainties), two integral regions, alignment and 50 cycles, stored in one transaction into a fresh
 * spincell.db; then the morphology table read back by run. There is no reference implementation to race,
 * so the figures are printed plainly (best and median of the rounds, the load average before each round,
 * flagged above the harness' limit). The stored values are synthetic (seeded random numbers of the right
 * shapes): the cost of storing does not depend on them; the equality of stored and computed numbers is
 * tested in test/store/project.test.ts.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlignedSpectrum, Cycle, CyclerSeries } from '../src/echem/index.js';
import type { Manifest, Provenance, RunResults } from '../src/pipeline/index.js';
import type { MorphologySeriesRow } from '../src/protocols/index.js';
import { exportTable, ProjectStore, type RunKey, storeRun } from '../src/store/index.js';
import { storedSpectrum } from '../src/store/spectrum-data.js';
import { CORES, LOAD_LIMIT, formatSeconds, load1, median } from './harness.js';

const SPECTRA = 1000;
const ROUNDS = 5;

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

const axis = Float64Array.from({ length: 8192 }, (_, i) => 500 - (1000 * i) / 8191);

/** A 10-s record of the 600,000 s the spectra span (60,001 rows). */
function cyclerSeries(u: () => number): CyclerSeries {
  const m = 60_001;
  const timeS = Float64Array.from({ length: m }, (_, i) => 10 * i);
  const col = () => Float64Array.from({ length: m }, () => u());
  return {
    source: '/data/cycler.mpt',
    timeS,
    voltageV: col(),
    currentMA: col(),
    chargeMAh: col(),
    startMs: 0,
    warnings: [],
  };
}

function results(u: () => number): RunResults {
  const t0 = Date.parse('2026-03-01T00:00:00Z');
  const iso = (ms: number) => new Date(ms).toISOString();
  const rows = Array.from({ length: SPECTRA }, (_, i) => {
    const start = t0 + i * 600_000;
    return {
      identity: {
        index: i,
        experimentNumber: i + 1,
        rowIndex: null,
        source: `/data/series/${i + 1}`,
        startIso: iso(start),
        midIso: iso(start + 300_000),
        endIso: iso(start + 600_000),
        timeSource: 'audita.txt',
        variable: null,
      },
      midMs: start + 300_000,
      timeS: i * 600,
      integrals: [1e6 * (1 + u()), 1e4 * u()],
      ns: 64,
      rg: 101,
      scaleFactor: 1 / (64 * 101),
      phase: { mode: 'shared' as const, ph0Deg: 37.2, ph1Deg: -4.1, pivotPpm: 245 },
      referenceOffsetPpm: -0.3 + 0.01 * u(),
    };
  });
  const names = ['smooth', 'mossy', 'dendritic'];
  const morphology = rows.map((r) => {
    const areas = names.map(() => u());
    const total = areas.reduce((a, b) => a + b, 0);
    return {
      index: r.identity.index,
      experimentNumber: r.identity.experimentNumber,
      source: r.identity.source,
      result: {
        rSquared: 0.99 + 0.01 * u(),
        converged: true,
        referenceShiftPpm: 0,
        fit: {
          windowPpm: [230, 290],
          baseline: { coefficients: [u(), u()], centrePpm: 260, halfWidthPpm: 30 },
        },
        components: names.map((morph, k) => ({
          morphology: morph,
          positionPpm: 246 + 10 * k + u(),
          positionStdErrPpm: 0.01 * u(),
          fwhmPpm: 2 + u(),
          fwhmGPpm: 1 + u(),
          fwhmLPpm: 1 + u(),
          area: areas[k],
          areaStdErr: 0.01 * u(),
          fraction: areas[k] / total,
          fractionStdErr: 0.005 * u(),
        })),
      },
      error: null,
    } as unknown as MorphologySeriesRow;
  });
  const aligned: AlignedSpectrum[] = rows.map((r, i) => ({
    index: i,
    label: String(i + 1),
    startMs: r.midMs - 300_000,
    endMs: r.midMs + 300_000,
    startS: r.timeS,
    endS: r.timeS + 600,
    midS: r.timeS + 300,
    status: 'inside',
    straddlesStep: false,
    meanVoltageV: 3.8 + 0.1 * u(),
    meanCurrentMA: 0.5,
    chargeStartMAh: u(),
    chargeMidMAh: u(),
    chargeEndMAh: u(),
    chargeMeanMAh: u(),
    stepIndex: i >> 4,
    instrumentStep: i >> 4,
    stepType: 'cc',
    direction: 'charge',
    cycle: 1 + (i >> 5),
    stepCapacityMAh: u(),
    socPct: 100 * u(),
  })) as AlignedSpectrum[];
  const cycles: Cycle[] = Array.from({ length: 50 }, (_, k) => ({
    number: k + 1,
    firstStep: 2 * k,
    lastStep: 2 * k + 1,
    startS: k * 12_000,
    endS: (k + 1) * 12_000,
    chargeMAh: 2,
    dischargeMAh: 1.9 + 0.05 * u(),
    chargeMAhPerCm2: null,
    dischargeMAhPerCm2: null,
    coulombicEfficiency: 0.95 + 0.02 * u(),
    stateOfHealth: 1 - 0.001 * k,
    complete: true,
  }));
  return {
    nmr: {
      regionsPpm: [
        [230, 290],
        [-20, 20],
      ],
      rows,
      morphology,
      messages: [],
      slices: [],
      // each spectrum 8k points as processed, kept at 4,096 for drawing (the blobs dominate the file)
      stored: rows.map(() =>
        storedSpectrum(
          axis,
          Float64Array.from(axis, () => u()),
        ),
      ),
      windows: [],
      nucleus: '7Li',
    },
    cycler: { series: cyclerSeries(u), cycles, gaps: [] },
    aligned,
    eis: null,
  };
}

export default async function run(): Promise<void> {
  const u = rng(2026);
  const res = results(u);
  const manifest = { version: 1, name: 'bench', output: { dir: '/tmp/out' } } as Manifest;
  const inputs = Array.from({ length: 2 * SPECTRA }, (_, i) => ({
    path: `/data/series/${(i >> 1) + 1}/${i % 2 ? 'acqus' : 'fid'}`,
    bytes: i % 2 ? 9_000 : 65_536,
    sha256: i.toString(16).padStart(64, '0'),
  }));
  const key: RunKey = {
    manifestPath: '/data/m.json',
    manifest,
    manifestHash: 'a'.repeat(64),
    inputs,
    inputsHash: 'b'.repeat(64),
    spincellVersion: 'bench',
  };
  const provenance = {
    spincell: 'bench',
    node: process.version,
    manifestPath: '/data/m.json',
    manifest,
    inputs,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    outputs: [],
  } as Provenance;

  const storeS: number[] = [];
  const readS: number[] = [];
  const loads: number[] = [];
  let bytes = 0;
  let morphologyRows = 0;
  for (let round = 0; round <= ROUNDS; round++) {
    const dir = mkdtempSync(join(tmpdir(), 'spincell-bench-store-'));
    try {
      loads.push(load1());
      const s = ProjectStore.init(dir);
      const t0 = performance.now();
      const id = storeRun(s, { key, cell: null, provenance, results: res });
      const t1 = performance.now();
      morphologyRows = exportTable(s, 'morphology', { run: id }).rows.length;
      const t2 = performance.now();
      s.close();
      bytes = statSync(join(dir, 'spincell.db')).size;
      if (round > 0) {
        // round 0 is a warm-up
        storeS.push((t1 - t0) / 1000);
        readS.push((t2 - t1) / 1000);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const underLoad = loads.some((l) => l > LOAD_LIMIT);
  console.log(
    `store one run of ${SPECTRA} spectra with fits (${morphologyRows} morphology rows, ${2 * SPECTRA} integrals, ` +
      `${SPECTRA} aligned rows, 50 cycles, ${inputs.length} inputs), one transaction, fresh spincell.db:`,
  );
  console.log(
    `  store: best ${formatSeconds(Math.min(...storeS))}, median ${formatSeconds(median(storeS))} over ${ROUNDS} rounds`,
  );
  console.log(
    `  read the morphology table back by run: best ${formatSeconds(Math.min(...readS))}, median ${formatSeconds(median(readS))}`,
  );
  console.log(
    `  database size after close (WAL checkpointed): ${(bytes / 2 ** 20).toFixed(2)} MiB (${bytes} bytes)`,
  );
  console.log(
    `  load average before each round: ${loads.map((l) => l.toFixed(2)).join(', ')} (${CORES} cores)` +
      (underLoad ? `; UNDER LOAD (> ${LOAD_LIMIT.toFixed(1)}): times less certain` : ''),
  );
}
