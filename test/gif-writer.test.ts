/**
 * flipbook's own GIF writer (src/engine/gif-writer.ts): LZW and blocks that two decoders read
 * (FFmpeg 8's through node-av, Debian's ffmpeg 5.1 where installed), delays, loop blocks, still
 * regions identical frame to frame, the temporal tolerance, transparency with a moving sprite,
 * frame differences with transparency (disposal per frame), and maxSize with it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { GifWriter } from '../src/engine/gif-writer.js';
import { createWriter, stitch } from '../src/index.js';
import { loopCount, paintRgba, readAnimation } from './helpers/animation.js';
import { writeFrames } from './helpers/frames.js';
import { SPRITE_SCENE, ffmpegFrames, gifBlocks } from './helpers/gif-blocks.js';
import { type Image, paint } from './helpers/images.js';
import { writePng } from './helpers/png.js';
import { tempDir } from './helpers/temp.js';

const FFMPEG = '/usr/bin/ffmpeg';

/** Debian's ffmpeg decodes the whole file without a complaint (a second, independent GIF decoder). */
function referenceDecodes(t: { skip(message: string): void }, file: string): boolean {
  if (!existsSync(FFMPEG)) {
    if (process.env.CI === 'true') assert.fail(`${FFMPEG} is missing (apt-get install -y ffmpeg)`);
    t.skip('no /usr/bin/ffmpeg for the cross-check');
    return false;
  }
  const run = spawnSync(FFMPEG, ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' });
  assert.equal(run.status, 0, `ffmpeg 5.1 fails on ${file}: ${run.stderr}`);
  assert.equal(run.stderr.trim(), '', `ffmpeg 5.1 reports errors decoding ${file}`);
  return true;
}

/** A pseudo-random generator, so the frames are the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('GIF writer', () => {
  it('writes LZW that decodes to the exact pixels, through table resets and 12-bit codes', async (t) => {
    const dir = await tempDir(t);
    // 200 colours on a grid the palette holds exactly (each its own histogram cell), in noise:
    // thousands of LZW codes a frame, so the code table fills and is cleared many times.
    const next = random(7);
    const colours = Array.from({ length: 200 }, (_, i) => [(i % 8) * 32 + 16, (Math.floor(i / 8) % 5) * 48 + 24, Math.floor(i / 40) * 48 + 20] as const);
    const frames: Image[] = Array.from({ length: 3 }, () => paint(320, 200, () => [...(colours[Math.floor(next() * colours.length)] ?? [0, 0, 0])]));
    await writeFrames(dir, frames.map((image, i) => ({ name: `n_${i}.png`, image })));
    const out = join(dir, 'noise.gif');
    await stitch(join(dir, 'n_*.png'), out, { fps: 10, dither: 'none' });
    const back = await readAnimation(out);
    assert.equal(back.frames.length, 3, 'three frames');
    for (const [n, frame] of back.frames.entries()) {
      const source = frames[n] as Image;
      let wrong = 0;
      for (let p = 0; p < 320 * 200; p++) {
        for (let c = 0; c < 3; c++) if (frame.data[p * 4 + c] !== source.data[p * 3 + c]) wrong++;
      }
      assert.equal(wrong, 0, `frame ${n}: every pixel decodes to its source colour (${wrong} channel values differ)`);
    }
    referenceDecodes(t, out);
  });

  it('keeps each frame for its own delay, in hundredths, and writes the loop block asked for', async (t) => {
    const dir = await tempDir(t);
    const durations = [0.1, 0.25, 0.05, 0.6];
    for (const loop of [0, 1, 3]) {
      const out = join(dir, `d${loop}.gif`);
      const writer = createWriter(out, { fps: 10, loop });
      for (const [i, duration] of durations.entries()) {
        const image = paint(48, 32, (x, y) => [(x * 5 + i * 60) % 256, y * 8, i * 70]);
        await writer.write({ data: image.data, width: 48, height: 32, layout: 'rgb' }, { hold: duration });
      }
      const result = await writer.close();
      assert.equal(result.frames, 4, 'four frames');
      assert.equal(await loopCount(out), loop, `loop ${loop} read back from the file`);
      const back = await readAnimation(out);
      assert.deepEqual(
        back.frames.map((f) => Math.round(f.time * 100)),
        [0, 10, 35, 40],
        'frame starts in hundredths: each frame lasts its duration',
      );
      assert.ok(Math.abs(result.duration - 1.0) < 1e-9, `the result lasts 1.0 s (${result.duration})`);
    }
    referenceDecodes(t, join(dir, 'd3.gif'));
  });

  it('leaves a still region identical in every frame while the rest moves', async (t) => {
    const dir = await tempDir(t);
    // Left half: a smooth gradient that only dithering can show (the same every frame). Right
    // half: a gradient that moves. Then the same with grain of +-2 on the still half and tolerance 4
    // (two frames' grains differ by up to 4).
    const width = 128;
    const height = 64;
    const next = random(3);
    const frame = (n: number, grain: boolean): Image =>
      paint(width, height, (x, y) => {
        if (x < width / 2) {
          const g = grain ? Math.round(next() * 4 - 2) : 0;
          return [40 + x * 2 + g, 90 + y + g, 200 - x + g];
        }
        return [(x * 3 + n * 17) % 256, (y * 4 + n * 9) % 256, (x + y + n * 30) % 256];
      });
    for (const [name, grain, tolerance] of [
      ['exact', false, 0],
      ['grain', true, 4],
    ] as const) {
      const images = Array.from({ length: 8 }, (_, n) => frame(n, grain));
      await writeFrames(dir, images.map((image, i) => ({ name: `${name}_${i}.png`, image })));
      const out = join(dir, `${name}.gif`);
      await stitch(join(dir, `${name}_*.png`), out, { fps: 10, tolerance });
      const back = await readAnimation(out);
      assert.equal(back.frames.length, 8, `${name}: eight frames`);
      const first = back.frames[0]?.data;
      assert.ok(first, `${name}: a first frame`);
      for (const [n, f] of back.frames.entries()) {
        let changedStill = 0;
        let changedMoving = 0;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const i = (y * width + x) * 4;
            const same = f.data[i] === first[i] && f.data[i + 1] === first[i + 1] && f.data[i + 2] === first[i + 2];
            if (!same && x < width / 2) changedStill++;
            if (!same && x >= width / 2) changedMoving++;
          }
        }
        assert.equal(changedStill, 0, `${name}, frame ${n}: the still half is identical to frame 0 (${changedStill} pixels differ)`);
        if (n > 0) assert.ok(changedMoving > 500, `${name}, frame ${n}: the moving half did change (${changedMoving} pixels)`);
      }
      referenceDecodes(t, out);
    }
  });

  it('dithers as a plain reference does: Floyd-Steinberg and Sierra-2-4A to the integer, with a coarse and a fine palette', async (t) => {
    const dir = await tempDir(t);
    const W = 96;
    const H = 64;
    const next = random(21);
    // Grey ramps with a little colour in each channel (up to 3 levels), and a colour gradient.
    const data = new Uint8Array(W * H * 4);
    for (let p = 0; p < W * H; p++) {
      const x = p % W;
      const y = Math.floor(p / W);
      const grey = y < H / 2 ? (x * 3 + y) % 256 : -1;
      const channel = (base: number): number => Math.min(255, Math.max(0, base + Math.floor(next() * 7) - 3));
      data.set(grey >= 0 ? [channel(grey), channel(grey), channel(grey), 255] : [channel(x * 2 + 30), channel(y * 3 + 20), channel(180 - x + y), 255], p * 4);
    }
    // Distinct colours, so a shown colour names its index. Greys 6 to 32 levels apart: errors from
    // a few levels to some 20, across each share's last zero (7/16 and 1/2 at 2, 5/16 at 3, 1/4 at
    // 3, 3/16 at 5, 1/16 at 15), and entries close enough that a share of one level moves a pixel
    // to another; a coarse colour grid: errors of tens of levels.
    const greys = (step: number): Uint8Array => Uint8Array.from(Array.from({ length: Math.floor(255 / step) + 1 }, (_, i) => i * step).flatMap((v) => [v, v, v]));
    const grid = (steps: number): Uint8Array => {
      const out: number[] = [];
      for (let r = 0; r < steps; r++) for (let g = 0; g < steps; g++) for (let b = 0; b < steps; b++) out.push(Math.round((r * 255) / (steps - 1)), Math.round((g * 255) / (steps - 1)), Math.round((b * 255) / (steps - 1)));
      return Uint8Array.from(out);
    };
    for (const [name, colors] of [
      ['greys 6 apart', greys(6)],
      ['greys 10 apart', greys(10)],
      ['greys 32 apart', greys(32)],
      ['a colour grid', grid(4)],
    ] as const) {
      for (const [dither, shares] of [
        ['floyd_steinberg', [[1, 0, 7], [-1, 1, 3], [0, 1, 5], [1, 1, 1]]],
        ['sierra2_4a', [[1, 0, 8], [-1, 1, 4], [0, 1, 4]]],
      ] as const) {
        // The reference: whole rows of working colours, each share truncated and clipped at once.
        const n = colors.length / 3;
        const work = Int32Array.from({ length: W * H * 3 }, (_, i) => data[Math.floor(i / 3) * 4 + (i % 3)] as number);
        const expected: number[] = [];
        for (let p = 0; p < W * H; p++) {
          const [r, g, b] = [work[p * 3] as number, work[p * 3 + 1] as number, work[p * 3 + 2] as number];
          let best = 0;
          let bestD = Infinity;
          for (let i = 0; i < n; i++) {
            const d = ((colors[i * 3] as number) - r) ** 2 + ((colors[i * 3 + 1] as number) - g) ** 2 + ((colors[i * 3 + 2] as number) - b) ** 2;
            if (d < bestD) [best, bestD] = [i, d];
          }
          expected.push(best);
          const x = p % W;
          const y = Math.floor(p / W);
          const error = [r - (colors[best * 3] as number), g - (colors[best * 3 + 1] as number), b - (colors[best * 3 + 2] as number)];
          for (const [dx, dy, weight] of shares) {
            if (x + dx < 0 || x + dx >= W || y + dy >= H) continue;
            const q = (p + dy * W + dx) * 3;
            for (let c = 0; c < 3; c++) work[q + c] = Math.min(255, Math.max(0, (work[q + c] as number) + Math.trunc(((error[c] as number) * weight) / 16)));
          }
        }
        const file = join(dir, `${name}-${dither}.gif`);
        const writer = await GifWriter.open({ file, width: W, height: H, loop: 0, colors, alpha: false, dither, tolerance: 0, threads: false, localPalettes: false });
        await writer.write({ data, width: W, height: H, stride: W * 4 }, 10);
        await writer.finish();
        const [frame] = (await readAnimation(file)).frames;
        assert.ok(frame, `${name}, ${dither}: a frame`);
        let wrong = 0;
        for (let p = 0; p < W * H; p++) {
          const i = expected[p] as number;
          if ([0, 1, 2].some((c) => frame.data[p * 4 + c] !== colors[i * 3 + c])) wrong++;
        }
        assert.equal(wrong, 0, `${name}, ${dither}: ${wrong} of ${W * H} pixels differ from the reference's dithering`);
      }
    }
  });

  it('passes over rows the same as the frame before and writes what comparing every pixel writes, with and without a tolerance', async (t) => {
    const dir = await tempDir(t);
    const W = 48;
    const H = 40;
    // Rows 0-9 still; 10-19 drift by 3 levels every other frame (within a tolerance of 4 once,
    // past it twice) and hold between; 20-29 swap between two contents (the same as two frames
    // before, never as the last); 30-39 a bar that moves every frame. Rows are padded (a stride
    // past the width), the padding different in every frame.
    const stride = W * 4 + 12;
    const frame = (n: number): Uint8Array => {
      const data = new Uint8Array(stride * H).fill(n * 21);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let rgb: [number, number, number] = [20 + x * 4, 30 + y * 5, 120];
          if (y >= 10 && y < 20) rgb = [40 + x * 3 + 3 * (n >> 1), 90 + y, 60 + 3 * (n >> 1)];
          if (y >= 20 && y < 30) rgb = n % 2 ? [200 - x, 20 + y, 90] : [x * 2, 150, 30 + y];
          if (y >= 30) rgb = Math.abs(x - n * 4) < 5 ? [250, 250, 20] : [10, 10, 10 + y];
          data.set([...rgb, 255], y * stride + x * 4);
        }
      }
      return data;
    };
    const frames = Array.from({ length: 12 }, (_, n) => frame(n));
    const colors = new Uint8Array(64 * 3).map((_, i) => (i * 37 + (i % 3) * 71) & 255);
    for (const tolerance of [0, 4]) {
      const written: Buffer[] = [];
      for (const compareAll of [false, true]) {
        const file = join(dir, `rows-${tolerance}-${compareAll}.gif`);
        const writer = await GifWriter.open({ file, width: W, height: H, loop: 0, colors, alpha: false, dither: 'floyd_steinberg', tolerance, threads: false });
        for (const data of frames) {
          // The same references again: the writer no longer knows the rows compared last, so it compares every pixel.
          if (compareAll) writer.primeReferences(writer.references());
          await writer.write({ data, width: W, height: H, stride }, 10);
        }
        await writer.finish();
        written.push(await readFile(file));
      }
      const [skipping, full] = written as [Buffer, Buffer];
      assert.ok(skipping.equals(full), `tolerance ${tolerance}: the same file as comparing every pixel (${skipping.length} against ${full.length} bytes)`);
      const back = await readAnimation(join(dir, `rows-${tolerance}-false.gif`));
      assert.equal(back.frames.length, 12);
      referenceDecodes(t, join(dir, `rows-${tolerance}-false.gif`));
    }
  });

  it('makes grainy footage smaller with a tolerance, within a stated loss', async (t) => {
    const dir = await tempDir(t);
    const next = random(11);
    const images = Array.from({ length: 10 }, (_, n) =>
      paint(160, 90, (x, y) => {
        const g = Math.round((next() - 0.5) * 8);
        return [60 + x + n + g, 80 + y + g, 150 + ((x + y) >> 2) + g];
      }),
    );
    await writeFrames(dir, images.map((image, i) => ({ name: `g_${i}.png`, image })));
    const exact = await stitch(join(dir, 'g_*.png'), join(dir, 'exact.gif'), { fps: 10 });
    const loose = await stitch(join(dir, 'g_*.png'), join(dir, 'loose.gif'), { fps: 10, tolerance: 6 });
    assert.ok(loose.bytes < exact.bytes * 0.8, `tolerance 6 saves at least a fifth on grain (${loose.bytes} against ${exact.bytes} bytes)`);
    const back = await readAnimation(join(dir, 'loose.gif'));
    for (const [n, frame] of back.frames.entries()) {
      const source = images[n] as Image;
      let sum = 0;
      for (let p = 0; p < 160 * 90; p++) for (let c = 0; c < 3; c++) sum += Math.abs((frame.data[p * 4 + c] ?? 0) - (source.data[p * 3 + c] ?? 0));
      const mean = sum / (160 * 90 * 3);
      assert.ok(mean < 6, `frame ${n}: mean error ${mean.toFixed(2)} within 6 levels`);
    }
  });

  it('makes grainy footage smaller with lossy LZW, each pixel within the lossy distance of the exact GIF', async (t) => {
    const dir = await tempDir(t);
    const next = random(23);
    const images = Array.from({ length: 6 }, (_, n) =>
      paint(160, 90, (x, y) => {
        const g = Math.round((next() - 0.5) * 12);
        return [40 + x + n * 3 + g, 70 + y * 2 + g, 160 - ((x + y) >> 1) + g];
      }),
    );
    await writeFrames(dir, images.map((image, i) => ({ name: `l_${i}.png`, image })));
    const exact = await stitch(join(dir, 'l_*.png'), join(dir, 'exact.gif'), { fps: 10 });
    const lossy = await stitch(join(dir, 'l_*.png'), join(dir, 'lossy.gif'), { fps: 10, lossy: 20 });
    assert.equal(lossy.animation?.lossy, 20, 'the result says the lossy distance');
    assert.ok(lossy.bytes < exact.bytes * 0.9, `lossy 20 saves at least a tenth on grain (${lossy.bytes} against ${exact.bytes} bytes)`);
    if (referenceDecodes(t, join(dir, 'lossy.gif'))) {
      // Same palette, same dithering, same pixels drawn: only the LZW may swap a colour, for one
      // at most 20 away (RGB distance).
      const a = await readAnimation(join(dir, 'exact.gif'));
      const b = await readAnimation(join(dir, 'lossy.gif'));
      assert.equal(b.frames.length, 6);
      let swapped = 0;
      for (const [n, frame] of b.frames.entries()) {
        const reference = a.frames[n]?.data ?? assert.fail(`no exact frame ${n}`);
        let worst = 0;
        for (let p = 0; p < 160 * 90; p++) {
          const d = Math.hypot((frame.data[p * 4] ?? 0) - (reference[p * 4] ?? 0), (frame.data[p * 4 + 1] ?? 0) - (reference[p * 4 + 1] ?? 0), (frame.data[p * 4 + 2] ?? 0) - (reference[p * 4 + 2] ?? 0));
          if (d > 0) swapped++;
          worst = Math.max(worst, d);
        }
        assert.ok(worst <= 20, `frame ${n}: a pixel ${worst.toFixed(1)} from the exact GIF's`);
      }
      assert.ok(swapped > 160 * 90 * 0.05, `lossy swapped colours (${swapped} pixels)`);
    }
  });

  it('keeps transparency of a sprite that moves: pixels it leaves become transparent again', async (t) => {
    const dir = await tempDir(t);
    const width = 96;
    const height = 48;
    const at = (n: number): number => 12 + n * 14;
    const frames = Array.from({ length: 5 }, (_, n) =>
      paintRgba(width, height, (x, y) => (Math.hypot(x - at(n), y - 24) < 10 ? [220, 60 + y * 3, 40, 255] : y < 4 ? [20, 20, 200, 255] : [0, 0, 0, 0])),
    );
    for (const [i, image] of frames.entries()) await writePng(join(dir, `s_${i}.png`), image);
    const out = join(dir, 'sprite.gif');
    await stitch(join(dir, 's_*.png'), out, { fps: 10 });
    const back = await readAnimation(out);
    assert.equal(back.frames.length, 5, 'five frames');
    for (const [n, frame] of back.frames.entries()) {
      let wrong = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const opaque = Math.hypot(x - at(n), y - 24) < 10 || y < 4;
          if ((frame.data[(y * width + x) * 4 + 3] === 255) !== opaque) wrong++;
        }
      }
      assert.equal(wrong, 0, `frame ${n}: opaque exactly on the sprite and the bar, transparent elsewhere (${wrong} pixels wrong)`);
    }
    referenceDecodes(t, out);
  });

  it('writes frame differences with transparency: a still bar is drawn once, a sprite that moves leaves nothing', async (t) => {
    const dir = await tempDir(t);
    // SPRITE_SCENE: opaque pixels become transparent only where the sprite leaves: the frame
    // before must be cleared there, and only there.
    const { width, height } = SPRITE_SCENE;
    const colourAt = SPRITE_SCENE.rgba;
    const sources = Array.from({ length: 6 }, (_, n) => paintRgba(width, height, (x, y) => colourAt(n, x, y)));
    for (const [i, image] of sources.entries()) await writePng(join(dir, `a_${i}.png`), image);
    const out = join(dir, 'diff.gif');
    await stitch(join(dir, 'a_*.png'), out, { fps: 10 });

    const blocks = await gifBlocks(out);
    assert.equal(blocks.images.length, 6, 'six images');
    for (const [n, image] of blocks.images.entries()) {
      assert.equal(image.delay, 10, `frame ${n}: 10 hundredths`);
      // After the first, no frame draws the still bar again (the last one's rectangle grows to clear all).
      if (n > 0 && n < 5) assert.ok(image.y >= 4, `frame ${n} leaves the still bar as shown (its rectangle starts at row ${image.y})`);
      // Kept, except where the next frame has transparent pixels over something shown (the
      // frames before a move), and the last, which clears all it shows for the next loop.
      const clears = n === 2 || n === 3 || n === 4 || n === 5;
      assert.equal(image.disposal, clears ? 2 : 1, `frame ${n}: disposal ${clears ? 'restore to background' : 'keep'}`);
    }

    const check = (decoder: string, frames: readonly Uint8Array[]): void => {
      assert.equal(frames.length, 6, `${decoder}: six frames`);
      for (const [n, data] of frames.entries()) {
        let wrongAlpha = 0;
        let wrongColour = 0;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const [r, g, b, a] = colourAt(n, x, y);
            const i = (y * width + x) * 4;
            if ((data[i + 3] === 255) !== (a === 255) || ((data[i + 3] ?? 0) % 255) !== 0) wrongAlpha++;
            else if (a === 255 && (data[i] !== r || data[i + 1] !== g || data[i + 2] !== b)) wrongColour++;
          }
        }
        assert.equal(wrongAlpha, 0, `${decoder}, frame ${n}: opaque exactly where the source is (${wrongAlpha} pixels wrong)`);
        assert.equal(wrongColour, 0, `${decoder}, frame ${n}: opaque pixels are their source colour (${wrongColour} wrong)`);
      }
    };
    const back = await readAnimation(out);
    check('FFmpeg 8', back.frames.map((f) => f.data));
    if (referenceDecodes(t, out)) check('ffmpeg 5.1', ffmpegFrames(out, width, height));
  });

  it('clears a still part that vanishes later, on the rows a sprite moves along; a frame that draws nothing clears only what it must', async (t) => {
    const dir = await tempDir(t);
    // A still block (x 0-7, rows 9-14), a sprite (6x6) on the same rows that stays for frames 0-2
    // and then moves right 4 pixels a frame, a still bar at the bottom; at frame 5 the block
    // vanishes. Frame 2 draws nothing but must clear what the sprite leaves at frame 3: only
    // that, so the block beside it stays shown (and is not drawn again) until it must go.
    const W = 48;
    const H = 24;
    const colors = Uint8Array.from([200, 40, 40, 40, 200, 40, 40, 40, 200]);
    const at = (n: number, x: number, y: number): readonly [number, number, number, number] => {
      const sprite = 20 + Math.max(0, n - 2) * 4;
      if (n < 5 && x < 8 && y >= 9 && y < 15) return [200, 40, 40, 255];
      if (x >= sprite && x < sprite + 6 && y >= 9 && y < 15) return [40, 200, 40, 255];
      if (y >= 20) return [40, 40, 200, 255];
      return [0, 0, 0, 0];
    };
    const frames = Array.from({ length: 8 }, (_, n) => {
      const data = new Uint8Array(W * H * 4);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set(at(n, x, y), (y * W + x) * 4);
      return data;
    });
    const file = join(dir, 'vanish.gif');
    const writer = await GifWriter.open({ file, width: W, height: H, loop: 0, colors, alpha: true, dither: 'none', tolerance: 0, threads: false });
    for (const data of frames) await writer.write({ data, width: W, height: H, stride: W * 4 }, 10);
    await writer.finish();
    const back = await readAnimation(file);
    assert.equal(back.frames.length, 8);
    for (const [n, frame] of back.frames.entries()) {
      let wrong = 0;
      for (let p = 0; p < W * H; p++) {
        const [r, g, b, a] = at(n, p % W, Math.floor(p / W));
        const shown = frame.data[p * 4 + 3] === 255;
        if (shown !== (a === 255) || (shown && (frame.data[p * 4] !== r || frame.data[p * 4 + 1] !== g || frame.data[p * 4 + 2] !== b))) wrong++;
      }
      assert.equal(wrong, 0, `frame ${n}: ${wrong} pixels shown otherwise than the source`);
    }
    const { images } = await gifBlocks(file);
    // Frame 2 draws nothing and clears the 4 columns the sprite leaves next: x 20-23, rows 9-14.
    const cleared = images[2];
    assert.deepEqual(cleared && [cleared.x, cleared.y, cleared.width, cleared.height, cleared.disposal], [20, 9, 4, 6, 2], 'frame 2: the rectangle it clears');
    referenceDecodes(t, file);
  });

  it('fits maxSize, raising the tolerance before anything else', async (t) => {
    const dir = await tempDir(t);
    const next = random(5);
    const images = Array.from({ length: 12 }, (_, n) => paint(160, 100, (x, y) => [(x * 2 + n * 11 + next() * 30) % 256, (y * 2 + next() * 30) % 256, (x + y + n * 7) % 256]));
    await writeFrames(dir, images.map((image, i) => ({ name: `m_${i}.png`, image })));
    const full = await stitch(join(dir, 'm_*.png'), join(dir, 'full.gif'), { fps: 10, tolerance: 4 });
    const limit = Math.floor(full.bytes / 2);
    const result = await stitch(join(dir, 'm_*.png'), join(dir, 'fit.gif'), { fps: 10, tolerance: 4, maxSize: limit, onWarning: () => {} });
    const bytes = (await stat(join(dir, 'fit.gif'))).size;
    assert.ok(bytes <= limit, `${bytes} bytes within the limit of ${limit}`);
    assert.equal(result.bytes, bytes, 'the result says the bytes written');
    assert.ok((await readAnimation(join(dir, 'fit.gif'))).frames.length > 0, 'the fitted GIF decodes');
    const attempts = result.animation?.maxSize?.attempts ?? assert.fail('no attempts');
    assert.deepEqual(
      attempts.slice(0, 2).map((a) => [a.width, a.height, a.colors, a.fps, a.tolerance]),
      [
        [160, 100, 256, undefined, 4],
        [160, 100, 256, undefined, 8],
      ],
      'the first try as asked, the second with the tolerance raised to 8 and nothing else',
    );
    assert.equal(result.animation?.tolerance, attempts.at(-1)?.tolerance, 'the result says the tolerance written with');
  });
});
