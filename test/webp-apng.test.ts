/**
 * Animated WebP and APNG from stitch and the frame writer (decoded back: codec, frames,
 * duration, size, pixels, alpha, loop count), and the GIF palette pass in constant memory.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { type FlipbookError, createWriter, planStitch, stitch } from '../src/index.js';
import { loopCount, meanRgba, paintRgba, readAnimation, rgbOf } from './helpers/animation.js';
import { writeFrames } from './helpers/frames.js';
import { scene } from './helpers/images.js';
import { encodePng, writePng } from './helpers/png.js';
import { tempDir } from './helpers/temp.js';
import { psnr } from './helpers/video.js';

/** Four frames: left half transparent, right half opaque in a colour that changes, a half-transparent strip at the bottom. */
async function alphaFrames(dir: string): Promise<(readonly [number, number, number])[]> {
  const colours: (readonly [number, number, number])[] = [
    [220, 40, 40],
    [40, 200, 60],
    [50, 60, 210],
    [230, 220, 40],
  ];
  await Promise.all(
    colours.map((c, i) => writePng(join(dir, `a${i}.png`), paintRgba(64, 48, (x, y) => (y >= 40 ? [c[0], c[1], c[2], 128] : x < 32 ? [0, 0, 0, 0] : [c[0], c[1], c[2], 255])))),
  );
  return colours;
}

for (const { ext, codec, pixelFormat, exact } of [
  { ext: 'webp', codec: 'webp', pixelFormat: 'yuv420p', exact: false },
  { ext: 'apng', codec: 'apng', pixelFormat: 'rgba', exact: true },
] as const) {
  describe(`.${ext}`, () => {
    it('decodes back to the frames: codec, count, duration, size, pixels', async (t) => {
      const dir = await tempDir(t);
      const images = Array.from({ length: 8 }, (_, i) => scene(96, 64, i));
      await writeFrames(dir, images.map((image, i) => ({ name: `f${i}.png`, image })));
      const out = join(dir, `out.${ext}`);
      const plan = await planStitch(join(dir, '*.png'), out, { fps: 8 });
      assert.deepEqual([plan.codec, plan.pixelFormat], [codec, pixelFormat], 'the plan names the animation codec, not a video codec');
      const result = await stitch(join(dir, '*.png'), out, { fps: 8 });
      assert.equal(result.codec, codec);
      assert.equal(result.pixelFormat, pixelFormat);
      assert.equal(result.frames, 8);
      assert.equal(result.duration, 1);
      const back = await readAnimation(out);
      assert.equal(back.video.codec, ext === 'webp' ? 'webp_anim' : 'apng');
      assert.deepEqual([back.video.width, back.video.height], [96, 64]);
      assert.equal(back.frames.length, 8);
      assert.ok(Math.abs(back.lastStart - 0.875) < 0.002, `last frame at ${back.lastStart}`);
      back.frames.forEach((frame, i) => {
        const db = psnr(rgbOf(frame.data), images[i]?.data ?? new Uint8Array());
        // APNG is lossless (exact: 99); lossy WebP at quality 75 above 30 dB (measured ~36).
        assert.ok(exact ? db === 99 : db > 30, `frame ${i}: ${db.toFixed(1)} dB`);
      });
      assert.equal(await loopCount(out), 0, 'loops forever by default');
    });

    it('keeps alpha (decoded alpha within a tolerance of the source) and the loop count', async (t) => {
      const dir = await tempDir(t);
      const colours = await alphaFrames(dir);
      const out = join(dir, `alpha.${ext}`);
      await stitch(join(dir, '*.png'), out, { fps: 4, loop: 3, ...(ext === 'webp' ? { lossless: true } : {}) });
      assert.equal(await loopCount(out), 3);
      const back = await readAnimation(out);
      assert.equal(back.frames.length, 4);
      back.frames.forEach((frame, i) => {
        const c = colours[i] ?? assert.fail('colour');
        assert.equal(meanRgba(frame, 0, 0, 32, 40)[3], 0, `frame ${i}: transparent half`);
        const right = meanRgba(frame, 32, 0, 32, 40);
        assert.deepEqual(right, [c[0], c[1], c[2], 255], `frame ${i}: opaque half`);
        assert.ok(Math.abs((meanRgba(frame, 0, 40, 64, 8)[3] ?? 0) - 128) <= 1, `frame ${i}: half-transparent strip`);
      });
    });
  });
}

