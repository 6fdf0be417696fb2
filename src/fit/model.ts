/**
 * Lineshape models: a JSON spec (validated with zod) → a compiled parameter map → a fit of one spectrum.
 *
 * A model is a sum of registered lineshapes plus an optional polynomial baseline fitted jointly, over a fit
 * window in ppm. Each lineshape parameter is free (with bounds), fixed, or linked to another parameter by a
 * fixed ratio (ratio 1 = shared value, e.g. a shared width). Only free "root" parameters reach the
 * optimizer; linked ones follow their root, so a shared width is one degree of freedom, as in dmfit.
 *
 * Internally intensities are divided by the largest |y| in the window so that tolerances and the
 * optimizer's trust region mean the same thing for every spectrometer gain; areas and baseline
 * coefficients are scaled back in the result.
 */
import { z } from 'zod';
import { DataError, ParameterError } from '../core/errors.js';
import type { Spectrum } from '../core/types.js';
import { getLineshape, lineshapesWithDispersion, type Lineshape } from './lineshapes.js';
import { leastSquares, type LeastSquaresProblem, type LeastSquaresStatus } from './optimizer.js';

// ---- spec -----------------------------------------------------------------------------------------------

const paramSpec = z.union([
  z.number(),
  z
    .object({
      value: z.number().optional(),
      min: z.number().optional(),
      max: z.number().optional(),
      fixed: z.boolean().optional(),
      link: z
        .object({
          /** "component.parameter" */
          to: z.string().regex(/^[^.]+\.[^.]+$/, 'expected "component.parameter"'),
          ratio: z
            .number()
            .refine((v) => v !== 0 && Number.isFinite(v), 'ratio must be finite and non-zero')
            .optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
]);
export type ParameterSpec = z.infer<typeof paramSpec>;

const componentSpec = z
  .object({
    name: z
      .string()
      .min(1)
      .regex(/^[^.]+$/, 'component names cannot contain "."'),
    shape: z.string().min(1),
  })
  .catchall(paramSpec);
/** One line: its name, registered shape and any of that shape's parameters. */
export interface ComponentSpec {
  name: string;
  shape: string;
  [parameter: string]: ParameterSpec | string | undefined;
}

export const modelSpecSchema = z
  .object({
    /** Fit window [lo, hi] in ppm (either order); whole axis when absent. */
    windowPpm: z.tuple([z.number(), z.number()]).optional(),
    /** Polynomial baseline of this degree fitted together with the lines; none when absent. */
    baseline: z
      .object({ degree: z.number().int().min(0).max(8) })
      .strict()
      .optional(),
    components: z.array(componentSpec).min(1),
    /** Receiver phase fitted together with the lines (needs the imaginary part); see ModelSpec.phase. */
    phase: z
      .object({
        firstOrder: z.boolean().optional(),
        pivotPpm: z.number().optional(),
        imaginaryBaselineDegree: z.number().int().min(-1).max(8).optional(),
        maxAbsDeg: z.number().positive().max(180).optional(),
      })
      .strict()
      .optional(),
    /** fTol = xTol = gTol for the optimizer (default 1e-10). */
    tolerance: z.number().positive().max(0.1).optional(),
    maxEvaluations: z.number().int().positive().optional(),
  })
  .strict();
export interface ModelSpec {
  /** Fit window [lo, hi] in ppm (either order); whole axis when absent. */
  windowPpm?: [number, number];
  /** Polynomial baseline of this degree fitted together with the lines; none when absent. */
  baseline?: { degree: number };
  components: ComponentSpec[];
  /**
   * Fit a residual receiver phase together with the lines: the data are taken as e^{iφ(x)}·(absorption +
   * i·dispersion) + baseline in both channels, φ(x) = ph0 + ph1·(x − pivot). The spectrum passed must
   * carry its imaginary part and be phased approximately (e.g. by autophase), so φ is a small correction
   * (bounded by ±maxAbsDeg, default 45°). The imaginary channel has its own baseline polynomial, of degree
   * `imaginaryBaselineDegree` (default: the real baseline's degree, at least 1; −1 for none): lines outside
   * the window leave slowly varying dispersive tails there (a line 250 ppm away adds ≈ area/(π·250)).
   */
  phase?: { firstOrder?: boolean; pivotPpm?: number; maxAbsDeg?: number; imaginaryBaselineDegree?: number };
  /** fTol = xTol = gTol for the optimizer (default 1e-10). */
  tolerance?: number;
  maxEvaluations?: number;
}

/** Validates a model spec (object or JSON text); ParameterError naming the offending field otherwise. */
export function parseModelSpec(input: unknown, file?: string): ModelSpec {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw new ParameterError('model spec is not valid JSON', { file, found: (e as Error).message });
    }
  }
  const r = modelSpecSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ParameterError(issue.message, {
      file,
      field: issue.path.join('.') || '(root)',
      expected: 'a model spec, see docs of modelSpecSchema',
    });
  }
  return r.data as ModelSpec;
}

// ---- compiled model -------------------------------------------------------------------------------------

export type ParameterRole =
  | { kind: 'free'; index: number }
  | { kind: 'fixed'; value: number }
  | { kind: 'linked'; root: number; ratio: number };

export interface CompiledComponent {
  readonly name: string;
  readonly shape: Lineshape;
  /** Offset of this component's parameters in the full vector. */
  readonly offset: number;
}

export interface CompiledModel {
  readonly spec: ModelSpec;
  readonly components: readonly CompiledComponent[];
  /** "component.parameter" for each entry of the full parameter vector, then "baseline.c0…". */
  readonly parameterNames: readonly string[];
  /** Role of each full parameter; linked parameters point at a free root. */
  readonly roles: readonly ParameterRole[];
  /** Full index of each free parameter. */
  readonly freeIndex: readonly number[];
  readonly lineParameterCount: number;
  readonly baselineDegree: number;
  /**
   * Phase fit: full indices of ph0 (degrees), ph1 (degrees per ppm, −1 when not fitted) and of the
   * imaginary baseline's c0 (−1 without one), its degree.
   */
  readonly phase: {
    ph0: number;
    ph1: number;
    baselineIm: number;
    baselineImDegree: number;
    pivotPpm: number | null;
  } | null;
  /** Initial values from the spec (NaN = estimate from the data). Bounds per full parameter. */
  readonly initial: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Parameters measured in intensity units (areas, baseline): divided by the data scale while fitting. */
  readonly intensityScaled: readonly boolean[];
}

/** Compiles and checks a spec: parameter names against the shapes, links resolved, bounds consistent. */
export function compileModel(specInput: ModelSpec | unknown, file?: string): CompiledModel {
  const spec = parseModelSpec(specInput, file);
  const components: CompiledComponent[] = [];
  const names: string[] = [];
  const specs: (ParameterSpec | undefined)[] = [];
  const intensity: boolean[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const [ci, c] of spec.components.entries()) {
    if (seen.has(c.name))
      throw new ParameterError('duplicate component name', {
        file,
        field: `components[${ci}].name`,
        found: c.name,
      });
    seen.add(c.name);
    let shape: Lineshape;
    try {
      shape = getLineshape(c.shape);
    } catch (e) {
      throw new ParameterError('unknown lineshape', {
        file,
        field: `components[${ci}].shape`,
        found: c.shape,
        expected: (e as ParameterError).expected,
      });
    }
    const known = new Set(shape.parameters.map((p) => p.name));
    for (const key of Object.keys(c)) {
      if (key === 'name' || key === 'shape') continue;
      if (!known.has(key))
        throw new ParameterError('unknown parameter for this shape', {
          file,
          field: `components[${ci}].${key}`,
          found: key,
          expected: [...known],
        });
    }
    components.push({ name: c.name, shape, offset });
    for (const p of shape.parameters) {
      names.push(`${c.name}.${p.name}`);
      specs.push(c[p.name] as ParameterSpec | undefined);
      intensity.push(p.name === 'area');
    }
    offset += shape.parameters.length;
  }
  const lineCount = offset;
  const degree = spec.baseline?.degree ?? -1;
  for (let d = 0; d <= degree; d++) {
    names.push(`baseline.c${d}`);
    specs.push(undefined);
    intensity.push(true);
  }
  let phase: CompiledModel['phase'] = null;
  const phaseBounds: [number, number][] = [];
  if (spec.phase) {
    for (const [ci, c] of components.entries()) {
      if (!c.shape.evaluateComplex)
        throw new ParameterError('this lineshape has no dispersive part, so no phase can be fitted with it', {
          file,
          field: `components[${ci}].shape`,
          found: c.shape.name,
          expected: lineshapesWithDispersion(),
        });
    }
    const imDegree = spec.phase.imaginaryBaselineDegree ?? Math.max(degree, 1);
    const baselineIm = imDegree >= 0 ? names.length : -1;
    for (let d = 0; d <= imDegree; d++) {
      names.push(`baselineIm.c${d}`);
      specs.push(undefined);
      intensity.push(true);
    }
    const maxDeg = spec.phase.maxAbsDeg ?? 45;
    const ph0 = names.length;
    names.push('phase.ph0Deg');
    specs.push(undefined);
    intensity.push(false);
    phaseBounds.push([-maxDeg, maxDeg]);
    let ph1 = -1;
    if (spec.phase.firstOrder) {
      ph1 = names.length;
      names.push('phase.ph1DegPerPpm');
      specs.push(undefined);
      intensity.push(false);
      phaseBounds.push([-10, 10]);
    }
    phase = { ph0, ph1, baselineIm, baselineImDegree: imDegree, pivotPpm: spec.phase.pivotPpm ?? null };
  }
  const n = names.length;
  const initial = new Float64Array(n).fill(NaN);
  const lower = new Float64Array(n);
  const upper = new Float64Array(n);
  const raw: ParameterRole[] = new Array<ParameterRole>(n);
  const linkTarget = new Int32Array(n).fill(-1);
  const linkRatio = new Float64Array(n).fill(1);
  for (let j = 0; j < n; j++) {
    const name = names[j];
    let defMin = -Infinity;
    let defMax = Infinity;
    if (j < lineCount) {
      const comp = components.filter((c) => c.offset <= j).at(-1)!;
      const def = comp.shape.parameters[j - comp.offset];
      defMin = def.min;
      defMax = def.max;
    } else if (phase && j >= phase.ph0) {
      [defMin, defMax] = phaseBounds[j - phase.ph0];
    }
    const s = specs[j];
    lower[j] = defMin;
    upper[j] = defMax;
    raw[j] = { kind: 'free', index: -1 };
    if (s === undefined) continue;
    if (typeof s === 'number') {
      initial[j] = s;
      continue;
    }
    if (s.min !== undefined) lower[j] = s.min;
    if (s.max !== undefined) upper[j] = s.max;
    if (lower[j] > upper[j])
      throw new ParameterError('min above max', {
        file,
        field: name,
        found: [lower[j], upper[j]],
        expected: 'min ≤ max',
      });
    if (s.value !== undefined) initial[j] = s.value;
    if (s.link) {
      if (s.fixed)
        throw new ParameterError('a parameter cannot be both fixed and linked', { file, field: name });
      if (s.min !== undefined || s.max !== undefined) {
        throw new ParameterError('a linked parameter takes its bounds from the parameter it follows', {
          file,
          field: name,
          found: 'min/max',
        });
      }
      const t = names.indexOf(s.link.to);
      if (t < 0)
        throw new ParameterError('link to an unknown parameter', {
          file,
          field: `${name}.link.to`,
          found: s.link.to,
          expected: names.slice(0, lineCount),
        });
      if (t === j) throw new ParameterError('a parameter cannot be linked to itself', { file, field: name });
      linkTarget[j] = t;
      linkRatio[j] = s.link.ratio ?? 1;
    } else if (s.fixed) {
      if (s.value === undefined)
        throw new ParameterError('a fixed parameter needs a value', { file, field: name });
      raw[j] = { kind: 'fixed', value: s.value };
    }
  }
  // Resolve link chains to their root (free or fixed), detecting cycles.
  const roles: ParameterRole[] = new Array<ParameterRole>(n);
  for (let j = 0; j < n; j++) {
    let ratio = 1;
    let t = j;
    const visited = new Set<number>();
    while (linkTarget[t] >= 0) {
      if (visited.has(t)) throw new ParameterError('parameter links form a cycle', { file, field: names[j] });
      visited.add(t);
      ratio *= linkRatio[t];
      t = linkTarget[t];
    }
    if (t === j) roles[j] = raw[j];
    else if (raw[t].kind === 'fixed')
      roles[j] = { kind: 'fixed', value: ratio * (raw[t] as { value: number }).value };
    else roles[j] = { kind: 'linked', root: t, ratio };
  }
  const freeIndex: number[] = [];
  for (let j = 0; j < n; j++) {
    const r = roles[j];
    if (r.kind === 'free') {
      roles[j] = { kind: 'free', index: freeIndex.length };
      freeIndex.push(j);
    }
  }
  if (freeIndex.length === 0)
    throw new ParameterError('model has no free parameter', { file, field: 'components' });
  return {
    spec,
    components,
    parameterNames: names,
    roles,
    freeIndex,
    lineParameterCount: lineCount,
    baselineDegree: degree,
    phase,
    initial,
    lower,
    upper,
    intensityScaled: intensity,
  };
}

// ---- fitting one spectrum -------------------------------------------------------------------------------

export interface ParameterEstimate {
  value: number;
  standardError: number;
  /** free, fixed or linked */
  role: ParameterRole['kind'];
  atBound: boolean;
}

export interface ComponentResult {
  name: string;
  shape: string;
  /** Every shape parameter by name (position, area, widths …) with its standard error. */
  parameters: Record<string, ParameterEstimate>;
  positionPpm: number;
  positionStdErrPpm: number;
  area: number;
  areaStdErr: number;
  /** Full width at half maximum of the line, ppm. */
  fwhmPpm: number;
  /** area / Σ areas of all components (0 when the total is not positive). */
  fraction: number;
  fractionStdErr: number;
  /** Intensity-weighted mean shift of the fitted line over the fit window, ppm. */
  centreOfGravityPpm: number;
  /** area / standard error; below 2 the line is flagged as not significant. */
  significance: number;
}

export interface FitResult {
  components: ComponentResult[];
  /** Baseline polynomial coefficients in t = (ppm − centre)/halfWidth of the window, intensity units. */
  baseline: { coefficients: number[]; centrePpm: number; halfWidthPpm: number } | null;
  /**
   * Phase fitted with the lines (null without ModelSpec.phase): the correction still present in the input,
   * φ(x) = ph0 + ph1·(x − pivot), with standard errors from the joint covariance.
   */
  phase: {
    ph0Deg: number;
    ph0StdErrDeg: number;
    ph1DegPerPpm: number;
    ph1StdErrDegPerPpm: number;
    pivotPpm: number;
    /** Imaginary channel's baseline coefficients (same t as `baseline`), intensity units. */
    imaginaryBaseline: number[];
  } | null;
  /** Full parameter vector (intensity units), names in `parameterNames`. */
  parameters: Float64Array;
  parameterNames: readonly string[];
  standardErrors: Float64Array;
  rSquared: number;
  reducedChi2: number;
  /** Residual sum of squares, intensity units². */
  rss: number;
  converged: boolean;
  status: LeastSquaresStatus;
  message: string;
  iterations: number;
  evaluations: number;
  windowPpm: [number, number];
  points: number;
  droppedPoints: number;
  /** Machine-readable conditions worth a look: not-converged, at-bound:NAME, nan-points-dropped, no-signal … */
  flags: string[];
}

export interface FitOptions {
  /** Full parameter vector (intensity units) to start from, e.g. the previous spectrum's result. */
  start?: ArrayLike<number>;
  /** Imaginary part of the spectrum, needed (and only used) when the model fits the phase. */
  im?: ArrayLike<number>;
  tolerance?: number;
  maxEvaluations?: number;
}

interface Prepared {
  x: Float64Array;
  y: Float64Array;
  /** Imaginary channel (phase fits), scaled like y; null otherwise. */
  yIm: Float64Array | null;
  /** What the residuals are taken against: y, or y followed by yIm. */
  target: Float64Array;
  /** Phase pivot, ppm. */
  pivot: number;
  yScale: number;
  dropped: number;
  window: [number, number];
  centre: number;
  half: number;
}

function prepareData(
  model: CompiledModel,
  xPpm: ArrayLike<number>,
  y: ArrayLike<number>,
  imInput?: ArrayLike<number>,
): Prepared {
  if (xPpm.length !== y.length)
    throw new DataError('axis and intensities differ in length', {
      field: 'spectrum',
      found: [xPpm.length, y.length],
    });
  const im = model.phase ? imInput : undefined;
  if (model.phase && !im)
    throw new ParameterError('a phase fit needs the imaginary part of the spectrum', {
      field: 'im',
      expected: 'the spectrum with its imaginary part (not magnitude mode, not discarded)',
    });
  if (im && im.length !== y.length)
    throw new DataError('real and imaginary parts differ in length', {
      field: 'spectrum.im',
      found: [y.length, im.length],
    });
  const finite = (i: number) => Number.isFinite(y[i]) && (!im || Number.isFinite(im[i]));
  let lo = -Infinity;
  let hi = Infinity;
  if (model.spec.windowPpm) {
    lo = Math.min(...model.spec.windowPpm);
    hi = Math.max(...model.spec.windowPpm);
  }
  let count = 0;
  let dropped = 0;
  for (let i = 0; i < xPpm.length; i++) {
    if (!(xPpm[i] >= lo && xPpm[i] <= hi)) continue;
    if (finite(i)) count++;
    else dropped++;
  }
  if (count === 0) {
    throw new DataError('no finite data points inside the fit window', {
      field: 'windowPpm',
      found: model.spec.windowPpm ?? 'whole axis',
      expected: 'a window overlapping the spectrum',
    });
  }
  const x = new Float64Array(count);
  const yv = new Float64Array(count);
  const iv = im ? new Float64Array(count) : null;
  let xMin = Infinity;
  let xMax = -Infinity;
  let yScale = 0;
  for (let i = 0, k = 0; i < xPpm.length; i++) {
    const xi = xPpm[i];
    if (!(xi >= lo && xi <= hi) || !finite(i)) continue;
    x[k] = xi;
    yv[k] = y[i];
    if (iv) iv[k] = im![i];
    k++;
    if (xi < xMin) xMin = xi;
    if (xi > xMax) xMax = xi;
    const a = Math.abs(y[i]);
    if (a > yScale) yScale = a;
  }
  if (yScale === 0) yScale = 1;
  for (let k = 0; k < count; k++) yv[k] /= yScale;
  if (iv) for (let k = 0; k < count; k++) iv[k] /= yScale;
  const window: [number, number] = [Number.isFinite(lo) ? lo : xMin, Number.isFinite(hi) ? hi : xMax];
  const centre = 0.5 * (window[0] + window[1]);
  const half = Math.max(0.5 * (window[1] - window[0]), 1e-12);
  let target = yv;
  if (iv) {
    target = new Float64Array(2 * count);
    target.set(yv);
    target.set(iv, count);
  }
  const pivot = model.phase?.pivotPpm ?? centre;
  return { x, y: yv, yIm: iv, target, pivot, yScale, dropped, window, centre, half };
}

/** Data-driven starting values for parameters the spec leaves open (scaled units). */
function startingValues(
  model: CompiledModel,
  d: Prepared,
  start: ArrayLike<number> | undefined,
): Float64Array {
  const n = model.parameterNames.length;
  const p = new Float64Array(n);
  const { x, y } = d;
  const width = d.window[1] - d.window[0];
  for (let j = 0; j < n; j++) {
    const role = model.roles[j];
    if (role.kind === 'fixed') p[j] = model.intensityScaled[j] ? role.value / d.yScale : role.value;
  }
  // Baseline: constant at the median of the outer 10 % on each side.
  if (model.baselineDegree >= 0) {
    const edge: number[] = [];
    for (let i = 0; i < x.length; i++) if (Math.abs(x[i] - d.centre) > 0.8 * d.half) edge.push(y[i]);
    edge.sort((a, b) => a - b);
    p[model.lineParameterCount] = edge.length > 0 ? edge[Math.floor(edge.length / 2)] : 0;
  }
  // Phase: the input is phased approximately, so the correction starts at 0 (or the spec's value).
  if (model.phase) {
    for (const j of [model.phase.ph0, model.phase.ph1]) {
      if (j >= 0 && model.roles[j].kind !== 'fixed')
        p[j] = Number.isNaN(model.initial[j])
          ? 0
          : clampInside(model.initial[j], model.lower[j], model.upper[j]);
    }
  }
  for (const c of model.components) {
    const o = c.offset;
    const np = c.shape.parameters.length;
    for (let k = 2; k < np; k++) {
      const j = o + k;
      if (model.roles[j].kind === 'fixed') continue;
      if (!Number.isNaN(model.initial[j])) p[j] = model.initial[j];
      else if (c.shape.parameters[k].unit === 'ppm')
        p[j] = clampInside(0.05 * width, model.lower[j], model.upper[j]);
      else p[j] = clampInside(0.5, model.lower[j], model.upper[j]);
    }
    // Position: given, or the highest point inside its bounds.
    if (model.roles[o].kind !== 'fixed') {
      if (!Number.isNaN(model.initial[o])) p[o] = model.initial[o];
      else {
        const lo = Math.max(model.lower[o], d.window[0]);
        const hi = Math.min(model.upper[o], d.window[1]);
        let best = -Infinity;
        let at = 0.5 * (lo + hi);
        for (let i = 0; i < x.length; i++) {
          if (x[i] >= lo && x[i] <= hi && y[i] > best) {
            best = y[i];
            at = x[i];
          }
        }
        p[o] = at;
      }
    }
  }
  // Links on non-area parameters are applied before areas are estimated (heights depend on widths).
  applyLinks(model, p);
  for (const c of model.components) {
    const o = c.offset;
    if (model.roles[o + 1].kind === 'fixed') continue;
    if (!Number.isNaN(model.initial[o + 1])) {
      p[o + 1] = model.initial[o + 1] / d.yScale;
      continue;
    }
    // Area from the height above the baseline at the position and the unit-area peak height of the shape.
    const probe = Float64Array.of(p[o]);
    const unit = new Float64Array(1);
    const q = p.slice(o, o + c.shape.parameters.length);
    q[1] = 1;
    c.shape.evaluate(probe, q, 0, unit);
    let nearest = 0;
    for (let i = 1; i < x.length; i++) if (Math.abs(x[i] - p[o]) < Math.abs(x[nearest] - p[o])) nearest = i;
    const base = model.baselineDegree >= 0 ? p[model.lineParameterCount] : 0;
    const height = Math.max(y[nearest] - base, 1e-3);
    const area = unit[0] > 0 ? height / unit[0] : 1e-3;
    p[o + 1] = clampInside(area, model.lower[o + 1] / d.yScale, model.upper[o + 1] / d.yScale);
  }
  if (start) {
    if (start.length !== n)
      throw new ParameterError('start vector has the wrong length', {
        field: 'start',
        found: start.length,
        expected: n,
      });
    for (let j = 0; j < n; j++) {
      if (model.roles[j].kind !== 'free' || !Number.isFinite(start[j])) continue;
      p[j] = model.intensityScaled[j] ? start[j] / d.yScale : start[j];
    }
  }
  applyLinks(model, p);
  return p;
}

function clampInside(v: number, lo: number, hi: number): number {
  if (v < lo) return lo;
  if (v > hi) return hi;
  return v;
}

function applyLinks(model: CompiledModel, p: Float64Array): void {
  for (let j = 0; j < p.length; j++) {
    const r = model.roles[j];
    if (r.kind === 'linked') p[j] = r.ratio * p[r.root];
  }
}

/** Sum of lines and baseline at x (scaled units) into out; with jac, the full-parameter Jacobian columns. */
function evaluateModel(
  model: CompiledModel,
  d: Prepared,
  full: Float64Array,
  out: Float64Array,
  cols: Float64Array[] | null,
): void {
  out.fill(0);
  const { x } = d;
  if (model.phase) {
    evaluatePhased(model, d, full, out, cols);
    return;
  }
  for (const c of model.components) {
    const g = cols ? cols.slice(c.offset, c.offset + c.shape.parameters.length) : null;
    c.shape.evaluate(x, full, c.offset, out, g);
  }
  if (model.baselineDegree >= 0) {
    const b0 = model.lineParameterCount;
    for (let i = 0; i < x.length; i++) {
      const t = (x[i] - d.centre) / d.half;
      let tk = 1;
      let s = 0;
      for (let k = 0; k <= model.baselineDegree; k++) {
        s += full[b0 + k] * tk;
        if (cols) cols[b0 + k][i] = tk;
        tk *= t;
      }
      out[i] += s;
    }
  }
}

const DEG = Math.PI / 180;

/**
 * Phase-fit model, both channels (out and cols hold the real channel in [0, m) and the imaginary one in
 * [m, 2m)): e^{iφ(x)}·Σ lines (absorption + i·dispersion), plus one baseline polynomial per channel.
 */
function evaluatePhased(
  model: CompiledModel,
  d: Prepared,
  full: Float64Array,
  out: Float64Array,
  cols: Float64Array[] | null,
): void {
  const ph = model.phase!;
  const { x } = d;
  const m = x.length;
  const lr = out.subarray(0, m);
  const li = out.subarray(m, 2 * m);
  for (const c of model.components) {
    const np = c.shape.parameters.length;
    const gRe = cols ? cols.slice(c.offset, c.offset + np).map((g) => g.subarray(0, m)) : null;
    const gIm = cols ? cols.slice(c.offset, c.offset + np).map((g) => g.subarray(m, 2 * m)) : null;
    c.shape.evaluateComplex!(x, full, c.offset, lr, li, gRe, gIm);
  }
  const ph0 = full[ph.ph0] * DEG;
  const ph1 = ph.ph1 >= 0 ? full[ph.ph1] * DEG : 0;
  const cp0 = cols ? cols[ph.ph0] : null;
  const cp1 = cols && ph.ph1 >= 0 ? cols[ph.ph1] : null;
  const nLine = model.lineParameterCount;
  for (let i = 0; i < m; i++) {
    const dx = x[i] - d.pivot;
    const phi = ph0 + ph1 * dx;
    const c = Math.cos(phi);
    const s = Math.sin(phi);
    const a = lr[i];
    const b = li[i];
    const re = c * a - s * b;
    const im = s * a + c * b;
    lr[i] = re;
    li[i] = im;
    if (!cols) continue;
    for (let j = 0; j < nLine; j++) {
      const g = cols[j];
      const ga = g[i];
      const gb = g[m + i];
      g[i] = c * ga - s * gb;
      g[m + i] = s * ga + c * gb;
    }
    cp0![i] = -im * DEG;
    cp0![m + i] = re * DEG;
    if (cp1) {
      cp1[i] = -im * DEG * dx;
      cp1[m + i] = re * DEG * dx;
    }
  }
  addPolynomial(model.baselineDegree, model.lineParameterCount, 0);
  addPolynomial(ph.baselineImDegree, ph.baselineIm, m);

  function addPolynomial(degree: number, first: number, at: number): void {
    if (degree < 0) return;
    for (let i = 0; i < m; i++) {
      const t = (x[i] - d.centre) / d.half;
      let tk = 1;
      let s = 0;
      for (let k = 0; k <= degree; k++) {
        s += full[first + k] * tk;
        if (cols) {
          const col = cols[first + k];
          col[i] = 0;
          col[m + i] = 0;
          col[at + i] = tk;
        }
        tk *= t;
      }
      out[at + i] += s;
    }
  }
}

/** Builds the least-squares problem over the free parameters (scaled units). */
function buildProblem(
  model: CompiledModel,
  d: Prepared,
  full: Float64Array,
): LeastSquaresProblem & { lastEvaluatedAt(p: Float64Array): Float64Array[] | null } {
  const m = d.target.length;
  const nFull = full.length;
  const nFree = model.freeIndex.length;
  const cols = Array.from({ length: nFull }, () => new Float64Array(m));
  const modelOut = new Float64Array(m);
  const setFull = (p: Float64Array) => {
    for (let k = 0; k < nFree; k++) full[model.freeIndex[k]] = p[k];
    applyLinks(model, full);
  };
  // The optimizer asks for the Jacobian right after the residuals at the same accepted point, so the
  // residual pass also fills the derivative columns: the Faddeeva evaluations (the dominant cost of a
  // Voigt fit) are then done once per point instead of twice.
  const lastP = new Float64Array(nFree).fill(NaN);
  const hasLinks = model.roles.some((r) => r.kind === 'linked');
  const sameAsLast = (p: Float64Array) => {
    for (let k = 0; k < nFree; k++) if (p[k] !== lastP[k]) return false;
    return true;
  };
  return {
    /** Derivative columns (full parameters) of the last evaluation if it was at p. */
    lastEvaluatedAt: (p: Float64Array) => (sameAsLast(p) ? cols : null),
    nParams: nFree,
    nResiduals: m,
    jacobianLayout: 'column-major',
    residuals(p, out) {
      setFull(p);
      evaluateModel(model, d, full, out, cols);
      lastP.set(p);
      for (let i = 0; i < m; i++) out[i] -= d.target[i];
    },
    jacobian(p, out) {
      if (!sameAsLast(p)) {
        setFull(p);
        evaluateModel(model, d, full, modelOut, cols);
        lastP.set(p);
      }
      // Column-major: the free parameter's column is the sum of its own and its followers' derivatives.
      if (!hasLinks) {
        for (let j = 0; j < nFull; j++) {
          const r = model.roles[j];
          if (r.kind === 'free') out.set(cols[j], r.index * m);
        }
        return;
      }
      out.fill(0);
      for (let j = 0; j < nFull; j++) {
        const r = model.roles[j];
        let k: number;
        let factor = 1;
        if (r.kind === 'free') k = r.index;
        else if (r.kind === 'linked') {
          k = (model.roles[r.root] as { index: number }).index;
          factor = r.ratio;
        } else continue;
        const col = cols[j];
        const o = k * m;
        for (let i = 0; i < m; i++) out[o + i] += factor * col[i];
      }
    },
  };
}

/** Fits a model to one spectrum given as a ppm axis and real intensities. */
export function fitModel(
  modelInput: CompiledModel | ModelSpec,
  xPpm: ArrayLike<number>,
  y: ArrayLike<number>,
  options: FitOptions = {},
): FitResult {
  const model = isCompiled(modelInput) ? modelInput : compileModel(modelInput);
  const d = prepareData(model, xPpm, y, options.im);
  const nFree = model.freeIndex.length;
  if (d.x.length <= nFree) {
    throw new DataError('fewer data points in the window than free parameters', {
      field: 'windowPpm',
      found: d.x.length,
      expected: `> ${nFree}`,
    });
  }
  const full = startingValues(model, d, options.start);
  const lower = Float64Array.from(model.freeIndex, (j) =>
    model.intensityScaled[j] ? model.lower[j] / d.yScale : model.lower[j],
  );
  const upper = Float64Array.from(model.freeIndex, (j) =>
    model.intensityScaled[j] ? model.upper[j] / d.yScale : model.upper[j],
  );
  const p0 = Float64Array.from(model.freeIndex, (j) => full[j]);
  const problem = buildProblem(model, d, full);
  const tol = options.tolerance ?? model.spec.tolerance ?? 1e-10;
  const res = leastSquares(problem, p0, {
    lower,
    upper,
    fTol: tol,
    xTol: tol,
    gTol: tol,
    xScale: 'jac',
    maxEvaluations: options.maxEvaluations ?? model.spec.maxEvaluations ?? 200 * nFree,
  });

  // Back to full parameters in intensity units.
  for (let k = 0; k < nFree; k++) full[model.freeIndex[k]] = res.p[k];
  applyLinks(model, full);
  const nFull = full.length;
  const scaleOf = (j: number) => (model.intensityScaled[j] ? d.yScale : 1);
  const params = Float64Array.from(full, (v, j) => v * scaleOf(j));
  // Full covariance = M·C·Mᵀ with M mapping free → full (ratios for links, zero rows for fixed).
  const rowOf = (j: number): [number, number] | null => {
    const r = model.roles[j];
    if (r.kind === 'free') return [r.index, 1];
    if (r.kind === 'linked') return [(model.roles[r.root] as { index: number }).index, r.ratio];
    return null;
  };
  const cov = (a: number, b: number): number => {
    const ra = rowOf(a);
    const rb = rowOf(b);
    if (!ra || !rb) return 0;
    return ra[1] * rb[1] * res.pseudoCovariance[ra[0] * nFree + rb[0]] * scaleOf(a) * scaleOf(b);
  };
  const undetermined = (j: number) => {
    const r = rowOf(j);
    return r ? res.undetermined[r[0]] : false;
  };
  const se = new Float64Array(nFull);
  for (let j = 0; j < nFull; j++) se[j] = undetermined(j) ? Infinity : Math.sqrt(Math.max(0, cov(j, j)));

  // Quality on the original intensity scale.
  // The optimizer's residuals are those of the returned parameters: fitted = r + y, no re-evaluation.
  const fitted = Float64Array.from(res.residuals, (r, i) => r + d.y[i]);
  let rss = 0;
  let mean = 0;
  for (let i = 0; i < d.y.length; i++) mean += d.y[i];
  mean /= d.y.length;
  let tss = 0;
  for (let i = 0; i < d.y.length; i++) {
    rss += (fitted[i] - d.y[i]) ** 2;
    tss += (d.y[i] - mean) ** 2;
  }
  const flags: string[] = [];
  let rSquared: number;
  if (tss > 0) rSquared = 1 - rss / tss;
  else {
    rSquared = rss === 0 ? 1 : 0;
    flags.push('flat-spectrum');
  }
  if (!res.converged) flags.push(`not-converged:${res.status}`);
  if (d.dropped > 0) flags.push(`nan-points-dropped:${d.dropped}`);
  for (let k = 0; k < nFree; k++) {
    if (res.atBound[k]) flags.push(`at-bound:${model.parameterNames[model.freeIndex[k]]}`);
    if (res.initialClipped[k]) flags.push(`initial-clipped:${model.parameterNames[model.freeIndex[k]]}`);
  }

  // Each line's profile over the window: area × ∂model/∂area from the last evaluation when that was at the
  // returned parameters (the usual case), otherwise evaluated afresh.
  // (A phase fit's columns are rotated, so its lines are evaluated afresh as pure absorption.)
  const cached = model.phase ? null : problem.lastEvaluatedAt(res.p);
  const componentProfile = (c: CompiledComponent): Float64Array => {
    const line = new Float64Array(d.x.length);
    if (cached) {
      const a = full[c.offset + 1];
      const col = cached[c.offset + 1];
      for (let i = 0; i < line.length; i++) line[i] = a * col[i];
    } else c.shape.evaluate(d.x, full, c.offset, line);
    return line;
  };

  // Components, fractions with delta-method errors (fraction_k = A_k / ΣA).
  const areaIdx = model.components.map((c) => c.offset + 1);
  const areas = areaIdx.map((j) => params[j]);
  const total = areas.reduce((a, b) => a + b, 0);
  const areaUndetermined = areaIdx.some(undetermined);
  if (!(total > 0)) flags.push('no-signal');
  const components: ComponentResult[] = model.components.map((c, ci) => {
    const np = c.shape.parameters.length;
    const parameters: Record<string, ParameterEstimate> = {};
    for (let k = 0; k < np; k++) {
      const j = c.offset + k;
      const role = model.roles[j];
      const fi = role.kind === 'free' ? role.index : -1;
      parameters[c.shape.parameters[k].name] = {
        value: params[j],
        standardError: se[j],
        role: role.kind,
        atBound: fi >= 0 ? res.atBound[fi] : role.kind === 'fixed',
      };
    }
    let fraction = 0;
    let fractionSe = Infinity;
    if (total > 0) {
      fraction = areas[ci] / total;
      if (!areaUndetermined) {
        let v = 0;
        for (let a = 0; a < areaIdx.length; a++) {
          const ga = ((a === ci ? total : 0) - areas[ci]) / (total * total);
          for (let b = 0; b < areaIdx.length; b++) {
            const gb = ((b === ci ? total : 0) - areas[ci]) / (total * total);
            v += ga * gb * cov(areaIdx[a], areaIdx[b]);
          }
        }
        fractionSe = Math.sqrt(Math.max(0, v));
      }
    }
    // Centre of gravity of the fitted line over the window (differs from the position for truncated wings).
    const line = componentProfile(c);
    let s0 = 0;
    let s1 = 0;
    for (let i = 0; i < line.length; i++) {
      s0 += line[i];
      s1 += line[i] * d.x[i];
    }
    const cog = s0 !== 0 ? s1 / s0 : params[c.offset];
    const aSe = se[c.offset + 1];
    const significance = aSe > 0 ? Math.abs(areas[ci]) / aSe : areas[ci] !== 0 ? Infinity : 0;
    if (significance < 2 && model.roles[c.offset + 1].kind !== 'fixed')
      flags.push(`not-significant:${c.name}`);
    return {
      name: c.name,
      shape: c.shape.name,
      parameters,
      positionPpm: params[c.offset],
      positionStdErrPpm: se[c.offset],
      area: areas[ci],
      areaStdErr: aSe,
      fwhmPpm: c.shape.fwhm(params, c.offset),
      fraction,
      fractionStdErr: fractionSe,
      centreOfGravityPpm: Number.isFinite(cog) ? cog : params[c.offset],
      significance,
    };
  });
  const nb = model.baselineDegree + 1;
  const baseline =
    model.baselineDegree >= 0
      ? {
          coefficients: Array.from(params.subarray(model.lineParameterCount, model.lineParameterCount + nb)),
          centrePpm: d.centre,
          halfWidthPpm: d.half,
        }
      : null;
  const ph = model.phase;
  const phase = ph
    ? {
        imaginaryBaseline:
          ph.baselineIm >= 0
            ? Array.from(params.subarray(ph.baselineIm, ph.baselineIm + ph.baselineImDegree + 1))
            : [],
        ph0Deg: params[ph.ph0],
        ph0StdErrDeg: se[ph.ph0],
        ph1DegPerPpm: ph.ph1 >= 0 ? params[ph.ph1] : 0,
        ph1StdErrDegPerPpm: ph.ph1 >= 0 ? se[ph.ph1] : 0,
        pivotPpm: d.pivot,
      }
    : null;
  return {
    components,
    baseline,
    phase,
    parameters: params,
    parameterNames: model.parameterNames,
    standardErrors: se,
    rSquared,
    reducedChi2: res.reducedChi2 * d.yScale * d.yScale,
    rss: rss * d.yScale * d.yScale,
    converged: res.converged,
    status: res.status,
    message: res.message,
    iterations: res.iterations,
    evaluations: res.evaluations,
    windowPpm: d.window,
    points: d.x.length,
    droppedPoints: d.dropped,
    flags,
  };
}

/** Fits the real part of a processed spectrum. */
export function fitSpectrum(
  model: CompiledModel | ModelSpec,
  spectrum: Spectrum,
  options: FitOptions = {},
): FitResult {
  return fitModel(model, spectrum.ppm, spectrum.re, options);
}

/**
 * Model (line sum plus baseline) evaluated on an axis from a full parameter vector in intensity units.
 * For a phase fit it is the real channel, i.e. what the model says the (imperfectly phased) input's real
 * part is; pass the fit's `phase.pivotPpm`.
 */
export function modelCurve(
  modelInput: CompiledModel | ModelSpec,
  xPpm: ArrayLike<number>,
  params: ArrayLike<number>,
  baseline?: FitResult['baseline'],
  phasePivotPpm?: number,
): Float64Array {
  const model = isCompiled(modelInput) ? modelInput : compileModel(modelInput);
  const x = Float64Array.from(xPpm);
  const full = Float64Array.from(params);
  const w = model.spec.windowPpm;
  const d: Prepared = {
    x,
    y: new Float64Array(0),
    yIm: null,
    target: new Float64Array(0),
    pivot: phasePivotPpm ?? model.phase?.pivotPpm ?? (w ? 0.5 * (w[0] + w[1]) : 0),
    yScale: 1,
    dropped: 0,
    window: [0, 0],
    centre: baseline?.centrePpm ?? 0,
    half: baseline?.halfWidthPpm ?? 1,
  };
  const out = new Float64Array(model.phase ? 2 * x.length : x.length);
  evaluateModel(model, d, full, out, null);
  return model.phase ? out.slice(0, x.length) : out;
}

function isCompiled(m: unknown): m is CompiledModel {
  return typeof m === 'object' && m !== null && 'roles' in m && 'freeIndex' in m;
}
