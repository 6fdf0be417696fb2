/**
 * The one output layer of spincell. Every file or folder a command writes goes through here, so the same
 * promises hold everywhere:
 *
 * - Inputs are never touched: an output is compared with every input by its resolved real path and by
 *   device and inode (every file and folder reachable below an input folder, links followed), so a
 *   symbolic link, a hard link or a linked series folder cannot smuggle an input in as an output.
 * - Only regular files (or, where a folder is written, folders) are ever replaced: an existing FIFO,
 *   device node or socket is refused, never turned into a file.
 * - A single file is written to a temporary sibling, flushed to disk (fsync) and renamed over the target.
 *   Inside a command (see beginOutputTransaction) all files of the command are renamed at its end, so an
 *   error leaves none of them.
 * - A folder of results (OutputFolder) is staged in a sibling `.spincell-staging-<pid>-<rand>` folder,
 *   flushed, then swapped in with renames (old folder aside, staged folder in, old folder removed). A
 *   reader sees the old complete set or the new complete set. The folder carries a `.spincell` marker that
 *   lists every file spincell wrote with its SHA-256; spincell replaces a folder only when it is empty or
 *   holds nothing but files its marker lists, unchanged (changed ones only with `force`); foreign files
 *   are never replaced or removed.
 * - A folder being written is locked (`.<name>.spincell-lock` beside it, created exclusively, holding the
 *   writer's pid, process start time and host); a second writer is refused with a message naming the
 *   holder; a lock whose process is gone is stale and taken over.
 * - Left-overs of a crashed writer (staging folders, temporary files, a folder set aside mid-swap) are
 *   recognised by their names and a dead owner pid, and cleaned up or restored by the next writer.
 */
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { open as openAsync } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  isSpincellError,
  OutputError,
  ParameterError,
  type ErrorDetails,
  type SpincellError,
  UsageError,
} from '../core/errors.js';

/** Name of the marker file spincell writes into every folder of results it owns. */
export const MARKER_FILE = '.spincell';
export const MARKER_FORMAT = 'spincell output set';
const STAGING = /^\.spincell-staging-(\d+)-([0-9a-f]+)$/;
const ASIDE = /^\.spincell-old-(\d+)-([0-9a-f]+)$/;
const ASIDE_TARGET = /^\.spincell-old-(\d+)-([0-9a-f]+)\.target$/;
/** Temporary files of writeFileAtomic: this version's names and those of earlier versions. */
const TEMP_FILE = [/^\..+\.spincell-(\d+)-[0-9a-f]+\.tmp$/, /^\..+\.(\d+)\.\d+\.tmp$/];

/** What the usual file-system failures mean for someone choosing an output path. */
const OUTPUT_FAILURES: Record<string, string> = {
  EEXIST: 'a parent of the path is a file, not a folder',
  ENOTDIR: 'a parent of the path is a file, not a folder',
  EISDIR: 'the path is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EXDEV: 'the staging folder and the output are on different devices',
  EBUSY: 'the folder is busy (a mount point?)',
  ENAMETOOLONG: 'the path is too long',
};

function fsFailure(error: unknown, path: string, field?: string): SpincellError {
  if (isSpincellError(error)) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return new OutputError(
    `cannot write the output: ${OUTPUT_FAILURES[code] ?? (code || 'file-system error')}`,
    {
      file: path,
      ...(field !== undefined ? { field } : {}),
      cause: error,
    },
  );
}

const randomTag = () => randomBytes(6).toString('hex');

// ── processes ──────────────────────────────────────────────────────────────────────────────────────

/** State and start time (clock ticks since boot) of a process from /proc, or null where unavailable. */
function procStat(pid: number): { state: string; startTicks: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); the start time is field 22
    return { state: fields[0], startTicks: fields[19] };
  } catch {
    return null;
  }
}

/** This process' start time as recorded in locks (null where /proc is unavailable). */
export function processStartTicks(pid: number = process.pid): string | null {
  return procStat(pid)?.startTicks ?? null;
}

/**
 * True while process `pid` runs (a zombie counts as gone); with `startTicks`, also false when the pid has
 * been reused by a process started at another time.
 */
export function processAlive(pid: number, startTicks?: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return startTicks == null || startTicks === processStartTicks();
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = procStat(pid);
  if (stat === null) return true;
  if (stat.state === 'Z' || stat.state === 'X') return false;
  return startTicks == null || stat.startTicks === startTicks;
}

// ── inputs ─────────────────────────────────────────────────────────────────────────────────────────

interface InputRoot {
  /** As the user gave it (for messages). */
  readonly given: string;
  readonly real: string;
}

/** Every file and folder a command reads, by device:inode, and the real paths of the inputs named. */
export interface InputIndex {
  readonly ids: ReadonlyMap<string, string>;
  readonly roots: readonly InputRoot[];
}

