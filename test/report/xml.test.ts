import { describe, expect, it } from 'vitest';
import { checkWellFormed } from './xml.js';

// The checker is itself tested: a lenient checker would let every figure test pass vacuously.
describe('well-formedness checker', () => {
  it('accepts a small valid document', () => {
    expect(
      checkWellFormed('<svg a="1"><g><text x="0">a &amp; b &lt; c &#8722;</text></g><rect/></svg>'),
    ).toEqual({ elements: 4, root: 'svg' });
  });
  it.each([
    ['unbalanced', '<svg><g></svg>'],
    ['wrong order', '<svg><g><text></g></text></svg>'],
    ['bare ampersand', '<svg><text>a & b</text></svg>'],
    ['bare less-than in text', '<svg><text>a < b</text></svg>'],
    ['unquoted attribute', '<svg a=1></svg>'],
    ['less-than in attribute', '<svg a="<"></svg>'],
    ['two roots', '<svg></svg><svg></svg>'],
    ['text outside root', 'x<svg></svg>'],
    ['unknown entity', '<svg><text>&nbsp;</text></svg>'],
    ['duplicate attribute', '<svg a="1" a="2"></svg>'],
    ['unclosed', '<svg>'],
  ])('rejects %s', (_, doc) => {
    expect(() => checkWellFormed(doc)).toThrow();
  });
  it('allows void elements and a doctype in html mode only', () => {
    const html = '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>';
    expect(checkWellFormed(html, { html: true }).root).toBe('html');
    expect(() => checkWellFormed(html)).toThrow();
  });
});
