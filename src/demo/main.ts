/**
 * `npm start`: the demo. Prints what spincell is and its commands.
 */
import { runCli } from '../cli/program.js';

process.exitCode = await runCli(['--help']);
