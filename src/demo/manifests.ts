/**
 * The demo's three experiments as manifests, the way a user writes them (paths relative to the manifest,
 * which sits beside the data in the demo folder):
 *
 *  - li-li.json: the Li‖Li cell — operando ⁷Li series (integrals, constrained morphology with the width cap
 *    measured on the first spectrum), the cycler record (cycles, steps with voltage onset and nucleation
 *    overpotential, alignment of every spectrum) and the dynamic-EIS sweeps (Lin-KK, DRT);
 *  - anode-free.json: the Cu‖NMC622 cell — Wichmann et al.'s (2025) dead-lithium protocol;
 *  - transport.json: the polymer-electrolyte cell — anion drift velocities from 1D ¹⁹F MRI and the anion
 *    diffusion coefficient from a PFG series (Thienenkamp et al. 2024).
 */
import { relative } from 'node:path';
import { parseManifest, type Manifest } from '../pipeline/index.js';
import type { DriftTruth } from '../sim/mri.js';
import { ANODE_FREE, type AnodeFreePaths } from './anode-free.js';
import type { ExperimentPaths } from './experiment.js';
import { INTERPHASE_WINDOW } from './experiment.js';
import type { demoLayout } from './paths.js';

/** Li metal and its microstructures (Knight shift ≈245–270 ppm), and the electrolyte and SEI, ppm. */
export const METAL_REGION: [number, number] = [230, 290];
export const DIAMAGNETIC_REGION: [number, number] = [-20, 20];

/** PFG timing of the virtual diffusion experiment (src/sim/pfg.ts defaults). */
export const PFG_TIMING = { deltaMs: 1, bigDeltaMs: 60 } as const;

type Layout = ReturnType<typeof demoLayout>;

export function demoManifests(
  layout: Layout,
  paths: ExperimentPaths,
  anodeFree: AnodeFreePaths,
  mri: DriftTruth,
): { liLi: Manifest; anodeFree: Manifest; transport: Manifest } {
  const rel = (p: string) => relative(layout.outDir, p);
  return {
    liLi: parseManifest(
      {
        version: 1,
        name: 'Li||Li operando 7Li, cycler and dynamic EIS (demo)',
        nmr: {
          path: rel(paths.series),
          // Every spectrum phased on its own: the receiver phase wanders by a fraction of a degree between
          // spectra and the fractions of small components are sensitive to it.
          processing: { phase: 'auto', phaseMode: 'each', baseline: 'auto', reference: 'metal:245' },
          regionsPpm: [METAL_REGION, DIAMAGNETIC_REGION],
          morphology: { mode: 'constrained', widthCap: 'auto' },
        },
        cycler: { path: rel(paths.cycler), timezone: 'UTC', areaCm2: 1, steps: true },
        eis: { paths: [rel(paths.eis)], drt: { windows: [INTERPHASE_WINDOW] } },
        output: { dir: rel(layout.runs.liLi) },
      },
      layout.manifests.liLi,
    ),
    anodeFree: parseManifest(
      {
        version: 1,
        name: 'Cu||NMC622 anode-free, dead-lithium protocol (demo)',
        deadLithium: {
          integrals: rel(anodeFree.integrals),
          cycler: rel(anodeFree.cycler),
          socFactor: ANODE_FREE.socFactor,
          areaCm2: ANODE_FREE.areaCm2,
        },
        output: { dir: rel(layout.runs.anodeFree) },
      },
      layout.manifests.anodeFree,
    ),
    transport: parseManifest(
      {
        version: 1,
        name: 'Li||Li polymer electrolyte: 19F MRI drift velocity and PFG diffusion (demo)',
        mri: {
          profiles: rel(`${layout.mri}/profiles.csv`),
          voltage: rel(`${layout.mri}/voltage.csv`),
          diffusion: rel(`${layout.mri}/d-table.csv`),
          temperatureK: mri.temperatureK,
          c0MolM3: mri.c0MolM3,
          roiUm: mri.roiUm,
        },
        pfg: { path: rel(`${layout.pfg}/bruker`), ...PFG_TIMING },
        output: { dir: rel(layout.runs.transport) },
      },
      layout.manifests.transport,
    ),
  };
}
