import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';

import type ExifReaderModule from 'exifreader';
import { imageSize } from 'image-size';

import { FlipbookError, SKIP_HINT, cannotOpen, opt, text } from '../errors.js';
import { alphaFromHead } from './alpha.js';
import { type ImageType, HEIF_TYPES, IMAGE_TYPES, isImageType } from './image-types.js';

/**
 * exifreader, loaded at the first header that may hold EXIF: it takes about 0.15 s to load, which
 * every command and `import 'flipbook'` would otherwise pay (readFrames, split and info never read
 * an image header).
 */
const requireModule = createRequire(import.meta.url);
let exif: typeof ExifReaderModule | undefined;
function exifReader(): typeof ExifReaderModule {
  exif ??= requireModule('exifreader') as typeof ExifReaderModule;
  return exif;
}

/**
 * Runs `read` with console.warn silenced. ExifReader says what it finds odd through console.warn
 * (`ExifReader: Found 1000 Exif segments (APP1). Will pick the best candidate segment.` for a
 * JPEG of many APP1 segments), which would reach the terminal, or a library user's stderr, from
 * any file given; flipbook says what matters about an image in its own words. ExifReader's load
 * is synchronous here, so nothing else can warn meanwhile.
 */
function withoutConsoleWarnings<T>(read: () => T): T {
  const warn = console.warn;
  console.warn = () => {};
  try {
    return read();
  } finally {
    console.warn = warn;
  }
}

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
  /** Whether it may carry transparency (alphaFromHead); undefined when the bytes read for the header cannot tell. */
  alpha: boolean | undefined;
}

/**
 * How much is read to find the header, in turn: most headers are in the first few kB; a JPEG
 * whose size marker follows a large EXIF or ICC block needs more; a TIFF whose directory is at
 * the end (as ImageMagick writes them) is read whole.
 */
const READS = [16 * 1024, 256 * 1024, Number.POSITIVE_INFINITY];

/**
 * Reads an image's header only (type, size, EXIF orientation) without decoding it, so that a
 * run can refuse an unreadable or oversized image before it encodes anything.
 */
export async function readImageHeader(path: string, position?: number): Promise<ImageHeader> {
  return readImageHeaderSync(path, position);
}

/**
 * The same, synchronously: a header is a few kB read from the start of the file, which costs
 * less than a trip through the thread pool (300 headers: 15 ms against 55 ms). Callers with many
 * files yield to the event loop between batches.
 */
