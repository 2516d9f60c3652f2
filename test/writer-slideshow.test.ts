/**
 * The frame writer's slideshow options: crossfades and xfade transitions between written
 * frames, fades from and to black, holdLast; through write() and stream(), into MP4 and GIF.
 * Decoded back: frame count and times, length, and the middle of a crossfade against the
 * 50/50 blend of its neighbours.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { type WriterOptions, createWriter, isFlipbookError, probe } from '../src/index.js';
import { readAnimation } from './helpers/animation.js';
import { blackLike, blendError } from './helpers/blend.js';
import { paint, scene } from './helpers/images.js';
import { listDir, tempDir } from './helpers/temp.js';
import { ms, readVideo } from './helpers/video.js';

const W = 64;
const H = 48;
const FROM = { data: paint(W, H, (x, y) => [40 + 3 * x, 200 - 3 * y, 60]).data, width: W, height: H, layout: 'rgb' as const };
const TO = { data: paint(W, H, (x, y) => [220 - 2 * y, 50 + 2 * x, 200]).data, width: W, height: H, layout: 'rgb' as const };
/** Near-lossless H.264 (crf 1), so what is measured is the blend. */
const FAST: WriterOptions = { fps: 10, crf: 1, preset: 'ultrafast' };

/** Two frames held 1 s each, written with `options`; the result. */
async function twoStills(output: string, options: WriterOptions): Promise<Awaited<ReturnType<ReturnType<typeof createWriter>['close']>>> {
  const writer = createWriter(output, options);
  await writer.write(FROM, { hold: 1 });
  await writer.write(TO, { hold: 1 });
  return writer.close();
}

