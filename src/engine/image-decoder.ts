import { Codec, CodecContext, Dictionary, Frame, Packet } from 'node-av/lib';
import {
  AV_CODEC_ID_BMP,
  AV_CODEC_ID_GIF,
  AV_CODEC_ID_MJPEG,
  AV_CODEC_ID_PNG,
  AV_CODEC_ID_TIFF,
  AV_CODEC_ID_WEBP,
  AVERROR_INVALIDDATA,
  type AVCodecID,
} from 'node-av/constants';

import { FlipbookError, SKIP_HINT } from '../errors.js';
import type { ImageType } from '../inputs/image-types.js';
import { findDamage } from '../inputs/integrity.js';
import { Picture } from './picture.js';
import { EAGAIN, ffmpegMessage } from './runtime.js';

const DECODERS: Record<ImageType, AVCodecID> = {
  png: AV_CODEC_ID_PNG,
  jpg: AV_CODEC_ID_MJPEG,
  webp: AV_CODEC_ID_WEBP,
  tiff: AV_CODEC_ID_TIFF,
  bmp: AV_CODEC_ID_BMP,
  gif: AV_CODEC_ID_GIF,
};

/**
 * Strict decoding: a truncated or damaged image is an error, not a half-grey picture. Without
 * it the JPEG decoder conceals a missing tail and the PNG decoder returns the rows it got.
 * The TIFF decoder would also explode on every tag it does not know (Orientation, XMP, ...),
 * which sound files carry; it checks its strips against the data without that flag.
 */
const STRICT = 'explode+crccheck+bitstream+buffer';
const STRICT_FOR: Partial<Record<ImageType, string>> = { tiff: 'crccheck+bitstream+buffer' };

/**
 * Decodes one whole image file (its bytes in memory) to a picture. For GIF this is the first
 * frame; for a multi-page TIFF the first page. Opens a decoder for this one image; to decode
 * many, use ImageDecoders.
 */
export async function decodeImage(bytes: Uint8Array, type: ImageType, file: string, position?: number): Promise<Picture> {
  const ctx = await openDecoder(type, file);
  try {
    return await decodeWith(ctx, bytes, type, file, position);
  } finally {
    ctx.freeContext();
  }
}

/**
 * Decoders kept open across the images of one run. A decoder allocates its pictures from its
 * own frame pool, which recycles the memory of the pictures released since; a decoder opened
 * for each image allocates and frees a whole picture every time instead, and that churn
 * fragments the heap (on 300 PNGs of 1080p, some 40 to 60 MB more peak memory; see
 * bench/RESULTS.md). This is what the ffmpeg CLI does too: one decoder for a whole sequence.
 * The price: an idle PNG decoder keeps a reference to the last picture it made.
 *
 * Safe for concurrent decodes: each takes an idle decoder of the type or opens one, and gives
 * it back when done, so there are as many decoders as decodes ever ran at once. A decoder that
 * failed is closed, not reused. Call close() at the end (pictures still held stay valid).
 */
export class ImageDecoders {
  private readonly idle = new Map<ImageType, CodecContext[]>();
  private closed = false;

  async decode(bytes: Uint8Array, type: ImageType, file: string, position?: number): Promise<Picture> {
    const ctx = this.idle.get(type)?.pop() ?? (await openDecoder(type, file));
    let reusable = false;
    try {
      const picture = await decodeWith(ctx, bytes, type, file, position);
      reusable = true;
      return picture;
    } finally {
      if (reusable && !this.closed) {
        ctx.flushBuffers();
        const list = this.idle.get(type) ?? [];
        list.push(ctx);
        this.idle.set(type, list);
      } else {
        ctx.freeContext();
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const list of this.idle.values()) for (const ctx of list) ctx.freeContext();
    this.idle.clear();
  }
}

async function openDecoder(type: ImageType, file: string): Promise<CodecContext> {
  const codec = Codec.findDecoder(DECODERS[type]);
  if (!codec) throw new FlipbookError('ENGINE', `This FFmpeg build has no ${type} decoder`, { file });
  const ctx = new CodecContext();
  ctx.allocContext3(codec);
  ctx.threadCount = 1;
  const ret = await ctx.open2(codec, Dictionary.fromObject({ err_detect: STRICT_FOR[type] ?? STRICT }));
  if (ret < 0) {
    ctx.freeContext();
    throw new FlipbookError('ENGINE', `Cannot open the ${type} decoder: ${ffmpegMessage(ret)}`, { file });
  }
  return ctx;
}

/** One image through an open decoder; the decoder is left ready for the next after a flush. */
async function decodeWith(ctx: CodecContext, bytes: Uint8Array, type: ImageType, file: string, position?: number): Promise<Picture> {
  const packet = new Packet();
  const frame = new Frame();
  packet.alloc();
  frame.alloc();
  const fail = (ret: number): FlipbookError =>
    new FlipbookError('INVALID_INPUT', `${file}${position ? ` (input ${position})` : ''} is corrupt or truncated: the ${type.toUpperCase()} decoder says "${ffmpegMessage(ret)}"`, {
      file,
      ...(position === undefined ? {} : { position }),
      hint: SKIP_HINT,
    });
  try {
    // A file the decoder would half-accept (a progressive JPEG without its later scans, a GIF
    // cut after its first rows) is refused by its structure first.
    const damage = findDamage(bytes, type);
    if (damage !== undefined) {
      throw new FlipbookError('INVALID_INPUT', `${file}${position ? ` (input ${position})` : ''} is corrupt or truncated: ${damage}`, {
        file,
        ...(position === undefined ? {} : { position }),
        hint: SKIP_HINT,
      });
    }
    // node-av copies the bytes into the packet: the caller may reuse its buffer afterwards.
    packet.data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Every image stands alone. Without the flag, a PNG decoder that has decoded a picture of
    // the same size before takes the next as a difference from it (FFmpeg's PNG "P-frames").
    packet.isKeyframe = true;
    let ret = await ctx.sendPacket(packet);
    if (ret < 0) throw fail(ret);
    ret = await ctx.receiveFrame(frame);
    if (ret === EAGAIN) {
      await ctx.sendPacket(null);
      ret = await ctx.receiveFrame(frame);
    }
    if (ret < 0) throw fail(ret);
    if (frame.decodeErrorFlags) throw fail(AVERROR_INVALIDDATA as number);
    return new Picture(frame);
  } catch (error) {
    frame.free();
    throw error;
  } finally {
    packet.free();
  }
}
