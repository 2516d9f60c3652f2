import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { type FlipbookError, planSplit, probe, readFrames, runSplit, split, stitch } from '../src/index.js';
import { SHORT_DELAYS, shortDelayGif } from './helpers/gif-blocks.js';
import { ffmpegVideo, imagePixels, needTool, FFMPEG, FFPROBE, psnr, stitchedVideo, tempDir } from './helpers/test-media.js';

const W = 96;
const H = 64;
const N = 12;

describe('split: round trip', () => {
  test('stitch N frames, split them back: N files, each within 35 dB of its source, and readFrames gives the same pixels', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    const sources = await stitchedVideo(dir, video, N, W, H);
    const result = await split(video, join(dir, 'frames', 'img_%05d.png'));
    assert.equal(result.frames, N);
    assert.equal(result.mode, 'passthrough');
    const names = (await readdir(join(dir, 'frames'))).sort();
    assert.deepEqual(names, Array.from({ length: N }, (_, i) => `img_${String(i + 1).padStart(5, '0')}.png`));
    assert.deepEqual(result.files, names.map((n) => join(dir, 'frames', n)));
    const fromFiles: Uint8Array[] = [];
    for (const [i, name] of names.entries()) {
      const image = await imagePixels(join(dir, 'frames', name));
      assert.equal(image.width, W);
      assert.equal(image.height, H);
      const db = psnr(image.data, sources[i] as Buffer);
      assert.ok(db >= 35, `frame ${i}: ${db.toFixed(2)} dB`);
      fromFiles.push(image.data);
    }
    let count = 0;
    for await (const frame of readFrames(video, { layout: 'rgb' })) {
      assert.equal(frame.width, W);
      assert.equal(frame.layout, 'rgb');
      assert.equal(frame.data.length, W * H * 3);
      assert.ok(Buffer.from(frame.data).equals(Buffer.from(fromFiles[frame.index] as Uint8Array)), `readFrames frame ${frame.index} differs from its PNG`);
      count++;
    }
    assert.equal(count, N);
  });

  test('a directory as output gets frame_%06d.png inside; startNumber moves the numbering', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mkv');
    await stitchedVideo(dir, video, 4, W, H);
    const a = await split(video, join(dir, 'out') + '/');
    assert.deepEqual((await readdir(join(dir, 'out'))).sort(), ['frame_000001.png', 'frame_000002.png', 'frame_000003.png', 'frame_000004.png']);
    assert.equal(a.output, join(dir, 'out', 'frame_%06d.png'));
    await split(video, join(dir, 'b', 'x%d.png'), { startNumber: 0 });
    assert.deepEqual((await readdir(join(dir, 'b'))).sort(), ['x0.png', 'x1.png', 'x2.png', 'x3.png']);
  });
});

describe('split: image formats', () => {
  test('JPEG (quality changes the size), WebP, TIFF and BMP decode back close to the source', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    const sources = await stitchedVideo(dir, video, 3, W, H);
    const expectations = [
      { ext: 'jpg', options: { imageQuality: 95 }, codec: 'mjpeg', min: 30 },
      { ext: 'webp', options: { imageQuality: 90 }, codec: 'webp', min: 28 },
      { ext: 'tif', options: {}, codec: 'tiff', min: 35 },
      { ext: 'bmp', options: {}, codec: 'bmp', min: 35 },
    ];
    for (const e of expectations) {
      const result = await split(video, join(dir, e.ext, `f_%02d.${e.ext}`), e.options);
      assert.equal(result.frames, 3, e.ext);
      for (const [i, file] of result.files.entries()) {
        const info = await probe(file);
        assert.equal(info.video?.codec, e.codec, file);
        const image = await imagePixels(file);
        const db = psnr(image.data, sources[i] as Buffer);
        assert.ok(db >= e.min, `${file}: ${db.toFixed(2)} dB`);
      }
    }
    const small = await split(video, join(dir, 'q10', 'f_%02d.jpg'), { imageQuality: 10 });
    const big = await split(video, join(dir, 'q95', 'f_%02d.jpg'), { imageQuality: 95 });
    assert.ok(small.bytes < big.bytes * 0.7, `quality 10: ${small.bytes} bytes, quality 95: ${big.bytes}`);
    const lowDb = psnr((await imagePixels(small.files[0] as string)).data, sources[0] as Buffer);
    const highDb = psnr((await imagePixels(big.files[0] as string)).data, sources[0] as Buffer);
    assert.ok(lowDb + 3 < highDb, `quality 10: ${lowDb.toFixed(1)} dB, quality 95: ${highDb.toFixed(1)} dB`);
  });

  test('depth 16 writes 16-bit PNG from a 10-bit source, and 8-bit (with a warning) from an 8-bit one', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    const dir = await tempDir(t);
    const deep = join(dir, 'deep.mkv');
    await ffmpegVideo(deep, 2, W, H, '25', ['-pix_fmt', 'yuv420p10le', '-c:v', 'libx264', '-qp', '0']);
    const result = await split(deep, join(dir, 'p16', 'f_%d.png'), { depth: 16 });
    assert.equal(result.depth, 16);
    const info = await probe(result.files[0] as string);
    assert.equal(info.video?.pixelFormat, 'rgb48be');
    const tiff = await split(deep, join(dir, 't16', 'f_%d.tif'), { depth: 16 });
    assert.equal((await probe(tiff.files[0] as string)).video?.pixelFormat, 'rgb48le');

    const plain = join(dir, 'plain.mp4');
    await stitchedVideo(dir, plain, 2, W, H);
    const warnings: string[] = [];
    const eight = await split(plain, join(dir, 'p8', 'f_%d.png'), { depth: 16, onWarning: (w) => warnings.push(w) });
    assert.equal(eight.depth, 8);
    assert.equal((await probe(eight.files[0] as string)).video?.pixelFormat, 'rgb24');
    assert.equal(warnings.filter((w) => /8-bit/.test(w)).length, 1, `said once: ${warnings.join('\n')}`);
    // Said while planning, as planStitch says its warnings: a dry run hears it; running the plan does not repeat it.
    const heard: string[] = [];
    const plan = await planSplit(plain, join(dir, 'p8b', 'f_%d.png'), { depth: 16, onWarning: (w) => heard.push(w) });
    assert.equal(heard.filter((w) => /8-bit/.test(w)).length, 1, `planSplit says it: ${heard.join('\n')}`);
    const ran = await runSplit(plan, { onWarning: (w) => heard.push(w) });
    assert.equal(heard.filter((w) => /8-bit/.test(w)).length, 1, `runSplit does not repeat it: ${heard.join('\n')}`);
    assert.ok(ran.warnings.some((w) => /8-bit/.test(w)), 'the result keeps it');
    await assert.rejects(split(plain, join(dir, 'j', 'f_%d.jpg'), { depth: 16 }), (e: FlipbookError) => e.code === 'INVALID_OPTION' && e.option === 'depth');
  });
});

