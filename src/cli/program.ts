import { Command, CommanderError, Help } from 'commander';
import { COMMANDS, type CommandEntry } from './commands/index.js';

export const VERSION = '0.1.0';

/**
 * The command a command line runs: its first word that is not an option (the global options take no
 * value), or for `help <name>` the command asked about; undefined when there is none.
 */
export function commandOf(argv: readonly string[]): CommandEntry | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name);
}

function baseProgram(): Command {
  return new Command()
    .name('spincell')
    .description('In situ / operando NMR of Li and Na metal batteries: spectra, cycler, impedance, MRI.')
    .version(VERSION)
    .option('--json', 'machine-readable JSON on stdout')
    .showHelpAfterError()
    .exitOverride();
}

async function register(program: Command, entries: readonly CommandEntry[]): Promise<void> {
  const loaded = await Promise.all(entries.map((e) => e.load()));
  for (const registers of loaded) for (const r of registers) r(program);
}

/**
 * Builds the `spincell` program. Without argv, every command is loaded and registered. With argv, only
 * the command it runs is loaded (see commands/index.ts); when it names none (`--help`, `--version`, an
 * unknown word), every command is registered as a light placeholder that lists it in the help.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = baseProgram();
  if (argv === undefined) {
    await register(program, COMMANDS);
    return program;
  }
  const target = commandOf(argv);
  if (target !== undefined) {
    await register(program, [target]);
    return program;
  }
  const terms = new Map(COMMANDS.map((c) => [c.name, c.term]));
  const standard = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? standard.subcommandTerm(cmd) });
  for (const c of COMMANDS) program.command(c.name).description(c.summary);
  return program;
}

/** Runs the CLI; returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
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
