/**
 * What Chromium makes of the new outputs (Debian's Chromium, headless, through playwright-core):
 * a VP9 WebM with alpha draws onto a canvas with its transparent pixels transparent and its
 * opaque pixels in their colour; AV1 in MP4 and WebM plays with the right size and colour.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';


import { stitch } from '../src/index.js';
import { alphaFrame } from './helpers/alpha.js';
import { type PageHelpers, assertPixel, chromiumSkipReason, openPage, useBrowser } from './helpers/browser.js';
import { solid } from './helpers/images.js';
import { writePng } from './helpers/png.js';

const W = 160;
const H = 120;
const RED = [200, 50, 50] as const;

/**
 * Opens `src` in a fresh video element and reads two pixels (RGBA) of frame 0 (0-0.25 s at
 * 4 fps, read at 0.125 s) drawn onto a canvas: one in the transparent left half, one opaque.
 */
const PROBE = async ({ src, points }: { src: string; points: number[][] }): Promise<Probe> => {
  const fb = (globalThis as unknown as { fb: PageHelpers }).fb;
  const video = await fb.openVideo(src);
  const read = await fb.readVideo(video, { fps: 4, frame: 0, points });
  return { width: video.videoWidth, height: video.videoHeight, duration: video.duration, timestamp: read.timestamp, left: read.pixels[0]!, right: read.pixels[1]! };
};

interface Probe {
  width: number;
  height: number;
  duration: number;
  /** The timestamp of the frame read, in microseconds. */
  timestamp: number;
  left: number[];
  right: number[];
}

describe('alpha and AV1 in headless Chromium', { skip: chromiumSkipReason() }, () => {
  const env = useBrowser('flipbook-alpha-play-', async (dir) => {
    const alpha = await Promise.all([0, 0, 0, 0].map((n, i) => writePng(join(dir, `a${i}.png`), alphaFrame(n, W, H))));
    const red = await Promise.all([0, 1, 2, 3].map((i) => writePng(join(dir, `r${i}.png`), solid(W, H, RED))));
    await stitch(alpha, join(dir, 'alpha.webm'), { fps: 4, preset: 'ultrafast' });
    await stitch(red, join(dir, 'av1.mp4'), { fps: 4, preset: 'ultrafast', codec: 'av1' });
    await stitch(red, join(dir, 'av1.webm'), { fps: 4, preset: 'ultrafast', codec: 'av1' });
    await writeFile(join(dir, 'index.html'), '<!doctype html><body></body>');
  });

  async function play(file: string): Promise<Probe> {
    const tab = await openPage(env.browser, `${env.base}/index.html`);
    try {
      const probe = await tab.evaluate(PROBE, { src: file, points: [[W / 4, H / 5], [(3 * W) / 4, H / 2]] });
      assert.equal(probe.timestamp, 0, `${file}: the frame read is frame 0`);
      return probe;
    } finally {
      await tab.close();
    }
  }

  it('VP9 with alpha: a transparent pixel is transparent, an opaque one has its colour', async () => {
    const probe = await play('alpha.webm');
    assert.deepEqual([probe.width, probe.height], [W, H]);
    assert.ok(probe.left[3] !== undefined && probe.left[3] <= 8, `transparent pixel ${probe.left.join(',')}`);
    assertPixel(probe.right, [200, 60, 40, 255], 8, 'opaque pixel');
  });

  for (const file of ['av1.mp4', 'av1.webm']) {
    it(`AV1 plays: ${file}`, async () => {
      const probe = await play(file);
      assert.deepEqual([probe.width, probe.height], [W, H]);
      assert.ok(Math.abs(probe.duration - 1) < 0.01, `duration ${probe.duration}`);
      assertPixel(probe.right, [...RED, 255], 8, 'AV1 pixel');
    });
  }
});
