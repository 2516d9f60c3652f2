/**
 * createWriter: every kind of frame it accepts, read back by decoding what it wrote (frame
 * count, size, pixel format, timestamps to the millisecond, PSNR against the source), and what
 * it refuses (wrong size, bad times, a used-up writer), leaving nothing behind.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';

import { ImageData, createCanvas } from '@napi-rs/canvas';
import { createCanvas as createNodeStyleCanvas } from '@napi-rs/canvas/node-canvas.js';

import { pictureFromPixels } from '../src/engine/index.js';
import { type FrameInput, type Progress, FlipbookError, createWriter } from '../src/index.js';
import { fixture } from './helpers/fixtures.js';
import { type Image, scene, solid } from './helpers/images.js';
import { encodePng, writePng } from './helpers/png.js';
import { listDir, tempDir } from './helpers/temp.js';
import { assertColour, assertH264, colourIn, meanPsnr, ms, psnr, readVideo } from './helpers/video.js';

const W = 96;
const H = 64;

/** An RGB image as RGBA with every pixel's alpha set to `alpha`. */
function withAlpha(image: Image, alpha = 255): Uint8Array {
  const out = new Uint8Array(image.width * image.height * 4);
  for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
    out.set(image.data.subarray(i, i + 3), j);
    out[j + 3] = alpha;
  }
  return out;
}

/** RGBA to RGB (alpha dropped). */
function rgbOf(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Image {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < rgba.length; i += 3, j += 4) data.set(rgba.subarray(j, j + 3), i);
  return { width, height, channels: 3, data };
}

/** The mean PSNR of decoded frames against their sources is at least 35 dB. */
function assertPsnr(decoded: readonly { data: Uint8Array }[], sources: readonly Image[], label = 'mean PSNR'): void {
  const quality = meanPsnr(decoded, sources);
  assert.ok(quality >= 35, `${label} ${quality.toFixed(1)} dB, expected at least 35`);
}

/** Writes `frames` with a fresh writer, decodes the result and checks count, size, timing and PSNR >= 35 dB. */
async function roundTrip(dir: string, name: string, frames: readonly FrameInput[], sources: readonly Image[], size = { width: W, height: H }): Promise<void> {
  const output = join(dir, name);
  const writer = createWriter(output, { ...size, fps: 25 });
  for (const frame of frames) await writer.write(frame);
  const result = await writer.close();
  assert.equal(result.frames, frames.length);
  assert.deepEqual([result.width, result.height], [size.width, size.height]);
  const back = await readVideo(output);
  assertH264(back, { ...size, frames: frames.length, duration: frames.length / 25 });
  assert.deepEqual(
    back.frames.map((f) => ms(f.time)),
    frames.map((_, i) => i * 40),
    'a frame every 40 ms',
  );
  assertPsnr(back.frames, sources);
  assert.deepEqual(await listDir(dir), [name], 'the video and nothing else');
}