const idOf = (st: Stats) => `${st.dev}:${st.ino}`;

/** Walks no further than this many entries below one input (a guard against naming `/` by mistake). */
const MAX_WALK = 200_000;

/**
 * Indexes the inputs among `paths` (paths that do not exist are skipped): every file and folder below
 * an input folder, links followed, by device and inode.
 */
export function collectInputs(paths: Iterable<string>): InputIndex {
  const ids = new Map<string, string>();
  const roots: InputRoot[] = [];
  for (const given of paths) {
    if (given === '') continue;
    let real: string;
    try {
      real = realpathSync(given);
    } catch {
      continue;
    }
    roots.push({ given, real });
    let budget = MAX_WALK;
    const walk = (p: string): void => {
      if (budget-- <= 0) return;
      let st: Stats;
      try {
        st = statSync(p);
      } catch {
        return;
      }
      const id = idOf(st);
      if (ids.has(id)) return;
      ids.set(id, given);
      if (!st.isDirectory()) return;
      let names: string[];
      try {
        names = readdirSync(p);
      } catch {
        return;
      }
      for (const name of names) walk(join(p, name));
    };
    walk(real);
  }
  return { ids, roots };
}

// ── output paths ───────────────────────────────────────────────────────────────────────────────────

export interface OutputCheck {
  /** What is written: a file, a folder, or not known yet (the command decides later). */
  readonly kind: 'file' | 'folder' | 'any';
  /** Option or manifest field naming the output (`--out`, `output.dir`). */
  readonly field?: string;
  /** The manifest the output was named in; refusals are then ParameterErrors against it. */
  readonly manifest?: string;
  readonly inputs?: InputIndex;
  /** How refusals are typed: usage errors (CLI flags), parameter errors (manifest), output errors (library). */
  readonly errors?: 'usage' | 'manifest' | 'output';
  /** Leave a parent that is not a folder to the caller (it reports it in its own words). */
  readonly allowBadParent?: boolean;
}

function refusal(check: OutputCheck, path: string, summary: string, d: ErrorDetails = {}): SpincellError {
  const mode = check.errors ?? (check.manifest !== undefined ? 'manifest' : 'usage');
  if (mode === 'manifest')
    return new ParameterError(summary, { file: check.manifest, field: check.field, found: path, ...d });
  if (mode === 'output')
    return new OutputError(summary, {
      file: path,
      ...(check.field !== undefined ? { field: check.field } : {}),
      ...d,
    });
  return new UsageError(summary, { field: check.field ?? '--out', found: path, ...d });
}

function typeName(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

function inside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r !== '' && !isAbsolute(r) && r.split(sep)[0] !== '..';
}

/**
 * The real path an output `path` will be written to (links resolved; for a new path, its nearest
 * existing ancestor resolved), after checking that it is not an input, does not lie inside or hold an
 * input, and is not an existing non-regular file. Returns null only with `allowBadParent` when a parent
 * is not a folder.
 */
export function realOutputPath(path: string, check: OutputCheck): string | null {
  const abs = resolve(path);
  let exists = true;
  try {
    lstatSync(abs);
  } catch {
    exists = false;
  }
  let real: string;
  let st: Stats | undefined;
  if (exists) {
    try {
      real = realpathSync(abs);
      st = statSync(real);
    } catch {
      throw refusal(check, path, 'output is a symbolic link to a missing path', {
        expected: 'a plain path, or a link to an existing file or folder',
      });
    }
  } else {
    let dir = dirname(abs);
    const rest = [basename(abs)];
    for (;;) {
      try {
        lstatSync(dir);
        break;
      } catch {
        const up = dirname(dir);
        if (up === dir) break;
        rest.unshift(basename(dir));
        dir = up;
      }
    }
    let realDir: string;
    try {
      realDir = realpathSync(dir);
    } catch {
      throw refusal(check, path, 'a parent of the output is a symbolic link to a missing path', {
        expected: 'a path inside an existing folder or a new one',
      });
    }
    if (!statSync(realDir).isDirectory()) {
      if (check.allowBadParent) return null;
      throw new OutputError('cannot write the output: a parent of the path is a file, not a folder', {
        file: path,
        ...(check.field !== undefined ? { field: check.field } : {}),
      });
    }
    real = join(realDir, ...rest);
  }
  if (st) {
    if (st.isDirectory()) {
      if (check.kind === 'file')
        throw refusal(check, path, 'output is a folder, not a file', { expected: 'a file path' });
    } else if (!st.isFile()) {
      throw refusal(
        check,
        path,
        `output exists and is ${typeName(st)}; spincell replaces only regular ${check.kind === 'folder' ? 'folders' : 'files'}`,
        { expected: `a new path or an existing regular ${check.kind === 'folder' ? 'folder' : 'file'}` },
      );
    } else if (check.kind === 'folder') {
      throw refusal(check, path, 'the output path is a file', { expected: 'a folder (created if missing)' });
    }
  }
  const inputs = check.inputs;
  if (inputs) {
    if (st) {
      const hit = inputs.ids.get(idOf(st));
      if (hit !== undefined)
        throw refusal(
          check,
          path,
          `output would overwrite an input ${st.isDirectory() ? 'folder' : 'file'}`,
          {
            expected: `a path outside the input ${hit}`,
          },
        );
    }
    for (let a = dirname(real); ; a = dirname(a)) {
      let ast: Stats | undefined;
      try {
        ast = statSync(a);
      } catch {
        ast = undefined;
      }
      const hit = ast ? inputs.ids.get(idOf(ast)) : undefined;
      if (hit !== undefined)
        throw refusal(check, path, 'output would be written inside an input folder', {
          expected: `a path outside the input ${hit}`,
        });
      if (dirname(a) === a) break;
    }
    for (const root of inputs.roots) {
      if (root.real === real || inside(real, root.real))
        throw refusal(check, path, 'output would be written inside an input folder', {
          expected: `a path outside the input ${root.given}`,
        });
      if (check.kind === 'folder' && inside(root.real, real))
        throw refusal(check, path, 'the output folder would hold an input', {
          expected: `a folder apart from ${root.given}`,
        });
    }
  }
  return real;
}

