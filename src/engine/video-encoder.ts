import { Codec, CodecContext, Dictionary, FormatContext, Packet, Rational } from 'node-av/lib';
import type { Stream } from 'node-av/lib';
import {
  AV_CODEC_FLAG_GLOBAL_HEADER,
  AV_PIX_FMT_YUV420P,
  AVCOL_PRI_BT709,
  AVCOL_RANGE_MPEG,
  AVCOL_SPC_BT709,
  AVCOL_TRC_BT709,
  AVFMT_GLOBALHEADER,
  AV_PICTURE_TYPE_NONE,
} from 'node-av/constants';
import { FF_ENCODER_LIBVPX_VP9, FF_ENCODER_LIBX264, type FFEncoderCodec } from 'node-av/constants';

import { FlipbookError } from '../errors.js';
import type { Fraction } from '../options/values.js';
import type { Picture } from './picture.js';
import { EAGAIN, EOF, check, ffmpegMessage } from './runtime.js';

export type VideoCodec = 'h264' | 'vp9';
export type Container = 'mp4' | 'mov' | 'matroska' | 'webm';

export interface EncodeSpec {
  /** Where the muxer writes (the temporary file). */
  file: string;
  container: Container;
  codec: VideoCodec;
  width: number;
  height: number;
  /** Ticks of this size count the timestamps: 1/fps. */
  timeBase: Fraction;
  frameRate: Fraction;
  crf?: number | undefined;
  preset: string;
  /** Bits per second; replaces constant quality. */
  bitrate?: number | undefined;
  /**
   * H.264 B-frames (default on). Off for pictures of unequal durations: MP4 adds its track up
   * from decode times, which B-frames then leave short of the last picture's end.
   */
  bFrames?: boolean | undefined;
  /** MP4 and MOV: move the index to the front so playback starts before the download ends. */
  faststart: boolean;
}

interface CodecRecipe {
  encoder: FFEncoderCodec;
  profileName: string;
  options(spec: EncodeSpec): Record<string, string>;
}

/** libvpx-vp9 speed (cpu-used, 0 best to 5 fastest with deadline=good) per x264-style preset. */
const VP9_SPEED: Readonly<Record<string, number>> = {
  ultrafast: 5,
  superfast: 5,
  veryfast: 5,
  faster: 4,
  fast: 4,
  medium: 3,
  slow: 2,
  slower: 1,
  veryslow: 0,
  placebo: 0,
};

export const X264_PRESETS = Object.keys(VP9_SPEED);

/** The defaults per codec. crf 23 is x264's own; VP9 at crf 32 looks alike at a similar size. */
export const DEFAULT_CRF: Readonly<Record<VideoCodec, number>> = { h264: 23, vp9: 32 };

const RECIPES: Record<VideoCodec, CodecRecipe> = {
  h264: {
    encoder: FF_ENCODER_LIBX264,
    profileName: 'High',
    options: (spec) => ({
      preset: spec.preset,
      profile: 'high',
      // ultrafast turns off every High tool and x264 then writes Constrained Baseline, whatever
      // the profile asked; the 8x8 transform keeps the stream High, as the plan and result say.
      '8x8dct': '1',
      ...(spec.bitrate ? {} : { crf: String(spec.crf ?? DEFAULT_CRF.h264) }),
      ...(spec.bFrames === false ? { bf: '0' } : {}),
    }),
  },
  vp9: {
    encoder: FF_ENCODER_LIBVPX_VP9,
    profileName: 'Profile 0',
    options: (spec) => ({
      deadline: 'good',
      'cpu-used': String(VP9_SPEED[spec.preset] ?? 3),
      'row-mt': '1',
      ...(spec.bitrate ? {} : { crf: String(spec.crf ?? DEFAULT_CRF.vp9), b: '0' }),
    }),
  },
};

export function codecProfileName(codec: VideoCodec): string {
  return RECIPES[codec].profileName;
}

/**
 * Encode and mux: pictures in (already in the output size and pixel format), a file out.
 * Each picture has its own timestamp and duration in ticks of the time base, so a still held
 * for two seconds is one encoded frame, not fifty.
 */
export class VideoEncoder {
  private readonly spec: EncodeSpec;
  private readonly ctx: CodecContext;
  private readonly format: FormatContext;
  private readonly stream: Stream;
  private readonly packet = new Packet();
  private readonly durations = new Map<bigint, bigint>();
  private opened = false;
  private closed = false;
  private written = 0;

  private constructor(spec: EncodeSpec, ctx: CodecContext, format: FormatContext, stream: Stream) {
    this.spec = spec;
    this.ctx = ctx;
    this.format = format;
    this.stream = stream;
    this.packet.alloc();
  }

