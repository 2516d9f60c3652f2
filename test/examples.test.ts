/**
 * The examples in examples/ run at small sizes and their videos are checked by decoding them:
 * the crossfade's every frame against the blend computed here from the decoded sources, the
 * plot's curve growing, frame-stats' counts against the frames kept, the slideshow's order,
 * repeats and timing at 1 and 3 fps.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { VideoReader } from './helpers/video-reader.js';
import { type Image, type Rgb, PALETTE, paint, solid } from './helpers/images.js';
import { writePng } from './helpers/png.js';
import { tempDir } from './helpers/temp.js';
import { assertH264, meanColour, meanPsnr, nearest, readVideo } from './helpers/video.js';
import './helpers/flipbook-from-source.js';
import { createWriter, readFrames } from '../src/index.js';
import { meanRgba, readAnimation } from './helpers/animation.js';

// The examples import 'flipbook' by name: imported once the hook above makes that the source.
const { crossfade } = await import('../examples/crossfade.js');
const { crossfadePhotos } = await import('../examples/crossfade-photos.js');
const { LINE_COLOUR, plot, plotArea } = await import('../examples/plot.js');
const { slideshow } = await import('../examples/slideshow.js');
const { colourShare, parseHex } = await import('../examples/frame-stats.js');
const { videoToGif } = await import('../examples/video-to-gif.js');

/** An image file decoded to RGB by FFmpeg (not by the canvas the example uses). */
async function decodeImageFile(file: string): Promise<Uint8Array> {
  const reader = await VideoReader.open(file);
  try {
    for await (const frame of reader.frames('rgb')) return frame.data;
    throw new Error(`${file} has no picture`);
  } finally {
    await reader.close();
  }
}

