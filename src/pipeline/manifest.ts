/**
 * The experiment manifest (version 1): one JSON file naming the raw inputs of an experiment and every
 * processing choice, so that `spincell run experiment.json` reproduces the published numbers. Paths are
 * relative to the manifest file. Validation failures become one-line ParameterErrors naming the manifest,
 * the JSON path of the field, what was found and what was expected.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { MissingFileError, ParameterError, SpincellError } from '../core/errors.js';
import { checkLimit } from '../core/limits.js';
import { presetNames } from '../protocols/presets.js';
import { DEAD_METAL_PRESETS } from '../protocols/method-presets.js';

const finite = z.number().finite();
/** Longest string (name, path, time zone, column) a manifest may hold. */
export const MAX_MANIFEST_STRING = 4096;
const text = z.string().min(1).max(MAX_MANIFEST_STRING);
/** Chemical shifts (ppm) beyond ±10⁵ are no spectrum's; a value there is a typing mistake. */
const ppm = finite.min(-1e5).max(1e5);
const range = z
  .tuple([ppm, ppm])
  .refine((r) => r[0] !== r[1], { message: 'a range needs two different ends' });
/** DRT windows are log10(τ / s): ±30 spans every relaxation time an impedance sweep can resolve. */
const logTau = finite.min(-30).max(30);
const tauRange = z
  .tuple([logTau, logTau])
  .refine((r) => r[0] !== r[1], { message: 'a range needs two different ends' });

const reference = z.union([
  z
    .string()
    .regex(/^\s*(none|metal:-?[\d.]+(e-?\d+)?|offset:-?[\d.]+(e-?\d+)?|-?[\d.]+@-?[\d.]+(:-?[\d.]+)?)\s*$/i, {
      message: "'metal:245', '0@1.2', '0@-5:5', 'offset:-0.3' or 'none'",
    }),
  z.object({ kind: z.literal('metal'), valuePpm: ppm }).strict(),
  z.object({ kind: z.literal('internal'), valuePpm: ppm, windowPpm: range }).strict(),
  z.object({ kind: z.literal('offset'), ppm }).strict(),
]);

const processing = z
  .object({
    lbHz: finite.min(0).max(1e5).optional(),
    sizePoints: z
      .number()
      .int()
      .min(16)
      .max(2 ** 24)
      .optional(),
    phase: z
      .union([
        z.literal('auto'),
        z.object({ ph0Deg: finite.min(-1e6).max(1e6), ph1Deg: finite.min(-1e6).max(1e6) }).strict(),
      ])
      .optional(),
    phaseMode: z.enum(['each', 'shared']).optional(),
    baseline: z
      .union([
        z.literal('none'),
        z.literal('auto'),
        z
          .object({
            polyOrder: z.number().int().min(0).max(10),
            regionsPpm: z.array(range).min(1).optional(),
          })
          .strict(),
      ])
      .optional(),
    reference: reference.optional(),
    /** Start from each experiment's pdata/1/procs (as `--from-procs`); the fields above override it. */
    fromProcs: z.boolean().optional(),
  })
  .strict();

const morphology = z
  .object({
    /** A published method preset (as `spincell morphology --preset`, see `--list-presets`). */
    preset: z.enum(presetNames() as [string, ...string[]]).optional(),
    /** Without a preset, required; with one, optional and must agree. */
    mode: z.enum(['constrained', 'unconstrained']).optional(),
    cathodeOffsetPpm: ppm.optional(),
    widthCap: z.union([finite.positive().max(1e5), z.literal('auto')]).optional(),
    fitPhase: z.enum(['none', 'zero-order', 'first-order']).optional(),
    /**
     * Shift windows of the constrained fit: 'lithium' (⁷Li/⁶Li), 'sodium' (²³Na) or your own; by default
     * those of the series' nucleus (NUC1).
     */
    windows: z
      .union([
        z.literal('lithium'),
        z.literal('sodium'),
        z
          .array(z.object({ name: z.string().min(1).max(64), minPpm: ppm, maxPpm: ppm }).strict())
          .min(1)
          .max(20),
      ])
      .optional(),
    /** Where `widthCap: 'auto'` fits the pristine metal line (default: by nucleus, 230–260 ppm for Li). */
    calibrationWindowPpm: range.optional(),
    /** A calibration experiment (relative to the manifest) whose pristine line sets the width cap. */
    widthCapFrom: text.optional(),
    /** Unconstrained: starting shifts of the lines, ppm. */
    startPpm: z.array(ppm).min(1).max(6).optional(),
    baselineDegree: z.number().int().min(0).max(8).optional(),
  })
  .strict()
  .refine((m) => m.preset !== undefined || m.mode !== undefined, {
    message: 'a mode or a preset',
    path: ['mode'],
  });

