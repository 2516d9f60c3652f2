import { open } from 'node:fs/promises';

import { Codec, CodecContext, Dictionary, FormatContext, Frame, Packet, Rational } from 'node-av/lib';
import type { Stream } from 'node-av/lib';
import { AVCOL_PRI_BT709, AVCOL_SPC_RGB, AVCOL_TRC_IEC61966_2_1, AV_PICTURE_TYPE_NONE, AV_PIX_FMT_BGRA, AV_PIX_FMT_RGBA } from 'node-av/constants';

import { FlipbookError } from '../errors.js';
import type { Fraction } from '../options/values.js';
import { SimpleGraph } from './filter-graph.js';
import { localFileUrl } from './local-file.js';
import type { Picture } from './picture.js';
import { GIF_TRAILER, GifWriter } from './gif-writer.js';
import { ALPHA_THRESHOLD, ColorHistogram, type Dither, type RgbaRows } from './quantizer.js';
import { EAGAIN, EOF, check, ffmpegMessage } from './runtime.js';

/** The animated image formats: each is its own codec and muxer. */
export type AnimationCodec = 'gif' | 'webp' | 'apng';
export type { Dither };
export const DITHERS: readonly Dither[] = ['sierra2_4a', 'floyd_steinberg', 'bayer', 'none'];

/** A GIF pixel whose colour moved by at most this much (each of R, G, B) since it was drawn is left as shown. */
export const GIF_TOLERANCE = 0;

/** Ticks a second of each format's timestamps: GIF delays are hundredths, the others milliseconds. */
export const ANIMATION_TICKS: Readonly<Record<AnimationCodec, number>> = { gif: 100, webp: 1000, apng: 1000 };

/**
 * The pixel format a file of each format holds, as FFmpeg names its decoder's output: a lossy
 * WebP's frames are VP8, YUV 4:2:0, with an alpha plane beside them (yuva420p) when the pictures
 * have transparency; a lossless one's VP8L, ARGB. Not what the encoder is fed (libwebp takes BGRA
 * either way). libwebp also gives the frames of an opaque animation alpha planes, to leave the
 * pixels that did not change transparent over the frame before; the animation shown stays opaque,
 * so that is not counted.
 */
export function animationPixelFormat(codec: AnimationCodec, options: { lossless?: boolean | undefined; alpha?: boolean | undefined } = {}): string {
  if (codec === 'gif') return 'pal8';
  if (codec === 'apng') return 'rgba';
  return options.lossless ? 'argb' : options.alpha ? 'yuva420p' : 'yuv420p';
}

/**
 * Tags an RGB frame as sRGB: the normalise stage tags its output BT.709 (for video), which
 * would make the PNG encoder write a gAMA chunk that browsers colour-manage (a red of 200,50,50
 * shows as 201,46,46).
 */
function tagSrgb(frame: Frame): void {
  frame.colorTrc = AVCOL_TRC_IEC61966_2_1;
  frame.colorPrimaries = AVCOL_PRI_BT709;
  frame.colorSpace = AVCOL_SPC_RGB;
}

/**
 * A frame file written by one encoder into one muxer: the animation formats and the lossless
 * spool of the frame writer. Pictures must already be in `pixelFormat` at the size.
 */
class FrameFile {
  private readonly ctx: CodecContext;
  private readonly format: FormatContext;
  private readonly stream: Stream;
  private readonly packet = new Packet();
  private readonly file: string;
  private readonly path: string;
  private readonly muxer: string;
  /** The last frame's duration, in ticks of the time base. */
  private lastDuration = 0;
  private opened = false;
  private closed = false;

  private constructor(file: string, path: string, muxer: string, ctx: CodecContext, format: FormatContext, stream: Stream) {
    this.file = file;
    this.path = path;
    this.muxer = muxer;
    this.ctx = ctx;
    this.format = format;
    this.stream = stream;
    this.packet.alloc();
  }

