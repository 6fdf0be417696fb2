/**
 * The map's colour scales: the server's viridis and cividis (perceptually uniform, readable in greyscale
 * and by colour-blind readers; cividis also for red-green colour-blind viewers), fetched once each.
 */
import { getJson } from './api';

export type Lut = Uint8ClampedArray; // 256 × RGB
export type ColormapName = 'viridis' | 'cividis';
export const COLORMAP_NAMES: readonly ColormapName[] = ['viridis', 'cividis'];

const luts = new Map<ColormapName, Lut>();

export async function colormap(name: ColormapName = 'viridis'): Promise<Lut> {
  const known = luts.get(name);
  if (known) return known;
  const { colors } = await getJson<{ colors: string[] }>(`/api/colormap?name=${name}`);
  const out = new Uint8ClampedArray(256 * 3);
  colors.forEach((c, i) => {
    out[3 * i] = parseInt(c.slice(1, 3), 16);
    out[3 * i + 1] = parseInt(c.slice(3, 5), 16);
    out[3 * i + 2] = parseInt(c.slice(5, 7), 16);
  });
  luts.set(name, out);
  return out;
}

export function cssColor(l: Lut, t: number): string {
  const i = Math.max(0, Math.min(255, Math.round(t * 255)));
  return `rgb(${l[3 * i]},${l[3 * i + 1]},${l[3 * i + 2]})`;
}