const positive = finite.positive().max(1e12);

/** A lineshape model fitted to every spectrum (as `spincell fit --model`). */
const modelFit = z
  .object({
    /** A model spec file (relative to the manifest) or the spec itself (see `spincell fit --help`). */
    model: z.union([text, z.record(z.string(), z.unknown())]),
    warmStart: z.boolean().optional(),
  })
  .strict();

/** Lin-KK settings (as `spincell eis kk`). */
const linKK = z
  .object({
    c: finite.gt(0).max(1).optional(),
    thresholdPercent: finite.positive().max(100).optional(),
    capacitance: z.boolean().optional(),
    inductance: z.boolean().optional(),
    fitType: z.enum(['complex', 'real', 'imag']).optional(),
    m: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

/** Equivalent-circuit fit of every sweep (as `spincell eis fit`). */
const circuitFit = z
  .object({
    circuit: text,
    initialGuess: z.array(finite).min(1).max(200).optional(),
    weighting: z.enum(['unit', 'modulus']).optional(),
    fixed: z.array(z.string().min(1).max(64)).max(200).optional(),
  })
  .strict();

/** Wichmann et al.'s (2025) dead-lithium protocol (as `spincell dead-lithium`). */
const deadLithium = z
  .object({
    integrals: text,
    cycler: text.optional(),
    capacities: text.optional(),
    /** A published method preset (as `spincell dead-lithium --preset`): SOC factor, frequency, nucleus. */
    preset: z.enum(DEAD_METAL_PRESETS.map((p) => p.name) as [string, ...string[]]).optional(),
    socFactor: positive.optional(),
    areaCm2: finite.positive().max(1e6).optional(),
    protonMHz: positive.optional(),
    /** Which metal the quantitative-range check uses (density, skin depth): 7Li (default), 6Li or 23Na. */
    nucleus: z.enum(['7Li', '6Li', '23Na']).optional(),
    /** The initial charge capacity the losses are allocated from, mAh (default: the first cycle's charge). */
    initialChargeMAh: positive.optional(),
  })
  .strict()
  .refine((d) => (d.cycler === undefined) !== (d.capacities === undefined), {
    message: 'one of cycler or capacities',
    path: ['cycler'],
  });

/** Anion drift velocities from 1D MRI profiles (as `spincell mri drift`). */
const mri = z
  .object({
    profiles: text,
    voltage: text,
    diffusion: text,
    temperatureK: finite.positive().max(1e4),
    c0MolM3: positive,
    roiUm: range.optional(),
    smoothX: z.number().int().min(0).max(1001).optional(),
    smoothT: z.number().int().min(0).max(1001).optional(),
    normalise: z.enum(['pointwise', 'mean']).optional(),
    interpolation: z.enum(['log', 'linear']).optional(),
    /** Raw Bruker echoes: the spatial encoding (as --fov-um / --read-gradient-g-cm, --nucleus, --reverse-x). */
    fovUm: positive.optional(),
    readGradientGCm: positive.optional(),
    nucleus: z.string().min(1).max(16).optional(),
    reverseX: z.boolean().optional(),
  })
  .strict();

/** Stejskal–Tanner fit of a PFG attenuation (as `spincell pfg`). */
const pfg = z
  .object({
    path: text,
    nucleus: z.string().min(1).max(16).optional(),
    deltaMs: positive,
    bigDeltaMs: positive,
    shape: z.enum(['rect', 'sine']).optional(),
    sequence: z.enum(['pgse', 'ste', 'ste-bipolar']).optional(),
    lobeGapMs: finite.min(0).max(1e6).optional(),
    components: z.union([z.literal(1), z.literal(2)]).optional(),
    gradientList: text.optional(),
  })
  .strict();

export const manifestSchema = z
  .object({
    version: z.literal(1),
    name: text,
    nmr: z
      .object({
        path: text,
        processing: processing.default({}),
        /** Divide every spectrum by its NS·RG (as integrate/fit/morphology without --no-normalise). */
        normalise: z.boolean().default(true),
        regionsPpm: z.array(range).max(1000).optional(),
        morphology: morphology.optional(),
        fit: modelFit.optional(),
      })
      .strict()
      .optional(),
    cycler: z
      .object({
        path: text,
        timezone: text.optional(),
        offsetS: finite.min(-1e10).max(1e10).optional(),
        areaCm2: finite.positive().max(1e6).optional(),
        capacityMAh: finite.positive().max(1e9).optional(),
        /** Column mapping for generic tables (Neware, Arbin, Zahner exports): key → { column, unit? }. */
        mapping: z
          .record(
            z
              .string()
              .max(64)
              .regex(/^[A-Za-z_]\w*$/),
            z.object({ column: text, unit: text.optional() }).strict(),
          )
          .optional(),
        /** Per-step table (steps.csv): voltage onset and nucleation overpotential, as `spincell cycler`. */
        steps: z
          .union([z.boolean(), z.object({ onsetMinRiseV: finite.positive().max(100).optional() }).strict()])
          .optional(),
      })
      .strict()
      .optional(),
    eis: z
      .object({
        paths: z.array(text).min(1).max(100000),
        /** Time zone of the impedance files' wall-clock starts (default: cycler.timezone, else UTC). */
        timezone: text.optional(),
        /** How far the cycler clock runs ahead of the impedance instrument's clock, s (default 0). */
        offsetS: finite.min(-1e10).max(1e10).optional(),
        drt: z
          .object({
            lambda: z.union([finite.positive().max(1e6), z.literal('gcv'), z.literal('lcurve')]).optional(),
            nTau: z.number().int().min(10).max(1000).optional(),
            windows: z.array(tauRange).max(100).optional(),
          })
          .strict()
          .optional(),
        kk: linKK.optional(),
        fit: circuitFit.optional(),
      })
      .strict()
      .optional(),
    deadLithium: deadLithium.optional(),
    mri: mri.optional(),
    pfg: pfg.optional(),
    output: z.object({ dir: text }).strict(),
  })
  .strict();

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestProcessing = z.infer<typeof processing>;
export type ManifestMorphology = z.infer<typeof morphology>;
export type ManifestModelFit = z.infer<typeof modelFit>;
export type ManifestLinKK = z.infer<typeof linKK>;
export type ManifestCircuitFit = z.infer<typeof circuitFit>;
export type ManifestDeadLithium = z.infer<typeof deadLithium>;
export type ManifestMri = z.infer<typeof mri>;
export type ManifestPfg = z.infer<typeof pfg>;

/** What a field with several accepted forms takes, for messages. */
const UNION_EXPECTED: Record<string, string> = {
  phase: "'auto' or { ph0Deg, ph1Deg } in degrees",
  baseline: "'none', 'auto' or { polyOrder, regionsPpm? }",
  reference:
    "'metal:245', '0@1.2', '0@-5:5', 'offset:-0.3', 'none' or { kind: 'metal' | 'internal' | 'offset', … }",
  widthCap: "a positive width in ppm or 'auto'",
  lambda: "a positive number, 'gcv' or 'lcurve'",
  windows: "'lithium', 'sodium' or [{ name, minPpm, maxPpm }, …]",
  model: 'a model spec file or the spec itself (an object)',
  steps: 'true, false or { onsetMinRiseV }',
};

/** JSON path of an issue, e.g. `nmr.processing.lbHz` or `nmr.regionsPpm[1]`. */
function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? String(k) : `.${String(k)}`;
  }
  return out === '' ? '(root)' : out;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/**
 * Checks a parsed JSON document against the schema. `file` names the manifest in error messages; the
 * first problem is reported (fix it, run again).
 */
export function parseManifest(data: unknown, file = 'manifest'): Manifest {
  const r = manifestSchema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  let path = issue.path;
  let found = valueAt(data, path);
  const last = path[path.length - 1];
  let expected =
    issue.code === 'invalid_union' && typeof last === 'string' && UNION_EXPECTED[last]
      ? UNION_EXPECTED[last]
      : issue.message
          .replace(/^Invalid input: expected /, '')
          .replace(/^Too (small|big): expected /, '')
          .replace(/, received \w+$/, '');
  if (issue.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0]];
    found = `field ${JSON.stringify(issue.keys[0])}`;
    expected = 'no such field in a version 1 manifest';
  } else if (found === undefined) found = 'nothing';
  else if (typeof found === 'string') found = JSON.stringify(found);
  throw new ParameterError('invalid manifest', { file, field: jsonPath(path), found, expected });
}

