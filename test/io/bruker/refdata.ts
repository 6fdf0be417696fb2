/** Locates ../shared/reference/data next to the repository; tests skip with a printed reason when absent. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REFERENCE_DATA = fileURLToPath(new URL('../../../../shared/reference/data/', import.meta.url));
export const BRUKER_DATA = `${REFERENCE_DATA}bruker`;
export const HAVE_BRUKER_DATA = existsSync(`${BRUKER_DATA}/coffee-1h/20/acqus`);

if (!HAVE_BRUKER_DATA) console.warn(`skipping real-data Bruker tests: ${BRUKER_DATA} not found`);

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