describe('createWriter: frame kinds', () => {
  const sources = Array.from({ length: 6 }, (_, n) => scene(W, H, n));

  it('writes N RGB frames ({ data, width, height, format: "rgb" }) as N frames: size, yuv420p, 25 fps, PSNR >= 35 dB', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'rgb.mp4');
    const frames = Array.from({ length: 30 }, (_, n) => scene(W, H, n));
    const progress: Progress[] = [];
    const writer = createWriter(output, { width: W, height: H, fps: 25, expectedFrames: 30, onProgress: (p) => progress.push(p) });
    for (const image of frames) await writer.write({ data: image.data, width: W, height: H, layout: 'rgb' });
    const result = await writer.close();
    assert.deepEqual(
      { ...result, bytes: 0 },
      { output, frames: 30, width: W, height: H, fps: { num: 25, den: 1 }, duration: 1.2, codec: 'h264', profile: 'High', pixelFormat: 'yuv420p', bytes: 0, fitted: 0, skipped: [], warnings: [] },
    );
    assert.equal(result.bytes, (await stat(output)).size);
    assert.deepEqual(
      progress.map((p) => [p.frame, p.total]),
      frames.map((_, i) => [i + 1, 30]),
    );
    const back = await readVideo(output);
    assertH264(back, { width: W, height: H, frames: 30, duration: 1.2 });
    assert.deepEqual(back.video.avgFrameRate, { num: 25, den: 1 });
    assert.deepEqual(
      back.frames.map((f) => ms(f.time)),
      frames.map((_, i) => i * 40),
    );
    assertPsnr(back.frames, frames);
    // crf 23 keeps every one of these frames near the mean (34.8 dB was the worst seen).
    const worst = Math.min(...back.frames.map((f, i) => psnr(f.data, (frames[i] as Image).data)));
    assert.ok(worst >= 33, `worst frame PSNR ${worst.toFixed(1)} dB, expected at least 33`);
  });

  it('RGBA pixels in a Uint8Array (opaque)', async (t) => {
    await roundTrip(await tempDir(t), 'rgba.mp4', sources.map((s) => ({ data: withAlpha(s), width: W, height: H, layout: 'rgba' as const })), sources);
  });

  it('RGB pixels in a bare Buffer with write(data, { format: "rgb" }) at the writer\'s size', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'bare.mp4');
    const writer = createWriter(output, { width: W, height: H });
    for (const s of sources) await writer.write(Buffer.from(s.data), { layout: 'rgb' });
    await writer.close();
    const back = await readVideo(output);
    assert.equal(back.frames.length, sources.length);
    assertPsnr(back.frames, sources);
  });

  it('gray pixels in a Uint8ClampedArray', async (t) => {
    const grays = sources.map((s) => {
      const data = new Uint8ClampedArray(W * H);
      for (let i = 0; i < data.length; i++) data[i] = Math.round(((s.data[i * 3] ?? 0) + (s.data[i * 3 + 1] ?? 0) + (s.data[i * 3 + 2] ?? 0)) / 3);
      return data;
    });
    const expected = grays.map((g): Image => ({ width: W, height: H, channels: 3, data: Uint8Array.from({ length: W * H * 3 }, (_, i) => g[Math.floor(i / 3)] ?? 0) }));
    await roundTrip(await tempDir(t), 'gray.mp4', grays.map((data) => ({ data, width: W, height: H, layout: 'gray' as const })), expected);
  });

  it('flat gray pixels come back neutral and at their level (within 1), as the same picture in RGB does', async (t) => {
    const dir = await tempDir(t);
    const levels = [16, 128, 235];
    const writer = createWriter(join(dir, 'levels.mp4'), { width: W, height: H, fps: 25, crf: 10 });
    for (const level of levels) await writer.write({ data: new Uint8Array(W * H).fill(level), width: W, height: H, layout: 'gray' });
    const back = await readVideo((await writer.close()).output);
    assert.equal(back.frames.length, levels.length);
    for (const [n, level] of levels.entries()) {
      const rgb = colourIn(back.frames[n] as never, { x: 0, y: 0, width: W, height: H });
      // FFmpeg's gray8 to yuv420p gave 124,126,126 for 128 and 13,15,15 for 16 (a chroma of 127).
      assertColour(rgb, [level, level, level], `gray ${level}`, 1);
    }
  });

  it('an ImageData ({ data, width, height }, RGBA without a format)', async (t) => {
    const frames = sources.map((s) => new ImageData(new Uint8ClampedArray(withAlpha(s)), W, H));
    await roundTrip(await tempDir(t), 'imagedata.mp4', frames, sources);
  });

  it('opaque RGBA skips the flattening stage (tagged rgb0); any transparent pixel keeps it', () => {
    const opaque = withAlpha(solid(W, H, [10, 20, 30]));
    const picture = pictureFromPixels({ data: opaque, width: W, height: H, layout: 'rgba' });
    assert.deepEqual([picture.pixelFormat, picture.hasAlpha], ['rgb0', false]);
    picture.release();
    opaque[W * H * 4 - 1] = 254;
    const translucent = pictureFromPixels({ data: opaque, width: W, height: H, layout: 'rgba' });
    assert.deepEqual([translucent.pixelFormat, translucent.hasAlpha], ['rgba', true]);
    translucent.release();
  });

  it('RGBA with transparency is flattened onto the background', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'alpha.mp4');
    const writer = createWriter(output, { width: W, height: H, background: 'white' });
    // Red at alpha 128 over white: (255, 127, 127).
    for (let i = 0; i < 3; i++) await writer.write({ data: withAlpha(solid(W, H, [255, 0, 0]), 128), width: W, height: H });
    await writer.close();
    const back = await readVideo(output);
    for (const frame of back.frames) assertColour(colourIn(frame, { x: 0, y: 0, width: W, height: H }), [255, 127, 127], `frame ${frame.index}`, 4);
  });

  it('a canvas of @napi-rs/canvas, redrawn between writes', async (t) => {
    const canvas = createCanvas(W, H);
    const ctx = canvas.getContext('2d');
    const expected: Image[] = [];
    const frames: FrameInput[] = [];
    const dir = await tempDir(t);
    const output = join(dir, 'canvas.mp4');
    const writer = createWriter(output, { width: W, height: H });
    for (const s of sources) {
      ctx.putImageData(new ImageData(new Uint8ClampedArray(withAlpha(s)), W, H), 0, 0);
      ctx.fillStyle = 'rgba(32, 64, 192, 0.3)';
      ctx.fillRect(0, 0, W, H);
      expected.push(rgbOf(ctx.getImageData(0, 0, W, H).data, W, H));
      frames.push(canvas);
      // The canvas is copied when write() returns: the next draw cannot change this frame.
      await writer.write(canvas);
    }
    await writer.close();
    const back = await readVideo(output);
    assert.equal(back.frames.length, sources.length);
    assertPsnr(back.frames, expected);
  });

  it('a canvas with node-canvas\'s API, and a 2D context on its own', async (t) => {
    const canvas = createNodeStyleCanvas(W, H);
    const ctx = canvas.getContext('2d');
    const frames: FrameInput[] = [];
    const expected: Image[] = [];
    const dir = await tempDir(t);
    const output = join(dir, 'node-canvas.mp4');
    const writer = createWriter(output, { width: W, height: H });
    for (let i = 0; i < 4; i++) {
      ctx.fillStyle = `rgb(${40 * i}, 120, ${200 - 40 * i})`;
      ctx.fillRect(0, 0, W, H);
      expected.push(solid(W, H, [40 * i, 120, 200 - 40 * i]));
      const frame: FrameInput = i % 2 ? ctx : canvas;
      frames.push(frame);
      await writer.write(frame);
    }
    await writer.close();
    const back = await readVideo(output);
    assert.equal(back.frames.length, 4);
    assertPsnr(back.frames, expected);
  });

  it('image files by path (EXIF orientation applied) and encoded image bytes', async (t) => {
    const dir = await tempDir(t);
    const portrait = scene(48, 64, 3);
    const png = await writePng(join(dir, 'scene.png'), portrait);
    const output = join(dir, 'files.mp4');
    // jpeg-exif-orientation-6 is stored 64x48 and shown 48x64, red on top: with fit 'error'
    // it is accepted at 48x64 only if its orientation is applied.
    const writer = createWriter(output, { width: 48, height: 64 });
    await writer.write(fixture('jpeg-exif-orientation-6.jpg'));
    await writer.write(encodePng(solid(48, 64, [0, 160, 0])));
    await writer.write(png);
    await writer.write(await readFile(png));
    const result = await writer.close();
    assert.equal(result.frames, 4);
    assert.equal(result.fitted, 0);
    const back = await readVideo(output);
    assertH264(back, { width: 48, height: 64, frames: 4, duration: 0.16 });
    const [upright, green, fromPath, fromBytes] = back.frames;
    assert.ok(upright && green && fromPath && fromBytes, 'four frames');
    assertColour(colourIn(upright, { x: 0, y: 0, width: 48, height: 32 }), [255, 0, 0], 'oriented JPEG, top half');
    assertColour(colourIn(upright, { x: 0, y: 32, width: 48, height: 32 }), [0, 0, 255], 'oriented JPEG, bottom half');
    assertColour(colourIn(green, { x: 0, y: 0, width: 48, height: 64 }), [0, 160, 0], 'PNG bytes');
    assertPsnr([fromPath, fromBytes], [portrait, portrait], 'PNG by path and by bytes');
  });

  it('writes WebM (VP9) too', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'clip.webm');
    const writer = createWriter(output, { width: W, height: H, fps: 10, preset: 'ultrafast' });
    for (const s of sources) await writer.write({ data: s.data, width: W, height: H, layout: 'rgb' });
    const result = await writer.close();
    assert.equal(result.codec, 'vp9');
    const back = await readVideo(output);
    assert.equal(back.video.codec, 'vp9');
    assert.equal(back.frames.length, sources.length);
    assert.equal(ms(back.duration), 600);
    assertPsnr(back.frames, sources);
  });
});