/** Deepest nesting of objects and arrays in a manifest (a version 1 manifest needs 5). */
export const MAX_MANIFEST_DEPTH = 32;

/**
 * Refuses nesting deeper than MAX_MANIFEST_DEPTH before the JSON is parsed, so a document of
 * 100 000 opening brackets is one line of error, not a stack overflow. Brackets inside strings are skipped.
 */
function checkDepth(text: string, file: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_MANIFEST_DEPTH)
        throw new ParameterError('manifest is nested too deeply', {
          file,
          field: `character ${i + 1}`,
          found: `more than ${MAX_MANIFEST_DEPTH} levels of objects and arrays`,
          expected: `at most ${MAX_MANIFEST_DEPTH} levels`,
        });
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** Reads and validates a manifest file (UTF-8, with or without a byte-order mark). */
export function readManifest(path: string): Manifest {
  let text: string;
  try {
    const stats = statSync(path);
    if (stats.isDirectory())
      throw new ParameterError('the manifest is a folder', { file: path, expected: 'a JSON file' });
    checkLimit('manifestBytes', stats.size, path);
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    if (cause instanceof SpincellError) throw cause;
    throw new MissingFileError('cannot read the manifest', { file: path, cause });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  checkDepth(text, path);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    throw new ParameterError('manifest is not valid JSON', {
      file: path,
      found: cause instanceof Error ? cause.message : String(cause),
      expected: 'a JSON object',
    });
  }
  return parseManifest(data, path);
}

