/**
 * Damaged and wrong inputs: each fails with an error naming the file and leaves no output
 * folder behind, or (a damaged tail) gives the frames before the damage and a warning.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { type FlipbookError, probe, readFrames, split } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { FFMPEG, ffmpegVideo, frameNumber, imagePixels, needTool, stitchedVideo, tempDir, writeWav } from './helpers/test-media.js';

const W = 96;
const H = 64;

async function truncate(from: string, to: string, fraction: number): Promise<void> {
  const bytes = await readFile(from);
  await writeFile(to, bytes.subarray(0, Math.floor(bytes.length * fraction)));
}

/** Splits a file that must fail: checks the error and that no output folder was made. */
async function refused(dir: string, video: string, message: RegExp): Promise<void> {
  const out = join(dir, 'frames');
  await assert.rejects(split(video, join(out, 'f_%03d.png')), (e: FlipbookError) => {
    assert.equal(e.code, 'INVALID_INPUT');
    assert.equal(e.file, video);
    assert.ok(e.message.includes(video), `the message names the file: ${e.message}`);
    assert.match(e.message, message);
    return true;
  });
  assert.equal(existsSync(out), false, 'no output folder');
  // readFrames says the same on its first iteration.
  await assert.rejects(
    (async () => {
      for await (const _ of readFrames(video)) break;
    })(),
    (e: FlipbookError) => e.code === 'INVALID_INPUT' && e.file === video,
  );
}

describe('inputs that are not a readable video', () => {
  test('a missing file', async (t) => {
    const dir = await tempDir(t);
    await refused(dir, join(dir, 'missing.mp4'), /no such file/);
  });

  test('a file that is not a video', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'notes.mp4');
    await writeFile(file, 'These are notes, not a video.\n'.repeat(20));
    await refused(dir, file, /not a video/);
  });

  test('a file with no video stream', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'sound.wav');
    await writeWav(file, 0.5);
    await refused(dir, file, /has no video stream \(it holds 1 audio stream\)/);
    const info = await probe(file);
    assert.equal(info.video, undefined);
    assert.equal(info.audio[0]?.sampleRate, 8000);
  });

  test('an MP4 truncated before its index (no moov box)', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    const dir = await tempDir(t);
    const whole = join(dir, 'whole.mp4');
    // Without fast start the index (moov) is written last, so a cut file has none.
    await ffmpegVideo(whole, 25, W, H, '25', ['-c:v', 'libx264', '-preset', 'ultrafast']);
    const cut = join(dir, 'cut.mp4');
    await truncate(whole, cut, 0.5);
    await refused(dir, cut, /without its index \(no moov box\)/);
  });

  test('the command line names the file and exits with 1', async (t) => {
    const dir = await tempDir(t);
    const missing = join(dir, 'missing.mp4');
    const result = await runCli(['split', missing, '-o', join(dir, 'out', 'f_%d.png')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`error: Cannot open ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such file`));
    assert.equal(existsSync(join(dir, 'out')), false);
  });
});

