/**
 * What images flipbook reads and how they come out: every format and flavour of the fixtures,
 * alpha, EXIF orientation, CMYK, mixed sizes under each fit mode, odd sizes, broken files and
 * the pixel limit. Outputs are decoded and their colours checked where the pictures put them.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';

import { type FlipbookError, planStitch, stitch } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { frameColourIndices, writeFrames } from './helpers/frames.js';
import { GREY_QUADRANTS, IMAGE_FIXTURES, QUADRANTS, type QuadrantColours, fixture } from './helpers/fixtures.js';
import { type Rgb, paint, solid } from './helpers/images.js';
import { encodePng16, pngHeader, writePng } from './helpers/png.js';
import { leftoverParts, listDir, tempDir } from './helpers/temp.js';
import { type ReadBack, assertColour, assertH264, colourIn, meanColour, meanPsnr, quadrants, readVideo } from './helpers/video.js';

const FAST = { preset: 'ultrafast' } as const;
const RED: Rgb = [255, 0, 0];
const BLUE: Rgb = [0, 0, 255];
const WHITE: Rgb = [255, 255, 255];

/** Stitches one image into a one-frame video and reads it back. */
async function stitchOne(t: Parameters<typeof tempDir>[0], file: string, options: Parameters<typeof stitch>[2] = {}): Promise<ReadBack> {
  const dir = await tempDir(t);
  const out = join(dir, `${basename(file)}.mp4`);
  await stitch([file], out, { ...FAST, ...options });
  return readVideo(out);
}

function assertQuadrants(back: ReadBack, colours: QuadrantColours, label: string): void {
  const frame = back.frames[0];
  assert.ok(frame, 'one frame');
  const q = quadrants(frame.width, frame.height);
  for (const key of ['tl', 'tr', 'bl', 'br'] as const) assertColour(colourIn(frame, q[key]), colours[key], `${label}, ${key} quadrant`);
}

describe('images: every format decodes', () => {
  for (const f of IMAGE_FIXTURES) {
    it(`${f.what} (${f.name})`, async (t) => {
      const back = await stitchOne(t, fixture(f.name));
      assertH264(back, { width: f.width, height: f.height, frames: 1, duration: 0.04 });
      assertQuadrants(back, f.colours, f.name);
    });
  }

  it('a picture of every format in one video, in order', async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, 'all.mp4');
    const result = await stitch(
      IMAGE_FIXTURES.map((f) => fixture(f.name)),
      out,
      FAST,
    );
    assert.equal(result.fitted, 0);
    const back = await readVideo(out);
    assertH264(back, { width: 64, height: 48, frames: IMAGE_FIXTURES.length, duration: IMAGE_FIXTURES.length / 25 });
    back.frames.forEach((frame, i) => {
      const f = IMAGE_FIXTURES[i];
      assert.ok(f);
      assertColour(colourIn(frame, quadrants(64, 48).tl), f.colours.tl, `frame ${i} (${f.name}) top left`);
    });
  });

  it('16-bit PNG: a smooth 16-bit picture comes out within 35 dB of it (default settings)', async (t) => {
    const dir = await tempDir(t);
    const width = 128;
    const height = 96;
    // Gradients with 16-bit precision; the 8-bit reference is each sample rounded to 8 bits.
    const samples = new Uint16Array(width * height * 3);
    const reference = new Uint8Array(samples.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const values = [(x / (width - 1)) * 0.8 + 0.1, (y / (height - 1)) * 0.8 + 0.1, 0.5 + 0.35 * Math.sin((x + y) / 12)];
        values.forEach((v, c) => {
          const i = (y * width + x) * 3 + c;
          samples[i] = Math.round(v * 65535);
          reference[i] = Math.round(v * 255);
        });
      }
    }
    const file = join(dir, 'deep.png');
    await writeFile(file, encodePng16(width, height, 3, samples));
    const back = await stitchOne(t, file, { preset: undefined });
    assertH264(back, { width, height, frames: 1, duration: 0.04 });
    const db = meanPsnr(back.frames, [{ width, height, channels: 3, data: reference }]);
    assert.ok(db >= 35, `PSNR ${db.toFixed(2)} dB`);
  });

  it('a JPEG is converted from full-range BT.601 and tagged BT.709 limited range', async (t) => {
    const back = await stitchOne(t, fixture('jpeg-gray.jpg'));
    assertH264(back, { width: 64, height: 48, frames: 1, duration: 0.04 });
    // Full-range greys passed through as limited range would come out stretched (32 -> 19).
    assertQuadrants(back, GREY_QUADRANTS, 'jpeg-gray.jpg');
  });
});

