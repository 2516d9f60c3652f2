/**
 * A GIF frame's own palette (src/engine/local-palette.ts): flat frames whose colours all
 * together are far more than one palette holds, but each frame's are not, decode exactly; the
 * still half stays identical from frame to frame; delays are kept. Checked with two decoders
 * (node-av's FFmpeg 8 and Debian's ffmpeg 5.1) and the file's own blocks.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { stitch } from '../src/index.js';
import { readAnimation } from './helpers/animation.js';
import { writeFrames } from './helpers/frames.js';
import { ffmpegFrames, gifBlocks } from './helpers/gif-blocks.js';
import { type Image, paint } from './helpers/images.js';
import { tempDir } from './helpers/temp.js';

const WIDTH = 64;
const HEIGHT = 48;
const FRAMES = 6;

/** A flat colour for tile `t` of set `set` (set 0: the still half; 1 + n: frame n's moving half), scattered over the RGB cube. */
function tileColour(set: number, t: number): [number, number, number] {
  let s = (set * 96 + t + 1) * 2654435761;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  };
  return [next(), next(), next()];
}

/** 4x4 tiles: the left half the same in every frame, the right half colours of frame n's own. */
function frame(n: number): Image {
  return paint(WIDTH, HEIGHT, (x, y) => {
    const t = Math.floor(y / 4) * 8 + Math.floor((x % 32) / 4);
    return tileColour(x < 32 ? 0 : 1 + n, t);
  });
}

/** Channel values of `rgba` (RGBA) that differ from the RGB source. */
function differences(rgba: Uint8Array, source: Image): number {
  let wrong = 0;
  for (let p = 0; p < WIDTH * HEIGHT; p++) for (let c = 0; c < 3; c++) if (rgba[p * 4 + c] !== source.data[p * 3 + c]) wrong++;
  return wrong;
}

describe('GIF local palettes', () => {
  it('gives each flat frame its own palette: 672 colours in all decode exactly, the still half never changes', async (t) => {
    const dir = await tempDir(t);
    const sources = Array.from({ length: FRAMES }, (_, n) => frame(n));
    await writeFrames(dir, sources.map((image, i) => ({ name: `f_${i}.png`, image })));
    const out = join(dir, 'flat.gif');
    // 96 still colours and 96 new ones a frame: 672 in all, more than 255, and 192 at most in a frame.
    const result = await stitch(join(dir, 'f_*.png'), out, { fps: 10 });
    assert.equal(result.frames, FRAMES, 'six frames written');

    const blocks = await gifBlocks(out);
    assert.equal(blocks.images.length, FRAMES, 'one image a frame');
    for (const [n, image] of blocks.images.entries()) {
      assert.equal(image.delay, 10, `frame ${n}: 10 hundredths`);
      // Frame 0 may take the global palette (which holds much of it); the others cannot.
      if (n > 0) assert.ok(image.localTable > 0, `frame ${n} carries its own colour table`);
      assert.ok(image.transparent >= 0 && image.transparent <= 255, `frame ${n}: a transparent index after its colours (${image.transparent})`);
      if (n > 0) assert.ok(image.x >= 32, `frame ${n} draws only the changing half (from x ${image.x})`);
    }

    const back = await readAnimation(out);
    assert.equal(back.frames.length, FRAMES, 'FFmpeg 8 decodes six frames');
    for (const [n, decoded] of back.frames.entries()) {
      assert.ok(Math.abs(decoded.time - n / 10) < 0.001, `frame ${n} starts at ${n / 10} s (${decoded.time})`);
      const wrong = differences(decoded.data, sources[n] as Image);
      assert.equal(wrong, 0, `FFmpeg 8, frame ${n}: every pixel is its source colour (${wrong} channel values differ)`);
    }
    const first = back.frames[0]?.data;
    assert.ok(first, 'a first frame');
    for (const [n, decoded] of back.frames.entries()) {
      let shimmer = 0;
      for (let y = 0; y < HEIGHT; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 4; c++) if (decoded.data[(y * WIDTH + x) * 4 + c] !== first[(y * WIDTH + x) * 4 + c]) shimmer++;
      assert.equal(shimmer, 0, `frame ${n}: the still half is identical to frame 0 (${shimmer} values differ)`);
    }

    if (existsSync('/usr/bin/ffmpeg')) {
      const reference = ffmpegFrames(out, WIDTH, HEIGHT);
      assert.equal(reference.length, FRAMES, 'ffmpeg 5.1 decodes six frames');
      for (const [n, decoded] of reference.entries()) {
        const wrong = differences(decoded, sources[n] as Image);
        assert.equal(wrong, 0, `ffmpeg 5.1, frame ${n}: every pixel is its source colour (${wrong} channel values differ)`);
      }
    } else if (process.env.CI === 'true') assert.fail('/usr/bin/ffmpeg is missing (apt-get install -y ffmpeg)');
  });
});
