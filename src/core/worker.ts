/**
 * Starting a worker thread on a sibling module. Compiled, the worker is the sibling .js file. Run from
 * TypeScript sources (development, tests) the worker must compile its own imports: Node 20 does not carry
 * ESM loader hooks into worker threads, so the worker registers tsx's synchronous require hook and loads
 * the .ts source through it.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A function starting workers on `name` (the module's base name, without extension) beside the module at
 * `here` (its import.meta.url); each worker gets its own `workerData`.
 */
export function workerFactory(here: string, name: string): (data?: unknown) => Worker {
  if (!here.endsWith('.ts')) {
    const url = new URL(`./${name}.js`, here);
    return (data) => new Worker(url, { workerData: data });
  }
  const require = createRequire(here);
  const api = require.resolve('tsx/cjs/api');
  const file = fileURLToPath(new URL(`./${name}.ts`, here));
  const code = `require(${JSON.stringify(api)}).register(); require(${JSON.stringify(file)});`;
  return (data) => new Worker(code, { eval: true, workerData: data });
}
