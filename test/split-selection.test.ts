/**
 * Which frames come out. The expected frames are worked out from the reference ffprobe's
 * timestamps and keyframe flags (and, for fps, from the reference ffmpeg's fps filter), and the
 * frames flipbook gives are identified by the number drawn into their pixels: nothing here is
 * a list copied from flipbook's own output.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';

import { type ReadFramesOptions, type VideoFrame, readFrames, split } from '../src/index.js';
import { FFMPEG, FFPROBE, ffmpegVideo, ffprobeJson, frameNumber, imagePixels, run, tempDir, transportStream } from './helpers/test-media.js';

const W = 128;
const H = 72;
const COUNT = 60;

interface RefFrame {
  number: number;
  time: number;
  key: boolean;
}

/** Frame times (from the stream start) and keyframe flags as the reference ffprobe reports them. */
async function referenceFrames(file: string): Promise<RefFrame[]> {
  const streams = (await ffprobeJson(file, ['-select_streams', 'v:0', '-show_entries', 'stream=start_time'])) as { streams: { start_time?: string }[] };
  const start = Number(streams.streams[0]?.start_time ?? 0);
  const json = (await ffprobeJson(file, ['-select_streams', 'v:0', '-show_frames', '-show_entries', 'frame=best_effort_timestamp_time,key_frame'])) as {
    frames: { best_effort_timestamp_time: string; key_frame: number }[];
  };
  return json.frames.map((f, number) => ({ number, time: Number(f.best_effort_timestamp_time) - start, key: f.key_frame === 1 }));
}

async function read(file: string, options: ReadFramesOptions): Promise<{ frames: VideoFrame[]; numbers: number[] }> {
  const frames: VideoFrame[] = [];
  for await (const frame of readFrames(file, { layout: 'gray', ...options })) frames.push(frame);
  return { frames, numbers: frames.map((f) => frameNumber(f.data, f.width, f.height, 1)) };
}

/** The frame numbers the reference ffmpeg's fps filter picks (after an accurate -ss seek). */
async function ffmpegFps(file: string, fps: string, start?: number): Promise<number[]> {
  const { stdout } = await run(FFMPEG, ['-v', 'error', ...(start ? ['-ss', String(start)] : []), '-i', file, '-vf', `fps=${fps}`, '-f', 'rawvideo', '-pix_fmt', 'gray', '-']);
  const size = W * H;
  return Array.from({ length: stdout.length / size }, (_, i) => frameNumber(stdout.subarray(i * size, (i + 1) * size), W, H, 1));
}

const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;

