/**
 * Issue 11, items 4–5: result sets are all-or-nothing and one output has one writer. The real CLI is
 * killed with SIGKILL while its outputs are staged (SPINCELL_TEST_PAUSE_BEFORE_SWAP, a test-only hook
 * that pauses right before the renames) and at random moments; the output is always the old complete
 * set or the new complete set, and the next run cleans up. A second writer is refused while the first
 * holds the lock, naming it; a lock left by a killed writer is stale and taken over.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockPathOf, OutputFolder } from '../../src/io/output.js';
import { cli } from '../cli/helpers.js';
import {
  deadPid,
  isCompleteSet,
  kill9,
  makeExperiment,
  PAUSED,
  snapshot,
  spawnCli,
  waitForStderr,
  writeManifest,
  type Experiment,
} from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let e: Experiment;
beforeAll(() => {
  e = makeExperiment(join(root, 'data'));
});

const PAUSE = { SPINCELL_TEST_PAUSE_BEFORE_SWAP: '60000' };
const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('.'));

describe('kill -9 while a result set is written', () => {
  it('run: killed with everything staged, the old complete set stays; the next run cleans up', async () => {
    const out = join(root, 'run-out');
    const m = writeManifest(join(root, 'run.json'), e, out, [230, 290]);
    expect((await cli(['run', m])).code).toBe(0);
    const old = snapshot(out);
    writeManifest(m, e, out, [200, 300]);

    const s = spawnCli(['run', m], PAUSE);
    await waitForStderr(s, PAUSED);
    await kill9(s);
    expect(snapshot(out)).toEqual(old);
    expect(isCompleteSet(out)).toBe(true);
    // the killed writer's staging folder and lock are left behind …
    expect(leftovers(root).some((n) => n.startsWith('.spincell-staging-'))).toBe(true);
    expect(existsSync(lockPathOf(out))).toBe(true);

    // … and the next run takes the stale lock over, removes them and writes the new set
    const r = await cli(['run', m]);
    expect(r.code, r.stderr).toBe(0);
    expect(isCompleteSet(out)).toBe(true);
    expect(snapshot(out)['integrals.csv']).not.toBe(old['integrals.csv']);
    expect(leftovers(root)).toEqual([]);
  }, 60_000);

  it('process --out DIR: killed before the swap, the old spectra and their index stay together', async () => {
    const out = join(root, 'processed');
    expect((await cli(['process', e.series, '--out', out, '--lb', '1'])).code).toBe(0);
    const old = snapshot(out);
    const s = spawnCli(['process', e.series, '--out', out, '--lb', '20'], PAUSE);
    await waitForStderr(s, PAUSED);
    await kill9(s);
    expect(snapshot(out)).toEqual(old);
    expect(isCompleteSet(out)).toBe(true);
    expect((await cli(['process', e.series, '--out', out, '--lb', '20'])).code).toBe(0);
    expect(isCompleteSet(out)).toBe(true);
    expect(snapshot(out)['exp10.csv']).not.toBe(old['exp10.csv']);
    expect(leftovers(root)).toEqual([]);
  }, 60_000);

  it('integrate --out and --svg: killed before the renames, neither file appears; the .tmp files go later', async () => {
    const dir = join(root, 'pair');
    mkdirSync(dir);
    const args = ['integrate', e.series, '--region', '230:290'];
    const outs = ['--out', join(dir, 'integrals.csv'), '--svg', join(dir, 'integrals.svg')];
    const s = spawnCli([...args, ...outs], PAUSE);
    await waitForStderr(s, PAUSED);
    await kill9(s);
    expect(readdirSync(dir).filter((n) => !n.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toHaveLength(2);
    expect((await cli([...args, ...outs])).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['integrals.csv', 'integrals.svg']);
  }, 60_000);

  it('run killed at random moments: always the old or the new complete set', async () => {
    const out = join(root, 'random-out');
    const m = writeManifest(join(root, 'random.json'), e, out, [230, 290]);
    expect((await cli(['run', m])).code).toBe(0);
    const oldIntegrals = readFileSync(join(out, 'integrals.csv'), 'utf8');
    writeManifest(m, e, out, [200, 300]);
    // How long a whole run takes here, so the kills spread over start-up, work and writing.
    const t0 = Date.now();
    const full = spawnCli(['run', m]);
    expect((await full.exit).code).toBe(0);
    const durationMs = Date.now() - t0;
    const newIntegrals = readFileSync(join(out, 'integrals.csv'), 'utf8');
    expect(newIntegrals).not.toBe(oldIntegrals);
    for (let k = 0; k < 4; k++) {
      // start each round from the old set
      writeManifest(m, e, out, [230, 290]);
      expect((await cli(['run', m])).code).toBe(0);
      writeManifest(m, e, out, [200, 300]);
      const s = spawnCli(['run', m]);
      await new Promise((done) => setTimeout(done, ((k + 0.5) / 4) * durationMs * 1.1));
      await kill9(s);
      if (!existsSync(out)) {
        // killed between the two renames of the swap: the next writer puts the old set back
        OutputFolder.open(out, { command: 'run' }).abort();
      }
      expect(isCompleteSet(out)).toBe(true);
      const now = readFileSync(join(out, 'integrals.csv'), 'utf8');
      expect([oldIntegrals, newIntegrals]).toContain(now);
    }
    // A kill after the second rename leaves the old folder aside with its sidecar; the next writer
    // removes whatever the killed ones left.
    expect((await cli(['run', m])).code).toBe(0);
    expect(leftovers(root)).toEqual([]);
  }, 180_000);

  it('a writer killed between the two renames of the swap: the next writer restores the old set', () => {
    const parent = join(root, 'swap');
    const out = join(parent, 'results');
    const set = OutputFolder.open(out, { command: 'run' });
    set.writeFile('a.csv', 'old\n');
    set.commit();
    const old = snapshot(out);
    // the state a SIGKILL leaves right after "old folder aside": no target, the aside folder named by its sidecar
    const pid = deadPid();
    const aside = join(parent, `.spincell-old-${pid}-abcdef`);
    renameSync(out, aside);
    writeFileSync(`${aside}.target`, 'results');
    mkdirSync(join(parent, `.spincell-staging-${pid}-abcdef`));
    writeFileSync(join(parent, `.spincell-staging-${pid}-abcdef`, 'a.csv'), 'new\n');
    OutputFolder.open(out, { command: 'run' }).abort();
    expect(snapshot(out)).toEqual(old);
    expect(leftovers(parent)).toEqual([]);
  });
});

describe('one writer per output', () => {
  it('a second run is refused while the first holds the lock, naming it; afterwards it runs', async () => {
    const out = join(root, 'locked-out');
    const m = writeManifest(join(root, 'locked.json'), e, out, [230, 290]);
    const first = spawnCli(['run', m], { SPINCELL_TEST_PAUSE_BEFORE_SWAP: '3000' });
    await waitForStderr(first, PAUSED);
    const second = await cli(['run', m]);
    expect(second.code).toBe(3);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `OutputError: .*output\\.dir: the output folder is being written by spincell run \\(pid ${first.child.pid},`,
      ),
    );
    expect((await first.exit).code).toBe(0);
    expect(isCompleteSet(out)).toBe(true);
    expect((await cli(['run', m])).code).toBe(0);
    expect(existsSync(lockPathOf(out))).toBe(false);
  }, 60_000);

  it('two runs started together: each finishes or is refused with the lock message; the set is complete', async () => {
    // a folder of its own, so that only this output's left-overs are looked at
    const parent = join(root, 'race');
    mkdirSync(parent);
    const out = join(parent, 'race-out');
    const m = writeManifest(join(root, 'race.json'), e, out, [230, 290]);
    const a = spawnCli(['run', m]);
    const b = spawnCli(['run', m]);
    const [ra, rb] = await Promise.all([a.exit, b.exit]);
    for (const [r, s] of [
      [ra, a],
      [rb, b],
    ] as const) {
      if (r.code !== 0) {
        expect(r.code).toBe(3);
        expect(s.stderr).toMatch(/being written by spincell run/);
      }
    }
    expect([ra.code, rb.code]).toContain(0);
    expect(isCompleteSet(out)).toBe(true);
    expect(leftovers(parent)).toEqual([]);
  }, 60_000);

  it('a lock whose process is gone is taken over; a lock of a live process is not', () => {
    const out = join(root, 'stale-lock');
    const lock = lockPathOf(out);
    const info = (pid: number) =>
      JSON.stringify({
        pid,
        startTicks: null,
        host: hostname(),
        command: 'run',
        target: out,
        startedAt: 'x',
      });
    writeFileSync(lock, info(deadPid()));
    const set = OutputFolder.open(out, { command: 'run' });
    set.writeFile('a.csv', 'a\n');
    set.commit();
    expect(existsSync(lock)).toBe(false);
    writeFileSync(lock, info(process.ppid));
    expect(() => OutputFolder.open(out, { command: 'run' })).toThrow(/being written by spincell run \(pid/);
    rmSync(lock);
  });
});