describe('createWriter: timing', () => {
  it('per-frame times with vfr make a variable-frame-rate video, exact to the millisecond', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'vfr.mp4');
    const writer = createWriter(output, { width: W, height: H, fps: 30, vfr: true });
    const times = [0, 0.1, 0.25, 0.251, 0.9, 1.333];
    for (const [i, time] of times.entries()) await writer.write(scene(W, H, i).data, { time, layout: 'rgb', ...(i === times.length - 1 ? { hold: 0.5 } : {}) });
    // No time: right after the previous frame (1.333 + 0.5).
    await writer.write(scene(W, H, 9).data, { layout: 'rgb' });
    const result = await writer.close();
    assert.equal(ms(result.duration), 1833 + 33);
    const back = await readVideo(output);
    assert.deepEqual(
      back.frames.map((f) => ms(f.time)),
      [0, 100, 250, 251, 900, 1333, 1833],
    );
    assert.equal(ms(back.duration), 1866, 'the last frame lasts 1/30 s');
  });

  it('refuses a time that is not after the previous frame, and leaves nothing', async (t) => {
    const dir = await tempDir(t);
    const writer = createWriter(join(dir, 'bad-time.mp4'), { width: W, height: H });
    await writer.write(scene(W, H, 0).data, { layout: 'rgb', time: 1 });
    await assert.rejects(writer.write(scene(W, H, 1).data, { layout: 'rgb', time: 0.5 }), (error: FlipbookError) => {
      assert.equal(error.code, 'INVALID_OPTION');
      assert.equal(error.option, 'time');
      assert.match(error.message, /^Frame 2 has the time 0\.5 s, which is not after the previous frame's 1 s\. Times must increase/);
      return true;
    });
    await assert.rejects(writer.close(), { code: 'INVALID_OPTION' });
    assert.deepEqual(await listDir(dir), []);
  });

  it('a time or hold that is not a time names its frame (a NaN from a loop of thousands of frames), and leaves nothing', async (t) => {
    const dir = await tempDir(t);
    const writer = createWriter(join(dir, 'nan.mp4'), { width: W, height: H });
    for (let i = 0; i < 3; i++) await writer.write(scene(W, H, i).data, { layout: 'rgb', time: i / 10 });
    await assert.rejects(writer.write(scene(W, H, 3).data, { layout: 'rgb', time: Number.NaN }), {
      code: 'INVALID_OPTION',
      option: 'time',
      position: 4,
      message: 'Frame 4: Expected a time in seconds, 0 or more for time but received NaN',
    });
    await assert.rejects(createWriter(join(dir, 'hold.mp4'), { width: W, height: H }).write(scene(W, H, 0).data, { layout: 'rgb', hold: -1 }), {
      code: 'INVALID_OPTION',
      option: 'hold',
      position: 1,
      message: 'Frame 1: Expected a time in seconds, above 0 for hold but received -1',
    });
    assert.deepEqual(await listDir(dir), []);
  });
});