  static async open(spec: {
    file: string;
    /** What errors call the file (default: file). */
    name?: string | undefined;
    encoder: string;
    muxer: string;
    width: number;
    height: number;
    pixelFormat: number;
    timeBase: Fraction;
    options: Record<string, string>;
    muxerOptions: Record<string, string>;
  }): Promise<FrameFile> {
    const codec = Codec.findEncoderByName(spec.encoder as never);
    if (!codec) throw new FlipbookError('UNSUPPORTED_OUTPUT', `This FFmpeg build has no ${spec.encoder} encoder`);
    const ctx = new CodecContext();
    ctx.allocContext3(codec);
    ctx.width = spec.width;
    ctx.height = spec.height;
    ctx.pixelFormat = spec.pixelFormat as never;
    ctx.timeBase = new Rational(spec.timeBase.num, spec.timeBase.den);
    ctx.sampleAspectRatio = new Rational(1, 1);
    const format = new FormatContext();
    let out: FrameFile | undefined;
    try {
      check(format.allocOutputContext2(null, spec.muxer, localFileUrl(spec.file)), `set up a ${spec.muxer} file`);
      const ret = await ctx.open2(codec, Dictionary.fromObject(spec.options));
      if (ret < 0) throw new FlipbookError('ENGINE', `Cannot open the ${spec.encoder} encoder for ${spec.width}x${spec.height}: ${ffmpegMessage(ret)}`);
      const stream = format.newStream(null);
      check(stream.codecpar.fromContext(ctx), 'copy the encoder parameters');
      stream.timeBase = ctx.timeBase;
      out = new FrameFile(spec.name ?? spec.file, spec.file, spec.muxer, ctx, format, stream);
      check(await format.openOutput(), 'create the output file', { file: spec.name ?? spec.file, code: 'IO' });
      out.opened = true;
      check(await format.writeHeader(Dictionary.fromObject(spec.muxerOptions)), 'write the file header', { file: spec.name ?? spec.file, code: 'IO' });
      return out;
    } catch (error) {
      if (out) await out.close();
      else {
        ctx.freeContext();
        format.freeContext();
      }
      throw error;
    }
  }

  /** Encodes `frame` shown from `pts` for `duration` ticks of the time base; does not take ownership. */
  async write(frame: Frame, pts: number, duration: number): Promise<void> {
    tagSrgb(frame);
    frame.pts = BigInt(pts);
    frame.duration = BigInt(duration);
    frame.pictType = AV_PICTURE_TYPE_NONE;
    this.lastDuration = duration;
    check(await this.ctx.sendFrame(frame), 'encode a frame');
    await this.drain(new Map([[BigInt(pts), BigInt(duration)]]));
  }

  /**
   * Ends the file. The last frame lasts its duration in both animated formats, which neither
   * writes by itself: FFmpeg's APNG muxer gives it the delay before it unless told `final_delay`,
   * and libwebp the average of the others (FFmpeg's libwebp_anim never passes it the end), so a
   * WebP's is written into its last frame's header once the file is complete.
   */
  async finish(): Promise<void> {
    check(await this.ctx.sendFrame(null), 'flush the encoder');
    await this.drain(new Map());
    const { num, den } = this.ctx.timeBase;
    if (this.muxer === 'apng' && this.lastDuration > 0) check(this.format.setOption('final_delay', `${this.lastDuration * num}/${den}`), 'set the last frame\'s delay');
    check(await this.format.writeTrailer(), 'finish the file', { file: this.file, code: 'IO' });
    await this.close();
    if (this.muxer === 'webp' && this.lastDuration > 0) await setLastWebpDuration(this.path, this.file, Math.round((this.lastDuration * num * 1000) / den));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.opened) await this.format.closeOutput();
    this.format.freeContext();
    this.ctx.freeContext();
    this.packet.free();
  }

  private async drain(durations: Map<bigint, bigint>): Promise<void> {
    for (;;) {
      const ret = await this.ctx.receivePacket(this.packet);
      if (ret === EAGAIN || ret === EOF) return;
      check(ret, 'encode a frame');
      const duration = durations.get(this.packet.pts);
      if (duration !== undefined) this.packet.duration = duration;
      this.packet.streamIndex = this.stream.index;
      this.packet.rescaleTs(this.ctx.timeBase, this.stream.timeBase);
      check(await this.format.interleavedWriteFrame(this.packet), 'write a frame', { file: this.file, code: 'IO' });
    }
  }
}

