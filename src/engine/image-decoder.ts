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

import { FlipbookError } from '../errors.js';
import type { ImageType } from '../inputs/image-types.js';
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
 * frame; for a multi-page TIFF the first page.
 */
export async function decodeImage(bytes: Uint8Array, type: ImageType, file: string, position?: number): Promise<Picture> {
  const codec = Codec.findDecoder(DECODERS[type]);
  if (!codec) throw new FlipbookError('ENGINE', `This FFmpeg build has no ${type} decoder`, { file });
  const ctx = new CodecContext();
  const packet = new Packet();
  const frame = new Frame();
  ctx.allocContext3(codec);
  ctx.threadCount = 1;
  packet.alloc();
  frame.alloc();
  const fail = (ret: number): FlipbookError =>
    new FlipbookError('INVALID_INPUT', `${file}${position ? ` (input ${position})` : ''} is corrupt or truncated: the ${type.toUpperCase()} decoder says "${ffmpegMessage(ret)}"`, {
      file,
      ...(position === undefined ? {} : { position }),
      hint: 'Replace or remove the file, or pass --skip-invalid (skipInvalid: true) to skip it',
    });
  try {
    let ret = await ctx.open2(codec, Dictionary.fromObject({ err_detect: STRICT_FOR[type] ?? STRICT }));
    if (ret < 0) throw new FlipbookError('ENGINE', `Cannot open the ${type} decoder: ${ffmpegMessage(ret)}`, { file });
    packet.data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    ret = await ctx.sendPacket(packet);
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
    ctx.freeContext();
  }
}
