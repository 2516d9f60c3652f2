import { Frame } from 'node-av/lib';
import { AV_PIX_FMT_GRAY8, AV_PIX_FMT_RGB0, AV_PIX_FMT_RGB24, AV_PIX_FMT_RGBA } from 'node-av/constants';
import { avGetPixFmtName } from 'node-av/lib';

import { FlipbookError, opt, text } from '../errors.js';
import type { PixelLayout } from '../options/values.js';
import { hasAlpha } from './color-tags.js';
import { check } from './runtime.js';

/** Pixel layouts a caller can hand flipbook as raw bytes. */

const RAW_FORMATS = {
  rgba: { av: AV_PIX_FMT_RGBA, bytes: 4 },
  rgb: { av: AV_PIX_FMT_RGB24, bytes: 3 },
  gray: { av: AV_PIX_FMT_GRAY8, bytes: 1 },
} as const;

/** Pixel formats whose samples carry alpha (a palette's entries do). */

/**
 * One decoded picture, held in FFmpeg-owned memory. Outside the engine it is opaque: its size,
 * its pixel format's name and whether it has alpha. Call release() once done with it.
 */
export class Picture {
  /** @internal */
  readonly frame: Frame;

  /** @internal */
  constructor(frame: Frame) {
    this.frame = frame;
  }

  get width(): number {
    return this.frame.width;
  }

  get height(): number {
    return this.frame.height;
  }

  get pixelFormat(): string {
    return avGetPixFmtName(this.frame.format as never) ?? 'unknown';
  }

  get hasAlpha(): boolean {
    return hasAlpha(this.pixelFormat);
  }

  /** Tightly packed pixels of the picture (a copy). */
  toBuffer(): Buffer {
    return this.frame.toBuffer();
  }

  release(): void {
    this.frame.free();
  }
}

export interface RawPixels {
  data: Uint8Array;
  width: number;
  height: number;
  layout: PixelLayout;
  /** Bytes from one row to the next in `data`; by default width × bytes per pixel. */
  stride?: number;
}

/**
 * Copies caller-owned pixels into a new FFmpeg-allocated frame, row by row by linesize.
 * node-av's Frame.fromVideoBuffer would wrap the JavaScript buffer without copying it; if that
 * buffer is collected while FFmpeg still holds the frame (x264 keeps frames for lookahead),
 * the process crashes. A copy costs one memcpy a row and removes that hazard.
 *
 * RGBA whose alpha is opaque everywhere (a canvas, mostly) is tagged rgb0, the same bytes with
 * the fourth ignored: the normaliser then skips flattening onto the background, which costs
 * about 35 ms a 1080p frame, for a 2 ms scan.
 */
export function pictureFromPixels(pixels: RawPixels): Picture {
  const spec = RAW_FORMATS[pixels.layout];
  const rowBytes = pixels.width * spec.bytes;
  const stride = pixels.stride ?? rowBytes;
  if (stride < rowBytes) {
    throw new FlipbookError('INVALID_INPUT', `The stride ${stride} is shorter than a row of ${pixels.width} ${pixels.layout} pixels (${rowBytes} bytes)`, {
      option: 'stride',
      hint: text`Give ${opt('stride')} as the bytes from one row to the next, at least ${rowBytes}, or leave it out for rows packed one after another`,
    });
  }
  // Without a stride the rows are packed, so the bytes are exactly the picture's: more would be
  // read as this layout all the same (RGBA said to be RGB comes out as slanted stripes of wrong
  // colours), so they are refused like too few. With a stride, a last row padded to it is fine.
  const needed = stride * (pixels.height - 1) + rowBytes;
  if (pixels.data.byteLength < needed || (pixels.stride === undefined && pixels.data.byteLength !== needed)) {
    throw new FlipbookError(
      'INVALID_INPUT',
      `Expected ${pixels.layout} pixels of ${pixels.width}x${pixels.height} (${needed} bytes) but received ${pixels.data.byteLength} bytes`,
      { option: 'data' },
    );
  }
  const gray = pixels.layout === 'gray';
  const frame = new Frame();
  frame.alloc();
  // Gray is spread into RGB: FFmpeg's gray8 to yuv420p came back darker and tinted (128 read back
  // as 124,126,126 and 16 as 13,15,15: chroma 127), where the same picture as RGB reads back exact.
  frame.format = gray ? AV_PIX_FMT_RGB24 : pixels.layout === 'rgba' && isOpaque(pixels.data, pixels.width, pixels.height, stride) ? AV_PIX_FMT_RGB0 : spec.av;
  frame.width = pixels.width;
  frame.height = pixels.height;
  check(frame.getBuffer(0), 'allocate a frame');
  const plane = frame.data?.[0];
  const linesize = frame.linesize[0];
  if (!plane || linesize === undefined) throw new FlipbookError('ENGINE', 'FFmpeg returned a frame without pixel memory');
  const src = pixels.data;
  for (let y = 0; y < pixels.height; y++) {
    if (gray) {
      for (let x = 0, at = y * linesize, from = y * stride; x < pixels.width; x++, at += 3) {
        const v = src[from + x] as number;
        plane[at] = v;
        plane[at + 1] = v;
        plane[at + 2] = v;
      }
    } else plane.set(src.subarray(y * stride, y * stride + rowBytes), y * linesize);
  }
  return new Picture(frame);
}

/** Whether every alpha byte of RGBA rows is 255. */
function isOpaque(data: Uint8Array, width: number, height: number, stride: number): boolean {
  for (let y = 0; y < height; y++) {
    const end = y * stride + width * 4;
    for (let i = y * stride + 3; i < end; i += 4) if (data[i] !== 255) return false;
  }
  return true;
}
