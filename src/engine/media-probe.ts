import { Packet } from 'node-av/lib';
import { AV_NOPTS_VALUE, AVDISCARD_ALL } from 'node-av/constants';

import { type Fraction, reduceFraction } from '../options/values.js';
import { type MediaInfo, describeMedia, mainVideoStream, openMedia } from './media-input.js';
import { EOF, ffmpegMessage } from './runtime.js';

export interface ProbeOptions {
  /**
   * Count the video frames by reading every packet (no decoding): exact even when the header
   * lacks a count or lies (a truncated file). Default true.
   */
  countFrames?: boolean;
  /**
   * Read a concat script, an HLS or DASH playlist (formats that name other files); refused by
   * default. Only local files are opened even then. Default false.
   */
  allowPlaylists?: boolean;
}

/** Whether steps between timestamps vary more than rounding to the time base explains. */
function isVariable(timestamps: bigint[]): boolean {
  if (timestamps.length < 3) return false;
  const sorted = [...timestamps].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const steps: number[] = [];
  for (let i = 1; i < sorted.length; i++) steps.push(Number((sorted[i] as bigint) - (sorted[i - 1] as bigint)));
  const typical = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)] ?? 0;
  const tolerance = Math.max(1.5, typical * 0.02);
  return steps.some((s) => Math.abs(s - typical) > tolerance);
}

/**
 * Describes a media file: container, streams, and (by default) the exact video frame count,
 * found by reading the packets of the main video stream.
 */
export async function probeMedia(file: string, options: ProbeOptions = {}): Promise<MediaInfo> {
  const { format, size } = await openMedia(file, { allowPlaylists: options.allowPlaylists === true });
  try {
    const info = describeMedia(file, format, size);
    const { warnings } = info;
    const stream = mainVideoStream(format);
    const video = info.video;
    if ((options.countFrames ?? true) && stream && video) {
      for (const other of format.streams) if (other.index !== stream.index) other.discard = AVDISCARD_ALL;
      const packet = new Packet();
      packet.alloc();
      const timestamps: bigint[] = [];
      /** Where the last readable frame ends, in the stream's time base. */
      let end: bigint | undefined;
      let count = 0;
      try {
        for (;;) {
          const ret = await format.readFrame(packet);
          if (ret === EOF) break;
          if (ret < 0) {
            warnings.push(`${file} is damaged: reading stopped after ${count} video frames (${ffmpegMessage(ret)})`);
            break;
          }
          if (packet.streamIndex === stream.index) {
            count++;
            const ts = packet.pts !== AV_NOPTS_VALUE ? packet.pts : packet.dts;
            if (ts !== AV_NOPTS_VALUE) {
              timestamps.push(ts);
              const until = ts + (packet.duration > 0n ? packet.duration : 0n);
              if (end === undefined || until > end) end = until;
            }
          }
          packet.unref();
        }
      } finally {
        packet.free();
      }
      video.frames = count;
      video.frameCountSource = 'counted';
      video.variableFrameRate = isVariable(timestamps);
      const measured = averageRate(count, timestamps, end, stream.timeBase, video.avgFrameRate);
      if (measured) video.avgFrameRate = measured;
      const cut = end === undefined ? undefined : cutShort(file, info, stream.timeBase, stream.startTime, end);
      if (cut) warnings.push(cut);
      if (video.headerFrames !== undefined && video.headerFrames !== count) {
        warnings.push(`${file}: the header says ${video.headerFrames} video frames, but ${count} were counted`);
      }
    }
    return info;
  } finally {
    await format.closeInput();
  }
}

/**
 * The average frame rate as counted: the frames over the time they cover, from the first
 * frame's timestamp to where the last one ends (its timestamp plus its duration). FFmpeg 8's
 * own estimate comes from the first frames only: for a GIF of uneven delays it said 50/7 where
 * the file holds 6.93 frames a second (ffprobe 5.1: 83/12). Undefined when the timestamps
 * cover no time, or when the header's rate `declared` agrees with them to within the rounding
 * of the time base (3 ticks): Matroska's milliseconds cannot tell 24000/1001 from 24, and the
 * header's exact fraction is kept. A last frame without a duration is given the typical step.
 */
function averageRate(count: number, timestamps: readonly bigint[], end: bigint | undefined, timeBase: { num: number; den: number }, declared: Fraction | undefined): Fraction | undefined {
  if (count === 0 || end === undefined || timestamps.length !== count || timeBase.num <= 0 || timeBase.den <= 0) return undefined;
  let first = timestamps[0] as bigint;
  let last = first;
  for (const ts of timestamps) {
    if (ts < first) first = ts;
    if (ts > last) last = ts;
  }
  let until = end;
  if (until <= last && count > 1) {
    // The last frame's duration is unknown: one typical step.
    const sorted = [...timestamps].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const steps = sorted.slice(1).map((ts, i) => Number(ts - (sorted[i] as bigint))).sort((a, b) => a - b);
    until = last + BigInt(steps[Math.floor(steps.length / 2)] ?? 0);
  }
  const span = Number(until - first);
  if (!(span > 0)) return undefined;
  if (declared && declared.num > 0 && declared.den > 0) {
    const declaredSpan = (count * declared.den * timeBase.den) / (declared.num * timeBase.num);
    if (Math.abs(declaredSpan - span) <= 3) return undefined;
  }
  // count / (span × num/den) frames a second.
  return reduceFraction(count * timeBase.den, span * timeBase.num);
}

/**
 * When the readable frames end well before the duration the header declares (a file cut
 * short: Matroska and MP4 write the duration up front), the durations reported become what can
 * be read, and the warning says so. Undefined when the file is whole (a gap of up to three
 * frames or 0.2 s is rounding).
 */
function cutShort(file: string, info: MediaInfo, timeBase: { num: number; den: number }, startTime: bigint, end: bigint): string | undefined {
  const video = info.video;
  if (!video || timeBase.den === 0) return undefined;
  const start = startTime !== AV_NOPTS_VALUE ? startTime : 0n;
  const endedAt = (Number(end - start) * timeBase.num) / timeBase.den;
  // The video stream's own duration; the container's only when nothing else (audio) may make it longer.
  const declared = video.duration ?? (info.audio.length === 0 ? info.duration : undefined);
  if (declared === undefined || !(endedAt > 0)) return undefined;
  const rate = video.avgFrameRate ?? video.frameRate;
  const frame = rate ? rate.den / rate.num : 0.04;
  const missing = declared - endedAt;
  if (missing <= Math.max(3 * frame, 0.2)) return undefined;
  video.duration = endedAt;
  if (info.audio.length === 0) info.duration = endedAt;
  const frames = rate ? `, about ${Math.round(missing / frame)} frames` : '';
  return `${file} is cut short: its frames end at ${endedAt.toFixed(3)} s but its header says ${declared.toFixed(3)} s (${missing.toFixed(3)} s missing${frames}); the duration reported is what can be read`;
}
