/**
 * What the demo's virtual Li‖Li cell really did, for holding spincell's numbers against it: the plated and
 * stripped charge of each cycle, the nucleation overpotential the cell model applies, and when the first
 * strip runs out of strippable deposit (where the voltage onset should be).
 */
import type { VirtualCell } from '../sim/index.js';

/** Plated and stripped charge of each cycle of the cell (a cycle starts with a plating step), mAh. */
export function trueCycles(cell: VirtualCell): Map<number, { plated: number; stripped: number }> {
  const out = new Map<number, { plated: number; stripped: number }>();
  for (const span of cell.steps) {
    if (span.cycle === 0) continue;
    const a = cell.state(span.startS);
    const b = cell.state(span.endS);
    const c = out.get(span.cycle) ?? { plated: 0, stripped: 0 };
    c.plated += b.platedMAh - a.platedMAh;
    c.stripped += b.strippedMAh - a.strippedMAh;
    out.set(span.cycle, c);
  }
  return out;
}

/** Lithium that can still be stripped from the deposits at `timeS` (the part that does not turn dead), mAh. */
export function strippableMAh(cell: VirtualCell, timeS: number): number {
  const inv = cell.state(timeS).inventory;
  const d = cell.params.deadFraction;
  return (1 - d.dense) * inv.dense + (1 - d.mossy) * inv.mossy + (1 - d.dendritic) * inv.dendritic;
}

/** The nucleation overpotential of a plating step starting at `startS`: higher on a surface without deposits. */
export function trueNucleationV(cell: VirtualCell, startS: number): number {
  const inv = cell.state(startS).inventory;
  const bare = inv.dense + inv.mossy + inv.dendritic === 0;
  return bare ? cell.params.nucleationOverpotentialV : cell.params.renucleationOverpotentialV;
}
