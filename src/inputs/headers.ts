import { open } from 'node:fs/promises';
import { imageSize } from 'image-size';

import { FlipbookError } from '../errors.js';
import { type ImageType, IMAGE_TYPES, isImageType } from './image-types.js';

export interface ImageHeader {
  path: string;
  type: ImageType;
  /** Stored size, before orientation. */
  width: number;
  height: number;
  /** EXIF orientation 1 to 8 (1: as stored). */
  orientation: number;
  /** Size as shown, after orientation. */
  displayWidth: number;
  displayHeight: number;
  bytes: number;
}

/** Enough for the header of every type; a JPEG whose size marker lies further is read whole. */
const FIRST_READ = 256 * 1024;

/**
 * Reads an image's header only (type, size, EXIF orientation) without decoding it, so that a
 * run can refuse an unreadable or oversized image before it encodes anything.
 */
export async function readImageHeader(path: string, position?: number): Promise<ImageHeader> {
  const where = position === undefined ? path : `${path} (input ${position})`;
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    throw new FlipbookError('INVALID_INPUT', `Cannot read ${where}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, {
      file: path,
      ...(position === undefined ? {} : { position }),
      cause,
    });
  }
  try {
    const { size } = await handle.stat();
    const fail = (what: string, cause?: unknown): FlipbookError =>
      new FlipbookError('INVALID_INPUT', `${where} ${what}`, {
        file: path,
        ...(position === undefined ? {} : { position }),
        hint: 'Replace or remove the file, or pass --skip-invalid (skipInvalid: true) to skip it',
        cause,
      });
    if (size === 0) throw fail('is empty (0 bytes)');
    const notAnImage = 'is not an image flipbook reads: its header is not PNG, JPEG, WebP, TIFF, BMP or GIF';
    let buffer = Buffer.alloc(Math.min(size, FIRST_READ));
    await handle.read(buffer, 0, buffer.length, 0);
    let info;
    try {
      info = imageSize(buffer);
    } catch (first) {
      if (size <= buffer.length) throw fail(notAnImage, first);
      buffer = Buffer.alloc(size);
      await handle.read(buffer, 0, size, 0);
      try {
        info = imageSize(buffer);
      } catch (cause) {
        throw fail(notAnImage, cause);
      }
    }
    if (!isImageType(info.type)) {
      throw fail(`is a ${info.type ?? 'unknown'} image, which flipbook does not read (it reads ${IMAGE_TYPES.join(', ')})`);
    }
    if (!(info.width > 0 && info.height > 0)) throw fail(`declares an empty size ${info.width}x${info.height}`);
    const orientation = info.type === 'jpg' && info.orientation && info.orientation >= 1 && info.orientation <= 8 ? info.orientation : 1;
    const swap = orientation >= 5;
    return {
      path,
      type: info.type,
      width: info.width,
      height: info.height,
      orientation,
      displayWidth: swap ? info.height : info.width,
      displayHeight: swap ? info.width : info.height,
      bytes: size,
    };
  } finally {
    await handle.close();
  }
}
