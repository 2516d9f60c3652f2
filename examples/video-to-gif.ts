/**
 * A video to a GIF (a screen recording for a bug report, a clip for a chat): readFrames decodes
 * the video at the GIF's frame rate (and width, when given), and createWriter writes each frame
 * at its time. The palette, dithering and frame differences are the GIF writer's, as stitch
 * makes them; wider than 640 px, the GIF is scaled to 640 (the writer says so). Memory stays flat
 * in the number of frames: each frame is released once written (the next one is read into it)
 * and the writer spools to a temporary file for its palette pass.
 *
 *   npx tsx examples/video-to-gif.ts clip.mp4 clip.gif [fps, default 12] [width]
 */
import { pathToFileURL } from 'node:url';

import { type OutputResult, createWriter, readFrames } from 'flipbook';

export interface VideoToGifOptions {
  /** Frames a second of the GIF (the video is resampled to it). Default 12. */
  fps?: number;
  /** Width of the GIF; the height keeps the aspect ratio. Default: the video's (at most 640). */
  width?: number;
  /** Replace an existing GIF. Default false. */
  overwrite?: boolean;
  /** Start and end in the video, seconds. Default: all of it. */
  start?: number;
  end?: number;
  onWarning?: (message: string) => void;
}

export async function videoToGif(video: string, gif: string, options: VideoToGifOptions = {}): Promise<OutputResult> {
  const { fps = 12, width, overwrite = false, start, end, onWarning } = options;
  const writer = createWriter(gif, { fps, overwrite, ...(onWarning ? { onWarning } : {}) });
  try {
    let first: number | undefined;
    for await (const frame of readFrames(video, { fps, layout: 'rgba', ...(width ? { width } : {}), ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) })) {
      // Times from the first frame: the output starts at 0 s, so it would otherwise begin with the
      // first frame held as long as its time in the source (at `start`, or a stream that does not
      // start at 0).
      first ??= frame.time;
      await writer.write(frame, { time: frame.time - first });
      frame.release();
    }
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return writer.close();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [video, gif, fps, width] = process.argv.slice(2);
  if (!video || !gif) {
    console.error('usage: npx tsx examples/video-to-gif.ts <video> <out.gif> [fps, default 12] [width]');
    process.exit(2);
  }
  const result = await videoToGif(video, gif, { fps: fps ? Number(fps) : 12, ...(width ? { width: Number(width) } : {}), onWarning: (m) => console.error(m) });
  console.log(`Wrote ${result.output}: ${result.frames} frames, ${result.width}x${result.height}, ${result.duration.toFixed(2)} s, ${(result.bytes / 1000).toFixed(1)} kB`);
}