describe('images: alpha', () => {
  it('RGBA with partial alpha is flattened onto the background colour', async (t) => {
    const back = await stitchOne(t, fixture('png-rgba.png'), { background: 'white' });
    // Opaque red; green at 50% over white; transparent blue shows white; opaque white.
    assertQuadrants(back, { tl: RED, tr: [128, 255, 128], bl: WHITE, br: WHITE }, 'png-rgba.png on white');
  });

  it('a palette PNG transparent entry shows the background', async (t) => {
    const back = await stitchOne(t, fixture('png-palette-transparent.png'), { background: '#00ffff' });
    assertQuadrants(back, { ...QUADRANTS, br: [0, 255, 255] }, 'png-palette-transparent.png on cyan');
  });

  it('RGBA frames among opaque ones, each after another shape: every frame keeps its own picture', async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, 'mixed-alpha.mp4');
    const files = ['png-interlaced.png', 'png-rgba.png', 'jpeg-baseline.jpg', 'png-rgba.png', 'png-palette-transparent.png'];
    await stitch(
      files.map((f) => fixture(f)),
      out,
      { ...FAST, background: '#ffff00' },
    );
    const back = await readVideo(out);
    assertH264(back, { width: 64, height: 48, frames: 5, duration: 0.2 });
    const onYellow: QuadrantColours = { tl: RED, tr: [128, 255, 0], bl: [255, 255, 0], br: WHITE };
    const expected = [QUADRANTS, onYellow, QUADRANTS, onYellow, { ...QUADRANTS, br: [255, 255, 0] as Rgb }];
    back.frames.forEach((frame, i) => assertQuadrants({ ...back, frames: [frame] }, expected[i] ?? QUADRANTS, `frame ${i + 1} (${files[i]})`));
  });
});

describe('images: EXIF orientation and CMYK', () => {
  it('a JPEG with orientation 6, stored landscape, comes out upright (portrait, red on top)', async (t) => {
    const file = fixture('jpeg-exif-orientation-6.jpg');
    const dir = await tempDir(t);
    const plan = await planStitch([file], join(dir, 'o.mp4'));
    assert.deepEqual([plan.width, plan.height, plan.images[0]?.orientation], [48, 64, 6]);
    const back = await stitchOne(t, file);
    assertH264(back, { width: 48, height: 64, frames: 1, duration: 0.04 });
    const frame = back.frames[0];
    assert.ok(frame);
    assertColour(colourIn(frame, { x: 0, y: 0, width: 48, height: 32 }), RED, 'top half');
    assertColour(colourIn(frame, { x: 0, y: 32, width: 48, height: 32 }), BLUE, 'bottom half');
  });

  it('CMYK JPEG comes out in its colours, not inverted', async (t) => {
    const back = await stitchOne(t, fixture('jpeg-cmyk.jpg'));
    assertH264(back, { width: 64, height: 48, frames: 1, duration: 0.04 });
    assertQuadrants(back, QUADRANTS, 'jpeg-cmyk.jpg');
  });
});