/**
 * Sets the duration (milliseconds, 24 bits) of the last frame of an animated WebP: the last ANMF
 * chunk's, 12 bytes into it (the WebP container specification). The file keeps its size.
 */
async function setLastWebpDuration(path: string, name: string, ms: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const head = Buffer.alloc(12);
    await handle.read(head, 0, 12, 0);
    if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WEBP') throw new FlipbookError('ENGINE', `${name} is not the WebP file just written`, { file: name });
    const end = 8 + head.readUInt32LE(4);
    let last = -1;
    for (let at = 12; at + 8 <= end; ) {
      const chunk = Buffer.alloc(8);
      await handle.read(chunk, 0, 8, at);
      const size = chunk.readUInt32LE(4);
      if (chunk.toString('latin1', 0, 4) === 'ANMF') last = at + 8;
      at += 8 + size + (size & 1);
    }
    if (last < 0) return;
    const duration = Buffer.alloc(3);
    duration.writeUIntLE(Math.min(0xffffff, Math.max(1, ms)), 0, 3);
    await handle.write(duration, 0, 3, last + 12);
  } finally {
    await handle.close();
  }
}

/**
 * The first pass of a GIF: every frame's colours are counted (a fixed-size histogram, not the
 * frames), and the palette is cut from the counts at the end (see quantizer.ts). The counts
 * are kept, so palettes of other sizes can be cut from them too.
 */
export class PaletteGenerator {
  private readonly histogram: ColorHistogram;
  private readonly colors: number;
  private readonly transparent: boolean;
  private frames = 0;

  /**
   * `transparent`: the frames may have transparent pixels, so a palette slot is kept for them.
   * `reuse`: the generator of an earlier pass that is done with, whose counts are cleared and
   * taken over (a GIF's tries under maxSize).
   */
  constructor(colors: number, transparent: boolean, reuse?: PaletteGenerator) {
    this.colors = colors;
    this.transparent = transparent;
    if (reuse) reuse.histogram.clear();
    this.histogram = reuse?.histogram ?? new ColorHistogram();
  }

  /**
   * Adds a frame's colours (an RGBA picture); `picture` stays the caller's. `position`: the
   * frame's place in the whole animation (default: the frames added so far), which turns the
   * sampling checkerboard; a segment of a parallel run gives its frames' own.
   */
  add(picture: Picture, position = this.frames): void {
    // Half the pixels, a checkerboard turning from frame to frame (see ColorHistogram.add).
    this.histogram.add(rgbaRows(picture), true, position);
    this.frames++;
  }

  /** The colour counts so far, as one array (see ColorHistogram.counts): another process merges them. */
  counts(): Float64Array {
    return this.histogram.counts();
  }

  /** Adds the counts of `frames` frames counted elsewhere (another segment's). */
  merge(counts: Float64Array, frames: number): void {
    this.histogram.merge(counts);
    this.frames += frames;
  }

  /** Ends the pass: the palette. */
  finish(): Palette {
    return this.palette(this.colors, this.transparent);
  }

  /** A palette of at most `colors` entries (with a slot for transparency when `transparent`) from the frames so far. */
  palette(colors: number, transparent: boolean): Palette {
    if (this.frames === 0) throw new FlipbookError('NO_INPUT', 'No frame reached the palette pass');
    // A slot is kept for transparency only when the frames can have it: otherwise it would
    // cost one of the colours.
    // The GIF writer always keeps one index for transparency (the pixels a frame leaves as they
    // were, and transparent ones): 255 colours at most.
    const cut = this.histogram.palette(Math.min(255, colors - (transparent ? 1 : 0)));
    // Every pixel transparent: one colour all the same, so the palette is never empty.
    return new Palette(cut.length ? cut : new Uint8Array(3), transparent);
  }
}

