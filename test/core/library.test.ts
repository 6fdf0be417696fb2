import { describe, expect, it } from 'vitest';
import * as spincell from '../../src/index.js';

describe('library entry', () => {
  it('exposes every module as a namespace with callable functions', () => {
    expect(typeof spincell.bruker.listSeries).toBe('function');
    expect(typeof spincell.nmr.processFid).toBe('function');
    expect(typeof spincell.fit.leastSquares).toBe('function');
    expect(typeof spincell.biologic.readBiologic).toBe('function');
    expect(typeof spincell.processedSpectra.readProcessedSpectra).toBe('function');
    expect(typeof spincell.eis.linKK).toBe('function');
    expect(typeof spincell.transport.sandTimeS).toBe('function');
    expect(typeof spincell.relax.analyseT1).toBe('function');
    expect(typeof spincell.echem.alignSpectra).toBe('function');
    expect(typeof spincell.store.ProjectStore.open).toBe('function');
    expect(spincell.getNucleus('7Li').spin).toBe(1.5);
  });
});
