/**
 * animate(): draw() is called once a frame with its index, time, progress and datum, each
 * canvas becomes one frame (checked by decoding), an exception in draw() leaves nothing, and a
 * machine without @napi-rs/canvas gets an error that says how to install it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { type AnimateFrame, FlipbookError, animate } from '../src/index.js';
import { canvasPackage } from '../src/animate/canvas-package.js';
import type { Rgb } from './helpers/images.js';
import { listDir, tempDir } from './helpers/temp.js';
import { assertColour, colourIn, ms, readVideo } from './helpers/video.js';

const W = 64;
const H = 48;
const whole = { x: 0, y: 0, width: W, height: H };

describe('animate', () => {
  it('calls draw once a frame with index, t and progress, and writes what it drew', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'count.mp4');
    const seen: Omit<AnimateFrame<number>, 'canvas'>[] = [];
    const result = await animate(
      {
        width: W,
        height: H,
        fps: 10,
        frames: 11,
        draw(ctx, { index, t: time, progress, datum }) {
          seen.push({ index, t: time, progress, datum });
          ctx.fillStyle = `rgb(${index * 20}, ${200 - index * 10}, 100)`;
          ctx.fillRect(0, 0, W, H);
        },
      },
      output,
    );
    assert.equal(result.frames, 11);
    assert.equal(result.duration, 1.1);
    assert.deepEqual(
      seen.map((s) => [s.index, s.t, s.progress, s.datum]),
      Array.from({ length: 11 }, (_, i) => [i, i / 10, i / 10, i]),
    );
    const back = await readVideo(output);
    assert.equal(back.frames.length, 11);
    assert.equal(ms(back.duration), 1100);
    back.frames.forEach((frame, i) => assertColour(colourIn(frame, whole), [i * 20, 200 - i * 10, 100], `frame ${i}`, 4));
  });

  it('hands each element of an iterable to draw as datum (arrays, generators, async iterables)', async (t) => {
    const dir = await tempDir(t);
    const colours: Rgb[] = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ];
    const generator = function* (): Generator<Rgb> {
      yield* colours;
    };
    const asyncGenerator = async function* (): AsyncGenerator<Rgb> {
      for (const colour of colours) yield await Promise.resolve(colour);
    };
    for (const [name, frames, progress] of [
      ['array', colours, [0, 0.5, 1]],
      ['generator', generator(), [Number.NaN, Number.NaN, Number.NaN]],
      ['async', asyncGenerator(), [Number.NaN, Number.NaN, Number.NaN]],
    ] as const) {
      const output = join(dir, `${name}.mp4`);
      const progresses: number[] = [];
      await animate(
        {
          width: W,
          height: H,
          data: frames,
          // An async draw is awaited before the frame is taken.
          async draw(ctx, { datum, progress: p }) {
            progresses.push(p);
            await new Promise((resolve) => setImmediate(resolve));
            ctx.fillStyle = `rgb(${datum.join(',')})`;
            ctx.fillRect(0, 0, W, H);
          },
        },
        output,
      );
      assert.deepEqual(progresses, progress, `${name}: progress`);
      const back = await readVideo(output);
      assert.equal(back.frames.length, 3, `${name}: frames`);
      back.frames.forEach((frame, i) => assertColour(colourIn(frame, whole), colours[i] as Rgb, `${name}, frame ${i}`));
    }
  });

  it('takes a duration instead of a frame count', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'duration.webm');
    const result = await animate({ width: W, height: H, fps: 20, duration: '0.5s', draw: (ctx) => ctx.fillRect(0, 0, W, H) }, output, { preset: 'ultrafast' });
    assert.equal(result.frames, 10);
    assert.equal(result.codec, 'vp9');
    assert.equal(ms((await readVideo(output)).duration), 500);
  });

  it('jobs with a draw function given inline: drawn in one piece, and the result says why (it said nothing)', async (t) => {
    const dir = await tempDir(t);
    const heard: string[] = [];
    const result = await animate({ width: 32, height: 32, frames: 6, draw: () => undefined }, join(dir, 'inline.mp4'), { jobs: 2, onWarning: (w) => heard.push(w) });
    assert.equal(result.frames, 6);
    const expected = "Rendered in one piece, not in jobs: 2 segments: a draw function given inline runs in this process only; give it as a module (module: './draw.mjs', or flipbook render) to render it in segments";
    assert.deepEqual(heard, [expected]);
    assert.equal(result.warnings[0], expected);
  });

  it('an exception inside draw() rejects with that exception and leaves nothing', async (t) => {
    const dir = await tempDir(t);
    const bug = new Error('draw failed at frame 7');
    await assert.rejects(
      animate(
        {
          width: W,
          height: H,
          frames: 20,
          draw(ctx, { index }) {
            if (index === 7) throw bug;
            ctx.fillRect(0, 0, W, H);
          },
        },
        join(dir, 'broken.mp4'),
      ),
      (error) => error === bug,
    );
    assert.deepEqual(await listDir(dir), [], 'no output, no temporary file');
  });

  it('the signal stops it and leaves nothing', async (t) => {
    const dir = await tempDir(t);
    const controller = new AbortController();
    const drawing = animate(
      {
        width: W,
        height: H,
        frames: 1000,
        draw(ctx, { index }) {
          if (index === 5) controller.abort();
          ctx.fillRect(0, 0, W, H);
        },
      },
      join(dir, 'stopped.mp4'),
      { signal: controller.signal },
    );
    await assert.rejects(drawing, { code: 'ABORTED' });
    assert.deepEqual(await listDir(dir), []);
  });

  it('validates the animation', async () => {
    const draw = (): void => undefined;
    await assert.rejects(animate({ width: W, height: H, frames: 0, draw }, 'x.mp4'), { code: 'INVALID_OPTION', option: 'frames' });
    await assert.rejects(animate({ width: W, height: H, frames: 2, duration: 1, draw }, 'x.mp4'), { code: 'INVALID_OPTION', message: /one of frames, duration and data, not frames and duration/ });
    await assert.rejects(animate({ width: W, height: H, draw }, 'x.mp4'), { code: 'INVALID_OPTION', option: 'frames', message: /^How many frames to draw is not given\. Give frames \(a count\) or duration/ });
    await assert.rejects(animate({ width: W, height: H, data: 5 as never, draw }, 'x.mp4'), { code: 'INVALID_OPTION', option: 'data' });
    await assert.rejects(animate({ width: 0, height: H, frames: 1, draw }, 'x.mp4'), { code: 'INVALID_OPTION', option: 'width' });
    await assert.rejects(animate({ width: W, height: H, frames: 1 } as never, 'x.mp4'), { code: 'INVALID_OPTION', option: 'draw' });
  });

  it('an unknown option names animate (it named createWriter, which animate hands its options to), inline and as a module', async (t) => {
    const dir = await tempDir(t);
    const draw = (): void => undefined;
    await assert.rejects(animate({ width: W, height: H, frames: 2, draw }, join(dir, 'x.mp4'), { colours: 64 } as never), {
      code: 'INVALID_OPTION',
      option: 'colours',
      message: 'animate has no option "colours". Did you mean colors?',
    });
    await assert.rejects(animate({ module: join(dir, 'no-such.mjs') }, join(dir, 'x.mp4'), { presett: 'fast' } as never), { option: 'presett', message: 'animate has no option "presett". Did you mean preset?' });
    // The animation's own size is not an output option here: refused, not silently replaced.
    await assert.rejects(animate({ width: W, height: H, frames: 2, draw }, join(dir, 'x.mp4'), { width: 100 } as never), { option: 'width', message: /^animate has no option "width"/ });
    assert.deepEqual(await listDir(dir), [], 'nothing written');
  });
});

describe('animate without @napi-rs/canvas', () => {
  const load = canvasPackage.load;
  after(() => {
    canvasPackage.load = load;
  });

  it('says the package is missing and how to install it', async (t) => {
    const dir = await tempDir(t);
    // What Node throws when the package is not installed.
    canvasPackage.load = () => Promise.reject(Object.assign(new Error("Cannot find package '@napi-rs/canvas' imported from flipbook"), { code: 'ERR_MODULE_NOT_FOUND' }));
    await assert.rejects(animate({ width: W, height: H, frames: 3, draw: () => undefined }, join(dir, 'a.mp4')), (error: FlipbookError) => {
      assert.equal(error.code, 'MISSING_PACKAGE');
      assert.equal(
        error.message,
        `animate() draws on @napi-rs/canvas, an optional peer dependency of flipbook, which is not installed. Install it beside flipbook: npm install @napi-rs/canvas (its prebuilt binary for ${process.platform}-${process.arch} comes from npm)`,
      );
      return true;
    });
    assert.deepEqual(await listDir(dir), []);
  });

  it('says so when the package is there but its binary does not load', async () => {
    canvasPackage.load = () => Promise.reject(new Error('Cannot find native binding'));
    await assert.rejects(animate({ width: W, height: H, frames: 3, draw: () => undefined }, 'a.mp4'), {
      code: 'MISSING_PACKAGE',
      message: /which could not be loaded \(Cannot find native binding\)\. Install it beside flipbook: npm install @napi-rs\/canvas/,
    });
  });
});
