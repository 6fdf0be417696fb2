/**
 * A strict little XML well-formedness checker for the generated SVG (Node has no DOMParser): quoted
 * attributes, balanced tags, one root, and every `&` starting a known entity or character reference.
 * With `html: true` the HTML void elements may stay unclosed and a doctype is allowed.
 */

const VOID_HTML = new Set([
  'meta',
  'link',
  'br',
  'hr',
  'img',
  'input',
  'col',
  'area',
  'base',
  'source',
  'wbr',
]);
const ENTITY = /^&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/;

function checkText(s: string, where: number): void {
  for (let i = s.indexOf('&'); i >= 0; i = s.indexOf('&', i + 1)) {
    if (!ENTITY.test(s.slice(i, i + 12)))
      throw new Error(`bare '&' at ${where + i}: ${JSON.stringify(s.slice(i, i + 20))}`);
  }
  if (s.includes(']]>')) throw new Error(`']]>' in text at ${where}`);
}

export function checkWellFormed(
  doc: string,
  options: { html?: boolean } = {},
): { elements: number; root: string } {
  const stack: string[] = [];
  let root = '';
  let elements = 0;
  let i = 0;
  let closedRoot = false;
  if (options.html) {
    const m = /^\s*<!DOCTYPE html>/i.exec(doc);
    if (m) i = m[0].length;
  }
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>/y;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const textEnd = lt < 0 ? doc.length : lt;
    const between = doc.slice(i, textEnd);
    checkText(between, i);
    if (stack.length === 0 && /\S/.test(between)) throw new Error(`text outside the root element at ${i}`);
    if (lt < 0) break;
    if (doc.startsWith('<!--', lt)) {
      const end = doc.indexOf('-->', lt);
      if (end < 0) throw new Error(`unterminated comment at ${lt}`);
      i = end + 3;
      continue;
    }
    tag.lastIndex = lt;
    const m = tag.exec(doc);
    if (!m) throw new Error(`malformed tag at ${lt}: ${JSON.stringify(doc.slice(lt, lt + 60))}`);
    const [, close, name, attrs, selfClose] = m;
    checkText(attrs, lt);
    const names = [...attrs.matchAll(/\s([\w:.-]+)=/g)].map((a) => a[1]);
    if (new Set(names).size !== names.length) throw new Error(`duplicate attribute in <${name}> at ${lt}`);
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> at ${lt} closes <${open ?? 'nothing'}>`);
      if (stack.length === 0) closedRoot = true;
    } else {
      if (stack.length === 0) {
        if (closedRoot || root !== '') throw new Error(`second root element <${name}> at ${lt}`);
        root = name;
      }
      elements++;
      const isVoid = options.html === true && VOID_HTML.has(name.toLowerCase());
      if (!selfClose && !isVoid) stack.push(name);
      else if (stack.length === 0) closedRoot = true;
    }
    i = lt + m[0].length;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]}>`);
  if (root === '') throw new Error('no root element');
  return { elements, root };
}
