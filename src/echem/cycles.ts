/**
 * Cycles and their capacities. A cycle is one half in the "first" direction followed by the half in the
 * other direction; rests belong to the cycle they fall in. The first direction is the direction of the
 * first active step unless given (cathode half-cells usually start with charge, Li‖Li plating tests with
 * plating, i.e. discharge in the instrument's sign convention).
 *
 * Coulombic efficiency = capacity of the second half / capacity of the first half (discharge/charge for a
 * cell that starts charging; stripped/plated for a plating-first Li cell). State of health = the
 * cycle's second-half capacity relative to that of a reference cycle (the first complete one by default).
 *
 * Cyclic voltammetry (steps of type 'sweep'): cycles follow the instrument's cycle counter when the
 * record has one (EC-Lab's "cycle number"), else every two sweeps make a cycle. A cycle's charge is the
 * anodic charge (∫I dt where I > 0) and its discharge the cathodic charge, over all its sweeps; the
 * first half is the direction of the first sweep (cathodic → discharge first).
 */
import { ParameterError } from '../core/errors.js';
import type { Direction, Step } from './steps.js';

export interface Cycle {
  /** 1-based cycle number; 0 holds the steps before the first active step. */
  readonly number: number;
  readonly firstStep: number;
  readonly lastStep: number;
  readonly startS: number;
  readonly endS: number;
  /** Capacity of the charge steps (I > 0), mAh. */
  readonly chargeMAh: number;
  /** Capacity of the discharge steps (I < 0), mAh. */
  readonly dischargeMAh: number;
  /** Same per electrode area, mAh cm⁻² (null without an area). */
  readonly chargeMAhPerCm2: number | null;
  readonly dischargeMAhPerCm2: number | null;
  /** Second half / first half; null when a half is missing or zero. */
  readonly coulombicEfficiency: number | null;
  /** Second-half capacity / the reference cycle's; null when undefined. */
  readonly stateOfHealth: number | null;
  /** Both halves present. */
  readonly complete: boolean;
}

export interface CycleOptions {
  /** Direction that starts each cycle; default: direction of the first active step. */
  firstDirection?: Exclude<Direction, 'none'>;
  /** Electrode area for areal capacities, cm². */
  areaCm2?: number;
  /** Cycle number whose second-half capacity is 100 % state of health (default: first complete cycle). */
  referenceCycle?: number;
}

/** Steps of a cyclic voltammogram (every step a sweep). */
export function isSweepRecord(steps: readonly Step[]): boolean {
  return steps.length > 0 && steps.every((s) => s.type === 'sweep');
}

/** Cycle number of every step. */
export function cycleNumbers(steps: readonly Step[], firstDirection?: Exclude<Direction, 'none'>): number[] {
  if (isSweepRecord(steps)) {
    if (steps.every((s) => s.instrumentCycle !== null && Number.isFinite(s.instrumentCycle)))
      return steps.map((s) => s.instrumentCycle as number);
    return steps.map((_, k) => Math.floor(k / 2) + 1);
  }
  const first = firstDirection ?? steps.find((s) => s.direction !== 'none')?.direction;
  const out: number[] = [];
  let cycle = 0;
  let seenOther = true;
  for (const s of steps) {
    if (s.direction === first && seenOther) {
      cycle++;
      seenOther = false;
    } else if (s.direction !== 'none' && s.direction !== first) seenOther = true;
    out.push(cycle);
  }
  return out;
}

export function analyseCycles(steps: readonly Step[], options: CycleOptions = {}): Cycle[] {
  if (options.areaCm2 !== undefined && !(options.areaCm2 > 0)) {
    throw new ParameterError('electrode area must be positive', {
      field: 'areaCm2',
      found: options.areaCm2,
      expected: '> 0 cm²',
    });
  }
  const sweeps = isSweepRecord(steps);
  const first: Exclude<Direction, 'none'> =
    options.firstDirection ??
    (sweeps
      ? steps[0].sweep === 'cathodic'
        ? 'discharge'
        : 'charge'
      : (steps.find((s) => s.direction !== 'none')?.direction as Exclude<Direction, 'none'> | undefined)) ??
    'charge';
  const numbers = cycleNumbers(steps, first);
  const cycles: Omit<Cycle, 'stateOfHealth'>[] = [];
  for (let k = 0; k < steps.length;) {
    const number = numbers[k];
    let j = k;
    let charge = 0;
    let discharge = 0;
    while (j < steps.length && numbers[j] === number) {
      if (sweeps) {
        charge += steps[j].anodicChargeMAh;
        discharge += steps[j].cathodicChargeMAh;
      } else if (steps[j].direction === 'charge') charge += steps[j].capacityMAh;
      else if (steps[j].direction === 'discharge') discharge += steps[j].capacityMAh;
      j++;
    }
    const firstHalf = first === 'charge' ? charge : discharge;
    const secondHalf = first === 'charge' ? discharge : charge;
    const area = options.areaCm2;
    cycles.push({
      number,
      firstStep: k,
      lastStep: j - 1,
      startS: steps[k].startS,
      endS: steps[j - 1].endS,
      chargeMAh: charge,
      dischargeMAh: discharge,
      chargeMAhPerCm2: area ? charge / area : null,
      dischargeMAhPerCm2: area ? discharge / area : null,
      coulombicEfficiency: firstHalf > 0 && secondHalf > 0 ? secondHalf / firstHalf : null,
      complete: firstHalf > 0 && secondHalf > 0,
    });
    k = j;
  }
  const refNumber = options.referenceCycle ?? cycles.find((c) => c.complete && c.number > 0)?.number;
  const ref = cycles.find((c) => c.number === refNumber);
  if (options.referenceCycle !== undefined && !ref) {
    throw new ParameterError('reference cycle not in the record', {
      field: 'referenceCycle',
      found: options.referenceCycle,
      expected: cycles.map((c) => c.number),
    });
  }
  const second = (c: Omit<Cycle, 'stateOfHealth'>) => (first === 'charge' ? c.dischargeMAh : c.chargeMAh);
  const refCap = ref ? second(ref) : 0;
  return cycles.map((c) => ({
    ...c,
    stateOfHealth: refCap > 0 && c.number > 0 && second(c) > 0 ? second(c) / refCap : null,
  }));
}
