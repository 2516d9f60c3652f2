/**
 * A video's frames as pixels, for analysis: the share of each frame close to one colour (by
 * default the red of the plot example's curve), printed once a second. readFrames decodes a few
 * frames ahead of the loop and no more; each frame is released once it has been looked at, so
 * the frames after it are read into its memory instead of new memory.
 *
 *   npx tsx examples/frame-stats.ts plot.mp4 [#d62728]
 */
import { pathToFileURL } from 'node:url';

import { readFrames } from 'flipbook';

export interface FrameStat {
  index: number;
  /** Seconds. */
  time: number;
  /** Pixels within the tolerance of the colour, over all pixels. */
  share: number;
}

/** `#rrggbb` as [r, g, b]. */
export function parseHex(colour: string): [number, number, number] {
  const match = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (!match) throw new Error(`"${colour}" is not a colour like #d62728`);
  return [parseInt(match[1] ?? '', 16), parseInt(match[2] ?? '', 16), parseInt(match[3] ?? '', 16)];
}

/** Per frame, the share of pixels within `tolerance` of `colour` in each of R, G and B. */
export async function colourShare(video: string, colour: [number, number, number], tolerance = 40): Promise<FrameStat[]> {
  const [r, g, b] = colour;
  const stats: FrameStat[] = [];
  for await (const frame of readFrames(video, { layout: 'rgb' })) {
    const { data } = frame;
    let near = 0;
    for (let i = 0; i < data.length; i += 3) {
      if (Math.abs((data[i] ?? 0) - r) <= tolerance && Math.abs((data[i + 1] ?? 0) - g) <= tolerance && Math.abs((data[i + 2] ?? 0) - b) <= tolerance) near++;
    }
    stats.push({ index: frame.index, time: frame.time, share: near / (frame.width * frame.height) });
    // Done with this frame's pixels: a later frame is read into them.
    frame.release();
  }
  return stats;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [video, colour = '#d62728'] = process.argv.slice(2);
  if (!video) {
    console.error('usage: npx tsx examples/frame-stats.ts <video> [#rrggbb]');
    process.exit(2);
  }
  const stats = await colourShare(video, parseHex(colour));
  let second = -1;
  for (const s of stats) {
    if (Math.floor(s.time) === second) continue;
    second = Math.floor(s.time);
    console.log(`${s.time.toFixed(2)} s  frame ${s.index}  ${colour} ${(s.share * 100).toFixed(2)}%`);
  }
  const last = stats.at(-1);
  console.log(`${stats.length} frames read; the last ${last ? (last.share * 100).toFixed(2) : 0}% ${colour}`);
}
