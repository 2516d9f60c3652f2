/**
 * Damaged images are never encoded as if whole: every format the tests make, cut at many
 * offsets, either fails naming the file or, under skipInvalid, is skipped with a warning naming
 * it. The cases a decoder half-accepts get their own tests: a progressive JPEG whose later scans
 * are missing (it still ends with an end-of-image marker), GIFs cut at 10, 50 and 90 %, a TIFF
 * cut short (reported as truncated, not as "not an image").
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { FlipbookError, stitch } from '../src/index.js';
import { CORNERS, tiffWithOrientation } from './helpers/exif.js';
import { fixture } from './helpers/fixtures.js';
import { paint } from './helpers/images.js';
import { leftoverParts, tempDir } from './helpers/temp.js';
import { assertColour, colourIn, readVideo } from './helpers/video.js';

const FAST = { preset: 'ultrafast' } as const;

const picture = paint(64, 48, (x, y) => (y < 24 ? (x < 32 ? CORNERS.tl : CORNERS.tr) : x < 32 ? CORNERS.bl : CORNERS.br));

/** One whole file of each kind the tests make (fixtures, and an uncompressed TIFF with its directory last). */
const SOURCES: readonly { name: string; ext: string; bytes: Buffer }[] = [
  { name: 'png', ext: 'png', bytes: readFileSync(fixture('png-rgb16.png')) },
  { name: 'png-interlaced', ext: 'png', bytes: readFileSync(fixture('png-interlaced.png')) },
  { name: 'jpeg-baseline', ext: 'jpg', bytes: readFileSync(fixture('jpeg-baseline.jpg')) },
  { name: 'jpeg-progressive', ext: 'jpg', bytes: readFileSync(fixture('jpeg-progressive.jpg')) },
  { name: 'gif', ext: 'gif', bytes: readFileSync(fixture('gif-two-frames.gif')) },
  { name: 'webp', ext: 'webp', bytes: readFileSync(fixture('webp-lossless.webp')) },
  { name: 'tiff-lzw', ext: 'tif', bytes: readFileSync(fixture('tiff-rgb.tif')) },
  { name: 'tiff-ifd-last', ext: 'tif', bytes: tiffWithOrientation(picture, 1, { order: 'MM', type: 'SHORT', ifdFirst: false }) },
  { name: 'tiff-ifd-first', ext: 'tif', bytes: tiffWithOrientation(picture, 1, { order: 'II', type: 'SHORT', ifdFirst: true }) },
  { name: 'bmp', ext: 'bmp', bytes: readFileSync(fixture('bmp-rgb24.bmp')) },
];

/** Cut points: 30 spread over the file, and the last two bytes. */
function cutPoints(size: number): number[] {
  const points = new Set<number>();
  for (let i = 1; i <= 30; i++) points.add(Math.max(1, Math.floor((size * i) / 31)));
  points.add(size - 1);
  points.add(size - 2);
  return [...points].filter((n) => n > 0 && n < size).sort((a, b) => a - b);
}

/** Offsets of a JPEG's start-of-scan markers. */
function scanStarts(jpeg: Buffer): number[] {
  const starts: number[] = [];
  let p = 2;
  while (p + 4 <= jpeg.length) {
    const marker = jpeg[p + 1];
    if (marker === 0xda) {
      starts.push(p);
      // Skip the scan's data to the next marker.
      p += 2 + jpeg.readUInt16BE(p + 2);
      while (p < jpeg.length && !(jpeg[p] === 0xff && jpeg[p + 1] !== 0 && !((jpeg[p + 1] ?? 0) >= 0xd0 && (jpeg[p + 1] ?? 0) <= 0xd7))) p++;
    } else if (marker === 0xd9) {
      break;
    } else {
      p += 2 + jpeg.readUInt16BE(p + 2);
    }
  }
  return starts;
}

async function assertRefused(file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(stitch([file], `${file}.mp4`, FAST), (error: unknown) => {
    assert.ok(error instanceof FlipbookError, `a FlipbookError for ${file}, not ${String(error)}`);
    assert.equal(error.code, 'INVALID_INPUT', `code for ${file}: ${error.message}`);
    assert.equal(error.file, file, `the error's file for ${file}`);
    assert.ok(error.message.includes(file), `the message names ${file}: ${error.message}`);
    assert.match(error.message, pattern, `what is said of ${file}`);
    return true;
  });
}

describe('damaged images: the result counts what is in the video', () => {
  it('an image of another size skipped at decoding is not counted as fitted (it said "1 fitted, 1 skipped" of a one-frame video of the other)', async (t) => {
    const dir = await tempDir(t);
    const good = join(dir, 'a.png');
    const bad = join(dir, 'b.png');
    await writeFile(good, readFileSync(fixture('png-rgba.png')));
    // A truncated image of another size: its header reads, its pixels do not.
    await writeFile(bad, readFileSync(fixture('truncated.png')));
    const result = await stitch([good, bad], join(dir, 'out.mp4'), { ...FAST, skipInvalid: true });
    assert.equal(result.frames, 1);
    assert.deepEqual(result.skipped.map((s) => s.file), [bad]);
    assert.equal(result.fitted, 0, 'the one frame written was not fitted');
  });
});

