import { Codec, CodecContext, Dictionary, FormatContext, Packet, Rational } from 'node-av/lib';
import type { Stream } from 'node-av/lib';
import {
  AV_CODEC_FLAG_GLOBAL_HEADER,
  AVCOL_PRI_BT709,
  AVCOL_RANGE_MPEG,
  AVCOL_SPC_BT709,
  AVCOL_TRC_BT709,
  AVFMT_GLOBALHEADER,
  AV_PICTURE_TYPE_NONE,
} from 'node-av/constants';
import { avGetPixFmtFromName, avGetPixFmtName } from 'node-av/lib';
import type { FFEncoderCodec } from 'node-av/constants';

import { FlipbookError, text, opt } from '../errors.js';
import type { Fraction } from '../options/values.js';
import { AudioTrack, type AudioResult, type AudioSpec } from './audio-track.js';
import { type CodecRecipe, type Quality, type VideoCodec, RECIPES, codecPixelFormat, encoderCrf } from './codecs.js';
import { localFileUrl } from './local-file.js';
import type { Picture } from './picture.js';
import { EAGAIN, EOF, check, ffmpegMessage } from './runtime.js';

/** nut: a parallel run's segments (exact time base, no index to write at the end). */
export type Container = 'mp4' | 'mov' | 'matroska' | 'webm' | 'nut';

export interface EncodeSpec {
  /** Where the muxer writes (the temporary file). */
  file: string;
  /** The input whose size the frames have (the first image), named when the encoder refuses the size. */
  sizeFrom?: string | undefined;
  /** The output as the user named it, for errors (default: file). */
  name?: string;
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
  /** Settings from one knob, mapped per codec (see codecs.ts); crf, given, wins. */
  quality?: Quality | undefined;
  /** Encode an alpha channel (the codec's alpha pixel format). */
  alpha?: boolean | undefined;
  /** `none` (default), `auto` (the first hardware encoder that opens, else software) or an encoder's name. */
  hwaccel?: string | undefined;
  /** A music track muxed beside the video, interleaved as the pictures are written. */
  audio?: AudioSpec | undefined;
  /**
   * Encoder threads (default: as many as the machine has, FFmpeg's auto). A segment worker of a
   * parallel run asks for its share of the cores (SVT-AV1: its level of parallelism, `lp`).
   */
  threads?: number | undefined;
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
  private audio: AudioTrack | undefined;
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

  /** The encoder in use (libx264, h264_nvenc, ...). */
  encoderName = '';
  /** The pixel format pictures must come in. */
  pixelFormat = '';
  /** What the caller should hear about: a hardware encoder that did not open, and the fallback. */
  readonly notices: string[] = [];

