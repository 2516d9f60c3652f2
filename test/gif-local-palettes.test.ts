/**
 * A GIF frame's own palette (src/engine/local-palette.ts): flat frames whose colours all
 * together are far more than one palette holds, but each frame's are not, decode exactly; the
 * still half stays identical from frame to frame; delays are kept. Checked with two decoders
 * (node-av's FFmpeg 8 and Debian's ffmpeg 5.1) and the file's own blocks. Palettes of their own
 * are tried in windows of pictures (OWN_PALETTE_WINDOW): which frames carry one, the same on
 * coder threads as on the writer's thread.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { GifWriter, OWN_PALETTE_WINDOW } from '../src/engine/gif-writer.js';
import { ColorHistogram } from '../src/engine/quantizer.js';
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

  it('tries palettes of their own in windows of pictures: after two frames cut one and turn it down, the window keeps the global one; the same on coder threads', async (t) => {
    const dir = await tempDir(t);
    // Pictures 0-35: a disc of about 800 colours that the global palette (cut from these
    // pictures) holds nearly: a palette of its own is cut and turned down. Pictures 36-43:
    // tiles of 262 colours far from it: a palette of its own is taken wherever it is tried.
    const W = 320;
    const H = 240;
    assert.equal(OWN_PALETTE_WINDOW, 32, 'windows of 32 pictures (the scene below is laid out for them)');
    const disc = (f: number): boolean => f < 36;
    const pictures = Array.from({ length: 44 }, (_, f) => {
      const data = new Uint8Array(W * H * 4);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let c = [128, 128, 128];
          if (disc(f)) {
            const cx = 100 + (f % 12) * 9;
            const d = Math.floor(Math.hypot(x - cx, y - 120));
            if (d < 90) c = [40 + d * 2, Math.round(60 + d * 1.5 + Math.floor((Math.atan2(y - 120, x - cx) + 4) * 1.3) * 3), 200 - d];
          } else {
            const k = ((x >> 4) + (y >> 4) * 20 + f * 7) % 300;
            c = [(k * 37) & 255, (k * 91 + 40) & 255, (k * 53 + 200) & 255];
            if (((x >> 4) + (y >> 4)) % 3 === 0) c = [255 - (c[0] as number), c[2] as number, c[1] as number];
          }
          data.set([...c, 255], (y * W + x) * 4);
        }
      }
      return data;
    });
    const histogram = new ColorHistogram();
    pictures.forEach((data, f) => {
      if (disc(f)) histogram.add({ data, width: W, height: H, stride: W * 4 }, true, f);
    });
    const colors = histogram.palette(255);
    const write = async (threads: false | number): Promise<Buffer> => {
      const file = join(dir, `threads-${threads}.gif`);
      const writer = await GifWriter.open({ file, width: W, height: H, loop: 0, colors, alpha: false, dither: 'floyd_steinberg', tolerance: 0, threads });
      for (const data of pictures) await writer.write({ data, width: W, height: H, stride: W * 4 }, 4);
      await writer.finish();
      // Coder threads run from the built JavaScript (npm test); from the TypeScript source the writer codes alone.
      if (threads && !import.meta.url.endsWith('.ts')) assert.equal(writer.codedOnThreads, 44, `${threads} threads: every frame coded on them`);
      return readFile(file);
    };
    const alone = await write(false);
    const file = join(dir, 'threads-false.gif');
    const tables = (await gifBlocks(file)).images.flatMap((image, n) => (image.localTable > 0 ? [n] : []));
    // Window 0 (pictures 0-31): frames 0-4 try (a window counts what frames 4 before it came to)
    // and turn theirs down; the rest keep the global palette untried. Window 1 starts again:
    // frames 32-35 try and turn theirs down, 36 tries and takes one, 37-39 do not try (two
    // turned down were known, no taking yet), 40-43 try again (36's taking is known) and take one.
    assert.deepEqual(tables, [36, 40, 41, 42, 43], 'the frames with a palette of their own');
    // Two threads (4 frames out: never waiting), three (6 out: the writer waits for the outcomes it needs).
    for (const threads of [2, 3]) {
      const threaded = await write(threads);
      assert.ok(threaded.equals(alone), `${threads} coder threads: the file the writer alone writes (${threaded.length} against ${alone.length} bytes)`);
    }
    const back = await readAnimation(file);
    assert.equal(back.frames.length, 44, '44 frames decode');
  });
});
