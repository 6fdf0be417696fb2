#!/usr/bin/env node
import { runCli } from './program.js';

// A closed pipe (e.g. `spincell cycler f.mpr | head`) is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    // Loaded only here: `spincell --help` need not import the command plumbing.
    const { reportError } = await import('./common.js');
    process.exitCode = reportError(error, process.argv.includes('--json'));
  },
);
