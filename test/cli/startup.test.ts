/**
 * Start-up: `spincell --help` and a light command import only what they use (commands/index.ts loads a
 * command's modules when it runs), the help the placeholders give equals the loaded commands' help, and
 * bin/spincell.js runs the compiled CLI only when it is at least as new as the sources.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { buildProgram, commandOf } from '../../src/cli/program.js';

const root = resolve(__dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'spincell-startup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs src/cli/main.ts through tsx with a resolve hook that logs every module URL; returns them. */
function modulesLoaded(args: string[]): { urls: string[]; status: number | null; stdout: string } {
  const log = join(work, `modules-${args.join('-').replace(/[^\w-]/g, '_')}.log`);
  const hooks = join(work, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}
`,
  );
  const registerHooks = join(work, 'register.mjs');
  writeFileSync(
    registerHooks,
    `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`,
  );
  writeFileSync(log, '');
  const p = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', registerHooks, join(root, 'src/cli/main.ts'), ...args],
    { cwd: root, encoding: 'utf8' },
  );
  const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { urls, status: p.status, stdout: p.stdout };
}

/** Modules a light command has no use for. */
const HEAVY = [/\/src\/fit\//, /\/src\/pipeline\//, /\/src\/report\//, /\/node_modules\/(zod|ml-matrix)\//];

describe('start-up', () => {
  it('--help loads no command module', () => {
    const r = modulesLoaded(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('morphology');
    expect(r.urls.some((u) => u.endsWith('/src/cli/program.ts'))).toBe(true);
    const commands = r.urls.filter((u) => /\/src\/cli\/commands\/(?!index\.ts)/.test(u));
    expect(commands).toEqual([]);
    for (const heavy of [...HEAVY, /\/src\/(nmr|io|echem|eis)\//, /cli-progress/])
      expect(r.urls.filter((u) => heavy.test(u))).toEqual([]);
  });

  it('info loads its own modules, not fitting, the pipeline or the report', () => {
    const r = modulesLoaded(['info', join(root, 'test/fixtures/bruker/ser-int32-le')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('3 spectra');
    expect(r.urls.some((u) => u.endsWith('/src/cli/commands/info.ts'))).toBe(true);
    expect(r.urls.filter((u) => /\/src\/cli\/commands\/(?!index\.ts|info\.ts)/.test(u))).toEqual([]);
    for (const heavy of HEAVY) expect(r.urls.filter((u) => heavy.test(u))).toEqual([]);
  });

  it('the top-level help from placeholders equals the help of the loaded commands', async () => {
    const full = await buildProgram();
    const light = await buildProgram(['--help']);
    expect(light.helpInformation()).toBe(full.helpInformation());
    // every registered top-level command has an entry, and each entry registers its own name
    expect(full.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
  });

  it('finds the command behind global options and `help <command>`', () => {
    expect(commandOf(['--json', 'info', 'x'])?.name).toBe('info');
    expect(commandOf(['help', 'fit'])?.name).toBe('fit');
    expect(commandOf(['eis', 'kk', 'a.csv'])?.name).toBe('eis');
    expect(commandOf(['--help'])).toBeUndefined();
    expect(commandOf(['nonsense'])).toBeUndefined();
  });

  it('npm install builds dist/ (prepare) and the bin runs it', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.prepare).toMatch(/npm run build/);
    expect(pkg.scripts.build).toMatch(/tsc -p tsconfig\.build\.json/);
    expect(pkg.bin.spincell).toBe('bin/spincell.js');
  });
});

describe('bin/spincell.js', () => {
  // A package laid out like this one: a fake compiled main and a fake source main that say which ran.
  const pkg = join(work, 'pkg');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  mkdirSync(join(pkg, 'dist/src/cli'), { recursive: true });
  mkdirSync(join(pkg, 'src/cli/commands'), { recursive: true });
  copyFileSync(join(root, 'bin/spincell.js'), join(pkg, 'bin/spincell.js'));
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
  writeFileSync(join(pkg, 'package.json'), '{ "type": "module" }\n');
  const built = join(pkg, 'dist/src/cli/main.js');
  const source = join(pkg, 'src/cli/main.ts');
  const deep = join(pkg, 'src/cli/commands/x.ts');
  writeFileSync(source, "process.stdout.write('source ' + process.argv.slice(2).join(' '));\n");
  writeFileSync(deep, 'export const x: number = 1;\n');
  const at = (path: string, s: number) => utimesSync(path, s, s);
  const run = () =>
    spawnSync(process.execPath, [join(pkg, 'bin/spincell.js'), '--help'], { encoding: 'utf8' });

  it('runs the compiled CLI when it is newer than every source', () => {
    writeFileSync(built, "process.stdout.write('built ' + process.argv.slice(2).join(' '));\n");
    at(source, 1_000_000);
    at(deep, 1_000_000);
    at(built, 2_000_000);
    const p = run();
    expect(p.stdout).toBe('built --help');
    expect(p.stderr).toBe('');
  });

  it('runs the sources, with one line on stderr, when a source is newer than dist/', () => {
    at(deep, 3_000_000);
    const p = run();
    expect(p.stdout).toBe('source --help');
    expect(p.stderr).toMatch(/^spincell: dist\/ is older than src\/; running the sources through tsx/);
    expect(p.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('runs the sources, with one line on stderr, when dist/ is not built', () => {
    rmSync(join(pkg, 'dist'), { recursive: true });
    const p = run();
    expect(p.stdout).toBe('source --help');
    expect(p.stderr).toMatch(/^spincell: dist\/ is not built; /);
  });
});