  static async open(spec: EncodeSpec): Promise<VideoEncoder> {
    const recipe = RECIPES[spec.codec];
    const format = new FormatContext();
    let ctx: CodecContext | undefined;
    let encoder: VideoEncoder | undefined;
    try {
      check(format.allocOutputContext2(null, spec.container, localFileUrl(spec.file)), `set up a ${spec.container} file`);
      const opened = await openCodec(spec, recipe, ((format.oformat?.flags ?? 0) & AVFMT_GLOBALHEADER) !== 0);
      ctx = opened.ctx;
      const stream = format.newStream(null);
      check(stream.codecpar.fromContext(ctx), 'copy the encoder parameters');
      // MP4 and MOV: hvc1 (parameter sets in the sample entry), which Apple players require.
      if (recipe.tag && (spec.container === 'mp4' || spec.container === 'mov')) stream.codecpar.codecTag = recipe.tag;
      stream.timeBase = ctx.timeBase;
      stream.avgFrameRate = ctx.framerate;
      encoder = new VideoEncoder(spec, ctx, format, stream);
      encoder.encoderName = opened.name;
      encoder.pixelFormat = opened.pixelFormat;
      encoder.notices.push(...opened.notices);
      if (spec.audio) encoder.audio = await AudioTrack.open(spec.audio, format);
      check(await format.openOutput(), 'create the output file', { file: spec.name ?? spec.file, code: 'IO' });
      encoder.opened = true;
      const muxerOptions = spec.faststart ? Dictionary.fromObject({ movflags: '+faststart' }) : null;
      check(await format.writeHeader(muxerOptions), 'write the file header', { file: spec.name ?? spec.file, code: 'IO' });
      return encoder;
    } catch (error) {
      if (encoder) await encoder.close();
      else {
        ctx?.freeContext();
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
    // The music follows the pictures, so the muxer interleaves the two as they come.
    await this.audio?.pump(((pts + duration) * this.spec.timeBase.num) / this.spec.timeBase.den);
  }

  /** Flushes the encoder and writes the file's index; `audioEnd` (seconds) ends music whose spec has no end. */
  async finish(audioEnd?: number): Promise<{ frames: number; audio?: AudioResult }> {
    check(await this.ctx.sendFrame(null), 'flush the encoder');
    await this.drain();
    const audio = await this.audio?.finish(audioEnd);
    check(await this.format.writeTrailer(), 'finish the file', { file: this.spec.name ?? this.spec.file, code: 'IO' });
    await this.close();
    return { frames: this.written, ...(audio ? { audio } : {}) };
  }

  /** Releases everything; safe to call twice and after a failure. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.audio?.close();
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
      check(await this.format.interleavedWriteFrame(this.packet), 'write a frame', { file: this.spec.name ?? this.spec.file, code: 'IO' });
    }
  }
}

interface OpenedCodec {
  ctx: CodecContext;
  name: string;
  pixelFormat: string;
  notices: string[];
}

/** Hardware encoders' constant-quality settings, from the software crf. */
function hardwareOptions(name: string, crf: number | undefined): Record<string, string> {
  if (crf === undefined) return {};
  // Their scales take whole numbers (QSV's global_quality, AMF's and VAAPI's qp); crf may be 18.5.
  const q = String(Math.round(crf));
  if (name.endsWith('_nvenc')) return { rc: 'vbr', cq: q };
  if (name.endsWith('_qsv')) return { global_quality: q };
  if (name.endsWith('_amf')) return { rc: 'cqp', qp_i: q, qp_p: q };
  return { qp: q };
}

/**
 * Opens the encoder: with hwaccel auto, the first of the recipe's hardware encoders that
 * opens (an encoder listed in the build opens only with its driver and device present), else
 * the software one with a notice; with a name, that encoder or an error.
 */
async function openCodec(spec: EncodeSpec, recipe: CodecRecipe, globalHeader: boolean): Promise<OpenedCodec> {
  // SVT-AV1 logs its banner and warnings to stderr itself, past FFmpeg's silenced log; its
  // SVT_LOG variable (read when an encoder starts) keeps it to errors unless the user set it.
  if (spec.codec === 'av1') process.env.SVT_LOG ??= '1';
  const hwaccel = spec.hwaccel ?? 'none';
  const notices: string[] = [];
  const crf = encoderCrf(spec.codec, { crf: spec.crf, quality: spec.quality, bitrate: spec.bitrate });
  const input = { preset: spec.preset, crf, bitrate: spec.bitrate, quality: spec.quality, alpha: spec.alpha === true, bFrames: spec.bFrames };
  const software = recipe.encoder as string;
  let candidates: string[] = [];
  if (hwaccel === 'auto') {
    // x264's crf below 1 is lossless too: a hardware encoder given cq 0 would not be.
    const lossless = spec.quality === 'lossless' || (spec.codec === 'h264' && crf !== undefined && crf < 1);
    const why = spec.alpha ? 'alpha' : lossless ? 'lossless' : undefined;
    if (why) notices.push(`hwaccel auto: no hardware encoder writes ${spec.codec} with ${why}; encoding with ${software}`);
    else candidates = [...recipe.hardware];
  } else if (hwaccel !== 'none' && hwaccel !== software) {
    candidates = [hwaccel];
  }
  const failures: string[] = [];
  for (const name of [...candidates, software]) {
    const hardware = name !== software;
    const codec = Codec.findEncoderByName(name as FFEncoderCodec);
    if (!codec) {
      if (hardware) {
        failures.push(`${name}: not in this FFmpeg build`);
        continue;
      }
      throw new FlipbookError('UNSUPPORTED_OUTPUT', `This FFmpeg build has no ${name} encoder`);
    }
    const formats = codec.pixelFormats?.map((f) => avGetPixFmtName(f)) ?? [];
    const wanted = codecPixelFormat(spec.codec, spec.alpha === true);
    // Hardware encoders take yuv420p or nv12 from system memory (a VAAPI one needs frames on
    // its device and so fails to open here: it falls back like a missing driver).
    const pixelFormat = !hardware || formats.includes(wanted) ? wanted : formats.includes('nv12') ? 'nv12' : wanted;
    const ctx = new CodecContext();
    ctx.allocContext3(codec);
    ctx.width = spec.width;
    ctx.height = spec.height;
    ctx.pixelFormat = avGetPixFmtFromName(pixelFormat);
    ctx.timeBase = new Rational(spec.timeBase.num, spec.timeBase.den);
    ctx.framerate = new Rational(spec.frameRate.num, spec.frameRate.den);
    ctx.sampleAspectRatio = new Rational(1, 1);
    ctx.colorSpace = AVCOL_SPC_BT709;
    ctx.colorPrimaries = AVCOL_PRI_BT709;
    ctx.colorTrc = AVCOL_TRC_BT709;
    ctx.colorRange = AVCOL_RANGE_MPEG;
    if (spec.bitrate) ctx.bitRate = BigInt(spec.bitrate);
    if (globalHeader) ctx.setFlags(AV_CODEC_FLAG_GLOBAL_HEADER);
    // Threads auto, as the ffmpeg CLI sets for every encoder: libx264 defaults to it already,
    // libvpx-vp9 would otherwise run on one thread (row-mt then buys nothing).
    ctx.threadCount = spec.threads ?? 0;
    const options = hardware ? hardwareOptions(name, crf) : withThreads(name, recipe.options(input), spec.threads);
    const ret = await ctx.open2(codec, Dictionary.fromObject(options));
    if (ret >= 0) {
      if (hardware || failures.length === 0) return { ctx, name, pixelFormat, notices };
      notices.push(`No hardware encoder worked (${failures.join('; ')}); encoding with ${software} instead`);
      return { ctx, name, pixelFormat, notices };
    }
    ctx.freeContext();
    if (!hardware) {
      const from = spec.sizeFrom === undefined ? '' : ` (the size of ${spec.sizeFrom}, the first image, unless size was given)`;
      throw new FlipbookError('ENGINE', `Cannot open the ${name} encoder for ${spec.width}x${spec.height}${from}: ${ffmpegMessage(ret)}`, {
        ...(spec.sizeFrom === undefined ? {} : { file: spec.sizeFrom }),
        hint: text`A frame this large may be past the encoder's limits or the memory there is: set a smaller ${opt('size')} (or ${opt('width')}, ${opt('height')}); else check ${opt('preset')}, ${opt('crf')} and ${opt('bitrate')}`,
      });
    }
    failures.push(`${name}: ${ffmpegMessage(ret)}`);
    if (hwaccel !== 'auto') {
      throw new FlipbookError('ENGINE', `The hardware encoder ${name} did not open: ${ffmpegMessage(ret)}`, {
        option: 'hwaccel',
        hint: text`Its driver or device is missing here. Pass ${opt('hwaccel', 'auto')} to fall back to software when no hardware encoder works, or ${opt('hwaccel', 'none')}`,
      });
    }
  }
  throw new FlipbookError('ENGINE', `No encoder for ${spec.codec} opened`);
}

/** An encoder's options with a thread count where the encoder does not take the codec context's (SVT-AV1: `lp` in svtav1-params). */
function withThreads(encoder: string, options: Record<string, string>, threads: number | undefined): Record<string, string> {
  if (threads === undefined || encoder !== 'libsvtav1') return options;
  const params = [options['svtav1-params'], `lp=${threads}`].filter(Boolean).join(':');
  return { ...options, 'svtav1-params': params };
}
