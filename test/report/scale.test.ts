import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../src/core/errors.js';
import {
  formatLinearTick,
  formatLogTick,
  linearScale,
  logScale,
  logTicks,
  niceDomain,
  niceStep,
  niceTicks,
  richText,
  subscript,
  superscript,
} from '../../src/report/index.js';

describe('nice ticks (hand-computed)', () => {
  it.each([
    // span/target = raw step; raw → 1, 2, 5 × 10^k by the √2, √10, √50 thresholds
    [0, 1, 5, 0.2, [0, 0.2, 0.4, 0.6, 0.8, 1]], // raw 0.2 → 2×0.1
    [200, 300, 5, 20, [200, 220, 240, 260, 280, 300]], // raw 20 → 2×10
    [-0.13, 4.7, 5, 1, [0, 1, 2, 3, 4]], // raw 0.966 → 9.66×0.1 ≥ 7.07 → 10×0.1
    [0, 8, 5, 2, [0, 2, 4, 6, 8]], // raw 1.6 → 2
    [-1, 1, 4, 0.5, [-1, -0.5, 0, 0.5, 1]], // raw 0.5 → 5×0.1
    [0.1, 0.37, 5, 0.05, [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]], // raw 0.054 → 5×0.01
    [1180, 1080, 5, 20, [1080, 1100, 1120, 1140, 1160, 1180]], // reversed input, ²³Na window
  ])('[%d, %d] target %d → step %d', (lo, hi, target, step, ticks) => {
    expect(niceStep(Math.abs(hi - lo), target)).toBeCloseTo(step, 12);
    expect(niceTicks(lo, hi, target)).toEqual(ticks);
  });

  it('has no floating-point fuzz', () => {
    for (const t of niceTicks(0, 0.7, 7)) expect(String(t).length).toBeLessThanOrEqual(3);
    expect(niceTicks(0.1, 0.3, 2)).toEqual([0.1, 0.2, 0.3]);
  });

  it('widens a domain to ticks', () => {
    expect(niceDomain(0.13, 9.2)).toEqual([0, 10]);
    expect(niceDomain(-3.3, 47)).toEqual([-10, 50]);
  });

  it('labels ticks with the decimals of the step and a real minus sign', () => {
    const ticks = [-0.5, 0, 0.5, 1];
    expect(ticks.map((t) => formatLinearTick(t, ticks))).toEqual(['−0.5', '0.0', '0.5', '1.0']);
    expect(formatLinearTick(2e-5, [0, 1e-5, 2e-5])).toBe('2×10⁻⁵');
    expect(formatLinearTick(3e6, [0, 1e6, 2e6, 3e6])).toBe('3×10⁶');
  });
});

describe('reversed ppm axis', () => {
  const s = linearScale([300, 200], [50, 550]);
  it('maps high ppm to the left and 245 ppm to its hand-computed pixel', () => {
    expect(s.map(300)).toBe(50);
    expect(s.map(200)).toBe(550);
    // 245 ppm is 55 % of the way from 300 to 200: 50 + 0.55 × 500
    expect(s.map(245)).toBeCloseTo(325, 10);
    expect(s.invert(325)).toBeCloseTo(245, 10);
  });
  it('still gives ascending tick values', () => {
    expect(s.ticks(5)).toEqual([200, 220, 240, 260, 280, 300]);
  });
});

describe('log axis', () => {
  const s = logScale([1e-6, 1e2], [0, 800]);
  it('puts successive decades at equal spacing', () => {
    const px = [-6, -5, -4, -3, -2, -1, 0, 1, 2].map((k) => s.map(10 ** k));
    for (let k = 1; k < px.length; k++) expect(px[k] - px[k - 1]).toBeCloseTo(100, 9);
    expect(s.map(Math.sqrt(10) * 1e-6)).toBeCloseTo(50, 9);
  });
  it('cannot place zero or negative values', () => {
    expect(s.map(0)).toBeNaN();
    expect(s.map(-1)).toBeNaN();
  });
  it('rejects non-positive domains with a typed error', () => {
    expect(() => logScale([0, 10], [0, 1])).toThrow(ParameterError);
    expect(() => linearScale([1, 1], [0, 1])).toThrow(ParameterError);
    expect(() => linearScale([NaN, 1], [0, 1])).toThrow(ParameterError);
  });
  it('ticks decades, thinned on long ranges, and 1-2-5 on short ones', () => {
    expect(logTicks(1e-3, 1e2, 6)).toEqual([1e-3, 1e-2, 1e-1, 1, 10, 100]);
    expect(logTicks(1e-6, 1e1, 6)).toEqual([1e-6, 1e-4, 1e-2, 1]);
    expect(logTicks(3, 60)).toEqual([5, 10, 20, 50]);
    const minor = s.minorTicks();
    expect(minor).toHaveLength(8 * 8);
    [2e-6, 3e-6, 4e-6].forEach((v, i) => expect(minor[i]).toBeCloseTo(v, 18));
  });
  it('labels decades with superscript exponents', () => {
    const decades = [1e-6, 1e-4, 1e-2, 1];
    expect(decades.map((t) => formatLogTick(t, decades))).toEqual(['10⁻⁶', '10⁻⁴', '10⁻²', '10⁰']);
    expect([5, 10, 20].map((t, _, a) => formatLogTick(t, a))).toEqual(['5', '10', '20']);
  });
});

describe('label typography', () => {
  it('writes units with Unicode super- and subscripts', () => {
    expect(richText('Current / mA cm^-2')).toBe('Current / mA cm⁻²');
    expect(richText('δ(^7Li) / ppm')).toBe('δ(⁷Li) / ppm');
    expect(richText('log_10(τ / s)')).toBe('log₁₀(τ / s)');
    expect(richText('D / m^{2} s^{-1}')).toBe('D / m² s⁻¹');
    expect(richText('R_{SEI} / Ω')).toBe('R_SEI / Ω');
    expect(richText('t_{max}')).toBe('tₘₐₓ');
    expect(superscript('-12')).toBe('⁻¹²');
    expect(subscript('23')).toBe('₂₃');
  });
});