describe('images: mixed sizes', () => {
  /** 128x48: blue quarter, red half, blue quarter. */
  const wide = paint(128, 48, (x) => (x < 32 || x >= 96 ? BLUE : RED));
  /** 32x48, red: narrower than the frame at the same height. */
  const tall = solid(32, 48, RED);
  const grey = solid(64, 48, [128, 128, 128]);
  const YELLOW: Rgb = [255, 255, 0];

  async function mixed(t: Parameters<typeof tempDir>[0], fit: 'contain' | 'cover' | 'fill' | 'error'): Promise<{ back: ReadBack; fitted: number; warnings: string[] }> {
    const dir = await tempDir(t);
    const files = await writeFrames(dir, [
      { name: '1-first.png', image: grey },
      { name: '2-wide.png', image: wide },
      { name: '3-tall.png', image: tall },
    ]);
    const out = join(dir, `${fit}.mp4`);
    const result = await stitch(files, out, { ...FAST, fit, background: 'yellow' });
    const back = await readVideo(out);
    assertH264(back, { width: 64, height: 48, frames: 3, duration: 0.12 });
    return { back, fitted: result.fitted, warnings: result.warnings };
  }

  it('contain: letterbox and pillarbox bars in the background colour, the picture whole', async (t) => {
    const { back, fitted, warnings } = await mixed(t, 'contain');
    assert.equal(fitted, 2);
    assert.ok(warnings.some((w) => w.startsWith("Fitted 2 of 3 images to 64x48 (fit: 'contain')")), warnings.join(' | '));
    const [, w, h] = back.frames;
    assert.ok(w && h);
    // wide 128x48 -> 64x24 in rows 12 to 35: bars above and below.
    assertColour(meanColour(w, { x: 0, y: 0, width: 64, height: 10 }), YELLOW, 'top bar');
    assertColour(meanColour(w, { x: 0, y: 38, width: 64, height: 10 }), YELLOW, 'bottom bar');
    assertColour(meanColour(w, { x: 20, y: 16, width: 24, height: 16 }), RED, 'middle of the picture');
    assertColour(meanColour(w, { x: 2, y: 16, width: 10, height: 16 }), BLUE, 'left quarter of the picture');
    // tall 32x48 stays 32x48 in columns 16 to 47: bars left and right.
    assertColour(meanColour(h, { x: 0, y: 0, width: 14, height: 48 }), YELLOW, 'left bar');
    assertColour(meanColour(h, { x: 50, y: 0, width: 14, height: 48 }), YELLOW, 'right bar');
    assertColour(meanColour(h, { x: 20, y: 4, width: 24, height: 40 }), RED, 'the tall picture');
  });

  it('cover: fills the frame and crops the middle, no bars', async (t) => {
    const { back, fitted } = await mixed(t, 'cover');
    assert.equal(fitted, 2);
    const [, w, h] = back.frames;
    assert.ok(w && h);
    // wide: the middle 64 columns of 128 are all red.
    assertColour(colourIn(w, { x: 0, y: 0, width: 64, height: 48 }, 2), RED, 'wide, cropped to its red middle');
    assertColour(meanColour(w, { x: 0, y: 0, width: 64, height: 4 }), RED, 'wide, top rows (no bar)');
    // tall: scaled to 64x96, the middle 48 rows kept: all red.
    assertColour(meanColour(h, { x: 0, y: 0, width: 8, height: 48 }), RED, 'tall, left columns (no bar)');
  });

  it('fill: stretches to the frame', async (t) => {
    const { back, fitted } = await mixed(t, 'fill');
    assert.equal(fitted, 2);
    const [, w, h] = back.frames;
    assert.ok(w && h);
    // wide squeezed to 64x48: blue 0-15, red 16-47, blue 48-63, full height.
    assertColour(meanColour(w, { x: 2, y: 2, width: 10, height: 44 }), BLUE, 'wide, left quarter');
    assertColour(meanColour(w, { x: 20, y: 0, width: 24, height: 6 }), RED, 'wide, top rows (no bar)');
    assertColour(meanColour(w, { x: 52, y: 2, width: 10, height: 44 }), BLUE, 'wide, right quarter');
    assertColour(meanColour(h, { x: 0, y: 0, width: 8, height: 48 }), RED, 'tall, stretched to the left edge');
  });

  it('error: SIZE_MISMATCH naming the first file of another size and its position, nothing written', async (t) => {
    const dir = await tempDir(t);
    const files = await writeFrames(dir, [
      { name: '1-first.png', image: grey },
      { name: '2-wide.png', image: wide },
      { name: '3-tall.png', image: tall },
    ]);
    const out = join(dir, 'error.mp4');
    await assert.rejects(stitch(files, out, { ...FAST, fit: 'error' }), (error: FlipbookError) => {
      assert.equal(error.code, 'SIZE_MISMATCH');
      assert.equal(error.file, files[1]);
      assert.equal(error.position, 2);
      assert.ok(error.message.includes(`${files[1]} (input 2) is 128x48, not 64x48`), error.message);
      assert.ok(error.message.includes('2 of 3 images differ'), error.message);
      assert.equal(error.hint, "Give pictures of 64x48, pass fit: 'contain', 'cover' or 'fill' to fit them, or pass size to choose the frame size");
      return true;
    });
    assert.equal(existsSync(out), false);
    assert.deepEqual(await leftoverParts(dir), []);
    // The command names the flags.
    const cli = await runCli(['stitch', ...files, '-o', out, '--fit', 'error']);
    assert.equal(cli.code, 1);
    assert.equal(
      cli.stderr,
      `flipbook: error: ${files[1]} (input 2) is 128x48, not 64x48 like the video; 2 of 3 images differ. Give pictures of 64x48, pass --fit contain|cover|fill to fit them, or pass --size to choose the frame size\n`,
    );
  });

  it('size: every image fitted to the size asked; width alone keeps the aspect ratio', async (t) => {
    const dir = await tempDir(t);
    const files = await writeFrames(dir, [
      { name: '1-first.png', image: grey },
      { name: '2-wide.png', image: wide },
    ]);
    const sized = join(dir, 'sized.mp4');
    const result = await stitch(files, sized, { ...FAST, size: '96x64' });
    assert.equal(result.fitted, 2);
    assertH264(await readVideo(sized), { width: 96, height: 64, frames: 2, duration: 0.08 });
    const narrow = join(dir, 'narrow.mp4');
    await stitch(files, narrow, { ...FAST, width: 32 });
    assertH264(await readVideo(narrow), { width: 32, height: 24, frames: 2, duration: 0.08 });
  });
});

