/**
 * The GIF palette and mapping in RGB (src/engine/quantizer.ts): the palette keeps the frames'
 * colours, the search finds the nearest entry, still areas keep their indices, and
 * transparency costs a slot only when an input has alpha. How close the GIF's colours are to
 * the source is checked in gif.test.ts (block means, PSNR).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { ColorHistogram, type GridCells, PaletteMapper, type RgbaRows, wuCut } from '../src/engine/quantizer.js';
import { stitch } from '../src/index.js';
import { paintRgba, readAnimation } from './helpers/animation.js';
import { writeFrames } from './helpers/frames.js';
import { gifBlocks } from './helpers/gif-blocks.js';
import { PALETTE, type Rgb, paint } from './helpers/images.js';
import { writePng } from './helpers/png.js';
import { tempDir } from './helpers/temp.js';

function rows(width: number, height: number, colourAt: (x: number, y: number) => readonly [number, number, number, number]): RgbaRows {
  const image = paintRgba(width, height, colourAt);
  return { data: image.data, width, height, stride: width * 4 };
}

/** The palette's colours as 0xRRGGBB numbers. */
function colourSet(palette: Uint8Array): Set<number> {
  const set = new Set<number>();
  for (let i = 0; i < palette.length; i += 3) set.add(((palette[i] ?? 0) << 16) | ((palette[i + 1] ?? 0) << 8) | (palette[i + 2] ?? 0));
  return set;
}

/** A small deterministic random generator (mulberry32), so failures can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Wu's cuts the plain way, for the quantizer's to equal: boxes of levels (0 to `top` on each axis,
 * lower bounds exclusive), each sum taken over the cells inside, every level tried.
 */
function wuReference(cells: GridCells, colors: number, top: number): number[] {
  type Bounds = [number, number, number, number, number, number];
  const all = Array.from(cells.w, (_, i) => i);
  const level = (i: number, axis: number): number => cells.levels[i * 3 + axis] ?? 0;
  const within = (box: Bounds, among: number[]): number[] => among.filter((i) => [0, 1, 2].every((a) => level(i, a) > box[a * 2]! && level(i, a) <= box[a * 2 + 1]!));
  const sums = (box: Bounds, among = all): number[] => {
    const out = [0, 0, 0, 0, 0];
    for (const i of within(box, among)) [cells.w, cells.r, cells.g, cells.b, cells.q].forEach((m, t) => (out[t]! += m[i] ?? 0));
    return out;
  };
  const error = (box: Bounds): number => {
    const [w, r, g, b, q] = sums(box) as [number, number, number, number, number];
    return w > 0 ? q - (r * r + g * g + b * b) / w : 0;
  };
  const boxes: Bounds[] = [[-1, top, -1, top, -1, top]];
  const errors = [error(boxes[0]!)];
  while (boxes.length < colors) {
    let next = -1;
    errors.forEach((e, i) => {
      if (e > 0 && (next < 0 || e > errors[next]!)) next = i;
    });
    if (next < 0) break;
    const box = boxes[next]!;
    const [W, R, G, B] = sums(box) as [number, number, number, number];
    const inside = within(box, all);
    let cut = { axis: 0, at: -1, score: 0 };
    for (let axis = 0; axis < 3; axis++) {
      for (let at = box[axis * 2]! + 1; at < box[axis * 2 + 1]!; at++) {
        const half = [...box] as Bounds;
        half[axis * 2 + 1] = at;
        const [w, r, g, b] = sums(half, inside) as [number, number, number, number];
        if (w <= 0 || w >= W) continue;
        const score = (r * r + g * g + b * b) / w + ((R - r) ** 2 + (G - g) ** 2 + (B - b) ** 2) / (W - w);
        if (score > cut.score) cut = { axis, at, score };
      }
    }
    if (cut.at < 0) {
      errors[next] = 0;
      continue;
    }
    const upper = [...box] as Bounds;
    box[cut.axis * 2 + 1] = cut.at;
    upper[cut.axis * 2] = cut.at;
    boxes.push(upper);
    errors[next] = error(box);
    errors.push(error(upper));
  }
  return boxes.flatMap((box) => {
    const [w, r, g, b] = sums(box) as [number, number, number, number];
    return w > 0 ? [r / w, g / w, b / w] : [];
  });
}

