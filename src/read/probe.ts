import { type MediaInfo, type ProbeOptions, probeMedia } from '../engine/index.js';
import { invalidOption } from '../errors.js';
import { resolveAllowPlaylists } from '../options/input-options.js';
import { checkOptionsObject } from '../options/values.js';

/**
 * Describes a media file: container, duration, and every stream (video: codec, profile,
 * pixel format, stored and shown size, exact frame rates, frame count, colour tags; audio:
 * codec, sample rate, channels). The video frames are counted by reading every packet
 * (no decoding) unless `countFrames: false`, so the count is right even when the header
 * lacks it or lies; `frameCountSource` says which.
 */
export async function probe(file: string, options: ProbeOptions = {}): Promise<MediaInfo> {
  checkOptionsObject(options);
  if (options.countFrames !== undefined && typeof options.countFrames !== 'boolean') throw invalidOption('countFrames', 'true or false', options.countFrames);
  const info = await probeMedia(file, { ...options, allowPlaylists: resolveAllowPlaylists(options) });
  // What split, contactSheet and readFrames refuse as damaged (a PNG cut in its header, a text
  // file named .png: FFmpeg picks a decoder by the name and finds no picture) is said here too,
  // rather than described as a 0x0 picture of one frame.
  if (info.video && (info.video.width <= 0 || info.video.height <= 0)) info.warnings.push(`${file} is damaged: its video stream has no picture size`);
  return info;
}
