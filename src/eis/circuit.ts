/**
 * Equivalent circuits written as strings in the notation of impedance.py: elements joined in series by
 * `-`, parallel groups as `p(a, b, …)`, each element a registered type followed by a unique label —
 * e.g. `R0-p(R1,CPE1)-p(R2-Wo1,C2)`. Parsing errors name the character where the string went wrong.
 *
 * Elements live in a registry (name → parameter names, units, default bounds, impedance) so that new
 * ones are added without touching the parser or the fitter.
 */
import { ParameterError } from '../core/errors.js';
import { add, c, div, inv, jPow, mul, scale, sqrt, tanh, type Complex } from './complex.js';

export interface ElementType {
  readonly name: string;
  readonly description: string;
  readonly params: readonly string[];
  readonly units: readonly string[];
  /** Default bounds per parameter (impedance.py's defaults: ≥ 0, CPE exponent ≤ 1). */
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  /** Impedance at angular frequency ω (rad/s). */
  impedance(p: ArrayLike<number>, offset: number, omega: number): Complex;
}

const INF = Infinity;

/** √(jx) for x ≥ 0, exact: (1 + j)√(x/2). */
const sqrtJ = (x: number): Complex => c(Math.sqrt(x / 2), Math.sqrt(x / 2));

export const ELEMENTS: Record<string, ElementType> = {};

export function registerElement(e: ElementType): void {
  if (!/^[A-Za-z]+$/.test(e.name))
    throw new ParameterError('element names are letters only', {
      field: 'element',
      found: e.name,
      expected: '[A-Za-z]+',
    });
  if (e.name === 'p')
    throw new ParameterError("'p' is the parallel operator", {
      field: 'element',
      found: e.name,
      expected: 'another name',
    });
  ELEMENTS[e.name] = e;
}

/** Registers a one-parameter element whose parameter is ≥ 0 and unbounded above. */
function registerOneParameter(
  name: string,
  description: string,
  param: string,
  unit: string,
  impedance: (value: number, omega: number) => Complex,
): void {
  registerElement({
    name,
    description,
    params: [param],
    units: [unit],
    lower: [0],
    upper: [INF],
    impedance: (p, o, w) => impedance(p[o], w),
  });
}

/**
 * Finite Warburg elements, Z = Z0·f(√(jωτ)): f(s) = coth(s)/s for a reflective (open) boundary,
 * tanh(s)/s for a transmissive (short) one.
 */
function registerFiniteWarburg(name: string, description: string, f: (s: Complex) => Complex): void {
  registerElement({
    name,
    description,
    params: ['Z0', 'tau'],
    units: ['Ohm', 's'],
    lower: [0, 0],
    upper: [INF, INF],
    impedance: (p, o, w) => scale(f(sqrtJ(w * p[o + 1])), p[o]),
  });
}

registerOneParameter('R', 'resistor, Z = R', 'R', 'Ohm', (r) => c(r));
registerOneParameter('C', 'capacitor, Z = 1/(jωC)', 'C', 'F', (cap, w) => c(0, -1 / (w * cap)));
registerOneParameter('L', 'inductor, Z = jωL', 'L', 'H', (l, w) => c(0, w * l));
registerElement({
  name: 'CPE',
  description: 'constant phase element, Z = 1/(Q (jω)^α)',
  params: ['Q', 'alpha'],
  units: ['Ohm^-1 s^alpha', ''],
  lower: [0, 0],
  upper: [INF, 1],
  impedance: (p, o, w) => inv(scale(jPow(w, p[o + 1]), p[o])),
});
registerOneParameter('W', 'semi-infinite Warburg, Z = A_W (1 − j)/√ω', 'Aw', 'Ohm s^-1/2', (aw, w) =>
  c(aw / Math.sqrt(w), -aw / Math.sqrt(w)),
);
registerFiniteWarburg('Wo', 'finite-space (open, reflective) Warburg, Z = Z0 coth(√(jωτ))/√(jωτ)', (s) =>
  inv(mul(s, tanh(s))),
);
registerFiniteWarburg('Ws', 'finite-length (short, transmissive) Warburg, Z = Z0 tanh(√(jωτ))/√(jωτ)', (s) =>
  div(tanh(s), s),
);
registerElement({
  name: 'G',
  description: 'Gerischer, Z = R_G/√(1 + jωt_G)',
  params: ['R', 'tau'],
  units: ['Ohm', 's'],
  lower: [0, 0],
  upper: [INF, INF],
  impedance: (p, o, w) => scale(inv(sqrt(c(1, w * p[o + 1]))), p[o]),
});

/** Parsed circuit tree. */
export type CircuitNode =
  | {
      readonly kind: 'element';
      readonly type: string;
      readonly label: string;
      readonly offset: number;
      readonly position: number;
    }
  | { readonly kind: 'series'; readonly children: readonly CircuitNode[] }
  | { readonly kind: 'parallel'; readonly children: readonly CircuitNode[] };

export interface Circuit {
  readonly text: string;
  readonly root: CircuitNode;
  /** Elements in order of appearance. */
  readonly elements: readonly { readonly type: string; readonly label: string; readonly offset: number }[];
  /** Parameter names, e.g. R0, CPE1_0, CPE1_1 (impedance.py's naming: element label, then _k for multi-parameter elements). */
  readonly paramNames: readonly string[];
  readonly paramUnits: readonly string[];
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly nParams: number;
}

