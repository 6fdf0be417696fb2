/** The map's colour scale: the server's viridis (perceptually uniform, readable in greyscale and by colour-blind readers). */
import { getJson } from './api';

export type Lut = Uint8ClampedArray; // 256 × RGB

let lut: Lut | null = null;

export async function colormap(): Promise<Lut> {
  if (lut) return lut;
  const { colors } = await getJson<{ colors: string[] }>('/api/colormap');
  const out = new Uint8ClampedArray(256 * 3);
  colors.forEach((c, i) => {
    out[3 * i] = parseInt(c.slice(1, 3), 16);
    out[3 * i + 1] = parseInt(c.slice(3, 5), 16);
    out[3 * i + 2] = parseInt(c.slice(5, 7), 16);
  });
  lut = out;
  return out;
}

export function cssColor(l: Lut, t: number): string {
  const i = Math.max(0, Math.min(255, Math.round(t * 255)));
  return `rgb(${l[3 * i]},${l[3 * i + 1]},${l[3 * i + 2]})`;
}