// ── durable writes ─────────────────────────────────────────────────────────────────────────────────

function writeDurable(path: string, data: string | Uint8Array, flag = 'wx'): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(path, flag, 0o644);
  try {
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** writeDurable on the thread pool: the calling thread goes on while the file is written and flushed. */
async function writeDurableAsync(path: string, bytes: Uint8Array): Promise<void> {
  const file = await openAsync(path, 'w', 0o644);
  try {
    for (let off = 0; off < bytes.length;)
      off += (await file.write(bytes, off, bytes.length - off)).bytesWritten;
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Flushes a folder's entries (renames, new files) to disk; a file system that cannot is skipped. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems refuse fsync on a folder: the rename is still atomic, only less durable
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function pidOf(name: string, patterns: readonly RegExp[]): number | null {
  for (const p of patterns) {
    const m = p.exec(name);
    if (m) return Number(m[1]);
  }
  return null;
}

function isStaleTemp(name: string): boolean {
  const pid = pidOf(name, TEMP_FILE);
  return pid !== null && !processAlive(pid);
}

/** Removes temporary files that crashed writers left for `base` in `dir` (own naming patterns, dead pids). */
function cleanStaleTemps(dir: string, base: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`.${base}.`) || !isStaleTemp(name)) continue;
    try {
      if (lstatSync(join(dir, name)).isFile()) unlinkSync(join(dir, name));
    } catch {
      // gone already
    }
  }
}

interface PendingRename {
  readonly tmp: string;
  readonly target: string;
  readonly shown: string;
}

let transaction: PendingRename[] | null = null;

/**
 * From now on writeFileAtomic stages its files (written and flushed in full) and renames them over their
 * targets only at commitOutputTransaction, so a command's files appear together or not at all.
 */
export function beginOutputTransaction(): void {
  transaction = [];
}

export function commitOutputTransaction(): void {
  const pending = transaction ?? [];
  transaction = null;
  testPause('SPINCELL_TEST_PAUSE_BEFORE_SWAP');
  const dirs = new Set<string>();
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i];
    try {
      renameSync(p.tmp, p.target);
      dirs.add(dirname(p.target));
    } catch (error) {
      for (const q of pending.slice(i)) rmSync(q.tmp, { force: true });
      throw fsFailure(error, p.shown);
    }
  }
  for (const d of dirs) fsyncDir(d);
}

export function abortOutputTransaction(): void {
  for (const p of transaction ?? []) rmSync(p.tmp, { force: true });
  transaction = null;
}

/**
 * Writes a file whole: a temporary sibling, flushed, then renamed over the target (a link is followed and
 * its target replaced). Refuses an existing folder, FIFO, device node or socket.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  let target: string;
  try {
    target = realOutputPath(path, { kind: 'file', errors: 'output' }) as string;
  } catch (error) {
    if (error instanceof OutputError && /is a folder/.test(error.message))
      throw new OutputError('cannot write the output: the path is a folder', { file: path });
    throw error;
  }
  const dir = dirname(target);
  const base = basename(target);
  const tmp = join(dir, `.${base}.spincell-${process.pid}-${randomTag()}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    cleanStaleTemps(dir, base);
    writeDurable(tmp, data);
    if (transaction) {
      transaction.push({ tmp, target, shown: path });
      return;
    }
    renameSync(tmp, target);
    fsyncDir(dir);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw fsFailure(error, path);
  }
}

/**
 * Test hook (documented as test-only): with SPINCELL_TEST_PAUSE_BEFORE_SWAP=<ms> a writer announces
 * `spincell-test: paused before swap` on stderr and sleeps that long once everything is staged and
 * flushed, right before the renames, so tests can kill it there.
 */
