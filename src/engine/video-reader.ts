import { Codec, CodecContext, FormatContext, Frame, Packet, avGetPixFmtName } from 'node-av/lib';
import type { Stream } from 'node-av/lib';
import { AVMEDIA_TYPE_VIDEO, AV_PIX_FMT_GRAY8, AV_PIX_FMT_RGB24, AV_PIX_FMT_RGBA } from 'node-av/constants';

import { FlipbookError } from '../errors.js';
import type { Fraction } from '../options/values.js';
import { SimpleGraph } from './filter-graph.js';
import type { RawPixelFormat } from './picture.js';
import { EAGAIN, EOF, check, ffmpegMessage } from './runtime.js';

/** H.273 code points, as FFmpeg names them. */
const SPACES: Record<number, string> = { 0: 'gbr', 1: 'bt709', 2: 'unknown', 4: 'fcc', 5: 'bt470bg', 6: 'smpte170m', 7: 'smpte240m', 8: 'ycgco', 9: 'bt2020nc', 10: 'bt2020c' };
const PRIMARIES: Record<number, string> = { 1: 'bt709', 2: 'unknown', 4: 'bt470m', 5: 'bt470bg', 6: 'smpte170m', 7: 'smpte240m', 8: 'film', 9: 'bt2020' };
const TRANSFERS: Record<number, string> = { 1: 'bt709', 2: 'unknown', 4: 'gamma22', 5: 'gamma28', 6: 'smpte170m', 7: 'smpte240m', 8: 'linear', 13: 'iec61966-2-1', 14: 'bt2020-10', 16: 'smpte2084', 18: 'arib-std-b67' };
const RANGES: Record<number, string> = { 0: 'unknown', 1: 'tv', 2: 'pc' };

export interface VideoStreamInfo {
  index: number;
  codec: string;
  profile: string | undefined;
  pixelFormat: string;
  width: number;
  height: number;
  timeBase: Fraction;
  avgFrameRate: Fraction;
  frameRate: Fraction;
  /** Seconds, from the stream header (undefined if it has none). */
  duration: number | undefined;
  /** Frame count from the header (undefined if it has none). */
  frames: number | undefined;
  colorSpace: string;
  colorPrimaries: string;
  colorTransfer: string;
  colorRange: string;
}

export interface DecodedVideoFrame {
  index: number;
  /** Seconds from the start of the stream. */
  time: number;
  pts: number;
  width: number;
  height: number;
  format: RawPixelFormat;
  data: Uint8Array;
  keyframe: boolean;
}

const OUT_FORMATS = { rgb: AV_PIX_FMT_RGB24, rgba: AV_PIX_FMT_RGBA, gray: AV_PIX_FMT_GRAY8 } as const;

function fraction(r: { num: number; den: number }): Fraction {
  return { num: r.num, den: r.den };
}

/**
 * Opens a media file and reads its (first) video stream. Used by the tests to check what
 * stitch wrote, and by the frame-reading side of flipbook.
 */
export class VideoReader {
  readonly file: string;
  readonly container: string;
  /** Seconds, from the container (undefined if unknown). */
  readonly duration: number | undefined;
  readonly video: VideoStreamInfo;
  private readonly format: FormatContext;
  private readonly stream: Stream;

  private constructor(file: string, format: FormatContext, stream: Stream) {
    this.file = file;
    this.format = format;
    this.stream = stream;
    this.container = format.iformat?.name ?? 'unknown';
    this.duration = format.duration > 0n ? Number(format.duration) / 1e6 : undefined;
    const par = stream.codecpar;
    const codec = Codec.findDecoder(par.codecId);
    const tb = stream.timeBase;
    this.video = {
      index: stream.index,
      codec: codec?.name ?? 'unknown',
      profile: codec?.profiles?.find((p) => p.profile === (par.profile as number))?.name,
      pixelFormat: avGetPixFmtName(par.format as never) ?? 'unknown',
      width: par.width,
      height: par.height,
      timeBase: fraction(tb),
      avgFrameRate: fraction(stream.avgFrameRate),
      frameRate: fraction(stream.rFrameRate),
      duration: stream.duration > 0n ? (Number(stream.duration) * tb.num) / tb.den : undefined,
      frames: stream.nbFrames > 0n ? Number(stream.nbFrames) : undefined,
      colorSpace: SPACES[par.colorSpace as number] ?? String(par.colorSpace),
      colorPrimaries: PRIMARIES[par.colorPrimaries as number] ?? String(par.colorPrimaries),
      colorTransfer: TRANSFERS[par.colorTrc as number] ?? String(par.colorTrc),
      colorRange: RANGES[par.colorRange as number] ?? String(par.colorRange),
    };
  }

