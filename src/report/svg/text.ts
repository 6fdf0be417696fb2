/**
 * Unit and label typography with plain Unicode instead of SVG tspans: labels stay single strings that
 * survive copying, tooltips and the HTML report unchanged.
 */

const SUPERSCRIPT: Record<string, string> = {
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
  '+': '⁺',
  '-': '⁻',
  '−': '⁻',
  '=': '⁼',
  '(': '⁽',
  ')': '⁾',
  n: 'ⁿ',
  i: 'ⁱ',
};

const SUBSCRIPT: Record<string, string> = {
  '0': '₀',
  '1': '₁',
  '2': '₂',
  '3': '₃',
  '4': '₄',
  '5': '₅',
  '6': '₆',
  '7': '₇',
  '8': '₈',
  '9': '₉',
  '+': '₊',
  '-': '₋',
  '−': '₋',
  '=': '₌',
  '(': '₍',
  ')': '₎',
  a: 'ₐ',
  e: 'ₑ',
  o: 'ₒ',
  x: 'ₓ',
  h: 'ₕ',
  k: 'ₖ',
  l: 'ₗ',
  m: 'ₘ',
  n: 'ₙ',
  p: 'ₚ',
  s: 'ₛ',
  t: 'ₜ',
};

/** Superscript form of a short string; characters without a Unicode superscript are kept as they are. */
export function superscript(s: string): string {
  return [...s].map((c) => SUPERSCRIPT[c] ?? c).join('');
}

export function subscript(s: string): string {
  return [...s].map((c) => SUBSCRIPT[c] ?? c).join('');
}

/**
 * Turns a TeX-like label into Unicode: `^{…}` or `^-2` → superscript, `_{…}` or `_10` → subscript.
 * `mA cm^-2` → `mA cm⁻²`, `log_10(τ / s)` → `log₁₀(τ / s)`, `^7Li` → `⁷Li`. Only applied to axis labels,
 * where such markup is intended; titles and legend entries are shown literally.
 */
export function richText(label: string): string {
  // Unicode has no superscript or subscript for most letters (no subscript S, E, I for R_SEI); rather than
  // silently writing "RSEI", such groups keep a visible marker: R_{SEI} → R_SEI.
  const sup = (s: string) => ([...s].every((c) => c in SUPERSCRIPT) ? superscript(s) : `^${s}`);
  const sub = (s: string) => ([...s].every((c) => c in SUBSCRIPT) ? subscript(s) : `_${s}`);
  return label
    .replace(/\^\{([^}]*)\}/g, (_, s: string) => sup(s))
    .replace(/\^([-+−]?[0-9]+|[a-z](?![a-z]))/g, (_, s: string) => sup(s))
    .replace(/_\{([^}]*)\}/g, (_, s: string) => sub(s))
    .replace(/_([0-9]+)/g, (_, s: string) => sub(s));
}

/** Typographic minus for tick labels (the hyphen is too short next to digits). */
export function withMinus(s: string): string {
  return s.replace(/^-/, '−');
}
