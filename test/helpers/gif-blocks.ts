/**
 * A GIF's blocks as the file has them (no decoding of pixels): each image's rectangle, its own
 * colour table's size, and its graphic control (disposal, delay, transparent index); and the
 * frames as Debian's ffmpeg 5.1 decodes them (an independent decoder from node-av's FFmpeg 8); and
 * a small scene over transparency whose GIF needs frames kept and frames cleared.
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';

import { createWriter } from '../../src/index.js';

export interface GifImage {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Disposal method of its graphic control extension: 1 keep, 2 restore to background. */
  disposal: number;
  /** Hundredths of a second. */
  delay: number;
  /** The transparent index (flipbook: the number of colours of the image's palette). */
  transparent: number;
  /** Entries of its own colour table (0: it uses the global one). */
  localTable: number;
}

export interface GifBlocks {
  width: number;
  height: number;
  /** Entries of the global colour table. */
  globalTable: number;
  images: GifImage[];
}

export async function gifBlocks(file: string): Promise<GifBlocks> {
  const b = await readFile(file);
  if (b.subarray(0, 6).toString('latin1') !== 'GIF89a') throw new Error(`${file} is not a GIF89a`);
  const flags = b[10] ?? 0;
  const globalTable = flags & 0x80 ? 2 << (flags & 7) : 0;
  let i = 13 + 3 * globalTable;
  const images: GifImage[] = [];
  let control = { disposal: 0, delay: 0, transparent: -1 };
  const skipSubBlocks = (j: number): number => {
    while ((b[j] ?? 0) !== 0) j += (b[j] ?? 0) + 1;
    return j + 1;
  };
  while (i < b.length) {
    const tag = b[i];
    if (tag === 0x3b) break;
    if (tag === 0x21) {
      if (b[i + 1] === 0xf9) {
        const packed = b[i + 3] ?? 0;
        control = { disposal: (packed >> 2) & 7, delay: b.readUInt16LE(i + 4), transparent: packed & 1 ? (b[i + 6] ?? 0) : -1 };
      }
      i = skipSubBlocks(i + 2);
    } else if (tag === 0x2c) {
      const packed = b[i + 9] ?? 0;
      const localTable = packed & 0x80 ? 2 << (packed & 7) : 0;
      images.push({ x: b.readUInt16LE(i + 1), y: b.readUInt16LE(i + 3), width: b.readUInt16LE(i + 5), height: b.readUInt16LE(i + 7), ...control, localTable });
      i = skipSubBlocks(i + 10 + 3 * localTable + 1);
    } else throw new Error(`${file}: unknown block 0x${(tag ?? 0).toString(16)} at ${i}`);
  }
  return { width: b.readUInt16LE(6), height: b.readUInt16LE(8), globalTable, images };
}

/**
 * Rewrites the delays of a GIF's graphic control extensions in place, one per image in order (as
 * a GIF made elsewhere may have them: 0 or 1 hundredth, which flipbook never writes).
 */
export async function setGifDelays(file: string, delays: readonly number[]): Promise<void> {
  const b = await readFile(file);
  const flags = b[10] ?? 0;
  let i = 13 + 3 * (flags & 0x80 ? 2 << (flags & 7) : 0);
  let n = 0;
  const skipSubBlocks = (j: number): number => {
    while ((b[j] ?? 0) !== 0) j += (b[j] ?? 0) + 1;
    return j + 1;
  };
  while (i < b.length && b[i] !== 0x3b) {
    if (b[i] === 0x21) {
      if (b[i + 1] === 0xf9) b.writeUInt16LE(delays[n++] ?? 0, i + 4);
      i = skipSubBlocks(i + 2);
    } else if (b[i] === 0x2c) {
      const packed = b[i + 9] ?? 0;
      i = skipSubBlocks(i + 10 + 3 * (packed & 0x80 ? 2 << (packed & 7) : 0) + 1);
    } else throw new Error(`${file}: unknown block 0x${(b[i] ?? 0).toString(16)} at ${i}`);
  }
  if (n !== delays.length) throw new Error(`${file} has ${n} graphic control extensions, not ${delays.length}`);
  await writeFile(file, b);
}

/** Every frame as RGBA, as Debian's ffmpeg decodes it (one frame per image, no frame-rate conversion). */
export function ffmpegFrames(file: string, width: number, height: number): Uint8Array[] {
  const run = spawnSync('/usr/bin/ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], { maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`ffmpeg 5.1 fails on ${file}: ${run.stderr.toString()}`);
  const size = width * height * 4;
  const out: Uint8Array[] = [];
  for (let at = 0; at + size <= run.stdout.length; at += size) out.push(new Uint8Array(run.stdout.subarray(at, at + size)));
  return out;
}

/**
 * 64x48, 6 frames: a still opaque bar (rows 0-3); a sprite that changes colour in place (frames
 * 0-2), then moves (3-5); a square that appears at frame 4; transparent elsewhere. RGBA of a pixel.
 */
export const SPRITE_SCENE = {
  width: 64,
  height: 48,
  frames: 6,
  rgba(n: number, x: number, y: number): readonly [number, number, number, number] {
    const spriteX = n < 3 ? 8 : 8 + (n - 2) * 10;
    if (y < 4) return [x * 4, 20, 200, 255];
    if (x >= spriteX && x < spriteX + 8 && y >= 20 && y < 28) return [200, 40 + n * 30, 40, 255];
    if (n >= 4 && x >= 50 && x < 56 && y >= 38 && y < 44) return [30, 180, 60, 255];
    return [0, 0, 0, 0];
  },
};

/**
 * A 16x16 GIF of 6 grey frames (levels 0, 40, ..., 200) whose delays as stored are 0, 1, 5, 1, 0
 * and 20 hundredths: a browser shows them for 0.1, 0.1, 0.05, 0.1, 0.1 and 0.2 s (0.65 s in all),
 * FFmpeg 8's reader gave 0.1, 0.01, 0.05, 0.01, 0.1, 0.2 (0.47 s).
 */
export const SHORT_DELAYS = { stored: [0, 1, 5, 1, 0, 20], times: [0, 0.1, 0.2, 0.25, 0.35, 0.45], duration: 0.65, levels: [0, 40, 80, 120, 160, 200] } as const;

export async function shortDelayGif(file: string): Promise<void> {
  const writer = createWriter(file, { width: 16, height: 16, fps: 25 });
  for (const level of SHORT_DELAYS.levels) await writer.write(Buffer.alloc(16 * 16 * 3, level), { layout: 'rgb' });
  await writer.close();
  await setGifDelays(file, SHORT_DELAYS.stored);
}
