/**
 * Manifest validation: a wrong field is reported by its JSON path, with what was found and what was
 * expected, as a ParameterError naming the manifest file.
 */
import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../src/core/errors.js';
import { exampleManifest, parseManifest } from '../../src/pipeline/index.js';

const base = { version: 1, name: 'cell', output: { dir: 'out' } };

function errorOf(data: unknown): ParameterError {
  try {
    parseManifest(data, 'experiment.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ParameterError);
    return e as ParameterError;
  }
  throw new Error('manifest was accepted');
}

describe('manifest schema (version 1)', () => {
  it('accepts the example and fills the processing defaults', () => {
    expect(parseManifest(exampleManifest()).nmr?.processing.reference).toBe('metal:245');
    expect(parseManifest({ ...base, nmr: { path: 'series' } }).nmr?.processing).toEqual({});
  });

  it.each([
    [{ ...base, nmr: { path: 's', processing: { lbHz: '3' } } }, 'nmr.processing.lbHz', '"3"', 'number'],
    [{ ...base, nmr: { path: 's', processing: { lbHz: -1 } } }, 'nmr.processing.lbHz', -1, '>=0'],
    [{ ...base, nmr: { path: 's', regionsPpm: [[230, 290], [5]] } }, 'nmr.regionsPpm[1]', [5], '2 items'],
    [{ ...base, nmr: { path: 's', processing: { phase: 'x' } } }, 'nmr.processing.phase', '"x"', 'ph0Deg'],
    [
      { ...base, nmr: { path: 's', processing: { reference: 'metal:x' } } },
      'nmr.processing.reference',
      '"metal:x"',
      'metal:245',
    ],
    [
      { ...base, nmr: { path: 's', processing: { smooth: 1 } } },
      'nmr.processing.smooth',
      'field "smooth"',
      'no such field',
    ],
    [{ ...base, cycler: { path: 'c.mpt', areaCm2: 0 } }, 'cycler.areaCm2', 0, '>0'],
    [{ ...base, eis: { paths: ['z.mpt'], drt: { lambda: 'auto' } } }, 'eis.drt.lambda', '"auto"', 'gcv'],
    [{ ...base, version: 2 }, 'version', 2, '1'],
    [{ version: 1, name: 'cell', output: {} }, 'output.dir', 'nothing', 'string'],
  ])('names the field of %j', (data, field, found, expected) => {
    const e = errorOf(data);
    expect(e.file).toBe('experiment.json');
    expect(e.field).toBe(field);
    expect(e.found).toEqual(found);
    expect(String(e.expected)).toContain(expected);
    expect(e.message).toMatch(new RegExp(`^experiment\\.json: ${field.replace(/[.[\]]/g, '\\$&')}: `));
    expect(e.message).not.toContain('\n');
  });
});
