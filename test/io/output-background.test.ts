/**
 * OutputFolder.writeFileInBackground: files written and flushed on the thread pool while the caller works
 * are part of the set exactly like writeFile's (same bytes, listed in the marker with their SHA-256,
 * computed here with node:crypto's createHash), commit() waits for none of them silently, and a file that
 * fails leaves the target untouched.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputError } from '../../src/core/errors.js';
import { OutputFolder, readMarker } from '../../src/io/output.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-background-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('OutputFolder.writeFileInBackground', () => {
  it('stages, hashes and commits the files like writeFile', async () => {
    const out = join(root, 'set');
    const set = OutputFolder.open(out, { command: 'test' });
    const files = Array.from({ length: 20 }, (_, i) => {
      const bytes = new Uint8Array(10_000 + i * 517);
      for (let j = 0; j < bytes.length; j++) bytes[j] = (j * 31 + i) & 255;
      return { name: `sub/f${i}.bin`, bytes };
    });
    for (const f of files) {
      set.writeFileInBackground(f.name, f.bytes);
      await set.drain(3);
    }
    set.writeFile('index.txt', 'index\n');
    expect(() => set.commit()).toThrow(/await drain/);
    await set.drain();
    set.commit();
    const marker = readMarker(out);
    expect(marker?.files.length).toBe(21);
    for (const f of files) {
      expect(new Uint8Array(readFileSync(join(out, f.name)))).toEqual(f.bytes);
      expect(marker?.files.find((m) => m.path === f.name)).toEqual({
        path: f.name,
        bytes: f.bytes.length,
        sha256: sha(f.bytes),
      });
    }
  });

  it('streams a file larger than a chunk through the writing thread, hashed in order', async () => {
    const out = join(root, 'stream');
    const set = OutputFolder.open(out, { command: 'test' });
    const piece = new Uint8Array(1_000_003);
    const all = new Uint8Array(21 * piece.length);
    const stream = set.openStream('big.bin');
    for (let k = 0; k < 21; k++) {
      for (let j = 0; j < piece.length; j++) piece[j] = (j * 7 + k * 13) & 255;
      all.set(piece, k * piece.length);
      stream.write(piece); // copied: the piece is refilled at once
      await set.drain(2);
    }
    const small = set.openStream('small.bin');
    small.write(Uint8Array.of(1, 2, 3));
    expect(() => set.commit()).toThrow(/close their streams/);
    await Promise.all([stream.close(), small.close()]);
    await set.drain();
    set.commit();
    expect(new Uint8Array(readFileSync(join(out, 'big.bin'))).every((v, i) => v === all[i])).toBe(true);
    expect(readFileSync(join(out, 'big.bin')).length).toBe(all.length);
    const marker = readMarker(out);
    expect(marker?.files.find((m) => m.path === 'big.bin')).toEqual({
      path: 'big.bin',
      bytes: all.length,
      sha256: sha(all),
    });
    expect(marker?.files.find((m) => m.path === 'small.bin')?.sha256).toBe(sha(Uint8Array.of(1, 2, 3)));
  });

  it('reports a file that cannot be written and leaves the target as it was', async () => {
    const out = join(root, 'failing');
    const set = OutputFolder.open(out, { command: 'test' });
    set.writeFile('d/x.txt', 'x');
    set.writeFileInBackground('d', new Uint8Array(10)); // a folder of the set: cannot be a file
    await expect(set.drain()).rejects.toThrow(OutputError);
    expect(() => set.commit()).toThrow(OutputError);
    expect(existsSync(out)).toBe(false);
  });
});
