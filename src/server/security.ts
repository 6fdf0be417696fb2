/**
 * What keeps a local analysis server local. A page on another site can make the browser send requests
 * to 127.0.0.1, and DNS rebinding can make such a page same-origin with us; so every request must name
 * this server in its Host header (and in Origin when the browser sends one), every request that changes
 * the store must carry the token printed into the app's page at start-up (another site cannot read the
 * page), and the only files ever read besides the store and the app are those under the folders the
 * project's experiments registered as their data.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ProjectStore } from '../store/index.js';

export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'] as const;

export function isLoopback(host: string): boolean {
  return (LOOPBACK_HOSTS as readonly string[]).includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A fresh token for one start of the server (256 bits, URL-safe). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenMatches(given: unknown, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Host header values naming this server: the loopback names (and the bound host) with the port. */
export function allowedHosts(bindHost: string, port: number): Set<string> {
  const names = new Set<string>([...LOOPBACK_HOSTS, bindHost]);
  const out = new Set<string>();
  for (const n of names) {
    const h = n.includes(':') && !n.startsWith('[') ? `[${n}]` : n;
    out.add(`${h}:${port}`.toLowerCase());
    if (port === 80) out.add(h.toLowerCase());
  }
  return out;
}

/** The Host header is this server's (DNS rebinding sends the attacker's name). */
export function hostAllowed(host: string | undefined, allowed: Set<string>): boolean {
  return host !== undefined && allowed.has(host.toLowerCase());
}

/** An Origin header, when present, is http://<this server>. */
export function originAllowed(origin: string | undefined, allowed: Set<string>): boolean {
  if (origin === undefined) return true;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return false;
  }
  return u.protocol === 'http:' && allowed.has(u.host.toLowerCase()) && u.pathname === '/';
}

function inside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!isAbsolute(r) && r !== '..' && !r.startsWith(`..${sep}`));
}

/** The data folders and files the project's experiments registered (experiments.paths_json), real paths. */
export function dataRoots(store: ProjectStore): string[] {
  const rows = store.db.prepare('SELECT paths_json FROM experiments').all() as { paths_json: string }[];
  const out = new Set<string>();
  for (const r of rows) {
    let p: { nmr?: string | null; cycler?: string | null; eis?: string[] };
    try {
      p = JSON.parse(r.paths_json) as typeof p;
    } catch {
      continue;
    }
    for (const path of [p.nmr, p.cycler, ...(p.eis ?? [])]) {
      if (typeof path !== 'string' || !isAbsolute(path)) continue;
      try {
        out.add(realpathSync(path));
      } catch {
        // a registered path that is gone grants nothing
      }
    }
  }
  // every run's own series too: a one-spectrum run registers its experiment folder as the experiment's
  // path, which must not take the rest of the series away from the earlier runs
  for (const r of store.db
    .prepare("SELECT DISTINCT json_extract(manifest_json, '$.nmr.path') AS p FROM runs")
    .all() as { p: unknown }[]) {
    if (typeof r.p !== 'string' || !isAbsolute(r.p)) continue;
    try {
      out.add(realpathSync(r.p));
    } catch {
      // gone: grants nothing
    }
  }
  return [...out];
}

/**
 * The real path of `requested` (relative to `base` when not absolute) when it lies under one of `roots`,
 * else null. Symbolic links are resolved first, so a link inside a data folder cannot lead out of it.
 */
export function guardedPath(requested: string, roots: readonly string[], base?: string): string | null {
  if (requested.includes('\0')) return null;
  const abs = base !== undefined ? resolve(base, requested) : resolve(requested);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    return null;
  }
  return roots.some((root) => inside(real, root)) ? real : null;
}