describe('split: manifest', () => {
  for (const kind of ['csv', 'json'] as const) {
    test(`the ${kind} manifest lists exactly the files written, with their index and time`, async (t) => {
      const dir = await tempDir(t);
      const video = join(dir, 'clip.mp4');
      await stitchedVideo(dir, video, 10, W, H, { fps: 10 });
      const manifest = join(dir, `frames.${kind}`);
      const result = await split(video, join(dir, 'frames', 'f_%03d.png'), { every: 3, manifest });
      const written = (await readdir(join(dir, 'frames'))).sort();
      assert.equal(written.length, 4);
      const text = await readFile(manifest, 'utf8');
      let rows: { index: number; time: number; file: string }[];
      if (kind === 'json') {
        const parsed = JSON.parse(text) as { mode: string; frames: { index: number; time: number; file: string }[] };
        assert.equal(parsed.mode, 'passthrough');
        rows = parsed.frames;
      } else {
        const [header, ...lines] = text.trim().split('\n');
        assert.equal(header, 'index,time,file,source_index,pts,keyframe');
        rows = lines.map((l) => {
          const [index, time, file] = l.split(',');
          return { index: Number(index), time: Number(time), file: file ?? '' };
        });
      }
      assert.deepEqual(
        rows.map((r) => r.file),
        written.map((w) => `frames/${w}`),
      );
      for (const [i, row] of rows.entries()) {
        assert.equal(row.index, i);
        assert.ok(existsSync(join(dir, row.file)));
        // every 3rd frame of a 10 fps video: 0, 0.3, 0.6, 0.9 s.
        assert.ok(Math.abs(row.time - i * 0.3) < 1e-6, `row ${i}: ${row.time}`);
        assert.equal(row.time, result.entries[i]?.time !== undefined ? Math.round((result.entries[i]?.time ?? 0) * 1e6) / 1e6 : NaN);
      }
    });
  }

  test('a manifest that is neither .csv nor .json is refused before anything is written', async (t) => {
    const dir = await tempDir(t);
    await assert.rejects(split(join(dir, 'none.mp4'), join(dir, 'f_%d.png'), { manifest: join(dir, 'm.txt') }), (e: FlipbookError) => e.option === 'manifest');
  });
});

