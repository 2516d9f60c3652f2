/**
 * A crossfade between two pictures, the classic blending demo: frame i shows
 * `img1 * f + img2 * (1 - f)` with f going from 1 down to 0 over 150 frames at 25 fps (6 s).
 * The pixels are plain arrays, blended in JavaScript and handed to the writer one frame at a
 * time: nothing is written to disk but the video.
 *
 * Without pictures it draws its own two (a sunset and a sea), so it runs anywhere:
 *
 *   npx tsx node_modules/flipbook/examples/crossfade.ts [out.mp4] [first.png second.png]
 */
import { pathToFileURL } from 'node:url';

import { type SKRSContext2D, createCanvas, loadImage } from '@napi-rs/canvas';

import { type OutputResult, createWriter } from 'flipbook';

export interface CrossfadeOptions {
  /** Output size; the pictures are scaled to it. Default 320x180. */
  width?: number;
  height?: number;
  /** The pictures faded from and to (files). Default: two pictures drawn here. */
  first?: string;
  second?: string;
  frames?: number;
  fps?: number;
}

/** The two built-in pictures: a sunset (warm sky, a sun) and a sea (cool sky, waves). */
const BUILT_IN: Record<'first' | 'second', (ctx: SKRSContext2D, width: number, height: number) => void> = {
  first(ctx, width, height) {
    const sky = ctx.createLinearGradient(0, 0, 0, height);
    sky.addColorStop(0, '#2b1055');
    sky.addColorStop(0.6, '#d53369');
    sky.addColorStop(1, '#f8b500');
    ctx.fillStyle = sky;
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = '#ffe259';
    ctx.beginPath();
    ctx.arc(width * 0.7, height * 0.62, height * 0.18, 0, 2 * Math.PI);
    ctx.fill();
  },
  second(ctx, width, height) {
    const sky = ctx.createLinearGradient(0, 0, 0, height);
    sky.addColorStop(0, '#a1c4fd');
    sky.addColorStop(0.5, '#c2e9fb');
    sky.addColorStop(0.5, '#1e3c72');
    sky.addColorStop(1, '#2a5298');
    ctx.fillStyle = sky;
    ctx.fillRect(0, 0, width, height);
    ctx.strokeStyle = '#e0f7ff';
    ctx.lineWidth = Math.max(1, height / 60);
    for (let row = 0; row < 4; row++) {
      ctx.beginPath();
      for (let x = 0; x <= width; x += 2) ctx.lineTo(x, height * (0.6 + row * 0.1) + Math.sin((x / width) * 12 + row) * height * 0.02);
      ctx.stroke();
    }
  },
};

/** A picture (a file, or a built-in one drawn here) as RGBA pixels of the given size. */
async function pixelsOf(picture: string | 'first' | 'second', file: string | undefined, width: number, height: number): Promise<Uint8ClampedArray> {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (file === undefined) BUILT_IN[picture as 'first' | 'second'](ctx, width, height);
  else ctx.drawImage(await loadImage(file), 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height).data;
}

export async function crossfade(output: string, options: CrossfadeOptions = {}): Promise<OutputResult> {
  const { width = 320, height = 180, frames = 150, fps = 25 } = options;
  const img1 = await pixelsOf('first', options.first, width, height);
  const img2 = await pixelsOf('second', options.second, width, height);
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
  const [output = 'crossfade.mp4', first, second] = process.argv.slice(2);
  if ((first === undefined) !== (second === undefined)) {
    console.error('usage: crossfade.ts [out.mp4] [first.png second.png]  (two pictures, or none for the built-in ones)');
    process.exit(2);
  }
  const result = await crossfade(output, { ...(first === undefined ? {} : { first }), ...(second === undefined ? {} : { second }) });
  console.log(`Wrote ${result.output}: ${result.frames} frames, ${result.width}x${result.height}, ${result.duration} s`);
}