  static async open(file: string): Promise<VideoReader> {
    const format = new FormatContext();
    const ret = await format.openInput(file, null, null);
    if (ret < 0) {
      format.freeContext();
      throw new FlipbookError('INVALID_INPUT', `Cannot open ${file}: ${ffmpegMessage(ret)}`, { file });
    }
    try {
      check(await format.findStreamInfo(null), 'read the stream information of', { file, code: 'INVALID_INPUT' });
      const index = format.findBestStream(AVMEDIA_TYPE_VIDEO);
      const stream = index >= 0 ? format.streams[index] : undefined;
      if (!stream) throw new FlipbookError('INVALID_INPUT', `${file} has no video stream`, { file });
      return new VideoReader(file, format, stream);
    } catch (error) {
      await format.closeInput();
      throw error;
    }
  }

  /** Decodes every frame in order as tightly packed pixels (BT.709 or as tagged). */
  async *frames(pixelFormat: RawPixelFormat = 'rgb'): AsyncGenerator<DecodedVideoFrame> {
    const codec = Codec.findDecoder(this.stream.codecpar.codecId);
    if (!codec) throw new FlipbookError('ENGINE', `No decoder for ${this.video.codec}`, { file: this.file });
    const ctx = new CodecContext();
    ctx.allocContext3(codec);
    check(ctx.parametersToContext(this.stream.codecpar), 'set up the decoder for', { file: this.file });
    ctx.pktTimebase = this.stream.timeBase;
    check(await ctx.open2(codec, null), 'open the decoder for', { file: this.file });
    const packet = new Packet();
    packet.alloc();
    const frame = new Frame();
    frame.alloc();
    let graph: SimpleGraph | undefined;
    let index = 0;
    const tb = this.stream.timeBase;
    const convert = async function* (this: VideoReader): AsyncGenerator<DecodedVideoFrame> {
      for (;;) {
        const ret = await ctx.receiveFrame(frame);
        if (ret === EAGAIN || ret === EOF) return;
        check(ret, 'decode', { file: this.file });
        // swscale's default yuv420p -> RGB path repeats each chroma sample and rounds down
        // (about 10 dB of PSNR lost on a near-lossless video); interpolate and round exactly.
        const scale = 'scale=in_color_matrix=auto:in_range=auto:flags=bicubic+accurate_rnd+full_chroma_int';
        graph ??= await SimpleGraph.create(`${scale},format=${avGetPixFmtName(OUT_FORMATS[pixelFormat])}`, {
          width: frame.width,
          height: frame.height,
          format: frame.format,
          colorRange: frame.colorRange,
          colorSpace: frame.colorSpace,
          timeBase: fraction(tb),
        });
        const pts = Number(frame.bestEffortTimestamp);
        const keyframe = frame.keyFrame !== 0;
        await graph.push(frame);
        frame.unref();
        for (let out = await graph.pull(); out; out = await graph.pull()) {
          yield { index: index++, pts, time: (pts * tb.num) / tb.den, width: out.width, height: out.height, format: pixelFormat, data: out.toBuffer(), keyframe };
          out.free();
        }
      }
    }.bind(this);
    try {
      for (;;) {
        const ret = await this.format.readFrame(packet);
        if (ret === EOF) break;
        check(ret, 'read', { file: this.file });
        if (packet.streamIndex === this.stream.index) {
          check(await ctx.sendPacket(packet), 'decode', { file: this.file });
          yield* convert();
        }
        packet.unref();
      }
      await ctx.sendPacket(null);
      yield* convert();
    } finally {
      graph?.free();
      frame.free();
      packet.free();
      ctx.freeContext();
    }
  }

  async close(): Promise<void> {
    await this.format.closeInput();
  }
}
