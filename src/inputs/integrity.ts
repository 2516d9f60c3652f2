/**
 * Whether an image file is whole, by its own structure: what a decoder that conceals damage
 * would let through. FFmpeg's decoders, even strict, decode a progressive JPEG whose later scans
 * are missing (it still ends with an end-of-image marker) and a GIF cut anywhere after its first
 * rows, and return a picture as if whole. These checks walk the container (markers, chunks,
 * blocks, strips) and say what is missing; they do not decode pixels, which the decoder does.
 */
import type { ImageType } from './image-types.js';

/**
 * What is missing or broken in `bytes` (a whole file of `type`), said of the file ("it ends
 * without its trailer"), or undefined when it is whole.
 */
export function findDamage(bytes: Uint8Array, type: ImageType): string | undefined {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case 'jpg':
      return jpegDamage(b);
    case 'png':
      return pngDamage(b);
    case 'gif':
      return gifDamage(b);
    case 'webp':
      return webpDamage(b);
    case 'tiff':
      return tiffDamage(b);
    case 'bmp':
      return bmpDamage(b);
  }
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
const PROGRESSIVE = new Set([0xc2, 0xc6, 0xca, 0xce]);

function jpegDamage(b: Buffer): string | undefined {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return 'it does not start with a JPEG start-of-image marker';
  let p = 2;
  let components: number[] | undefined;
  let progressive = false;
  /** Per component id: for a progressive file, which of the 64 coefficients reached full precision; else whether a scan carried it. */
  const done = new Map<number, boolean[]>();
  let scans = 0;
  for (;;) {
    // Fill bytes (0xFF) may precede a marker.
    while (p < b.length && b[p] === 0xff && b[p + 1] === 0xff) p++;
    if (p + 2 > b.length) return scans === 0 ? 'it ends before its image data' : 'it ends without an end-of-image marker';
    if (b[p] !== 0xff) return `no JPEG marker where one should be (byte ${p})`;
    const marker = b[p + 1] as number;
    if (marker === 0xd9) break;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      p += 2;
      continue;
    }
    if (p + 4 > b.length) return 'it ends inside a marker segment';
    const length = b.readUInt16BE(p + 2);
    if (length < 2 || p + 2 + length > b.length) return 'a marker segment is longer than what is left of the file';
    const body = b.subarray(p + 4, p + 2 + length);
    if (SOF_MARKERS.has(marker)) {
      if (body.length < 6) return 'its frame header is too short';
      const count = body[5] as number;
      if (body.length < 6 + 3 * count) return 'its frame header is too short';
      components = [];
      for (let i = 0; i < count; i++) components.push(body[6 + 3 * i] as number);
      progressive = PROGRESSIVE.has(marker);
      for (const id of components) done.set(id, new Array<boolean>(progressive ? 64 : 1).fill(false));
    }
    p += 2 + length;
    if (marker === 0xda) {
      if (!components) return 'image data comes before the frame header';
      const count = body[0] ?? 0;
      const ss = body[1 + 2 * count] ?? 0;
      const se = body[2 + 2 * count] ?? 0;
      const al = (body[3 + 2 * count] ?? 0) & 0x0f;
      for (let i = 0; i < count; i++) {
        const coefficients = done.get(body[1 + 2 * i] ?? -1);
        if (!coefficients) continue;
        if (!progressive) coefficients[0] = true;
        else if (al === 0) for (let k = ss; k <= Math.min(se, 63); k++) coefficients[k] = true;
      }
      // The entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart.
      const start = p;
      while (p < b.length) {
        if (b[p] === 0xff) {
          const next = b[p + 1];
          if (next === undefined) break;
          if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) break;
          if (next === 0xff) {
            p++;
            continue;
          }
          p += 2;
          continue;
        }
        p++;
      }
      if (p >= b.length) return 'its image data stops in the middle of a scan';
      if (p === start) return 'a scan holds no data';
      scans++;
    }
  }
  if (!components) return 'it has no frame header';
  if (scans === 0) return 'it holds no image data (no scan)';
  for (const [id, coefficients] of done) {
    const missing = coefficients.filter((c) => !c).length;
    if (missing === 0) continue;
    if (!progressive) return `colour component ${id} never received its data (a scan is missing)`;
    return `the later scans of the progressive image are missing (component ${id} lacks ${missing} of its 64 coefficients at full precision)`;
  }
  return undefined;
}

function pngDamage(b: Buffer): string | undefined {
  let p = 8;
  let idat = false;
  while (p + 8 <= b.length) {
    const length = b.readUInt32BE(p);
    const type = b.toString('latin1', p + 4, p + 8);
    if (p + 12 + length > b.length) return `its ${type} chunk declares ${length} bytes but the file ends before them`;
    if (type === 'IDAT') idat = true;
    if (type === 'IEND') return idat ? undefined : 'it holds no image data (no IDAT chunk)';
    p += 12 + length;
  }
  return idat ? 'it ends without its IEND chunk' : 'it ends before its image data';
}

