/**
 * Test media for split, readFrames, probe and contactSheet, made at test time: with flipbook's
 * own engine (PNG frames) and stitch, or with the reference ffmpeg (Debian's, /usr/bin) for
 * what flipbook does not write (rotation metadata, variable frame rate, 10-bit, 4:2:2, audio,
 * MP4 without fast start). Without ffmpeg those tests skip, except in CI, where they fail.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

import { ImageEncoder, pictureFromPixels } from '../../src/engine/index.js';
import { readFrames, stitch } from '../../src/index.js';

export const FFMPEG = process.env.FLIPBOOK_FFMPEG ?? '/usr/bin/ffmpeg';
export const FFPROBE = process.env.FLIPBOOK_FFPROBE ?? '/usr/bin/ffprobe';

/**
 * Whether a reference tool is there. Missing in CI: a failure that says what to install.
 * Missing elsewhere: the test is skipped with a message.
 */
export function needTool(t: TestContext, tool: string): boolean {
  if (existsSync(tool)) return true;
  const message = `${tool} is missing: install Debian's ffmpeg package (apt-get install ffmpeg) to run this test`;
  if (process.env.CI) throw new Error(message);
  t.skip(message);
  return false;
}

export function run(command: string, args: readonly string[], input?: Buffer): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, [...args], { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.toString()}`, { cause: error }));
      else resolve({ stdout, stderr: stderr.toString() });
    });
    if (input) child.stdin?.end(input);
  });
}

export async function ffmpeg(args: readonly string[], input?: Buffer): Promise<void> {
  await run(FFMPEG, ['-v', 'error', '-nostdin', '-y', ...args], input);
}

export async function ffprobeJson(file: string, args: readonly string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-of', 'json', ...args, file]);
  return JSON.parse(stdout.toString()) as Record<string, unknown>;
}

/** A temporary directory, removed after the test. */
export async function tempDir(t: TestContext, prefix = 'flipbook-split-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A synthetic frame: smooth gradients that move with `n`, a soft-edged disc, and the frame
 * number written as 8 black-or-white bars across the top third (readable after lossy coding).
 */
export function syntheticFrame(n: number, width: number, height: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  const cx = width * (0.25 + 0.5 * ((n * 7) % 16) / 16);
  const cy = height * 0.65;
  const r = Math.min(width, height) * 0.18;
  const barHeight = Math.floor(height / 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (y < barHeight) {
        const bit = Math.floor((x * 8) / width);
        const v = (n >> (7 - bit)) & 1 ? 235 : 20;
        px[i] = v;
        px[i + 1] = v;
        px[i + 2] = v;
        continue;
      }
      const d = Math.hypot(x - cx, y - cy);
      const disc = Math.max(0, Math.min(1, (r - d) / 4));
      px[i] = Math.round((60 + (x * 120) / width + n * 3) * (1 - disc) + 200 * disc);
      px[i + 1] = Math.round((50 + (y * 150) / height) * (1 - disc) + 170 * disc);
      px[i + 2] = Math.round((180 - (x * 80) / width) * (1 - disc) + 60 * disc);
    }
  }
  return px;
}

/** The frame number written by syntheticFrame, read from RGB or gray pixels. */
export function frameNumber(data: Uint8Array, width: number, height: number, channels: number): number {
  let n = 0;
  const y = Math.floor(height / 6);
  for (let bit = 0; bit < 8; bit++) {
    const x = Math.floor(((bit + 0.5) * width) / 8);
    const v = data[(y * width + x) * channels] ?? 0;
    n = (n << 1) | (v > 128 ? 1 : 0);
  }
  return n;
}

/** Writes frames as PNG files with flipbook's encoder; returns their pixels. */
export async function writeFrames(dir: string, count: number, width: number, height: number): Promise<Buffer[]> {
  await mkdir(dir, { recursive: true });
  const encoder = await ImageEncoder.open({ format: 'png', width, height, depth: 8, alpha: false, quality: 90 });
  const frames: Buffer[] = [];
  try {
    for (let n = 0; n < count; n++) {
      const pixels = syntheticFrame(n, width, height);
      frames.push(pixels);
      const picture = pictureFromPixels({ data: pixels, width, height, layout: 'rgb' });
      try {
        await writeFile(join(dir, `src_${String(n).padStart(4, '0')}.png`), await encoder.encode(picture));
      } finally {
        picture.release();
      }
    }
  } finally {
    encoder.close();
  }
  return frames;
}

/** N synthetic frames stitched by flipbook into `file`; returns the source pixels. */
export async function stitchedVideo(dir: string, file: string, count: number, width: number, height: number, options: { fps?: number | string; crf?: number } = {}): Promise<Buffer[]> {
  const frames = await writeFrames(join(dir, 'sources'), count, width, height);
  await stitch(join(dir, 'sources', 'src_*.png'), file, { fps: options.fps ?? 25, crf: options.crf ?? 18, preset: 'ultrafast' });
  return frames;
}

/** Raw RGB of N synthetic frames, for piping into ffmpeg. */
export function rawFrames(count: number, width: number, height: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, (_, n) => syntheticFrame(n, width, height)));
}

/** A video made by the reference ffmpeg from synthetic frames: `-f rawvideo` in, `args` for the output. */
export async function ffmpegVideo(file: string, count: number, width: number, height: number, rate: string, args: readonly string[]): Promise<void> {
  await ffmpeg(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', rate, '-i', '-', ...args, file], rawFrames(count, width, height));
}

/**
 * An MPEG-TS file of `count` synthetic frames at 30 fps, made by the reference ffmpeg: H.264 with
 * x264's defaults (B-frames, one keyframe in 250 frames: the first is the only one) or MPEG-2
 * (a keyframe every 12 frames, 0.4 s). MPEG-TS has no index, and its muxer starts the timestamps
 * at 1.4 s (the first frame's PTS at 1.467 s for H.264, 1.433 s for MPEG-2, its DTS at 1.4 s).
 */
export async function transportStream(file: string, codec: 'h264' | 'mpeg2', count: number, width: number, height: number): Promise<void> {
  const encoder = codec === 'h264' ? ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'] : ['-c:v', 'mpeg2video', '-q:v', '2'];
  await ffmpegVideo(file, count, width, height, '30', [...encoder, '-f', 'mpegts']);
}

/** Decodes a single image file with flipbook's reader (an image is a one-frame video). */
export async function imagePixels(file: string, format: 'rgb' | 'gray' | 'rgba' = 'rgb'): Promise<{ data: Uint8Array; width: number; height: number }> {
  for await (const frame of readFrames(file, { layout: format })) return frame;
  throw new Error(`${file} has no picture`);
}

/** Peak signal-to-noise ratio in dB of two 8-bit pictures of the same layout. */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`psnr: ${a.length} bytes against ${b.length}`);
  let se = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    se += d * d;
  }
  return se === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255 * a.length) / se);
}

/** A WAV file (PCM, mono, 16-bit) of a sine: a media file without video, no tool needed. */
export async function writeWav(file: string, seconds: number, rate = 8000): Promise<void> {
  const samples = Math.round(seconds * rate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  await writeFile(file, Buffer.concat([header, data]));
}