describe('examples', () => {
  it('crossfade: 150 frames at 25 fps, each img1 * f + img2 * (1 - f) within 35 dB', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'crossfade.mp4');
    // Two smooth pictures (photo-like: no hard saturated edges, which x264 at crf 23 keeps at ~27 dB).
    const first = await writePng(join(dir, 'warm.png'), paint(64, 48, (x, y) => [200 - x, 80 + y, 40 + x]));
    const second = await writePng(join(dir, 'cool.png'), paint(64, 48, (x, y) => [30 + y, 60 + x, 220 - 2 * y]));
    const result = await crossfade(output, { width: 64, height: 48, first, second });
    assert.equal(result.frames, 150);
    const back = await readVideo(output);
    assertH264(back, { width: 64, height: 48, frames: 150, duration: 6 });
    const [img1, img2] = [await decodeImageFile(first), await decodeImageFile(second)];
    const expected = back.frames.map((_, i): Image => {
      const f = 1 - i / 149;
      return { width: 64, height: 48, channels: 3, data: img1.map((v, p) => Math.round(v * f + (img2[p] ?? 0) * (1 - f))) };
    });
    const quality = meanPsnr(back.frames, expected);
    assert.ok(quality >= 35, `mean PSNR against the blends ${quality.toFixed(1)} dB, expected at least 35`);
  });

  it('crossfade without pictures draws its own two (the package ships no sample): warm first, cool last', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'built-in.mp4');
    const result = await crossfade(output, { width: 64, height: 48, frames: 10 });
    assert.equal(result.frames, 10);
    const back = await readVideo(output);
    assertH264(back, { width: 64, height: 48, frames: 10, duration: 0.4 });
    const whole = { x: 0, y: 0, width: 64, height: 48 };
    const [first, last] = [meanColour(back.frames[0]!, whole), meanColour(back.frames[9]!, whole)];
    assert.ok(first[0] > first[2] + 30, `the sunset is warm: ${first.join(', ')}`);
    assert.ok(last[2] > last[0] + 30, `the sea is cool: ${last.join(', ')}`);
  });

  it('no example reads a file outside the package (examples/ and dist/ alone ship)', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const dir = new URL('../examples/', import.meta.url);
    for (const name of await readdir(dir)) {
      const code = await readFile(new URL(name, dir), 'utf8');
      assert.ok(!/\.\.\/(sample|src|test)\b/.test(code), `${name} refers to a folder the package lacks`);
    }
  });

  it('examples import flipbook by name, and here that name is the source', () => {
    assert.ok(/\/src\/index\.[jt]s$/.test(import.meta.resolve('flipbook')), `flipbook resolves to ${import.meta.resolve('flipbook')}`);
  });

  it('crossfade-photos (the matplotlib port): 150 frames, each a * (1 - t) + b * t of the photos read at the asked size', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'crossfade.mp4');
    // Photos of other sizes and shapes than the video: readImage fits them to exactly 64x48 (cover).
    const first = await writePng(join(dir, 'a.png'), paint(128, 96, (x, y) => [200 - x, 60 + y, 40 + x]));
    const second = await writePng(join(dir, 'b.png'), paint(96, 72, (x, y) => [30 + y, 60 + x, 220 - 2 * y]));
    const result = await crossfadePhotos(first, second, output, { width: 64, height: 48 });
    assert.equal(result.frames, 150);
    const back = await readVideo(output);
    assertH264(back, { width: 64, height: 48, frames: 150, duration: 6 });
    // The expected blends from the photos as flipbook's readImage gives them (checked against FFmpeg's scaler in read-image tests).
    const { readImage } = await import('../src/index.js');
    const [a, b] = [await readImage(first, { width: 64, height: 48, fit: 'cover', layout: 'rgb' }), await readImage(second, { width: 64, height: 48, fit: 'cover', layout: 'rgb' })];
    const expected = back.frames.map((_, i): Image => {
      const tt = i / 149;
      return { width: 64, height: 48, channels: 3, data: a.data.map((v, p) => Math.round(v * (1 - tt) + (b.data[p] ?? 0) * tt)) };
    });
    const quality = meanPsnr(back.frames, expected);
    assert.ok(quality >= 35, `mean PSNR against the blends ${quality.toFixed(1)} dB, expected at least 35`);
    // And the ends are the photos themselves: frame 0 is a, the last is b (not each other).
    const ends = [meanPsnr([back.frames[0]!], [expected[0]!]), meanPsnr([back.frames[0]!], [expected[149]!])];
    assert.ok(ends[0]! > ends[1]! + 5, `frame 0 is the first photo: ${ends.map((e) => e.toFixed(1)).join(' vs ')} dB`);
  });

  it('plot: the sine curve grows across the canvas frame by frame', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'plot.mp4');
    const [width, height] = [320, 180];
    const result = await plot(output, { width, height, fps: 10, duration: 2 });
    assert.equal(result.frames, 20);
    const back = await readVideo(output);
    assertH264(back, { width, height, frames: 20, duration: 2 });
    const area = plotArea(width, height);
    const red: Rgb = [0xd6, 0x27, 0x28];
    assert.equal(LINE_COLOUR, '#d62728');
    // Where the curve is at x = π/2 (y = 1) and x = 3π/2 (y = -1): a 5x5 square around each.
    const spot = (x: number): { x: number; y: number; width: number; height: number } => ({
      x: Math.round(area.px(x)) - 2,
      y: Math.round(area.py(Math.sin(x))) - 2,
      width: 5,
      height: 5,
    });
    const reddest = (frameIndex: number, x: number): number => {
      const frame = back.frames[frameIndex];
      assert.ok(frame, `frame ${frameIndex}`);
      const region = spot(x);
      let best = Number.POSITIVE_INFINITY;
      for (let dy = 0; dy < region.height; dy++) {
        for (let dx = 0; dx < region.width; dx++) {
          const c = meanColour(frame, { x: region.x + dx, y: region.y + dy, width: 1, height: 1 });
          best = Math.min(best, Math.max(...c.map((v, i) => Math.abs(v - (red[i] ?? 0)))));
        }
      }
      return best;
    };
    assert.ok(reddest(0, Math.PI / 2) > 100, 'the first frame has no curve at x = π/2');
    assert.ok(reddest(8, Math.PI / 2) <= 40, 'by frame 8 (progress 0.42) the curve has passed x = π/2');
    assert.ok(reddest(8, (3 * Math.PI) / 2) > 100, 'but not x = 3π/2');
    assert.ok(reddest(19, (3 * Math.PI) / 2) <= 40, 'the last frame has the whole curve');
  });

  it('frame-stats: the red share of every frame of the plot, released frames counted as the same frames kept; it grows with the curve', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'plot.mp4');
    const [width, height] = [320, 180];
    await plot(output, { width, height, fps: 10, duration: 2 });
    const red = parseHex(LINE_COLOUR);
    assert.deepEqual(red, [0xd6, 0x27, 0x28]);
    const stats = await colourShare(output, red);
    assert.equal(stats.length, 20);
    assert.deepEqual(
      stats.map((s) => s.index),
      Array.from({ length: 20 }, (_, i) => i),
    );
    // The same count on every frame read again and kept (new memory each, nothing released): a
    // frame read into released memory holds its own pixels, not a stale frame's.
    const kept = [];
    for await (const frame of readFrames(output, { layout: 'rgb' })) kept.push(frame);
    assert.equal(kept.length, 20);
    kept.forEach((frame, i) => {
      let near = 0;
      for (let p = 0; p < frame.data.length; p += 3) {
        if (Math.abs((frame.data[p] ?? 0) - red[0]) <= 40 && Math.abs((frame.data[p + 1] ?? 0) - red[1]) <= 40 && Math.abs((frame.data[p + 2] ?? 0) - red[2]) <= 40) near++;
      }
      assert.ok(Math.abs(near / (width * height) - (stats[i]?.share ?? -1)) < 1e-9, `frame ${i}: ${near / (width * height)} against ${stats[i]?.share}`);
    });
    // The curve grows: the last frame has several times the red of the first (the dot alone).
    const [first, last] = [stats[0]?.share ?? 0, stats[19]?.share ?? 0];
    assert.ok(last > 3 * first && last > 0.005, `red share ${first} in the first frame, ${last} in the last`);
    assert.throws(() => parseHex('red'), /not a colour/);
  });

  it('slideshow: a list with repeats at 1 fps and 3 fps, in order, one frame a file', async (t) => {
    const dir = await tempDir(t);
    const [red, green, blue, yellow] = [0, 1, 2, 3].map((i) => PALETTE[i] as Rgb) as [Rgb, Rgb, Rgb, Rgb];
    const file = (name: string, colour: Rgb, w = 64, h = 48): Promise<string> => writePng(join(dir, `${name}.png`), solid(w, h, colour));
    const files = [await file('red', red), await file('blue', blue), await file('red', red), await file('small-yellow', yellow, 32, 32), await file('green', green), await file('green', green)];
    for (const fps of [1, 3]) {
      const output = join(dir, `slides-${fps}.mp4`);
      const result = await slideshow(files, output, { fps });
      assert.equal(result.fitted, 1, 'the 32x32 picture is letterboxed');
      const back = await readVideo(output);
      assertH264(back, { width: 64, height: 48, frames: 6, duration: 6 / fps });
      const centre = back.frames.map((frame) => nearest(meanColour(frame, { x: 24, y: 16, width: 16, height: 16 }), [red, green, blue, yellow]));
      assert.deepEqual(centre, [0, 2, 0, 3, 1, 1], `colours in list order at ${fps} fps`);
    }
  });
  it('video-to-gif: an MP4 to a GIF at 5 fps and half the width, every frame at its time and colour; a part of it by start and end', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    // 3 s at 10 fps: a second each of red, green and blue.
    const colours: Rgb[] = [PALETTE[0]!, PALETTE[1]!, PALETTE[2]!];
    const writer = createWriter(video, { fps: 10, preset: 'ultrafast' });
    for (let i = 0; i < 30; i++) await writer.write({ ...solid(64, 48, colours[Math.floor(i / 10)]!), layout: 'rgb' });
    await writer.close();

    const result = await videoToGif(video, join(dir, 'clip.gif'), { fps: 5, width: 32 });
    assert.deepEqual([result.codec, result.frames, result.width, result.height], ['gif', 15, 32, 24]);
    assert.ok(Math.abs(result.duration - 3) < 0.011, `3 s long: ${result.duration}`);
    const back = await readAnimation(join(dir, 'clip.gif'));
    assert.equal(back.frames.length, 15);
    back.frames.forEach((frame, i) => assert.ok(Math.abs(frame.time - i * 0.2) < 0.011, `frame ${i} at ${frame.time} s, not ${i * 0.2}`));
    // (RGBA frames: the mean's first three channels.)
    const colourAt = (frame: { data: Uint8Array; width: number }, x: number, y: number, w: number, h: number): Rgb => meanRgba(frame, x, y, w, h).slice(0, 3) as unknown as Rgb;
    const seen = back.frames.map((frame) => nearest(colourAt(frame, 8, 6, 16, 12), colours));
    assert.deepEqual(seen, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2], 'a second of each colour, in order');

    // The middle second alone: 5 green frames from 0 s.
    const part = await videoToGif(video, join(dir, 'part.gif'), { fps: 5, start: 1, end: 2 });
    assert.deepEqual([part.frames, part.width, part.height], [5, 64, 48]);
    const middle = await readAnimation(join(dir, 'part.gif'));
    assert.equal(middle.frames[0]?.time, 0);
    assert.deepEqual(middle.frames.map((frame) => nearest(colourAt(frame, 16, 12, 32, 24), colours)), [1, 1, 1, 1, 1]);
    // An existing GIF is kept unless overwrite is given.
    await assert.rejects(videoToGif(video, join(dir, 'part.gif'), { fps: 5 }), /already exists/);
  });
});
