/** Reads back what stitch wrote, with flipbook's own engine, and looks at its pixels. */
import assert from 'node:assert/strict';

import type { VideoTrackInfo } from '../../src/index.js';
import { type DecodedVideoFrame, VideoReader } from './video-reader.js';
import type { Image, Rgb } from './images.js';

export interface ReadBack {
  /** The container's duration in seconds. */
  duration: number | undefined;
  container: string;
  video: VideoTrackInfo;
  /** Every decoded frame as tightly packed RGB. */
  frames: DecodedVideoFrame[];
}

export async function readVideo(file: string): Promise<ReadBack> {
  const reader = await VideoReader.open(file);
  try {
    const frames: DecodedVideoFrame[] = [];
    for await (const frame of reader.frames('rgb')) frames.push(frame);
    return { duration: reader.duration, container: reader.container, video: reader.video, frames };
  } finally {
    await reader.close();
  }
}

/** Seconds to whole milliseconds, for "duration to the millisecond". */
export function ms(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}

/**
 * The checks every H.264 output must pass: High profile, yuv420p, BT.709 limited range,
 * the given size, frame count and duration (to the millisecond, container and stream).
 */
export function assertH264(back: ReadBack, expected: { width: number; height: number; frames: number; duration: number }): void {
  const { video } = back;
  assert.equal(video.codec, 'h264');
  assert.equal(video.profile, 'High');
  assertCommon(back, expected);
}

export function assertCommon(back: ReadBack, expected: { width: number; height: number; frames: number; duration: number }): void {
  const { video } = back;
  assert.equal(video.pixelFormat, 'yuv420p');
  assert.deepEqual([video.width, video.height], [expected.width, expected.height], 'stream size');
  assert.deepEqual(
    { colorSpace: video.colorSpace, colorPrimaries: video.colorPrimaries, colorTransfer: video.colorTransfer, colorRange: video.colorRange },
    { colorSpace: 'bt709', colorPrimaries: 'bt709', colorTransfer: 'bt709', colorRange: 'tv' },
    'colour tags',
  );
  assert.equal(back.frames.length, expected.frames, 'decoded frame count');
  for (const frame of back.frames) assert.deepEqual([frame.width, frame.height], [expected.width, expected.height], `frame ${frame.index} size`);
  assert.equal(ms(back.duration), ms(expected.duration), 'container duration (ms)');
  if (video.duration !== undefined) assert.equal(ms(video.duration), ms(expected.duration), 'stream duration (ms)');
}

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The mean colour of a region of an RGB frame. */
export function meanColour(frame: { data: Uint8Array; width: number }, region: Region): Rgb {
  let r = 0;
  let g = 0;
  let b = 0;
  for (let y = region.y; y < region.y + region.height; y++) {
    for (let x = region.x; x < region.x + region.width; x++) {
      const i = (y * frame.width + x) * 3;
      r += frame.data[i] ?? 0;
      g += frame.data[i + 1] ?? 0;
      b += frame.data[i + 2] ?? 0;
    }
  }
  const n = region.width * region.height;
  return [Math.round(r / n), Math.round(g / n), Math.round(b / n)];
}

/** Every channel within `tolerance` of the expected colour. */
export function assertColour(actual: Rgb, expected: Rgb, label: string, tolerance = 12): void {
  const off = actual.some((c, i) => Math.abs(c - (expected[i] ?? 0)) > tolerance);
  assert.ok(!off, `${label}: expected about rgb(${expected.join(', ')}), got rgb(${actual.join(', ')})`);
}

/** The colour of the middle of a region, away from its edges (chroma is shared by 2x2 pixels). */
export function colourIn(frame: DecodedVideoFrame, region: Region, margin = 4): Rgb {
  return meanColour(frame, { x: region.x + margin, y: region.y + margin, width: region.width - 2 * margin, height: region.height - 2 * margin });
}

/** The four quadrants of a frame. */
export function quadrants(width: number, height: number): { tl: Region; tr: Region; bl: Region; br: Region } {
  const w = width / 2;
  const h = height / 2;
  return {
    tl: { x: 0, y: 0, width: w, height: h },
    tr: { x: w, y: 0, width: w, height: h },
    bl: { x: 0, y: h, width: w, height: h },
    br: { x: w, y: h, width: w, height: h },
  };
}

/** The peak signal-to-noise ratio of two 8-bit RGB pictures of one size, in dB (99 when equal). */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length, 'PSNR of pictures of different sizes');
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    sum += d * d;
  }
  const mse = sum / a.length;
  return mse === 0 ? 99 : 10 * Math.log10((255 * 255) / mse);
}

/** The mean PSNR of decoded frames against their source pictures, frame by frame. */
export function meanPsnr(decoded: readonly { data: Uint8Array }[], sources: readonly Image[]): number {
  assert.equal(decoded.length, sources.length, 'as many decoded frames as sources');
  let total = 0;
  decoded.forEach((frame, i) => {
    const source = sources[i];
    assert.ok(source && source.channels === 3, 'RGB source');
    total += psnr(frame.data, source.data);
  });
  return total / decoded.length;
}

/** Which colour of `palette` a region is nearest to (by squared distance). */
export function nearest(colour: Rgb, palette: readonly Rgb[]): number {
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  palette.forEach((p, i) => {
    const d = (colour[0] - p[0]) ** 2 + (colour[1] - p[1]) ** 2 + (colour[2] - p[2]) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = i;
    }
  });
  return best;
}
