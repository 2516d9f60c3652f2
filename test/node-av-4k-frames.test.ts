// npm test: a process of its own (it collects garbage and reuses freed memory on purpose).
/**
 * The 4K frame-lifetime regression (node-av 6.1.1): Frame.fromVideoBuffer wraps a JavaScript
 * buffer without copying it, and when the buffer was collected while FFmpeg still held the
 * frame, a 4K encode segfaulted in 9 runs of 9. pictureFromPixels must copy into FFmpeg-owned
 * memory. Here every source buffer is dropped and collected, and its memory written over,
 * before FFmpeg reads the pictures; the pictures must still encode, and decode to their colours.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { Normaliser, type Picture, VideoEncoder, pictureFromPixels } from '../src/engine/index.js';
import { VideoReader } from './helpers/video-reader.js';
import { PALETTE, type Rgb } from './helpers/images.js';
import { tempDir } from './helpers/temp.js';
import { assertColour, colourIn } from './helpers/video.js';

const WIDTH = 3840;
const HEIGHT = 2160;
const FRAMES = 4;

/** A full collection: global.gc under --expose-gc, else the flag set at run time, else memory pressure. */
function collect(): void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = undefined;
    }
  }
  if (gc) {
    gc();
    gc();
    return;
  }
  for (let i = 0; i < 8; i++) new Uint8Array(64 * 1024 * 1024).fill(i);
}

/** Writes over freed memory with buffers of the same size, so a dangling picture would show it. */
function overwriteFreedMemory(): void {
  const junk = Array.from({ length: FRAMES }, () => new Uint8Array(WIDTH * HEIGHT * 3).fill(0x5a));
  assert.equal(junk.length, FRAMES);
}

function colourOf(i: number): Rgb {
  return PALETTE[i % PALETTE.length] ?? [0, 0, 0];
}

/** A picture made from a JavaScript buffer that nothing references once this returns. */
function pictureFromDroppedBuffer(i: number): Picture {
  const data = new Uint8Array(WIDTH * HEIGHT * 3);
  const [r, g, b] = colourOf(i);
  for (let p = 0; p < data.length; p += 3) {
    data[p] = r;
    data[p + 1] = g;
    data[p + 2] = b;
  }
  return pictureFromPixels({ data, width: WIDTH, height: HEIGHT, layout: 'rgb' });
}

describe('engine: 4K pictures from JavaScript buffers', () => {
  it(`encodes ${FRAMES} frames of ${WIDTH}x${HEIGHT} whose source buffers were collected, and they decode to their colours`, async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, '4k.mp4');
    const pictures = Array.from({ length: FRAMES }, (_, i) => pictureFromDroppedBuffer(i));
    collect();
    overwriteFreedMemory();
    collect();
    // veryfast keeps a lookahead and B-frames: x264 holds every frame until the flush.
    const encoder = await VideoEncoder.open({
      file,
      container: 'mp4',
      codec: 'h264',
      width: WIDTH,
      height: HEIGHT,
      timeBase: { num: 1, den: 25 },
      frameRate: { num: 25, den: 1 },
      preset: 'veryfast',
      faststart: false,
    });
    const normaliser = new Normaliser({
      fitWidth: WIDTH,
      fitHeight: HEIGHT,
      width: WIDTH,
      height: HEIGHT,
      fit: 'contain',
      background: '0x000000',
      pixelFormat: 'yuv420p',
      flattenAlpha: true,
    });
    try {
      for (const [i, picture] of pictures.entries()) {
        const normalised = await normaliser.process(picture, 1);
        try {
          await encoder.write(normalised, i, 1);
        } finally {
          normalised.release();
        }
        collect();
      }
      assert.deepEqual(await encoder.finish(), { frames: FRAMES });
    } finally {
      normaliser.close();
      await encoder.close();
    }

    const reader = await VideoReader.open(file);
    try {
      assert.deepEqual([reader.video.width, reader.video.height, reader.video.codec, reader.video.pixelFormat], [WIDTH, HEIGHT, 'h264', 'yuv420p']);
      let n = 0;
      for await (const frame of reader.frames('rgb')) {
        assert.deepEqual([frame.width, frame.height], [WIDTH, HEIGHT]);
        for (const [x, y] of [
          [0, 0],
          [WIDTH / 2, HEIGHT / 2],
        ] as const) {
          assertColour(colourIn(frame, { x, y, width: WIDTH / 2, height: HEIGHT / 2 }, 16), colourOf(n), `frame ${n} at ${x},${y}`);
        }
        n++;
      }
      assert.equal(n, FRAMES);
      assert.equal(Math.round((reader.duration ?? 0) * 1000), (FRAMES * 1000) / 25);
    } finally {
      await reader.close();
    }
  });
});
