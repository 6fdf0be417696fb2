/**
 * The command registry: each command lives in its own file and registers itself on the program.
 *
 * Start-up cost: a command's module pulls in the layers it needs (fitting, the pipeline, the report,
 * zod, ml-matrix …), and importing all of them costs far more than Node's own start. So this file
 * imports none of them: each entry names its command, the line the top-level help lists for it, and a
 * loader. `spincell <name> …` imports that command's modules only; `spincell --help` (or an unknown
 * command) registers light placeholders built from `term` and `summary`. A test
 * (test/cli/startup.test.ts) checks that the placeholders' help equals the help of the loaded commands,
 * so `term` and `summary` must be updated with a command's arguments or description.
 */
import type { Command } from 'commander';

export type Register = (program: Command) => void;

export interface CommandEntry {
  /** The top-level command name (`spincell <name>`). */
  readonly name: string;
  /** How the top-level help lists it: name, ` [options]` when it has options, its arguments. */
  readonly term: string;
  /** Its description, as the top-level help lists it. */
  readonly summary: string;
  /** Imports the command's module(s) and returns the functions that register it (and its subcommands). */
  readonly load: () => Promise<readonly Register[]>;
}

export const COMMANDS: CommandEntry[] = [
  {
    name: 'info',
    term: 'info <path>',
    summary:
      'format, nucleus, spectrometer parameters and acquisition times of a Bruker experiment, series or JCAMP-DX file',
    load: async () => [(await import('./info.js')).registerInfo],
  },
  {
    name: 'process',
    term: 'process [options] <path>',
    summary:
      'process a Bruker experiment or series: group delay, apodization, FFT, phase, reference, baseline',
    load: async () => [(await import('./process.js')).registerProcess],
  },
  {
    name: 'integrate',
    term: 'integrate [options] <path>',
    summary: 'integrate ppm regions of every spectrum of a Bruker experiment or series',
    load: async () => [(await import('./integrate.js')).registerIntegrate],
  },
  {
    name: 'simulate',
    term: 'simulate',
    summary: 'virtual experiments with known truth',
    load: async () => [
      (await import('./simulate.js')).registerSimulate,
      (await import('./simulate-relaxation.js')).registerSimulateRelaxation,
      (await import('./simulate-transport.js')).registerSimulateTransport,
    ],
  },
  {
    name: 'mri',
    term: 'mri',
    summary: '1D MRI profiles: anion drift velocities (Thienenkamp et al. 2024)',
    load: async () => [(await import('./mri.js')).registerMri],
  },
  {
    name: 'sand',
    term: 'sand [options]',
    summary: "Sand's time τ = πD(C0·e/(2·i·t_a))² (Thienenkamp et al. 2024, eq 9)",
    load: async () => [(await import('./sand.js')).registerSand],
  },
  {
    name: 'pfg',
    term: 'pfg [options] <path>',
    summary:
      'Stejskal–Tanner fit of PFG NMR attenuation (one or two components): a CSV table, or Bruker ser + difflist',
    load: async () => [(await import('./pfg.js')).registerPfg],
  },
  {
    name: 'relax',
    term: 'relax',
    summary: 'relaxation and nutation: T1 (t1), T2 (t2), π/2 pulse calibration (nutation)',
    load: async () => [(await import('./relax.js')).registerRelax],
  },
  {
    name: 'shifts',
    term: 'shifts [options]',
    summary: 'reference shifts of SEI species, metals and anode phases (7Li, 6Li, 23Na, 31P) with sources',
    load: async () => [(await import('./shifts.js')).registerShifts],
  },
  {
    name: 'cycler',
    term: 'cycler [options] <file>',
    summary:
      'cycles and steps of a cycler file (EC-Lab .mpr/.mpt, MACCOR text, CSV); --records for the record table',
    load: async () => [(await import('./cycler.js')).registerCycler],
  },
  {
    name: 'align',
    term: 'align [options] <spectra-path> <cycler-file>',
    summary:
      'cell state (voltage, current, charge, step, cycle, SOC) over every spectrum’s acquisition window',
    load: async () => [(await import('./align.js')).registerAlign],
  },
  {
    name: 'eis',
    term: 'eis',
    summary: 'impedance: Kramers–Kronig validation (kk), DRT (drt), equivalent-circuit fits (fit)',
    load: async () => [(await import('./eis.js')).registerEis],
  },
  {
    name: 'fit',
    term: 'fit [options] <path>',
    summary: 'fit a lineshape model (JSON spec) to every spectrum of a Bruker experiment or series',
    load: async () => [(await import('./fit.js')).registerFit],
  },
  {
    name: 'morphology',
    term: 'morphology [options] [path]',
    summary:
      'dense/mossy/dendritic metal fractions of every spectrum by a published method preset (--list-presets): Wichmann et al. 2025 constrained or Thienenkamp et al. 2024 unconstrained deconvolution',
    load: async () => [(await import('./morphology.js')).registerMorphology],
  },
  {
    name: 'dead-lithium',
    term: 'dead-lithium [options] <integrals...>',
    summary:
      'dead metal, excess metal and interphase capacity per cycle from metal integrals in three states (Wichmann et al. 2025)',
    load: async () => [(await import('./dead-lithium.js')).registerDeadLithium],
  },
  {
    name: 'particle',
    term: 'particle',
    summary:
      'single-particle electrochemistry: rate capability, CV (Randles–Ševčík), GITT and PITT diffusion coefficients of a sphere',
    load: async () => [(await import('./particle.js')).registerParticle],
  },
  {
    name: 'run',
    term: 'run [options] [manifest]',
    summary:
      'process an experiment described by a manifest (JSON): NMR series, cycler, impedance → tables, report, provenance',
    load: async () => [(await import('./run.js')).registerRun],
  },
  {
    name: 'exchange',
    term: 'exchange',
    summary: 'exchange rates: EXSY, ⁶Li/⁷Li isotope exchange, CEST, Arrhenius',
    load: async () => [(await import('./exchange.js')).registerExchange],
  },
  {
    name: 'acquire',
    term: 'acquire',
    summary: 'run an experiment plan on a spectrometer, cycler and tuning unit (or virtual ones)',
    load: async () => [(await import('./acquire.js')).registerAcquire],
  },
  {
    name: 'project',
    term: 'project',
    summary: 'project store: campaigns, cells, stored runs and their result tables (spincell.db)',
    load: async () => [(await import('./project.js')).registerProject],
  },
];
