/**
 * flipbook's GIF, animated WebP and APNG play in a real browser (Debian's Chromium, headless,
 * through playwright-core): the image loads at its size, WebCodecs' ImageDecoder counts its
 * frames and their total duration, and a pixel drawn to a canvas has the source colour
 * (for the alpha outputs, a transparent pixel too); a GIF with frame differences over
 * transparency (frames kept and frames cleared) shows every frame's pixels as the source.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';


import { stitch } from '../src/index.js';
import { paintRgba } from './helpers/animation.js';
import { assertPixel, chromiumSkipReason, useBrowser } from './helpers/browser.js';
import { SPRITE_SCENE } from './helpers/gif-blocks.js';
import { writePng } from './helpers/png.js';

const skip = chromiumSkipReason();
const MIME: Record<string, string> = { gif: 'image/gif', webp: 'image/webp', apng: 'image/png' };
const COLOURS = [
  [200, 50, 50],
  [40, 180, 70],
  [50, 70, 200],
] as const;

/** Loads the page's image, counts its frames with ImageDecoder, and reads the first frame's pixels at two points. */
const PROBE = `(async () => {
  const img = document.querySelector('img');
  if (!img.complete) await new Promise((ok, fail) => { img.onload = ok; img.onerror = () => fail(new Error('image error')); });
  if (!img.naturalWidth) throw new Error('image did not decode');
  const decoder = new ImageDecoder({ data: (await fetch(img.src)).body, type: img.dataset.type });
  await decoder.tracks.ready;
  await decoder.completed;
  const track = decoder.tracks.selectedTrack;
  let micros = 0;
  const first = (await decoder.decode({ frameIndex: 0 })).image;
  for (let i = 0; i < track.frameCount; i++) micros += (await decoder.decode({ frameIndex: i })).image.duration;
  const canvas = document.createElement('canvas');
  canvas.width = first.displayWidth; canvas.height = first.displayHeight;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  g.drawImage(first, 0, 0);
  const at = (x, y) => Array.from(g.getImageData(x, y, 1, 1).data);
  return { width: img.naturalWidth, height: img.naturalHeight, frames: track.frameCount, animated: track.animated, repetitionCount: track.repetitionCount, duration: micros / 1e6, opaque: at(48, 24), clear: at(8, 24) };
})()`;

interface Probe {
  width: number;
  height: number;
  frames: number;
  animated: boolean;
  repetitionCount: number;
  duration: number;
  opaque: number[];
  clear: number[];
}

describe('GIF, WebP and APNG play in headless Chromium', { skip }, () => {
  const env = useBrowser('flipbook-anim-play-', async (dir) => {
    // Left quarter transparent, the rest one colour a frame.
    await Promise.all(COLOURS.map((c, i) => writePng(join(dir, `f${i}.png`), paintRgba(64, 48, (x) => (x < 16 ? [0, 0, 0, 0] : [c[0], c[1], c[2], 255])))));
  });

  for (const ext of ['gif', 'webp', 'apng']) {
    it(`plays the ${ext.toUpperCase()}: size, frames, duration, colour and transparency`, async () => {
      const out = join(env.dir, `anim.${ext}`);
      await stitch(join(env.dir, 'f*.png'), out, { fps: 4, overwrite: true, loop: 0, ...(ext === 'webp' ? { lossless: true } : {}) });
      await writeFile(join(env.dir, `${ext}.html`), `<!doctype html><img data-type="${MIME[ext]}" src="anim.${ext}">`);
      const page = await env.browser.newPage();
      try {
        await page.goto(`${env.base}/${ext}.html`);
        const probe = (await page.evaluate(PROBE)) as Probe;
        assert.deepEqual([probe.width, probe.height], [64, 48]);
        assert.equal(probe.frames, 3);
        assert.equal(probe.animated, true);
        assert.equal(probe.repetitionCount, Infinity, 'loops forever');
        assert.ok(Math.abs(probe.duration - 0.75) < 0.011, `duration ${probe.duration}`);
        assertPixel(probe.opaque, [...COLOURS[0], 255], ext === 'gif' ? 6 : 0, `${ext} opaque pixel`);
        assert.equal(probe.clear[3], 0, `${ext} transparent pixel ${probe.clear.join(',')}`);
      } finally {
        await page.close();
      }
    });
  }

  it('shows every frame of a GIF with frame differences over transparency as the source: colour and alpha', async () => {
    const { width, height, frames } = SPRITE_SCENE;
    await Promise.all(Array.from({ length: frames }, (_, n) => writePng(join(env.dir, `s${n}.png`), paintRgba(width, height, (x, y) => SPRITE_SCENE.rgba(n, x, y)))));
    await stitch(join(env.dir, 's*.png'), join(env.dir, 'sprite.gif'), { fps: 10, overwrite: true });
    await writeFile(join(env.dir, 'sprite.html'), '<!doctype html><img src="sprite.gif">');
    const page = await env.browser.newPage();
    try {
      await page.goto(`${env.base}/sprite.html`);
      // ImageDecoder gives each frame as shown: composed over the ones before, after their disposal.
      const shown = (await page.evaluate(`(async () => {
        const decoder = new ImageDecoder({ data: (await fetch('sprite.gif')).body, type: 'image/gif' });
        await decoder.completed;
        const canvas = document.createElement('canvas');
        canvas.width = ${width}; canvas.height = ${height};
        const g = canvas.getContext('2d', { willReadFrequently: true });
        const out = [];
        for (let i = 0; i < decoder.tracks.selectedTrack.frameCount; i++) {
          g.clearRect(0, 0, ${width}, ${height});
          g.drawImage((await decoder.decode({ frameIndex: i })).image, 0, 0);
          out.push(Array.from(g.getImageData(0, 0, ${width}, ${height}).data));
        }
        return out;
      })()`)) as number[][];
      assert.equal(shown.length, frames, `Chromium shows ${frames} frames`);
      for (const [n, data] of shown.entries()) {
        let wrongAlpha = 0;
        let wrongColour = 0;
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const [r, g, b, a] = SPRITE_SCENE.rgba(n, x, y);
            const i = (y * width + x) * 4;
            if (data[i + 3] !== a) wrongAlpha++;
            else if (a === 255 && [r, g, b].some((v, c) => Math.abs((data[i + c] ?? 0) - v) > 6)) wrongColour++;
          }
        }
        assert.equal(wrongAlpha, 0, `Chromium, frame ${n}: opaque exactly where the source is (${wrongAlpha} pixels wrong)`);
        assert.equal(wrongColour, 0, `Chromium, frame ${n}: opaque pixels within 6 of the source colour (${wrongColour} wrong)`);
      }
    } finally {
      await page.close();
    }
  });
});