/** A GIF palette from the first pass. */
export class Palette {
  /** RGB triplets. */
  readonly colors: Uint8Array;
  /** Whether a slot after the colours is kept for transparent pixels. */
  readonly transparent: boolean;

  constructor(colors: Uint8Array, transparent: boolean) {
    this.colors = colors;
    this.transparent = transparent;
  }

  /** How many colours, without the transparent slot. */
  get size(): number {
    return this.colors.length / 3;
  }
}

/** An RGBA picture's pixels where FFmpeg holds them (no copy). */
function rgbaRows(picture: Picture): RgbaRows {
  const { frame } = picture;
  const data = frame.data?.[0];
  const stride = frame.linesize[0];
  if (!data || stride === undefined || picture.pixelFormat !== 'rgba') throw new FlipbookError('ENGINE', `A GIF frame must be RGBA, not ${picture.pixelFormat}`);
  return { data, width: frame.width, height: frame.height, stride };
}

export interface AnimationEncodeSpec {
  /** Where the muxer writes (the temporary file). */
  file: string;
  /** The output as the user named it, for errors (default: file). */
  name?: string;
  codec: AnimationCodec;
  width: number;
  height: number;
  /** How many times the animation plays: 0 forever. */
  loop: number;
  /** GIF: the palette from the first pass, and how to dither to it. */
  palette?: Palette | undefined;
  dither?: Dither | undefined;
  /** GIF: largest change of a pixel's colour (0-255 a channel) drawn as unchanged; default GIF_TOLERANCE. */
  tolerance?: number | undefined;
  /** GIF: lossy LZW's largest colour distance (0: exact). */
  lossy?: number | undefined;
  /** WebP: lossless instead of lossy. */
  lossless?: boolean | undefined;
  /** GIF: the frames' blocks only, no header or trailer (a segment; see gifHeaderBytes). */
  blocksOnly?: boolean | undefined;
  /** How many frames will be written, when known (a hint: the GIF writer's coder threads). */
  frames?: number | undefined;
  /** WebP: quality 0-100 (lossy) or effort (lossless). */
  quality?: number | undefined;
}

/**
 * Writes a GIF, an animated WebP or an APNG. Pictures go in as RGBA at the output size, with
 * timestamps in ticks of ANIMATION_TICKS[codec] a second.
 */
export class AnimationEncoder {
  readonly spec: AnimationEncodeSpec;
  private readonly out: FrameFile | GifWriter;
  private readonly convert: SimpleGraph | undefined;
  private counter = 0n;
  private readonly pending: { pts: number; duration: number }[] = [];

  private constructor(spec: AnimationEncodeSpec, out: FrameFile | GifWriter, convert: SimpleGraph | undefined) {
    this.spec = spec;
    this.out = out;
    this.convert = convert;
  }

  static async open(spec: AnimationEncodeSpec): Promise<AnimationEncoder> {
    const timeBase = { num: 1, den: ANIMATION_TICKS[spec.codec] };
    const { width, height } = spec;
    if (spec.codec === 'gif') {
      if (!spec.palette) throw new FlipbookError('ENGINE', 'A GIF needs its palette first');
      const out = await GifWriter.open({
        file: spec.file,
        name: spec.name,
        width,
        height,
        loop: spec.loop,
        colors: spec.palette.colors,
        alpha: spec.palette.transparent,
        dither: spec.dither ?? 'floyd_steinberg',
        tolerance: spec.tolerance ?? GIF_TOLERANCE,
        lossy: spec.lossy ?? 0,
        blocksOnly: spec.blocksOnly,
        // A segment's worker already has a core of its own: no coder threads of its own.
        threads: spec.blocksOnly ? false : undefined,
        frames: spec.frames,
      });
      return new AnimationEncoder(spec, out, undefined);
    }
    const isWebp = spec.codec === 'webp';
    const pixelFormat = isWebp ? AV_PIX_FMT_BGRA : AV_PIX_FMT_RGBA;
    const convert = isWebp
      ? await SimpleGraph.create('[in]format=bgra[out]', { width, height, format: AV_PIX_FMT_RGBA, colorRange: 0, colorSpace: 2, timeBase: { num: 1, den: 1 } })
      : undefined;
    try {
      const out = await FrameFile.open({
        file: spec.file,
        name: spec.name,
        encoder: isWebp ? 'libwebp_anim' : 'apng',
        muxer: isWebp ? 'webp' : 'apng',
        width,
        height,
        pixelFormat,
        timeBase,
        options: isWebp
          ? { lossless: spec.lossless ? '1' : '0', quality: String(spec.quality ?? 75), loop: String(spec.loop) }
          : { pred: 'mixed' },
        muxerOptions: isWebp ? { loop: String(spec.loop) } : { plays: String(spec.loop) },
      });
      return new AnimationEncoder(spec, out, convert);
    } catch (error) {
      convert?.free();
      throw error;
    }
  }