describe('damaged images: truncations of every format', () => {
  for (const source of SOURCES) {
    it(`${source.name}: every cut is skipped under skipInvalid, the whole file is kept`, async (t) => {
      const dir = await tempDir(t);
      const whole = join(dir, `whole.${source.ext}`);
      await writeFile(whole, source.bytes);
      const cuts: string[] = [];
      for (const n of cutPoints(source.bytes.length)) {
        const file = join(dir, `cut-${String(n).padStart(6, '0')}.${source.ext}`);
        await writeFile(file, source.bytes.subarray(0, n));
        cuts.push(file);
      }
      const out = join(dir, 'out.mp4');
      const result = await stitch([whole, ...cuts], out, { ...FAST, skipInvalid: true });
      const skipped = result.skipped.map((s) => s.file).sort();
      assert.deepEqual(skipped, cuts, `every cut of ${source.name} (${source.bytes.length} bytes) is skipped`);
      for (const cut of cuts) assert.ok(result.warnings.some((w) => w.includes(cut)), `a warning names ${cut}`);
      const back = await readVideo(out);
      assert.equal(back.frames.length, 1, 'only the whole file is encoded');
      const frame = back.frames[0];
      assert.ok(frame, 'the whole file');
      assertColour(colourIn(frame, { x: 0, y: 0, width: 32, height: 24 }), CORNERS.tl, `${source.name}: top left of the whole file`, 40);
      assert.deepEqual(await leftoverParts(dir), [], 'no temporary file left');
    });
  }

  it('without skipInvalid, a cut at 10, 50 and 90 % of each format fails naming the file', async (t) => {
    const dir = await tempDir(t);
    for (const source of SOURCES) {
      for (const fraction of [0.1, 0.5, 0.9]) {
        const file = join(dir, `${source.name}-${fraction * 100}.${source.ext}`);
        await writeFile(file, source.bytes.subarray(0, Math.floor(source.bytes.length * fraction)));
        await assertRefused(file, /truncated|corrupt|incomplete|not an image|empty/);
      }
    }
  });
});

describe('damaged images: what a decoder half-accepts', () => {
  it('a progressive JPEG whose later scans are missing, ending with a valid end-of-image marker, is refused', async (t) => {
    const dir = await tempDir(t);
    const jpeg = readFileSync(fixture('jpeg-progressive.jpg'));
    const starts = scanStarts(jpeg);
    assert.ok(starts.length >= 3, `the fixture is progressive with several scans (${starts.length})`);
    const files: string[] = [];
    // Keep the first 1, 2, ... scans of all but the last, then an end-of-image marker.
    for (let keep = 1; keep < starts.length; keep++) {
      const file = join(dir, `first-${keep}-scans.jpg`);
      await writeFile(file, Buffer.concat([jpeg.subarray(0, starts[keep]), Buffer.from([0xff, 0xd9])]));
      files.push(file);
      await assertRefused(file, /incomplete|scan/);
    }
    // Under skipInvalid, each is skipped with a warning naming it.
    const whole = join(dir, 'whole.jpg');
    await writeFile(whole, jpeg);
    const result = await stitch([whole, ...files], join(dir, 'out.mp4'), { ...FAST, skipInvalid: true });
    assert.deepEqual(result.skipped.map((s) => s.file).sort(), [...files].sort(), 'every incomplete JPEG skipped');
    assert.equal(result.frames, 1, 'only the whole JPEG encoded');
  });

  it('a GIF cut at 10, 50 and 90 % is refused, naming the file', async (t) => {
    const dir = await tempDir(t);
    const gif = readFileSync(fixture('gif-two-frames.gif'));
    for (const fraction of [0.1, 0.5, 0.9]) {
      const file = join(dir, `cut-${fraction * 100}.gif`);
      await writeFile(file, gif.subarray(0, Math.floor(gif.length * fraction)));
      await assertRefused(file, /truncated/);
    }
  });

  it('a TIFF cut short is reported as truncated, not as "not an image"', async (t) => {
    const dir = await tempDir(t);
    for (const source of SOURCES.filter((s) => s.ext === 'tif')) {
      for (const fraction of [0.3, 0.6, 0.95]) {
        const file = join(dir, `${source.name}-${fraction * 100}.tif`);
        await writeFile(file, source.bytes.subarray(0, Math.floor(source.bytes.length * fraction)));
        await assert.rejects(stitch([file], join(dir, 'o.mp4'), FAST), (error: unknown) => {
          assert.ok(error instanceof FlipbookError, `a FlipbookError for ${file}`);
          assert.match(error.message, /truncated/, `${file}: ${error.message}`);
          assert.doesNotMatch(error.message, /not an image/, `${file}: ${error.message}`);
          return true;
        });
      }
    }
  });
});
