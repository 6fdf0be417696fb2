/**
 * The experiment plan: what `spincell acquire` runs. A JSON document (validated here) naming the cell and
 * its cycling protocol, the NMR acquisition, how the two interleave (continuous acquisition during
 * cycling, tuning/matching after every spectrum or above a reflection threshold), when to stop, where the
 * data go and which instruments to use. `spincell acquire init` writes a documented example.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { DataError, MissingFileError } from '../core/errors.js';

const finite = z.number().finite();
const positive = finite.positive();
const text = z.string().min(1).max(4096);

const step = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rest'), durationS: positive.max(1e8) }).strict(),
  z.object({ kind: z.literal('plate'), currentMA: positive.max(1e6), durationS: positive.max(1e8) }).strict(),
  z.object({ kind: z.literal('strip'), currentMA: positive.max(1e6), durationS: positive.max(1e8) }).strict(),
  z
    .object({ kind: z.literal('hold'), voltageV: finite.min(-100).max(100), durationS: positive.max(1e8) })
    .strict(),
]);
export type PlanStep = z.infer<typeof step>;

const repeat = z
  .object({ repeat: z.number().int().min(1).max(10_000), steps: z.array(step).min(1).max(1000) })
  .strict();

const endpoint = z
  .object({ host: text.default('127.0.0.1'), port: z.number().int().min(1).max(65535) })
  .strict();

export const planSchema = z
  .object({
    version: z.literal(1),
    name: text,
    /** Where the experiment is written (relative to the plan file): expno folders, cycler record, log. */
    dataFolder: text,
    cell: z
      .object({ areaCm2: positive.max(1e6).default(1), description: text.optional() })
      .strict()
      .default({ areaCm2: 1 }),
    cycling: z
      .object({
        steps: z
          .array(z.union([step, repeat]))
          .min(1)
          .max(1000),
        /** Cycler logging interval, s. */
        sampleIntervalS: positive.max(3600).default(10),
      })
      .strict(),
    nmr: z
      .object({
        nucleus: text.default('7Li'),
        fieldT: positive.max(40).default(9.4),
        pulseProgram: text.default('zg'),
        scans: z.number().int().min(1).max(1_000_000),
        dummyScans: z.number().int().min(0).max(1000).default(2),
        recycleDelayS: finite.min(0).max(1e5),
        complexPoints: z
          .number()
          .int()
          .min(64)
          .max(4 * 1024 * 1024)
          .refine((n) => (n & (n - 1)) === 0, 'must be a power of two'),
        swHz: positive.max(1e8),
        receiverGain: positive.max(1e6).default(101),
        firstExpno: z.number().int().min(1).max(1e8).default(10),
        /** π/2 pulse length, µs (e.g. from `spincell relax nutation`), written as P1. */
        pulseUs: positive.max(1e5).optional(),
        /**
         * Quantitative conditions: the slowest T1 of the lines to be quantified (e.g. from `spincell relax
         * t1`) and the recovered fraction of M0 each spectrum must reach. A plan whose D1 + AQ falls short
         * is refused when it is read.
         */
        quantitative: z
          .object({
            t1S: positive.max(1e5),
            accuracy: z.number().gt(0).lt(1).default(0.99),
            source: text.optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    interleave: z
      .object({
        /**
         * 'continuous': one spectrum after the other while the cell cycles; 'holds': in situ, spectra only
         * while the cell rests or is held (the rest/hold steps of the protocol are the chosen states).
         */
        mode: z.enum(['continuous', 'holds']).default('continuous'),
        /** Tune and match before every spectrum, only when |Γ| exceeds thresholdDb, or never. */
        tuneMatch: z.enum(['every', 'threshold', 'off']).default('every'),
        thresholdDb: finite.min(-80).max(0).default(-20),
        /** An impedance sweep before every n-th spectrum (the first included), written to eis/. */
        impedance: z
          .object({
            everySpectra: z.number().int().min(1).max(1_000_000),
            fStartHz: positive.max(1e8).default(1e5),
            fEndHz: positive.max(1e8).default(0.1),
            perDecade: z.number().int().min(1).max(100).default(8),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({ mode: 'continuous', tuneMatch: 'every', thresholdDb: -20 }),
    stop: z
      .object({
        maxSpectra: z.number().int().min(1).max(1_000_000).optional(),
        /** Stop when the cell voltage leaves this range, V. */
        voltageRangeV: z.tuple([finite, finite]).optional(),
      })
      .strict()
      .default({}),
    /** Where the instruments listen (absent when `--virtual` starts virtual ones). */
    instruments: z
      .object({ spectrometer: endpoint, cycler: endpoint, tuning: endpoint.optional() })
      .strict()
      .optional(),
    /** Retries of a failed instrument call before a safe stop, and the first back-off, ms (doubling). */
    faults: z
      .object({
        retries: z.number().int().min(0).max(20).default(3),
        backoffMs: positive.max(60_000).default(200),
        timeoutMs: positive.max(3_600_000).default(30_000),
      })
      .strict()
      .default({ retries: 3, backoffMs: 200, timeoutMs: 30_000 }),
  })
  .strict();

export type Plan = z.infer<typeof planSchema>;

/** The cycling protocol with repeats unrolled. */
export function planSteps(plan: Plan): PlanStep[] {
  const out: PlanStep[] = [];
  for (const s of plan.cycling.steps) {
    if ('repeat' in s) for (let k = 0; k < s.repeat; k++) out.push(...s.steps);
    else out.push(s);
  }
  return out;
}

/** Reads and validates a plan; paths in it are resolved against the plan's folder. */
export function readPlan(path: string): { plan: Plan; dataFolder: string } {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    throw new MissingFileError('plan file not found', { file: path });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new DataError('plan is not valid JSON', {
      file: path,
      found: error instanceof Error ? error.message : String(error),
      expected: 'a JSON object (spincell acquire init writes an example)',
    });
  }
  const parsed = planSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DataError(issue.message, {
      file: path,
      field: issue.path.join('.') || '(plan)',
      expected: 'see spincell acquire init',
    });
  }
  checkQuantitative(parsed.data, path);
  return { plan: parsed.data, dataFolder: resolve(dirname(path), parsed.data.dataFolder) };
}

/**
 * Repetition time D1 + AQ that recovers `accuracy` of M0 between 90° pulses with mono-exponential
 * recovery, 1 − e^{−TR/T1} = accuracy: TR = −T1·ln(1 − accuracy) (5·T1 → 99.3 %).
 */
export function quantitativeRepetitionS(t1S: number, accuracy: number): number {
  return -t1S * Math.log(1 - accuracy);
}

function checkQuantitative(plan: Plan, path: string): void {
  const q = plan.nmr.quantitative;
  if (!q) return;
  const aqS = plan.nmr.complexPoints / plan.nmr.swHz;
  const needS = quantitativeRepetitionS(q.t1S, q.accuracy);
  const haveS = plan.nmr.recycleDelayS + aqS;
  if (haveS + 1e-9 < needS)
    throw new DataError('the recycle delay is too short for quantitative spectra', {
      file: path,
      field: 'nmr.recycleDelayS',
      found: `${plan.nmr.recycleDelayS} s (D1 + AQ = ${haveS.toPrecision(4)} s recovers ${(100 * (1 - Math.exp(-haveS / q.t1S))).toFixed(2)} % of M0)`,
      expected: `≥ ${Math.max(0, needS - aqS).toPrecision(4)} s for ${(100 * q.accuracy).toFixed(1)} % with T1 = ${q.t1S} s${q.source ? ` (${q.source})` : ''}`,
    });
}

/** The example `spincell acquire init` writes: an 8-spectrum-per-hour operando plating/stripping run. */
export function examplePlan(): Record<string, unknown> {
  return {
    version: 1,
    name: 'Li||Cu operando plating and stripping',
    dataFolder: 'data',
    cell: { areaCm2: 1, description: 'Li metal vs Cu, 1 M LiPF6 in EC/DMC' },
    cycling: {
      steps: [
        { kind: 'rest', durationS: 600 },
        {
          repeat: 2,
          steps: [
            { kind: 'plate', currentMA: 1, durationS: 3600 },
            { kind: 'rest', durationS: 600 },
            { kind: 'strip', currentMA: 1, durationS: 3600 },
            { kind: 'rest', durationS: 600 },
          ],
        },
      ],
      sampleIntervalS: 10,
    },
    nmr: {
      nucleus: '7Li',
      fieldT: 9.4,
      pulseProgram: 'zg',
      scans: 64,
      dummyScans: 2,
      recycleDelayS: 5,
      complexPoints: 8192,
      swHz: 200000,
      receiverGain: 101,
      firstExpno: 10,
    },
    interleave: { mode: 'continuous', tuneMatch: 'every', thresholdDb: -20 },
    stop: { voltageRangeV: [-1, 2] },
    faults: { retries: 3, backoffMs: 200, timeoutMs: 30000 },
  };
}
