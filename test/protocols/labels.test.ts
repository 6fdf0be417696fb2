/**
 * Labels of unconstrained lines by a paper's assignment: one to one with the least total distance; with
 * more lines than assigned shifts, the lines nearest the assignments get them (a far line stays line<k>).
 */
import { describe, expect, it } from 'vitest';
import { assignMorphologyLabels } from '../../src/protocols/morphology.js';

const A = [
  { name: 'dense', ppm: 246 },
  { name: 'mossy', ppm: 257 },
  { name: 'dendritic', ppm: 267 },
];

describe('assignMorphologyLabels', () => {
  it('labels by nearest assignment, not by fit order', () => {
    expect(assignMorphologyLabels([267.5, 245.2, 258], A).map((l) => l.name)).toEqual([
      'dendritic',
      'dense',
      'mossy',
    ]);
  });
  it('with more lines than assignments, the far line keeps its number', () => {
    expect(assignMorphologyLabels([300, 246, 257, 267], A).map((l) => l.name)).toEqual([
      'line1',
      'dense',
      'mossy',
      'dendritic',
    ]);
  });
  it('with fewer lines than assignments, each line takes its nearest free one', () => {
    expect(assignMorphologyLabels([266, 247], A).map((l) => l.name)).toEqual(['dendritic', 'dense']);
  });
});
