/**
 * Slideshows: list files with per-image durations, crossfades and xfade transitions, fades
 * from and to black, a held last image; each still decoded once.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createWriter, isFlipbookError, probe, stitch } from '../src/index.js';
import { readAnimation } from './helpers/animation.js';
import { frameColourIndices, writeSolidFrames } from './helpers/frames.js';
import { paletteColour, solid } from './helpers/images.js';
import { writePng } from './helpers/png.js';
import { type ReadBack, meanColour, readVideo } from './helpers/video.js';

const whole = (f: ReadBack['frames'][number]): { x: number; y: number; width: number; height: number } => ({ x: 4, y: 4, width: f.width - 8, height: f.height - 8 });

describe('slideshows', () => {
  let dir: string;
  let stills: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-slides-'));
    await mkdir(join(dir, 'img'));
    stills = await writeSolidFrames(join(dir, 'img'), [0, 1, 2].map((colour) => ({ name: `s${colour}.png`, colour })));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('holds that are not whole frames do not add up: each image starts at the frame nearest its time (0.1 s at 15 fps: 2, 1, 2, 1, 2, 1 frames)', async () => {
    await mkdir(join(dir, 'six'));
    const six = await writeSolidFrames(join(dir, 'six'), [0, 1, 2, 3, 4, 5].map((colour) => ({ name: `h${colour}.png`, colour })));
    const result = await stitch(six, join(dir, 'holds.mp4'), { fps: 15, hold: '0.1s', crf: 1, preset: 'ultrafast' });
    // 6 x 0.1 s = 0.6 s = 9 frames (one image a frame and a half), not 12 (2 frames each: 0.8 s).
    assert.equal(result.frames, 9);
    assert.ok(Math.abs(result.duration - 0.6) < 1e-9, `0.6 s: ${result.duration}`);
    const back = await readVideo(join(dir, 'holds.mp4'));
    const palette = [0, 1, 2, 3, 4, 5].map(paletteColour);
    assert.deepEqual(frameColourIndices(back, palette), [0, 0, 1, 2, 2, 3, 4, 4, 5], 'image k from frame round(1.5 k)');
    // A list's durations add up the same way: 0.1 s each at 15 fps.
    const list = join(dir, 'tenths.txt');
    await writeFile(list, six.map((f) => `${f} 0.1`).join('\n'));
    const listed = await stitch(list, join(dir, 'tenths.mp4'), { fps: 15, crf: 1, preset: 'ultrafast' });
    assert.equal(listed.frames, 9);
    // And the frame writer's holds.
    const writer = createWriter(join(dir, 'held.mp4'), { fps: 15, crf: 1, preset: 'ultrafast' });
    for (const file of six) await writer.write(file, { hold: 0.1 });
    const written = await writer.close();
    assert.equal(written.frames, 9);
    assert.deepEqual(frameColourIndices(await readVideo(join(dir, 'held.mp4')), palette), [0, 0, 1, 2, 2, 3, 4, 4, 5]);
  });

  it('a list file gives each image its own duration, to the millisecond (vfr: one sample per image)', async () => {
    const list = join(dir, 'frames.txt');
    // Paths relative to the list, comments, a default, and ffmpeg's concat syntax.
    await writeFile(list, ['# holiday', 'img/s0.png 1.234s', '', 'img/s1.png   # no duration: --hold', "file 'img/s2.png'", 'duration 0.5', 'img/s0.png 250ms'].join('\n'));
    const result = await stitch(list, join(dir, 'list.mp4'), { fps: 1000, hold: '0.1s', preset: 'ultrafast', vfr: true });
    assert.equal(result.frames, 4);
    assert.equal(result.duration, 2.084);
    const back = await readVideo(result.output);
    assert.deepEqual(back.frames.map((f) => Math.round(f.time * 1000)), [0, 1234, 1334, 1834]);
    assert.equal(Math.round((back.duration ?? 0) * 1000), 2084);
  });

  it('list file errors name the line', async () => {
    const bad = join(dir, 'bad.txt');
    await writeFile(bad, 'img/s0.png 1s\nimg/s1.png 2x\n');
    await assert.rejects(stitch(bad, join(dir, 'bad.mp4')), (e: unknown) => isFlipbookError(e) && /bad\.txt line 2: "2x" is not a duration/.test(e.message));
    await writeFile(bad, 'img/missing.png 1s\n');
    await assert.rejects(stitch(bad, join(dir, 'bad.mp4')), (e: unknown) => isFlipbookError(e) && /missing\.png/.test(e.message));
  });

  it('a crossfade: its middle frame is the 50/50 blend of its neighbours; each still decoded once', async () => {
    // 1 s per image at 10 fps, a 5-frame crossfade taken from the end of each image.
    const result = await stitch(stills, join(dir, 'xfade.mp4'), { fps: 10, hold: 1, crossfade: '0.5s', crf: 1, preset: 'ultrafast' });
    assert.equal(result.duration, 3);
    assert.equal(result.decoded, 3);
    assert.equal(result.transitionFrames, 10);
    assert.equal(result.frames, 30, 'every frame of 3 s at 10 fps');
    const back = await readVideo(result.output);
    const at = (t: number): ReadBack['frames'][number] => {
      const frame = back.frames.find((f) => Math.abs(f.time - t) < 1e-6);
      assert.ok(frame, `a frame at ${t} s`);
      return frame;
    };
    assert.deepEqual(back.frames.map((f) => Math.round(f.time * 10)), Array.from({ length: 30 }, (_, i) => i));
    const a = meanColour(at(0), whole(at(0)));
    const b = meanColour(at(1), whole(at(1)));
    const middle = meanColour(at(0.7), whole(at(0.7)));
    for (let c = 0; c < 3; c++) assert.ok(Math.abs((middle[c] ?? 0) - ((a[c] ?? 0) + (b[c] ?? 0)) / 2) <= 3, `middle ${middle} vs blend of ${a} and ${b}`);
    const expected = paletteColour(0);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs((a[c] ?? 0) - (expected[c] ?? 0)) <= 4, `first still ${a} vs ${expected}`);
  });

  it('xfade transitions, fades from and to black, a held last image', async () => {
    const result = await stitch(stills.slice(0, 2), join(dir, 'wipe.mp4'), { fps: 10, hold: 1, transition: 'wipeleft', fadeIn: '0.3s', fadeOut: '0.3s', holdLast: '1s', crf: 1, preset: 'ultrafast' });
    assert.equal(result.duration, 3, '1 s + 1 s + 1 s held');
    assert.equal(result.transitionFrames, 3 + 5 + 3);
    const back = await readVideo(result.output);
    const first = back.frames[0];
    assert.ok(first);
    const dark = meanColour(first, whole(first));
    const still = paletteColour(0);
    assert.ok((dark[0] ?? 0) < (still[0] ?? 0) * 0.4 + 8, `fading in from black: ${dark}`);
    const wipe = back.frames.find((f) => Math.abs(f.time - 0.7) < 1e-6);
    assert.ok(wipe);
    const left = meanColour(wipe, { x: 2, y: 4, width: 8, height: wipe.height - 8 });
    const right = meanColour(wipe, { x: wipe.width - 10, y: 4, width: 8, height: wipe.height - 8 });
    assert.notDeepEqual(left.map((v) => Math.round(v / 16)), right.map((v) => Math.round(v / 16)), 'a wipe shows both images at once');
    const info = await probe(result.output);
    assert.ok(Math.abs((info.video?.duration ?? 0) - 3) < 0.001);
  });

  it('a fade in starts on a black frame and a fade out ends on one (it started and ended 1/(n+1) of the way): one piece, --jobs, --vfr, GIF, the frame writer', async () => {
    const white = await writePng(join(dir, 'white.png'), solid(64, 48, [255, 255, 255]));
    // 1.2 s at 10 fps, 0.5 s fades: frame k of a fade in is k/5 of the way, the fade out its mirror.
    const expected = [0, 51, 102, 153, 204, 255, 255, 204, 153, 102, 51, 0];
    const coding = { fps: 10, fadeIn: 0.5, fadeOut: 0.5, crf: 1, preset: 'ultrafast' } as const;
    const options = { ...coding, hold: 1.2 };
    const levels = (frames: readonly { data: Uint8Array; width: number; height: number }[], channels: number): number[] =>
      frames.map((f) => {
        let sum = 0;
        for (let i = 0; i < f.width * f.height; i++) sum += f.data[i * channels] ?? 0;
        return Math.round(sum / (f.width * f.height));
      });
    const near = (got: number[], label: string, want = expected): void => {
      assert.equal(got.length, want.length, `${label}: ${got.join(' ')}`);
      assert.ok(got.every((v, i) => Math.abs(v - (want[i] ?? 0)) <= 4), `${label}: ${got.join(' ')}, expected ${want.join(' ')}`);
    };
    const one = await stitch([white], join(dir, 'fades.mp4'), options);
    assert.equal(one.transitionFrames, 10, 'the black frames count as fade frames');
    near(levels((await readVideo(one.output)).frames, 3), 'one piece');
    const jobs = await stitch([white], join(dir, 'fades-jobs.mp4'), { ...options, jobs: 2 });
    near(levels((await readVideo(jobs.output)).frames, 3), '--jobs 2');
    const vfr = await stitch([white], join(dir, 'fades-vfr.mp4'), { ...options, vfr: true });
    const vfrBack = await readVideo(vfr.output);
    // One sample (one GIF frame) for the still's two frames.
    const held = [...expected.slice(0, 6), ...expected.slice(7)];
    near(levels(vfrBack.frames, 3), '--vfr', held);
    assert.deepEqual(vfrBack.frames.map((f) => Math.round(f.time * 10)), [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11], '--vfr: the still one sample of 2 frames');
    const gif = await stitch([white], join(dir, 'fades.gif'), { fps: 10, hold: 1.2, fadeIn: 0.5, fadeOut: 0.5 });
    near(levels((await readAnimation(gif.output)).frames, 4), 'GIF', held);
    const writer = createWriter(join(dir, 'fades-writer.mp4'), coding);
    await writer.write(white, { hold: 1.2 });
    await writer.close();
    near(levels((await readVideo(join(dir, 'fades-writer.mp4'))).frames, 3), 'createWriter');
  });

  it('a fade-in as long as the first hold: no false "shorter than a frame" warning, and --vfr writes it (it failed: non monotonically increasing dts)', async () => {
    const cfr = await stitch(stills.slice(0, 2), join(dir, 'fade-cfr.mp4'), { fps: 10, hold: 1, fadeIn: 1, preset: 'ultrafast' });
    assert.equal(cfr.frames, 20);
    assert.deepEqual(cfr.warnings, []);
    for (const ext of ['mp4', 'webm']) {
      const vfr = await stitch(stills.slice(0, 2), join(dir, `fade-vfr.${ext}`), { fps: 10, hold: 1, fadeIn: 1, vfr: true, preset: 'ultrafast' });
      assert.equal(vfr.duration, 2, `.${ext}`);
      const back = await readVideo(vfr.output);
      // 10 fade frames (the first image's second), then the second image: one sample each, times apart.
      assert.equal(back.frames.length, 11, `.${ext}: samples`);
      assert.equal(new Set(back.frames.map((f) => f.time)).size, 11, `.${ext}: no two samples at one time`);
    }
  });

  it('refuses unknown transitions and transitions longer than the images', async () => {
    await assert.rejects(stitch(stills, join(dir, 'bad.mp4'), { hold: 1, transition: 'spin' as never }), (e: unknown) => isFlipbookError(e) && e.option === 'transition' && /wipeleft/.test(e.message));
    await assert.rejects(stitch(stills, join(dir, 'bad.mp4'), { fps: 10, hold: 1, crossfade: '1s' }), (e: unknown) => isFlipbookError(e) && e.option === 'crossfade');
    await assert.rejects(stitch(stills, join(dir, 'bad.mp4'), { crossfade: '0.5s' }), (e: unknown) => isFlipbookError(e) && e.option === 'crossfade' && /a longer hold/.test(e.hint ?? ''));
    // A transition given alone lasts 0.5 s: the error names it, not a crossfade that was never given
    // (it said "for crossfade but received 0.5").
    await assert.rejects(stitch(stills, join(dir, 'bad.mp4'), { fps: 25, hold: 0.2, transition: 'wipeleft' }), (e: unknown) => {
      assert.ok(isFlipbookError(e));
      assert.equal(e.option, 'transition');
      assert.equal(e.fact, "Image 1 lasts 5 frames, too short for transition: 'wipeleft', which lasts 0.5 s without crossfade: 13 are needed");
      assert.match(e.hint ?? '', /a longer hold .*, or a shorter transition \(crossfade\)$/);
      return true;
    });
    assert.ok(!existsSync(join(dir, 'bad.mp4')));
  });
});
