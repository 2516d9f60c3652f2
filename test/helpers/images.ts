/** Pictures made in JavaScript: the source frames the tests write and compare against. */

export type Rgb = readonly [number, number, number];

/** Tightly packed 8-bit pixels: 1 (gray), 3 (RGB) or 4 (RGBA) channels. */
export interface Image {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

export function solid(width: number, height: number, colour: Rgb): Image {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(colour, i);
  return { width, height, channels: 3, data };
}

/** Fills an image by a function of the pixel position. */
export function paint(width: number, height: number, colourAt: (x: number, y: number) => Rgb): Image {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colourAt(x, y), (y * width + x) * 3);
  }
  return { width, height, channels: 3, data };
}

/**
 * A frame like a photograph at small scale, which an encoder at default settings keeps well:
 * smooth colour gradients, a soft wave, and a soft-edged disc that moves with `n`, so
 * consecutive frames differ. (A hard edge between saturated opposite colours is the worst
 * case of 4:2:0 chroma and no measure of the pipeline.)
 */
export function scene(width: number, height: number, n: number): Image {
  const cx = width * 0.2 + n * 5;
  const cy = height / 2;
  const r = Math.min(width, height) / 4;
  return paint(width, height, (x, y) => {
    const wave = 128 + 90 * Math.sin((x + y + 6 * n) / 14);
    const base = [(220 * x) / width + 20, (220 * y) / height + 20, wave];
    const disc = [235, 200 - 4 * n, 70];
    const a = Math.min(1, Math.max(0, (r - Math.hypot(x - cx, y - cy)) / 5));
    const mix = (i: number): number => Math.round((base[i] ?? 0) * (1 - a) + (disc[i] ?? 0) * a);
    return [mix(0), mix(1), mix(2)];
  });
}

/** A distinct, easily told apart colour for frame `i` (saturated primaries and mixes). */
export const PALETTE: readonly Rgb[] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 0],
  [0, 255, 255],
  [255, 0, 255],
  [255, 255, 255],
  [0, 0, 0],
  [128, 128, 128],
  [255, 128, 0],
];

export function paletteColour(i: number): Rgb {
  const colour = PALETTE[i % PALETTE.length];
  if (!colour) throw new Error('unreachable');
  return colour;
}
