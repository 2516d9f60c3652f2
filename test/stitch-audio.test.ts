/**
 * Music: --audio with every --audio-fit, fade, offset and volume. Test tracks are made here
 * (a sine as WAV in JS; MP3, Opus, FLAC, M4A through Debian's ffmpeg) and every output is read
 * back: codec, sample rate, channels and length of its audio stream, and its loudness where
 * it matters.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createWriter, isFlipbookError, probe, stitch } from '../src/index.js';
import { audioCodecFor } from '../src/options/audio-options.js';
import { outputFormatFor } from '../src/options/output-formats.js';
import { decodeAudio, ffmpegConvert, ffmpegSkipReason, rms, writeSineWav } from './helpers/audio.js';
import { writeSolidFrames } from './helpers/frames.js';

const FAST = { fps: 10, preset: 'ultrafast', overwrite: true } as const;

describe('music (--audio)', () => {
  let dir: string;
  let frames: string[];
  let long: string;
  let short: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-audio-'));
    // 20 frames at 10 fps: a 2 s video.
    frames = await writeSolidFrames(dir, Array.from({ length: 20 }, (_, i) => ({ name: `f${String(i).padStart(2, '0')}.png`, colour: i % 4 })));
    long = await writeSineWav(join(dir, 'long.wav'), { seconds: 3 });
    short = await writeSineWav(join(dir, 'short.wav'), { seconds: 0.7 });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function audioOf(file: string): Promise<{ codec: string; sampleRate: number; channels: number; duration: number }> {
    const info = await probe(file);
    const track = info.audio[0];
    assert.ok(track, `${file} has an audio stream`);
    assert.ok(track.duration !== undefined, `${file}: the audio stream's own duration`);
    return { codec: track.codec, sampleRate: track.sampleRate, channels: track.channels, duration: track.duration };
  }

  it('trim (default): AAC in MP4 cut to the video, reported in the result', async () => {
    const out = join(dir, 'trim.mp4');
    const result = await stitch(frames, out, { ...FAST, audio: long });
    assert.equal(result.duration, 2);
    assert.equal(result.audio?.codec, 'aac');
    assert.ok(Math.abs((result.audio?.duration ?? 0) - 2) < 0.001, `result audio ${result.audio?.duration}`);
    const audio = await audioOf(out);
    assert.deepEqual([audio.codec, audio.sampleRate, audio.channels], ['aac', 44100, 2]);
    assert.ok(Math.abs(audio.duration - 2) < 0.03, `audio ${audio.duration}`);
  });

  it('music that cannot be read to its end (a concat list with a missing entry) is said, not cut short in silence', async () => {
    const list = join(dir, 'music.ffconcat');
    await writeFile(list, `ffconcat version 1.0\nfile '${short}'\nfile 'missing.wav'\n`);
    const result = await stitch(frames, join(dir, 'listed.mp4'), { ...FAST, audio: list, allowPlaylists: true });
    assert.ok(Math.abs((result.audio?.duration ?? 0) - 0.7) < 0.05, `the part that was read: ${result.audio?.duration}`);
    assert.ok(
      result.warnings.some((w) => w.startsWith(`The music ${list} could not be read to its end (No such file or directory)`)),
      `a warning says so: ${result.warnings.join(' | ')}`,
    );
  });

  it('music from a concat list (no length in its header) with --jobs 2: written, not trimmed to nothing; a missing entry said', async () => {
    await mkdir(join(dir, 'jobs'), { recursive: true });
    const longFrames = await writeSolidFrames(join(dir, 'jobs'), Array.from({ length: 60 }, (_, i) => ({ name: `j${String(i).padStart(2, '0')}.png`, colour: i % 4 })));
    const list = join(dir, 'jobs-music.ffconcat');
    await writeFile(list, `ffconcat version 1.0\nfile '${short}'\n`);
    // 60 frames at 10 fps: two segments. The music's length was taken as 0 s, and none was written.
    const whole = await stitch(longFrames, join(dir, 'jobs.mp4'), { ...FAST, jobs: 2, audio: list, allowPlaylists: true });
    assert.ok(Math.abs((whole.audio?.duration ?? 0) - 0.7) < 0.05, `the music's 0.7 s: ${whole.audio?.duration}`);
    assert.ok(Math.abs((await audioOf(join(dir, 'jobs.mp4'))).duration - 0.7) < 0.05, 'in the file too');
    await writeFile(list, `ffconcat version 1.0\nfile '${short}'\nfile 'missing.wav'\n`);
    const cut = await stitch(longFrames, join(dir, 'jobs-cut.mp4'), { ...FAST, jobs: 2, audio: list, allowPlaylists: true });
    assert.ok(cut.warnings.some((w) => w.startsWith(`The music ${list} could not be read to its end`)), cut.warnings.join(' | '));
  });

  it('an offset that puts the music outside the video says none of it is heard (it was silent about it)', async () => {
    const before = await stitch(frames, join(dir, 'before.mp4'), { ...FAST, audio: short, audioOffset: -5 });
    assert.ok(before.warnings.some((w) => w.startsWith(`The music ${short} ends before the video starts (audioOffset: -5 s, 0.70 s of music): none of it is heard`)), before.warnings.join(' | '));
    const after = await stitch(frames, join(dir, 'after.mp4'), { ...FAST, audio: short, audioOffset: 5 });
    assert.ok(after.warnings.some((w) => w.startsWith(`The music ${short} starts after the video ends (audioOffset: 5 s, a 2.00 s video): none of it is heard`)), after.warnings.join(' | '));
    const within = await stitch(frames, join(dir, 'within.mp4'), { ...FAST, audio: short, audioOffset: 1 });
    assert.ok(!within.warnings.some((w) => w.includes('none of it is heard')), within.warnings.join(' | '));
  });

  it('Opus in WebM, AAC in MOV and MKV', async () => {
    for (const [name, codec] of [['o.webm', 'opus'], ['o.mov', 'aac'], ['o.mkv', 'aac']] as const) {
      const out = join(dir, name);
      const result = await stitch(frames, out, { ...FAST, audio: long });
      assert.equal(result.audio?.codec, codec);
      const audio = await audioOf(out);
      assert.equal(audio.codec, codec, name);
      assert.ok(Math.abs(audio.duration - 2) < 0.03, `${name}: audio ${audio.duration}`);
    }
  });

  it('lengths: loop and pad fill the video, a shorter track alone keeps its length, extend holds the last frame', async () => {
    const loop = await stitch(frames, join(dir, 'loop.mp4'), { ...FAST, audio: short, audioFit: 'loop' });
    const pad = await stitch(frames, join(dir, 'pad.mp4'), { ...FAST, audio: short, audioFit: 'pad' });
    const trim = await stitch(frames, join(dir, 'short.mp4'), { ...FAST, audio: short });
    for (const r of [loop, pad]) assert.ok(Math.abs((r.audio?.duration ?? 0) - 2) < 0.001, `${r.output}: ${r.audio?.duration}`);
    assert.ok(Math.abs((trim.audio?.duration ?? 0) - 0.7) < 0.001, `trim of a shorter track keeps its length: ${trim.audio?.duration}`);
    assert.ok(Math.abs((await audioOf(loop.output)).duration - 2) < 0.03);
    assert.ok(Math.abs((await audioOf(pad.output)).duration - 2) < 0.03);

    const extend = await stitch(frames, join(dir, 'extend.mp4'), { ...FAST, audio: long, audioFit: 'extend' });
    assert.equal(extend.frames, 30, 'the last frame is held until the music ends: 3 s at 10 fps');
    assert.equal(extend.duration, 3);
    assert.ok(extend.warnings.some((w) => w.includes("audioFit: 'extend'")), extend.warnings.join('; '));
    const info = await probe(extend.output);
    assert.ok(Math.abs((info.video?.duration ?? 0) - 3) < 0.001, `video ${info.video?.duration}`);
    assert.ok(Math.abs((await audioOf(extend.output)).duration - 3) < 0.03);
  });

  it('after a short track ends, loop is loud and pad is silent (decoded by the reference ffmpeg)', { skip: ffmpegSkipReason() }, async () => {
    const loop = await stitch(frames, join(dir, 'loop-heard.mp4'), { ...FAST, audio: short, audioFit: 'loop' });
    const pad = await stitch(frames, join(dir, 'pad-heard.mp4'), { ...FAST, audio: short, audioFit: 'pad' });
    const rate = 48000;
    const looped = await decodeAudio(loop.output, rate);
    const padded = await decodeAudio(pad.output, rate);
    assert.ok(rms(looped, rate, 1.0, 1.5) > 0.2, `loop is loud after the track's end: ${rms(looped, rate, 1.0, 1.5)}`);
    assert.ok(rms(padded, rate, 1.0, 1.5) < 0.01, `pad is silent after the track's end: ${rms(padded, rate, 1.0, 1.5)}`);
  });

  it('with pad, the fade-out ends where the music does, not on the silence after it (the music stopped unfaded)', { skip: ffmpegSkipReason() }, async () => {
    const rate = 48000;
    for (const audioOffset of [0, 0.5, -0.2]) {
      const padded = await decodeAudio((await stitch(frames, join(dir, `pad-fade-${audioOffset}.mp4`), { ...FAST, audio: short, audioFit: 'pad', audioFade: '0.3s', audioOffset })).output, rate);
      const end = audioOffset + 0.7;
      const early = rms(padded, rate, Math.max(0, audioOffset) + 0.05, end - 0.35);
      const tail = rms(padded, rate, end - 0.06, end - 0.01);
      assert.ok(early > 0.2, `offset ${audioOffset}: the music is heard (${early})`);
      assert.ok(tail < early * 0.3, `offset ${audioOffset}: its own last 50 ms are faded: ${tail} against ${early}`);
    }
  });

  it('a fade-out longer than the audio is shortened to it: silent at the end (it ended 3 dB down)', { skip: ffmpegSkipReason() }, async () => {
    const rate = 48000;
    const long10 = await decodeAudio((await stitch(frames, join(dir, 'long-fade.mp4'), { ...FAST, audio: long, audioFade: '10s' })).output, rate);
    const start = rms(long10, rate, 0.0, 0.1);
    const end = rms(long10, rate, 1.92, 1.98);
    assert.ok(end < start * 0.1, `faded out by the video's end: ${end} against ${start}`);
  });

  it('fade-out, offset and volume', { skip: ffmpegSkipReason() }, async () => {
    const rate = 48000;
    const plain = await decodeAudio((await stitch(frames, join(dir, 'plain.mp4'), { ...FAST, audio: long })).output, rate);
    const faded = await decodeAudio((await stitch(frames, join(dir, 'fade.mp4'), { ...FAST, audio: long, audioFade: '1s' })).output, rate);
    const before = rms(faded, rate, 0.5, 0.9);
    const last = rms(faded, rate, 1.9, 2.0);
    assert.ok(Math.abs(before - rms(plain, rate, 0.5, 0.9)) < 0.02, 'untouched before the fade');
    assert.ok(last < before * 0.2, `the last 100 ms are quieter: ${last} vs ${before}`);

    const later = await decodeAudio((await stitch(frames, join(dir, 'offset.mp4'), { ...FAST, audio: long, audioOffset: '0.5s', volume: '50%' })).output, rate);
    assert.ok(rms(later, rate, 0.05, 0.45) < 0.01, 'silent before the offset');
    const ratio = rms(later, rate, 1.0, 1.5) / rms(plain, rate, 1.0, 1.5);
    assert.ok(Math.abs(ratio - 0.5) < 0.05, `volume 50%: ${ratio}`);
  });

  it('reads MP3, Opus, FLAC and M4A tracks', { skip: ffmpegSkipReason() }, async () => {
    for (const ext of ['mp3', 'opus', 'flac', 'm4a']) {
      const track = await ffmpegConvert(long, join(dir, `track.${ext}`));
      const result = await stitch(frames, join(dir, `from-${ext}.mp4`), { ...FAST, audio: track });
      assert.ok(Math.abs((result.audio?.duration ?? 0) - 2) < 0.001, `${ext}: ${result.audio?.duration}`);
    }
  });

  it('refuses music where it cannot go, and bad values', async () => {
    const gif = outputFormatFor('x.gif');
    assert.throws(() => audioCodecFor(gif), (e: unknown) => isFlipbookError(e) && e.code === 'UNSUPPORTED_OUTPUT' && e.option === 'audio' && /\.gif file cannot carry audio/.test(e.message));
    // The library names its option, never the command's flag (it said 'drop --audio for .gif').
    assert.throws(() => createWriter(join(dir, 'x.gif'), { audio: long }), {
      code: 'UNSUPPORTED_OUTPUT',
      message: 'A .gif file cannot carry audio. Music goes into .mp4, .mov, .mkv, .webm; leave out audio for .gif',
    });
    const reject = (options: object, option: string): Promise<void> =>
      assert.rejects(stitch(frames, join(dir, 'bad.mp4'), { ...FAST, ...options }), (e: unknown) => isFlipbookError(e) && e.option === option);
    await reject({ audio: long, audioFit: 'stretch' }, 'audioFit');
    await reject({ audio: long, volume: 'loud' }, 'volume');
    await reject({ audioFade: '1s' }, 'audioFade');
    await reject({ audio: join(dir, 'missing.mp3') }, 'audio');
    await reject({ audio: frames[0] }, 'audio');
    await assert.rejects(stitch(frames, join(dir, 'bad.gif'), { audio: long }), (e: unknown) => isFlipbookError(e) && e.option === 'audio' && e.code === 'UNSUPPORTED_OUTPUT');
  });
});
