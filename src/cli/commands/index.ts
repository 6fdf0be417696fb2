/**
 * The command registry: each command lives in its own file and registers itself on the program.
 */
import type { Command } from 'commander';
import { registerAlign } from './align.js';
import { registerCycler } from './cycler.js';
import { registerDeadLithium } from './dead-lithium.js';
import { registerEis } from './eis.js';
import { registerFit } from './fit.js';
import { registerInfo } from './info.js';
import { registerIntegrate } from './integrate.js';
import { registerMorphology } from './morphology.js';
import { registerMri } from './mri.js';
import { registerPfg } from './pfg.js';
import { registerProcess } from './process.js';
import { registerProject } from './project.js';
import { registerSand } from './sand.js';
import { registerRun } from './run.js';
import { registerSimulate } from './simulate.js';

export type Register = (program: Command) => void;

export const COMMANDS: Register[] = [
  registerInfo,
  registerProcess,
  registerIntegrate,
  registerSimulate,
  registerMri,
  registerSand,
  registerPfg,
  registerCycler,
  registerAlign,
  registerEis,
  registerFit,
  registerMorphology,
];
COMMANDS.push(registerDeadLithium);
COMMANDS.push(registerRun);
COMMANDS.push(registerProject);
