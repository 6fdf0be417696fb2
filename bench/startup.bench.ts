/**
 * Start-up of the installed CLI: `spincell --help` and `spincell info <small experiment>` (a three-row
 * Bruker ser fixture) run through bin/spincell.js as a user runs them, each beside `node -e 0` in the same
 * rounds (A B A B A B), so that Node's own start and the machine's load are measured alongside. Each run
 * is a whole child process, timed from spawn to exit. Targets (issue 10, item 18): --help ≤ 0.3 s and
 * info ≤ 0.5 s, on the median. The compiled CLI (dist/) is built first when missing or stale, as
 * `npm install` would have done; the bin would otherwise run the sources through tsx.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSeconds, interleaved, type Measured } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const bin = join(root, 'bin', 'spincell.js');
const experiment = join(root, 'test', 'fixtures', 'bruker', 'ser-int32-le');

interface Run extends Measured {
  status: number | null;
  stdout: string;
  stderr: string;
}

function timed(args: string[]): Run {
  const t = process.hrtime.bigint();
  const p = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: root });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  return { seconds, status: p.status, stdout: p.stdout, stderr: p.stderr };
}

function check(what: string, r: Run, expected: string): void {
  if (r.status !== 0 || !r.stdout.includes(expected) || r.stderr !== '')
    throw new Error(`${what}: exit ${r.status}, stderr ${JSON.stringify(r.stderr.slice(0, 200))}`);
}

export default async function bench(): Promise<void> {
  const probe = timed([bin, '--version']);
  if (probe.stderr.includes('running the sources')) {
    console.log(`building dist/ (${probe.stderr.trim()})`);
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  }
  const node = { label: 'node -e 0', run: () => timed(['-e', '0']) };
  const targets: [string, number, number][] = [];
  const help = await interleaved(
    'start-up: spincell --help',
    { label: 'spincell --help (bin, dist/)', run: () => timed([bin, '--help']) },
    node,
    { rounds: 7 },
  );
  check('spincell --help', help.lastA, 'Usage: spincell');
  targets.push(['spincell --help', help.a.medianS, 0.3]);
  const info = await interleaved(
    'start-up: spincell info <3-row ser>',
    { label: 'spincell info (bin, dist/)', run: () => timed([bin, 'info', experiment]) },
    node,
    { rounds: 7 },
  );
  check('spincell info', info.lastA, '3 spectra');
  targets.push(['spincell info', info.a.medianS, 0.5]);
  for (const [what, median, target] of targets)
    console.log(
      `  ${what}: median ${formatSeconds(median)} (target ≤ ${formatSeconds(target)}: ${median <= target ? 'met' : 'NOT met'})`,
    );
}
