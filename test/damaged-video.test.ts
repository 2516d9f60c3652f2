/**
 * A video cut short whose header still declares the whole length (Matroska writes its duration
 * up front): probe reports what can really be read (frame count and duration) with a warning,
 * and the contact sheet spreads its thumbnails over that, each showing the frame of its time,
 * never the last frame again under later labels.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { contactSheet, probe } from '../src/index.js';
import { frameNumber, imagePixels, stitchedVideo, tempDir } from './helpers/test-media.js';

const W = 160;
const H = 96;
const FPS = 12;
const FRAMES = 96; // 8 s

async function cutInHalf(dir: string): Promise<{ whole: string; half: string }> {
  const whole = join(dir, 'whole.mkv');
  await stitchedVideo(dir, whole, FRAMES, W, H, { fps: FPS });
  const bytes = await readFile(whole);
  const half = join(dir, 'half.mkv');
  await writeFile(half, bytes.subarray(0, Math.floor(bytes.length / 2)));
  return { whole, half };
}

describe('a Matroska file cut in half', () => {
  test('probe: the frames and duration that can be read, and a warning; the whole file has none', async (t) => {
    const dir = await tempDir(t);
    const { whole, half } = await cutInHalf(dir);
    const full = await probe(whole);
    assert.equal(full.video?.frames, FRAMES, 'whole: frame count');
    assert.ok(Math.abs((full.duration ?? 0) - FRAMES / FPS) < 0.01, `whole: duration ${full.duration}`);
    assert.deepEqual(full.warnings, [], 'whole: no warning');

    const cut = await probe(half);
    const frames = cut.video?.frames ?? 0;
    assert.ok(frames > 20 && frames < 80, `cut: ${frames} frames counted`);
    // What can be read: the counted frames at 12 fps, to a frame.
    for (const [what, seconds] of [['container', cut.duration], ['stream', cut.video?.duration]] as const) {
      assert.ok(seconds !== undefined && Math.abs(seconds - frames / FPS) <= 1 / FPS + 1e-6, `cut: ${what} duration ${seconds} for ${frames} frames`);
    }
    assert.equal(cut.warnings.length, 1, cut.warnings.join(' | '));
    assert.match(cut.warnings[0] ?? '', /half\.mkv is cut short: its frames end at [\d.]+ s but its header says 8\.0\d\d s/);
  });

  test('sheet: every thumbnail shows the frame of its time, spread over what can be read, with a warning', async (t) => {
    const dir = await tempDir(t);
    const { half } = await cutInHalf(dir);
    const readable = (await probe(half)).video?.frames ?? 0;
    const warnings: string[] = [];
    const out = join(dir, 'sheet.png');
    const result = await contactSheet(half, out, { columns: 4, rows: 2, width: 4 * 160 + 5 * 4, onWarning: (w) => warnings.push(w) });
    assert.equal(result.thumbnails.length, 8);
    assert.equal(warnings.length, 1, warnings.join(' | '));
    assert.match(warnings[0] ?? '', /is cut short/);
    const sheet = await imagePixels(out);
    const numbers: number[] = [];
    for (const thumb of result.thumbnails) {
      assert.ok(thumb.time < readable / FPS, `thumbnail at ${thumb.time} s lies within the ${readable / FPS} s that can be read`);
      const crop = new Uint8Array(result.thumbWidth * result.thumbHeight * 3);
      for (let row = 0; row < result.thumbHeight; row++) {
        const from = ((thumb.y + row) * sheet.width + thumb.x) * 3;
        crop.set(sheet.data.subarray(from, from + result.thumbWidth * 3), row * result.thumbWidth * 3);
      }
      const n = frameNumber(crop, result.thumbWidth, result.thumbHeight, 3);
      numbers.push(n);
      assert.equal(n, Math.floor(thumb.time * FPS + 1e-9), `thumbnail at ${thumb.time.toFixed(3)} s shows frame ${n}`);
    }
    assert.equal(new Set(numbers).size, numbers.length, `eight different frames: ${numbers.join(', ')}`);
  });
});