function testPause(variable: string): void {
  const ms = Number(process.env[variable]);
  if (!(ms > 0)) return;
  process.stderr.write(`spincell-test: paused before swap (pid ${process.pid})\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// ── locks ──────────────────────────────────────────────────────────────────────────────────────────

export interface LockInfo {
  readonly pid: number;
  readonly startTicks: string | null;
  readonly host: string;
  readonly command: string;
  readonly target: string;
  readonly startedAt: string;
}

/** The lock file of an output folder `target` (a sibling, so it survives the folder's swap). */
export function lockPathOf(target: string): string {
  return join(dirname(target), `.${basename(target)}.spincell-lock`);
}

function readLock(path: string): { raw: string; info: LockInfo | null; mtimeMs: number } | null {
  try {
    const raw = readFileSync(path, 'utf8');
    const mtimeMs = statSync(path).mtimeMs;
    try {
      const info = JSON.parse(raw) as LockInfo;
      return { raw, info: typeof info.pid === 'number' ? info : null, mtimeMs };
    } catch {
      return { raw, info: null, mtimeMs };
    }
  } catch {
    return null;
  }
}

/** A lock file younger than this with no readable content is being written by its holder. */
const FRESH_LOCK_MS = 10_000;

class Lock {
  private constructor(
    readonly path: string,
    private readonly ino: number,
  ) {}

  static acquire(target: string, shown: string, command: string, check: Pick<OutputCheck, 'field'>): Lock {
    const path = lockPathOf(target);
    const info: LockInfo = {
      pid: process.pid,
      startTicks: processStartTicks(),
      host: hostname(),
      command,
      target,
      startedAt: new Date().toISOString(),
    };
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        writeDurable(path, `${JSON.stringify(info)}\n`);
        return new Lock(path, statSync(path).ino);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fsFailure(error, shown, check.field);
      }
      const held = readLock(path);
      if (held === null) continue; // released meanwhile
      const h = held.info;
      if (h === null) {
        if (Date.now() - held.mtimeMs < FRESH_LOCK_MS) throw lockedError(shown, path, null, check);
      } else if (h.host !== hostname() || processAlive(h.pid, h.startTicks)) {
        throw lockedError(shown, path, h, check);
      }
      // stale: the holder is gone; remove the lock unless someone replaced it meanwhile
      const again = readLock(path);
      if (again !== null && again.raw === held.raw) rmSync(path, { force: true });
    }
    throw lockedError(shown, path, null, check);
  }

  /** Throws unless the lock file is still this writer's. */
  verify(shown: string): void {
    let ino = -1;
    try {
      ino = statSync(this.path).ino;
    } catch {
      // removed
    }
    if (ino !== this.ino)
      throw new OutputError(
        'the output folder lock was removed or taken over by another writer; nothing replaced',
        {
          file: shown,
          found: this.path,
        },
      );
  }

  release(): void {
    try {
      if (statSync(this.path).ino === this.ino) unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

function lockedError(
  shown: string,
  path: string,
  h: LockInfo | null,
  check: Pick<OutputCheck, 'field'>,
): OutputError {
  const who =
    h === null
      ? 'another spincell (its lock is being written)'
      : `spincell ${h.command} (pid ${h.pid}${h.host !== hostname() ? ` on host ${h.host}` : ''}, started ${h.startedAt})`;
  return new OutputError(`the output folder is being written by ${who}`, {
    file: shown,
    ...(check.field !== undefined ? { field: check.field } : {}),
    expected:
      h !== null && h.host !== hostname()
        ? `to wait until it has finished (if it is gone, remove ${path})`
        : 'to wait until it has finished, then run again',
  });
}

// ── output folders ─────────────────────────────────────────────────────────────────────────────────

export interface MarkerEntry {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** Content of `.spincell`: what spincell wrote into the folder, so only those files are ever replaced. */
export interface Marker {
  readonly format: string;
  readonly version: number;
  readonly command: string;
  readonly name: string;
  readonly writtenAt: string;
  readonly files: MarkerEntry[];
}

export function readMarker(dir: string): Marker | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, MARKER_FILE), 'utf8')) as Partial<Marker>;
    if (m.format !== MARKER_FORMAT || !Array.isArray(m.files)) return null;
    return m as Marker;
  } catch {
    return null;
  }
}

interface TreeEntry {
  readonly path: string;
  readonly kind: 'file' | 'dir' | 'other';
}

/** Every entry below `dir` (links not followed: a link is 'other'), relative paths with '/'. */
function tree(dir: string, prefix = ''): TreeEntry[] {
  const out: TreeEntry[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const rel = prefix + name;
    const st = lstatSync(p);
    if (st.isDirectory()) {
      out.push({ path: rel, kind: 'dir' });
      out.push(...tree(p, `${rel}/`));
    } else out.push({ path: rel, kind: st.isFile() ? 'file' : 'other' });
  }
  return out;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const listed = (names: string[]) =>
  names.length <= 4 ? names.join(', ') : `${names.slice(0, 4).join(', ')} and ${names.length - 4} more`;

export interface OutputFolderOptions extends Omit<OutputCheck, 'kind'> {
  /** The command writing (recorded in the marker and the lock; another command's folder needs `force`). */
  readonly command: string;
  /** Replace spincell's own earlier files even when they were changed or another command wrote them. */
  readonly force?: boolean;
  /**
   * Recognises a folder an earlier spincell version wrote (before the marker existed), given its entries
   * (temporary files of crashed writers left out).
   */
  readonly legacy?: (dir: string, names: readonly string[]) => boolean;
}

/**
 * A folder of results written all-or-nothing. Open it before the work (it checks the target, takes the
 * lock and creates the staging folder), write into `staging` (writeFile, or any writer given
 * stagedPath(...)), then commit() to swap it in, or abort() to leave everything as it was.
 */
export class OutputFolder {
  private closed = false;
  private readonly written = new Map<string, MarkerEntry>();
  private readonly background = new Set<Promise<void>>();
  private backgroundFailure: SpincellError | undefined;
  private readonly streams = new Set<StagedStream>();

  private constructor(
    readonly target: string,
    readonly staging: string,
    private readonly shown: string,
    private readonly tag: string,
    private readonly lock: Lock,
    private readonly options: OutputFolderOptions,
  ) {}

  static open(path: string, options: OutputFolderOptions): OutputFolder {
    const target = realOutputPath(path, { ...options, kind: 'folder' }) as string;
    const parent = dirname(target);
    try {
      mkdirSync(parent, { recursive: true });
    } catch (error) {
      throw fsFailure(error, path, options.field);
    }
    const lock = Lock.acquire(target, path, options.command, options);
    try {
      recoverLeftovers(parent, basename(target));
      checkReplaceable(target, path, options);
      const tag = randomTag();
      const staging = join(parent, `.spincell-staging-${process.pid}-${tag}`);
      try {
        mkdirSync(staging);
      } catch (error) {
        throw fsFailure(error, path, options.field);
      }
      return new OutputFolder(target, staging, path, tag, lock, options);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Where a file `rel` of the set is staged (parent folders created). */
  stagedPath(rel: string): string {
    // After commit() or abort() the staging folder is gone: a late write must not create it again.
    if (this.closed) throw new Error('output folder already closed');
    const p = join(this.staging, rel);
    mkdirSync(dirname(p), { recursive: true });
    return p;
  }

  /** Stages one file of the set (flushed to disk). */
  writeFile(rel: string, data: string | Uint8Array): void {
    const p = this.stagedPath(rel);
    try {
      writeDurable(p, data, 'w');
    } catch (error) {
      throw fsFailure(error, join(this.shown, rel), this.options.field);
    }
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.written.set(rel.split(sep).join('/'), {
      path: rel.split(sep).join('/'),
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  }

  /**
   * Stages one file of the set like writeFile, but writes, flushes and hashes it on Node's thread pool
   * while the caller goes on computing (`data` must not change until the file is done). With many files
   * (a series of spectra) the disk's flushes then overlap the work instead of adding to it. drain(n)
   * waits until at most n of these files are still being written and reports the first that failed;
   * commit() needs all of them done (await drain() first).
   */
  writeFileInBackground(rel: string, data: Uint8Array): void {
    const p = this.stagedPath(rel);
    const key = rel.split(sep).join('/');
    const job = writeDurableAsync(p, data)
      .then(() => webcrypto.subtle.digest('SHA-256', data))
      .then((digest) => {
        this.written.set(key, { path: key, bytes: data.length, sha256: Buffer.from(digest).toString('hex') });
      })
      .catch((error: unknown) => {
        this.backgroundFailure ??= fsFailure(error, join(this.shown, rel), this.options.field);
      })
      .finally(() => this.background.delete(job));
    this.background.add(job);
  }

  /**
   * Opens one file of the set for appending in pieces (bulk arrays streamed as they are computed). The
   * bytes are gathered into large chunks, each written on the thread pool (counted by drain() like
   * writeFileInBackground's files) and hashed in order; close() flushes the file and lists it.
   */
  openStream(rel: string): StagedStream {
    const p = this.stagedPath(rel);
    const key = rel.split(sep).join('/');
    const shown = join(this.shown, rel);
    let fd: number;
    try {
      fd = openSync(p, 'w', 0o644);
    } catch (error) {
      throw fsFailure(error, shown, this.options.field);
    }
    const stream: StagedStream = new StagedStream(fd, {
      run: (job) => {
        const tracked = job
          .catch((error: unknown) => {
            this.backgroundFailure ??= fsFailure(error, shown, this.options.field);
          })
          .finally(() => this.background.delete(tracked));
        this.background.add(tracked);
        return tracked;
      },
      closed: (bytes, sha256) => {
        this.streams.delete(stream);
        this.written.set(key, { path: key, bytes, sha256 });
      },
      failed: (error) => {
        this.streams.delete(stream);
        return fsFailure(error, shown, this.options.field);
      },
    });
    this.streams.add(stream);
    return stream;
  }

  /** Waits until at most `limit` files of writeFileInBackground are still being written; throws the first failure. */
  async drain(limit = 0): Promise<void> {
    while (this.background.size > limit) await Promise.race(this.background);
    if (this.backgroundFailure !== undefined) throw this.backgroundFailure;
  }

  /** The final path of a file of the set. */
  finalPath(rel: string): string {
    return join(this.target, rel);
  }

  /** Writes the marker, flushes, and swaps the staged folder in for the target. */
  commit(): void {
    if (this.closed) throw new Error('output folder already closed');
    if (this.background.size > 0 || this.streams.size > 0)
      throw new Error(
        'files are still being written in the background: close their streams and await drain() before commit()',
      );
    if (this.backgroundFailure !== undefined) {
      this.abort();
      throw this.backgroundFailure;
    }
    try {
      const files: MarkerEntry[] = [];
      const dirs = [this.staging];
      for (const e of tree(this.staging)) {
        const p = join(this.staging, e.path);
        if (e.kind === 'dir') dirs.push(p);
        if (e.kind !== 'file' || e.path === MARKER_FILE) continue;
        const known = this.written.get(e.path);
        if (known) files.push(known);
        else {
          const fd = openSync(p, 'r');
          try {
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
          files.push({ path: e.path, bytes: statSync(p).size, sha256: sha256File(p) });
        }
      }
      const marker: Marker = {
        format: MARKER_FORMAT,
        version: 1,
        command: this.options.command,
        name: basename(this.target),
        writtenAt: new Date().toISOString(),
        files,
      };
      writeDurable(join(this.staging, MARKER_FILE), `${JSON.stringify(marker, null, 1)}\n`, 'w');
      for (const d of dirs.reverse()) fsyncDir(d);
      testPause('SPINCELL_TEST_PAUSE_BEFORE_SWAP');
      this.lock.verify(this.shown);
      // The folder may have changed while the work ran (a file dropped in): check again before replacing.
      checkReplaceable(this.target, this.shown, this.options);
      this.swap();
    } catch (error) {
      this.abort();
      throw fsFailure(error, this.shown, this.options.field);
    }
    this.closed = true;
    this.lock.release();
  }

  private swap(): void {
    const parent = dirname(this.target);
    let exists = true;
    try {
      lstatSync(this.target);
    } catch {
      exists = false;
    }
    if (!exists) {
      renameSync(this.staging, this.target);
      fsyncDir(parent);
      return;
    }
    const aside = join(parent, `.spincell-old-${process.pid}-${this.tag}`);
    const sidecar = `${aside}.target`;
    // The sidecar names the folder set aside, so a writer killed between the two renames is undone.
    writeDurable(sidecar, basename(this.target), 'w');
    fsyncDir(parent);
    renameSync(this.target, aside);
    try {
      renameSync(this.staging, this.target);
    } catch (error) {
      renameSync(aside, this.target);
      rmSync(sidecar, { force: true });
      throw error;
    }
    fsyncDir(parent);
    rmSync(aside, { recursive: true, force: true });
    rmSync(sidecar, { force: true });
  }

  /**
   * Waits for every background write to end (their failures are dropped: the set is being given up),
   * then abort(): no write of the set can land after its staging folder is removed.
   */
  async abortWhenIdle(): Promise<void> {
    while (this.background.size > 0) await Promise.race(this.background);
    this.abort();
  }

  /** Removes the staging folder and releases the lock; the target is left as it was. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stream of this.streams) stream.discard();
    this.streams.clear();
    rmSync(this.staging, { recursive: true, force: true });
    this.lock.release();
  }
}

/** Bytes a StagedStream gathers before writing them out (and flushing them to disk) in one piece. */
const STREAM_CHUNK_BYTES = 8 * 2 ** 20;

interface StreamHooks {
  /** Tracks a background job of the stream (the folder's drain counts it); returns it, never rejecting. */
  run(job: Promise<void>): Promise<void>;
  closed(bytes: number, sha256: string): void;
  failed(error: unknown): SpincellError;
}

/**
 * The thread a StagedStream hands its full chunks to: it hashes each (in order), writes it at its place
 * and flushes it (fdatasync), so that neither the SHA-256 of a large file (≈0.25–0.6 s for 131 MB here)
 * nor the writing takes the main thread's time. Plain CommonJS with node: modules only, so it starts the
 * same from the TypeScript sources and from dist/.
 */
const STREAM_WORKER = `
const { parentPort } = require('node:worker_threads');
const { writeSync, fdatasyncSync } = require('node:fs');
const { createHash } = require('node:crypto');
const hash = createHash('sha256');
parentPort.on('message', (m) => {
  if (m.close) { parentPort.postMessage({ digest: hash.digest('hex') }); return; }
  try {
    const data = new Uint8Array(m.buffer, 0, m.length);
    hash.update(data);
    for (let off = 0; off < data.length; ) off += writeSync(m.fd, data, off, data.length - off, m.at + off);
    if (m.sync) fdatasyncSync(m.fd);
    parentPort.postMessage({ seq: m.seq });
  } catch (e) {
    parentPort.postMessage({ seq: m.seq, error: { code: e.code, message: e.message } });
  }
});
`;

interface StreamReply {
  seq?: number;
  digest?: string;
  error?: { code?: string; message: string };
}

/**
 * One file of an OutputFolder written in pieces (OutputFolder.openStream): write() copies the bytes into
 * a chunk; a full chunk goes to a worker thread that hashes, writes and flushes it while the caller
 * computes; close() sends the rest and lists the file. A file smaller than one chunk is written and
 * hashed here at close, without a thread.
 */
export class StagedStream {
  private chunk = new Uint8Array(STREAM_CHUNK_BYTES);
  private used = 0;
  private position = 0;
  private failure: unknown = undefined;
  private done = false;
  private worker: Worker | null = null;
  private seq = 0;
  private readonly waiting = new Map<number, () => void>();
  private digestWanted: ((digest: string) => void) | null = null;

  constructor(
    private readonly fd: number,
    private readonly hooks: StreamHooks,
  ) {}

  /** Appends `bytes` (copied: the caller may reuse them at once). */
  write(bytes: Uint8Array): void {
    if (this.done) throw new Error('stream already closed');
    let from = 0;
    while (from < bytes.length) {
      const n = Math.min(bytes.length - from, this.chunk.length - this.used);
      this.chunk.set(bytes.subarray(from, from + n), this.used);
      this.used += n;
      from += n;
      if (this.used === this.chunk.length) this.flushChunk(true);
    }
  }

  private startWorker(): Worker {
    const worker = new Worker(STREAM_WORKER, { eval: true });
    worker.unref();
    worker.on('message', (m: StreamReply) => {
      if (m.error) this.failure ??= Object.assign(new Error(m.error.message), { code: m.error.code });
      if (m.seq !== undefined) {
        this.waiting.get(m.seq)?.();
        this.waiting.delete(m.seq);
      }
      if (m.digest !== undefined) this.digestWanted?.(m.digest);
    });
    worker.on('error', (error) => {
      this.failure ??= error;
      for (const resolve of this.waiting.values()) resolve();
      this.waiting.clear();
      this.digestWanted?.('');
    });
    return worker;
  }

  private flushChunk(sync: boolean): void {
    if (this.used === 0) return;
    this.worker ??= this.startWorker();
    const seq = this.seq++;
    const buffer = this.chunk.buffer;
    this.worker.postMessage({ fd: this.fd, at: this.position, length: this.used, sync, seq, buffer }, [
      buffer,
    ]);
    this.position += this.used;
    this.chunk = new Uint8Array(STREAM_CHUNK_BYTES);
    this.used = 0;
    this.hooks.run(new Promise<void>((resolve) => this.waiting.set(seq, resolve)));
  }

  /** Gives the file up (the folder is being aborted): stops the thread and closes the file. */
  discard(): void {
    if (this.done) return;
    this.done = true;
    const close = () => closeSync(this.fd);
    if (this.worker) void this.worker.terminate().then(close, close);
    else close();
  }

  /** Writes what is left, flushes and closes the file, and lists it in the set (bytes and SHA-256). */
  async close(): Promise<void> {
    if (this.done) return;
    this.done = true;
    let digest: string;
    try {
      if (this.worker === null) {
        // one chunk at most: hash and write it here
        const data = this.chunk.subarray(0, this.used);
        for (let off = 0; off < data.length;) off += writeSync(this.fd, data, off, data.length - off, off);
        this.position = data.length;
        digest = createHash('sha256').update(data).digest('hex');
      } else {
        this.flushChunk(false);
        const worker = this.worker;
        digest = await new Promise<string>((resolve) => {
          this.digestWanted = resolve;
          worker.postMessage({ close: true });
        });
        await worker.terminate();
      }
      if (this.failure !== undefined) throw this.failure;
      fsyncSync(this.fd);
    } catch (error) {
      closeSync(this.fd);
      throw this.hooks.failed(error);
    }
    closeSync(this.fd);
    this.hooks.closed(this.position, digest);
  }
}

/**
 * Refuses to replace a folder that holds anything spincell did not write there (per its marker, or an
 * earlier version's layout via `legacy`), or spincell files changed since (unless `force`).
 */
function checkReplaceable(target: string, shown: string, options: OutputFolderOptions): void {
  let st: Stats;
  try {
    st = statSync(target);
  } catch {
    return;
  }
  const check: OutputCheck = { ...options, kind: 'folder' };
  if (!st.isDirectory())
    throw refusal(check, shown, 'the output path is a file', { expected: 'a folder (created if missing)' });
  let all: TreeEntry[];
  try {
    all = tree(target);
  } catch (error) {
    throw fsFailure(error, shown, options.field);
  }
  const entries = all.filter((e) => !(e.kind === 'file' && isStaleTemp(basename(e.path))));
  if (entries.length === 0) return;
  const marker = readMarker(target);
  if (marker === null) {
    if (
      options.legacy?.(
        target,
        entries.filter((e) => !e.path.includes('/')).map((e) => e.path),
      )
    )
      return;
    throw refusal(
      check,
      shown,
      'the output folder holds files spincell did not write; refusing to replace it',
      {
        found: `${shown} holding ${listed(entries.filter((e) => !e.path.includes('/')).map((e) => e.path))}`,
        expected: 'a new or empty folder, or one spincell wrote before',
      },
    );
  }
  const ours = new Map(marker.files.map((f) => [f.path, f]));
  const ourDirs = new Set<string>();
  for (const f of marker.files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) ourDirs.add(parts.slice(0, i).join('/'));
  }
  const foreign = entries.filter((e) =>
    e.kind === 'dir'
      ? !ourDirs.has(e.path)
      : e.path !== MARKER_FILE && !(e.kind === 'file' && ours.has(e.path)),
  );
  if (foreign.length > 0)
    throw refusal(
      check,
      shown,
      'the output folder holds files spincell did not write; refusing to replace it',
      {
        found: listed(foreign.map((e) => e.path)),
        expected: 'those files moved elsewhere, or a new or empty output folder',
      },
    );
  if (options.force) return;
  if (marker.command !== options.command)
    throw refusal(check, shown, `the output folder holds the results of spincell ${marker.command}`, {
      expected: `another folder for ${options.command}, or --force to replace them`,
    });
  const changed = entries
    .filter((e) => e.kind === 'file' && e.path !== MARKER_FILE)
    .filter((e) => {
      const f = ours.get(e.path) as MarkerEntry;
      const p = join(target, e.path);
      return statSync(p).size !== f.bytes || sha256File(p) !== f.sha256;
    })
    .map((e) => e.path);
  if (changed.length > 0)
    throw refusal(check, shown, 'files spincell wrote in the output folder were changed since', {
      found: listed(changed),
      expected: 'a copy kept elsewhere, then --force to replace them',
    });
}

/**
 * Cleans up after writers that died (their pid is gone): staging folders are removed; a folder set aside
 * mid-swap for `base` is restored when `base` is missing (its replacement never arrived) and removed
 * when `base` is there (the swap completed).
 */
function recoverLeftovers(parent: string, base: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  const isDir = (p: string) => {
    try {
      return lstatSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  for (const name of names) {
    try {
      recoverOne(parent, base, name, isDir);
    } catch {
      // best effort: a left-over that cannot be removed stays (it is never read as results)
    }
  }
}

function recoverOne(parent: string, base: string, name: string, isDir: (p: string) => boolean): void {
  const p = join(parent, name);
  const staging = STAGING.exec(name);
  if (staging && !processAlive(Number(staging[1])) && isDir(p)) {
    rmSync(p, { recursive: true, force: true });
    return;
  }
  const side = ASIDE_TARGET.exec(name);
  if (!side || processAlive(Number(side[1]))) return;
  const owner = readFileSync(p, 'utf8').trim();
  if (owner !== base) return;
  const aside = p.slice(0, -'.target'.length);
  if (ASIDE.test(basename(aside)) && isDir(aside)) {
    let targetExists = true;
    try {
      lstatSync(join(parent, base));
    } catch {
      targetExists = false;
    }
    if (targetExists) rmSync(aside, { recursive: true, force: true });
    else renameSync(aside, join(parent, base));
    fsyncDir(parent);
  }
  rmSync(p, { force: true });
}
