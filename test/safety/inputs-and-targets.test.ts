/**
 * Issue 11, items 1–3: raw data can never be harmed. Outputs are compared with inputs by real path and
 * device/inode (symbolic links, hard links and linked series folders included); existing FIFOs, device
 * nodes and sockets are never replaced; `run` writes only into a folder that is empty or spincell's own,
 * and never replaces or removes a file it did not write.
 */
import { execFileSync } from 'node:child_process';
import {
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputError } from '../../src/core/errors.js';
import { writeFileAtomic } from '../../src/io/fs.js';
import { readMarker } from '../../src/io/output.js';
import { cli } from '../cli/helpers.js';
import { isCompleteSet, makeExperiment, snapshot, writeManifest, type Experiment } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'spincell-safety-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const data = join(root, 'data');
let e: Experiment;
let before: Record<string, string>;

beforeAll(() => {
  e = makeExperiment(data);
  before = snapshot(data);
});

/** One line on stderr, a typed error, no stack trace, no "internal error". */
function oneTypedLine(stderr: string): void {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^spincell: (UsageError|ParameterError|OutputError): /);
  expect(stderr).not.toMatch(/internal error|\n\s+at /);
}

describe('symbolic and hard links never let an output replace an input', () => {
  it('cycler link.mpt --records --out cycler.mpt (the link names the raw record)', async () => {
    const link = join(root, 'link.mpt');
    symlinkSync(e.cycler, link);
    const r = await cli(['cycler', link, '--records', '--out', e.cycler]);
    expect(r.code).toBe(2);
    oneTypedLine(r.stderr);
    expect(r.stderr).toMatch(/--out: output would overwrite an input file/);
    expect(snapshot(data)).toEqual(before);
  });

  it('--out naming a link to the input, and a hard link to it', async () => {
    const soft = join(root, 'soft.csv');
    const hard = join(root, 'hard.mpt');
    symlinkSync(e.cycler, soft);
    linkSync(e.cycler, hard);
    for (const out of [soft, hard]) {
      const r = await cli(['cycler', e.cycler, '--records', '--out', out]);
      expect(r.code, out).toBe(2);
      oneTypedLine(r.stderr);
    }
    expect(lstatSync(soft).isSymbolicLink()).toBe(true);
    expect(snapshot(data)).toEqual(before);
  });

  it("a linked series folder: an experiment's acqus, and a new folder inside the series, are refused", async () => {
    const linked = join(root, 'series-link');
    symlinkSync(e.series, linked);
    const acqus = join(e.series, '10', 'acqus');
    for (const args of [
      ['integrate', linked, '--region', '230:290', '--out', acqus],
      ['process', join(linked, '10'), '--out', join(e.series, '10', 'fid')],
      ['process', linked, '--out', join(e.series, 'processed')],
      ['process', e.series, '--out', join(linked, 'processed')],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      oneTypedLine(r.stderr);
      expect(r.stderr).toMatch(/output would (overwrite an input|be written inside an input folder)/);
    }
    expect(snapshot(data)).toEqual(before);
  });

  it('a link inside the series to an experiment elsewhere: that experiment is an input too', async () => {
    const elsewhere = join(root, 'elsewhere');
    const series = join(root, 'series-with-link');
    mkdirSync(series);
    execFileSync('cp', ['-r', join(e.series, '10'), join(elsewhere)]);
    symlinkSync(elsewhere, join(series, '10'));
    const acqus = join(elsewhere, 'acqus');
    const was = readFileSync(acqus);
    const r = await cli(['integrate', series, '--region', '230:290', '--out', acqus]);
    expect(r.code).toBe(2);
    oneTypedLine(r.stderr);
    expect(readFileSync(acqus).equals(was)).toBe(true);
  });

  it("run's output.dir reached through a link into an input folder, or naming a linked input", async () => {
    const link = join(root, 'run-link');
    symlinkSync(e.series, link);
    for (const dir of [join(link, 'results'), link, data]) {
      const m = writeManifest(join(root, 'linked.json'), e, dir, [230, 290]);
      const r = await cli(['run', m]);
      expect(r.code, dir).toBe(3);
      oneTypedLine(r.stderr);
      expect(r.stderr).toMatch(/ParameterError: .*linked\.json: output\.dir: /);
    }
    expect(snapshot(data)).toEqual(before);
  });

  it('an output through a link to a file outside the inputs lands in that file; the link stays', async () => {
    const real = join(root, 'real-records.csv');
    const link = join(root, 'records-link.csv');
    writeFileSync(real, 'old\n');
    symlinkSync(real, link);
    const r = await cli(['cycler', e.cycler, '--records', '--out', link]);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toMatch(/^time_s|,/);
  });
});

describe('existing FIFOs, device nodes and sockets are never replaced', () => {
  const special = join(root, 'special');
  beforeAll(() => mkdirSync(special, { recursive: true }));

  async function refused(target: string, isKind: () => boolean): Promise<void> {
    for (const args of [
      ['cycler', e.cycler, '--records', '--out', target],
      ['integrate', e.series, '--region', '230:290', '--svg', target],
      ['process', e.series, '--out', target],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      oneTypedLine(r.stderr);
      expect(r.stderr).toMatch(/output exists and is a (FIFO|character device|socket)/);
      expect(isKind()).toBe(true);
    }
    const m = writeManifest(join(root, 'special.json'), e, target, [230, 290]);
    const r = await cli(['run', m]);
    expect(r.code).toBe(3);
    oneTypedLine(r.stderr);
    expect(isKind()).toBe(true);
    expect(() => writeFileAtomic(target, 'x')).toThrow(OutputError);
    expect(isKind()).toBe(true);
  }

  it('a FIFO (mkfifo)', async () => {
    const fifo = join(special, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await refused(fifo, () => lstatSync(fifo).isFIFO());
  });

  it('/dev/null through a link (the system device is never touched)', async () => {
    const link = join(special, 'null-link');
    symlinkSync('/dev/null', link);
    await refused(link, () => statSync('/dev/null').isCharacterDevice());
  });

  it('a character device node made with mknod (skipped where not permitted)', async (ctx) => {
    const node = join(special, 'null-node');
    try {
      execFileSync('mknod', [node, 'c', '1', '3'], { stdio: 'ignore' });
    } catch {
      ctx.skip();
      return;
    }
    await refused(node, () => lstatSync(node).isCharacterDevice());
  });

  it('a Unix socket', async () => {
    const sock = join(special, 'sock');
    const server: Server = createServer();
    await new Promise<void>((done) => server.listen(sock, done));
    try {
      await refused(sock, () => lstatSync(sock).isSocket());
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });
});

describe('run writes only into an empty folder or its own earlier results', () => {
  it('refuses a folder spincell never wrote, even when the names match its outputs', async () => {
    const out = join(root, 'foreign-out');
    mkdirSync(out);
    writeFileSync(join(out, 'cycles.csv'), 'my own table\n');
    writeFileSync(join(out, 'report.html'), '<p>mine</p>\n');
    const m = writeManifest(join(root, 'foreign.json'), e, out, [230, 290]);
    const was = snapshot(out);
    const r = await cli(['run', m]);
    expect(r.code).toBe(3);
    oneTypedLine(r.stderr);
    expect(r.stderr).toMatch(/output\.dir: the output folder holds files spincell did not write/);
    expect(snapshot(out)).toEqual(was);
    // --force never replaces foreign files
    expect((await cli(['run', m, '--force'])).code).toBe(3);
    expect(snapshot(out)).toEqual(was);
  });

  it('replaces its own earlier results whole; a file dropped in later makes it refuse', async () => {
    const out = join(root, 'own-out');
    const m = writeManifest(join(root, 'own.json'), e, out, [230, 290]);
    expect((await cli(['run', m])).code).toBe(0);
    expect(isCompleteSet(out)).toBe(true);
    const first = readFileSync(join(out, 'integrals.csv'), 'utf8');
    writeManifest(m, e, out, [200, 300]);
    expect((await cli(['run', m])).code).toBe(0);
    expect(isCompleteSet(out)).toBe(true);
    expect(readFileSync(join(out, 'integrals.csv'), 'utf8')).not.toBe(first);
    expect(readMarker(out)?.command).toBe('run');

    writeFileSync(join(out, 'notes.txt'), 'my notes\n');
    const r = await cli(['run', m]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/holds files spincell did not write; .*found notes\.txt/);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('my notes\n');
    rmSync(join(out, 'notes.txt'));
  });

  it('a result file changed since is replaced only with --force', async () => {
    const out = join(root, 'changed-out');
    const m = writeManifest(join(root, 'changed.json'), e, out, [230, 290]);
    expect((await cli(['run', m])).code).toBe(0);
    writeFileSync(join(out, 'cycles.csv'), 'edited by hand\n');
    const r = await cli(['run', m]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/were changed since; found cycles\.csv; expected .*--force/);
    expect(readFileSync(join(out, 'cycles.csv'), 'utf8')).toBe('edited by hand\n');
    expect((await cli(['run', m, '--force'])).code).toBe(0);
    expect(readFileSync(join(out, 'cycles.csv'), 'utf8')).toMatch(/^cycle,/);
    expect(isCompleteSet(out)).toBe(true);
  });

  it("another command's results are replaced only with --force", async () => {
    const out = join(root, 'processed-out');
    expect((await cli(['process', e.series, '--out', out])).code).toBe(0);
    expect(readMarker(out)?.command).toBe('process');
    const m = writeManifest(join(root, 'other.json'), e, out, [230, 290]);
    const r = await cli(['run', m]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/holds the results of spincell process/);
    expect((await cli(['run', m, '--force'])).code).toBe(0);
    expect(readMarker(out)?.command).toBe('run');
  });

  it('accepts a folder an earlier spincell run wrote (provenance.json, no marker) and the old .tmp left-overs of a killed run', async () => {
    const out = join(root, 'legacy-out');
    const m = writeManifest(join(root, 'legacy.json'), e, out, [230, 290]);
    expect((await cli(['run', m])).code).toBe(0);
    rmSync(join(out, '.spincell'));
    // the temporary-file name of earlier versions, from a process that is gone
    writeFileSync(join(out, '.integrals.csv.999999999.0.tmp'), 'half');
    expect((await cli(['run', m])).code).toBe(0);
    expect(isCompleteSet(out)).toBe(true);
    expect(snapshot(out)['.integrals.csv.999999999.0.tmp']).toBeUndefined();
  });
});
