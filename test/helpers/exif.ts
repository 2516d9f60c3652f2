/**
 * Builds EXIF blocks and the image files that carry them, as cameras and editors write them:
 * either byte order, the Orientation tag typed SHORT, LONG or SLONG, IFD0 at any offset, an
 * optional maker note of any size; wrapped as a JPEG APP1 segment (after a JFIF APP0 or not),
 * a PNG eXIf chunk, a WebP EXIF chunk, or a whole uncompressed TIFF with the tag in its IFD0.
 * Independent of flipbook: the JPEG and WebP pictures come from @napi-rs/canvas (a development
 * dependency), the PNG from the tests' own writer, the TIFF from here.
 */
import { type Canvas, createCanvas } from '@napi-rs/canvas';

import type { Image, Rgb } from './images.js';
import { encodePng, pngChunk } from './png.js';

export type ByteOrder = 'II' | 'MM';
export type IntType = 'SHORT' | 'LONG' | 'SLONG';

const TYPE_CODE: Record<IntType, number> = { SHORT: 3, LONG: 4, SLONG: 9 };

export interface ExifLayout {
  order: ByteOrder;
  type: IntType;
  /** Where IFD0 starts, from the TIFF header (8 is right after it). Even, at least 8. */
  ifd0Offset: number;
  /** Bytes of maker note in an Exif sub-IFD (0: none). */
  makerNote?: number;
}

class Writer {
  constructor(
    readonly buffer: Buffer,
    readonly le: boolean,
  ) {}
  u16(offset: number, value: number): void {
    if (this.le) this.buffer.writeUInt16LE(value, offset);
    else this.buffer.writeUInt16BE(value, offset);
  }
  u32(offset: number, value: number): void {
    if (this.le) this.buffer.writeUInt32LE(value, offset);
    else this.buffer.writeUInt32BE(value, offset);
  }
  i32(offset: number, value: number): void {
    if (this.le) this.buffer.writeInt32LE(value, offset);
    else this.buffer.writeInt32BE(value, offset);
  }
}

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Writes the 4-byte value field at `at` (inline values, or an offset). */
  value: (w: Writer, at: number) => void;
}

function orientationEntry(orientation: number, type: IntType): Entry {
  return {
    tag: 0x0112,
    type: TYPE_CODE[type],
    count: 1,
    value: (w, at) => {
      if (type === 'SHORT') w.u16(at, orientation);
      else if (type === 'LONG') w.u32(at, orientation);
      else w.i32(at, orientation);
    },
  };
}

/** Writes an IFD (entries sorted by tag) at `at`; returns the offset after it. */
function writeIfd(w: Writer, at: number, entries: Entry[]): number {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  w.u16(at, sorted.length);
  sorted.forEach((e, i) => {
    const p = at + 2 + i * 12;
    w.u16(p, e.tag);
    w.u16(p + 2, e.type);
    w.u32(p + 4, e.count);
    e.value(w, p + 8);
  });
  w.u32(at + 2 + sorted.length * 12, 0);
  return at + 2 + sorted.length * 12 + 4;
}

/** An EXIF TIFF structure (what follows "Exif\0\0" in a JPEG) holding IFD0 with Orientation. */
export function exifBlock(orientation: number, layout: ExifLayout): Buffer {
  const makerNote = layout.makerNote ?? 0;
  const make = Buffer.from('flipbook-test\0', 'latin1');
  const ifd0Entries = 3 + (makerNote > 0 ? 1 : 0);
  const ifd0Size = 2 + ifd0Entries * 12 + 4;
  const makeAt = layout.ifd0Offset + ifd0Size;
  const exifIfdAt = makeAt + make.length + (make.length % 2);
  const exifIfdSize = 2 + 12 + 4;
  const noteAt = exifIfdAt + exifIfdSize;
  const total = makerNote > 0 ? noteAt + makerNote : exifIfdAt;
  const w = new Writer(Buffer.alloc(total), layout.order === 'II');
  w.buffer.write(layout.order, 0, 'latin1');
  w.u16(2, 42);
  w.u32(4, layout.ifd0Offset);
  const entries: Entry[] = [
    { tag: 0x010f, type: 2, count: make.length, value: (wr, at) => wr.u32(at, makeAt) },
    orientationEntry(orientation, layout.type),
    { tag: 0x0131, type: 2, count: 4, value: (wr, at) => wr.buffer.write('tst\0', at, 'latin1') },
  ];
  if (makerNote > 0) entries.push({ tag: 0x8769, type: 4, count: 1, value: (wr, at) => wr.u32(at, exifIfdAt) });
  writeIfd(w, layout.ifd0Offset, entries);
  make.copy(w.buffer, makeAt);
  if (makerNote > 0) {
    writeIfd(w, exifIfdAt, [{ tag: 0x927c, type: 7, count: makerNote, value: (wr, at) => wr.u32(at, noteAt) }]);
    for (let i = 0; i < makerNote; i++) w.buffer[noteAt + i] = (i * 31) & 0xff;
  }
  return w.buffer;
}