describe('selection (against the reference ffmpeg and ffprobe)', () => {
  let dir = '';
  let cfr = '';
  let vfr = '';
  let ref: RefFrame[] = [];
  let vfrRef: RefFrame[] = [];
  let skip = false;

  before(async () => {
    if (!(existsSync(FFMPEG) && existsSync(FFPROBE))) {
      // In CI the reference tools must be there: fail, saying what to install.
      if (process.env.CI) throw new Error(`${FFMPEG} or ${FFPROBE} is missing: install Debian's ffmpeg package (apt-get install ffmpeg) to run these tests`);
      skip = true;
      return;
    }
    dir = await mkdtemp(join(tmpdir(), 'flipbook-selection-'));
    cfr = join(dir, 'cfr.mp4');
    // 60 frames at 25 fps, a keyframe every 10, B-frames (decode order differs from display order).
    await ffmpegVideo(cfr, COUNT, W, H, '25', ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-keyint_min', '10', '-sc_threshold', '0', '-bf', '2', '-pix_fmt', 'yuv420p', '-crf', '12']);
    ref = await referenceFrames(cfr);
    // Variable frame rate: 10 frames at 25 fps, then 10 fps, then one long frame, in Matroska.
    vfr = join(dir, 'vfr.mkv');
    await ffmpegVideo(vfr, 30, W, H, '25', [
      '-vf',
      'settb=1/1000,setpts=(if(lt(N\\,10)\\,N/25\\,if(lt(N\\,29)\\,0.4+(N-10)/10\\,3.0)))/TB',
      '-enc_time_base',
      '1/1000',
      '-fps_mode',
      'passthrough',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-crf',
      '12',
    ]);
    vfrRef = await referenceFrames(vfr);
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const guard = (t: TestContext): boolean => {
    if (skip) t.skip(`${FFMPEG} and ${FFPROBE} are needed to make and check the test videos (apt-get install ffmpeg)`);
    return !skip;
  };

  test('the test video is what the selection tests assume', (t) => {
    if (!guard(t)) return;
    assert.equal(ref.length, COUNT);
    assert.deepEqual(
      ref.map((f) => f.number),
      Array.from({ length: COUNT }, (_, i) => i),
    );
    assert.ok(ref.filter((f) => f.key).length >= 6);
  });

  test('passthrough: every frame, in order, with the reference timestamps', async (t) => {
    if (!guard(t)) return;
    const { frames, numbers } = await read(cfr, {});
    assert.deepEqual(numbers, ref.map((f) => f.number));
    frames.forEach((f, i) => {
      assert.ok(close(f.time, ref[i]?.time ?? NaN), `frame ${i}: ${f.time} vs ${ref[i]?.time}`);
      assert.equal(f.sourceIndex, i);
      assert.equal(f.keyframe, ref[i]?.key);
    });
  });

  test('every: every nth frame', async (t) => {
    if (!guard(t)) return;
    for (const every of [2, 7]) {
      const { numbers } = await read(cfr, { every });
      assert.deepEqual(numbers, ref.filter((f) => f.number % every === 0).map((f) => f.number), `every ${every}`);
    }
  });

  test('start/end: seek to the keyframe before start, then decode exactly from start to before end', async (t) => {
    if (!guard(t)) return;
    // 0.52 s is frame 13, between the keyframes 10 and 20: the seek lands on 10, decoding goes on to 13.
    for (const [start, end] of [
      [0.52, 1.7],
      [0.5, 1.0],
      [0, 0.3],
      [1.96, undefined],
    ] as const) {
      const { frames, numbers } = await read(cfr, { start, ...(end === undefined ? {} : { end }) });
      const expected = ref.filter((f) => f.time >= start - 1e-9 && (end === undefined || f.time < end - 1e-9));
      assert.deepEqual(numbers, expected.map((f) => f.number), `start ${start} end ${end}`);
      frames.forEach((f, i) => assert.ok(close(f.time, expected[i]?.time ?? NaN)));
    }
    const { numbers } = await read(cfr, { start: '00:00:01.04', duration: 0.4 });
    assert.deepEqual(numbers, ref.filter((f) => f.time >= 1.04 - 1e-9 && f.time < 1.44 - 1e-9).map((f) => f.number));
  });

  test('frames: exactly the frames asked for, by number', async (t) => {
    if (!guard(t)) return;
    const asked = [0, 5, 17, 18, 59];
    const { frames, numbers } = await read(cfr, { frameNumbers: asked });
    assert.deepEqual(numbers, asked);
    assert.deepEqual(frames.map((f) => f.sourceIndex), asked);
    const { numbers: fromText } = await read(cfr, { frameNumbers: '3,40-42' });
    assert.deepEqual(fromText, [3, 40, 41, 42]);
  });

  test('frame numbers past the end: split and readFrames read those that exist and warn, through onWarning, of the rest', async (t) => {
    if (!guard(t)) return;
    const warned: string[] = [];
    const { numbers } = await read(cfr, { frameNumbers: '0,58-64,80', onWarning: (w) => warned.push(w) });
    assert.deepEqual(numbers, [0, 58, 59]);
    const said = `Frame numbers 60-64, 80 do not exist: ${cfr} has ${COUNT} frames (0 to ${COUNT - 1}), so 3 of the 9 asked were read`;
    assert.deepEqual(warned, [said]);
    const splitWarned: string[] = [];
    const result = await split(cfr, join(await tempDir(t), 'f_%02d.png'), { frameNumbers: [59, 60], onWarning: (w) => splitWarned.push(w) });
    assert.equal(result.frames, 1);
    const one = `Frame number 60 does not exist: ${cfr} has ${COUNT} frames (0 to ${COUNT - 1}), so 1 of the 2 asked was read`;
    assert.deepEqual(splitWarned, [one]);
    assert.deepEqual(result.warnings, [one]);
    // A loop that stops early has not read to the end: nothing is said.
    const early: string[] = [];
    for await (const frame of readFrames(cfr, { frameNumbers: [1, 2, 99], onWarning: (w) => early.push(w) })) if (frame.sourceIndex === 1) break;
    assert.deepEqual(early, []);
  });

  test('keyframesOnly: the frames ffprobe flags as keyframes', async (t) => {
    if (!guard(t)) return;
    const warned: string[] = [];
    const { frames, numbers } = await read(cfr, { keyframesOnly: true, onWarning: (w) => warned.push(w) });
    assert.deepEqual(numbers, ref.filter((f) => f.key).map((f) => f.number));
    assert.ok(frames.every((f) => f.keyframe));
    // The last keyframe (frame 50) is 0.4 s before the end: the frames after it were skipped,
    // not lost, so the intact file is not called damaged (it was: "cut short", about 9 frames).
    assert.deepEqual(warned, []);
    const result = await split(cfr, join(await tempDir(t), 'k_%02d.png'), { keyframesOnly: true });
    assert.equal(result.frames, numbers.length);
    assert.deepEqual(result.warnings, []);
  });

  test('fps: the frames the reference ffmpeg fps filter picks, at the slot times', async (t) => {
    if (!guard(t)) return;
    for (const fps of ['10', '7', '40', '30000/1001']) {
      const { frames, numbers } = await read(cfr, { fps });
      assert.deepEqual(numbers, await ffmpegFps(cfr, fps), `fps ${fps}`);
      const [num, den] = fps.includes('/') ? fps.split('/').map(Number) : [Number(fps), 1];
      frames.forEach((f, i) => assert.ok(close(f.time, (i * (den ?? 1)) / (num ?? 1)), `fps ${fps} frame ${i} at ${f.time}`));
      // Each slot shows the last frame whose time rounds to the slot or before: worked out from the timestamps.
      const rate = (num ?? 1) / (den ?? 1);
      const expected = frames.map((_, n) => ref.filter((r) => Math.round(r.time * rate) <= n).at(-1)?.number);
      assert.deepEqual(numbers, expected, `fps ${fps} from the timestamps`);
    }
    const started = await read(cfr, { fps: 10, start: 0.62 });
    assert.deepEqual(started.numbers, await ffmpegFps(cfr, '10', 0.62));
  });

  test('maxFrames stops early; fps and every combine', async (t) => {
    if (!guard(t)) return;
    assert.deepEqual((await read(cfr, { maxFrames: 4 })).numbers, [0, 1, 2, 3]);
    const fpsEvery = await read(cfr, { fps: 10, every: 2, maxFrames: 5 });
    const fps10 = await ffmpegFps(cfr, '10');
    assert.deepEqual(fpsEvery.numbers, fps10.filter((_, i) => i % 2 === 0).slice(0, 5));
  });

  test('MPEG-TS (no index, timestamps from 1.4 s): split with start and end writes exactly those frames, H.264 and MPEG-2', async (t) => {
    if (!guard(t)) return;
    // Not against the reference ffmpeg: its -ss gives no frame of the H.264 file (its seek lands
    // past the only keyframe) and 54 instead of 60 of the MPEG-2 one for -ss 1. 30 fps: frame n at n/30 s.
    const out = await tempDir(t);
    for (const [codec, start, end] of [
      ['h264', 1, 2],
      ['mpeg2', 0.1, 1],
    ] as const) {
      const video = join(out, `clip-${codec}.ts`);
      await transportStream(video, codec, 90, 160, 120);
      const result = await split(video, join(out, codec, 'f_%03d.png'), { start, end });
      const expected = Array.from({ length: Math.round((end - start) * 30) }, (_, i) => Math.round(start * 30) + i);
      assert.equal(result.frames, expected.length, `${codec} ${start}-${end} s: frames written`);
      assert.ok(Math.abs((result.entries[0]?.time ?? NaN) - start) < 0.5 / 30, `${codec}: the first frame is at ${result.entries[0]?.time} s`);
      result.entries.forEach((e, i) => assert.ok(Math.abs(e.time - (expected[i] ?? NaN) / 30) < 1e-6, `${codec} frame ${i} at ${e.time} s`));
      const shown = await Promise.all(result.files.map(async (file) => {
        const image = await imagePixels(file, 'gray');
        return frameNumber(image.data, image.width, image.height, 1);
      }));
      assert.deepEqual(shown, expected, `${codec}: the frames in the files`);
    }
  });

  test('variable frame rate: passthrough keeps the real timestamps; split says which mode it used', async (t) => {
    if (!guard(t)) return;
    assert.equal(vfrRef.length, 30);
    const { frames, numbers } = await read(vfr, {});
    assert.deepEqual(numbers, vfrRef.map((f) => f.number));
    frames.forEach((f, i) => assert.ok(close(f.time, vfrRef[i]?.time ?? NaN), `frame ${i}: ${f.time} vs ${vfrRef[i]?.time}`));
    // The gaps really vary: 40 ms, then 100 ms (to the 10 ms: setpts rounds some down a millisecond), then 0.8 s.
    const gaps = new Set(frames.slice(1).map((f, i) => Math.round((f.time - (frames[i]?.time ?? 0)) * 100) * 10));
    assert.deepEqual([...gaps].sort((a, b) => a - b), [40, 100, 800]);

    const out = await tempDir(t);
    const passthrough = await split(vfr, join(out, 'a', 'f_%03d.png'));
    assert.equal(passthrough.mode, 'passthrough');
    assert.equal(passthrough.frames, 30);
    assert.deepEqual(passthrough.entries.map((e) => e.time), frames.map((f) => f.time));
    const resampled = await split(vfr, join(out, 'b', 'f_%03d.png'), { fps: 5 });
    assert.equal(resampled.mode, 'fps');
    assert.deepEqual(resampled.fps, { num: 5, den: 1 });
    const picked = await Promise.all(resampled.files.map(async (file) => {
      const image = await imagePixels(file, 'gray');
      return frameNumber(image.data, image.width, image.height, 1);
    }));
    assert.deepEqual(picked, await ffmpegFps(vfr, '5'));
  });
});
