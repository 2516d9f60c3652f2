/**
 * Music in the frame writer, fitted at close(), when the video's length is known: trim, loop,
 * pad, extend, fade, offset. Each output is probed back: the audio stream's codec and length
 * (within one audio frame: 1024 samples of AAC at 44.1 kHz, 23 ms; 960 of Opus, 20 ms, plus
 * Opus's 312 samples of pre-skip, 6.5 ms), the video's length, and the loudness where it matters.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { type OutputResult, type WriterOptions, createWriter, isFlipbookError, probe } from '../src/index.js';
import { decodeAudio, ffmpegSkipReason, rms, writeSineWav } from './helpers/audio.js';
import { scene } from './helpers/images.js';
import { listDir, tempDir } from './helpers/temp.js';

const W = 64;
const H = 48;
/** One audio frame of AAC at 44.1 kHz (1024 samples), the most a fit may be off. */
const AUDIO_FRAME = 0.024;
const FAST: WriterOptions = { width: W, height: H, fps: 10, preset: 'ultrafast' };

/** 20 frames at 10 fps: a 2 s video, written frame by frame. */
async function write(output: string, options: WriterOptions): Promise<OutputResult> {
  const writer = createWriter(output, { ...FAST, ...options });
  for (let i = 0; i < 20; i++) await writer.write(scene(W, H, i).data, { layout: 'rgb' });
  return writer.close();
}

/** The audio and video streams' lengths as the file says. */
async function lengths(file: string): Promise<{ codec: string | undefined; audio: number; video: number }> {
  const info = await probe(file);
  const track = info.audio[0];
  assert.ok(track?.duration !== undefined, `${file} has an audio stream with a duration`);
  return { codec: track.codec, audio: track.duration, video: info.video?.duration ?? Number.NaN };
}

function near(actual: number, expected: number, label: string, tolerance = AUDIO_FRAME): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label}: ${actual} s, expected ${expected} s (±${tolerance})`);
}

describe('createWriter: music', () => {
  let dir: string;
  let long: string;
  let short: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-writer-audio-'));
    long = await writeSineWav(join(dir, 'long.wav'), { seconds: 3 });
    short = await writeSineWav(join(dir, 'short.wav'), { seconds: 0.7 });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('trim (default): AAC in MP4, cut at the video\'s end at close(), reported like stitch\'s', async () => {
    const result = await write(join(dir, 'trim.mp4'), { audio: long });
    assert.equal(result.duration, 2);
    assert.deepEqual({ ...result.audio, duration: 0 }, { file: long, codec: 'aac', duration: 0, sampleRate: 44100, channels: 2 }, 'result.audio');
    near(result.audio?.duration ?? 0, 2, 'result audio', 0.001);
    const back = await lengths(result.output);
    assert.equal(back.codec, 'aac');
    near(back.audio, 2, 'AAC stream');
    near(back.video, 2, 'video stream', 0.001);
  });

  it('Opus in WebM, started later (audioOffset) and quieter (volume)', async () => {
    const result = await write(join(dir, 'later.webm'), { audio: long, audioOffset: '0.5s', volume: '50%' });
    assert.equal(result.audio?.codec, 'opus');
    near(result.audio?.duration ?? 0, 2, 'result audio', 0.001);
    const back = await lengths(result.output);
    assert.equal(back.codec, 'opus');
    near(back.audio, 2, 'Opus stream', 0.03);
    if (ffmpegSkipReason()) return;
    const samples = await decodeAudio(result.output, 48000);
    assert.ok(rms(samples, 48000, 0.05, 0.45) < 0.01, 'silent before the offset');
    // The sine at 0.5 (full scale) downmixed to mono has an RMS of 0.5; at 50%, 0.25.
    near(rms(samples, 48000, 1.0, 1.5), 0.25, 'RMS at volume 50%', 0.02);
  });

  it('extend: the last frame is held at close() until the music ends', async () => {
    const result = await write(join(dir, 'extend.mp4'), { audio: long, audioFit: 'extend' });
    assert.equal(result.duration, 3, '2 s of frames, the last held 1 s longer');
    assert.equal(result.frames, 30, 'the last frame is held until the music ends: 3 s at 10 fps');
    assert.ok(result.warnings.some((w) => w.includes("audioFit: 'extend'")), `a warning says so: ${result.warnings.join('; ')}`);
    near(result.audio?.duration ?? 0, 3, 'result audio', 0.001);
    const back = await lengths(result.output);
    near(back.video, 3, 'video stream', 0.001);
    near(back.audio, 3, 'AAC stream');
  });

  it('loop repeats a short track and pad adds silence, to the video\'s end; trim keeps a short track short', async () => {
    const loop = await write(join(dir, 'loop.mp4'), { audio: short, audioFit: 'loop' });
    const pad = await write(join(dir, 'pad.mp4'), { audio: short, audioFit: 'pad' });
    const trim = await write(join(dir, 'short.mp4'), { audio: short });
    for (const r of [loop, pad]) {
      near(r.audio?.duration ?? 0, 2, `${r.output}: result audio`, 0.001);
      near((await lengths(r.output)).audio, 2, `${r.output}: AAC stream`);
    }
    near(trim.audio?.duration ?? 0, 0.7, 'a shorter track keeps its length', 0.001);
    if (ffmpegSkipReason()) return;
    assert.ok(rms(await decodeAudio(loop.output, 48000), 48000, 1.0, 1.5) > 0.2, 'loop is loud after the track\'s end');
    assert.ok(rms(await decodeAudio(pad.output, 48000), 48000, 1.0, 1.5) < 0.01, 'pad is silent after the track\'s end');
  });

  it('audioFade fades out before the end found at close()', { skip: ffmpegSkipReason() }, async () => {
    const rate = 48000;
    const plain = await decodeAudio((await write(join(dir, 'plain.mp4'), { audio: long })).output, rate);
    const faded = await decodeAudio((await write(join(dir, 'faded.mp4'), { audio: long, audioFade: '1s' })).output, rate);
    const before = rms(faded, rate, 0.5, 0.9);
    near(before, rms(plain, rate, 0.5, 0.9), 'untouched before the fade', 0.02);
    near(rms(faded, rate, 1.45, 1.55), before / 2, 'half way through the fade (linear)', 0.05);
    assert.ok(rms(faded, rate, 1.9, 2.0) < before * 0.2, `the last 100 ms are quieter: ${rms(faded, rate, 1.9, 2.0)} vs ${before}`);
  });

  it('GIF, WebP and APNG refuse music when the writer is made; a missing track fails the first write, leaving nothing', async (t) => {
    for (const name of ['x.gif', 'x.webp', 'x.apng']) {
      assert.throws(() => createWriter(join(dir, name), { audio: long }), (e: unknown) => isFlipbookError(e) && e.code === 'UNSUPPORTED_OUTPUT' && e.option === 'audio', name);
    }
    assert.throws(() => createWriter(join(dir, 'x.mp4'), { audioFit: 'loop' }), (e: unknown) => isFlipbookError(e) && e.option === 'audioFit', 'audioFit without audio');
    const empty = await tempDir(t);
    const writer = createWriter(join(empty, 'missing.mp4'), { ...FAST, audio: join(dir, 'missing.mp3') });
    await assert.rejects(writer.write(scene(W, H, 0).data, { layout: 'rgb' }), (e: unknown) => isFlipbookError(e) && e.option === 'audio', 'the missing track');
    assert.deepEqual(await listDir(empty), [], 'nothing left');
  });
});
