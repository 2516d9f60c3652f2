/**
 * GIF frame delays as viewers show them. A GIF frame whose delay is 0 or 1 hundredth is shown
 * for 10 hundredths by Chromium, Firefox and Safari, and by ffmpeg 5.1's GIF demuxer (its
 * `min_delay` of 2 and `default_delay` of 10). FFmpeg 8 reads GIFs through its GIF parser, which
 * turns a delay of 0 into 10 but keeps 1 as 1, and its demuxer's `min_delay` option is declared
 * but read nowhere (passing it, or `default_delay`, changes no packet: libavformat/gifdec.c,
 * libavcodec/gif_parser.c). So a GIF that ffmpeg 5.1 wrote at 100 fps (every delay 1) plays
 * 1.2 s in a browser for 12 frames and read 0.12 s. flipbook rewrites the timestamps of a GIF's
 * packets here, as they are read, to the delays a browser shows.
 */
import type { FormatContext, Packet, Stream } from 'node-av/lib';
import { AVSEEK_FLAG_BACKWARD } from 'node-av/constants';

import type { Fraction } from '../options/values.js';
import { reduceFraction } from '../options/values.js';
import type { MediaInfo } from './media-input.js';
import { EOF } from './runtime.js';

/** Delays below this many hundredths are not shown as given... */
const MIN_DELAY = 2n;
/** ...but for this many (browsers, and ffmpeg 5.1's `default_delay`). */
const DEFAULT_DELAY = 10n;

/** Whether a stream is a GIF's, in FFmpeg's time base of hundredths (the clock the delays are in). */
export function isGifStream(format: FormatContext, stream: Stream): boolean {
  return format.iformat?.name === 'gif' && stream.timeBase.num === 1 && stream.timeBase.den === 100;
}

/**
 * Rewrites the timestamps of a GIF's packets, read in order from its first frame: each frame
 * starts where the one before it ends, and lasts its delay as a browser shows it.
 */
export class GifClock {
  private next = 0n;

  /** Back to the first frame (after a seek to the start). */
  restart(): void {
    this.next = 0n;
  }

  retime(packet: Packet): void {
    const given = packet.duration;
    const shown = given < MIN_DELAY ? DEFAULT_DELAY : given;
    packet.pts = this.next;
    packet.dts = this.next;
    packet.duration = shown;
    this.next += shown;
  }
}

/** What the whole GIF holds, timed as shown: its frames, their total and the coarsest step all of them fit (hundredths). */
export interface GifTiming {
  frames: number;
  duration: bigint;
  step: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/**
 * Reads every packet of a GIF (no decoding: a GIF's packets are its frames as stored) to time it
 * as shown, then goes back to its start. A GIF seeks to its start only anyway: its first frame is
 * its one keyframe. Undefined for any other file.
 */
export async function scanGif(format: FormatContext, stream: Stream, packet: Packet): Promise<GifTiming | undefined> {
  if (!isGifStream(format, stream)) return undefined;
  const clock = new GifClock();
  let frames = 0;
  let duration = 0n;
  let step = 0n;
  for (;;) {
    const ret = await format.readFrame(packet);
    if (ret === EOF || ret < 0) break;
    if (packet.streamIndex === stream.index) {
      clock.retime(packet);
      frames++;
      duration += packet.duration;
      step = gcd(step, packet.duration);
    }
    packet.unref();
  }
  await format.seekFrame(stream.index, 0n, AVSEEK_FLAG_BACKWARD);
  return frames > 0 ? { frames, duration, step } : undefined;
}

/** The header's timing of a GIF (FFmpeg's sums of the delays as stored) replaced by its timing as shown. */
export function applyGifTiming(info: MediaInfo, timing: GifTiming): void {
  const video = info.video;
  if (!video) return;
  const seconds = Number(timing.duration) / 100;
  video.duration = seconds;
  const rate: Fraction = reduceFraction(timing.frames * 100, Number(timing.duration));
  video.avgFrameRate = rate;
  video.frameRate = reduceFraction(100, Number(timing.step));
  if (info.streams.length === 1) info.duration = seconds;
}
