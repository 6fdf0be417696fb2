/**
 * The smallest SVG writer that keeps its promises: every number that reaches the output is finite (a
 * NaN coordinate throws instead of silently producing an invisible or broken element), every piece of
 * text is escaped, and no element refers to anything outside the string (no ids, no hrefs), so several
 * figures can be inlined into one HTML page without their ids colliding.
 */
import { DataError } from '../../core/errors.js';

/* Characters XML 1.0 forbids (C0 controls other than tab/newline/return, U+FFFE/U+FFFF) and unpaired
 * surrogate halves: any of them makes the whole document unreadable, so they are dropped. */
function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code !== 0xfffe && code !== 0xffff);
}

function stripInvalid(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text[i] + text[i + 1];
        i++;
      }
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) continue;
    if (isXmlChar(c)) out += text[i];
  }
  return out;
}

/** Escapes text for element content and quoted attribute values (also usable in HTML). */
export function escapeXml(text: string): string {
  return stripInvalid(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Formats a pixel coordinate; two decimals are far below what any display resolves. */
export function num(value: number): string {
  if (!Number.isFinite(value)) {
    throw new DataError('non-finite coordinate in figure', {
      found: String(value),
      expected: 'a finite number',
    });
  }
  const rounded = Math.round(value * 100) / 100;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

/** Path coordinates at 0.1 px: invisible rounding, and a third less path data for dense spectra. */
export function coord(value: number): string {
  if (!Number.isFinite(value)) return num(value);
  const rounded = Math.round(value * 10) / 10;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

export type AttrValue = string | number | undefined | null;
export type Attrs = Record<string, AttrValue>;

function attrs(a: Attrs): string {
  let out = '';
  for (const [key, value] of Object.entries(a)) {
    if (value === undefined || value === null) continue;
    out += ` ${key}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`;
  }
  return out;
}

/** One element; `children` is trusted markup (already built by these helpers), never raw user text. */
export function el(name: string, a: Attrs = {}, children?: string): string {
  if (children === undefined || children === '') return `<${name}${attrs(a)}/>`;
  return `<${name}${attrs(a)}>${children}</${name}>`;
}

/** A text element with escaped content. */
export function text(x: number, y: number, content: string, a: Attrs = {}): string {
  return `<text${attrs({ x, y, ...a })}>${escapeXml(content)}</text>`;
}

export function group(children: string[], a: Attrs = {}): string {
  const body = children.join('');
  return body === '' ? '' : el('g', a, body);
}

/**
 * Path data through pixel points, starting a new sub-path after every non-finite point so that gaps in
 * the data stay visible gaps instead of being bridged by a straight line.
 */
export function linePathData(xs: ArrayLike<number>, ys: ArrayLike<number>): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${coord(x)} ${coord(y)}`;
    pen = true;
  }
  return d;
}

export interface DocumentOptions {
  /** Accessible title (shown as a tooltip by browsers). */
  title?: string;
  description?: string;
}

export const FONT_FAMILY = 'sans-serif';
export const FONT_SIZE = 12;

/** Wraps figure content into a stand-alone SVG document with a viewBox so it scales in HTML. */
export function svgDocument(
  width: number,
  height: number,
  body: string,
  options: DocumentOptions = {},
): string {
  const head =
    (options.title ? el('title', {}, escapeXml(options.title)) : '') +
    (options.description ? el('desc', {}, escapeXml(options.description)) : '');
  return el(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${num(width)} ${num(height)}`,
      width,
      height,
      'font-family': FONT_FAMILY,
      'font-size': FONT_SIZE,
      role: 'img',
    },
    head + el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }) + body,
  );
}

/** Rough advance width of a string, enough to size legends and margins without a font engine. */
export function textWidth(content: string, fontSize = FONT_SIZE): number {
  return [...content].length * fontSize * 0.58;
}
