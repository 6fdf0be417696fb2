/**
 * The command registry: each command lives in its own file and registers itself on the program.
 */
import type { Command } from 'commander';
import { registerInfo } from './info.js';

export type Register = (program: Command) => void;

export const COMMANDS: Register[] = [registerInfo];
