/**
 * Contact-sheet labels name the frame shown, precisely enough that neighbouring frames never
 * share a label: tenths up to 10 fps, hundredths up to 100 fps, milliseconds beyond. A 120 fps
 * video of numbered frames (the number drawn as bars) is sheeted one thumbnail per frame; each
 * label is read back from the sheet's pixels with the font's own glyphs and checked against
 * the frame number the thumbnail shows (its bars) and that frame's time.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { contactSheet, createWriter } from '../src/index.js';
import { GLYPHS, formatTimestamp, labelDecimals } from '../src/read/sheet-font.js';
import { frameNumber, imagePixels, syntheticFrame, tempDir } from './helpers/test-media.js';

/** The text of the label whose box starts at (x, y): glyph cells of 6x7 at scale 1, 2 px of padding. */
function readLabel(sheet: { data: Uint8Array; width: number }, x: number, y: number): string {
  let text = '';
  for (let n = 0; n < 16; n++) {
    const bits: string[] = [];
    for (let gy = 0; gy < 7; gy++) {
      let row = '';
      for (let gx = 0; gx < 5; gx++) {
        const i = ((y + 2 + gy) * sheet.width + (x + 2 + n * 6 + gx)) * 3;
        row += (sheet.data[i] ?? 0) > 200 && (sheet.data[i + 1] ?? 0) > 200 && (sheet.data[i + 2] ?? 0) > 200 ? '1' : '0';
      }
      bits.push(row);
    }
    const ch = Object.entries(GLYPHS).find(([, glyph]) => glyph.every((row, r) => row === bits[r]))?.[0];
    if (ch === undefined) break;
    text += ch;
  }
  return text;
}

describe('contact-sheet labels', () => {
  it('at 120 fps, every thumbnail of consecutive frames has its own label: the frame time shown, to the millisecond', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'fast.mp4');
    const [W, H, FPS, COUNT] = [64, 36, 120, 12];
    const writer = createWriter(video, { width: W, height: H, fps: FPS, preset: 'ultrafast', crf: 10 });
    for (let n = 0; n < COUNT; n++) await writer.write(syntheticFrame(n, W, H), { layout: 'rgb' });
    await writer.close();
    const output = join(dir, 'sheet.png');
    const result = await contactSheet(video, output, { columns: 4, every: 1 / FPS, width: 4 * 64 + 5 * 2 });
    assert.equal(result.thumbnails.length, COUNT, 'one thumbnail a frame');
    assert.equal(result.thumbHeight, 36, 'labels drawn at scale 1');
    const sheet = await imagePixels(output);
    const labels: string[] = [];
    for (const [k, thumb] of result.thumbnails.entries()) {
      // The frame shown, from its bars (the top third of the thumbnail).
      const crop = new Uint8Array(result.thumbWidth * result.thumbHeight * 3);
      for (let row = 0; row < result.thumbHeight; row++) {
        crop.set(sheet.data.subarray(((thumb.y + row) * sheet.width + thumb.x) * 3, ((thumb.y + row) * sheet.width + thumb.x + result.thumbWidth) * 3), row * result.thumbWidth * 3);
      }
      const shown = frameNumber(crop, result.thumbWidth, result.thumbHeight, 3);
      assert.equal(shown, k, `thumbnail ${k} shows frame ${k}`);
      assert.ok(Math.abs(thumb.frameTime - shown / FPS) < 1e-6, `thumbnail ${k}: frame time ${thumb.frameTime} is frame ${shown}'s`);
      // The label box: 2 px in from the thumbnail's left, 2 px up from its bottom, 11 px high.
      const label = readLabel(sheet, thumb.x + 2, thumb.y + result.thumbHeight - 11 - 2);
      const expected = `0:00.${String(Math.floor((shown * 1000) / FPS + 1e-6)).padStart(3, '0')}`;
      assert.equal(label, expected, `thumbnail ${k}: the label read from the pixels names frame ${shown}'s time`);
      assert.equal(thumb.label, label, 'the result gives the label printed');
      labels.push(label);
    }
    assert.equal(new Set(labels).size, labels.length, `neighbouring labels differ: ${labels.join(' ')}`);
  });

  it('has as many decimals as the rate needs, cut not rounded, and hours keep them', () => {
    assert.deepEqual([1, 0.5, 0.1, 1 / 25, 1001 / 30000, 1 / 60, 0.01, 1 / 120, undefined].map(labelDecimals), [1, 1, 1, 2, 2, 2, 2, 3, 1]);
    assert.equal(formatTimestamp(59.999, 2), '0:59.99', 'cut, never a later time than the frame');
    assert.equal(formatTimestamp(3 * 0.04, 2), '0:00.12', 'no floating-point step down');
    assert.equal(formatTimestamp(3723.5, 1), '1:02:03.5', 'tenths past an hour');
    assert.equal(formatTimestamp(61.25), '1:01.2', 'tenths by default');
    // At 29.97 fps every frame of the first minute has its own label at two decimals.
    const frames = Array.from({ length: 1800 }, (_, n) => formatTimestamp((n * 1001) / 30000, labelDecimals(1001 / 30000)));
    assert.equal(new Set(frames).size, frames.length, 'no two 29.97 fps frames share a label');
  });
});
