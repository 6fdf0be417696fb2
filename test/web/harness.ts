/// <reference lib="dom" />
/**
 * Browser tests' harness: the workbench server on an ephemeral loopback port over a project, and Debian's
 * Chromium driven by playwright-core (no browser download). Tests skip when /usr/bin/chromium is absent.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { buildServer, packageRoot, type Workbench } from '../../src/server/index.js';
import { afterAll, beforeAll } from 'vitest';
import { ProjectStore } from '../../src/store/index.js';
import type { Fixture } from '../server/fixture.js';

declare global {
  interface Window {
    /** What the app exposes for tests and the benchmark (web/src/main.ts). */
    __wb: Record<string, unknown> & {
      ready?: boolean;
      firstPaintMs?: number;
      spectrumShown?: number;
      liveSpectra?: number;
    };
  }
}

export const CHROMIUM = process.env.SPINCELL_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/** Builds the web app when dist/web is missing (npm ci builds it through `prepare`). */
export function ensureWebBuilt(): string {
  const root = packageRoot();
  const dir = join(root, 'dist', 'web');
  if (!existsSync(join(dir, 'index.html')))
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
  return dir;
}

export interface Running {
  readonly url: string;
  readonly wb: Workbench;
  readonly store: ProjectStore;
  close(): Promise<void>;
}

export async function startWorkbench(projectDir: string, pollMs = 250): Promise<Running> {
  const webDir = ensureWebBuilt();
  const store = ProjectStore.open(projectDir);
  const wb = buildServer({ store, webDir, pollMs });
  await wb.app.listen({ port: 0, host: '127.0.0.1' });
  const a = wb.app.server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  wb.setPort(port);
  return {
    url: `http://127.0.0.1:${port}/`,
    wb,
    store,
    async close() {
      await wb.app.close();
      store.close();
    },
  };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu'],
  });
}

/** A page that records every console error and page error. */
export async function newPage(
  browser: Browser,
  width = 1280,
  height = 1400,
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height }, acceptDownloads: true });
  const errors: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return { page, errors };
}

/** A browser test file's world: its fixture project, the workbench serving it, and the browser. */
export interface BrowserSuite {
  fx: Fixture;
  running: Running;
  browser: Browser;
}

/**
 * Registers beforeAll/afterAll that build a fixture project in a new temporary folder (`make`), serve it
 * and launch Chromium (nothing when Chromium is absent: the tests skip), and remove it all afterwards.
 */
export function browserSuite(prefix: string, make: (dir: string) => Fixture): BrowserSuite {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const suite = {} as BrowserSuite;
  beforeAll(async () => {
    if (!HAVE_CHROMIUM) return;
    suite.fx = make(dir);
    suite.running = await startWorkbench(suite.fx.projectDir, 200);
    suite.browser = await launch();
  }, 180_000);
  afterAll(async () => {
    await suite.browser?.close();
    await suite.running?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return suite;
}
