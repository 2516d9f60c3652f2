import { Codec, CodecContext, Frame, Packet } from 'node-av/lib';
import type { FormatContext, Stream } from 'node-av/lib';
import {
  AV_FRAME_FLAG_CORRUPT,
  AV_NOPTS_VALUE,
  AV_PKT_FLAG_KEY,
  AVDISCARD_ALL,
  AVFMT_NO_BYTE_SEEK,
  AVFMT_TS_DISCONT,
  AVSEEK_FLAG_BACKWARD,
  AVSEEK_FLAG_BYTE,
} from 'node-av/constants';

import { FlipbookError } from '../errors.js';
import type { MediaInputOptions } from '../options/input-options.js';
import type { Fraction } from '../options/values.js';
import { type Upright, shownFilters } from './display-matrix.js';
import { type MediaInfo, type VideoTrackInfo, decoderFor, describeMedia, displayMatrixOf, mainVideoStream, noVideoError, openMedia } from './media-input.js';
import { GifClock, isGifStream } from './gif-timing.js';
import { Picture } from './picture.js';
import { EAGAIN, EOF, check, ffmpegMessage } from './runtime.js';

/**
 * Where the header says the video's frames end (seconds from the start of the stream): the
 * stream's duration (or Matroska's per-track DURATION tag), or the file's duration when the
 * video is its only stream (an audio track may run longer than the video).
 */
function declaredEnd(format: FormatContext, video: VideoTrackInfo): number | undefined {
  if (video.duration !== undefined) return video.duration;
  if (format.streams.length === 1 && format.duration > 0n) return Number(format.duration) / 1e6;
  return undefined;
}

/** One decoded frame, as stored (before rotation, scaling or conversion). */
export interface SourceFrame {
  /** Owned by the receiver: release() it. */
  picture: Picture;
  /** Presentation timestamp in ticks of the stream's time base. */
  pts: number;
  /** Seconds from the start of the stream. */
  time: number;
  /** Seconds this frame is shown, when the stream says (undefined otherwise). */
  duration: number | undefined;
  keyframe: boolean;
}

/** Damage met while reading: the frames before it are kept, and these counts say what was lost. */
export interface DamageReport {
  /** Packets the decoder rejected. */
  packets: number;
  /** Frames the decoder flagged as corrupt (dropped). */
  frames: number;
  /** The error that stopped reading before the end of the file, if any. */
  readError: string | undefined;
  /**
   * Seconds: where the video's frames ended when it was read to the end, and where its
   * header says they end. A file cut short (a truncated Matroska, say) ends early without
   * any read error; this shows it.
   */
  endedAt: number | undefined;
  declaredEnd: number | undefined;
}

export interface DecodeOptions {
  /** Seconds from the start of the stream: seek to the keyframe at or before it first. */
  from?: number;
  /** Decode keyframes only (the other packets are not even sent to the decoder). */
  keyframesOnly?: boolean;
}

/**
 * A video file opened for decoding its main video stream. The other streams are discarded at
 * the demuxer, so a broken audio track cannot fail a video read.
 */
export class VideoSource {
  readonly file: string;
  readonly info: MediaInfo;
  readonly video: VideoTrackInfo;
  /** Filters that show the frames as a player does: square pixels (from the sample aspect ratio), upright (from the display matrix). */
  readonly upright: Upright;
  readonly damage: DamageReport = { packets: 0, frames: 0, readError: undefined, endedAt: undefined, declaredEnd: undefined };
  private readonly format: FormatContext;
  private readonly stream: Stream;
  private readonly origin: bigint;
  /** A GIF: its packets are retimed as browsers show them (gif-timing.ts), from its first frame. */
  private readonly gif: boolean;
  private decoding = false;
  private used = false;
  private closed = false;
  /** Opened with `allowPlaylists` (a second open of the same file needs it too). */
  readonly allowPlaylists: boolean;

  private constructor(file: string, format: FormatContext, stream: Stream, info: MediaInfo, video: VideoTrackInfo, allowPlaylists: boolean) {
    this.file = file;
    this.allowPlaylists = allowPlaylists;
    this.format = format;
    this.stream = stream;
    this.info = info;
    this.video = video;
    this.upright = shownFilters(displayMatrixOf(stream), video.width, video.height, video.sampleAspectRatio);
    this.origin = stream.startTime === AV_NOPTS_VALUE ? 0n : stream.startTime;
    this.gif = isGifStream(format, stream);
    this.damage.declaredEnd = declaredEnd(format, video);
  }

