import { open } from 'node:fs/promises';

import type { ImageType } from './image-types.js';

/** Enough of a PNG to pass IHDR, a palette and its tRNS chunk (which come before IDAT). */
const HEAD_BYTES = 64 * 1024;

/**
 * Whether an image may carry transparency, from its header alone (no decoding): a PNG of
 * colour type 4 or 6 or with a tRNS chunk, a WebP with the alpha flag (VP8X) or bit (VP8L), a
 * GIF (a transparent palette entry is common), a TIFF or a 32-bit BMP. JPEG never does.
 * Errs towards yes: a "maybe" costs an alpha plane of 255s, a "no" would lose transparency.
 */
export async function imageMayHaveAlpha(path: string, type: ImageType): Promise<boolean> {
  if (type === 'jpg') return false;
  if (type === 'gif' || type === 'tiff') return true;
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(type === 'png' ? HEAD_BYTES : 64);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    // A PNG whose chunks before its image data outrun HEAD_BYTES: taken as opaque.
    return alphaFromHead(buffer.subarray(0, bytesRead), type) ?? false;
  } finally {
    await handle.close();
  }
}

/**
 * imageMayHaveAlpha from the first bytes of the file, as the header pass reads them: undefined
 * when they end before they can tell (a PNG's chunks before its image data run past them).
 */
export function alphaFromHead(head: Buffer, type: ImageType): boolean | undefined {
  if (type === 'jpg') return false;
  if (type === 'gif' || type === 'tiff') return true;
  if (type === 'png') return pngHasAlpha(head);
  if (type === 'webp') return head.length >= 25 ? webpHasAlpha(head) : undefined;
  // BMP: 32 bits a pixel may hold alpha (BITMAPV4/V5 headers mostly do).
  return head.length >= 30 ? head.readUInt16LE(28) === 32 : undefined;
}

/** Colour type 4 or 6, or a tRNS chunk before the image data; undefined when `head` ends first. */
function pngHasAlpha(head: Buffer): boolean | undefined {
  if (head.length < 26) return undefined;
  const colourType = head[25];
  if (colourType === 4 || colourType === 6) return true;
  let offset = 8;
  while (offset + 8 <= head.length) {
    const length = head.readUInt32BE(offset);
    const name = head.toString('latin1', offset + 4, offset + 8);
    if (name === 'tRNS') return true;
    if (name === 'IDAT' || name === 'IEND') return false;
    offset += 12 + length;
  }
  return undefined;
}

function webpHasAlpha(head: Buffer): boolean {
  const chunk = head.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return ((head[20] ?? 0) & 0x10) !== 0;
  // VP8L: the alpha_is_used bit follows the 14-bit width and height after the 0x2f signature.
  if (chunk === 'VP8L') return ((head[24] ?? 0) & 0x10) !== 0;
  return false;
}