function syntaxError(text: string, pos: number, found: string, expected: string): ParameterError {
  // The marker ⟨here⟩ sits at the offending character so one-line messages still point at it.
  return new ParameterError(`circuit string is malformed at character ${pos + 1}`, {
    field: 'circuit',
    found: `${found} in "${text.slice(0, pos)}⟨here⟩${text.slice(pos)}"`,
    expected,
  });
}

/** Parses a circuit string. */
export function parseCircuit(text: string): Circuit {
  const s = text;
  let pos = 0;
  const elements: { type: string; label: string; offset: number }[] = [];
  const names: string[] = [];
  const units: string[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  const labels = new Set<string>();
  const skip = () => {
    while (pos < s.length && /\s/.test(s[pos])) pos++;
  };
  const describe = () => (pos < s.length ? `'${s[pos]}'` : 'end of string');

  const parseElementOrGroup = (): CircuitNode => {
    skip();
    const start = pos;
    if (s[pos] === 'p' && s[pos + 1] === '(') {
      pos += 2;
      const children: CircuitNode[] = [parseSeries()];
      skip();
      while (s[pos] === ',') {
        pos++;
        children.push(parseSeries());
        skip();
      }
      if (s[pos] !== ')')
        throw syntaxError(
          s,
          pos,
          describe(),
          children.length < 2 ? "',' and another branch, or ')'" : "',' or ')'",
        );
      pos++;
      if (children.length < 2)
        throw syntaxError(s, start, 'p(…) with one branch', 'at least two parallel branches');
      return { kind: 'parallel', children };
    }
    const m = /^([A-Za-z]+)([0-9_][A-Za-z0-9_]*)?/.exec(s.slice(pos));
    if (!m)
      throw syntaxError(s, pos, describe(), 'an element such as R0, CPE1, Wo1 or a parallel group p(…)');
    const type = m[1];
    const label = m[0];
    const el = ELEMENTS[type];
    if (!el)
      throw syntaxError(
        s,
        pos,
        `unknown element type '${type}'`,
        `one of ${Object.keys(ELEMENTS).join(', ')}, then a label (e.g. R0)`,
      );
    if (m[2] === undefined)
      throw syntaxError(
        s,
        pos + type.length,
        `'${type}' without a label`,
        `a label after the type, e.g. ${type}1`,
      );
    if (labels.has(label)) throw syntaxError(s, pos, `duplicate element '${label}'`, 'unique element labels');
    labels.add(label);
    const offset = names.length;
    el.params.forEach((pn, k) => {
      names.push(el.params.length === 1 ? label : `${label}_${k}`);
      units.push(el.units[k]);
      lower.push(el.lower[k]);
      upper.push(el.upper[k]);
    });
    elements.push({ type, label, offset });
    pos += label.length;
    return { kind: 'element', type, label, offset, position: start };
  };

  const parseSeries = (): CircuitNode => {
    const children: CircuitNode[] = [parseElementOrGroup()];
    skip();
    while (s[pos] === '-') {
      pos++;
      children.push(parseElementOrGroup());
      skip();
    }
    return children.length === 1 ? children[0] : { kind: 'series', children };
  };

  if (s.trim() === '') throw syntaxError(s, 0, 'empty string', 'a circuit such as R0-p(R1,C1)');
  const root = parseSeries();
  skip();
  if (pos < s.length)
    throw syntaxError(
      s,
      pos,
      describe(),
      s[pos] === ')' ? "no ')' without a matching 'p('" : "'-' (series), ',' or ')' inside p(…), or the end",
    );
  return {
    text,
    root,
    elements,
    paramNames: names,
    paramUnits: units,
    lower: Float64Array.from(lower),
    upper: Float64Array.from(upper),
    nParams: names.length,
  };
}

function evalNode(node: CircuitNode, p: ArrayLike<number>, omega: number): Complex {
  switch (node.kind) {
    case 'element':
      return ELEMENTS[node.type].impedance(p, node.offset, omega);
    case 'series': {
      let z = c(0);
      for (const ch of node.children) z = add(z, evalNode(ch, p, omega));
      return z;
    }
    case 'parallel': {
      let y = c(0);
      for (const ch of node.children) y = add(y, inv(evalNode(ch, p, omega)));
      return inv(y);
    }
  }
}

/** Impedance of the circuit with parameters p at each frequency: [Z′, Z″] arrays. */
export function circuitImpedance(
  circuit: Circuit,
  p: ArrayLike<number>,
  freqHz: ArrayLike<number>,
): { zReOhm: Float64Array; zImOhm: Float64Array } {
  if (p.length !== circuit.nParams) {
    throw new ParameterError('wrong number of circuit parameters', {
      field: circuit.text,
      found: p.length,
      expected: `${circuit.nParams} (${circuit.paramNames.join(', ')})`,
    });
  }
  const n = freqHz.length;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const z = evalNode(circuit.root, p, 2 * Math.PI * freqHz[i]);
    re[i] = z.re;
    im[i] = z.im;
  }
  return { zReOhm: re, zImOhm: im };
}