/** The histogram's cells of weighted pixels (R, G, B, count): a level holds 4 values of a channel (1 to 64). */
function gridCells(pixels: [number, number, number, number][]): GridCells {
  const byCell = new Map<number, number[]>();
  for (const [r, g, b, n] of pixels) {
    const key = (((r >> 2) + 1) * 65 + (g >> 2) + 1) * 65 + (b >> 2) + 1;
    const m = byCell.get(key) ?? [0, 0, 0, 0, 0];
    [n, r * n, g * n, b * n, (r * r + g * g + b * b) * n].forEach((v, t) => (m[t]! += v));
    byCell.set(key, m);
  }
  const keys = [...byCell.keys()].sort((a, b) => a - b);
  const pick = (t: number): Float64Array => Float64Array.from(keys, (k) => byCell.get(k)![t]!);
  return {
    levels: Uint8Array.from(keys.flatMap((k) => [Math.floor(k / 65 ** 2), Math.floor(k / 65) % 65, k % 65])),
    w: pick(0),
    r: pick(1),
    g: pick(2),
    b: pick(3),
    q: pick(4),
  };
}

describe('GIF palette (quantizer.ts)', () => {
  it('counts runs of one colour as the same pixels counted one by one (checkerboard sampling, transparency)', () => {
    // Stripes of 1 to 9 pixels, some transparent, some half-transparent with the same RGB.
    const next = random(41);
    let run = 0;
    let colour: readonly [number, number, number, number] = [0, 0, 0, 255];
    const picture = rows(97, 31, () => {
      if (run-- <= 0) {
        run = Math.floor(next() * 9);
        const k = Math.floor(next() * 6);
        colour = [k * 40, 255 - k * 30, (k * 77) & 255, next() < 0.15 ? 0 : next() < 0.1 ? 100 : 255];
      }
      return colour;
    });
    // The same pixels at an odd byte offset: counted pixel by pixel (no 32-bit words there).
    const shifted = new Uint8Array(picture.data.length + 1);
    shifted.set(picture.data, 1);
    const odd: RgbaRows = { ...picture, data: shifted.subarray(1) };
    for (const [sample, phase] of [[false, 0], [true, 0], [true, 1]] as const) {
      const runs = new ColorHistogram();
      const single = new ColorHistogram();
      runs.add(picture, sample, phase);
      single.add(odd, sample, phase);
      const counted = runs.counts();
      assert.ok((counted[0] ?? 0) > 97 * 31 * (sample ? 0.3 : 0.6), `${counted[0]} pixels counted`);
      assert.deepEqual([...counted], [...single.counts()], `sample ${sample}, phase ${phase}`);
    }
  });

  it('keeps every colour when the frames have no more colours than the palette, and maps them exactly', () => {
    // The test palette's 10 colours, a dark blue-grey and a near white: 12, each a 10-pixel stripe.
    const colours: readonly Rgb[] = [...PALETTE, [17, 34, 51], [250, 250, 250]];
    const width = colours.length * 10;
    const picture = rows(width, 10, (x) => [...(colours[Math.floor(x / 10)] ?? [0, 0, 0]), 255]);
    const histogram = new ColorHistogram();
    histogram.add(picture);
    const palette = histogram.palette(16);
    assert.deepEqual([...colourSet(palette)].sort(), colours.map(([r, g, b]) => (r << 16) | (g << 8) | b).sort(), "the palette is the frames' 12 colours");
    const out = new Uint8Array(width * 10);
    new PaletteMapper(palette, -1, 'sierra2_4a').map(picture, out, width);
    for (let x = 0; x < width; x++) {
      const index = out[x] ?? -1;
      assert.deepEqual([...palette.subarray(index * 3, index * 3 + 3)], [...(colours[Math.floor(x / 10)] ?? [])], `pixel ${x} keeps its colour (no dithering noise on exact colours)`);
    }
  });

  it('merges the sparse counts of two segments into the palette of both (a parallel GIF)', () => {
    const next = random(0x5e6);
    const noise = (): RgbaRows => rows(80, 60, () => [Math.floor(next() * 256), Math.floor(next() * 64), Math.floor(next() * 256), 255]);
    const frames = [noise(), noise(), noise(), noise()];
    const whole = new ColorHistogram();
    frames.forEach((frame, i) => whole.add(frame, true, i));
    const first = new ColorHistogram();
    const second = new ColorHistogram();
    frames.forEach((frame, i) => (i < 2 ? first : second).add(frame, true, i));
    const a = first.counts();
    const b = second.counts();
    // Only the used cells travel: six numbers each and the pixel count, far below the 65^3 grid's five moments.
    assert.equal((a.length - 1) % 6, 0);
    assert.ok(a.length < 65 ** 3, `${a.length} numbers for two frames of 4800 pixels`);
    const merged = new ColorHistogram();
    merged.merge(a);
    merged.merge(b);
    assert.deepEqual([...merged.palette(255)], [...whole.palette(255)], 'the merged counts cut the palette of all four frames');
    assert.throws(() => merged.merge(a.subarray(0, a.length - 1)), RangeError);
    const outside = Float64Array.from(a);
    outside[1] = 65 ** 3;
    assert.throws(() => merged.merge(outside), /outside the grid/);
  });

  it("cuts the cells as Wu's quantizer does on the whole grid (the same boxes, the first axis on a tie)", () => {
    const next = random(0x3a7);
    const value = (): number => Math.floor(next() * 256);
    // Light noise with a few heavy colours (flat content's large areas), which cut unevenly.
    const mixed: [number, number, number, number][] = Array.from({ length: 400 }, () => [value(), value(), value(), 1 + Math.floor(next() * 5)]);
    for (let k = 0; k < 6; k++) mixed.push([value(), value(), value(), 5000 + k * 700]);
    // A set symmetric in red and green: every cut on red ties with one on green.
    const mirrored: [number, number, number, number][] = [];
    for (let k = 0; k < 60; k++) {
      const [a, b, c, n] = [value(), value(), value(), 1 + Math.floor(next() * 9)];
      mirrored.push([a, b, c, n], [b, a, c, n]);
    }
    // Fewer cells than colours: every cell its own box.
    const few: [number, number, number, number][] = [[0, 0, 0, 3], [255, 255, 255, 1], [128, 0, 64, 2], [130, 1, 66, 7]];
    for (const [name, pixels] of [['mixed', mixed], ['mirrored', mirrored], ['few', few]] as const) {
      const cells = gridCells(pixels);
      for (const colors of [2, 7, 32, 255]) {
        const got = [...wuCut(cells, colors)];
        assert.deepEqual(got, wuReference(cells, colors, 64), `${name} into ${colors}`);
        assert.equal(got.length / 3, Math.min(colors, cells.w.length), `${name} into ${colors}: a box a colour, as long as there are cells to cut`);
      }
    }
  });

  it("cuts a frame's exact colours as Wu's quantizer does (a local palette: every value of a channel a level)", () => {
    const next = random(0x10ca1);
    const value = (): number => Math.floor(next() * 256);
    // Distinct colours, most light, a few heavy (a UI frame's large flat areas), some sharing a channel's value.
    const seen = new Set<number>();
    const colours: [number, number, number, number][] = [];
    while (colours.length < 600) {
      const c: [number, number, number, number] = next() < 0.3 && colours.length > 0 ? [colours[colours.length - 1]![0], value(), value(), 1] : [value(), value(), value(), 1];
      c[3] = next() < 0.02 ? 2000 + Math.floor(next() * 5000) : 1 + Math.floor(next() * 40);
      const key = (c[0] << 16) | (c[1] << 8) | c[2];
      if (seen.has(key)) continue;
      seen.add(key);
      colours.push(c);
    }
    // Mirrored in red and green: ties between the two axes.
    const mirrored: [number, number, number, number][] = [];
    for (let k = 0; k < 50; k++) {
      const [a, b, c, n] = [value(), value(), value(), 1 + Math.floor(next() * 9)];
      if (a !== b) mirrored.push([a, b, c, n], [b, a, c, n]);
    }
    for (const [name, set] of [['mixed', colours], ['mirrored', mirrored]] as const) {
      const cells: GridCells = {
        levels: Uint8Array.from(set.flatMap((c) => [c[0], c[1], c[2]])),
        w: Float64Array.from(set, (c) => c[3]),
        r: Float64Array.from(set, (c) => c[0] * c[3]),
        g: Float64Array.from(set, (c) => c[1] * c[3]),
        b: Float64Array.from(set, (c) => c[2] * c[3]),
        q: Float64Array.from(set, (c) => (c[0] ** 2 + c[1] ** 2 + c[2] ** 2) * c[3]),
      };
      for (const colors of [2, 9, 64, 255]) {
        const got = [...wuCut(cells, colors, 256)];
        assert.deepEqual(got, wuReference(cells, colors, 255), `${name} into ${colors}`);
        // Every box holds distinct colours, so it can be cut while there are fewer than asked: the
        // frame's own palette has min(colours, asked) entries, which its early rejection relies on.
        assert.equal(got.length / 3, Math.min(colors, set.length), `${name} into ${colors}: as many entries as asked, or a colour each`);
      }
    }
  });

  it('keeps its counts through a palette: the same palette twice, and another size after it', () => {
    const next = random(0xc0de);
    const noise = (): RgbaRows => rows(80, 60, () => [Math.floor(next() * 256), Math.floor(next() * 256), Math.floor(next() * 256), 255]);
    const histogram = new ColorHistogram();
    [noise(), noise()].forEach((frame) => histogram.add(frame));
    const counts = histogram.counts();
    const first = histogram.palette(255);
    // A palette reads the counts and leaves them as they were.
    assert.deepEqual([...histogram.counts()], [...counts], 'the counts after a palette are the counts before it');
    assert.deepEqual([...histogram.palette(255)], [...first], 'the same palette again');
    const fresh = new ColorHistogram();
    fresh.merge(counts);
    assert.deepEqual([...histogram.palette(16)], [...fresh.palette(16)], 'a smaller palette after it, as from fresh counts');
  });

  it('finds the nearest entry in RGB, the lowest index on a tie, as a full search does (both searches)', () => {
    const next = random(7);
    const spread = Uint8Array.from({ length: 256 * 3 }, () => Math.floor(next() * 256));
    spread.set([10, 10, 10, 10, 10, 10], 0); // a duplicate: the tie goes to index 0
    // Few entries far apart, and many packed in a corner: the candidate lists of cells and of
    // their parents (4x4x4 cells) then differ most from the whole palette.
    const few = Uint8Array.from([0, 0, 0, 255, 255, 255, 250, 3, 7]);
    const packed = Uint8Array.from({ length: 60 * 3 }, () => 100 + Math.floor(next() * 24));
    // Six entries 8 away from (128, 128, 128) on each side of each axis, after others: every
    // colour near the centre has ties, some between entries of the same red.
    const sides = Uint8Array.from([5, 5, 5, 128, 136, 128, 136, 128, 128, 128, 128, 120, 120, 128, 128, 128, 120, 128, 128, 128, 136, 250, 250, 250]);
    const searches = ['cells', 'sorted'] as const;
    for (const [palette, search] of [spread, few, packed, sides].flatMap((p) => searches.map((s) => [p, s] as const))) {
      const colors = palette.length / 3;
      const mapper = new PaletteMapper(palette, -1, 'none', undefined, undefined, search);
      for (let n = 0; n < 20000; n++) {
        const [r, g, b] = [Math.floor(next() * 256), Math.floor(next() * 256), Math.floor(next() * 256)];
        let best = Infinity;
        let expected = -1;
        for (let i = 0; i < colors; i++) {
          const d = ((palette[i * 3] ?? 0) - r) ** 2 + ((palette[i * 3 + 1] ?? 0) - g) ** 2 + ((palette[i * 3 + 2] ?? 0) - b) ** 2;
          if (d < best) [best, expected] = [d, i];
        }
        assert.equal(mapper.nearest(r, g, b), expected, `${colors} colours, ${search} search: nearest of ${r},${g},${b}`);
      }
      if (palette === sides) {
        for (let r = 118; r <= 138; r++) {
          for (let g = 118; g <= 138; g++) {
            for (let b = 118; b <= 138; b++) {
              let best = Infinity;
              let expected = -1;
              for (let i = 0; i < colors; i++) {
                const d = ((palette[i * 3] ?? 0) - r) ** 2 + ((palette[i * 3 + 1] ?? 0) - g) ** 2 + ((palette[i * 3 + 2] ?? 0) - b) ** 2;
                if (d < best) [best, expected] = [d, i];
              }
              assert.equal(mapper.nearest(r, g, b), expected, `${search} search around the centre: nearest of ${r},${g},${b}`);
            }
          }
        }
        assert.equal(mapper.nearest(128, 128, 128), 1, `${search} search: six entries tie at the centre, the lowest index wins`);
      }
    }
    for (const search of searches) assert.equal(new PaletteMapper(spread, -1, 'none', undefined, undefined, search).nearest(10, 10, 10), 0, `${search} search: a tie goes to the lowest index`);
  });

  it('keeps the indices of still areas from frame to frame (only the changed rectangle is mapped again)', () => {
    const width = 64;
    const height = 48;
    const gradient = (x: number, y: number, square: boolean): [number, number, number, number] => (square ? [240, 20, 20, 255] : [x * 4, y * 5, 128 + ((x + y) % 7), 255]);
    const first = rows(width, height, (x, y) => gradient(x, y, false));
    const second = rows(width, height, (x, y) => gradient(x, y, x >= 40 && x < 48 && y >= 30 && y < 38));
    const histogram = new ColorHistogram();
    histogram.add(first);
    histogram.add(second);
    const mapper = new PaletteMapper(histogram.palette(32), -1, 'sierra2_4a');
    const a = new Uint8Array(width * height);
    const b = new Uint8Array(width * height);
    mapper.map(first, a, width);
    mapper.map(second, b, width);
    let changedOutside = 0;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (!(x >= 40 && x < 48 && y >= 30 && y < 38) && a[y * width + x] !== b[y * width + x]) changedOutside++;
    assert.equal(changedOutside, 0, 'no index outside the moved square changes, though the dithering error would spread right and down');
  });

  it('leaves transparent pixels out of the palette and maps them to the transparent slot', () => {
    const picture = rows(20, 10, (x) => (x < 10 ? [0, 255, 0, 0] : [200, 30, 30, 255]));
    const histogram = new ColorHistogram();
    histogram.add(picture);
    const palette = histogram.palette(255);
    assert.deepEqual([...palette], [200, 30, 30], 'only the opaque colour: the invisible green takes no entry');
    const out = new Uint8Array(200);
    new PaletteMapper(palette, 1, 'floyd_steinberg').map(picture, out, 20);
    assert.deepEqual([...new Set(out.subarray(0, 10))], [1], 'transparent pixels take the transparent slot');
    assert.deepEqual([...new Set(out.subarray(10, 20))], [0], 'opaque pixels their colour');
  });
});

