/**
 * Awkward sources: rotation metadata (phone videos), 4:2:2 and 4:4:4 chroma, 10-bit, full
 * range, BT.709 tags. Made with the reference ffmpeg; the frames flipbook gives are compared
 * with the synthetic source pixels and with what the reference ffmpeg decodes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { FrameConverter, PixelReader, VideoSource, copyPixels } from '../src/engine/index.js';
import { contactSheet, probe, readFrames, split } from '../src/index.js';
import { FFMPEG, FFPROBE, ffmpegVideo, imagePixels, needTool, psnr, run, syntheticFrame, tempDir } from './helpers/test-media.js';

const W = 96;
const H = 64;

/** Rotates packed RGB counterclockwise by 90°, 180° or 270°. */
function rotateCcw(src: Uint8Array, width: number, height: number, degrees: 90 | 180 | 270): { data: Buffer; width: number; height: number } {
  const swap = degrees !== 180;
  const w = swap ? height : width;
  const h = swap ? width : height;
  const out = Buffer.alloc(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [dx, dy] = degrees === 90 ? [y, width - 1 - x] : degrees === 180 ? [width - 1 - x, height - 1 - y] : [height - 1 - y, x];
      out.set(src.subarray((y * width + x) * 3, (y * width + x) * 3 + 3), (dy * w + dx) * 3);
    }
  }
  return { data: out, width: w, height: h };
}

async function ffprobeFrames(file: string): Promise<unknown> {
  return JSON.parse((await run(FFPROBE, ['-v', 'error', '-of', 'json', '-select_streams', 'v:0', '-show_entries', 'frame=interlaced_frame', file])).stdout.toString());
}

async function firstFrameOf(frames: AsyncIterable<{ data: Uint8Array; width: number; height: number }>): Promise<{ data: Uint8Array; width: number; height: number }> {
  for await (const frame of frames) return frame;
  throw new Error('no frame');
}

async function firstFrame(file: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  for await (const frame of readFrames(file, { layout: 'rgb', maxFrames: 1 })) return frame;
  throw new Error(`${file}: no frame`);
}

