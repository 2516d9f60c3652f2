import { AV_FRAME_FLAG_INTERLACED } from 'node-av/constants';
import { Frame, SoftwareScaleContext, avGetPixFmtFromName } from 'node-av/lib';

import { type ConvertTarget, FrameConverter, type PictureConverter } from './frame-converter.js';
import { Picture } from './picture.js';
import { PACKED, PixelCopier, reuse } from './pixels.js';
import { check } from './runtime.js';

/** The packed layouts readFrames hands out, by FFmpeg's name. */
export type PackedOutput = 'rgba' | 'rgb24' | 'gray';

/**
 * Sources converted straight into JavaScript memory by swscale's frame API. Each was measured
 * bit-identical to the filter graph's conversion (to rgba, rgb24 and gray; untagged, BT.709 and
 * full-range sources); others (nv12, more than 8 bits) differ and go through the graph.
 */
const DIRECT_SOURCES: ReadonlySet<string> = new Set(['yuv420p', 'yuvj420p', 'yuv422p', 'yuv444p']);

/**
 * Decoded pictures to tightly packed pixels in new JavaScript memory, in two steps a pipeline
 * can overlap: `convert` (the picture in the output's shape) and `pixels` (the bytes).
 *
 * When nothing is rotated or resized and the source is 8-bit planar YUV, `convert` only takes a
 * reference and `pixels` converts the YUV straight into the JavaScript buffer: swscale writes
 * into a frame that wraps that buffer (Frame.fromVideoBuffer shares the memory, which is the
 * point here; the frame is freed before the buffer is handed out). That is one pass over 8 MB a
 * 1080p RGBA frame instead of two (convert into FFmpeg's memory, then copy): measured 2.7 s of
 * CPU against 3.9 s for 250 frames. Otherwise the filter graph converts and the copier copies.
 */
export class PixelReader implements PictureConverter {
  private readonly converter: FrameConverter;
  private readonly copier = new PixelCopier();
  private readonly output: PackedOutput;
  /** Whether the graph would only change the pixel format (no filters, no resize). */
  private readonly formatOnly: boolean;
  private sws: SoftwareScaleContext | undefined;

  constructor(target: ConvertTarget & { pixelFormat: PackedOutput }) {
    this.converter = new FrameConverter(target);
    this.output = target.pixelFormat;
    this.formatOnly = target.filters.length === 0 && target.width === undefined && target.height === undefined && !target.exact && !target.yuv;
  }

  /** The picture ready for `pixels` (a new picture; `input` stays the caller's). */
  async convert(input: Picture): Promise<Picture> {
    if (this.formatOnly && DIRECT_SOURCES.has(input.pixelFormat)) {
      const ref = input.frame.clone();
      if (!ref) throw new Error('Cannot reference a decoded frame (out of memory)');
      // swscale's frame API refuses to convert an interlaced frame into a progressive one
      // (EINVAL); the filter graph's scale converts it as one picture, and so does this.
      ref.clearFlags(AV_FRAME_FLAG_INTERLACED);
      return new Picture(ref);
    }
    return this.converter.convert(input);
  }

  /**
   * The pixels of a picture from `convert`, tightly packed: in `into` when it is exactly their
   * size (a buffer handed back to be read into again), else in new memory. The picture stays
   * the caller's.
   */
  async pixels(picture: Picture, into?: Buffer): Promise<Buffer> {
    if (picture.pixelFormat === this.output) return this.copier.copy(picture, into);
    const { width, height } = picture;
    const out = reuse(into, width * height * (PACKED[this.output] ?? 4));
    const target = Frame.fromVideoBuffer(out, { width, height, format: avGetPixFmtFromName(this.output) });
    try {
      if (!this.sws) {
        this.sws = new SoftwareScaleContext();
        this.sws.allocContext();
      }
      // The frame API reads the source's matrix and range from the frame's tags (BT.601 when untagged).
      check(await this.sws.scaleFrame(target, picture.frame), `convert ${picture.pixelFormat} to ${this.output}`);
    } finally {
      target.free();
    }
    return out;
  }

  close(): void {
    this.sws?.freeContext();
    this.sws = undefined;
    this.copier.close();
    this.converter.close();
  }
}
