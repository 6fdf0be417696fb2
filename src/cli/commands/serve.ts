/**
 * `spincell serve [PROJECT_DIR]`: the workbench — a local web app over the project store (src/server/,
 * built app in dist/web). Binds to 127.0.0.1 unless told otherwise; prints the URL; `--open` opens the
 * browser; `--watch manifest.json` runs `spincell watch` beside it so open pages follow a live experiment.
 */
import type { Command } from 'commander';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../core/errors.js';
import { buildServer, isLoopback } from '../../server/index.js';
import { ProjectStore } from '../../store/index.js';
import { action, parseNumberOption } from '../common.js';
import { COMMANDS } from './index.js';

interface ServeFlags {
  port: string;
  host: string;
  open?: boolean;
  watch?: string;
}

function parsePort(value: string): number {
  const p = parseNumberOption('--port', value);
  if (!Number.isInteger(p) || p < 0 || p > 65535)
    throw new UsageError('not a port number', {
      field: '--port',
      found: value,
      expected: 'an integer 0–65535',
    });
  return p;
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`could not open a browser (${cmd}); open ${url} yourself\n`));
  child.unref();
}

/** `spincell watch MANIFEST --project DIR` as a child process (the one road of live mode). */
function startWatch(manifest: string, projectDir: string): ChildProcess {
  if (!COMMANDS.some((c) => c.name === 'watch'))
    throw new UsageError('live mode (spincell watch) is not part of this build', {
      field: '--watch',
      found: manifest,
      expected: 'serve without --watch, and run spincell watch separately when available',
    });
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  const entry = existsSync(main) ? main : fileURLToPath(new URL('../main.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    [...process.execArgv, entry, 'watch', manifest, '--project', projectDir],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  return child;
}

export function registerServe(program: Command): void {
  program
    .command('serve [project]')
    .description(
      'the workbench: a local web app over a project store (campaign overview, operando map, spectra, phase)',
    )
    .option('--port <n>', 'port to listen on (0: any free port)', '8470')
    .option(
      '--host <host>',
      'address to bind (anything but loopback exposes your data to the network)',
      '127.0.0.1',
    )
    .option('--open', 'open the workbench in the default browser')
    .option(
      '--watch <manifest>',
      'also follow this experiment live (spincell watch MANIFEST --project PROJECT)',
    )
    .action(
      action(async (projectDir: string | undefined, flags: ServeFlags) => {
        const dir = projectDir ?? '.';
        const port = parsePort(flags.port);
        const host = flags.host;
        if (!isLoopback(host))
          process.stderr.write(
            `warning: --host ${host} makes the workbench reachable from other machines; anyone who can reach it can read this project\n`,
          );
        const store = ProjectStore.open(dir);
        const wb = buildServer({ store, host, port });
        if (!existsSync(join(wb.webDir, 'index.html')))
          process.stderr.write(
            'warning: the web app is not built (npm run build); the API works without it\n',
          );
        let address: string;
        try {
          address = await wb.app.listen({ port, host });
        } catch (e) {
          store.close();
          throw new UsageError('cannot listen', {
            field: '--port',
            found: `${host}:${port}`,
            expected: 'a free port',
            cause: e,
          });
        }
        const bound = wb.app.server.address();
        const actualPort = typeof bound === 'object' && bound ? bound.port : port;
        wb.setPort(actualPort);
        const shownHost = host.includes(':') ? `[${host}]` : host;
        const url = `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${actualPort}/`;
        process.stdout.write(`spincell workbench: ${url}  (project ${store.dir}; Ctrl-C to stop)\n`);
        void address;
        const watcher = flags.watch !== undefined ? startWatch(flags.watch, store.dir) : null;
        if (flags.open) openBrowser(url);
        const stop = () => {
          watcher?.kill('SIGTERM');
          void wb.app.close().then(() => {
            store.close();
            process.exit(0);
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      }),
    );
}