describe('split: existing files', () => {
  test('existing frame files are not overwritten; the error says how many would be; overwrite replaces them', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, 5, W, H);
    const out = join(dir, 'frames');
    await split(video, join(out, 'f_%02d.png'), { maxFrames: 3 });
    const before = await readFile(join(out, 'f_01.png'));
    await assert.rejects(split(video, join(out, 'f_%02d.png')), (e: FlipbookError) => {
      assert.equal(e.code, 'OUTPUT_EXISTS');
      assert.match(e.message, /^3 frame files would be overwritten/);
      assert.match(e.message, /f_01\.png to .*f_03\.png/);
      return true;
    });
    assert.deepEqual(await readFile(join(out, 'f_01.png')), before);
    // Another number range does not clash.
    await split(video, join(out, 'f_%02d.png'), { startNumber: 10, maxFrames: 2 });
    const again = await split(video, join(out, 'f_%02d.png'), { overwrite: true });
    assert.equal(again.frames, 5);
    assert.deepEqual((await readdir(out)).sort(), ['f_01.png', 'f_02.png', 'f_03.png', 'f_04.png', 'f_05.png', 'f_10.png', 'f_11.png']);
  });

  test('patterns without exactly one number, or with an unknown extension, are refused', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await writeFile(video, 'not read: the output is checked first');
    for (const pattern of ['f_%s.png', 'f_%d_%d.png', 'f.png', 'f_%05d.gif']) {
      await assert.rejects(planSplit(video, join(dir, pattern)), (e: FlipbookError) => e.option === 'output' && (e.code === 'INVALID_OPTION' || e.code === 'UNSUPPORTED_OUTPUT'), pattern);
    }
  });

  test('an abort stops the run and removes every file it wrote, and the folder it made', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, 12, W, H);
    const controller = new AbortController();
    const out = join(dir, 'made', 'here');
    await assert.rejects(
      split(video, join(out, 'f_%02d.png'), {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.frame === 4) controller.abort();
        },
      }),
      (e: FlipbookError) => e.code === 'ABORTED',
    );
    assert.equal(existsSync(join(dir, 'made')), false);
  });
});

describe('split: size', () => {
  test('width keeps the aspect ratio, scale scales both, width and height fit inside both', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, 2, W, H);
    const cases = [
      { options: { width: 48 }, size: [48, 32] },
      { options: { height: 16 }, size: [24, 16] },
      { options: { scale: 0.5 }, size: [48, 32] },
      { options: { width: 60, height: 20 }, size: [30, 20] },
    ];
    for (const [i, c] of cases.entries()) {
      const result = await split(video, join(dir, `s${i}`, 'f_%d.png'), c.options);
      const image = await imagePixels(result.files[0] as string);
      assert.deepEqual([image.width, image.height, result.width, result.height], [...c.size, ...c.size], JSON.stringify(c.options));
    }
  });
});

describe('split: GIF timing', () => {
  test('a GIF with delays of 0 and 1 hundredth: its frames are timed 0.1 s each as browsers show them, and fps samples what a viewer sees', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'short-delays.gif');
    await shortDelayGif(file);
    const read: number[] = [];
    for await (const frame of readFrames(file)) {
      assert.ok(Math.abs((frame.data[0] ?? 0) - (SHORT_DELAYS.levels[frame.index] ?? -99)) <= 2, `frame ${frame.index} is the frame written: ${frame.data[0]}`);
      read.push(frame.time);
    }
    assert.deepEqual(read, SHORT_DELAYS.times, 'readFrames: 0.1 s for a delay of 0 or 1 hundredth');
    const result = await split(file, join(dir, 'f_%03d.png'), { fps: 10 });
    // On screen at 0, 0.1, ..., 0.6 s of 0.65 s: frames 0 to 5, the last (0.45-0.65 s) twice.
    assert.deepEqual(result.entries.map((e) => e.sourceIndex), [0, 1, 2, 3, 4, 5, 5]);
    for (const [i, entry] of result.entries.entries()) {
      const { data } = await imagePixels(entry.file);
      const level = SHORT_DELAYS.levels[entry.sourceIndex ?? -1] ?? -99;
      assert.ok(Math.abs((data[0] ?? 0) - level) <= 2, `${entry.file} (${i / 10} s) shows frame ${entry.sourceIndex}: ${data[0]}, not ${level}`);
    }
  });
});

describe('split: frame names', () => {
  test('%5d pads with zeros as ffmpeg image2 does (c_00001.jpg, not "c_    1.jpg"), and stitch reads the files back by the same pattern', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, 3, 64, 48);
    const result = await split(video, join(dir, 'c_%5d.jpg'));
    assert.deepEqual(result.files.map((f) => f.slice(dir.length + 1)), ['c_00001.jpg', 'c_00002.jpg', 'c_00003.jpg']);
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('c_')).sort(), ['c_00001.jpg', 'c_00002.jpg', 'c_00003.jpg']);
    const back = await stitch(join(dir, 'c_%5d.jpg'), join(dir, 'back.mp4'), { preset: 'ultrafast' });
    assert.equal(back.frames, 3, 'the round trip reads every frame');
    if (!needTool(t, FFPROBE)) return;
    // Debian's ffmpeg 5.1 reads the same names with the same pattern.
    const frames = execFileSync(FFPROBE, ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', join(dir, 'c_%5d.jpg')], { encoding: 'utf8' }).trim();
    assert.equal(frames, '3', 'ffprobe 5.1 finds the 3 files by c_%5d.jpg');
  });
});
