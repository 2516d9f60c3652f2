/**
 * A list of image files, some of them repeated, as a video at a given rate: moviepy's
 * ImageSequenceClip over a list of files. Each file is read and decoded when its turn comes;
 * pictures of another size are letterboxed. Run it, and it writes the list at 1 fps and 3 fps.
 *
 * Without images it draws four of its own (numbered, of different sizes) in a temporary folder:
 *
 *   npx tsx node_modules/flipbook/examples/slideshow.ts [out-directory] [image ...]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { type OutputResult, createWriter } from 'flipbook';

export interface SlideshowOptions {
  fps: number;
  width?: number;
  height?: number;
}

export async function slideshow(files: readonly string[], output: string, options: SlideshowOptions): Promise<OutputResult> {
  const writer = createWriter(output, { ...options, fit: 'contain', overwrite: true });
  try {
    for (const file of files) await writer.write(file);
    return await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** Four numbered pictures of different sizes and colours, as PNG files in `dir` (drawn with @napi-rs/canvas). */
export async function drawPictures(dir: string): Promise<string[]> {
  const { createCanvas } = await import('@napi-rs/canvas');
  const looks = [
    { width: 320, height: 180, colour: '#c0392b' },
    { width: 240, height: 240, colour: '#27ae60' },
    { width: 400, height: 200, colour: '#2980b9' },
    { width: 180, height: 320, colour: '#8e44ad' },
  ];
  const files: string[] = [];
  for (const [i, { width, height, colour }] of looks.entries()) {
    const canvas = createCanvas(width, height);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = '#ffffff';
    ctx.font = `bold ${Math.round(Math.min(width, height) / 2)}px sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(String(i + 1), width / 2, height / 2);
    const file = join(dir, `picture_${i + 1}.png`);
    await writeFile(file, await canvas.encode('png'));
    files.push(file);
  }
  return files;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dir = '.', ...given] = process.argv.slice(2);
  const drawn = given.length ? undefined : await mkdtemp(join(tmpdir(), 'flipbook-slideshow-'));
  try {
    const pictures = drawn ? await drawPictures(drawn) : given;
    // Repeats are frames of their own: 1, 2, 1 again, then 3 twice and 4 (with pictures given: each as given).
    const files = drawn ? [0, 1, 0, 2, 2, 3].map((i) => pictures[i] as string) : pictures;
    for (const fps of [1, 3]) {
      const result = await slideshow(files, join(dir, `slideshow-${fps}fps.mp4`), { fps });
      console.log(`Wrote ${result.output}: ${result.frames} frames at ${fps} fps, ${result.duration.toFixed(2)} s`);
    }
  } finally {
    if (drawn) await rm(drawn, { recursive: true, force: true });
  }
}
