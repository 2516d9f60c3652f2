/**
 * A minimal PNG writer for test frames: gray, RGB or RGBA at 8 or 16 bits, filter 0, one IDAT. It is
 * independent of FFmpeg, so what the tests feed flipbook is not made by the code under test.
 */
import { writeFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';

import type { Image } from './images.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOR_TYPE = { 1: 0, 3: 2, 4: 6 } as const;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

/** The IHDR chunk alone: what a header reader sees. */
export function pngHeader(width: number, height: number, channels: 1 | 3 | 4 = 3, depth: 8 | 16 = 8): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = COLOR_TYPE[channels];
  return Buffer.concat([SIGNATURE, pngChunk('IHDR', ihdr)]);
}

export function encodePng(image: Image): Buffer {
  return encodeRows(image.width, image.height, image.channels, 8, Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength));
}

/** 16 bits a sample: `data` holds width x height x channels samples of 0 to 65535. */
export function encodePng16(width: number, height: number, channels: 1 | 3 | 4, data: Uint16Array): Buffer {
  const bytes = Buffer.alloc(data.length * 2);
  data.forEach((v, i) => bytes.writeUInt16BE(v, i * 2));
  return encodeRows(width, height, channels, 16, bytes);
}

function encodeRows(width: number, height: number, channels: 1 | 3 | 4, depth: 8 | 16, pixels: Buffer): Buffer {
  const row = (width * channels * depth) / 8;
  const raw = Buffer.alloc((row + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (row + 1)] = 0;
    pixels.copy(raw, y * (row + 1) + 1, y * row, (y + 1) * row);
  }
  return Buffer.concat([pngHeader(width, height, channels, depth), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', new Uint8Array(0))]);
}

export async function writePng(file: string, image: Image): Promise<string> {
  await writeFile(file, encodePng(image));
  return file;
}