/** The quadrant picture the orientation tests use: four colours, so every one of the 8 orientations looks different. */
export const CORNERS: { tl: Rgb; tr: Rgb; bl: Rgb; br: Rgb } = { tl: [255, 0, 0], tr: [0, 255, 0], bl: [0, 0, 255], br: [255, 255, 255] };

function canvasOf(image: Image): Canvas {
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  const data = ctx.createImageData(image.width, image.height);
  for (let i = 0; i < image.width * image.height; i++) {
    data.data[i * 4] = image.data[i * 3] ?? 0;
    data.data[i * 4 + 1] = image.data[i * 3 + 1] ?? 0;
    data.data[i * 4 + 2] = image.data[i * 3 + 2] ?? 0;
    data.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(data, 0, 0);
  return canvas;
}

/** JPEG segments after SOI, as [marker, whole segment bytes]. Stops at SOS (the rest is kept whole). */
function jpegSegments(jpeg: Buffer): { head: Buffer[]; rest: Buffer; app0?: Buffer } {
  const head: Buffer[] = [];
  let app0: Buffer | undefined;
  let p = 2;
  while (p < jpeg.length && jpeg[p] === 0xff && jpeg[p + 1] !== 0xda) {
    const length = jpeg.readUInt16BE(p + 2);
    const segment = jpeg.subarray(p, p + 2 + length);
    if (jpeg[p + 1] === 0xe0) app0 = segment;
    else head.push(segment);
    p += 2 + length;
  }
  return { head, rest: jpeg.subarray(p), ...(app0 ? { app0 } : {}) };
}

/** A JPEG of `image` with an EXIF APP1 segment, first or after a JFIF APP0. */
export function jpegWithExif(image: Image, exif: Buffer | undefined, options: { jfif: boolean }): Buffer {
  const plain = canvasOf(image).toBuffer('image/jpeg', 95);
  const { head, rest, app0 } = jpegSegments(plain);
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  if (options.jfif) {
    if (!app0) throw new Error('the canvas JPEG has no JFIF segment to keep');
    parts.push(app0);
  }
  if (exif) {
    const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), exif]);
    if (body.length + 2 > 0xffff) throw new Error('EXIF block too large for one APP1 segment');
    const marker = Buffer.from([0xff, 0xe1, 0, 0]);
    marker.writeUInt16BE(body.length + 2, 2);
    parts.push(marker, body);
  }
  parts.push(...head, rest);
  return Buffer.concat(parts);
}

/** A PNG of `image` with an eXIf chunk before its pixel data. */
export function pngWithExif(image: Image, exif: Buffer): Buffer {
  const png = encodePng(image);
  const idat = 8 + 25; // signature + IHDR chunk
  return Buffer.concat([png.subarray(0, idat), pngChunk('eXIf', exif), png.subarray(idat)]);
}

function riffChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