describe('createWriter: sizes', () => {
  it('refuses a frame of another size, naming both sizes, and leaves nothing', async (t) => {
    const dir = await tempDir(t);
    const writer = createWriter(join(dir, 'sizes.mp4'), { width: W, height: H });
    await writer.write({ data: scene(W, H, 0).data, width: W, height: H, layout: 'rgb' });
    await assert.rejects(writer.write({ data: new Uint8Array(64 * 48 * 4), width: 64, height: 48 }), (error: FlipbookError) => {
      assert.equal(error.code, 'SIZE_MISMATCH');
      assert.equal(error.option, 'fit');
      assert.equal(error.position, 2);
      assert.equal(
        error.message,
        "Frame 2 is 64x48, not 96x64 like the video. Give pictures of 96x64, pass fit: 'contain', 'cover' or 'fill' to fit them, or pass size to choose the frame size",
      );
      return true;
    });
    await assert.rejects(writer.write(scene(W, H, 1).data, { layout: 'rgb' }), { code: 'SIZE_MISMATCH' }, 'the writer has stopped');
    assert.deepEqual(await listDir(dir), [], 'no output, no temporary file');
  });

  it('fits frames of another size when a fit mode is given', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'fit.mp4');
    const warnings: string[] = [];
    const writer = createWriter(output, { width: 64, height: 64, fit: 'contain', background: 'white', onWarning: (w) => warnings.push(w) });
    await writer.write({ data: solid(64, 64, [0, 0, 255]).data, width: 64, height: 64, layout: 'rgb' });
    await writer.write({ data: solid(64, 32, [255, 0, 0]).data, width: 64, height: 32, layout: 'rgb' });
    const result = await writer.close();
    assert.equal(result.fitted, 1);
    assert.deepEqual(warnings, ["Fitting frames of another size to 64x64 (fit: 'contain'): Frame 2 is 64x32"]);
    const back = await readVideo(output);
    const letterboxed = back.frames[1];
    assert.ok(letterboxed, 'a second frame');
    assertColour(colourIn(letterboxed, { x: 0, y: 0, width: 64, height: 16 }), [255, 255, 255], 'white bar above');
    assertColour(colourIn(letterboxed, { x: 0, y: 16, width: 64, height: 32 }), [255, 0, 0], 'the picture');
  });

  it('scales to a width given alone, keeping the first frame\'s aspect ratio', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'half.mp4');
    const frames = [0, 1, 2].map((n) => scene(W, H, n));
    const writer = createWriter(output, { width: W / 2 });
    for (const image of frames) await writer.write({ data: image.data, width: W, height: H, layout: 'rgb' });
    const result = await writer.close();
    assert.deepEqual([result.width, result.height, result.fitted], [W / 2, H / 2, 3]);
    assertH264(await readVideo(output), { width: W / 2, height: H / 2, frames: 3, duration: 0.12 });
  });

  it('takes the first frame\'s size when none is given, padding an odd size to even', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'odd.mp4');
    const writer = createWriter(output);
    for (let i = 0; i < 3; i++) await writer.write({ data: solid(63, 47, [0, 200, 0]).data, width: 63, height: 47, layout: 'rgb' });
    const result = await writer.close();
    assert.deepEqual([result.width, result.height], [64, 48]);
    assert.deepEqual(result.warnings, ['Padded 63x47 to 64x48: yuv420p needs even dimensions']);
    const back = await readVideo(output);
    assertH264(back, { width: 64, height: 48, frames: 3, duration: 0.12 });
  });
});

