/**
 * Every kind of frame the writer accepts, normalised once into a picture: raw pixels, an
 * ImageData, a canvas or its 2D context, an image file or the bytes of one.
 */
import { readFile } from 'node:fs/promises';
import { imageSize } from 'image-size';

import { type Picture, decodeImage, pictureFromPixels } from '../engine/index.js';
import { PIXEL_LAYOUTS, type PixelLayout } from '../options/values.js';
import { FlipbookError, describeValue, opt, systemReason, text } from '../errors.js';
import type { Size } from '../options/values.js';
import { readImageHeader } from '../inputs/headers.js';
import { IMAGE_TYPES, type ImageType, isImageType } from '../inputs/image-types.js';
import { checkDecodable, checkMemory } from '../core/limits.js';

/** Bytes as JavaScript holds them: a Buffer, a Uint8Array or a canvas's Uint8ClampedArray. */
export type PixelData = Uint8Array | Uint8ClampedArray;

/** Raw pixels with their layout; without `layout`, RGBA (what an ImageData holds). */
export interface PixelFrame {
  data: PixelData;
  width: number;
  height: number;
  /** `rgba` (default), `rgb` or `gray`, 8 bits a sample. */
  layout?: PixelLayout;
  /** Bytes from one row to the next; default width × bytes per pixel. */
  stride?: number;
}

/** A 2D context as canvases have them (`@napi-rs/canvas`, node-canvas, a browser-like one). */
export interface Context2DLike {
  getImageData(sx: number, sy: number, sw: number, sh: number): { data: PixelData; width: number; height: number };
  readonly canvas?: { width: number; height: number } | null;
}

/** A canvas: `createCanvas(w, h)` of `@napi-rs/canvas` or of node-canvas. */
export interface CanvasLike {
  width: number;
  height: number;
  getContext(contextType: '2d'): Context2DLike | null;
}

/**
 * One frame for the writer: raw pixels (`{ data, width, height, layout }`, or an ImageData),
 * a canvas or its 2D context, the path of an image file, or the encoded bytes of an image
 * (a Buffer of a PNG, JPEG, WebP, TIFF, BMP or GIF).
 */
export type FrameInput = PixelFrame | CanvasLike | Context2DLike | string | PixelData;

/** A frame made ready for the queue: its pixels copied already, or the image still to decode. */
export type PreparedFrame =
  | { kind: 'pixels'; picture: Picture; width: number; height: number; label: string }
  | { kind: 'bytes'; bytes: Uint8Array; type: ImageType; width: number; height: number; orientation: number; label: string }
  | { kind: 'file'; path: string; label: string };

export interface LoadedFrame {
  picture: Picture;
  /** Size as shown (after EXIF orientation). */
  width: number;
  height: number;
  orientation: number;
  label: string;
}

export interface PrepareContext {
  /** 1-based number of the frame, for messages. */
  index: number;
  /** Layout of a bare typed array of raw pixels (write's `layout` option). */
  layout: PixelLayout | undefined;
  /** The writer's frame size, which a bare typed array of raw pixels has. */
  size: Size | undefined;
}

/** Bytes a pixel of each layout takes, packed. */
const LAYOUT_BYTES: Record<PixelLayout, number> = { rgba: 4, rgb: 3, gray: 1 };

const ACCEPTED =
  'a frame: { data, width, height, layout } pixels, an ImageData, a canvas or its 2D context, an image file path, or the bytes of an encoded image';

/**
 * Makes a frame ready, synchronously: pixels are copied now, so the caller may reuse its
 * buffer or canvas as soon as write() returns. Encoded bytes are copied too; files are read
 * when their turn comes.
 */
