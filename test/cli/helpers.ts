/**
 * Runs the CLI in this process with stdout and stderr captured (much faster than spawning), restoring
 * process.exitCode afterwards so a failing command does not fail the test runner.
 */
import { runCli } from '../../src/cli/program.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  let code: number;
  try {
    code = await runCli(args);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
  }
  return { code, stdout, stderr };
}

/** `spincell sand` with Thienenkamp et al.'s (2024) inputs: ambipolar D, c0 in ions per litre, 0.1 mA cm⁻², t_a = 0.9 (→ ≈103 min). */
export const PAPER_SAND_ARGS: readonly string[] = [
  'sand',
  ...['--d', '2.53e-13', '--c0', '9.94e23', '--c0-unit', 'per-L'],
  ...['--current-density', '0.1', '--ta', '0.9'],
];