describe('images: odd size', () => {
  it('63x47 is padded to 64x48 with the background, said once', async (t) => {
    const dir = await tempDir(t);
    const source = solid(63, 47, [100, 100, 100]);
    const files = await writeFrames(dir, [
      { name: 'a.png', image: source },
      { name: 'b.png', image: source },
    ]);
    const out = join(dir, 'odd.mp4');
    const plan = await planStitch(files, out, { background: 'white' });
    assert.deepEqual(plan.padded, { from: { width: 63, height: 47 }, to: { width: 64, height: 48 } });
    const result = await stitch(files, out, { ...FAST, background: 'white' });
    assert.deepEqual([result.width, result.height], [64, 48]);
    assert.equal(result.warnings.filter((w) => w.startsWith('Padded 63x47 to 64x48')).length, 1, result.warnings.join(' | '));
    const back = await readVideo(out);
    assertH264(back, { width: 64, height: 48, frames: 2, duration: 0.08 });
    const frame = back.frames[0];
    assert.ok(frame);
    assertColour(meanColour(frame, { x: 4, y: 4, width: 54, height: 38 }), [100, 100, 100], 'the picture', 6);
    // The added column and row: far brighter than the picture (an edge one pixel wide rings a little).
    const column = meanColour(frame, { x: 63, y: 4, width: 1, height: 40 });
    const row = meanColour(frame, { x: 4, y: 47, width: 56, height: 1 });
    assertColour(column, WHITE, 'the padded column', 40);
    assertColour(row, WHITE, 'the padded row', 40);
  });
});