  /** `allowPlaylists`: a concat script or a playlist may be read (local files only). */
  static async open(file: string, open: MediaInputOptions = {}): Promise<VideoSource> {
    const { format, size, gif } = await openMedia(file, open);
    try {
      const info = describeMedia(file, format, size, gif);
      const stream = mainVideoStream(format);
      const video = info.video;
      if (!stream || !video) throw noVideoError(file, info.streams);
      if (!Codec.findDecoder(stream.codecpar.codecId)) {
        throw new FlipbookError('INVALID_INPUT', `${file}: its video codec (${video.codec}) has no decoder in this FFmpeg build`, { file });
      }
      if (video.width <= 0 || video.height <= 0) {
        throw new FlipbookError('INVALID_INPUT', `${file} is damaged: its video stream has no picture size`, { file, hint: 'Replace the file' });
      }
      for (const other of format.streams) if (other.index !== stream.index) other.discard = AVDISCARD_ALL;
      return new VideoSource(file, format, stream, info, video, open.allowPlaylists === true);
    } catch (error) {
      await format.closeInput();
      throw error;
    }
  }

  get timeBase(): Fraction {
    return { num: this.stream.timeBase.num, den: this.stream.timeBase.den };
  }

  /** Seconds to stream ticks, from the start of the stream. */
  ticksAt(seconds: number): bigint {
    const tb = this.stream.timeBase;
    return this.origin + BigInt(Math.floor((seconds * tb.den) / tb.num));
  }

  /** Stream ticks to seconds from the start of the stream. */
  timeOf(pts: bigint): number {
    const tb = this.stream.timeBase;
    return (Number(pts - this.origin) * tb.num) / tb.den;
  }

  /**
   * Decodes frames in presentation order. With `from`, seeks to the keyframe at or before it
   * (and further back if the seek overshoots), so the first frames may be earlier than `from`:
   * the caller trims. One decode at a time per source.
   */
  async *decode(options: DecodeOptions = {}): AsyncGenerator<SourceFrame> {
    if (this.closed) throw new FlipbookError('ENGINE', `${this.file} is closed`, { file: this.file });
    if (this.decoding) throw new FlipbookError('ENGINE', `${this.file} is already being decoded`, { file: this.file });
    this.decoding = true;
    const fresh = !this.used;
    this.used = true;
    try {
      const from = options.from ?? 0;
      if (from <= 0) {
        // A fresh source is at its start already (and some streams cannot seek at all).
        if (!fresh) await this.rewind();
        yield* this.run(options);
        return;
      }
      // Seek, and check that a frame decodes and the first is not after `from`; else step back.
      // An index can overshoot, and MPEG-TS (or MPEG-PS) has none: FFmpeg's search over it
      // takes every packet for a keyframe (mpegts_get_dts: "FIXME keyframe?"), so the seek
      // lands on a P- or B-frame as often as not. The decoder then shows nothing until the next
      // keyframe: later than `from` (MPEG-2, a keyframe every 12 frames), or never, when the
      // file has no keyframe after that point (x264's default interval is 250 frames: a 4 s
      // clip has one, its first frame). Nothing decoded used to be taken for the end of the file.
      for (let back = 0; ; back = back === 0 ? 1 : back * 4) {
        if (back >= from) {
          if (fresh) await this.seekToStart();
          else await this.rewind();
          yield* this.run(options);
          return;
        }
        if (!(await this.seekTo(this.ticksAt(from - back)))) continue;
        // What an attempt that is given up meets is met again by the next one: counted once.
        const damage = { ...this.damage };
        const frames = this.run(options);
        let first: IteratorResult<SourceFrame>;
        try {
          first = await frames.next();
        } catch (error) {
          await frames.return(undefined);
          throw error;
        }
        if (!first.done && first.value.time <= from + 1e-9) {
          yield first.value;
          yield* frames;
          return;
        }
        if (!first.done) first.value.picture.release();
        await frames.return(undefined);
        Object.assign(this.damage, damage);
      }
    } finally {
      this.decoding = false;
    }
  }

  private async rewind(): Promise<void> {
    if (!(await this.seekToStart())) {
      throw new FlipbookError('ENGINE', `Cannot seek back to the start of ${this.file}`, { file: this.file, hint: 'Read it in one pass' });
    }
  }

  /**
   * Back to the first packet. A seek to the first frame's time lands on the last packet whose
   * DTS is at or before it, and in MPEG-TS that is not the first packet when the first frame's
   * DTS is before its PTS (the start time): by one frame (FFmpeg's MPEG-2) or two (x264 with
   * B-frames), so the seek lands on the 2nd or 3rd packet, past the keyframe, and the first 12
   * frames (MPEG-2) or all of them (H.264, one keyframe in 250 frames) never decode. Such
   * formats (timestamps that may jump, byte seeking allowed) go back by bytes, as ffplay seeks
   * them; Ogg is left out, as ffplay leaves it. MP4 and Matroska seek by time, as before.
   */
  private async seekToStart(): Promise<boolean> {
    const flags = this.format.iformat?.flags ?? 0;
    const byBytes = (flags & (AVFMT_TS_DISCONT as number)) !== 0 && (flags & (AVFMT_NO_BYTE_SEEK as number)) === 0 && this.format.iformat?.name !== 'ogg';
    if (byBytes && (await this.format.seekFrame(-1, 0n, AVSEEK_FLAG_BYTE)) >= 0) return true;
    return this.seekTo(this.origin);
  }

