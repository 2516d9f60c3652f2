/** Reads back GIF, WebP and APNG outputs: frames as RGBA with flipbook's engine, and the loop count from the file's bytes. */
import { readFile } from 'node:fs/promises';

import type { VideoTrackInfo } from '../../src/index.js';
import { type DecodedVideoFrame, VideoReader } from './video-reader.js';
import type { Image } from './images.js';

export interface AnimationBack {
  container: string;
  video: VideoTrackInfo;
  /** Every frame as RGBA. */
  frames: DecodedVideoFrame[];
  /** End of the last frame, seconds (its start plus its delay, from the next frame or the file). */
  lastStart: number;
}

export async function readAnimation(file: string): Promise<AnimationBack> {
  const reader = await VideoReader.open(file);
  try {
    const frames: DecodedVideoFrame[] = [];
    for await (const frame of reader.frames('rgba')) frames.push(frame);
    return { container: reader.container, video: reader.video, frames, lastStart: frames.at(-1)?.time ?? 0 };
  } finally {
    await reader.close();
  }
}

/**
 * How many times the animation plays (0 forever), from the file itself: GIF's NETSCAPE2.0
 * block (repeats after the first play; absent: plays once), WebP's ANIM chunk, APNG's acTL.
 */
export async function loopCount(file: string): Promise<number> {
  const bytes = await readFile(file);
  if (bytes.subarray(0, 3).toString('latin1') === 'GIF') {
    const at = bytes.indexOf('NETSCAPE2.0', 0, 'latin1');
    if (at < 0) return 1;
    const repeats = bytes.readUInt16LE(at + 11 + 2);
    return repeats === 0 ? 0 : repeats + 1;
  }
  if (bytes.subarray(8, 12).toString('latin1') === 'WEBP') {
    const at = bytes.indexOf('ANIM', 12, 'latin1');
    if (at < 0) throw new Error(`${file} has no ANIM chunk`);
    return bytes.readUInt16LE(at + 8 + 4);
  }
  const at = bytes.indexOf('acTL', 8, 'latin1');
  if (at < 0) throw new Error(`${file} has no acTL chunk`);
  return bytes.readUInt32BE(at + 8);
}

/**
 * Each frame's duration in seconds, from the file's own bytes: GIF's graphic control extensions
 * (hundredths), WebP's ANMF chunks (milliseconds), APNG's fcTL chunks (a fraction). What a
 * browser shows, whatever a demuxer makes of the last frame.
 */
export async function frameDurations(file: string): Promise<number[]> {
  const bytes = await readFile(file);
  const out: number[] = [];
  if (bytes.subarray(0, 3).toString('latin1') === 'GIF') {
    // Graphic control extension: 21 F9 04, packed byte, delay (u16 LE), transparent index, 00.
    for (let at = bytes.indexOf(Buffer.from([0x21, 0xf9, 0x04])); at >= 0; at = bytes.indexOf(Buffer.from([0x21, 0xf9, 0x04]), at + 8)) {
      if (bytes[at + 7] === 0) out.push(bytes.readUInt16LE(at + 4) / 100);
    }
    return out;
  }
  if (bytes.subarray(8, 12).toString('latin1') === 'WEBP') {
    for (let at = 12; at + 8 <= bytes.length; ) {
      const size = bytes.readUInt32LE(at + 4);
      if (bytes.subarray(at, at + 4).toString('latin1') === 'ANMF') out.push(bytes.readUIntLE(at + 8 + 12, 3) / 1000);
      at += 8 + size + (size & 1);
    }
    return out;
  }
  for (let at = 8; at + 8 <= bytes.length; ) {
    const size = bytes.readUInt32BE(at);
    if (bytes.subarray(at + 4, at + 8).toString('latin1') === 'fcTL') out.push(bytes.readUInt16BE(at + 8 + 20) / (bytes.readUInt16BE(at + 8 + 22) || 100));
    at += 12 + size;
  }
  return out;
}

/** An RGBA picture: `colourAt` gives [r, g, b, a]. */
export function paintRgba(width: number, height: number, colourAt: (x: number, y: number) => readonly [number, number, number, number]): Image {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(colourAt(x, y), (y * width + x) * 4);
  return { width, height, channels: 4, data };
}

/** RGB of an RGBA frame, for PSNR against an RGB source. */
export function rgbOf(data: Uint8Array): Uint8Array {
  const out = new Uint8Array((data.length / 4) * 3);
  for (let i = 0, j = 0; i < data.length; i += 4, j += 3) {
    out[j] = data[i] ?? 0;
    out[j + 1] = data[i + 1] ?? 0;
    out[j + 2] = data[i + 2] ?? 0;
  }
  return out;
}

/** Mean [r, g, b, a] of a rectangle of an RGBA frame. */
export function meanRgba(frame: { data: Uint8Array; width: number }, x0: number, y0: number, w: number, h: number): number[] {
  const sum = [0, 0, 0, 0];
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      for (let c = 0; c < 4; c++) sum[c] = (sum[c] ?? 0) + (frame.data[(y * frame.width + x) * 4 + c] ?? 0);
    }
  }
  return sum.map((s) => Math.round(s / (w * h)));
}

/** For each block of `block` x `block` pixels, the largest difference of a channel's mean between a decoded RGB picture and its RGB source. */
export function blockErrors(rgb: Uint8Array, source: Image, block = 8): number[] {
  const errors: number[] = [];
  for (let by = 0; by + block <= source.height; by += block) {
    for (let bx = 0; bx + block <= source.width; bx += block) {
      let worst = 0;
      for (let c = 0; c < 3; c++) {
        let a = 0;
        let b = 0;
        for (let y = by; y < by + block; y++) {
          for (let x = bx; x < bx + block; x++) {
            const i = (y * source.width + x) * 3 + c;
            a += rgb[i] ?? 0;
            b += source.data[i] ?? 0;
          }
        }
        worst = Math.max(worst, Math.abs(a - b) / (block * block));
      }
      errors.push(worst);
    }
  }
  return errors;
}
