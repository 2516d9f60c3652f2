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
import { assertPixel, chromiumSkipReason, useBrowser } from './helpers/browser.js';
import { solid } from './helpers/images.js';
import { writePng } from './helpers/png.js';

const W = 160;
const H = 120;
const RED = [200, 50, 50] as const;

/** Plays the page's video to its first frame and reads two pixels (RGBA) off a canvas it is drawn on. */
const PROBE = `(async () => {
  const video = document.querySelector('video');
  if (video.readyState < 3) await new Promise((ok, fail) => { video.addEventListener('canplay', ok, { once: true }); video.addEventListener('error', () => fail(new Error('media error ' + (video.error && video.error.code) + ' ' + (video.error && video.error.message))), { once: true }); });
  video.pause();
  await new Promise((ok) => { video.addEventListener('seeked', ok, { once: true }); video.currentTime = 0.1; });
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  const at = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data);
  // Under load the decoded frame can reach the canvas a few animation frames after seeked.
  for (let tries = 0; tries < 100; tries++) {
    g.clearRect(0, 0, canvas.width, canvas.height);
    g.drawImage(video, 0, 0);
    if (at(${(3 * W) / 4}, ${H / 2})[3] > 0) break;
    await new Promise((ok) => requestAnimationFrame(ok));
  }
  return { width: video.videoWidth, height: video.videoHeight, duration: video.duration, left: at(${W / 4}, ${H / 5}), right: at(${(3 * W) / 4}, ${H / 2}) };
})()`;

interface Probe {
  width: number;
  height: number;
  duration: number;
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
  });

  async function play(file: string): Promise<Probe> {
    const page = `${file}.html`;
    await writeFile(join(env.dir, page), `<!doctype html><html><body><video src="${file}" muted playsinline></video></body></html>`);
    const tab = await env.browser.newPage();
    try {
      await tab.goto(`${env.base}/${page}`);
      return (await tab.evaluate(PROBE)) as Probe;
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