describe('createWriter: streams, refusals and cleanup', () => {
  it('writer.stream() takes frames and { frame, time } through pipeline() (vfr: times kept)', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'stream.mp4');
    const writer = createWriter(output, { width: W, height: H, vfr: true });
    const chunks = function* () {
      for (let i = 0; i < 8; i++) {
        const frame = { data: scene(W, H, i).data, width: W, height: H, layout: 'rgb' as const };
        yield i < 4 ? frame : { frame, time: 1 + i / 10 };
      }
    };
    await pipeline(Readable.from(chunks()), writer.stream());
    const result = await writer.close();
    assert.equal(result.frames, 8);
    const back = await readVideo(output);
    assert.deepEqual(
      back.frames.map((f) => ms(f.time)),
      [0, 40, 80, 120, 1400, 1500, 1600, 1700],
    );
  });

  it('a source that fails mid-pipeline leaves nothing', async (t) => {
    const dir = await tempDir(t);
    const writer = createWriter(join(dir, 'broken.mp4'), { width: W, height: H });
    const chunks = async function* () {
      yield { data: scene(W, H, 0).data, width: W, height: H, layout: 'rgb' as const };
      throw new Error('camera unplugged');
    };
    await assert.rejects(pipeline(Readable.from(chunks()), writer.stream()), /camera unplugged/);
    assert.deepEqual(await listDir(dir), []);
    await assert.rejects(writer.close(), { code: 'ABORTED' });
  });

  it('abort() removes what was written; later writes and close() reject with ABORTED', async (t) => {
    const dir = await tempDir(t);
    const writer = createWriter(join(dir, 'aborted.mp4'), { width: W, height: H });
    for (let i = 0; i < 5; i++) await writer.write(scene(W, H, i).data, { layout: 'rgb' });
    assert.equal((await listDir(dir)).length, 1, 'the temporary file while writing');
    await writer.abort();
    assert.deepEqual(await listDir(dir), []);
    await assert.rejects(writer.write(scene(W, H, 5).data, { layout: 'rgb' }), { code: 'ABORTED' });
    await assert.rejects(writer.close(), { code: 'ABORTED' });
    await writer.abort();
  });

  it('the signal aborts a writer with frames still queued', async (t) => {
    const dir = await tempDir(t);
    const controller = new AbortController();
    const writer = createWriter(join(dir, 'signal.mp4'), { width: W, height: H, signal: controller.signal });
    const pending = Array.from({ length: 20 }, (_, i) => writer.write(scene(W, H, i).data, { layout: 'rgb' }));
    pending.forEach((p) => p.catch(() => undefined));
    await pending[2];
    controller.abort();
    const settled = await Promise.allSettled(pending);
    const rejected = settled.filter((s) => s.status === 'rejected');
    assert.ok(rejected.length >= 10, `${rejected.length} queued writes rejected`);
    for (const r of rejected) assert.equal(((r as PromiseRejectedResult).reason as FlipbookError).code, 'ABORTED');
    await writer.abort();
    assert.deepEqual(await listDir(dir), []);
  });

  it('after the signal, a rejected close() or write() finds no temporary file left (nothing to wait for)', async (t) => {
    const dir = await tempDir(t);
    // close() after the signal: its rejection comes once the removal is done.
    const controller = new AbortController();
    const writer = createWriter(join(dir, 'close.mp4'), { width: W, height: H, signal: controller.signal });
    for (let i = 0; i < 3; i++) await writer.write(scene(W, H, i).data, { layout: 'rgb' });
    assert.equal((await listDir(dir)).length, 1, 'the temporary file while writing');
    controller.abort();
    await assert.rejects(writer.close(), { code: 'ABORTED' });
    assert.deepEqual(await listDir(dir), [], 'nothing left when close() rejects');
    // A write queued when the signal fires (its task starts after the abort): likewise.
    const second = new AbortController();
    const writer2 = createWriter(join(dir, 'write.mp4'), { width: W, height: H, signal: second.signal });
    await writer2.write(scene(W, H, 0).data, { layout: 'rgb' });
    const pending = writer2.write(scene(W, H, 1).data, { layout: 'rgb' });
    second.abort();
    await assert.rejects(pending, { code: 'ABORTED' });
    assert.deepEqual(await listDir(dir), [], 'nothing left when the queued write rejects');
    await assert.rejects(writer2.write(scene(W, H, 2).data, { layout: 'rgb' }), { code: 'ABORTED' });
  });

  it('close() without a frame fails with NO_INPUT and writes nothing', async (t) => {
    const dir = await tempDir(t);
    const writer = createWriter(join(dir, 'empty.mp4'), { width: W, height: H });
    await assert.rejects(writer.close(), { code: 'NO_INPUT', message: 'No frame was written, so there is no video to write. Call write() at least once before close()' });
    assert.deepEqual(await listDir(dir), []);
  });

  it('an existing output is kept unless overwrite is given', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'exists.mp4');
    await writeFile(output, 'precious');
    const writer = createWriter(output, { width: W, height: H });
    await assert.rejects(writer.write(scene(W, H, 0).data, { layout: 'rgb' }), { code: 'OUTPUT_EXISTS' });
    assert.equal(await readFile(output, 'utf8'), 'precious');
    const again = createWriter(output, { width: W, height: H, overwrite: true });
    await again.write(scene(W, H, 0).data, { layout: 'rgb' });
    assert.equal((await again.close()).frames, 1);
    assert.deepEqual(await listDir(dir), ['exists.mp4']);
  });

  it('validates options at once, with stitch\'s messages', () => {
    assert.throws(() => createWriter('a.mp4', { fps: 'abc' }), {
      code: 'INVALID_OPTION',
      message: 'Expected a frame rate such as 25, 29.97 or 30000/1001 (above 0, at most 1000) for fps but received "abc"',
    });
    assert.throws(() => createWriter('a.mp4', { width: 1 }), { code: 'INVALID_OPTION', option: 'width' });
    assert.throws(() => createWriter('a.mp4', { fit: 'zoom' as never }), { code: 'INVALID_OPTION', option: 'fit' });
    assert.throws(() => createWriter('a.avi'), { code: 'UNSUPPORTED_OUTPUT' });
    assert.throws(() => createWriter('a.webm', { codec: 'h264' }), { code: 'UNSUPPORTED_OUTPUT', option: 'codec' });
    assert.throws(() => createWriter(''), { code: 'INVALID_OPTION', option: 'output' });
  });

  it('refuses what is not a frame, and pixels of the wrong length', async (t) => {
    const dir = await tempDir(t);
    await assert.rejects(createWriter(join(dir, 'a.mp4')).write(42 as never), {
      code: 'INVALID_INPUT',
      message:
        'Expected a frame: { data, width, height, layout } pixels, an ImageData, a canvas or its 2D context, an image file path, or the bytes of an encoded image for frame 1 but received 42',
    });
    await assert.rejects(createWriter(join(dir, 'b.mp4')).write({ data: new Uint8Array(W * H * 3), width: W, height: H }), {
      code: 'INVALID_INPUT',
      message: `Frame 1: Expected rgba pixels of ${W}x${H} (${W * H * 4} bytes) but received ${W * H * 3} bytes. If the pixels are RGB or gray, say so with layout: 'rgb' or layout: 'gray'`,
    });
    // A stride shorter than a row is named as such (it said the data was too short).
    await assert.rejects(createWriter(join(dir, 'e.mp4')).write({ data: new Uint8Array(W * H * 4), width: W, height: H, layout: 'rgba', stride: 10 }), {
      code: 'INVALID_INPUT',
      option: 'stride',
      message: `Frame 1: The stride 10 is shorter than a row of ${W} rgba pixels (${W * 4} bytes). Give stride as the bytes from one row to the next, at least ${W * 4}, or leave it out for rows packed one after another`,
    });
    await assert.rejects(createWriter(join(dir, 'c.mp4')).write(Buffer.from('not an image at all')), (error: FlipbookError) => {
      assert.equal(error.code, 'INVALID_INPUT');
      assert.match(error.message, /^Frame 1 is 19 bytes that are not an image flipbook reads \(no image header\)\. .*layout: 'rgba'/);
      return true;
    });
    await assert.rejects(createWriter(join(dir, 'd.mp4')).write(fixture('truncated.png')), (error: FlipbookError) => {
      assert.equal(error.code, 'INVALID_INPUT');
      assert.equal(error.position, 1);
      assert.match(error.message, /^Frame 1: .*truncated\.png is corrupt or truncated/);
      assert.doesNotMatch(error.message, /skip-invalid/);
      return true;
    });
    assert.deepEqual(await listDir(dir), []);
  });

  it('refuses more bytes than the layout says (RGBA said to be RGB was read as slanted stripes), naming the layout they fit', async (t) => {
    const dir = await tempDir(t);
    const rgba = withAlpha(solid(W, H, [200, 30, 30]));
    await assert.rejects(createWriter(join(dir, 'a.mp4')).write({ data: rgba, width: W, height: H, layout: 'rgb' }), {
      code: 'INVALID_INPUT',
      option: 'frame',
      position: 1,
      message: `Frame 1: Expected rgb pixels of ${W}x${H} (${W * H * 3} bytes) but received ${W * H * 4} bytes. They are as many bytes as rgba pixels of ${W}x${H}: if they are, say so with layout: 'rgba'`,
    });
    // A bare array at the writer's size, and gray given RGB's bytes.
    await assert.rejects(createWriter(join(dir, 'b.mp4'), { width: W, height: H }).write(rgba, { layout: 'rgb' }), { code: 'INVALID_INPUT', message: /Expected rgb pixels .* received \d+ bytes\. .*layout: 'rgba'$/ });
    await assert.rejects(createWriter(join(dir, 'c.mp4')).write({ data: new Uint8Array(W * H * 3), width: W, height: H, layout: 'gray' }), { message: /say so with layout: 'rgb'$/ });
    // A few bytes too many fit no layout: padded rows, said with stride.
    await assert.rejects(createWriter(join(dir, 'd.mp4')).write({ data: new Uint8Array(W * H * 4 + 4), width: W, height: H }), {
      message: `Frame 1: Expected rgba pixels of ${W}x${H} (${W * H * 4} bytes) but received ${W * H * 4 + 4} bytes. If the rows are padded, give stride, the bytes from one row to the next`,
    });
    assert.deepEqual(await listDir(dir), []);
    // With a stride, rows padded to it (the last one too) are read as such: the colour comes back.
    const stride = W * 4 + 8;
    const padded = new Uint8Array(stride * H).fill(255);
    for (let y = 0; y < H; y++) padded.set(rgba.subarray(y * W * 4, (y + 1) * W * 4), y * stride);
    const output = join(dir, 'padded.mp4');
    const writer = createWriter(output);
    await writer.write({ data: padded, width: W, height: H, stride });
    assert.equal((await writer.close()).frames, 1);
    const [frame] = (await readVideo(output)).frames;
    assert.ok(frame);
    assertColour(colourIn(frame, { x: 0, y: 0, width: W, height: H }), [200, 30, 30], 'padded rows');
  });

  it('pixels whose data is not bytes (a Float32Array) are said as such, not as "not a frame"', async (t) => {
    const dir = await tempDir(t);
    await assert.rejects(createWriter(join(dir, 'a.mp4')).write({ data: new Float32Array(W * H * 4), width: W, height: H } as never), {
      code: 'INVALID_INPUT',
      option: 'frame',
      position: 1,
      message: `Frame 1's data is a Float32Array of ${W * H * 4}, not bytes. Give pixels as 8-bit samples in a Uint8Array, Uint8ClampedArray or Buffer (floats from 0 to 1: Uint8ClampedArray.from(data, (v) => v * 255))`,
    });
    assert.deepEqual(await listDir(dir), []);
  });

  it('refuses frames after close()', async (t) => {
    const dir = await tempDir(t);
    const writer = createWriter(join(dir, 'closed.mp4'), { width: W, height: H });
    await writer.write(scene(W, H, 0).data, { layout: 'rgb' });
    const closing = writer.close();
    await assert.rejects(writer.write(scene(W, H, 1).data, { layout: 'rgb' }), /came after close\(\)/);
    assert.equal((await closing).frames, 1);
    assert.equal(await writer.close(), await closing, 'close() again gives the same result');
  });
});
