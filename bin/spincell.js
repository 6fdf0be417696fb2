#!/usr/bin/env node
// The installed `spincell`. It runs the compiled CLI, dist/src/cli/main.js, which `npm install` / `npm ci`
// build through the `prepare` script (or `npm run build`). Where dist/ is missing, or older than a file
// of src/ (sources edited or pulled since the last build), it runs the TypeScript sources through tsx
// instead, so that it never runs stale code; that starts about ten times slower and says so on stderr.
import { existsSync, readdirSync, statSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'src', 'cli', 'main.js');
const sources = join(root, 'src');

/** The newest modification time of any file under dir, ms (0 when dir is absent). */
function newestMs(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMs(path));
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const builtMs = existsSync(built) ? statSync(built).mtimeMs : -1;
if (builtMs >= 0 && newestMs(sources) <= builtMs) {
  await import(pathToFileURL(built).href);
} else {
  process.stderr.write(
    `spincell: ${builtMs < 0 ? 'dist/ is not built' : 'dist/ is older than src/'}; running the sources through tsx (npm run build for a fast start)\n`,
  );
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(sources, 'cli', 'main.ts')).href);
}
