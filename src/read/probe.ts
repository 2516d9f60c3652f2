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
  return probeMedia(file, { ...options, allowPlaylists: resolveAllowPlaylists(options) });
}
