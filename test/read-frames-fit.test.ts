/**
 * readFrames with both width and height delivers exactly that size, fitted as `fit` says
 * (it used to fit inside the box and return a smaller frame: 706x563 for 751x563).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { createWriter, isFlipbookError, readFrames } from '../src/index.js';
import { paint } from './helpers/images.js';
import { tempDir } from './helpers/temp.js';

function at(data: Uint8Array, width: number, x: number, y: number): number[] {
  return [...data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
}

function near(actual: number[], expected: number[], tolerance: number, label: string): void {
  const worst = Math.max(...expected.map((e, i) => Math.abs((actual[i] ?? -999) - e)));
  assert.ok(worst <= tolerance, `${label}: ${actual.join(',')} vs ${expected.join(',')} (allowed ${tolerance})`);
}

describe('readFrames fit', () => {
  it('width and height give exactly that size: contain pads, cover crops, fill stretches', async (t) => {
    const video = join(await tempDir(t), 'wide.mp4');
    // 96x48 (2:1): left half red, right half blue; 3 frames.
    const writer = createWriter(video, { width: 96, height: 48, fps: 10, crf: 10 });
    for (let i = 0; i < 3; i++) await writer.write({ ...paint(96, 48, (x) => (x < 48 ? [230, 20, 20] : [20, 20, 230])), layout: 'rgb' });
    await writer.close();
    const read = async (fit?: 'contain' | 'cover' | 'fill'): Promise<{ width: number; height: number; data: Uint8Array; count: number }> => {
      let last: { width: number; height: number; data: Uint8Array } | undefined;
      let count = 0;
      for await (const f of readFrames(video, { width: 51, height: 51, layout: 'rgb', ...(fit ? { fit } : {}) })) {
        last = f;
        count++;
      }
      assert.ok(last, 'frames were read');
      return { ...last, count };
    };
    const contain = await read();
    assert.deepEqual([contain.width, contain.height, contain.data.length, contain.count], [51, 51, 51 * 51 * 3, 3], 'default contain: the asked size');
    near(at(contain.data, 51, 25, 2), [0, 0, 0], 4, 'contain: black bar above');
    near(at(contain.data, 51, 5, 25), [230, 20, 20], 12, 'contain: picture left');
    const cover = await read('cover');
    assert.deepEqual([cover.width, cover.height], [51, 51]);
    near(at(cover.data, 51, 2, 2), [230, 20, 20], 12, 'cover: no bar, red at the top left');
    near(at(cover.data, 51, 48, 48), [20, 20, 230], 12, 'cover: blue at the bottom right');
    const fill = await read('fill');
    assert.deepEqual([fill.width, fill.height], [51, 51]);
    near(at(fill.data, 51, 2, 2), [230, 20, 20], 12, 'fill: no bar');
    // One side: the other keeps the aspect ratio, as before.
    for await (const f of readFrames(video, { width: 48 })) {
      assert.deepEqual([f.width, f.height], [48, 24], 'one side keeps the aspect ratio');
      break;
    }
  });

  it('refuses a fit it does not know, naming the option', async () => {
    assert.throws(() => readFrames('x.mp4', { fit: 'error' as never }), (e: unknown) => isFlipbookError(e) && e.option === 'fit', 'fit: error is refused');
  });
});
