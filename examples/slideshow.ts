/**
 * A list of image files, some of them repeated, as a video at a given rate: moviepy's
 * ImageSequenceClip over a list of files. Each file is read and decoded when its turn comes;
 * pictures of another size are letterboxed. Run it, and it writes the list at 1 fps and 3 fps.
 *
 *   npx tsx examples/slideshow.ts [out-directory]
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const frame = (n: number): string => fileURLToPath(new URL(`../sample/frames/frame_${n}.png`, import.meta.url));
  // Repeats are frames of their own: 1, 12, 1 again, then 24 twice and 36.
  const files = [frame(1), frame(12), frame(1), frame(24), frame(24), frame(36)];
  const dir = process.argv[2] ?? '.';
  for (const fps of [1, 3]) {
    const result = await slideshow(files, join(dir, `slideshow-${fps}fps.mp4`), { fps });
    console.log(`Wrote ${result.output}: ${result.frames} frames at ${fps} fps, ${result.duration.toFixed(2)} s`);
  }
}