/** A manifest path resolved against the manifest's folder. */
export function resolveManifestPath(manifestPath: string, p: string): string {
  return isAbsolute(p) ? p : resolve(dirname(resolve(manifestPath)), p);
}

/** The example printed by `spincell run --example`: the demo's three files (run `npm start` first). */
export function exampleManifest(): Manifest {
  return {
    version: 1,
    name: 'Li||Li operando 7Li (demo)',
    nmr: {
      path: 'demo-output/series',
      processing: { phase: 'auto', phaseMode: 'each', baseline: 'auto', reference: 'metal:245' },
      normalise: true,
      regionsPpm: [
        [230, 290],
        [-20, 20],
      ],
      morphology: { mode: 'constrained', widthCap: 'auto' },
    },
    cycler: { path: 'demo-output/cycler.mpt', timezone: 'UTC', areaCm2: 1 },
    eis: { paths: ['demo-output/eis.mpt'], drt: { lambda: 'gcv', windows: [[-4, 0]] } },
    output: { dir: 'run-output' },
  };
}

/** A manifest as indented JSON with short arrays (ranges, path lists) kept on one line. */
export function formatManifest(manifest: Manifest): string {
  const flat = (v: unknown): boolean =>
    v === null ||
    typeof v !== 'object' ||
    (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object'));
  const inline = (v: unknown): string =>
    Array.isArray(v) ? `[${v.map(inline).join(', ')}]` : JSON.stringify(v);
  const write = (v: unknown, indent: string): string => {
    if (Array.isArray(v) && v.every(flat)) return inline(v);
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    const inner = `${indent}  `;
    if (Array.isArray(v)) return `[\n${v.map((x) => inner + write(x, inner)).join(',\n')}\n${indent}]`;
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${write(x, inner)}`).join(',\n')}\n${indent}}`;
  };
  return `${write(manifest, '')}\n`;
}