describe('images: corrupt, truncated and empty files', () => {
  const BROKEN = [
    { name: 'corrupt.png', what: 'garbage bytes named .png', atPlan: true },
    { name: 'empty.png', what: 'a zero-byte file', atPlan: true },
    { name: 'truncated.png', what: 'a PNG cut at 60% (header fine)', atPlan: false },
    { name: 'truncated.jpg', what: 'a JPEG cut at 60% (header fine)', atPlan: false },
  ];

  for (const broken of BROKEN) {
    it(`${broken.what}: INVALID_INPUT naming the file and its position, no output, no temporary file`, async (t) => {
      const dir = await tempDir(t);
      const bad = join(dir, broken.name);
      await copyFile(fixture(broken.name), bad);
      const good = fixture('png-interlaced.png');
      const out = join(dir, 'out.mp4');
      if (!broken.atPlan) {
        // The header reads fine, so the failure comes mid-run, after the temporary file exists.
        const plan = await planStitch([good, bad, good], out);
        assert.equal(plan.images.length, 3);
      }
      await assert.rejects(stitch([good, bad, good], out, { ...FAST, fit: 'cover' }), (error: FlipbookError) => {
        assert.equal(error.name, 'FlipbookError');
        assert.equal(error.code, 'INVALID_INPUT', error.message);
        assert.equal(error.file, bad);
        assert.equal(error.position, 2);
        assert.ok(error.message.includes(`${bad} (input 2)`), error.message);
        assert.ok(error.message.includes('skipInvalid: true'), `says how to go on: ${error.message}`);
        return true;
      });
      assert.equal(existsSync(out), false, 'no output');
      assert.deepEqual(await listDir(dir), [broken.name], 'nothing else in the directory');
    });
  }

  it('a broken file given twice is named at the position of its first occurrence', async (t) => {
    const dir = await tempDir(t);
    const good = fixture('png-interlaced.png');
    const bad = fixture('corrupt.png');
    await assert.rejects(stitch([good, good, bad, bad], join(dir, 'o.mp4'), FAST), (error: FlipbookError) => {
      assert.equal(error.position, 3);
      assert.ok(error.message.includes(`${bad} (input 3)`), error.message);
      return true;
    });
  });

  it('skipInvalid: each is skipped with a warning and counted in result.skipped', async (t) => {
    const dir = await tempDir(t);
    const [red, green, blue] = await writeFrames(dir, [
      { name: 'red.png', image: solid(64, 48, RED) },
      { name: 'green.png', image: solid(64, 48, [0, 255, 0]) },
      { name: 'blue.png', image: solid(64, 48, BLUE) },
    ]);
    const inputs = [red, fixture('corrupt.png'), green, fixture('truncated.png'), fixture('empty.png'), fixture('truncated.jpg'), blue] as string[];
    const out = join(dir, 'skipped.mp4');
    const warnings: string[] = [];
    const result = await stitch(inputs, out, { ...FAST, fit: 'cover', skipInvalid: true, onWarning: (w) => warnings.push(w) });
    assert.equal(result.frames, 3);
    // Broken headers are found while planning, broken data while encoding: compare in input order.
    const skipped = [...result.skipped].sort((a, b) => a.position - b.position);
    assert.deepEqual(
      skipped.map((s) => [basename(s.file), s.position]),
      [
        ['corrupt.png', 2],
        ['truncated.png', 4],
        ['empty.png', 5],
        ['truncated.jpg', 6],
      ],
    );
    for (const s of result.skipped) {
      assert.ok(s.reason.includes(s.file), s.reason);
      assert.ok(
        warnings.some((w) => w.startsWith('Skipped an invalid input') && w.includes(`${s.file} (input ${s.position})`)),
        `a warning for ${s.file}: ${warnings.join(' | ')}`,
      );
    }
    assert.equal(result.duration, 3 / 25);
    const back = await readVideo(out);
    assertH264(back, { width: 64, height: 48, frames: 3, duration: 0.12 });
    assert.deepEqual(frameColourIndices(back, [RED, [0, 255, 0], BLUE]), [0, 1, 2]);
  });

  it('skipInvalid with nothing valid left is NO_INPUT and writes nothing', async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, 'none.mp4');
    await assert.rejects(stitch([fixture('corrupt.png'), fixture('empty.png')], out, { ...FAST, skipInvalid: true }), (e: FlipbookError) => e.code === 'NO_INPUT');
    await assert.rejects(stitch([fixture('truncated.png'), fixture('truncated.jpg')], out, { ...FAST, skipInvalid: true }), (e: FlipbookError) => e.code === 'NO_INPUT');
    assert.deepEqual(await listDir(dir), []);
  });

  it('a file with an image extension but another type of content is INVALID_INPUT', async (t) => {
    const dir = await tempDir(t);
    const svg = join(dir, 'drawing.png');
    await writeFile(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    await assert.rejects(stitch([svg], join(dir, 'o.mp4'), FAST), (e: FlipbookError) => e.code === 'INVALID_INPUT' && e.message.includes(svg));
  });
});