  private async seekTo(ts: bigint): Promise<boolean> {
    // A GIF's one keyframe is its first frame, so any seek lands there; and its frames are
    // timed from there on (GifClock), which a seek by FFmpeg's timestamps would not match.
    const ret = await this.format.seekFrame(this.stream.index, this.gif ? this.origin : ts, AVSEEK_FLAG_BACKWARD);
    return ret >= 0;
  }

  private async *run(options: DecodeOptions): AsyncGenerator<SourceFrame> {
    const par = this.stream.codecpar;
    const codec = decoderFor(this.stream);
    if (!codec) throw new FlipbookError('ENGINE', `No decoder for ${this.video.codec}`, { file: this.file });
    const ctx = new CodecContext();
    ctx.allocContext3(codec);
    const packet = new Packet();
    packet.alloc();
    let frame: Frame | undefined;
    const tb = this.stream.timeBase;
    let lastPts: bigint | undefined;
    let lastDuration = 0n;
    let endedAt = 0;
    // Every run starts at the first frame of a GIF (seekTo).
    const gifClock = this.gif ? new GifClock() : undefined;
    try {
      check(ctx.parametersToContext(par), 'set up the decoder for', { file: this.file });
      ctx.pktTimebase = tb;
      // As the ffmpeg command line does: one decoding thread per core (frame threads).
      ctx.threadCount = 0;
      check(await ctx.open2(codec, null), 'open the decoder for', { file: this.file });

      const receive = async function* (this: VideoSource): AsyncGenerator<SourceFrame> {
        for (;;) {
          frame ??= new Frame();
          frame.alloc();
          const ret = await ctx.receiveFrame(frame);
          if (ret === EAGAIN || ret === EOF) return;
          if (ret < 0) {
            this.damage.packets++;
            return;
          }
          if ((frame.flags & (AV_FRAME_FLAG_CORRUPT as number)) !== 0 || frame.decodeErrorFlags !== 0) {
            this.damage.frames++;
            frame.unref();
            continue;
          }
          let pts = frame.bestEffortTimestamp;
          if (pts === AV_NOPTS_VALUE) pts = frame.pts !== AV_NOPTS_VALUE ? frame.pts : lastPts === undefined ? this.origin : lastPts + (lastDuration || 1n);
          const duration = frame.duration > 0n ? frame.duration : 0n;
          lastPts = pts;
          lastDuration = duration;
          endedAt = Math.max(endedAt, this.timeOf(pts + duration));
          const out: SourceFrame = {
            picture: new Picture(frame),
            pts: Number(pts),
            time: this.timeOf(pts),
            duration: duration > 0n ? (Number(duration) * tb.num) / tb.den : undefined,
            keyframe: frame.keyFrame !== 0,
          };
          frame = undefined;
          yield out;
        }
      }.bind(this);

      for (;;) {
        const ret = await this.format.readFrame(packet);
        if (ret === EOF) break;
        if (ret < 0) {
          // A damaged tail: keep what was read, say why it stopped.
          this.damage.readError = ffmpegMessage(ret);
          break;
        }
        if (packet.streamIndex !== this.stream.index) {
          packet.unref();
          continue;
        }
        // Every frame of a GIF counts on its clock, the ones skipped too.
        gifClock?.retime(packet);
        if (options.keyframesOnly && (packet.flags & (AV_PKT_FLAG_KEY as number)) === 0) {
          // Not decoded, but its frame is there: the stream reaches its end, so the frames
          // after the last keyframe are no missing tail (a false "cut short" warning otherwise).
          if (packet.pts !== AV_NOPTS_VALUE) endedAt = Math.max(endedAt, this.timeOf(packet.pts + (packet.duration > 0n ? packet.duration : 0n)));
          packet.unref();
          continue;
        }
        const sent = await ctx.sendPacket(packet);
        packet.unref();
        if (sent < 0 && sent !== EAGAIN) this.damage.packets++;
        yield* receive();
      }
      await ctx.sendPacket(null);
      yield* receive();
      this.damage.endedAt = endedAt;
    } finally {
      frame?.free();
      packet.free();
      ctx.freeContext();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.format.closeInput();
  }
}