  static async open(spec: EncodeSpec): Promise<VideoEncoder> {
    const recipe = RECIPES[spec.codec];
    const codec = Codec.findEncoderByName(recipe.encoder);
    if (!codec) throw new FlipbookError('UNSUPPORTED_OUTPUT', `This FFmpeg build has no ${recipe.encoder} encoder`);
    const ctx = new CodecContext();
    ctx.allocContext3(codec);
    ctx.width = spec.width;
    ctx.height = spec.height;
    ctx.pixelFormat = AV_PIX_FMT_YUV420P;
    ctx.timeBase = new Rational(spec.timeBase.num, spec.timeBase.den);
    ctx.framerate = new Rational(spec.frameRate.num, spec.frameRate.den);
    ctx.sampleAspectRatio = new Rational(1, 1);
    ctx.colorSpace = AVCOL_SPC_BT709;
    ctx.colorPrimaries = AVCOL_PRI_BT709;
    ctx.colorTrc = AVCOL_TRC_BT709;
    ctx.colorRange = AVCOL_RANGE_MPEG;
    if (spec.bitrate) ctx.bitRate = BigInt(spec.bitrate);
    const format = new FormatContext();
    let encoder: VideoEncoder | undefined;
    try {
      check(format.allocOutputContext2(null, spec.container, spec.file), `set up a ${spec.container} file`);
      if ((format.oformat?.flags ?? 0) & AVFMT_GLOBALHEADER) ctx.setFlags(AV_CODEC_FLAG_GLOBAL_HEADER);
      const ret = await ctx.open2(codec, Dictionary.fromObject(recipe.options(spec)));
      if (ret < 0) {
        throw new FlipbookError('ENGINE', `Cannot open the ${recipe.encoder} encoder for ${spec.width}x${spec.height}: ${ffmpegMessage(ret)}`, {
          hint: 'Check --preset, --crf and --bitrate',
        });
      }
      const stream = format.newStream(null);
      check(stream.codecpar.fromContext(ctx), 'copy the encoder parameters');
      stream.timeBase = ctx.timeBase;
      stream.avgFrameRate = ctx.framerate;
      encoder = new VideoEncoder(spec, ctx, format, stream);
      check(await format.openOutput(), 'create the output file', { file: spec.file, code: 'IO' });
      encoder.opened = true;
      const muxerOptions = spec.faststart ? Dictionary.fromObject({ movflags: '+faststart' }) : null;
      check(await format.writeHeader(muxerOptions), 'write the file header', { file: spec.file, code: 'IO' });
      return encoder;
    } catch (error) {
      if (encoder) await encoder.close();
      else {
        ctx.freeContext();
        format.freeContext();
      }
      throw error;
    }
  }

  /** Encodes one picture shown from `pts` for `duration` ticks. Does not take ownership. */
  async write(picture: Picture, pts: number, duration: number): Promise<void> {
    const { frame } = picture;
    frame.pts = BigInt(pts);
    frame.duration = BigInt(duration);
    // A decoded image comes tagged as an I picture, and libx264 and libvpx take a tagged type
    // as an order: every frame would be a keyframe (all-intra, ~1.7x the bytes at the same
    // crf). Leave the choice to the encoder's GOP and scene-cut logic, as the ffmpeg CLI does.
    frame.pictType = AV_PICTURE_TYPE_NONE;
    this.durations.set(frame.pts, frame.duration);
    check(await this.ctx.sendFrame(frame), 'encode a frame');
    await this.drain();
  }

  /** Flushes the encoder and writes the file's index. */
  async finish(): Promise<{ frames: number }> {
    check(await this.ctx.sendFrame(null), 'flush the encoder');
    await this.drain();
    check(await this.format.writeTrailer(), 'finish the file', { file: this.spec.file, code: 'IO' });
    await this.close();
    return { frames: this.written };
  }

  /** Releases everything; safe to call twice and after a failure. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.opened) await this.format.closeOutput();
    this.format.freeContext();
    this.ctx.freeContext();
    this.packet.free();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const ret = await this.ctx.receivePacket(this.packet);
      if (ret === EAGAIN || ret === EOF) return;
      check(ret, 'encode a frame');
      const duration = this.durations.get(this.packet.pts);
      this.durations.delete(this.packet.pts);
      if (duration !== undefined) this.packet.duration = duration;
      this.packet.streamIndex = this.stream.index;
      this.packet.rescaleTs(this.ctx.timeBase, this.stream.timeBase);
      this.written++;
      check(await this.format.interleavedWriteFrame(this.packet), 'write a frame', { file: this.spec.file, code: 'IO' });
    }
  }
}