  /** GIF: takes an RGBA picture as the frame shown before the first one written (see GifWriter.prime). Does not take ownership. */
  prime(picture: Picture): void {
    if (!(this.out instanceof GifWriter)) throw new FlipbookError('ENGINE', `A ${this.spec.codec} encoder is not primed`);
    this.out.prime(rgbaRows(picture));
  }

  /** GIF: starts from the references of a GifReferences tracker (see GifWriter.primeReferences). */
  primeReferences(references: Uint32Array): void {
    if (!(this.out instanceof GifWriter)) throw new FlipbookError('ENGINE', `A ${this.spec.codec} encoder is not primed`);
    this.out.primeReferences(references);
  }

  /**
   * Encodes an RGBA picture shown from `pts` for `duration` ticks. Does not take ownership.
   * `index`: a GIF's picture's place among the animation's pictures (counting those not
   * written), for the writer's own-palette windows; by default the pictures written before it.
   */
  async write(picture: Picture, pts: number, duration: number, index?: number): Promise<void> {
    const out = this.out;
    if (out instanceof GifWriter) {
      // GIF timestamps are already hundredths: the delay is the duration.
      await out.write(rgbaRows(picture), duration, index);
      return;
    }
    const graph = this.convert;
    if (!graph) {
      await out.write(picture.frame, pts, duration);
      return;
    }
    const copy = picture.frame.clone();
    if (!copy) throw new FlipbookError('ENGINE', 'Cannot reference a frame');
    copy.pts = this.counter++;
    tagSrgb(copy);
    this.pending.push({ pts, duration });
    await graph.push(copy);
    copy.free();
    await this.drainGraph(graph);
  }

  async finish(): Promise<void> {
    const graph = this.convert;
    if (graph) {
      await graph.push(null);
      await this.drainGraph(graph);
    }
    await this.out.finish();
    this.free();
  }

  async close(): Promise<void> {
    await this.out.close();
    this.free();
  }

  private async drainGraph(graph: { pull(): Promise<Frame | null> }): Promise<void> {
    for (;;) {
      const frame = await graph.pull();
      if (!frame) return;
      const timing = this.pending.shift();
      try {
        if (!timing) throw new FlipbookError('ENGINE', 'The conversion returned more frames than it was given');
        if (this.out instanceof GifWriter) throw new FlipbookError('ENGINE', 'A GIF has no conversion graph');
        await this.out.write(frame, timing.pts, timing.duration);
      } finally {
        frame.free();
      }
    }
  }

  private freed = false;
  private free(): void {
    if (this.freed) return;
    this.freed = true;
    this.convert?.free();
  }
}

/**
 * Follows a GIF's frames without writing them (see GifWriter.track): the colours its writer
 * compares the next frame with. A GIF rendered in parallel with a tolerance finds each
 * segment's start this way, in one pass over the frames before the cut.
 */
export class GifReferences {
  private readonly writer: GifWriter;

  constructor(spec: { width: number; height: number; palette: Palette; tolerance: number }) {
    this.writer = GifWriter.tracker({ width: spec.width, height: spec.height, loop: 0, colors: spec.palette.colors, alpha: spec.palette.transparent, dither: 'none', tolerance: spec.tolerance });
  }

  /** A frame written (an RGBA picture; the caller keeps it). */
  add(picture: Picture): void {
    this.writer.track(rgbaRows(picture));
  }

