import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { type FlipbookError, contactSheet, probe } from '../src/index.js';
import { ROOT } from './helpers/cli.js';
import { SHORT_DELAYS, shortDelayGif } from './helpers/gif-blocks.js';
import { FFMPEG, frameNumber, imagePixels, needTool, stitchedVideo, tempDir, transportStream } from './helpers/test-media.js';

const W = 160;
const H = 96;
const FPS = 10;
const COUNT = 40;

/** The frame number shown in the thumbnail at (x, y): its bars are in the top third. */
function thumbnailNumber(sheet: { data: Uint8Array; width: number }, x: number, y: number, w: number, h: number): number {
  const cell = Buffer.alloc(w * h * 3);
  for (let row = 0; row < h; row++) cell.set(sheet.data.subarray(((y + row) * sheet.width + x) * 3, ((y + row) * sheet.width + x + w) * 3), row * w * 3);
  return frameNumber(cell, w, h, 3);
}

describe('contactSheet', () => {
  test('columns × rows thumbnails spread over the video: the grid has the right size, and each shows the frame on screen at its time', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, COUNT, W, H, { fps: FPS });
    const output = join(dir, 'sheet.png');
    const result = await contactSheet(video, output, { columns: 3, rows: 2, width: 500 });
    const gap = result.gap;
    assert.equal(result.thumbnails.length, 6);
    assert.equal(result.thumbWidth, Math.floor((500 - 4 * gap) / 3));
    assert.equal(result.thumbHeight, Math.round((result.thumbWidth * H) / W));
    assert.deepEqual([result.width, result.height], [500, 2 * result.thumbHeight + 3 * gap]);
    const image = await imagePixels(output);
    assert.deepEqual([image.width, image.height], [result.width, result.height]);
    const info = await probe(output);
    assert.equal(info.video?.codec, 'png');
    const duration = COUNT / FPS;
    for (const [k, thumb] of result.thumbnails.entries()) {
      // The middle of each of 6 equal parts of the video.
      assert.ok(Math.abs(thumb.time - (duration * (k + 0.5)) / 6) < 1e-9);
      assert.equal(thumb.x, gap + (k % 3) * (result.thumbWidth + gap));
      assert.equal(thumb.y, gap + Math.floor(k / 3) * (result.thumbHeight + gap));
      const shown = Math.floor(thumb.time * FPS + 1e-9);
      assert.equal(thumbnailNumber(image, thumb.x, thumb.y, result.thumbWidth, result.thumbHeight), shown, `thumbnail ${k} at ${thumb.time} s`);
      assert.ok(Math.abs(thumb.frameTime - shown / FPS) < 1e-9);
    }
  });

  test('every N seconds as JPEG: as many rows as needed', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mkv');
    await stitchedVideo(dir, video, COUNT, W, H, { fps: FPS });
    const output = join(dir, 'sheet.jpg');
    const result = await contactSheet(video, output, { columns: 4, every: '0.5s', width: 640, labels: false });
    assert.equal(result.thumbnails.length, 8);
    assert.equal(result.rows, 2);
    assert.deepEqual(result.thumbnails.map((th) => th.time), [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
    const info = await probe(output);
    assert.equal(info.video?.codec, 'mjpeg');
    assert.deepEqual([info.video?.width, info.video?.height], [640, result.height]);
    const image = await imagePixels(output);
    for (const thumb of result.thumbnails) {
      assert.equal(thumbnailNumber(image, thumb.x, thumb.y, result.thumbWidth, result.thumbHeight), Math.round(thumb.time * FPS));
    }
  });

  test('MPEG-TS (no index, timestamps from 1.4 s), H.264 and MPEG-2: the whole length, each thumbnail the frame on screen at its time', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    const dir = await tempDir(t);
    // The end of the frames is found by a seek near the end: it landed where nothing decodes (H.264,
    // its only keyframe the first frame) or on the wrong frame, and the sheet was refused as cut short.
    for (const codec of ['h264', 'mpeg2'] as const) {
      const video = join(dir, `clip-${codec}.ts`);
      await transportStream(video, codec, 90, 160, 120);
      for (const options of [{ columns: 3, rows: 2 }, { columns: 4, every: 0.5 }]) {
        const warnings: string[] = [];
        const output = join(dir, `sheet-${codec}-${'every' in options ? 'every' : 'grid'}.png`);
        const result = await contactSheet(video, output, { ...options, width: 500, labels: false, onWarning: (w) => warnings.push(w) });
        const times = 'every' in options ? [0, 0.5, 1, 1.5, 2, 2.5] : Array.from({ length: 6 }, (_, k) => (3 * (k + 0.5)) / 6);
        assert.deepEqual(result.thumbnails.map((th) => th.time), times, `${codec}: the times`);
        assert.deepEqual(warnings, [], `${codec}: no warning`);
        const image = await imagePixels(output);
        for (const thumb of result.thumbnails) {
          const shown = Math.floor(thumb.time * 30 + 1e-9);
          assert.equal(thumbnailNumber(image, thumb.x, thumb.y, result.thumbWidth, result.thumbHeight), shown, `${codec}: thumbnail at ${thumb.time} s`);
          assert.ok(Math.abs(thumb.frameTime - shown / 30) < 1e-6, `${codec}: frame time ${thumb.frameTime} at ${thumb.time} s`);
        }
      }
    }
  });

  test('a video with fewer frames than thumbnails asked shows each frame once, in as many rows as they fill, and says so', async (t) => {
    const dir = await tempDir(t);
    // 3 frames at 1 fps: 16 times asked (4 x 4), 3 frames on screen.
    const video = join(dir, 'short.mp4');
    await stitchedVideo(dir, video, 3, W, H, { fps: 1 });
    const warnings: string[] = [];
    const result = await contactSheet(video, join(dir, 'short.png'), { width: 500, onWarning: (w) => warnings.push(w) });
    assert.deepEqual(result.thumbnails.map((th) => th.frameTime), [0, 1, 2]);
    assert.deepEqual([result.columns, result.rows], [4, 1]);
    assert.equal(result.height, result.thumbHeight + 2 * result.gap);
    const image = await imagePixels(join(dir, 'short.png'));
    assert.deepEqual([image.width, image.height], [result.width, result.height]);
    assert.deepEqual(result.thumbnails.map((th) => thumbnailNumber(image, th.x, th.y, result.thumbWidth, result.thumbHeight)), [0, 1, 2]);
    assert.match(warnings.join('\n'), /shows 3 different frames at the 16 times asked/);
    // Rows given are kept (the cells left empty), each frame still once.
    const kept = await contactSheet(video, join(dir, 'kept.png'), { columns: 2, rows: 2, width: 400 });
    assert.deepEqual([kept.rows, kept.thumbnails.length], [2, 3]);
    assert.equal(kept.height, 2 * kept.thumbHeight + 3 * kept.gap);
  });

  test('rows and every together are refused; an existing output is kept', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, 5, W, H);
    await assert.rejects(contactSheet(video, join(dir, 's.png'), { rows: 2, every: 1 }), (e: FlipbookError) => e.option === 'every');
    await contactSheet(video, join(dir, 's.png'), { columns: 2, rows: 1 });
    await assert.rejects(contactSheet(video, join(dir, 's.png')), (e: FlipbookError) => e.code === 'OUTPUT_EXISTS');
  });

  test('a still image is called one, with no advice to remux it', async (t) => {
    const dir = await tempDir(t);
    const still = join(ROOT, 'sample', 'frames', 'frame_1.png');
    await assert.rejects(contactSheet(still, join(dir, 'sheet.png')), {
      code: 'INVALID_INPUT',
      file: still,
      message: `${still} is a still image (png), not a video: a contact sheet shows a video's frames. Give a video; to tile images, stitch them into one first`,
    });
  });
});

describe('contactSheet: GIF timing', () => {
  test('a GIF with delays of 0 and 1 hundredth: thumbnails spread over the 0.65 s a browser plays, each the frame on screen then', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'short-delays.gif');
    await shortDelayGif(file);
    const result = await contactSheet(file, join(dir, 'sheet.png'), { columns: 3, rows: 2 });
    const asked = result.thumbnails.map((th) => th.time);
    assert.ok(Math.abs((asked[0] ?? 0) - SHORT_DELAYS.duration / 12) < 1e-9, `the first thumbnail at 1/12 of 0.65 s: ${asked[0]}`);
    // 0.054, 0.163, 0.271, 0.379, 0.488 and 0.596 s show frames 0, 1, 3, 4, 5 and 5 (shown once).
    assert.deepEqual(result.thumbnails.map((th) => th.frameTime), [0, 0.1, 0.25, 0.35, 0.45]);
    assert.deepEqual(result.thumbnails.map((th) => th.label), ['0:00.00', '0:00.10', '0:00.25', '0:00.35', '0:00.45']);
  });
});