/** The first frame as the reference ffmpeg decodes it (with its autorotation), RGB. */
async function ffmpegFirstFrame(file: string, flags = 'bicubic+full_chroma_int'): Promise<Buffer> {
  const { stdout } = await run(FFMPEG, ['-v', 'error', '-i', file, '-frames:v', '1', '-sws_flags', flags, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  return stdout;
}

describe('rotation metadata', () => {
  for (const degrees of [90, 180, 270] as const) {
    test(`a video tagged to rotate ${degrees}° comes out upright, as the reference ffmpeg shows it`, async (t) => {
      if (!needTool(t, FFMPEG) || !needTool(t, FFPROBE)) return;
      const dir = await tempDir(t);
      const plain = join(dir, 'plain.mp4');
      const rotated = join(dir, `rotated-${degrees}.mp4`);
      await ffmpegVideo(plain, 3, W, H, '25', ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv444p']);
      await run(FFMPEG, ['-v', 'error', '-y', '-i', plain, '-c', 'copy', '-metadata:s:v', `rotate=${degrees}`, rotated]);
      const info = await probe(rotated);
      const { streams } = JSON.parse((await run(FFPROBE, ['-v', 'error', '-of', 'json', '-show_streams', rotated])).stdout.toString()) as {
        streams: { side_data_list?: { rotation?: number }[] }[];
      };
      const reference = streams[0]?.side_data_list?.find((s) => s.rotation !== undefined)?.rotation ?? 0;
      assert.equal(info.video?.rotation, reference, 'the rotation ffprobe reports');
      // Counterclockwise degrees, normalised: what the frame must be turned by to be upright.
      const ccw = (((reference % 360) + 360) % 360) as 90 | 180 | 270;
      const expected = rotateCcw(syntheticFrame(0, W, H), W, H, ccw);
      assert.deepEqual([info.video?.displayWidth, info.video?.displayHeight], [expected.width, expected.height]);

      const frame = await firstFrame(rotated);
      assert.deepEqual([frame.width, frame.height], [expected.width, expected.height]);
      assert.ok(psnr(frame.data, expected.data) >= 35, `upright: ${psnr(frame.data, expected.data).toFixed(1)} dB`);
      const unrotated = syntheticFrame(0, W, H);
      if (ccw === 180) assert.ok(psnr(frame.data, unrotated) < 20, 'not left as stored');
      const ours = Buffer.from(frame.data);
      assert.ok(ours.equals(await ffmpegFirstFrame(rotated)), 'the same pixels as the reference ffmpeg (which autorotates)');

      const result = await split(rotated, join(dir, 'out', 'f_%d.png'), { maxFrames: 1 });
      const file = await imagePixels(result.files[0] as string);
      assert.deepEqual([file.width, file.height], [expected.width, expected.height]);
      assert.ok(Buffer.from(file.data).equals(ours));
    });
  }
});

describe('chroma layouts, bit depths, ranges and matrices', () => {
  const cases = [
    { name: '4:2:0 8-bit', args: ['-pix_fmt', 'yuv420p'], min: 30 },
    { name: '4:2:2 8-bit', args: ['-pix_fmt', 'yuv422p'], min: 30 },
    { name: '4:4:4 8-bit', args: ['-pix_fmt', 'yuv444p'], min: 40 },
    { name: '4:2:0 10-bit', args: ['-pix_fmt', 'yuv420p10le'], min: 30 },
    { name: '4:2:2 10-bit', args: ['-pix_fmt', 'yuv422p10le'], min: 30 },
    { name: '4:4:4 10-bit', args: ['-pix_fmt', 'yuv444p10le'], min: 40 },
    { name: 'full range 4:2:0', args: ['-vf', 'scale=out_range=pc', '-pix_fmt', 'yuvj420p', '-color_range', 'pc'], min: 30 },
    {
      name: 'BT.709 4:4:4 (tagged)',
      args: ['-vf', 'scale=out_color_matrix=bt709', '-pix_fmt', 'yuv444p', '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709'],
      min: 40,
    },
  ];
  for (const c of cases) {
    test(`${c.name}: the source colours come back, as the reference ffmpeg decodes them`, async (t) => {
      if (!needTool(t, FFMPEG)) return;
      const dir = await tempDir(t);
      const file = join(dir, 'source.mkv');
      // Lossless coding: all that is lost is chroma subsampling and rounding.
      await ffmpegVideo(file, 2, W, H, '25', [...c.args, '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0']);
      const frame = await firstFrame(file);
      const db = psnr(frame.data, syntheticFrame(0, W, H));
      assert.ok(db >= c.min, `${c.name}: ${db.toFixed(2)} dB against the source`);
      const reference = await ffmpegFirstFrame(file);
      const agreement = psnr(frame.data, reference);
      assert.ok(agreement >= 45, `${c.name}: ${agreement.toFixed(2)} dB against the reference ffmpeg`);
    });
  }

  // readFrames converts 8-bit planar YUV straight into JavaScript memory (PixelReader), others
  // through the filter graph: the two must give the same bytes wherever the direct path is taken.
  test("the direct conversion into JavaScript memory gives the filter graph's bytes exactly", async (t) => {
    if (!needTool(t, FFMPEG)) return;
    const dir = await tempDir(t);
    const lossless = ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0'];
    const direct = [
      ...cases.filter((c) => !c.name.includes('10-bit')).map((c) => ({ name: c.name, args: [...c.args, ...lossless] })),
      // Odd sizes: rows of 3 x 95 bytes, half-chroma of 48 (FFV1, as x264 refuses odd 4:2:0).
      { name: '4:2:0 8-bit, 95x63', args: ['-vf', 'scale=95:63,format=yuv420p', '-c:v', 'ffv1'] },
    ];
    for (const [i, c] of direct.entries()) {
      const file = join(dir, `direct-${i}.mkv`);
      await ffmpegVideo(file, 1, W, H, '25', c.args);
      for (const pixelFormat of ['rgba', 'rgb24', 'gray'] as const) {
        const target = { filters: [], width: undefined, height: undefined, pixelFormat };
        const reader = new PixelReader(target);
        const graph = new FrameConverter(target);
        const source = await VideoSource.open(file);
        try {
          for await (const frame of source.decode()) {
            const passed = await reader.convert(frame.picture);
            const converted = await graph.convert(frame.picture);
            try {
              assert.notEqual(passed.pixelFormat, pixelFormat, `${c.name} to ${pixelFormat}: the direct path was taken (the picture was not converted first)`);
              const ours = await reader.pixels(passed);
              const expected = copyPixels(converted);
              assert.equal(ours.length, expected.length, `${c.name} to ${pixelFormat}: byte count`);
              assert.ok(ours.equals(expected), `${c.name} to ${pixelFormat}: the direct conversion differs from the filter graph's`);
            } finally {
              passed.release();
              converted.release();
              frame.picture.release();
            }
          }
        } finally {
          reader.close();
          graph.close();
          await source.close();
        }
      }
    }
  });

  test('a tagged BT.709 source read as BT.601 would be visibly off: the tag is honoured', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    const dir = await tempDir(t);
    const tagged = join(dir, 'bt709.mkv');
    const untagged = join(dir, 'untagged.mkv');
    const args = ['-vf', 'scale=out_color_matrix=bt709', '-pix_fmt', 'yuv444p', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0'];
    await ffmpegVideo(tagged, 1, W, H, '25', [...args, '-colorspace', 'bt709']);
    await ffmpegVideo(untagged, 1, W, H, '25', args);
    const source = syntheticFrame(0, W, H);
    const good = psnr((await firstFrame(tagged)).data, source);
    const wrong = psnr((await firstFrame(untagged)).data, source);
    assert.ok(good > wrong + 6, `tagged ${good.toFixed(1)} dB, untagged (read as BT.601) ${wrong.toFixed(1)} dB`);
  });
});

describe('interlaced video', () => {
  // Frames flagged interlaced (DV, broadcast, a camcorder's 50i) are converted as one picture, as
  // the filter graph and the reference ffmpeg do; swscale's frame API refused them (EINVAL) on
  // readFrames' direct path, so readFrames of any interlaced 8-bit video failed at its first frame.
  test('an interlaced H.264 video reads in every layout, with the reference ffmpeg\'s pixels', async (t) => {
    if (!needTool(t, FFMPEG) || !needTool(t, FFPROBE)) return;
    const dir = await tempDir(t);
    const file = join(dir, 'interlaced.mp4');
    await ffmpegVideo(file, 3, W, H, '25', ['-vf', 'setfield=tff', '-flags', '+ildct+ilme', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv420p']);
    const { frames } = (await ffprobeFrames(file)) as { frames: { interlaced_frame: number }[] };
    assert.ok(frames.every((f) => f.interlaced_frame === 1), 'the frames are flagged interlaced');
    for (const layout of ['rgba', 'rgb', 'gray'] as const) {
      let count = 0;
      for await (const frame of readFrames(file, { layout })) {
        assert.deepEqual([frame.width, frame.height], [W, H]);
        count++;
      }
      assert.equal(count, 3, `${layout}: every frame`);
    }
    const ours = Buffer.from((await firstFrame(file)).data);
    assert.ok(ours.equals(await ffmpegFirstFrame(file, 'bilinear')), 'the pixels the reference ffmpeg decodes');
    const result = await split(file, join(dir, 'out', 'f_%d.png'), { maxFrames: 1 });
    assert.ok(Buffer.from((await imagePixels(result.files[0] as string)).data).equals(ours), 'split writes the same pixels');
  });
});

describe('non-square pixels', () => {
  // A DVD or DV video stores 720x576 for a 4:3 or 16:9 picture: its sample aspect ratio says how
  // wide a pixel is shown. Images have no such ratio that viewers honour, so frames written at
  // the stored size looked squeezed (a 16:9 DVD came out 5:4). They come out as players show
  // them: the width scaled by the ratio, the height kept (ffmpeg's scale=iw*sar:ih).
  test('a video with a 3:2 sample aspect ratio is read, split and sheeted at its shown size, as the reference ffmpeg scales it', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    const dir = await tempDir(t);
    const file = join(dir, 'anamorphic.mp4');
    await ffmpegVideo(file, 2, W, H, '25', ['-vf', 'setsar=3/2', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-pix_fmt', 'yuv444p']);
    const shown = { width: (W * 3) / 2, height: H };
    const info = await probe(file);
    assert.deepEqual(info.video?.sampleAspectRatio, { num: 3, den: 2 });
    assert.deepEqual([info.video?.width, info.video?.height], [W, H], 'the stored size');
    assert.deepEqual([info.video?.displayWidth, info.video?.displayHeight], [shown.width, shown.height], 'the shown size');

    const frame = await firstFrame(file);
    assert.deepEqual([frame.width, frame.height], [shown.width, shown.height]);
    const { stdout: reference } = await run(FFMPEG, ['-v', 'error', '-i', file, '-frames:v', '1', '-vf', 'scale=iw*sar:ih', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
    assert.equal(reference.length, frame.data.length, 'the reference ffmpeg scales to the same size');
    const db = psnr(frame.data, reference);
    assert.ok(db >= 35, `the reference ffmpeg's pixels: ${db.toFixed(1)} dB`);

    const half = await firstFrameOf(readFrames(file, { layout: 'rgb', maxFrames: 1, width: shown.width / 2 }));
    assert.deepEqual([half.width, half.height], [shown.width / 2, shown.height / 2], 'width keeps the shown aspect ratio');

    const result = await split(file, join(dir, 'out', 'f_%d.png'), { maxFrames: 1 });
    assert.deepEqual([result.width, result.height], [shown.width, shown.height]);
    const image = await imagePixels(result.files[0] as string);
    assert.deepEqual([image.width, image.height], [shown.width, shown.height]);

    const sheet = await contactSheet(file, join(dir, 'sheet.png'), { columns: 1, rows: 1, width: 200 });
    assert.ok(Math.abs(sheet.thumbWidth / sheet.thumbHeight - shown.width / shown.height) < 0.05, `thumbnail ${sheet.thumbWidth}x${sheet.thumbHeight}`);
  });
});

describe('more than one video stream', () => {
  // One stream is read (FFmpeg's best); the others were left out without a word.
  test('split, readFrames and contactSheet read one stream and name the ones left out', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    const dir = await tempDir(t);
    const file = join(dir, 'two.mp4');
    await run(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=s=${W}x${H}:r=25:d=0.2`, '-f', 'lavfi', '-i', 'testsrc=s=160x120:r=10:d=0.5', '-map', '0', '-map', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
    const said = /two\.mp4 has 2 video streams: the frames are read from #0 \(96x64, h264\); #1 \(160x120, h264\) is left out/;

    const heard: string[] = [];
    const result = await split(file, join(dir, 'out', 'f_%d.png'), { onWarning: (w) => heard.push(w) });
    assert.equal(result.files.length, 5, 'the frames of stream #0');
    assert.deepEqual([result.width, result.height], [W, H]);
    assert.match(heard.join('\n'), said);
    assert.match(result.warnings.join('\n'), said);

    const read: string[] = [];
    let frames = 0;
    for await (const frame of readFrames(file, { layout: 'gray', onWarning: (w) => read.push(w) })) frames += frame.width === W ? 1 : 0;
    assert.equal(frames, 5);
    assert.match(read.join('\n'), said);

    const sheeted: string[] = [];
    await contactSheet(file, join(dir, 'sheet.png'), { columns: 2, rows: 1, width: 200, onWarning: (w) => sheeted.push(w) });
    assert.match(sheeted.join('\n'), said);

    // One stream: nothing said.
    const single = join(dir, 'one.mp4');
    await ffmpegVideo(single, 2, W, H, '25', ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']);
    const none = await split(single, join(dir, 'one', 'f_%d.png'));
    assert.deepEqual(none.warnings, []);
  });
});

describe('HDR video', () => {
  // PQ and HLG code values converted as stored (as the ffmpeg command line does, no tone
  // mapping) look dim and washed out, or flat, in an image viewer: split, sheet and readFrames say so.
  for (const [transfer, name, look] of [
    ['smpte2084', 'PQ', 'dim and washed out'],
    ['arib-std-b67', 'HLG', 'flat and desaturated'],
  ] as const) {
    test(`${name}: split, readFrames and contactSheet say the frames are not tone-mapped`, async (t) => {
      if (!needTool(t, FFMPEG)) return;
      const dir = await tempDir(t);
      const file = join(dir, 'hdr.mkv');
      await ffmpegVideo(file, 2, W, H, '25', ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le', '-color_primaries', 'bt2020', '-color_trc', transfer, '-colorspace', 'bt2020nc']);
      const said = new RegExp(`hdr\\.mkv is HDR video \\(${name} \\(${transfer}\\) transfer, bt2020 primaries\\): its frames are converted as stored, not tone-mapped to SDR, so they look ${look}`);
      const result = await split(file, join(dir, 'out', 'f_%d.png'));
      assert.equal(result.files.length, 2);
      assert.match(result.warnings.join('\n'), said);
      const read: string[] = [];
      for await (const frame of readFrames(file, { onWarning: (w) => read.push(w) })) assert.equal(frame.width, W);
      assert.match(read.join('\n'), said);
      const sheeted: string[] = [];
      await contactSheet(file, join(dir, 'sheet.png'), { columns: 2, rows: 1, width: 200, onWarning: (w) => sheeted.push(w) });
      assert.match(sheeted.join('\n'), said);
    });
  }

  test('SDR video tagged BT.709 or BT.2020 with an SDR transfer says nothing', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    const dir = await tempDir(t);
    const file = join(dir, 'sdr.mkv');
    await ffmpegVideo(file, 1, W, H, '25', ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le', '-color_primaries', 'bt2020', '-color_trc', 'bt2020-10', '-colorspace', 'bt2020nc']);
    assert.deepEqual((await split(file, join(dir, 'out', 'f_%d.png'))).warnings, []);
  });
});
