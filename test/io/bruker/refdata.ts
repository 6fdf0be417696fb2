/** The real Bruker data of the reference set (test/reference-data.ts locates it), and numpy's values for it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { haveReference, referencePath } from '../../reference-data.js';

export { REFERENCE_DATA } from '../../reference-data.js';
export const BRUKER_DATA = referencePath('bruker');
export const HAVE_BRUKER_DATA = haveReference('bruker');

export interface NumpySummary {
  n: number;
  first: number[];
  last: number[];
  sum: number;
  sumAbs: number;
  argmaxAbs: number;
}

export interface NumpyReference {
  re: NumpySummary;
  im: NumpySummary;
  r1?: NumpySummary;
  i1?: NumpySummary;
  r1max?: number;
  r1argmax?: number;
  r1min?: number;
  ppmAtMax?: number;
  ppmLast?: number;
}

/** Values computed by test/fixtures/bruker/make_reference.py (numpy, decoding the same bytes independently). */
export const NUMPY_REFERENCE = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../fixtures/bruker/reference-numpy.json', import.meta.url)), 'utf8'),
) as Record<string, NumpyReference>;