describe('animated WebP options', () => {
  it('lossy by default, lossless on request; refuses GIF and video options', async (t) => {
    const dir = await tempDir(t);
    const images = Array.from({ length: 3 }, (_, i) => scene(64, 48, i));
    await writeFrames(dir, images.map((image, i) => ({ name: `f${i}.png`, image })));
    const lossless = await stitch(join(dir, '*.png'), join(dir, 'l.webp'), { lossless: true });
    assert.equal(lossless.animation?.lossless, true);
    assert.equal(lossless.profile, 'lossless');
    const back = await readAnimation(join(dir, 'l.webp'));
    back.frames.forEach((frame, i) => assert.equal(psnr(rgbOf(frame.data), images[i]?.data ?? new Uint8Array()), 99, `frame ${i} exact`));
    for (const [options, option] of [
      [{ colors: 64 }, 'colors'],
      [{ maxSize: '1MB' }, 'maxSize'],
      [{ crf: 30 }, 'crf'],
    ] as const) {
      await assert.rejects(stitch(join(dir, '*.png'), join(dir, 'bad.webp'), options), (e: FlipbookError) => e.code === 'INVALID_OPTION' && e.option === option);
    }
    await assert.rejects(stitch(join(dir, '*.png'), join(dir, 'bad.apng'), { lossless: true }), (e: FlipbookError) => e.option === 'lossless');
  });

  it('the result and the plan name the pixel format the file holds: lossy yuv420p, yuva420p with alpha, lossless argb (all said bgra)', async (t) => {
    const dir = await tempDir(t);
    const opaque = join(dir, 'opaque');
    const alpha = join(dir, 'alpha');
    await mkdir(opaque);
    await mkdir(alpha);
    await writeFrames(opaque, Array.from({ length: 3 }, (_, i) => ({ name: `f${i}.png`, image: scene(64, 48, i) })));
    await alphaFrames(alpha);
    for (const [frames, options, pixelFormat, bitstream, transparent] of [
      [opaque, {}, 'yuv420p', 'VP8 ', false],
      [alpha, {}, 'yuva420p', 'VP8 ', true],
      [opaque, { lossless: true }, 'argb', 'VP8L', false],
      [alpha, { lossless: true }, 'argb', 'VP8L', true],
      [alpha, { alpha: 'flatten' }, 'yuv420p', 'VP8 ', false],
    ] as const) {
      const out = join(dir, 'out.webp');
      const plan = await planStitch(join(frames, '*.png'), out, { ...options, overwrite: true });
      const result = await stitch(join(frames, '*.png'), out, { ...options, overwrite: true });
      const said = `${frames} ${JSON.stringify(options)}`;
      // What the file is: every frame VP8 (YUV 4:2:0) or VP8L (ARGB), by the WebP container; and
      // whether the animation shown has transparency, decoded. (libwebp gives an opaque
      // animation's frames alpha planes too, for the pixels left as they were.)
      const chunks = webpFrameChunks(await readFile(out));
      assert.equal(chunks.length, result.frames, `${said}: a chunk list a frame`);
      assert.ok(chunks.every((frame) => frame.split('+').at(-1) === bitstream), `${said}: ${chunks.join(', ')}`);
      const back = await readAnimation(out);
      assert.equal(back.frames.some((frame) => frame.data.some((v, i) => i % 4 === 3 && v < 255)), transparent, `${said}: transparency decoded`);
      assert.equal(result.pixelFormat, pixelFormat, `${said}: the result`);
      assert.equal(plan.pixelFormat, pixelFormat, `${said}: the plan`);
      assert.equal(plan.animation?.pixelFormat, pixelFormat, `${said}: the plan's animation (--dry-run)`);
    }
    const writer = createWriter(join(dir, 'w.webp'), { fps: 10 });
    for (let i = 0; i < 3; i++) await writer.write({ data: paintRgba(40, 30, (x) => (x < 20 ? [0, 0, 0, 0] : [10 * i, 100, 200, 255])).data, width: 40, height: 30, layout: 'rgba' });
    assert.equal((await writer.close()).pixelFormat, 'yuva420p', 'the frame writer');
  });

  it('the frame writer writes WebP and APNG with alpha from RGBA frames', async (t) => {
    const dir = await tempDir(t);
    for (const ext of ['webp', 'apng']) {
      const writer = createWriter(join(dir, `w.${ext}`), { fps: 10, loop: 2, ...(ext === 'webp' ? { lossless: true } : {}) });
      for (let i = 0; i < 5; i++) {
        const image = paintRgba(40, 30, (x) => (x < 20 ? [0, 0, 0, 0] : [10 * i, 100, 200, 255]));
        await writer.write({ data: image.data, width: 40, height: 30, layout: 'rgba' });
      }
      const result = await writer.close();
      assert.equal(result.codec, ext);
      assert.equal(result.frames, 5);
      assert.equal(result.duration, 0.5);
      assert.equal(await loopCount(join(dir, `w.${ext}`)), 2);
      const back = await readAnimation(join(dir, `w.${ext}`));
      assert.equal(back.frames.length, 5);
      back.frames.forEach((frame, i) => {
        assert.equal(meanRgba(frame, 0, 0, 20, 30)[3], 0);
        assert.deepEqual(meanRgba(frame, 20, 0, 20, 30), [10 * i, 100, 200, 255]);
      });
    }
  });
});

