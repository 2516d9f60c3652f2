import type { MediaInfo } from '../engine/index.js';

/**
 * The warning for a file with more than one video stream (undefined: one): frames are read from
 * one of them, the one FFmpeg ranks best, and the others were left out without a word (a
 * recording with a second camera angle, a screen capture beside a webcam).
 */
export function otherVideoStreamsWarning(file: string, info: MediaInfo): string | undefined {
  const read = info.video;
  if (!read) return undefined;
  const moving = info.streams.filter((s) => s.type === 'video' && !s.attachedPicture);
  const others = moving.filter((s) => s.index !== read.index);
  if (others.length === 0) return undefined;
  const describe = (s: (typeof moving)[number]): string => (s.type === 'video' ? `#${s.index} (${s.displayWidth}x${s.displayHeight}, ${s.codec})` : `#${s.index}`);
  return `${file} has ${moving.length} video streams: the frames are read from ${describe(read)}; ${others.map(describe).join(', ')} ${others.length === 1 ? 'is' : 'are'} left out (flipbook info ${file} lists them)`;
}
