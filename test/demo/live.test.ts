/**
 * The demo's live cell: written over time and followed into the project while written; the stored run
 * holds every spectrum; a live folder holding a file the demo did not write is left alone.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLiveDemo } from '../../src/demo/live.js';
import { drawnSpectra, exportTable, ProjectStore } from '../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'spincell-demo-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('demo live cell', () => {
  it('follows the cell into the project, and replaces its own earlier folder', async () => {
    const project = join(dir, 'project');
    ProjectStore.init(project).close();
    for (const round of [1, 2]) {
      const lines = await runLiveDemo(dir, project, 3);
      expect(lines[0]).toMatch(/3 spectra written .* 3 stored while being written .* complete/);
      const s = ProjectStore.open(project);
      try {
        const runs = exportTable(s, 'runs', { cell: 'Li-Li live' }).rows;
        expect(runs).toHaveLength(round);
        expect(drawnSpectra(s, Number(runs[round - 1].id))).toEqual([0, 1, 2]);
      } finally {
        s.close();
      }
    }
  }, 60_000);

  it('leaves a live folder with a foreign file alone', async () => {
    const out = join(dir, 'other');
    mkdirSync(join(out, 'live'), { recursive: true });
    writeFileSync(join(out, 'live', 'notes.txt'), 'mine');
    const lines = await runLiveDemo(out, join(dir, 'project'), 3);
    expect(lines[0]).toMatch(/skipped.*notes\.txt/);
    expect(readFileSync(join(out, 'live', 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(out, 'live', 'series'))).toBe(false);
  });
});
