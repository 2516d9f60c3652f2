/**
 * Slideshow transitions and fades drawn into GIF, animated WebP and APNG by stitch: decoded
 * back, the frame count and times, the middle frame of a crossfade against the 50/50 blend of
 * its neighbours, fades from and to black, and each image decoded once (the output core spools
 * the drawn frames, transitions included, so a GIF's palette pass sees the blended colours).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { probe, stitch } from '../src/index.js';
import { readAnimation } from './helpers/animation.js';
import { blackLike, blendError } from './helpers/blend.js';
import { writeFrames } from './helpers/frames.js';
import { paint } from './helpers/images.js';

/** Two gradients that cross: every block of their blend is a colour neither image has. */
const FROM = paint(64, 48, (x, y) => [40 + 3 * x, 200 - 3 * y, 60]);
const TO = paint(64, 48, (x, y) => [220 - 2 * y, 50 + 2 * x, 200]);

/**
 * The middle of the crossfade against the blend of the decoded stills, as 8x8 block means.
 * APNG is lossless: within 1 level (measured 0.25: xfade rounds). Lossy WebP (quality 75) and
 * the dithered 256-colour GIF: the mean block within 4 levels and the worst within 12
 * (measured WebP 1.5 and 6.9, GIF 2.1 and 6.8).
 */
const TOLERANCE = { gif: { mean: 4, worst: 12 }, webp: { mean: 4, worst: 12 }, apng: { mean: 1, worst: 1 } } as const;

describe('transitions in GIF, WebP and APNG', () => {
  let dir: string;
  let stills: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-anim-slides-'));
    stills = await writeFrames(dir, [
      { name: 'a.png', image: FROM },
      { name: 'b.png', image: TO },
    ]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const ext of ['gif', 'webp', 'apng'] as const) {
    it(`.${ext}: a crossfade's middle frame is the 50/50 blend of its neighbours; each image decoded once`, async () => {
      // 1 s per image at 10 fps, a 5-frame crossfade taken from the end of the first.
      const result = await stitch(stills, join(dir, `xfade.${ext}`), { fps: 10, hold: 1, crossfade: '0.5s' });
      assert.equal(result.duration, 2, 'the crossfade does not change the length');
      assert.equal(result.frames, 2 + 5, 'stills are held by their delays; only the transition adds frames');
      assert.equal(result.transitionFrames, 5, 'transition frames');
      assert.equal(result.decoded, 2, 'each image decoded once (a GIF spools its frames for the palette pass)');
      const back = await readAnimation(result.output);
      assert.deepEqual(back.frames.map((f) => Math.round(f.time * 100)), [0, 50, 60, 70, 80, 90, 100], 'frame times (hundredths)');
      if (ext === 'gif') assert.equal((await probe(result.output)).duration, 2, 'GIF length');
      const [from, middle, to] = [back.frames[0], back.frames[3], back.frames[6]];
      assert.ok(from && middle && to, 'the stills and the middle of the crossfade');
      const error = blendError(middle, from, to);
      const tolerance = TOLERANCE[ext];
      assert.ok(error.mean <= tolerance.mean && error.worst <= tolerance.worst, `${ext}: middle frame off the blend by ${error.mean.toFixed(2)} (mean block), ${error.worst.toFixed(2)} (worst)`);
      // And it is not one of the stills (their blocks differ by some 50 levels on average).
      assert.ok(blendError(middle, from, to, { progress: 0 }).mean > 20, 'the middle frame differs from the first still');
      assert.ok(blendError(middle, from, to, { progress: 1 }).mean > 20, 'the middle frame differs from the second still');
    });
  }

  it('.gif: the palette pass draws the transitions too, so the palette holds the blended colours', async () => {
    // Undithered, a pixel shows its nearest palette entry. The stills' blues are 60 and 200, the
    // blend's 130: from a palette of the stills alone the middle frame misses by 70 levels
    // (measured, the palette pass left without transitions); with the blends, within 12 (9.6).
    const result = await stitch(stills, join(dir, 'undithered.gif'), { fps: 10, hold: 1, crossfade: '0.5s', dither: 'none' });
    const back = await readAnimation(result.output);
    const [from, middle, to] = [back.frames[0], back.frames[3], back.frames[6]];
    assert.ok(from && middle && to, 'the stills and the middle of the crossfade');
    const error = blendError(middle, from, to);
    assert.ok(error.mean <= 4 && error.worst <= 12, `undithered middle frame off the blend by ${error.mean.toFixed(2)} (mean block), ${error.worst.toFixed(2)} (worst)`);
  });

  it('.gif: fades in from black and out to black, from the first and last image', async () => {
    const result = await stitch(stills, join(dir, 'fades.gif'), { fps: 10, hold: 1, fadeIn: '0.3s', fadeOut: '0.3s' });
    assert.equal(result.duration, 2);
    assert.equal(result.transitionFrames, 6);
    const back = await readAnimation(result.output);
    assert.deepEqual(back.frames.map((f) => Math.round(f.time * 100)), [0, 10, 20, 30, 100, 170, 180, 190], 'frame times (hundredths)');
    const first = back.frames[3];
    const last = back.frames[4];
    assert.ok(first && last, 'the two stills');
    const black = blackLike(first);
    // Fade-in frame k of 0..2 is the still at k/3 (black first), the fade out its mirror (black
    // last): within 3 levels on average over 8x8 blocks.
    for (const [index, still, progress] of [[0, first, 0], [1, first, 1 / 3], [2, first, 2 / 3], [5, last, 2 / 3], [6, last, 1 / 3], [7, last, 0]] as const) {
      const frame = back.frames[index];
      assert.ok(frame, `frame ${index}`);
      const error = blendError(frame, black, still, { progress });
      assert.ok(error.mean <= 3, `frame ${index}: ${progress} of the still off by ${error.mean.toFixed(2)} levels (mean block)`);
    }
  });
});