describe('images: pixel limit', () => {
  it('an image above limitPixels is PIXEL_LIMIT naming it, before anything is written', async (t) => {
    const dir = await tempDir(t);
    const [small, big] = await writeFrames(dir, [
      { name: 'small.png', image: solid(40, 30, RED) },
      { name: 'big.png', image: solid(64, 48, RED) },
    ]);
    const out = join(dir, 'new-folder', 'out.mp4');
    await assert.rejects(stitch([small, big] as string[], out, { ...FAST, limitPixels: 3071 }), (error: FlipbookError) => {
      assert.equal(error.code, 'PIXEL_LIMIT');
      assert.equal(error.file, big);
      assert.equal(error.position, 2);
      assert.ok(error.message.includes(`${big} (input 2) declares 64x48 = 3072 pixels, above the limit of 3071`), error.message);
      assert.equal(error.hint, 'Pass a larger limitPixels (or 0 for none) if you trust this file');
      return true;
    });
    const cli = await runCli(['stitch', small as string, big as string, '-o', out, '--limit-pixels', '3071']);
    assert.equal(cli.stderr, `flipbook: error: ${big} (input 2) declares 64x48 = 3072 pixels, above the limit of 3071. Pass a larger --limit-pixels (or 0 for none) if you trust this file\n`);
    assert.equal(existsSync(join(dir, 'new-folder')), false, 'not even the output folder was made');
    // At the limit is allowed.
    await stitch([small, big] as string[], out, { ...FAST, limitPixels: 3072 });
    assert.ok(existsSync(out));
  });

  it('the default limit refuses a header declaring 20000x20000 without decoding it', async (t) => {
    const dir = await tempDir(t);
    // A PNG signature and IHDR only: decoding it would fail, so PIXEL_LIMIT shows it was refused first.
    const bomb = join(dir, 'bomb.png');
    await writeFile(bomb, pngHeader(20000, 20000));
    const out = join(dir, 'out.mp4');
    await assert.rejects(stitch([bomb], out, FAST), (error: FlipbookError) => {
      assert.equal(error.code, 'PIXEL_LIMIT');
      assert.ok(error.message.includes('20000x20000 = 400000000 pixels, above the limit of 268402689'), error.message);
      return true;
    });
    assert.deepEqual(await listDir(dir), ['bomb.png']);
  });

  it('limitPixels as the command line gives it ("3k") is refused the same', async (t) => {
    const dir = await tempDir(t);
    const file = await writePng(join(dir, 'a.png'), solid(64, 48, RED));
    await assert.rejects(stitch([file], join(dir, 'o.mp4'), { limitPixels: '3k' }), (e: FlipbookError) => e.code === 'PIXEL_LIMIT' && e.message.includes('above the limit of 3000'));
  });
});