describe('createWriter: transitions, fades, holdLast', () => {
  for (const ext of ['mp4', 'gif'] as const) {
    it(`.${ext}: a crossfade between two held frames takes its frames from the end of the first; its middle is the 50/50 blend`, async (t) => {
      const dir = await tempDir(t);
      const result = await twoStills(join(dir, `xfade.${ext}`), { ...(ext === 'mp4' ? FAST : { fps: 10 }), crossfade: '0.5s' });
      assert.equal(result.duration, 2, 'the crossfade does not change the length');
      // MP4 has every frame of 10 fps; GIF holds each still as one frame and adds the transition's.
      assert.equal(result.frames, ext === 'mp4' ? 20 : 2 + 5, ext === 'mp4' ? 'every frame of 2 s at 10 fps' : 'the stills are held; only the transition adds frames');
      assert.equal(result.transitionFrames, 5, 'transition frames');
      const back = ext === 'mp4' ? await readVideo(result.output) : await readAnimation(result.output);
      const times = ext === 'mp4' ? Array.from({ length: 20 }, (_, i) => i * 100) : [0, 500, 600, 700, 800, 900, 1000];
      assert.deepEqual(back.frames.map((f) => ms(f.time)), times, 'frame times (ms)');
      assert.equal(ms((await probe(result.output)).duration), 2000, 'length (ms)');
      const at = (time: number): (typeof back.frames)[number] | undefined => back.frames.find((f) => ms(f.time) === time);
      const [from, middle, to] = [at(0), at(700), at(1000)];
      assert.ok(from && middle && to, 'the stills and the middle of the crossfade');
      // 8x8 block means (see test/animation-slideshow.test.ts): H.264 at crf 1 within 2 levels on
      // average, 6 at worst (measured 0.64 and 1.7); the dithered GIF within 4 and 12 (2.1, 6.8).
      const tolerance = ext === 'mp4' ? { mean: 2, worst: 6 } : { mean: 4, worst: 12 };
      const error = blendError(middle, from, to);
      assert.ok(error.mean <= tolerance.mean && error.worst <= tolerance.worst, `${ext}: middle frame off the blend by ${error.mean.toFixed(2)} (mean block), ${error.worst.toFixed(2)} (worst)`);
      assert.ok(blendError(middle, from, to, { progress: 0 }).mean > 20, 'the middle frame is not the first still');
      assert.deepEqual(await listDir(dir), [`xfade.${ext}`], 'the output and nothing else (no spool, no part file)');
    });
  }

  it('fades in from black and out to black; holdLast shows the last frame longer', async (t) => {
    const dir = await tempDir(t);
    const result = await twoStills(join(dir, 'fades.mp4'), { ...FAST, fadeIn: '0.3s', fadeOut: '0.3s', holdLast: '0.5s' });
    assert.equal(result.duration, 2.5, '1 s + 1 s + 0.5 s held');
    assert.equal(result.transitionFrames, 6);
    const back = await readVideo(result.output);
    assert.equal(result.frames, 25, 'every frame of 2.5 s at 10 fps');
    assert.deepEqual(back.frames.map((f) => ms(f.time)), Array.from({ length: 25 }, (_, i) => i * 100), 'frame times (ms)');
    assert.equal(ms((await probe(result.output)).video?.duration), 2500, 'video length (ms)');
    const first = back.frames[3];
    const last = back.frames[10];
    assert.ok(first && last, 'the two stills');
    // Fade-in frame k of 0..2 is the still at k/3 (black first), the fade out its mirror (black
    // last): within 2 levels on average over 8x8 blocks.
    for (const [index, still, progress] of [[0, first, 0], [1, first, 1 / 3], [2, first, 2 / 3], [22, last, 2 / 3], [23, last, 1 / 3], [24, last, 0]] as const) {
      const frame = back.frames[index];
      assert.ok(frame, `frame ${index}`);
      const error = blendError(frame, blackLike(frame), still, { progress });
      assert.ok(error.mean <= 2, `frame ${index}: ${progress} of the still off by ${error.mean.toFixed(2)} levels (mean block)`);
    }
  });

  it('holdLast lengthens a video of one-frame frames by holding its last frame (vfr: one sample)', async (t) => {
    const dir = await tempDir(t);
    const writer = createWriter(join(dir, 'hold.mp4'), { width: W, height: H, fps: 25, preset: 'ultrafast', holdLast: 1, vfr: true });
    for (let i = 0; i < 3; i++) await writer.write(scene(W, H, i).data, { layout: 'rgb' });
    const result = await writer.close();
    assert.equal(ms(result.duration), 1120, '3 frames of 40 ms, the last held 1 s longer');
    assert.equal(result.frames, 3, 'held, not repeated');
    const back = await readVideo(result.output);
    assert.deepEqual(back.frames.map((f) => ms(f.time)), [0, 40, 80]);
    assert.equal(ms(back.duration), 1120, 'container length (ms)');
    assert.equal(ms(back.video.duration), 1120, 'stream length (ms)');
  });

  it('a frame with a later time (vfr): the earlier lasts until it starts, and the crossfade ends there', async (t) => {
    const dir = await tempDir(t);
    const writer = createWriter(join(dir, 'timed.mp4'), { ...FAST, transition: 'wipeleft', crossfade: 0.3, vfr: true });
    await writer.write(FROM, { hold: 1 });
    await writer.write(TO, { time: 2, hold: 1 });
    const result = await writer.close();
    assert.equal(result.duration, 3);
    const back = await readVideo(result.output);
    assert.deepEqual(back.frames.map((f) => ms(f.time)), [0, 1700, 1800, 1900, 2000]);
  });

  it('stream() passes the options through: { frame, hold } chunks with a crossfade and holdLast (vfr)', async (t) => {
    const dir = await tempDir(t);
    const writer = createWriter(join(dir, 'stream.mp4'), { ...FAST, crossfade: '0.2s', holdLast: '0.5s', vfr: true });
    await pipeline(Readable.from([{ frame: FROM, hold: 1 }, { frame: TO, hold: 1 }, { frame: FROM, hold: 0.5 }]), writer.stream());
    const result = await writer.close();
    assert.equal(result.duration, 3);
    assert.equal(result.transitionFrames, 4);
    const back = await readVideo(result.output);
    assert.deepEqual(back.frames.map((f) => ms(f.time)), [0, 800, 900, 1000, 1800, 1900, 2000]);
  });

  it('refuses frames shorter than their transitions, as stitch does, and leaves nothing', async (t) => {
    const dir = await tempDir(t);
    const writer = createWriter(join(dir, 'short.mp4'), { fps: 25, crossfade: '0.5s' });
    await writer.write(FROM);
    await assert.rejects(
      writer.write(TO),
      (e: unknown) => isFlipbookError(e) && e.code === 'INVALID_OPTION' && e.option === 'crossfade' && /frame 1 lasts 1 frame, 13 are needed/.test(e.message) && /hold: 2/.test(e.hint ?? ''),
      'the first frame is 1 frame long, the crossfade 13',
    );
    assert.deepEqual(await listDir(dir), [], 'nothing left');
    const fading = createWriter(join(dir, 'fade.mp4'), { fps: 25, fadeOut: '1s' });
    await fading.write(FROM, { hold: 0.5 });
    await assert.rejects(fading.close(), (e: unknown) => isFlipbookError(e) && e.option === 'fadeOut', 'a last frame shorter than the fade out');
    assert.deepEqual(await listDir(dir), [], 'nothing left');
  });
});