export function readImageHeaderSync(path: string, position?: number): ImageHeader {
  const where = position === undefined ? path : `${path} (input ${position})`;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (cause) {
    throw cannotOpen(path, cause, { where, position });
  }
  try {
    const stats = fstatSync(fd);
    // A directory opens for reading; its read would fail with a bare EISDIR.
    if (stats.isDirectory()) throw cannotOpen(path, { code: 'EISDIR' }, { where, position });
    // A device or a pipe reports 0 bytes: it is not an empty file.
    if (!stats.isFile()) throw new FlipbookError('INVALID_INPUT', `${where} is not a regular file (a device, a pipe or a socket)`, { file: path, ...(position === undefined ? {} : { position }), hint: 'Give the path of an image file' });
    const { size } = stats;
    const fail = (what: string, cause?: unknown): FlipbookError =>
      new FlipbookError('INVALID_INPUT', `${where} ${what}`, {
        file: path,
        ...(position === undefined ? {} : { position }),
        hint: SKIP_HINT,
        cause,
      });
    if (size === 0) throw fail('is empty (0 bytes)');
    const heifError = (heif: string): FlipbookError =>
      new FlipbookError('INVALID_INPUT', `${where} is an ${heif} image (the HEIF family), a format flipbook does not read (it reads ${IMAGE_TYPES.join(', ')})`, {
        file: path,
        ...(position === undefined ? {} : { position }),
        hint: text`Convert it to JPEG or PNG first (heif-convert, ImageMagick, or macOS's sips), or pass ${opt('skipInvalid', true)} to skip it`,
      });
    /** Not an image: a video said to be one (stitch, readImage and the frame writer take images), anything else as not read. */
    const notImage = (head: Buffer, cause?: unknown): FlipbookError => {
      // A HEIF-family still whose size cannot be read (no ispe box where image-size looks, a cut
      // file) is still one by its ftyp brand, not an MP4 video.
      const brand = head.length >= 12 && head.toString('latin1', 4, 8) === 'ftyp' ? HEIF_TYPES[head.toString('latin1', 8, 12)] : undefined;
      if (brand !== undefined) return heifError(brand);
      const video = signatureOf(head) ? undefined : videoSignatureOf(head);
      if (!video) return fail('is not an image flipbook reads: its header is not PNG, JPEG, WebP, TIFF, BMP or GIF', cause);
      return new FlipbookError('INVALID_INPUT', `${where} is ${video}, not an image`, {
        file: path,
        ...(position === undefined ? {} : { position }),
        hint: `A video's frames come out as images with split (flipbook split ${path} -o 'frames/%05d.png'), or one by one with readFrames`,
        cause,
      });
    };
    let info: ReturnType<typeof imageSize> | undefined;
    let head: Buffer = Buffer.alloc(0);
    for (const limit of READS) {
      head = readPrefix(fd, Math.min(size, limit));
      try {
        info = imageSize(head);
        break;
      } catch (cause) {
        if (head.length >= size) {
          const kind = signatureOf(head);
          // A TIFF keeps its directory (and so its size) at the end: a cut one starts right.
          throw kind ? fail(`is corrupt or truncated: it starts as a ${kind} but its header cannot be read (${size} bytes)`, cause) : notImage(head, cause);
        }
      }
    }
    if (!info) throw notImage(head);
    const heif = HEIF_TYPES[info.type ?? ''];
    if (heif !== undefined) throw heifError(heif);
    if (!isImageType(info.type)) {
      throw fail(`is a ${info.type ?? 'unknown'} image, which flipbook does not read (it reads ${IMAGE_TYPES.join(', ')})`);
    }
    if (!(info.width > 0 && info.height > 0)) throw fail(`declares an empty size ${info.width}x${info.height}`);
    const orientation = readOrientation(fd, size, head, info.type);
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
      alpha: alphaFromHead(head, info.type),
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * False when the header shows the file has no EXIF block, so ExifReader need not be loaded or
 * run (most PNGs and many JPEGs: 300 1080p PNGs cost it about 0.15 s otherwise). True when it
 * has one or when the bytes read so far cannot tell.
 */
export function mayHoldExif(b: Buffer, type: ImageType): boolean {
  switch (type) {
    case 'png': {
      // eXIf must come before the first IDAT.
      for (let p = 8; p + 8 <= b.length; ) {
        const chunk = b.toString('latin1', p + 4, p + 8);
        if (chunk === 'eXIf') return true;
        if (chunk === 'IDAT') return false;
        p += 12 + b.readUInt32BE(p);
      }
      return true;
    }
    case 'jpg': {
      // APP1 "Exif" comes among the segments before the frame header; stop at SOF or SOS.
      for (let p = 2; p + 4 <= b.length; ) {
        if (b[p] !== 0xff) return true;
        const marker = b[p + 1] as number;
        if (marker === 0xff) {
          p++;
          continue;
        }
        if (marker === 0xe1 && b.toString('latin1', p + 4, p + 8) === 'Exif') return true;
        if (marker === 0xda || (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)) return false;
        p += 2 + b.readUInt16BE(p + 2);
      }
      return true;
    }
    case 'webp':
      // Only the extended format (VP8X) carries metadata, flagged in its header.
      return b.toString('latin1', 12, 16) === 'VP8X' && ((b[20] ?? 0) & 0x08) !== 0;
    default:
      return true;
  }
}

/** The format a file's first bytes announce, if one flipbook reads. */
function signatureOf(b: Buffer): string | undefined {
  if (b.length >= 4 && b.readUInt32BE(0) === 0x89504e47) return 'PNG';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'JPEG';
  if (b.toString('latin1', 0, 4) === 'GIF8') return 'GIF';
  if (b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'WebP';
  const tiff = b.toString('latin1', 0, 4);
  if (tiff === 'II*\0' || tiff === 'MM\0*') return 'TIFF';
  if (b.toString('latin1', 0, 2) === 'BM') return 'BMP';
  return undefined;
}

/** What kind of video a file's first bytes say it is (a container FFmpeg reads), or undefined. */
function videoSignatureOf(b: Buffer): string | undefined {
  if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp') return b.toString('latin1', 8, 12) === 'qt  ' ? 'a QuickTime video' : 'an MP4 video (ISO media)';
  if (b.length >= 4 && b.readUInt32BE(0) === 0x1a45dfa3) return 'a Matroska or WebM video';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'AVI ') return 'an AVI video';
  if (b.length >= 3 && b.toString('latin1', 0, 3) === 'FLV') return 'an FLV video';
  if (b.length >= 377 && b[0] === 0x47 && b[188] === 0x47 && b[376] === 0x47) return 'an MPEG transport stream';
  return undefined;
}

/**
 * A PNG's orientation, from its eXIf chunk, found by walking the chunks before the first IDAT
 * here and read by ExifReader alone (a TIFF block). ExifReader given the file parses every text
 * chunk on the way, each time more of the file is read: a 15 MB PNG of a million tEXt chunks
 * took 6 s and 400 MB of memory to plan, 45 MB took 22 s and 960 MB.
 */
function pngOrientation(fd: number, size: number, head: Buffer): number {
  let bytes = head;
  for (let p = 8; ; ) {
    if (p + 8 > bytes.length) {
      if (bytes.length >= size) return 1;
      bytes = readPrefix(fd, Math.min(size, Math.max(p + 8, bytes.length * 2)));
      continue;
    }
    const length = bytes.readUInt32BE(p);
    const chunk = bytes.toString('latin1', p + 4, p + 8);
    if (chunk === 'IDAT' || chunk === 'IEND') return 1;
    if (chunk === 'eXIf') {
      const end = p + 8 + length;
      if (end > size) return 1;
      if (end > bytes.length) bytes = readPrefix(fd, end);
      return tiffOrientation(bytes.subarray(p + 8, end));
    }
    p += 12 + length;
  }
}

/** The orientation in a TIFF-structured EXIF block (PNG's eXIf holds one), 1 when none or out of range. */
function tiffOrientation(tiff: Buffer): number {
  try {
    const value = withoutConsoleWarnings(() => exifReader().load(tiff, { expanded: true, includeTags: { exif: ['Orientation'] } })).exif?.Orientation?.value;
    return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 8 ? value : 1;
  } catch {
    // Not EXIF ExifReader can parse: not a reason to refuse an image the decoder may read.
    return 1;
  }
}

function readPrefix(fd: number, length: number): Buffer {
  // Its own zeroed memory, not a slice of Node's shared pool: image-size reads through a view of
  // the whole underlying memory, so a header cut short would otherwise be completed with
  // whatever the pool held (a PNG cut inside IHDR declared 64x1857880064).
  const buffer = Buffer.alloc(length);
  const bytesRead = readSync(fd, buffer, 0, length, 0);
  return buffer.subarray(0, bytesRead);
}

/**
 * The EXIF orientation (1 to 8; 1 when there is none or it is out of range), read by ExifReader
 * from JPEG APP1, PNG eXIf, WebP EXIF or TIFF IFD0, whatever the byte order, integer type or
 * IFD0 offset. Starts from the bytes already read for the header and reads more only when the
 * metadata goes on past them (a large maker note, PNG chunks before eXIf, WebP's EXIF chunk
 * after the image data).
 */
function readOrientation(fd: number, size: number, head: Buffer, type: ImageType): number {
  if (type === 'bmp' || type === 'gif' || !mayHoldExif(head, type)) return 1;
  if (type === 'png') return pngOrientation(fd, size, head);
  let bytes = head;
  for (;;) {
    let more: number | undefined;
    try {
      const tags = withoutConsoleWarnings(() => exifReader().load(bytes, { expanded: true, includeOffsets: true, includeTags: { exif: ['Orientation'] } }));
      const value = tags.exif?.Orientation?.value;
      if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 8) return value;
      const range = tags.metadataRange;
      if (range && (!range.complete || range.end > bytes.length)) more = Math.max(range.end, bytes.length + 1);
    } catch {
      // No metadata in these bytes (ExifReader's MetadataMissingError), or metadata it cannot
      // parse: not a reason to refuse an image the decoder may read.
    }
    if (bytes.length >= size) return 1;
    // WebP puts its EXIF chunk after the image data; VP8X's flags say whether there is one.
    if (more === undefined && type === 'webp' && bytes.toString('latin1', 12, 16) === 'VP8X' && ((bytes[20] ?? 0) & 0x08) !== 0) more = size;
    if (more === undefined || more <= bytes.length) return 1;
    bytes = readPrefix(fd, Math.min(size, Math.max(more, bytes.length * 2)));
  }
}
