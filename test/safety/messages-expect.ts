/**
 * The contract every hostile input is held to through the command line: the expected exit code, one
 * line on stderr `spincell: <TypedError>: …` naming the file (and the field where one is given), no
 * control character, no stack trace, no "internal error", and its --json twin a single JSON object.
 */
import { expect } from 'vitest';
import { cli } from '../cli/helpers.js';

export interface Refusal {
  readonly line: string;
  readonly ms: number;
  readonly json: { error: string; file?: string; field?: string; found?: unknown; message: string };
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

export async function expectRefusal(
  args: string[],
  file: string,
  field?: RegExp | string,
  code = 3,
): Promise<Refusal> {
  const t0 = performance.now();
  const r = await cli(args);
  const ms = performance.now() - t0;
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  const line = lines[0];
  expect(line).toMatch(/^spincell: \w+Error: /);
  expect(line).not.toMatch(/internal error|\s+at \S+ \(/);
  expect(line).not.toMatch(CONTROL);
  expect(line).toContain(file);
  if (field !== undefined) expect(line).toMatch(field);
  const j = await cli(['--json', ...args]);
  expect(j.code).toBe(code);
  expect(j.stderr.trim().split('\n')).toHaveLength(1);
  const json = JSON.parse(j.stderr) as Refusal['json'];
  expect(json.error).toMatch(/Error$/);
  expect(JSON.stringify(json)).not.toMatch(/[\u007f-\u009f]/);
  return { line, ms, json };
}
