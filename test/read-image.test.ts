/**
 * readImage: pixels of one image at exactly the asked size, upright, in RGBA, RGB or gray,
 * each pixel checked against what the fixture shows (test/fixtures/README.md).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { isFlipbookError, readImage } from '../src/index.js';
import { paint } from './helpers/images.js';
import { writePng } from './helpers/png.js';
import { tempDir } from './helpers/temp.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

type Pixels = Awaited<ReturnType<typeof readImage>>;

function at(image: Pixels, x: number, y: number): number[] {
  const channels = { rgba: 4, rgb: 3, gray: 1 }[image.layout];
  const i = (y * image.width + x) * channels;
  return [...image.data.subarray(i, i + channels)];
}

function near(actual: number[], expected: number[], tolerance: number, label: string): void {
  const worst = Math.max(...expected.map((e, i) => Math.abs((actual[i] ?? -999) - e)));
  assert.ok(actual.length === expected.length && worst <= tolerance, `${label}: ${actual.join(',')} vs ${expected.join(',')} (allowed ${tolerance})`);
}

describe('readImage', () => {
  it('reads the quadrants at their own size in rgba, rgb and gray', async () => {
    const file = join(FIXTURES, 'png-rgba.png');
    const rgba = await readImage(file);
    assert.deepEqual([rgba.width, rgba.height, rgba.layout, rgba.data.length], [64, 48, 'rgba', 64 * 48 * 4]);
    near(at(rgba, 10, 10), [255, 0, 0, 255], 0, 'red, opaque');
    near(at(rgba, 50, 10), [0, 255, 0, 128], 1, 'green at 50%');
    near(at(rgba, 10, 40).slice(3), [0], 0, 'blue, transparent');
    // rgb and gray: transparency is drawn onto the background (black unless told).
    const rgb = await readImage(file, { layout: 'rgb', background: 'white' });
    assert.deepEqual([rgb.width, rgb.height, rgb.layout, rgb.data.length], [64, 48, 'rgb', 64 * 48 * 3]);
    near(at(rgb, 50, 10), [127, 255, 127], 2, 'green at 50% over white');
    near(at(rgb, 10, 40), [255, 255, 255], 0, 'transparent over white');
    const gray = await readImage(join(FIXTURES, 'png-gray.png'), { layout: 'gray' });
    assert.deepEqual([gray.width, gray.height, gray.data.length], [64, 48, 64 * 48]);
    for (const [x, y, v] of [[10, 10, 32], [50, 10, 96], [10, 40, 160], [50, 40, 224]] as const) near(at(gray, x, y), [v], 0, `grey quadrant at ${x},${y}`);
  });

  it('applies EXIF orientation: the 64x48 stored JPEG with orientation 6 reads 48x64, red over blue', async () => {
    const image = await readImage(join(FIXTURES, 'jpeg-exif-orientation-6.jpg'), { layout: 'rgb' });
    assert.deepEqual([image.width, image.height], [48, 64]);
    near(at(image, 24, 10), [255, 0, 0], 6, 'top half');
    near(at(image, 24, 54), [0, 0, 255], 6, 'bottom half');
    // One side given: the other follows the upright aspect ratio (48x64 -> 24x32).
    const half = await readImage(join(FIXTURES, 'jpeg-exif-orientation-6.jpg'), { width: 24 });
    assert.deepEqual([half.width, half.height, half.data.length], [24, 32, 24 * 32 * 4]);
  });

  it('gives exactly the asked size with both sides, for each fit', async (t) => {
    // 80x40 (2:1): left half red, right half blue; asked for 51x51 (odd, square).
    const file = await writePng(join(await tempDir(t), 'wide.png'), paint(80, 40, (x) => (x < 40 ? [255, 0, 0] : [0, 0, 255])));
    const contain = await readImage(file, { width: 51, height: 51, fit: 'contain', layout: 'rgb', background: '#00ff00' });
    assert.deepEqual([contain.width, contain.height, contain.data.length], [51, 51, 51 * 51 * 3]);
    near(at(contain, 25, 2), [0, 255, 0], 0, 'contain: bar above (background)');
    near(at(contain, 25, 48), [0, 255, 0], 0, 'contain: bar below');
    near(at(contain, 5, 25), [255, 0, 0], 2, 'contain: picture, left');
    near(at(contain, 45, 25), [0, 0, 255], 2, 'contain: picture, right');
    const transparent = await readImage(file, { width: 51, height: 51 });
    near(at(transparent, 25, 2).slice(3), [0], 0, 'contain in rgba: the bars are transparent');
    near(at(transparent, 5, 25), [255, 0, 0, 255], 2, 'contain in rgba: picture opaque');
    const cover = await readImage(file, { width: 51, height: 51, fit: 'cover', layout: 'rgb' });
    assert.deepEqual([cover.width, cover.height], [51, 51]);
    // Cropped at the centre: the middle 40 columns of 80, so the colour changes at x = 25.5.
    near(at(cover, 0, 0), [255, 0, 0], 2, 'cover: left edge red (no bar)');
    near(at(cover, 50, 50), [0, 0, 255], 2, 'cover: right edge blue (no bar)');
    near(at(cover, 20, 25), [255, 0, 0], 2, 'cover: red up to the middle');
    near(at(cover, 31, 25), [0, 0, 255], 2, 'cover: blue past the middle');
    const fill = await readImage(file, { width: 51, height: 51, fit: 'fill', layout: 'gray' });
    assert.deepEqual([fill.width, fill.height, fill.data.length], [51, 51, 51 * 51]);
    near(at(fill, 0, 0), [76], 2, 'fill: red to gray (BT.601 luma) at the corner, no bar');
    near(at(fill, 50, 50), [29], 2, 'fill: blue to gray at the far corner');
  });

  it('refuses bad options before reading, and names the option', async () => {
    const file = join(FIXTURES, 'png-rgba.png');
    for (const [options, option] of [
      [{ fit: 'error' }, 'fit'],
      [{ layout: 'bgr' }, 'layout'],
      [{ width: 0 }, 'width'],
      [{ height: 1.5 }, 'height'],
      [{ background: 'not-a-colour' }, 'background'],
    ] as const) {
      await assert.rejects(readImage(file, options as never), (e: unknown) => isFlipbookError(e) && e.code === 'INVALID_OPTION' && e.option === option, `option ${option}`);
    }
    await assert.rejects(readImage(join(FIXTURES, 'corrupt.png')), (e: unknown) => isFlipbookError(e) && e.code === 'INVALID_INPUT', 'corrupt file');
    await assert.rejects(readImage(file, { limitPixels: 1000 }), (e: unknown) => isFlipbookError(e) && e.code === 'PIXEL_LIMIT', 'pixel limit');
    // A missing file is said as one, not as ENOENT.
    const missing = join(FIXTURES, 'nonexist.png');
    await assert.rejects(readImage(missing), { code: 'INVALID_INPUT', message: `Cannot open ${missing}: no such file. Check the path` });
  });
});
