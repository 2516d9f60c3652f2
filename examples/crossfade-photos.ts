/**
 * The matplotlib crossfade, ported: read two photos into pixel arrays at one size, blend them
 * `a * (1 - t) + b * t` per pixel with t going from 0 to 1, and write 150 frames at 25 fps (6 s).
 * In Python this is `imread`, numpy arithmetic and `FuncAnimation(...).save()`; here it is
 * `readImage`, a loop and `createWriter`. No canvas, no temporary files: only the video is written.
 *
 *   npx tsx node_modules/flipbook/examples/crossfade-photos.ts first.jpg second.jpg out.mp4
 */
import { pathToFileURL } from 'node:url';

import { type OutputResult, createWriter, readImage } from 'flipbook';

export interface CrossfadePhotosOptions {
  /** Output size; each photo is fitted to exactly this size (`fit`). Default 640x360. */
  width?: number;
  height?: number;
  /** How a photo of another shape fills the size: `cover` (cropped, default), `contain` (bars) or `fill`. */
  fit?: 'contain' | 'cover' | 'fill';
  frames?: number;
  fps?: number;
}

export async function crossfadePhotos(first: string, second: string, output: string, options: CrossfadePhotosOptions = {}): Promise<OutputResult> {
  const { width = 640, height = 360, fit = 'cover', frames = 150, fps = 25 } = options;
  // Both at exactly width x height, RGB: 3 bytes a pixel, like an (h, w, 3) uint8 array.
  const a = await readImage(first, { width, height, fit, layout: 'rgb' });
  const b = await readImage(second, { width, height, fit, layout: 'rgb' });
  const writer = createWriter(output, { width, height, fps, overwrite: true });
  const frame = new Uint8Array(width * height * 3);
  try {
    for (let i = 0; i < frames; i++) {
      const t = i / (frames - 1);
      for (let p = 0; p < frame.length; p++) frame[p] = Math.round((a.data[p] ?? 0) * (1 - t) + (b.data[p] ?? 0) * t);
      // Raw pixels say their layout; the writer copies them, so one array serves every frame.
      await writer.write({ data: frame, width, height, layout: 'rgb' });
    }
    return await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [first, second, output = 'crossfade.mp4'] = process.argv.slice(2);
  if (!first || !second) {
    console.error('usage: crossfade-photos.ts <first photo> <second photo> [out.mp4]');
    process.exit(2);
  }
  const result = await crossfadePhotos(first, second, output);
  console.log(`Wrote ${result.output}: ${result.frames} frames, ${result.width}x${result.height}, ${result.duration} s`);
}