export function prepareFrame(input: FrameInput, ctx: PrepareContext): PreparedFrame {
  const label = `Frame ${ctx.index}`;
  if (typeof input === 'string') {
    if (input === '') throw new FlipbookError('INVALID_INPUT', `${label} is an empty file path`, { option: 'frame', position: ctx.index });
    return { kind: 'file', path: input, label: `${label} (${input})` };
  }
  if (input instanceof Uint8Array || input instanceof Uint8ClampedArray) {
    if (ctx.layout) {
      if (!ctx.size) {
        throw new FlipbookError('INVALID_INPUT', `${label} is a bare array of ${ctx.layout} pixels, but the writer has no size to read it with`, {
          option: 'frame',
          position: ctx.index,
          hint: 'Pass width and height to createWriter, or write({ data, width, height, layout })',
        });
      }
      return pixels({ data: input, width: ctx.size.width, height: ctx.size.height, layout: ctx.layout }, label, ctx.index);
    }
    return sniffBytes(bytesOf(input), label, ctx.index);
  }
  if (input !== null && typeof input === 'object') {
    if ('data' in input && 'width' in input && 'height' in input && isPixelData(input.data)) {
      // Read each field: an ImageData keeps them as getters, which a spread would lose.
      const { data, width, height, layout, stride } = input;
      return pixels({ data, width, height, layout: layout ?? ctx.layout ?? 'rgba', ...(stride === undefined ? {} : { stride }) }, label, ctx.index);
    }
    if ('data' in input && 'width' in input && 'height' in input && (ArrayBuffer.isView(input.data) || Array.isArray(input.data))) {
      // Pixels whose data is not bytes (floats from a computation, 16-bit samples, a plain
      // array): said as such, not as "not a frame". (A canvas's data is a method: not this.)
      throw new FlipbookError('INVALID_INPUT', `Frame ${ctx.index}'s data is ${describeValue(input.data)}, not bytes`, {
        option: 'frame',
        position: ctx.index,
        hint: 'Give pixels as 8-bit samples in a Uint8Array, Uint8ClampedArray or Buffer (floats from 0 to 1: Uint8ClampedArray.from(data, (v) => v * 255))',
      });
    }
    if ('getContext' in input && typeof input.getContext === 'function') {
      const context = input.getContext('2d');
      if (!context || typeof context.getImageData !== 'function') {
        throw new FlipbookError('INVALID_INPUT', `${label} is a canvas without a 2D context`, { option: 'frame', position: ctx.index });
      }
      return fromContext(context, { width: input.width, height: input.height }, label, ctx.index);
    }
    if ('getImageData' in input && typeof input.getImageData === 'function') {
      const size = input.canvas ?? undefined;
      if (!size) throw new FlipbookError('INVALID_INPUT', `${label} is a 2D context without its canvas`, { option: 'frame', position: ctx.index, hint: 'Write the canvas instead' });
      return fromContext(input, size, label, ctx.index);
    }
  }
  throw new FlipbookError('INVALID_INPUT', `Expected ${ACCEPTED} for frame ${ctx.index} but received ${describeValue(input)}`, { option: 'frame', position: ctx.index });
}

/** Reads and decodes what still needs it; pixels are ready already. */
export async function loadFrame(frame: PreparedFrame, limitPixels: number, index: number, memoryLimit = Infinity): Promise<LoadedFrame> {
  if (frame.kind === 'pixels') return { picture: frame.picture, width: frame.width, height: frame.height, orientation: 1, label: frame.label };
  if (frame.kind === 'bytes') {
    checkLimit(frame.width, frame.height, limitPixels, frame.label, index);
    checkMemory([frame], 1, memoryLimit, { label: frame.label });
    const swap = frame.orientation >= 5;
    const picture = await decodeImage(frame.bytes, frame.type, frame.label).catch((error: unknown) => {
      throw relabel(error, index);
    });
    return { picture, width: swap ? frame.height : frame.width, height: swap ? frame.width : frame.height, orientation: frame.orientation, label: frame.label };
  }
  try {
    const header = await readImageHeader(frame.path);
    checkLimit(header.width, header.height, limitPixels, frame.label, index, frame.path);
    checkMemory([header], 1, memoryLimit, { label: frame.label, file: frame.path });
    const bytes = await readFile(frame.path).catch((cause: NodeJS.ErrnoException) => {
      throw new FlipbookError('INVALID_INPUT', `Cannot read ${frame.path}: ${systemReason(cause)}`, { file: frame.path, cause });
    });
    const picture = await decodeImage(bytes, header.type, frame.path);
    return { picture, width: header.displayWidth, height: header.displayHeight, orientation: header.orientation, label: frame.label };
  } catch (error) {
    throw relabel(error, index, frame.path);
  }
}

/**
 * Names the frame in an input error, and drops stitch's hint (skipInvalid is no writer
 * option): "Frame 3: a.png is corrupt or truncated: ...".
 */
function relabel(error: unknown, index: number, file?: string): unknown {
  if (!(error instanceof FlipbookError) || error.code !== 'INVALID_INPUT') return error;
  return new FlipbookError('INVALID_INPUT', file === undefined ? error.factText : [`Frame ${index}: `, ...(typeof error.factText === 'string' ? [error.factText] : error.factText)], {
    ...(file === undefined ? {} : { file }),
    position: index,
    option: 'frame',
    hint: 'Replace or repair the image',
    cause: error,
  });
}

/** Releases what prepareFrame made (a frame that will not be written). */
export function discardFrame(frame: PreparedFrame): void {
  if (frame.kind === 'pixels') frame.picture.release();
}