/** The VP8 or VP8L chunk of a WebP file. */
function webpImageChunk(webp: Buffer): Buffer {
  let p = 12;
  while (p + 8 <= webp.length) {
    const type = webp.toString('latin1', p, p + 4);
    const size = webp.readUInt32LE(p + 4);
    if (type === 'VP8 ' || type === 'VP8L') return webp.subarray(p, p + 8 + size + (size % 2));
    p += 8 + size + (size % 2);
  }
  throw new Error('no VP8/VP8L chunk in the canvas WebP');
}

/** An extended WebP (VP8X) of `image` with an EXIF chunk after the image data, as the spec orders it. */
export function webpWithExif(image: Image, exif: Buffer): Buffer {
  const picture = webpImageChunk(canvasOf(image).toBuffer('image/webp', 100));
  const vp8x = Buffer.alloc(10);
  vp8x[0] = 0x08; // EXIF present
  vp8x.writeUIntLE(image.width - 1, 4, 3);
  vp8x.writeUIntLE(image.height - 1, 7, 3);
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), riffChunk('VP8X', vp8x), picture, riffChunk('EXIF', exif)]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

/**
 * An uncompressed 8-bit RGB TIFF of `image` with Orientation in IFD0, typed as asked. IFD0 sits
 * right after the header when `ifdFirst`, else after the pixels (as ImageMagick writes it).
 */
export function tiffWithOrientation(image: Image, orientation: number, options: { order: ByteOrder; type: IntType; ifdFirst: boolean }): Buffer {
  const pixels = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const entryCount = 11;
  const ifdSize = 2 + entryCount * 12 + 4;
  const ifdAt = options.ifdFirst ? 8 : 8 + pixels.length + (pixels.length % 2);
  const bitsAt = ifdAt + ifdSize;
  const pixelsAt = options.ifdFirst ? bitsAt + 6 : 8;
  const total = options.ifdFirst ? pixelsAt + pixels.length : bitsAt + 6;
  const w = new Writer(Buffer.alloc(total), options.order === 'II');
  w.buffer.write(options.order, 0, 'latin1');
  w.u16(2, 42);
  w.u32(4, ifdAt);
  const short = (tag: number, value: number): Entry => ({ tag, type: 3, count: 1, value: (wr, at) => wr.u16(at, value) });
  const long = (tag: number, value: number): Entry => ({ tag, type: 4, count: 1, value: (wr, at) => wr.u32(at, value) });
  writeIfd(w, ifdAt, [
    long(0x0100, image.width),
    long(0x0101, image.height),
    { tag: 0x0102, type: 3, count: 3, value: (wr, at) => wr.u32(at, bitsAt) },
    short(0x0103, 1),
    short(0x0106, 2),
    long(0x0111, pixelsAt),
    orientationEntry(orientation, options.type),
    short(0x0115, 3),
    long(0x0116, image.height),
    long(0x0117, pixels.length),
    short(0x011c, 1),
  ]);
  for (let i = 0; i < 3; i++) w.u16(bitsAt + 2 * i, 8);
  pixels.copy(w.buffer, pixelsAt);
  return w.buffer;
}

/**
 * Where each stored corner shows up once orientation `o` is applied: for each displayed corner,
 * the stored corner whose colour it has (EXIF 1-8: identity, mirror, 180, flip, transpose, 90 CW,
 * transverse, 90 CCW).
 */
export const SHOWN_CORNERS: Record<number, { tl: keyof typeof CORNERS; tr: keyof typeof CORNERS; bl: keyof typeof CORNERS; br: keyof typeof CORNERS }> = {
  1: { tl: 'tl', tr: 'tr', bl: 'bl', br: 'br' },
  2: { tl: 'tr', tr: 'tl', bl: 'br', br: 'bl' },
  3: { tl: 'br', tr: 'bl', bl: 'tr', br: 'tl' },
  4: { tl: 'bl', tr: 'br', bl: 'tl', br: 'tr' },
  5: { tl: 'tl', tr: 'bl', bl: 'tr', br: 'br' },
  6: { tl: 'bl', tr: 'tl', bl: 'br', br: 'tr' },
  7: { tl: 'br', tr: 'tr', bl: 'bl', br: 'tl' },
  8: { tl: 'tr', tr: 'br', bl: 'tl', br: 'bl' },
};
