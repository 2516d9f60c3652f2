import { Packet } from 'node-av/lib';
import { AV_NOPTS_VALUE, AV_PKT_FLAG_DISCARD, AVDISCARD_ALL, AVMEDIA_TYPE_VIDEO } from 'node-av/constants';

import { type Fraction, reduceFraction } from '../options/values.js';
import { GifClock } from './gif-timing.js';
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

/**
 * The clocks a container's frame delays are counted in, ticks a second, coarsest first, where
 * they are coarser than its demuxer's time base may show: GIF delays are hundredths, WebP's
 * milliseconds, an APNG's fractions (flipbook and most writers use milliseconds; some,
 * converting a GIF, hundredths), read in a time base of 1/100000.
 */
const DELAY_CLOCKS: Readonly<Record<string, readonly number[]>> = { gif: [100], webp_anim: [1000], apng: [100, 1000] };

/**
 * Whether the frames' timestamps (sorted) are those of no constant frame rate. Steps that
 * differ by no more than the rounding of the time base (or 2%) are constant. So are steps that
 * a constant rate gives when each frame's time is rounded to the format's clock (DELAY_CLOCKS):
 * 30 fps in APNG milliseconds is 33, 34, 33 ms, steps of 3300 and 3400 in its time base, and
 * every frame within a tick of n/30 s. A clock counts only where every step is a whole number
 * of its ticks, so that steps of 40 and 80 ms are not taken for 60 ms rounded to hundredths.
 */
function isVariable(sorted: readonly bigint[], timeBase: { num: number; den: number }, container: string): boolean {
  if (sorted.length < 3) return false;
  const steps: number[] = [];
  for (let i = 1; i < sorted.length; i++) steps.push(Number((sorted[i] as bigint) - (sorted[i - 1] as bigint)));
  const typical = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)] ?? 0;
  const tolerance = Math.max(1.5, typical * 0.02);
  if (!steps.some((s) => Math.abs(s - typical) > tolerance)) return false;
  if (timeBase.num <= 0 || timeBase.den <= 0) return true;
  const first = sorted[0] as bigint;
  const step = Number((sorted.at(-1) as bigint) - first) / steps.length;
  for (const perSecond of DELAY_CLOCKS[container] ?? []) {
    const tick = timeBase.den / (perSecond * timeBase.num);
    if (!Number.isInteger(tick) || tick < 1 || steps.some((s) => s % tick !== 0)) continue;
    if (sorted.every((ts, i) => Math.abs(Number(ts - first) - i * step) <= tick)) return false;
  }
  return true;
}

/**
 * Where the frames start and end in the stream's time base: the first timestamp, and the end
 * of the last frame (its timestamp plus its duration, or one typical step when it has none).
 * Undefined when the timestamps cover no time or some frame had none.
 */
function framesSpan(count: number, sorted: readonly bigint[], end: bigint | undefined): { first: bigint; until: bigint } | undefined {
  if (count === 0 || end === undefined || sorted.length !== count) return undefined;
  const first = sorted[0] as bigint;
  const last = sorted.at(-1) as bigint;
  let until = end;
  if (until <= last && count > 1) {
    const steps = sorted.slice(1).map((ts, i) => Number(ts - (sorted[i] as bigint))).sort((a, b) => a - b);
    until = last + BigInt(steps[Math.floor(steps.length / 2)] ?? 0);
  }
  return until > first ? { first, until } : undefined;
}

/**
 * Describes a media file: container, streams, and (by default) the exact video frame counts,
 * found by reading the packets of the video streams (the main one's timing too).
 */
export async function probeMedia(file: string, options: ProbeOptions = {}): Promise<MediaInfo> {
  const { format, size, gif } = await openMedia(file, { allowPlaylists: options.allowPlaylists === true });
  try {
    const info = describeMedia(file, format, size, gif);
    const { warnings } = info;
    const stream = mainVideoStream(format);
    const video = info.video;
    if ((options.countFrames ?? true) && stream && video) {
      // The other video streams are counted in the same pass (their headers' counts are guesses);
      // every other stream is skipped unread.
      const others = new Map<number, number>();
      for (const other of format.streams) {
        if (other.index === stream.index) continue;
        if (other.codecpar.codecType === AVMEDIA_TYPE_VIDEO) others.set(other.index, 0);
        else other.discard = AVDISCARD_ALL;
      }
      const packet = new Packet();
      packet.alloc();
      // A GIF's frames are timed as browsers show them (gif-timing.ts).
      const gifClock = gif ? new GifClock() : undefined;
      const timestamps: bigint[] = [];
      /** Where the last readable frame ends, in the stream's time base. */
      let end: bigint | undefined;
      let count = 0;
      /** Packets an edit list cuts off (an MP4 cut with -ss and stream copy): decoded, never shown. */
      let discarded = 0;
      try {
        for (;;) {
          const ret = await format.readFrame(packet);
          if (ret === EOF) break;
          if (ret < 0) {
            warnings.push(`${file} is damaged: reading stopped after ${count} video frames (${ffmpegMessage(ret)})`);
            break;
          }
          // Packets before an edit list's start are read (their frames are references for the
          // first frames shown) but their frames are dropped after decoding: not frames of the video.
          if (packet.hasFlags(AV_PKT_FLAG_DISCARD)) {
            if (packet.streamIndex === stream.index) discarded++;
            packet.unref();
            continue;
          }
          const otherCount = others.get(packet.streamIndex);
          if (otherCount !== undefined) others.set(packet.streamIndex, otherCount + 1);
          if (packet.streamIndex === stream.index) {
            count++;
            gifClock?.retime(packet);
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
      for (const track of info.streams) {
        const counted = track.type === 'video' ? others.get(track.index) : undefined;
        if (track.type === 'video' && counted !== undefined) {
          track.frames = counted;
          track.frameCountSource = 'counted';
        }
      }
      const sorted = timestamps.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      video.variableFrameRate = isVariable(sorted, stream.timeBase, info.container);
      const span = framesSpan(count, sorted, end);
      // GIF, WebP and APNG declare no rate: FFmpeg's is a guess from the first delays (100/3
      // for a 30 fps GIF of 3, 3, 4 hundredths), never kept over the count.
      const declared = info.container in DELAY_CLOCKS ? undefined : video.avgFrameRate;
      const measured = span && averageRate(count, span, stream.timeBase, declared);
      if (measured) video.avgFrameRate = measured;
      const cut = end === undefined ? undefined : cutShort(file, info, stream.timeBase, stream.startTime, end);
      if (cut) warnings.push(cut);
      if (span && video.duration === undefined && stream.timeBase.den > 0) {
        // An APNG or a WebP declares no duration: it is the time the frames cover.
        video.duration = (Number(span.until - span.first) * stream.timeBase.num) / stream.timeBase.den;
        if (info.duration === undefined && info.audio.length === 0) info.duration = video.duration;
      }
      // The header counts the samples an edit list cuts off too.
      if (video.headerFrames !== undefined && video.headerFrames !== count + discarded) {
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
 * header's exact fraction is kept. `frames` is their span (framesSpan).
 */
function averageRate(count: number, frames: { first: bigint; until: bigint }, timeBase: { num: number; den: number }, declared: Fraction | undefined): Fraction | undefined {
  if (timeBase.num <= 0 || timeBase.den <= 0) return undefined;
  const span = Number(frames.until - frames.first);
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