describe('GIF colours end to end', () => {
  it("counts a still picture's every pixel over two frames: the checkerboard turns from picture to picture as they are spooled", async (t) => {
    const dir = await tempDir(t);
    // Grey, and 12 single pixels of 12 far colours, all where x + y is odd: the squares the
    // first picture's checkerboard leaves out. Two pictures the same: the second counts them.
    const dots = new Map<number, Rgb>(Array.from({ length: 12 }, (_, i) => [(4 + i * 4) * 64 + 5 + (i % 2) * 2, [i * 20, 255 - i * 20, (i * 97) % 256] as Rgb]));
    const image = paint(64, 64, (x, y) => dots.get(y * 64 + x) ?? [128, 128, 128]);
    for (const [p] of dots) assert.equal(((p % 64) + Math.floor(p / 64)) % 2, 1, 'a dot where the first checkerboard does not count');
    await writeFrames(dir, [0, 1].map((i) => ({ name: `d_${i}.png`, image })));
    await stitch(join(dir, 'd_*.png'), join(dir, 'dots.gif'), { fps: 5 });
    // 13 colours: a global table of 16 (13 and the transparent index); grey alone would be 2.
    assert.equal((await gifBlocks(join(dir, 'dots.gif'))).globalTable, 16);
  });

  it('colors N gives N colours when no pixel is transparent to a GIF (alpha 255 or 200: it gave N - 1), N - 1 and the transparent slot when one is', async (t) => {
    const dir = await tempDir(t);
    const field = (alpha: (x: number, y: number) => number) => paintRgba(96, 64, (x, y) => [(x * 5) % 256, (y * 7) % 256, (x * 3 + y * 2) % 256, alpha(x, y)]);
    const counted = async (name: string, alpha: (x: number, y: number) => number): Promise<{ colours: number; transparent: number }> => {
      const png = await writePng(join(dir, `${name}.png`), field(alpha));
      await stitch(png, join(dir, `${name}.gif`), { colors: 16 });
      const [frame] = (await readAnimation(join(dir, `${name}.gif`))).frames;
      assert.ok(frame);
      const seen = new Set<number>();
      let transparent = 0;
      for (let i = 0; i < frame.data.length; i += 4) {
        if ((frame.data[i + 3] ?? 0) === 0) transparent++;
        else seen.add(((frame.data[i] ?? 0) << 16) | ((frame.data[i + 1] ?? 0) << 8) | (frame.data[i + 2] ?? 0));
      }
      return { colours: seen.size, transparent };
    };
    // Thousands of colours in each: the palette is filled.
    assert.deepEqual(await counted('opaque', () => 255), { colours: 16, transparent: 0 }, 'an opaque RGBA picture');
    assert.deepEqual(await counted('partial', () => 200), { colours: 16, transparent: 0 }, 'alpha 200 is drawn opaque (above the threshold of 128)');
    assert.deepEqual(await counted('corner', (x, y) => (x < 8 && y < 8 ? 0 : 255)), { colours: 15, transparent: 64 }, 'a transparent corner takes a slot');
  });

  it('uses 255 entries for colours and one for transparency (frame differences, transparent pixels)', async (t) => {
    const dir = await tempDir(t);
    // Thousands of colours in a smooth field: a 256-colour palette is filled.
    const frames = Array.from({ length: 3 }, (_, n) => paint(128, 96, (x, y) => [(x * 2 + n * 9) % 256, (y * 2 + 40) % 256, (x + y * 3 + n * 20) % 256]));
    await writeFrames(dir, frames.map((image, i) => ({ name: `o_${i}.png`, image })));
    await stitch(join(dir, 'o_*.png'), join(dir, 'opaque.gif'), { fps: 5 });
    const opaque = await readAnimation(join(dir, 'opaque.gif'));
    const seen = new Set<number>();
    for (const frame of opaque.frames) for (let i = 0; i < frame.data.length; i += 4) seen.add(((frame.data[i] ?? 0) << 16) | ((frame.data[i + 1] ?? 0) << 8) | (frame.data[i + 2] ?? 0));
    // Over 4096 colours a frame: every frame takes the global palette (none of its own).
    for (const [n, image] of (await gifBlocks(join(dir, 'opaque.gif'))).images.entries()) assert.equal(image.localTable, 0, `frame ${n} uses the global palette`);
    // The 256th index is the transparent one: the GIF writer leaves unchanged pixels transparent.
    assert.equal(seen.size, 255, `an opaque GIF shows 255 colours (${seen.size})`);

    // The same frames with a transparent corner: one slot goes to transparency.
    for (const [i, image] of frames.entries()) {
      await writePng(join(dir, `a_${i}.png`), paintRgba(128, 96, (x, y) => (x < 16 && y < 16 ? [0, 0, 0, 0] : [...[0, 1, 2].map((c) => image.data[(y * 128 + x) * 3 + c] ?? 0), 255] as [number, number, number, number])));
    }
    await stitch(join(dir, 'a_*.png'), join(dir, 'alpha.gif'), { fps: 5 });
    const alpha = await readAnimation(join(dir, 'alpha.gif'));
    const visible = new Set<number>();
    for (const frame of alpha.frames) {
      for (let i = 0; i < frame.data.length; i += 4) if ((frame.data[i + 3] ?? 0) === 255) visible.add(((frame.data[i] ?? 0) << 16) | ((frame.data[i + 1] ?? 0) << 8) | (frame.data[i + 2] ?? 0));
      assert.equal(frame.data[3], 0, 'the corner is transparent');
    }
    assert.ok(visible.size <= 255 && visible.size >= 250, `an alpha GIF shows at most 255 opaque colours (${visible.size})`);
  });
});