function isPixelData(value: unknown): value is PixelData {
  return value instanceof Uint8Array || value instanceof Uint8ClampedArray;
}

function bytesOf(data: PixelData): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function pixels(frame: PixelFrame & { layout: PixelLayout }, label: string, index: number): PreparedFrame {
  const { width, height, layout, stride } = frame;
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 16384) {
      throw new FlipbookError('INVALID_INPUT', `${label} has a ${name} of ${describeValue(value)}; expected a whole number of pixels from 1 to 16384`, { option: 'frame', position: index });
    }
  }
  if (layout !== 'rgba' && layout !== 'rgb' && layout !== 'gray') {
    throw new FlipbookError('INVALID_INPUT', `Expected a pixel layout rgba, rgb or gray for frame ${index} but received ${describeValue(layout)}`, { option: 'layout', position: index });
  }
  try {
    const picture = pictureFromPixels({ data: bytesOf(frame.data), width, height, layout, ...(stride === undefined ? {} : { stride }) });
    return { kind: 'pixels', picture, width, height, label };
  } catch (error) {
    if (error instanceof FlipbookError && error.code === 'INVALID_INPUT') {
      // A stride too short says so itself; pixels too few may be another layout's, and too many
      // are most often RGBA (a canvas's, an ImageData's) said to be RGB or gray.
      const strideError = error.option === 'stride';
      const bytes = frame.data.byteLength;
      const packed = stride === undefined;
      const fits = packed ? PIXEL_LAYOUTS.find((other) => other !== layout && bytes === width * height * LAYOUT_BYTES[other]) : undefined;
      const hint = strideError
        ? error.hintText
        : layout === 'rgba' && bytes < width * height * 4
          ? text`If the pixels are RGB or gray, say so with ${opt('layout', 'rgb')} or ${opt('layout', 'gray')}`
          : fits
            ? text`They are as many bytes as ${fits} pixels of ${width}x${height}: if they are, say so with ${opt('layout', fits)}`
            : packed && bytes > width * height * LAYOUT_BYTES[layout]
              ? text`If the rows are padded, give ${opt('stride')}, the bytes from one row to the next`
              : undefined;
      throw new FlipbookError('INVALID_INPUT', [`${label}: `, ...(typeof error.factText === 'string' ? [error.factText] : error.factText)], {
        option: strideError ? 'stride' : 'frame',
        position: index,
        cause: error,
        ...(hint === undefined ? {} : { hint }),
      });
    }
    throw error;
  }
}

function fromContext(context: Context2DLike, size: { width: number; height: number }, label: string, index: number): PreparedFrame {
  const image = context.getImageData(0, 0, size.width, size.height);
  return pixels({ data: image.data, width: image.width, height: image.height, layout: 'rgba' }, label, index);
}

function sniffBytes(data: Uint8Array, label: string, index: number): PreparedFrame {
  const notAnImage = (detail: string): FlipbookError =>
    new FlipbookError('INVALID_INPUT', `${label} is ${data.byteLength} bytes that are not an image flipbook reads (${detail})`, {
      option: 'frame',
      position: index,
      hint: `Bytes are read as an encoded ${IMAGE_TYPES.join(', ')} image; for raw pixels state their layout: write({ data, width, height, layout: 'rgba' }) or write(data, { layout: 'rgb' })`,
    });
  if (data.byteLength === 0) throw notAnImage('empty');
  let info;
  try {
    info = imageSize(data);
  } catch (cause) {
    throw Object.assign(notAnImage('no image header'), { cause });
  }
  if (!isImageType(info.type)) throw notAnImage(`a ${info.type ?? 'unknown'} image`);
  if (!(info.width > 0 && info.height > 0)) throw notAnImage(`it declares an empty size ${info.width}x${info.height}`);
  const orientation = info.type === 'jpg' && info.orientation && info.orientation >= 1 && info.orientation <= 8 ? info.orientation : 1;
  // A copy, so the caller may reuse its buffer before the frame's turn comes.
  return { kind: 'bytes', bytes: Buffer.from(data), type: info.type, width: info.width, height: info.height, orientation, label };
}

function checkLimit(width: number, height: number, limit: number, label: string, index: number, file?: string): void {
  checkDecodable(width, height, { label, file });
  if (width * height > limit) {
    throw new FlipbookError('PIXEL_LIMIT', `${label} declares ${width}x${height} = ${width * height} pixels, above the limit of ${limit}`, {
      ...(file === undefined ? {} : { file }),
      position: index,
      option: 'limitPixels',
      hint: text`Pass a larger ${opt('limitPixels')} (or false for none) if you trust this image`,
    });
  }
}