/** The image chunks of each ANMF frame of an animated WebP, joined: 'VP8 ', 'ALPH+VP8 ' or 'VP8L'. */
function webpFrameChunks(file: Buffer): string[] {
  const frames: string[] = [];
  const walk = (from: number, to: number, into: string[]): void => {
    for (let at = from; at + 8 <= to; ) {
      const id = file.toString('latin1', at, at + 4);
      const size = file.readUInt32LE(at + 4);
      if (id === 'ANMF') {
        const inner: string[] = [];
        walk(at + 8 + 16, at + 8 + size, inner);
        frames.push(inner.join('+'));
      } else if (id === 'ALPH' || id === 'VP8 ' || id === 'VP8L') into.push(id);
      at += 8 + size + (size & 1);
    }
  };
  walk(12, 8 + file.readUInt32LE(4), []);
  return frames;
}

/** Enough that holding every frame (0.9 MB each) would pass the 40 MB bound twice over. */
const GIF_FRAMES = 100;

describe('GIF palette pass in constant memory', () => {
  it(`${GIF_FRAMES} frames of 640x360: in each pass, peak RSS stays within 40 MB of what its first 30 frames took`, async (t) => {
    const dir = await tempDir(t);
    // Ten distinct PNGs written 10 times each: 100 inputs.
    const pngs = Array.from({ length: 10 }, (_, i) => encodePng(scene(640, 360, i * 3)));
    await Promise.all(Array.from({ length: GIF_FRAMES }, (_, i) => writeFile(join(dir, `f_${String(i).padStart(3, '0')}.png`), pngs[i % 10] ?? Buffer.alloc(0))));
    // Progress counts both passes (the spool with the colour count, then the mapping), each
    // from 1 to 100 with its stage: 200 steps here. Each pass is measured against the peak over its own first 30 frames (its decoders,
    // graphs, buffers and files open): holding the frames would cost 640x360x4 = 0.9 MB each,
    // some 65 MB more by the end of either pass.
    const passes = [
      { from: 0, warm: 0, peak: 0 },
      { from: GIF_FRAMES, warm: 0, peak: 0 },
    ];
    const sample = (step: number): void => {
      const rss = process.memoryUsage.rss();
      const pass = step <= GIF_FRAMES ? passes[0] : passes[1];
      if (!pass) return;
      pass.peak = Math.max(pass.peak, rss);
      if (step <= pass.from + 30) pass.warm = pass.peak;
    };
    let step = 0;
    const timer = setInterval(() => sample(step), 5);
    try {
      const result = await stitch(join(dir, '*.png'), join(dir, 'long.gif'), { fps: 25, onProgress: (p) => sample((step = p.frame + (p.stage === 'writing' ? GIF_FRAMES : 0))) });
      assert.deepEqual([result.width, result.height, result.frames], [640, 360, GIF_FRAMES]);
    } finally {
      clearInterval(timer);
    }
    const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
    t.diagnostic(passes.map((p, i) => `pass ${i + 1}: ${mb(p.warm)} MB after 30 frames, peak ${mb(p.peak)} MB`).join('; '));
    for (const [i, pass] of passes.entries()) {
      assert.ok(pass.warm > 0 && pass.peak > 0, `pass ${i + 1} was measured`);
      assert.ok(pass.peak - pass.warm < 40e6, `pass ${i + 1}: peak RSS grew by ${mb(pass.peak - pass.warm)} MB after its first 30 frames (bound: 40 MB)`);
    }
  });
});