function gifDamage(b: Buffer): string | undefined {
  if (b.length < 13) return 'it ends inside its header';
  let p = 13;
  const flags = b[10] as number;
  if (flags & 0x80) p += 3 * 2 ** ((flags & 7) + 1);
  let images = 0;
  const subBlocks = (): boolean => {
    while (p < b.length) {
      const size = b[p] as number;
      p += 1 + size;
      if (size === 0) return p <= b.length;
    }
    return false;
  };
  for (;;) {
    if (p >= b.length) return images === 0 ? 'it ends before its first image' : 'it ends without its trailer';
    const block = b[p];
    if (block === 0x3b) return images === 0 ? 'it holds no image' : undefined;
    if (block === 0x21) {
      p += 2;
      if (!subBlocks()) return 'it ends inside an extension block';
    } else if (block === 0x2c) {
      if (p + 10 > b.length) return 'it ends inside an image descriptor';
      const local = b[p + 9] as number;
      p += 10;
      if (local & 0x80) p += 3 * 2 ** ((local & 7) + 1);
      p += 1; // LZW minimum code size
      if (!subBlocks()) return `the data of image ${images + 1} stops before its end`;
      images++;
    } else {
      return `an unknown block (0x${(block ?? 0).toString(16)}) at byte ${p}`;
    }
  }
}

function webpDamage(b: Buffer): string | undefined {
  if (b.length < 12) return 'it ends inside its header';
  const declared = b.readUInt32LE(4) + 8;
  if (declared > b.length) return `its header declares ${declared} bytes, the file has ${b.length}`;
  let p = 12;
  let image = false;
  while (p + 8 <= declared) {
    const type = b.toString('latin1', p, p + 4);
    const size = b.readUInt32LE(p + 4);
    if (p + 8 + size > declared) return `its ${type.trim()} chunk declares ${size} bytes but the file ends before them`;
    if (type === 'VP8 ' || type === 'VP8L' || type === 'ANMF') image = true;
    p += 8 + size + (size % 2);
  }
  return image ? undefined : 'it holds no image data';
}

function tiffDamage(b: Buffer): string | undefined {
  if (b.length < 8) return 'it ends inside its header';
  const le = b[0] === 0x49;
  const u16 = (o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const ifd = u32(4);
  if (ifd + 2 > b.length) return 'its image directory is past the end of the file';
  const count = u16(ifd);
  if (ifd + 2 + count * 12 > b.length) return 'it ends inside its image directory';
  /** Bytes a value of each TIFF field type takes (BYTE, ASCII, SHORT, LONG, RATIONAL, ... IFD). */
  const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];
  const tags = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    const tag = u16(entry);
    const type = u16(entry + 2);
    const n = u32(entry + 4);
    const size = TYPE_SIZE[type] ?? 0;
    const at = n * size <= 4 ? entry + 8 : u32(entry + 8);
    if (at + n * size > b.length) return 'a tag of its image directory points past the end of the file';
    if ((tag === 273 || tag === 279 || tag === 324 || tag === 325) && (size === 2 || size === 4)) {
      const out: number[] = [];
      for (let k = 0; k < n; k++) out.push(size === 2 ? u16(at + 2 * k) : u32(at + 4 * k));
      tags.set(tag, out);
    }
  }
  const offsets = tags.get(273) ?? tags.get(324) ?? [];
  const counts = tags.get(279) ?? tags.get(325) ?? [];
  for (let i = 0; i < offsets.length; i++) {
    const end = (offsets[i] ?? 0) + (counts[i] ?? 0);
    if (end > b.length) return `its image data runs to byte ${end}, the file has ${b.length}`;
  }
  return undefined;
}

function bmpDamage(b: Buffer): string | undefined {
  if (b.length < 30) return 'it ends inside its header';
  const dataAt = b.readUInt32LE(10);
  const headerSize = b.readUInt32LE(14);
  if (14 + headerSize > b.length || headerSize < 12) return 'it ends inside its header';
  if (headerSize === 12) return dataAt > b.length ? 'it ends before its image data' : undefined;
  if (b.length < 38) return 'it ends inside its header';
  const width = b.readInt32LE(18);
  const height = Math.abs(b.readInt32LE(22));
  const bits = b.readUInt16LE(28);
  const compression = b.readUInt32LE(30);
  const sizeImage = b.readUInt32LE(34);
  let needed: number;
  if (compression === 0 || compression === 3 || compression === 6) needed = dataAt + Math.floor((bits * width + 31) / 32) * 4 * height;
  else needed = dataAt + sizeImage;
  if (needed > b.length) return `its pixels need ${needed} bytes, the file has ${b.length}`;
  return undefined;
}
