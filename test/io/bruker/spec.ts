/** A small ⁷Li acquisition the Bruker tests write and read back. */
import type { BrukerWriteSpec } from '../../../src/io/bruker/index.js';

export const TEST_SPEC: BrukerWriteSpec = {
  nucleus: '7Li',
  sfo1MHz: 155.5,
  bf1MHz: 155.5,
  o1Hz: 0,
  swHz: 50000,
  scans: 4,
  recycleDelayS: 0.1,
  digitalFilter: { kind: 'grpdly', points: 67.98 },
  endMs: Date.UTC(2026, 1, 1),
};
