/**
 * Deciding when files that another program is still writing can be read.
 *
 * A Bruker experiment counts as complete when (1) the reader accepts it — acqus parses, the fid holds
 * exactly TD values (or TD padded to the 1024-byte block), a ser holds at least one complete row (only
 * complete rows are listed) — and (2) none of its files changed in size or modification time between two
 * polls. (1) alone would accept a fid preallocated at full size and filled later, (2) alone a fid whose
 * writer paused half-way; together a half-written experiment is never read. A folder that stays
 * unreadable while stable is reported once (a damaged experiment, not one being written).
 *
 * A growing text file (cycler export) is read up to its last complete line: a line being written is left
 * for the next poll.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SpincellError } from '../core/errors.js';
import { listSeries } from '../io/bruker/index.js';
import { isDirectory, isFile } from '../io/fs.js';

const NUMBERED = /^\d+$/;

/** Size and modification time of each file directly in a folder (not below: pdata is not the acquisition). */
function signature(dir: string): string {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return '';
  }
  const parts: string[] = [];
  for (const name of names) {
    try {
      const s = statSync(join(dir, name));
      if (s.isFile()) parts.push(`${name}:${s.size}:${s.mtimeMs}`);
    } catch {
      // removed between listing and stat: the signature differs from the last poll's anyway
    }
  }
  return parts.join('|');
}

export interface ExperimentState {
  readonly path: string;
  readonly complete: boolean;
}

/** Follows the experiments of one NMR input (a dataset of numbered experiments, or one experiment). */
export class ExperimentTracker {
  private readonly seen = new Map<
    string,
    { sig: string; validSig: string | null; accepted: boolean; reported: boolean }
  >();
  private readonly series: boolean;

  constructor(readonly root: string) {
    this.series = isDirectory(root) && !isFile(join(root, 'acqus'));
  }

  /** Folders of the input: the numbered experiments of a dataset, or the experiment itself. */
  private units(): string[] {
    if (!this.series) return [this.root];
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    return names
      .filter((n) => NUMBERED.test(n) && isDirectory(join(this.root, n)))
      .map((n) => join(this.root, n));
  }

  /**
   * One poll: `changed` when the set of complete experiments (or the files of one) changed since the last
   * poll — the moment to list the input again; and the experiments that stay unreadable although stable
   * (each reported once). An experiment already read whose files change (a ser growing by a row, an acqus
   * rewritten) stays included meanwhile; it counts as changed once its files are stable and readable again.
   */
  poll(): { changed: boolean; unreadable: { path: string; error: string }[] } {
    let changed = false;
    const unreadable: { path: string; error: string }[] = [];
    const present = new Set<string>();
    for (const dir of this.units()) {
      present.add(dir);
      const sig = signature(dir);
      const prev = this.seen.get(dir);
      if (!prev) {
        this.seen.set(dir, { sig, validSig: null, accepted: false, reported: false });
        continue;
      }
      if (prev.sig !== sig) {
        // Changed since the last poll: wait until it is stable.
        prev.sig = sig;
        continue;
      }
      if (sig === '' || sig === prev.validSig) continue;
      const check = readable(dir);
      if (check === null) {
        prev.accepted = true;
        prev.validSig = sig;
        prev.reported = false;
        changed = true;
      } else {
        if (prev.accepted) {
          prev.accepted = false;
          changed = true;
        }
        if (!prev.reported && check.stable) {
          prev.reported = true;
          unreadable.push({ path: dir, error: check.error });
        }
      }
    }
    for (const dir of [...this.seen.keys()])
      if (!present.has(dir)) {
        if (this.seen.get(dir)?.accepted) changed = true;
        this.seen.delete(dir);
      }
    return { changed, unreadable };
  }

  /** True for an experiment whose files are complete and were stable over the last two polls. */
  readonly include = (experimentPath: string): boolean => this.seen.get(experimentPath)?.accepted === true;

  /** At least one experiment can be read. */
  get any(): boolean {
    for (const v of this.seen.values()) if (v.accepted) return true;
    return false;
  }

  /** Experiments whose files are not (yet) complete and stable. */
  pending(): string[] {
    return [...this.seen.entries()].filter(([, v]) => v.sig !== v.validSig && v.sig !== '').map(([k]) => k);
  }
}

/**
 * null when the reader accepts the experiment; otherwise its message, and whether the failure is one a
 * writer in progress does not explain (a fid larger than TD, a parameter error — as opposed to a
 * missing or truncated data file).
 */
function readable(dir: string): { error: string; stable: boolean } | null {
  if (!isFile(join(dir, 'acqus'))) return { error: 'no acqus yet', stable: false };
  try {
    listSeries(dir);
    return null;
  } catch (e) {
    if (!(e instanceof SpincellError)) throw e;
    const inProgress = /truncated|no fid or ser|no complete row|not found/i.test(e.message);
    return { error: e.message, stable: !inProgress };
  }
}

/** A text file read up to its last complete line, and whether it changed since the last read. */
export class GrowingFile {
  private last = '';

  constructor(readonly path: string) {}

  /** The bytes up to and including the last newline, or null when unchanged (or absent, or no line yet). */
  read(): Buffer | null {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return null;
    }
    try {
      const st = fstatSync(fd);
      const sig = `${st.size}:${st.mtimeMs}`;
      if (sig === this.last) return null;
      const buf = Buffer.alloc(st.size);
      let off = 0;
      while (off < st.size) {
        const n = readSync(fd, buf, off, st.size - off, off);
        if (n === 0) break;
        off += n;
      }
      const end = buf.lastIndexOf(0x0a, off - 1);
      if (end < 0) return null;
      this.last = sig;
      return buf.subarray(0, end + 1);
    } finally {
      closeSync(fd);
    }
  }
}
