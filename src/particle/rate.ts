/**
 * Rate capability of one particle (as in the SIMBA report's single-particle test: delithiation capacity
 * 0.89 nAh at 5 nA falling to 0.73 nAh at 50 nA for a 12 µm SiOC particle). Every constant-current step
 * of the record is one measurement: its current (nA) and capacity (nAh, |ΔQ| over the step from the
 * record's charge column). Steps of the same direction and current (within 2 %) are grouped; the
 * reference capacity is the user's, or that of the smallest current of each direction; the C-rate is
 * |I| / reference capacity (h⁻¹) and the retention Q / reference.
 */
import { DataError } from '../core/errors.js';
import type { CyclerSeries } from '../echem/series.js';
import { segmentSteps } from '../echem/steps.js';
import type { ParticleGeometry } from './geometry.js';

export interface RateStep {
  readonly step: number;
  readonly instrumentStep: number | null;
  /** lithiation: cathodic (I < 0); delithiation: anodic (I > 0). */
  readonly direction: 'lithiation' | 'delithiation';
  readonly currentNA: number;
  readonly durationS: number;
  readonly capacityNAh: number;
  readonly endVoltageV: number;
}

export interface RateGroup {
  readonly direction: 'lithiation' | 'delithiation';
  readonly currentNA: number;
  readonly steps: number;
  readonly capacityNAh: number;
  readonly cRatePerH: number;
  readonly retention: number;
  /** Per gram and per cm³ when the mass or volume is known. */
  readonly specificMAhPerG: number | null;
  readonly volumetricMAhPerCm3: number;
}

export interface RateResult {
  readonly steps: RateStep[];
  readonly groups: RateGroup[];
  readonly referenceNAh: { lithiation: number | null; delithiation: number | null };
  readonly assumptions: string[];
}

export function analyseRate(
  series: CyclerSeries,
  geometry: ParticleGeometry,
  options: { capacityNAh?: number } = {},
): RateResult {
  const steps = segmentSteps(series)
    .filter((s) => s.type === 'cc' && s.direction !== 'none')
    .map((s, k): RateStep => ({
      step: k + 1,
      instrumentStep: s.instrumentStep,
      direction: s.direction === 'discharge' ? 'lithiation' : 'delithiation',
      currentNA: s.meanCurrentMA * 1e6,
      durationS: s.durationS,
      capacityNAh: s.capacityMAh * 1e6,
      endVoltageV: s.endVoltageV,
    }));
  if (steps.length === 0)
    throw new DataError('no constant-current step in the record', {
      file: series.source,
      field: 'steps',
      expected: 'galvanostatic (dis)charge steps at one or more currents',
    });
  const groups: Omit<RateGroup, 'cRatePerH' | 'retention'>[] = [];
  const members: RateStep[][] = [];
  for (const s of steps) {
    const g = groups.findIndex(
      (x) =>
        x.direction === s.direction &&
        Math.abs(Math.abs(x.currentNA) - Math.abs(s.currentNA)) <= 0.02 * Math.abs(s.currentNA),
    );
    if (g < 0) {
      groups.push({
        direction: s.direction,
        currentNA: s.currentNA,
        steps: 1,
        capacityNAh: 0,
        specificMAhPerG: null,
        volumetricMAhPerCm3: 0,
      });
      members.push([s]);
    } else members[g].push(s);
  }
  const filled = groups.map((g, k) => {
    const m = members[k];
    const cap = m.reduce((a, s) => a + s.capacityNAh, 0) / m.length;
    const cur = m.reduce((a, s) => a + s.currentNA, 0) / m.length;
    return {
      ...g,
      steps: m.length,
      currentNA: cur,
      capacityNAh: cap,
      specificMAhPerG: geometry.massG === null ? null : (cap * 1e-6) / geometry.massG,
      volumetricMAhPerCm3: (cap * 1e-6) / (geometry.volumeM3 * 1e6),
    };
  });
  const ref = (dir: 'lithiation' | 'delithiation'): number | null => {
    if (options.capacityNAh !== undefined) return options.capacityNAh;
    const of = filled
      .filter((g) => g.direction === dir)
      .sort((a, b) => Math.abs(a.currentNA) - Math.abs(b.currentNA));
    return of.length > 0 ? of[0].capacityNAh : null;
  };
  const referenceNAh = { lithiation: ref('lithiation'), delithiation: ref('delithiation') };
  const out = filled
    .map((g) => {
      const r = referenceNAh[g.direction] as number;
      return { ...g, cRatePerH: Math.abs(g.currentNA) / r, retention: g.capacityNAh / r };
    })
    .sort((a, b) =>
      a.direction === b.direction
        ? Math.abs(a.currentNA) - Math.abs(b.currentNA)
        : a.direction < b.direction
          ? 1
          : -1,
    );
  return {
    steps,
    groups: out,
    referenceNAh,
    assumptions: [
      "capacity of a step = |ΔQ| over the step from the record's charge column (EC-Lab (Q-Qo)); current = time-weighted mean",
      'lithiation = cathodic current (I < 0, EC-Lab sign), delithiation = anodic; steps of one direction within 2 % of one current are averaged',
      options.capacityNAh !== undefined
        ? `C-rate and retention against the given capacity ${options.capacityNAh} nAh`
        : 'C-rate and retention against the capacity at the smallest current of each direction',
      `volumetric capacity with volume ${geometry.volumeSource}${geometry.massG !== null ? `; specific capacity with mass ${(geometry.massG * 1e9).toPrecision(4)} ng` : ''}`,
      "potential holds (CC–CV) and rests are not part of a step's capacity",
    ],
  };
}
