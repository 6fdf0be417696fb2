/**
 * Differential capacity dQ/dV: charge passed per voltage interval. Binning charge increments by voltage
 * (rather than differentiating Q(V) point by point) keeps it stable on noisy, finely sampled records:
 * each bin holds |ΔQ| of the sample intervals whose mid-voltage falls in it, divided by the bin width.
 */
import { ParameterError } from '../core/errors.js';
import type { CyclerSeries } from './series.js';

export interface DqDv {
  /** Bin centres, V. */
  readonly voltageV: Float64Array;
  /** |dQ/dV|, mAh V⁻¹. */
  readonly dqdvMAhPerV: Float64Array;
}

export function differentialCapacity(
  series: CyclerSeries,
  startRow: number,
  endRow: number,
  binV = 0.005,
): DqDv {
  if (!(binV > 0))
    throw new ParameterError('bin width must be positive', { field: 'binV', found: binV, expected: '> 0 V' });
  if (startRow < 0 || endRow >= series.timeS.length || endRow <= startRow) {
    throw new ParameterError('row range outside the record', {
      field: 'rows',
      found: [startRow, endRow],
      expected: `0…${series.timeS.length - 1}`,
    });
  }
  const { voltageV: v, chargeMAh: q } = series;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = startRow; i <= endRow; i++) {
    lo = Math.min(lo, v[i]);
    hi = Math.max(hi, v[i]);
  }
  const first = Math.floor(lo / binV);
  const bins = Math.max(1, Math.floor(hi / binV) - first + 1);
  if (bins > 1e6)
    throw new ParameterError('too many voltage bins', {
      field: 'binV',
      found: binV,
      expected: `a bin width ≥ ${(hi - lo) / 1e6} V`,
    });
  const sum = new Float64Array(bins);
  for (let i = startRow + 1; i <= endRow; i++) {
    const mid = 0.5 * (v[i] + v[i - 1]);
    const k = Math.min(bins - 1, Math.max(0, Math.floor(mid / binV) - first));
    sum[k] += Math.abs(q[i] - q[i - 1]);
  }
  const voltageV = new Float64Array(bins);
  const dqdv = new Float64Array(bins);
  for (let k = 0; k < bins; k++) {
    voltageV[k] = (first + k + 0.5) * binV;
    dqdv[k] = sum[k] / binV;
  }
  return { voltageV, dqdvMAhPerV: dqdv };
}
