/**
 * A crossfade between two pictures, the classic blending demo: frame i shows
 * `img1 * f + img2 * (1 - f)` with f going from 1 down to 0 over 150 frames at 25 fps (6 s).
 * The pixels are plain arrays, blended in JavaScript and handed to the writer one frame at a
 * time: nothing is written to disk but the video.
 *
 *   npx tsx examples/crossfade.ts [out.mp4]
 */
import { fileURLToPath, pathToFileURL } from 'node:url';

import { createCanvas, loadImage } from '@napi-rs/canvas';

import { type OutputResult, createWriter } from 'flipbook';

export interface CrossfadeOptions {
  /** Output size; the pictures are scaled to it. Default 320x180. */
  width?: number;
  height?: number;
  /** The pictures faded from and to. Default: two frames of the shipped sample. */
  first?: string;
  second?: string;
  frames?: number;
  fps?: number;
}

const SAMPLE = (name: string): string => fileURLToPath(new URL(`../sample/frames/${name}`, import.meta.url));

/** A picture as RGBA pixels of the given size. */
async function pixelsOf(file: string, width: number, height: number): Promise<Uint8ClampedArray> {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(await loadImage(file), 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height).data;
}

export async function crossfade(output: string, options: CrossfadeOptions = {}): Promise<OutputResult> {
  const { width = 320, height = 180, frames = 150, fps = 25 } = options;
  const img1 = await pixelsOf(options.first ?? SAMPLE('frame_1.png'), width, height);
  const img2 = await pixelsOf(options.second ?? SAMPLE('frame_30.png'), width, height);
  const writer = createWriter(output, { width, height, fps, overwrite: true });
  const frame = new Uint8ClampedArray(width * height * 4);
  try {
    for (let i = 0; i < frames; i++) {
      const f = 1 - i / (frames - 1);
      // Uint8ClampedArray rounds and clamps on assignment; alpha stays 255 (1 * f + 1 * (1 - f)).
      for (let p = 0; p < frame.length; p++) frame[p] = (img1[p] ?? 0) * f + (img2[p] ?? 0) * (1 - f);
      // An ImageData-like frame; the writer copies it, so the same array is reused.
      await writer.write({ data: frame, width, height });
    }
    return await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await crossfade(process.argv[2] ?? 'crossfade.mp4');
  console.log(`Wrote ${result.output}: ${result.frames} frames, ${result.width}x${result.height}, ${result.duration} s`);
}