describe('damage', () => {
  test('a Matroska file cut short: the frames before the cut, and a warning that says how many are missing', async (t) => {
    const dir = await tempDir(t);
    const whole = join(dir, 'whole.mkv');
    await stitchedVideo(dir, whole, 40, W, H);
    const cut = join(dir, 'cut.mkv');
    await truncate(whole, cut, 0.6);
    const warnings: string[] = [];
    const result = await split(cut, join(dir, 'frames', 'f_%03d.png'), { onWarning: (w) => warnings.push(w) });
    assert.ok(result.frames > 5 && result.frames < 40, `${result.frames} frames`);
    assert.equal(warnings.length, 1);
    assert.deepEqual(result.warnings, warnings);
    const missing = /about (\d+) frames/.exec(warnings[0] ?? '');
    assert.ok(missing, warnings[0]);
    assert.ok(Math.abs(Number(missing[1]) - (40 - result.frames)) <= 1, `${warnings[0]} (wrote ${result.frames} of 40)`);
    assert.match(warnings[0] ?? '', new RegExp(`^${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged`));
    // The frames written are the first ones, in order.
    const numbers = await Promise.all(result.files.map(async (f) => {
      const image = await imagePixels(f);
      return frameNumber(image.data, image.width, image.height, 3);
    }));
    assert.deepEqual(numbers, Array.from({ length: result.frames }, (_, i) => i));
    assert.equal((await readdir(join(dir, 'frames'))).length, result.frames);
  });

  test('an MPEG-TS file with a damaged tail: the frames before it, and a warning with the count of damaged frames', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    const dir = await tempDir(t);
    const whole = join(dir, 'whole.ts');
    const total = 40;
    await ffmpegVideo(whole, total, W, H, '25', ['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-f', 'mpegts']);
    // Bit rot in the last 40%: the video payload is scrambled, the TS and PES headers survive.
    const bytes = Buffer.from(await readFile(whole));
    const from = Math.floor((bytes.length * 0.6) / 188) * 188;
    for (let at = from; at + 188 <= bytes.length; at += 188) {
      const startsPes = ((bytes[at + 1] ?? 0) & 0x40) !== 0;
      const pid = (((bytes[at + 1] ?? 0) & 0x1f) << 8) | (bytes[at + 2] ?? 0);
      if (pid !== 0x100 || startsPes) continue;
      for (let i = at + 8; i < at + 188; i++) bytes[i] = (i * 131 + 7) & 0xff;
    }
    const damaged = join(dir, 'damaged.ts');
    await writeFile(damaged, bytes);
    const warnings: string[] = [];
    const frames: number[] = [];
    for await (const frame of readFrames(damaged, { layout: 'gray', onWarning: (w) => warnings.push(w) })) frames.push(frameNumber(frame.data, frame.width, frame.height, 1));
    assert.equal(warnings.length, 1);
    const skipped = /is damaged: (\d+) damaged frames? could not be decoded/.exec(warnings[0] ?? '');
    assert.ok(skipped, warnings[0]);
    assert.ok(frames.length < total && frames.length > 10, `${frames.length} frames`);
    assert.equal(frames.length + Number(skipped[1]), total, 'every frame is either kept or counted as damaged');
    // The frames before the damage are intact and in order.
    const intact = frames.findIndex((n, i) => n !== i);
    assert.ok(intact === -1 || intact >= Math.floor(total * 0.5), `frames kept before the damage: ${frames.join(',')}`);
  });

  test('a broken audio stream never fails a video-only split', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    const dir = await tempDir(t);
    const good = join(dir, 'av.ts');
    await ffmpegVideo(good, 25, W, H, '25', ['-f', 'lavfi', '-i', 'sine=f=440:d=1', '-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', '-f', 'mpegts']);
    // Scramble every payload byte of the audio packets (PID 0x101), keeping the TS headers.
    const bytes = Buffer.from(await readFile(good));
    let garbled = 0;
    for (let at = 0; at + 188 <= bytes.length; at += 188) {
      const pid = (((bytes[at + 1] ?? 0) & 0x1f) << 8) | (bytes[at + 2] ?? 0);
      if (pid !== 0x101) continue;
      for (let i = at + 4; i < at + 188; i++) bytes[i] = (i * 131 + 7) & 0xff;
      garbled++;
    }
    assert.ok(garbled > 5);
    const broken = join(dir, 'broken-audio.ts');
    await writeFile(broken, bytes);
    const warnings: string[] = [];
    const result = await split(broken, join(dir, 'frames', 'f_%02d.png'), { onWarning: (w) => warnings.push(w) });
    assert.equal(result.frames, 25);
    assert.deepEqual(warnings, []);
    const info = await probe(broken);
    assert.equal(info.video?.frames, 25);
  });
});
