/**
 * The cividis colour map against its published table (Nuñez, Anderton & Renslow 2018, PLOS ONE; the
 * 256 entries in test/fixtures/colormap/cividis.csv): every entry within 2 RGB units, CIE L* rising
 * monotonically from end to end (readable in greyscale), and different from viridis.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cividis, viridis } from '../../src/report/svg/color.js';

const table = readFileSync(join(__dirname, '../fixtures/colormap/cividis.csv'), 'utf8')
  .split('\n')
  .filter((l) => /^[01]/.test(l))
  .map((l) => l.split(',').map((v) => Number(v) * 255));

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** CIE L* of an sRGB colour (D65). */
function lightness([r, g, b]: number[]): number {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const y = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return y > 216 / 24389 ? 116 * Math.cbrt(y) - 16 : (24389 / 27) * y;
}

describe('cividis', () => {
  it('matches the published 256-entry table within 2 RGB units', () => {
    expect(table.length).toBe(256);
    let worst = 0;
    table.forEach((ref, i) => {
      const got = rgb(cividis(i / 255));
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(got[c] - ref[c]));
    });
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('has monotone lightness (greyscale-readable), from dark blue to yellow', () => {
    const L = Array.from({ length: 256 }, (_, i) => lightness(rgb(cividis(i / 255))));
    // 8-bit colours: never darker than the entry before by more than one rounding step (0.2 L*), and
    // strictly lighter over every 4 entries
    for (let i = 1; i < 256; i++) expect(L[i]).toBeGreaterThanOrEqual(L[i - 1] - 0.2);
    for (let i = 4; i < 256; i++) expect(L[i]).toBeGreaterThan(L[i - 4]);
    expect(L[0]).toBeLessThan(20);
    expect(L[255]).toBeGreaterThan(85);
    // the published table itself has the same property (a check of the fixture)
    const Lref = table.map(lightness);
    for (let i = 1; i < 256; i++) expect(Lref[i]).toBeGreaterThan(Lref[i - 1]);
  });

  it('differs from viridis and clamps its input', () => {
    expect(cividis(0.5)).not.toBe(viridis(0.5));
    expect(cividis(-1)).toBe(cividis(0));
    expect(cividis(2)).toBe(cividis(1));
    expect(cividis(Number.NaN)).toBe(cividis(0));
  });
});
