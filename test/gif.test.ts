/**
 * GIF output of stitch, the frame writer and the command: a palette from the frames (two
 * passes), delays in whole hundredths with the 50 fps clamp, the 640 px width cap, loop counts,
 * transparency, refusals of options that make no sense for a GIF, and the size search.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { type FlipbookError, type Progress, animate, createWriter, stitch } from '../src/index.js';
import { loopCount, meanRgba, paintRgba, readAnimation, rgbOf, blockErrors } from './helpers/animation.js';
import { runCli } from './helpers/cli.js';
import { writeFrames } from './helpers/frames.js';
import { gifBlocks } from './helpers/gif-blocks.js';
import { type Image, scene, solid } from './helpers/images.js';
import { fixture } from './helpers/fixtures.js';
import { writePng } from './helpers/png.js';
import { tempDir } from './helpers/temp.js';
import { psnr } from './helpers/video.js';

async function sceneFrames(dir: string, n: number, width = 96, height = 64): Promise<Image[]> {
  const images = Array.from({ length: n }, (_, i) => scene(width, height, i));
  await writeFrames(dir, images.map((image, i) => ({ name: `f_${String(i).padStart(3, '0')}.png`, image })));
  return images;
}

function code(error: unknown): string | undefined {
  return (error as FlipbookError).code;
}

describe('GIF from stitch', () => {
  it('a GIF whose file cannot be created fails with IO naming it, as every other output does (it was a bare EACCES naming the temporary file)', { skip: !existsSync('/sys/kernel') && 'needs /sys, where even root cannot create a file' }, async () => {
    const output = '/sys/flipbook-gif-test.gif';
    const writer = createWriter(output);
    // The frames are spooled; the GIF itself is written at close().
    await writer.write({ data: new Uint8Array(16 * 16 * 4).fill(255), width: 16, height: 16 });
    await assert.rejects(writer.close(), (error: FlipbookError) => {
      assert.equal(error.name, 'FlipbookError');
      assert.equal(error.code, 'IO');
      assert.equal(error.file, output);
      assert.match(error.message, /^Cannot create the output file \/sys\/flipbook-gif-test\.gif: (.* \(E[A-Z]+\)|E[A-Z]+)$/);
      return true;
    });
    assert.equal(existsSync(output), false);
  });

  it('skips a corrupt image with skipInvalid (once, in both passes), and fails on it without', async (t) => {
    const dir = await tempDir(t);
    await sceneFrames(dir, 4);
    const files = ['f_000.png', 'f_001.png', fixture('truncated.png'), 'f_002.png', 'f_003.png'].map((f) => (f.startsWith('/') ? f : join(dir, f)));
    const warnings: string[] = [];
    const result = await stitch(files, join(dir, 'skip.gif'), { fps: 10, skipInvalid: true, onWarning: (w) => warnings.push(w) });
    assert.equal(result.frames, 4, 'the four good images');
    assert.deepEqual(result.skipped.map((s) => s.position), [3], 'the corrupt one, by its position');
    assert.equal(warnings.filter((w) => w.includes('truncated.png')).length, 1, `said once: ${warnings.join(' | ')}`);
    assert.equal((await readAnimation(join(dir, 'skip.gif'))).frames.length, 4, 'frames decoded back');

    await assert.rejects(stitch(files, join(dir, 'fail.gif'), { fps: 10 }), (error: FlipbookError) => {
      assert.equal(error.code, 'INVALID_INPUT', error.message);
      assert.match(error.message, /truncated\.png/, 'the message names the file');
      return true;
    });
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('fail') || f.endsWith('.part')), [], 'no output, no temporary file');
  });

  it('writes a palette GIF that decodes back to the frames: codec, count, duration, size, pixels', async (t) => {
    const dir = await tempDir(t);
    const images = await sceneFrames(dir, 12);
    const out = join(dir, 'out.gif');
    const result = await stitch(join(dir, '*.png'), out, { fps: 10 });
    assert.equal(result.codec, 'gif');
    assert.equal(result.pixelFormat, 'pal8');
    assert.equal(result.frames, 12);
    assert.equal(result.duration, 1.2);
    assert.deepEqual([result.width, result.height], [96, 64]);
    assert.equal(result.animation?.colors, 256);
    assert.equal(result.animation?.dither, 'floyd_steinberg');
    assert.equal((await stat(out)).size, result.bytes);
    const back = await readAnimation(out);
    assert.equal(back.video.codec, 'gif');
    assert.deepEqual([back.video.width, back.video.height], [96, 64]);
    assert.equal(back.frames.length, 12);
    assert.ok(Math.abs(back.lastStart - 1.1) < 0.006, `last frame at ${back.lastStart} s`);
    // A scene of smooth 3-D colour gradients in 256 colours, dithered: PSNR above 26 dB on every
    // frame (measured 26.6-27.9 dB; APNG of the same frames is exact), and the mean colour of
    // every 16x16 block close to the source (dithering moves single pixels, not the means):
    // median within 4 levels (measured 1.5-2.4), the worst block within 10 (measured 3.2-5.7).
    // FFmpeg 8's palettegen/paletteuse, which choose and match colours in OkLab, gave 24.9-25.8
    // dB and a worst block of 24-32: a corner of the gamut pulled inwards (quantizer.ts).
    back.frames.forEach((frame, i) => {
      const source = images[i];
      assert.ok(source);
      const rgb = rgbOf(frame.data);
      const db = psnr(rgb, source.data);
      assert.ok(db > 26, `frame ${i}: PSNR ${db.toFixed(1)} dB`);
      const errors = blockErrors(rgb, source, 16).sort((a, b) => a - b);
      const median = errors[errors.length >> 1] ?? 0;
      assert.ok(median <= 4 && (errors.at(-1) ?? 0) <= 10, `frame ${i}: block means off by ${median.toFixed(1)} (median), ${errors.at(-1)?.toFixed(1)} (worst)`);
    });
    assert.equal(await loopCount(out), 0, 'loops forever by default');
  });

  it('rounds delays to whole hundredths, keeping the total length (30 fps: 3, 4, 3 hundredths)', async (t) => {
    const dir = await tempDir(t);
    await sceneFrames(dir, 9, 32, 32);
    const result = await stitch(join(dir, '*.png'), join(dir, 'out.gif'), { fps: 30 });
    assert.equal(result.frames, 9);
    assert.equal(result.duration, 0.3);
    const back = await readAnimation(join(dir, 'out.gif'));
    assert.deepEqual(
      back.frames.map((f) => Math.round(f.time * 100)),
      [0, 3, 7, 10, 13, 17, 20, 23, 27],
    );
  });

  it('goes on past 655.35 s, the longest delay a frame holds, with frames that change nothing (a 700 s slideshow hold)', async (t) => {
    const dir = await tempDir(t);
    await sceneFrames(dir, 2, 32, 32);
    const result = await stitch(join(dir, '*.png'), join(dir, 'long.gif'), { hold: 700 });
    assert.equal(result.duration, 1400);
    const blocks = (await gifBlocks(join(dir, 'long.gif'))).images;
    assert.deepEqual(blocks.map((b) => b.delay), [65535, 4465, 65535, 4465], 'each picture 700 s: 655.35 s, then 44.65 s more');
    assert.deepEqual([blocks[1]?.width, blocks[1]?.height, blocks[3]?.width], [1, 1, 1], 'the rest held by a 1x1 frame that changes nothing');
    const back = await readAnimation(join(dir, 'long.gif'));
    assert.deepEqual(back.frames.map((f) => Math.round(f.time * 100)), [0, 65535, 70000, 135535]);
  });

  it('clamps 60 fps to 50 with a warning, dropping the frames in between and keeping the length', async (t) => {
    const dir = await tempDir(t);
    await sceneFrames(dir, 30, 32, 32);
    const warnings: string[] = [];
    const result = await stitch(join(dir, '*.png'), join(dir, 'out.gif'), { fps: 60, onWarning: (m) => warnings.push(m) });
    assert.ok(warnings.some((w) => /at most 50 fps: 60 fps is written at 50 fps/.test(w)), warnings.join('\n'));
    assert.deepEqual(result.fps, { num: 50, den: 1 });
    assert.equal(result.frames, 25);
    assert.equal(result.duration, 0.5);
    const back = await readAnimation(join(dir, 'out.gif'));
    assert.equal(back.frames.length, 25);
    for (const frame of back.frames) assert.equal(Math.round(frame.time * 100) % 2, 0, 'every delay is 2 hundredths');
  });

  it('caps the width at 640 px unless a size is given, keeping the aspect ratio, and says so', async (t) => {
    const dir = await tempDir(t);
    await writePng(join(dir, 'a.png'), solid(800, 200, [30, 90, 200]));
    const warnings: string[] = [];
    const capped = await stitch(join(dir, 'a.png'), join(dir, 'capped.gif'), { onWarning: (m) => warnings.push(m) });
    assert.deepEqual([capped.width, capped.height], [640, 160]);
    assert.ok(warnings.some((w) => /Scaled 800x200 to 640x160/.test(w)), warnings.join('\n'));
    const given = await stitch(join(dir, 'a.png'), join(dir, 'given.gif'), { width: 800 });
    assert.deepEqual([given.width, given.height], [800, 200]);
    const back = await readAnimation(join(dir, 'capped.gif'));
    assert.deepEqual([back.video.width, back.video.height], [640, 160]);
    const [r, g, b] = meanRgba(back.frames[0] ?? assert.fail('no frame'), 0, 0, 640, 160);
    assert.ok(Math.abs((r ?? 0) - 30) <= 4 && Math.abs((g ?? 0) - 90) <= 4 && Math.abs((b ?? 0) - 200) <= 4, `colour ${r},${g},${b}`);
  });

  it('keeps transparency from alpha PNGs: decoded alpha matches the source (0 or 255)', async (t) => {
    const dir = await tempDir(t);
    for (let i = 0; i < 4; i++) {
      // Left half transparent, right half opaque red; a transparent square moves on the right.
      const image = paintRgba(64, 32, (x, y) => (x < 32 || (x >= 36 + i * 4 && x < 44 + i * 4 && y >= 12 && y < 20) ? [0, 0, 0, 0] : [220, 30, 30, 255]));
      await writePng(join(dir, `a${i}.png`), image);
    }
    const out = join(dir, 'alpha.gif');
    await stitch(join(dir, '*.png'), out, { fps: 5 });
    const back = await readAnimation(out);
    assert.equal(back.frames.length, 4);
    back.frames.forEach((frame, i) => {
      assert.equal(meanRgba(frame, 0, 0, 32, 32)[3], 0, `frame ${i}: left half transparent`);
      const right = meanRgba(frame, 48 + 8, 0, 8, 32);
      if (i < 2) assert.deepEqual(right.slice(0, 4).map((v, c) => Math.abs(v - ([220, 30, 30, 255][c] ?? 0)) <= 6), [true, true, true, true], `frame ${i}: opaque red ${right.join(',')}`);
      assert.equal(meanRgba(frame, 36 + i * 4, 12, 8, 8)[3], 0, `frame ${i}: the moving square is transparent`);
    });
  });

  it('letterboxes opaque images with --background (default black), as a video does, and transparent when an image may have transparency', async (t) => {
    const dir = await tempDir(t);
    // A 64x48 frame sets the size; a 32x48 one is letterboxed left and right (16 px each side).
    const wide = solid(64, 48, [40, 90, 200]);
    const tall = solid(32, 48, [230, 200, 40]);
    await mkdir(join(dir, 'opaque'));
    await mkdir(join(dir, 'alpha'));
    await writeFrames(join(dir, 'opaque'), [{ name: 'a.png', image: wide }, { name: 'b.png', image: tall }]);
    await writeFrames(join(dir, 'alpha'), [{ name: 'a.png', image: wide }, { name: 'b.png', image: tall }]);
    await writePng(join(dir, 'alpha', 'c.png'), paintRgba(64, 48, (x) => (x < 8 ? [0, 0, 0, 0] : [40, 90, 200, 255])));
    const bar = async (file: string): Promise<number[]> => meanRgba((await readAnimation(file)).frames[1]!, 0, 0, 12, 48);
    const near = (got: number[], want: readonly number[]): boolean => want.every((v, c) => Math.abs((got[c] ?? -99) - v) <= 2);
    await stitch(join(dir, 'opaque', '*.png'), join(dir, 'black.gif'), { fps: 2 });
    assert.ok(near(await bar(join(dir, 'black.gif')), [0, 0, 0, 255]), `default: black bars (${await bar(join(dir, 'black.gif'))})`);
    await stitch(join(dir, 'opaque', '*.png'), join(dir, 'green.gif'), { fps: 2, background: '#00ff00' });
    assert.ok(near(await bar(join(dir, 'green.gif')), [0, 255, 0, 255]), `--background #00ff00: green bars (${await bar(join(dir, 'green.gif'))})`);
    await stitch(join(dir, 'opaque', '*.png'), join(dir, 'green.apng'), { fps: 2, background: '#00ff00' });
    assert.ok(near(await bar(join(dir, 'green.apng')), [0, 255, 0, 255]), `APNG too (${await bar(join(dir, 'green.apng'))})`);
    // The picture between the bars is the image, whatever the bars.
    const middle = meanRgba((await readAnimation(join(dir, 'green.gif'))).frames[1]!, 24, 8, 16, 32);
    assert.ok(near(middle, [230, 200, 40, 255]), `the letterboxed image (${middle})`);
    await stitch(join(dir, 'alpha', '*.png'), join(dir, 'clear.gif'), { fps: 2, background: '#00ff00' });
    assert.equal((await bar(join(dir, 'clear.gif')))[3], 0, 'an input with transparency: transparent bars, as a video that keeps alpha');
  });

  it('alpha: keep (the default) keeps transparency; flatten paints it onto the background: an opaque GIF, WebP and APNG', async (t) => {
    const dir = await tempDir(t);
    // Left half transparent, right half opaque red.
    for (let i = 0; i < 2; i++) await writePng(join(dir, `a${i}.png`), paintRgba(64, 32, (x) => (x < 32 ? [0, 0, 0, 0] : [220, 30, 30, 255])));
    const kept = await stitch(join(dir, '*.png'), join(dir, 'kept.gif'), { fps: 5, alpha: 'keep' });
    assert.equal(kept.frames, 2);
    assert.equal(meanRgba((await readAnimation(join(dir, 'kept.gif'))).frames[0]!, 0, 0, 32, 32)[3], 0, 'keep: the left half transparent');
    for (const ext of ['gif', 'webp', 'apng']) {
      const file = join(dir, `flat.${ext}`);
      await stitch(join(dir, '*.png'), file, { fps: 5, alpha: 'flatten', background: '#00ff00' });
      const frame = (await readAnimation(file)).frames[0]!;
      const left = meanRgba(frame, 0, 0, 32, 32);
      const right = meanRgba(frame, 32, 0, 32, 32);
      assert.ok([0, 255, 0, 255].every((v, c) => Math.abs((left[c] ?? -99) - v) <= 3), `${ext} flatten: the left half green and opaque (${left})`);
      assert.ok([220, 30, 30, 255].every((v, c) => Math.abs((right[c] ?? -99) - v) <= 6), `${ext} flatten: the right half red (${right})`);
    }
    for (const [i, frame] of (await readAnimation(join(dir, 'flat.gif'))).frames.entries()) assert.equal(meanRgba(frame, 0, 0, 64, 32)[3], 255, `flat.gif frame ${i}: every pixel opaque`);
  });

  it('takes --colors, --dither and --loop; refuses video options and options of other formats', async (t) => {
    const dir = await tempDir(t);
    await sceneFrames(dir, 4, 48, 32);
    const result = await stitch(join(dir, '*.png'), join(dir, 'c.gif'), { colors: 16, dither: 'bayer', loop: 3 });
    assert.equal(result.animation?.colors, 16);
    assert.equal(await loopCount(join(dir, 'c.gif')), 3);
    const once = await stitch(join(dir, '*.png'), join(dir, 'once.gif'), { loop: 1, dither: 'none' });
    assert.equal(once.animation?.loop, 1);
    assert.equal(await loopCount(join(dir, 'once.gif')), 1);
    const back = await readAnimation(join(dir, 'c.gif'));
    const colours = new Set<number>();
    const first = back.frames[0]?.data ?? new Uint8Array(0);
    for (let i = 0; i < first.length; i += 4) colours.add(((first[i] ?? 0) << 16) | ((first[i + 1] ?? 0) << 8) | (first[i + 2] ?? 0));
    assert.ok(colours.size > 1 && colours.size <= 16, `the first frame shows ${colours.size} colours`);
    // Every palette (the global one and a frame's own) holds at most 16 colours: the transparent index comes right after them.
    const blocks = await gifBlocks(join(dir, 'c.gif'));
    for (const [n, image] of blocks.images.entries()) assert.ok(image.transparent >= 1 && image.transparent <= 16, `frame ${n}: a palette of ${image.transparent} colours`);
    for (const [options, option] of [
      [{ crf: 20 }, 'crf'],
      [{ bitrate: '1M' }, 'bitrate'],
      [{ codec: 'h264' as const }, 'codec'],
      [{ preset: 'slow' }, 'preset'],
      [{ lossless: true }, 'lossless'],
      [{ colors: 1 }, 'colors'],
      [{ colors: 300 }, 'colors'],
      [{ loop: -1 }, 'loop'],
      [{ dither: 'random' as never }, 'dither'],
    ] as const) {
      await assert.rejects(stitch(join(dir, '*.png'), join(dir, 'bad.gif'), options), (e: FlipbookError) => code(e) === 'INVALID_OPTION' && e.option === option, `${option} refused`);
    }
    await assert.rejects(stitch(join(dir, '*.png'), join(dir, 'bad.mp4'), { colors: 64 }), (e: FlipbookError) => e.option === 'colors' && /applies to \.gif outputs, not \.mp4/.test(e.message));
    await assert.rejects(stitch(join(dir, '*.png'), join(dir, 'bad.webp'), { dither: 'bayer' }), (e: FlipbookError) => e.option === 'dither');
  });
});

describe('GIF --max-size', () => {
  it('a GIF shorter than a frame at the search\'s lowest rate (two 0.04 s images, one image) is fitted, not refused as having no frame', async (t) => {
    const dir = await tempDir(t);
    const images = await writeFrames(dir, [0, 1].map((n) => ({ name: `n${n}.png`, image: scene(160, 120, n * 7) })));
    for (const inputs of [images, images.slice(0, 1)]) {
      const whole = await stitch(inputs, join(dir, 'whole.gif'), { overwrite: true });
      const limit = Math.floor(whole.bytes / 3);
      const fitted = await stitch(inputs, join(dir, 'small.gif'), { overwrite: true, maxSize: limit });
      assert.ok(fitted.bytes <= limit, `${inputs.length} image(s): ${fitted.bytes} bytes within ${limit}`);
      assert.ok(fitted.frames >= 1, 'at least its first frame');
    }
  });

  it('searches smaller sizes until the file fits, and reports what it chose', async (t) => {
    const dir = await tempDir(t);
    await sceneFrames(dir, 12, 240, 150);
    const full = await stitch(join(dir, '*.png'), join(dir, 'full.gif'), { fps: 20 });
    const limit = Math.round(full.bytes / 3);
    const warnings: string[] = [];
    const fitted = await stitch(join(dir, '*.png'), join(dir, 'fitted.gif'), { fps: 20, maxSize: limit, onWarning: (m) => warnings.push(m) });
    assert.ok(fitted.bytes <= limit, `${fitted.bytes} <= ${limit}`);
    assert.equal((await stat(join(dir, 'fitted.gif'))).size, fitted.bytes);
    const search = fitted.animation?.maxSize;
    assert.ok(search && search.limit === limit && search.attempts.length >= 2, JSON.stringify(search));
    assert.deepEqual(search.attempts.at(-1)?.bytes, fitted.bytes);
    assert.ok(warnings.some((w) => /To fit .* \(maxSize\), the GIF is \d+x\d+/.test(w)), warnings.join('\n'));
    const back = await readAnimation(join(dir, 'fitted.gif'));
    assert.deepEqual([back.video.width, back.video.height], [fitted.width, fitted.height]);
    assert.equal(back.frames.length, fitted.frames);
    assert.ok(Math.abs(fitted.duration - 0.6) < 0.011, `length kept: ${fitted.duration}`);
    // Fits at once: one try, no warning.
    const roomy = await stitch(join(dir, '*.png'), join(dir, 'roomy.gif'), { fps: 20, maxSize: '10MB' });
    assert.equal(roomy.animation?.maxSize?.attempts.length, 1);
    assert.equal(roomy.bytes, full.bytes);
  });

  it('fails clearly when nothing fits, leaving no file', async (t) => {
    const dir = await tempDir(t);
    await sceneFrames(dir, 6, 160, 100);
    const tiny = join(dir, 'tiny.gif');
    // The smallest try is every lever at its limit (README): a quarter of the width, 5 fps, 16 colours.
    const smallest = `${tiny} cannot fit in 100 B (maxSize): the smallest try, 40x25 at 5 fps with 16 colours, is `;
    await assert.rejects(stitch(join(dir, '*.png'), tiny, { maxSize: 100 }), (e: FlipbookError) => {
      assert.equal(e.code, 'OUTPUT_TOO_LARGE');
      assert.equal(e.option, 'maxSize');
      assert.ok(e.fact.startsWith(smallest), e.fact);
      assert.match(e.fact.slice(smallest.length), /^\d+(\.\d+)? k?B$/);
      assert.equal(e.hint, 'Give a larger maxSize, fewer images or a smaller size');
      return true;
    });
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.gif') || n.endsWith('.part')), []);
    // The command names its own flags (stitch has no --duration).
    const cli = await runCli(['stitch', join(dir, '*.png'), '-o', tiny, '--max-size', '100']);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /^flipbook: error: .* cannot fit in 100 B \(--max-size\): the smallest try, 40x25 at 5 fps with 16 colours, is \d+(\.\d+)? k?B\. Give a larger --max-size, fewer images or a smaller --size\n$/);
    // The frame writer has frames, not images.
    const writer = createWriter(join(dir, 'written.gif'), { fps: 25, maxSize: 100 });
    for (let i = 0; i < 4; i++) {
      const image = scene(160, 100, i);
      await writer.write({ data: image.data, width: image.width, height: image.height, layout: image.channels === 4 ? 'rgba' : 'rgb' });
    }
    await assert.rejects(writer.close(), (e: FlipbookError) => e.hint === 'Give a larger maxSize, fewer frames or a smaller size');
  });

  it('the command says what the search chose with its flag: (--max-size), not (maxSize)', async (t) => {
    const dir = await tempDir(t);
    await sceneFrames(dir, 6, 160, 100);
    const full = await stitch(join(dir, '*.png'), join(dir, 'full.gif'));
    const result = await runCli(['stitch', join(dir, '*.png'), '-o', join(dir, 'fitted.gif'), '--max-size', String(Math.round(full.bytes / 2))]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^flipbook: To fit .* \(--max-size\), the GIF is \d+x\d+/m);
    assert.doesNotMatch(result.stderr, /maxSize/);
  });
});

describe('GIF from the frame writer', () => {
  it('spools frames to a temporary file, reads them back, and removes it', async (t) => {
    const dir = await tempDir(t);
    const spoolDir = await mkdtemp(join(tmpdir(), 'flipbook-spool-test-'));
    t.after(() => rm(spoolDir, { recursive: true, force: true }));
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = spoolDir;
    t.after(() => {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    });
    const writer = createWriter(join(dir, 'w.gif'), { fps: 12.5, loop: 2 });
    const images = Array.from({ length: 10 }, (_, i) => scene(80, 48, i));
    for (const image of images) {
      await writer.write({ data: image.data, width: 80, height: 48, layout: 'rgb' });
      assert.equal((await readdir(spoolDir)).length, 1, 'one spool file while writing');
    }
    const result = await writer.close();
    assert.deepEqual(await readdir(spoolDir), [], 'the spool is removed');
    assert.equal(result.codec, 'gif');
    assert.equal(result.frames, 10);
    assert.equal(result.duration, 0.8);
    assert.equal(await loopCount(join(dir, 'w.gif')), 2);
    const back = await readAnimation(join(dir, 'w.gif'));
    assert.equal(back.frames.length, 10);
    back.frames.forEach((frame, i) => {
      const source = images[i] ?? assert.fail('no source');
      // Measured 26.4-27.9 dB, block means off by 1.5-1.8 (median) and 2.6-5.4 (worst).
      assert.ok(psnr(rgbOf(frame.data), source.data) > 25.5, `frame ${i}`);
      const errors = blockErrors(rgbOf(frame.data), source, 16).sort((a, b) => a - b);
      assert.ok((errors[errors.length >> 1] ?? 0) <= 4 && (errors.at(-1) ?? 0) <= 10, `frame ${i}: block means`);
    });

    // Aborted: neither the spool nor the output is left.
    const aborted = createWriter(join(dir, 'a.gif'), { fps: 10 });
    await aborted.write({ data: images[0]?.data ?? new Uint8Array(), width: 80, height: 48, layout: 'rgb' });
    assert.equal((await readdir(spoolDir)).length, 1);
    await aborted.abort();
    assert.deepEqual(await readdir(spoolDir), []);
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('a.gif') || n.startsWith('.a.gif')), []);
  });

  it('a temporary folder that cannot be written fails with IO naming the spool and TMPDIR (it was a bare EACCES)', { skip: !existsSync('/sys/kernel') && 'needs /sys, where even root cannot create a file' }, async (t) => {
    const dir = await tempDir(t);
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = '/sys';
    t.after(() => {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    });
    const writer = createWriter(join(dir, 'w.gif'));
    await assert.rejects(writer.write({ data: new Uint8Array(16 * 16 * 4).fill(255), width: 16, height: 16 }), (error: FlipbookError) => {
      assert.equal(error.name, 'FlipbookError');
      assert.equal(error.code, 'IO');
      assert.match(error.message, /^Cannot create \/sys\/\.flipbook-spool-\S+ \(the frames of .*w\.gif, spooled in the temporary folder\): (.* \(E[A-Z]+\)|E[A-Z]+)\. Set TMPDIR to a folder flipbook can write to$/);
      return true;
    });
    assert.deepEqual(await readdir(dir), []);
  });

  it('refuses crf for a GIF when the writer is made', () => {
    assert.throws(() => createWriter('x.gif', { crf: 20 }), (e: FlipbookError) => e.code === 'INVALID_OPTION' && e.option === 'crf' && /applies to videos, not to \.gif/.test(e.message));
  });
});

describe('GIF from the command line', () => {
  it('shows the options with their defaults in --help and writes a GIF with them', async (t) => {
    const help = await runCli(['stitch', '--help']);
    assert.equal(help.code, 0);
    for (const flag of [/--dither <mode>.*default:\s+floyd_steinberg/s, /--colors <n>.*default: 256/s, /--loop <n>.*default: 0/s, /--max-size <size>/, /--lossless/]) assert.match(help.stdout, flag);
    const dir = await tempDir(t);
    await sceneFrames(dir, 6, 64, 40);
    const out = join(dir, 'cli.gif');
    const run = await runCli(['stitch', join(dir, '*.png'), '-o', out, '--colors', '32', '--dither', 'floyd_steinberg', '--loop', '4', '--fps', '60', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event?: string; type?: string; [k: string]: unknown });
    const done = events.find((e) => e.event === 'done' || e.type === 'done');
    assert.ok(done, run.stdout);
    assert.equal(done.codec, 'gif');
    assert.ok(events.some((e) => JSON.stringify(e).includes('at most 50 fps')), 'the clamp warning');
    assert.equal(await loopCount(out), 4);
    const bad = await runCli(['stitch', join(dir, '*.png'), '-o', join(dir, 'bad.gif'), '--crf', '20']);
    assert.equal(bad.code, 2, bad.stderr);
    // Fact and hint name the flag, as typed (the fact said "The option crf", the hint "--crf").
    assert.match(bad.stderr, /^flipbook: error: The option --crf applies to videos, not to \.gif: a GIF has no crf\. Leave out --crf; for a GIF use --colors, --dither or --max-size\n$/);
    const webp = await runCli(['stitch', join(dir, '*.png'), '-o', join(dir, 'bad.webp'), '--colors', '64']);
    assert.equal(webp.code, 2, webp.stderr);
    assert.equal(webp.stderr, 'flipbook: error: The option --colors applies to .gif outputs, not .webp. Leave out --colors\n');
    const video = await runCli(['stitch', join(dir, '*.png'), '-o', join(dir, 'bad.mp4'), '--max-size', '1MB']);
    assert.equal(video.code, 2, video.stderr);
    assert.equal(video.stderr, 'flipbook: error: The option --max-size applies to .gif outputs, not .mp4. Leave out --max-size, or write .gif\n');
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('bad')), [], 'nothing written');
  });
});

describe('progress of a GIF, WebP or APNG', () => {
  /** The progress reports as `stage frame/total` (attempt after the stage when above 1). */
  function said(reports: Progress[]): string[] {
    return reports.map((p) => `${p.stage}${(p.attempt ?? 1) > 1 ? p.attempt : ''} ${p.frame}/${p.total}`);
  }

  /** Each pass counts the animation's frames from 1 to `n`: spooling, then writing. */
  function passes(n: number, ...stages: string[]): string[] {
    return stages.flatMap((stage) => Array.from({ length: n }, (_, i) => `${stage} ${i + 1}/${n}`));
  }

  it('counts the animation\'s frames once in each pass, with the pass as stage (it counted each frame twice: 24 images showed 48/48)', async (t) => {
    const dir = await tempDir(t);
    await sceneFrames(dir, 24, 64, 48);
    for (const ext of ['gif', 'webp', 'apng']) {
      const reports: Progress[] = [];
      const result = await stitch(join(dir, '*.png'), join(dir, `out.${ext}`), { fps: 12, onProgress: (p) => reports.push(p) });
      assert.equal(result.frames, 24);
      assert.equal((await readAnimation(join(dir, `out.${ext}`))).frames.length, 24, `${ext}: frames decoded back`);
      assert.deepEqual(said(reports), passes(24, 'spooling', 'writing'), ext);
      assert.ok(reports.every((p) => p.eta === undefined || p.eta >= 0), `${ext}: no negative ETA`);
      assert.equal(reports.at(-1)?.eta, 0, `${ext}: nothing left at the end`);
    }
  });

  it('the frame writer with expectedFrames 10 says 10 frames, and animate its frames', async (t) => {
    const dir = await tempDir(t);
    const reports: Progress[] = [];
    const writer = createWriter(join(dir, 'w.gif'), { fps: 10, expectedFrames: 10, onProgress: (p) => reports.push(p) });
    for (let i = 0; i < 10; i++) await writer.write({ data: scene(32, 24, i).data, width: 32, height: 24, layout: 'rgb' });
    const result = await writer.close();
    assert.equal((await readAnimation(result.output)).frames.length, 10);
    assert.deepEqual(said(reports), passes(10, 'spooling', 'writing'));

    const drawn: Progress[] = [];
    const animated = await animate({ width: 32, height: 24, fps: 10, frames: 6, draw: (ctx, { index }) => ctx.fillRect(0, 0, index * 5, 24) }, join(dir, 'a.webp'), { onProgress: (p) => drawn.push(p) });
    assert.equal((await readAnimation(animated.output)).frames.length, 6);
    assert.deepEqual(said(drawn), passes(6, 'spooling', 'writing'));
  });

  it('with jobs 2, as in one piece', async (t) => {
    const dir = await tempDir(t);
    await sceneFrames(dir, 24, 64, 48);
    const reports: Progress[] = [];
    const result = await stitch(join(dir, '*.png'), join(dir, 'jobs.gif'), { fps: 12, jobs: 2, onProgress: (p) => reports.push(p) });
    assert.equal((await readAnimation(result.output)).frames.length, 24);
    assert.deepEqual(said(reports).sort(), passes(24, 'spooling', 'writing').sort(), 'each pass counts 1 to 24 (segments report in any order)');
    assert.ok(reports.findIndex((p) => p.stage === 'writing') === 24, 'the writing after all the spooling');
  });

  it('a maxSize try at another size counts its palette and writing passes as try 2', async (t) => {
    const dir = await tempDir(t);
    await sceneFrames(dir, 12, 240, 150);
    const full = await stitch(join(dir, '*.png'), join(dir, 'full.gif'), { fps: 20 });
    const reports: Progress[] = [];
    const fitted = await stitch(join(dir, '*.png'), join(dir, 'fitted.gif'), { fps: 20, maxSize: Math.round(full.bytes / 3), onProgress: (p) => reports.push(p) });
    const tries = fitted.animation?.maxSize?.attempts.length ?? 0;
    assert.ok(tries >= 2, `tries: ${tries}`);
    // The passes in order; a try at the first size (a higher tolerance) reuses its palette.
    const stages = said(reports).map((r) => r.split(' ')[0] ?? '').filter((stage, i, all) => stage !== all[i - 1]);
    const retries = Array.from({ length: tries - 1 }, (_, i) => `(palette${i + 2} )?writing${i + 2}`).join(' ');
    assert.match(stages.join(' '), new RegExp(`^spooling writing ${retries}$`));
    assert.ok(stages.some((stage) => stage.startsWith('palette')), `a try at a smaller size counts a palette: ${stages.join(' ')}`);
    assert.deepEqual(said(reports), passes(12, ...stages));
  });
});
