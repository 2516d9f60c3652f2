import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { type FlipbookError, contactSheet, createWriter, probe, readFrames } from '../src/index.js';
import { SHORT_DELAYS, gifBlocks, shortDelayGif } from './helpers/gif-blocks.js';
import { FFMPEG, FFPROBE, ffmpegVideo, needTool, stitchedVideo, tempDir, writeWav } from './helpers/test-media.js';

const W = 96;
const H = 64;

describe('probe', () => {
  test('a 29.97 fps video reports 30000/1001, not 30, and its counted frame count', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'ntsc.mp4');
    await stitchedVideo(dir, file, 30, W, H, { fps: '29.97' });
    const info = await probe(file);
    const v = info.video;
    assert.ok(v);
    assert.deepEqual(v.avgFrameRate, { num: 30000, den: 1001 });
    assert.deepEqual(v.frameRate, { num: 30000, den: 1001 });
    assert.equal(v.frames, 30);
    assert.equal(v.frameCountSource, 'counted');
    assert.equal(v.headerFrames, 30);
    assert.equal(v.variableFrameRate, false);
    assert.deepEqual([v.codec, v.profile, v.pixelFormat, v.bitDepth, v.chroma], ['h264', 'High', 'yuv420p', 8, '4:2:0']);
    assert.deepEqual([v.width, v.height, v.displayWidth, v.displayHeight, v.rotation], [W, H, W, H, 0]);
    assert.deepEqual([v.colorSpace, v.colorPrimaries, v.colorTransfer, v.colorRange], ['bt709', 'bt709', 'bt709', 'tv']);
    assert.ok(Math.abs((v.duration ?? 0) - (30 * 1001) / 30000) < 1e-3, `duration ${v.duration}`);
    assert.equal(info.container, 'mov,mp4,m4a,3gp,3g2,mj2');
    assert.deepEqual(info.warnings, []);
  });

  test('a container without a frame count (Matroska): counted, and said so', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'clip.mkv');
    await stitchedVideo(dir, file, 17, W, H);
    const info = await probe(file);
    assert.equal(info.video?.headerFrames, undefined);
    assert.equal(info.video?.frames, 17);
    assert.equal(info.video?.frameCountSource, 'counted');
    const quick = await probe(file, { countFrames: false });
    assert.equal(quick.video?.frameCountSource, 'estimated');
    assert.equal(quick.video?.frames, 17);
  });

  test('a Matroska file whose clock starts at 10 s is 4 s long, not cut short (its DURATION says where it ends, 14 s)', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    const dir = await tempDir(t);
    const file = join(dir, 'offset.mkv');
    await ffmpegVideo(file, 40, W, H, '10', ['-c:v', 'libx264', '-preset', 'ultrafast', '-output_ts_offset', '10']);
    const info = await probe(file);
    assert.deepEqual([info.duration, info.video?.duration, info.video?.startTime, info.video?.frames], [4, 4, 10, 40]);
    assert.deepEqual(info.warnings, [], 'no warning that it is cut short');
    const warnings: string[] = [];
    await contactSheet(file, join(dir, 'sheet.png'), { columns: 2, rows: 2, onWarning: (w) => warnings.push(w) });
    assert.deepEqual(warnings, [], 'the contact sheet spreads over the 4 s without a warning');
  });

  test('every video stream is counted, not only the main one (a second stream of 5 frames said "20 frames (estimated)")', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    const dir = await tempDir(t);
    const file = join(dir, 'two.mkv');
    execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=25:d=1', '-f', 'lavfi', '-i', "testsrc=s=320x240:r=10:d=2,select='lt(n\\,3)+gt(n\\,17)'", '-map', '0', '-map', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-fps_mode:1', 'passthrough', file]);
    const info = await probe(file);
    const videos = info.streams.filter((s) => s.type === 'video') as { frames?: number; frameCountSource?: string }[];
    assert.deepEqual(videos.map((v) => [v.frames, v.frameCountSource]), [[25, 'counted'], [5, 'counted']]);
  });

  test('an MP4 cut with -ss and stream copy (an edit list): the frames shown are counted, not the packets before its start', async (t) => {
    if (!needTool(t, FFMPEG) || !needTool(t, FFPROBE)) return;
    const dir = await tempDir(t);
    const whole = join(dir, 'whole.mp4');
    const cut = join(dir, 'cut.mp4');
    await ffmpegVideo(whole, 100, W, H, '25', ['-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '3', '-g', '25', '-pix_fmt', 'yuv420p']);
    // The cut starts at 1.3 s: the packets from the keyframe at 1.0 s are kept for decoding, and
    // the edit list drops their frames (8 of them; 75 packets, 67 frames shown).
    execFileSync(FFMPEG, ['-v', 'error', '-ss', '1.3', '-i', whole, '-c', 'copy', cut]);
    const shown = Number(execFileSync(FFPROBE, ['-v', 'error', '-count_frames', '-select_streams', 'v', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', cut]).toString().trim());
    const info = await probe(cut);
    const v = info.video;
    assert.ok(v);
    assert.ok(v.headerFrames !== undefined && v.headerFrames > shown, `the header counts the cut-off samples: ${v.headerFrames} against ${shown}`);
    assert.equal(v.frames, shown, 'the frames ffmpeg decodes');
    assert.deepEqual(v.avgFrameRate, { num: 25, den: 1 });
    assert.deepEqual(info.warnings, [], 'an edit list is not damage');
    let read = 0;
    for await (const frame of readFrames(cut, { layout: 'gray' })) read += frame.width > 0 ? 1 : 0;
    assert.equal(read, v.frames, 'readFrames gives as many');
  });

  test('a header that lies (an MP4 cut short keeps its full index): counted, with a warning', async (t) => {
    const dir = await tempDir(t);
    const whole = join(dir, 'whole.mp4');
    await stitchedVideo(dir, whole, 40, W, H);
    const bytes = await readFile(whole);
    const cut = join(dir, 'cut.mp4');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const info = await probe(cut);
    const v = info.video;
    assert.ok(v);
    assert.equal(v.headerFrames, 40);
    assert.equal(v.frameCountSource, 'counted');
    assert.ok(v.frames !== undefined && v.frames < 40 && v.frames > 5, `counted ${v.frames}`);
    assert.match(info.warnings.join('\n'), new RegExp(`header says 40 video frames, but ${v.frames} were counted`));
    assert.equal((await probe(cut, { countFrames: false })).video?.frames, 40);
  });

  test('audio streams: codec, sample rate, channels', async (t) => {
    const dir = await tempDir(t);
    const wav = join(dir, 'tone.wav');
    await writeWav(wav, 0.25);
    const plain = await probe(wav);
    assert.equal(plain.video, undefined);
    assert.deepEqual(
      plain.audio.map((a) => [a.codec, a.sampleRate, a.channels, a.channelLayout]),
      [['pcm_s16le', 8000, 1, 'mono']],
    );
    if (!needTool(t, FFMPEG)) return;
    const file = join(dir, 'av.mp4');
    await ffmpegVideo(file, 25, W, H, '25', ['-f', 'lavfi', '-i', 'sine=f=440:d=1:sample_rate=48000', '-ac', '2', '-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest']);
    const info = await probe(file);
    assert.equal(info.streams.length, 2);
    assert.equal(info.video?.frames, 25);
    const [audio] = info.audio;
    assert.deepEqual([audio?.codec, audio?.profile, audio?.sampleRate, audio?.channels, audio?.channelLayout], ['aac', 'LC', 48000, 2, 'stereo']);
  });

  test('a variable frame rate is noticed when counting', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    const dir = await tempDir(t);
    const file = join(dir, 'vfr.mkv');
    await ffmpegVideo(file, 20, W, H, '25', ['-vf', 'settb=1/1000,setpts=(N*N*4)/1000/TB', '-enc_time_base', '1/1000', '-fps_mode', 'passthrough', '-c:v', 'libx264', '-preset', 'ultrafast']);
    const info = await probe(file);
    assert.equal(info.video?.variableFrameRate, true);
    assert.equal(info.video?.frames, 20);
  });

  test('a GIF of uneven delays: the average rate is its frames over its length (FFmpeg 8 guesses from the first delays)', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'uneven.gif');
    // Seven short delays first, then long and short ones: the first delays alone say 50/7 fps.
    const holds = [0.14, 0.14, 0.14, 0.14, 0.14, 0.14, 0.14, 0.3, 0.06, 0.5, 0.06, 0.2];
    const writer = createWriter(file, { width: 16, height: 16, fps: 100 });
    for (const [i, hold] of holds.entries()) await writer.write(Buffer.alloc(16 * 16 * 3, i * 20), { layout: 'rgb', hold });
    await writer.close();
    // The delays as stored, read back with Debian's ffprobe (centiseconds in a 1/100 time base).
    const packets = execFileSync(FFPROBE, ['-v', 'error', '-show_entries', 'packet=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim().split('\n').map(Number);
    assert.deepEqual(packets, holds.map((h) => Math.round(h * 100)), 'the GIF holds the delays written');
    const total = packets.reduce((a, b) => a + b, 0);
    const v = (await probe(file)).video;
    assert.ok(v, 'a video stream');
    assert.equal(v.frames, 12, 'counted frames');
    assert.ok(v.avgFrameRate, 'an average rate');
    assert.equal(v.avgFrameRate.num * total, 12 * 100 * v.avgFrameRate.den, `12 frames in ${total / 100} s: 40/7 fps, not ${v.avgFrameRate.num}/${v.avgFrameRate.den}`);
    assert.deepEqual(v.avgFrameRate, { num: 40, den: 7 }, 'reduced');
    assert.ok(Math.abs((v.duration ?? 0) - total / 100) < 1e-6, `duration ${v.duration} s`);
  });

  test('a GIF with delays of 0 and 1 hundredth is timed as browsers show it (0.1 s a frame), counted or not', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'short-delays.gif');
    await shortDelayGif(file);
    assert.deepEqual((await gifBlocks(file)).images.map((i) => i.delay), SHORT_DELAYS.stored, 'the delays as stored');
    for (const countFrames of [true, false]) {
      const info = await probe(file, { countFrames });
      const v = info.video;
      assert.ok(v, 'a video stream');
      assert.equal(v.frames, 6);
      assert.ok(Math.abs((v.duration ?? 0) - SHORT_DELAYS.duration) < 1e-9, `countFrames ${countFrames}: the video's duration ${v.duration}, not 0.47`);
      assert.ok(Math.abs((info.duration ?? 0) - SHORT_DELAYS.duration) < 1e-9, `countFrames ${countFrames}: the file's duration ${info.duration}`);
      assert.deepEqual(v.avgFrameRate, { num: 120, den: 13 }, '6 frames in 0.65 s');
      assert.deepEqual(v.frameRate, { num: 20, den: 1 }, 'every time a multiple of 0.05 s');
    }
  });

  test('a GIF with delays of 0 and 1 hundredth: Debian ffprobe 5.1 times its packets as flipbook does', async (t) => {
    if (!needTool(t, FFPROBE)) return;
    const dir = await tempDir(t);
    const file = join(dir, 'short-delays.gif');
    await shortDelayGif(file);
    const packets = execFileSync(FFPROBE, ['-v', 'error', '-show_entries', 'packet=pts', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim().split('\n').map((n) => Number(n) / 100);
    assert.deepEqual(packets, SHORT_DELAYS.times);
    const frames: number[] = [];
    for await (const frame of readFrames(file)) frames.push(frame.time);
    assert.deepEqual(frames, packets);
  });

  for (const format of ['apng', 'webp', 'gif'] as const) {
    test(`a 30 fps ${format} written by flipbook: constant rate (its delays round 1/30 s to its clock), its duration from the frames`, async (t) => {
      const dir = await tempDir(t);
      const file = join(dir, `thirty.${format}`);
      const writer = createWriter(file, { width: 16, height: 16, fps: 30 });
      for (let i = 0; i < 10; i++) await writer.write(Buffer.alloc(16 * 16 * 3, i * 20), { layout: 'rgb' });
      await writer.close();
      const info = await probe(file);
      const v = info.video;
      assert.ok(v, 'a video stream');
      assert.equal(v.frames, 10);
      assert.equal(v.variableFrameRate, false, 'uneven steps (33 and 34 ms, 3 and 4 hundredths) are the rounding of 1/30 s');
      // Milliseconds: 0.333 s; hundredths: 0.33 s.
      const stored = format === 'gif' ? 0.33 : 0.333;
      assert.ok(Math.abs((v.duration ?? 0) - stored) < 1e-6, `the video's duration: ${v.duration}`);
      assert.ok(Math.abs((info.duration ?? 0) - stored) < 1e-6, `the file's duration: ${info.duration}`);
      assert.ok(v.avgFrameRate, 'an average rate');
      assert.ok(Math.abs(v.avgFrameRate.num / v.avgFrameRate.den - 10 / stored) < 1e-6, `10 frames in ${stored} s: ${v.avgFrameRate.num}/${v.avgFrameRate.den}`);
    });
  }

  test('an APNG of held frames (40, 80, 40... ms) is variable: steps of whole hundredths are not taken for a rounded 60 ms', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'held.apng');
    const writer = createWriter(file, { width: 16, height: 16, fps: 25 });
    for (let i = 0; i < 8; i++) await writer.write(Buffer.alloc(16 * 16 * 3, i * 20), { layout: 'rgb', hold: i % 2 === 0 ? 0.04 : 0.08 });
    await writer.close();
    assert.equal((await probe(file)).video?.variableFrameRate, true);
  });

  test('a missing file and a file that is not media are errors naming the file', async (t) => {
    const dir = await tempDir(t);
    const missing = join(dir, 'missing.mov');
    await assert.rejects(probe(missing), (e: FlipbookError) => e.code === 'INVALID_INPUT' && e.file === missing && e.message.includes(missing));
    const text = join(dir, 'text.mkv');
    await writeFile(text, 'plain text '.repeat(100));
    await assert.rejects(probe(text), (e: FlipbookError) => e.code === 'INVALID_INPUT' && /not a video/.test(e.message));
  });
});
