#!/usr/bin/env node
import { runCli } from './program.js';
import { reportError } from './common.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportError(error, process.argv.includes('--json'));
  },
);
