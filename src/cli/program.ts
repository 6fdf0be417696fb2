import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';

export const VERSION = '0.1.0';

/** Builds the `spincell` program with every registered command. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('spincell')
    .description('In situ / operando NMR of Li and Na metal batteries: spectra, cycler, impedance, MRI.')
    .version(VERSION)
    .option('--json', 'machine-readable JSON on stdout')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI; returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    throw error;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
