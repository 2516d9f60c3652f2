/** Writes source frames for a test and tells decoded frames apart by colour. */
import { join } from 'node:path';

import { type Image, type Rgb, paletteColour, solid } from './images.js';
import { writePng } from './png.js';
import { type ReadBack, colourIn, nearest } from './video.js';

/** Writes one solid-colour PNG per name (colour i of the palette for `colours[i]`). */
export async function writeSolidFrames(dir: string, frames: readonly { name: string; colour: number }[], width = 64, height = 48): Promise<string[]> {
  return Promise.all(frames.map(({ name, colour }) => writePng(join(dir, name), solid(width, height, paletteColour(colour)))));
}

export async function writeFrames(dir: string, frames: readonly { name: string; image: Image }[]): Promise<string[]> {
  return Promise.all(frames.map(({ name, image }) => writePng(join(dir, name), image)));
}

/** For each decoded frame, the palette index of the colour its middle is nearest to. */
export function frameColourIndices(back: ReadBack, palette: readonly Rgb[]): number[] {
  return back.frames.map((frame) => nearest(colourIn(frame, { x: 0, y: 0, width: frame.width, height: frame.height }, 8), palette));
}
