import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { examplePlan, planSchema } from '../../src/acquisition/plan.js';
import { existingExpnos, readLog } from '../../src/acquisition/runner.js';
import { cli } from '../cli/helpers.js';

const BIN = fileURLToPath(new URL('../../bin/spincell.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'spincell-acquire-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PLAN = {
  version: 1,
  name: 'kill and resume',
  dataFolder: 'data',
  cycling: {
    steps: [
      { kind: 'rest', durationS: 300 },
      { kind: 'plate', currentMA: 0.5, durationS: 72000 },
    ],
  },
  nmr: { scans: 24, recycleDelayS: 5, complexPoints: 1024, swHz: 100000 },
  stop: { maxSpectra: 8 },
};

/** Runs `spincell acquire` as its own process; resolves with its exit code and JSON event lines. */
function acquire(args: string[], onEvent?: (e: Record<string, unknown>, kill: () => void) => void) {
  const child = spawn(process.execPath, [BIN, 'acquire', ...args, '--json'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const e = JSON.parse(line) as Record<string, unknown>;
      events.push(e);
      onEvent?.(e, () => child.kill('SIGKILL'));
    } catch {
      // not an event
    }
  });
  return new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    events: typeof events;
    stderr: string;
  }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, events, stderr })));
}

describe('spincell acquire', () => {
  it('init writes a plan the schema accepts and never replaces a file', async () => {
    const path = join(dir, 'example.json');
    expect((await cli(['acquire', 'init', path])).code).toBe(0);
    expect(planSchema.safeParse(JSON.parse(readFileSync(path, 'utf8'))).success).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(examplePlan());
    const again = await cli(['acquire', 'init', path]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/plan file exists/);
  });

  it('a bad plan gets one line naming file and field', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ ...PLAN, nmr: { ...PLAN.nmr, complexPoints: 1000 } }));
    const r = await cli(['acquire', path, '--virtual']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\.json.*nmr\.complexPoints/);
  });

  it('killed with kill -9 and resumed: every expno acquired once, none overwritten, the log tells', async () => {
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(PLAN));
    const data = join(dir, 'data');
    const killed = await acquire(['plan.json', '--virtual', '--speed', '600'], (e, kill) => {
      if (e.event === 'acquired' && Number(e.expno) === 12) kill();
    });
    expect(killed.signal).toBe('SIGKILL');
    const first = existingExpnos(data);
    expect(first.slice(0, 3)).toEqual([10, 11, 12]);
    const hashes = first.map((n) =>
      createHash('sha256')
        .update(readFileSync(join(data, String(n), 'fid')))
        .digest('hex'),
    );
    // The virtual instruments notice their parent is gone and exit: the resumed run starts new ones.
    const resumed = await acquire(['plan.json', '--virtual', '--speed', '600', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const all = existingExpnos(data);
    expect(all).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    expect(
      first.map((n) =>
        createHash('sha256')
          .update(readFileSync(join(data, String(n), 'fid')))
          .digest('hex'),
      ),
    ).toEqual(hashes);
    const log = readLog(join(data, 'acquisition.log.jsonl'));
    expect(log.filter((e) => e.event === 'resumed')).toHaveLength(1);
    const acquiredOnce = log.filter((e) => e.event === 'acquired').map((e) => Number(e.expno));
    expect(new Set(acquiredOnce).size).toBe(acquiredOnce.length);
    expect(readdirSync(data).filter((n) => n.endsWith('.partial'))).toEqual([]);
    expect(existsSync(join(data, 'cycler.mpt'))).toBe(true);
  }, 120_000);
});