  /** The references so far. */
  state(): Uint32Array {
    return this.writer.references();
  }
}

/** The header of a GIF whose frames' blocks were written by encoders opened with `blocksOnly` (the join of a GIF rendered in segments), and its trailer. */
export function gifHeaderBytes(spec: { width: number; height: number; loop: number; palette: Palette }): { header: Uint8Array; trailer: Uint8Array } {
  const { width, height, loop, palette } = spec;
  const header = GifWriter.headerBytes({ width, height, loop, colors: palette.colors, alpha: palette.transparent, dither: 'none', tolerance: 0 });
  return { header, trailer: Uint8Array.of(GIF_TRAILER) };
}

/**
 * The frame writer's lossless spool: RGBA frames into an FFV1 file, read back (twice, or more
 * for a size search) with VideoSource. Timestamps stay with the caller.
 */
export class SpoolWriter {
  private readonly out: FrameFile;
  private readonly convert: SimpleGraph;
  private count = 0;

  private constructor(out: FrameFile, convert: SimpleGraph) {
    this.out = out;
    this.convert = convert;
  }

  /** `name`: what errors call the spool (it says whose frames it holds). */
  static async open(file: string, width: number, height: number, name?: string): Promise<SpoolWriter> {
    const convert = await SimpleGraph.create('[in]format=bgra[out]', { width, height, format: AV_PIX_FMT_RGBA, colorRange: 0, colorSpace: 2, timeBase: { num: 1, den: 1 } });
    try {
      // FFV1 level 3 with slices: lossless, several times smaller than raw frames, fast.
      const out = await FrameFile.open({
        file,
        name,
        encoder: 'ffv1',
        muxer: 'matroska',
        width,
        height,
        pixelFormat: AV_PIX_FMT_BGRA,
        timeBase: { num: 1, den: 1000 },
        options: { level: '3', slices: '4', g: '1' },
        muxerOptions: {},
      });
      return new SpoolWriter(out, convert);
    } catch (error) {
      convert.free();
      throw error;
    }
  }

  /** Stores an RGBA picture (the caller keeps it). */
  async write(picture: Picture): Promise<void> {
    const copy = picture.frame.clone();
    if (!copy) throw new FlipbookError('ENGINE', 'Cannot reference a frame');
    copy.pts = BigInt(this.count);
    await this.convert.push(copy);
    copy.free();
    const out = await this.convert.pull();
    if (!out) throw new FlipbookError('ENGINE', 'The spool conversion returned no frame');
    try {
      await this.out.write(out, this.count, 1);
      this.count++;
    } finally {
      out.free();
    }
  }

  async finish(): Promise<void> {
    await this.out.finish();
    this.free();
  }

  async close(): Promise<void> {
    await this.out.close();
    this.free();
  }

  private freed = false;
  private free(): void {
    if (this.freed) return;
    this.freed = true;
    this.convert.free();
  }
}

/**
 * Whether an RGBA picture has a pixel that a GIF makes transparent (alpha below ALPHA_THRESHOLD,
 * as the mapping takes it): only then does its palette give a slot to transparency. A pixel
 * only partly transparent above it is drawn opaque, so it cost a colour for a slot never used
 * (`colors: 16` gave 15 colours on a picture of alpha 200).
 */
export function pictureHasTransparency(picture: Picture): boolean {
  if (!picture.hasAlpha) return false;
  if (picture.pixelFormat !== 'rgba') {
    const data = picture.frame.toBuffer();
    for (let i = 3; i < data.length; i += 4) if ((data[i] as number) < ALPHA_THRESHOLD) return true;
    return false;
  }
  // RGBA (the animation spool's): a scan of FFmpeg's rows where they are, no copy.
  const { data, width, height, stride } = rgbaRows(picture);
  for (let y = 0; y < height; y++) {
    const end = y * stride + width * 4;
    for (let i = y * stride + 3; i < end; i += 4) if ((data[i] as number) < ALPHA_THRESHOLD) return true;
  }
  return false;
}
