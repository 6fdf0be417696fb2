/**
 * OutputFolder after abort(): a late background write (an encoder thread answering after the command
 * failed) must not land, nor re-create the staging folder; abortWhenIdle() lets writes under way end
 * first, then removes the staging folder, so nothing of the set is left beside the target.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputFolder } from '../../src/io/output.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-abort-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 255);

describe('OutputFolder abort', () => {
  it('refuses a write after abort() and leaves no staging folder', async () => {
    const parent = join(root, 'late');
    const set = OutputFolder.open(join(parent, 'spectra'), { command: 'test' });
    set.writeFileInBackground('a.csv', bytes(1000));
    await set.abortWhenIdle();
    expect(() => set.writeFileInBackground('b.csv', bytes(1000))).toThrow(/already closed/);
    expect(() => set.writeFile('c.csv', 'x\n')).toThrow(/already closed/);
    await sleep(50);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('abortWhenIdle waits for the writes under way, then removes everything', async () => {
    const parent = join(root, 'busy');
    const set = OutputFolder.open(join(parent, 'spectra'), { command: 'test' });
    for (let k = 0; k < 16; k++) set.writeFileInBackground(`sub/f${k}.bin`, bytes(200_000));
    await set.abortWhenIdle();
    await set.drain(); // nothing is left to wait for
    await sleep(50);
    expect(readdirSync(parent)).toEqual([]);
  });
});
